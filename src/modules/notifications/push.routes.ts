import { z } from 'zod';
import { actorOf } from '../../platform/http/auth.js';
import type { App } from '../../platform/http/app.js';
import { notificationPreferences, pushSubscriptionBody } from './push.schema.js';
import type { PushService } from './push.service.js';

const tags = ['notifications 通知'];

/** Web Push and notification preferences: every signed-in person, for themselves only. */
export function pushRoutes(app: App, push: PushService): void {
  app.get(
    '/api/push',
    {
      schema: {
        tags,
        summary: '消息推送 · The VAPID public key to subscribe with, and how many browsers of mine are subscribed',
        response: { 200: z.object({ publicKey: z.string(), subscriptions: z.number() }) },
      },
    },
    async (request) => push.status(actorOf(request)),
  );

  app.post(
    '/api/push/subscriptions',
    {
      schema: {
        tags,
        summary: '开启推送 · Subscribe this browser (its PushSubscription) to my notifications',
        body: pushSubscriptionBody,
      },
    },
    async (request, reply) => {
      await push.subscribe(actorOf(request), request.body, request.headers['user-agent']);
      return reply.status(204).send();
    },
  );

  app.delete(
    '/api/push/subscriptions',
    {
      schema: {
        tags,
        summary: '关闭推送 · Unsubscribe this browser (by its endpoint)',
        body: z.strictObject({ endpoint: z.string().min(1).max(2000) }),
      },
    },
    async (request, reply) => {
      await push.unsubscribe(actorOf(request), request.body.endpoint);
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/notification-preferences',
    { schema: { tags, summary: '消息提醒设置 · My notification preferences (defaults until changed)', response: { 200: notificationPreferences } } },
    async (request) => push.preferences(actorOf(request)),
  );

  app.put(
    '/api/notification-preferences',
    {
      schema: { tags, summary: '修改消息提醒设置 · Change my notification preferences', body: notificationPreferences, response: { 200: notificationPreferences } },
    },
    async (request) => push.setPreferences(actorOf(request), request.body),
  );
}
