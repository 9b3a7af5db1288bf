import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Durable timers and background work: claimed with FOR UPDATE SKIP LOCKED, so each job runs once
  // even with several server processes, and its effects commit together with its completion.
  await sql`
    CREATE TABLE jobs (
      id bigserial PRIMARY KEY,
      kind text NOT NULL,
      run_at timestamptz NOT NULL,
      payload jsonb NOT NULL DEFAULT '{}',
      dedupe_key text UNIQUE,
      attempts integer NOT NULL DEFAULT 0,
      last_error text,
      done_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX jobs_due ON jobs (run_at) WHERE done_at IS NULL`.execute(db);

  // Dates that break the weekday rule: holidays (false) and adjusted working weekends (true).
  await sql`
    CREATE TABLE calendar_overrides (
      date date PRIMARY KEY,
      is_workday boolean NOT NULL,
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  await sql`
    CREATE TABLE case_categories (
      code text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{1,39}$'),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 30),
      name_en text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 60),
      description text NOT NULL DEFAULT '',
      accept_hours numeric(6,2) NOT NULL CHECK (accept_hours > 0),
      resolve_hours numeric(6,2) NOT NULL CHECK (resolve_hours > 0),
      allow_anonymous boolean NOT NULL DEFAULT false,
      is_public boolean NOT NULL DEFAULT false,
      report_points integer NOT NULL DEFAULT 0,
      handler_points integer NOT NULL DEFAULT 0,
      sort_order integer NOT NULL DEFAULT 0,
      active boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  await sql`
    CREATE TABLE cases (
      id uuid PRIMARY KEY,
      number text NOT NULL UNIQUE,
      category_code text NOT NULL REFERENCES case_categories(code),
      state text NOT NULL CHECK (state IN ('submitted', 'accepted', 'resolved', 'closed', 'rejected')),
      level text NOT NULL CHECK (level IN ('grid', 'village', 'township')),
      description text NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
      address text,
      lon double precision,
      lat double precision,
      region_path text NOT NULL,
      township_code text REFERENCES regions(code),
      village_code text REFERENCES regions(code),
      grid_code text REFERENCES regions(code),
      -- Names as they were when the case was made, so the case reads without other modules' tables.
      village_name text,
      grid_name text,
      source text NOT NULL CHECK (source IN ('app', 'open311', 'console', 'alarm')),
      reporter_id uuid REFERENCES users(id) ON DELETE SET NULL,
      reporter_name text,
      reporter_phone text,
      anonymous boolean NOT NULL DEFAULT false,
      sms_opt_in boolean NOT NULL DEFAULT false,
      assignee_id uuid REFERENCES users(id) ON DELETE SET NULL,
      assignee_name text,
      resolver_id uuid REFERENCES users(id) ON DELETE SET NULL,
      evaluator_id uuid REFERENCES users(id) ON DELETE SET NULL,
      duplicate_of uuid REFERENCES cases(id),
      support_count integer NOT NULL DEFAULT 0,
      dispute_count integer NOT NULL DEFAULT 0,
      return_count integer NOT NULL DEFAULT 0,
      escalation_count integer NOT NULL DEFAULT 0,
      accept_due_at timestamptz,
      resolve_due_at timestamptz,
      accepted_at timestamptz,
      resolved_at timestamptz,
      closed_at timestamptz,
      rejected_at timestamptz,
      resolution_note text,
      reject_reason text,
      evaluation_comment text,
      rating smallint CHECK (rating BETWEEN 1 AND 5),
      rating_comment text,
      rated_at timestamptz,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      version integer NOT NULL DEFAULT 1
    )`.execute(db);
  await sql`CREATE INDEX cases_region ON cases (region_path text_pattern_ops, created_at DESC)`.execute(db);
  await sql`CREATE INDEX cases_state_due ON cases (state, accept_due_at, resolve_due_at)`.execute(db);
  await sql`CREATE INDEX cases_reporter ON cases (reporter_id, created_at DESC)`.execute(db);
  await sql`CREATE INDEX cases_assignee ON cases (assignee_id) WHERE state IN ('submitted', 'accepted')`.execute(db);
  await sql`CREATE INDEX cases_location ON cases (lat, lon) WHERE state IN ('submitted', 'accepted', 'resolved')`.execute(db);
  await sql`CREATE SEQUENCE case_number_seq`.execute(db);

  await sql`
    CREATE TABLE case_events (
      id bigserial PRIMARY KEY,
      case_id uuid NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
      at timestamptz NOT NULL,
      type text NOT NULL,
      actor_id uuid REFERENCES users(id) ON DELETE SET NULL,
      actor_name text,
      actor_role text,
      from_state text,
      to_state text,
      from_level text,
      to_level text,
      note text,
      photo_ids uuid[] NOT NULL DEFAULT '{}',
      automatic boolean NOT NULL DEFAULT false
    )`.execute(db);
  await sql`CREATE INDEX case_events_case ON case_events (case_id, id)`.execute(db);

  await sql`
    CREATE TABLE case_supports (
      case_id uuid NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (case_id, user_id)
    )`.execute(db);
  await sql`CREATE INDEX case_supports_user ON case_supports (user_id)`.execute(db);

  await sql`
    CREATE TABLE notifications (
      id bigserial PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      kind text NOT NULL,
      title text NOT NULL,
      body text NOT NULL,
      case_id uuid REFERENCES cases(id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL,
      read_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX notifications_user ON notifications (user_id, id DESC)`.execute(db);

  await sql`
    CREATE TABLE sms_outbox (
      id bigserial PRIMARY KEY,
      phone text NOT NULL,
      body text NOT NULL,
      region_path text NOT NULL,
      reference text,
      status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
      provider text,
      error text,
      created_at timestamptz NOT NULL,
      sent_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX sms_outbox_queued ON sms_outbox (id) WHERE status = 'queued'`.execute(db);
  await sql`CREATE INDEX sms_outbox_region ON sms_outbox (region_path text_pattern_ops, id DESC)`.execute(db);

  await sql`
    CREATE TABLE open311_keys (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      key_hash text NOT NULL UNIQUE,
      name text NOT NULL,
      region_code text NOT NULL REFERENCES regions(code),
      created_by uuid REFERENCES users(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL,
      revoked_at timestamptz
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['open311_keys', 'sms_outbox', 'notifications', 'case_supports', 'case_events', 'cases', 'case_categories', 'calendar_overrides', 'jobs']) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
  }
  await sql`DROP SEQUENCE IF EXISTS case_number_seq`.execute(db);
}
