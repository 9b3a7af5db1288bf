import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRaw, mqttTestEnv, startTestMessaging } from '../../../test/support/mqtt.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { ManualClock } from '../../platform/clock.js';
import type { DeviceMessagingHandle } from '../devices/device-messaging.js';

/**
 * 用水预警 through the API, on a clock the tests move: the meter register (scoped), readings over
 * HTTP, CSV and MQTT with every awkward case (duplicates, disorder, late, backwards, impossible,
 * future, unknown meters, malformed messages), alerts with evidence that end, the household's text
 * (one per meter, type and day; none at night, sent in the morning), and the grid case when an
 * elderly household stops using water.
 */
const XIYANGQIU = '130631202206';
const GRID1 = `${XIYANGQIU}01`;
const DONGYANGQIU = '130631202207';
const LI_HOUSEHOLD = '5a1e0000-0000-4000-8000-000000000003'; // 李秀兰户
const H = 3_600_000;
const env = mqttTestEnv();
/** 10:00 in Heibao. */
const clock = new ManualClock(new Date('2026-11-27T02:00:00Z'));
let t: TestApp;
let messaging: DeviceMessagingHandle;
let staff: string;
let cadre: string;
let grid: string;
let otherGrid: string;
let villager: string;

beforeAll(async () => {
  t = await createTestApp({ clock, env });
  messaging = await startTestMessaging(env, t);
  await t.services.water.attach(messaging);
  [staff, cadre, grid, otherGrid, villager] = await Promise.all([
    t.tokenFor('township_staff'),
    t.tokenFor('village_cadre'),
    t.login('13800000004'),
    t.login('13800000006'),
    t.tokenFor('villager'),
  ]);
});
afterAll(async () => {
  await messaging?.close();
  await t?.close();
});

const local = (text: string) => Date.parse(`${text}+08:00`);
const USUAL: Record<number, number> = { 7: 30, 8: 15, 12: 20, 19: 25, 20: 10 };
/** Hourly readings at minute 20 from `from` (local text) for `hours` hours, with a usual household's use, plus `extra` litres in given hours. */
function hourly(meterId: string, from: string, hours: number, options: { index?: number; extra?: Record<number, number>; silentFrom?: number } = {}) {
  let index = options.index ?? 5000;
  const start = local(from);
  const list = [];
  for (let i = 0; i <= hours; i++) {
    const at = start + i * H;
    if (i > 0) {
      const hour = new Date(at + 8 * H).getUTCHours();
      const silent = options.silentFrom !== undefined && i >= options.silentFrom;
      index += (silent ? 0 : (USUAL[hour] ?? 0)) + (options.extra?.[i] ?? 0);
    }
    list.push({ meterId, at: new Date(at).toISOString(), litres: index });
  }
  return list;
}
const upload = (token: string, readings: unknown[]) => t.request({ method: 'POST', url: '/api/water/readings', token, payload: { readings } });
const create = (token: string, body: Record<string, unknown>) => t.request({ method: 'POST', url: '/api/water/meters', token, payload: body });
const alerts = async (query: Record<string, string>) => (await t.request({ method: 'GET', url: '/api/water/alerts', token: staff, query })).json();
const outbox = () => t.db.selectFrom('sms_outbox').selectAll().where('reference', 'like', 'water-alert:%').orderBy('id').execute();

