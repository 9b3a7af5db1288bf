import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { CaseLevel } from '../cases/case-state.js';
import type { WorkItemKind } from './work-queue.schema.js';

/** Which sources a caller works on; the service decides from the role (and each module's rules). */
export interface QueueSources {
  /** LIKE pattern of the caller's subtree. */
  scopePattern: string;
  userId: string;
  now: Date;
  /** The end of today in China time: meetings starting before it are today's. */
  dayEnd: Date;
  alarms: boolean;
  /** Submitted cases at this level wait for the caller to accept them. */
  caseAcceptLevel: CaseLevel | null;
  /** Resolved cases to evaluate: a branch's (with a village) or the township's own (without). */
  caseEvaluate: 'village' | 'township' | null;
  serviceRequests: boolean;
  pointsClaims: boolean;
  partyLeave: boolean;
  waterAlerts: boolean;
}

export interface QueueRow {
  kind: WorkItemKind;
  id: string;
  title: string;
  subtitle: string;
  /** A second reference the page needs (a visit's resident, a leave request's meeting). */
  ref: string | null;
  region_name: string | null;
  /** 0 critical, 1 high, 2 normal. */
  urgency: number;
  due_at: Date | null;
  created_at: Date;
}

/**
 * The open items of every module that wait for one person, as one UNION ALL ordered in SQL, so a
 * township's ten thousand items are paged without reading them all. Each branch repeats the filter
 * of its module's own list (scope by region path, the states that still need someone).
 */
export class WorkQueueRepository {
  constructor(private readonly db: Db) {}

  private branches(s: QueueSources, kinds: readonly WorkItemKind[] | undefined): RawBuilder<unknown>[] {
    const want = (kind: WorkItemKind) => !kinds || kinds.includes(kind);
    const { scopePattern: scope, userId: me, now } = s;
    const overdue = (column: RawBuilder<unknown>) => sql`CASE WHEN ${column} < ${now} THEN 1 ELSE 2 END`;
    const parts: RawBuilder<unknown>[] = [];
    if (s.alarms && want('alarm')) {
      parts.push(sql`SELECT 'alarm' AS kind, a.id::text AS id, a.camera_name || ' · ' || a.zone_name AS title, a.warning_text AS subtitle,
        NULL::text AS ref, a.region_path, 0 AS urgency, NULL::timestamptz AS due_at, a.raised_at AS created_at
        FROM alarms a WHERE a.state = 'open' AND a.region_path LIKE ${scope}`);
    }
    if (s.caseAcceptLevel && want('case_accept')) {
      parts.push(sql`SELECT 'case_accept', c.id::text, cc.name, c.number || ' ' || left(c.description, 60), NULL, c.region_path,
        ${overdue(sql`c.accept_due_at`)}, c.accept_due_at, c.created_at
        FROM cases c JOIN case_categories cc ON cc.code = c.category_code
        WHERE c.state = 'submitted' AND c.level = ${s.caseAcceptLevel} AND c.region_path LIKE ${scope}`);
    }
    if (want('case_handle')) {
      parts.push(sql`SELECT 'case_handle', c.id::text, cc.name, c.number || ' ' || left(c.description, 60), NULL, c.region_path,
        ${overdue(sql`c.resolve_due_at`)}, c.resolve_due_at, c.created_at
        FROM cases c JOIN case_categories cc ON cc.code = c.category_code
        WHERE c.state = 'accepted' AND c.assignee_id = ${me}`);
    }
    if (s.caseEvaluate && want('case_evaluate')) {
      const where = s.caseEvaluate === 'village' ? sql`c.village_code IS NOT NULL` : sql`c.village_code IS NULL`;
      parts.push(sql`SELECT 'case_evaluate', c.id::text, cc.name, c.number || ' ' || left(c.description, 60), NULL, c.region_path,
        2, NULL::timestamptz, c.resolved_at
        FROM cases c JOIN case_categories cc ON cc.code = c.category_code
        WHERE c.state = 'resolved' AND c.region_path LIKE ${scope} AND ${where} AND c.resolver_id IS DISTINCT FROM ${me}`);
    }
    if (s.serviceRequests && want('service_request')) {
      // Waiting for the office: new ones, and accepted ones (awaiting materials waits for the villager).
      parts.push(sql`SELECT 'service_request', r.id::text, r.guide_name, r.requester_name || ' · ' || r.number, NULL, r.region_path,
        ${overdue(sql`r.appointment_at`)}, r.appointment_at, r.created_at
        FROM service_requests r
        WHERE r.state IN ('submitted', 'accepted') AND r.region_path LIKE ${scope} AND (r.handler_id IS NULL OR r.handler_id = ${me} OR r.state = 'submitted')`);
    }
    if (s.pointsClaims && want('points_claim')) {
      parts.push(sql`SELECT 'points_claim', p.id::text, p.rule_name, p.user_name || ' · ' || left(p.description, 60), NULL, p.region_path,
        2, NULL::timestamptz, p.created_at
        FROM points_claims p WHERE p.state = 'pending' AND p.region_path LIKE ${scope}`);
    }
    if (s.partyLeave && want('party_leave')) {
      parts.push(sql`SELECT 'party_leave', m.id::text || ':' || pa.member_id::text, m.title, pa.member_name || '：' || coalesce(pa.leave_reason, ''), m.id::text, m.region_path,
        ${overdue(sql`m.starts_at`)}, m.starts_at, pa.leave_requested_at
        FROM party_attendance pa JOIN party_meetings m ON m.id = pa.meeting_id
        WHERE pa.leave_decision = 'pending' AND m.status <> 'cancelled' AND m.region_path LIKE ${scope}`);
    }
    if (s.waterAlerts && want('water_alert')) {
      parts.push(sql`SELECT 'water_alert', w.id::text, w.meter_name, w.type::text, NULL, w.region_path,
        CASE WHEN w.type IN ('burst', 'leak') THEN 1 ELSE 2 END, NULL::timestamptz, w.started_at
        FROM water_alerts w WHERE w.ended_at IS NULL AND w.acknowledged_at IS NULL AND w.region_path LIKE ${scope}`);
    }
    if (want('meeting_signin')) {
      // The caller's own meetings of today whose sign-in has not closed and who has neither signed in nor asked for leave.
      parts.push(sql`SELECT 'meeting_signin', m.id::text, m.title, coalesce(m.place, ''), NULL, m.region_path,
        CASE WHEN m.signin_opens_at <= ${now} THEN 1 ELSE 2 END, m.signin_closes_at, m.starts_at
        FROM party_members pm JOIN party_attendance pa ON pa.member_id = pm.id JOIN party_meetings m ON m.id = pa.meeting_id
        WHERE pm.user_id = ${me} AND pa.status = 'expected' AND pa.leave_decision IS NULL AND m.status = 'planned'
          AND m.signin_closes_at >= ${now} AND m.starts_at < ${s.dayEnd}`);
    }
    return parts;
  }

