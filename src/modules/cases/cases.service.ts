import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { CaseLevel, CaseSource, CaseState, Role } from '../../platform/db/schema.js';
import type { EventBus } from '../../platform/events.js';
import { AppError } from '../../platform/http/errors.js';
import type { JobQueue } from '../../platform/jobs/job-queue.js';
import type { Actor, RequestMeta } from '../../platform/request-context.js';
import { isWithin } from '../../platform/scope.js';
import type { SmsOutbox } from '../../platform/sms/sms-outbox.js';
import { addWorkingHours, localDate } from '../../platform/working-time.js';
import type { AccountsService } from '../accounts/accounts.service.js';
import { can } from '../accounts/policies.js';
import { roleLabels } from '../accounts/roles.js';
import type { CalendarService } from '../calendar/calendar.service.js';
import type { NotificationsService } from '../notifications/notifications.service.js';
import type { Place, RegionsService } from '../regions/regions.service.js';
import type { CategoriesRepository, CategoryRow } from './case-categories.js';
import { type CaseAction, caseActions, canTransition, levelLabels, nextLevel, nextState, stateLabels } from './case-state.js';
import type { CaseEventRow, CaseRow, CasesRepository, CaseVisibility } from './cases.repository.js';
import type { CaseDetail, CaseSummary, ListCasesQuery, PhotoRef, SubmitCaseBody } from './cases.schema.js';

/** What the cases module needs from the photos module. */
export interface CasePhotos {
  /** Attaches the owner's uploaded photos to the case in `tx`; idempotent for the same case and kind. */
  attach(tx: Db, input: { photoIds: string[]; ownerId: string; caseId: string; kind: 'report' | 'resolution'; field?: string }): Promise<void>;
  /** The first GPS position found in the EXIF of these photos of the owner, if any. */
  exifLocation(photoIds: string[], ownerId: string): Promise<{ lon: number; lat: number } | null>;
  listForCase(caseId: string): Promise<(PhotoRef & { kind: string | null })[]>;
}

export const DISPUTE_WINDOW_DAYS = 7;
const HANDLER_ROLES: Role[] = ['grid_worker', 'village_cadre', 'branch_secretary', 'township_staff', 'admin'];
const CADRES: Role[] = ['village_cadre', 'branch_secretary'];

type Phase = 'accept' | 'resolve';
export const DEADLINE_JOB = 'case.deadline';
/** Scheduled in the closing transaction; payload `CaseClosedPayload`. Handlers must be idempotent per case. */
export const CASE_CLOSED_JOB = 'case.closed';

export interface CaseClosedPayload {
  caseId: string;
  categoryCode: string;
  regionPath: string;
  villageCode: string | null;
  reporterId: string | null;
  resolverId: string | null;
  evaluatorId: string;
  closedAt: string;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

export type CaseEvents = {
  'case.reported': { caseId: string; regionPath: string; categoryCode: string };
  'case.changed': { caseId: string; regionPath: string; state: CaseState; action: string };
  'case.closed': { caseId: string; regionPath: string; categoryCode: string; reporterId: string | null; resolverId: string | null };
};

export class CasesService {
  constructor(
    private readonly deps: {
      db: Db;
      repository: CasesRepository;
      categories: CategoriesRepository;
      regions: RegionsService;
      accounts: AccountsService;
      notifications: NotificationsService;
      sms: SmsOutbox;
      calendar: CalendarService;
      jobs: JobQueue;
      photos: CasePhotos;
      events: EventBus<CaseEvents>;
      clock: Clock;
      logger: Logger;
    },
  ) {
    deps.jobs.register(DEADLINE_JOB, (tx, payload, now) => this.onDeadline(tx, payload as unknown as DeadlinePayload, now));
  }

  // ---- reading --------------------------------------------------------------------------------

  private visibility(actor: Actor): CaseVisibility {
    return actor.role === 'villager' ? { kind: 'own', userId: actor.userId } : { kind: 'scope', path: actor.scope.path, userId: actor.userId };
  }

  async list(actor: Actor, query: ListCasesQuery) {
    const { page, pageSize, ...filter } = query;
    const now = this.deps.clock.now();
    const { rows, total } = await this.deps.repository.list(this.visibility(actor), filter, { page, pageSize }, now, actor.userId);
    return { items: rows.map((row) => this.toSummary(row, actor, now)), total, page, pageSize };
  }

  async get(actor: Actor, id: string): Promise<CaseDetail> {
    const row = await this.deps.repository.findVisible(this.visibility(actor), id);
    if (!row) throw new AppError('CASE_NOT_FOUND');
    return this.toDetail(row, actor);
  }

  async stats(actor: Actor) {
    const rows = await this.deps.repository.stats(this.visibility(actor), this.deps.clock.now());
    const byState = { submitted: 0, accepted: 0, resolved: 0, closed: 0, rejected: 0 };
    let overdue = 0;
    for (const row of rows) {
      byState[row.state] = row.n;
      overdue += row.overdue;
    }
    return { byState, overdue, total: Object.values(byState).reduce((a, b) => a + b, 0) };
  }

