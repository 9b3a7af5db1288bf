import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { ManualClock } from '../../platform/clock.js';
import { can } from '../accounts/policies.js';
import type { LiveMessage } from '../live/live-hub.js';

/**
 * 智慧大屏 through the API on the Heibao demo: the figures a township, a village and a grid see;
 * reports, closures, ratings, deadlines, alarms, broadcasts and plays moving the read models as
 * they happen; the recount from the source tables giving the same counters; China's day and
 * month boundaries; who may look at which region.
 */

// Shanghai local time → UTC instant. 2026-11-27 is a Friday.
const sh = (local: string) => new Date(`${local}+08:00`);
const clock = new ManualClock(sh('2026-11-27T10:00:00'));

const TOWNSHIP = '130631202'; // 黑堡乡
const VILLAGE = '130631202206'; // 西阳邱村
const GRID = `${VILLAGE}01`;
const NEIGHBOUR = '130631202207'; // 东阳邱村
const townshipScope = { regionCode: TOWNSHIP, path: `/130631/${TOWNSHIP}/` };

let t: TestApp;
let weather: Server;
let weatherHits = 0;
let weatherAnswer: unknown = { text: '晴', temperatureC: 12.5 };
let staff: string;
let cadre: string;
let secretary: string;
let gridWorker: string;
let villager: string;
let admin: string;
let gridCentre: { lon: number; lat: number };
const heard: LiveMessage[] = [];
/** The demo villager's points this month before any case (the demo seeds some when it is built). */
let villagerPoints = 0;

/** The points module's own monthly ranking (红榜) of the township, as the screen shows it. */
async function rankings(kind: 'person' | 'household') {
  const res = await t.request({ method: 'GET', url: `/api/points/rankings?region=${TOWNSHIP}&month=2026-11&kind=${kind}`, token: staff });
  return res.json().items.map((i: { name: string; villageName: string | null; points: number }) => ({ name: i.name, villageName: i.villageName ?? '', points: i.points }));
}

type Summary = {
  region: Record<string, unknown>;
  cases: Record<string, unknown> & { trend: { date: string; reported: number; closed: number }[]; byCategory: { code: string; count: number }[] };
  safeVillage: Record<string, unknown> & { alarmsTodayByKind: { kind: string; count: number }[]; recentAlarms: Record<string, unknown>[]; cameraWall: Record<string, unknown>[] };
  broadcasting: Record<string, number>;
  water: Record<string, unknown>;
  points: { month: string; topVillagers: Record<string, unknown>[]; topHouseholds: Record<string, unknown>[] };
  children: (Record<string, unknown> & { code: string })[];
  devices: Record<string, unknown>[];
};

async function summary(token: string, region?: string): Promise<Summary> {
  await t.services.dashboard.settled();
  const res = await t.request({ method: 'GET', url: '/api/dashboard/summary', token, query: region ? { region } : {} });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

const report = (body: Record<string, unknown> = {}) =>
  t.request({
    method: 'POST',
    url: '/api/cases',
    token: villager,
    payload: { id: randomUUID(), categoryCode: 'village_appearance', description: '村口垃圾堆放多日无人清理，已经影响到村民正常出行和周边环境卫生，天热以后气味很大，请网格员尽快安排处理，谢谢！', location: gridCentre, ...body },
  });
const act = (token: string, id: string, action: string, payload?: object) =>
  t.request({ method: 'POST', url: `/api/cases/${id}/${action}`, token, ...(payload ? { payload } : {}) });

/** Every row of the read models (zero rows aside), to compare increments with a recount. */
async function readModels() {
  const tables = ['dashboard_daily', 'dashboard_alarms_daily', 'dashboard_category_month', 'dashboard_gauges', 'dashboard_alarm_feed'] as const;
  const out: Record<string, unknown[]> = {};
  for (const table of tables) {
    const rows = (await t.db.selectFrom(table).selectAll().execute()) as Record<string, unknown>[];
    out[table] = rows
      .filter((row) => Object.entries(row).some(([k, v]) => typeof v === 'number' && !k.endsWith('code') && Math.abs(v) > 1e-9) || table === 'dashboard_alarm_feed')
      .map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 1e6) / 1e6 : v instanceof Date ? v.toISOString() : v])))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  return out;
}

