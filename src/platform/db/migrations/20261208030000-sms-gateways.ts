import { type Kysely, sql } from 'kysely';

/**
 * Texts become (template, parameters) for the real gateways, with retries (attempts, next try, a
 * lease while one dispatcher is sending), the gateway's message id and its delivery receipt.
 * Rows from before keep their free text (template null).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE sms_outbox
      ADD COLUMN template text,
      ADD COLUMN params jsonb,
      ADD COLUMN attempts integer NOT NULL DEFAULT 0,
      ADD COLUMN next_attempt_at timestamptz,
      ADD COLUMN lease_until timestamptz,
      ADD COLUMN provider_message_id text,
      ADD COLUMN error_code text,
      ADD COLUMN delivered_at timestamptz,
      DROP CONSTRAINT sms_outbox_status_check,
      ADD CONSTRAINT sms_outbox_status_check CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'failed', 'skipped'))`.execute(db);
  await sql`UPDATE sms_outbox SET next_attempt_at = created_at`.execute(db);
  await sql`ALTER TABLE sms_outbox ALTER COLUMN next_attempt_at SET NOT NULL`.execute(db);
  await sql`DROP INDEX sms_outbox_queued`.execute(db);
  await sql`CREATE INDEX sms_outbox_due ON sms_outbox (next_attempt_at, id) WHERE status = 'queued'`.execute(db);
  await sql`CREATE INDEX sms_outbox_sending ON sms_outbox (lease_until) WHERE status = 'sending'`.execute(db);
  await sql`CREATE INDEX sms_outbox_awaiting_receipt ON sms_outbox (sent_at) WHERE status = 'sent' AND provider_message_id IS NOT NULL`.execute(db);
  await sql`CREATE INDEX sms_outbox_message ON sms_outbox (provider, provider_message_id) WHERE provider_message_id IS NOT NULL`.execute(db);
  // The per-phone daily limit counts a number's texts handed over since the day began.
  await sql`CREATE INDEX sms_outbox_phone_sent ON sms_outbox (phone, sent_at) WHERE sent_at IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const index of ['sms_outbox_due', 'sms_outbox_sending', 'sms_outbox_awaiting_receipt', 'sms_outbox_message', 'sms_outbox_phone_sent']) {
    await sql`DROP INDEX IF EXISTS ${sql.id(index)}`.execute(db);
  }
  await sql`UPDATE sms_outbox SET status = CASE WHEN status IN ('sent', 'delivered') THEN 'sent' WHEN status = 'sending' THEN 'queued' WHEN status = 'skipped' THEN 'failed' ELSE status END`.execute(db);
  await sql`
    ALTER TABLE sms_outbox
      DROP CONSTRAINT sms_outbox_status_check,
      ADD CONSTRAINT sms_outbox_status_check CHECK (status IN ('queued', 'sent', 'failed')),
      DROP COLUMN template,
      DROP COLUMN params,
      DROP COLUMN attempts,
      DROP COLUMN next_attempt_at,
      DROP COLUMN lease_until,
      DROP COLUMN provider_message_id,
      DROP COLUMN error_code,
      DROP COLUMN delivered_at`.execute(db);
  await sql`CREATE INDEX sms_outbox_queued ON sms_outbox (id) WHERE status = 'queued'`.execute(db);
}