describe('meters', () => {
  it('staff register a meter for a household with MQTT credentials shown once; cadres and the grid see it, others do not', async () => {
    const res = await create(staff, { id: 'wm-test-li', name: '李秀兰户水表', householdId: LI_HOUSEHOLD, regionCode: GRID1, contactName: '李秀兰', contactPhone: '13912340001', elderly: true, livesAlone: true, mqtt: true });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.meter).toMatchObject({ id: 'wm-test-li', household: { id: LI_HOUSEHOLD, name: '李秀兰户' }, regionCode: GRID1, elderly: true, livesAlone: true, mqtt: true, readingsCount: 0 });
    expect(body.secret).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(body.broker.topic).toBe(`${env.MQTT_TOPIC_PREFIX}/meters/wm-test-li/readings`);
    expect((await t.request({ method: 'GET', url: '/api/water/meters/wm-test-li', token: cadre })).json().contactPhone).toBe('13912340001');
    expect((await t.request({ method: 'GET', url: '/api/water/meters/wm-test-li', token: grid })).json().contactPhone).toBe('139****0001');
    expect((await t.request({ method: 'GET', url: '/api/water/meters/wm-test-li', token: otherGrid })).json().code).toBe('WATER_METER_NOT_FOUND');
    expect((await t.request({ method: 'GET', url: '/api/water/meters', token: villager })).statusCode).toBe(403);
    const audit = await t.db.selectFrom('audit_events').select('details').where('action', '=', 'water_meter.create').executeTakeFirstOrThrow();
    expect(JSON.stringify(audit.details)).not.toContain('13912340001');
  });

  it('refuses a taken id (a meter’s or a speaker’s), another village, a household elsewhere, and bad fields one by one', async () => {
    expect((await create(staff, { id: 'wm-test-li', name: 'x', regionCode: XIYANGQIU })).json().code).toBe('WATER_METER_EXISTS');
    expect((await create(staff, { id: `spk-${XIYANGQIU}-01`, name: 'x', regionCode: XIYANGQIU })).json().code).toBe('WATER_METER_EXISTS');
    expect((await create(cadre, { id: 'wm-test-away', name: 'x', regionCode: DONGYANGQIU })).json().code).toBe('REGION_NOT_FOUND');
    expect((await create(staff, { id: 'wm-test-away', name: 'x', regionCode: DONGYANGQIU, householdId: LI_HOUSEHOLD })).json()).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'body.regionCode' }] });
    expect((await create(grid, { id: 'wm-test-grid', name: 'x' })).statusCode).toBe(403);
    const bad = await create(staff, { id: 'WM!', name: '', contactPhone: '12345', kind: 'pond', surprise: true });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details.map((d: { field: string }) => d.field)).toEqual(expect.arrayContaining(['body.id', 'body.name', 'body.contactPhone', 'body.kind']));
  });
});

