/**
 * `npm run bench:dashboard`: the big screen (智慧大屏) at the scale of a city — 2,000 villages in 60
 * townships, 5 million cases over 13 months, 270,000 cameras — in PostgreSQL, with the real app.
 *
 *   1. Seeds the data set with set-based SQL (INSERT … SELECT generate_series; values from
 *      hashint8 of the row number, so every run seeds the same data), then VACUUM ANALYZE.
 *   2. Recounts the read models from the source tables (`DashboardService.rebuild()`).
 *   3. Latency of `GET /api/dashboard/summary` and `/map`: a township as its staff, the city as its
 *      administrator, a village as township staff drilling down (Fastify inject, one in flight),
 *      and where the time of a summary goes (each read of the service, timed).
 *   4. The cost of keeping the read models current: the same stream of new cases (POST /api/cases
 *      at a steady rate, some accepted, resolved, approved and rated) with the dashboard's event
 *      listeners off and on; the per-case difference in CPU, SQL round trips and latency; each
 *      increment's own duration; the throughput of a backlog of increments; and whether the read
 *      models equal a recount afterwards.
 *
 * Shuxiang's top region level is the county, so the city is the root region (level `county`) with
 * its 60 townships below it; its administrator's screen is the city's.
 *
 * Environment: DATABASE_URL (a server on which a scratch database is created and dropped; else an
 * embedded PostgreSQL in a temporary folder), DATABASE_POOL_SIZE (10), LOG_LEVEL (info, to /dev/null),
 * BENCH_DASHBOARD_TOWNSHIPS (60), BENCH_DASHBOARD_VILLAGES (2000; 4 grids each),
 * BENCH_DASHBOARD_CASES (5000000), BENCH_DASHBOARD_CAMERAS (270000), BENCH_DASHBOARD_SPEAKERS (20000),
 * BENCH_DASHBOARD_ALARMS (400000), BENCH_DASHBOARD_BROADCASTS (2 per township and day),
 * BENCH_DASHBOARD_REQUESTS (200 per endpoint), BENCH_DASHBOARD_STREAM (2000 cases per phase),
 * BENCH_DASHBOARD_RATE (20 new cases per second), BENCH_DASHBOARD_WRITE (1; 0: do not touch
 * docs/benchmarks.md). The defaults are the issue's sizes; smaller values make a quick run.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { type RawBuilder, sql } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { buildApp, createServices } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/main.js';
import { hashPassword } from '../../src/modules/accounts/passwords.js';
import { DashboardRepository } from '../../src/modules/dashboard/dashboard.repository.js';
import { PointsRepository } from '../../src/modules/points/points.repository.js';
import { areaKm2, type PolygonGeometry } from '../../src/modules/regions/geometry.js';
import type { Db } from '../../src/platform/db/database.js';
import { cpuMsOf, percentile, postgresPids } from './proc.js';
import { machine, writeSection } from './report.js';

const knob = (name: string, fallback: number, min = 1) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number ≥ ${min}`);
  return value;
};
const TOWNSHIPS = Math.floor(knob('BENCH_DASHBOARD_TOWNSHIPS', 60));
const VILLAGES = Math.floor(knob('BENCH_DASHBOARD_VILLAGES', 2000));
const GRIDS_PER_VILLAGE = 4;
const CASES = Math.floor(knob('BENCH_DASHBOARD_CASES', 5_000_000));
const CAMERAS = Math.floor(knob('BENCH_DASHBOARD_CAMERAS', 270_000));
const SPEAKERS = Math.floor(knob('BENCH_DASHBOARD_SPEAKERS', 20_000));
const ALARMS = Math.floor(knob('BENCH_DASHBOARD_ALARMS', 400_000, 0));
const BROADCASTS_PER_DAY = Math.floor(knob('BENCH_DASHBOARD_BROADCASTS', 2, 0));
const REQUESTS = Math.floor(knob('BENCH_DASHBOARD_REQUESTS', 200));
const STREAM = Math.floor(knob('BENCH_DASHBOARD_STREAM', 2000));
const RATE = knob('BENCH_DASHBOARD_RATE', 20);
const WRITE = process.env.BENCH_DASHBOARD_WRITE !== '0';
/** 13 months of history. */
const DAYS = 395;
/** Plays (deliveries) are seeded for the broadcasts of the last this many days; the read models keep at most ~62. */
const DELIVERY_DAYS = 70;
const CHUNK = 250_000;
const SEED_CONNECTIONS = 2;
const BREAKDOWN_REQUESTS = 50;
const ROOT = '130600';
const CATEGORIES = ['village_appearance', 'sanitation', 'livelihood', 'mediation', 'safety_hazard', 'assistance', 'infrastructure', 'patrol'];
const DESCRIPTIONS = [
  '村口路灯已经连续三天不亮，晚上出行很不方便，请尽快派人维修。',
  '村西头垃圾堆放多日无人清理，天热以后气味很大。',
  '主干道有一处坑洼积水，电动车经过容易摔倒。',
  '邻居在公共通道上堆放柴草，消防车无法通行。',
  '河边护栏损坏，孩子放学经常在附近玩耍，存在安全隐患。',
  '独居老人家中水管破裂，需要帮助维修。',
  '田间有人焚烧秸秆，烟很大。',
  '村委会门前排水沟堵塞，下雨就漫到路上。',
];

