import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE broadcast_schedules (
      id uuid PRIMARY KEY,
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
      repeat_kind text NOT NULL CHECK (repeat_kind IN ('once', 'daily', 'weekly')),
      run_date date,
      time_of_day text NOT NULL CHECK (time_of_day ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
      weekdays smallint[] NOT NULL DEFAULT '{}',
      template jsonb NOT NULL,
      region_path text NOT NULL,
      active boolean NOT NULL DEFAULT true,
      next_run_at timestamptz,
      created_by uuid REFERENCES users(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      CHECK (repeat_kind <> 'once' OR run_date IS NOT NULL),
      CHECK (repeat_kind <> 'weekly' OR cardinality(weekdays) > 0)
    )`.execute(db);
  await sql`CREATE INDEX broadcast_schedules_region ON broadcast_schedules (region_path text_pattern_ops)`.execute(db);

  await sql`
    CREATE TABLE broadcasts (
      id uuid PRIMARY KEY,
      title text NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
      kind text NOT NULL CHECK (kind IN ('routine', 'emergency', 'alarm')),
      priority smallint NOT NULL CHECK (priority BETWEEN 0 AND 9),
      text text,
      voice text,
      clip_id uuid NOT NULL,
      duration_ms integer NOT NULL,
      volume smallint CHECK (volume BETWEEN 0 AND 100),
      repeat smallint NOT NULL DEFAULT 1 CHECK (repeat BETWEEN 1 AND 20),
      target_type text NOT NULL CHECK (target_type IN ('speakers', 'villages', 'township')),
      target_codes text[] NOT NULL,
      region_path text NOT NULL,
      status text NOT NULL CHECK (status IN ('active', 'completed', 'cancelled', 'expired')),
      schedule_id uuid REFERENCES broadcast_schedules(id) ON DELETE SET NULL,
      source_ref text,
      created_by uuid REFERENCES users(id) ON DELETE SET NULL,
      created_by_name text,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      completed_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX broadcasts_region ON broadcasts (region_path text_pattern_ops, created_at DESC)`.execute(db);
  await sql`CREATE INDEX broadcasts_active ON broadcasts (status) WHERE status = 'active'`.execute(db);

  // One row per speaker and broadcast: its delivery state as the speaker acknowledges it.
  await sql`
    CREATE TABLE broadcast_deliveries (
      broadcast_id uuid NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
      device_id text NOT NULL,
      priority smallint NOT NULL,
      state text NOT NULL CHECK (state IN ('pending', 'sent', 'received', 'playing', 'interrupted', 'finished', 'failed', 'expired', 'cancelled')),
      command_id text,
      attempts integer NOT NULL DEFAULT 0,
      reason text,
      created_at timestamptz NOT NULL,
      sent_at timestamptz,
      started_at timestamptz,
      finished_at timestamptz,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (broadcast_id, device_id)
    )`.execute(db);
  await sql`CREATE INDEX broadcast_deliveries_device ON broadcast_deliveries (device_id, state, priority DESC, created_at)`.execute(db);
  // A command id is unique per speaker (the same play goes to many speakers under one id).
  await sql`CREATE UNIQUE INDEX broadcast_deliveries_command ON broadcast_deliveries (device_id, command_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['broadcast_deliveries', 'broadcasts', 'broadcast_schedules']) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
  }
}
