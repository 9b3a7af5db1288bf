import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE regions (
      code text PRIMARY KEY CHECK (code ~ '^[0-9A-Za-z-]{1,32}$'),
      parent_code text REFERENCES regions(code) ON DELETE RESTRICT,
      level text NOT NULL CHECK (level IN ('county', 'township', 'village', 'grid')),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
      path text NOT NULL UNIQUE,
      boundary jsonb,
      min_lon double precision, min_lat double precision,
      max_lon double precision, max_lat double precision,
      centre_lon double precision, centre_lat double precision,
      area_km2 double precision CHECK (area_km2 >= 0),
      registered_population integer CHECK (registered_population >= 0),
      resident_population integer CHECK (resident_population >= 0),
      households integer CHECK (households >= 0),
      boundary_illustrative boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK (level = 'county' OR parent_code IS NOT NULL)
    )`.execute(db);
  await sql`CREATE INDEX regions_path_prefix ON regions (path text_pattern_ops)`.execute(db);
  await sql`CREATE INDEX regions_parent ON regions (parent_code)`.execute(db);
  await sql`CREATE INDEX regions_grid_bbox ON regions (min_lon, max_lon, min_lat, max_lat) WHERE level = 'grid'`.execute(db);

  await sql`
    CREATE TABLE users (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      phone text NOT NULL UNIQUE,
      name text NOT NULL,
      role text NOT NULL CHECK (role IN ('admin', 'township_staff', 'village_cadre', 'branch_secretary', 'grid_worker', 'villager')),
      region_code text NOT NULL REFERENCES regions(code) ON DELETE RESTRICT,
      password_hash text NOT NULL,
      must_change_password boolean NOT NULL DEFAULT false,
      is_demo boolean NOT NULL DEFAULT false,
      disabled_at timestamptz,
      last_login_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX users_region ON users (region_code)`.execute(db);

  await sql`
    CREATE TABLE sessions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      token_hash text NOT NULL UNIQUE,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      revoked_at timestamptz,
      ip text,
      user_agent text
    )`.execute(db);
  await sql`CREATE INDEX sessions_user ON sessions (user_id)`.execute(db);

  await sql`
    CREATE TABLE login_attempts (
      id bigserial PRIMARY KEY,
      phone text NOT NULL,
      ip text NOT NULL,
      succeeded boolean NOT NULL,
      at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX login_attempts_phone ON login_attempts (phone, at)`.execute(db);
  await sql`CREATE INDEX login_attempts_ip ON login_attempts (ip, at)`.execute(db);

  await sql`
    CREATE TABLE audit_events (
      id bigserial PRIMARY KEY,
      at timestamptz NOT NULL,
      actor_id uuid REFERENCES users(id) ON DELETE SET NULL,
      actor_role text,
      action text NOT NULL,
      target_type text NOT NULL,
      target_id text NOT NULL,
      region_path text NOT NULL,
      details jsonb NOT NULL DEFAULT '{}',
      request_id text,
      ip text
    )`.execute(db);
  await sql`CREATE INDEX audit_events_region ON audit_events (region_path text_pattern_ops, at DESC)`.execute(db);
  await sql`CREATE INDEX audit_events_target ON audit_events (target_type, target_id)`.execute(db);

  await sql`
    CREATE TABLE platform_meta (
      key text PRIMARY KEY,
      value jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['platform_meta', 'audit_events', 'login_attempts', 'sessions', 'users', 'regions']) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
  }
}