beforeAll(async () => {
  weather = createServer((_req, res) => {
    weatherHits++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(weatherAnswer));
  });
  await new Promise<void>((resolve) => weather.listen(0, '127.0.0.1', resolve));
  t = await createTestApp({
    clock,
    env: {
      SCREEN_WEATHER_URL: `http://127.0.0.1:${(weather.address() as AddressInfo).port}/now.json`,
      SCREEN_TILE_URL: 'https://t0.tianditu.gov.cn/img_w/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=demo',
    },
  });
  [staff, cadre, secretary, gridWorker, villager, admin] = await Promise.all([
    t.tokenFor('township_staff'),
    t.tokenFor('village_cadre'),
    t.tokenFor('branch_secretary'),
    t.tokenFor('grid_worker'),
    t.tokenFor('villager'),
    t.tokenFor('admin'),
  ]);
  gridCentre = (await t.request({ method: 'GET', url: `/api/regions/${GRID}`, token: staff })).json().centre;
  await t.services.live.ready();
  t.services.live.subscribe(townshipScope, (message) => heard.push(message));
});
afterAll(async () => {
  await t?.close();
  await new Promise((resolve) => weather?.close(resolve));
});

describe('the township at a glance', () => {
  it('shows the demo township: population, villages, grids, grid workers, speakers, and zeros elsewhere', async () => {
    const s = await summary(staff);
    const grids = await t.db.selectFrom('regions').where('path', 'like', `/130631/${TOWNSHIP}/%`).where('level', '=', 'grid').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const workers = await t.db.selectFrom('users').where('region_code', 'like', `${TOWNSHIP}%`).where('role', '=', 'grid_worker').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const speakers = await t.db.selectFrom('devices').where('region_path', 'like', `/130631/${TOWNSHIP}/%`).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(s.region).toEqual({
      code: TOWNSHIP,
      name: '黑堡乡',
      level: 'township',
      parentCode: null,
      areaKm2: expect.any(Number),
      registeredPopulation: 29880,
      residentPopulation: 19506,
      households: Math.round(29880 / 3.2),
      villages: 16,
      grids: grids.n,
      gridWorkers: workers.n, // one in every demo grid
      partyMembers: await t.services.party.stats.partyMembersIn('/130631/130631202/'),
    });
    expect(s.region.partyMembers).toBeGreaterThan(0);
    expect(s.cases).toMatchObject({ today: 0, thisMonth: 0, open: 0, overdue: 0, closedThisMonth: 0, closureRate: null, avgHandlingHours: null, satisfaction: null, byCategory: [] });
    expect(s.cases.trend).toHaveLength(30);
    expect(s.cases.trend[0]!.date).toBe('2026-10-29');
    expect(s.cases.trend[29]).toEqual({ date: '2026-11-27', reported: 0, closed: 0 });
    expect(s.safeVillage).toMatchObject({ camerasTotal: 0, camerasOnline: 0, alarmsToday: 0, recentAlarms: [], cameraWall: [] });
    expect(s.safeVillage.alarmsTodayByKind.map((k) => k.kind)).toEqual(['drowning', 'straw_burning', 'dumping', 'security', 'other']);
    expect(s.broadcasting).toMatchObject({ speakersTotal: speakers.n, speakersOnline: 0, broadcastsToday: 0, playsToday: 0 });
    expect(speakers.n).toBeGreaterThan(0);
    // The test database has no water meters (the demo's are seeded by the running server only).
    expect(s.water).toEqual({ metersTotal: 0, metersReporting: 0, openAlerts: 0, openByType: { leak: 0, burst: 0, spike: 0, zero: 0, fault: 0 }, alertsToday: 0, textsToday: 0 });
    expect(s.points).toEqual({ month: '2026-11', topVillagers: await rankings('person'), topHouseholds: await rankings('household') });
    villagerPoints = (s.points.topVillagers.find((p) => p.name === '西阳邱村民')?.points as number | undefined) ?? 0;
    expect(s.children).toHaveLength(16);
    expect(s.children.find((c) => c.code === VILLAGE)).toMatchObject({ name: '西阳邱村', level: 'village', openCases: 0, casesToday: 0, camerasTotal: 0 });
    expect(s.devices.length).toBeGreaterThan(0);
    expect(s.devices.every((d) => d.kind === 'speaker')).toBe(true);
  });

  it('drills into a village (its grids) and a grid worker sees their grid; the way back is the parent', async () => {
    const village = await summary(staff, VILLAGE);
    expect(village.region).toMatchObject({ code: VILLAGE, level: 'village', parentCode: TOWNSHIP, villages: 1 });
    expect(village.children.length).toBeGreaterThan(0);
    expect(village.children.every((c) => c.level === 'grid')).toBe(true);
    expect((await summary(cadre)).region).toMatchObject({ code: VILLAGE, parentCode: null });
    const grid = await summary(gridWorker);
    expect(grid.region).toMatchObject({ code: GRID, level: 'grid', parentCode: null, gridWorkers: 1 });
    expect(grid.children).toEqual([]);
    expect((await summary(admin)).region).toMatchObject({ code: '130631', level: 'county' });
  });
});