  /** Open cases near a point that a reporter may support instead of filing again ("me too"). */
  async nearby(actor: Actor, query: { lon: number; lat: number; radius: number; category?: string }) {
    const rows = await this.deps.repository.nearby(query, query.radius, { category: query.category, publicOnly: true });
    return {
      items: rows.map((row) => ({
        id: row.id,
        number: row.number,
        category: { code: row.category_code, name: row.category_name },
        state: row.state,
        description: row.description.length > 100 ? `${row.description.slice(0, 100)}…` : row.description,
        distanceM: Math.round(row.distance_m),
        location: { lon: row.lon!, lat: row.lat! },
        supportCount: row.support_count,
        createdAt: row.created_at.toISOString(),
      })),
    };
  }

  // ---- submitting (群众点单) ----------------------------------------------------------------

  /**
   * Files a report. The client's id makes it idempotent: a retry (even concurrent) by the same
   * reporter returns the existing case with `created: false`.
   */
  async submit(actor: Actor, body: SubmitCaseBody, meta: RequestMeta & { source?: 'app' | 'console' }): Promise<{ created: boolean; case: CaseDetail }> {
    const existing = await this.deps.repository.findById(body.id);
    if (existing) return this.replayed(actor, existing);
    const category = await this.activeCategory(body.categoryCode);
    if (body.anonymous && !category.allow_anonymous) throw new AppError('ANONYMOUS_NOT_ALLOWED');
    const location = body.location ?? (await this.deps.photos.exifLocation(body.photoIds, actor.userId));
    const place = await this.route(actor, location, body.villageCode, body.location ? 'given' : 'photo');
    const created = await this.create({
      id: body.id,
      category,
      description: body.description,
      address: body.address ?? null,
      location: location ?? null,
      place,
      source: meta.source ?? 'app',
      reporter: { id: actor.userId, name: actor.name, phone: actor.phone, role: actor.role },
      anonymous: body.anonymous,
      smsOptIn: body.smsOptIn,
      photoIds: body.photoIds,
    });
    if (!created) {
      // A concurrent retry won the insert: answer as a retry.
      return this.replayed(actor, (await this.deps.repository.findById(body.id))!);
    }
    return { created: true, case: await this.get(actor, body.id) };
  }

  /**
   * A report from an integration (Open311 with an API key): no user account behind it; the
   * location must lie inside the integration's region. Returns the case id and whether it is new.
   */
  async submitFromIntegration(input: {
    id: string;
    categoryCode: string;
    description: string;
    location: { lon: number; lat: number } | null;
    address: string | null;
    reporterName: string | null;
    reporterPhone: string | null;
    within: { regionCode: string; path: string };
  }): Promise<{ id: string; created: boolean }> {
    const existing = await this.deps.repository.findById(input.id);
    if (existing) {
      if (existing.source !== 'open311' || !isWithin(input.within, existing.region_path)) throw new AppError('CASE_ID_CONFLICT');
      return { id: existing.id, created: false };
    }
    const category = await this.activeCategory(input.categoryCode);
    const place = input.location ? await this.deps.regions.placeAt(input.location.lon, input.location.lat) : undefined;
    if (!place || !isWithin(input.within, place.region.path)) throw new AppError('NO_LOCATION');
    const created = await this.create({
      id: input.id,
      category,
      description: input.description,
      address: input.address,
      location: input.location,
      place,
      source: 'open311',
      reporter: input.reporterName || input.reporterPhone ? { id: null, name: input.reporterName, phone: input.reporterPhone, role: null } : null,
      anonymous: false,
      smsOptIn: false,
      photoIds: [],
    });
    return { id: input.id, created };
  }

  /**
   * A case from a safe-village alarm (a zone's automatic action, or an operator turning the alarm
   * into a case), placed where the camera stands and reported by the operator when there is one; or
   * from a water alert (`source: 'water'`, a silent household to visit); or a device offline too long
   * (`source: 'device'`). `routeTo`: placed at that level and told to those people (the staff on duty)
   * instead of routing by region. Idempotent on `id`.
   */
  async submitFromAlarm(input: {
    id: string;
    source?: 'alarm' | 'water' | 'device';
    routeTo?: { level: CaseLevel; userIds: string[]; note: string };
    categoryCode: string;
    description: string;
    regionCode: string;
    location: { lon: number; lat: number } | null;
    reporter: Actor | null;
  }): Promise<{ id: string; created: boolean }> {
    const existing = await this.deps.repository.findById(input.id);
    const source = input.source ?? 'alarm';
    if (existing) {
      if (existing.source !== source) throw new AppError('CASE_ID_CONFLICT');
      return { id: existing.id, created: false };
    }
    const category = await this.activeCategory(input.categoryCode);
    const place = await this.deps.regions.placeOf(input.regionCode);
    if (!place) throw new AppError('REGION_NOT_FOUND', { detail: { zh: input.regionCode, en: input.regionCode } });
    const created = await this.create({
      id: input.id,
      category,
      description: input.description,
      address: null,
      location: input.location,
      place,
      source,
      reporter: input.reporter ? { id: input.reporter.userId, name: input.reporter.name, phone: null, role: input.reporter.role } : null,
      anonymous: false,
      smsOptIn: false,
      photoIds: [],
      routeTo: input.routeTo,
    });
    return { id: input.id, created };
  }

