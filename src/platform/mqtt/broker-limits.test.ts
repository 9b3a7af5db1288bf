import { once } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import { type IClientOptions, MqttClient } from 'mqtt';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectRaw } from '../../../test/support/mqtt.js';
import { EmbeddedBroker } from './broker.js';
import { type BrokerLimits, MAX_PRE_AUTH_BYTES } from './limits.js';
import { DeviceTopics } from './topics.js';

/**
 * The embedded broker's limits before and after authentication (each test starts its own broker,
 * so these run the same with or without MQTT_URL). 127.0.0.2 and 127.0.0.3 stand for devices on
 * the network: the host's own 127.0.0.1 is not limited per address.
 */
const topics = new DeviceTopics('lim');
const secrets: Record<string, string> = { 'spk-a': 'secret-of-a-0123456789-0123456789', 'spk-b': 'secret-of-b-0123456789-0123456789' };
const PLATFORM = { username: 'shuxiang-platform', password: 'platform-password-0123456789' };
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function startBroker(limits: Partial<BrokerLimits> = {}) {
  const logs: Record<string, unknown>[] = [];
  const broker = await EmbeddedBroker.start({
    host: '127.0.0.1',
    port: 0,
    topics,
    platform: PLATFORM,
    authenticateDevice: async (id, secret) => secrets[id] === secret,
    logger: pino({ level: 'warn' }, { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) }),
    limits,
  });
  cleanup.push(() => broker.close());
  const url = `mqtt://127.0.0.1:${broker.port}`;
  const platform = await connectRaw(url, { clientId: 'platform-1', ...PLATFORM });
  cleanup.push(() => platform.end(true));
  const received: { topic: string; bytes: number }[] = [];
  platform.on('message', (topic, payload) => received.push({ topic, bytes: payload.length }));
  await platform.subscribeAsync('lim/devices/+/ack', { qos: 1 });
  return { broker, url, logs, received };
}

/** An MQTT device connecting from `localAddress` (a device elsewhere on the network). */
function deviceFrom(port: number, localAddress: string, id: string, extra: IClientOptions = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = new MqttClient(() => createConnection({ host: '127.0.0.1', port, localAddress }), {
      protocolVersion: 4,
      reconnectPeriod: 0,
      clean: true,
      clientId: id,
      username: id,
      password: secrets[id],
      ...extra,
    });
    cleanup.push(() => client.end(true));
    client.once('connect', () => resolve(client));
    client.once('error', reject);
    client.once('close', () => reject(new Error('connection closed before CONNACK')));
  });
}

/** A TCP connection that sends nothing (yet). */
async function silentSocket(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  const socket = createConnection({ host: '127.0.0.1', port, localAddress });
  socket.on('error', () => undefined);
  cleanup.push(() => socket.destroy());
  await once(socket, 'connect');
  return socket;
}
const closedBy = (socket: Socket) => new Promise<void>((resolve) => (socket.closed ? resolve() : socket.once('close', () => resolve())));

function remainingLength(n: number): Buffer {
  const bytes: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    bytes.push(byte);
  } while (n > 0);
  return Buffer.from(bytes);
}

describe('embedded broker: packet sizes', () => {
  it('closes a connection whose CONNECT announces 250 MB as soon as the header arrives, having read at most one chunk', async () => {
    const { broker, url, logs } = await startBroker();
    const socket = await silentSocket(broker.port);
    const closed = closedBy(socket);
    const announced = 250 * 1024 * 1024;
    socket.write(Buffer.concat([Buffer.from([0x10]), remainingLength(announced)]));
    // Keep streaming the body, as an attacker would, until the broker hangs up.
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let written = 0;
    let isClosed = false;
    void closed.then(() => (isClosed = true));
    while (!isClosed && !socket.destroyed && written < announced) {
      written += chunk.length;
      if (!socket.write(chunk)) await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), closed]);
    }
    await closed;
    expect(written).toBeLessThan(announced);
    const refusal = logs.find((entry) => entry.reason === 'packet_too_large');
    expect(refusal).toMatchObject({ announcedBytes: 1 + 4 + announced, limitBytes: MAX_PRE_AUTH_BYTES });
    // The broker's socket read one chunk (≤ 64 KiB) and stopped; aedes never saw the packet's body.
    expect(refusal!.bytesRead as number).toBeLessThanOrEqual(64 * 1024);
    expect(broker.stats.oversizedRefused).toBe(1);
    await vi.waitFor(() => expect(broker.waitingToAuthenticate).toBe(0));
    // Nothing else is affected: a device still connects.
    const device = await connectRaw(url, { clientId: 'spk-a', username: 'spk-a', password: secrets['spk-a'] });
    cleanup.push(() => device.end(true));
    expect(device.connected).toBe(true);
  });

  it('refuses over-long client ids, usernames and passwords in CONNECT before checking them', async () => {
    const { url, broker } = await startBroker();
    await expect(connectRaw(url, { clientId: 'x'.repeat(200), username: 'spk-a', password: secrets['spk-a'] })).rejects.toThrow(/Identifier rejected/i);
    await expect(connectRaw(url, { clientId: 'spk-a', username: 'spk-a', password: 'p'.repeat(300) })).rejects.toThrow(/Bad username or password/i);
    await expect(connectRaw(url, { clientId: 'u', username: 'u'.repeat(65), password: 'whatever' })).rejects.toThrow(/Bad username or password/i);
    expect(broker.stats.connectionsRefused).toBe(3);
  });

  it('after CONNECT, passes a PUBLISH under MQTT_MAX_PACKET_BYTES and disconnects on one over it, which nobody receives', async () => {
    const { broker, url, logs, received } = await startBroker({ maxPacketBytes: 16 * 1024 });
    const device = await connectRaw(url, { clientId: 'spk-a', username: 'spk-a', password: secrets['spk-a'] });
    cleanup.push(() => device.end(true));
    await device.publishAsync(topics.of('spk-a', 'ack'), Buffer.alloc(15 * 1024, 0x61), { qos: 1 });
    await vi.waitFor(() => expect(received).toEqual([{ topic: topics.of('spk-a', 'ack'), bytes: 15 * 1024 }]));

    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    device.publish(topics.of('spk-a', 'ack'), Buffer.alloc(17 * 1024, 0x62), { qos: 1 });
    await closed;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received).toHaveLength(1);
    expect(logs.find((entry) => entry.reason === 'packet_too_large')).toMatchObject({ limitBytes: 16 * 1024 });
    expect(broker.stats.oversizedRefused).toBe(1);
  });
});

