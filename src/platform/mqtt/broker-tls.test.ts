import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import type { MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectRaw } from '../../../test/support/mqtt.js';
import { ConfigError, loadConfig } from '../../config.js';
import { EmbeddedBroker } from './broker.js';
import { DeviceTopics } from './topics.js';

/**
 * MQTT over TLS on the embedded broker (it starts its own, so this runs the same with MQTT_URL):
 * a self-signed certificate made with the openssl CLI, configured through MQTT_TLS_* as in
 * production.
 */
const topics = new DeviceTopics('tls');
const SECRET = 'secret-of-a-0123456789-0123456789';
const PLATFORM = { username: 'shuxiang-platform', password: 'platform-password-0123456789' };
let dir: string;
let certFile: string;
let keyFile: string;
let ca: Buffer;
let broker: EmbeddedBroker;
let platform: MqttClient;
const received: { topic: string; payload: string }[] = [];

function selfSigned(name: string): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', cert,
  ], { stdio: 'ignore' });
  return { cert, key };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'shuxiang-mqtt-tls-'));
  ({ cert: certFile, key: keyFile } = selfSigned('broker'));
  ca = readFileSync(certFile);
  const config = loadConfig({ MQTT_PORT: '0', MQTT_TLS_PORT: '0', MQTT_TLS_CERT_FILE: certFile, MQTT_TLS_KEY_FILE: keyFile, LOG_LEVEL: 'silent' });
  broker = await EmbeddedBroker.start({
    host: config.mqtt.host,
    port: config.mqtt.port,
    tls: config.mqtt.tls,
    limits: config.mqtt.limits,
    topics,
    platform: PLATFORM,
    authenticateDevice: async (id, secret) => id === 'spk-a' && secret === SECRET,
    logger: pino({ level: 'silent' }),
  });
  platform = await connectRaw(`mqtt://127.0.0.1:${broker.port}`, { clientId: 'platform-1', ...PLATFORM });
  platform.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
  await platform.subscribeAsync('tls/devices/+/status', { qos: 1 });
});
afterAll(async () => {
  platform?.end(true);
  await broker?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('embedded broker over TLS', () => {
  it('listens on MQTT_TLS_PORT: a device trusting the certificate authenticates and publishes its status', async () => {
    expect(broker.tlsPort).toBeGreaterThan(0);
    expect(broker.tlsPort).not.toBe(broker.port);
    expect(broker.describeListeners()).toBe(`mqtt://127.0.0.1:${broker.port}, mqtts://127.0.0.1:${broker.tlsPort} — 仅本机 this computer only (devices on the network: MQTT_HOST=0.0.0.0)`);
    const device = await connectRaw(`mqtts://127.0.0.1:${broker.tlsPort}`, { clientId: 'spk-a', username: 'spk-a', password: SECRET, ca });
    try {
      await device.publishAsync(topics.of('spk-a', 'status'), '{"state":"online","volume":40}', { qos: 1, retain: true });
      await vi.waitFor(() => expect(received).toContainEqual({ topic: topics.of('spk-a', 'status'), payload: '{"state":"online","volume":40}' }));
    } finally {
      device.end(true);
    }
  });

  it('applies the same authentication and topic rule as the plain listener', async () => {
    await expect(connectRaw(`mqtts://127.0.0.1:${broker.tlsPort}`, { clientId: 'spk-a', username: 'spk-a', password: 'wrong-secret', ca })).rejects.toThrow(/Bad username or password/i);
    const device = await connectRaw(`mqtts://127.0.0.1:${broker.tlsPort}`, { clientId: 'spk-a', username: 'spk-a', password: SECRET, ca });
    await expect(device.subscribeAsync(topics.of('spk-b', 'cmd'), { qos: 1 })).rejects.toMatchObject({ packet: { granted: [128] } });
    device.end(true);
  });

  it('refuses a client that does not trust the certificate, and plain MQTT on the TLS port', async () => {
    await expect(connectRaw(`mqtts://127.0.0.1:${broker.tlsPort}`, { clientId: 'spk-a', username: 'spk-a', password: SECRET })).rejects.toThrow(/self[- ]signed/i);
    await expect(connectRaw(`mqtt://127.0.0.1:${broker.tlsPort}`, { clientId: 'spk-a', username: 'spk-a', password: SECRET })).rejects.toThrow();
  });

  it('applies the packet limits inside TLS: a CONNECT announcing 250 MB ends the connection', async () => {
    const before = broker.stats.oversizedRefused;
    const socket = tlsConnect({ host: '127.0.0.1', port: broker.tlsPort!, ca, servername: 'localhost' });
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('secureConnect', () => resolve()));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]));
    socket.write(Buffer.alloc(64 * 1024));
    await closed;
    expect(broker.stats.oversizedRefused).toBe(before + 1);
  });
});

describe('MQTT TLS configuration', () => {
  it('fails at load naming the variable when a file is missing, unreadable, alone or not a matching pair', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (error) {
        if (error instanceof ConfigError) return error.problems.join('\n');
        throw error;
      }
      return 'no error';
    };
    const missing = path.join(dir, 'missing.crt');
    expect(problems({ MQTT_TLS_CERT_FILE: missing, MQTT_TLS_KEY_FILE: keyFile })).toMatch(new RegExp(`MQTT_TLS_CERT_FILE: cannot read ${missing}`));
    expect(problems({ MQTT_TLS_CERT_FILE: certFile })).toMatch(/MQTT_TLS_CERT_FILE, MQTT_TLS_KEY_FILE: set both/);
    const other = selfSigned('other');
    expect(problems({ MQTT_TLS_CERT_FILE: certFile, MQTT_TLS_KEY_FILE: other.key })).toMatch(/not a PEM certificate and its private key/);
    const garbage = path.join(dir, 'garbage.pem');
    writeFileSync(garbage, 'not a certificate');
    expect(problems({ MQTT_TLS_CERT_FILE: garbage, MQTT_TLS_KEY_FILE: keyFile })).toMatch(/not a PEM certificate/);
    expect(problems({ MQTT_TLS_CERT_FILE: certFile, MQTT_TLS_KEY_FILE: keyFile, MQTT_URL: 'mqtt://broker:1883' })).toMatch(/with MQTT_URL configure TLS on that broker/);
    expect(problems({ MQTT_TLS_CERT_FILE: certFile, MQTT_TLS_KEY_FILE: keyFile, MQTT_TLS_PORT: '1883' })).toMatch(/MQTT_TLS_PORT=1883: must differ from MQTT_PORT/);
  });

  it('has TLS off without files, and the broker on loopback unless MQTT_HOST says otherwise', () => {
    const config = loadConfig({});
    expect(config.mqtt.tls).toBeUndefined();
    expect(config.mqtt.host).toBe('127.0.0.1');
    expect(loadConfig({ MQTT_TLS_CERT_FILE: certFile, MQTT_TLS_KEY_FILE: keyFile }).mqtt.tls).toEqual({ port: 8883, certFile, keyFile });
    expect(loadConfig({ MQTT_HOST: '0.0.0.0' }).mqtt.host).toBe('0.0.0.0');
  });
});