describe('用水预警 on the screen', () => {
  it('a meter of 西阳邱村 and its burst move the water figures of the township and the village, not the neighbour’s; the same as the water module’s own', async () => {
    const meter = await t.request({ method: 'POST', url: '/api/water/meters', token: staff, payload: { id: 'wm-screen-01', name: '大屏测试水表', regionCode: VILLAGE, contactName: '王建国', contactPhone: '13912345678' } });
    expect(meter.statusCode, meter.body).toBe(201);
    expect((await summary(staff)).water).toMatchObject({ metersTotal: 1, metersReporting: 0, openAlerts: 0, alertsToday: 0 });
    // Two ordinary days of hourly readings (water at meals and in the evening), then 600 L in the
    // hour before 09:20 today: a burst, texted at once (by day).
    const H = 3_600_000;
    const usual: Record<number, number> = { 7: 30, 8: 15, 12: 20, 19: 25, 20: 10 };
    const start = sh('2026-11-25T09:20:00').getTime();
    let litres = 5000;
    const readings = Array.from({ length: 49 }, (_, i) => {
      const at = start + i * H;
      if (i > 0) litres += (usual[new Date(at + 8 * H).getUTCHours()] ?? 0) + (i === 48 ? 600 : 0);
      return { meterId: 'wm-screen-01', at: new Date(at).toISOString(), litres };
    });
    const upload = await t.request({ method: 'POST', url: '/api/water/readings', token: staff, payload: { readings } });
    expect(upload.json()).toMatchObject({ stored: 49, alertsOpened: 1 });
    const water = { metersTotal: 1, metersReporting: 1, openAlerts: 1, openByType: { leak: 0, burst: 1, spike: 0, zero: 0, fault: 0 }, alertsToday: 1, textsToday: 1 };
    expect((await summary(staff)).water).toEqual(water);
    expect((await summary(staff, VILLAGE)).water).toEqual(water);
    expect((await summary(staff, NEIGHBOUR)).water).toMatchObject({ metersTotal: 0, openAlerts: 0, alertsToday: 0 });
    const own = (await t.request({ method: 'GET', url: '/api/water/stats', token: staff })).json();
    expect(own).toMatchObject({ meters: { total: 1, reporting: 1 }, openAlerts: { total: 1, burst: 1 }, today: { alerts: 1, texts: 1 } });
    expect(await t.services.water.statsIn(townshipScope)).toMatchObject({ meters: own.meters, openAlerts: own.openAlerts, today: own.today });
  });
});

