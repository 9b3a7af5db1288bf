/**
 * Writes a Mosquitto 2 configuration for the device tests into a folder: two listeners (devices,
 * platform), a password file with the platform's account, every test device and the demo's
 * speakers, and the ACL of docs/devices.md for any topic prefix. Prints the environment for the
 * test run. Used by .ci/run; by hand:
 *
 *   node --import tsx test/support/mosquitto-config.ts /tmp/mq 18831 18832
 *   mosquitto -c /tmp/mq/mosquitto.conf -d
 *   env $(cat /tmp/mq/env) npx vitest run src/modules/devices src/platform/mqtt
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { demoSpeakers } from '../../src/modules/devices/demo-speakers.js';
import { hashDeviceSecret } from '../../src/platform/mqtt/credentials.js';
import { mosquittoAcl, mosquittoConf } from '../../src/platform/mqtt/mosquitto.js';
import { testDeviceIds, testDeviceSecret } from './mqtt.js';

const [dir, devicePortArg, platformPortArg] = process.argv.slice(2);
if (!dir || !devicePortArg || !platformPortArg) {
  console.error('usage: mosquitto-config.ts DIR DEVICE_PORT PLATFORM_PORT');
  process.exit(2);
}
const platformUser = 'shuxiang-platform';
const platformPassword = randomBytes(18).toString('base64url');
mkdirSync(dir, { recursive: true });
const passwd = path.join(path.resolve(dir), 'passwd');
const acl = path.join(path.resolve(dir), 'acl');
const lines = [`${platformUser}:${await hashDeviceSecret(platformPassword)}`];
for (const id of testDeviceIds()) lines.push(`${id}:${await hashDeviceSecret(testDeviceSecret(id))}`);
for (const speaker of demoSpeakers()) lines.push(`${speaker.id}:${await hashDeviceSecret(speaker.secret)}`);
writeFileSync(passwd, `${lines.join('\n')}\n`, { mode: 0o644 });
writeFileSync(acl, mosquittoAcl('+', platformUser), { mode: 0o644 });
writeFileSync(
  path.join(dir, 'mosquitto.conf'),
  mosquittoConf({ devicePort: Number(devicePortArg), platformPort: Number(platformPortArg), passwordFile: passwd, aclFile: acl, bindAddress: '127.0.0.1' }),
);
// Mosquitto drops root for the `mosquitto` user, which must read the files.
chmodSync(dir, 0o755);
const env = `MQTT_URL=mqtt://${platformUser}:${platformPassword}@127.0.0.1:${platformPortArg} MQTT_DEVICE_URL=mqtt://127.0.0.1:${devicePortArg}\n`;
writeFileSync(path.join(dir, 'env'), env);
process.stdout.write(env);