describe('readings over HTTP', () => {
  beforeAll(async () => {
    expect((await create(cadre, { id: 'wm-test-io', name: '读数测试', regionCode: XIYANGQIU })).statusCode).toBe(201);
    await t.services.water.createDemoMeter({ id: 'wm-test-east', name: '东阳邱', regionCode: DONGYANGQIU, householdId: null, address: null, location: null, contactName: null, contactPhone: null, elderly: false, livesAlone: false, secret: 'x'.repeat(32) });
  });

  it('stores readings once (idempotent on meter and time), in time order whatever the order they came in', async () => {
    const readings = hourly('wm-test-io', '2026-11-26T01:20:00', 4);
    const first = await upload(cadre, [...readings].reverse());
    expect(first.json()).toMatchObject({ received: 5, stored: 5, duplicates: 0, late: 0, faults: 0, unknownMeters: [] });
    const again = await upload(cadre, [...readings, readings[0]]);
    expect(again.json()).toMatchObject({ received: 6, stored: 0, duplicates: 6 });
    const meter = (await t.request({ method: 'GET', url: '/api/water/meters/wm-test-io', token: cadre })).json();
    expect(meter).toMatchObject({ readingsCount: 5, lastReadingAt: readings[4]!.at, lastLitres: readings[4]!.litres });
  });

  it('a late reading (older than the last used) is stored but not used; a future one is refused; unknown and foreign meters are named, nothing stored for them', async () => {
    const res = await upload(cadre, [
      { meterId: 'wm-test-io', at: new Date(local('2026-11-26T02:50:00')).toISOString(), litres: 5000 },
      { meterId: 'wm-test-io', at: new Date(clock.now().getTime() + 2 * H).toISOString(), litres: 9000 },
      { meterId: 'wm-test-nobody', at: '2026-11-26T00:00:00Z', litres: 1 },
      { meterId: 'wm-test-east', at: '2026-11-26T00:00:00Z', litres: 1 },
    ]);
    expect(res.json()).toMatchObject({ received: 4, stored: 1, late: 1, rejected: 1, unknownMeters: ['wm-test-east', 'wm-test-nobody'] });
    const verdict = await t.db.selectFrom('water_readings').select('verdict').where('meter_id', '=', 'wm-test-io').where('at', '=', new Date(local('2026-11-26T02:50:00'))).executeTakeFirstOrThrow();
    expect(verdict.verdict).toBe('late');
    expect(await t.db.selectFrom('water_readings').select('meter_id').where('meter_id', '=', 'wm-test-east').execute()).toEqual([]);
  });

  it('a reading below the last is a meter fault, not use; the fault ends when readings are consistent again; an impossible jump is a fault too', async () => {
    const back = await upload(cadre, [{ meterId: 'wm-test-io', at: new Date(local('2026-11-26T05:40:00')).toISOString(), litres: 100 }]);
    expect(back.json()).toMatchObject({ stored: 1, faults: 1, alertsOpened: 1 });
    const open = await alerts({ meter: 'wm-test-io', type: 'fault', state: 'open' });
    expect(open.items[0]).toMatchObject({ type: 'fault', open: true, sms: 'none', evidence: { fault: 'backwards', reading: { litres: 100 } } });
    const next = await upload(cadre, [{ meterId: 'wm-test-io', at: new Date(local('2026-11-26T06:20:00')).toISOString(), litres: 5090 }]);
    expect(next.json()).toMatchObject({ faults: 0, alertsEnded: 1 });
    expect((await alerts({ meter: 'wm-test-io', type: 'fault' })).items[0]).toMatchObject({ open: false, endReason: 'readings_consistent' });
    const jump = await upload(cadre, [{ meterId: 'wm-test-io', at: new Date(local('2026-11-26T07:20:00')).toISOString(), litres: 95_000 }]);
    expect(jump.json()).toMatchObject({ faults: 1 });
    expect((await alerts({ meter: 'wm-test-io', type: 'burst' })).total).toBe(0);
  });

  it('validates every field of a batch, and only those who manage meters upload', async () => {
    const bad = await upload(cadre, [{ meterId: 'wm-test-io', at: '2026-11-26 08:00', litres: -5 }]);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details.map((d: { field: string }) => d.field)).toEqual(expect.arrayContaining(['body.readings.0.at', 'body.readings.0.litres']));
    expect((await upload(grid, hourly('wm-test-io', '2026-11-26T08:20:00', 1))).statusCode).toBe(403);
  });
});

describe('CSV import', () => {
  it('imports timestamp,reading_litres (local times), reporting bad lines; a file without the header is refused', async () => {
    expect((await create(cadre, { id: 'wm-test-csv', name: 'CSV 测试', regionCode: XIYANGQIU })).statusCode).toBe(201);
    const csv = 'timestamp,reading_litres\n2026-11-20T01:00:00,1000\n2026-11-20T02:00:00,1010\nbroken line\n2026-11-20T03:00:00,1015.5\n';
    const res = await t.request({ method: 'POST', url: '/api/water/meters/wm-test-csv/readings/csv', token: cadre, headers: { 'content-type': 'text/csv' }, payload: csv });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ received: 3, stored: 3, errors: [{ line: 4 }] });
    const first = await t.db.selectFrom('water_readings').select(['at', 'verdict']).where('meter_id', '=', 'wm-test-csv').orderBy('at').executeTakeFirstOrThrow();
    expect(first).toMatchObject({ at: new Date('2026-11-19T17:00:00Z'), verdict: 'first' });
    const noHeader = await t.request({ method: 'POST', url: '/api/water/meters/wm-test-csv/readings/csv', token: cadre, headers: { 'content-type': 'text/csv' }, payload: 'a;b\nc;d\n' });
    expect(noHeader.json().code).toBe('WATER_CSV_INVALID');
    expect((await t.request({ method: 'POST', url: '/api/water/meters/wm-test-csv/readings/csv', token: grid, headers: { 'content-type': 'text/csv' }, payload: csv })).statusCode).toBe(403);
  });
});

