import type { Db } from '../../platform/db/database.js';

export class SessionsRepository {
  constructor(private readonly db: Db) {}

  async create(session: { tokenHash: string; userId: string; expiresAt: Date; ip: string | null; userAgent: string | null }, now: Date) {
    await this.db
      .insertInto('sessions')
      .values({
        token_hash: session.tokenHash,
        user_id: session.userId,
        expires_at: session.expiresAt,
        created_at: now,
        ip: session.ip,
        user_agent: session.userAgent,
      })
      .execute();
  }

  /** A live (unrevoked, unexpired) session by its token's hash. */
  async findLive(tokenHash: string, now: Date) {
    return this.db
      .selectFrom('sessions')
      .select(['id', 'user_id'])
      .where('token_hash', '=', tokenHash)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
  }

  async revoke(id: string, now: Date) {
    await this.db.updateTable('sessions').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  }

  async revokeAllOf(userId: string, now: Date, exceptId?: string, db: Db = this.db) {
    let query = db.updateTable('sessions').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null);
    if (exceptId) query = query.where('id', '!=', exceptId);
    await query.execute();
  }
}

export class LoginAttemptsRepository {
  constructor(private readonly db: Db) {}

  async record(attempt: { phone: string; ip: string; succeeded: boolean; at: Date }) {
    await this.db.insertInto('login_attempts').values(attempt).execute();
  }

  /** Failed attempts for a phone, and all attempts from an IP, since `since`, with the oldest of each. */
  async recent(phone: string, ip: string, since: Date) {
    const [byPhone, byIp] = await Promise.all([
      this.db
        .selectFrom('login_attempts')
        .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('at').as('oldest')])
        .where('phone', '=', phone)
        .where('succeeded', '=', false)
        .where('at', '>', since)
        .executeTakeFirstOrThrow(),
      this.db
        .selectFrom('login_attempts')
        .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('at').as('oldest')])
        .where('ip', '=', ip)
        .where('at', '>', since)
        .executeTakeFirstOrThrow(),
    ]);
    return { byPhone, byIp };
  }
}
