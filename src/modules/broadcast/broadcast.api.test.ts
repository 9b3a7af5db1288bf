import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mqttTestEnv, startTestMessaging, testDeviceId, testDeviceSecret } from '../../../test/support/mqtt.js';
import { createPerson } from '../../../test/support/people.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { ManualClock } from '../../platform/clock.js';
import type { DeviceMessagingHandle } from '../devices/device-messaging.js';
import { SpeakerSimulator } from '../devices/speaker-simulator.js';

/**
 * 云播 end to end: real MQTT (the embedded broker, or Mosquitto via MQTT_URL in CI), real speech
 * (espeak-ng), simulated speakers speaking the device protocol and "playing" each file for its
 * real duration (time-scaled here so a 10 s programme takes 1 s).
 */
const env = mqttTestEnv();
const VILLAGE = '130631202206'; // 西阳邱村
const TIME_SCALE = 0.1;
const WAIT = { timeout: 20_000, interval: 25 };
const clock = new ManualClock(new Date());
const ids = [1, 2, 3, 4, 5].map((n) => testDeviceId('bcast', n));
let t: TestApp;
let messaging: DeviceMessagingHandle;
let simulator: SpeakerSimulator;
let staff: string;
let cadre: string;

beforeAll(async () => {
  t = await createTestApp({ env, clock });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  t.services.runtime.publicBaseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  messaging = await startTestMessaging(env, t);
  for (const [i, id] of ids.entries()) {
    await t.services.devices.createDemoSpeaker({ id, name: `测试音柱${i + 1}`, regionCode: VILLAGE, location: null, secret: testDeviceSecret(id) });
  }
  simulator = new SpeakerSimulator(
    ids.map((id) => ({ id, secret: testDeviceSecret(id) })),
    { url: messaging.deviceUrl, topicPrefix: env.MQTT_TOPIC_PREFIX!, logger: pino({ level: 'silent' }), timeScale: TIME_SCALE, heartbeatSeconds: 30 },
  );
  expect((await simulator.start()).failed).toEqual([]);
  await vi.waitFor(async () => expect((await t.services.devices.speakersById(ids)).every((s) => s.online)).toBe(true), WAIT);
  staff = await t.tokenFor('township_staff');
  cadre = await t.tokenFor('village_cadre');
});
afterAll(async () => {
  await simulator?.stop();
  await messaging?.close();
  await t?.close();
});

const send = (token: string, body: Record<string, unknown>) =>
  t.request({ method: 'POST', url: '/api/broadcasts', token, payload: { id: randomUUID(), title: '通知', target: { type: 'speakers', codes: ids }, ...body } });
const detail = async (id: string) => (await t.request({ method: 'GET', url: `/api/broadcasts/${id}`, token: staff })).json();
const acksOf = (commandPrefix: string, state: string) =>
  ids.filter((id) => simulator.speaker(id).acks.some((a) => a.commandId.startsWith(commandPrefix) && a.state === state));
const commandPrefix = (broadcastId: string) => `b-${broadcastId}-`;

