import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectRaw, mqttTestEnv, startTestMessaging, testDeviceId, testDeviceSecret } from '../../../test/support/mqtt.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import type { DeviceMessagingHandle } from '../devices/device-messaging.js';
import { SpeakerSimulator } from '../devices/speaker-simulator.js';

/**
 * 平安乡村 through the API: cameras, zones and alarms, scoped by region; detections from a
 * camera's own AI (webhook) and from Frigate (MQTT) raise alarms through our zone rules; the
 * loudspeaker bound to the camera (simulated, over real MQTT) plays the warning.
 */
const FRIGATE_PASSWORD = randomBytes(12).toString('hex');
const env: Record<string, string | undefined> & { FRIGATE_TOPIC_PREFIX: string } = { ...mqttTestEnv(), FRIGATE_MQTT_PASSWORD: FRIGATE_PASSWORD, FRIGATE_TOPIC_PREFIX: `fr${randomBytes(3).toString('hex')}` };
const XIYANGQIU = '130631202206';
const GRID1 = `${XIYANGQIU}01`;
const DONGYANGQIU = '130631202207';
const WAIT = { timeout: 20_000, interval: 25 };
const speakerId = testDeviceId('safe', 1);
let t: TestApp;
let messaging: DeviceMessagingHandle;
let simulator: SpeakerSimulator;
let staff: string;
let cadre: string;
let grid: string;
let otherGrid: string;
let villager: string;

/** A pond in the lower left of the picture. */
const pond = [
  [0.05, 0.55],
  [0.45, 0.55],
  [0.45, 0.95],
  [0.05, 0.95],
];

beforeAll(async () => {
  t = await createTestApp({ env });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  t.services.runtime.publicBaseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  messaging = await startTestMessaging(env, t);
  await t.services.externalDetections.listenToFrigate(messaging.bus, env.FRIGATE_TOPIC_PREFIX);
  await t.services.devices.createDemoSpeaker({ id: speakerId, name: '鱼塘音柱', regionCode: GRID1, location: null, secret: testDeviceSecret(speakerId) });
  simulator = new SpeakerSimulator([{ id: speakerId, secret: testDeviceSecret(speakerId) }], {
    url: messaging.deviceUrl,
    topicPrefix: env.MQTT_TOPIC_PREFIX as string,
    logger: pino({ level: 'silent' }),
    timeScale: 0.05,
    heartbeatSeconds: 30,
  });
  expect((await simulator.start()).failed).toEqual([]);
  [staff, cadre, grid, otherGrid, villager] = await Promise.all([
    t.tokenFor('township_staff'),
    t.tokenFor('village_cadre'),
    t.login('13800000004'),
    t.login('13800000006'),
    t.tokenFor('villager'),
  ]);
});
afterAll(async () => {
  await simulator?.stop();
  await messaging?.close();
  await t?.close();
});

const createCamera = (token: string, body: Record<string, unknown>) => t.request({ method: 'POST', url: '/api/cameras', token, payload: body });
const createZone = (token: string, cameraId: string, body: Record<string, unknown>) =>
  t.request({ method: 'POST', url: `/api/cameras/${cameraId}/zones`, token, payload: body });
const webhook = (secret: string, body: Record<string, unknown>) =>
  t.request({ method: 'POST', url: '/api/detections/webhook', headers: { 'x-camera-secret': secret }, payload: body });

/** A person walking from the top of the picture into the pond, one report per half second. */
function walkIntoPond(trackId: string, start: Date, steps = 6) {
  return Array.from({ length: steps }, (_, i) => {
    const feetY = 0.3 + (i * 0.5) / (steps - 1); // 0.3 → 0.8
    return { at: new Date(start.getTime() + i * 500), box: [0.2, feetY - 0.25, 0.3, feetY] as [number, number, number, number], trackId };
  });
}

