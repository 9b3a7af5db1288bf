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
  { name: 'set a holiday', method: 'PUT', url: () => '/api/calendar-overrides/2027-01-01', body: () => ({ isWorkday: false, name: '元旦' }), expect: by(200, 403, 403, 403, 403, 403) },
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
  });
});