describe('readings over MQTT', () => {
  let secret: string;
  beforeAll(async () => {
    const res = await create(staff, { id: 'wm-test-mqtt', name: 'MQTT 水表', regionCode: XIYANGQIU, mqtt: true });
    secret = res.json().secret;
  });

  it('a meter connects with its id and secret, publishes one reading or a batch; malformed messages are counted on the meter and ignored; another meter’s topic closes the connection', async () => {
    const topic = `${env.MQTT_TOPIC_PREFIX}/meters/wm-test-mqtt/readings`;
    await expect(connectRaw(messaging.deviceUrl, { clientId: 'wm-test-mqtt', username: 'wm-test-mqtt', password: 'wrong-secret-wrong-secret' })).rejects.toThrow();
    const meter = await connectRaw(messaging.deviceUrl, { clientId: 'wm-test-mqtt', username: 'wm-test-mqtt', password: secret });
    await meter.publishAsync(topic, JSON.stringify({ at: '2026-11-26T10:00:00+08:00', litres: 200 }), { qos: 1 });
    await meter.publishAsync(topic, JSON.stringify({ readings: [{ at: '2026-11-26T11:00:00+08:00', litres: 210 }, { at: '2026-11-26T12:00:00+08:00', litres: 230 }] }), { qos: 1 });
    await meter.publishAsync(topic, 'litres=5', { qos: 1 });
    await meter.publishAsync(topic, JSON.stringify({ at: '2026-11-26T13:00:00+08:00', litres: 240, temperature: 4 }), { qos: 1 });
    await expect
      .poll(async () => (await t.request({ method: 'GET', url: '/api/water/meters/wm-test-mqtt', token: staff })).json(), { timeout: 10_000, interval: 50 })
      .toMatchObject({ readingsCount: 3, lastLitres: 230, rejectedMessages: 2 });
    const view = (await t.request({ method: 'GET', url: '/api/water/meters/wm-test-mqtt', token: staff })).json();
    expect(view.lastRejectedReason).toMatch(/^invalid: /);
    const closed = new Promise<void>((resolve) => meter.once('close', () => resolve()));
    meter.publish(`${env.MQTT_TOPIC_PREFIX}/meters/wm-test-io/readings`, JSON.stringify({ at: '2026-11-26T13:00:00+08:00', litres: 1 }), { qos: 1 });
    await closed;
    meter.end(true);
    expect(t.services.water.metrics().rejected).toMatchObject({ not_json: 1, invalid: 1 });
  });
});