describe('cameras', () => {
  it('staff register a camera with its speaker; the password in the stream URL is never shown; a cadre sees it, the other village does not', async () => {
    const res = await createCamera(staff, {
      name: '西阳邱鱼塘',
      regionCode: GRID1,
      streamUrl: 'rtsp://admin:s3cret@192.168.1.64:554/Streaming/Channels/101',
      detect: false,
      speakerIds: [speakerId],
      location: { lon: 115.1, lat: 38.7 },
    });
    expect(res.statusCode).toBe(201);
    const { camera, webhookSecret } = res.json();
    expect(camera).toMatchObject({ id: `cam-${XIYANGQIU}-01`, regionCode: GRID1, online: false, zoneCount: 0, speakers: [{ id: speakerId, name: '鱼塘音柱' }] });
    expect(camera.streamUrl).toBe('rtsp://admin:***@192.168.1.64:554/Streaming/Channels/101');
    expect(webhookSecret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect((await t.services.devices.speakersBoundTo(camera.id)).map((s) => s.id)).toEqual([speakerId]);

    expect((await t.request({ method: 'GET', url: `/api/cameras/${camera.id}`, token: cadre })).statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url: `/api/cameras/${camera.id}`, token: grid })).statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url: `/api/cameras/${camera.id}`, token: otherGrid })).json().code).toBe('CAMERA_NOT_FOUND');
    expect((await t.request({ method: 'GET', url: '/api/cameras', token: otherGrid })).json().total).toBe(0);
    expect((await t.request({ method: 'GET', url: '/api/cameras', token: villager })).statusCode).toBe(403);
    const audit = await t.db.selectFrom('audit_events').select('details').where('action', '=', 'camera.create').executeTakeFirstOrThrow();
    expect(JSON.stringify(audit.details)).not.toContain('s3cret');
  });

  it('refuses bad input field by field, a camera outside the caller’s region, a speaker of another village, and a duplicate id', async () => {
    const bad = await createCamera(staff, { name: '', regionCode: GRID1, streamUrl: 'ftp://x', detectFps: 50, surprise: 1 });
    expect(bad.statusCode).toBe(400);
    const fields = bad.json().details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['body.name', 'body.streamUrl', 'body.detectFps']));
    expect((await createCamera(cadre, { name: '东阳邱', regionCode: DONGYANGQIU })).json().code).toBe('REGION_NOT_FOUND');
    expect((await createCamera(grid, { name: '网格员不能登记', regionCode: GRID1 })).statusCode).toBe(403);
    await t.services.devices.createDemoSpeaker({ id: 'spk-other-village', name: '东阳邱音柱', regionCode: DONGYANGQIU, location: null, secret: 'x'.repeat(32) });
    const foreign = await createCamera(cadre, { name: '借用音柱', regionCode: XIYANGQIU, speakerIds: ['spk-other-village'] });
    expect(foreign.json()).toMatchObject({ code: 'DEVICE_NOT_FOUND', details: [{ field: 'body.speakerIds.0' }] });
    expect((await t.request({ method: 'GET', url: '/api/cameras', token: staff, query: { q: '借用' } })).json().total).toBe(0);
    const dup = await createCamera(staff, { id: `cam-${XIYANGQIU}-01`, name: '重复', regionCode: GRID1 });
    expect(dup.json().code).toBe('CAMERA_EXISTS');
  });

  it('the snapshot URL is signed: without the signature it is refused; before any frame it says there is no picture', async () => {
    const list = (await t.request({ method: 'GET', url: '/api/cameras', token: staff })).json();
    const camera = list.items[0];
    expect((await t.request({ method: 'GET', url: `/api/cameras/${camera.id}/snapshot` })).json().code).toBe('SIGNED_URL_INVALID');
    expect((await t.request({ method: 'GET', url: camera.snapshotUrl })).json().code).toBe('CAMERA_NO_SNAPSHOT');
    const jpeg = await sharp({ create: { width: 64, height: 36, channels: 3, background: '#3a6' } }).jpeg().toBuffer();
    await t.services.safeVillage.frameArrived(camera.id, jpeg, { width: 64, height: 36 }, new Date());
    const image = await t.request({ method: 'GET', url: camera.snapshotUrl });
    expect(image.statusCode).toBe(200);
    expect(image.headers['content-type']).toBe('image/jpeg');
    expect(image.rawPayload.equals(jpeg)).toBe(true);
    const after = (await t.request({ method: 'GET', url: `/api/cameras/${camera.id}`, token: staff })).json();
    expect(after).toMatchObject({ online: true, frameSize: { width: 64, height: 36 } });
  });
});

