import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { RegionLevel } from '../../platform/db/schema.js';
import type { CaseFact, DailyCounts, DayRow, Deltas } from './dashboard-model.js';

/**
 * The big screen's SQL: the read models (dashboard_* tables) kept by increments and recounted
 * from the source tables, and the summary's reads. Every summary read is a primary-key lookup on
 * the read models or a path-prefix range on an indexed source table of the one region.
 */

const OPEN_STATES = sql.raw(`('submitted', 'accepted', 'resolved')`);

/** A timestamp column's China calendar date (UTC+8 all year, as platform/working-time.ts). */
const chinaDay = (column: string) => sql.raw(`((${column} AT TIME ZONE 'UTC') + interval '8 hours')::date`);

/** The codes on a path column with their level (1 = county), a row each: u(code, pos). */
const codesOn = (column: string) => sql.raw(`unnest(string_to_array(trim(BOTH '/' FROM ${column}), '/')) WITH ORDINALITY AS u(code, pos)`);

/** Advisory-lock classes (first key of the two-key form), apart from other modules' locks. */
const COUNTY_LOCK = 0x44420001;
const ITEM_LOCK = 0x44420002;
const TOWNSHIP_LOCK = 0x44420003;

/** Which regions' rows a recount replaces: a subtree, or the items at exactly one region. */
type PathFilter = (column: string) => RawBuilder<unknown>;
const under = (path: string): PathFilter => (column) => sql`${sql.ref(column)} LIKE ${`${path}%`}`;
const exactlyAt = (path: string): PathFilter => (column) => sql`${sql.ref(column)} = ${path}`;

/** The bounds of a recount: the kept window, and the last week (alarm feed, marks). */
export interface RecountSince {
  from: string;
  fromInstant: Date;
  recentInstant: Date;
}

/**
 * What each item adds to a region's day: (region_path, day, reported, reported_closed, closed,
 * hours, ratings_sum, ratings_count, broadcasts, plays), one row per contribution.
 */
function dailyItems(where: PathFilter, since: RecountSince) {
  const { from, fromInstant } = since;
  return sql`
    SELECT region_path, reported_day AS day, 1 AS reported, (closed_day IS NOT NULL)::int AS reported_closed, 0 AS closed, 0::float8 AS hours,
           0 AS ratings_sum, 0 AS ratings_count, 0 AS broadcasts, 0 AS plays
      FROM dashboard_case_facts WHERE ${where('region_path')} AND reported_day >= ${from}
    UNION ALL
    SELECT region_path, closed_day, 0, 0, 1, handling_hours, 0, 0, 0, 0
      FROM dashboard_case_facts WHERE ${where('region_path')} AND closed_day >= ${from}
    UNION ALL
    SELECT region_path, rated_day, 0, 0, 0, 0, rating, 1, 0, 0
      FROM dashboard_case_facts WHERE ${where('region_path')} AND rated_day >= ${from} AND rating IS NOT NULL
    UNION ALL
    SELECT region_path, ${chinaDay('created_at')}, 0, 0, 0, 0, 0, 0, 1, 0
      FROM broadcasts WHERE ${where('region_path')} AND created_at >= ${fromInstant}
    UNION ALL
    SELECT v.region_path, ${chinaDay('d.finished_at')}, 0, 0, 0, 0, 0, 0, 0, 1
      FROM broadcast_deliveries d JOIN devices v ON v.id = d.device_id
      WHERE d.state = 'finished' AND d.finished_at >= ${fromInstant} AND ${where('v.region_path')}`;
}

/** A case's contribution as of `now`; the incremental path and the recount share this one definition. */
function factColumns(now: Date): RawBuilder<unknown> {
  return sql`
    c.id AS case_id,
    c.region_path,
    c.category_code,
    ${chinaDay('c.created_at')} AS reported_day,
    CASE WHEN c.state = 'closed' THEN ${chinaDay('c.closed_at')} END AS closed_day,
    CASE WHEN c.state = 'closed' THEN extract(epoch FROM c.closed_at - c.created_at)::float8 / 3600 END AS handling_hours,
    CASE WHEN c.rating IS NOT NULL THEN ${chinaDay('c.rated_at')} END AS rated_day,
    c.rating,
    c.state IN ${OPEN_STATES} AS is_open,
    coalesce((c.state = 'submitted' AND c.accept_due_at <= ${now}) OR (c.state = 'accepted' AND c.resolve_due_at <= ${now}), false) AS is_overdue`;
}

