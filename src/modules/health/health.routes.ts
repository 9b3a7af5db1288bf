import { z } from 'zod';
import { type Db, pingDb } from '../../platform/db/database.js';
import type { App } from '../../platform/http/app.js';

const healthResult = z.object({ status: z.enum(['ok', 'error']), db: z.enum(['ok', 'down']) });

export function healthRoutes(app: App, db: Db): void {
  app.get(
    '/api/health',
    { schema: { tags: ['health'], summary: '健康检查 · Health', security: [], response: { 200: healthResult, 503: healthResult } } },
    async (_request, reply) => {
      const dbUp = await pingDb(db);
      return dbUp ? { status: 'ok' as const, db: 'ok' as const } : reply.status(503).send({ status: 'error', db: 'down' });
    },
  );
}
