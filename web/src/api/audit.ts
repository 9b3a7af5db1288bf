import { http, type Page } from '@/shared/http';

/** Mirrors `auditEvent` in src/modules/audit/audit.routes.ts (the schema is local to that file). */
export interface AuditEvent {
  id: string;
  seq: number | null;
  at: string;
  actorId: string | null;
  actorRole: string | null;
  /** user: a signed-in person; system: the platform itself (alarms, jobs, devices); anonymous: nobody signed in. */
  actorKind: 'user' | 'system' | 'anonymous';
  actorName: string | null;
  action: string;
  targetType: string;
  targetId: string;
  targetName: string | null;
  details: Record<string, unknown>;
  requestId: string | null;
  ip: string | null;
  hash: string | null;
}

export interface AuditFilter {
  action?: string;
  targetType?: string;
  targetId?: string;
  actorId?: string;
  /** ISO instants: from ≤ at < to. */
  from?: string;
  to?: string;
  includeSystem?: boolean;
}

export interface AuditQuery extends AuditFilter {
  page?: number;
  pageSize?: number;
}

export interface AuditVerifyResult {
  ok: boolean;
  checked: number;
  anchor: { seq: number; hash: string };
  head: { seq: number; hash: string };
  broken: { seq: number; reason: string } | null;
}

export const auditApi = {
  list: (query: AuditQuery) => http.get<Page<AuditEvent>>('/api/audit-events', { ...query }),
  /** The entries matching the filter as CSV (UTF-8 with BOM, for Excel). */
  exportCsv: (filter: AuditFilter) => http.blob('/api/audit/export', { ...filter }),
  verify: () => http.get<AuditVerifyResult>('/api/audit/verify'),
};
