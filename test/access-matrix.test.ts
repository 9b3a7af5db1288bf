import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../src/modules/accounts/roles.js';
import { type Actor, noRequest } from '../src/platform/request-context.js';
import { localDate } from '../src/platform/working-time.js';
import { toneWav } from './support/audio.js';
import { makeJpeg } from './support/images.js';
import { multipartBody, photosForm } from './support/multipart.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * Every endpoint, called as every role, on data inside and outside the caller's region.
 * A foreign region's data answers 404 (its existence is not revealed), a forbidden action 403.
 * Later modules add their endpoints to `cases` below.
 *
 * The demo callers sit at: admin → 望都县; township_staff → 黑堡乡; village_cadre,
 * branch_secretary, villager → 西阳邱村; grid_worker → 西阳邱村第一网格. The "foreign" data is
 * 东阳邱村 (a neighbouring village) and 固店镇 (another township, with its own staff member).
 */

const HOME_VILLAGE = '130631202206'; // 西阳邱村
const HOME_GRID = '13063120220601';
const NEIGHBOUR_VILLAGE = '130631202207'; // 东阳邱村
const OTHER_TOWNSHIP = '130631203'; // 固店镇, created below

const roles: Role[] = ['admin', 'township_staff', 'village_cadre', 'branch_secretary', 'grid_worker', 'villager'];

type Expect = Record<Role, number>;
const all = (status: number): Expect => Object.fromEntries(roles.map((r) => [r, status])) as Expect;
const by = (admin: number, staff: number, cadre: number, secretary: number, grid: number, villager: number): Expect => ({
  admin,
  township_staff: staff,
  village_cadre: cadre,
  branch_secretary: secretary,
  grid_worker: grid,
  villager,
});

interface Fixture {
  neighbourUserId: string;
  /** A live session of the neighbour village's grid worker. */
  foreignSessionId: string;
  otherTownshipUserId: string;
  homeVillagerId: string;
  homeGridCentre: [number, number];
  neighbourGridCentre: [number, number];
  jpeg: Buffer;
  /** Uploaded by the home villager; its signed URLs. */
  villagerPhoto: { id: string; url: string; thumbUrl: string };
  /** Cases reported by the home villager in their own grid, by the neighbour village's grid worker there, and in 固店镇. */
  homeCase: string;
  neighbourCase: string;
  otherTownshipCase: string;
  /** One fresh case per role for the actions that change a case. */
  homeCaseFor: Record<Role, string>;
  neighbourCaseFor: Record<Role, string>;
  points: PointsFixture;
  /** A broadcast by the township staff to 西阳邱村. */
  homeBroadcast: string;
}

/** Households and points: rules, pending claims, entries and reserved orders in 西阳邱村 and 东阳邱村. */
interface PointsFixture {
  neighbourHousehold: string;
  claimRule: string;
  courtyardRule: string;
  platformRule: string;
  homeClaimFor: Record<Role, string>;
  neighbourClaimFor: Record<Role, string>;
  neighbourEntryFor: Record<Role, string>;
  homeItem: string;
  homeOrderFor: Record<Role, string>;
  neighbourOrderFor: Record<Role, string>;
}

interface Case {
  name: string;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  url: (f: Fixture, role: Role) => string;
  body?: (role: Role, f: Fixture) => unknown;
  /** A non-JSON body (multipart) with its headers, instead of `body`. */
  raw?: (role: Role, f: Fixture) => { payload: Buffer; headers: Record<string, string> };
  expect: Expect;
  /** Status without a token where it is not the usual 401 (signed URLs need no login). */
  anonymous?: number;
}

let phoneSeq = 0;
const freshPhone = () => `1371234${String(phoneSeq++).padStart(4, '0')}`;

