/**
 * `npm run bench:water:throughput`: how many meter readings the platform takes per second per core
 * through ingestion and detection, and what a meter costs in memory — against the bar of a city:
 * a million meters reading hourly, 278 readings a second.
 *
 *   1. Detection alone: the year of ../shared/bench/water-dev through `runBatch`, one reading at a
 *      time with the state stored as JSON and read back between readings (one core, no database).
 *   2. Ingestion + detection as MQTT brings readings: `WaterService.ingest` with batches of 200
 *      meters × 1 reading (what the service's micro-batcher makes of single messages), 4 batches in
 *      flight, against embedded PostgreSQL: every reading stored, every meter's state locked, run
 *      and written back, in one transaction per batch.
 *   3. The same with daily batches (a battery meter sends its 24 hourly readings once a day).
 *   4. End to end over MQTT: simulated meters on real connections to the embedded broker, the
 *      platform's bus and batcher, until every reading is stored.
 *
 * Environment: BENCH_METERS (2000), BENCH_HOURS (72), BENCH_MQTT_METERS (500), DATABASE_URL (a
 * scratch database; else an embedded PostgreSQL in a temporary folder). Writes its section of docs/benchmarks.md.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pino from 'pino';
import { createServices } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/main.js';
import { seedDemo } from '../../src/modules/demo/demo.seed.js';
import { startDeviceMessaging } from '../../src/modules/devices/device-messaging.js';
import type { MeterState } from '../../src/modules/water/detectors/meter-processor.js';
import { deserializeState, runBatch, serializeState } from '../../src/modules/water/detectors/pipeline.js';
import { defaultDetectorSettings } from '../../src/modules/water/detectors/settings.js';
import type { MeterReading } from '../../src/modules/water/detectors/types.js';
import { MeterSimulator, type SimulatedMeterConfig } from '../../src/modules/water/meter-simulator.js';
import { parseReadingsCsv } from '../../src/modules/water/readings-csv.js';
import { hashDeviceSecret } from '../../src/platform/mqtt/credentials.js';
import { cpuMsOf, postgresPids } from './proc.js';
import { machine, writeSection } from './report.js';

const METERS = Number(process.env.BENCH_METERS ?? 2000);
const HOURS = Number(process.env.BENCH_HOURS ?? 72);
const MQTT_METERS = Number(process.env.BENCH_MQTT_METERS ?? 500);
const BATCH = 200;
const IN_FLIGHT = 4;
const CITY_RATE = 1_000_000 / 3600;
const HOUR = 3_600_000;
const VILLAGES = ['130631202206', '130631202207', '130631202210', '130631202211'];

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });

/**
 * CPU of the PostgreSQL server, ms: its processes now, plus what its exited processes (autovacuum
 * workers and the like) used, which the postmaster has collected as its children's time.
 */
