import { connect, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { DeviceTopics } from '../../platform/mqtt/topics.js';
import { DAY_MS, HOUR_MS } from './detectors/types.js';

/**
 * Virtual smart water meters speaking the meter protocol of docs/water.md over real MQTT
 * connections. Each meter's use is a household's day — little at night, peaks in the morning and
 * evening, more at weekends, hours without any use — drawn from a seeded generator, so the same
 * meter reads the same index at the same instant in every run (a restarted simulator repeats
 * readings the platform already has, which it ignores). Now and then, on a schedule of its own,
 * a meter leaks (a constant flow for three days), bursts (700 L/h for an hour or two), has a day of
 * far more use than usual, or falls silent (nobody home); the demo's alerts come from these.
 */
export interface SimulatedMeterConfig {
  id: string;
  secret: string;
  /** A usual day's use (default 250 L). */
  litresPerDay?: number;
  anomalies?: {
    leakEveryDays?: number;
    leakDays?: number;
    leakLph?: number;
    burstEveryDays?: number;
    burstLph?: number;
    spikeEveryDays?: number;
    silentEveryDays?: number;
    silentDays?: number;
  };
}

export interface MeterSimulatorOptions {
  url: string;
  topicPrefix: string;
  logger: Logger;
  /** Days of hourly readings sent first, in daily batches (default 21), so the detectors have baselines. */
  historyDays?: number;
  /** Seconds between live readings (default 300). */
  everySeconds?: number;
  /** The simulator's idea of now (tests). */
  now?: () => number;
}

/** Local time of the demo's meters: Asia/Shanghai. */
const OFFSET_MS = 8 * HOUR_MS;
/** Use is generated from this hour on (a local midnight): the same index for the same instant in every run. */
const EPOCH = Date.UTC(2026, 0, 1) - OFFSET_MS;
/** Share of a day's use in each local hour. */
const PROFILE = [0.004, 0.002, 0.002, 0.002, 0.006, 0.025, 0.085, 0.1, 0.06, 0.04, 0.04, 0.06, 0.075, 0.04, 0.03, 0.03, 0.04, 0.06, 0.095, 0.095, 0.07, 0.05, 0.025, 0.012];
const PROFILE_SUM = PROFILE.reduce((a, b) => a + b, 0);

const seeds = new Map<string, number>();
/** FNV-1a of a text (cached for meter ids and salts). */
function seedOf(text: string): number {
  let seed = seeds.get(text);
  if (seed === undefined) {
    seed = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) seed = Math.imul(seed ^ text.charCodeAt(i), 0x01000193);
    if (seeds.size > 100_000) seeds.clear();
    seeds.set(text, seed >>> 0);
  }
  return seed!;
}