describe('alerts and the household’s text', () => {
  beforeAll(async () => {
    expect((await create(cadre, { id: 'wm-test-sms', name: '王家水表', regionCode: XIYANGQIU, contactName: '王建国', contactPhone: '13912340002' })).statusCode).toBe(201);
  });

  it('a burst opens an alert with its evidence and texts the household at once by day', async () => {
    clock.set(new Date(local('2026-11-27T10:00:00')));
    // Two quiet days, then 600 L in the hour before 09:20.
    const res = await upload(cadre, hourly('wm-test-sms', '2026-11-25T09:20:00', 48, { extra: { 48: 600 } }));
    expect(res.json()).toMatchObject({ alertsOpened: 1 });
    const alert = (await alerts({ meter: 'wm-test-sms', type: 'burst' })).items[0];
    expect(alert).toMatchObject({ open: true, sms: 'queued', startedAt: new Date(local('2026-11-27T09:20:00')).toISOString(), evidence: { thresholdLph: 300 } });
    expect(alert.evidence.flowLph).toBeGreaterThanOrEqual(600);
    const texts = await outbox();
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatchObject({ phone: '13912340002', status: 'queued' });
    expect(texts[0]!.body).toContain('疑似爆管');
  });

  it('the alert ends when the flow is normal; a second burst the same day is recorded but not texted again', async () => {
    clock.set(new Date(local('2026-11-27T12:00:00')));
    const readings = hourly('wm-test-sms', '2026-11-27T09:20:00', 2, { index: 0, extra: { 2: 700 } });
    const base = (await t.request({ method: 'GET', url: '/api/water/meters/wm-test-sms', token: cadre })).json().lastLitres as number;
    const res = await upload(cadre, readings.slice(1).map((r) => ({ ...r, litres: r.litres + base })));
    expect(res.json()).toMatchObject({ alertsOpened: 1, alertsEnded: 1 });
    const bursts = (await alerts({ meter: 'wm-test-sms', type: 'burst' })).items;
    expect(bursts.map((a: { open: boolean; sms: string; endReason: string | null }) => [a.open, a.sms, a.endReason])).toEqual([
      [true, 'limited', null],
      [false, 'queued', 'flow_normal'],
    ]);
    expect(await outbox()).toHaveLength(1);
  });

  it('at night the text waits for the end of the quiet hours and goes out in the morning', async () => {
    clock.set(new Date(local('2026-11-27T23:30:00')));
    const last = (await t.request({ method: 'GET', url: '/api/water/meters/wm-test-sms', token: cadre })).json().lastLitres as number;
    // Back to normal for the afternoon and evening, then 800 L in the hour before 23:20.
    const readings = hourly('wm-test-sms', '2026-11-27T11:20:00', 12, { index: last, extra: { 12: 800 } });
    const res = await upload(cadre, readings.slice(1));
    expect(res.json().alertsOpened).toBe(1);
    const night = (await alerts({ meter: 'wm-test-sms', type: 'burst', state: 'open' })).items[0];
    expect(night).toMatchObject({ sms: 'deferred', smsDueAt: new Date(local('2026-11-28T08:00:00')).toISOString() });
    expect(await outbox()).toHaveLength(1);
    clock.set(new Date(local('2026-11-28T07:59:00')));
    await t.services.jobs.runDue();
    expect(await outbox()).toHaveLength(1);
    clock.set(new Date(local('2026-11-28T08:00:30')));
    await t.services.jobs.runDue();
    const texts = await outbox();
    expect(texts).toHaveLength(2);
    expect(texts[1]!.body).toContain('23:20');
    expect((await t.request({ method: 'GET', url: `/api/water/alerts/${night.id}`, token: cadre })).json()).toMatchObject({ sms: 'queued', smsDueAt: null });
  });

  it('an alert found in old readings (a late upload) texts nobody', async () => {
    expect((await create(cadre, { id: 'wm-test-old', name: '旧数据', regionCode: XIYANGQIU, contactPhone: '13912340003' })).statusCode).toBe(201);
    await upload(cadre, hourly('wm-test-old', '2026-11-10T09:20:00', 30, { extra: { 20: 900 } }));
    expect((await alerts({ meter: 'wm-test-old', type: 'burst' })).items[0]).toMatchObject({ sms: 'stale' });
  });

  it('the detail carries the use around the alert for the chart, and the readings that raised it; anyone who reads it may acknowledge it once', async () => {
    const alert = (await alerts({ meter: 'wm-test-sms', type: 'burst', state: 'ended' })).items[0];
    const detail = (await t.request({ method: 'GET', url: `/api/water/alerts/${alert.id}`, token: cadre })).json();
    expect(detail.meter).toMatchObject({ id: 'wm-test-sms' });
    expect(detail.usage.bucket).toBe('hour');
    expect(detail.usage.points.length).toBeGreaterThan(48);
    // Hourly buckets are clock hours; readings at :20 spread the burst over two of them.
    expect(Math.max(...detail.usage.points.map((p: { litres: number }) => p.litres))).toBeGreaterThanOrEqual(400);
    expect(detail.readings.some((r: { at: string }) => r.at === alert.startedAt)).toBe(true);
    // A meter of the village (not of a grid): the grid's worker does not see it, nor the next village's.
    expect((await t.request({ method: 'GET', url: `/api/water/alerts/${alert.id}`, token: grid })).json().code).toBe('WATER_ALERT_NOT_FOUND');
    expect((await t.request({ method: 'GET', url: `/api/water/alerts/${alert.id}`, token: otherGrid })).json().code).toBe('WATER_ALERT_NOT_FOUND');
    const ack = await t.request({ method: 'POST', url: `/api/water/alerts/${alert.id}/acknowledge`, token: cadre, payload: { note: '已电话联系，水龙头没关' } });
    expect(ack.json()).toMatchObject({ acknowledged: { by: '西阳邱村干部', note: '已电话联系，水龙头没关' } });
    expect((await t.request({ method: 'POST', url: `/api/water/alerts/${alert.id}/acknowledge`, token: staff, payload: {} })).json().code).toBe('WATER_ALERT_ACKNOWLEDGED');
  });
});