describe('cases move the figures as they happen', () => {
  let id: string;

  it('a report moves today, open, this month, the trend and its village’s and grid’s rows; the screens hear case.created', async () => {
    id = randomUUID();
    expect((await report({ id })).statusCode).toBe(201);
    const s = await summary(staff);
    expect(s.cases).toMatchObject({ today: 1, thisMonth: 1, open: 1, overdue: 0, closedThisMonth: 0, closureRate: 0 });
    expect(s.cases.byCategory).toEqual([{ code: 'village_appearance', name: '村容村貌', count: 1 }]);
    expect(s.cases.trend[29]).toEqual({ date: '2026-11-27', reported: 1, closed: 0 });
    expect(s.children.find((c) => c.code === VILLAGE)).toMatchObject({ openCases: 1, casesToday: 1 });
    expect(s.children.find((c) => c.code === NEIGHBOUR)).toMatchObject({ openCases: 0, casesToday: 0 });
    const village = await summary(cadre);
    expect(village.children.find((c) => c.code === GRID)).toMatchObject({ openCases: 1, casesToday: 1 });
    expect((await summary(admin)).cases).toMatchObject({ today: 1, open: 1 });
    await vi.waitFor(() => expect(heard.find((m) => m.event === 'case.created')).toBeDefined());
    const created = heard.find((m) => m.event === 'case.created')!;
    expect(created).toMatchObject({ regionPath: `/130631/${TOWNSHIP}/${VILLAGE}/${GRID}/`, permission: 'dashboard.read' });
    expect(created.data).toMatchObject({ id, categoryName: '村容村貌', regionName: '西阳邱村', createdAt: sh('2026-11-27T10:00:00').toISOString() });
    expect((created.data as { description: string }).description).toHaveLength(40);
    expect((created.data as { number: string }).number).toMatch(/^20261127-\d{6}$/);
  });

  it('a repeated event changes nothing (the increment is the difference from the stored contribution)', async () => {
    const before = await readModels();
    t.services.events.emit('case.changed', { caseId: id, regionPath: `/130631/${TOWNSHIP}/${VILLAGE}/${GRID}/`, state: 'submitted', action: 'comment' });
    t.services.events.emit('case.reported', { caseId: id, regionPath: `/130631/${TOWNSHIP}/${VILLAGE}/${GRID}/`, categoryCode: 'village_appearance' });
    await t.services.dashboard.settled();
    expect(await readModels()).toEqual(before);
  });

  it('closing it moves closed, the closure rate and the handling time; its points lead the month; a rating moves satisfaction', async () => {
    clock.advance(2 * 3_600_000);
    expect((await act(gridWorker, id, 'accept')).statusCode).toBe(200);
    clock.advance(2 * 3_600_000);
    expect((await act(gridWorker, id, 'resolve', { note: '已清运', photoIds: [] })).statusCode).toBe(200);
    clock.advance(3_600_000);
    expect((await act(secretary, id, 'approve', {})).statusCode).toBe(200);
    await vi.waitFor(() => expect(heard.some((m) => m.event === 'case.updated' && (m.data as { state: string }).state === 'closed')).toBe(true));
    await t.services.jobs.runDue(); // the closure's job: points for the reporter and the handler
    let s = await summary(staff);
    expect(s.cases).toMatchObject({ today: 1, thisMonth: 1, open: 0, closedThisMonth: 1, closureRate: 1, avgHandlingHours: 5, satisfaction: null });
    expect(s.cases.trend[29]).toEqual({ date: '2026-11-27', reported: 1, closed: 1 });
    expect(s.children.find((c) => c.code === VILLAGE)).toMatchObject({ openCases: 0, casesToday: 1 });
    // 5 points for the report (村容村貌), as the points module's own ranking says.
    expect(s.points.topVillagers).toContainEqual({ name: '西阳邱村民', villageName: '西阳邱村', points: villagerPoints + 5 });
    expect(s.points).toEqual({ month: '2026-11', topVillagers: await rankings('person'), topHouseholds: await rankings('household') });

    expect((await act(villager, id, 'rate', { rating: 4 })).statusCode).toBe(200);
    s = await summary(staff);
    expect(s.cases.satisfaction).toBe(4);
  });

  it('a second, open report halves the closure rate; a villager’s dispute reopens the closed one', async () => {
    const second = randomUUID();
    await report({ id: second });
    expect((await summary(staff)).cases).toMatchObject({ thisMonth: 2, open: 1, closedThisMonth: 1, closureRate: 0.5 });
    expect((await act(villager, id, 'dispute', { reason: '垃圾又堆起来了' })).statusCode).toBe(200);
    expect((await summary(staff)).cases).toMatchObject({ thisMonth: 2, open: 2, closedThisMonth: 0, closureRate: 0, avgHandlingHours: null, satisfaction: 4 });
  });
});