describe('cloud broadcasting to loudspeakers', () => {
  it('a text broadcast to 5 speakers is played and acknowledged by all within 3 s', async () => {
    const started = Date.now();
    const res = await send(cadre, { text: '请各位村民注意，明天上午九点在村委会召开村民大会。' });
    expect(res.statusCode).toBe(201);
    const b = res.json();
    expect(b).toMatchObject({ kind: 'routine', status: 'active', coverage: { speakers: 5 } });
    expect(b.durationMs).toBeGreaterThan(1000);
    await vi.waitFor(() => expect(acksOf(commandPrefix(b.id), 'playing')).toHaveLength(5), { timeout: 3000, interval: 10 });
    expect(Date.now() - started).toBeLessThan(3000);
    await vi.waitFor(async () => expect((await detail(b.id)).coverage).toMatchObject({ speakers: 5, finished: 5 }), WAIT);
    const done = await detail(b.id);
    expect(done.status).toBe('completed');
    expect(done.deliveries.every((d: { state: string; startedAt: string | null }) => d.state === 'finished' && d.startedAt)).toBe(true);
    // The speakers fetched real speech: each "played" it for its duration.
    expect(simulator.speaker(ids[0]!).plays.at(-1)!.seconds * 1000).toBeCloseTo(b.durationMs, -2);
  });

  it('a retried request returns the same broadcast and plays it once', async () => {
    const id = randomUUID();
    const body = { id, title: '重试', text: '测试重复发送。', target: { type: 'speakers', codes: [ids[0]] } };
    const first = await t.request({ method: 'POST', url: '/api/broadcasts', token: cadre, payload: body });
    const again = await t.request({ method: 'POST', url: '/api/broadcasts', token: cadre, payload: body });
    expect([first.statusCode, again.statusCode]).toEqual([201, 200]);
    await vi.waitFor(async () => expect((await detail(id)).status).toBe('completed'), WAIT);
    expect(simulator.speaker(ids[0]!).plays.filter((p) => p.commandId.startsWith(commandPrefix(id)))).toHaveLength(1);
  });

  it('an emergency interrupts a long routine programme on every speaker, and the programme resumes afterwards', async () => {
    const routine = (await send(staff, { title: '政策宣讲', text: '现在播放乡村振兴政策宣讲。'.repeat(8) })).json();
    await vi.waitFor(() => expect(acksOf(commandPrefix(routine.id), 'playing')).toHaveLength(5), WAIT);
    const emergency = (await send(staff, { title: '暴雨预警', kind: 'emergency', text: '紧急通知，暴雨将至，请远离河道。' })).json();
    expect(emergency.priority).toBeGreaterThan(routine.priority);
    await vi.waitFor(() => expect(acksOf(commandPrefix(routine.id), 'failed')).toHaveLength(5), WAIT);
    for (const id of ids) {
      expect(simulator.speaker(id).acks.find((a) => a.commandId.startsWith(commandPrefix(routine.id)) && a.state === 'failed')?.reason).toBe('interrupted');
    }
    await vi.waitFor(async () => expect((await detail(emergency.id)).coverage.finished).toBe(5), WAIT);
    await vi.waitFor(async () => expect((await detail(routine.id)).coverage.finished).toBe(5), WAIT);
    const resumed = await detail(routine.id);
    expect(resumed.deliveries.every((d: { attempts: number }) => d.attempts === 2)).toBe(true);
    // On each speaker: routine (interrupted) → emergency (finished) → routine again (finished).
    const order = simulator.speaker(ids[2]!).plays.slice(-3).map((p) => [p.commandId.startsWith(commandPrefix(emergency.id)) ? 'emergency' : 'routine', p.outcome]);
    expect(order).toEqual([['routine', 'interrupted'], ['emergency', 'finished'], ['routine', 'finished']]);
  });

  it('equal priorities play one after the other, first come first served', async () => {
    const first = (await send(staff, { title: '一', text: '第一条通知。' })).json();
    const second = (await send(staff, { title: '二', text: '第二条通知。' })).json();
    await vi.waitFor(async () => expect((await detail(second.id)).coverage.finished).toBe(5), WAIT);
    const plays = simulator.speaker(ids[1]!).plays.slice(-2);
    expect(plays.map((p) => p.commandId.startsWith(commandPrefix(first.id)))).toEqual([true, false]);
    expect(plays.every((p) => p.outcome === 'finished')).toBe(true);
  });

  it('a speaker offline during the send plays the broadcast once it reconnects', async () => {
    const offline = simulator.speaker(ids[4]!);
    await offline.goOffline();
    await vi.waitFor(async () => expect((await t.services.devices.speakersById([ids[4]!]))[0]!.online).toBe(false), WAIT);
    const b = (await send(cadre, { title: '补播', text: '这是一条补播测试。' })).json();
    await vi.waitFor(async () => expect((await detail(b.id)).coverage).toMatchObject({ finished: 4, offline: 1 }), WAIT);
    const waiting = (await detail(b.id)).deliveries.find((d: { deviceId: string }) => d.deviceId === ids[4]);
    expect(waiting).toMatchObject({ state: 'pending', reason: 'offline', online: false });
    await offline.connect();
    await vi.waitFor(async () => expect((await detail(b.id)).coverage.finished).toBe(5), WAIT);
    expect((await detail(b.id)).status).toBe('completed');
  });

  it('a village broadcast reaches the village’s speakers and counts those offline', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/api/broadcasts',
      token: cadre,
      payload: { id: randomUUID(), title: '全村广播', text: '全村广播测试。', target: { type: 'villages', codes: [VILLAGE] } },
    });
    expect(res.statusCode).toBe(201);
    // 5 simulated here plus the village's 2 demo speakers, which nobody runs in this test.
    expect(res.json().coverage).toMatchObject({ speakers: 7, offline: 2 });
    await vi.waitFor(async () => expect((await detail(res.json().id)).coverage.finished).toBe(5), WAIT);
  });

  it('a village cadre may broadcast only to their own village; the township staff to the township', async () => {
    const neighbour = await t.request({
      method: 'POST',
      url: '/api/broadcasts',
      token: cadre,
      payload: { id: randomUUID(), title: '越权', text: '越权测试。', target: { type: 'villages', codes: ['130631202207'] } },
    });
    expect(neighbour.statusCode).toBe(404);
    const township = await t.request({
      method: 'POST',
      url: '/api/broadcasts',
      token: cadre,
      payload: { id: randomUUID(), title: '越权', text: '越权测试。', target: { type: 'township', codes: ['130631202'] } },
    });
    expect(township.statusCode).toBe(404);
    const villager = await t.tokenFor('villager');
    expect((await send(villager, { text: '村民不能广播。' })).statusCode).toBe(403);
    const bad = await t.request({ method: 'POST', url: '/api/broadcasts', token: staff, payload: { id: randomUUID(), title: '', target: { type: 'villages', codes: [] } } });
    expect(bad.statusCode).toBe(400);
    const fields = bad.json().details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['body.title', 'body.target.codes']));
    const audit = (await t.request({ method: 'GET', url: '/api/audit-events?action=broadcast.send', token: staff })).json();
    expect(audit.total).toBeGreaterThanOrEqual(6);
  });

  it('a recorded or uploaded clip is broadcast only by someone of its region', async () => {
    const clip = (await t.request({ method: 'POST', url: '/api/audio/tts', token: cadre, payload: { text: '西阳邱村的通知。' } })).json();
    const neighbour = await createPerson(t, { phone: '13933330001', name: '东阳邱村干部', role: 'village_cadre', regionCode: '130631202207' });
    const res = await t.request({
      method: 'POST',
      url: '/api/broadcasts',
      token: neighbour.token,
      payload: { id: randomUUID(), title: '借用', clipId: clip.id, target: { type: 'villages', codes: ['130631202207'] } },
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('AUDIO_NOT_FOUND');
  });

  it('a cancelled broadcast stops on every speaker', async () => {
    const b = (await send(staff, { title: '长节目', text: '这是一段很长的节目内容。'.repeat(10) })).json();
    await vi.waitFor(() => expect(acksOf(commandPrefix(b.id), 'playing')).toHaveLength(5), WAIT);
    const res = await t.request({ method: 'POST', url: `/api/broadcasts/${b.id}/cancel`, token: staff });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('cancelled');
    await vi.waitFor(() => expect(ids.filter((id) => simulator.speaker(id).plays.some((p) => p.commandId.startsWith(commandPrefix(b.id)) && p.outcome === 'stopped'))).toHaveLength(5), WAIT);
  });

  it('a daily programme fires once at its time, and again the next day', async () => {
    const local = new Date(clock.now().getTime() + 8 * 3_600_000 + 120_000);
    const timeOfDay = `${String(local.getUTCHours()).padStart(2, '0')}:${String(local.getUTCMinutes()).padStart(2, '0')}`;
    const res = await t.request({
      method: 'POST',
      url: '/api/broadcast-schedules',
      token: cadre,
      payload: { id: randomUUID(), name: '早间新闻', repeatKind: 'daily', timeOfDay, broadcast: { title: '早间新闻', text: '早上好，现在播报今日天气。', target: { type: 'speakers', codes: ids } } },
    });
    expect(res.statusCode).toBe(201);
    const programme = res.json();
    const firstRun = new Date(programme.nextRunAt);
    expect(firstRun.getTime() - clock.now().getTime()).toBeGreaterThan(0);
    expect(firstRun.getTime() - clock.now().getTime()).toBeLessThanOrEqual(180_000);
    const fired = async () => (await t.request({ method: 'GET', url: '/api/broadcasts?pageSize=100', token: staff })).json().items.filter((b: { title: string }) => b.title === '早间新闻');
    // Other modules' timers may be due (reminders, the big screen's upkeep); this one is not yet.
    await t.services.jobs.runDue();
    expect(await fired()).toHaveLength(0);
    clock.set(new Date(firstRun.getTime() + 1000));
    expect(await t.services.jobs.runDue()).toBeGreaterThanOrEqual(1);
    await t.services.jobs.runDue();
    expect(await fired()).toHaveLength(1);
    await t.services.broadcasts.sweep();
    await vi.waitFor(async () => expect((await fired())[0].coverage.finished).toBe(5), WAIT);
    const listed = (await t.request({ method: 'GET', url: '/api/broadcast-schedules', token: cadre })).json().items.find((p: { id: string }) => p.id === programme.id);
    expect(new Date(listed.nextRunAt).getTime() - firstRun.getTime()).toBe(86_400_000);
    clock.set(new Date(firstRun.getTime() + 86_400_000 + 1000));
    await t.services.jobs.runDue();
    expect(await fired()).toHaveLength(2);
    const off = await t.request({ method: 'PATCH', url: `/api/broadcast-schedules/${programme.id}`, token: cadre, payload: { active: false } });
    expect(off.json()).toMatchObject({ active: false, nextRunAt: null });
  });
});
