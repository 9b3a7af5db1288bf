import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';

export type JobHandler = (tx: Db, payload: Record<string, unknown>, now: Date) => Promise<void>;

/**
 * Durable timers on PostgreSQL. A job is claimed with FOR UPDATE SKIP LOCKED inside a transaction,
 * its handler runs in that same transaction, and it is marked done before commit: its effects and
 * its completion land together, exactly once, however many processes poll.
 */
export class JobQueue {
  private readonly handlers = new Map<string, JobHandler[]>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Adds a handler for a kind of job; several modules may react to one kind, all in the job's transaction. */
  register(kind: string, handler: JobHandler): void {
    this.handlers.set(kind, [...(this.handlers.get(kind) ?? []), handler]);
  }

  /** Schedules a job in the caller's transaction; a second job with the same dedupe key is ignored. */
  async schedule(tx: Db, job: { kind: string; runAt: Date; payload: Record<string, unknown>; dedupeKey?: string }): Promise<void> {
    await tx
      .insertInto('jobs')
      .values({ kind: job.kind, run_at: job.runAt, payload: JSON.stringify(job.payload), dedupe_key: job.dedupeKey ?? null })
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .execute();
  }

  /** Runs every job due by now, one transaction each; returns how many completed. */
  async runDue(limit = 100): Promise<number> {
    let completed = 0;
    for (let i = 0; i < limit; i++) {
      const outcome = await this.runOne();
      if (outcome === 'none') break;
      if (outcome === 'done') completed++;
    }
    return completed;
  }

  private async runOne(): Promise<'none' | 'done' | 'failed'> {
    const now = this.clock.now();
    let failure: { id: string; attempts: number; error: string } | undefined;
    const outcome = await this.db.transaction().execute(async (tx) => {
      const job = await tx
        .selectFrom('jobs')
        .selectAll()
        .where('done_at', 'is', null)
        .where('run_at', '<=', now)
        .orderBy('run_at')
        .limit(1)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (!job) return 'none' as const;
      const handlers = this.handlers.get(job.kind) ?? [];
      try {
        await sql`SAVEPOINT job`.execute(tx);
        // A kind nobody handles yet (no module reacts to it) completes as is.
        for (const handler of handlers) await handler(tx, job.payload, now);
        await tx.updateTable('jobs').set({ done_at: now, attempts: job.attempts + 1 }).where('id', '=', job.id).execute();
        return 'done' as const;
      } catch (error) {
        await sql`ROLLBACK TO SAVEPOINT job`.execute(tx);
        failure = { id: job.id, attempts: job.attempts + 1, error: error instanceof Error ? error.message : String(error) };
        // Back off: 1, 2, 4 … minutes, at most an hour.
        const delayMs = Math.min(60, 2 ** (failure.attempts - 1)) * 60_000;
        await tx
          .updateTable('jobs')
          .set({ attempts: failure.attempts, last_error: failure.error.slice(0, 2000), run_at: new Date(now.getTime() + delayMs) })
          .where('id', '=', job.id)
          .execute();
        return 'failed' as const;
      }
    });
    if (failure) this.logger.error({ job: failure }, 'job failed; will retry');
    return outcome;
  }
}
