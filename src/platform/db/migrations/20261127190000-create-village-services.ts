import { type Kysely, sql } from 'kysely';

/**
 * 乡村信息、办证办事、养老: notices and village-affairs disclosures with their read receipts; the
 * catalogue of service guides and villagers' 预约/代办 requests with their history; the register of
 * elderly residents, their visit plans, visits (tasks and records), alerts and meal deliveries;
 * the files (photos, PDFs, spreadsheets) attached to notices and visits.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // ---- notices (通知公告, 村务公开, 新闻) ---------------------------------------------------------
  await sql`
    CREATE TABLE notices (
      id uuid PRIMARY KEY,
      kind text NOT NULL CHECK (kind IN ('notice', 'affairs', 'news')),
      affairs_category text CHECK (affairs_category IN ('finance', 'subsidy', 'decision', 'other')),
      title text NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
      body text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
      region_code text NOT NULL REFERENCES regions(code),
      region_path text NOT NULL,
      state text NOT NULL CHECK (state IN ('draft', 'published', 'withdrawn')),
      pinned boolean NOT NULL DEFAULT false,
      read_count integer NOT NULL DEFAULT 0 CHECK (read_count >= 0),
      broadcast_id uuid,
      published_at timestamptz,
      withdrawn_at timestamptz,
      withdraw_reason text,
      created_by uuid REFERENCES users(id) ON DELETE SET NULL,
      created_by_name text NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      CHECK ((kind = 'affairs') = (affairs_category IS NOT NULL)),
      CHECK ((state = 'draft') = (published_at IS NULL)),
      CHECK ((state = 'withdrawn') = (withdrawn_at IS NOT NULL))
    )`.execute(db);
  await sql`CREATE INDEX notices_region ON notices (region_path text_pattern_ops, published_at DESC)`.execute(db);
  await sql`CREATE INDEX notices_published ON notices (published_at DESC) WHERE state = 'published'`.execute(db);
  await sql`
    CREATE TABLE notice_reads (
      notice_id uuid NOT NULL REFERENCES notices(id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      read_at timestamptz NOT NULL,
      PRIMARY KEY (notice_id, user_id)
    )`.execute(db);

  // ---- service guides (办证办事) and requests (预约/代办) ----------------------------------------
  await sql`
    CREATE TABLE service_guides (
      id uuid PRIMARY KEY,
      region_code text NOT NULL REFERENCES regions(code),
      region_path text NOT NULL,
      code text NOT NULL CHECK (code ~ '^[a-z][a-z0-9_]{1,39}$'),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 40),
      category text NOT NULL CHECK (category IN ('household', 'social_security', 'civil_affairs', 'land', 'disability', 'other')),
      keywords text NOT NULL DEFAULT '' CHECK (length(keywords) <= 200),
      summary text NOT NULL CHECK (length(summary) BETWEEN 1 AND 300),
      conditions text NOT NULL CHECK (length(conditions) BETWEEN 1 AND 2000),
      materials jsonb NOT NULL DEFAULT '[]',
      office text NOT NULL CHECK (length(office) BETWEEN 1 AND 200),
      phone text CHECK (length(phone) <= 40),
      hours text NOT NULL CHECK (length(hours) BETWEEN 1 AND 200),
      fees text NOT NULL CHECK (length(fees) BETWEEN 1 AND 200),
      time_limit text NOT NULL CHECK (length(time_limit) BETWEEN 1 AND 200),
      allow_appointment boolean NOT NULL DEFAULT true,
      allow_proxy boolean NOT NULL DEFAULT true,
      active boolean NOT NULL DEFAULT true,
      sort_order integer NOT NULL DEFAULT 100,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      UNIQUE (region_path, code)
    )`.execute(db);
  await sql`CREATE INDEX service_guides_region ON service_guides (region_path text_pattern_ops, sort_order)`.execute(db);
  await sql`CREATE SEQUENCE service_request_number_seq`.execute(db);
  await sql`
    CREATE TABLE service_requests (
      id uuid PRIMARY KEY,
      number text NOT NULL UNIQUE,
      guide_id uuid NOT NULL REFERENCES service_guides(id) ON DELETE RESTRICT,
      guide_name text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('appointment', 'proxy')),
      state text NOT NULL CHECK (state IN ('submitted', 'accepted', 'awaiting_materials', 'completed', 'rejected', 'cancelled')),
      requester_id uuid NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
      requester_name text NOT NULL,
      contact_phone text NOT NULL,
      region_code text NOT NULL REFERENCES regions(code),
      region_path text NOT NULL,
      preferred_date date,
      note text CHECK (length(note) <= 500),
      handler_id uuid REFERENCES users(id) ON DELETE SET NULL,
      handler_name text,
      appointment_at timestamptz,
      result text,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      closed_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX service_requests_region ON service_requests (region_path text_pattern_ops, created_at DESC)`.execute(db);
  await sql`CREATE INDEX service_requests_requester ON service_requests (requester_id, created_at DESC)`.execute(db);
  await sql`
    CREATE TABLE service_request_events (
      id bigserial PRIMARY KEY,
      request_id uuid NOT NULL REFERENCES service_requests(id) ON DELETE CASCADE,
      at timestamptz NOT NULL,
      action text NOT NULL,
      from_state text,
      to_state text NOT NULL,
      actor_id uuid REFERENCES users(id) ON DELETE SET NULL,
      actor_name text NOT NULL,
      actor_role text NOT NULL,
      note text
    )`.execute(db);
  await sql`CREATE INDEX service_request_events_request ON service_request_events (request_id, id)`.execute(db);

  // ---- elderly care (养老) ------------------------------------------------------------------
  await sql`
    CREATE TABLE elderly_residents (
      id uuid PRIMARY KEY,
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
      gender text CHECK (gender IN ('male', 'female')),
      birth_date date NOT NULL,
      phone text,
      address text CHECK (length(address) <= 200),
      user_id uuid UNIQUE REFERENCES users(id) ON DELETE SET NULL,
      household_id uuid REFERENCES households(id) ON DELETE SET NULL,
      region_code text NOT NULL REFERENCES regions(code),
      region_path text NOT NULL,
      living_alone boolean NOT NULL DEFAULT false,
      mobility text NOT NULL CHECK (mobility IN ('independent', 'assisted', 'bedridden')),
      emergency_contact_name text CHECK (length(emergency_contact_name) <= 50),
      emergency_contact_phone text,
      -- for carers only (grid workers, village cadres): never in lists, never to villagers or township staff
      health_notes text CHECK (length(health_notes) <= 2000),
      status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'moved', 'deceased')),
      created_by uuid REFERENCES users(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX elderly_residents_region ON elderly_residents (region_path text_pattern_ops, name)`.execute(db);
  await sql`CREATE INDEX elderly_residents_household ON elderly_residents (household_id) WHERE household_id IS NOT NULL`.execute(db);
  await sql`
    CREATE TABLE elderly_visit_plans (
      resident_id uuid PRIMARY KEY REFERENCES elderly_residents(id) ON DELETE CASCADE,
      frequency text NOT NULL CHECK (frequency IN ('weekly', 'monthly', 'quarterly')),
      starts_on date NOT NULL,
      carer_id uuid REFERENCES users(id) ON DELETE SET NULL,
      active boolean NOT NULL DEFAULT true,
      note text CHECK (length(note) <= 200),
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    )`.execute(db);
  await sql`
    CREATE TABLE elderly_visits (
      id uuid PRIMARY KEY,
      resident_id uuid NOT NULL REFERENCES elderly_residents(id) ON DELETE CASCADE,
      region_path text NOT NULL,
      reason text NOT NULL CHECK (reason IN ('plan', 'alert', 'other')),
      state text NOT NULL CHECK (state IN ('open', 'done', 'cancelled')),
      due_at timestamptz,
      visited_at timestamptz,
      visitor_id uuid REFERENCES users(id) ON DELETE SET NULL,
      visitor_name text,
      condition text CHECK (condition IN ('good', 'attention', 'urgent')),
      notes text CHECK (length(notes) <= 2000),
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      CHECK ((state = 'done') = (visited_at IS NOT NULL)),
      CHECK ((state = 'done') = (condition IS NOT NULL))
    )`.execute(db);
  await sql`CREATE INDEX elderly_visits_resident ON elderly_visits (resident_id, visited_at DESC)`.execute(db);
  await sql`CREATE INDEX elderly_visits_region ON elderly_visits (region_path text_pattern_ops, visited_at)`.execute(db);
  await sql`CREATE INDEX elderly_visits_open ON elderly_visits (due_at) WHERE state = 'open'`.execute(db);
  await sql`
    CREATE TABLE elderly_alerts (
      id uuid PRIMARY KEY,
      resident_id uuid NOT NULL REFERENCES elderly_residents(id) ON DELETE CASCADE,
      region_path text NOT NULL,
      source text NOT NULL CHECK (source IN ('manual', 'water')),
      -- the source's own id (a water alarm), so the same alarm never makes two visits
      source_ref text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('zero_water_use', 'no_contact', 'health', 'other')),
      note text NOT NULL CHECK (length(note) BETWEEN 1 AND 500),
      raised_by uuid REFERENCES users(id) ON DELETE SET NULL,
      raised_by_name text,
      raised_at timestamptz NOT NULL,
      visit_id uuid NOT NULL REFERENCES elderly_visits(id) ON DELETE CASCADE,
      UNIQUE (source, source_ref, resident_id)
    )`.execute(db);
  await sql`CREATE INDEX elderly_alerts_resident ON elderly_alerts (resident_id, raised_at DESC)`.execute(db);
  await sql`
    CREATE TABLE elderly_meal_requests (
      id uuid PRIMARY KEY,
      resident_id uuid NOT NULL REFERENCES elderly_residents(id) ON DELETE CASCADE,
      region_path text NOT NULL,
      meals text NOT NULL CHECK (meals IN ('lunch', 'dinner', 'both')),
      starts_on date NOT NULL,
      ends_on date,
      note text CHECK (length(note) <= 200),
      state text NOT NULL CHECK (state IN ('requested', 'approved', 'rejected', 'cancelled')),
      requested_by uuid REFERENCES users(id) ON DELETE SET NULL,
      requested_by_name text NOT NULL,
      decided_by uuid REFERENCES users(id) ON DELETE SET NULL,
      decided_by_name text,
      decided_at timestamptz,
      decision_note text,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      CHECK (ends_on IS NULL OR ends_on >= starts_on)
    )`.execute(db);
  await sql`CREATE INDEX elderly_meal_requests_region ON elderly_meal_requests (region_path text_pattern_ops, state)`.execute(db);
  await sql`
    CREATE TABLE elderly_meal_deliveries (
      request_id uuid NOT NULL REFERENCES elderly_meal_requests(id) ON DELETE CASCADE,
      date date NOT NULL,
      delivered_by uuid REFERENCES users(id) ON DELETE SET NULL,
      delivered_by_name text NOT NULL,
      delivered_at timestamptz NOT NULL,
      PRIMARY KEY (request_id, date)
    )`.execute(db);

  // ---- files of notices and visits (photos re-encoded like case photos; documents as sent) -----
  await sql`
    CREATE TABLE village_files (
      id uuid PRIMARY KEY,
      owner_id uuid NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
      region_path text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('image', 'document')),
      filename text NOT NULL CHECK (length(filename) BETWEEN 1 AND 120),
      content_type text NOT NULL,
      bytes integer NOT NULL CHECK (bytes > 0),
      width integer,
      height integer,
      blob_key text NOT NULL UNIQUE,
      thumb_key text UNIQUE,
      notice_id uuid REFERENCES notices(id) ON DELETE CASCADE,
      visit_id uuid REFERENCES elderly_visits(id) ON DELETE CASCADE,
      sort_order integer NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL,
      attached_at timestamptz,
      CHECK (notice_id IS NULL OR visit_id IS NULL),
      CHECK ((attached_at IS NULL) = (notice_id IS NULL AND visit_id IS NULL)),
      CHECK ((kind = 'image') = (thumb_key IS NOT NULL))
    )`.execute(db);
  await sql`CREATE INDEX village_files_notice ON village_files (notice_id, sort_order) WHERE notice_id IS NOT NULL`.execute(db);
  await sql`CREATE INDEX village_files_visit ON village_files (visit_id, sort_order) WHERE visit_id IS NOT NULL`.execute(db);
  await sql`CREATE INDEX village_files_unattached ON village_files (created_at) WHERE attached_at IS NULL`.execute(db);
  await sql`CREATE INDEX village_files_owner ON village_files (owner_id, created_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'village_files',
    'elderly_meal_deliveries',
    'elderly_meal_requests',
    'elderly_alerts',
    'elderly_visits',
    'elderly_visit_plans',
    'elderly_residents',
    'service_request_events',
    'service_requests',
    'service_guides',
    'notice_reads',
    'notices',
  ]) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
  }
  await sql`DROP SEQUENCE IF EXISTS service_request_number_seq`.execute(db);
}
