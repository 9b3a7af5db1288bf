import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices } from '../../app.js';
import { loadConfig } from '../../config.js';
import { ManualClock } from '../../platform/clock.js';
import { localDate } from '../../platform/working-time.js';
import { createPerson, type Person } from '../../../test/support/people.js';
import { createTestApp, TEST_SECRET, type TestApp } from '../../../test/support/test-app.js';

/**
 * The alarm ladder on a controllable clock: an alarm nobody acknowledges goes to the grid workers,
 * then the village cadres, then the township's duty officer, each step in the app and by SMS and
 * recorded on the alarm; acknowledging stops it; a new app instance on the same database runs a
 * step that came due while the first was gone. Default ladder here: 3, 5, 10 minutes.
 */
const GRID1 = '13063120220601';
const TOWNSHIP = '130631202';
const MIN = 60_000;
const clock = new ManualClock(new Date('2026-12-08T02:00:00Z'));
let t: TestApp;
let cameraId: string;
let zoneId: string;
let quickZoneId: string;
let dutyOfficer: Person;
let cadreToken: string;
let trackNo = 0;

const phones = { grid: '13800000004', cadre: '13800000002', secretary: '13800000003', staff: '13800000001', otherGrid: '13800000006' };

beforeAll(async () => {
  t = await createTestApp({ clock });
  const staff = await t.tokenFor('township_staff');
  cadreToken = await t.tokenFor('village_cadre');
  const camera = await t.request({ method: 'POST', url: '/api/cameras', token: staff, payload: { name: '鱼塘', regionCode: GRID1 } });
  cameraId = camera.json().camera.id;
  const polygon = [
    [0, 0],
    [1, 0],
    [1, 1],
    [0, 1],
  ];
  zoneId = (await t.request({ method: 'POST', url: `/api/cameras/${cameraId}/zones`, token: staff, payload: { name: '塘边', polygon } })).json().id;
  const quick = await t.request({ method: 'POST', url: `/api/cameras/${cameraId}/zones`, token: staff, payload: { name: '闸口', polygon, ladderMinutes: [1, 2] } });
  expect(quick.json().ladderMinutes).toEqual([1, 2]);
  quickZoneId = quick.json().id;
  dutyOfficer = await createPerson(t, { phone: '13900000401', name: '值班干部', role: 'township_staff', regionCode: TOWNSHIP });
  const set = await t.request({ method: 'PUT', url: `/api/duty/${localDate(clock.now())}`, token: staff, payload: { userIds: [dutyOfficer.id] } });
  expect(set.statusCode).toBe(200);
});
afterAll(async () => {
  await t?.close();
});

async function raise(zone = zoneId): Promise<string> {
  const trackId = `t${++trackNo}`;
  const at = clock.now();
  const { id } = await t.services.safeVillage.raise({
    cameraId,
    zoneId: zone,
    source: 'webhook',
    alarm: { zoneId: zone, trackId, at, enteredAt: at, score: 0.9, detection: { trackId, label: 'person', score: 0.9, box: { x: 0.4, y: 0.4, width: 0.1, height: 0.3 } } },
  });
  return id;
}

/** Whose phones got this alarm's step texts, and whose apps its escalation notifications. */
async function told(alarmId: string, step: number) {
  const texts = await t.db.selectFrom('sms_outbox').select(['phone', 'template', 'params']).where('reference', '=', `alarm:${alarmId}:${step}`).execute();
  const inApp = await t.db
    .selectFrom('notifications as n')
    .innerJoin('users as u', 'u.id', 'n.user_id')
    .select(['u.phone', 'n.severity', 'n.url', 'n.title'])
    .where('n.kind', '=', 'alarm.escalated')
    .where('n.url', '=', `/h5/alarms/${alarmId}`)
    .where('n.title', 'like', `%${['', '网格员', '村干部', '乡镇值班人员'][step]}%`)
    .execute();
  return { texts, inApp };
}

const detail = async (alarmId: string, token = cadreToken) => (await t.request({ method: 'GET', url: `/api/alarms/${alarmId}`, token })).json();

