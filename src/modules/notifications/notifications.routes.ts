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
  createdAt: z.string(),
  read: z.boolean(),
});

const smsView = z.object({
  id: z.string(),
  phone: z.string(),
  body: z.string(),
  status: z.enum(['queued', 'sent', 'failed']),
  provider: z.string().nullable(),
  error: z.string().nullable(),
  reference: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
});

export function notificationsRoutes(app: App, notifications: NotificationsService, sms: SmsOutbox): void {
  app.get(
    '/api/sms-outbox',
    {
      schema: {
        tags: ['notifications 通知'],
        summary: '短信发件箱 · Texts sent or queued for my region',
        querystring: z.strictObject(pageQuery),
        response: { 200: z.object({ items: z.array(smsView), total: z.number(), page: z.number(), pageSize: z.number() }) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      requirePermission(actor.role, 'sms.read');
      const { rows, total } = await sms.list(actor.scope, request.query);
      return {
        items: rows.map((row) => ({
          id: String(row.id),
          phone: row.phone,
          body: row.body,
          status: row.status,
          provider: row.provider,
          error: row.error,
          reference: row.reference,
          createdAt: row.created_at.toISOString(),
          sentAt: row.sent_at?.toISOString() ?? null,
        })),
        total,
        ...request.query,
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
