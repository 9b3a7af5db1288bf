import type { MetaRepository } from '../../platform/db/meta.repository.js';
import { noRequest } from '../../platform/request-context.js';
import type { AccountsService } from '../accounts/accounts.service.js';
import { seedDemoSpeakers } from '../devices/demo-speakers.js';
import type { DevicesService } from '../devices/devices.service.js';
import type { HouseholdsService } from '../households/households.service.js';
import { seedPointsDemo } from '../points/points.demo.js';
import type { PointsService } from '../points/points.service.js';
import type { StoreService } from '../points/store.service.js';
import type { Role } from '../accounts/roles.js';
import type { RegionsService } from '../regions/regions.service.js';
import { seedVillageServicesDemo } from '../village-services/village-services.demo.js';
import type { VillageServices } from '../village-services/village-services.routes.js';
import { seedPartyDemo } from '../party/party.demo.js';
import type { PartyServices } from '../party/party.module.js';
import { COUNTY, heibaoFeatures, TOWNSHIP } from './heibao.js';

export const DEMO_PASSWORD = 'shuxiang-demo';
export const DEMO_MARKER = 'demo_seeded_at';

const XIYANGQIU = `${TOWNSHIP.code}206`; // 西阳邱村, seat of the township government
const DONGYANGQIU = `${TOWNSHIP.code}207`; // 东阳邱村

/** One account per role, all in 西阳邱村 where a village is needed, plus a grid worker next door. */
export const demoAccounts: { phone: string; name: string; role: Role; regionCode: string; where: string }[] = [
  { phone: '13800000000', name: '县管理员', role: 'admin', regionCode: COUNTY.code, where: '望都县' },
  { phone: '13800000001', name: '乡镇党政办', role: 'township_staff', regionCode: TOWNSHIP.code, where: '黑堡乡' },
  { phone: '13800000002', name: '西阳邱村干部', role: 'village_cadre', regionCode: XIYANGQIU, where: '西阳邱村' },
  { phone: '13800000003', name: '西阳邱支部书记', role: 'branch_secretary', regionCode: XIYANGQIU, where: '西阳邱村' },
  { phone: '13800000004', name: '西阳邱网格员', role: 'grid_worker', regionCode: `${XIYANGQIU}01`, where: '西阳邱村第一网格' },
  { phone: '13800000005', name: '西阳邱村民', role: 'villager', regionCode: XIYANGQIU, where: '西阳邱村' },
  { phone: '13800000006', name: '东阳邱网格员', role: 'grid_worker', regionCode: `${DONGYANGQIU}01`, where: '东阳邱村第一网格' },
];

/** Given names of the grid workers added to every other grid, in grid order (west→east, south→north). */
const GRID_WORKER_NAMES = [
  '张立新', '宋德明', '安春生', '武振华', '闫海燕', '郝建军', '康瑞祥', '冯丽娟',
  '顾志刚', '韩秀芝', '白永胜', '杨国栋', '马玉芬', '高树林', '贾红霞', '邱文海',
  '田宝山', '黄凤英', '许长河', '李家旺', '任淑琴', '吕建平', '魏春燕', '胡振江',
  '曹桂英', '彭海军', '董秀云', '袁立国', '段金凤', '侯永刚', '蒋丽华', '谷福来',
  '崔志勇', '唐素梅', '程广明', '范秋菊', '潘玉林', '石红英', '薛建新', '邓志华',
  '苗俊峰', '姜玉洁',
];

/**
 * A grid worker for every demo grid that the accounts above leave without one, so that no report
 * waits where nobody looks: phone 1380001VVGG, VV the village's number (its code ends in 2VV) and GG
 * the grid's, e.g. 13800010603 for 西阳邱村第三网格.
 */
export function demoGridWorkers(): { phone: string; name: string; role: Role; regionCode: string; where: string }[] {
  const covered = new Set(demoAccounts.filter((a) => a.role === 'grid_worker').map((a) => a.regionCode));
  const grids = heibaoFeatures().features.filter((f) => f.properties.level === 'grid' && !covered.has(f.properties.code));
  return grids.map((grid, k) => {
    const code = grid.properties.code;
    return {
      phone: `1380001${code.slice(-4)}`,
      name: GRID_WORKER_NAMES[k]!,
      role: 'grid_worker' as const,
      regionCode: code,
      where: grid.properties.name,
    };
  });
}

const GRID_WORKERS_MARKER = 'demo_grid_workers_seeded_at';

/** Adds the grid workers once (a demo seeded before they existed gets them on its next start). */
async function seedDemoGridWorkers(accounts: AccountsService, meta: MetaRepository, now: Date): Promise<void> {
  if (await meta.get(GRID_WORKERS_MARKER)) return;
  await Promise.all(demoGridWorkers().map((worker) => accounts.createDemoUser({ ...worker, password: DEMO_PASSWORD })));
  await meta.set(GRID_WORKERS_MARKER, now.toISOString());
}

export interface DemoSeedDeps {
  regions: RegionsService;
  accounts: AccountsService;
  meta: MetaRepository;
  households: HouseholdsService;
  points: PointsService;
  store: StoreService;
  devices: DevicesService;
  villageServices: VillageServices;
  party: PartyServices;
}

/**
 * Seeds the demo once. Safe to re-run after an interruption: regions upsert by code and users
 * are skipped when their phone exists; the marker is written last.
 */
export async function seedDemo({ regions, accounts, meta, households, points, store, devices, villageServices, party }: DemoSeedDeps, now: Date): Promise<boolean> {
  if (await meta.get(DEMO_MARKER)) {
    await seedDemoSpeakers(devices, meta, now); // a demo seeded before there were devices gets its speakers
    await seedVillageServicesDemo(villageServices, meta, now); // likewise its notices, service guides and elderly
    await seedPartyDemo({ party, accounts, meta }, DEMO_PASSWORD, now); // and its party organisation
    await seedDemoGridWorkers(accounts, meta, now); // and a worker in every grid
    return false;
  }
  await regions.importFeatures(null, heibaoFeatures(), noRequest);
  for (const account of demoAccounts) {
    await accounts.createDemoUser({ ...account, password: DEMO_PASSWORD });
  }
  await seedDemoGridWorkers(accounts, meta, now);
  await seedPointsDemo({ households, points, store });
  await seedDemoSpeakers(devices, meta, now);
  await seedVillageServicesDemo(villageServices, meta, now);
  await seedPartyDemo({ party, accounts, meta }, DEMO_PASSWORD, now);
  await meta.set(DEMO_MARKER, now.toISOString());
  return true;
}

export async function hasDemoData(meta: MetaRepository): Promise<boolean> {
  return (await meta.get(DEMO_MARKER)) !== undefined;
}