export interface RegionHead {
  code: string;
  parent_code: string | null;
  level: RegionLevel;
  name: string;
  path: string;
  area_km2: number | null;
  registered_population: number | null;
  resident_population: number | null;
  households: number | null;
}

export interface CaseAnnouncement {
  id: string;
  number: string;
  category_name: string;
  region_name: string;
  description: string;
  created_at: Date;
  state: string;
  region_path: string;
}

export interface RecentAlarmRow {
  id: string;
  camera_name: string;
  zone_name: string;
  kind: string;
  region_name: string;
  raised_at: Date;
  has_snapshot: boolean;
}

export interface DeviceCountRow {
  child: string;
  kind: 'camera' | 'speaker';
  total: number;
  online: number;
}

export class DashboardRepository {
  constructor(private readonly db: Db) {}

  // ---- locks and transactions -----------------------------------------------------------------

  /**
   * Locks for counting an item at `path` (`item`), recounting the subtree of a township or a
   * region below it (`subtree`: that township exclusively), or recounting a county's own rows
   * (`county`: the whole county exclusively). A recount's snapshot and the increments of its
   * regions never interleave; increments run side by side (their rows serialise them), and the
   * townships of a county are recounted one at a time without stopping the others.
   */
  async lock(tx: Db, path: string, purpose: 'item' | 'subtree' | 'county'): Promise<void> {
    const [county, township] = path.split('/').filter(Boolean);
    if (!county) return;
    if (purpose === 'county') {
      await sql`SELECT pg_advisory_xact_lock(${COUNTY_LOCK}::int, hashtext(${county}))`.execute(tx);
      return;
    }
    await sql`SELECT pg_advisory_xact_lock_shared(${COUNTY_LOCK}::int, hashtext(${county}))`.execute(tx);
    const shard = township ?? county;
    await (purpose === 'subtree'
      ? sql`SELECT pg_advisory_xact_lock(${TOWNSHIP_LOCK}::int, hashtext(${shard}))`
      : sql`SELECT pg_advisory_xact_lock_shared(${TOWNSHIP_LOCK}::int, hashtext(${shard}))`
    ).execute(tx);
  }

  /** One item's changes apply one at a time (a case's report and its first change may race). */
  async lockItem(tx: Db, key: string): Promise<void> {
    await sql`SELECT pg_advisory_xact_lock(${ITEM_LOCK}::int, hashtext(${key}))`.execute(tx);
  }

  /** Inside another module's job: the dashboard's failure must not undo that module's work. */
  async savepoint(tx: Db, action: 'set' | 'release' | 'rollback'): Promise<void> {
    const statement = { set: 'SAVEPOINT dashboard', release: 'RELEASE SAVEPOINT dashboard', rollback: 'ROLLBACK TO SAVEPOINT dashboard' }[action];
    await sql.raw(statement).execute(tx);
  }

  // ---- increments -------------------------------------------------------------------------------

  async casePath(tx: Db, id: string): Promise<string | undefined> {
    const row = await tx.selectFrom('cases').select('region_path').where('id', '=', id).executeTakeFirst();
    return row?.region_path;
  }

  async caseFact(tx: Db, id: string, now: Date): Promise<CaseFact | undefined> {
    const { rows } = await sql<CaseFact>`SELECT ${factColumns(now)} FROM cases c WHERE c.id = ${id}`.execute(tx);
    return rows[0];
  }

  storedFact(tx: Db, id: string): Promise<CaseFact | undefined> {
    return tx.selectFrom('dashboard_case_facts').selectAll().where('case_id', '=', id).executeTakeFirst();
  }