const cases: Case[] = [
  { name: 'who am I', method: 'GET', url: () => '/api/auth/me', expect: all(200) },
  // Sessions: everyone lists their own; someone else's session is not found.
  { name: 'list my sessions', method: 'GET', url: () => '/api/auth/sessions', expect: all(200) },
  { name: 'end someone else’s session', method: 'DELETE', url: (f) => `/api/auth/sessions/${f.foreignSessionId}`, expect: all(404) },
  // WeChat binding: one's own only (off in the tests: no binding to remove).
  { name: 'my WeChat binding', method: 'GET', url: () => '/api/auth/wechat/binding', expect: all(200) },
  { name: 'unbind my WeChat', method: 'DELETE', url: () => '/api/auth/wechat/binding', expect: all(404) },

  // Regions: own subtree and ancestors readable; neighbours and other townships are not.
  { name: 'read own village', method: 'GET', url: () => `/api/regions/${HOME_VILLAGE}`, expect: all(200) },
  { name: 'read the township above', method: 'GET', url: () => '/api/regions/130631202', expect: all(200) },
  { name: 'read a neighbouring village', method: 'GET', url: () => `/api/regions/${NEIGHBOUR_VILLAGE}`, expect: by(200, 200, 404, 404, 404, 404) },
  { name: 'read another township', method: 'GET', url: () => `/api/regions/${OTHER_TOWNSHIP}`, expect: by(200, 404, 404, 404, 404, 404) },
  { name: 'children of a neighbouring village', method: 'GET', url: () => `/api/regions/${NEIGHBOUR_VILLAGE}/children`, expect: by(200, 200, 404, 404, 404, 404) },
  { name: 'list regions', method: 'GET', url: () => '/api/regions', expect: all(200) },
  {
    name: 'locate in own village (grid 1)',
    method: 'GET',
    url: (f) => `/api/regions/locate?lon=${f.homeGridCentre[0]}&lat=${f.homeGridCentre[1]}`,
    expect: all(200),
  },
  {
    name: 'locate in a neighbouring village',
    method: 'GET',
    url: (f) => `/api/regions/locate?lon=${f.neighbourGridCentre[0]}&lat=${f.neighbourGridCentre[1]}`,
    expect: by(200, 200, 404, 404, 404, 404),
  },
  { name: 'update own village', method: 'PATCH', url: () => `/api/regions/${HOME_VILLAGE}`, body: () => ({ households: 640 }), expect: by(200, 200, 403, 403, 403, 403) },
  { name: 'update another township', method: 'PATCH', url: () => `/api/regions/${OTHER_TOWNSHIP}`, body: () => ({ households: 10 }), expect: by(200, 404, 403, 403, 403, 403) },
  {
    name: 'import into own village',
    method: 'POST',
    url: () => '/api/regions/import',
    body: (role) => ({
      type: 'FeatureCollection',
      features: [{ type: 'Feature', properties: { code: `${HOME_VILLAGE}9${roles.indexOf(role)}`, name: '新网格', level: 'grid', parentCode: HOME_VILLAGE }, geometry: null }],
    }),
    expect: by(200, 200, 403, 403, 403, 403),
  },
  {
    name: 'import into another township',
    method: 'POST',
    url: () => '/api/regions/import',
    body: (role) => ({
      type: 'FeatureCollection',
      features: [{ type: 'Feature', properties: { code: `1306312033${roles.indexOf(role)}9`, name: '新村', level: 'village', parentCode: OTHER_TOWNSHIP }, geometry: null }],
    }),
    expect: by(200, 403, 403, 403, 403, 403),
  },

  // Users: managers see their subtree; grid workers and villagers manage nobody.
  { name: 'list users', method: 'GET', url: () => '/api/users', expect: by(200, 200, 200, 200, 403, 403) },
  { name: 'read a user in own village', method: 'GET', url: (f) => `/api/users/${f.homeVillagerId}`, expect: by(200, 200, 200, 200, 403, 200) },
  { name: 'read a user in a neighbouring village', method: 'GET', url: (f) => `/api/users/${f.neighbourUserId}`, expect: by(200, 200, 404, 404, 403, 403) },
  { name: 'read a user in another township', method: 'GET', url: (f) => `/api/users/${f.otherTownshipUserId}`, expect: by(200, 404, 404, 404, 403, 403) },
  {
    name: 'create a villager in own village',
    method: 'POST',
    url: () => '/api/users',
    body: () => ({ phone: freshPhone(), name: '新村民', role: 'villager', regionCode: HOME_VILLAGE }),
    expect: by(201, 201, 403, 403, 403, 403),
  },
  {
    name: 'create a villager in another township',
    method: 'POST',
    url: () => '/api/users',
    body: () => ({ phone: freshPhone(), name: '外镇村民', role: 'villager', regionCode: `${OTHER_TOWNSHIP}301` }),
    expect: by(201, 404, 403, 403, 403, 403),
  },
  { name: 'rename a user in another township', method: 'PATCH', url: (f) => `/api/users/${f.otherTownshipUserId}`, body: () => ({ name: '改名' }), expect: by(200, 404, 403, 403, 403, 403) },
  { name: 'rename a user in a neighbouring village', method: 'PATCH', url: (f) => `/api/users/${f.neighbourUserId}`, body: () => ({ name: '改名' }), expect: by(200, 200, 403, 403, 403, 403) },
  { name: 'reset a password in another township', method: 'POST', url: (f) => `/api/users/${f.otherTownshipUserId}/reset-password`, expect: by(200, 404, 403, 403, 403, 403) },

  // Cases: the reporter, and the handlers of the case's region; nobody else learns it exists.
  { name: 'list cases', method: 'GET', url: () => '/api/cases', expect: all(200) },
  { name: 'read a case in own grid', method: 'GET', url: (f) => `/api/cases/${f.homeCase}`, expect: all(200) },
  { name: 'read a case in a neighbouring village', method: 'GET', url: (f) => `/api/cases/${f.neighbourCase}`, expect: by(200, 200, 404, 404, 404, 404) },
  { name: 'read a case in another township', method: 'GET', url: (f) => `/api/cases/${f.otherTownshipCase}`, expect: by(200, 404, 404, 404, 404, 404) },
  { name: 'accept a case in own grid', method: 'POST', url: (f, role) => `/api/cases/${f.homeCaseFor[role]}/accept`, expect: by(200, 200, 200, 200, 200, 403) },
  { name: 'accept a case in a neighbouring village', method: 'POST', url: (f, role) => `/api/cases/${f.neighbourCaseFor[role]}/accept`, expect: by(200, 200, 404, 404, 404, 404) },
  { name: 'reject a case in a neighbouring village', method: 'POST', url: (f, role) => `/api/cases/${f.neighbourCaseFor[role]}/reject`, body: () => ({ reason: '无效' }), expect: by(200, 200, 404, 404, 404, 404) },
  { name: 'escalate a case in another township', method: 'POST', url: (f) => `/api/cases/${f.otherTownshipCase}/escalate`, body: () => ({ reason: '越权' }), expect: by(200, 404, 404, 404, 404, 404) },
  { name: 'comment on a case in own grid', method: 'POST', url: (f) => `/api/cases/${f.homeCase}/comments`, body: () => ({ text: '请尽快处理' }), expect: all(200) },
  { name: 'nearby open cases', method: 'GET', url: (f) => `/api/cases/nearby?lon=${f.homeGridCentre[0]}&lat=${f.homeGridCentre[1]}`, expect: all(200) },
  { name: 'case categories', method: 'GET', url: () => '/api/case-categories', expect: all(200) },
  {
    name: 'add a case category',
    method: 'POST',
    url: () => '/api/case-categories',
    body: (role) => ({ code: `matrix_${roles.indexOf(role)}`, name: '测试类别', nameEn: 'Test', acceptHours: 4, resolveHours: 8 }),
    expect: by(201, 403, 403, 403, 403, 403),
  },
  { name: 'my notifications', method: 'GET', url: () => '/api/notifications', expect: all(200) },
  // Web Push and notification preferences: everyone, for themselves only.
  { name: 'my push status', method: 'GET', url: () => '/api/push', expect: all(200) },
  {
    name: 'subscribe to push',
    method: 'POST',
    url: () => '/api/push/subscriptions',
    body: (role) => ({ endpoint: `https://fcm.googleapis.com/fcm/send/matrix-${role}`, keys: { p256dh: `B${'A'.repeat(86)}`, auth: 'A'.repeat(22) } }),
    expect: all(204),
  },
  { name: 'unsubscribe someone else’s browser', method: 'DELETE', url: () => '/api/push/subscriptions', body: () => ({ endpoint: 'https://fcm.googleapis.com/fcm/send/nobody' }), expect: all(404) },
  { name: 'my notification preferences', method: 'GET', url: () => '/api/notification-preferences', expect: all(200) },
  {
    name: 'change my notification preferences',
    method: 'PUT',
    url: () => '/api/notification-preferences',
    body: () => ({ push: true, smsMustNotMiss: true, quietStart: '22:30', quietEnd: '06:30' }),
    expect: all(200),
  },
  { name: 'set a holiday', method: 'PUT', url: () => '/api/calendar-overrides/2027-01-01', body: () => ({ isWorkday: false, name: '元旦' }), expect: by(200, 403, 403, 403, 403, 403) },
  // 值班表: township staff keep their township's roster (the administrator names the township); village people read it.
  { name: 'read the duty roster', method: 'GET', url: () => '/api/duty?from=2027-01-01&to=2027-01-07&townshipCode=130631202', expect: by(200, 200, 200, 200, 403, 403) },
  { name: 'read another township’s duty roster', method: 'GET', url: () => `/api/duty?from=2027-01-01&to=2027-01-07&townshipCode=${OTHER_TOWNSHIP}`, expect: by(200, 404, 404, 404, 403, 403) },
  { name: 'set a duty day', method: 'PUT', url: () => '/api/duty/2027-01-01', body: () => ({ townshipCode: '130631202', userIds: [] }), expect: by(200, 200, 403, 403, 403, 403) },
  { name: 'set another township’s duty day', method: 'PUT', url: () => '/api/duty/2027-01-01', body: () => ({ townshipCode: OTHER_TOWNSHIP, userIds: [] }), expect: by(200, 404, 403, 403, 403, 403) },
  { name: 'Open311 keys', method: 'GET', url: () => '/api/open311/keys', expect: by(200, 200, 403, 403, 403, 403) },
  {
    name: 'issue an Open311 key in another township',
    method: 'POST',
    url: () => '/api/open311/keys',
    body: () => ({ name: '外镇热线', regionCode: OTHER_TOWNSHIP }),
    expect: by(201, 404, 403, 403, 403, 403),
  },
  { name: 'SMS outbox', method: 'GET', url: () => '/api/sms-outbox', expect: by(200, 200, 403, 403, 403, 403) },
  // 云播: staff reach the township, cadres and secretaries their village; grid workers may listen in.
  { name: 'list broadcasts', method: 'GET', url: () => '/api/broadcasts', expect: by(200, 200, 200, 200, 200, 403) },
  { name: 'read a broadcast to own village', method: 'GET', url: (f) => `/api/broadcasts/${f.homeBroadcast}`, expect: by(200, 200, 200, 200, 200, 403) },
  {
    name: 'broadcast to own village',
    method: 'POST',
    url: () => '/api/broadcasts',
    body: () => ({ id: randomUUID(), title: '矩阵', text: '矩阵测试广播。', target: { type: 'villages', codes: [HOME_VILLAGE] } }),
    expect: by(201, 201, 201, 201, 403, 403),
  },
  {
    name: 'broadcast to a neighbouring village',
    method: 'POST',
    url: () => '/api/broadcasts',
    body: () => ({ id: randomUUID(), title: '矩阵', text: '矩阵测试广播。', target: { type: 'villages', codes: [NEIGHBOUR_VILLAGE] } }),
    expect: by(201, 201, 404, 404, 403, 403),
  },
  {
    name: 'broadcast to another township',
    method: 'POST',
    url: () => '/api/broadcasts',
    body: () => ({ id: randomUUID(), title: '矩阵', text: '矩阵测试广播。', target: { type: 'township', codes: [OTHER_TOWNSHIP] } }),
    expect: by(201, 404, 404, 404, 403, 403),
  },
  { name: 'list broadcast programmes', method: 'GET', url: () => '/api/broadcast-schedules', expect: by(200, 200, 200, 200, 200, 403) },

  // Households: cadres keep their village's register; everyone reads their own household.
  { name: 'list households', method: 'GET', url: () => '/api/households', expect: by(200, 200, 200, 200, 403, 403) },
  { name: 'my household', method: 'GET', url: () => '/api/households/mine', expect: all(200) },
  { name: 'read a household in a neighbouring village', method: 'GET', url: (f) => `/api/households/${f.points.neighbourHousehold}`, expect: by(200, 200, 404, 404, 403, 403) },
  { name: 'join link of my village', method: 'GET', url: () => `/api/villages/${HOME_VILLAGE}/join-link`, expect: by(200, 200, 200, 200, 403, 403) },
  { name: 'join link of a neighbouring village', method: 'GET', url: () => `/api/villages/${NEIGHBOUR_VILLAGE}/join-link`, expect: by(200, 200, 404, 404, 403, 403) },
  { name: 'list registrations', method: 'GET', url: () => '/api/registrations', expect: by(200, 200, 200, 200, 403, 403) },
  { name: 'register a household in own village', method: 'POST', url: () => '/api/households', body: () => ({ villageCode: HOME_VILLAGE, name: '矩阵户' }), expect: by(201, 201, 201, 201, 403, 403) },
  {
    name: 'register a household in a neighbouring village',
    method: 'POST',
    url: () => '/api/households',
    body: () => ({ villageCode: NEIGHBOUR_VILLAGE, name: '越界户' }),
    expect: by(201, 201, 404, 404, 403, 403),
  },

  // Points: public rules and rankings of one's own village; claims decided, points given and
  // ledgers read by the cadres of the region; the store run by the village.
  { name: 'points rules', method: 'GET', url: () => '/api/points/rules', expect: all(200) },
  { name: 'points rules of a neighbouring village', method: 'GET', url: () => `/api/points/rules?region=${NEIGHBOUR_VILLAGE}`, expect: by(200, 200, 404, 404, 404, 404) },
  {
    name: 'add a points rule for own village',
    method: 'POST',
    url: () => '/api/points/rules',
    body: (role) => ({ regionCode: HOME_VILLAGE, code: `matrix.home${roles.indexOf(role)}`, name: '矩阵规则', category: 'civic', earner: 'assigned', points: 1 }),
    expect: by(201, 201, 201, 201, 403, 403),
  },
  {
    name: 'add a points rule for a neighbouring village',
    method: 'POST',
    url: () => '/api/points/rules',
    body: (role) => ({ regionCode: NEIGHBOUR_VILLAGE, code: `matrix.away${roles.indexOf(role)}`, name: '越界规则', category: 'civic', earner: 'assigned', points: 1 }),
    expect: by(201, 201, 404, 404, 403, 403),
  },
  { name: 'change a platform default rule', method: 'PATCH', url: (f) => `/api/points/rules/${f.points.platformRule}`, body: () => ({ points: 3 }), expect: by(200, 403, 403, 403, 403, 403) },
  {
    name: 'claim points',
    method: 'POST',
    url: () => '/api/points/claims',
    body: (_role, f) => ({ id: randomUUID(), ruleId: f.points.claimRule, description: '矩阵测试', occurredOn: localDate(new Date()), photoIds: [] }),
    expect: by(403, 403, 403, 403, 201, 201),
  },
  { name: 'list points claims', method: 'GET', url: () => '/api/points/claims', expect: all(200) },
  { name: 'approve a claim in own village', method: 'POST', url: (f, role) => `/api/points/claims/${f.points.homeClaimFor[role]}/approve`, expect: by(200, 200, 200, 200, 403, 403) },
  {
    name: 'approve a claim in a neighbouring village',
    method: 'POST',
    url: (f, role) => `/api/points/claims/${f.points.neighbourClaimFor[role]}/approve`,
    expect: by(200, 200, 404, 404, 403, 403),
  },
  {
    name: 'give points in own village',
    method: 'POST',
    url: () => '/api/points/awards',
    body: (_role, f) => ({ id: randomUUID(), ruleId: f.points.courtyardRule, userIds: [f.homeVillagerId], reason: '矩阵测试' }),
    expect: by(200, 200, 200, 200, 403, 403),
  },
  {
    name: 'give points in a neighbouring village',
    method: 'POST',
    url: () => '/api/points/awards',
    body: (_role, f) => ({ id: randomUUID(), ruleId: f.points.courtyardRule, userIds: [f.neighbourUserId], reason: '越界' }),
    expect: by(200, 200, 404, 404, 403, 403),
  },
  {
    name: 'correct an entry in a neighbouring village',
    method: 'POST',
    url: (f, role) => `/api/points/entries/${f.points.neighbourEntryFor[role]}/correct`,
    body: () => ({ reason: '矩阵测试' }),
    expect: by(200, 200, 404, 404, 403, 403),
  },
  { name: 'my points ledger', method: 'GET', url: () => '/api/points/ledger', expect: all(200) },
  { name: 'my household’s points ledger', method: 'GET', url: () => '/api/points/ledger?of=household', expect: all(200) },
  { name: 'the region’s points ledger', method: 'GET', url: () => '/api/points/ledger?of=region', expect: by(200, 200, 200, 200, 403, 403) },
  { name: 'a neighbouring village’s points ledger', method: 'GET', url: () => `/api/points/ledger?of=region&region=${NEIGHBOUR_VILLAGE}`, expect: by(200, 200, 404, 404, 403, 403) },
  { name: 'export the region’s points ledger', method: 'GET', url: () => '/api/points/ledger?of=region&format=csv', expect: by(200, 200, 200, 200, 403, 403) },
  { name: 'my points balance', method: 'GET', url: () => '/api/points/balance', expect: all(200) },
  { name: 'the balance of someone in a neighbouring village', method: 'GET', url: (f) => `/api/points/balance?userId=${f.neighbourUserId}`, expect: by(200, 200, 404, 404, 403, 403) },
  { name: 'points rankings of own village', method: 'GET', url: () => `/api/points/rankings?region=${HOME_VILLAGE}`, expect: all(200) },
  { name: 'points rankings of a neighbouring village', method: 'GET', url: () => `/api/points/rankings?region=${NEIGHBOUR_VILLAGE}`, expect: by(200, 200, 404, 404, 404, 404) },
  { name: 'points store items', method: 'GET', url: () => '/api/points/store/items', expect: all(200) },
  {
    name: 'stock an item in own village',
    method: 'POST',
    url: () => '/api/points/store/items',
    body: () => ({ villageCode: HOME_VILLAGE, name: '矩阵商品', price: 10, stock: 5 }),
    expect: by(201, 201, 201, 201, 403, 403),
  },
  {
    name: 'stock an item in a neighbouring village',
    method: 'POST',
    url: () => '/api/points/store/items',
    body: () => ({ villageCode: NEIGHBOUR_VILLAGE, name: '越界商品', price: 10, stock: 5 }),
    expect: by(201, 201, 404, 404, 403, 403),
  },
  {
    name: 'redeem an item of own village',
    method: 'POST',
    url: () => '/api/points/store/orders',
    body: (_role, f) => ({ id: randomUUID(), itemId: f.points.homeItem }),
    expect: by(403, 403, 403, 403, 201, 201),
  },
  { name: 'points store orders', method: 'GET', url: () => '/api/points/store/orders', expect: all(200) },
  { name: 'hand over an order in own village', method: 'POST', url: (f, role) => `/api/points/store/orders/${f.points.homeOrderFor[role]}/complete`, expect: by(200, 200, 200, 200, 403, 403) },
  {
    name: 'cancel an order in a neighbouring village',
    method: 'POST',
    url: (f, role) => `/api/points/store/orders/${f.points.neighbourOrderFor[role]}/cancel`,
    body: () => ({ reason: '矩阵测试' }),
    expect: by(200, 200, 404, 404, 404, 404),
  },

  // Audit trail: county and township staff only.
  { name: 'read the audit trail', method: 'GET', url: () => '/api/audit-events', expect: by(200, 200, 403, 403, 403, 403) },
  { name: 'export the audit trail as CSV', method: 'GET', url: () => '/api/audit/export', expect: by(200, 200, 403, 403, 403, 403) },
  { name: 'verify the audit hash chain', method: 'GET', url: () => '/api/audit/verify', expect: by(200, 403, 403, 403, 403, 403) },

  // Photos: anyone signed in uploads; a photo is fetched only by a signed URL, which is the
  // permission (it is handed out only with the case it belongs to), so the login does not matter.
  { name: 'upload a photo', method: 'POST', url: () => '/api/photos', raw: (_role, f) => photosForm([{ name: 'a.jpg', data: f.jpeg }]), expect: all(201) },
  { name: 'fetch a villager’s photo by its signed URL', method: 'GET', url: (f) => f.villagerPhoto.url, expect: all(200), anonymous: 200 },
  { name: 'fetch a villager’s thumbnail by its signed URL', method: 'GET', url: (f) => f.villagerPhoto.thumbUrl, expect: all(200), anonymous: 200 },
  { name: 'fetch a villager’s photo without a signature', method: 'GET', url: (f) => `/api/photos/${f.villagerPhoto.id}`, expect: all(403), anonymous: 403 },
  {
    name: 'fetch a villager’s thumbnail with the photo’s signature',
    method: 'GET',
    url: (f) => `/api/photos/${f.villagerPhoto.id}/thumb${f.villagerPhoto.url.slice(f.villagerPhoto.url.indexOf('?'))}`,
    expect: all(403),
    anonymous: 403,
  },

  // 云播 audio: those who broadcast make speech and upload files; a clip is read in its region and
  // below it (a township's announcement serves its villages); devices fetch files by signed URL.
  {
    name: 'speak a text',
    method: 'POST',
    url: () => '/api/audio/tts',
    body: (role) => ({ text: `矩阵测试广播，第${roles.indexOf(role)}条。` }),
    expect: by(201, 201, 201, 201, 403, 403),
  },
  {
    name: 'upload an audio file',
    method: 'POST',
    url: () => '/api/audio',
    raw: () => multipartBody([{ field: 'audio', filename: 'a.wav', contentType: 'audio/wav', data: toneWav(0.2) }]),
    expect: by(201, 201, 201, 201, 403, 403),
  },
  { name: 'read an audio clip of own village', method: 'GET', url: () => `/api/audio/${audioClips.village.id}`, expect: by(200, 200, 200, 200, 403, 403) },
  { name: 'read an audio clip of the township above', method: 'GET', url: () => `/api/audio/${audioClips.township.id}`, expect: by(200, 200, 200, 200, 403, 403) },
  { name: 'read an audio clip of a neighbouring village', method: 'GET', url: () => `/api/audio/${audioClips.neighbour.id}`, expect: by(200, 200, 404, 404, 403, 403) },
  { name: 'read an audio clip of another township', method: 'GET', url: () => `/api/audio/${audioClips.otherTownship.id}`, expect: by(200, 404, 404, 404, 403, 403) },
  { name: 'fetch an audio file by its signed URL', method: 'GET', url: () => audioClips.neighbour.url, expect: all(200), anonymous: 200 },
  { name: 'fetch an audio file without a signature', method: 'GET', url: () => `/api/audio/${audioClips.village.id}/file`, expect: all(403), anonymous: 403 },
  // Devices (智能音柱): read by the village's people who work (grid workers only in their grid),
  // registered and changed by cadres of the village and the township; villagers see none. The
  // demo has two speakers in every village, e.g. spk-130631202206-01 in 西阳邱村.
  { name: 'list devices', method: 'GET', url: () => '/api/devices', expect: by(200, 200, 200, 200, 200, 403) },
  { name: 'device stats', method: 'GET', url: () => '/api/devices/stats', expect: by(200, 200, 200, 200, 200, 403) },
  { name: 'device availability (7 days)', method: 'GET', url: () => '/api/device-health/availability', expect: by(200, 200, 200, 200, 200, 403) },
  { name: 'read a speaker in own village', method: 'GET', url: () => `/api/devices/spk-${HOME_VILLAGE}-01`, expect: by(200, 200, 200, 200, 404, 403) },
  { name: 'read a speaker in a neighbouring village', method: 'GET', url: () => `/api/devices/spk-${NEIGHBOUR_VILLAGE}-01`, expect: by(200, 200, 404, 404, 404, 403) },
  {
    name: 'register a speaker in own village',
    method: 'POST',
    url: () => '/api/devices',
    body: (role) => ({ id: `spk-matrix-home-${roles.indexOf(role)}`, name: '矩阵音柱', regionCode: HOME_VILLAGE }),
    expect: by(201, 201, 201, 201, 403, 403),
  },
  {
    name: 'register a speaker in a neighbouring village',
    method: 'POST',
    url: () => '/api/devices',
    body: (role) => ({ id: `spk-matrix-away-${roles.indexOf(role)}`, name: '越界音柱', regionCode: NEIGHBOUR_VILLAGE }),
    expect: by(201, 201, 404, 404, 403, 403),
  },
  { name: 'rename a speaker in own village', method: 'PATCH', url: () => `/api/devices/spk-${HOME_VILLAGE}-02`, body: () => ({ name: '村口音柱' }), expect: by(200, 200, 200, 200, 403, 403) },
  {
    name: 'change a speaker in a neighbouring village',
    method: 'PATCH',
    url: () => `/api/devices/spk-${NEIGHBOUR_VILLAGE}-02`,
    body: () => ({ volume: 40 }),
    expect: by(200, 200, 404, 404, 403, 403),
  },
  { name: 'rotate a speaker’s secret in a neighbouring village', method: 'POST', url: () => `/api/devices/spk-${NEIGHBOUR_VILLAGE}-01/rotate-secret`, expect: by(200, 200, 404, 404, 403, 403) },
  { name: 'remove a speaker in a neighbouring village', method: 'DELETE', url: (_f, role) => `/api/devices/${matrixDevices.neighbourFor[role]}`, expect: by(204, 204, 404, 404, 403, 403) },
  { name: 'remove a speaker in own village', method: 'DELETE', url: (_f, role) => `/api/devices/${matrixDevices.homeFor[role]}`, expect: by(204, 204, 204, 204, 403, 403) },
  // 乡村信息、办证办事、养老: notices are read in their region and below it (a township's reach its
  // villages) and published by cadres to their own village only; the village's requests are the
  // requester's and its handlers'; the elderly register is for those who work, visits for carers
  // (grid workers only in their grid), the public archive and read-aloud for everyone.
  { name: 'list notices', method: 'GET', url: () => '/api/notices', expect: all(200) },
  { name: 'read a notice of own village', method: 'GET', url: () => `/api/notices/${villageServices.homeNotice}`, expect: all(200) },
  { name: 'read a notice of the township above', method: 'GET', url: () => `/api/notices/${villageServices.townshipNotice}`, expect: all(200) },
  { name: 'read a notice of a neighbouring village', method: 'GET', url: () => `/api/notices/${villageServices.neighbourNotice}`, expect: by(200, 200, 404, 404, 404, 404) },
  { name: 'read a draft notice of own village', method: 'GET', url: () => `/api/notices/${villageServices.homeDraft}`, expect: by(200, 200, 200, 200, 404, 404) },
  {
    name: 'publish a notice to own village',
    method: 'POST',
    url: () => '/api/notices',
    body: () => ({ id: randomUUID(), kind: 'notice', title: '矩阵通知', body: '矩阵测试。', regionCode: HOME_VILLAGE }),
    expect: by(201, 201, 201, 201, 403, 403),
  },
  {
    name: 'publish a notice to a neighbouring village',
    method: 'POST',
    url: () => '/api/notices',
    body: () => ({ id: randomUUID(), kind: 'notice', title: '越界通知', body: '矩阵测试。', regionCode: NEIGHBOUR_VILLAGE }),
    expect: by(201, 201, 404, 404, 403, 403),
  },
  {
    name: 'publish a notice to the township',
    method: 'POST',
    url: () => '/api/notices',
    body: () => ({ id: randomUUID(), kind: 'notice', title: '全乡通知', body: '矩阵测试。', regionCode: '130631202' }),
    expect: by(201, 201, 404, 404, 403, 403),
  },
  { name: 'change a notice of own village', method: 'PATCH', url: () => `/api/notices/${villageServices.homeNotice}`, body: () => ({ pinned: true }), expect: by(200, 200, 200, 200, 403, 403) },
  {
    name: 'withdraw a notice of a neighbouring village',
    method: 'POST',
    url: (_f, role) => `/api/notices/${villageServices.neighbourNoticeFor[role]}/withdraw`,
    body: () => ({ reason: '矩阵测试' }),
    expect: by(200, 200, 404, 404, 403, 403),
  },
  { name: 'broadcast a notice of own village', method: 'POST', url: (_f, role) => `/api/notices/${villageServices.homeNoticeFor[role]}/broadcast`, body: () => ({}), expect: by(200, 200, 200, 200, 403, 403) },
  { name: 'a village’s public archive', method: 'GET', url: () => `/api/public/notices?village=${NEIGHBOUR_VILLAGE}`, expect: all(200), anonymous: 200 },
  { name: 'a published notice in the public archive', method: 'GET', url: () => `/api/public/notices/${villageServices.neighbourNotice}`, expect: all(200), anonymous: 200 },
  { name: 'a draft is not in the public archive', method: 'GET', url: () => `/api/public/notices/${villageServices.homeDraft}`, expect: all(404), anonymous: 404 },
  { name: 'upload a file for a notice or visit', method: 'POST', url: () => '/api/village-files', raw: (_role, f) => photosForm([{ name: 'a.jpg', data: f.jpeg }], 'files'), expect: by(201, 201, 201, 201, 201, 403) },
  { name: 'service guides', method: 'GET', url: () => '/api/service-guides', expect: all(200) },
  { name: 'read a guide of the township', method: 'GET', url: () => `/api/service-guides/${villageServices.townshipGuide}`, expect: all(200) },
  { name: 'read a guide of a neighbouring village', method: 'GET', url: () => `/api/service-guides/${villageServices.neighbourGuide}`, expect: by(200, 200, 404, 404, 404, 404) },
  {
    name: 'add a guide for own village',
    method: 'POST',
    url: () => '/api/service-guides',
    body: (role) => ({ ...matrixGuide, code: `matrix_home_${roles.indexOf(role)}`, regionCode: HOME_VILLAGE }),
    expect: by(201, 201, 201, 201, 403, 403),
  },
  {
    name: 'add a guide for a neighbouring village',
    method: 'POST',
    url: () => '/api/service-guides',
    body: (role) => ({ ...matrixGuide, code: `matrix_away_${roles.indexOf(role)}`, regionCode: NEIGHBOUR_VILLAGE }),
    expect: by(201, 201, 404, 404, 403, 403),
  },
  { name: 'change a guide of the township', method: 'PATCH', url: () => `/api/service-guides/${villageServices.townshipGuide}`, body: () => ({ sortOrder: 30 }), expect: by(200, 200, 403, 403, 403, 403) },
  {
    name: 'ask for a service (预约/代办)',
    method: 'POST',
    url: () => '/api/service-requests',
    body: () => ({ id: randomUUID(), guideId: villageServices.townshipGuide, kind: 'proxy' }),
    expect: by(403, 403, 403, 403, 201, 201),
  },
  { name: 'list service requests', method: 'GET', url: () => '/api/service-requests', expect: all(200) },
  { name: 'read a villager’s service request', method: 'GET', url: () => `/api/service-requests/${villageServices.homeRequest}`, expect: by(200, 200, 200, 200, 404, 200) },
  { name: 'read a service request of a neighbouring village', method: 'GET', url: () => `/api/service-requests/${villageServices.neighbourRequest}`, expect: by(200, 200, 404, 404, 404, 404) },
  { name: 'accept a service request of own village', method: 'POST', url: (_f, role) => `/api/service-requests/${villageServices.homeRequestFor[role]}/accept`, body: () => ({}), expect: by(200, 200, 200, 200, 404, 403) },
  {
    name: 'accept a service request of a neighbouring village',
    method: 'POST',
    url: (_f, role) => `/api/service-requests/${villageServices.neighbourRequestFor[role]}/accept`,
    body: () => ({}),
    expect: by(200, 200, 404, 404, 404, 404),
  },
  { name: 'the elderly register', method: 'GET', url: () => '/api/elderly', expect: by(200, 200, 200, 200, 200, 403) },
  { name: 'read an elderly resident of own grid', method: 'GET', url: () => `/api/elderly/${villageServices.gridResident}`, expect: by(200, 200, 200, 200, 200, 403) },
  { name: 'read an elderly resident of own village (not the grid)', method: 'GET', url: () => `/api/elderly/${villageServices.villageResident}`, expect: by(200, 200, 200, 200, 404, 403) },
  { name: 'read an elderly resident of a neighbouring village', method: 'GET', url: () => `/api/elderly/${villageServices.neighbourResident}`, expect: by(200, 200, 404, 404, 404, 403) },
  {
    name: 'register an elderly resident in own village',
    method: 'POST',
    url: () => '/api/elderly',
    body: () => ({ id: randomUUID(), name: '矩阵老人', birthDate: '1940-01-01', regionCode: HOME_VILLAGE }),
    expect: by(201, 201, 201, 201, 403, 403),
  },
  {
    name: 'register an elderly resident in a neighbouring village',
    method: 'POST',
    url: () => '/api/elderly',
    body: () => ({ id: randomUUID(), name: '越界老人', birthDate: '1940-01-01', regionCode: NEIGHBOUR_VILLAGE }),
    expect: by(201, 201, 404, 404, 403, 403),
  },
  { name: 'set a visit plan in a neighbouring village', method: 'PUT', url: () => `/api/elderly/${villageServices.neighbourResident}/plan`, body: () => ({ frequency: 'monthly' }), expect: by(200, 200, 404, 404, 403, 403) },
  {
    name: 'record a visit in own grid',
    method: 'POST',
    url: () => `/api/elderly/${villageServices.gridResident}/visits`,
    body: () => ({ id: randomUUID(), condition: 'good' }),
    expect: by(403, 403, 200, 200, 200, 403),
  },
  {
    name: 'record a visit in a neighbouring village',
    method: 'POST',
    url: () => `/api/elderly/${villageServices.neighbourResident}/visits`,
    body: () => ({ id: randomUUID(), condition: 'good' }),
    expect: by(403, 403, 404, 404, 404, 403),
  },
  { name: 'raise an alert for an elderly resident of own grid', method: 'POST', url: () => `/api/elderly/${villageServices.gridResident}/alerts`, body: () => ({ kind: 'other', note: '矩阵测试' }), expect: by(200, 200, 200, 200, 200, 403) },
  { name: 'care tasks', method: 'GET', url: () => '/api/elderly/tasks', expect: by(403, 403, 200, 200, 200, 403) },
  { name: 'elderly figures', method: 'GET', url: () => '/api/elderly/stats', expect: by(200, 200, 200, 200, 200, 403) },
  { name: 'elderly figures of a neighbouring village', method: 'GET', url: () => `/api/elderly/stats?region=${NEIGHBOUR_VILLAGE}`, expect: by(200, 200, 404, 404, 404, 403) },
  { name: 'the elderly of my household', method: 'GET', url: () => '/api/elderly/mine', expect: all(200) },
  { name: 'meal delivery requests', method: 'GET', url: () => '/api/elderly/meal-requests', expect: by(200, 200, 200, 200, 200, 403) },
  {
    name: 'approve a meal delivery in a neighbouring village',
    method: 'POST',
    url: (_f, role) => `/api/elderly/meal-requests/${villageServices.neighbourMealFor[role]}/approve`,
    body: () => ({}),
    expect: by(200, 200, 404, 404, 404, 404),
  },
  { name: 'read a page aloud', method: 'POST', url: () => '/api/read-aloud', body: () => ({ text: '矩阵测试朗读。' }), expect: all(200) },
  // 平安乡村 (cameras, zones, alarms): read by the village's people who work (grid workers only in
  // their grid), cameras and zones managed by cadres and township staff, alarms handled by all who
  // read them; villagers see none. Pictures need a signed URL; the webhook needs a camera's secret.
  // (GET /api/live streams forever, so its region filter is proved in safe-village.api.test.ts.)
  { name: 'list cameras', method: 'GET', url: () => '/api/cameras', expect: by(200, 200, 200, 200, 200, 403) },
  { name: 'read a camera in own grid', method: 'GET', url: () => `/api/cameras/${safeVillage.homeCamera}`, expect: by(200, 200, 200, 200, 200, 403) },
  { name: 'read a camera of own village (not the grid)', method: 'GET', url: () => `/api/cameras/${safeVillage.villageCamera}`, expect: by(200, 200, 200, 200, 404, 403) },
  { name: 'read a camera in a neighbouring village', method: 'GET', url: () => `/api/cameras/${safeVillage.neighbourCamera}`, expect: by(200, 200, 404, 404, 404, 403) },
  {
    name: 'register a camera in own village',
    method: 'POST',
    url: () => '/api/cameras',
    body: (role) => ({ id: `cam-matrix-home-${roles.indexOf(role)}`, name: '矩阵摄像头', regionCode: HOME_VILLAGE }),
    expect: by(201, 201, 201, 403, 403, 403),
  },
  {
    name: 'register a camera in a neighbouring village',
    method: 'POST',
    url: () => '/api/cameras',
    body: (role) => ({ id: `cam-matrix-away-${roles.indexOf(role)}`, name: '越界摄像头', regionCode: NEIGHBOUR_VILLAGE }),
    expect: by(201, 201, 404, 403, 403, 403),
  },
  { name: 'change a camera in a neighbouring village', method: 'PATCH', url: () => `/api/cameras/${safeVillage.neighbourCamera}`, body: () => ({ detectFps: 1 }), expect: by(200, 200, 404, 403, 403, 403) },
  { name: 'remove a camera in own village', method: 'DELETE', url: (_f, role) => `/api/cameras/${safeVillage.homeCameraFor[role]}`, expect: by(204, 204, 204, 403, 403, 403) },
  { name: 'remove a camera in a neighbouring village', method: 'DELETE', url: (_f, role) => `/api/cameras/${safeVillage.neighbourCameraFor[role]}`, expect: by(204, 204, 404, 403, 403, 403) },
  { name: 'a camera picture without a signature', method: 'GET', url: () => `/api/cameras/${safeVillage.homeCamera}/snapshot`, expect: all(403), anonymous: 403 },
  { name: 'zones of a camera in own grid', method: 'GET', url: () => `/api/cameras/${safeVillage.homeCamera}/zones`, expect: by(200, 200, 200, 200, 200, 403) },
  { name: 'zones of a camera in a neighbouring village', method: 'GET', url: () => `/api/cameras/${safeVillage.neighbourCamera}/zones`, expect: by(200, 200, 404, 404, 404, 403) },
  { name: 'draw a zone in own village', method: 'POST', url: () => `/api/cameras/${safeVillage.homeCamera}/zones`, body: () => ({ name: '矩阵', polygon: square01 }), expect: by(201, 201, 201, 403, 403, 403) },
  { name: 'draw a zone in a neighbouring village', method: 'POST', url: () => `/api/cameras/${safeVillage.neighbourCamera}/zones`, body: () => ({ name: '越界', polygon: square01 }), expect: by(201, 201, 404, 403, 403, 403) },
  { name: 'change a zone in a neighbouring village', method: 'PATCH', url: () => `/api/zones/${safeVillage.neighbourZone}`, body: () => ({ cooldownSeconds: 30 }), expect: by(200, 200, 404, 403, 403, 403) },
  { name: 'remove a zone in own village', method: 'DELETE', url: (_f, role) => `/api/zones/${safeVillage.homeZoneFor[role]}`, expect: by(204, 204, 204, 403, 403, 403) },
  { name: 'list alarms', method: 'GET', url: () => '/api/alarms', expect: by(200, 200, 200, 200, 200, 403) },
  { name: 'alarm statistics', method: 'GET', url: () => '/api/alarms/stats', expect: by(200, 200, 200, 200, 200, 403) },
  { name: 'read an alarm in own grid', method: 'GET', url: () => `/api/alarms/${safeVillage.homeAlarmFor.admin}`, expect: by(200, 200, 200, 200, 200, 403) },
  { name: 'read an alarm in a neighbouring village', method: 'GET', url: () => `/api/alarms/${safeVillage.neighbourAlarmFor.admin}`, expect: by(200, 200, 404, 404, 404, 403) },
  { name: 'acknowledge an alarm in own grid', method: 'POST', url: (_f, role) => `/api/alarms/${safeVillage.homeAlarmFor[role]}/acknowledge`, body: () => ({}), expect: by(200, 200, 200, 200, 200, 403) },
  {
    name: 'mark an alarm in a neighbouring village a false positive',
    method: 'POST',
    url: (_f, role) => `/api/alarms/${safeVillage.neighbourAlarmFor[role]}/false-positive`,
    body: () => ({}),
    expect: by(200, 200, 404, 404, 404, 403),
  },
  // 再次喊话: the matrix's cameras have no loudspeaker, so those who may reach the alarm hear 409.
  { name: 'warn again at an alarm in own grid', method: 'POST', url: () => `/api/alarms/${safeVillage.homeAlarmFor.admin}/warn-again`, body: () => ({}), expect: by(409, 409, 409, 409, 409, 403) },
  { name: 'warn again at an alarm in a neighbouring village', method: 'POST', url: () => `/api/alarms/${safeVillage.neighbourAlarmFor.admin}/warn-again`, body: () => ({}), expect: by(409, 409, 404, 404, 404, 403) },
  { name: 'turn an alarm in a neighbouring village into a case', method: 'POST', url: (_f, role) => `/api/alarms/${safeVillage.neighbourCaseAlarmFor[role]}/case`, body: () => ({}), expect: by(200, 200, 404, 404, 404, 403) },
  { name: 'an alarm picture without a signature', method: 'GET', url: () => `/api/alarms/${safeVillage.homeAlarmFor.admin}/snapshot`, expect: all(403), anonymous: 403 },
  {
    name: 'detections without the camera’s secret',
    method: 'POST',
    url: () => '/api/detections/webhook',
    body: () => ({ cameraId: safeVillage.homeCamera, objects: [] }),
    expect: all(401),
    // Without a body, validation answers first.
    anonymous: 400,
  },
  // 智慧大屏: one's own region and the regions below it (never an ancestor: a grid worker's
  // village is not theirs to survey); villagers have no big screen.
  { name: 'big screen of own region', method: 'GET', url: () => '/api/dashboard/summary', expect: by(200, 200, 200, 200, 200, 403) },
  { name: 'big screen of own village', method: 'GET', url: () => `/api/dashboard/summary?region=${HOME_VILLAGE}`, expect: by(200, 200, 200, 200, 404, 403) },
  { name: 'big screen of own grid', method: 'GET', url: () => `/api/dashboard/summary?region=${HOME_GRID}`, expect: by(200, 200, 200, 200, 200, 403) },
  { name: 'big screen of the township above', method: 'GET', url: () => '/api/dashboard/summary?region=130631202', expect: by(200, 200, 404, 404, 404, 403) },
  { name: 'big screen of a neighbouring village', method: 'GET', url: () => `/api/dashboard/summary?region=${NEIGHBOUR_VILLAGE}`, expect: by(200, 200, 404, 404, 404, 403) },
  { name: 'big screen of another township', method: 'GET', url: () => `/api/dashboard/summary?region=${OTHER_TOWNSHIP}`, expect: by(200, 404, 404, 404, 404, 403) },
  { name: 'big-screen map of own region', method: 'GET', url: () => '/api/dashboard/map', expect: by(200, 200, 200, 200, 200, 403) },
  { name: 'big-screen map of a neighbouring village', method: 'GET', url: () => `/api/dashboard/map?region=${NEIGHBOUR_VILLAGE}`, expect: by(200, 200, 404, 404, 404, 403) },
  { name: 'big-screen map of another township', method: 'GET', url: () => `/api/dashboard/map?region=${OTHER_TOWNSHIP}`, expect: by(200, 404, 404, 404, 404, 403) },
  { name: 'big-screen settings', method: 'GET', url: () => '/api/dashboard/settings', expect: by(200, 200, 200, 200, 200, 403) },
  // 待办: everyone has a queue (a party member's own meetings need no role); what is in it follows the role and scope.
  { name: 'my work queue', method: 'GET', url: () => '/api/work-queue', expect: all(200) },
  // 智慧党建: secretaries and staff keep their region's party records (personal data); the village cadre
  // and the branch secretary are also members of 西阳邱村党支部 in the demo, so their own member pages,
  // meetings they are expected at, sign-in and leave work for them; figures (no persons) for every screen reader.
  { name: 'party organisations', method: 'GET', url: () => '/api/party/organisations', expect: by(200, 200, 403, 200, 403, 403) },
  { name: 'own village’s party branch', method: 'GET', url: () => `/api/party/organisations/${party.homeBranch}`, expect: by(200, 200, 403, 200, 403, 403) },
  { name: 'a neighbouring village’s party branch', method: 'GET', url: () => `/api/party/organisations/${party.neighbourBranch}`, expect: by(200, 200, 403, 404, 403, 403) },
  {
    name: 'add a party group to own village’s branch',
    method: 'POST',
    url: () => '/api/party/organisations',
    body: (role) => ({ parentId: party.homeBranch, kind: 'group', name: `矩阵小组${roles.indexOf(role)}` }),
    expect: by(201, 201, 403, 201, 403, 403),
  },
  {
    name: 'add a party group to a neighbouring branch',
    method: 'POST',
    url: () => '/api/party/organisations',
    body: (role) => ({ parentId: party.neighbourBranch, kind: 'group', name: `矩阵小组${roles.indexOf(role)}` }),
    expect: by(201, 201, 403, 404, 403, 403),
  },
  { name: 'change a neighbouring branch', method: 'PATCH', url: () => `/api/party/organisations/${party.neighbourBranch}`, body: () => ({ sortOrder: 100 }), expect: by(200, 200, 403, 404, 403, 403) },
  { name: 'officers of own group', method: 'PUT', url: () => `/api/party/organisations/${party.homeGroup}/officers`, body: () => ({ officers: [] }), expect: by(200, 200, 403, 200, 403, 403) },
  { name: 'officers of a neighbouring branch', method: 'PUT', url: () => `/api/party/organisations/${party.neighbourBranch}/officers`, body: () => ({ officers: [] }), expect: by(200, 200, 403, 404, 403, 403) },
  { name: 'party members', method: 'GET', url: () => '/api/party/members', expect: by(200, 200, 403, 200, 403, 403) },
  { name: 'a party member of own village', method: 'GET', url: () => `/api/party/members/${party.homeMember}`, expect: by(200, 200, 403, 200, 403, 403) },
  { name: 'a party member of a neighbouring village', method: 'GET', url: () => `/api/party/members/${party.neighbourMember}`, expect: by(200, 200, 403, 404, 403, 403) },
  {
    name: 'register a party member in own village',
    method: 'POST',
    url: () => '/api/party/members',
    body: (role) => ({ phone: `1375550${String(roles.indexOf(role)).padStart(4, '0')}`, name: '矩阵党员', branchId: party.homeBranch, status: 'activist' }),
    expect: by(201, 201, 403, 201, 403, 403),
  },
  {
    name: 'register a party member in a neighbouring village',
    method: 'POST',
    url: () => '/api/party/members',
    body: (role) => ({ phone: `1375551${String(roles.indexOf(role)).padStart(4, '0')}`, name: '矩阵党员', branchId: party.neighbourBranch, status: 'activist' }),
    expect: by(201, 201, 403, 404, 403, 403),
  },
  { name: 'change a party member of a neighbouring village', method: 'PATCH', url: () => `/api/party/members/${party.neighbourMember}`, body: () => ({ note: '矩阵' }), expect: by(200, 200, 403, 404, 403, 403) },
  {
    name: 'move a party member of own village into a group',
    method: 'POST',
    url: (_f, role) => `/api/party/members/${party.homeMemberFor[role]}/transfer`,
    body: () => ({ branchId: party.homeBranch, groupId: party.homeGroup, reason: '矩阵测试' }),
    expect: by(200, 200, 403, 200, 403, 403),
  },
  {
    name: 'move a party member of a neighbouring village',
    method: 'POST',
    url: (_f, role) => `/api/party/members/${party.neighbourMemberFor[role]}/transfer`,
    body: () => ({ branchId: party.neighbourBranch, groupId: party.neighbourGroup, reason: '矩阵测试' }),
    expect: by(200, 200, 403, 404, 403, 403),
  },
  { name: 'my party record', method: 'GET', url: () => '/api/party/me', expect: all(200) },
  { name: 'my party meetings', method: 'GET', url: () => '/api/party/me/meetings', expect: all(200) },
  { name: 'my study hours', method: 'GET', url: () => '/api/party/me/study', expect: by(403, 403, 200, 200, 403, 403) },
  { name: 'my party dues', method: 'GET', url: () => '/api/party/me/dues', expect: by(403, 403, 200, 200, 403, 403) },
  { name: 'party meeting types', method: 'GET', url: () => '/api/party/meeting-types', expect: by(200, 200, 403, 200, 403, 403) },
  {
    name: 'add a party meeting type',
    method: 'POST',
    url: () => '/api/party/meeting-types',
    body: (role) => ({ code: `matrix_${roles.indexOf(role)}`, name: `矩阵会议${roles.indexOf(role)}`, frequency: 'none' }),
    expect: by(201, 403, 403, 403, 403, 403),
  },
  { name: 'change a party meeting type', method: 'PATCH', url: () => '/api/party/meeting-types/theme_day', body: () => ({ sortOrder: 50 }), expect: by(200, 403, 403, 403, 403, 403) },
  { name: 'party meetings', method: 'GET', url: () => '/api/party/meetings', expect: by(200, 200, 403, 200, 403, 403) },
  {
    name: 'plan a meeting of own village’s branch',
    method: 'POST',
    url: () => '/api/party/meetings',
    body: () => ({ organisationId: party.homeBranch, typeCode: 'theme_day', ...party.future, mode: 'onsite', place: '村委会' }),
    expect: by(201, 201, 403, 201, 403, 403),
  },
  {
    name: 'plan a meeting of a neighbouring branch',
    method: 'POST',
    url: () => '/api/party/meetings',
    body: () => ({ organisationId: party.neighbourBranch, typeCode: 'theme_day', ...party.future, mode: 'onsite', place: '村委会' }),
    expect: by(201, 201, 403, 404, 403, 403),
  },
  // The village cadre is expected at own branch's meetings: they read it as a member.
  { name: 'a meeting of own village’s branch', method: 'GET', url: () => `/api/party/meetings/${party.homeMeeting}`, expect: by(200, 200, 200, 200, 403, 403) },
  { name: 'a meeting of a neighbouring branch', method: 'GET', url: () => `/api/party/meetings/${party.neighbourMeeting}`, expect: by(200, 200, 403, 404, 403, 403) },
  { name: 'change a planned meeting', method: 'PATCH', url: (_f, role) => `/api/party/meetings/${party.homeMeetingFor[role]}`, body: () => ({ agenda: '矩阵议程' }), expect: by(200, 200, 403, 200, 403, 403) },
  { name: 'change a neighbouring branch’s meeting', method: 'PATCH', url: () => `/api/party/meetings/${party.neighbourMeeting}`, body: () => ({ agenda: '矩阵议程' }), expect: by(200, 200, 403, 404, 403, 403) },
  { name: 'cancel a meeting', method: 'POST', url: (_f, role) => `/api/party/meetings/${party.homeMeetingFor[role]}/cancel`, body: () => ({ reason: '矩阵测试' }), expect: by(200, 200, 403, 200, 403, 403) },
  { name: 'the on-site sign-in code', method: 'GET', url: () => `/api/party/meetings/${party.homeMeeting}/sign-in-code`, expect: by(200, 200, 403, 200, 403, 403) },
  { name: 'sign in remotely to a meeting in progress', method: 'POST', url: () => `/api/party/meetings/${party.running}/sign-in`, body: () => ({ method: 'remote' }), expect: by(403, 403, 200, 200, 403, 403) },
  { name: 'ask for leave', method: 'POST', url: () => `/api/party/meetings/${party.homeMeeting}/leave`, body: () => ({ reason: '矩阵测试' }), expect: by(403, 403, 200, 200, 403, 403) },
  {
    name: 'decide a member’s leave',
    method: 'POST',
    url: (_f, role) => `/api/party/meetings/${party.homeMeeting}/leave/${party.homeMemberFor[role]}/decision`,
    body: () => ({ approve: true }),
    expect: by(200, 200, 403, 200, 403, 403),
  },
  {
    name: 'decide leave at a neighbouring branch’s meeting',
    method: 'POST',
    url: () => `/api/party/meetings/${party.neighbourMeeting}/leave/${party.neighbourMember}/decision`,
    body: () => ({ approve: false }),
    expect: by(200, 200, 403, 404, 403, 403),
  },
  { name: 'record a meeting', method: 'PUT', url: (_f, role) => `/api/party/meetings/${party.runningFor[role]}/record`, body: () => ({ minutes: '矩阵记录' }), expect: by(200, 200, 403, 200, 403, 403) },
  { name: 'record a neighbouring branch’s meeting', method: 'PUT', url: () => `/api/party/meetings/${party.neighbourRunning}/record`, body: () => ({ minutes: '矩阵记录' }), expect: by(200, 200, 403, 404, 403, 403) },
  { name: 'meeting completion', method: 'GET', url: () => '/api/party/completion', expect: by(200, 200, 403, 200, 403, 403) },
  { name: 'meeting completion of a neighbouring branch', method: 'GET', url: () => `/api/party/completion?organisationId=${party.neighbourBranch}`, expect: by(200, 200, 403, 404, 403, 403) },
  { name: 'meeting attendance rates', method: 'GET', url: () => '/api/party/attendance', expect: by(200, 200, 403, 200, 403, 403) },
  { name: 'study materials', method: 'GET', url: () => '/api/party/study/materials', expect: by(200, 200, 403, 200, 403, 403) },
  {
    name: 'publish a study material to own branch',
    method: 'POST',
    url: () => '/api/party/study/materials',
    body: () => ({ title: '矩阵资料', kind: 'article', body: '矩阵', minutes: 10, organisationIds: [party.homeBranch] }),
    expect: by(201, 201, 403, 201, 403, 403),
  },
  {
    name: 'publish a study material to a neighbouring branch',
    method: 'POST',
    url: () => '/api/party/study/materials',
    body: () => ({ title: '矩阵资料', kind: 'article', body: '矩阵', minutes: 10, organisationIds: [party.neighbourBranch] }),
    expect: by(201, 201, 403, 404, 403, 403),
  },
  { name: 'change a study material of own village', method: 'PATCH', url: () => `/api/party/study/materials/${party.homeMaterial}`, body: () => ({ minutes: 45 }), expect: by(200, 200, 403, 200, 403, 403) },
  { name: 'record my own study', method: 'POST', url: () => '/api/party/study/records', body: () => ({ title: '自学党章', minutes: 30, studiedOn: localDate(new Date()) }), expect: by(403, 403, 201, 201, 403, 403) },
  {
    name: 'record study for a member of a neighbouring village',
    method: 'POST',
    url: () => '/api/party/study/records',
    body: () => ({ memberId: party.neighbourMember, title: '集中学习', minutes: 30, studiedOn: localDate(new Date()) }),
    expect: by(201, 201, 403, 404, 403, 403),
  },
  { name: 'study progress', method: 'GET', url: () => '/api/party/study/progress', expect: by(200, 200, 403, 200, 403, 403) },
  { name: 'party dues', method: 'GET', url: () => '/api/party/dues', expect: by(200, 200, 403, 200, 403, 403) },
  {
    name: 'record dues of own village’s member',
    method: 'POST',
    url: () => '/api/party/dues/payments',
    body: (role) => ({ memberId: party.homeMember, months: [`2020-${String(roles.indexOf(role) + 1).padStart(2, '0')}`] }),
    expect: by(201, 201, 403, 201, 403, 403),
  },
  {
    name: 'record dues of a neighbouring village’s member',
    method: 'POST',
    url: () => '/api/party/dues/payments',
    body: (role) => ({ memberId: party.neighbourMember, months: [`2020-${String(roles.indexOf(role) + 1).padStart(2, '0')}`] }),
    expect: by(201, 201, 403, 404, 403, 403),
  },
  { name: 'party settings', method: 'GET', url: () => '/api/party/settings', expect: by(200, 200, 403, 200, 403, 403) },
  { name: 'change party settings', method: 'PATCH', url: () => '/api/party/settings', body: () => ({ studyTargetHours: 32 }), expect: by(200, 403, 403, 403, 403, 403) },
  { name: 'party figures of own region', method: 'GET', url: () => '/api/party/stats', expect: by(200, 200, 200, 200, 200, 403) },
  { name: 'party figures of a neighbouring village', method: 'GET', url: () => `/api/party/stats?region=${NEIGHBOUR_VILLAGE}`, expect: by(200, 200, 404, 404, 404, 403) },
  // 用水预警 (meters, readings, alerts, thresholds): read by the village's people who work (grid
  // workers only in their grid), alerts acknowledged by all who read them; meters registered,
  // readings uploaded and thresholds set by cadres and township staff; villagers see none.
  { name: 'list water meters', method: 'GET', url: () => '/api/water/meters', expect: by(200, 200, 200, 200, 200, 403) },
  { name: 'read a water meter in own grid', method: 'GET', url: () => '/api/water/meters/wm-mx-grid', expect: by(200, 200, 200, 200, 200, 403) },
  { name: 'read a water meter of own village (not the grid)', method: 'GET', url: () => '/api/water/meters/wm-mx-village', expect: by(200, 200, 200, 200, 404, 403) },
  { name: 'read a water meter in a neighbouring village', method: 'GET', url: () => '/api/water/meters/wm-mx-away', expect: by(200, 200, 404, 404, 404, 403) },
  { name: 'water use of a meter in own grid', method: 'GET', url: () => '/api/water/meters/wm-mx-grid/usage?bucket=day', expect: by(200, 200, 200, 200, 200, 403) },
  {
    name: 'register a water meter in own village',
    method: 'POST',
    url: () => '/api/water/meters',
    body: (role) => ({ id: `wm-mx-new-${roles.indexOf(role)}`, name: '矩阵水表', regionCode: HOME_VILLAGE }),
    expect: by(201, 201, 201, 403, 403, 403),
  },
  {
    name: 'register a water meter in a neighbouring village',
    method: 'POST',
    url: () => '/api/water/meters',
    body: (role) => ({ id: `wm-mx-far-${roles.indexOf(role)}`, name: '越界水表', regionCode: NEIGHBOUR_VILLAGE }),
    expect: by(201, 201, 404, 403, 403, 403),
  },
  { name: 'change a water meter in a neighbouring village', method: 'PATCH', url: () => '/api/water/meters/wm-mx-away', body: () => ({ name: '改名' }), expect: by(200, 200, 404, 403, 403, 403) },
  { name: 'new secret for a water meter in a neighbouring village', method: 'POST', url: () => '/api/water/meters/wm-mx-away/rotate-secret', expect: by(200, 200, 404, 403, 403, 403) },
  { name: 'remove a water meter in own village', method: 'DELETE', url: (_f, role) => `/api/water/meters/${water.removableFor[role]}`, expect: by(204, 204, 204, 403, 403, 403) },
  {
    name: 'upload readings of own village’s meter',
    method: 'POST',
    url: () => '/api/water/readings',
    body: () => ({ readings: [{ meterId: 'wm-mx-village', at: water.readingAt, litres: 1000 }] }),
    expect: by(200, 200, 200, 403, 403, 403),
  },
  {
    name: 'import a CSV for a meter in a neighbouring village',
    method: 'POST',
    url: () => '/api/water/meters/wm-mx-away/readings/csv',
    raw: () => ({ payload: Buffer.from('timestamp,reading_litres\n2026-01-01T00:00:00,5\n'), headers: { 'content-type': 'text/csv' } }),
    expect: by(200, 200, 404, 403, 403, 403),
  },
  { name: 'list water alerts', method: 'GET', url: () => '/api/water/alerts', expect: by(200, 200, 200, 200, 200, 403) },
  { name: 'read a water alert in own grid', method: 'GET', url: () => `/api/water/alerts/${water.homeAlertFor.admin}`, expect: by(200, 200, 200, 200, 200, 403) },
  { name: 'read a water alert in a neighbouring village', method: 'GET', url: () => `/api/water/alerts/${water.neighbourAlertFor.admin}`, expect: by(200, 200, 404, 404, 404, 403) },
  { name: 'acknowledge a water alert in own grid', method: 'POST', url: (_f, role) => `/api/water/alerts/${water.homeAlertFor[role]}/acknowledge`, body: () => ({}), expect: by(200, 200, 200, 200, 200, 403) },
  {
    name: 'acknowledge a water alert in a neighbouring village',
    method: 'POST',
    url: (_f, role) => `/api/water/alerts/${water.neighbourAlertFor[role]}/acknowledge`,
    body: () => ({}),
    expect: by(200, 200, 404, 404, 404, 403),
  },
  { name: 'water figures', method: 'GET', url: () => '/api/water/stats', expect: by(200, 200, 200, 200, 200, 403) },
  { name: 'water thresholds of own village', method: 'GET', url: () => `/api/water/settings/${HOME_VILLAGE}`, expect: by(200, 200, 200, 200, 200, 403) },
  { name: 'set water thresholds of own village', method: 'PUT', url: () => `/api/water/settings/${HOME_VILLAGE}`, body: () => ({ thresholds: {} }), expect: by(200, 200, 200, 403, 403, 403) },
  { name: 'set water thresholds of the township', method: 'PUT', url: () => '/api/water/settings/130631202', body: () => ({ thresholds: {} }), expect: by(200, 200, 403, 403, 403, 403) },
  { name: 'set water thresholds of a neighbouring village', method: 'PUT', url: () => `/api/water/settings/${NEIGHBOUR_VILLAGE}`, body: () => ({ thresholds: {} }), expect: by(200, 200, 404, 403, 403, 403) },
];

