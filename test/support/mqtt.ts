import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import pino from 'pino';
import { loadConfig, type EnvInput } from '../../src/config.js';
import { type DeviceMessagingHandle, startDeviceMessaging } from '../../src/modules/devices/device-messaging.js';
import { TEST_SECRET } from './test-secret.js';
import type { TestApp } from './test-app.js';

/**
 * MQTT for the device tests: the embedded broker on a free port by default, or the external
 * broker that MQTT_URL (the platform's listener, with credentials) and MQTT_DEVICE_URL (the
 * devices' listener) name — CI's Mosquitto, configured by `test/support/mosquitto-config.ts`.
 * Each test file gets its own topic prefix, so files sharing one broker never see each other.
 */
export const externalBroker = Boolean(process.env.MQTT_URL);

export function mqttTestEnv(): EnvInput {
  return {
    MQTT_PORT: '0',
    MQTT_HOST: '127.0.0.1',
    MQTT_TOPIC_PREFIX: `t${randomBytes(4).toString('hex')}`,
    ...(externalBroker ? { MQTT_URL: process.env.MQTT_URL, MQTT_DEVICE_URL: process.env.MQTT_DEVICE_URL } : {}),
  };
}

/**
 * Device ids the tests may connect, per test file tag. An external broker knows only devices in
 * its password file, so the file lists exactly these (with `testDeviceSecret`) and the demo's.
 */
export const testDeviceTags = ['msg', 'sim', 'bench', 'bcast', 'safe'] as const;
export const TEST_DEVICES_PER_TAG = 40;
export const testDeviceId = (tag: (typeof testDeviceTags)[number], n: number) => `t-${tag}-${String(n).padStart(2, '0')}`;
export const testDeviceIds = () => testDeviceTags.flatMap((tag) => Array.from({ length: TEST_DEVICES_PER_TAG }, (_, i) => testDeviceId(tag, i + 1)));
export const testDeviceSecret = (id: string) => createHmac('sha256', TEST_SECRET).update(`device:${id}`).digest('base64url');

/** Starts device messaging for a test app whose env came from `mqttTestEnv()`. */
export async function startTestMessaging(env: EnvInput, t: TestApp, options: { simulate?: boolean } = {}): Promise<DeviceMessagingHandle> {
  const config = loadConfig({ SHUXIANG_DEMO: 'true', LOG_LEVEL: 'silent', ...env });
  return startDeviceMessaging(config, t.services.devices, pino({ level: process.env.TEST_MQTT_LOG ?? 'silent' }), { simulate: options.simulate ?? false });
}

/** A raw MQTT 3.1.1 client as a device (or an impostor): resolves on CONNACK, rejects on refusal. */
export function connectRaw(url: string, options: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, clean: true, ...options });
    client.once('connect', () => resolve(client));
    client.once('error', (error) => {
      client.end(true);
      reject(error);
    });
    client.once('close', () => reject(new Error('connection closed before CONNACK')));
  });
}

/** A WAV file of silence lasting `seconds` (8 kHz, 16-bit mono). */
export function makeWav(seconds: number, sampleRate = 8000): Buffer {
  const dataBytes = Math.round(seconds * sampleRate) * 2;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return Buffer.concat([header, Buffer.alloc(dataBytes)]);
}

/** An HTTP server for audio files (path → bytes); anything else is 404. */
export async function serveAudio(files: Record<string, Buffer>): Promise<{ url: (path: string) => string; close(): Promise<void>; server: Server }> {
  const server = createServer((request, response) => {
    const body = files[request.url ?? ''];
    if (!body) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': request.url!.endsWith('.mp3') ? 'audio/mpeg' : 'audio/wav', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
