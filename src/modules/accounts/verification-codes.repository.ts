import { sql } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { VerificationCodesTable } from '../../platform/db/schema.js';

export type CodePurpose = VerificationCodesTable['purpose'];

/** SMS verification codes: the current code of each phone (locked while used) and the log of issued codes. */
export class VerificationCodesRepository {
  constructor(private readonly db: Db) {}

  /**
   * The phone's code row, locked until the transaction ends (made first, dead, when the phone has
   * none), so one request or check at a time sees and changes it. One statement: a row the retention
   * purge deletes meanwhile is made again rather than missed.
   */
  async lock(tx: Db, phone: string) {
    const epoch = new Date(0);
    return tx
      .insertInto('verification_codes')
      .values({ phone, purpose: 'login', code_hash: '', sent_at: epoch, expires_at: epoch, consumed_at: epoch })
      .onConflict((oc) => oc.column('phone').doUpdateSet({ phone: (eb) => eb.ref('excluded.phone') }))
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** Serialises code requests from one address, so concurrent ones cannot all slip under its caps. */
  async lockAddress(tx: Db, ip: string) {
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`verification-ip:${ip}`}))`.execute(tx);
  }

  /** How many codes went to a phone, or were asked from an address, since `since`, and the oldest of them. */
  async sendsSince(tx: Db, by: { phone: string } | { ip: string }, since: Date): Promise<{ count: number; oldest: Date | null }> {
    let query = tx
      .selectFrom('verification_sends')
      .select((eb) => [eb.fn.countAll<string>().as('n'), eb.fn.min('at').as('oldest')])
      .where('at', '>', since);
    query = 'phone' in by ? query.where('phone', '=', by.phone) : query.where('ip', '=', by.ip);
    const row = await query.executeTakeFirstOrThrow();
    return { count: Number(row.n), oldest: row.oldest ? new Date(row.oldest) : null };
  }

  async replace(tx: Db, code: { phone: string; purpose: CodePurpose; codeHash: string; sentAt: Date; expiresAt: Date }) {
    await tx
      .updateTable('verification_codes')
      .set({ purpose: code.purpose, code_hash: code.codeHash, sent_at: code.sentAt, expires_at: code.expiresAt, attempts: 0, consumed_at: null })
      .where('phone', '=', code.phone)
      .execute();
  }

  async logSend(tx: Db, send: { phone: string; purpose: CodePurpose; ip: string | null; at: Date; delivered: boolean }) {
    await tx.insertInto('verification_sends').values(send).execute();
  }

  async countTry(tx: Db, phone: string): Promise<number> {
    const row = await tx
      .updateTable('verification_codes')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('phone', '=', phone)
      .returning('attempts')
      .executeTakeFirstOrThrow();
    return row.attempts;
  }

  async markConsumed(tx: Db, phone: string, at: Date) {
    await tx.updateTable('verification_codes').set({ consumed_at: at }).where('phone', '=', phone).execute();
  }

  /**
   * Retention: code rows sent before `before` (long expired or used; a row being requested or checked
   * right now is newer, or the purge waits for its lock and then finds it newer) and the log of codes
   * issued before `before`, which the caps no longer count. How many of each went.
   */
  async purgeBefore(before: Date): Promise<{ codes: number; sends: number }> {
    const codes = await this.db.deleteFrom('verification_codes').where('sent_at', '<', before).executeTakeFirst();
    const sends = await this.db.deleteFrom('verification_sends').where('at', '<', before).executeTakeFirst();
    return { codes: Number(codes.numDeletedRows), sends: Number(sends.numDeletedRows) };
  }
}