describe('alarms, broadcasts and plays', () => {
  let cameraId: string;

  it('an alarm moves alarms today, by kind and the latest alarms of the township, the village and the grid', async () => {
    const camera = await t.request({
      method: 'POST',
      url: '/api/cameras',
      token: staff,
      payload: { name: '西阳邱鱼塘', regionCode: GRID, detect: false, location: { lon: gridCentre.lon, lat: gridCentre.lat } },
    });
    expect(camera.statusCode).toBe(201);
    cameraId = camera.json().camera.id;
    const zone = await t.request({ method: 'POST', url: `/api/cameras/${cameraId}/zones`, token: staff, payload: { name: '鱼塘', kind: 'drowning', polygon: [[0, 0], [1, 0], [1, 1], [0, 1]] } });
    expect(zone.statusCode).toBe(201);
    const zoneId = zone.json().id as string;
    const at = clock.now();
    const raised = await t.services.safeVillage.raise({
      cameraId,
      zoneId,
      source: 'webhook',
      alarm: { zoneId, trackId: 'p1', at, enteredAt: at, score: 0.9, detection: { trackId: 'p1', label: 'person', score: 0.9, box: { x: 0.2, y: 0.5, width: 0.1, height: 0.3 } } },
    });
    expect(raised.created).toBe(true);
    for (const [token, region] of [[staff, undefined], [staff, VILLAGE], [gridWorker, undefined]] as const) {
      const s = await summary(token, region);
      expect(s.safeVillage).toMatchObject({ camerasTotal: 1, camerasOnline: 0, alarmsToday: 1 });
      expect(s.safeVillage.alarmsTodayByKind.find((k) => k.kind === 'drowning')).toEqual({ kind: 'drowning', count: 1 });
      expect(s.safeVillage.recentAlarms).toEqual([
        { id: raised.id, cameraName: '西阳邱鱼塘', zoneName: '鱼塘', kind: 'drowning', regionName: expect.stringContaining('网格'), raisedAt: at.toISOString(), snapshotUrl: null },
      ]);
      expect(s.safeVillage.cameraWall).toEqual([{ id: cameraId, name: '西阳邱鱼塘', regionName: expect.any(String), online: false, snapshotUrl: expect.stringContaining(`/api/cameras/${cameraId}/snapshot?`) }]);
    }
    const s = await summary(staff);
    expect(s.children.find((c) => c.code === VILLAGE)).toMatchObject({ alarmsToday: 1, camerasTotal: 1, camerasOnline: 0 });
    expect(s.devices).toContainEqual({ kind: 'camera', id: cameraId, name: '西阳邱鱼塘', online: false, lon: gridCentre.lon, lat: gridCentre.lat });
    const neighbour = await summary(staff, NEIGHBOUR);
    expect(neighbour.safeVillage).toMatchObject({ alarmsToday: 0, recentAlarms: [], camerasTotal: 0 });
  });

  it('a broadcast moves broadcasts today and the screens hear it; a play to the end moves plays today', async () => {
    const id = randomUUID();
    const res = await t.request({ method: 'POST', url: '/api/broadcasts', token: staff, payload: { id, title: '防火提醒', text: '天干物燥，小心火烛。', target: { type: 'villages', codes: [VILLAGE] } } });
    expect(res.statusCode).toBe(201);
    let s = await summary(staff);
    expect(s.broadcasting).toMatchObject({ broadcastsToday: 1, playsToday: 0 });
    expect((await summary(staff, NEIGHBOUR)).broadcasting.broadcastsToday).toBe(0);
    await vi.waitFor(() => expect(heard.find((m) => m.event === 'broadcast.created')?.data).toMatchObject({ id, title: '防火提醒', kind: 'routine' }));

    // A speaker reports the end of the play (as the broadcasting module records an acknowledgement).
    const delivery = await t.db.selectFrom('broadcast_deliveries').select('device_id').where('broadcast_id', '=', id).executeTakeFirstOrThrow();
    await t.db.updateTable('broadcast_deliveries').set({ state: 'finished', finished_at: clock.now() }).where('broadcast_id', '=', id).where('device_id', '=', delivery.device_id).execute();
    t.services.broadcasts.events.emit('delivery.finished', { broadcastId: id, deviceId: delivery.device_id });
    t.services.broadcasts.events.emit('delivery.finished', { broadcastId: id, deviceId: delivery.device_id });
    s = await summary(staff);
    expect(s.broadcasting).toMatchObject({ broadcastsToday: 1, playsToday: 1 });
  });

  it('a programme’s run counts too (its broadcast is made inside the programme’s job)', async () => {
    const schedule = await t.request({
      method: 'POST',
      url: '/api/broadcast-schedules',
      token: staff,
      payload: { id: randomUUID(), name: '午间提醒', repeatKind: 'once', runDate: '2026-11-27', timeOfDay: '15:30', broadcast: { title: '午间提醒', text: '请注意防火。', target: { type: 'villages', codes: [VILLAGE] } } },
    });
    expect(schedule.statusCode, schedule.body).toBe(201);
    clock.set(sh('2026-11-27T15:31:00'));
    await t.services.jobs.runDue();
    expect((await summary(staff)).broadcasting).toMatchObject({ broadcastsToday: 2, playsToday: 1 });
    await vi.waitFor(() => expect(heard.some((m) => m.event === 'broadcast.created' && (m.data as { title: string }).title === '午间提醒')).toBe(true));
  });

  it('a broadcast whose speakers span townships counts at the county, not the township', async () => {
    const row = await t.db.selectFrom('broadcasts').selectAll().executeTakeFirstOrThrow();
    const id = randomUUID();
    await t.db.insertInto('broadcasts').values({ ...row, id, title: '全县通知', region_path: '/130631/', schedule_id: null }).execute();
    t.services.broadcasts.events.emit('broadcast.created', { broadcastId: id, regionPath: '/130631/' });
    expect((await summary(admin)).broadcasting.broadcastsToday).toBe(3);
    expect((await summary(staff)).broadcasting.broadcastsToday).toBe(2);
  });
});