/** Speech clips made in 西阳邱村, 黑堡乡, 东阳邱村 and 固店镇, each with a signed URL of its file. */
let audioClips: Record<'village' | 'township' | 'neighbour' | 'otherTownship', { id: string; url: string }>;

let t: TestApp;
let fixture: Fixture;
const tokens = {} as Record<Role, string>;

beforeAll(async () => {
  t = await createTestApp();
  for (const role of roles) tokens[role] = await t.tokenFor(role);
  const square = (lon: number, lat: number, size: number) => ({
    type: 'Polygon',
    coordinates: [[[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]],
  });
  const imported = await t.request({
    method: 'POST',
    url: '/api/regions/import',
    token: tokens.admin,
    payload: {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { code: OTHER_TOWNSHIP, name: '固店镇', level: 'township', parentCode: '130631' }, geometry: square(115.1, 38.55, 0.05) },
        { type: 'Feature', properties: { code: `${OTHER_TOWNSHIP}301`, name: '固店村', level: 'village', parentCode: OTHER_TOWNSHIP }, geometry: square(115.1, 38.55, 0.02) },
      ],
    },
  });
  expect(imported.statusCode).toBe(200);
  const createUser = async (body: object) => {
    const res = await t.request({ method: 'POST', url: '/api/users', token: tokens.admin, payload: body });
    expect(res.statusCode).toBe(201);
    return res.json().user.id as string;
  };
  const centre = async (code: string): Promise<[number, number]> => {
    const grid = (await t.request({ method: 'GET', url: `/api/regions/${code}`, token: tokens.admin })).json();
    return [grid.centre.lon, grid.centre.lat];
  };
  const villager = (await t.request({ method: 'GET', url: '/api/auth/me', token: tokens.villager })).json();
  const jpeg = await makeJpeg();
  const uploaded = await t.request({ method: 'POST', url: '/api/photos', token: tokens.villager, ...photosForm([{ name: 'p.jpg', data: jpeg }]) });
  expect(uploaded.statusCode).toBe(201);
  const newCase = async (token: string, body: object) => {
    const res = await t.request({
      method: 'POST',
      url: '/api/cases',
      token,
      payload: { id: randomUUID(), categoryCode: 'village_appearance', description: '矩阵测试', ...body },
    });
    expect(res.statusCode).toBe(201);
    return res.json().id as string;
  };
  const homeGridCentre = await centre(HOME_GRID);
  const neighbourGridCentre = await centre(`${NEIGHBOUR_VILLAGE}01`);
  const neighbourWorker = await t.login('13800000006');
  const foreignSessionId = (await t.request({ method: 'GET', url: '/api/auth/sessions', token: neighbourWorker })).json().items[0].id as string;
  const home = () => newCase(tokens.villager, { location: { lon: homeGridCentre[0], lat: homeGridCentre[1] } });
  const neighbour = () => newCase(neighbourWorker, { location: { lon: neighbourGridCentre[0], lat: neighbourGridCentre[1] } });
  const perRole = async (make: () => Promise<string>) => Object.fromEntries(await Promise.all(roles.map(async (r) => [r, await make()]))) as Record<Role, string>;
  const base: Omit<Fixture, 'points' | 'homeBroadcast'> = {
    homeCase: await home(),
    neighbourCase: await neighbour(),
    otherTownshipCase: await newCase(tokens.admin, { villageCode: `${OTHER_TOWNSHIP}301` }),
    homeCaseFor: await perRole(home),
    neighbourCaseFor: await perRole(neighbour),
    jpeg,
    villagerPhoto: uploaded.json().items[0],
    homeVillagerId: villager.user.id,
    neighbourUserId: await createUser({ phone: '13712340900', name: '东阳邱村民', role: 'villager', regionCode: NEIGHBOUR_VILLAGE }),
    foreignSessionId,
    otherTownshipUserId: await createUser({ phone: '13712340901', name: '固店镇干部', role: 'township_staff', regionCode: OTHER_TOWNSHIP }),
    homeGridCentre,
    neighbourGridCentre,
  };
  const broadcast = await t.request({
    method: 'POST',
    url: '/api/broadcasts',
    token: tokens.township_staff,
    payload: { id: randomUUID(), title: '村民大会通知', text: '请各位村民明天上午到村委会开会。', target: { type: 'villages', codes: [HOME_VILLAGE] } },
  });
  expect(broadcast.statusCode).toBe(201);
  fixture = { ...base, points: await pointsFixture(base), homeBroadcast: broadcast.json().id };
});
afterAll(async () => t.close());

