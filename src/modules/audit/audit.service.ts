import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { PageRequest } from '../../platform/http/pagination.js';
import type { JobQueue } from '../../platform/jobs/job-queue.js';
import type { Actor, RequestMeta } from '../../platform/request-context.js';
import { requirePermission } from '../accounts/policies.js';
import { type ChainBreak, type ChainPoint, ChainWalker } from './audit-chain.js';
import type { ActorKind, AuditFilter, AuditListRow, AuditRepository } from './audit.repository.js';

export interface AuditEntry {
  action: string;
  targetType: string;
  targetId: string;
  regionPath: string;
  details?: Record<string, unknown>;
  /**
   * Who acted, when the actor alone does not say: by default a signed-in actor is a `user`, no actor
   * within a request (a failed login) is `anonymous`, and no actor outside any request (alarms, jobs,
   * devices) is the `system`.
   */
  actorKind?: ActorKind;
}

export interface VerifyResult {
  ok: boolean;
  /** Entries checked, from the first after the anchor. */
  checked: number;
  anchor: ChainPoint;
  head: ChainPoint;
  broken: ChainBreak | null;
}

export const AUDIT_RETENTION_JOB = 'audit.retention';
const PURGE_BATCH = 10_000;
const RETENTION_HOUR_CHINA = 4;
const CHINA_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

/** Codes that mean "this person may not do this" (a scope miss answers 404 and is not a denial). */
const DENIAL_CODES = new Set(['FORBIDDEN', 'CANNOT_EVALUATE_OWN_WORK', 'CANNOT_DECIDE_OWN_HOUSEHOLD', 'PARTY_NOT_A_MEMBER', 'CSRF_REJECTED']);

/** The name an entry gives its target, where it has one (details.name or details.title). */
function targetNameOf(details: Record<string, unknown>): string | null {
  for (const key of ['name', 'title']) {
    const value = details[key];
    if (typeof value === 'string' && value.trim()) return value;
  }
  return null;
}

const chinaTime = (at: Date) => new Date(at.getTime() + CHINA_OFFSET_MS).toISOString().replace('T', ' ').slice(0, 19);