describe('the recount from the source tables', () => {
  it('gives exactly the counters the increments made', async () => {
    const incremental = await readModels();
    expect(incremental.dashboard_daily!.length).toBeGreaterThan(0);
    await t.services.dashboard.rebuild();
    expect(await readModels()).toEqual(incremental);
  });

  it('rebuilds a wiped read model to the same figures', async () => {
    const before = await summary(staff);
    const county = await summary(admin);
    for (const table of ['dashboard_daily', 'dashboard_alarms_daily', 'dashboard_category_month', 'dashboard_gauges', 'dashboard_alarm_feed', 'dashboard_marks', 'dashboard_case_facts'] as const) {
      await t.db.deleteFrom(table).execute();
    }
    expect((await summary(staff)).cases.thisMonth).toBe(0);
    await t.services.dashboard.rebuild();
    expect({ ...(await summary(staff)), generatedAt: '' }).toEqual({ ...before, generatedAt: '' });
    expect({ ...(await summary(admin)), generatedAt: '' }).toEqual({ ...county, generatedAt: '' });
  });

  it('finds a change whose event was lost by recounting the village; the township and the county follow', async () => {
    const open = { township: (await summary(staff)).cases.open as number, county: (await summary(admin)).cases.open as number };
    // As if the process died between the commit and the event: the case is rejected, nobody heard.
    const victim = await t.db.selectFrom('cases').select('id').where('state', '=', 'submitted').executeTakeFirstOrThrow();
    await t.db.updateTable('cases').set({ state: 'rejected', reject_reason: '重复', rejected_at: clock.now(), updated_at: clock.now() }).where('id', '=', victim.id).execute();
    expect((await summary(staff)).cases.open).toBe(open.township);
    await t.services.dashboard.rebuild(VILLAGE);
    expect((await summary(cadre)).cases.open).toBe(open.township - 1);
    expect((await summary(staff)).cases.open).toBe(open.township - 1);
    expect((await summary(admin)).cases.open).toBe(open.county - 1);
    const recounted = await readModels();
    await t.services.dashboard.rebuild();
    expect(await readModels()).toEqual(recounted);
  });
});