/** One speaker per role in 西阳邱村 and in 东阳邱村, for the removals. */
let matrixDevices: Record<'homeFor' | 'neighbourFor', Record<Role, string>>;

beforeAll(async () => {
  const admin = (await t.services.accounts.authenticate(tokens.admin))!.actor;
  const make = async (village: string, tag: string) =>
    Object.fromEntries(
      await Promise.all(
        roles.map(async (role, i) => {
          const created = await t.services.devices.create(admin, { id: `spk-matrix-${tag}-rm${i}`, kind: 'speaker', name: '待拆音柱', regionCode: village }, noRequest);
          return [role, created.device.id];
        }),
      ),
    ) as Record<Role, string>;
  matrixDevices = { homeFor: await make(HOME_VILLAGE, 'home'), neighbourFor: await make(NEIGHBOUR_VILLAGE, 'away') };
});

const square01 = [
  [0, 0],
  [1, 0],
  [1, 1],
  [0, 1],
];

/** Cameras in 西阳邱村 (grid 1, and the village itself) and 东阳邱村, each with a zone and alarms. */
let safeVillage: {
  homeCamera: string;
  villageCamera: string;
  neighbourCamera: string;
  neighbourZone: string;
  homeCameraFor: Record<Role, string>;
  neighbourCameraFor: Record<Role, string>;
  homeZoneFor: Record<Role, string>;
  homeAlarmFor: Record<Role, string>;
  neighbourAlarmFor: Record<Role, string>;
  neighbourCaseAlarmFor: Record<Role, string>;
};

