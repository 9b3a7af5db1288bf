import type { MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectRaw } from '../../../test/support/mqtt.js';
import { EmbeddedBroker } from './broker.js';
import { DeviceTopics } from './topics.js';

/** The embedded broker on its own (no database): authentication and the topic rule. */
const topics = new DeviceTopics('shuxiang');
const secrets: Record<string, string> = { 'spk-a': 'secret-of-a-0123456789-0123456789', 'spk-b': 'secret-of-b-0123456789-0123456789' };
const PLATFORM = { username: 'shuxiang-platform', password: 'platform-password-0123456789' };
let broker: EmbeddedBroker;
let url: string;
let platform: MqttClient;
const received: { topic: string; payload: string; retain: boolean }[] = [];
const clients: MqttClient[] = [];

const device = async (id: string, options: Parameters<typeof connectRaw>[1] = {}) => {
  const client = await connectRaw(url, { clientId: id, username: id, password: secrets[id], ...options });
  clients.push(client);
  return client;
};
const closed = (client: MqttClient) => new Promise<void>((resolve) => (client.connected ? client.once('close', () => resolve()) : resolve()));

beforeAll(async () => {
  broker = await EmbeddedBroker.start({
    host: '127.0.0.1',
    port: 0,
    topics,
    platform: PLATFORM,
    authenticateDevice: async (id, secret) => secrets[id] === secret,
    logger: pino({ level: 'silent' }),
    maxDevicePayloadBytes: 1024,
  });
  url = `mqtt://127.0.0.1:${broker.port}`;
  platform = await connectRaw(url, { clientId: 'platform-1', ...PLATFORM });
  platform.on('message', (topic, payload, packet) => received.push({ topic, payload: payload.toString(), retain: packet.retain }));
  await platform.subscribeAsync(['shuxiang/devices/+/status', 'shuxiang/devices/+/ack', 'shuxiang/devices/+/heartbeat'], { qos: 1 });
});
afterAll(async () => {
  for (const client of [...clients, platform]) client.end(true);
  await broker.close();
});

describe('embedded broker: who may connect', () => {
  it('refuses a wrong secret, an unknown device, no username and a wrong platform password', async () => {
    await expect(connectRaw(url, { clientId: 'spk-a', username: 'spk-a', password: 'wrong' })).rejects.toThrow(/Bad username or password|Not authorized/i);
    await expect(connectRaw(url, { clientId: 'spk-zz', username: 'spk-zz', password: 'whatever' })).rejects.toThrow();
    await expect(connectRaw(url, { clientId: 'anon' })).rejects.toThrow();
    await expect(connectRaw(url, { clientId: 'p2', username: PLATFORM.username, password: 'nope' })).rejects.toThrow();
    expect(broker.stats.connectionsRefused).toBeGreaterThanOrEqual(4);
  });

  it('refuses a device that does not use its id as client id (no taking over another’s session)', async () => {
    const b = await device('spk-b');
    await expect(connectRaw(url, { clientId: 'spk-b', username: 'spk-a', password: secrets['spk-a'] })).rejects.toThrow(/Identifier rejected/i);
    expect(b.connected).toBe(true);
  });
});

