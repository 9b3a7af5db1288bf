import { Readable } from 'node:stream';
import { z } from 'zod';
import { actorOf, metaOf } from '../../platform/http/auth.js';
import type { App } from '../../platform/http/app.js';
import { pageOf, pageQuery } from '../../platform/http/pagination.js';
import type { AuditService } from './audit.service.js';

const booleanQuery = z.enum(['true', 'false']).transform((v) => v === 'true');

const filterQuery = {
  action: z.string().max(100).optional(),
  targetType: z.string().max(50).optional(),
  targetId: z.string().max(100).optional(),
  actorId: z.uuid().optional(),
  from: z.iso.datetime({ offset: true }).transform((v) => new Date(v)).optional().describe('entries at or after this instant'),
  to: z.iso.datetime({ offset: true }).transform((v) => new Date(v)).optional().describe('entries before this instant'),
  includeSystem: booleanQuery.default(false).describe('also the entries the platform made by itself (alarms, jobs, devices)'),
};

const auditQuery = z.strictObject({ ...filterQuery, ...pageQuery });
const exportQuery = z.strictObject(filterQuery);

const auditEvent = z.object({
  id: z.string(),
  seq: z.number().int().nullable(),
  at: z.string(),
  actorId: z.string().nullable(),
  actorRole: z.string().nullable(),
  actorKind: z.enum(['user', 'system', 'anonymous']),
  actorName: z.string().nullable(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string(),
  targetName: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  requestId: z.string().nullable(),
  ip: z.string().nullable(),
  hash: z.string().nullable(),
});

const chainPoint = z.object({ seq: z.number().int(), hash: z.string() });
const verifyResult = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  anchor: chainPoint,
  head: chainPoint,
  broken: z.object({ seq: z.number().int(), reason: z.enum(['hash_mismatch', 'link_broken', 'missing', 'truncated', 'unchained']) }).nullable(),
});

export function auditRoutes(app: App, audit: AuditService): void {
  app.get(
    '/api/audit-events',
    {
      schema: {
        tags: ['audit 审计'],
        summary: '审计日志 · Audit trail in scope (people’s actions; add includeSystem=true for the platform’s own)',
        querystring: auditQuery,
        response: { 200: pageOf(auditEvent) },
      },
    },
    async (request) => {
      const { page, pageSize, ...filter } = request.query;
      return audit.list(actorOf(request), filter, { page, pageSize });
    },
  );

  app.get(
    '/api/audit/export',
    {
      schema: {
        tags: ['audit 审计'],
        summary: '导出审计日志 · Export the audit trail in scope as CSV',
        description: '`text/csv`, UTF-8 with a byte-order mark (Excel), oldest first, streamed; with each entry’s seq and hashes. The export is itself audited (`audit.export`).',
        querystring: exportQuery,
      },
    },
    async (request, reply) => {
      const lines = await audit.export(actorOf(request), metaOf(request), request.query);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="audit.csv"; filename*=UTF-8''${encodeURIComponent('审计日志.csv')}`)
        .header('cache-control', 'no-store')
        .send(Readable.from(lines));
    },
  );

  app.get(
    '/api/audit/verify',
    {
      schema: {
        tags: ['audit 审计'],
        summary: '校验审计链 · Verify the audit hash chain (administrators)',
        description: 'Walks the chain from the retention anchor to the head and reports the first broken link.',
        response: { 200: verifyResult },
      },
    },
    async (request) => audit.verify(actorOf(request)),
  );
}
