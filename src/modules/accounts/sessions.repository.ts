import { sql } from 'kysely';
import type { Db } from '../../platform/db/database.js';

/** A session's last_seen_at moves at most this often, so requests do not each write a row. */
export const LAST_SEEN_GRANULARITY_MS = 60_000;

export class SessionsRepository {
  constructor(private readonly db: Db) {}

  async create(
    session: { tokenHash: string; userId: string; expiresAt: Date; ip: string | null; userAgent: string | null },
    now: Date,
    db: Db = this.db,
  ): Promise<string> {
    const row = await db
      .insertInto('sessions')
      .values({
        token_hash: session.tokenHash,
        user_id: session.userId,
        expires_at: session.expiresAt,
        created_at: now,
        last_seen_at: now,
        ip: session.ip,
        user_agent: session.userAgent,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** An unrevoked, unexpired session by its token's hash; the caller applies the role's idle timeout. */
  async findLive(tokenHash: string, now: Date) {
    return this.db
      .selectFrom('sessions')
      .select(['id', 'user_id', 'created_at', 'last_seen_at'])
      .where('token_hash', '=', tokenHash)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
  }

  /** Moves last_seen_at to now unless it moved within the last minute (also when another process did). */
  async touch(id: string, now: Date) {
    await this.db
      .updateTable('sessions')
      .set({ last_seen_at: now })
      .where('id', '=', id)
      .where('last_seen_at', '<=', new Date(now.getTime() - LAST_SEEN_GRANULARITY_MS))
      .execute();
  }

  /** A user's live sessions, newest first: unrevoked, unexpired, used since `seenSince`, started since `createdSince`. */
  async listLive(userId: string, now: Date, bounds: { seenSince: Date; createdSince: Date }, db: Db = this.db) {
    return db
      .selectFrom('sessions')
      .select(['id', 'created_at', 'last_seen_at', 'expires_at', 'ip', 'user_agent'])
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .where('last_seen_at', '>', bounds.seenSince)
      .where('created_at', '>', bounds.createdSince)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
  }

  async revoke(id: string, now: Date, db: Db = this.db) {
    await db.updateTable('sessions').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  }

  /** Ends one of the user's own sessions; false when it is not theirs or already ended. */
  async revokeOwn(userId: string, id: string, now: Date, db: Db = this.db): Promise<boolean> {
    const result = await db
      .updateTable('sessions')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Ends the user's unrevoked sessions (but `exceptId`); how many. */
  async revokeAllOf(userId: string, now: Date, exceptId?: string, db: Db = this.db): Promise<number> {
    let query = db.updateTable('sessions').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null);
    if (exceptId) query = query.where('id', '!=', exceptId);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}

export type LockLevel = 'phone_ip' | 'phone' | 'ip';

export interface Failures {
  phoneIp: number;
  phone: number;
  ip: number;
}

/**
 * Login attempts. An attempt is inserted as a failure before the password is checked and marked
 * succeeded afterwards, so concurrent guesses see each other and cannot all slip under a limit.
 */
export class LoginAttemptsRepository {
  constructor(private readonly db: Db) {}

  /**
   * Inserts the attempt and counts the failures before it, one phone at a time (a transaction-scoped
   * advisory lock, released at once), so every guess at a phone sees the ones before it.
   */
  async begin(attempt: { phone: string; ip: string; at: Date }, since: Date): Promise<{ id: string; failures: Failures }> {
    return this.db.transaction().execute(async (tx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext(${`login:${attempt.phone}`}))`.execute(tx);
      const { id } = await tx.insertInto('login_attempts').values({ ...attempt, succeeded: false }).returning('id').executeTakeFirstOrThrow();
      return { id, failures: await this.failuresBefore(tx, id, attempt.phone, attempt.ip, since) };
    });
  }

  async succeed(id: string) {
    await this.db.updateTable('login_attempts').set({ succeeded: true }).where('id', '=', id).execute();
  }

  /** A refused attempt checked no password, so it is not a failure. */
  async remove(id: string) {
    await this.db.deleteFrom('login_attempts').where('id', '=', id).execute();
  }

  /**
   * Failures before attempt `id` since `since`: of the phone from the address (only since their last
   * success), of the phone from anywhere, and from the address for any phone.
   */
  private async failuresBefore(db: Db, id: string, phone: string, ip: string, since: Date): Promise<Failures> {
    const { rows } = await sql<{ phone_ip: string; phone: string; ip: string }>`
      SELECT
        count(*) FILTER (WHERE phone = ${phone} AND ip = ${ip} AND id > ${this.lastSuccess(phone, ip)}) AS phone_ip,
        count(*) FILTER (WHERE phone = ${phone}) AS phone,
        count(*) FILTER (WHERE ip = ${ip}) AS ip
      FROM login_attempts
      WHERE (phone = ${phone} OR ip = ${ip}) AND NOT succeeded AND at > ${since} AND id < ${id}`.execute(db);
    const row = rows[0]!;
    return { phoneIp: Number(row.phone_ip), phone: Number(row.phone), ip: Number(row.ip) };
  }

  /** When the `limit`-th newest failure at this level was made: the lock lifts a window after it. */
  async lockStartedAt(id: string, level: LockLevel, phone: string, ip: string, since: Date, limit: number): Promise<Date | undefined> {
    const scope =
      level === 'phone_ip'
        ? sql`phone = ${phone} AND ip = ${ip} AND id > ${this.lastSuccess(phone, ip)}`
        : level === 'phone'
          ? sql`phone = ${phone}`
          : sql`ip = ${ip}`;
    const { rows } = await sql<{ at: Date }>`
      SELECT at FROM login_attempts
      WHERE ${scope} AND NOT succeeded AND at > ${since} AND id < ${id}
      ORDER BY at DESC, id DESC OFFSET ${limit - 1} LIMIT 1`.execute(this.db);
    return rows[0]?.at;
  }

  /**
   * Retention: attempts made before `before`. The limits count failures inside the login window only,
   * and a success older than the window resets nothing the window still holds, so the window is all
   * they need. How many went.
   */
  async purgeBefore(before: Date): Promise<number> {
    const result = await this.db.deleteFrom('login_attempts').where('at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  private lastSuccess(phone: string, ip: string) {
    return sql`coalesce((SELECT max(id) FROM login_attempts WHERE phone = ${phone} AND ip = ${ip} AND succeeded), 0)`;
  }
}