describe('embedded broker: the topic rule', () => {
  it('passes a device’s own status (retained), ack and heartbeat to the platform', async () => {
    const a = await device('spk-a');
    await a.publishAsync(topics.of('spk-a', 'status'), '{"state":"online","volume":50}', { qos: 1, retain: true });
    await a.publishAsync(topics.of('spk-a', 'ack'), '{"commandId":"c1","state":"received"}', { qos: 1 });
    await a.publishAsync(topics.of('spk-a', 'heartbeat'), '{}', { qos: 0 });
    await vi.waitFor(() => expect(received.filter((m) => m.topic.startsWith('shuxiang/devices/spk-a/')).map((m) => m.topic.split('/')[3])).toEqual(['status', 'ack', 'heartbeat']));
  });

  it('drops a publish on another device’s topic and disconnects the offender', async () => {
    const a = await device('spk-a');
    const before = received.length;
    a.publish(topics.of('spk-b', 'status'), '{"state":"offline"}', { qos: 1, retain: true });
    await closed(a);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received.slice(before).some((m) => m.topic.includes('spk-b'))).toBe(false);
    expect(broker.stats.publishesRefused).toBeGreaterThanOrEqual(1);
  });

  it('refuses publishing commands, retaining acks and oversized payloads', async () => {
    for (const [topic, payload, retain] of [
      [topics.of('spk-a', 'cmd'), '{}', false],
      [topics.of('spk-a', 'ack'), '{}', true],
      [topics.of('spk-a', 'ack'), 'x'.repeat(2000), false],
    ] as const) {
      const a = await device('spk-a');
      const before = received.length;
      a.publish(topic, payload, { qos: 1, retain });
      await closed(a);
      expect(received.slice(before).filter((m) => m.topic === topic)).toEqual([]);
    }
  });

  it('refuses subscribing to another device’s commands or wildcards; a device gets only its own commands', async () => {
    const a = await device('spk-a');
    const b = await device('spk-b');
    const seenByA: string[] = [];
    const seenByB: string[] = [];
    a.on('message', (topic) => seenByA.push(topic));
    b.on('message', (topic) => seenByB.push(topic));
    // mqtt.js turns a SUBACK failure (0x80) into an error.
    for (const filter of [topics.of('spk-b', 'cmd'), 'shuxiang/devices/+/cmd', '#', '$SYS/#']) {
      await expect(a.subscribeAsync(filter, { qos: 1 })).rejects.toMatchObject({ packet: { granted: [128] } });
    }
    expect((await a.subscribeAsync(topics.of('spk-a', 'cmd'), { qos: 1 })).map((g) => g.qos)).toEqual([1]);
    expect(a.connected).toBe(true);
    await b.subscribeAsync(topics.of('spk-b', 'cmd'), { qos: 1 });
    await platform.publishAsync(topics.of('spk-b', 'cmd'), '{"for":"b"}', { qos: 1 });
    await platform.publishAsync(topics.of('spk-a', 'cmd'), '{"for":"a"}', { qos: 1 });
    await vi.waitFor(() => expect(seenByA).toEqual([topics.of('spk-a', 'cmd')]));
    expect(seenByB).toEqual([topics.of('spk-b', 'cmd')]);
  });

  it('publishes a last will only on the device’s own status topic', async () => {
    const honest = await device('spk-a', { will: { topic: topics.of('spk-a', 'status'), payload: Buffer.from('{"state":"offline"}'), qos: 1, retain: true } });
    const before = received.length;
    honest.end(true); // no DISCONNECT: the will is due
    await vi.waitFor(() => expect(received.slice(before)).toContainEqual({ topic: topics.of('spk-a', 'status'), payload: '{"state":"offline"}', retain: false }));

    const forger = await device('spk-a', { will: { topic: topics.of('spk-b', 'status'), payload: Buffer.from('{"state":"offline"}'), qos: 1, retain: true } });
    const mark = received.length;
    forger.end(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received.slice(mark).some((m) => m.topic.includes('spk-b'))).toBe(false);
  });

  it('disconnects a device on request (disabled, deleted, secret rotated), which fires its will', async () => {
    const b = await device('spk-b', { will: { topic: topics.of('spk-b', 'status'), payload: Buffer.from('{"state":"offline","reason":"connection_lost"}'), qos: 1, retain: true } });
    const before = received.length;
    expect(broker.disconnect('spk-b')).toBe(true);
    await closed(b);
    await vi.waitFor(() => expect(received.slice(before).map((m) => m.topic)).toContain(topics.of('spk-b', 'status')));
    expect(broker.disconnect('spk-b')).toBe(false);
    expect(broker.disconnect('platform-1')).toBe(false); // only devices
  });
});
