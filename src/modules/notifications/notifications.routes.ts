import { z } from 'zod';
import { actorOf } from '../../platform/http/auth.js';
import type { App } from '../../platform/http/app.js';
import { pageQuery } from '../../platform/http/pagination.js';
import { requirePermission } from '../accounts/policies.js';
import type { SmsOutbox } from '../../platform/sms/sms-outbox.js';
import type { NotificationsService } from './notifications.service.js';

const tags = ['notifications 通知'];
const notification = z.object({
  id: z.string(),
  kind: z.string(),
  title: z.string(),
  body: z.string(),
  caseId: z.string().nullable(),
  url: z.string().nullable().describe('the h5 page it opens (an alarm), when not its case'),
  createdAt: z.string(),
  read: z.boolean(),
});

const smsStatus = z.enum(['queued', 'sending', 'sent', 'delivered', 'failed', 'skipped']);
const smsView = z.object({
  id: z.string(),
  phone: z.string(),
  /** The text as the recipient reads it; login codes are never shown. */
  body: z.string(),
  template: z.string().nullable(),
  status: smsStatus,
  provider: z.string().nullable(),
  providerMessageId: z.string().nullable(),
  attempts: z.number(),
  errorCode: z.string().nullable(),
  error: z.string().nullable(),
  reference: z.string().nullable(),
  createdAt: z.string(),
  nextAttemptAt: z.string().nullable(),
  sentAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
});

export function notificationsRoutes(app: App, notifications: NotificationsService, sms: SmsOutbox): void {
  app.get(
    '/api/sms-outbox',
    {
      schema: {
        tags: ['notifications 通知'],
        summary: '短信发件箱 · Texts sent or queued for my region (failures of the last 7 days counted)',
        querystring: z.strictObject({ status: smsStatus.optional(), ...pageQuery }),
        response: {
          200: z.object({ items: z.array(smsView), total: z.number(), failedLastWeek: z.number(), provider: z.string(), page: z.number(), pageSize: z.number() }),
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      requirePermission(actor.role, 'sms.read');
      const { status, page, pageSize } = request.query;
      const { rows, total, failedLastWeek } = await sms.list(actor.scope, { page, pageSize }, { status });
      return {
        items: rows.map((row) => ({
          id: String(row.id),
          phone: row.phone,
          body: row.body,
          template: row.template,
          status: row.status,
          provider: row.provider,
          providerMessageId: row.provider_message_id,
          attempts: row.attempts,
          errorCode: row.error_code,
          error: row.error,
          reference: row.reference,
          createdAt: row.created_at.toISOString(),
          nextAttemptAt: row.status === 'queued' ? row.next_attempt_at.toISOString() : null,
          sentAt: row.sent_at?.toISOString() ?? null,
          deliveredAt: row.delivered_at?.toISOString() ?? null,
        })),
        total,
        failedLastWeek,
        provider: sms.providerName,
        page,
        pageSize,
      };
    },
  );

  app.get(
    '/api/notifications',
    {
      schema: {
        tags,
        summary: '我的通知 · My notifications',
        querystring: z.strictObject({ unread: z.enum(['true', 'false']).optional(), ...pageQuery }),
        response: {
          200: z.object({ items: z.array(notification), total: z.number(), unread: z.number(), page: z.number(), pageSize: z.number() }),
        },
      },
    },
    async (request) => {
      const { unread, page, pageSize } = request.query;
      return notifications.list(actorOf(request), unread === 'true', { page, pageSize });
    },
  );

  app.post(
    '/api/notifications/read',
    {
      schema: {
        tags,
        summary: '标记已读 · Mark notifications read (ids, or all)',
        body: z.strictObject({ ids: z.union([z.array(z.string().regex(/^\d{1,18}$/)).max(500), z.literal('all')]) }),
        response: { 200: z.object({ updated: z.number() }) },
      },
    },
    async (request) => notifications.markRead(actorOf(request), request.body.ids),
  );
}