// ---- small helpers ----------------------------------------------------------------------------------

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const f = (v: number, digits = 0) => v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (v: number) => (Number.isNaN(v) ? 'n/a' : v < 10 ? v.toFixed(1) : v.toFixed(0));
const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));
const mean = (values: number[]) => (values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length);
const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const started = performance.now();
const log = (message: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}`);

/** A uniform number in [0, 1) from the row number `i` and a stream `k`: the same every run. */
const u = (k: number) => sql.raw(`((hashint8(i * 32 + ${k}) & 2147483647)::float8 / 2147483648.0)`);

/**
 * CPU of the embedded PostgreSQL: its processes' own time plus that of the children they reaped
 * (the postmaster's cutime/cstime). Backends come and go with the pool's idle timeout, so their own
 * time alone would drop when one exits.
 */
function postgresCpuMs(): number {
  const CLOCK_TICK_MS = 10;
  let total = 0;
  for (const pid of postgresPids(process.pid)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * CLOCK_TICK_MS;
    } catch {
      // ended meanwhile
    }
  }
  return total;
}

async function timed<T>(what: string, work: () => Promise<T>, into: { what: string; ms: number }[]): Promise<T> {
  const t0 = performance.now();
  const result = await work();
  const took = performance.now() - t0;
  into.push({ what, ms: took });
  log(`${what}: ${(took / 1000).toFixed(1)} s`);
  return result;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = http.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

// ---- the region tree ------------------------------------------------------------------------------

interface RegionSeed {
  code: string;
  parent_code: string | null;
  level: 'county' | 'township' | 'village' | 'grid';
  name: string;
  path: string;
  box: [number, number, number, number];
  registered: number | null;
  resident: number | null;
  households: number | null;
}

/**
 * The city as squares: townships on a 10-wide lattice of 0.12° cells, each cut into a lattice of
 * villages, each village into 2 × 2 grids (about 0.9 km across at this latitude).
 */
function regionTree(): RegionSeed[] {
  const size = 0.12;
  const cols = Math.min(10, TOWNSHIPS);
  const rows = Math.ceil(TOWNSHIPS / cols);
  const [lon0, lat0] = [114.5, 38.2];
  const rootPath = `/${ROOT}/`;
  const out: RegionSeed[] = [{ code: ROOT, parent_code: null, level: 'county', name: '数乡市（基准）', path: rootPath, box: [lon0, lat0, lon0 + cols * size, lat0 + rows * size], registered: 0, resident: 0, households: 0 }];
  const root = out[0]!;
  let village = 0;
  for (let t = 0; t < TOWNSHIPS; t++) {
    const villagesHere = Math.floor(VILLAGES / TOWNSHIPS) + (t < VILLAGES % TOWNSHIPS ? 1 : 0);
    const side = Math.ceil(Math.sqrt(villagesHere));
    const tLon = lon0 + (t % cols) * size;
    const tLat = lat0 + Math.floor(t / cols) * size;
    const tCode = `${ROOT}${pad(t + 1, 3)}`;
    const township: RegionSeed = { code: tCode, parent_code: ROOT, level: 'township', name: `第${t + 1}镇`, path: `${rootPath}${tCode}/`, box: [tLon, tLat, tLon + size, tLat + size], registered: 0, resident: 0, households: 0 };
    out.push(township);
    const cell = size / side;
    for (let v = 0; v < villagesHere; v++, village++) {
      const vLon = tLon + (v % side) * cell;
      const vLat = tLat + Math.floor(v / side) * cell;
      const vCode = `${tCode}${pad(v + 1, 3)}`;
      const registered = 1200 + ((village * 37) % 900);
      const resident = Math.round(registered * (0.7 + ((village * 13) % 25) / 100));
      const households = Math.round(registered / 3.2);
      out.push({ code: vCode, parent_code: tCode, level: 'village', name: `第${t + 1}镇${v + 1}村`, path: `${township.path}${vCode}/`, box: [vLon, vLat, vLon + cell, vLat + cell], registered, resident, households });
      for (const item of [township, root]) {
        item.registered! += registered;
        item.resident! += resident;
        item.households! += households;
      }
      const half = cell / 2;
      for (let g = 0; g < GRIDS_PER_VILLAGE; g++) {
        const gLon = vLon + (g % 2) * half;
        const gLat = vLat + Math.floor(g / 2) * half;
        const gCode = `${vCode}${pad(g + 1, 3)}`;
        out.push({ code: gCode, parent_code: vCode, level: 'grid', name: `第${g + 1}网格`, path: `${township.path}${vCode}/${gCode}/`, box: [gLon, gLat, gLon + half, gLat + half], registered: null, resident: null, households: null });
      }
    }
  }
  return out;
}

function regionRow(r: RegionSeed) {
  const [minLon, minLat, maxLon, maxLat] = r.box;
  const boundary: PolygonGeometry = {
    type: 'Polygon',
    coordinates: [
      [
        [minLon, minLat],
        [maxLon, minLat],
        [maxLon, maxLat],
        [minLon, maxLat],
        [minLon, minLat],
      ],
    ],
  };
  return {
    code: r.code,
    parent_code: r.parent_code,
    level: r.level,
    name: r.name,
    path: r.path,
    boundary: JSON.stringify(boundary),
    min_lon: minLon,
    min_lat: minLat,
    max_lon: maxLon,
    max_lat: maxLat,
    centre_lon: (minLon + maxLon) / 2,
    centre_lat: (minLat + maxLat) / 2,
    area_km2: areaKm2(boundary),
    registered_population: r.registered,
    resident_population: r.resident,
    households: r.households,
  };
}

// ---- seeding ---------------------------------------------------------------------------------------

/**
 * Runs `statement(lo, hi)` for chunks of 1..n on SEED_CONNECTIONS connections at once, each with
 * foreign-key triggers off (the rows are consistent by construction) and asynchronous commit.
 */
async function inChunks(db: Db, n: number, label: string, statement: (lo: number, hi: number) => RawBuilder<unknown>): Promise<void> {
  let next = 1;
  let done = 0;
  await Promise.all(
    Array.from({ length: SEED_CONNECTIONS }, () =>
      db.connection().execute(async (conn) => {
        await sql`SET synchronous_commit = off`.execute(conn);
        await sql`SET session_replication_role = replica`.execute(conn).catch(() => undefined);
        try {
          while (next <= n) {
            const lo = next;
            const hi = Math.min(n, lo + CHUNK - 1);
            next = hi + 1;
            await statement(lo, hi).execute(conn);
            done += hi - lo + 1;
            if (n > CHUNK) log(`  ${label}: ${f(done)} / ${f(n)}`);
          }
        } finally {
          await sql`RESET session_replication_role`.execute(conn).catch(() => undefined);
          await sql`RESET synchronous_commit`.execute(conn);
        }
      }),
    ),
  );
}

/** The secondary indexes of a table (not those behind a constraint), to drop before a bulk load and build after. */
async function secondaryIndexes(db: Db, table: string): Promise<{ name: string; definition: string }[]> {
  const { rows } = await sql<{ name: string; definition: string }>`
    SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
    FROM pg_index i
    WHERE i.indrelid = ${table}::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`.execute(db);
  return rows;
}

async function buildIndexes(db: Db, indexes: { name: string; definition: string }[]): Promise<void> {
  await db.connection().execute(async (conn) => {
    await sql`SET maintenance_work_mem = '512MB'`.execute(conn);
    for (const index of indexes) await sql.raw(index.definition).execute(conn);
    await sql`RESET maintenance_work_mem`.execute(conn);
  });
}

async function seed(db: Db, t0: Date, steps: { what: string; ms: number }[]): Promise<{ tokens: Tokens; grids: GridSeed[] }> {
  const tree = regionTree();
  await timed(
    `regions (${f(tree.length)})`,
    async () => {
      for (const level of ['county', 'township', 'village', 'grid'] as const) {
        const rows = tree.filter((r) => r.level === level).map(regionRow);
        for (let i = 0; i < rows.length; i += 500) await db.insertInto('regions').values(rows.slice(i, i + 500)).execute();
      }
    },
    steps,
  );

  // People: the city's administrator, 2 staff per township, a cadre and a villager per village, a grid worker per grid.
  const passwordHash = await hashPassword(randomBytes(12).toString('hex'));
  await timed(
    'users',
    async () => {
      await sql`
        INSERT INTO users (phone, name, role, region_code, password_hash)
        SELECT p.prefix || lpad(row_number() OVER (PARTITION BY p.prefix ORDER BY r.code)::text, 8, '0'), p.title || r.name, p.role, r.code, ${passwordHash}
        FROM regions r
        JOIN (VALUES ('county', '130', 'admin', '管理员'), ('township', '131', 'township_staff', '甲·'), ('township', '132', 'township_staff', '乙·'),
                     ('village', '133', 'village_cadre', '村干部·'), ('village', '134', 'villager', '村民·'), ('grid', '135', 'grid_worker', '网格员·'))
          AS p(level, prefix, role, title) ON p.level = r.level`.execute(db);
    },
    steps,
  );

  // Each grid with its village, township and that village's villager (the seeded cases' reporter).
  await sql`
    CREATE TABLE bench_grids AS
    SELECT (row_number() OVER (ORDER BY g.code) - 1)::int AS idx, g.code, g.path, v.parent_code AS township_code, v.code AS village_code,
           v.name AS village_name, g.name AS grid_name, g.centre_lon AS lon, g.centre_lat AS lat, u.id AS villager_id, u.phone AS villager_phone
    FROM regions g JOIN regions v ON v.code = g.parent_code
    LEFT JOIN users u ON u.region_code = v.code AND u.role = 'villager'
    WHERE g.level = 'grid'`.execute(db);
  await sql`ALTER TABLE bench_grids ADD PRIMARY KEY (idx)`.execute(db);
  const gridCount = VILLAGES * GRIDS_PER_VILLAGE;

  // Cases: 13 months, evenly spread; the recent ones more often open; handling hours skewed short.
  const caseIndexes = await secondaryIndexes(db, 'cases');
  for (const index of caseIndexes) await sql.raw(`DROP INDEX ${index.name}`).execute(db);
  // A deadline that would pass during the run is moved past it, so the overdue gauges stand still
  // between the first recount and the last (the deadline jobs, which would move them, do not run here).
  const at0 = `'${t0.toISOString()}'::timestamptz`;
  const guard = (ts: string) => `CASE WHEN ${ts} BETWEEN ${at0} - interval '10 minutes' AND ${at0} + interval '3 hours' THEN ${at0} + interval '3 hours' ELSE ${ts} END`;
  await timed(
    `cases (${f(CASES)}, ${SEED_CONNECTIONS} connections)`,
    () =>
      inChunks(
        db,
        CASES,
        'cases',
        (lo, hi) => sql`
          INSERT INTO cases (id, number, category_code, state, level, description, lon, lat, region_path, township_code, village_code, grid_code,
            village_name, grid_name, source, reporter_id, reporter_name, reporter_phone, assignee_name, accept_due_at, resolve_due_at, accepted_at,
            resolved_at, closed_at, rejected_at, resolution_note, reject_reason, rating, rated_at, created_at, updated_at)
          SELECT gen_random_uuid(), to_char(a.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || '-B' || lpad(i::text, 8, '0'),
            (${CATEGORIES}::text[])[1 + floor(r.rcat * 8)::int], s.state, 'grid', (${DESCRIPTIONS}::text[])[1 + (i % 8)::int],
            g.lon + (r.rlon - 0.5) * 0.004, g.lat + (r.rlat - 0.5) * 0.004, g.path, g.township_code, g.village_code, g.code,
            g.village_name, g.grid_name, 'app', g.villager_id, '村民', g.villager_phone,
            CASE WHEN t.accepted_at IS NOT NULL THEN '网格员' END,
            ${sql.raw(guard("a.created_at + interval '24 hours'"))},
            CASE WHEN t.accepted_at IS NOT NULL THEN ${sql.raw(guard("t.accepted_at + interval '72 hours'"))} END,
            t.accepted_at, t.resolved_at, t.closed_at, t.rejected_at,
            CASE WHEN t.resolved_at IS NOT NULL THEN '已处理完毕' END, CASE WHEN t.rejected_at IS NOT NULL THEN '重复上报' END,
            q.rating, q.rated_at, a.created_at, greatest(a.created_at, t.accepted_at, t.resolved_at, t.closed_at, t.rejected_at, q.rated_at)
          FROM generate_series(${lo}::bigint, ${hi}::bigint) AS i
          JOIN bench_grids g ON g.idx = (i * 7919) % ${gridCount}
          CROSS JOIN LATERAL (SELECT ${DAYS} * ${u(1)} AS age, ${u(2)} AS rstate, ${u(3)} AS rsub, ${u(4)} AS rhours, ${u(5)} AS rrate,
            ${u(6)} AS rscore, ${u(7)} AS rrated, ${u(8)} AS rcat, ${u(9)} AS rlon, ${u(10)} AS rlat) r
          CROSS JOIN LATERAL (SELECT ${t0}::timestamptz - r.age * interval '1 day' AS created_at,
            CASE WHEN r.age < 1 THEN 0.6 WHEN r.age < 3 THEN 0.3 WHEN r.age < 7 THEN 0.12 WHEN r.age < 30 THEN 0.04 ELSE 0.002 END AS p_open) a
          CROSS JOIN LATERAL (SELECT
            CASE WHEN r.rstate < a.p_open THEN (CASE WHEN r.rsub < 0.3 THEN 'submitted' WHEN r.rsub < 0.85 THEN 'accepted' ELSE 'resolved' END)
                 WHEN r.rstate < a.p_open + 0.03 THEN 'rejected' ELSE 'closed' END AS state,
            least(1 + 120 * r.rhours * r.rhours, r.age * 24 * 0.95) AS hours) s
          CROSS JOIN LATERAL (SELECT
            CASE WHEN s.state IN ('accepted', 'resolved', 'closed')
              THEN a.created_at + (CASE WHEN s.state = 'closed' THEN s.hours * 0.1 ELSE least(r.age * 24 * 0.3, 2 + 6 * r.rhours) END) * interval '1 hour' END AS accepted_at,
            CASE WHEN s.state IN ('resolved', 'closed')
              THEN a.created_at + (CASE WHEN s.state = 'closed' THEN s.hours * 0.8 ELSE r.age * 24 * 0.8 END) * interval '1 hour' END AS resolved_at,
            CASE WHEN s.state = 'closed' THEN a.created_at + s.hours * interval '1 hour' END AS closed_at,
            CASE WHEN s.state = 'rejected' THEN a.created_at + least(2 * r.rhours, r.age * 24 * 0.5) * interval '1 hour' END AS rejected_at) t
          CROSS JOIN LATERAL (SELECT
            CASE WHEN t.closed_at IS NOT NULL AND r.rrate < 0.6
              THEN CASE WHEN r.rscore < 0.6 THEN 5 WHEN r.rscore < 0.85 THEN 4 WHEN r.rscore < 0.93 THEN 3 WHEN r.rscore < 0.97 THEN 2 ELSE 1 END END AS rating,
            CASE WHEN t.closed_at IS NOT NULL AND r.rrate < 0.6
              THEN t.closed_at + least(interval '48 hours' * r.rrated, (${t0}::timestamptz - t.closed_at) * 0.9) END AS rated_at) q`,
      ),
    steps,
  );
  await timed(`cases: ${caseIndexes.length} secondary indexes rebuilt`, () => buildIndexes(db, caseIndexes), steps);

  // Cameras and speakers over the grids; 2 % of cameras disabled, 93 % of the rest online.
  await timed(
    `cameras (${f(CAMERAS)})`,
    () =>
      inChunks(
        db,
        CAMERAS,
        'cameras',
        (lo, hi) => sql`
          INSERT INTO cameras (id, name, region_code, region_path, lon, lat, webhook_secret_hash, enabled, online, online_changed_at, created_at, updated_at)
          SELECT 'cam-' || lpad(i::text, 7, '0'), g.village_name || g.grid_name || '摄像头' || i, g.code, g.path,
            g.lon + (${u(1)} - 0.5) * 0.004, g.lat + (${u(2)} - 0.5) * 0.004, 'bench', ${u(3)} >= 0.02, ${u(3)} >= 0.02 AND ${u(4)} < 0.93,
            ${t0}::timestamptz - interval '1 hour' * (1 + 48 * ${u(5)}), ${t0}::timestamptz - interval '400 days', ${t0}::timestamptz
          FROM generate_series(${lo}::bigint, ${hi}::bigint) AS i
          JOIN bench_grids g ON g.idx = (i * 7919) % ${gridCount}`,
      ),
    steps,
  );
  await timed(
    `speakers (${f(SPEAKERS)})`,
    () =>
      inChunks(
        db,
        SPEAKERS,
        'speakers',
        (lo, hi) => sql`
          INSERT INTO devices (id, kind, name, region_code, region_path, lon, lat, secret_hash, online, online_changed_at, last_seen_at, created_at, updated_at)
          SELECT 'spk-' || lpad(i::text, 6, '0'), 'speaker', g.village_name || '音柱' || i, g.code, g.path,
            g.lon + (${u(1)} - 0.5) * 0.004, g.lat + (${u(2)} - 0.5) * 0.004, 'bench', ${u(3)} < 0.9,
            ${t0}::timestamptz - interval '1 hour' * (1 + 48 * ${u(4)}), ${t0}::timestamptz - interval '30 seconds', ${t0}::timestamptz - interval '400 days', ${t0}::timestamptz
          FROM generate_series(${lo}::bigint, ${hi}::bigint) AS i
          JOIN bench_grids g ON g.idx = (i * 7919) % ${gridCount}`,
      ),
    steps,
  );

  // Alarms from the cameras over the 13 months (those of the last day still open).
  if (ALARMS > 0) {
    const alarmIndexes = await secondaryIndexes(db, 'alarms');
    for (const index of alarmIndexes) await sql.raw(`DROP INDEX ${index.name}`).execute(db);
    await timed(
      `alarms (${f(ALARMS)})`,
      () =>
        inChunks(
          db,
          ALARMS,
          'alarms',
          (lo, hi) => sql`
            INSERT INTO alarms (id, dedupe_key, camera_id, camera_name, zone_name, kind, severity, region_code, region_path, source, track_id, label, score, box,
              entered_at, raised_at, warning_text, state)
            SELECT gen_random_uuid(), 'bench:' || i, c.id, c.name, '重点区域', (ARRAY['drowning', 'straw_burning', 'dumping', 'security', 'other'])[1 + floor(${u(2)} * 5)::int],
              'warning', c.region_code, c.region_path, 'detector', 'bench-' || i, 'person', 0.8, '{"x":0.4,"y":0.3,"w":0.1,"h":0.3}'::jsonb,
              x.raised - interval '3 seconds', x.raised, '您已进入危险区域，请立即离开', CASE WHEN x.raised > ${t0}::timestamptz - interval '1 day' THEN 'open' ELSE 'acknowledged' END
            FROM generate_series(${lo}::bigint, ${hi}::bigint) AS i
            CROSS JOIN LATERAL (SELECT ${t0}::timestamptz - ${DAYS} * ${u(1)} * interval '1 day' - interval '1 second' AS raised) x
            JOIN cameras c ON c.id = 'cam-' || lpad((1 + (i * 7919) % ${CAMERAS})::text, 7, '0')`,
        ),
      steps,
    );
    await timed(`alarms: ${alarmIndexes.length} secondary indexes rebuilt`, () => buildIndexes(db, alarmIndexes), steps);
  }

  // Each township's routine broadcasts to all its speakers; their plays for the recent weeks.
  if (BROADCASTS_PER_DAY > 0) {
    await timed(
      `broadcasts (${BROADCASTS_PER_DAY} per township and day) and their plays (last ${DELIVERY_DAYS} days)`,
      async () => {
        await sql`
          INSERT INTO broadcasts (id, title, kind, priority, text, clip_id, duration_ms, target_type, target_codes, region_path, status, created_by_name, created_at, expires_at, completed_at)
          SELECT gen_random_uuid(), '每日广播', 'routine', 5, '各位村民请注意防火防汛。', gen_random_uuid(), 60000, 'township', ARRAY[t.code], t.path, 'completed', '乡镇工作人员',
            x.at, x.at + interval '1 hour', x.at + interval '2 minutes'
          FROM regions t CROSS JOIN generate_series(0, ${DAYS - 1}) AS d CROSS JOIN generate_series(1, ${BROADCASTS_PER_DAY}) AS k
          CROSS JOIN LATERAL (SELECT ${t0}::timestamptz - (d + k::float8 / (${BROADCASTS_PER_DAY} + 1)) * interval '1 day' AS at) x
          WHERE t.level = 'township'`.execute(db);
        await db.connection().execute(async (conn) => {
          await sql`SET synchronous_commit = off`.execute(conn);
          await sql`SET session_replication_role = replica`.execute(conn).catch(() => undefined);
          await sql`
            INSERT INTO broadcast_deliveries (broadcast_id, device_id, priority, state, command_id, attempts, created_at, sent_at, started_at, finished_at, updated_at)
            SELECT b.id, v.id, 5, CASE WHEN hashtext(b.id::text || v.id) % 20 = 0 THEN 'failed' ELSE 'finished' END, 'bc-' || b.id, 1,
              b.created_at, b.created_at + interval '1 second', b.created_at + interval '2 seconds',
              CASE WHEN hashtext(b.id::text || v.id) % 20 = 0 THEN NULL ELSE b.created_at + interval '62 seconds' END, b.created_at + interval '62 seconds'
            FROM broadcasts b JOIN devices v ON split_part(v.region_path, '/', 3) = b.target_codes[1]
            WHERE b.created_at >= ${t0}::timestamptz - ${DELIVERY_DAYS} * interval '1 day'`.execute(conn);
          await sql`RESET session_replication_role`.execute(conn).catch(() => undefined);
        });
      },
      steps,
    );
  }

  await timed('VACUUM ANALYZE', () => sql`VACUUM ANALYZE`.execute(db), steps);

  // Sessions: the administrator, every staff member, and one villager per township (the stream's reporters).
  const { rows: people } = await sql<{ id: string; role: string; region_code: string; township: string }>`
    SELECT u.id, u.role, u.region_code, split_part(r.path, '/', 3) AS township
    FROM users u JOIN regions r ON r.code = u.region_code
    WHERE u.role IN ('admin', 'township_staff') OR (u.role = 'villager' AND r.code LIKE '%001' AND r.level = 'village')
    ORDER BY u.phone`.execute(db);
  const tokens: Tokens = { admin: '', staff: new Map(), villager: new Map() };
  const sessions: { token_hash: string; user_id: string; expires_at: Date }[] = [];
  for (const person of people) {
    const token = randomBytes(32).toString('base64url');
    sessions.push({ token_hash: createHash('sha256').update(token).digest('hex'), user_id: person.id, expires_at: new Date(Date.now() + 86_400_000) });
    if (person.role === 'admin') tokens.admin = token;
    else if (person.role === 'township_staff') tokens.staff.set(person.township, [...(tokens.staff.get(person.township) ?? []), token]);
    else tokens.villager.set(person.township, token);
  }
  await db.insertInto('sessions').values(sessions).execute();

  const grids = (await sql<GridSeed>`SELECT code, township_code AS township, village_code AS village, lon, lat FROM bench_grids ORDER BY idx`.execute(db)).rows;
  await sql`DROP TABLE bench_grids`.execute(db);
  return { tokens, grids };
}

interface Tokens {
  admin: string;
  /** Per township code: its two staff members (the first accepts and resolves, the second approves). */
  staff: Map<string, string[]>;
  /** Per township code: a villager who reports. */
  villager: Map<string, string>;
}

interface GridSeed {
  code: string;
  township: string;
  village: string;
  lon: number;
  lat: number;
}

// ---- the run ---------------------------------------------------------------------------------------

interface Latency {
  label: string;
  count: number;
  times: number[];
  bytes: number;
  nodeCpuMs: number;
  pgCpuMs: number | null;
}

async function main(): Promise<void> {
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
  const loadAtStart = os.loadavg();

  try {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'shuxiang-bench-dashboard-'));
    chmodSync(dataDir, 0o755);
    closers.push({ what: 'temporary folder', close: () => rmSync(dataDir, { recursive: true, force: true }) });

    // On an external server: a scratch database of our own, dropped at the end.
    const external = process.env.DATABASE_URL;
    let databaseUrl: string | undefined;
    if (external) {
      const name = `shuxiang_bench_dashboard_${randomBytes(4).toString('hex')}`;
      const admin = new pg.Client({ connectionString: external });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      closers.push({
        what: `database ${name}`,
        close: async () => {
          const client = new pg.Client({ connectionString: external });
          await client.connect();
          await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await client.end();
        },
      });
      const url = new URL(external);
      url.pathname = `/${name}`;
      databaseUrl = url.toString();
    }
    const config = loadConfig({
      SHUXIANG_DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      EMBEDDED_PG_PORT: external ? undefined : String(await freePort()),
      DATABASE_POOL_SIZE: process.env.DATABASE_POOL_SIZE,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    });
    const logger = pino({ level: config.logLevel, base: { service: 'shuxiang' } }, pino.destination({ dest: '/dev/null', sync: false }));
    const database = await openDatabase(config, pino({ level: 'warn' }));
    closers.push({ what: 'database', close: () => database.close() });
    const db = database.db;
    const { rows: versionRows } = await sql<{ version: string }>`SELECT current_setting('server_version') AS version`.execute(db);
    const pgVersion = versionRows[0]!.version.split(' ')[0]!;

    // ---- 1. the data set ----
    const seedSteps: { what: string; ms: number }[] = [];
    const t0 = new Date();
    log(`seeding: ${TOWNSHIPS} townships, ${VILLAGES} villages, ${f(CASES)} cases, ${f(CAMERAS)} cameras, ${f(SPEAKERS)} speakers, ${f(ALARMS)} alarms`);
    const seedStarted = performance.now();
    const { tokens, grids } = await seed(db, t0, seedSteps);
    const seedMs = performance.now() - seedStarted;
    const sizes: { table: string; rows: number; bytes: number }[] = [];
    for (const table of ['cases', 'broadcast_deliveries', 'alarms', 'cameras', 'broadcasts', 'devices', 'users', 'regions']) {
      const { rows } = await sql<{ rows: number; bytes: number }>`
        SELECT (SELECT count(*) FROM ${sql.table(table)})::int AS rows, pg_total_relation_size(${table}::regclass) AS bytes`.execute(db);
      sizes.push({ table, ...rows[0]! });
    }
    const { rows: dbSize } = await sql<{ bytes: number }>`SELECT pg_database_size(current_database()) AS bytes`.execute(db);
    const { rows: caseStates } = await sql<{ state: string; n: number }>`SELECT state, count(*)::int AS n FROM cases GROUP BY state ORDER BY n DESC`.execute(db);

    // ---- 2. the read models ----
    const services = createServices(db, config, undefined, randomBytes(32), logger);
    const rebuildSteps: { what: string; ms: number }[] = [];
    await timed('rebuild (recount of the read models from the source tables)', () => services.dashboard.rebuild(), rebuildSteps);
    const readModelRows = async () =>
      (
        await sql<{ table: string; rows: number }>`
          SELECT 'dashboard_case_facts' AS table, count(*)::int AS rows FROM dashboard_case_facts
          UNION ALL SELECT 'dashboard_daily', count(*)::int FROM dashboard_daily
          UNION ALL SELECT 'dashboard_category_month', count(*)::int FROM dashboard_category_month
          UNION ALL SELECT 'dashboard_alarms_daily', count(*)::int FROM dashboard_alarms_daily
          UNION ALL SELECT 'dashboard_gauges', count(*)::int FROM dashboard_gauges
          UNION ALL SELECT 'dashboard_alarm_feed', count(*)::int FROM dashboard_alarm_feed
          UNION ALL SELECT 'dashboard_marks', count(*)::int FROM dashboard_marks`.execute(db)
      ).rows;
    const modelRows = await readModelRows();
    await sql`ANALYZE`.execute(db);

    const app = await buildApp({ db, config, logger, services });
    closers.push({ what: 'app', close: () => app.close() });
    await app.ready();

    // Round trips to PostgreSQL, counted on every pg client of this process.
    let queries = 0;
    const clientProto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
    const originalQuery = clientProto.query;
    // While `capturing`, the SQL that reads the cameras table is kept, to EXPLAIN ANALYZE it after.
    let capturing = false;
    const captured: { text: string; values: unknown[] }[] = [];
    clientProto.query = function (this: unknown, ...args: unknown[]) {
      queries++;
      if (capturing && typeof args[0] === 'string' && /\bfrom "?cameras"?/i.test(args[0])) captured.push({ text: args[0], values: Array.isArray(args[1]) ? (args[1] as unknown[]) : [] });
      return originalQuery.apply(this, args);
    };
    closers.push({ what: 'query counter', close: () => void (clientProto.query = originalQuery) });
    const reading = () => ({
      at: performance.now(),
      queries,
      nodeCpuMs: cpuMsOf('/proc/self/stat'),
      pgCpuMs: external ? null : postgresCpuMs(),
    });

    const townships = [...tokens.staff.keys()].sort();
    const gridsOf = new Map<string, GridSeed[]>();
    for (const grid of grids) gridsOf.set(grid.township, [...(gridsOf.get(grid.township) ?? []), grid]);
    const villagesOf = new Map<string, string[]>();
    for (const grid of grids) if (grid.code.endsWith('001')) villagesOf.set(grid.township, [...(villagesOf.get(grid.township) ?? []), grid.village]);

    const get = async (url: string, token: string) => {
      const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
      if (res.statusCode !== 200) throw new Error(`GET ${url} → ${res.statusCode} ${res.body.slice(0, 300)}`);
      return res;
    };
    const post = async (url: string, token: string, payload: object) => {
      const res = await app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}` }, payload });
      if (res.statusCode !== 200 && res.statusCode !== 201) throw new Error(`POST ${url} → ${res.statusCode} ${res.body.slice(0, 300)}`);
      return res;
    };

    // ---- 3. summary and map latency ----
    const kinds: { label: string; request: (i: number) => [string, string] }[] = [
      { label: 'township summary, as its staff', request: (i) => ['/api/dashboard/summary', tokens.staff.get(townships[i % townships.length]!)![i % 2]!] },
      { label: 'city summary, as the city administrator', request: () => ['/api/dashboard/summary', tokens.admin] },
      {
        label: 'village summary, township staff drilling down',
        request: (i) => {
          const township = townships[i % townships.length]!;
          const villages = villagesOf.get(township)!;
          return [`/api/dashboard/summary?region=${villages[(i * 7) % villages.length]}`, tokens.staff.get(township)![0]!];
        },
      },
      { label: 'township map, as its staff', request: (i) => ['/api/dashboard/map', tokens.staff.get(townships[i % townships.length]!)![0]!] },
      { label: 'city map, as the city administrator', request: () => ['/api/dashboard/map', tokens.admin] },
    ];
    log(`warm-up: ${kinds.length} × ${Math.max(townships.length, 20)} requests`);
    for (const kind of kinds) for (let i = 0; i < Math.max(townships.length, 20); i++) await get(...kind.request(i + 1000));
    const latencies: Latency[] = [];
    for (const kind of kinds) {
      const before = reading();
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < REQUESTS; i++) {
        const [url, token] = kind.request(i);
        const t = performance.now();
        const res = await get(url, token);
        times.push(performance.now() - t);
        bytes += res.rawPayload.length;
      }
      const after = reading();
      const row: Latency = {
        label: kind.label,
        count: REQUESTS,
        times: sorted(times),
        bytes: bytes / REQUESTS,
        nodeCpuMs: (after.nodeCpuMs - before.nodeCpuMs) / REQUESTS,
        pgCpuMs: after.pgCpuMs === null || before.pgCpuMs === null ? null : (after.pgCpuMs - before.pgCpuMs) / REQUESTS,
      };
      latencies.push(row);
      log(`${kind.label}: p50 ${ms(percentile(row.times, 50))} ms, p95 ${ms(percentile(row.times, 95))} ms, mean ${ms(mean(row.times))} ms, ${f(row.bytes / 1024, 1)} KiB`);
    }

    // Where a summary's time goes: each read the service makes, timed (they run concurrently on the pool).
    const parts = new Map<string, number[]>();
    let instrumenting = false;
    const instrument = (target: object, names: string[], prefix: string) => {
      const methods = target as Record<string, (...args: unknown[]) => Promise<unknown>>;
      for (const name of names) {
        const original = methods[name]!;
        methods[name] = function (this: unknown, ...args: unknown[]) {
          const result = original.apply(this, args);
          if (instrumenting) {
            const t = performance.now();
            void result.then(
              () => parts.set(`${prefix}${name}`, [...(parts.get(`${prefix}${name}`) ?? []), performance.now() - t]),
              () => undefined,
            );
          }
          return result;
        };
      }
    };
    instrument(
      DashboardRepository.prototype,
      ['region', 'children', 'totals', 'days', 'categories', 'gauges', 'alarmsOn', 'dailyOf', 'recentAlarms', 'deviceCounts', 'cameraWall', 'mapDevices'],
      'dashboard.',
    );
    instrument(PointsRepository.prototype, ['rankPeople', 'rankHouseholds'], 'points.');
    instrument(services.party.stats, ['partyMembersIn'], 'party.');
    instrument(services.water, ['statsIn'], 'water.');
    instrument(services.dashboard, ['summary'], 'service.');
    const breakdowns: { label: string; parts: [string, number][] }[] = [];
    for (const kind of kinds.slice(0, 2)) {
      parts.clear();
      instrumenting = true;
      for (let i = 0; i < BREAKDOWN_REQUESTS; i++) await get(...kind.request(i));
      instrumenting = false;
      breakdowns.push({ label: kind.label, parts: [...parts.entries()].map(([name, values]) => [name, mean(values)] as [string, number]).sort((a, b) => b[1] - a[1]) });
    }
    for (const b of breakdowns) log(`${b.label}: ${b.parts.map(([name, v]) => `${name} ${ms(v)}`).join(', ')}`);

    // The city's reads of the cameras table (every camera of the city is below it), as PostgreSQL runs them.
    capturing = true;
    await get(...kinds[1]!.request(0));
    capturing = false;
    const plans: { read: string; executionMs: number; lines: string[] }[] = [];
    const explainer = new pg.Client({ connectionString: databaseUrl ?? database.embedded!.connectionString });
    await explainer.connect();
    try {
      for (const query of captured) {
        const read = query.text.includes('split_part') ? 'deviceCounts' : /order by "c"\."online" desc/i.test(query.text) ? 'cameraWall' : 'mapDevices';
        const { rows } = await explainer.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${query.text}`, query.values);
        const lines = rows.map((row) => row['QUERY PLAN']);
        const executionMs = Number(/Execution Time: ([\d.]+)/.exec(lines.join('\n'))?.[1] ?? NaN);
        // The plan's nodes (and their row counts and times); buffers, filters and sort details aside.
        plans.push({ read, executionMs, lines: lines.filter((line, i) => i === 0 || line.includes('->')).map((line) => line.replace(/\s*\(cost=[^)]*\)/, '').replace(/\s+$/, '')) });
      }
    } finally {
      await explainer.end();
    }
    for (const plan of plans) log(`EXPLAIN ANALYZE city ${plan.read}: ${ms(plan.executionMs)} ms\n${plan.lines.join('\n')}`);

    // ---- 4. keeping the read models current under a stream of new cases ----
    const bus = (services.events as unknown as { emitter: EventEmitter }).emitter;
    const dashboardListeners = (['case.reported', 'case.changed'] as const).map((event) => {
      const listeners = bus.listeners(event);
      if (listeners.length !== 1) throw new Error(`expected the dashboard as the only listener of ${event}, found ${listeners.length}`);
      return { event, listener: listeners[0] as (...args: unknown[]) => void };
    });
    const listenersOff = () => dashboardListeners.forEach(({ event, listener }) => bus.removeListener(event, listener));
    const listenersOn = () => dashboardListeners.forEach(({ event, listener }) => bus.on(event, listener));

    // Each increment (from its event to its commit, pool wait included), timed through the feed's tracker.
    const increments: number[] = [];
    const feed = services.dashboard.feed as unknown as { track: (work: Promise<unknown>) => void };
    const track = feed.track.bind(feed);
    feed.track = (work) => {
      const t = performance.now();
      void work.then(() => increments.push(performance.now() - t));
      track(work);
    };

    interface StreamStats {
      name: string;
      cases: number;
      requests: number;
      submit: number[];
      transition: number[];
      wallMs: number;
      queries: number;
      nodeCpuMs: number;
      pgCpuMs: number | null;
      increments: number[];
      ids: string[];
    }
    let streamSeq = 0;
    const stream = async (name: string): Promise<StreamStats> => {
      const submit: number[] = [];
      const transition: number[] = [];
      const ids: string[] = [];
      let requests = 0;
      increments.length = 0;
      const op = async (i: number) => {
        const n = streamSeq++;
        const township = townships[n % townships.length]!;
        const grid = gridsOf.get(township)![(n * 7) % gridsOf.get(township)!.length]!;
        const [staffA, staffB] = tokens.staff.get(township)!;
        const villager = tokens.villager.get(township)!;
        const id = randomUUID();
        ids.push(id);
        let t = performance.now();
        await post('/api/cases', villager, { id, categoryCode: CATEGORIES[n % CATEGORIES.length], description: `${DESCRIPTIONS[n % DESCRIPTIONS.length]}（#${n}）`, location: { lon: grid.lon, lat: grid.lat } });
        submit.push(performance.now() - t);
        requests++;
        const step = async (action: string, token: string, payload: object) => {
          t = performance.now();
          await post(`/api/cases/${id}/${action}`, token, payload);
          transition.push(performance.now() - t);
          requests++;
        };
        // Of every 20 cases: 8 accepted, 5 of them resolved and approved (closed), 3 of those rated.
        const k = i % 20;
        if (k < 8) await step('accept', staffA!, {});
        if (k < 5) {
          await step('resolve', staffA!, { note: '已到现场处理完毕。' });
          await step('approve', staffB!, {});
        }
        if (k < 3) await step('rate', villager, { rating: 5 - (n % 3) });
      };
      const before = reading();
      const ops: Promise<void>[] = [];
      const startedAt = performance.now();
      for (let i = 0; i < STREAM; i++) {
        const wait = startedAt + (i * 1000) / RATE - performance.now();
        if (wait > 0) await sleep(wait);
        ops.push(op(i));
      }
      await Promise.all(ops);
      await services.dashboard.settled();
      const after = reading();
      const stats: StreamStats = {
        name,
        cases: STREAM,
        requests,
        submit: sorted(submit),
        transition: sorted(transition),
        wallMs: after.at - before.at,
        queries: after.queries - before.queries,
        nodeCpuMs: after.nodeCpuMs - before.nodeCpuMs,
        pgCpuMs: after.pgCpuMs === null || before.pgCpuMs === null ? null : after.pgCpuMs - before.pgCpuMs,
        increments: sorted(increments),
        ids,
      };
      log(
        `${name}: ${STREAM} cases, ${requests} requests in ${f(stats.wallMs / 1000, 1)} s; submit p50 ${ms(percentile(stats.submit, 50))} / p95 ${ms(percentile(stats.submit, 95))} ms; ` +
          `per case ${f(stats.nodeCpuMs / STREAM, 2)} ms Node + ${stats.pgCpuMs === null ? '?' : f(stats.pgCpuMs / STREAM, 2)} ms PostgreSQL CPU, ${f(stats.queries / STREAM, 1)} queries; ${stats.increments.length} increments`,
      );
      return stats;
    };

    // A short warm-up of the write path (listeners on), then the stream off, the backlog, the stream on.
    const warmStream = Math.min(100, STREAM);
    for (let i = 0; i < warmStream; i++) {
      const township = townships[i % townships.length]!;
      const grid = gridsOf.get(township)![i % gridsOf.get(township)!.length]!;
      await post('/api/cases', tokens.villager.get(township)!, { id: randomUUID(), categoryCode: CATEGORIES[i % 8], description: DESCRIPTIONS[i % 8]!, location: { lon: grid.lon, lat: grid.lat } });
    }
    await services.dashboard.settled();

    listenersOff();
    log(`stream with the dashboard's listeners off: ${STREAM} cases at ${RATE}/s`);
    const off = await stream('listeners off');
    listenersOn();

    // The backlog: the off phase's cases, each announced at once (their facts are new: full increments).
    log(`backlog: ${off.ids.length} increments at once`);
    const { rows: backlogCases } = await sql<{ id: string; region_path: string; category_code: string }>`
      SELECT id, region_path, category_code FROM cases WHERE id = ANY(${off.ids}::uuid[])`.execute(db);
    increments.length = 0;
    const backlogBefore = reading();
    for (const c of backlogCases) services.events.emit('case.reported', { caseId: c.id, regionPath: c.region_path, categoryCode: c.category_code });
    await services.dashboard.settled();
    const backlogAfter = reading();
    const backlog = {
      count: backlogCases.length,
      wallMs: backlogAfter.at - backlogBefore.at,
      queries: backlogAfter.queries - backlogBefore.queries,
      nodeCpuMs: backlogAfter.nodeCpuMs - backlogBefore.nodeCpuMs,
      pgCpuMs: backlogAfter.pgCpuMs === null || backlogBefore.pgCpuMs === null ? null : backlogAfter.pgCpuMs - backlogBefore.pgCpuMs,
      increments: sorted(increments),
    };
    log(`backlog: ${backlog.count} increments in ${f(backlog.wallMs / 1000, 2)} s = ${f(backlog.count / (backlog.wallMs / 1000))}/s`);

    log(`stream with the dashboard's listeners on: ${STREAM} cases at ${RATE}/s`);
    const on = await stream('listeners on');

    // ---- 5. do the increments equal a recount? ----
    const compared: { table: string; columns: string; nonzero: string }[] = [
      {
        table: 'dashboard_daily',
        columns: 'region_code, day, cases_reported, cases_reported_closed, cases_closed, round(handling_hours::numeric, 3), ratings_sum, ratings_count, broadcasts, plays',
        nonzero: 'cases_reported <> 0 OR cases_reported_closed <> 0 OR cases_closed <> 0 OR abs(handling_hours) > 1e-6 OR ratings_sum <> 0 OR ratings_count <> 0 OR broadcasts <> 0 OR plays <> 0',
      },
      { table: 'dashboard_category_month', columns: 'region_code, month, category_code, cases', nonzero: 'cases <> 0' },
      { table: 'dashboard_alarms_daily', columns: 'region_code, day, kind, alarms', nonzero: 'alarms <> 0' },
      { table: 'dashboard_gauges', columns: 'region_code, open_cases, overdue_cases', nonzero: 'open_cases <> 0 OR overdue_cases <> 0' },
      { table: 'dashboard_alarm_feed', columns: 'region_code, raised_at, alarm_id', nonzero: 'true' },
      {
        table: 'dashboard_case_facts',
        columns: 'case_id, region_path, category_code, reported_day, closed_day, round(handling_hours::numeric, 6), rated_day, rating, is_open, is_overdue',
        nonzero: 'true',
      },
    ];
    for (const c of compared) await sql.raw(`CREATE TABLE bench_before_${c.table} AS SELECT * FROM ${c.table}`).execute(db);
    const summaryCases = async () => {
      const out: Record<string, unknown> = {};
      for (const township of townships) out[township] = (await get('/api/dashboard/summary', tokens.staff.get(township)![0]!)).json<{ cases: unknown }>().cases;
      out[ROOT] = (await get('/api/dashboard/summary', tokens.admin)).json<{ cases: unknown }>().cases;
      return JSON.stringify(out);
    };
    const casesBefore = await summaryCases();
    await timed('second rebuild (to compare with the increments)', () => services.dashboard.rebuild(), rebuildSteps);
    const casesAfter = await summaryCases();
    const differences: { table: string; rows: number; onlyIncremental: number; onlyRecount: number }[] = [];
    for (const c of compared) {
      const diff = async (a: string, b: string) =>
        (await sql.raw<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT ${c.columns} FROM ${a} WHERE ${c.nonzero} EXCEPT ALL SELECT ${c.columns} FROM ${b} WHERE ${c.nonzero}) x`).execute(db)).rows[0]!.n;
      const onlyIncremental = await diff(`bench_before_${c.table}`, c.table);
      const onlyRecount = await diff(c.table, `bench_before_${c.table}`);
      const rows = (await sql.raw<{ n: number }>(`SELECT count(*)::int AS n FROM ${c.table} WHERE ${c.nonzero}`).execute(db)).rows[0]!.n;
      differences.push({ table: c.table, rows, onlyIncremental, onlyRecount });
      await sql.raw(`DROP TABLE bench_before_${c.table}`).execute(db);
    }
    const consistent = differences.every((d) => d.onlyIncremental === 0 && d.onlyRecount === 0) && casesBefore === casesAfter;
    log(`increments ${consistent ? 'equal' : 'DIFFER FROM'} the recount: ${differences.map((d) => `${d.table} ${d.onlyIncremental}/${d.onlyRecount}`).join(', ')}; summaries ${casesBefore === casesAfter ? 'equal' : 'differ'}`);
    const loadAtEnd = os.loadavg();

    // ---- the report ----
    const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
    const mib = (bytes: number) => `${f(bytes / 2 ** 20)} MiB`;
    const cpu = (v: number | null) => (v === null ? 'n/a' : f(v, 2));
    const latencyTable = `| request | count | p50 | p95 | mean | max | response | Node CPU / request | PostgreSQL CPU / request |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${latencies.map((l) => `| ${l.label} | ${l.count} | ${ms(percentile(l.times, 50))} ms | ${ms(percentile(l.times, 95))} ms | ${ms(mean(l.times))} ms | ${ms(l.times[l.times.length - 1]!)} ms | ${f(l.bytes / 1024, 1)} KiB | ${cpu(l.nodeCpuMs)} ms | ${cpu(l.pgCpuMs)} ms |`).join('\n')}`;
    const partNames = [...new Set(breakdowns.flatMap((b) => b.parts.map(([name]) => name)))].sort((a, b) => {
      const total = (name: string) => breakdowns.reduce((sum, bd) => sum + (bd.parts.find(([n]) => n === name)?.[1] ?? 0), 0);
      return total(b) - total(a);
    });
    const breakdownTable = `| read | ${breakdowns.map((b) => b.label.split(',')[0]).join(' | ')} |
| --- | ${breakdowns.map(() => '---').join(' | ')} |
${partNames.map((name) => `| \`${name}\` | ${breakdowns.map((b) => `${ms(b.parts.find(([n]) => n === name)?.[1] ?? NaN)} ms`).join(' | ')} |`).join('\n')}`;
    const cityPg = latencies.find((l) => l.label.startsWith('city summary'));
    const perCase = (s: StreamStats, v: number | null) => (v === null ? 'n/a' : f(v / s.cases, 2));
    const streamRow = (s: StreamStats) =>
      `| ${s.name} | ${s.cases} (${s.requests} requests) | ${f(s.wallMs / 1000, 1)} s | ${ms(percentile(s.submit, 50))} / ${ms(percentile(s.submit, 95))} ms | ${ms(percentile(s.transition, 50))} / ${ms(percentile(s.transition, 95))} ms | ${perCase(s, s.queries)} | ${perCase(s, s.nodeCpuMs)} ms | ${perCase(s, s.pgCpuMs)} ms |`;
    const diffCpu = (a: number | null, b: number | null) => (a === null || b === null ? 'n/a' : `${f((a - b) / STREAM, 2)} ms`);
    const eventsOn = on.increments.length;
    const diffPerEvent = (a: number | null, b: number | null) => (a === null || b === null ? 'n/a' : `${f((a - b) / Math.max(1, eventsOn), 2)} ms`);
    const seedTable = seedSteps.map((s) => `| ${s.what} | ${f(s.ms / 1000, 1)} s |`).join('\n');
    const sizeLine = sizes.map((s) => `${s.table} ${f(s.rows)} rows / ${s.bytes > 2 ** 30 ? gib(s.bytes) : mib(s.bytes)}`).join(', ');
    const statesLine = caseStates.map((s) => `${s.state} ${f(s.n)}`).join(', ');
    const modelLine = modelRows.map((r) => `${r.table} ${f(r.rows)}`).join(', ');
    const diffLine = differences.map((d) => `${d.table} (${f(d.rows)} rows): ${d.onlyIncremental} only in the increments, ${d.onlyRecount} only in the recount`).join('; ');
    const totalS = (performance.now() - started) / 1000;

    const body = `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}; PostgreSQL ${pgVersion} ${external ? 'from `DATABASE_URL` (a scratch database created and dropped)' : 'embedded, in a temporary folder, default settings'}.