describe('silent households', () => {
  it('zero use in an elderly household opens a grid case for a visit, worded as the register says; an ordinary household only gets the alert', async () => {
    clock.set(new Date(local('2026-11-27T14:00:00')));
    expect((await create(cadre, { id: 'wm-test-plain', name: '普通户水表', regionCode: XIYANGQIU })).statusCode).toBe(201);
    // No household on the register: the meter's own flags speak for it.
    expect((await create(cadre, { id: 'wm-test-alone', name: '独居户水表', regionCode: GRID1, elderly: true, livesAlone: true })).statusCode).toBe(201);
    // Twenty usual days, then nothing since 21:20 three days ago (64 hours, to 13:20 today).
    const from = '2026-11-04T21:20:00';
    const days = 20 * 24 + 64;
    await upload(cadre, hourly('wm-test-li', from, days, { silentFrom: 20 * 24 + 1 }));
    await upload(cadre, hourly('wm-test-plain', from, days, { silentFrom: 20 * 24 + 1 }));
    await upload(cadre, hourly('wm-test-alone', from, days, { silentFrom: 20 * 24 + 1 }));
    const li = (await alerts({ meter: 'wm-test-li', type: 'zero' })).items[0];
    expect(li).toMatchObject({ open: true, evidence: { activeDays: 14, requiredHours: 60 } });
    await expect.poll(async () => (await t.request({ method: 'GET', url: `/api/water/alerts/${li.id}`, token: grid })).json().caseId, { timeout: 5000 }).not.toBeNull();
    const caseId = (await t.request({ method: 'GET', url: `/api/water/alerts/${li.id}`, token: grid })).json().caseId;
    const kase = await t.request({ method: 'GET', url: `/api/cases/${caseId}`, token: grid });
    expect(kase.statusCode).toBe(200);
    expect(kase.json()).toMatchObject({ category: { code: 'assistance' }, level: 'grid', source: 'water' });
    // The meter was set up as 独居, but the elderly register has 李秀兰 living with family: the register wins.
    expect(kase.json().description).toContain('老年户「李秀兰户水表」');
    expect(kase.json().description).not.toContain('独居');
    const alone = (await alerts({ meter: 'wm-test-alone', type: 'zero' })).items[0];
    await expect.poll(async () => (await t.request({ method: 'GET', url: `/api/water/alerts/${alone.id}`, token: grid })).json().caseId, { timeout: 5000 }).not.toBeNull();
    const aloneCase = (await t.request({ method: 'GET', url: `/api/water/alerts/${alone.id}`, token: grid })).json().caseId;
    expect((await t.request({ method: 'GET', url: `/api/cases/${aloneCase}`, token: grid })).json().description).toContain('独居老人户「独居户水表」');
    const plain = (await alerts({ meter: 'wm-test-plain', type: 'zero' })).items[0];
    expect(plain).toMatchObject({ open: true, caseId: null });
    // Water runs again: both alerts end.
    const more = await upload(cadre, [{ meterId: 'wm-test-li', at: new Date(local('2026-11-27T13:50:00')).toISOString(), litres: (await t.request({ method: 'GET', url: '/api/water/meters/wm-test-li', token: cadre })).json().lastLitres + 12 }]);
    expect(more.json().alertsEnded).toBe(1);
    expect((await alerts({ meter: 'wm-test-li', type: 'zero' })).items[0]).toMatchObject({ open: false, endReason: 'use_resumed' });
  });

  it('a silence found in a meter’s backlog is news once the meter catches up and it still goes on: the text and the visit follow then', async () => {
    clock.set(new Date(local('2026-11-27T16:00:00')));
    expect((await create(cadre, { id: 'wm-test-late', name: '迟报水表', regionCode: GRID1, contactPhone: '13912340009', elderly: true })).statusCode).toBe(201);
    // Twenty usual days, then silence from 11-22 21:20; the first upload stops at 11-25 15:20 (over a day ago).
    const all = hourly('wm-test-late', '2026-11-02T21:20:00', 20 * 24 + 114, { silentFrom: 20 * 24 + 1 });
    const cut = 20 * 24 + 66;
    expect((await upload(cadre, all.slice(0, cut))).json().alertsOpened).toBe(1);
    const found = (await alerts({ meter: 'wm-test-late', type: 'zero' })).items[0];
    expect(found).toMatchObject({ open: true, sms: 'stale', caseId: null });
    // The rest arrives: still silent, up to an hour ago.
    await upload(cadre, all.slice(cut));
    const now = (await t.request({ method: 'GET', url: `/api/water/alerts/${found.id}`, token: cadre })).json();
    expect(now).toMatchObject({ open: true, sms: 'queued' });
    expect(now.caseId).not.toBeNull();
  });
});

