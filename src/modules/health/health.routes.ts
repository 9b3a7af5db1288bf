import { z } from 'zod';
import { type Db, pingDb } from '../../platform/db/database.js';
import type { App } from '../../platform/http/app.js';

const healthResult = z.object({ status: z.enum(['ok', 'error']), db: z.enum(['ok', 'down']) });

const platformInfo = z.object({
  name: z.string(),
  version: z.string(),
  demo: z.boolean().describe('true when the demo data and its published passwords are in use'),
});

export function healthRoutes(app: App, db: Db, info: z.infer<typeof platformInfo>): void {
  app.get(
    '/api/platform',
    { schema: { tags: ['health'], summary: '平台信息 · Platform name, version, demo mode', security: [], response: { 200: platformInfo } } },
    async () => info,
  );

  app.get(
    '/api/health',
    { schema: { tags: ['health'], summary: '健康检查 · Health', security: [], response: { 200: healthResult, 503: healthResult } } },
    async (_request, reply) => {
      const dbUp = await pingDb(db);
      return dbUp ? { status: 'ok' as const, db: 'ok' as const } : reply.status(503).send({ status: 'error', db: 'down' });
    },
  );
}