  /**
   * A note by the platform itself on an open case's history (a device came back online), told to
   * whoever took the case. False when the case is gone, closed or rejected.
   */
  async addSystemNote(caseId: string, note: string): Promise<boolean> {
    const now = this.deps.clock.now();
    return this.deps.db.transaction().execute(async (tx) => {
      const c = await this.deps.repository.findById(caseId, tx);
      if (!c || c.state === 'closed' || c.state === 'rejected') return false;
      await this.deps.repository.insertEvent(tx, {
        case_id: c.id,
        at: now,
        type: 'comment',
        actor_id: null,
        actor_name: null,
        actor_role: null,
        from_state: c.state,
        to_state: c.state,
        from_level: null,
        to_level: null,
        note,
        automatic: true,
      });
      if (c.assignee_id) {
        await this.deps.notifications.notify(tx, [{ userId: c.assignee_id, kind: 'case.comment', title: `事件进展：${c.number}`, body: note.slice(0, 100), caseId: c.id }]);
      }
      return true;
    });
  }

  /** Cases of public categories for anonymous readers (Open311): no identities, no private categories. */
  async listPublic(filter: { ids?: string[]; categoryCodes?: string[]; from?: Date; to?: Date; states?: CaseState[] }, limit: number) {
    const rows = await this.deps.repository.listPublic(filter, limit);
    return Promise.all(rows.map(async (row) => ({ row, photos: await this.deps.photos.listForCase(row.id) })));
  }

  private async activeCategory(code: string): Promise<CategoryRow> {
    const category = await this.deps.categories.find(code);
    if (!category || !category.active) throw new AppError('CATEGORY_NOT_FOUND', { detail: { zh: code, en: code } });
    return category;
  }

  /** Writes a new case with its photos, history, deadline and notifications; false if the id exists. */
  private async create(input: {
    id: string;
    category: CategoryRow;
    description: string;
    address: string | null;
    location: { lon: number; lat: number } | null;
    place: Place;
    source: CaseSource;
    reporter: { id: string | null; name: string | null; phone: string | null; role: Role | null } | null;
    anonymous: boolean;
    smsOptIn: boolean;
    photoIds: string[];
    routeTo?: { level: CaseLevel; userIds: string[]; note: string };
  }): Promise<boolean> {
    const { id, category, place, reporter, routeTo } = input;
    const now = this.deps.clock.now();
    const placed: CaseLevel = place.grid ? 'grid' : place.village ? 'village' : 'township';
    const acceptDue = addWorkingHours(now, category.accept_hours, await this.deps.calendar.workCalendar());
    const created = await this.deps.db.transaction().execute(async (tx) => {
      // A level with nobody to take the case (a grid without a worker, a village without cadres) passes it up.
      const { level, people } = routeTo ? { level: routeTo.level, people: routeTo.userIds.map((userId) => ({ id: userId })) } : await this.staffedLevel(place, placed, tx);
      const inserted = await this.deps.repository.insertIfAbsent(
        tx,
        {
          id,
          category_code: category.code,
          state: 'submitted',
          level,
          description: input.description,
          address: input.address,
          lon: input.location?.lon ?? null,
          lat: input.location?.lat ?? null,
          region_path: place.region.path,
          township_code: place.township?.code ?? null,
          village_code: place.village?.code ?? null,
          grid_code: place.grid?.code ?? null,
          village_name: place.village?.name ?? null,
          grid_name: place.grid?.name ?? null,
          source: input.source,
          reporter_id: reporter?.id ?? null,
          reporter_name: reporter?.name ?? null,
          reporter_phone: reporter?.phone ?? null,
          anonymous: input.anonymous,
          sms_opt_in: input.smsOptIn,
          assignee_id: null,
          assignee_name: null,
          resolver_id: null,
          evaluator_id: null,
          duplicate_of: null,
          accept_due_at: acceptDue,
          resolve_due_at: null,
          accepted_at: null,
          resolved_at: null,
          closed_at: null,
          rejected_at: null,
          resolution_note: null,
          reject_reason: null,
          evaluation_comment: null,
          rating: null,
          rating_comment: null,
          rated_at: null,
          created_at: now,
          updated_at: now,
        },
        localDate(now),
      );
      if (!inserted) return false;
      if (reporter?.id) await this.deps.photos.attach(tx, { photoIds: input.photoIds, ownerId: reporter.id, caseId: id, kind: 'report', field: 'body.photoIds' });
      await this.deps.repository.insertEvent(tx, {
        case_id: id,
        at: now,
        type: 'submitted',
        actor_id: reporter?.id ?? null,
        actor_name: input.anonymous ? null : reporter?.name ?? null,
        actor_role: reporter?.role ?? null,
        from_state: null,
        to_state: 'submitted',
        from_level: null,
        to_level: placed,
        note: input.source === 'open311' ? 'Open311' : null,
        photo_ids: input.photoIds,
      });
      if (level !== placed) {
        // Shown as 该网格暂无网格员，已转村两委处理 (web/src/shared/cases.ts, by its levels).
        await this.deps.repository.insertEvent(tx, {
          case_id: id,
          at: now,
          type: 'routed',
          actor_id: null,
          actor_name: null,
          actor_role: null,
          from_state: 'submitted',
          to_state: 'submitted',
          from_level: placed,
          to_level: level,
          note: routeTo?.note ?? null,
          automatic: true,
        });
      }
      await this.scheduleDeadline(tx, id, 'accept', level, acceptDue);
      await this.deps.notifications.notify(
        tx,
        people.map((user) => ({
          userId: user.id,
          kind: 'case.new',
          title: `新事件：${category.name}`,
          body: `${place.grid?.name ?? place.village?.name ?? ''}：${input.description.slice(0, 60)}`,
          caseId: id,
        })),
      );
      return true;
    });
    if (created) this.deps.events.emit('case.reported', { caseId: id, regionPath: place.region.path, categoryCode: category.code });
    return created;
  }