describe('embedded broker: connections waiting to authenticate', () => {
  it('refuses the 21st unauthenticated connection from one address; authenticated ones and other addresses are unaffected', async () => {
    const { broker, received } = await startBroker({ maxPendingPerIp: 20, connectTimeoutMs: 60_000 });
    const a = await deviceFrom(broker.port, '127.0.0.2', 'spk-a');
    const waiting = await Promise.all(Array.from({ length: 20 }, () => silentSocket(broker.port, '127.0.0.2')));
    await vi.waitFor(() => expect(broker.waitingToAuthenticate).toBe(20));

    const twentyFirst = await silentSocket(broker.port, '127.0.0.2');
    await closedBy(twentyFirst);
    expect(broker.stats.connectionsLimited).toBe(1);
    await expect(deviceFrom(broker.port, '127.0.0.2', 'spk-b')).rejects.toThrow(/closed before CONNACK/);
    expect(waiting.every((socket) => !socket.destroyed)).toBe(true);

    // The device authenticated before still works, and another address still gets in.
    await a.publishAsync(topics.of('spk-a', 'ack'), '{"commandId":"c1","state":"received"}', { qos: 1 });
    await vi.waitFor(() => expect(received.map((m) => m.topic)).toContain(topics.of('spk-a', 'ack')));
    const b = await deviceFrom(broker.port, '127.0.0.3', 'spk-b');
    b.end(true);

    // Authenticating or leaving frees the places.
    for (const socket of waiting) socket.destroy();
    await vi.waitFor(() => expect(broker.waitingToAuthenticate).toBe(0));
    await deviceFrom(broker.port, '127.0.0.2', 'spk-b');
  });

  it('does not limit the host’s own address per address, but limits everyone together', async () => {
    const { broker } = await startBroker({ maxPendingPerIp: 20, maxPending: 30, connectTimeoutMs: 60_000 });
    const local = await Promise.all(Array.from({ length: 25 }, () => silentSocket(broker.port, '127.0.0.1')));
    await Promise.all(Array.from({ length: 5 }, () => silentSocket(broker.port, '127.0.0.2')));
    await vi.waitFor(() => expect(broker.waitingToAuthenticate).toBe(30));
    expect(local.every((socket) => !socket.destroyed)).toBe(true);
    await closedBy(await silentSocket(broker.port, '127.0.0.3'));
    await closedBy(await silentSocket(broker.port, '127.0.0.1'));
    expect(broker.stats.connectionsLimited).toBe(2);
  });

  it('closes a connection that has not authenticated within the connect timeout', async () => {
    const { broker, url } = await startBroker({ connectTimeoutMs: 300 });
    const silent = await silentSocket(broker.port, '127.0.0.2');
    const halfConnect = await silentSocket(broker.port, '127.0.0.2');
    halfConnect.write(Buffer.from([0x10, 0x40, 0x00, 0x04])); // a CONNECT that never finishes
    await Promise.all([closedBy(silent), closedBy(halfConnect)]);
    expect(broker.stats.connectTimeouts).toBe(2);
    await vi.waitFor(() => expect(broker.waitingToAuthenticate).toBe(0));
    // One that authenticates in time stays.
    const device = await connectRaw(url, { clientId: 'spk-a', username: 'spk-a', password: secrets['spk-a'] });
    cleanup.push(() => device.end(true));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(device.connected).toBe(true);
  });
});
