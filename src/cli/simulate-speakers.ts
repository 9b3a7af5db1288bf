import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import pino from 'pino';
import type { Config } from '../config.js';
import { demoSpeakers } from '../modules/devices/demo-speakers.js';
import { splitCredentials } from '../modules/devices/device-messaging.js';
import { type SimulatedSpeakerConfig, SpeakerSimulator } from '../modules/devices/speaker-simulator.js';

export const simulateUsage = `shuxiang simulate speakers [options]   (npm run simulate -- speakers [options])

Connects virtual loudspeaker pillars that speak the device protocol (docs/devices.md): they say
they are online, send heartbeats, fetch and "play" audio for its real length, and acknowledge.

  --url URL          broker the speakers connect to (default: MQTT_DEVICE_URL, else MQTT_URL
                     without its credentials, else mqtt://127.0.0.1:MQTT_PORT)
  --devices FILE     JSON [{ "id": "...", "secret": "...", "name": "..." }] (default: the demo's
                     ${demoSpeakers().length} speakers, whose secrets derive from the published demo seed)
  --only ID,ID       only these of them
  --count N          only the first N of them
  --time-scale X     play X times real time (default 1)
  --heartbeat S      seconds between heartbeats (default 30)

Type on stdin: list | offline ID|all | drop ID|all (power cut: the last will) | online ID|all | quit
`;

export function simulatorUrl(config: Pick<Config, 'mqtt'>): string {
  if (config.mqtt.deviceUrl) return config.mqtt.deviceUrl;
  if (config.mqtt.url) return splitCredentials(config.mqtt.url).url;
  return `mqtt://127.0.0.1:${config.mqtt.port || 1883}`;
}

/** `shuxiang simulate speakers`: runs until stdin says quit, or SIGINT/SIGTERM. */
export async function simulateSpeakers(args: string[], config: Config): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      url: { type: 'string' },
      devices: { type: 'string' },
      only: { type: 'string' },
      count: { type: 'string' },
      'time-scale': { type: 'string' },
      heartbeat: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(simulateUsage);
    return 0;
  }
  let speakers: SimulatedSpeakerConfig[] = values.devices
    ? (JSON.parse(readFileSync(values.devices, 'utf8')) as SimulatedSpeakerConfig[])
    : demoSpeakers().map(({ id, secret, name }) => ({ id, secret, name }));
  if (values.only) {
    const only = new Set(values.only.split(','));
    speakers = speakers.filter((s) => only.has(s.id));
  }
  if (values.count) speakers = speakers.slice(0, Number(values.count));
  if (speakers.length === 0) {
    console.error('no speakers to simulate');
    return 2;
  }
  const logger = pino({ level: config.logLevel, base: { service: 'shuxiang-simulator' } });
  const url = values.url ?? simulatorUrl(config);
  const simulator = new SpeakerSimulator(speakers, {
    url,
    topicPrefix: config.mqtt.topicPrefix,
    logger,
    timeScale: values['time-scale'] ? Number(values['time-scale']) : 1,
    heartbeatSeconds: values.heartbeat ? Number(values.heartbeat) : 30,
  });
  const { connected, failed } = await simulator.start();
  console.log(`${connected} speaker(s) connected to ${url}${failed.length ? `; ${failed.length} refused (${failed[0]!.id}: ${failed[0]!.error})` : ''}`);
  if (connected === 0) {
    await simulator.stop();
    return 1;
  }

  return new Promise<number>((resolve) => {
    let done = false;
    const finish = async () => {
      if (done) return;
      done = true;
      await simulator.stop();
      resolve(0);
    };
    process.once('SIGINT', () => void finish());
    process.once('SIGTERM', () => void finish());
    const targets = (which: string | undefined) => (which === 'all' || !which ? [...simulator.speakers.values()] : [simulator.speakers.get(which)].filter((s) => s !== undefined));
    const input = createInterface({ input: process.stdin });
    input.on('line', (line) => {
      const [command, which] = line.trim().split(/\s+/);
      void (async () => {
        switch (command) {
          case 'list':
            for (const s of simulator.speakers.values()) console.log(`${s.id}\t${s.online ? 'online ' : 'offline'}\tvolume ${s.volume}\t${s.playing ?? ''}\t${s.name}`);
            return;
          case 'offline':
          case 'drop':
            for (const s of targets(which)) await s.goOffline({ graceful: command === 'offline' });
            return;
          case 'online':
            for (const s of targets(which)) await s.connect().catch((error: unknown) => console.error(`${s.id}: ${(error as Error).message}`));
            return;
          case 'quit':
          case 'exit':
            await finish();
            return;
          case '':
          case undefined:
            return;
          default:
            console.log('commands: list | offline ID|all | drop ID|all | online ID|all | quit');
        }
      })();
    });
    // stdin closed (e.g. run from a script with no input): keep running until a signal.
  });
}