beforeAll(async () => {
  const admin = (await t.services.accounts.authenticate(tokens.admin))!.actor;
  const sv = t.services.safeVillage;
  const camera = async (id: string, regionCode: string) =>
    (await sv.createCamera(admin, { id, name: id, regionCode, location: null, streamUrl: null, detect: false, detectFps: 2, externalName: null, frameSize: null, speakerIds: [], enabled: true }, noRequest)).camera.id;
  const zone = async (cameraId: string) =>
    (
      await sv.createZone(
        admin,
        cameraId,
        {
          name: '矩阵区域',
          kind: 'drowning',
          enabled: true,
          polygon: square01 as [number, number][],
          objectClass: 'person',
          minScore: 0.5,
          anchor: 'bottom_center',
          minBoxShare: 0.5,
          inertiaFrames: 1,
          minDwellSeconds: 0,
          minBoxArea: 0,
          maxBoxArea: 1,
          schedules: [],
          cooldownSeconds: 0,
          severity: 'warning',
          voice: null,
          actions: { playOnSpeaker: false, notifyGridWorker: false, createCase: false },
        },
        noRequest,
      )
    ).id;
  const perRole = async (make: (i: number) => Promise<string>) => Object.fromEntries(await Promise.all(roles.map(async (r, i) => [r, await make(i)]))) as Record<Role, string>;
  const homeCamera = await camera('cam-matrix-grid', HOME_GRID);
  const neighbourCamera = await camera('cam-matrix-neighbour', NEIGHBOUR_VILLAGE);
  const homeZone = await zone(homeCamera);
  const neighbourZone = await zone(neighbourCamera);
  let track = 0;
  const alarm = async (cameraId: string, zoneId: string) => {
    const at = new Date();
    const trackId = `matrix-${track++}`;
    const box = { x: 0.4, y: 0.4, width: 0.1, height: 0.2 };
    return (await sv.raise({ cameraId, zoneId, source: 'webhook', alarm: { zoneId, trackId, at, enteredAt: at, score: 0.9, detection: { trackId, label: 'person', score: 0.9, box } } })).id;
  };
  safeVillage = {
    homeCamera,
    villageCamera: await camera('cam-matrix-village', HOME_VILLAGE),
    neighbourCamera,
    neighbourZone,
    homeCameraFor: await perRole((i) => camera(`cam-matrix-home-rm${i}`, HOME_VILLAGE)),
    neighbourCameraFor: await perRole((i) => camera(`cam-matrix-away-rm${i}`, NEIGHBOUR_VILLAGE)),
    homeZoneFor: await perRole(() => zone(homeCamera)),
    homeAlarmFor: await perRole(() => alarm(homeCamera, homeZone)),
    neighbourAlarmFor: await perRole(() => alarm(neighbourCamera, neighbourZone)),
    neighbourCaseAlarmFor: await perRole(() => alarm(neighbourCamera, neighbourZone)),
  };
});

