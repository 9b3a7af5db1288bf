import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import pino from 'pino';
import type { Config } from '../config.js';
import { demoMeters } from '../modules/water/demo-meters.js';
import { MeterSimulator, type SimulatedMeterConfig } from '../modules/water/meter-simulator.js';
import { simulatorUrl } from './simulate-speakers.js';

export const simulateMetersUsage = `shuxiang simulate meters [options]   (npm run simulate -- meters [options])

Connects virtual smart water meters that speak the meter protocol (docs/water.md): each sends
its hourly readings of the last days in daily batches (so the detectors learn the household's
normal), then its reading every few minutes. Households use water in bouts, little at night;
now and then a meter leaks, bursts, has a day of far more use, or falls silent — on a fixed
schedule, so the same meter reads the same index at the same time in every run.

  --url URL          broker the meters connect to (default: MQTT_DEVICE_URL, else MQTT_URL
                     without its credentials, else mqtt://127.0.0.1:MQTT_PORT)
  --meters FILE      JSON [{ "id": "...", "secret": "...", "litresPerDay": 250, "anomalies": {...} }]
                     (default: the demo's ${demoMeters().length} meters, whose secrets derive from the published demo seed)
  --only ID,ID       only these of them
  --history-days N   days of hourly readings sent first (default 21; 0: none)
  --every S          seconds between live readings (default 300)

Type on stdin: list | now (every meter reads now) | quit
`;

/** `shuxiang simulate meters`: runs until stdin says quit, or SIGINT/SIGTERM. */
export async function simulateMeters(args: string[], config: Config): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      url: { type: 'string' },
      meters: { type: 'string' },
      only: { type: 'string' },
      'history-days': { type: 'string' },
      every: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(simulateMetersUsage);
    return 0;
  }
  let meters: SimulatedMeterConfig[] = values.meters ? (JSON.parse(readFileSync(values.meters, 'utf8')) as SimulatedMeterConfig[]) : demoMeters();
  if (values.only) {
    const only = new Set(values.only.split(','));
    meters = meters.filter((m) => only.has(m.id));
  }
  if (meters.length === 0) {
    console.error('no meters to simulate');
    return 2;
  }
  const logger = pino({ level: config.logLevel, base: { service: 'shuxiang-meter-simulator' } });
  const url = values.url ?? simulatorUrl(config);
  const simulator = new MeterSimulator(meters, {
    url,
    topicPrefix: config.mqtt.topicPrefix,
    logger,
    historyDays: values['history-days'] !== undefined ? Number(values['history-days']) : 21,
    everySeconds: values.every !== undefined ? Number(values.every) : 300,
  });
  const { connected, failed } = await simulator.start();
  console.log(`${connected} meter(s) connected to ${url}, ${simulator.published} readings sent${failed.length ? `; ${failed.length} refused (${failed[0]!.id}: ${failed[0]!.error})` : ''}`);
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
    const input = createInterface({ input: process.stdin });
    input.on('line', (line) => {
      const command = line.trim();
      void (async () => {
        switch (command) {
          case 'list':
            for (const m of simulator.meters) console.log(`${m.id}\t${simulator.readingAt(m, Date.now()).litres} L`);
            console.log(`${simulator.published} readings sent`);
            return;
          case 'now':
            await simulator.publishNow();
            console.log(`${simulator.published} readings sent`);
            return;
          case 'quit':
          case 'exit':
            await finish();
            return;
          case '':
            return;
          default:
            console.log('commands: list | now | quit');
        }
      })();
    });
  });
}