  private async replayed(actor: Actor, existing: CaseRow) {
    if (existing.reporter_id !== actor.userId) throw new AppError('CASE_ID_CONFLICT');
    return { created: false, case: await this.toDetail(existing, actor) };
  }

  /**
   * 小事不出网格: the grid at the location; else the chosen village; else the reporter's own region.
   * A location outside the reporter's township (a photo taken elsewhere, say) is refused, so that the
   * reporter is asked for the place rather than the report landing somewhere nobody expects it.
   */
  private async route(
    actor: Actor,
    location: { lon: number; lat: number } | null | undefined,
    villageCode: string | undefined,
    locationFrom: 'given' | 'photo',
  ): Promise<Place> {
    if (location) {
      const place = await this.deps.regions.placeAt(location.lon, location.lat);
      const area = await this.reportingArea(actor);
      if (place && isWithin(area, place.region.path)) return place;
      // Outside every grid: refused only when the area's outline says so (a gap between grids is not "outside").
      if (place || (await this.deps.regions.covers(area.regionCode, location.lon, location.lat)) === false) {
        throw new AppError(locationFrom === 'photo' ? 'PHOTO_OUTSIDE_AREA' : 'LOCATION_OUTSIDE_AREA');
      }
    }
    if (villageCode) {
      const place = await this.deps.regions.placeOf(villageCode);
      if (!place || place.region.level !== 'village') throw new AppError('REGION_NOT_FOUND', { detail: { zh: villageCode, en: villageCode } });
      return place;
    }
    const own = await this.deps.regions.placeOf(actor.scope.regionCode);
    if (!own || own.region.level === 'county') throw new AppError('NO_LOCATION');
    return own;
  }

  /** Where a person may report: their township (a villager reports beyond their own village), or their scope above it. */
  private async reportingArea(actor: Actor): Promise<{ regionCode: string; path: string }> {
    const own = await this.deps.regions.placeOf(actor.scope.regionCode);
    return own?.township ? { regionCode: own.township.code, path: own.township.path } : actor.scope;
  }

  // ---- transitions ------------------------------------------------------------------------------

  accept(actor: Actor, id: string, meta: RequestMeta) {
    return this.transition(actor, id, 'accept', meta, {
      retried: (c) => c.state === 'accepted' && c.assignee_id === actor.userId,
      apply: async (tx, c, now) => {
        const category = (await this.deps.categories.find(c.category_code, tx))!;
        const resolveDue = addWorkingHours(now, category.resolve_hours, await this.deps.calendar.workCalendar(tx));
        await this.deps.repository.update(tx, c.id, {
          state: 'accepted',
          assignee_id: actor.userId,
          assignee_name: actor.name,
          accepted_at: now,
          resolve_due_at: resolveDue,
          updated_at: now,
        });
        await this.scheduleDeadline(tx, c.id, 'resolve', c.level, resolveDue);
        return { toState: 'accepted', note: null, tellReporter: `${roleLabels[actor.role].zh}${actor.name}已接单` };
      },
    });
  }

  resolve(actor: Actor, id: string, body: { note: string; photoIds: string[] }, meta: RequestMeta) {
    return this.transition(actor, id, 'resolve', meta, {
      retried: (c) => c.state === 'resolved' && c.resolver_id === actor.userId,
      apply: async (tx, c, now) => {
        await this.deps.photos.attach(tx, { photoIds: body.photoIds, ownerId: actor.userId, caseId: c.id, kind: 'resolution', field: 'body.photoIds' });
        await this.deps.repository.update(tx, c.id, {
          state: 'resolved',
          resolver_id: actor.userId,
          resolution_note: body.note,
          resolved_at: now,
          updated_at: now,
        });
        // 支部评单: the branch (or, for a township matter, the staff) evaluates.
        const evaluators = c.village_code ? await this.deps.accounts.contactsAt(c.village_code, ['branch_secretary'], tx) : [];
        await this.deps.notifications.notify(
          tx,
          evaluators.map((u) => ({ userId: u.id, kind: 'case.evaluate', title: `待评单：${c.category_name}`, body: c.description.slice(0, 60), caseId: c.id })),
        );
        return { toState: 'resolved', note: body.note, photoIds: body.photoIds, tellReporter: '您反映的问题已处理，等待支部评议' };
      },
    });
  }

