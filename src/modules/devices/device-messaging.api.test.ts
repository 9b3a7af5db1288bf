import type { MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectRaw, externalBroker, makeWav, mqttTestEnv, serveAudio, startTestMessaging, testDeviceId, testDeviceSecret } from '../../../test/support/mqtt.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { ManualClock } from '../../platform/clock.js';
import type { DeviceMessagingHandle } from './device-messaging.js';
import type { DeviceEvents } from './devices.service.js';
import { type AckRecord, VirtualSpeaker } from './speaker-simulator.js';

/**
 * Device messaging end to end: real MQTT connections to the embedded broker, or to the external
 * broker named by MQTT_URL / MQTT_DEVICE_URL (CI runs this file against Mosquitto too).
 */
const VILLAGE = '130631202206';
const env = mqttTestEnv();
const clock = new ManualClock();
const WAIT = { timeout: 8000, interval: 25 };
let t: TestApp;
let messaging: DeviceMessagingHandle;
let staff: string;
let audio: Awaited<ReturnType<typeof serveAudio>>;
const events: { name: keyof DeviceEvents; payload: DeviceEvents[keyof DeviceEvents] }[] = [];
const speakers: VirtualSpeaker[] = [];
const raws: MqttClient[] = [];
const id = (n: number) => testDeviceId('msg', n);

/** A registered device t-msg-NN with its test secret. */
async function register(n: number, extra: object = {}) {
  const res = await t.request({ method: 'POST', url: '/api/devices', token: staff, payload: { id: id(n), name: `测试音柱${n}`, regionCode: VILLAGE, secret: testDeviceSecret(id(n)), ...extra } });
  expect(res.statusCode).toBe(201);
}

/** A simulated speaker for device n, connected and seen online by the platform. */
async function online(n: number, options: { heartbeatSeconds?: number } = {}): Promise<VirtualSpeaker> {
  const speaker = new VirtualSpeaker(id(n), testDeviceSecret(id(n)), {
    url: messaging.deviceUrl,
    topicPrefix: env.MQTT_TOPIC_PREFIX!,
    logger: pino({ level: 'silent' }),
    heartbeatSeconds: options.heartbeatSeconds ?? 3600,
    reconnectPeriodMs: 0,
  });
  speakers.push(speaker);
  await speaker.connect();
  await vi.waitFor(async () => expect((await device(n)).online).toBe(true), WAIT);
  await vi.waitFor(() => expect(eventsOf(n).at(-1)?.name).toBe('device.online'), WAIT);
  return speaker;
}

async function device(n: number) {
  const res = await t.request({ method: 'GET', url: `/api/devices/${id(n)}`, token: staff });
  expect(res.statusCode).toBe(200);
  return res.json();
}

const eventsOf = (n: number) => events.filter((e) => e.payload.deviceId === id(n));
const acksOf = (n: number) => eventsOf(n).filter((e) => e.name === 'device.ack').map((e) => e.payload as DeviceEvents['device.ack']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  t = await createTestApp({ clock, env });
  staff = await t.tokenFor('township_staff');
  for (const name of ['device.online', 'device.offline', 'device.ack'] as const) {
    t.services.devices.events.on(name, (payload) => {
      events.push({ name, payload });
    });
  }
  messaging = await startTestMessaging(env, t);
  audio = await serveAudio({ '/short.wav': makeWav(0.3), '/long.wav': makeWav(20), '/noise.bin': Buffer.alloc(5000, 7) });
  for (let n = 1; n <= 30; n++) await register(n);
});
afterAll(async () => {
  await Promise.all(speakers.map((s) => s.goOffline()));
  for (const raw of raws) raw.end(true);
  await messaging?.close();
  await audio?.close();
  await t?.close();
});

