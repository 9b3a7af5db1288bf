import type { Db } from '../../platform/db/database.js';
import type { AuditEventRow } from '../../platform/db/schema.js';
import { offsetOf, type PageRequest } from '../../platform/http/pagination.js';
import { type Scope, subtreePattern } from '../../platform/scope.js';

export interface NewAuditEvent {
  at: Date;
  actorId: string | null;
  actorRole: string | null;
  action: string;
  targetType: string;
  targetId: string;
  regionPath: string;
  details: Record<string, unknown>;
  requestId: string | null;
  ip: string | null;
}

export interface AuditFilter {
  action?: string;
  targetType?: string;
  targetId?: string;
  actorId?: string;
}

export class AuditRepository {
  constructor(private readonly db: Db) {}

  async insert(event: NewAuditEvent, db: Db = this.db): Promise<void> {
    await db
      .insertInto('audit_events')
      .values({
        at: event.at,
        actor_id: event.actorId,
        actor_role: event.actorRole,
        action: event.action,
        target_type: event.targetType,
        target_id: event.targetId,
        region_path: event.regionPath,
        details: JSON.stringify(event.details),
        request_id: event.requestId,
        ip: event.ip,
      })
      .execute();
  }

  async list(scope: Scope, filter: AuditFilter, page: PageRequest): Promise<{ rows: AuditEventRow[]; total: number }> {
    let query = this.db.selectFrom('audit_events').where('region_path', 'like', subtreePattern(scope));
    if (filter.action) query = query.where('action', '=', filter.action);
    if (filter.targetType) query = query.where('target_type', '=', filter.targetType);
    if (filter.targetId) query = query.where('target_id', '=', filter.targetId);
    if (filter.actorId) query = query.where('actor_id', '=', filter.actorId);
    const [rows, total] = await Promise.all([
      query.selectAll().orderBy('at', 'desc').orderBy('id', 'desc').limit(page.pageSize).offset(offsetOf(page)).execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: total.n };
  }
}