describe('zones', () => {
  it('a cadre draws a zone with defaults from its kind; invalid polygons and ranges are refused by field', async () => {
    const res = await createZone(cadre, `cam-${XIYANGQIU}-01`, { name: '鱼塘', polygon: pond });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      kind: 'drowning',
      warningText: '您已进入危险水域，请尽快撤离。',
      anchor: 'bottom_center',
      objectClass: 'person',
      actions: { playOnSpeaker: true, notifyGridWorker: true, createCase: false },
      alarmCount: 0,
      falsePositiveRate: null,
    });
    const bad = await createZone(cadre, `cam-${XIYANGQIU}-01`, {
      name: 'x',
      polygon: [[0, 0], [2, 0]],
      minBoxArea: 0.5,
      maxBoxArea: 0.1,
      schedules: [{ start: '25:00', end: '06:00' }],
    });
    expect(bad.statusCode).toBe(400);
    const fields = bad.json().details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['body.polygon', 'body.schedules.0.start']));
    const inverted = await t.request({ method: 'PATCH', url: `/api/zones/${res.json().id}`, token: cadre, payload: { minBoxArea: 0.9, maxBoxArea: 0.2 } });
    expect(inverted.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'body.minBoxArea' }] });
    expect((await createZone(grid, `cam-${XIYANGQIU}-01`, { name: '网格员', polygon: pond })).statusCode).toBe(403);
    expect((await t.request({ method: 'GET', url: `/api/cameras/cam-${XIYANGQIU}-01/zones`, token: otherGrid })).json().code).toBe('CAMERA_NOT_FOUND');
  });
});