describe('China’s calendar', () => {
  it('a report at 23:59 counts for that day; after midnight “today” starts at zero and the trend moves on', async () => {
    clock.set(sh('2026-11-27T23:59:00'));
    await report();
    expect((await summary(staff)).cases).toMatchObject({ today: 3, thisMonth: 3 });
    clock.set(sh('2026-11-28T00:01:00'));
    const s = await summary(staff);
    expect(s.cases).toMatchObject({ today: 0, thisMonth: 3 });
    expect(s.cases.trend[29]).toEqual({ date: '2026-11-28', reported: 0, closed: 0 });
    // The day's one closure was disputed: closed no more.
    expect(s.cases.trend[28]).toEqual({ date: '2026-11-27', reported: 3, closed: 0 });
    expect(s.safeVillage.alarmsToday).toBe(0);
    expect(s.broadcasting.broadcastsToday).toBe(0);
  });

  it('a deadline passing makes a case overdue (its deadline job), and the screens hear it', async () => {
    const open = await t.db.selectFrom('cases').select(['id', 'accept_due_at']).where('state', '=', 'submitted').orderBy('accept_due_at').execute();
    clock.set(new Date(open[0]!.accept_due_at!.getTime() + 60_000));
    heard.length = 0;
    await t.services.jobs.runDue();
    const s = await summary(staff);
    expect(s.cases.overdue).toBeGreaterThanOrEqual(1);
    expect(s.cases.overdue).toBe(open.filter((c) => c.accept_due_at! < clock.now()).length);
    await vi.waitFor(() => expect(heard.some((m) => m.event === 'case.updated' && (m.data as { id: string }).id === open[0]!.id)).toBe(true));
    const incremental = await readModels();
    await t.services.dashboard.rebuild();
    expect(await readModels()).toEqual(incremental);
  });

  it('a new month starts this month’s figures at zero; the trend still shows the last 30 days', async () => {
    clock.set(sh('2026-12-01T00:30:00'));
    const s = await summary(staff);
    expect(s.cases).toMatchObject({ today: 0, thisMonth: 0, closedThisMonth: 0, closureRate: null, byCategory: [] });
    expect(s.cases.open).toBeGreaterThan(0);
    expect(s.cases.trend.find((d) => d.date === '2026-11-27')).toEqual({ date: '2026-11-27', reported: 3, closed: 0 });
    expect(s.points.month).toBe('2026-12');
  });
});

