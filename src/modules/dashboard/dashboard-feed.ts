import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { EventBus } from '../../platform/events.js';
import { AppError } from '../../platform/http/errors.js';
import type { JobQueue } from '../../platform/jobs/job-queue.js';
import { localDate } from '../../platform/working-time.js';
import { type BroadcastEvents, SCHEDULE_JOB } from '../broadcast/broadcast.service.js';
import { CASE_CLOSED_JOB, type CaseEvents, DEADLINE_JOB } from '../cases/cases.service.js';
import type { LiveHub } from '../live/live-hub.js';
import type { SafeVillageEvents } from '../safe-village/safe-village.service.js';
import { addDays, codesOf, Deltas, recentStart, startOfDay, windowStart } from './dashboard-model.js';
import type { DashboardRepository } from './dashboard.repository.js';

/** A failed increment, retried durably. */
export const DASHBOARD_SYNC_JOB = 'dashboard.sync';
/** The nightly recount from the source tables. */
export const DASHBOARD_REBUILD_JOB = 'dashboard.rebuild';
const RETRY_MS = 60_000;
const NIGHTLY_HOUR = 3;

/** Something that moved a counter, and the live message that tells the screens (if any). */
type Item = { kind: 'case'; id: string } | { kind: 'alarm'; id: string } | { kind: 'broadcast'; id: string } | { kind: 'play'; broadcastId: string; deviceId: string };
type Announce = 'case.created' | 'case.updated' | 'broadcast.created' | 'none';

export interface FeedSources {
  cases: Pick<EventBus<CaseEvents>, 'on'>;
  alarms: Pick<EventBus<SafeVillageEvents>, 'on'>;
  broadcasts: Pick<EventBus<BroadcastEvents>, 'on'>;
}

/**
 * Keeps the big screen's read models current. Domain events (after their commit) and the jobs of
 * other modules (in their transaction) move the counters, each in a transaction of its own that
 * also sends the live message, so a screen refetching on it sees the new figures.
 *
 * Idempotent by construction: a case's increment is the difference between its stored fact and
 * its state now; an alarm, broadcast or play is counted when its feed row or mark is new. Events
 * lost in a crash are found by `rebuild`, which recounts from the source tables at start-up and
 * every night, a township at a time; a recount excludes the increments of the regions it recounts
 * (advisory locks), so neither is lost and the rest of the county carries on meanwhile.
 */