describe('alarms from a camera’s own AI and from Frigate', () => {
  let cameraId: string;
  let secret: string;
  let webhookStart: Date;

  beforeAll(async () => {
    const res = await createCamera(staff, {
      name: '东湾坑塘',
      regionCode: GRID1,
      detect: false,
      externalName: 'pond_east',
      frameSize: { width: 1280, height: 720 },
      speakerIds: [speakerId],
    });
    cameraId = res.json().camera.id;
    secret = res.json().webhookSecret;
    const zone = await createZone(cadre, cameraId, { name: '东湾', polygon: pond, inertiaFrames: 2, cooldownSeconds: 60 });
    expect(zone.statusCode).toBe(201);
  });

  it('the webhook needs the camera’s secret', async () => {
    const body = { cameraId, objects: [] };
    expect((await webhook('wrong', body)).json().code).toBe('CAMERA_SECRET_INVALID');
    expect((await t.request({ method: 'POST', url: '/api/detections/webhook', payload: body })).statusCode).toBe(401);
    expect((await webhook(secret, body)).json()).toEqual({ alarms: [] });
  });

  it('a person walking into the pond is one alarm with its snapshot; the bound speaker plays the warning; grid workers are told', async () => {
    const snapshot = await sharp({ create: { width: 128, height: 72, channels: 3, background: '#246' } }).jpeg().toBuffer();
    const raised: string[] = [];
    webhookStart = new Date();
    for (const step of walkIntoPond('p1', webhookStart)) {
      const res = await webhook(secret, {
        cameraId,
        at: step.at.toISOString(),
        objects: [{ trackId: step.trackId, label: 'person', score: 0.9, box: step.box }],
        snapshot: snapshot.toString('base64'),
      });
      expect(res.statusCode).toBe(200);
      raised.push(...res.json().alarms);
    }
    expect(raised).toHaveLength(1);
    const alarm = (await t.request({ method: 'GET', url: `/api/alarms/${raised[0]}`, token: grid })).json();
    expect(alarm).toMatchObject({ cameraId, zoneName: '东湾', kind: 'drowning', source: 'webhook', trackId: 'webhook:p1', state: 'open', speaker: { speakerIds: [speakerId] } });
    const image = await t.request({ method: 'GET', url: alarm.snapshotUrl });
    expect(image.rawPayload.equals(snapshot)).toBe(true);
    // The camera's own picture became its current picture; the frame size set for its boxes stays.
    expect((await t.request({ method: 'GET', url: `/api/cameras/${cameraId}`, token: grid })).json()).toMatchObject({ online: true, frameSize: { width: 1280, height: 720 } });
    await vi.waitFor(() => expect(simulator.speaker(speakerId).plays.some((p) => p.commandId.includes(alarm.id))).toBe(true), WAIT);
    await vi.waitFor(async () => expect((await t.request({ method: 'GET', url: `/api/alarms/${alarm.id}`, token: grid })).json().speaker.playback).toBe('played'), WAIT);
    const notes = (await t.request({ method: 'GET', url: '/api/notifications', token: grid })).json();
    expect(notes.items.some((n: { title: string }) => n.title === '防溺水告警：东湾坑塘')).toBe(true);
    // A villager and the other village see nothing.
    expect((await t.request({ method: 'GET', url: `/api/alarms/${alarm.id}`, token: otherGrid })).json().code).toBe('ALARM_NOT_FOUND');
    expect((await t.request({ method: 'GET', url: '/api/alarms', token: villager })).statusCode).toBe(403);
  });

  it('Frigate’s events for the same walk give the same alarm (zone, track presence) as the webhook did', async () => {
    const start = new Date(Date.now() + 120_000); // after the zone's cooldown of the previous test
    const frigate = await connectRaw(messaging.deviceUrl, { clientId: `frigate-${randomBytes(3).toString('hex')}`, username: 'frigate', password: FRIGATE_PASSWORD });
    const topic = `${env.FRIGATE_TOPIC_PREFIX}/events`;
    const steps = walkIntoPond('1700000000.123-abc', start);
    for (const [i, step] of steps.entries()) {
      const [x1, y1, x2, y2] = step.box;
      const after = { id: step.trackId, camera: 'pond_east', label: 'person', score: 0.9, top_score: 0.9, box: [x1 * 1280, y1 * 720, x2 * 1280, y2 * 720], frame_time: step.at.getTime() / 1000, current_zones: [] };
      await frigate.publishAsync(topic, JSON.stringify({ type: i === 0 ? 'new' : 'update', before: after, after }), { qos: 1 });
    }
    frigate.end();
    await vi.waitFor(async () => {
      const list = (await t.request({ method: 'GET', url: '/api/alarms', token: staff, query: { source: 'frigate' } })).json();
      expect(list.total).toBe(1);
    }, WAIT);
    const [viaFrigate] = (await t.request({ method: 'GET', url: '/api/alarms', token: staff, query: { source: 'frigate' } })).json().items;
    const [viaWebhook] = (await t.request({ method: 'GET', url: '/api/alarms', token: staff, query: { source: 'webhook' } })).json().items;
    expect(viaFrigate).toMatchObject({ cameraId, zoneId: viaWebhook.zoneId, trackId: 'frigate:1700000000.123-abc' });
    // Entered and raised at the same steps of the walk.
    const offset = (iso: string, from: Date) => new Date(iso).getTime() - from.getTime();
    expect(offset(viaFrigate.enteredAt, start)).toBe(offset(viaWebhook.enteredAt, webhookStart));
    expect(offset(viaFrigate.raisedAt, start)).toBe(offset(viaWebhook.raisedAt, webhookStart));
    // A malformed Frigate message is ignored and counted.
    const before = t.services.externalDetections.stats.frigateIgnored;
    expect(await t.services.externalDetections.frigate('{"type":"new"}')).toEqual([]);
    expect(t.services.externalDetections.stats.frigateIgnored).toBe(before + 1);
  });

  it('operators acknowledge, mark false positives (counted per zone), and turn an alarm into a case; retries are harmless', async () => {
    const list = (await t.request({ method: 'GET', url: '/api/alarms', token: grid, query: { cameraId } })).json();
    expect(list.total).toBe(2);
    const [a, b] = list.items;
    const ack = await t.request({ method: 'POST', url: `/api/alarms/${a.id}/acknowledge`, token: grid, payload: { note: '已电话联系' } });
    expect(ack.json()).toMatchObject({ state: 'acknowledged', handledBy: '西阳邱网格员', note: '已电话联系' });
    expect((await t.request({ method: 'POST', url: `/api/alarms/${a.id}/acknowledge`, token: grid, payload: {} })).json().state).toBe('acknowledged');
    const fp = await t.request({ method: 'POST', url: `/api/alarms/${b.id}/false-positive`, token: cadre, payload: { note: '是稻草人' } });
    expect(fp.json().state).toBe('false_positive');
    expect((await t.request({ method: 'POST', url: `/api/alarms/${b.id}/case`, token: cadre, payload: {} })).json().code).toBe('ALARM_ALREADY_HANDLED');

    const toCase = await t.request({ method: 'POST', url: `/api/alarms/${a.id}/case`, token: grid, payload: { note: '需要加装护栏' } });
    expect(toCase.json()).toMatchObject({ state: 'case_created', caseId: expect.any(String) });
    const kase = (await t.request({ method: 'GET', url: `/api/cases/${toCase.json().caseId}`, token: grid })).json();
    expect(kase).toMatchObject({ source: 'alarm', category: { code: 'patrol' } });
    expect(kase.description).toContain('东湾坑塘');

    const zones = (await t.request({ method: 'GET', url: `/api/cameras/${cameraId}/zones`, token: grid })).json();
    expect(zones.items[0]).toMatchObject({ alarmCount: 2, falsePositiveRate: 0.5 });
    const stats = (await t.request({ method: 'GET', url: '/api/alarms/stats', token: staff })).json();
    expect(stats.byZone.find((z: { zoneName: string }) => z.zoneName === '东湾')).toMatchObject({ alarms: 2, falsePositives: 1, falsePositiveRate: 0.5 });
    expect(stats.byKind).toContainEqual({ kind: 'drowning', count: 2 });
  });

  it('再次喊话: the warning plays again on the camera’s loudspeaker, after handling too, and the alarm’s history records it', async () => {
    const [alarm] = (await t.request({ method: 'GET', url: '/api/alarms', token: grid, query: { source: 'webhook' } })).json().items;
    const before = simulator.speaker(speakerId).plays.length;
    const res = await t.request({ method: 'POST', url: `/api/alarms/${alarm.id}/warn-again`, token: grid, payload: {} });
    expect(res.statusCode).toBe(200);
    const { broadcastId, speakerIds } = res.json();
    expect(speakerIds).toEqual([speakerId]);
    expect(broadcastId).not.toBe(alarm.id);
    await vi.waitFor(() => expect(simulator.speaker(speakerId).plays.some((p) => p.commandId.includes(broadcastId))).toBe(true), WAIT);
    expect(simulator.speaker(speakerId).plays.length).toBeGreaterThan(before);
    const broadcast = await t.db.selectFrom('broadcasts').select(['kind', 'source_ref']).where('id', '=', broadcastId).executeTakeFirstOrThrow();
    expect(broadcast).toEqual({ kind: 'alarm', source_ref: `alarm:${alarm.id}` });
    const detail = (await t.request({ method: 'GET', url: `/api/alarms/${alarm.id}`, token: grid })).json();
    expect(detail.history.at(-1)).toMatchObject({ kind: 'warned_again', actorName: '西阳邱网格员' });
    expect(detail.location).toBeNull(); // this camera was registered without a position
    expect((await t.request({ method: 'POST', url: `/api/alarms/${alarm.id}/warn-again`, token: otherGrid, payload: {} })).json().code).toBe('ALARM_NOT_FOUND');
  });

  it('replaying the same detection finds the alarm it made instead of a second one', async () => {
    const [alarm] = (await t.request({ method: 'GET', url: '/api/alarms', token: staff, query: { source: 'webhook' } })).json().items;
    const row = await t.db.selectFrom('alarms').selectAll().where('id', '=', alarm.id).executeTakeFirstOrThrow();
    const again = await t.services.safeVillage.raise({
      cameraId,
      zoneId: row.zone_id!,
      source: 'webhook',
      alarm: { zoneId: row.zone_id!, trackId: row.track_id, at: row.raised_at, enteredAt: row.entered_at, score: row.score, detection: { trackId: row.track_id, label: 'person', score: row.score, box: row.box } },
    });
    expect(again).toEqual({ id: alarm.id, created: false });
  });
});

