import { type Kysely, sql } from 'kysely';

/**
 * 智慧党建: the party organisation tree tied to regions (党委 → 党总支 → 党支部 → 党小组) with its
 * officers, members (each a user who can log in) and their transfers, the meeting types of
 * 三会一课 with their required frequencies, meetings with attendance and records, study materials and
 * study records, dues payments, and the module's settings (dues brackets, the yearly study target).
 *
 * Photos gain a fourth attachment, the photos of a meeting (kind 'meeting', column meeting_id). The
 * existing photo constraints are extended, not rewritten, so attachments other modules add keep
 * working; their previous definitions are kept as comments for `down`.
 */
const meetingTypes = [
  // code, name, frequency, required per period, held by, sort
  ['branch_assembly', '支部党员大会', 'quarterly', 1, 'branch', 10],
  ['branch_committee', '支部委员会', 'monthly', 1, 'branch', 20],
  ['group_meeting', '党小组会', 'monthly', 1, 'group', 30],
  ['party_lecture', '党课', 'quarterly', 1, 'branch', 40],
  ['theme_day', '主题党日', 'monthly', 1, 'branch', 50],
  ['organisational_life', '组织生活会', 'yearly', 1, 'branch', 60],
  ['member_review', '民主评议党员', 'yearly', 1, 'branch', 70],
  ['democratic_life', '民主生活会', 'yearly', 1, 'committee', 80],
] as const;

