import { type Kysely, sql } from 'kysely';

/**
 * 用水量异常波动预警 (water-use early warning): the meter registry, every reading (idempotent on
 * meter and time), the detectors' small state per meter, alerts with their evidence, thresholds per
 * village, and the ledger that keeps a household to one text per meter, alert type and day.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE water_meters (
      id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{2,63}$'),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
      kind text NOT NULL CHECK (kind IN ('household', 'shared', 'village_main')),
      -- the household of the households module it measures (no foreign key: that module owns the table)
      household_id uuid,
      region_code text NOT NULL REFERENCES regions(code) ON DELETE RESTRICT,
      region_path text NOT NULL,
      address text CHECK (length(address) <= 200),
      lon double precision CHECK (lon BETWEEN -180 AND 180),
      lat double precision CHECK (lat BETWEEN -90 AND 90),
      -- who is texted about it, and whether a silent meter means someone may need a visit
      contact_name text CHECK (length(contact_name) <= 50),
      contact_phone text CHECK (contact_phone ~ '^1[3-9][0-9]{9}$'),
      elderly boolean NOT NULL DEFAULT false,
      lives_alone boolean NOT NULL DEFAULT false,
      -- MQTT credentials (Mosquitto's $7$ PBKDF2 hash); null: readings come over HTTP or CSV only
      secret_hash text,
      enabled boolean NOT NULL DEFAULT true,
      -- the detectors' state (src/modules/water/detectors/meter-processor.ts), about 1.5 kB
      state jsonb,
      last_reading_at timestamptz,
      last_litres double precision,
      readings_count bigint NOT NULL DEFAULT 0,
      rejected_messages integer NOT NULL DEFAULT 0,
      last_rejected_at timestamptz,
      last_rejected_reason text,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      CHECK ((lon IS NULL) = (lat IS NULL))
    )`.execute(db);
  await sql`CREATE INDEX water_meters_region ON water_meters (region_path text_pattern_ops, id)`.execute(db);
  await sql`CREATE INDEX water_meters_household ON water_meters (household_id) WHERE household_id IS NOT NULL`.execute(db);

  await sql`
    CREATE TABLE water_readings (
      meter_id text NOT NULL REFERENCES water_meters(id) ON DELETE CASCADE,
      at timestamptz NOT NULL,
      litres double precision NOT NULL CHECK (litres >= 0),
      -- what the detectors made of it: ok, the first, late (older than the last used), a fault
      verdict text NOT NULL CHECK (verdict IN ('first', 'ok', 'late', 'backwards', 'jump')),
      source text NOT NULL CHECK (source IN ('mqtt', 'http', 'csv')),
      received_at timestamptz NOT NULL,
      PRIMARY KEY (meter_id, at)
    )`.execute(db);

  await sql`
    CREATE TABLE water_alerts (
      id uuid PRIMARY KEY,
      meter_id text NOT NULL REFERENCES water_meters(id) ON DELETE CASCADE,
      meter_name text NOT NULL,
      region_code text NOT NULL,
      region_path text NOT NULL,
      household_id uuid,
      type text NOT NULL CHECK (type IN ('leak', 'burst', 'spike', 'zero', 'fault')),
      -- the reading that raised it (detections are dated by the readings, not by when they arrived)
      started_at timestamptz NOT NULL,
      ended_at timestamptz,
      end_reason text,
      evidence jsonb NOT NULL,
      sms text NOT NULL DEFAULT 'none' CHECK (sms IN ('none', 'queued', 'deferred', 'limited', 'no_phone', 'stale')),
      sms_due_at timestamptz,
      case_id uuid,
      acknowledged_by uuid REFERENCES users(id) ON DELETE SET NULL,
      acknowledged_by_name text,
      acknowledged_at timestamptz,
      note text CHECK (length(note) <= 500),
      created_at timestamptz NOT NULL,
      UNIQUE (meter_id, type, started_at)
    )`.execute(db);
  // At most one open alert per meter and type: the detectors' state says the same.
  await sql`CREATE UNIQUE INDEX water_alerts_open ON water_alerts (meter_id, type) WHERE ended_at IS NULL`.execute(db);
  await sql`CREATE INDEX water_alerts_region ON water_alerts (region_path text_pattern_ops, started_at DESC)`.execute(db);
  await sql`CREATE INDEX water_alerts_meter ON water_alerts (meter_id, started_at DESC)`.execute(db);

  await sql`
    CREATE TABLE water_settings (
      region_code text PRIMARY KEY REFERENCES regions(code) ON DELETE CASCADE,
      region_path text NOT NULL,
      -- overrides of the detectors' defaults (src/modules/water/detectors/settings.ts)
      thresholds jsonb NOT NULL DEFAULT '{}',
      quiet_start smallint CHECK (quiet_start BETWEEN 0 AND 1439),
      quiet_end smallint CHECK (quiet_end BETWEEN 0 AND 1439),
      updated_by uuid REFERENCES users(id) ON DELETE SET NULL,
      updated_at timestamptz NOT NULL
    )`.execute(db);

  await sql`
    CREATE TABLE water_sms_sent (
      meter_id text NOT NULL REFERENCES water_meters(id) ON DELETE CASCADE,
      type text NOT NULL,
      -- the local (Asia/Shanghai) day the text went out: one per meter, type and day
      day date NOT NULL,
      alert_id uuid NOT NULL,
      sent_at timestamptz NOT NULL,
      PRIMARY KEY (meter_id, type, day)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['water_sms_sent', 'water_settings', 'water_alerts', 'water_readings', 'water_meters']) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
  }
}
