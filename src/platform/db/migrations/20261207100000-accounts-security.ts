import { type Kysely, sql } from 'kysely';

/**
 * 等保 2.0 account controls: when a password was last set (expiry for staff roles), and when a
 * session was last used (idle timeout; the list of one's own sessions). Existing rows start at the
 * migration's time, so upgrading neither expires passwords nor ends sessions at once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE users ADD COLUMN password_changed_at timestamptz NOT NULL DEFAULT now()`.execute(db);
  await sql`ALTER TABLE sessions ADD COLUMN last_seen_at timestamptz NOT NULL DEFAULT now()`.execute(db);
  // Login limits count a (phone, IP)'s failures since its last success.
  await sql`CREATE INDEX login_attempts_phone_ip ON login_attempts (phone, ip, id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX login_attempts_phone_ip`.execute(db);
  await sql`ALTER TABLE sessions DROP COLUMN last_seen_at`.execute(db);
  await sql`ALTER TABLE users DROP COLUMN password_changed_at`.execute(db);
}
