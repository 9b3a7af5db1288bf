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
    return false;
  }
  await regions.importFeatures(null, heibaoFeatures(), noRequest);
  for (const account of demoAccounts) {
    await accounts.createDemoUser({ ...account, password: DEMO_PASSWORD });
  }
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
