import { http, type Page } from '@/shared/http';

/** Mirrors `auditEvent` in src/modules/audit/audit.routes.ts (the schema is local to that file). */
export interface AuditEvent {
  id: string;
  at: string;
  actorId: string | null;
  actorRole: string | null;
  action: string;
  targetType: string;
  targetId: string;
  details: Record<string, unknown>;
  requestId: string | null;
  ip: string | null;
}

export interface AuditQuery {
  action?: string;
  targetType?: string;
  targetId?: string;
  actorId?: string;
  page?: number;
  pageSize?: number;
}

export const auditApi = {
  list: (query: AuditQuery) => http.get<Page<AuditEvent>>('/api/audit-events', { ...query }),
};