/** A uniform number in [0, 1) from the meter, an integer and a salt (a splitmix-style mix: fast, and the same everywhere). */
function rand(id: string, n: number, salt: string): number {
  let x = (seedOf(id) ^ Math.imul(seedOf(salt), 0x9e3779b9) ^ Math.imul(n | 0, 0x85ebca6b)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return ((x ^ (x >>> 16)) >>> 0) / 2 ** 32;
}

/**
 * The meter's use in hour `h` (hours since EPOCH): a bout of household use (a shower, the washing)
 * within ten minutes of the hour starting at `boutMinute`, and what flows the whole hour through
 * (a leak, a burst).
 */
export function hourUse(meter: SimulatedMeterConfig, h: number): { bout: number; boutMinute: number; steady: number } {
  const a = meter.anomalies ?? {};
  // EPOCH is a local midnight, so hour h is local.
  const day = Math.floor(h / 24);
  const hour = h % 24;
  const phase = Math.floor(rand(meter.id, 0, 'phase') * 1000);
  const inCycle = (every: number | undefined, length: number) => every !== undefined && (day + phase) % every < length;
  const boutMinute = Math.floor(rand(meter.id, h, 'minute') * 50);
  if (inCycle(a.silentEveryDays, a.silentDays ?? 4)) return { bout: 0, boutMinute, steady: 0 };
  const weekday = (day + 3) % 7; // 2026-01-01 was a Thursday (Monday = 0)
  const dayLitres = (meter.litresPerDay ?? 250) * (0.75 + 0.5 * rand(meter.id, day, 'day')) * (weekday >= 5 ? 1.15 : 1);
  const share = PROFILE[hour]! / PROFILE_SUM;
  // Many hours have no use at all (most at night): a household draws water in bouts.
  const busy = share < 0.01 ? 0.08 : 0.6;
  let bout = rand(meter.id, h, 'idle') < busy ? (dayLitres * share * (0.4 + 1.2 * rand(meter.id, h, 'hour'))) / busy : 0;
  let steady = 0;
  if (inCycle(a.spikeEveryDays, 1) && hour >= 9 && hour < 21) bout += (dayLitres * 3) / 12;
  if (inCycle(a.leakEveryDays, a.leakDays ?? 3)) steady += a.leakLph ?? 6;
  if (a.burstEveryDays !== undefined && (day + phase) % a.burstEveryDays === 0) {
    const start = 10 + (phase % 9);
    if (hour >= start && hour < start + 1 + (phase % 2)) steady += a.burstLph ?? 700;
  }
  return { bout, boutMinute, steady };
}

const total = (use: ReturnType<typeof hourUse>) => use.bout + use.steady;

/** Cumulative use per meter from EPOCH, extended as time goes on. */
class IndexBook {
  private readonly sums = new Map<string, number[]>();

  /** The meter's index (whole litres, like a real register) at epoch ms `at`. */
  indexAt(meter: SimulatedMeterConfig, at: number): number {
    const hours = (at - EPOCH) / HOUR_MS;
    const whole = Math.max(0, Math.floor(hours));
    const sums = this.sums.get(meter.id) ?? [1000 + Math.floor(rand(meter.id, 0, 'base') * 500_000)];
    while (sums.length <= whole + 1) sums.push(sums[sums.length - 1]! + total(hourUse(meter, sums.length - 1)));
    this.sums.set(meter.id, sums);
    const use = hourUse(meter, whole);
    const minutes = (hours - whole) * 60;
    const boutDone = Math.min(1, Math.max(0, (minutes - use.boutMinute) / 10));
    return Math.floor(sums[whole]! + use.bout * boutDone + use.steady * (hours - whole));
  }
}

export class MeterSimulator {
  private readonly clients = new Map<string, MqttClient>();
  private readonly book = new IndexBook();
  private readonly topics: DeviceTopics;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Readings published since start. */
  published = 0;

  constructor(
    readonly meters: SimulatedMeterConfig[],
    private readonly options: MeterSimulatorOptions,
  ) {
    this.topics = new DeviceTopics(options.topicPrefix);
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /** The reading a meter would give at epoch ms `at`. */
  readingAt(meter: SimulatedMeterConfig, at: number): { at: string; litres: number } {
    return { at: new Date(at).toISOString(), litres: this.book.indexAt(meter, at) };
  }

  /** Connects every meter, sends its history, then a reading every `everySeconds`. */
  async start(): Promise<{ connected: number; failed: { id: string; error: string }[] }> {
    const failed: { id: string; error: string }[] = [];
    await Promise.all(
      this.meters.map(async (meter) => {
        try {
          this.clients.set(meter.id, await this.connect(meter));
        } catch (error) {
          failed.push({ id: meter.id, error: (error as Error).message });
        }
      }),
    );
    for (const meter of this.meters) if (this.clients.has(meter.id)) await this.sendHistory(meter);
    const every = (this.options.everySeconds ?? 300) * 1000;
    const tick = () => {
      if (this.stopped) return;
      void this.publishNow().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, every);
      });
    };
    this.timer = setTimeout(tick, every);
    return { connected: this.clients.size, failed };
  }

  /** Every connected meter sends its reading of now. */
  async publishNow(): Promise<void> {
    const now = this.now();
    await Promise.all(
      this.meters.map(async (meter) => {
        const client = this.clients.get(meter.id);
        if (!client?.connected) return;
        await this.send(client, meter, JSON.stringify(this.readingAt(meter, now)), 1);
      }),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.all([...this.clients.values()].map((client) => client.endAsync().catch(() => undefined)));
    this.clients.clear();
  }

  /** Hourly readings of the last `historyDays`, a day's worth a message (as a battery meter sends them). */
  private async sendHistory(meter: SimulatedMeterConfig): Promise<void> {
    const client = this.clients.get(meter.id)!;
    const now = this.now();
    const minute = Math.floor(rand(meter.id, 0, 'minute') * 60) * 60_000;
    const start = Math.floor((now - (this.options.historyDays ?? 21) * DAY_MS) / HOUR_MS) * HOUR_MS + minute;
    let batch: { at: string; litres: number }[] = [];
    for (let at = start; at <= now; at += HOUR_MS) {
      batch.push(this.readingAt(meter, at));
      if (batch.length === 24) {
        await this.send(client, meter, JSON.stringify({ readings: batch }), batch.length);
        batch = [];
      }
    }
    if (batch.length > 0) await this.send(client, meter, JSON.stringify({ readings: batch }), batch.length);
  }

  private async send(client: MqttClient, meter: SimulatedMeterConfig, payload: string, readings: number): Promise<void> {
    try {
      await client.publishAsync(this.topics.meterReadings(meter.id), payload, { qos: 1 });
      this.published += readings;
    } catch (error) {
      this.options.logger.warn({ err: error, meterId: meter.id }, 'meter simulator: publish failed');
    }
  }

  private connect(meter: SimulatedMeterConfig): Promise<MqttClient> {
    return new Promise((resolve, reject) => {
      const client = connect(this.options.url, {
        protocolVersion: 4,
        clientId: meter.id,
        username: meter.id,
        password: meter.secret,
        clean: true,
        keepalive: 60,
        reconnectPeriod: 5000,
        connectTimeout: 10_000,
      });
      const fail = (error: Error) => {
        client.end(true);
        reject(error);
      };
      client.once('connect', () => {
        client.off('error', fail);
        client.on('error', (error) => this.options.logger.debug({ err: error, meterId: meter.id }, 'meter simulator: client error'));
        resolve(client);
      });
      client.once('error', fail);
    });
  }
}
