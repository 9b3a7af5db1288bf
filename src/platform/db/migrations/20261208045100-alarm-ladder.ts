import { type Kysely, sql } from 'kysely';

/**
 * The alarm ladder: a zone may set its own minutes before each escalation step (null: the
 * township default from config); each alarm keeps the step it reached and its history — raised,
 * each step with who was told how, acknowledged, false alarm, turned into a case, warned again.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE camera_zones ADD COLUMN ladder_minutes real[]`.execute(db);
  await sql`ALTER TABLE alarms ADD COLUMN ladder_step smallint NOT NULL DEFAULT 0`.execute(db);
  await sql`
    CREATE TABLE alarm_events (
      id bigserial PRIMARY KEY,
      alarm_id uuid NOT NULL REFERENCES alarms(id) ON DELETE CASCADE,
      at timestamptz NOT NULL,
      kind text NOT NULL CHECK (kind IN ('raised', 'escalated', 'acknowledged', 'false_positive', 'case_created', 'warned_again')),
      step smallint,
      actor_id uuid REFERENCES users(id),
      actor_name text,
      -- [{ userId, name, role, channels: ['app', 'sms'] }]
      recipients jsonb NOT NULL DEFAULT '[]',
      note text
    )`.execute(db);
  await sql`CREATE INDEX alarm_events_alarm ON alarm_events (alarm_id, at, id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE alarm_events`.execute(db);
  await sql`ALTER TABLE alarms DROP COLUMN ladder_step`.execute(db);
  await sql`ALTER TABLE camera_zones DROP COLUMN ladder_minutes`.execute(db);
}
