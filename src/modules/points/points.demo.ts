import type { HouseholdsService } from '../households/households.service.js';
import type { PointsService } from './points.service.js';
import type { StoreService } from './store.service.js';

const XIYANGQIU = '130631202206'; // 西阳邱村

/** Households of 西阳邱村 for the demo; the demo villager (13800000005) heads the first. */
export const demoHouseholds = [
  { id: '5a1e0000-0000-4000-8000-000000000001', villageCode: XIYANGQIU, name: '西阳邱村民户', address: '西阳邱村前街 12 号', headPhone: '13800000005' },
  { id: '5a1e0000-0000-4000-8000-000000000002', villageCode: XIYANGQIU, name: '王建国户', address: '西阳邱村后街 3 号' },
  { id: '5a1e0000-0000-4000-8000-000000000003', villageCode: XIYANGQIU, name: '李秀兰户', address: '西阳邱村东街 8 号' },
];

/** The 西阳邱村 points store (积分超市). */
export const demoStoreItems = [
  { id: '5a1e0000-0000-4000-8000-000000000101', villageCode: XIYANGQIU, name: '毛巾', description: '纯棉毛巾一条', price: 30, stock: 50, sortOrder: 10 },
  { id: '5a1e0000-0000-4000-8000-000000000102', villageCode: XIYANGQIU, name: '洗衣粉', description: '洗衣粉 1 kg', price: 50, stock: 30, sortOrder: 20 },
  { id: '5a1e0000-0000-4000-8000-000000000103', villageCode: XIYANGQIU, name: '大米', description: '大米 5 kg', price: 150, stock: 20, sortOrder: 30 },
  { id: '5a1e0000-0000-4000-8000-000000000104', villageCode: XIYANGQIU, name: '食用油', description: '花生油 5 L', price: 200, stock: 10, sortOrder: 40 },
];

/** Demo households, a stocked store and some points for the demo villager; safe to re-run. */
export async function seedPointsDemo(deps: { households: HouseholdsService; points: PointsService; store: StoreService }): Promise<void> {
  for (const household of demoHouseholds) await deps.households.createDemoHousehold(household);
  for (const item of demoStoreItems) await deps.store.createDemoItem(item);
  const villager = await deps.households.userIdByPhone('13800000005');
  const secretary = await deps.households.userIdByPhone('13800000003');
  if (villager && secretary) await deps.points.seedDemoPoints({ userId: villager, approverId: secretary, opening: 100, ruleCode: 'volunteer.service' });
}