  approve(actor: Actor, id: string, body: { comment?: string }, meta: RequestMeta) {
    return this.transition(actor, id, 'approve', meta, {
      retried: (c) => c.state === 'closed' && c.evaluator_id === actor.userId,
      apply: async (tx, c, now) => {
        await this.deps.repository.update(tx, c.id, {
          state: 'closed',
          evaluator_id: actor.userId,
          evaluation_comment: body.comment ?? null,
          closed_at: now,
          updated_at: now,
        });
        // Durable, once per closure: other modules (points) react in their own job handlers.
        await this.deps.jobs.schedule(tx, {
          kind: CASE_CLOSED_JOB,
          runAt: now,
          payload: {
            caseId: c.id,
            categoryCode: c.category_code,
            regionPath: c.region_path,
            villageCode: c.village_code,
            reporterId: c.reporter_id,
            resolverId: c.resolver_id,
            evaluatorId: actor.userId,
            closedAt: now.toISOString(),
          },
          dedupeKey: `case:${c.id}:closed:${now.toISOString()}`,
        });
        return { toState: 'closed', note: body.comment ?? null, tellReporter: '您反映的问题已办结，请评价处理结果' };
      },
      after: (c) =>
        this.deps.events.emit('case.closed', { caseId: c.id, regionPath: c.region_path, categoryCode: c.category_code, reporterId: c.reporter_id, resolverId: c.resolver_id }),
    });
  }

  /** 评单退回: back to the handler with the reason, and a fresh resolve window. */
  returnCase(actor: Actor, id: string, reason: string, meta: RequestMeta) {
    return this.transition(actor, id, 'return', meta, {
      apply: async (tx, c, now) => {
        const category = (await this.deps.categories.find(c.category_code, tx))!;
        const resolveDue = addWorkingHours(now, category.resolve_hours, await this.deps.calendar.workCalendar(tx));
        await this.deps.repository.update(tx, c.id, {
          state: 'accepted',
          return_count: c.return_count + 1,
          resolve_due_at: resolveDue,
          evaluator_id: actor.userId,
          evaluation_comment: reason,
          updated_at: now,
        });
        await this.scheduleDeadline(tx, c.id, 'resolve', c.level, resolveDue);
        if (c.assignee_id) {
          await this.deps.notifications.notify(tx, [{ userId: c.assignee_id, kind: 'case.returned', title: `评单退回：${c.number}`, body: reason, caseId: c.id }]);
        }
        return { toState: 'accepted', note: reason, tellReporter: null };
      },
    });
  }

  reject(actor: Actor, id: string, body: { reason: string; duplicateOf?: string }, meta: RequestMeta) {
    return this.transition(actor, id, 'reject', meta, {
      apply: async (tx, c, now) => {
        if (body.duplicateOf) {
          const original = await this.deps.repository.findVisible(this.visibility(actor), body.duplicateOf, tx);
          if (!original || original.id === c.id || original.state === 'rejected') {
            throw new AppError('VALIDATION_FAILED', {
              details: [{ field: 'body.duplicateOf', message: '原事件不存在或不可用', messageEn: 'the original case does not exist or cannot be used' }],
            });
          }
        }
        await this.deps.repository.update(tx, c.id, {
          state: 'rejected',
          reject_reason: body.reason,
          duplicate_of: body.duplicateOf ?? null,
          rejected_at: now,
          updated_at: now,
        });
        return { toState: 'rejected', note: body.reason, tellReporter: `您的上报未被受理：${body.reason}` };
      },
    });
  }

  /** The reporter disputes a closure within 7 days: back to the handler, and counted. */
  dispute(actor: Actor, id: string, reason: string, meta: RequestMeta) {
    return this.transition(actor, id, 'dispute', meta, {
      apply: async (tx, c, now) => {
        if (!c.closed_at || now.getTime() - c.closed_at.getTime() > DISPUTE_WINDOW_DAYS * 86_400_000) throw new AppError('DISPUTE_WINDOW_CLOSED');
        const category = (await this.deps.categories.find(c.category_code, tx))!;
        const resolveDue = addWorkingHours(now, category.resolve_hours, await this.deps.calendar.workCalendar(tx));
        await this.deps.repository.update(tx, c.id, {
          state: 'accepted',
          dispute_count: c.dispute_count + 1,
          closed_at: null,
          resolve_due_at: resolveDue,
          updated_at: now,
        });
        await this.scheduleDeadline(tx, c.id, 'resolve', c.level, resolveDue);
        const notify = [c.assignee_id, ...(c.village_code ? (await this.deps.accounts.contactsAt(c.village_code, ['branch_secretary'], tx)).map((u) => u.id) : [])];
        await this.deps.notifications.notify(
          tx,
          notify.filter((userId): userId is string => userId !== null).map((userId) => ({ userId, kind: 'case.disputed', title: `群众申诉：${c.number}`, body: reason, caseId: c.id })),
        );
        return { toState: 'accepted', note: reason, tellReporter: null };
      },
    });
  }

  rate(actor: Actor, id: string, body: { rating: number; comment?: string }, meta: RequestMeta) {
    return this.transition(actor, id, 'rate', meta, {
      retried: (c) => c.rating === body.rating && c.reporter_id === actor.userId,
      apply: async (tx, c, now) => {
        if (c.rating !== null) throw new AppError('ALREADY_RATED');
        await this.deps.repository.update(tx, c.id, { rating: body.rating, rating_comment: body.comment ?? null, rated_at: now, updated_at: now });
        return { toState: c.state, note: `${'★'.repeat(body.rating)}${body.comment ? ` ${body.comment}` : ''}`, tellReporter: null };
      },
    });
  }

