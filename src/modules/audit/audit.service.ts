import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { PageRequest } from '../../platform/http/pagination.js';
import type { Actor, RequestMeta } from '../../platform/request-context.js';
import { requirePermission } from '../accounts/policies.js';
import type { AuditFilter, AuditRepository } from './audit.repository.js';

export interface AuditEntry {
  action: string;
  targetType: string;
  targetId: string;
  regionPath: string;
  details?: Record<string, unknown>;
}

/** The audit trail: who changed what, when, from where. Written in the same transaction as the change. */
export class AuditService {
  constructor(
    private readonly repository: AuditRepository,
    private readonly clock: Clock,
  ) {}

  async record(db: Db, actor: Actor | null, meta: RequestMeta, entry: AuditEntry): Promise<void> {
    await this.repository.insert(
      {
        at: this.clock.now(),
        actorId: actor?.userId ?? null,
        actorRole: actor?.role ?? null,
        action: entry.action,
        targetType: entry.targetType,
        targetId: entry.targetId,
        regionPath: entry.regionPath,
        details: entry.details ?? {},
        requestId: meta.requestId,
        ip: meta.ip,
      },
      db,
    );
  }

  async list(actor: Actor, filter: AuditFilter, page: PageRequest) {
    requirePermission(actor.role, 'audit.read');
    const { rows, total } = await this.repository.list(actor.scope, filter, page);
    return {
      items: rows.map((row) => ({
        id: String(row.id),
        at: row.at.toISOString(),
        actorId: row.actor_id,
        actorRole: row.actor_role,
        action: row.action,
        targetType: row.target_type,
        targetId: row.target_id,
        details: row.details,
        requestId: row.request_id,
        ip: row.ip,
      })),
      total,
      ...page,
    };
  }
}
