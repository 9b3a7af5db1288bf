import { type Kysely, sql } from 'kysely';

/** Cases opened by the water module (a silent household to visit) say so, instead of passing as camera alarms. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE cases
      DROP CONSTRAINT cases_source_check,
      ADD CONSTRAINT cases_source_check CHECK (source IN ('app', 'open311', 'console', 'alarm', 'water'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`UPDATE cases SET source = 'alarm' WHERE source = 'water'`.execute(db);
  await sql`
    ALTER TABLE cases
      DROP CONSTRAINT cases_source_check,
      ADD CONSTRAINT cases_source_check CHECK (source IN ('app', 'open311', 'console', 'alarm'))`.execute(db);
}