describe('the alarm ladder', () => {
  it('climbs grid workers → village cadres → the duty officer at 3, 5 and 10 minutes, each step told in the app and by SMS and recorded', async () => {
    const id = await raise();
    // The grid worker has the alarm in the app at once (high severity, opening the alarm page).
    const first = await t.db
      .selectFrom('notifications as n')
      .innerJoin('users as u', 'u.id', 'n.user_id')
      .select(['u.phone', 'n.severity', 'n.url'])
      .where('n.kind', '=', 'alarm.raised')
      .where('n.url', '=', `/h5/alarms/${id}`)
      .execute();
    expect(first).toEqual([{ phone: phones.grid, severity: 'high', url: `/h5/alarms/${id}` }]);

    clock.advance(3 * MIN - 1000);
    await t.services.jobs.runDue();
    expect((await detail(id)).ladderStep).toBe(0);
    expect((await told(id, 1)).texts).toEqual([]);

    clock.advance(1000);
    await t.services.jobs.runDue();
    const step1 = await told(id, 1);
    expect(step1.texts).toEqual([{ phone: phones.grid, template: 'alarm', params: expect.objectContaining({ place: '鱼塘塘边', kind: '防溺水告警' }) }]);
    expect(step1.inApp).toEqual([expect.objectContaining({ phone: phones.grid, severity: 'high' })]);
    expect((await detail(id)).ladderStep).toBe(1);

    clock.advance(5 * MIN - 1000);
    await t.services.jobs.runDue();
    expect((await told(id, 2)).texts).toEqual([]);
    clock.advance(1000);
    await t.services.jobs.runDue();
    const step2 = await told(id, 2);
    expect(step2.texts.map((s) => s.phone).sort()).toEqual([phones.cadre, phones.secretary].sort());
    expect(step2.inApp.map((n) => n.phone).sort()).toEqual([phones.cadre, phones.secretary].sort());

    clock.advance(10 * MIN);
    await t.services.jobs.runDue();
    const step3 = await told(id, 3);
    // Only the officer on duty today, not the township's other staff.
    expect(step3.texts.map((s) => s.phone)).toEqual([dutyOfficer.phone]);
    expect(step3.inApp.map((n) => n.phone)).toEqual([dutyOfficer.phone]);

    const view = await detail(id);
    expect(view.ladderStep).toBe(3);
    expect(view.history.map((e: { kind: string; step: number | null }) => [e.kind, e.step])).toEqual([
      ['raised', null],
      ['escalated', 1],
      ['escalated', 2],
      ['escalated', 3],
    ]);
    expect(view.history[3].recipients).toEqual([{ userId: dutyOfficer.id, name: '值班干部', role: 'township_staff', channels: ['app', 'sms'] }]);
    expect(Date.parse(view.history[3].at) - Date.parse(view.raisedAt)).toBe(18 * MIN);
    // Nothing after the last step, and the other village's grid worker was never told.
    clock.advance(60 * MIN);
    await t.services.jobs.runDue();
    expect((await detail(id)).history).toHaveLength(4);
    expect(await t.db.selectFrom('sms_outbox').select('id').where('phone', '=', phones.otherGrid).where('reference', 'like', `alarm:${id}:%`).execute()).toEqual([]);
  });

  it('stops when someone acknowledges: no later step runs', async () => {
    const id = await raise();
    clock.advance(3 * MIN);
    await t.services.jobs.runDue();
    expect((await told(id, 1)).texts).toHaveLength(1);
    const ack = await t.request({ method: 'POST', url: `/api/alarms/${id}/acknowledge`, token: await t.login(phones.grid), payload: { note: '已到现场' } });
    expect(ack.statusCode).toBe(200);
    clock.advance(30 * MIN);
    await t.services.jobs.runDue();
    expect((await told(id, 2)).texts).toEqual([]);
    expect((await told(id, 3)).texts).toEqual([]);
    const view = await detail(id);
    expect(view.ladderStep).toBe(1);
    expect(view.history.map((e: { kind: string }) => e.kind)).toEqual(['raised', 'escalated', 'acknowledged']);
    expect(view.history[2]).toMatchObject({ actorName: '西阳邱网格员', note: '已到现场' });
  });

  it('a zone’s own minutes replace the township default, and a false alarm stops it too', async () => {
    const id = await raise(quickZoneId);
    clock.advance(1 * MIN);
    await t.services.jobs.runDue();
    expect((await told(id, 1)).texts).toHaveLength(1);
    clock.advance(2 * MIN);
    await t.services.jobs.runDue();
    expect((await told(id, 2)).texts).toHaveLength(2);
    // Two steps set: the duty officer is not reached.
    clock.advance(60 * MIN);
    await t.services.jobs.runDue();
    expect((await told(id, 3)).texts).toEqual([]);

    const stopped = await raise(quickZoneId);
    expect((await t.request({ method: 'POST', url: `/api/alarms/${stopped}/false-positive`, token: cadreToken, payload: {} })).statusCode).toBe(200);
    clock.advance(5 * MIN);
    await t.services.jobs.runDue();
    expect((await told(stopped, 1)).texts).toEqual([]);
    expect((await detail(stopped)).history.map((e: { kind: string }) => e.kind)).toEqual(['raised', 'false_positive']);
  });

  it('texts only those who keep SMS for what must not be missed; the app tells everyone, and the record says which', async () => {
    const secretaryToken = await t.login(phones.secretary);
    const prefs = (await t.request({ method: 'GET', url: '/api/notification-preferences', token: secretaryToken })).json();
    const off = await t.request({ method: 'PUT', url: '/api/notification-preferences', token: secretaryToken, payload: { ...prefs, smsMustNotMiss: false } });
    expect(off.statusCode, off.body).toBe(200);
    try {
      const id = await raise(quickZoneId);
      clock.advance(1 * MIN);
      await t.services.jobs.runDue();
      clock.advance(2 * MIN);
      await t.services.jobs.runDue();
      const step2 = await told(id, 2);
      expect(step2.texts.map((s) => s.phone)).toEqual([phones.cadre]);
      expect(step2.inApp.map((n) => n.phone).sort()).toEqual([phones.cadre, phones.secretary].sort());
      const escalated = (await detail(id)).history.find((e: { kind: string; step?: number }) => e.kind === 'escalated' && e.step === 2);
      expect(escalated).toBeDefined();
    } finally {
      await t.request({ method: 'PUT', url: '/api/notification-preferences', token: secretaryToken, payload: prefs });
    }
  });

  it('survives a restart: a new app instance on the same database runs the step that came due', async () => {
    const id = await raise();
    clock.advance(3 * MIN);
    await t.services.jobs.runDue();
    expect((await detail(id)).ladderStep).toBe(1);

    // The first process is gone; another starts on the same database five minutes later.
    const dataDir = mkdtempSync(path.join(tmpdir(), 'shuxiang-ladder-'));
    try {
      const later = new ManualClock(new Date(clock.now().getTime() + 5 * MIN));
      const config = loadConfig({ SHUXIANG_DEMO: 'true', LOG_LEVEL: 'silent', SHUXIANG_DATA_DIR: dataDir });
      const second = createServices(t.db, config, later, TEST_SECRET);
      await second.jobs.runDue();
      const step2 = await told(id, 2);
      expect(step2.texts.map((s) => s.phone).sort()).toEqual([phones.cadre, phones.secretary].sort());
      expect((await detail(id)).ladderStep).toBe(2);
      // The next step was scheduled by the new instance, from its own time.
      later.advance(10 * MIN);
      await second.jobs.runDue();
      expect((await told(id, 3)).texts.map((s) => s.phone)).toEqual([dutyOfficer.phone]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('with nobody on duty that day, the township’s staff are told, and the record says so', async () => {
    clock.advance(24 * 60 * MIN);
    const id = await raise();
    for (const minutes of [3, 5, 10]) {
      clock.advance(minutes * MIN);
      await t.services.jobs.runDue();
    }
    const step3 = await told(id, 3);
    expect(step3.texts.map((s) => s.phone).sort()).toEqual([phones.staff, dutyOfficer.phone].sort());
    expect((await detail(id)).history.at(-1)).toMatchObject({ kind: 'escalated', step: 3, note: '今日未排值班，已通知乡镇全体工作人员' });
  });
});
