import { z } from 'zod';
import { actorOf } from '../../platform/http/auth.js';
import type { App } from '../../platform/http/app.js';
import { pageOf, pageQuery } from '../../platform/http/pagination.js';
import type { AuditService } from './audit.service.js';

const auditQuery = z.strictObject({
  action: z.string().max(100).optional(),
  targetType: z.string().max(50).optional(),
  targetId: z.string().max(100).optional(),
  actorId: z.uuid().optional(),
  ...pageQuery,
});

const auditEvent = z.object({
  id: z.string(),
  at: z.string(),
  actorId: z.string().nullable(),
  actorRole: z.string().nullable(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string(),
  details: z.record(z.string(), z.unknown()),
  requestId: z.string().nullable(),
  ip: z.string().nullable(),
});

export function auditRoutes(app: App, audit: AuditService): void {
  app.get(
    '/api/audit-events',
    {
      schema: {
        tags: ['audit 审计'],
        summary: '审计日志 · Audit trail in scope',
        querystring: auditQuery,
        response: { 200: pageOf(auditEvent) },
      },
    },
    async (request) => {
      const { page, pageSize, ...filter } = request.query;
      return audit.list(actorOf(request), filter, { page, pageSize });
    },
  );
}