  /** 大事不出村: a handler sends the matter up one level by hand. */
  escalate(actor: Actor, id: string, reason: string, meta: RequestMeta) {
    return this.transition(actor, id, 'escalate', meta, {
      apply: async (tx, c, now) => {
        const to = nextLevel(c.level);
        if (!to) throw new AppError('CASE_TRANSITION_NOT_ALLOWED', { detail: { zh: '已在乡镇层级', en: 'already at township level' } });
        const reached = await this.raiseLevel(tx, c, to, now);
        return { toState: c.state, note: reason, toLevel: reached, tellReporter: null };
      },
    });
  }

  comment(actor: Actor, id: string, text: string, meta: RequestMeta) {
    return this.transition(actor, id, 'comment', meta, {
      apply: async (tx, c) => {
        // Tell the other side of the conversation.
        const target = actor.userId === c.reporter_id ? c.assignee_id : c.reporter_id;
        if (target && target !== actor.userId) {
          await this.deps.notifications.notify(tx, [{ userId: target, kind: 'case.comment', title: `留言：${c.number}`, body: text.slice(0, 100), caseId: c.id }]);
        }
        return { toState: c.state, note: text, tellReporter: null };
      },
    });
  }

  /** "Me too": adds the caller's support to an open public case near them, once per person. */
  async support(actor: Actor, id: string) {
    const now = this.deps.clock.now();
    const row = await this.deps.repository.findById(id);
    const category = row ? await this.deps.categories.find(row.category_code) : undefined;
    const visible = row && (category?.is_public || isWithin(actor.scope, row.region_path) || row.reporter_id === actor.userId);
    if (!row || !visible) throw new AppError('CASE_NOT_FOUND');
    nextState(row.state, 'support');
    if (row.reporter_id === actor.userId) {
      throw new AppError('FORBIDDEN', { detail: { zh: '不能附议自己的上报', en: 'you cannot support your own report' } });
    }
    if (!this.allowed(actor, row, 'support')) {
      throw new AppError('FORBIDDEN', { detail: { zh: '办理人员请直接办理，无需附议', en: 'handlers act on the case rather than support it' } });
    }
    const added = await this.deps.db.transaction().execute(async (tx) => {
      const isNew = await this.deps.repository.addSupport(tx, id, actor.userId, now);
      if (isNew) {
        await this.deps.repository.insertEvent(tx, {
          case_id: id,
          at: now,
          type: 'supported',
          actor_id: actor.userId,
          actor_name: null,
          actor_role: actor.role,
          from_state: row.state,
          to_state: row.state,
          from_level: row.level,
          to_level: row.level,
          note: null,
        });
      }
      return isNew;
    });
    const after = (await this.deps.repository.findById(id))!;
    return { supportCount: after.support_count, added };
  }

  /**
   * One transition: lock the row, check the rules, apply, record history, tell the reporter,
   * commit. A retry of an action that already took effect for this actor returns the case unchanged.
   */
  private async transition(
    actor: Actor,
    id: string,
    action: CaseAction,
    meta: RequestMeta,
    step: {
      retried?: (c: CaseRow) => boolean;
      apply: (
        tx: Db,
        c: CaseRow,
        now: Date,
      ) => Promise<{ toState: CaseState; note: string | null; toLevel?: CaseLevel; photoIds?: string[]; tellReporter: string | null }>;
      after?: (c: CaseRow) => void;
    },
  ): Promise<CaseDetail> {
    const visible = await this.deps.repository.findVisible(this.visibility(actor), id);
    if (!visible) throw new AppError('CASE_NOT_FOUND');
    const now = this.deps.clock.now();
    let applied = false;
    await this.deps.db.transaction().execute(async (tx) => {
      const c = (await this.deps.repository.lockById(tx, id))!;
      if (step.retried?.(c)) return;
      this.assertAllowed(actor, c, action);
      nextState(c.state, action);
      const result = await step.apply(tx, c, now);
      await this.deps.repository.insertEvent(tx, {
        case_id: c.id,
        at: now,
        type: action,
        actor_id: actor.userId,
        actor_name: actor.role === 'villager' && c.anonymous ? null : actor.name,
        actor_role: actor.role,
        from_state: c.state,
        to_state: result.toState,
        from_level: c.level,
        to_level: result.toLevel ?? c.level,
        note: result.note,
        photo_ids: result.photoIds ?? [],
      });
      if (result.tellReporter) await this.tellReporter(tx, c, result.tellReporter);
      applied = true;
    });
    const after = (await this.deps.repository.findById(id))!;
    if (applied) {
      this.deps.events.emit('case.changed', { caseId: id, regionPath: after.region_path, state: after.state, action });
      step.after?.(after);
    }
    void meta;
    return this.toDetail(after, actor);
  }

  /** Who may take `action` on case `c` (state aside). */
  private allowed(actor: Actor, c: CaseRow, action: CaseAction): boolean {
    const inScope = isWithin(actor.scope, c.region_path);
    const isReporter = c.reporter_id === actor.userId;
    const handler = inScope && can(actor.role, 'cases.handle');
    switch (action) {
      case 'accept':
      case 'reject':
        return handler;
      case 'resolve':
        return c.assignee_id === actor.userId || (handler && actor.role !== 'grid_worker');
      case 'approve':
      case 'return':
        return inScope && can(actor.role, 'cases.evaluate') && c.resolver_id !== actor.userId;
      case 'escalate':
        return handler && (c.level === 'grid' || actor.role !== 'grid_worker');
      case 'dispute':
      case 'rate':
        return isReporter;
      case 'comment':
        return isReporter || handler || c.assignee_id === actor.userId;
      case 'support':
        // "Me too" is for fellow villagers; handlers act on the case instead.
        return !isReporter && !handler;
    }
  }

