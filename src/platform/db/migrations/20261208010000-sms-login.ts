import { type Kysely, sql } from 'kysely';

/**
 * SMS-code sign-in and the WeChat entry. `verification_codes` holds one current code per phone (the
 * row is locked while a code is issued or checked, so two requests at once cannot both pass the
 * resend interval, and two checks of one code cannot both succeed); `verification_sends` is the log
 * the per-phone and per-address caps count. `wechat_bindings` ties an official account's openid to
 * one user.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE verification_codes (
      phone text PRIMARY KEY,
      purpose text NOT NULL CHECK (purpose IN ('login', 'second_factor', 'register', 'rebind')),
      code_hash text NOT NULL,
      sent_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      attempts integer NOT NULL DEFAULT 0,
      consumed_at timestamptz
    )`.execute(db);
  await sql`
    CREATE TABLE verification_sends (
      id bigserial PRIMARY KEY,
      phone text NOT NULL,
      purpose text NOT NULL,
      ip text,
      at timestamptz NOT NULL,
      delivered boolean NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX verification_sends_phone ON verification_sends (phone, at)`.execute(db);
  await sql`CREATE INDEX verification_sends_ip ON verification_sends (ip, at) WHERE ip IS NOT NULL`.execute(db);
  await sql`
    CREATE TABLE wechat_bindings (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      app_id text NOT NULL,
      openid text NOT NULL,
      created_at timestamptz NOT NULL,
      UNIQUE (app_id, openid),
      UNIQUE (user_id, app_id)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE wechat_bindings`.execute(db);
  await sql`DROP TABLE verification_sends`.execute(db);
  await sql`DROP TABLE verification_codes`.execute(db);
}
