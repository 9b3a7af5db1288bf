import type { Clock } from '../../platform/clock.js';
import { offsetOf } from '../../platform/http/pagination.js';
import type { Actor } from '../../platform/request-context.js';
import { can } from '../accounts/policies.js';
import type { Role } from '../accounts/roles.js';
import type { CaseLevel } from '../cases/case-state.js';
import type { CareTasks } from '../village-services/elderly.schema.js';
import type { QueueRow, QueueSources, WorkQueueRepository } from './work-queue.repository.js';
import { type Urgency, type WorkItem, type WorkItemKind, workItemKinds, type WorkQueuePage, type WorkQueueQuery } from './work-queue.schema.js';

export interface WorkQueueDeps {
  repository: WorkQueueRepository;
  /** 养老: the carer's visits due, computed by the elderly module's own plan rules. */
  care: { tasks(actor: Actor): Promise<Pick<CareTasks, 'visits'>> };
  clock: Clock;
}

const CHINA_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;
const urgencyNames: Urgency[] = ['critical', 'high', 'normal'];

/** Who accepts submitted cases at which level (小事不出网格、大事不出村): the branch secretary evaluates instead. */
const acceptLevel: Partial<Record<Role, CaseLevel>> = { grid_worker: 'grid', village_cadre: 'village', township_staff: 'township', admin: 'township' };
/** 支部评单: the branch evaluates its village's cases; the township its own (cases without a village). */
const evaluates: Partial<Record<Role, 'village' | 'township'>> = { branch_secretary: 'village', township_staff: 'township', admin: 'township' };

const waterTypes: Record<string, string> = { leak: '疑似漏水', burst: '疑似爆管', spike: '用水突增', zero: '长时间无用水', fault: '水表故障' };

/** Where each kind opens: the phone route and the console route (null where that app has no page for it). */
function urlsOf(kind: WorkItemKind, id: string, ref: string | null): WorkItem['url'] {
  switch (kind) {
    case 'alarm':
      return { h5: `/alarms/${id}`, console: '/safe-village/alarms' };
    case 'case_accept':
    case 'case_handle':
    case 'case_evaluate':
      return { h5: `/cases/${id}`, console: `/cases/${id}` };
    case 'care_visit':
      return { h5: `/care/residents/${ref}`, console: '/elderly' };
    case 'service_request':
      return { h5: `/requests/${id}`, console: '/service-requests' };
    case 'points_claim':
      return { h5: null, console: '/points/claims' };
    case 'party_leave':
      return { h5: null, console: `/party/meetings/${ref}` };
    case 'water_alert':
      return { h5: null, console: `/water/alerts/${id}` };
    case 'meeting_signin':
      return { h5: `/party/meetings/${id}`, console: null };
  }
}

/** The end of the China day that `now` falls in. */
function chinaDayEnd(now: Date): Date {
  const local = now.getTime() + CHINA_OFFSET_MS;
  return new Date(local - (local % DAY_MS) + DAY_MS - CHINA_OFFSET_MS);
}

function compare(a: QueueRow, b: QueueRow): number {
  if (a.urgency !== b.urgency) return a.urgency - b.urgency;
  const da = a.due_at?.getTime() ?? Infinity;
  const db = b.due_at?.getTime() ?? Infinity;
  if (da !== db) return da < db ? -1 : 1;
  const ca = a.created_at.getTime();
  const cb = b.created_at.getTime();
  if (ca !== cb) return ca - cb;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * 待办: everything waiting for one person, from every module, with each module's own rules for who
 * works on what and where. Everyone signed in has a queue: what a party member does for themselves
 * (signing in to today's meetings) depends on being a member, not on a role, so a villager's queue is
 * usually empty rather than forbidden.
 */
export class WorkQueueService {
  constructor(private readonly deps: WorkQueueDeps) {}

  private sources(actor: Actor, now: Date): QueueSources {
    const role = actor.role;
    return {
      scopePattern: `${actor.scope.path}%`,
      userId: actor.userId,
      now,
      dayEnd: chinaDayEnd(now),
      alarms: can(role, 'alarms.handle'),
      caseAcceptLevel: acceptLevel[role] ?? null,
      caseEvaluate: evaluates[role] ?? null,
      serviceRequests: can(role, 'services.handle'),
      pointsClaims: can(role, 'points.approve'),
      partyLeave: can(role, 'party.manage'),
      waterAlerts: can(role, 'water.handle'),
    };
  }

  /** The carer's visits due or overdue (plans and alert tasks), as queue rows. */
  private async careRows(actor: Actor): Promise<QueueRow[]> {
    if (!can(actor.role, 'elderly.care')) return [];
    const { visits } = await this.deps.care.tasks(actor);
    return visits.map((v) => ({
      kind: 'care_visit' as const,
      id: v.visitId ?? `plan:${v.resident.id}`,
      title: v.resident.name,
      subtitle: v.alert ? v.alert.note : (v.resident.address ?? ''),
      ref: v.resident.id,
      region_name: v.resident.region.name,
      urgency: v.status === 'overdue' ? 1 : 2,
      due_at: new Date(v.dueBy),
      created_at: new Date(v.lastVisitAt ?? v.dueBy),
    }));
  }

  async list(actor: Actor, query: WorkQueueQuery): Promise<WorkQueuePage> {
    const { page, pageSize, kind } = query;
    const now = this.deps.clock.now();
    const sources = this.sources(actor, now);
    const wantCare = !kind || kind.includes('care_visit');
    const [counted, care] = await Promise.all([this.deps.repository.counts(sources), this.careRows(actor)]);
    const offset = offsetOf({ page, pageSize });
    let rows: QueueRow[];
    if (!wantCare || care.length === 0) {
      rows = await this.deps.repository.page(sources, kind, pageSize, offset);
    } else {
      // Care visits are computed in code: merge them with the first offset + pageSize of the rest.
      const sqlRows = await this.deps.repository.page(sources, kind, offset + pageSize, 0);
      rows = [...sqlRows, ...care].sort(compare).slice(offset, offset + pageSize);
    }
    const counts = Object.fromEntries(workItemKinds.map((k) => [k, k === 'care_visit' ? care.length : (counted.get(k) ?? 0)])) as Record<WorkItemKind, number>;
    const asked: readonly WorkItemKind[] = kind ?? workItemKinds;
    let total = 0;
    for (const k of asked) total += counts[k];
    return {
      items: rows.map((row) => ({
        kind: row.kind,
        id: row.id,
        title: row.title,
        subtitle: row.kind === 'water_alert' ? (waterTypes[row.subtitle] ?? row.subtitle) : row.subtitle,
        regionName: row.region_name ?? '',
        urgency: urgencyNames[row.urgency] ?? 'normal',
        dueAt: row.due_at?.toISOString() ?? null,
        createdAt: row.created_at.toISOString(),
        url: urlsOf(row.kind, row.id, row.ref),
      })),
      total,
      counts,
      page,
      pageSize,
    };
  }
}