describe('figures and thresholds', () => {
  it('the big screen’s figures: meters, open alerts by type, today', async () => {
    const stats = (await t.request({ method: 'GET', url: '/api/water/stats', token: staff })).json();
    expect(stats.meters.total).toBeGreaterThanOrEqual(7);
    expect(stats.openAlerts.total).toBe(stats.openAlerts.leak + stats.openAlerts.burst + stats.openAlerts.spike + stats.openAlerts.zero + stats.openAlerts.fault);
    expect(stats.openAlerts.zero).toBeGreaterThanOrEqual(1);
    expect(stats.villages.map((v: { name: string }) => v.name)).toContain('西阳邱村');
    expect(stats.latest.length).toBeGreaterThan(0);
    const east = (await t.request({ method: 'GET', url: '/api/water/stats', token: otherGrid })).json();
    expect(east.meters.total).toBe(0);
    expect((await t.request({ method: 'GET', url: '/api/water/stats', token: villager })).statusCode).toBe(403);
  });

  it('a cadre sets the village’s thresholds and quiet hours; the detectors use them at once; not the township’s, not another village’s', async () => {
    const put = await t.request({ method: 'PUT', url: `/api/water/settings/${XIYANGQIU}`, token: cadre, payload: { thresholds: { burstFlowLph: 1000 }, quietHours: { start: '21:00', end: '07:00' } } });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ overrides: { burstFlowLph: 1000 }, effective: { burstFlowLph: 1000, leakHours: 22 }, quietHours: { start: '21:00', end: '07:00', own: true } });
    expect((await t.request({ method: 'GET', url: `/api/water/settings/${XIYANGQIU}`, token: grid })).json().effective.burstFlowLph).toBe(1000);
    expect((await t.request({ method: 'PUT', url: '/api/water/settings/130631202', token: cadre, payload: { thresholds: {} } })).statusCode).toBe(403);
    expect((await t.request({ method: 'PUT', url: `/api/water/settings/${DONGYANGQIU}`, token: cadre, payload: { thresholds: {} } })).statusCode).toBe(404);
    expect((await t.request({ method: 'PUT', url: `/api/water/settings/${XIYANGQIU}`, token: grid, payload: { thresholds: {} } })).statusCode).toBe(403);
    expect((await t.request({ method: 'PUT', url: `/api/water/settings/${XIYANGQIU}`, token: cadre, payload: { thresholds: { leakHours: 1 } } })).statusCode).toBe(400);
    clock.set(new Date(local('2026-11-20T12:00:00')));
    expect((await create(cadre, { id: 'wm-test-set', name: '阈值测试', regionCode: XIYANGQIU })).statusCode).toBe(201);
    const res = await upload(cadre, hourly('wm-test-set', '2026-11-19T09:20:00', 24, { extra: { 20: 700 } }));
    expect(res.json().alertsOpened).toBe(0);
  });

  it('a cadre removes a meter with its readings and alerts', async () => {
    expect((await t.request({ method: 'DELETE', url: '/api/water/meters/wm-test-old', token: cadre })).statusCode).toBe(204);
    expect((await t.request({ method: 'GET', url: '/api/water/meters/wm-test-old', token: cadre })).statusCode).toBe(404);
    expect(await t.db.selectFrom('water_alerts').select('id').where('meter_id', '=', 'wm-test-old').execute()).toEqual([]);
  });
});