  /** The first `limit` items after `offset`, in queue order, of the kinds asked for. */
  async page(s: QueueSources, kinds: readonly WorkItemKind[] | undefined, limit: number, offset: number): Promise<QueueRow[]> {
    const parts = this.branches(s, kinds);
    if (parts.length === 0) return [];
    const result = await sql<QueueRow>`
      SELECT q.kind, q.id, q.title, q.subtitle, q.ref, r.name AS region_name, q.urgency, q.due_at, q.created_at
      FROM (${sql.join(parts, sql` UNION ALL `)}) AS q (kind, id, title, subtitle, ref, region_path, urgency, due_at, created_at)
      LEFT JOIN regions r ON r.path = q.region_path
      ORDER BY q.urgency, q.due_at ASC NULLS LAST, q.created_at, q.id
      LIMIT ${limit} OFFSET ${offset}`.execute(this.db);
    return result.rows.map((row) => ({ ...row, urgency: Number(row.urgency) }));
  }

  /** Open items per kind, every kind the caller works on. */
  async counts(s: QueueSources): Promise<Map<WorkItemKind, number>> {
    const parts = this.branches(s, undefined);
    if (parts.length === 0) return new Map();
    const result = await sql<{ kind: WorkItemKind; n: string }>`
      SELECT q.kind, count(*) AS n FROM (${sql.join(parts, sql` UNION ALL `)}) AS q (kind, id, title, subtitle, ref, region_path, urgency, due_at, created_at)
      GROUP BY q.kind`.execute(this.db);
    return new Map(result.rows.map((row) => [row.kind, Number(row.n)]));
  }
}
