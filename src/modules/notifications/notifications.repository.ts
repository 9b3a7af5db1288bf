import type { Db } from '../../platform/db/database.js';
import type { NotificationSeverity } from '../../platform/db/schema.js';
import { offsetOf, type PageRequest } from '../../platform/http/pagination.js';

export interface NewNotification {
  userId: string;
  kind: string;
  title: string;
  body: string;
  caseId: string | null;
  at: Date;
  /** 'high' is pushed even during the recipient's quiet hours (alarms). Default 'normal'. */
  severity?: NotificationSeverity;
  /** Where a tap on the Web Push opens, an h5 path ('/h5/…'); default the case, else the h5 home. */
  url?: string;
}

export class NotificationsRepository {
  constructor(private readonly db: Db) {}

  async insertMany(tx: Db, rows: NewNotification[]): Promise<void> {
    if (rows.length === 0) return;
    await tx
      .insertInto('notifications')
      .values(
        rows.map((n) => ({
          user_id: n.userId,
          kind: n.kind,
          title: n.title,
          body: n.body,
          case_id: n.caseId,
          created_at: n.at,
          severity: n.severity ?? 'normal',
          url: n.url ?? null,
          // Picked up by the push dispatcher once this transaction has committed.
          push_state: 'pending' as const,
          push_due_at: n.at,
        })),
      )
      .execute();
  }

  async listFor(userId: string, unreadOnly: boolean, page: PageRequest) {
    let query = this.db.selectFrom('notifications').where('user_id', '=', userId);
    if (unreadOnly) query = query.where('read_at', 'is', null);
    const [rows, total, unread] = await Promise.all([
      query.selectAll().orderBy('id', 'desc').limit(page.pageSize).offset(offsetOf(page)).execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      this.db
        .selectFrom('notifications')
        .where('user_id', '=', userId)
        .where('read_at', 'is', null)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
    ]);
    return { rows, total: total.n, unread: unread.n };
  }

  /** Marks the user's own notifications read; ids of other users' notifications match nothing. */
  async markRead(userId: string, ids: string[] | 'all', at: Date): Promise<number> {
    let query = this.db.updateTable('notifications').set({ read_at: at }).where('user_id', '=', userId).where('read_at', 'is', null);
    if (ids !== 'all') {
      if (ids.length === 0) return 0;
      query = query.where('id', 'in', ids);
    }
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}
