import { sql } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import { offsetOf, type PageRequest } from '../../platform/http/pagination.js';
import { type Scope, subtreePattern } from '../../platform/scope.js';
import type { ChainedEntry, ChainPoint } from './audit-chain.js';

export type ActorKind = 'user' | 'system' | 'anonymous';

export interface NewAuditEvent {
  at: Date;
  actorId: string | null;
  actorRole: string | null;
  actorKind: ActorKind;
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
  /** Half-open range on the entry's time: from ≤ at < to. */
  from?: Date;
  to?: Date;
  /** Entries the platform made by itself (alarms, jobs, devices) are left out unless asked for. */
  includeSystem?: boolean;
}

export interface AuditListRow {
  id: string;
  seq: string | null;
  at: Date;
  actor_id: string | null;
  actor_role: string | null;
  actor_kind: ActorKind;
  actor_name: string | null;
  action: string;
  target_type: string;
  target_id: string;
  region_path: string;
  details: Record<string, unknown>;
  request_id: string | null;
  ip: string | null;
  prev_hash: string | null;
  hash: string | null;
}

const UTC_MICROS = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

export class AuditRepository {
  constructor(private readonly db: Db) {}

  /**
   * Appends an entry. Its chain position and hash are given by the database when the caller's
   * transaction commits (trigger `audit_events_chain`), so every insert is chained, whoever makes it.
   */
  async insert(event: NewAuditEvent, db: Db = this.db): Promise<void> {
    await db
      .insertInto('audit_events')
      .values({
        at: event.at,
        actor_id: event.actorId,
        actor_role: event.actorRole,
        actor_kind: event.actorKind,
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

  private filtered(scope: Scope, filter: AuditFilter) {
    let query = this.db
      .selectFrom('audit_events')
      .leftJoin('users', 'users.id', 'audit_events.actor_id')
      .where('audit_events.region_path', 'like', subtreePattern(scope));
    if (filter.action) query = query.where('audit_events.action', '=', filter.action);
    if (filter.targetType) query = query.where('audit_events.target_type', '=', filter.targetType);
    if (filter.targetId) query = query.where('audit_events.target_id', '=', filter.targetId);
    if (filter.actorId) query = query.where('audit_events.actor_id', '=', filter.actorId);
    if (filter.from) query = query.where('audit_events.at', '>=', filter.from);
    if (filter.to) query = query.where('audit_events.at', '<', filter.to);
    if (!filter.includeSystem) query = query.where('audit_events.actor_kind', '<>', 'system');
    return query.select([
      'audit_events.id',
      'audit_events.seq',
      'audit_events.at',
      'audit_events.actor_id',
      'audit_events.actor_role',
      'audit_events.actor_kind',
      'users.name as actor_name',
      'audit_events.action',
      'audit_events.target_type',
      'audit_events.target_id',
      'audit_events.region_path',
      'audit_events.details',
      'audit_events.request_id',
      'audit_events.ip',
      'audit_events.prev_hash',
      'audit_events.hash',
    ]);
  }

  async list(scope: Scope, filter: AuditFilter, page: PageRequest): Promise<{ rows: AuditListRow[]; total: number }> {
    const query = this.filtered(scope, filter);
    const [rows, total] = await Promise.all([
      query.orderBy('audit_events.at', 'desc').orderBy('audit_events.id', 'desc').limit(page.pageSize).offset(offsetOf(page)).execute(),
      query.clearSelect().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(total.n) };
  }

  /** One batch of an export, in chain order after `afterSeq` (keyset, so any size streams). */
  async exportBatch(scope: Scope, filter: AuditFilter, afterSeq: string, limit: number): Promise<AuditListRow[]> {
    return this.filtered(scope, filter).where('audit_events.seq', '>', afterSeq).orderBy('audit_events.seq').limit(limit).execute();
  }

  /** The head (last chained entry) and the anchor (last purged entry). */
  async chainPoints(db: Db = this.db): Promise<{ head: ChainPoint; anchor: ChainPoint }> {
    const [head, anchor] = await Promise.all([
      db.selectFrom('audit_chain_head').select(['seq', 'hash']).executeTakeFirstOrThrow(),
      db.selectFrom('audit_chain_anchor').select(['seq', 'hash']).executeTakeFirstOrThrow(),
    ]);
    return { head: { seq: Number(head.seq), hash: head.hash }, anchor: { seq: Number(anchor.seq), hash: anchor.hash } };
  }

  /** Entries in chain order after `afterSeq`, every field as text exactly as the chain hashed it. */
  async chainBatch(afterSeq: number, limit: number, db: Db = this.db): Promise<ChainedEntry[]> {
    const { rows } = await sql<ChainedEntry>`
      SELECT id::text AS "id", seq::text AS "seq", to_char(at AT TIME ZONE 'UTC', ${sql.raw(UTC_MICROS)}) AS "at",
             actor_id::text AS "actorId", actor_role AS "actorRole", actor_kind AS "actorKind", action,
             target_type AS "targetType", target_id AS "targetId", region_path AS "regionPath", details::text AS "details",
             request_id AS "requestId", ip, prev_hash AS "prevHash", hash
      -- audit_events.seq: the bigint, not the text alias, orders the chain
      FROM audit_events WHERE audit_events.seq > ${afterSeq} ORDER BY audit_events.seq LIMIT ${limit}`.execute(db);
    return rows;
  }

  /** A committed entry that the chain never placed (possible only with the triggers bypassed). */
  async firstUnchained(db: Db = this.db): Promise<string | null> {
    const row = await db.selectFrom('audit_events').select('id').where('seq', 'is', null).orderBy('id').limit(1).executeTakeFirst();
    return row?.id ?? null;
  }

  /**
   * Removes the oldest entries, a prefix of the chain in seq order, stopping at the first entry at or
   * after `cutoff` (so nothing younger is ever removed) or after `limit` entries; the anchor moves to
   * the last one removed. Runs in the caller's transaction. Returns how many were removed.
   */
  async purge(tx: Db, cutoff: Date, limit: number, now: Date): Promise<number> {
    const anchor = await tx.selectFrom('audit_chain_anchor').select(['seq', 'hash']).forUpdate().executeTakeFirstOrThrow();
    const candidates = await tx
      .selectFrom('audit_events')
      .select(['seq', 'at', 'hash'])
      .where('seq', '>', anchor.seq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    let last: { seq: string; hash: string } | undefined;
    for (const row of candidates) {
      if (row.at >= cutoff) break;
      last = { seq: row.seq!, hash: row.hash! };
    }
    if (!last) return 0;
    await sql`SELECT set_config('shuxiang.audit_purge', 'on', true)`.execute(tx);
    await tx.updateTable('audit_chain_anchor').set({ seq: last.seq, hash: last.hash, moved_at: now }).execute();
    const removed = await tx.deleteFrom('audit_events').where('seq', '<=', last.seq).executeTakeFirst();
    await sql`SELECT set_config('shuxiang.audit_purge', 'off', true)`.execute(tx);
    return Number(removed.numDeletedRows);
  }

  /** Claims the (person, route, minute) of a denial; false when it already has its entry. */
  async claimDenial(tx: Db, userId: string, route: string, minute: Date): Promise<boolean> {
    const row = await tx
      .insertInto('audit_denials')
      .values({ user_id: userId, route, minute })
      .onConflict((oc) => oc.doNothing())
      .returning('minute')
      .executeTakeFirst();
    return row !== undefined;
  }

  async purgeDenials(tx: Db, before: Date): Promise<void> {
    await tx.deleteFrom('audit_denials').where('minute', '<', before).execute();
  }
}