beforeAll(async () => {
  const clip = async (text: string, regionPath: string) => {
    const made = await t.services.audio.speak(text, 'cmn', { owner: { userId: null, regionPath } });
    return { id: made.id, url: (await t.services.audio.signedUrl(made.id)).url };
  };
  audioClips = {
    village: await clip('西阳邱村广播。', `/130631/130631202/${HOME_VILLAGE}/`),
    township: await clip('黑堡乡广播。', '/130631/130631202/'),
    neighbour: await clip('东阳邱村广播。', `/130631/130631202/${NEIGHBOUR_VILLAGE}/`),
    otherTownship: await clip('固店镇广播。', `/130631/${OTHER_TOWNSHIP}/`),
  };
});

const matrixGuide = { name: '矩阵事项', category: 'other', summary: '矩阵测试', conditions: '无', materials: ['身份证'], office: '村委会', hours: '工作日', fees: '免费', timeLimit: '当场' };

/** 乡村信息、办证办事、养老: notices, guides, requests, elderly residents and meal requests at home and next door. */
let villageServices: {
  homeNotice: string;
  townshipNotice: string;
  neighbourNotice: string;
  homeDraft: string;
  homeNoticeFor: Record<Role, string>;
  neighbourNoticeFor: Record<Role, string>;
  townshipGuide: string;
  neighbourGuide: string;
  homeRequest: string;
  neighbourRequest: string;
  homeRequestFor: Record<Role, string>;
  neighbourRequestFor: Record<Role, string>;
  gridResident: string;
  villageResident: string;
  neighbourResident: string;
  neighbourMealFor: Record<Role, string>;
};