function postgresCpuMs(): number {
  let total = 0;
  for (const pid of postgresPids(process.pid)) {
    total += cpuMsOf(`/proc/${pid}/stat`);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === process.pid) total += (Number(fields[13]) + Number(fields[14])) * 10;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

const f = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** 1. The detectors alone, as `npm run bench:water` runs them. */
function detectionAlone(): { readings: number; perSecond: number; stateBytes: number; heapBytesPerMeter: number } {
  const dir = '../shared/bench/water-dev/meters';
  const sets: MeterReading[][] = existsSync(dir)
    ? readdirSync(dir)
        .filter((file) => file.endsWith('.csv'))
        .map((file) => parseReadingsCsv(readFileSync(path.join(dir, file), 'utf8'), 480).readings)
    : [];
  if (sets.length === 0) {
    const sim = new MeterSimulator([], { url: 'mqtt://unused', topicPrefix: 'bench', logger: pino({ level: 'silent' }) });
    for (let m = 0; m < 19; m++) {
      const meter = { id: `wm-alone-${m}`, secret: '', litresPerDay: 150 + 15 * m };
      const list: MeterReading[] = [];
      for (let at = Date.now() - 365 * 24 * HOUR; at < Date.now(); at += HOUR) list.push({ at, litres: sim.readingAt(meter, at).litres });
      sets.push(list);
    }
  }
  const finals: string[] = [];
  let readings = 0;
  const started = performance.now();
  for (const list of sets) {
    let stored: string | null = null;
    for (const reading of list) {
      stored = serializeState(runBatch(stored === null ? null : deserializeState(stored), [reading], defaultDetectorSettings).state);
      readings++;
    }
    finals.push(stored!);
  }
  const seconds = (performance.now() - started) / 1000;
  const stateBytes = finals.reduce((sum, s) => sum + Buffer.byteLength(s), 0) / finals.length;
  // Memory if a process kept every meter's state in hand: 50,000 year-old states, as objects.
  globalThis.gc?.();
  const before = process.memoryUsage().heapUsed;
  const held: MeterState[] = [];
  for (let i = 0; i < 50_000; i++) held.push(deserializeState(finals[i % finals.length]!));
  globalThis.gc?.();
  const heapBytesPerMeter = (process.memoryUsage().heapUsed - before) / held.length;
  return { readings, perSecond: readings / seconds, stateBytes, heapBytesPerMeter };
}

async function main(): Promise<void> {
  const closers: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };
  try {
    console.log('1. detection alone …');
    const alone = detectionAlone();
    console.log(`   ${f(alone.readings)} readings, ${f(alone.perSecond)} readings/s on one core; state ${f(alone.stateBytes)} B JSON, ${f(alone.heapBytesPerMeter)} B heap per meter`);

    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'shuxiang-bench-water-'));
    chmodSync(dataDir, 0o755);
    closers.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const external = process.env.DATABASE_URL;
    const config = loadConfig({
      SHUXIANG_DATA_DIR: dataDir,
      DATABASE_URL: external,
      EMBEDDED_PG_PORT: external ? undefined : String(await freePort()),
      SHUXIANG_DEMO: 'true',
      LOG_LEVEL: 'warn',
      MQTT_PORT: '0',
      MQTT_HOST: '127.0.0.1',
      MQTT_TOPIC_PREFIX: `bench${randomBytes(3).toString('hex')}`,
    });
    const logger = pino({ level: 'warn' });
    const database = await openDatabase(config, logger);
    closers.push(() => database.close());
    const db = database.db;
    const services = createServices(db, config, undefined, randomBytes(32), logger);
    await seedDemo(services, new Date());
    const now = Date.now();
    const sim = new MeterSimulator([], { url: 'mqtt://unused', topicPrefix: 'bench', logger });

    const makeMeters = async (prefix: string, n: number, secret?: string): Promise<SimulatedMeterConfig[]> => {
      const hash = secret ? await hashDeviceSecret(secret) : null;
      const meters = Array.from({ length: n }, (_, i) => ({
        id: `${prefix}-${String(i).padStart(6, '0')}`,
        secret: secret ?? '',
        litresPerDay: 120 + ((i * 37) % 400),
        anomalies: i % 10 === 0 ? { leakEveryDays: 5 } : i % 10 === 1 ? { burstEveryDays: 3 } : undefined,
      }));
      const places = await Promise.all(VILLAGES.map((v) => services.regions.placeOf(v)));
      for (let i = 0; i < meters.length; i += 1000) {
        await db
          .insertInto('water_meters')
          .values(
            meters.slice(i, i + 1000).map((m, k) => {
              const place = places[(i + k) % places.length]!;
              return { id: m.id, name: m.id, kind: 'household' as const, household_id: null, region_code: place.region.code, region_path: place.region.path, address: null, lon: null, lat: null, contact_name: null, contact_phone: (i + k) % 3 === 0 ? '13900000000' : null, secret_hash: hash, last_reading_at: null, last_litres: null, last_rejected_at: null, last_rejected_reason: null, state: null, readings_count: 0, created_at: new Date(), updated_at: new Date() };
            }),
          )
          .execute();
      }
      return meters;
    };

    const cpu = () => ({
      node: cpuMsOf('/proc/self/stat'),
      pg: external ? 0 : postgresCpuMs(),
      at: performance.now(),
    });
    const phase = async (name: string, batches: { meterId: string; readings: MeterReading[] }[][]) => {
      const before = cpu();
      let next = 0;
      let readings = 0;
      let alerts = 0;
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < batches.length) {
            const batch = batches[next++]!;
            const result = await services.water.ingest(batch, 'mqtt');
            readings += result.stored;
            alerts += result.alertsOpened;
          }
        }),
      );
      const after = cpu();
      const seconds = (after.at - before.at) / 1000;
      const cpuSeconds = (after.node - before.node + after.pg - before.pg) / 1000;
      const row = { name, readings, alerts, seconds, perSecond: readings / seconds, nodeMs: (after.node - before.node) / readings, pgMs: external ? null : (after.pg - before.pg) / readings, perCpuSecond: external ? null : readings / cpuSeconds };
      console.log(`   ${name}: ${f(readings)} readings (${alerts} alerts) in ${f(seconds, 1)} s = ${f(row.perSecond)}/s; Node ${f(row.nodeMs, 3)} ms + PostgreSQL ${row.pgMs === null ? '?' : f(row.pgMs, 3)} ms CPU per reading`);
      return row;
    };

    console.log(`2. ingestion + detection, ${METERS} meters × ${HOURS} hourly readings, batches of ${BATCH} meters × 1 reading …`);
    const hourly = await makeMeters('wm-bench-h', METERS);
    const start = Math.floor((now - HOURS * HOUR) / HOUR) * HOUR;
    const single: { meterId: string; readings: MeterReading[] }[][] = [];
    for (let h = 0; h < HOURS; h++) {
      for (let i = 0; i < hourly.length; i += BATCH) {
        single.push(hourly.slice(i, i + BATCH).map((m) => ({ meterId: m.id, readings: [{ at: start + h * HOUR + 20 * 60_000, litres: sim.readingAt(m, start + h * HOUR + 20 * 60_000).litres }] })));
      }
    }
    const singleRow = await phase('single readings', single);

    console.log(`3. ingestion + detection, ${METERS} meters × ${HOURS / 24} daily batches of 24 readings …`);
    const daily = await makeMeters('wm-bench-d', METERS);
    const batched: { meterId: string; readings: MeterReading[] }[][] = [];
    for (let d = 0; d < HOURS / 24; d++) {
      for (let i = 0; i < daily.length; i += BATCH) {
        batched.push(
          daily.slice(i, i + BATCH).map((m) => ({
            meterId: m.id,
            readings: Array.from({ length: 24 }, (_, h) => {
              const at = start + (d * 24 + h) * HOUR + 20 * 60_000;
              return { at, litres: sim.readingAt(m, at).litres };
            }),
          })),
        );
      }
    }
    const dailyRow = await phase('daily batches', batched);

    const stateRow = await sql<{ avg: number; max: number }>`SELECT avg(pg_column_size(state))::float8 AS avg, max(pg_column_size(state))::float8 AS max FROM water_meters WHERE state IS NOT NULL`.execute(db);
    const readingRow = await sql<{ bytes: number; n: number }>`SELECT pg_total_relation_size('water_readings')::float8 AS bytes, (SELECT count(*) FROM water_readings)::float8 AS n`.execute(db);
    const stored = { stateAvg: stateRow.rows[0]!.avg, stateMax: stateRow.rows[0]!.max, bytesPerReading: readingRow.rows[0]!.bytes / readingRow.rows[0]!.n };
    console.log(`   state in PostgreSQL ${f(stored.stateAvg)} B per meter (compressed; largest ${f(stored.stateMax)}), a stored reading ${f(stored.bytesPerReading)} B with its index`);

    console.log(`4. end to end over MQTT: ${MQTT_METERS} meters, 3 days of hourly readings in daily messages, then one reading each …`);
    const secret = randomBytes(24).toString('base64url');
    const mqttMeters = await makeMeters('wm-bench-m', MQTT_METERS, secret);
    const messaging = await startDeviceMessaging(config, services.devices, logger, { simulate: false });
    closers.push(() => messaging.close());
    await services.water.attach(messaging);
    const simulator = new MeterSimulator(mqttMeters, { url: messaging.deviceUrl, topicPrefix: config.mqtt.topicPrefix, logger, historyDays: 3, everySeconds: 3600 });
    closers.push(() => simulator.stop());
    const before = cpu();
    const started = await simulator.start();
    await simulator.publishNow();
    const expected = simulator.published;
    const count = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM water_readings WHERE meter_id LIKE 'wm-bench-m-%'`.execute(db)).rows[0]!.n);
    let got = await count();
    while (got < expected && performance.now() - before.at < 300_000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      got = await count();
    }
    const after = cpu();
    const mqttSeconds = (after.at - before.at) / 1000;
    const mqtt = { meters: started.connected, readings: got, seconds: mqttSeconds, perSecond: got / mqttSeconds, perCpuSecond: external ? null : got / ((after.node - before.node + after.pg - before.pg) / 1000) };
    console.log(`   ${started.connected} meters connected, ${f(got)} of ${f(expected)} readings stored in ${f(mqttSeconds, 1)} s = ${f(mqtt.perSecond)}/s (connections and credential checks included)`);

    const perCore = singleRow.perCpuSecond;
    const rows = [singleRow, dailyRow].map(
      (r) => `| ${r.name} | ${f(r.readings)} | ${f(r.seconds, 1)} s | **${f(r.perSecond)}** | ${f(r.nodeMs, 3)} | ${r.pgMs === null ? '–' : f(r.pgMs, 3)} | ${r.perCpuSecond === null ? '–' : `**${f(r.perCpuSecond)}**`} | ${r.alerts} |`,
    );
    writeSection(
      'Water: readings through ingestion and detection (`npm run bench:water:throughput`)',
      [
        `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.`,
        `Command: \`npm run bench:water:throughput\`. ${external ? 'PostgreSQL from `DATABASE_URL`' : 'Embedded PostgreSQL 17 in a temporary folder'}, migrated, demo regions; meters spread over four villages, readings from the meter simulator (households with bouts of use, every tenth meter leaking, every tenth bursting).`,
        '',
        `**Detection alone** (the year of water-dev, ${f(alone.readings)} readings, one at a time through \`runBatch\` with the state stored as JSON and read back between readings; one core, no database): **${f(alone.perSecond)} readings/s**.`,
        '',
        `**Ingestion + detection** through \`WaterService.ingest\` (${METERS} meters, ${HOURS} hours; batches of ${BATCH} meters as the MQTT micro-batcher makes them, ${IN_FLIGHT} batches in flight; each batch one transaction: lock the meters, store the readings idempotently, run each meter's detectors from its stored state, write states, verdicts, alerts and texts):`,
        '',
        '| readings arrive as | readings | time | readings/s | Node CPU ms / reading | PostgreSQL CPU ms / reading | readings per CPU-second (Node + PostgreSQL) | alerts opened |',
        '| --- | --- | --- | --- | --- | --- | --- | --- |',
        ...rows,
        '',
        `**End to end over MQTT**: ${mqtt.meters} simulated meters on their own connections to the embedded broker sent 3 days of hourly readings in daily messages and then one reading each; all ${f(mqtt.readings)} were stored and run through the detectors in ${f(mqtt.seconds, 1)} s (${f(mqtt.perSecond)} readings/s${mqtt.perCpuSecond === null ? '' : `, ${f(mqtt.perCpuSecond)} per CPU-second`}; the meters' connections and credential checks included).`,
        '',
        `**A city**: a million meters reading hourly send ${f(CITY_RATE)} readings/s. One CPU-second takes ${perCore === null ? '?' : f(perCore)} single readings, so a city needs ${perCore === null ? '?' : f(CITY_RATE / perCore, 2)} of a core for ingestion and detection, PostgreSQL included (${perCore === null ? '' : `${f(perCore / CITY_RATE, 1)}× headroom on one core`}); daily batches need less.`,
        '',
        `**Memory per meter**: the detectors' state is ${f(alone.stateBytes)} bytes of JSON after a year (${f(stored.stateAvg)} B as stored by PostgreSQL, compressed); nothing is kept in the process between batches. A process holding every meter's state as objects would need ${f(alone.heapBytesPerMeter)} B of heap per meter (${f((alone.heapBytesPerMeter * 1e6) / 2 ** 30, 1)} GiB for a million). A stored reading takes ${f(stored.bytesPerReading)} B with its primary key (about ${f((stored.bytesPerReading * 24 * 365 * 1e6) / 2 ** 40, 1)} TiB a year for a million hourly meters: partition or thin old readings at that scale).`,
      ].join('\n'),
    );
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
