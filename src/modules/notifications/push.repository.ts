import { sql } from 'kysely';
import type { Db } from '../../platform/db/database.js';

export interface PreferencesRow {
  push: boolean;
  smsMustNotMiss: boolean;
  quietStart: number;
  quietEnd: number;
}

/** Web Push subscriptions, notification preferences and the push state of notifications. */
export class PushRepository {
  constructor(private readonly db: Db) {}

  /**
   * Leases due pending notifications until `leaseUntil` (a process dying mid-send leaves them to be
   * claimed again then); SKIP LOCKED keeps two processes off the same rows.
   */
  async claimDue(now: Date, leaseUntil: Date, limit: number) {
    return this.db
      .updateTable('notifications')
      .set({ push_due_at: leaseUntil })
      .where(
        'id',
        'in',
        this.db
          .selectFrom('notifications')
          .select('id')
          .where('push_state', '=', 'pending')
          .where('push_due_at', '<=', now)
          .orderBy('push_due_at')
          .limit(limit)
          .forUpdate()
          .skipLocked(),
      )
      .returning(['id', 'user_id', 'kind', 'title', 'body', 'case_id', 'url', 'severity', 'created_at'])
      .execute();
  }

  async finish(id: string): Promise<void> {
    await this.db.updateTable('notifications').set({ push_state: 'done', push_due_at: null }).where('id', '=', id).execute();
  }

  async defer(id: string, until: Date): Promise<void> {
    await this.db.updateTable('notifications').set({ push_due_at: until }).where('id', '=', id).where('push_state', '=', 'pending').execute();
  }

  async preferences(userIds: string[]): Promise<Map<string, PreferencesRow>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.db.selectFrom('notification_preferences').selectAll().where('user_id', 'in', userIds).execute();
    return new Map(rows.map((r) => [r.user_id, { push: r.push, smsMustNotMiss: r.sms_must_not_miss, quietStart: r.quiet_start, quietEnd: r.quiet_end }]));
  }

  async savePreferences(userId: string, p: PreferencesRow, at: Date): Promise<void> {
    const values = { push: p.push, sms_must_not_miss: p.smsMustNotMiss, quiet_start: p.quietStart, quiet_end: p.quietEnd, updated_at: at };
    await this.db
      .insertInto('notification_preferences')
      .values({ user_id: userId, ...values })
      .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
      .execute();
  }

  async subscriptionsOf(userIds: string[]) {
    if (userIds.length === 0) return [];
    return this.db.selectFrom('web_push_subscriptions').select(['id', 'user_id', 'endpoint', 'p256dh', 'auth']).where('user_id', 'in', userIds).execute();
  }

  async countFor(userId: string): Promise<number> {
    const row = await this.db
      .selectFrom('web_push_subscriptions')
      .where('user_id', '=', userId)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return row.n;
  }

  /** One endpoint belongs to one browser: a second user signing in on it takes it over. */
  async upsert(input: { userId: string; endpoint: string; p256dh: string; auth: string; userAgent: string | null; at: Date }): Promise<void> {
    const values = { user_id: input.userId, p256dh: input.p256dh, auth: input.auth, user_agent: input.userAgent };
    await this.db
      .insertInto('web_push_subscriptions')
      .values({ ...values, endpoint: input.endpoint, created_at: input.at })
      .onConflict((oc) => oc.column('endpoint').doUpdateSet({ ...values, created_at: input.at, last_failed_at: null, last_error: null }))
      .execute();
  }

  /** The caller's own subscription only. */
  async remove(userId: string, endpoint: string): Promise<number> {
    const result = await this.db.deleteFrom('web_push_subscriptions').where('user_id', '=', userId).where('endpoint', '=', endpoint).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async removeById(id: string): Promise<void> {
    await this.db.deleteFrom('web_push_subscriptions').where('id', '=', id).execute();
  }

  async markOk(id: string, at: Date): Promise<void> {
    await this.db.updateTable('web_push_subscriptions').set({ last_ok_at: at }).where('id', '=', id).execute();
  }

  async markFailed(id: string, at: Date, error: string): Promise<void> {
    await this.db
      .updateTable('web_push_subscriptions')
      .set({ last_failed_at: at, last_error: sql<string>`left(${error}, 500)` })
      .where('id', '=', id)
      .execute();
  }
}