  private assertAllowed(actor: Actor, c: CaseRow, action: CaseAction): void {
    if (this.allowed(actor, c, action)) return;
    if ((action === 'approve' || action === 'return') && c.resolver_id === actor.userId && can(actor.role, 'cases.evaluate')) {
      throw new AppError('CANNOT_EVALUATE_OWN_WORK');
    }
    throw new AppError('FORBIDDEN');
  }

  // ---- deadlines and escalation (小事不出网格、大事不出村) ------------------------------------

  private async scheduleDeadline(tx: Db, caseId: string, phase: Phase, level: CaseLevel, runAt: Date) {
    await this.deps.jobs.schedule(tx, {
      kind: DEADLINE_JOB,
      runAt,
      payload: { caseId, phase, level },
      dedupeKey: `case:${caseId}:${phase}:${level}:${runAt.toISOString()}`,
    });
  }

  /**
   * A deadline passed. If the case is still waiting in the same phase at the same level, it goes up
   * one level (grid → village → township), visibly, and the next level gets its own window.
   */
  private async onDeadline(tx: Db, payload: DeadlinePayload, now: Date): Promise<void> {
    const c = await this.deps.repository.lockById(tx, payload.caseId);
    if (!c) return;
    const waitingState: CaseState = payload.phase === 'accept' ? 'submitted' : 'accepted';
    if (c.state !== waitingState || c.level !== payload.level) return;
    const to = nextLevel(c.level);
    if (!to) return;
    const reached = await this.raiseLevel(tx, c, to, now);
    const reason = payload.phase === 'accept' ? '超时未接单，自动升级' : '超时未办结，自动升级';
    await this.deps.repository.insertEvent(tx, {
      case_id: c.id,
      at: now,
      type: 'escalate',
      actor_id: null,
      actor_name: null,
      actor_role: null,
      from_state: c.state,
      to_state: c.state,
      from_level: c.level,
      to_level: reached,
      note: reason,
      automatic: true,
    });
    this.deps.logger.info({ caseId: c.id, from: c.level, to: reached }, 'case escalated on deadline');
  }

  /**
   * Raises the case's level (past levels with nobody to take it), tells that level's people, and
   * starts the next level's window. Returns the level reached.
   */
  private async raiseLevel(tx: Db, c: CaseRow, to: CaseLevel, now: Date): Promise<CaseLevel> {
    const place: Place = {
      region: { code: '', level: 'grid', path: c.region_path },
      grid: null,
      village: c.village_code ? { code: c.village_code, name: c.village_name ?? '', path: '' } : null,
      township: c.township_code ? { code: c.township_code, name: '', path: '' } : null,
    };
    const { level, people } = await this.staffedLevel(place, to, tx);
    await this.deps.repository.update(tx, c.id, { level, escalation_count: c.escalation_count + 1, updated_at: now });
    const category = (await this.deps.categories.find(c.category_code, tx))!;
    const phase: Phase = c.state === 'submitted' ? 'accept' : 'resolve';
    const hours = phase === 'accept' ? category.accept_hours : category.resolve_hours;
    if (nextLevel(level)) await this.scheduleDeadline(tx, c.id, phase, level, addWorkingHours(now, hours, await this.deps.calendar.workCalendar(tx)));
    await this.deps.notifications.notify(
      tx,
      people.map((u) => ({
        userId: u.id,
        kind: 'case.escalated',
        title: `事件升级至${levelLabels[level]}：${c.category_name}`,
        body: c.description.slice(0, 60),
        caseId: c.id,
      })),
    );
    return level;
  }

  /** The people who handle a case at a level: the grid's workers, the village's cadres, or the township's staff. */
  private async handlersOf(place: Place, level: CaseLevel, tx: Db) {
    if (level === 'grid') return place.grid ? this.deps.accounts.contactsAt(place.grid.code, ['grid_worker'], tx) : [];
    if (level === 'village') return place.village ? this.deps.accounts.contactsAt(place.village.code, CADRES, tx) : [];
    return place.township ? this.deps.accounts.contactsAt(place.township.code, ['township_staff'], tx) : [];
  }

  /**
   * The first level from `from` upwards with someone active to handle the case there; `from` itself
   * when there is nobody at any level (moving the case up would then tell no one either).
   */
  private async staffedLevel(place: Place, from: CaseLevel, tx: Db): Promise<{ level: CaseLevel; people: { id: string }[] }> {
    for (let level: CaseLevel | null = from; level; level = nextLevel(level)) {
      const people = await this.handlersOf(place, level, tx);
      if (people.length > 0) return { level, people };
    }
    return { level: from, people: [] };
  }

  private async tellReporter(tx: Db, c: CaseRow, message: string) {
    if (!c.reporter_id) return;
    await this.deps.notifications.notify(tx, [{ userId: c.reporter_id, kind: 'case.progress', title: `事件进展：${c.number}`, body: message, caseId: c.id }]);
    if (c.sms_opt_in && c.reporter_phone) {
      await this.deps.sms.enqueue(tx, { phone: c.reporter_phone, template: 'case_update', params: { number: c.number, status: message }, regionPath: c.region_path, reference: `case:${c.id}` });
    }
  }