async function constraintDef(db: Kysely<unknown>, name: string): Promise<string> {
  const { rows } = await sql<{ def: string }>`
    SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'photos'::regclass AND conname = ${name}`.execute(db);
  const def = rows[0]?.def;
  if (!def?.startsWith('CHECK ')) throw new Error(`photos constraint ${name} not found`);
  return def;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  // ---- organisations: a tree whose nodes sit in regions (a village's branch, a township's committee)
  await sql`
    CREATE TABLE party_organisations (
      id uuid PRIMARY KEY,
      parent_id uuid REFERENCES party_organisations(id) ON DELETE RESTRICT,
      kind text NOT NULL CHECK (kind IN ('committee', 'general_branch', 'branch', 'group')),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
      region_code text NOT NULL REFERENCES regions(code),
      region_path text NOT NULL,
      founded_on date,
      active boolean NOT NULL DEFAULT true,
      sort_order integer NOT NULL DEFAULT 100,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      CHECK (kind = 'committee' OR parent_id IS NOT NULL),
      CHECK (parent_id IS DISTINCT FROM id)
    )`.execute(db);
  await sql`CREATE INDEX party_organisations_region ON party_organisations (region_path text_pattern_ops, sort_order)`.execute(db);
  await sql`CREATE INDEX party_organisations_parent ON party_organisations (parent_id)`.execute(db);
  await sql`CREATE UNIQUE INDEX party_organisations_name ON party_organisations (coalesce(parent_id, '00000000-0000-0000-0000-000000000000'::uuid), name)`.execute(db);

  // ---- members: each is a user; dates of the path into the party; the dues basis ---------------
  await sql`
    CREATE TABLE party_members (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL UNIQUE REFERENCES users(id) ON DELETE RESTRICT,
      branch_id uuid NOT NULL REFERENCES party_organisations(id) ON DELETE RESTRICT,
      group_id uuid REFERENCES party_organisations(id) ON DELETE SET NULL,
      region_path text NOT NULL,
      status text NOT NULL CHECK (status IN ('full', 'probationary', 'candidate', 'activist')),
      applied_on date,
      activist_on date,
      candidate_on date,
      joined_on date,
      full_on date,
      is_mobile boolean NOT NULL DEFAULT false,
      mobile_place text CHECK (length(mobile_place) <= 100),
      declared_income_cents integer CHECK (declared_income_cents BETWEEN 0 AND 1000000000),
      fixed_dues_cents integer CHECK (fixed_dues_cents BETWEEN 0 AND 10000000),
      dues_from text NOT NULL CHECK (dues_from ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
      note text CHECK (length(note) <= 500),
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      CHECK (status NOT IN ('full', 'probationary') OR joined_on IS NOT NULL),
      CHECK (status <> 'full' OR full_on IS NOT NULL)
    )`.execute(db);
  await sql`CREATE INDEX party_members_branch ON party_members (branch_id)`.execute(db);
  await sql`CREATE INDEX party_members_region ON party_members (region_path text_pattern_ops)`.execute(db);

  await sql`
    CREATE TABLE party_officers (
      organisation_id uuid NOT NULL REFERENCES party_organisations(id) ON DELETE CASCADE,
      member_id uuid NOT NULL REFERENCES party_members(id) ON DELETE CASCADE,
      post text NOT NULL CHECK (post IN ('secretary', 'deputy_secretary', 'committee_member', 'group_leader')),
      title text CHECK (length(title) <= 20),
      sort_order integer NOT NULL DEFAULT 0,
      PRIMARY KEY (organisation_id, member_id)
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX party_officers_one_secretary ON party_officers (organisation_id) WHERE post = 'secretary'`.execute(db);
  await sql`CREATE INDEX party_officers_member ON party_officers (member_id)`.execute(db);

  // ---- transfers between branches (组织关系转接): the history stays with the member -------------
  await sql`
    CREATE TABLE party_member_transfers (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      member_id uuid NOT NULL REFERENCES party_members(id) ON DELETE CASCADE,
      from_branch_id uuid NOT NULL REFERENCES party_organisations(id),
      from_branch_name text NOT NULL,
      from_group_name text,
      to_branch_id uuid NOT NULL REFERENCES party_organisations(id),
      to_branch_name text NOT NULL,
      to_group_name text,
      reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 200),
      transferred_at timestamptz NOT NULL,
      by_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
      by_name text NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX party_member_transfers_member ON party_member_transfers (member_id, transferred_at)`.execute(db);

  // ---- meeting types (三会一课 …) with their required frequency --------------------------------
  await sql`
    CREATE TABLE party_meeting_types (
      code text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{1,39}$'),
      name text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 20),
      frequency text NOT NULL CHECK (frequency IN ('monthly', 'quarterly', 'half_yearly', 'yearly', 'none')),
      required_count integer NOT NULL DEFAULT 1 CHECK (required_count BETWEEN 1 AND 12),
      held_by text NOT NULL CHECK (held_by IN ('committee', 'branch', 'group')),
      sort_order integer NOT NULL DEFAULT 100,
      active boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  for (const [code, name, frequency, required, heldBy, sort] of meetingTypes) {
    await sql`
      INSERT INTO party_meeting_types (code, name, frequency, required_count, held_by, sort_order)
      VALUES (${code}, ${name}, ${frequency}, ${required}, ${heldBy}, ${sort})`.execute(db);
  }

  // ---- meetings: planned, held (a record was entered) or cancelled --------------------------------
  await sql`
    CREATE TABLE party_meetings (
      id uuid PRIMARY KEY,
      organisation_id uuid NOT NULL REFERENCES party_organisations(id) ON DELETE RESTRICT,
      branch_id uuid REFERENCES party_organisations(id) ON DELETE RESTRICT,
      region_path text NOT NULL,
      type_code text NOT NULL REFERENCES party_meeting_types(code),
      title text NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
      starts_at timestamptz NOT NULL,
      ends_at timestamptz NOT NULL,
      mode text NOT NULL CHECK (mode IN ('onsite', 'online', 'hybrid')),
      place text CHECK (length(place) <= 100),
      online_url text CHECK (length(online_url) <= 500),
      agenda text NOT NULL DEFAULT '' CHECK (length(agenda) <= 2000),
      signin_opens_at timestamptz NOT NULL,
      signin_closes_at timestamptz NOT NULL,
      status text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'held', 'cancelled')),
      minutes text CHECK (length(minutes) <= 20000),
      resolutions text CHECK (length(resolutions) <= 5000),
      recorded_at timestamptz,
      record_updated_at timestamptz,
      recorded_by uuid REFERENCES users(id) ON DELETE SET NULL,
      recorded_by_name text,
      entered_late boolean NOT NULL DEFAULT false,
      late_reason text CHECK (length(late_reason) <= 200),
      cancelled_at timestamptz,
      cancel_reason text,
      created_by uuid REFERENCES users(id) ON DELETE SET NULL,
      created_by_name text NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      CHECK (ends_at > starts_at),
      CHECK (signin_opens_at <= starts_at AND signin_closes_at >= signin_opens_at),
      CHECK (mode = 'onsite' OR online_url IS NOT NULL),
      CHECK (mode = 'online' OR place IS NOT NULL),
      CHECK ((status = 'held') = (recorded_at IS NOT NULL)),
      CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL)),
      CHECK (NOT entered_late OR late_reason IS NOT NULL)
    )`.execute(db);
  await sql`CREATE INDEX party_meetings_region ON party_meetings (region_path text_pattern_ops, starts_at DESC)`.execute(db);
  await sql`CREATE INDEX party_meetings_organisation ON party_meetings (organisation_id, type_code, starts_at)`.execute(db);
  await sql`CREATE INDEX party_meetings_branch ON party_meetings (branch_id, starts_at)`.execute(db);

  // ---- attendance: one row per expected attendee; leave requests; how and when they signed in ----
  await sql`
    CREATE TABLE party_attendance (
      meeting_id uuid NOT NULL REFERENCES party_meetings(id) ON DELETE CASCADE,
      member_id uuid NOT NULL REFERENCES party_members(id) ON DELETE CASCADE,
      member_name text NOT NULL,
      status text NOT NULL DEFAULT 'expected' CHECK (status IN ('expected', 'present', 'late', 'leave', 'absent')),
      method text CHECK (method IN ('qr', 'remote', 'recorded')),
      signed_in_at timestamptz,
      leave_reason text CHECK (length(leave_reason) <= 200),
      leave_requested_at timestamptz,
      recorded_by uuid REFERENCES users(id) ON DELETE SET NULL,
      recorded_at timestamptz,
      entered_late boolean NOT NULL DEFAULT false,
      PRIMARY KEY (meeting_id, member_id),
      CHECK ((status IN ('present', 'late')) = (method IS NOT NULL)),
      CHECK (method IS NULL OR method = 'recorded' OR signed_in_at IS NOT NULL)
    )`.execute(db);
  await sql`CREATE INDEX party_attendance_member ON party_attendance (member_id)`.execute(db);

  // ---- photos of a meeting ---------------------------------------------------------------------
  const attachment = await constraintDef(db, 'photos_attachment');
  const kinds = await constraintDef(db, 'photos_kind_check');
  await sql`ALTER TABLE photos ADD COLUMN meeting_id uuid REFERENCES party_meetings(id)`.execute(db);
  await sql`ALTER TABLE photos DROP CONSTRAINT photos_kind_check`.execute(db);
  await sql`ALTER TABLE photos DROP CONSTRAINT photos_attachment`.execute(db);
  const body = (def: string) => def.slice('CHECK '.length);
  await sql.raw(`ALTER TABLE photos ADD CONSTRAINT photos_kind_check CHECK (${body(kinds)} OR kind = 'meeting')`).execute(db);
  await sql
    .raw(
      `ALTER TABLE photos ADD CONSTRAINT photos_attachment CHECK (
        (meeting_id IS NULL AND kind IS DISTINCT FROM 'meeting' AND ${body(attachment)})
        OR (kind = 'meeting' AND meeting_id IS NOT NULL AND case_id IS NULL AND claim_id IS NULL AND attached_at IS NOT NULL))`,
    )
    .execute(db);
  await sql`COMMENT ON CONSTRAINT photos_kind_check ON photos IS ${sql.lit(`before party: ${kinds}`)}`.execute(db);
  await sql`COMMENT ON CONSTRAINT photos_attachment ON photos IS ${sql.lit(`before party: ${attachment}`)}`.execute(db);
  await sql`CREATE INDEX photos_meeting ON photos (meeting_id) WHERE meeting_id IS NOT NULL`.execute(db);

  // ---- study: materials assigned to organisations; what members studied ---------------------------
  await sql`
    CREATE TABLE party_study_materials (
      id uuid PRIMARY KEY,
      region_code text NOT NULL REFERENCES regions(code),
      region_path text NOT NULL,
      title text NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
      kind text NOT NULL CHECK (kind IN ('article', 'link', 'file', 'video')),
      url text CHECK (length(url) <= 500),
      body text NOT NULL DEFAULT '' CHECK (length(body) <= 20000),
      minutes integer NOT NULL CHECK (minutes BETWEEN 1 AND 600),
      active boolean NOT NULL DEFAULT true,
      created_by uuid REFERENCES users(id) ON DELETE SET NULL,
      created_by_name text NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      CHECK (kind = 'article' OR url IS NOT NULL)
    )`.execute(db);
  await sql`CREATE INDEX party_study_materials_region ON party_study_materials (region_path text_pattern_ops, created_at DESC)`.execute(db);
  await sql`
    CREATE TABLE party_study_assignments (
      material_id uuid NOT NULL REFERENCES party_study_materials(id) ON DELETE CASCADE,
      organisation_id uuid NOT NULL REFERENCES party_organisations(id) ON DELETE CASCADE,
      assigned_at timestamptz NOT NULL,
      PRIMARY KEY (material_id, organisation_id)
    )`.execute(db);
  await sql`CREATE INDEX party_study_assignments_organisation ON party_study_assignments (organisation_id)`.execute(db);
  await sql`
    CREATE TABLE party_study_records (
      id uuid PRIMARY KEY,
      member_id uuid NOT NULL REFERENCES party_members(id) ON DELETE CASCADE,
      branch_id uuid NOT NULL REFERENCES party_organisations(id),
      region_path text NOT NULL,
      material_id uuid REFERENCES party_study_materials(id) ON DELETE SET NULL,
      title text NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
      minutes integer NOT NULL CHECK (minutes BETWEEN 1 AND 480),
      studied_on date NOT NULL,
      note text CHECK (length(note) <= 500),
      entered_by uuid REFERENCES users(id) ON DELETE SET NULL,
      entered_by_name text NOT NULL,
      created_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX party_study_records_member ON party_study_records (member_id, studied_on)`.execute(db);
  await sql`CREATE INDEX party_study_records_region ON party_study_records (region_path text_pattern_ops, studied_on)`.execute(db);

  // ---- dues (党费): one payment per member and month ------------------------------------------------
  await sql`
    CREATE TABLE party_dues_payments (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      member_id uuid NOT NULL REFERENCES party_members(id) ON DELETE CASCADE,
      month text NOT NULL CHECK (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
      amount_cents integer NOT NULL CHECK (amount_cents BETWEEN 0 AND 10000000),
      paid_on date NOT NULL,
      branch_id uuid NOT NULL REFERENCES party_organisations(id),
      region_path text NOT NULL,
      note text CHECK (length(note) <= 200),
      recorded_by uuid REFERENCES users(id) ON DELETE SET NULL,
      recorded_by_name text NOT NULL,
      recorded_at timestamptz NOT NULL,
      UNIQUE (member_id, month)
    )`.execute(db);
  await sql`CREATE INDEX party_dues_payments_region ON party_dues_payments (region_path text_pattern_ops, month)`.execute(db);

  // ---- settings: dues brackets, the yearly study target (platform-wide, set by administrators) ----
  await sql`
    CREATE TABLE party_settings (
      key text PRIMARY KEY,
      value jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const previous = async (name: string) => {
    const { rows } = await sql<{ comment: string | null }>`
      SELECT obj_description(oid, 'pg_constraint') AS comment FROM pg_constraint WHERE conrelid = 'photos'::regclass AND conname = ${name}`.execute(db);
    return rows[0]?.comment?.replace(/^before party: /, '');
  };
  const attachment = await previous('photos_attachment');
  const kinds = await previous('photos_kind_check');
  await sql`DELETE FROM photos WHERE kind = 'meeting'`.execute(db);
  await sql`DROP INDEX IF EXISTS photos_meeting`.execute(db);
  if (attachment) {
    await sql`ALTER TABLE photos DROP CONSTRAINT photos_attachment`.execute(db);
    await sql.raw(`ALTER TABLE photos ADD CONSTRAINT photos_attachment ${attachment}`).execute(db);
  }
  if (kinds) {
    await sql`ALTER TABLE photos DROP CONSTRAINT photos_kind_check`.execute(db);
    await sql.raw(`ALTER TABLE photos ADD CONSTRAINT photos_kind_check ${kinds}`).execute(db);
  }
  await sql`ALTER TABLE photos DROP COLUMN IF EXISTS meeting_id`.execute(db);
  for (const table of [
    'party_settings',
    'party_dues_payments',
    'party_study_records',
    'party_study_assignments',
    'party_study_materials',
    'party_attendance',
    'party_meetings',
    'party_meeting_types',
    'party_member_transfers',
    'party_officers',
    'party_members',
    'party_organisations',
  ]) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
  }
}