export class DashboardFeed {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly deps: { db: Db; repository: DashboardRepository; jobs: JobQueue; live: LiveHub; clock: Clock; logger: Logger },
  ) {
    const { jobs } = deps;
    // A deadline passing makes a case overdue; a closure's job is the durable twin of its event.
    jobs.register(DEADLINE_JOB, (tx, payload, now) => this.besideJob(tx, { kind: 'case', id: String(payload.caseId) }, now));
    jobs.register(CASE_CLOSED_JOB, (tx, payload, now) => this.besideJob(tx, { kind: 'case', id: String(payload.caseId) }, now));
    // A programme's broadcast is made inside its job, so it is counted there too.
    jobs.register(SCHEDULE_JOB, (tx, payload, now) => this.besideProgramme(tx, String(payload.scheduleId), now));
    jobs.register(DASHBOARD_SYNC_JOB, (tx, payload, now) => this.apply(tx, payload.item as Item, payload.announce as Announce, now));
    // The night's job only starts the recount: it runs a township per transaction, not in the job's.
    jobs.register(DASHBOARD_REBUILD_JOB, async (tx, _payload, now) => {
      await this.scheduleNightly(tx, now);
      this.rebuildInBackground('nightly');
    });
  }

  listen(sources: FeedSources): () => void {
    const offs = [
      sources.cases.on('case.reported', (e) => this.onEvent({ kind: 'case', id: e.caseId }, 'case.created')),
      // A comment changes nothing a screen shows: counted (a no-op), not announced.
      sources.cases.on('case.changed', (e) => this.onEvent({ kind: 'case', id: e.caseId }, e.action === 'comment' ? 'none' : 'case.updated')),
      sources.alarms.on('alarm.raised', (e) => this.onEvent({ kind: 'alarm', id: e.alarmId }, 'none')),
      sources.broadcasts.on('broadcast.created', (e) => this.onEvent({ kind: 'broadcast', id: e.broadcastId }, 'broadcast.created')),
      sources.broadcasts.on('delivery.finished', (e) => this.onEvent({ kind: 'play', broadcastId: e.broadcastId, deviceId: e.deviceId }, 'none')),
    ];
    return () => offs.forEach((off) => off());
  }

  /** Resolves once every increment and recount started so far has finished. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Recounts from the source tables: one region's subtree (the regions above it follow), a
   * county (township by township, then its own rows), or every county.
   */
  async rebuild(regionCode?: string): Promise<void> {
    const { repository, db, clock } = this.deps;
    if (regionCode) {
      const region = await repository.region(regionCode);
      if (!region) throw new AppError('REGION_NOT_FOUND', { detail: { zh: regionCode, en: regionCode } });
      if (region.parent_code === null) return this.rebuildCounty(region);
      return db.transaction().execute((tx) => this.recountSubtree(tx, region, clock.now()));
    }
    for (const county of await repository.roots(null)) await this.rebuildCounty(county);
  }

  /** Township by township (each excludes only its own increments), then the county's own rows. */
  private async rebuildCounty(county: { code: string; path: string }): Promise<void> {
    const { repository, db, clock } = this.deps;
    for (const township of await repository.roots(county.code)) await db.transaction().execute((tx) => this.recountSubtree(tx, township, clock.now()));
    await db.transaction().execute((tx) => this.recountCounty(tx, county, clock.now()));
  }

  /** At start-up: recount in the background (events lost in a crash), and plan the nightly recount. */
  startBackground(): void {
    this.track(this.scheduleNightly(this.deps.db, this.deps.clock.now()).catch((error: unknown) => this.deps.logger.error({ err: error }, 'dashboard: nightly recount not planned')));
    this.rebuildInBackground('start-up');
  }

  private rebuildInBackground(when: string): void {
    const started = Date.now();
    this.track(
      this.rebuild().then(
        () => this.deps.logger.info({ ms: Date.now() - started, when }, 'dashboard: read models recounted'),
        (error: unknown) => this.deps.logger.error({ err: error, when }, 'dashboard: recount failed'),
      ),
    );
  }

  // ---- increments -------------------------------------------------------------------------------

  private onEvent(item: Item, announce: Announce): void {
    const work = this.deps.db
      .transaction()
      .execute((tx) => this.apply(tx, item, announce, this.deps.clock.now()))
      .catch(async (error: unknown) => {
        this.deps.logger.warn({ err: error, item }, 'dashboard: increment failed; retrying in a minute');
        await this.deps.jobs.schedule(this.deps.db, { kind: DASHBOARD_SYNC_JOB, runAt: new Date(this.deps.clock.now().getTime() + RETRY_MS), payload: { item, announce } });
      })
      .catch((error: unknown) => this.deps.logger.error({ err: error, item }, 'dashboard: increment lost until the next recount'));
    this.track(work);
  }

  /** Inside another module's job: isolated, so a failure here never undoes that job's work. */
  private async besideJob(tx: Db, item: Item, now: Date): Promise<void> {
    await this.deps.repository.savepoint(tx, 'set');
    try {
      await this.apply(tx, item, 'none', now);
      await this.deps.repository.savepoint(tx, 'release');
    } catch (error) {
      await this.deps.repository.savepoint(tx, 'rollback');
      this.deps.logger.warn({ err: error, item }, 'dashboard: increment in a job failed; retrying in a minute');
      await this.deps.jobs.schedule(tx, { kind: DASHBOARD_SYNC_JOB, runAt: new Date(now.getTime() + RETRY_MS), payload: { item, announce: 'none' } });
    }
  }

  private async besideProgramme(tx: Db, scheduleId: string, now: Date): Promise<void> {
    for (const id of await this.deps.repository.broadcastsOfSchedule(tx, scheduleId, new Date(now.getTime() - 3_600_000))) {
      await this.besideJob(tx, { kind: 'broadcast', id }, now);
    }
  }

  private async apply(tx: Db, item: Item, announce: Announce, now: Date): Promise<void> {
    switch (item.kind) {
      case 'case':
        return this.syncCase(tx, item.id, announce, now);
      case 'alarm':
        return this.countAlarm(tx, item.id, now);
      case 'broadcast':
        return this.countBroadcast(tx, item.id, now);
      case 'play':
        return this.countPlay(tx, item.broadcastId, item.deviceId, now);
    }
  }

  /** Applies the difference between the case's stored contribution and its contribution now. */
  private async syncCase(tx: Db, id: string, announce: Announce, now: Date): Promise<void> {
    const { repository, live } = this.deps;
    const path = await repository.casePath(tx, id);
    if (!path) return;
    await repository.lock(tx, path, 'item');
    await repository.lockItem(tx, `case:${id}`);
    const before = await repository.storedFact(tx, id);
    const after = (await repository.caseFact(tx, id, now))!;
    const from = windowStart(now);
    const deltas = new Deltas().addCase(after, 1, from);
    if (before) deltas.addCase(before, -1, from);
    await repository.applyDeltas(tx, deltas);
    await repository.saveFact(tx, after);
    // Deadlines pass without an event of the cases module: say so when the overdue count moved.
    const say = announce === 'none' && before && before.is_overdue !== after.is_overdue ? 'case.updated' : announce;
    if (say !== 'case.created' && say !== 'case.updated') return;
    const c = (await repository.caseAnnouncement(tx, id))!;
    const data =
      say === 'case.created'
        ? { id, number: c.number, categoryName: c.category_name, regionName: c.region_name, description: c.description.slice(0, 40), createdAt: c.created_at.toISOString() }
        : { id, state: c.state };
    await live.publish({ event: say, regionPath: path, data, permission: 'dashboard.read' }, tx);
  }

  private async countAlarm(tx: Db, id: string, now: Date): Promise<void> {
    const { repository } = this.deps;
    const alarm = await repository.alarm(tx, id);
    const day = alarm && localDate(alarm.raised_at);
    if (!alarm || !day || day < recentStart(now)) return;
    const codes = codesOf(alarm.region_path);
    if (codes.length === 0) return;
    await repository.lock(tx, alarm.region_path, 'item');
    const fresh = await repository.addToFeed(tx, codes, alarm.raised_at, id);
    const deltas = new Deltas();
    for (const code of fresh) deltas.addAlarms(code, day, alarm.kind, 1);
    await repository.applyDeltas(tx, deltas);
  }

  private async countBroadcast(tx: Db, id: string, now: Date): Promise<void> {
    const { repository, live } = this.deps;
    const b = await repository.broadcast(tx, id);
    const day = b && localDate(b.created_at);
    if (!b || !day || day < recentStart(now)) return;
    const codes = codesOf(b.region_path);
    if (codes.length === 0) return;
    await repository.lock(tx, b.region_path, 'item');
    if (!(await repository.mark(tx, `broadcast:${id}`, b.region_path, day))) return;
    const deltas = new Deltas();
    for (const code of codes) deltas.addDaily(code, day, { broadcasts: 1 });
    await repository.applyDeltas(tx, deltas);
    await live.publish(
      { event: 'broadcast.created', regionPath: b.region_path, data: { id, title: b.title, kind: b.kind, createdAt: b.created_at.toISOString() }, permission: 'dashboard.read' },
      tx,
    );
  }

  private async countPlay(tx: Db, broadcastId: string, deviceId: string, now: Date): Promise<void> {
    const { repository } = this.deps;
    const play = await repository.finishedPlay(tx, broadcastId, deviceId);
    const day = play?.finished_at && localDate(play.finished_at);
    if (!play || !day || day < recentStart(now)) return;
    const codes = codesOf(play.region_path);
    if (codes.length === 0) return;
    await repository.lock(tx, play.region_path, 'item');
    if (!(await repository.mark(tx, `play:${broadcastId}:${deviceId}`, play.region_path, day))) return;
    const deltas = new Deltas();
    for (const code of codes) deltas.addDaily(code, day, { plays: 1 });
    await repository.applyDeltas(tx, deltas);
  }

  // ---- recount ----------------------------------------------------------------------------------

  /**
   * Recounts the subtree of a township or a region below it. The regions above it hold the
   * subtree's totals plus others', so they move by the difference of the root's own rows.
   */
  private async recountSubtree(tx: Db, root: { code: string; path: string }, now: Date): Promise<void> {
    const { repository } = this.deps;
    const above = codesOf(root.path).slice(0, -1);
    const since = this.since(now);
    await repository.lock(tx, root.path, 'subtree');
    const change = new Deltas();
    await repository.addRowsOf(tx, root.code, since.from, -1, change);
    await repository.recount(tx, root.path, since, now);
    await repository.addRowsOf(tx, root.code, since.from, 1, change);
    await repository.applyDeltas(tx, change.copiedTo(above));
  }

  /** A county's own rows, after its townships: briefly excludes every increment of the county. */
  private async recountCounty(tx: Db, county: { code: string; path: string }, now: Date): Promise<void> {
    await this.deps.repository.lock(tx, county.path, 'county');
    await this.deps.repository.recountCounty(tx, county, this.since(now), now);
  }

  private since(now: Date) {
    const from = windowStart(now);
    return { from, fromInstant: startOfDay(from), recentInstant: startOfDay(recentStart(now)) };
  }

  /** The next recount at 03:00 China time, once per night however many processes start. */
  private async scheduleNightly(db: Db, now: Date): Promise<void> {
    const today = localDate(now);
    const tonight = new Date(startOfDay(today).getTime() + NIGHTLY_HOUR * 3_600_000);
    const runAt = tonight > now ? tonight : new Date(startOfDay(addDays(today, 1)).getTime() + NIGHTLY_HOUR * 3_600_000);
    await this.deps.jobs.schedule(db, { kind: DASHBOARD_REBUILD_JOB, runAt, payload: {}, dedupeKey: `dashboard.rebuild:${localDate(runAt)}` });
  }

  private track(work: Promise<unknown>): void {
    this.inFlight.add(work);
    const done = () => void this.inFlight.delete(work);
    work.then(done, done);
  }
}