beforeAll(async () => {
  const vs = t.services.villageServices;
  const actorOf = async (token: string) => (await t.services.accounts.authenticate(token))!.actor;
  const admin = await actorOf(tokens.admin);
  const villager = await actorOf(tokens.villager);
  const neighbour: Actor = { userId: fixture.neighbourUserId, role: 'villager', name: '东阳邱村民', phone: '13712340900', scope: { regionCode: NEIGHBOUR_VILLAGE, path: `/130631/130631202/${NEIGHBOUR_VILLAGE}/` } };
  const perRole = async (make: (i: number) => Promise<string>) => Object.fromEntries(await Promise.all(roles.map(async (r, i) => [r, await make(i)]))) as Record<Role, string>;
  const notice = async (regionCode: string, publish = true) =>
    (await vs.notices.create(admin, { id: randomUUID(), kind: 'notice', title: '矩阵通知', body: '矩阵测试通知。', regionCode, pinned: false, fileIds: [], publish, broadcast: false }, noRequest)).notice.id;
  const townshipGuide = (await vs.services.listGuides(villager, { q: '低保' })).items[0]!.id;
  const request = async (actor: Actor) => (await vs.services.submit(actor, { id: randomUUID(), guideId: townshipGuide, kind: 'proxy' }, noRequest)).request.id;
  const resident = async (regionCode: string) =>
    (
      await vs.elderly.create(
        admin,
        {
          id: randomUUID(),
          name: '矩阵老人',
          gender: null,
          birthDate: '1940-01-01',
          phone: null,
          address: null,
          regionCode,
          householdId: null,
          userId: null,
          livingAlone: false,
          mobility: 'independent',
          emergencyContactName: null,
          emergencyContactPhone: null,
          healthNotes: null,
          status: 'active',
        },
        noRequest,
      )
    ).resident.id;
  const neighbourResident = await resident(`${NEIGHBOUR_VILLAGE}01`);
  // Asked by the neighbouring grid's worker, so they wait for a cadre's decision.
  const neighbourWorker = await actorOf(await t.login('13800000006'));
  const today = localDate(new Date());
  villageServices = {
    homeNotice: await notice(HOME_VILLAGE),
    townshipNotice: await notice('130631202'),
    neighbourNotice: await notice(NEIGHBOUR_VILLAGE),
    homeDraft: await notice(HOME_VILLAGE, false),
    homeNoticeFor: await perRole(() => notice(HOME_VILLAGE)),
    neighbourNoticeFor: await perRole(() => notice(NEIGHBOUR_VILLAGE)),
    townshipGuide,
    neighbourGuide: (await vs.services.createGuide(admin, { ...matrixGuide, category: 'other', code: 'matrix_neighbour', regionCode: NEIGHBOUR_VILLAGE, keywords: '', phone: null, allowAppointment: true, allowProxy: true, active: true, sortOrder: 1 }, noRequest)).id,
    homeRequest: await request(villager),
    neighbourRequest: await request(neighbour),
    homeRequestFor: await perRole(() => request(villager)),
    neighbourRequestFor: await perRole(() => request(neighbour)),
    gridResident: await resident(HOME_GRID),
    villageResident: await resident(HOME_VILLAGE),
    neighbourResident,
    neighbourMealFor: await perRole(async () => (await vs.elderly.requestMeal(neighbourWorker, neighbourResident, { id: randomUUID(), meals: 'lunch', startsOn: today, endsOn: null, note: null }, noRequest)).id),
  };
});

/** 智慧党建: the demo's 西阳邱村党支部 (home) and 东阳邱村党支部 (neighbour), with members and meetings in each. */
let party: {
  homeBranch: string;
  neighbourBranch: string;
  homeGroup: string;
  neighbourGroup: string;
  homeMember: string;
  neighbourMember: string;
  homeMemberFor: Record<Role, string>;
  neighbourMemberFor: Record<Role, string>;
  future: { startsAt: string; endsAt: string };
  homeMeeting: string;
  neighbourMeeting: string;
  homeMeetingFor: Record<Role, string>;
  running: string;
  runningFor: Record<Role, string>;
  neighbourRunning: string;
  homeMaterial: string;
};

