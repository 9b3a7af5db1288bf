import { type Kysely, sql } from 'kysely';

/**
 * 平安乡村: cameras, the warning zones drawn on their pictures, and the alarms raised when someone
 * is seen inside a zone. Points are normalised image coordinates (0–1). Alarms keep the names of
 * their camera and zone, so they stay readable after either is removed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE cameras (
      id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{2,63}$'),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
      region_code text NOT NULL REFERENCES regions(code) ON DELETE RESTRICT,
      region_path text NOT NULL,
      lon double precision CHECK (lon BETWEEN -180 AND 180),
      lat double precision CHECK (lat BETWEEN -90 AND 90),
      stream_url text,
      detect boolean NOT NULL DEFAULT true,
      detect_fps real NOT NULL DEFAULT 2 CHECK (detect_fps > 0 AND detect_fps <= 10),
      external_name text UNIQUE,
      webhook_secret_hash text NOT NULL,
      frame_width integer CHECK (frame_width > 0),
      frame_height integer CHECK (frame_height > 0),
      enabled boolean NOT NULL DEFAULT true,
      online boolean NOT NULL DEFAULT false,
      online_changed_at timestamptz,
      last_frame_at timestamptz,
      last_error text,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      CHECK ((lon IS NULL) = (lat IS NULL))
    )`.execute(db);
  await sql`CREATE INDEX cameras_region ON cameras (region_path text_pattern_ops, id)`.execute(db);

  await sql`
    CREATE TABLE camera_zones (
      id uuid PRIMARY KEY,
      camera_id text NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
      kind text NOT NULL CHECK (kind IN ('drowning', 'straw_burning', 'dumping', 'security', 'other')),
      enabled boolean NOT NULL DEFAULT true,
      polygon jsonb NOT NULL,
      object_class text NOT NULL DEFAULT 'person',
      min_score real NOT NULL CHECK (min_score BETWEEN 0 AND 1),
      anchor text NOT NULL CHECK (anchor IN ('bottom_center', 'center', 'box_share')),
      min_box_share real NOT NULL CHECK (min_box_share BETWEEN 0 AND 1),
      inertia_frames integer NOT NULL CHECK (inertia_frames BETWEEN 1 AND 50),
      min_dwell_seconds integer NOT NULL CHECK (min_dwell_seconds BETWEEN 0 AND 3600),
      min_box_area real NOT NULL CHECK (min_box_area BETWEEN 0 AND 1),
      max_box_area real NOT NULL CHECK (max_box_area BETWEEN 0 AND 1),
      schedules jsonb NOT NULL DEFAULT '[]',
      cooldown_seconds integer NOT NULL CHECK (cooldown_seconds BETWEEN 0 AND 86400),
      severity text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
      warning_text text NOT NULL CHECK (length(warning_text) BETWEEN 1 AND 200),
      voice text,
      play_on_speaker boolean NOT NULL DEFAULT true,
      notify_grid_worker boolean NOT NULL DEFAULT true,
      create_case boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      CHECK (min_box_area <= max_box_area)
    )`.execute(db);
  await sql`CREATE INDEX camera_zones_camera ON camera_zones (camera_id)`.execute(db);

  await sql`
    CREATE TABLE alarms (
      id uuid PRIMARY KEY,
      -- one alarm per (source, track, zone presence): a retried or replayed detection finds it
      dedupe_key text NOT NULL UNIQUE,
      camera_id text REFERENCES cameras(id) ON DELETE SET NULL,
      camera_name text NOT NULL,
      zone_id uuid REFERENCES camera_zones(id) ON DELETE SET NULL,
      zone_name text NOT NULL,
      kind text NOT NULL,
      severity text NOT NULL,
      region_code text NOT NULL,
      region_path text NOT NULL,
      source text NOT NULL CHECK (source IN ('detector', 'frigate', 'webhook')),
      track_id text NOT NULL,
      label text NOT NULL,
      score real NOT NULL,
      box jsonb NOT NULL,
      entered_at timestamptz NOT NULL,
      raised_at timestamptz NOT NULL,
      snapshot_key text,
      warning_text text NOT NULL,
      broadcast_id uuid,
      speaker_ids text[] NOT NULL DEFAULT '{}',
      state text NOT NULL CHECK (state IN ('open', 'acknowledged', 'false_positive', 'case_created')),
      case_id uuid,
      handled_by uuid REFERENCES users(id) ON DELETE SET NULL,
      handled_by_name text,
      handled_at timestamptz,
      note text
    )`.execute(db);
  await sql`CREATE INDEX alarms_region ON alarms (region_path text_pattern_ops, raised_at DESC)`.execute(db);
  await sql`CREATE INDEX alarms_camera ON alarms (camera_id, raised_at DESC)`.execute(db);
  await sql`CREATE INDEX alarms_zone ON alarms (zone_id, state)`.execute(db);
  await sql`CREATE INDEX alarms_open ON alarms (raised_at DESC) WHERE state = 'open'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['alarms', 'camera_zones', 'cameras']) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
  }
}
