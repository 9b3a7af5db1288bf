import { type Kysely, sql } from 'kysely';

/**
 * Notifications that leave the app (Web Push subscriptions, per-user preferences, a push state on
 * each notification) and device health (per-device state with its repair ticket, outages for the
 * availability figures, the 设备报修 category, cases opened by the device checker).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // push_state: null for notifications made before Web Push existed (never sent), 'pending' until
  // the dispatcher has handled it (push_due_at: when; later during quiet hours or while leased), 'done'.
  await sql`
    ALTER TABLE notifications
      ADD COLUMN severity text NOT NULL DEFAULT 'normal' CHECK (severity IN ('normal', 'high')),
      ADD COLUMN url text,
      ADD COLUMN push_state text CHECK (push_state IN ('pending', 'done')),
      ADD COLUMN push_due_at timestamptz`.execute(db);
  await sql`CREATE INDEX notifications_push_due ON notifications (push_due_at) WHERE push_state = 'pending'`.execute(db);

  await sql`
    CREATE TABLE web_push_subscriptions (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      endpoint text NOT NULL UNIQUE CHECK (length(endpoint) <= 2000),
      p256dh text NOT NULL,
      auth text NOT NULL,
      user_agent text,
      created_at timestamptz NOT NULL,
      last_ok_at timestamptz,
      last_failed_at timestamptz,
      last_error text
    )`.execute(db);
  await sql`CREATE INDEX web_push_subscriptions_user ON web_push_subscriptions (user_id)`.execute(db);

  // Minutes after local midnight (Asia/Shanghai); start = end means no quiet hours.
  await sql`
    CREATE TABLE notification_preferences (
      user_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
      push boolean NOT NULL,
      sms_must_not_miss boolean NOT NULL,
      quiet_start smallint NOT NULL CHECK (quiet_start BETWEEN 0 AND 1439),
      quiet_end smallint NOT NULL CHECK (quiet_end BETWEEN 0 AND 1439),
      updated_at timestamptz NOT NULL
    )`.execute(db);

  await sql`
    ALTER TABLE cases
      DROP CONSTRAINT cases_source_check,
      ADD CONSTRAINT cases_source_check CHECK (source IN ('app', 'open311', 'console', 'alarm', 'water', 'device'))`.execute(db);
  await sql`
    INSERT INTO case_categories (code, name, name_en, description, accept_hours, resolve_hours, allow_anonymous, is_public, report_points, handler_points, sort_order)
    VALUES ('device_repair', '设备报修', 'Device repair', '音柱、摄像头、水表等设备离线或故障', 4, 40, false, false, 0, 10, 90)
    ON CONFLICT (code) DO NOTHING`.execute(db);

  // One row per watched device: its debounced state and its open repair ticket.
  await sql`
    CREATE TABLE device_health (
      device_kind text NOT NULL CHECK (device_kind IN ('speaker', 'camera', 'water_meter')),
      device_id text NOT NULL,
      region_path text NOT NULL,
      up boolean NOT NULL,
      down_since timestamptz,
      back_since timestamptz,
      ticket_case_id uuid REFERENCES cases(id) ON DELETE SET NULL,
      watched_since timestamptz NOT NULL,
      checked_at timestamptz NOT NULL,
      PRIMARY KEY (device_kind, device_id)
    )`.execute(db);
  await sql`
    CREATE TABLE device_outages (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      device_kind text NOT NULL,
      device_id text NOT NULL,
      region_path text NOT NULL,
      started_at timestamptz NOT NULL,
      ended_at timestamptz,
      CHECK (ended_at IS NULL OR ended_at >= started_at)
    )`.execute(db);
  await sql`CREATE INDEX device_outages_region ON device_outages (region_path text_pattern_ops, started_at)`.execute(db);
  await sql`CREATE UNIQUE INDEX device_outages_open ON device_outages (device_kind, device_id) WHERE ended_at IS NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE device_outages`.execute(db);
  await sql`DROP TABLE device_health`.execute(db);
  await sql`DELETE FROM case_categories WHERE code = 'device_repair' AND NOT EXISTS (SELECT 1 FROM cases WHERE category_code = 'device_repair')`.execute(db);
  await sql`UPDATE cases SET source = 'alarm' WHERE source = 'device'`.execute(db);
  await sql`
    ALTER TABLE cases
      DROP CONSTRAINT cases_source_check,
      ADD CONSTRAINT cases_source_check CHECK (source IN ('app', 'open311', 'console', 'alarm', 'water'))`.execute(db);
  await sql`DROP TABLE notification_preferences`.execute(db);
  await sql`DROP TABLE web_push_subscriptions`.execute(db);
  await sql`ALTER TABLE notifications DROP COLUMN severity, DROP COLUMN url, DROP COLUMN push_state, DROP COLUMN push_due_at`.execute(db);
}
