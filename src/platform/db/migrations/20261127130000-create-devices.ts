import { type Kysely, sql } from 'kysely';

/**
 * Devices that speak MQTT to the platform: loudspeaker pillars (智能音柱) now, cameras later.
 * The id is also the device's MQTT username and client id. `secret_hash` is PBKDF2-SHA512 in
 * Mosquitto's password-file format. `volume` is what the platform wants, `reported_volume` what
 * the device last said. Malformed messages are counted per device, never applied.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE devices (
      id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{2,63}$'),
      kind text NOT NULL CHECK (kind IN ('speaker')),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
      region_code text NOT NULL REFERENCES regions(code) ON DELETE RESTRICT,
      region_path text NOT NULL,
      lon double precision CHECK (lon BETWEEN -180 AND 180),
      lat double precision CHECK (lat BETWEEN -90 AND 90),
      bound_camera_id text,
      secret_hash text NOT NULL,
      volume integer NOT NULL DEFAULT 60 CHECK (volume BETWEEN 0 AND 100),
      reported_volume integer CHECK (reported_volume BETWEEN 0 AND 100),
      playing_command_id text,
      firmware text,
      online boolean NOT NULL DEFAULT false,
      online_changed_at timestamptz,
      last_seen_at timestamptz,
      rejected_messages integer NOT NULL DEFAULT 0 CHECK (rejected_messages >= 0),
      last_rejected_at timestamptz,
      last_rejected_reason text,
      disabled_at timestamptz,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      CHECK ((lon IS NULL) = (lat IS NULL)),
      CHECK (NOT (online AND disabled_at IS NOT NULL))
    )`.execute(db);
  await sql`CREATE INDEX devices_region ON devices (region_path text_pattern_ops, id)`.execute(db);
  await sql`CREATE INDEX devices_online_seen ON devices (last_seen_at) WHERE online`.execute(db);
  await sql`CREATE INDEX devices_camera ON devices (bound_camera_id) WHERE bound_camera_id IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS devices`.execute(db);
}