describe('live updates', () => {
  it('an alarm raised in the caller’s region arrives on /api/live; one elsewhere does not', async () => {
    const base = t.services.runtime.publicBaseUrl;
    const controller = new AbortController();
    const received: string[] = [];
    const response = await fetch(`${base}/api/live?events=alarm.raised`, { headers: { authorization: `Bearer ${otherGrid}` }, signal: controller.signal });
    const mine = await fetch(`${base}/api/live?events=alarm.raised`, { headers: { authorization: `Bearer ${grid}` }, signal: controller.signal });
    expect(mine.headers.get('content-type')).toContain('text/event-stream');
    const read = async (res: Response, into: string[]) => {
      const decoder = new TextDecoder();
      for await (const chunk of res.body!) into.push(decoder.decode(chunk as Uint8Array));
    };
    const otherChunks: string[] = [];
    void read(response, otherChunks).catch(() => undefined);
    void read(mine, received).catch(() => undefined);

    const cam = (await createCamera(staff, { name: '直播测试', regionCode: GRID1, detect: false, frameSize: { width: 100, height: 100 } })).json();
    await createZone(cadre, cam.camera.id, { name: '全画面', polygon: [[0, 0], [1, 0], [1, 1], [0, 1]], inertiaFrames: 1, actions: { playOnSpeaker: false, notifyGridWorker: false, createCase: false } });
    const res = await webhook(cam.webhookSecret, { cameraId: cam.camera.id, objects: [{ trackId: 'live', label: 'person', score: 0.8, box: [10, 10, 40, 90] }] });
    const [alarmId] = res.json().alarms;
    await vi.waitFor(() => expect(received.join('')).toContain(alarmId), { timeout: 1000, interval: 10 });
    expect(received.join('')).toMatch(/event: alarm\.raised\ndata: \{/);
    expect(otherChunks.join('')).not.toContain(alarmId);
    controller.abort();
  });
});