  // ---- views ----------------------------------------------------------------------------------

  /** Reporter identity only for the reporter and the people handling the case, never when anonymous. */
  private reporterFor(row: CaseRow, actor: Actor) {
    const isReporter = row.reporter_id === actor.userId;
    const handles = isWithin(actor.scope, row.region_path) && HANDLER_ROLES.includes(actor.role);
    if (!isReporter && (row.anonymous || !handles)) return null;
    if (!row.reporter_name) return null;
    return { id: row.reporter_id, name: row.reporter_name, phone: row.reporter_phone };
  }

  private toSummary(row: CaseRow, actor: Actor, now: Date): CaseSummary {
    const overdue =
      (row.state === 'submitted' && row.accept_due_at !== null && row.accept_due_at < now) ||
      (row.state === 'accepted' && row.resolve_due_at !== null && row.resolve_due_at < now);
    return {
      id: row.id,
      number: row.number,
      category: { code: row.category_code, name: row.category_name },
      state: row.state,
      stateLabel: stateLabels[row.state].zh,
      level: row.level,
      description: row.description,
      address: row.address,
      location: row.lon !== null && row.lat !== null ? { lon: row.lon, lat: row.lat } : null,
      villageCode: row.village_code,
      villageName: row.village_name,
      gridCode: row.grid_code,
      gridName: row.grid_name,
      source: row.source,
      anonymous: row.anonymous,
      reporter: this.reporterFor(row, actor),
      assignee: row.assignee_id && row.assignee_name ? { id: row.assignee_id, name: row.assignee_name } : null,
      supportCount: row.support_count,
      disputeCount: row.dispute_count,
      returnCount: row.return_count,
      escalationCount: row.escalation_count,
      acceptDueAt: iso(row.accept_due_at),
      resolveDueAt: iso(row.resolve_due_at),
      overdue,
      createdAt: row.created_at.toISOString(),
      acceptedAt: iso(row.accepted_at),
      resolvedAt: iso(row.resolved_at),
      closedAt: iso(row.closed_at),
      rating: row.rating,
    };
  }

  private async toDetail(row: CaseRow, actor: Actor): Promise<CaseDetail> {
    const now = this.deps.clock.now();
    const [events, photos, supportedByMe] = await Promise.all([
      this.deps.repository.events(row.id),
      this.deps.photos.listForCase(row.id),
      this.deps.repository.supportedBy(row.id, actor.userId),
    ]);
    const photoById = new Map(photos.map((p) => [p.id, p]));
    const strip = ({ kind: _kind, ...ref }: PhotoRef & { kind: string | null }): PhotoRef => ref;
    return {
      ...this.toSummary(row, actor, now),
      resolutionNote: row.resolution_note,
      rejectReason: row.reject_reason,
      duplicateOf: row.duplicate_of,
      evaluationComment: row.evaluation_comment,
      ratingComment: row.rating_comment,
      rejectedAt: iso(row.rejected_at),
      photos: {
        report: photos.filter((p) => p.kind === 'report').map(strip),
        resolution: photos.filter((p) => p.kind === 'resolution').map(strip),
      },
      events: events.map((e) => this.toEvent(e, row, actor, photoById)),
      allowedActions: caseActions.filter(
        (action) =>
          canTransition(row.state, action) &&
          this.allowed(actor, row, action) &&
          !(action === 'rate' && row.rating !== null) &&
          !(action === 'support' && supportedByMe) &&
          !(action === 'escalate' && row.level === 'township') &&
          !(action === 'dispute' && (!row.closed_at || now.getTime() - row.closed_at.getTime() > DISPUTE_WINDOW_DAYS * 86_400_000)),
      ),
      supportedByMe,
    };
  }

  private toEvent(e: CaseEventRow, row: CaseRow, actor: Actor, photos: Map<string, PhotoRef & { kind: string | null }>) {
    const reporterHidden = e.actor_id === row.reporter_id && this.reporterFor(row, actor) === null && e.actor_id !== actor.userId;
    const actorView = e.automatic
      ? { name: '系统', role: null }
      : e.actor_name && !reporterHidden
        ? { name: e.actor_name, role: e.actor_role ? (roleLabels[e.actor_role as Role]?.zh ?? e.actor_role) : null }
        : e.actor_role
          ? { name: e.actor_role === 'villager' ? '群众' : (roleLabels[e.actor_role as Role]?.zh ?? ''), role: null }
          : null;
    return {
      id: String(e.id),
      at: e.at.toISOString(),
      type: e.type,
      actor: actorView,
      fromState: e.from_state,
      toState: e.to_state,
      fromLevel: e.from_level,
      toLevel: e.to_level,
      note: e.note,
      photos: e.photo_ids.flatMap((id) => {
        const photo = photos.get(id);
        return photo ? [{ id: photo.id, url: photo.url, thumbUrl: photo.thumbUrl, width: photo.width, height: photo.height }] : [];
      }),
      automatic: e.automatic,
    };
  }
}

interface DeadlinePayload {
  caseId: string;
  phase: Phase;
  level: CaseLevel;
}

export type { CategoryRow };
