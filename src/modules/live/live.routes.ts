import { z } from 'zod';
import { actorOf } from '../../platform/http/auth.js';
import { can } from '../accounts/policies.js';
import type { App } from '../../platform/http/app.js';
import type { LiveHub, LiveMessage } from './live-hub.js';

const HEARTBEAT_MS = 15_000;

const liveQuery = z.strictObject({
  events: z
    .string()
    .regex(/^[a-z.]+(,[a-z.]+)*$/, '以逗号分隔的事件名 / comma-separated event names')
    .optional()
    .describe('only these events, e.g. alarm.raised,camera.status; default: all'),
});

/**
 * `GET /api/live`: Server-Sent Events for open pages (the console's alarm list, the big screen).
 * Read it with fetch and the Authorization header; each event carries one JSON object. A comment
 * line every 15 s keeps proxies from closing an idle stream; `retry` tells clients to reconnect.
 */
export function liveRoutes(app: App, hub: LiveHub): void {
  const open = new Set<() => void>();
  // Streams never finish by themselves: end them, or closing the server would wait forever.
  app.addHook('preClose', async () => {
    for (const close of open) close();
  });

  app.get(
    '/api/live',
    {
      schema: {
        tags: ['live 实时'],
        summary: '实时推送 · Server-Sent Events in my region: alarm.raised, alarm.updated, camera.status; for the big screen case.created, case.updated, broadcast.created',
        querystring: liveQuery,
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const wanted = request.query.events ? new Set(request.query.events.split(',')) : undefined;
      await hub.ready();
      reply.hijack();
      const response = reply.raw;
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      response.write('retry: 2000\n: connected\n\n');
      const send = (message: LiveMessage) => {
        if (wanted && !wanted.has(message.event)) return;
        if (message.permission && !can(actor.role, message.permission)) return;
        response.write(`event: ${message.event}\ndata: ${JSON.stringify(message.data)}\n\n`);
      };
      const unsubscribe = hub.subscribe(actor.scope, send);
      const heartbeat = setInterval(() => response.write(': heartbeat\n\n'), HEARTBEAT_MS);
      const end = () => {
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(close);
      };
      const close = () => {
        end();
        response.end();
      };
      open.add(close);
      request.raw.on('close', end);
      response.on('error', end);
    },
  );
}
