import { type Kysely, sql } from 'kysely';

/**
 * Households (户) and the points system (积分制): rules, claims, the append-only ledger with a
 * balance cache that can never go negative, and the village points store (积分超市).
 * Photos gain a third attachment: evidence for a points claim.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // ---- photos: a photo is attached to a case (report/resolution) or to a points claim ----------
  await sql`ALTER TABLE photos ADD COLUMN claim_id uuid`.execute(db);
  await sql`ALTER TABLE photos DROP CONSTRAINT photos_kind_check`.execute(db);
  await sql`ALTER TABLE photos DROP CONSTRAINT photos_check`.execute(db);
  await sql`ALTER TABLE photos ADD CONSTRAINT photos_kind_check CHECK (kind IN ('report', 'resolution', 'claim'))`.execute(db);
  await sql`
    ALTER TABLE photos ADD CONSTRAINT photos_attachment CHECK (
      (kind IS NULL AND case_id IS NULL AND claim_id IS NULL AND attached_at IS NULL)
      OR (kind IN ('report', 'resolution') AND case_id IS NOT NULL AND claim_id IS NULL AND attached_at IS NOT NULL)
      OR (kind = 'claim' AND claim_id IS NOT NULL AND case_id IS NULL AND attached_at IS NOT NULL)
    )`.execute(db);
  await sql`DROP INDEX photos_unattached`.execute(db);
  await sql`CREATE INDEX photos_unattached ON photos (created_at) WHERE attached_at IS NULL`.execute(db);
  await sql`CREATE INDEX photos_claim ON photos (claim_id) WHERE claim_id IS NOT NULL`.execute(db);

  // ---- households ---------------------------------------------------------------------------
  await sql`
    CREATE TABLE households (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      village_code text NOT NULL REFERENCES regions(code),
      region_path text NOT NULL,
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
      address text CHECK (length(address) <= 200),
      head_id uuid REFERENCES users(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX households_region ON households (region_path text_pattern_ops, name)`.execute(db);
  await sql`
    CREATE TABLE household_members (
      user_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
      household_id uuid NOT NULL REFERENCES households(id) ON DELETE CASCADE,
      joined_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX household_members_household ON household_members (household_id)`.execute(db);

  // ---- rules: platform defaults (region NULL, path '/') overridden per county/township/village --
  await sql`
    CREATE TABLE points_rules (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      region_code text REFERENCES regions(code),
      region_path text NOT NULL,
      code text NOT NULL CHECK (code ~ '^[a-z][a-z0-9_.]{1,59}$'),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 40),
      description text NOT NULL DEFAULT '' CHECK (length(description) <= 500),
      category text NOT NULL CHECK (category IN ('report', 'handling', 'civic', 'volunteer', 'environment', 'virtue', 'compliance', 'discipline')),
      earner text NOT NULL CHECK (earner IN ('reporter', 'handler', 'claimant', 'assigned')),
      points integer CHECK (points <> 0 AND points BETWEEN -1000 AND 1000),
      case_category_code text REFERENCES case_categories(code),
      requires_approval boolean NOT NULL DEFAULT true,
      requires_photo boolean NOT NULL DEFAULT false,
      active boolean NOT NULL DEFAULT true,
      sort_order integer NOT NULL DEFAULT 100,
      created_by uuid REFERENCES users(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (region_path, code),
      CHECK ((region_code IS NULL) = (region_path = '/')),
      CHECK ((case_category_code IS NOT NULL) = (earner IN ('reporter', 'handler'))),
      CHECK (points IS NOT NULL OR case_category_code IS NOT NULL),
      CHECK (earner <> 'claimant' OR points > 0)
    )`.execute(db);

  // ---- claims: a villager asks for points for an activity, with photos; a cadre decides --------
  await sql`
    CREATE TABLE points_claims (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users(id),
      user_name text NOT NULL,
      household_id uuid REFERENCES households(id) ON DELETE SET NULL,
      region_path text NOT NULL,
      village_code text REFERENCES regions(code),
      rule_id uuid NOT NULL REFERENCES points_rules(id),
      rule_code text NOT NULL,
      rule_name text NOT NULL,
      points integer NOT NULL CHECK (points > 0),
      description text NOT NULL CHECK (length(description) BETWEEN 1 AND 500),
      occurred_on date NOT NULL,
      state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'rejected')),
      decided_by uuid REFERENCES users(id) ON DELETE SET NULL,
      decided_by_name text,
      decided_at timestamptz,
      decision_note text,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      CHECK ((state = 'pending') = (decided_at IS NULL)),
      CHECK (state <> 'rejected' OR decision_note IS NOT NULL)
    )`.execute(db);
  // One claim per person, activity and day (a rejected one may be filed again).
  await sql`CREATE UNIQUE INDEX points_claims_once ON points_claims (user_id, rule_code, occurred_on) WHERE state <> 'rejected'`.execute(db);
  await sql`CREATE INDEX points_claims_region ON points_claims (region_path text_pattern_ops, created_at DESC)`.execute(db);
  await sql`CREATE INDEX points_claims_user ON points_claims (user_id, created_at DESC)`.execute(db);

  // ---- the store -----------------------------------------------------------------------------
  await sql`
    CREATE TABLE points_store_items (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      village_code text NOT NULL REFERENCES regions(code),
      region_path text NOT NULL,
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 40),
      description text NOT NULL DEFAULT '' CHECK (length(description) <= 500),
      price integer NOT NULL CHECK (price BETWEEN 1 AND 100000),
      stock integer NOT NULL CHECK (stock >= 0),
      active boolean NOT NULL DEFAULT true,
      sort_order integer NOT NULL DEFAULT 100,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX points_store_items_region ON points_store_items (region_path text_pattern_ops, sort_order)`.execute(db);
  await sql`
    CREATE TABLE points_orders (
      id uuid PRIMARY KEY,
      item_id uuid NOT NULL REFERENCES points_store_items(id),
      item_name text NOT NULL,
      user_id uuid NOT NULL REFERENCES users(id),
      user_name text NOT NULL,
      household_id uuid REFERENCES households(id) ON DELETE SET NULL,
      region_path text NOT NULL,
      village_code text NOT NULL REFERENCES regions(code),
      quantity integer NOT NULL CHECK (quantity BETWEEN 1 AND 10),
      unit_price integer NOT NULL CHECK (unit_price > 0),
      total_points integer NOT NULL CHECK (total_points = quantity * unit_price),
      state text NOT NULL DEFAULT 'reserved' CHECK (state IN ('reserved', 'completed', 'cancelled')),
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      completed_at timestamptz,
      completed_by uuid REFERENCES users(id) ON DELETE SET NULL,
      completed_by_name text,
      cancelled_at timestamptz,
      cancelled_by uuid REFERENCES users(id) ON DELETE SET NULL,
      cancelled_by_name text,
      cancel_reason text,
      CHECK ((state = 'completed') = (completed_at IS NOT NULL)),
      CHECK ((state = 'cancelled') = (cancelled_at IS NOT NULL))
    )`.execute(db);
  await sql`CREATE INDEX points_orders_region ON points_orders (region_path text_pattern_ops, created_at DESC)`.execute(db);
  await sql`CREATE INDEX points_orders_user ON points_orders (user_id, created_at DESC)`.execute(db);

  // ---- the ledger: append-only; every entry exists once (idempotency key) -----------------------
  await sql`
    CREATE TABLE points_entries (
      id bigserial PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users(id),
      household_id uuid REFERENCES households(id),
      region_path text NOT NULL,
      village_code text REFERENCES regions(code),
      kind text NOT NULL CHECK (kind IN ('award', 'deduction', 'redemption', 'refund', 'correction', 'opening')),
      points integer NOT NULL,
      rule_id uuid REFERENCES points_rules(id),
      rule_code text,
      rule_name text,
      -- No foreign key: the cases table belongs to the cases module.
      case_id uuid,
      claim_id uuid REFERENCES points_claims(id),
      order_id uuid REFERENCES points_orders(id),
      corrects_id bigint REFERENCES points_entries(id),
      approver_id uuid REFERENCES users(id),
      approver_name text,
      reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
      idempotency_key text NOT NULL UNIQUE,
      created_at timestamptz NOT NULL,
      -- A deduction or correction may come to 0 when nothing was left to take (扣完为止).
      CHECK (points <> 0 OR kind IN ('deduction', 'correction')),
      CHECK (kind NOT IN ('award', 'refund', 'opening') OR points > 0),
      CHECK (kind NOT IN ('deduction', 'redemption') OR points <= 0),
      CHECK ((kind IN ('redemption', 'refund')) = (order_id IS NOT NULL)),
      CHECK ((kind = 'correction') = (corrects_id IS NOT NULL))
    )`.execute(db);
  await sql`CREATE INDEX points_entries_user ON points_entries (user_id, id DESC)`.execute(db);
  await sql`CREATE INDEX points_entries_household ON points_entries (household_id, id DESC) WHERE household_id IS NOT NULL`.execute(db);
  await sql`CREATE INDEX points_entries_region ON points_entries (region_path text_pattern_ops, created_at)`.execute(db);
  await sql`CREATE UNIQUE INDEX points_entries_corrects ON points_entries (corrects_id) WHERE corrects_id IS NOT NULL`.execute(db);
  await sql`
    CREATE FUNCTION points_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'points_entries is append-only: correct an entry with a new one';
    END
    $$`.execute(db);
  await sql`
    CREATE TRIGGER points_entries_no_change BEFORE UPDATE OR DELETE ON points_entries
    FOR EACH ROW EXECUTE FUNCTION points_entries_append_only()`.execute(db);
  await sql`
    CREATE TRIGGER points_entries_no_truncate BEFORE TRUNCATE ON points_entries
    FOR EACH STATEMENT EXECUTE FUNCTION points_entries_append_only()`.execute(db);

  await sql`
    CREATE TABLE points_balances (
      user_id uuid PRIMARY KEY REFERENCES users(id),
      balance integer NOT NULL DEFAULT 0 CHECK (balance >= 0),
      updated_at timestamptz NOT NULL
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['points_balances', 'points_entries', 'points_orders', 'points_store_items', 'points_claims', 'points_rules', 'household_members', 'households']) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
  }
  await sql`DROP FUNCTION IF EXISTS points_entries_append_only()`.execute(db);
  await sql`DELETE FROM photos WHERE kind = 'claim'`.execute(db);
  await sql`DROP INDEX IF EXISTS photos_claim`.execute(db);
  await sql`DROP INDEX IF EXISTS photos_unattached`.execute(db);
  await sql`CREATE INDEX photos_unattached ON photos (created_at) WHERE case_id IS NULL`.execute(db);
  await sql`ALTER TABLE photos DROP CONSTRAINT photos_attachment`.execute(db);
  await sql`ALTER TABLE photos DROP CONSTRAINT photos_kind_check`.execute(db);
  await sql`ALTER TABLE photos ADD CONSTRAINT photos_kind_check CHECK (kind IN ('report', 'resolution'))`.execute(db);
  await sql`ALTER TABLE photos ADD CONSTRAINT photos_check CHECK ((case_id IS NULL) = (kind IS NULL) AND (case_id IS NULL) = (attached_at IS NULL))`.execute(db);
  await sql`ALTER TABLE photos DROP COLUMN claim_id`.execute(db);
}