/** One CSV line as Excel reads it: quoted where needed, formulas defused with an apostrophe. */
function csvLine(cells: (string | null)[]): string {
  return `${cells
    .map((value) => {
      if (value === null) return '';
      const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
      return /[",\r\n]/.test(safe) || safe !== value ? `"${safe.replaceAll('"', '""')}"` : safe;
    })
    .join(',')}\r\n`;
}

const CSV_HEADER = ['序号 seq', '时间（北京时间）', '操作人类型 kind', '操作人编号 actor', '操作人', '角色 role', '操作 action', '对象类型 target type', '对象编号 target id', '对象名称', '区域 region', '详情 details', '请求编号 request', 'IP', '前一条哈希 prev_hash', '哈希 hash'];

/**
 * The audit trail: who changed what, when, from where. Written in the same transaction as the change;
 * chained by SHA-256 at commit (see migration 20261207110000), kept `retentionDays`, then purged with
 * the chain's anchor moved so it still verifies.
 */
export class AuditService {
  /** Denials already recorded this minute in this process: spares the database a flood's round trips. */
  private deniedThisMinute = { minute: 0, keys: new Set<string>() };

  constructor(
    private readonly repository: AuditRepository,
    private readonly clock: Clock,
    private readonly db: Db,
    private readonly retentionDays: number,
  ) {}

  async record(db: Db, actor: Actor | null, meta: RequestMeta, entry: AuditEntry): Promise<void> {
    await this.repository.insert(
      {
        at: this.clock.now(),
        actorId: actor?.userId ?? null,
        actorRole: actor?.role ?? null,
        actorKind: entry.actorKind ?? (actor ? 'user' : meta.requestId ? 'anonymous' : 'system'),
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
    return { items: rows.map((row) => this.view(row)), total, ...page };
  }

  /**
   * The entries in scope matching the filter, oldest first, as CSV lines (UTF-8 with a BOM for
   * Excel), read in batches so any size streams. The export itself is audited before the first line.
   */
  async export(actor: Actor, meta: RequestMeta, filter: AuditFilter): Promise<AsyncIterable<string>> {
    requirePermission(actor.role, 'audit.read');
    await this.record(this.db, actor, meta, {
      action: 'audit.export',
      targetType: 'audit',
      targetId: actor.scope.regionCode,
      regionPath: actor.scope.path,
      details: { ...filter, from: filter.from?.toISOString() ?? null, to: filter.to?.toISOString() ?? null },
    });
    const repository = this.repository;
    return (async function* () {
      yield `\uFEFF${csvLine(CSV_HEADER)}`;
      let after = '0';
      for (;;) {
        const rows = await repository.exportBatch(actor.scope, filter, after, 1000);
        if (rows.length === 0) return;
        yield rows
          .map((r) =>
            csvLine([
              r.seq,
              chinaTime(r.at),
              r.actor_kind,
              r.actor_id,
              r.actor_name,
              r.actor_role,
              r.action,
              r.target_type,
              r.target_id,
              targetNameOf(r.details),
              r.region_path,
              JSON.stringify(r.details),
              r.request_id,
              r.ip,
              r.prev_hash,
              r.hash,
            ]),
          )
          .join('');
        after = rows[rows.length - 1]!.seq!;
      }
    })();
  }

  /** Checks the whole chain (administrators). */
  async verify(actor: Actor): Promise<VerifyResult> {
    requirePermission(actor.role, 'audit.verify');
    return this.verifyChain();
  }

  /** Walks the chain from the anchor to the head and reports the first broken link (also `shuxiang audit verify`). */
  async verifyChain(): Promise<VerifyResult> {
    // Read the points first: entries committed meanwhile lie beyond the head and are not judged.
    const { head, anchor } = await this.repository.chainPoints();
    const walker = new ChainWalker(anchor);
    let after = anchor.seq;
    walk: while (after < head.seq) {
      const batch = await this.repository.chainBatch(after, 2000);
      if (batch.length === 0) break;
      for (const entry of batch) {
        if (Number(entry.seq) > head.seq) break walk;
        if (!walker.next(entry)) break walk;
        after = Number(entry.seq);
      }
    }
    let broken = walker.end(head);
    if (!broken && (await this.repository.firstUnchained())) broken = { seq: head.seq + 1, reason: 'unchained' };
    return { ok: broken === null, checked: walker.checked, anchor, head, broken };
  }

  /**
   * Records a permission denial of a signed-in person as `access.denied`, at most once per person,
   * route and minute (across processes: table audit_denials). Returns whether an entry was written.
   */
  async recordDenial(actor: Actor, meta: RequestMeta, denial: { method: string; route: string; code: string; permission?: string }): Promise<boolean> {
    if (!DENIAL_CODES.has(denial.code)) return false;
    const now = this.clock.now();
    const minute = Math.floor(now.getTime() / 60_000);
    const route = `${denial.method} ${denial.route}`;
    const key = `${actor.userId} ${route}`;
    if (this.deniedThisMinute.minute !== minute) this.deniedThisMinute = { minute, keys: new Set() };
    if (this.deniedThisMinute.keys.has(key)) return false;
    const written = await this.db.transaction().execute(async (tx) => {
      if (!(await this.repository.claimDenial(tx, actor.userId, route, new Date(minute * 60_000)))) return false;
      await this.record(tx, actor, meta, {
        action: 'access.denied',
        targetType: 'route',
        targetId: route,
        regionPath: actor.scope.path,
        details: { method: denial.method, route: denial.route, code: denial.code, permission: denial.permission ?? null },
      });
      return true;
    });
    // Bounded: a flood of distinct routes in one minute falls back to the database's dedupe.
    if (this.deniedThisMinute.keys.size < 10_000) this.deniedThisMinute.keys.add(key);
    return written;
  }

  /** The daily purge runs as a durable job (once, however many processes poll). */
  registerRetention(jobs: JobQueue): void {
    jobs.register(AUDIT_RETENTION_JOB, async (tx, _payload, now) => {
      const removed = await this.purge(tx, now);
      // A backlog larger than one batch continues at once in the next job; otherwise tomorrow.
      const runAt = removed === PURGE_BATCH ? now : nextRetentionRun(now);
      await jobs.schedule(tx, { kind: AUDIT_RETENTION_JOB, runAt, payload: {}, dedupeKey: `${AUDIT_RETENTION_JOB}:${runAt.toISOString()}` });
    });
  }

  /** Plans the next daily purge (idempotent: one job per run time). */
  async scheduleRetention(jobs: JobQueue): Promise<void> {
    const runAt = nextRetentionRun(this.clock.now());
    await jobs.schedule(this.db, { kind: AUDIT_RETENTION_JOB, runAt, payload: {}, dedupeKey: `${AUDIT_RETENTION_JOB}:${runAt.toISOString()}` });
  }

  /** Removes entries older than the retention (at most one batch) and old denial marks; returns how many entries went. */
  async purge(tx: Db, now: Date): Promise<number> {
    const cutoff = new Date(now.getTime() - this.retentionDays * DAY_MS);
    await this.repository.purgeDenials(tx, new Date(now.getTime() - DAY_MS));
    return this.repository.purge(tx, cutoff, PURGE_BATCH, now);
  }

  private view(row: AuditListRow) {
    return {
      id: String(row.id),
      seq: row.seq === null ? null : Number(row.seq),
      at: row.at.toISOString(),
      actorId: row.actor_id,
      actorRole: row.actor_role,
      actorKind: row.actor_kind,
      actorName: row.actor_name,
      action: row.action,
      targetType: row.target_type,
      targetId: row.target_id,
      targetName: targetNameOf(row.details),
      details: row.details,
      requestId: row.request_id,
      ip: row.ip,
      hash: row.hash,
    };
  }
}

/** 04:00 China time (UTC+8, no daylight saving) after `now`. */
export function nextRetentionRun(now: Date): Date {
  const localDayStart = Math.floor((now.getTime() + CHINA_OFFSET_MS) / DAY_MS) * DAY_MS - CHINA_OFFSET_MS;
  const today = localDayStart + RETENTION_HOUR_CHINA * 3_600_000;
  return new Date(today > now.getTime() ? today : today + DAY_MS);
}