  async saveFact(tx: Db, fact: CaseFact): Promise<void> {
    const { case_id: _id, ...rest } = fact;
    await tx
      .insertInto('dashboard_case_facts')
      .values(fact)
      .onConflict((oc) => oc.column('case_id').doUpdateSet(rest))
      .execute();
  }

  /** What a new case's live message shows. */
  async caseAnnouncement(tx: Db, id: string): Promise<CaseAnnouncement | undefined> {
    const { rows } = await sql<CaseAnnouncement>`
      SELECT c.id, c.number, k.name AS category_name, coalesce(c.village_name, t.name, '') AS region_name,
             c.description, c.created_at, c.state, c.region_path
      FROM cases c
      JOIN case_categories k ON k.code = c.category_code
      LEFT JOIN regions t ON t.code = c.township_code
      WHERE c.id = ${id}`.execute(tx);
    return rows[0];
  }

  alarm(tx: Db, id: string) {
    return tx.selectFrom('alarms').select(['region_path', 'raised_at', 'kind']).where('id', '=', id).executeTakeFirst();
  }

  /** Adds the alarm to the feed of each region; returns the regions where it was new. */
  async addToFeed(tx: Db, codes: string[], raisedAt: Date, alarmId: string): Promise<string[]> {
    if (codes.length === 0) return [];
    const rows = await tx
      .insertInto('dashboard_alarm_feed')
      .values(codes.map((code) => ({ region_code: code, raised_at: raisedAt, alarm_id: alarmId })))
      .onConflict((oc) => oc.doNothing())
      .returning('region_code')
      .execute();
    return rows.map((row) => row.region_code);
  }

  broadcast(tx: Db, id: string) {
    return tx.selectFrom('broadcasts').select(['id', 'title', 'kind', 'region_path', 'created_at']).where('id', '=', id).executeTakeFirst();
  }

  /** Broadcasts a programme's run made since `since` (in the run's own transaction). */
  async broadcastsOfSchedule(tx: Db, scheduleId: string, since: Date): Promise<string[]> {
    const rows = await tx.selectFrom('broadcasts').select('id').where('schedule_id', '=', scheduleId).where('created_at', '>=', since).execute();
    return rows.map((row) => row.id);
  }

  /** A delivery played to the end, with the speaker's region. */
  finishedPlay(tx: Db, broadcastId: string, deviceId: string) {
    return tx
      .selectFrom('broadcast_deliveries as d')
      .innerJoin('devices as v', 'v.id', 'd.device_id')
      .select(['v.region_path', 'd.finished_at'])
      .where('d.broadcast_id', '=', broadcastId)
      .where('d.device_id', '=', deviceId)
      .where('d.state', '=', 'finished')
      .executeTakeFirst();
  }