describe(`device messaging (${externalBroker ? 'external broker' : 'embedded broker'})`, () => {
  it('refuses a device with a wrong or missing secret', async () => {
    await expect(connectRaw(messaging.deviceUrl, { clientId: id(1), username: id(1), password: 'wrong-secret' })).rejects.toThrow();
    await expect(connectRaw(messaging.deviceUrl, { clientId: id(1), username: id(1) })).rejects.toThrow();
    await expect(connectRaw(messaging.deviceUrl, { clientId: id(1), username: id(2), password: testDeviceSecret(id(1)) })).rejects.toThrow();
    expect((await device(1)).online).toBe(false);
  });

  it('a device says it is online (retained status): online, its volume and firmware, an event', async () => {
    await online(1);
    const d = await device(1);
    expect(d).toMatchObject({ online: true, reportedVolume: 60, firmware: 'shuxiang-sim/1', playing: null, rejectedMessages: 0 });
    expect(d.lastSeenAt).toBe(clock.now().toISOString());
    expect(eventsOf(1).map((e) => e.name)).toEqual(['device.online']);
  });

  it('its last will marks it offline when the connection drops; a graceful goodbye too', async () => {
    const speaker = await online(2);
    await speaker.goOffline(); // power cut: no DISCONNECT, the broker publishes the will
    // The row changes a moment before the event is emitted: wait for both.
    await vi.waitFor(async () => expect((await device(2)).online).toBe(false), WAIT);
    await vi.waitFor(() => expect(eventsOf(2).at(-1)).toMatchObject({ name: 'device.offline', payload: { reason: 'connection_lost' } }), WAIT);
    await speaker.connect();
    await vi.waitFor(async () => expect((await device(2)).online).toBe(true), WAIT);
    await speaker.goOffline({ graceful: true });
    await vi.waitFor(async () => expect((await device(2)).online).toBe(false), WAIT);
    await vi.waitFor(() => expect(eventsOf(2).at(-1)?.name).toBe('device.offline'), WAIT);
    expect(eventsOf(2).map((e) => [e.name, (e.payload as { reason?: string }).reason])).toEqual([
      ['device.online', undefined],
      ['device.offline', 'connection_lost'],
      ['device.online', undefined],
      ['device.offline', 'shutdown'],
    ]);
  });

  it('90 s without a heartbeat marks a device offline; its next heartbeat brings it back', async () => {
    const speaker = await online(3);
    clock.advance(60_000);
    expect(await t.services.devices.markSilentOffline()).toBe(0);
    await speaker.publishRaw('heartbeat', JSON.stringify({ uptimeSeconds: 60 }));
    await vi.waitFor(async () => expect((await device(3)).lastSeenAt).toBe(clock.now().toISOString()), WAIT);
    clock.advance(91_000);
    const before = eventsOf(3).length;
    expect(await t.services.devices.markSilentOffline()).toBeGreaterThanOrEqual(1); // 3, and 1 which is silent too
    expect((await device(3)).online).toBe(false);
    expect(eventsOf(3).slice(before)).toEqual([{ name: 'device.offline', payload: expect.objectContaining({ reason: 'heartbeat_timeout' }) }]);
    await speaker.publishRaw('heartbeat', JSON.stringify({ uptimeSeconds: 151, volume: 60, playing: null }));
    await vi.waitFor(async () => expect((await device(3)).online).toBe(true), WAIT);
    await vi.waitFor(() => expect(eventsOf(3).at(-1)?.name).toBe('device.online'), WAIT);
  });

  it('malformed messages (not JSON, wrong fields, unknown fields, huge) are counted and change nothing', async () => {
    const speaker = await online(4);
    const before = await device(4);
    const eventsBefore = eventsOf(4).length;
    const bad: ['status' | 'ack' | 'heartbeat', string | Buffer][] = [
      ['status', 'not json {'],
      ['status', JSON.stringify({ state: 'offline', reason: 'Not A Code!' })],
      ['status', JSON.stringify({ state: 'online', volume: 250 })],
      ['status', JSON.stringify({ state: 'online', volume: 10, colour: 'red' })],
      ['ack', JSON.stringify({ commandId: 'c-1', state: 'exploded' })],
      ['ack', JSON.stringify([1, 2, 3])],
      ['heartbeat', JSON.stringify({ volume: 'loud' })],
      ['heartbeat', Buffer.alloc(10_000, 0x7b)],
      ['ack', Buffer.from([0xff, 0xfe, 0x00])],
    ];
    for (const [kind, payload] of bad) await speaker.publishRaw(kind, payload);
    await vi.waitFor(async () => expect((await device(4)).rejectedMessages).toBe(bad.length), WAIT);
    const after = await device(4);
    expect(after).toMatchObject({ online: true, reportedVolume: before.reportedVolume, lastSeenAt: before.lastSeenAt, playing: null });
    expect(after.lastRejectedReason).toMatch(/^ack: (not_json|invalid)/);
    expect(eventsOf(4).length).toBe(eventsBefore);
    const stats = (await t.request({ method: 'GET', url: '/api/devices/stats', token: await t.tokenFor('admin') })).json();
    expect(stats.process.rejected).toMatchObject({ not_json: expect.any(Number), invalid: expect.any(Number), too_large: 1 });
    expect(stats.rejectedMessages).toBeGreaterThanOrEqual(bad.length);
    // Still alive and well: the next good message is applied.
    await speaker.publishRaw('status', JSON.stringify({ state: 'online', volume: 61 }), true);
    await vi.waitFor(async () => expect((await device(4)).reportedVolume).toBe(61), WAIT);
  });

  it('a device cannot publish on another device’s topics: nothing happens to the other', async () => {
    await online(5);
    const victim = await online(6);
    const before = await device(6);
    const intruder = await connectRaw(messaging.deviceUrl, { clientId: id(5), username: id(5), password: testDeviceSecret(id(5)) });
    raws.push(intruder);
    const victimTopics = (await device(6)).topics;
    // The embedded broker disconnects the intruder at once; Mosquitto drops the messages silently.
    intruder.publish(victimTopics.status, JSON.stringify({ state: 'offline', reason: 'hacked' }), { qos: 1, retain: true });
    intruder.publish(victimTopics.ack, JSON.stringify({ commandId: 'forged', state: 'finished' }), { qos: 1 });
    intruder.publish(victimTopics.heartbeat, JSON.stringify({ volume: 1 }), { qos: 0 });
    intruder.publish(victimTopics.status, 'garbage', { qos: 1 });
    await sleep(800);
    const after = await device(6);
    expect(after).toMatchObject({ online: true, reportedVolume: before.reportedVolume, rejectedMessages: 0, lastSeenAt: before.lastSeenAt });
    expect(acksOf(6)).toEqual([]);
    expect(victim.online).toBe(true);
  });

  it('a device cannot subscribe to another device’s commands: only the addressee gets them', async () => {
    await online(7);
    const addressee = await online(8);
    const snoop = await connectRaw(messaging.deviceUrl, { clientId: id(7), username: id(7), password: testDeviceSecret(id(7)) });
    raws.push(snoop);
    const overheard: string[] = [];
    snoop.on('message', (topic) => overheard.push(topic));
    const cmd = (await device(8)).topics.cmd as string;
    for (const filter of [cmd, cmd.replace(id(8), '+'), `${env.MQTT_TOPIC_PREFIX}/#`, '#']) {
      // Refused with SUBACK 0x80 (mqtt.js reports it as an error); either way nothing may arrive.
      await snoop.subscribeAsync(filter, { qos: 1 }).catch(() => undefined);
    }
    const got: string[] = [];
    addressee.on('command', (c: { id: string }) => got.push(c.id));
    const { commandId } = await t.services.devices.sendCommand(id(8), { type: 'set-volume', volume: 45 });
    await vi.waitFor(() => expect(got).toEqual([commandId]), WAIT);
    await sleep(300);
    expect(overheard).toEqual([]);
  });

  it('a device cannot take over another device’s session by using its client id', async () => {
    const owner = await online(9);
    // Embedded: refused (the client id must be the username). Mosquitto: the device listener
    // replaces the client id with the username, so the owner keeps its session.
    const impostor = await connectRaw(messaging.deviceUrl, { clientId: id(9), username: id(10), password: testDeviceSecret(id(10)) }).catch(() => undefined);
    if (impostor) raws.push(impostor);
    await sleep(500);
    expect(owner.online).toBe(true);
    expect((await device(9)).online).toBe(true);
    expect(eventsOf(9).map((e) => e.name)).toEqual(['device.online']);
  });

  it('plays: the command reaches the speaker, which acks received → playing → finished after the file’s length', async () => {
    const speaker = await online(11);
    const played = new Promise<{ seconds: number; outcome: string }>((resolve) => speaker.once('played', resolve));
    const started = Date.now();
    const { commandId } = await t.services.devices.sendCommand(id(11), { type: 'play', url: audio.url('/short.wav'), priority: 3 });
    await vi.waitFor(() => expect(acksOf(11).map((a) => a.state)).toEqual(['received', 'playing', 'finished']), WAIT);
    expect(acksOf(11).every((a) => a.commandId === commandId && a.reason === null)).toBe(true);
    expect(await played).toMatchObject({ seconds: expect.closeTo(0.3, 2), outcome: 'finished' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    await vi.waitFor(async () => expect((await device(11)).playing).toBeNull(), WAIT);
  });

  it('reports failures: audio that cannot be fetched, or is not WAV/MP3', async () => {
    await online(12);
    const missing = await t.services.devices.sendCommand(id(12), { type: 'play', url: audio.url('/missing.wav'), priority: 1 });
    const noise = await t.services.devices.sendCommand(id(12), { type: 'play', url: audio.url('/noise.bin'), priority: 1 });
    await vi.waitFor(() => expect(acksOf(12).filter((a) => a.state === 'failed')).toHaveLength(2), WAIT);
    expect(acksOf(12).find((a) => a.commandId === missing.commandId && a.state === 'failed')?.reason).toBe('fetch_failed: HTTP 404');
    expect(acksOf(12).find((a) => a.commandId === noise.commandId && a.state === 'failed')?.reason).toBe('unsupported_audio');
  });

  it('stop ends the play; a higher priority interrupts, a lower one is refused as busy', async () => {
    const speaker = await online(13);
    const acks: AckRecord[] = [];
    speaker.on('ack', (a: AckRecord) => acks.push(a));
    const state = (commandId: string) => acks.filter((a) => a.commandId === commandId).map((a) => (a.reason ? `${a.state}:${a.reason.split(':')[0]}` : a.state));

    const first = await t.services.devices.sendCommand(id(13), { type: 'play', url: audio.url('/long.wav'), priority: 5 });
    await vi.waitFor(() => expect(state(first.commandId)).toContain('playing'), WAIT);
    await vi.waitFor(async () => expect((await device(13)).playing).toBe(first.commandId), WAIT);
    const lower = await t.services.devices.sendCommand(id(13), { type: 'play', url: audio.url('/short.wav'), priority: 2 });
    await vi.waitFor(() => expect(state(lower.commandId)).toEqual(['received', 'failed:busy']), WAIT);
    const higher = await t.services.devices.sendCommand(id(13), { type: 'play', url: audio.url('/long.wav'), priority: 9 });
    await vi.waitFor(() => expect(state(higher.commandId)).toEqual(['received', 'playing']), WAIT);
    expect(state(first.commandId)).toEqual(['received', 'playing', 'failed:interrupted']);
    const stop = await t.services.devices.sendCommand(id(13), { type: 'stop' });
    await vi.waitFor(() => expect(state(stop.commandId)).toEqual(['received', 'finished']), WAIT);
    expect(state(higher.commandId)).toEqual(['received', 'playing', 'failed:stopped']);
    expect(speaker.playing).toBeNull();
    // The platform saw the same, as events.
    await vi.waitFor(() => expect(acksOf(13).filter((a) => a.commandId === higher.commandId).map((a) => a.state)).toEqual(['received', 'playing', 'failed']), WAIT);
    expect(acksOf(13).find((a) => a.commandId === higher.commandId && a.state === 'failed')?.reason).toBe('stopped');
  });

  it('a volume change reaches an online speaker at once, an offline one when it is back', async () => {
    const speaker = await online(14);
    expect((await t.request({ method: 'PATCH', url: `/api/devices/${id(14)}`, token: staff, payload: { volume: 80 } })).statusCode).toBe(200);
    await vi.waitFor(() => expect(speaker.volume).toBe(80), WAIT);
    await vi.waitFor(async () => expect((await device(14)).reportedVolume).toBe(80), WAIT);
    await speaker.goOffline();
    await vi.waitFor(async () => expect((await device(14)).online).toBe(false), WAIT);
    await t.request({ method: 'PATCH', url: `/api/devices/${id(14)}`, token: staff, payload: { volume: 35 } });
    speaker.volume = 50; // turned by hand while it was away
    await speaker.connect();
    await vi.waitFor(() => expect(speaker.volume).toBe(35), WAIT);
    await vi.waitFor(async () => expect((await device(14)).reportedVolume).toBe(35), WAIT);
  });

  it('commands are refused for unknown, offline or disabled devices and when invalid; many at once report each', async () => {
    const devices = t.services.devices;
    await expect(devices.sendCommand('t-msg-99', { type: 'stop' })).rejects.toMatchObject({ code: 'DEVICE_NOT_FOUND' });
    await expect(devices.sendCommand(id(20), { type: 'stop' })).rejects.toMatchObject({ code: 'DEVICE_OFFLINE' });
    await expect(devices.sendCommand(id(1), { type: 'set-volume', volume: 200 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(devices.sendCommand(id(1), { type: 'play', url: 'ftp://example.org/a.mp3', priority: 1 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const speaker = await online(15);
    const results = await devices.sendCommands([id(15), id(20), 'nope'], { id: 'bulk-1', type: 'set-volume', volume: 42 });
    expect(results).toEqual([
      { deviceId: id(15), commandId: 'bulk-1' },
      { deviceId: id(20), commandId: 'bulk-1', error: 'DEVICE_OFFLINE' },
      { deviceId: 'nope', commandId: 'bulk-1', error: 'DEVICE_NOT_FOUND' },
    ]);
    await vi.waitFor(() => expect(speaker.volume).toBe(42), WAIT);
  });

  it('a disabled device is offline and ignored; the embedded broker also cuts it off at once', async () => {
    const speaker = await online(16);
    await t.request({ method: 'PATCH', url: `/api/devices/${id(16)}`, token: staff, payload: { enabled: false } });
    await vi.waitFor(() => expect(eventsOf(16).at(-1)).toMatchObject({ name: 'device.offline', payload: { reason: 'disabled' } }), WAIT);
    if (externalBroker) {
      // Mosquitto keeps the old password until its file is regenerated and reloaded (docs/devices.md);
      // meanwhile whatever the device says changes nothing.
      await speaker.publishRaw('status', JSON.stringify({ state: 'online', volume: 10 }), true);
      await speaker.publishRaw('heartbeat', JSON.stringify({ volume: 10 }));
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const seen = (await t.request({ method: 'GET', url: `/api/devices/${id(16)}`, token: staff })).json();
      expect(seen).toMatchObject({ enabled: false, online: false });
      expect(seen.reportedVolume).not.toBe(10);
      return;
    }
    await vi.waitFor(() => expect(speaker.online).toBe(false), WAIT);
    await expect(connectRaw(messaging.deviceUrl, { clientId: id(16), username: id(16), password: testDeviceSecret(id(16)) })).rejects.toThrow();
    await t.request({ method: 'PATCH', url: `/api/devices/${id(16)}`, token: staff, payload: { enabled: true } });
    const rotated = await t.request({ method: 'POST', url: `/api/devices/${id(16)}/rotate-secret`, token: staff });
    await expect(connectRaw(messaging.deviceUrl, { clientId: id(16), username: id(16), password: testDeviceSecret(id(16)) })).rejects.toThrow();
    const fresh = await connectRaw(messaging.deviceUrl, { clientId: id(16), username: id(16), password: rotated.json().secret });
    raws.push(fresh);
    expect((await t.request({ method: 'DELETE', url: `/api/devices/${id(16)}`, token: staff })).statusCode).toBe(204);
    await vi.waitFor(() => expect(fresh.connected).toBe(false), WAIT);
  });
});
