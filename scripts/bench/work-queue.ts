/**
 * `npm run bench:work-queue`: 待办 for a township staff member with 10,000 open items in scope.
 * Embedded PostgreSQL in a temporary folder, migrated and seeded with the demo; then, with set-based
 * SQL, township-level cases waiting to be accepted and open camera alarms spread over the demo
 * township's grids (half each), ANALYZE; then `GET /api/work-queue` (first page of 20, and the 50th
 * page) through Fastify inject into the real app, one in flight, as the demo's staff (13800000001).
 *
 * Environment: BENCH_WORK_QUEUE_ITEMS (10000), BENCH_WORK_QUEUE_REQUESTS (300), BENCH_WORK_QUEUE_WRITE
 * (1; 0: do not touch docs/benchmarks.md).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pino from 'pino';
import { buildApp, createServices } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/main.js';
import { DEMO_PASSWORD, seedDemo } from '../../src/modules/demo/demo.seed.js';
import { percentile } from './proc.js';
import { machine, writeSection } from './report.js';

const ITEMS = Number(process.env.BENCH_WORK_QUEUE_ITEMS ?? 10_000);
const REQUESTS = Number(process.env.BENCH_WORK_QUEUE_REQUESTS ?? 300);
const WRITE = process.env.BENCH_WORK_QUEUE_WRITE !== '0';
const TOWNSHIP = '130631202';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = http.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'shuxiang-bench-work-queue-'));
  chmodSync(dataDir, 0o755);
  const config = loadConfig({ SHUXIANG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()), LOG_LEVEL: 'info' });
  const logger = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false }));
  const database = await openDatabase(config, pino({ level: 'warn' }));
  try {
    const db = database.db;
    const services = createServices(db, config, undefined, randomBytes(32), logger);
    await seedDemo(services, new Date());
    const half = Math.floor(ITEMS / 2);
    // Township-level submitted cases (escalated to the township, waiting for its staff), deadlines spread over a week.
    await sql`
      INSERT INTO cases (id, number, category_code, state, level, description, region_path, township_code, village_code, grid_code, source,
        accept_due_at, created_at, updated_at)
      SELECT gen_random_uuid(), 'BENCH-' || lpad(n::text, 6, '0'), 'village_appearance', 'submitted', 'township', '路灯不亮，请尽快维修', g.path,
        ${TOWNSHIP}, substr(g.code, 1, 12), g.code, 'app', now() + (n % 168) * interval '1 hour' - interval '24 hours', now() - n * interval '1 minute', now()
      FROM generate_series(1, ${half}) AS n
      JOIN LATERAL (SELECT code, path FROM regions WHERE level = 'grid' AND path LIKE ${`%/${TOWNSHIP}/%`} ORDER BY code OFFSET (n % 40) LIMIT 1) g ON true`.execute(db);
    await sql`
      INSERT INTO alarms (id, dedupe_key, camera_name, zone_name, kind, severity, region_code, region_path, source, track_id, label, score, box,
        entered_at, raised_at, warning_text, speaker_ids, state)
      SELECT gen_random_uuid(), 'bench:' || n, '鱼塘摄像头', '鱼塘', 'drowning', 'critical', g.code, g.path, 'webhook', n::text, 'person', 0.9,
        '{"x":0,"y":0,"width":10,"height":10}', now() - n * interval '1 minute', now() - n * interval '1 minute', '危险水域，请远离', '{}', 'open'
      FROM generate_series(1, ${ITEMS - half}) AS n
      JOIN LATERAL (SELECT code, path FROM regions WHERE level = 'grid' AND path LIKE ${`%/${TOWNSHIP}/%`} ORDER BY code OFFSET (n % 40) LIMIT 1) g ON true`.execute(db);
    await sql`ANALYZE`.execute(db);

    const app = await buildApp({ db, config, logger, services });
    await app.ready();
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone: '13800000001', password: DEMO_PASSWORD } });
    const token = login.json().token as string;
    const get = async (url: string) => {
      const started = performance.now();
      const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
      const ms = performance.now() - started;
      if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
      return { ms, body: res.json() as { total: number; items: unknown[] } };
    };
    const first = await get('/api/work-queue');
    if (first.body.total < ITEMS) throw new Error(`expected at least ${ITEMS} items, got ${first.body.total}`);
    const rows: string[] = [];
    for (const [label, url] of [
      ['first page (20)', '/api/work-queue'],
      ['page 50 (20)', '/api/work-queue?page=50'],
      ['first page (100)', '/api/work-queue?pageSize=100'],
    ] as const) {
      for (let i = 0; i < 20; i++) await get(url); // warm-up
      const times: number[] = [];
      for (let i = 0; i < REQUESTS; i++) times.push((await get(url)).ms);
      times.sort((a, b) => a - b);
      rows.push(`| ${label} | \`GET ${url}\` | ${REQUESTS} | ${percentile(times, 50).toFixed(1)} ms | ${percentile(times, 95).toFixed(1)} ms |`);
      console.log(rows.at(-1));
    }
    await app.close();
    const body = `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.
Command: \`npm run bench:work-queue\`. Embedded PostgreSQL in a temporary folder with the demo, plus ${half} township-level cases
waiting to be accepted and ${ITEMS - half} open alarms over the demo township's grids (${first.body.total} open items in the staff
member's queue, demo items included); Fastify inject into the real app, one request in flight, as the demo's township staff.

| request | URL | count | p50 | p95 |
| --- | --- | --- | --- | --- |
${rows.join('\n')}

Each request counts every kind (one grouped count over the UNION ALL) and reads its page ordered in SQL.`;
    if (WRITE) {
      writeSection('Work queue, 10,000 items (`npm run bench:work-queue`)', body);
      console.log('wrote docs/benchmarks.md');
    } else console.log(body);
  } finally {
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