  /** True when the item was not counted yet (and is now marked). */
  async mark(tx: Db, item: string, regionPath: string, day: string): Promise<boolean> {
    const row = await tx
      .insertInto('dashboard_marks')
      .values({ item, region_path: regionPath, day })
      .onConflict((oc) => oc.column('item').doNothing())
      .returning('item')
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Adds the changes to the counters (creating rows as needed), rows in key order. */
  async applyDeltas(tx: Db, deltas: Deltas): Promise<void> {
    const daily = deltas.dailyRows();
    if (daily.length > 0) {
      const column = (name: keyof DailyCounts) => daily.map((row) => row.counts[name]);
      await sql`
        INSERT INTO dashboard_daily (region_code, day, cases_reported, cases_reported_closed, cases_closed, handling_hours, ratings_sum, ratings_count, broadcasts, plays)
        SELECT * FROM unnest(${daily.map((row) => row.code)}::text[], ${daily.map((row) => row.day)}::date[],
          ${column('casesReported')}::int[], ${column('casesReportedClosed')}::int[], ${column('casesClosed')}::int[], ${column('handlingHours')}::float8[],
          ${column('ratingsSum')}::int[], ${column('ratingsCount')}::int[], ${column('broadcasts')}::int[], ${column('plays')}::int[])
        ON CONFLICT (region_code, day) DO UPDATE SET
          cases_reported = dashboard_daily.cases_reported + excluded.cases_reported,
          cases_reported_closed = dashboard_daily.cases_reported_closed + excluded.cases_reported_closed,
          cases_closed = dashboard_daily.cases_closed + excluded.cases_closed,
          handling_hours = dashboard_daily.handling_hours + excluded.handling_hours,
          ratings_sum = dashboard_daily.ratings_sum + excluded.ratings_sum,
          ratings_count = dashboard_daily.ratings_count + excluded.ratings_count,
          broadcasts = dashboard_daily.broadcasts + excluded.broadcasts,
          plays = dashboard_daily.plays + excluded.plays`.execute(tx);
    }
    const alarms = deltas.alarmRows();
    if (alarms.length > 0) {
      await tx
        .insertInto('dashboard_alarms_daily')
        .values(alarms.map((row) => ({ region_code: row.code, day: row.day, kind: row.kind, alarms: row.alarms })))
        .onConflict((oc) => oc.columns(['region_code', 'day', 'kind']).doUpdateSet((eb) => ({ alarms: eb('dashboard_alarms_daily.alarms', '+', eb.ref('excluded.alarms')) })))
        .execute();
    }
    const categories = deltas.categoryRows();
    if (categories.length > 0) {
      await tx
        .insertInto('dashboard_category_month')
        .values(categories.map((row) => ({ region_code: row.code, month: row.month, category_code: row.category, cases: row.cases })))
        .onConflict((oc) => oc.columns(['region_code', 'month', 'category_code']).doUpdateSet((eb) => ({ cases: eb('dashboard_category_month.cases', '+', eb.ref('excluded.cases')) })))
        .execute();
    }
    const gauges = deltas.gaugeRows();
    if (gauges.length > 0) {
      await tx
        .insertInto('dashboard_gauges')
        .values(gauges.map((row) => ({ region_code: row.code, open_cases: row.open, overdue_cases: row.overdue })))
        .onConflict((oc) =>
          oc.column('region_code').doUpdateSet((eb) => ({
            open_cases: eb('dashboard_gauges.open_cases', '+', eb.ref('excluded.open_cases')),
            overdue_cases: eb('dashboard_gauges.overdue_cases', '+', eb.ref('excluded.overdue_cases')),
          })),
        )
        .execute();
    }
  }

  // ---- recount from the source tables -----------------------------------------------------------

  /** The counties (no parent), or the children of a region. */
  roots(parentCode: string | null): Promise<{ code: string; path: string }[]> {
    return this.db
      .selectFrom('regions')
      .select(['code', 'path'])
      .where('parent_code', parentCode === null ? 'is' : '=', parentCode)
      .orderBy('code')
      .execute();
  }

  /** Adds one region's counters (from `from` on) to `into`, times `sign`. */
  async addRowsOf(tx: Db, code: string, from: string, sign: 1 | -1, into: Deltas): Promise<void> {
    const [daily, alarms, categories, gauges] = [
      await tx.selectFrom('dashboard_daily').selectAll().where('region_code', '=', code).where('day', '>=', from).execute(),
      await tx.selectFrom('dashboard_alarms_daily').selectAll().where('region_code', '=', code).where('day', '>=', from).execute(),
      await tx.selectFrom('dashboard_category_month').selectAll().where('region_code', '=', code).where('month', '>=', from).execute(),
      await tx.selectFrom('dashboard_gauges').selectAll().where('region_code', '=', code).execute(),
    ];
    for (const row of daily) {
      into.addDaily(code, row.day, {
        casesReported: sign * row.cases_reported,
        casesReportedClosed: sign * row.cases_reported_closed,
        casesClosed: sign * row.cases_closed,
        handlingHours: sign * row.handling_hours,
        ratingsSum: sign * row.ratings_sum,
        ratingsCount: sign * row.ratings_count,
        broadcasts: sign * row.broadcasts,
        plays: sign * row.plays,
      });
    }
    for (const row of alarms) into.addAlarms(code, row.day, row.kind, sign * row.alarms);
    for (const row of categories) into.addCategory(code, row.month, row.category_code, sign * row.cases);
    for (const row of gauges) into.addGauges(code, sign * row.open_cases, sign * row.overdue_cases);
  }

  /**
   * Recounts the read models of every region at or below `path` from the source tables: the facts
   * of the cases open or changed since the window opened, then each counter from those facts and
   * from the alarms, broadcasts and finished plays since `from`. Rows before the window go; the
   * alarm feed and the marks hold the recent items only (see recentStart).
   */
  async recount(tx: Db, path: string, since: RecountSince, now: Date): Promise<void> {
    const { from, fromInstant, recentInstant } = since;
    const subtree = `${path}%`;
    const where = under(path);
    const depth = path.split('/').filter(Boolean).length;
    // As a list, so each table is reached through its primary key rather than scanned.
    const codes = (await tx.selectFrom('regions').select('code').where('path', 'like', subtree).execute()).map((row) => row.code);

    await this.refreshFacts(tx, where, fromInstant, now);
    for (const table of ['dashboard_daily', 'dashboard_alarms_daily', 'dashboard_category_month', 'dashboard_gauges', 'dashboard_alarm_feed']) {
      await sql`DELETE FROM ${sql.table(table)} WHERE region_code = ANY(${codes}::text[])`.execute(tx);
    }

    await sql`
      INSERT INTO dashboard_daily (region_code, day, cases_reported, cases_reported_closed, cases_closed, handling_hours, ratings_sum, ratings_count, broadcasts, plays)
      SELECT u.code, x.day, sum(x.reported), sum(x.reported_closed), sum(x.closed), sum(x.hours), sum(x.ratings_sum), sum(x.ratings_count), sum(x.broadcasts), sum(x.plays)
      FROM (${dailyItems(where, since)}) x
      CROSS JOIN LATERAL ${codesOn('x.region_path')}
      WHERE u.pos >= ${depth}
      GROUP BY u.code, x.day`.execute(tx);

    await sql`
      INSERT INTO dashboard_alarms_daily (region_code, day, kind, alarms)
      SELECT u.code, ${chinaDay('a.raised_at')}, a.kind, count(*)
      FROM alarms a CROSS JOIN LATERAL ${codesOn('a.region_path')}
      WHERE a.region_path LIKE ${subtree} AND a.raised_at >= ${fromInstant} AND u.pos >= ${depth}
      GROUP BY 1, 2, 3`.execute(tx);

    await sql`
      INSERT INTO dashboard_category_month (region_code, month, category_code, cases)
      SELECT u.code, date_trunc('month', f.reported_day)::date, f.category_code, count(*)
      FROM dashboard_case_facts f CROSS JOIN LATERAL ${codesOn('f.region_path')}
      WHERE f.region_path LIKE ${subtree} AND f.reported_day >= ${from} AND u.pos >= ${depth}
      GROUP BY 1, 2, 3`.execute(tx);

    await sql`
      INSERT INTO dashboard_gauges (region_code, open_cases, overdue_cases)
      SELECT u.code, count(*) FILTER (WHERE f.is_open), count(*) FILTER (WHERE f.is_overdue)
      FROM dashboard_case_facts f CROSS JOIN LATERAL ${codesOn('f.region_path')}
      WHERE f.region_path LIKE ${subtree} AND (f.is_open OR f.is_overdue) AND u.pos >= ${depth}
      GROUP BY 1`.execute(tx);

    // The feed rows and marks of the subtree's recent items, at every level (those above keep theirs).
    await sql`
      INSERT INTO dashboard_alarm_feed (region_code, raised_at, alarm_id)
      SELECT u.code, a.raised_at, a.id FROM alarms a CROSS JOIN LATERAL ${codesOn('a.region_path')}
      WHERE a.region_path LIKE ${subtree} AND a.raised_at >= ${recentInstant}
      ON CONFLICT DO NOTHING`.execute(tx);
    await this.refreshMarks(tx, where, recentInstant);
  }

  /**
   * Recounts a county's own rows: the sum of its townships' rows (recounted just before) and the
   * items at the county itself (a broadcast to several townships, say).
   */
  async recountCounty(tx: Db, county: { code: string; path: string }, since: RecountSince, now: Date): Promise<void> {
    const { from, fromInstant, recentInstant } = since;
    const { code, path } = county;
    const own = exactlyAt(path);
    const children = (await tx.selectFrom('regions').select('code').where('parent_code', '=', code).execute()).map((row) => row.code);

    await this.refreshFacts(tx, own, fromInstant, now);
    for (const table of ['dashboard_daily', 'dashboard_alarms_daily', 'dashboard_category_month', 'dashboard_gauges']) {
      await sql`DELETE FROM ${sql.table(table)} WHERE region_code = ${code}`.execute(tx);
    }
    await sql`
      INSERT INTO dashboard_daily (region_code, day, cases_reported, cases_reported_closed, cases_closed, handling_hours, ratings_sum, ratings_count, broadcasts, plays)
      SELECT ${code}, x.day, sum(x.reported), sum(x.reported_closed), sum(x.closed), sum(x.hours), sum(x.ratings_sum), sum(x.ratings_count), sum(x.broadcasts), sum(x.plays)
      FROM (
        ${dailyItems(own, since)}
        UNION ALL
        SELECT region_code, day, cases_reported, cases_reported_closed, cases_closed, handling_hours, ratings_sum, ratings_count, broadcasts, plays
          FROM dashboard_daily WHERE region_code = ANY(${children}::text[]) AND day >= ${from}
      ) x
      GROUP BY x.day`.execute(tx);
    await sql`
      INSERT INTO dashboard_alarms_daily (region_code, day, kind, alarms)
      SELECT ${code}, x.day, x.kind, sum(x.n) FROM (
        SELECT ${chinaDay('raised_at')} AS day, kind, 1 AS n FROM alarms WHERE region_path = ${path} AND raised_at >= ${fromInstant}
        UNION ALL
        SELECT day, kind, alarms FROM dashboard_alarms_daily WHERE region_code = ANY(${children}::text[]) AND day >= ${from}
      ) x
      GROUP BY x.day, x.kind`.execute(tx);
    await sql`
      INSERT INTO dashboard_category_month (region_code, month, category_code, cases)
      SELECT ${code}, x.month, x.category_code, sum(x.n) FROM (
        SELECT date_trunc('month', reported_day)::date AS month, category_code, 1 AS n FROM dashboard_case_facts WHERE region_path = ${path} AND reported_day >= ${from}
        UNION ALL
        SELECT month, category_code, cases FROM dashboard_category_month WHERE region_code = ANY(${children}::text[]) AND month >= ${from}
      ) x
      GROUP BY x.month, x.category_code`.execute(tx);
    await sql`
      INSERT INTO dashboard_gauges (region_code, open_cases, overdue_cases)
      SELECT ${code}, coalesce(sum(x.open), 0), coalesce(sum(x.overdue), 0) FROM (
        SELECT is_open::int AS open, is_overdue::int AS overdue FROM dashboard_case_facts WHERE region_path = ${path}
        UNION ALL
        SELECT open_cases, overdue_cases FROM dashboard_gauges WHERE region_code = ANY(${children}::text[])
      ) x`.execute(tx);

    // The townships' recounts put their recent alarms in the county's feed; here the older go.
    await sql`DELETE FROM dashboard_alarm_feed WHERE region_code = ${code} AND raised_at < ${recentInstant}`.execute(tx);
    await sql`
      INSERT INTO dashboard_alarm_feed (region_code, raised_at, alarm_id)
      SELECT ${code}, raised_at, id FROM alarms WHERE region_path = ${path} AND raised_at >= ${recentInstant}
      ON CONFLICT DO NOTHING`.execute(tx);
    await this.refreshMarks(tx, own, recentInstant);
  }

  /** The facts of the cases open, or changed since the window opened (every change sets updated_at). */
  private async refreshFacts(tx: Db, where: PathFilter, fromInstant: Date, now: Date): Promise<void> {
    await sql`DELETE FROM dashboard_case_facts WHERE ${where('region_path')}`.execute(tx);
    await sql`
      INSERT INTO dashboard_case_facts (case_id, region_path, category_code, reported_day, closed_day, handling_hours, rated_day, rating, is_open, is_overdue)
      SELECT ${factColumns(now)} FROM cases c
      WHERE ${where('c.region_path')} AND (c.updated_at >= ${fromInstant} OR c.state IN ${OPEN_STATES})`.execute(tx);
  }

  /** The marks of the recent broadcasts and finished plays. */
  private async refreshMarks(tx: Db, where: PathFilter, recentInstant: Date): Promise<void> {
    await sql`DELETE FROM dashboard_marks WHERE ${where('region_path')}`.execute(tx);
    await sql`
      INSERT INTO dashboard_marks (item, region_path, day)
      SELECT 'broadcast:' || id, region_path, ${chinaDay('created_at')} FROM broadcasts
        WHERE ${where('region_path')} AND created_at >= ${recentInstant}
      UNION ALL
      SELECT 'play:' || d.broadcast_id || ':' || d.device_id, v.region_path, ${chinaDay('d.finished_at')}
        FROM broadcast_deliveries d JOIN devices v ON v.id = d.device_id
        WHERE d.state = 'finished' AND d.finished_at >= ${recentInstant} AND ${where('v.region_path')}
      ON CONFLICT DO NOTHING`.execute(tx);
  }

  // ---- the summary's reads ------------------------------------------------------------------------

  region(code: string): Promise<RegionHead | undefined> {
    return this.db
      .selectFrom('regions')
      .select(['code', 'parent_code', 'level', 'name', 'path', 'area_km2', 'registered_population', 'resident_population', 'households'])
      .where('code', '=', code)
      .executeTakeFirst();
  }

  children(code: string): Promise<Pick<RegionHead, 'code' | 'name' | 'level' | 'resident_population'>[]> {
    return this.db.selectFrom('regions').select(['code', 'name', 'level', 'resident_population']).where('parent_code', '=', code).orderBy('code').execute();
  }

  /** Villages and grids below a region, its grid workers and its registered households. */
  async totals(path: string): Promise<{ villages: number; grids: number; grid_workers: number; households: number }> {
    const subtree = `${path}%`;
    const { rows } = await sql<{ villages: number; grids: number; grid_workers: number; households: number }>`
      SELECT
        (SELECT count(*) FROM regions WHERE path LIKE ${subtree} AND level = 'village') AS villages,
        (SELECT count(*) FROM regions WHERE path LIKE ${subtree} AND level = 'grid') AS grids,
        (SELECT count(*) FROM users u JOIN regions r ON r.code = u.region_code
          WHERE r.path LIKE ${subtree} AND u.role = 'grid_worker' AND u.disabled_at IS NULL) AS grid_workers,
        (SELECT count(*) FROM households WHERE region_path LIKE ${subtree}) AS households`.execute(this.db);
    return rows[0]!;
  }

  async days(code: string, from: string, to: string): Promise<DayRow[]> {
    const rows = await this.db.selectFrom('dashboard_daily').selectAll().where('region_code', '=', code).where('day', '>=', from).where('day', '<=', to).execute();
    return rows.map((row) => ({
      day: row.day,
      casesReported: row.cases_reported,
      casesReportedClosed: row.cases_reported_closed,
      casesClosed: row.cases_closed,
      handlingHours: row.handling_hours,
      ratingsSum: row.ratings_sum,
      ratingsCount: row.ratings_count,
      broadcasts: row.broadcasts,
      plays: row.plays,
    }));
  }

  /** Today's counters of several regions (the children). */
  dailyOf(codes: string[], day: string) {
    if (codes.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('dashboard_daily').select(['region_code', 'cases_reported']).where('region_code', 'in', codes).where('day', '=', day).execute();
  }

  categories(code: string, month: string) {
    return this.db
      .selectFrom('dashboard_category_month as m')
      .innerJoin('case_categories as k', 'k.code', 'm.category_code')
      .select(['m.category_code as code', 'k.name', 'm.cases as count'])
      .where('m.region_code', '=', code)
      .where('m.month', '=', month)
      .where('m.cases', '>', 0)
      .orderBy('m.cases', 'desc')
      .orderBy('k.sort_order')
      .execute();
  }

  gauges(codes: string[]) {
    if (codes.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('dashboard_gauges').selectAll().where('region_code', 'in', codes).execute();
  }

  alarmsOn(codes: string[], day: string) {
    if (codes.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('dashboard_alarms_daily').select(['region_code', 'kind', 'alarms']).where('region_code', 'in', codes).where('day', '=', day).execute();
  }

  /** The region's latest alarms: newest first from its feed (a backward primary-key scan). */
  async recentAlarms(code: string, limit: number): Promise<RecentAlarmRow[]> {
    const { rows } = await sql<RecentAlarmRow>`
      SELECT a.id, a.camera_name, a.zone_name, a.kind, coalesce(r.name, '') AS region_name, a.raised_at, a.snapshot_key IS NOT NULL AS has_snapshot
      FROM (SELECT alarm_id FROM dashboard_alarm_feed WHERE region_code = ${code} ORDER BY raised_at DESC, alarm_id DESC LIMIT ${limit}) f
      JOIN alarms a ON a.id = f.alarm_id
      LEFT JOIN regions r ON r.code = a.region_code
      ORDER BY a.raised_at DESC, a.id DESC`.execute(this.db);
    return rows;
  }

  /**
   * Cameras and speakers below a region, total and online, per child region ('' for those at the
   * region itself). Read live: see DashboardService.
   */
  async deviceCounts(path: string): Promise<DeviceCountRow[]> {
    const subtree = `${path}%`;
    const part = path.split('/').filter(Boolean).length + 2;
    const { rows } = await sql<DeviceCountRow>`
      SELECT split_part(region_path, '/', ${part}) AS child, 'camera' AS kind, count(*) AS total, count(*) FILTER (WHERE online) AS online
        FROM cameras WHERE region_path LIKE ${subtree} AND enabled GROUP BY 1
      UNION ALL
      SELECT split_part(region_path, '/', ${part}), 'speaker', count(*), count(*) FILTER (WHERE online)
        FROM devices WHERE region_path LIKE ${subtree} AND kind = 'speaker' AND disabled_at IS NULL GROUP BY 1`.execute(this.db);
    return rows;
  }

  /** Cameras for the picture wall, working ones first. */
  cameraWall(path: string, limit: number) {
    return this.db
      .selectFrom('cameras as c')
      .leftJoin('regions as r', 'r.code', 'c.region_code')
      .select(['c.id', 'c.name', 'c.online', 'r.name as region_name'])
      .where('c.region_path', 'like', `${path}%`)
      .where('c.enabled', '=', true)
      .orderBy('c.online', 'desc')
      .orderBy('c.name')
      .orderBy('c.id')
      .limit(limit)
      .execute();
  }

  /** Cameras and speakers with a location, at most `limit` of each. */
  async mapDevices(path: string, limit: number) {
    const subtree = `${path}%`;
    const { rows } = await sql<{ kind: 'camera' | 'speaker'; id: string; name: string; online: boolean; lon: number; lat: number }>`
      (SELECT 'camera' AS kind, id, name, online, lon, lat FROM cameras
        WHERE region_path LIKE ${subtree} AND enabled AND lon IS NOT NULL ORDER BY id LIMIT ${limit})
      UNION ALL
      (SELECT 'speaker', id, name, online, lon, lat FROM devices
        WHERE region_path LIKE ${subtree} AND kind = 'speaker' AND disabled_at IS NULL AND lon IS NOT NULL ORDER BY id LIMIT ${limit})`.execute(this.db);
    return rows;
  }

  /** The region and its children with a boundary. */
  mapRegions(code: string) {
    return this.db
      .selectFrom('regions')
      .select(['code', 'name', 'level', 'boundary'])
      .where((eb) => eb.or([eb('code', '=', code), eb('parent_code', '=', code)]))
      .where('boundary', 'is not', null)
      .orderBy('path')
      .execute();
  }
}
