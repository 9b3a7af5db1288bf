import { type Kysely, sql } from 'kysely';

/**
 * Villager self-registration. `village_join_links` holds each village's current join token (printed on
 * the notice-board poster, so not a secret; regenerating it retires the old posters). `registrations`
 * records every registration with its consent to the privacy notice (version, time, address): a
 * `matched` one activated an account of the household register at once, a `pending` one waits for the
 * village's cadres, who approve or refuse it. At most one pending registration per phone and village,
 * so a retried submit finds the first.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE village_join_links (
      village_code text PRIMARY KEY REFERENCES regions(code) ON DELETE CASCADE,
      region_path text NOT NULL,
      token text NOT NULL UNIQUE,
      created_by uuid REFERENCES users(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL
    )`.execute(db);
  await sql`
    CREATE TABLE registrations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      village_code text NOT NULL REFERENCES regions(code) ON DELETE CASCADE,
      region_path text NOT NULL,
      phone text NOT NULL,
      name text NOT NULL,
      household_id uuid REFERENCES households(id) ON DELETE SET NULL,
      household_text text,
      status text NOT NULL CHECK (status IN ('matched', 'pending', 'approved', 'refused')),
      user_id uuid REFERENCES users(id) ON DELETE SET NULL,
      status_key_hash text NOT NULL UNIQUE,
      consent_version text NOT NULL,
      consent_at timestamptz NOT NULL,
      consent_ip text,
      decided_by uuid REFERENCES users(id) ON DELETE SET NULL,
      decided_at timestamptz,
      reason text,
      session_claimed_at timestamptz,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX registrations_pending_phone ON registrations (phone, village_code) WHERE status = 'pending'`.execute(db);
  await sql`CREATE INDEX registrations_region ON registrations (region_path, status, created_at)`.execute(db);
  await sql`CREATE INDEX registrations_user ON registrations (user_id) WHERE user_id IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE registrations`.execute(db);
  await sql`DROP TABLE village_join_links`.execute(db);
}