beforeAll(async () => {
  const p = t.services.party;
  const actorOf = async (token: string) => (await t.services.accounts.authenticate(token))!.actor;
  const admin = await actorOf(tokens.admin);
  const secretary = await actorOf(tokens.branch_secretary);
  const branches = (await p.organisations.listOrganisations(admin, { kind: 'branch' })).items;
  const homeBranch = branches.find((b) => b.regionCode === HOME_VILLAGE)!.id;
  const neighbourBranch = branches.find((b) => b.regionCode === NEIGHBOUR_VILLAGE)!.id;
  const homeGroup = (await p.organisations.listOrganisations(admin, { kind: 'group', region: HOME_VILLAGE })).items[0]!.id;
  const neighbourGroup = (await p.organisations.createOrganisation(admin, { parentId: neighbourBranch, kind: 'group', name: '矩阵党小组' }, noRequest)).id;
  let seq = 0;
  const member = async (branchId: string) =>
    (
      await p.organisations.createMember(
        admin,
        { phone: `1375552${String(seq++).padStart(4, '0')}`, name: '矩阵党员', branchId, status: 'full', joinedOn: '2000-07-01', fullOn: '2001-07-01', declaredIncomeCents: 300_000 },
        noRequest,
      )
    ).member.id;
  const perRole = async (make: () => Promise<string>) => Object.fromEntries(await Promise.all(roles.map(async (r) => [r, await make()]))) as Record<Role, string>;
  const hour = 3_600_000;
  const now = Date.now();
  const future = { startsAt: new Date(now + 48 * hour).toISOString(), endsAt: new Date(now + 50 * hour).toISOString() };
  const running = { startsAt: new Date(now - 10 * 60_000).toISOString(), endsAt: new Date(now + 2 * hour).toISOString() };
  const meeting = async (organisationId: string, when: { startsAt: string; endsAt: string }) =>
    (await p.meetings.create(admin, { organisationId, typeCode: 'theme_day', ...when, mode: 'hybrid', place: '村委会', onlineUrl: 'https://meeting.example.com/matrix' }, noRequest)).id;
  party = {
    homeBranch,
    neighbourBranch,
    homeGroup,
    neighbourGroup,
    homeMember: await member(homeBranch),
    neighbourMember: await member(neighbourBranch),
    homeMemberFor: await perRole(() => member(homeBranch)),
    neighbourMemberFor: await perRole(() => member(neighbourBranch)),
    future,
    homeMeeting: await meeting(homeBranch, future),
    neighbourMeeting: await meeting(neighbourBranch, future),
    homeMeetingFor: await perRole(() => meeting(homeBranch, future)),
    running: await meeting(homeBranch, running),
    runningFor: await perRole(() => meeting(homeBranch, running)),
    neighbourRunning: await meeting(neighbourBranch, running),
    homeMaterial: (await p.study.createMaterial(secretary, { title: '矩阵资料', kind: 'article', body: '矩阵', minutes: 10, organisationIds: [homeBranch] }, noRequest)).id,
  };
  // Open leave requests for the branch to decide: each role's own member at home, one at the neighbour's.
  const askLeave = async (memberId: string, meetingId: string) => {
    const m = await p.organisations.getMember(admin, memberId);
    const branch = (await p.organisations.getOrganisation(admin, m.branch.id)).regionCode;
    const scope = { regionCode: branch, path: `/130631/130631202/${branch}/` };
    await p.meetings.requestLeave({ userId: m.userId, role: 'villager', name: m.name, phone: m.phone, scope }, meetingId, '矩阵测试');
  };
  for (const role of roles) await askLeave(party.homeMemberFor[role], party.homeMeeting);
  await askLeave(party.neighbourMember, party.neighbourMeeting);
});

/** 用水预警: meters in 西阳邱村 (its first grid, and the village itself) and 东阳邱村; a fault alert per role in each. */
let water: { readingAt: string; removableFor: Record<Role, string>; homeAlertFor: Record<Role, string>; neighbourAlertFor: Record<Role, string> };
beforeAll(async () => {
  const w = t.services.water;
  const meter = (id: string, regionCode: string) =>
    w.createDemoMeter({ id, name: id, regionCode, householdId: null, address: null, location: null, contactName: null, contactPhone: null, elderly: false, livesAlone: false, secret: 'x'.repeat(32) });
  await meter('wm-mx-grid', HOME_GRID);
  await meter('wm-mx-village', HOME_VILLAGE);
  await meter('wm-mx-away', NEIGHBOUR_VILLAGE);
  const hour = 3_600_000;
  /** A meter whose second reading goes backwards: a fault alert. */
  const faultAlert = async (id: string, regionCode: string) => {
    await meter(id, regionCode);
    await w.ingest([{ meterId: id, readings: [{ at: Date.now() - 3 * hour, litres: 500 }, { at: Date.now() - 2 * hour, litres: 100 }] }], 'http');
    return (await t.db.selectFrom('water_alerts').select('id').where('meter_id', '=', id).executeTakeFirstOrThrow()).id;
  };
  const perRole = async (make: (i: number) => Promise<string>) => Object.fromEntries(await Promise.all(roles.map(async (r, i) => [r, await make(i)]))) as Record<Role, string>;
  water = {
    readingAt: new Date(Date.now() - hour).toISOString(),
    removableFor: await perRole(async (i) => {
      await meter(`wm-mx-rm-${i}`, HOME_VILLAGE);
      return `wm-mx-rm-${i}`;
    }),
    homeAlertFor: await perRole((i) => faultAlert(`wm-mx-ack-${i}`, HOME_GRID)),
    neighbourAlertFor: await perRole((i) => faultAlert(`wm-mx-far-ack-${i}`, NEIGHBOUR_VILLAGE)),
  };
});

async function pointsFixture(base: Omit<Fixture, 'points' | 'homeBroadcast'>): Promise<PointsFixture> {
  const call = async (token: string, method: 'GET' | 'POST', url: string, payload?: object) => {
    const res = await t.request({ method, url, token, ...(payload ? { payload } : {}) });
    expect(res.statusCode).toBeLessThan(300);
    return res.json();
  };
  const perRole = async (make: (i: number) => Promise<string>) =>
    Object.fromEntries(await Promise.all(roles.map(async (r, i) => [r, await make(i)]))) as Record<Role, string>;
  // A township-wide activity anyone may claim without photos, so claims need no uploads here.
  const claimRule = (
    await call(tokens.admin, 'POST', '/api/points/rules', { regionCode: '130631202', code: 'matrix.meeting', name: '矩阵会议', category: 'civic', earner: 'claimant', points: 1, requiresPhoto: false })
  ).id as string;
  const rules = (await call(tokens.admin, 'GET', `/api/points/rules?region=${HOME_VILLAGE}`)).items as { id: string; code: string }[];
  const ruleOf = (code: string) => rules.find((r) => r.code === code)!.id;
  const villager = (await t.services.accounts.authenticate(tokens.villager))!.actor;
  const neighbour: Actor = { userId: base.neighbourUserId, role: 'villager', name: '东阳邱村民', phone: '13712340900', scope: { regionCode: NEIGHBOUR_VILLAGE, path: `/130631/130631202/${NEIGHBOUR_VILLAGE}/` } };
  const claim = async (actor: Actor, daysAgo: number) =>
    (await t.services.points.submitClaim(actor, { id: randomUUID(), ruleId: claimRule, description: '矩阵测试', occurredOn: localDate(new Date(Date.now() - daysAgo * 86_400_000)), photoIds: [] })).claim.id;
  const gridWorkerId = (await call(tokens.grid_worker, 'GET', '/api/auth/me')).user.id as string;
  const give = async (userIds: string[]) =>
    (await call(tokens.admin, 'POST', '/api/points/awards', { id: randomUUID(), ruleId: ruleOf('environment.courtyard'), userIds, reason: '矩阵测试' })).items[0].id as string;
  await give([base.homeVillagerId, gridWorkerId]);
  const homeItem = (await call(tokens.village_cadre, 'POST', '/api/points/store/items', { name: '矩阵测试商品', price: 1, stock: 1000 })).id as string;
  const neighbourItem = (await call(tokens.admin, 'POST', '/api/points/store/items', { villageCode: NEIGHBOUR_VILLAGE, name: '东阳邱商品', price: 1, stock: 1000 })).id as string;
  const order = async (actor: Actor, itemId: string) => (await t.services.store.redeem(actor, { id: randomUUID(), itemId, quantity: 1 })).order.id;
  const neighbourEntryFor = await perRole(() => give([base.neighbourUserId]));
  return {
    neighbourHousehold: (await call(tokens.admin, 'POST', '/api/households', { villageCode: NEIGHBOUR_VILLAGE, name: '东阳邱矩阵户' })).id,
    claimRule,
    courtyardRule: ruleOf('environment.courtyard'),
    platformRule: ruleOf('civic.meeting'),
    homeClaimFor: await perRole((i) => claim(villager, i + 1)),
    neighbourClaimFor: await perRole((i) => claim(neighbour, i + 1)),
    neighbourEntryFor,
    homeItem,
    homeOrderFor: await perRole(() => order(villager, homeItem)),
    neighbourOrderFor: await perRole(() => order(neighbour, neighbourItem)),
  };
}

describe('access matrix', () => {
  for (const c of cases) {
    describe(c.name, () => {
      it.each(roles)(`as %s`, async (role) => {
        const res = await t.request({
          method: c.method,
          url: c.url(fixture, role),
          token: tokens[role],
          ...(c.raw ? c.raw(role, fixture) : c.method === 'GET' ? {} : { payload: (c.body?.(role, fixture) ?? {}) as object }),
        });
        expect({ status: res.statusCode, body: res.statusCode >= 400 ? res.json().code : 'ok' }).toMatchObject({ status: c.expect[role] });
      });
    });
  }

  it('refuses every endpoint without a token', async () => {
    for (const c of cases) {
      const res = await t.request({ method: c.method, url: c.url(fixture, 'admin'), ...(c.method === 'GET' || c.method === 'DELETE' ? {} : { payload: {} }) });
      expect([c.name, res.statusCode]).toEqual([c.name, c.anonymous ?? (c.method === 'GET' || res.statusCode === 401 ? 401 : 400)]);
    }
  });
});

describe('listings hold only what is in scope', () => {
  it('a villager lists only their own village and its ancestors', async () => {
    const res = (await t.request({ method: 'GET', url: '/api/regions?pageSize=200', token: tokens.villager })).json();
    const codes = res.items.map((r: { code: string }) => r.code);
    expect(codes).toContain(HOME_VILLAGE);
    expect(codes).toContain('130631202');
    expect(codes).not.toContain(NEIGHBOUR_VILLAGE);
    expect(codes.every((code: string) => code.startsWith(HOME_VILLAGE) || HOME_VILLAGE.startsWith(code))).toBe(true);
  });

  it('a grid worker lists only their own grid below the village', async () => {
    const res = (await t.request({ method: 'GET', url: '/api/regions?level=grid&pageSize=200', token: tokens.grid_worker })).json();
    expect(res.items.map((r: { code: string }) => r.code)).toEqual([HOME_GRID]);
  });

  it('a village cadre lists only users of their village', async () => {
    const res = (await t.request({ method: 'GET', url: '/api/users?pageSize=200', token: tokens.village_cadre })).json();
    expect(res.items.length).toBeGreaterThan(0);
    expect(res.items.every((u: { regionCode: string }) => u.regionCode.startsWith(HOME_VILLAGE))).toBe(true);
  });

  it('township staff of one township see none of another township’s users or audit events', async () => {
    const users = (await t.request({ method: 'GET', url: '/api/users?pageSize=200', token: tokens.township_staff })).json();
    expect(users.items.some((u: { regionCode: string }) => u.regionCode.startsWith(OTHER_TOWNSHIP))).toBe(false);
    const otherStaffPassword = (
      await t.request({ method: 'POST', url: `/api/users/${fixture.otherTownshipUserId}/reset-password`, token: tokens.admin })
    ).json().initialPassword;
    const other = await t.login('13712340901', otherStaffPassword);
    await t.request({ method: 'POST', url: '/api/auth/password', token: other, payload: { currentPassword: otherStaffPassword, newPassword: 'gudian-staff-1' } });
    const audit = (await t.request({ method: 'GET', url: '/api/audit-events?pageSize=200', token: other })).json();
    expect(audit.items.length).toBeGreaterThan(0);
    expect(audit.items.every((e: { targetId: string; details: Record<string, unknown> }) => !JSON.stringify(e).includes('130631202206'))).toBe(true);
    // The export is scoped the same way, system entries included.
    const exported = (await t.request({ method: 'GET', url: '/api/audit/export?includeSystem=true', token: other })).body;
    expect(exported.split('\r\n').length).toBeGreaterThan(2);
    expect(exported).not.toContain('130631202206');
  });
});
