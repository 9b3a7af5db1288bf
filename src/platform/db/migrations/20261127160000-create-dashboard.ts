import { type Kysely, sql } from 'kysely';

/**
 * 智慧大屏 read models: counters kept current from domain events (the dashboard module), keyed by
 * region at every level of an item's path — grid, village, township and county each have their own
 * row, so a township's figures are one primary-key lookup. Days and months are China (UTC+8)
 * calendar dates. Only a window (the previous month onwards) is kept: that is all the screen
 * shows, and it bounds what a rebuild from the source tables reads.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per case that contributes to a counter: what it contributed, so a later change of the
  // case (closed, disputed, rated, overdue) applies exactly the difference, and a repeated event none.
  await sql`
    CREATE TABLE dashboard_case_facts (
      case_id uuid PRIMARY KEY,
      region_path text NOT NULL,
      category_code text NOT NULL,
      reported_day date NOT NULL,
      closed_day date,
      handling_hours double precision,
      rated_day date,
      rating smallint,
      is_open boolean NOT NULL,
      is_overdue boolean NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX dashboard_case_facts_region ON dashboard_case_facts (region_path text_pattern_ops)`.execute(db);

  await sql`
    CREATE TABLE dashboard_daily (
      region_code text NOT NULL,
      day date NOT NULL,
      cases_reported integer NOT NULL DEFAULT 0,
      -- of the cases reported that day, those closed now (the closure rate of a month's reports)
      cases_reported_closed integer NOT NULL DEFAULT 0,
      cases_closed integer NOT NULL DEFAULT 0,
      handling_hours double precision NOT NULL DEFAULT 0,
      ratings_sum integer NOT NULL DEFAULT 0,
      ratings_count integer NOT NULL DEFAULT 0,
      broadcasts integer NOT NULL DEFAULT 0,
      plays integer NOT NULL DEFAULT 0,
      PRIMARY KEY (region_code, day)
    )`.execute(db);

  await sql`
    CREATE TABLE dashboard_alarms_daily (
      region_code text NOT NULL,
      day date NOT NULL,
      kind text NOT NULL,
      alarms integer NOT NULL DEFAULT 0,
      PRIMARY KEY (region_code, day, kind)
    )`.execute(db);

  await sql`
    CREATE TABLE dashboard_category_month (
      region_code text NOT NULL,
      month date NOT NULL,
      category_code text NOT NULL,
      cases integer NOT NULL DEFAULT 0,
      PRIMARY KEY (region_code, month, category_code)
    )`.execute(db);

  await sql`
    CREATE TABLE dashboard_gauges (
      region_code text PRIMARY KEY,
      open_cases integer NOT NULL DEFAULT 0,
      overdue_cases integer NOT NULL DEFAULT 0
    )`.execute(db);

  // The last week's alarms of each region, newest first by the primary key; a row per level of
  // the alarm's path also makes counting an alarm idempotent per region.
  await sql`
    CREATE TABLE dashboard_alarm_feed (
      region_code text NOT NULL,
      raised_at timestamptz NOT NULL,
      alarm_id uuid NOT NULL,
      PRIMARY KEY (region_code, raised_at, alarm_id)
    )`.execute(db);

  // Broadcasts and finished plays of the last week already counted ('broadcast:<id>',
  // 'play:<broadcast>:<device>'), so a repeated event counts once.
  await sql`
    CREATE TABLE dashboard_marks (
      item text PRIMARY KEY,
      region_path text NOT NULL,
      day date NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX dashboard_marks_region ON dashboard_marks (region_path text_pattern_ops)`.execute(db);

  // For the windowed rebuild: cases changed since the window opened (every change sets updated_at),
  // alarms and finished plays by time, without reading their whole history.
  await sql`CREATE INDEX cases_updated ON cases (updated_at)`.execute(db);
  await sql`CREATE INDEX alarms_raised ON alarms (raised_at)`.execute(db);
  await sql`CREATE INDEX broadcast_deliveries_finished ON broadcast_deliveries (finished_at) WHERE state = 'finished'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS broadcast_deliveries_finished`.execute(db);
  await sql`DROP INDEX IF EXISTS alarms_raised`.execute(db);
  await sql`DROP INDEX IF EXISTS cases_updated`.execute(db);
  for (const table of ['dashboard_marks', 'dashboard_alarm_feed', 'dashboard_gauges', 'dashboard_category_month', 'dashboard_alarms_daily', 'dashboard_daily', 'dashboard_case_facts']) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
  }
}