Command: \`npm run bench:dashboard\` (whole run ${f(totalS / 60, 1)} min). Load average (1 min) ${loadAtStart[0]!.toFixed(1)} at the start and ${loadAtEnd[0]!.toFixed(1)} at the end, on ${os.cpus().length} cores.
Sizes (env): ${TOWNSHIPS} townships, ${VILLAGES} villages × ${GRIDS_PER_VILLAGE} grids, ${f(CASES)} cases, ${f(CAMERAS)} cameras, ${f(SPEAKERS)} speakers, ${f(ALARMS)} alarms, ${BROADCASTS_PER_DAY} broadcasts per township and day
(\`BENCH_DASHBOARD_TOWNSHIPS\`, \`_VILLAGES\`, \`_CASES\`, \`_CAMERAS\`, \`_SPEAKERS\`, \`_ALARMS\`, \`_BROADCASTS\`; the defaults are the issue's city;
\`_REQUESTS\`, \`_STREAM\` and \`_RATE\` set the measurements below).

**The data set.** Shuxiang's top level is the county, so the city is the root region with its ${TOWNSHIPS} townships below it (square boundaries);
users: the city's administrator, 2 staff per township, a cadre and a villager per village, a grid worker per grid. Cases are spread evenly over the last ${DAYS} days
across the grids and the 8 categories (the recent ones more often open; 3 % rejected; 60 % of the closed rated; handling 1–121 h, skewed short), cameras and
speakers over the grids (98 % of cameras enabled, 93 % of those online; 90 % of speakers online), alarms over the ${DAYS} days, each township's routine broadcasts to
all its speakers with their plays for the last ${DELIVERY_DAYS} days. Seeded with set-based SQL on ${SEED_CONNECTIONS} connections (values from \`hashint8\` of the row
number, so every run seeds the same data; foreign-key triggers off and the secondary indexes of \`cases\` and \`alarms\` built after the load, which leaves the
same tables and indexes), then \`VACUUM ANALYZE\`. Cases by state: ${statesLine}. ${sizeLine}; the database ${gib(dbSize[0]!.bytes)}.

| seeding step | time |
| --- | --- |
${seedTable}
| **all** | **${f(seedMs / 1000, 1)} s** |

**The read models.** \`DashboardService.rebuild()\` (the recount run at start-up and nightly, township by township, then the city's own rows) took
**${f(rebuildSteps[0]!.ms / 1000, 1)} s** and left ${modelLine} rows.

**Summary and map latency.** Fastify \`inject\` into the real app (\`buildApp\`, LOG_LEVEL=${config.logLevel} to /dev/null, a pool of ${config.database.poolSize}
connections), one request in flight, after a warm-up; the township requests go round the ${TOWNSHIPS} townships as their own staff, the village ones round
each township's villages. CPU per request is read from /proc around each series.

${latencyTable}

Where a summary's time goes (mean of ${BREAKDOWN_REQUESTS} requests; each read of \`DashboardService.summary\` timed from its call to its result; they run
at once on the pool, so they overlap and include waiting for a connection; \`service.summary\` is the whole method):

${breakdownTable}

A township's summary reads the read models by primary key and its own ${f(CAMERAS / TOWNSHIPS)} or so cameras through the region-path index; the city's
time is its live reads of all ${f(CAMERAS)} cameras — the online count per township and the picture wall's first 16 (online, then name) — each a pass over the
whole \`cameras\` table (${f(cityPg?.pgCpuMs ?? NaN, 0)} ms of PostgreSQL CPU per city summary, parallel workers included). As PostgreSQL ran them (EXPLAIN ANALYZE,
once, after the series, one at a time, so each had the machine to itself; inside a summary the two run at once beside the other reads; plan nodes only):

\`\`\`text
${plans.map((plan) => `${plan.read}: ${ms(plan.executionMs)} ms\n${plan.lines.join('\n')}`).join('\n\n')}
\`\`\`

**Keeping the read models current.** The same stream twice: ${STREAM} new cases at ${RATE} a second through \`POST /api/cases\` (villagers, at grid centres
round the townships), of every 20 cases 8 accepted, 5 of those resolved and approved by township staff, 3 of those rated by the reporter: first with the
dashboard's \`case.reported\`/\`case.changed\` listeners removed, then with them on (no job runner, so deadlines and closure jobs do not run in either).
CPU (Node: the whole process; PostgreSQL: its processes) and SQL round trips per new case, from the first request until every increment has committed.

| phase | cases | wall | submit p50 / p95 | transition p50 / p95 | SQL round trips / case | Node CPU / case | PostgreSQL CPU / case |
| --- | --- | --- | --- | --- | --- | --- | --- |
${streamRow(off)}
${streamRow(on)}
| **difference: the read models** | | | | | ${f((on.queries - off.queries) / STREAM, 2)} | ${diffCpu(on.nodeCpuMs, off.nodeCpuMs)} | ${diffCpu(on.pgCpuMs, off.pgCpuMs)} |

- With the listeners on, ${f(eventsOn)} increments ran (one per event: report, accept, resolve, approve, rate; ${f(eventsOn / STREAM, 2)} per case, so per
  increment ${f((on.queries - off.queries) / Math.max(1, eventsOn), 1)} SQL round trips, ${diffPerEvent(on.nodeCpuMs, off.nodeCpuMs)} Node and ${diffPerEvent(on.pgCpuMs, off.pgCpuMs)} PostgreSQL CPU), each in its own
  transaction after the case's commit, so the API's answer does not wait for it: from event to commit p50 ${ms(percentile(on.increments, 50))} ms, p95 ${ms(percentile(on.increments, 95))} ms,
  max ${ms(on.increments[on.increments.length - 1] ?? NaN)} ms (pool wait included).
- A backlog of ${f(backlog.count)} increments at once (the off phase's cases, announced after it; each a full first count of a case):
  **${f(backlog.count / (backlog.wallMs / 1000))} increments/s** on the pool of ${config.database.poolSize} (${f(backlog.wallMs / 1000, 2)} s; per increment
  ${f(backlog.queries / backlog.count, 1)} SQL round trips, ${f(backlog.nodeCpuMs / backlog.count, 2)} ms Node and ${backlog.pgCpuMs === null ? 'n/a' : f(backlog.pgCpuMs / backlog.count, 2)} ms PostgreSQL CPU;
  event to commit p50 ${ms(percentile(backlog.increments, 50))} ms, p95 ${ms(percentile(backlog.increments, 95))} ms).
- **Increments = recount: ${consistent ? 'yes' : 'NO'}.** After both streams the read models were copied, recounted with \`rebuild()\` (${f(rebuildSteps[1]!.ms / 1000, 1)} s)
  and compared row by row (zero rows aside): ${diffLine}. The \`cases\` block of every township's and the city's summary was ${casesBefore === casesAfter ? 'identical' : 'DIFFERENT'} before and after.`;

    console.log(`\n${body}\n`);
    console.log(`total run time ${f(totalS, 1)} s`);
    if (!consistent) {
      console.error('\nFAILED: the incremental read models differ from a recount; docs/benchmarks.md not updated.');
      process.exitCode = 1;
      return;
    }
    if (WRITE) {
      writeSection('Big screen at city scale (`npm run bench:dashboard`)', body);
      console.log('wrote docs/benchmarks.md');
    }
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

await main();
