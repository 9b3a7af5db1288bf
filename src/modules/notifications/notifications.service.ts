import type { Clock } from '../../platform/clock.js';
import type { PageRequest } from '../../platform/http/pagination.js';
import type { Actor } from '../../platform/request-context.js';
import type { NewNotification, NotificationsRepository } from './notifications.repository.js';

/** In-app notifications: each user reads only their own. */
export class NotificationsService {
  constructor(
    private readonly repository: NotificationsRepository,
    private readonly clock: Clock,
  ) {}

  notify(tx: Parameters<NotificationsRepository['insertMany']>[0], rows: Omit<NewNotification, 'at'>[]): Promise<void> {
    const at = this.clock.now();
    // One notification per user per event, even when a user is reached through two roles.
    const unique = [...new Map(rows.map((row) => [row.userId, { ...row, at }])).values()];
    return this.repository.insertMany(tx, unique);
  }

  async list(actor: Actor, unreadOnly: boolean, page: PageRequest) {
    const { rows, total, unread } = await this.repository.listFor(actor.userId, unreadOnly, page);
    return {
      items: rows.map((row) => ({
        id: String(row.id),
        kind: row.kind,
        title: row.title,
        body: row.body,
        caseId: row.case_id,
        url: row.url,
        createdAt: row.created_at.toISOString(),
        read: row.read_at !== null,
      })),
      total,
      unread,
      ...page,
    };
  }

  async markRead(actor: Actor, ids: string[] | 'all') {
    return { updated: await this.repository.markRead(actor.userId, ids, this.clock.now()) };
  }
}
