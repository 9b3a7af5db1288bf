import type { MetaRepository } from '../../platform/db/meta.repository.js';
import { heibaoFeatures } from '../demo/heibao.js';
import { demoDeviceSecret } from '../devices/demo-speakers.js';
import { type AreaGeometry, centreOf } from '../regions/geometry.js';
import type { SimulatedMeterConfig } from './meter-simulator.js';
import type { WaterService } from './water.service.js';

/**
 * The demo's smart water meters: the three demo households of 西阳邱村 (the demo villager's own,
 * 王建国户, and 李秀兰户, an elderly household on the elderly register) and households of three more villages. Their
 * secrets derive from the published demo seed, like the demo speakers', so
 * `shuxiang simulate meters` can connect them from another process; never use them elsewhere.
 */
export interface DemoMeter extends SimulatedMeterConfig {
  name: string;
  regionCode: string;
  householdId: string | null;
  address: string | null;
  location: { lon: number; lat: number } | null;
  contactName: string | null;
  contactPhone: string | null;
  elderly: boolean;
  livesAlone: boolean;
}

const XIYANGQIU = '130631202206';
const MARKER = 'demo_meters_seeded_at';

/** [village, household id, name, address, contact, phone, elderly, alone, litres a day, anomalies] */
const plan: {
  village: string;
  grid?: string;
  householdId?: string;
  name: string;
  address: string;
  contact: string;
  phone: string;
  elderly?: boolean;
  alone?: boolean;
  litresPerDay: number;
  anomalies?: SimulatedMeterConfig['anomalies'];
}[] = [
  { village: XIYANGQIU, grid: `${XIYANGQIU}01`, householdId: '5a1e0000-0000-4000-8000-000000000001', name: '西阳邱村民户水表', address: '西阳邱村前街 12 号', contact: '西阳邱村民', phone: '13800000005', litresPerDay: 320, anomalies: { leakEveryDays: 19, leakLph: 6 } },
  { village: XIYANGQIU, grid: `${XIYANGQIU}01`, householdId: '5a1e0000-0000-4000-8000-000000000002', name: '王建国户水表', address: '西阳邱村后街 3 号', contact: '王建国', phone: '13900000102', litresPerDay: 410, anomalies: { burstEveryDays: 13 } },
  { village: XIYANGQIU, grid: `${XIYANGQIU}01`, householdId: '5a1e0000-0000-4000-8000-000000000003', name: '李秀兰户水表', address: '西阳邱村东街 8 号', contact: '李秀兰', phone: '13900000103', elderly: true, litresPerDay: 90, anomalies: { silentEveryDays: 11, silentDays: 4 } },
  { village: XIYANGQIU, name: '西阳邱村 4 号户水表', address: '西阳邱村南街 21 号', contact: '张桂芝', phone: '13900000104', litresPerDay: 260, anomalies: { spikeEveryDays: 9 } },
  { village: '130631202207', name: '东阳邱村 1 号户水表', address: '东阳邱村中街 5 号', contact: '赵文斌', phone: '13900000201', litresPerDay: 350, anomalies: { leakEveryDays: 23, leakLph: 12 } },
  { village: '130631202207', name: '东阳邱村 2 号户水表', address: '东阳邱村西街 17 号', contact: '刘淑英', phone: '13900000202', elderly: true, litresPerDay: 140, anomalies: { burstEveryDays: 11 } },
  { village: '130631202207', name: '东阳邱村 3 号户水表', address: '东阳邱村北街 2 号', contact: '孙志强', phone: '13900000203', litresPerDay: 480 },
];

let cached: DemoMeter[] | undefined;

/** The demo meters, with ids `wm-<village code>-<nn>` and positions near the centre of the region they are registered to. */
export function demoMeters(): DemoMeter[] {
  if (cached) return cached;
  const features = heibaoFeatures().features;
  const extra = ['西黑堡村', '东黑堡村'].flatMap((name, v) => {
    const village = features.find((f) => f.properties.level === 'village' && f.properties.name === name);
    if (!village) return [];
    return [1, 2].map((n) => ({
      village: village.properties.code,
      name: `${name} ${n} 号户水表`,
      address: `${name}${n === 1 ? '前街' : '后街'} ${n * 7 + v} 号`,
      contact: ['陈玉兰', '周建华', '吴秀珍', '郑国庆'][v * 2 + n - 1]!,
      phone: `1390000030${v * 2 + n}`,
      litresPerDay: 200 + 80 * n + 40 * v,
      anomalies: n === 1 ? { leakEveryDays: 29 + v * 4, leakLph: 4 } : { spikeEveryDays: 13 + v * 3 },
    }));
  });
  const counters = new Map<string, number>();
  cached = [...plan, ...extra].map((m) => {
    const n = (counters.get(m.village) ?? 0) + 1;
    counters.set(m.village, n);
    const id = `wm-${m.village}-${String(n).padStart(2, '0')}`;
    const regionCode = 'grid' in m && m.grid ? m.grid : m.village;
    const region = features.find((f) => f.properties.code === regionCode);
    const centre = region?.geometry ? centreOf(region.geometry as AreaGeometry) : undefined;
    // A few hundred metres apart at most: a grid is only about 350 m wide.
    const location = centre ? { lon: Math.round((centre[0] + 0.0005 * n - 0.0012) * 1e6) / 1e6, lat: Math.round((centre[1] + 0.0004 * ((n * 7) % 5) - 0.0008) * 1e6) / 1e6 } : null;
    return {
      id,
      secret: demoDeviceSecret(id),
      name: m.name,
      regionCode,
      householdId: 'householdId' in m && m.householdId ? m.householdId : null,
      address: m.address,
      location,
      contactName: m.contact,
      contactPhone: m.phone,
      elderly: ('elderly' in m && m.elderly) || false,
      livesAlone: ('alone' in m && m.alone) || false,
      litresPerDay: m.litresPerDay,
      anomalies: m.anomalies,
    };
  });
  return cached;
}

/** Registers the demo meters once (a marker remembers it, so deleted ones stay deleted). */
export async function seedDemoMeters(water: Pick<WaterService, 'createDemoMeter'>, meta: Pick<MetaRepository, 'get' | 'set'>, now: Date): Promise<void> {
  if (await meta.get(MARKER)) return;
  for (const meter of demoMeters()) {
    await water.createDemoMeter({
      id: meter.id,
      name: meter.name,
      regionCode: meter.regionCode,
      householdId: meter.householdId,
      address: meter.address,
      location: meter.location,
      contactName: meter.contactName,
      contactPhone: meter.contactPhone,
      elderly: meter.elderly,
      livesAlone: meter.livesAlone,
      secret: meter.secret,
    });
  }
  await meta.set(MARKER, now.toISOString());
}