describe('who sees which region', () => {
  const get = (token: string, url: string) => t.request({ method: 'GET', url, token });

  it('a cadre asking for the township or a neighbouring village gets 404, a villager 403', async () => {
    expect((await get(cadre, `/api/dashboard/summary?region=${TOWNSHIP}`)).json().code).toBe('REGION_NOT_FOUND');
    expect((await get(cadre, `/api/dashboard/summary?region=${NEIGHBOUR}`)).statusCode).toBe(404);
    expect((await get(cadre, `/api/dashboard/map?region=${NEIGHBOUR}`)).statusCode).toBe(404);
    expect((await get(gridWorker, `/api/dashboard/summary?region=${VILLAGE}`)).statusCode).toBe(404);
    expect((await get(staff, '/api/dashboard/summary?region=130631203')).statusCode).toBe(404);
    expect((await get(villager, '/api/dashboard/summary')).statusCode).toBe(403);
    expect((await get(villager, '/api/dashboard/settings')).statusCode).toBe(403);
    expect((await get(staff, '/api/dashboard/summary?region=bad%20code')).statusCode).toBe(400);
  });

  it('case details reach the screens of handlers, never a villager’s live stream', async () => {
    const received: LiveMessage[] = [];
    t.services.live.subscribe({ regionCode: VILLAGE, path: `/130631/${TOWNSHIP}/${VILLAGE}/` }, (m) => received.push(m));
    await report();
    await vi.waitFor(() => expect(received.some((m) => m.event === 'case.created')).toBe(true));
    // The SSE route drops what the subscriber's role may not read.
    expect(received.filter((m) => !m.permission || can('villager', m.permission))).toEqual([]);
  });
});

describe('the map and the screen settings', () => {
  it('the map holds the township’s outline and its villages’ boundaries', async () => {
    const res = await t.request({ method: 'GET', url: '/api/dashboard/map', token: staff });
    expect(res.statusCode).toBe(200);
    const map = res.json();
    expect(map.type).toBe('FeatureCollection');
    expect(map.features.filter((f: { properties: { role: string } }) => f.properties.role === 'outline')).toEqual([
      { type: 'Feature', properties: { code: TOWNSHIP, name: '黑堡乡', level: 'township', role: 'outline' }, geometry: expect.objectContaining({ type: expect.stringMatching(/Polygon/) }) },
    ]);
    expect(map.features.filter((f: { properties: { role: string; level: string } }) => f.properties.role === 'child' && f.properties.level === 'village')).toHaveLength(16);
  });

  it('title, tiles and the weather, fetched by the server and kept for 10 minutes', async () => {
    const first = (await t.request({ method: 'GET', url: '/api/dashboard/settings', token: cadre })).json();
    expect(first).toEqual({
      title: '数乡 · 智慧大屏',
      tileUrl: 'https://t0.tianditu.gov.cn/img_w/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=demo',
      tileAttribution: null,
      weather: { text: '晴', temperatureC: 12.5 },
    });
    weatherAnswer = { text: '小雨' };
    clock.advance(9 * 60_000);
    expect((await t.request({ method: 'GET', url: '/api/dashboard/settings', token: staff })).json().weather.text).toBe('晴');
    expect(weatherHits).toBe(1);
    clock.advance(2 * 60_000);
    expect((await t.request({ method: 'GET', url: '/api/dashboard/settings', token: staff })).json().weather).toEqual({ text: '小雨', temperatureC: null });
    // A source that answers nonsense: the last weather stays a while.
    weatherAnswer = { temperature: 3 };
    clock.advance(11 * 60_000);
    expect((await t.request({ method: 'GET', url: '/api/dashboard/settings', token: staff })).json().weather).toEqual({ text: '小雨', temperatureC: null });
    expect(weatherHits).toBe(3);
  });
});
