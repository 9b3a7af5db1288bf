import { randomUUID } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { ElderlyAlertKind, ElderlyAlertSource, VisitFrequency } from '../../platform/db/schema.js';
import { AppError, fieldError } from '../../platform/http/errors.js';
import type { Actor, RequestMeta } from '../../platform/request-context.js';
import { isWithin } from '../../platform/scope.js';
import { localDate } from '../../platform/working-time.js';
import type { AccountsService } from '../accounts/accounts.service.js';
import { can, requirePermission } from '../accounts/policies.js';
import type { AuditService } from '../audit/audit.service.js';
import type { HouseholdsService } from '../households/households.service.js';
import type { NotificationsService } from '../notifications/notifications.service.js';
import type { RegionsService } from '../regions/regions.service.js';
import type { ElderlyRepository, MealRow, ResidentRow, VisitRow } from './elderly.repository.js';
import type {
  CareTasks,
  CreateElderlyBody,
  CreateMealRequestBody,
  ElderlyDetail,
  ElderlyStats,
  ElderlySummary,
  ListElderlyQuery,
  MealRequestView,
  RaiseAlertBody,
  RecordVisitBody,
  SetPlanBody,
  UpdateElderlyBody,
  VisitView,
} from './elderly.schema.js';
import { ageOn, monthOf, planState, type PlanState } from './visit-plan.js';
import type { VillageFilesService } from './village-files.service.js';

/** The youngest age the register takes (老年人: 60 and over). */
export const MIN_AGE = 60;
/** An alert's visit is due within a day. */
const ALERT_VISIT_HOURS = 24;
/** How far back a visit may be recorded (a worker writing up yesterday's round). */
const VISIT_BACKDATE_DAYS = 7;

/** A visit asked for by another module (the water module's zero-use alarm) or by hand. */
export interface VisitAlertInput {
  source: ElderlyAlertSource;
  /** The source's own id (e.g. the water alarm's id): the same reference never makes two visits for one person. */
  sourceRef: string;
  /** Whom to visit: one resident, or every registered elderly resident of a household (户). */
  residentId?: string;
  householdId?: string;
  kind: ElderlyAlertKind;
  note: string;
  /** Who raised it; null for the platform itself. */
  actor?: Actor | null;
  meta?: RequestMeta;
}

export interface VisitAlertResult {
  /** One per resident: the visit task (open until a carer records the visit). */
  visits: { residentId: string; residentName: string; visitId: string; alertId: string; created: boolean; dueAt: string }[];
}

/**
 * 养老: the register of elderly residents (age from birth date; living alone; mobility; health notes
 * for carers only), visit plans in calendar periods of China time with overdue detection, visits by
 * grid workers with notes and photos, alerts that open a visit task (by hand now, from the water
 * module's zero-use alarms through `createVisitFromAlert`), meal delivery for those who cannot go
 * out, and the figures for the big screen.
 *
 * Carers are grid workers and village cadres whose region holds the resident: only they see health
 * notes, visit notes and visit photos. Township staff keep the register and see the figures.
 */
export class ElderlyService {
  constructor(
    private readonly deps: {
      db: Db;
      repository: ElderlyRepository;
      files: VillageFilesService;
      regions: RegionsService;
      accounts: AccountsService;
      households: HouseholdsService;
      notifications: NotificationsService;
      audit: AuditService;
      clock: Clock;
    },
  ) {}

  // ---- the register ---------------------------------------------------------------------------

  async list(actor: Actor, query: ListElderlyQuery) {
    requirePermission(actor.role, 'elderly.read');
    const { page, pageSize, planStatus, livingAlone, village, ...filter } = query;
    const now = this.deps.clock.now();
    let rows = (await this.deps.repository.listResidents(actor.scope.path, { ...filter, region: village, livingAlone: livingAlone === undefined ? undefined : livingAlone === 'true' })).map(
      (row) => this.toSummary(row, now),
    );
    if (planStatus) rows = rows.filter((r) => r.plan?.status === planStatus);
    return { items: rows.slice((page - 1) * pageSize, page * pageSize), total: rows.length, page, pageSize };
  }

  async get(actor: Actor, id: string): Promise<ElderlyDetail> {
    requirePermission(actor.role, 'elderly.read');
    return this.toDetail(await this.inScope(actor, id), actor);
  }

  async create(actor: Actor, body: CreateElderlyBody, meta: RequestMeta): Promise<{ created: boolean; resident: ElderlyDetail }> {
    requirePermission(actor.role, 'elderly.write');
    const existing = await this.deps.repository.findResident(body.id);
    if (existing) {
      if (existing.created_by !== actor.userId) throw new AppError('ELDERLY_ALREADY_REGISTERED');
      return { created: false, resident: await this.get(actor, body.id) };
    }
    if (body.healthNotes && !can(actor.role, 'elderly.care')) throw fieldError('body.healthNotes', '健康备注只能由网格员和村干部填写', 'only carers (grid workers, village cadres) write health notes');
    const now = this.deps.clock.now();
    this.checkAge(body.birthDate, now);
    const place = await this.placeFor(actor, body.regionCode);
    await this.checkLinks(place.villagePath, { householdId: body.householdId, userId: body.userId });
    const plan = body.plan === undefined ? (body.livingAlone ? { frequency: 'monthly' as VisitFrequency, carerId: null } : null) : body.plan;
    if (plan?.carerId) await this.checkCarer(plan.carerId, place.villagePath);
    const created = await this.deps.db.transaction().execute(async (tx) => {
      const inserted = await this.deps.repository.insertResident(tx, {
        id: body.id,
        name: body.name,
        gender: body.gender,
        birth_date: body.birthDate,
        phone: body.phone,
        address: body.address,
        user_id: body.userId,
        household_id: body.householdId,
        region_code: place.code,
        region_path: place.path,
        living_alone: body.livingAlone,
        mobility: body.mobility,
        emergency_contact_name: body.emergencyContactName,
        emergency_contact_phone: body.emergencyContactPhone,
        health_notes: body.healthNotes,
        status: body.status,
        created_by: actor.userId,
        created_at: now,
        updated_at: now,
      });
      if (!inserted) return false;
      if (plan) await this.deps.repository.upsertPlan(tx, { resident_id: body.id, frequency: plan.frequency, starts_on: localDate(now), carer_id: plan.carerId, active: true, note: null, created_at: now, updated_at: now });
      await this.deps.audit.record(tx, actor, meta, {
        action: 'elderly.register',
        targetType: 'elderly_resident',
        targetId: body.id,
        regionPath: place.path,
        // Health notes stay out of the audit trail, which township staff read.
        details: { name: body.name, birthDate: body.birthDate, regionCode: place.code, livingAlone: body.livingAlone, mobility: body.mobility, plan: plan?.frequency ?? null, healthNotes: body.healthNotes ? 'set' : null },
      });
      return true;
    });
    if (!created) return this.create(actor, body, meta);
    return { created: true, resident: await this.get(actor, body.id) };
  }

  async update(actor: Actor, id: string, body: UpdateElderlyBody, meta: RequestMeta): Promise<ElderlyDetail> {
    const writer = can(actor.role, 'elderly.write');
    const carer = can(actor.role, 'elderly.care');
    if (!writer && !carer) throw new AppError('FORBIDDEN');
    const before = await this.inScope(actor, id);
    const carerFields = new Set(['healthNotes', 'mobility', 'livingAlone', 'phone', 'emergencyContactName', 'emergencyContactPhone']);
    if (!writer && Object.keys(body).some((k) => !carerFields.has(k))) throw new AppError('FORBIDDEN');
    if (body.healthNotes !== undefined && !carer) throw fieldError('body.healthNotes', '健康备注只能由网格员和村干部填写', 'only carers (grid workers, village cadres) write health notes');
    const now = this.deps.clock.now();
    if (body.birthDate) this.checkAge(body.birthDate, now);
    const place = body.regionCode ? await this.placeFor(actor, body.regionCode) : undefined;
    const villagePath = place?.villagePath ?? (await this.villagePathOf(before.region_path));
    await this.checkLinks(villagePath, { householdId: body.householdId ?? null, userId: body.userId ?? null }, id);
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.lockResident(tx, id);
      await this.deps.repository.updateResident(tx, id, {
        ...(body.name !== undefined && { name: body.name }),
        ...(body.gender !== undefined && { gender: body.gender }),
        ...(body.birthDate !== undefined && { birth_date: body.birthDate }),
        ...(body.phone !== undefined && { phone: body.phone }),
        ...(body.address !== undefined && { address: body.address }),
        ...(place && { region_code: place.code, region_path: place.path }),
        ...(body.householdId !== undefined && { household_id: body.householdId }),
        ...(body.userId !== undefined && { user_id: body.userId }),
        ...(body.livingAlone !== undefined && { living_alone: body.livingAlone }),
        ...(body.mobility !== undefined && { mobility: body.mobility }),
        ...(body.emergencyContactName !== undefined && { emergency_contact_name: body.emergencyContactName }),
        ...(body.emergencyContactPhone !== undefined && { emergency_contact_phone: body.emergencyContactPhone }),
        ...(body.healthNotes !== undefined && { health_notes: body.healthNotes }),
        ...(body.status !== undefined && { status: body.status }),
        updated_at: now,
      });
      const { healthNotes, ...rest } = body;
      await this.deps.audit.record(tx, actor, meta, {
        action: 'elderly.update',
        targetType: 'elderly_resident',
        targetId: id,
        regionPath: place?.path ?? before.region_path,
        details: { changes: rest, ...(healthNotes !== undefined && { healthNotes: 'changed' }) },
      });
    });
    return this.get(actor, id);
  }

  /** 走访计划: how often the resident is visited and by whom (null: any grid worker of their grid). */
  async setPlan(actor: Actor, id: string, body: SetPlanBody, meta: RequestMeta): Promise<ElderlyDetail> {
    requirePermission(actor.role, 'elderly.write');
    const resident = await this.inScope(actor, id);
    if (body.carerId) await this.checkCarer(body.carerId, await this.villagePathOf(resident.region_path));
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.lockResident(tx, id);
      await this.deps.repository.upsertPlan(tx, {
        resident_id: id,
        frequency: body.frequency,
        starts_on: body.startsOn ?? resident.plan_starts_on ?? localDate(now),
        carer_id: body.carerId,
        active: body.active,
        note: body.note,
        created_at: now,
        updated_at: now,
      });
      await this.deps.audit.record(tx, actor, meta, { action: 'elderly.plan', targetType: 'elderly_resident', targetId: id, regionPath: resident.region_path, details: body });
    });
    return this.get(actor, id);
  }

  // ---- visits and alerts ----------------------------------------------------------------------

  /**
   * A carer records a visit (with notes and photos). With `visitId` it completes that open task
   * (an alert's visit); otherwise it is a new visit, which counts for the resident's plan either way.
   */
  async recordVisit(actor: Actor, residentId: string, body: RecordVisitBody, meta: RequestMeta): Promise<ElderlyDetail> {
    requirePermission(actor.role, 'elderly.care');
    const resident = await this.inScope(actor, residentId);
    const now = this.deps.clock.now();
    const visitedAt = body.visitedAt ? new Date(body.visitedAt) : now;
    if (visitedAt.getTime() > now.getTime() + 5 * 60_000) throw fieldError('body.visitedAt', '走访时间不能晚于现在', 'the visit cannot be in the future');
    if (visitedAt.getTime() < now.getTime() - VISIT_BACKDATE_DAYS * 86_400_000) throw fieldError('body.visitedAt', `只能补记 ${VISIT_BACKDATE_DAYS} 天内的走访`, `visits older than ${VISIT_BACKDATE_DAYS} days cannot be recorded`);
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.lockResident(tx, residentId);
      const done = { state: 'done' as const, visited_at: visitedAt, visitor_id: actor.userId, visitor_name: actor.name, condition: body.condition, notes: body.notes || null, updated_at: now };
      let visitId: string;
      if (body.visitId) {
        const task = await this.deps.repository.lockVisit(tx, body.visitId);
        if (!task || task.resident_id !== residentId) throw new AppError('ELDERLY_VISIT_NOT_FOUND');
        if (task.state !== 'open') {
          if (task.state === 'done' && task.visitor_id === actor.userId) return; // a retried completion
          throw new AppError('ELDERLY_VISIT_CLOSED');
        }
        await this.deps.repository.updateVisit(tx, task.id, done);
        visitId = task.id;
      } else {
        const existing = await this.deps.repository.findVisit(body.id, tx);
        if (existing) {
          if (existing.visitor_id !== actor.userId || existing.resident_id !== residentId) throw new AppError('ELDERLY_VISIT_ID_CONFLICT');
          return;
        }
        await this.deps.repository.insertVisit(tx, { id: body.id, resident_id: residentId, region_path: resident.region_path, reason: resident.plan_active ? 'plan' : 'other', due_at: null, created_at: now, ...done });
        visitId = body.id;
      }
      await this.deps.files.setFiles(tx, { ids: body.fileIds, ownerId: actor.userId, target: { visitId }, documents: false });
      await this.deps.audit.record(tx, actor, meta, {
        action: 'elderly.visit',
        targetType: 'elderly_resident',
        targetId: residentId,
        regionPath: resident.region_path,
        details: { visitId, condition: body.condition, visitedAt: visitedAt.toISOString(), photos: body.fileIds.length },
      });
    });
    return this.get(actor, residentId);
  }

  /** A manual alert (联系不上、身体不适 …): opens a visit task for the resident's carers. */
  async raiseAlert(actor: Actor, residentId: string, body: RaiseAlertBody, meta: RequestMeta): Promise<ElderlyDetail> {
    requirePermission(actor.role, 'elderly.alert');
    await this.inScope(actor, residentId);
    await this.createVisitFromAlert({ source: 'manual', sourceRef: randomUUID(), residentId, kind: body.kind, note: body.note, actor, meta });
    return this.get(actor, residentId);
  }

  /**
   * What the register says of a household's elderly (for other modules' texts): null when it has no
   * active resident on the register, else whether any of them lives alone.
   */
  async householdProfile(householdId: string): Promise<{ livesAlone: boolean } | null> {
    const residents = await this.deps.repository.listResidents('/', { householdId, status: 'active' });
    return residents.length === 0 ? null : { livesAlone: residents.some((r) => r.living_alone) };
  }

  /**
   * For other modules (the water module's zero-use alarm: `source: 'water'`, `sourceRef`: its alarm
   * id, `householdId`: the metered household) and for manual alerts: opens a visit task, due within
   * a day, for each active registered elderly resident named (one resident, or every one of the
   * household), tells the grid workers of their grid (or the village cadres where there is none),
   * all in one transaction with the audit entry. Idempotent per source, reference and resident.
   * A household without registered elderly residents gets no visit (`visits` is empty).
   */
  async createVisitFromAlert(input: VisitAlertInput): Promise<VisitAlertResult> {
    if (!input.residentId === !input.householdId) throw new Error('createVisitFromAlert: give residentId or householdId');
    const note = input.note.trim().slice(0, 500) || '需要上门查看';
    const residents = input.residentId
      ? [await this.deps.repository.findResident(input.residentId)].filter((r): r is ResidentRow => r !== undefined && r.status === 'active')
      : await this.deps.repository.listResidents('/', { householdId: input.householdId, status: 'active' });
    const now = this.deps.clock.now();
    const dueAt = new Date(now.getTime() + ALERT_VISIT_HOURS * 3_600_000);
    const visits: VisitAlertResult['visits'] = [];
    for (const resident of residents) {
      const carers = await this.carersOf(resident);
      const result = await this.deps.db.transaction().execute(async (tx) => {
        await this.deps.repository.lockResident(tx, resident.id);
        const existing = await this.deps.repository.findAlert(tx, input.source, input.sourceRef, resident.id);
        if (existing) {
          const visit = await this.deps.repository.findVisit(existing.visit_id, tx);
          return { visitId: existing.visit_id, alertId: existing.id, created: false, dueAt: visit?.due_at ?? dueAt };
        }
        const visitId = randomUUID();
        const alertId = randomUUID();
        await this.deps.repository.insertVisit(tx, {
          id: visitId,
          resident_id: resident.id,
          region_path: resident.region_path,
          reason: 'alert',
          state: 'open',
          due_at: dueAt,
          visited_at: null,
          visitor_id: null,
          visitor_name: null,
          condition: null,
          notes: null,
          created_at: now,
          updated_at: now,
        });
        await this.deps.repository.insertAlert(tx, {
          id: alertId,
          resident_id: resident.id,
          region_path: resident.region_path,
          source: input.source,
          source_ref: input.sourceRef,
          kind: input.kind,
          note,
          raised_by: input.actor?.userId ?? null,
          raised_by_name: input.actor?.name ?? null,
          raised_at: now,
          visit_id: visitId,
        });
        const kindWord = { zero_water_use: '用水异常', no_contact: '联系不上', health: '身体不适', other: '需要关注' }[input.kind];
        await this.deps.notifications.notify(
          tx,
          carers.map((c) => ({ userId: c.id, kind: 'elderly.alert', title: `请上门看望${resident.name}`, body: `${kindWord}：${note}（${ALERT_VISIT_HOURS} 小时内）`, caseId: null })),
        );
        await this.deps.audit.record(tx, input.actor ?? null, input.meta ?? { requestId: null, ip: null }, {
          action: 'elderly.alert',
          targetType: 'elderly_resident',
          targetId: resident.id,
          regionPath: resident.region_path,
          details: { source: input.source, sourceRef: input.sourceRef, kind: input.kind, visitId },
        });
        return { visitId, alertId, created: true, dueAt };
      });
      visits.push({ residentId: resident.id, residentName: resident.name, visitId: result.visitId, alertId: result.alertId, created: result.created, dueAt: result.dueAt.toISOString() });
    }
    return { visits };
  }

  /** A grid worker's (or cadre's) one queue of care work: visits overdue or due, alert tasks, today's meals. */
  async tasks(actor: Actor): Promise<CareTasks> {
    requirePermission(actor.role, 'elderly.care');
    const now = this.deps.clock.now();
    const today = localDate(now);
    const [residents, open, meals, done] = await Promise.all([
      this.deps.repository.listResidents(actor.scope.path, { status: 'active' }),
      this.deps.repository.openVisitsWithin(actor.scope.path),
      this.deps.repository.mealsOn(actor.scope.path, today),
      this.deps.repository.countVisitsDone({ visitorId: actor.userId, ...monthOf(now) }),
    ]);
    const byId = new Map(residents.map((r) => [r.id, r]));
    const visits: CareTasks['visits'] = [];
    for (const row of residents) {
      const state = this.planOf(row, now);
      if (!state || state.status === 'done') continue;
      visits.push({
        resident: this.taskResident(row, now),
        kind: 'plan',
        visitId: null,
        status: state.status,
        dueBy: state.dueBy.toISOString(),
        frequency: row.plan_frequency,
        lastVisitAt: row.last_visit_at?.toISOString() ?? null,
        alert: null,
        mine: row.plan_carer_id === actor.userId,
      });
    }
    for (const visit of open) {
      const row = byId.get(visit.resident_id);
      if (!row) continue;
      visits.push({
        resident: this.taskResident(row, now),
        kind: 'alert',
        visitId: visit.id,
        status: visit.due_at && visit.due_at <= now ? 'overdue' : 'due',
        dueBy: (visit.due_at ?? now).toISOString(),
        frequency: null,
        lastVisitAt: row.last_visit_at?.toISOString() ?? null,
        alert: visit.alert_kind ? { kind: visit.alert_kind, note: visit.alert_note ?? '' } : null,
        mine: row.plan_carer_id === actor.userId,
      });
    }
    visits.sort((a, b) => (a.status === b.status ? (a.kind === b.kind ? a.dueBy.localeCompare(b.dueBy) : a.kind === 'alert' ? -1 : 1) : a.status === 'overdue' ? -1 : 1));
    return { visits, meals: meals.map((m) => this.toMeal(m)), doneThisMonth: done };
  }

  // ---- meals ----------------------------------------------------------------------------------

  /**
   * 送餐: asked by a carer, or by a villager for themselves or someone of their household. A cadre's
   * own request is approved at once; the others wait for a cadre.
   */
  async requestMeal(actor: Actor, residentId: string, body: CreateMealRequestBody, meta: RequestMeta): Promise<MealRequestView> {
    requirePermission(actor.role, 'elderly.meals.request');
    const resident = await this.forMeals(actor, residentId);
    const now = this.deps.clock.now();
    const today = localDate(now);
    if (body.startsOn < today) throw fieldError('body.startsOn', '开始日期不能早于今天', 'the first day cannot be in the past');
    if (body.endsOn && body.endsOn < body.startsOn) throw fieldError('body.endsOn', '结束日期不能早于开始日期', 'the last day cannot be before the first');
    const existing = await this.deps.repository.findMeal(body.id, today);
    if (existing) {
      if (existing.requested_by !== actor.userId) throw new AppError('ELDERLY_VISIT_ID_CONFLICT');
      return this.toMeal(existing);
    }
    const decides = can(actor.role, 'elderly.meals.decide');
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.insertMeal(tx, {
        id: body.id,
        resident_id: residentId,
        region_path: resident.region_path,
        meals: body.meals,
        starts_on: body.startsOn,
        ends_on: body.endsOn,
        note: body.note,
        state: decides ? 'approved' : 'requested',
        requested_by: actor.userId,
        requested_by_name: actor.name,
        decided_by: decides ? actor.userId : null,
        decided_by_name: decides ? actor.name : null,
        decided_at: decides ? now : null,
        decision_note: null,
        created_at: now,
        updated_at: now,
      });
      if (!decides && resident.village_code) {
        const cadres = await this.deps.accounts.contactsAt(resident.village_code, ['village_cadre', 'branch_secretary'], tx);
        await this.deps.notifications.notify(tx, cadres.map((c) => ({ userId: c.id, kind: 'elderly.meal_requested', title: `送餐申请：${resident.name}`, body: `${actor.name}为${resident.name}申请送餐，请审核。`, caseId: null })));
      }
      await this.deps.audit.record(tx, actor, meta, { action: 'elderly.meal_request', targetType: 'elderly_resident', targetId: residentId, regionPath: resident.region_path, details: { mealRequestId: body.id, meals: body.meals, startsOn: body.startsOn, endsOn: body.endsOn } });
    });
    return this.toMeal((await this.deps.repository.findMeal(body.id, today))!);
  }

  async listMeals(actor: Actor, query: { state?: MealRow['state']; village?: string; page: number; pageSize: number }) {
    requirePermission(actor.role, 'elderly.read');
    const { page, pageSize, ...filter } = query;
    const { rows, total } = await this.deps.repository.listMeals(actor.scope.path, filter, localDate(this.deps.clock.now()), { page, pageSize });
    return { items: rows.map((m) => this.toMeal(m)), total, page, pageSize };
  }

  async decideMeal(actor: Actor, id: string, decision: 'approve' | 'reject' | 'cancel', note: string | undefined, meta: RequestMeta): Promise<MealRequestView> {
    const today = localDate(this.deps.clock.now());
    const row = await this.deps.repository.findMeal(id, today);
    const requester = row?.requested_by === actor.userId;
    const decider = row !== undefined && can(actor.role, 'elderly.meals.decide') && isWithin(actor.scope, row.region_path);
    if (!row || !(decider || requester || (can(actor.role, 'elderly.read') && isWithin(actor.scope, row.region_path)))) throw new AppError('MEAL_REQUEST_NOT_FOUND');
    if (decision === 'cancel' ? !(decider || requester) : !decider) throw new AppError('FORBIDDEN');
    if (decision === 'reject' && !note) throw fieldError('body.note', '请说明原因', 'give a reason');
    const to = decision === 'approve' ? 'approved' : decision === 'reject' ? 'rejected' : 'cancelled';
    const from = decision === 'cancel' ? ['requested', 'approved'] : ['requested'];
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.lockMeal(tx, id);
      const current = (await this.deps.repository.findMeal(id, today, tx))!;
      if (current.state === to) return;
      if (!from.includes(current.state)) throw new AppError('MEAL_REQUEST_DECIDED');
      await this.deps.repository.updateMeal(tx, id, {
        state: to,
        updated_at: now,
        ...(decision !== 'cancel' && { decided_by: actor.userId, decided_by_name: actor.name, decided_at: now, decision_note: note ?? null }),
        ...(decision === 'cancel' && current.state === 'approved' && { ends_on: today < current.starts_on ? current.starts_on : today }),
      });
      if (decision !== 'cancel' && current.requested_by && current.requested_by !== actor.userId) {
        await this.deps.notifications.notify(tx, [
          { userId: current.requested_by, kind: `elderly.meal_${to}`, title: decision === 'approve' ? '送餐申请已通过' : '送餐申请未通过', body: `${current.resident_name}的送餐申请${decision === 'approve' ? '已通过' : `未通过：${note}`}`, caseId: null },
        ]);
      }
      await this.deps.audit.record(tx, actor, meta, { action: `elderly.meal_${decision}`, targetType: 'elderly_meal_request', targetId: id, regionPath: current.region_path, details: { note: note ?? null } });
    });
    return this.toMeal((await this.deps.repository.findMeal(id, today))!);
  }

  /** A carer marks today's (or a given day's) meal delivered; once per request and day. */
  async deliverMeal(actor: Actor, id: string, date: string | undefined, meta: RequestMeta): Promise<MealRequestView> {
    requirePermission(actor.role, 'elderly.care');
    const today = localDate(this.deps.clock.now());
    const day = date ?? today;
    if (day > today) throw fieldError('body.date', '不能登记未来的送餐', 'a delivery cannot be in the future');
    const row = await this.deps.repository.findMeal(id, today);
    if (!row || !isWithin(actor.scope, row.region_path)) throw new AppError('MEAL_REQUEST_NOT_FOUND');
    if (row.state !== 'approved' || row.starts_on > day || (row.ends_on !== null && row.ends_on < day)) throw new AppError('MEAL_REQUEST_NOT_ACTIVE');
    await this.deps.db.transaction().execute(async (tx) => {
      if (await this.deps.repository.recordDelivery(tx, { request_id: id, date: day, delivered_by: actor.userId, delivered_by_name: actor.name, delivered_at: this.deps.clock.now() })) {
        await this.deps.audit.record(tx, actor, meta, { action: 'elderly.meal_delivered', targetType: 'elderly_meal_request', targetId: id, regionPath: row.region_path, details: { date: day } });
      }
    });
    return this.toMeal((await this.deps.repository.findMeal(id, today))!);
  }

  /** A villager's own elderly: themselves if registered, and those of their household (no health data). */
  async mine(actor: Actor) {
    const person = await this.deps.households.personOf(actor.userId);
    const now = this.deps.clock.now();
    const own = await this.deps.repository.listResidents('/', { userId: actor.userId, status: 'active' });
    const family = person?.household_id ? await this.deps.repository.listResidents('/', { householdId: person.household_id, status: 'active' }) : [];
    const rows = [...new Map([...own, ...family].map((r) => [r.id, r])).values()];
    const meals = await this.deps.repository.mealsOf(rows.map((r) => r.id), localDate(now));
    return {
      items: rows.map((r) => ({
        id: r.id,
        name: r.name,
        age: ageOn(r.birth_date, now),
        lastVisitAt: r.last_visit_at?.toISOString() ?? null,
        meals: meals.filter((m) => m.resident_id === r.id).map((m) => this.toMeal(m)),
      })),
    };
  }

  // ---- figures --------------------------------------------------------------------------------

  /** 大屏: registered, visits done this month (China time), overdue visits now, and a few more. */
  async stats(actor: Actor, regionCode?: string): Promise<ElderlyStats> {
    requirePermission(actor.role, 'elderly.read');
    const code = regionCode ?? actor.scope.regionCode;
    const region = await this.deps.regions.placeOf(code);
    const detail = region && isWithin(actor.scope, region.region.path) ? await this.deps.regions.get(actor, code) : undefined;
    if (!region || !detail) throw new AppError('REGION_NOT_FOUND', { detail: { zh: code, en: code } });
    const path = region.region.path;
    const now = this.deps.clock.now();
    const month = monthOf(now);
    const [residents, visitsThisMonth, open, meals] = await Promise.all([
      this.deps.repository.listResidents(path, { status: 'active' }),
      this.deps.repository.countVisitsDone({ scopePath: path, ...month }),
      this.deps.repository.openVisitsWithin(path),
      this.deps.repository.mealsOn(path, localDate(now)),
    ]);
    const ages = residents.map((r) => ageOn(r.birth_date, now));
    const overduePlans = residents.filter((r) => this.planOf(r, now)?.status === 'overdue').length;
    return {
      region: { code: detail.code, name: detail.name, level: detail.level },
      month: month.month,
      registered: residents.length,
      livingAlone: residents.filter((r) => r.living_alone).length,
      aged70Plus: ages.filter((a) => a >= 70).length,
      aged80Plus: ages.filter((a) => a >= 80).length,
      byMobility: {
        independent: residents.filter((r) => r.mobility === 'independent').length,
        assisted: residents.filter((r) => r.mobility === 'assisted').length,
        bedridden: residents.filter((r) => r.mobility === 'bedridden').length,
      },
      withPlan: residents.filter((r) => r.plan_active).length,
      visitsThisMonth,
      overdueVisits: overduePlans + open.filter((v) => v.due_at !== null && v.due_at <= now).length,
      openAlerts: open.length,
      mealDeliveriesToday: meals.length,
    };
  }

  // ---- demo -----------------------------------------------------------------------------------

  /** Demo mode: a resident with a fixed id (unless present), a plan, and optionally a past visit. */
  async createDemoResident(input: {
    id: string;
    name: string;
    gender: 'male' | 'female';
    birthDate: string;
    regionCode: string;
    householdId: string | null;
    address: string;
    phone: string | null;
    livingAlone: boolean;
    mobility: 'independent' | 'assisted' | 'bedridden';
    healthNotes: string | null;
    emergencyContactName: string | null;
    emergencyContactPhone: string | null;
    plan: VisitFrequency | null;
    planStartsOn: string;
    lastVisit: { id: string; at: Date; visitorPhone: string; condition: 'good' | 'attention'; notes: string } | null;
    meal: { id: string; meals: 'lunch' | 'dinner' | 'both'; startsOn: string; note: string | null } | null;
  }): Promise<void> {
    const place = await this.deps.regions.placeOf(input.regionCode);
    if (!place || (await this.deps.repository.findResident(input.id))) return;
    const now = this.deps.clock.now();
    const visitor = input.lastVisit ? await this.deps.households.userIdByPhone(input.lastVisit.visitorPhone) : undefined;
    const visitorName = visitor ? (await this.deps.accounts.contactOf(visitor))?.name ?? null : null;
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.insertResident(tx, {
        id: input.id,
        name: input.name,
        gender: input.gender,
        birth_date: input.birthDate,
        phone: input.phone,
        address: input.address,
        user_id: null,
        household_id: input.householdId,
        region_code: input.regionCode,
        region_path: place.region.path,
        living_alone: input.livingAlone,
        mobility: input.mobility,
        emergency_contact_name: input.emergencyContactName,
        emergency_contact_phone: input.emergencyContactPhone,
        health_notes: input.healthNotes,
        status: 'active',
        created_by: null,
        created_at: now,
        updated_at: now,
      });
      if (input.plan) await this.deps.repository.upsertPlan(tx, { resident_id: input.id, frequency: input.plan, starts_on: input.planStartsOn, carer_id: null, active: true, note: null, created_at: now, updated_at: now });
      if (input.lastVisit && visitor) {
        await this.deps.repository.insertVisit(tx, {
          id: input.lastVisit.id,
          resident_id: input.id,
          region_path: place.region.path,
          reason: input.plan ? 'plan' : 'other',
          state: 'done',
          due_at: null,
          visited_at: input.lastVisit.at,
          visitor_id: visitor,
          visitor_name: visitorName,
          condition: input.lastVisit.condition,
          notes: input.lastVisit.notes,
          created_at: input.lastVisit.at,
          updated_at: input.lastVisit.at,
        });
      }
      if (input.meal) {
        await this.deps.repository.insertMeal(tx, {
          id: input.meal.id,
          resident_id: input.id,
          region_path: place.region.path,
          meals: input.meal.meals,
          starts_on: input.meal.startsOn,
          ends_on: null,
          note: input.meal.note,
          state: 'approved',
          requested_by: null,
          requested_by_name: '村委会',
          decided_by: null,
          decided_by_name: '村委会',
          decided_at: now,
          decision_note: null,
          created_at: now,
          updated_at: now,
        });
      }
    });
  }

  // ---- rules ----------------------------------------------------------------------------------

  private checkAge(birthDate: string, now: Date): void {
    const age = ageOn(birthDate, now);
    if (age < MIN_AGE || age > 130) throw fieldError('body.birthDate', `登记对象应为 ${MIN_AGE} 周岁及以上老人`, `the register is for people aged ${MIN_AGE} and over`);
  }

  private async inScope(actor: Actor, id: string): Promise<ResidentRow> {
    const row = await this.deps.repository.findResident(id);
    if (!row || !isWithin(actor.scope, row.region_path)) throw new AppError('ELDERLY_NOT_FOUND');
    return row;
  }

  /** For meals: carers and cadres in scope, or a villager for themselves and their household. */
  private async forMeals(actor: Actor, id: string): Promise<ResidentRow> {
    const row = await this.deps.repository.findResident(id);
    if (!row || row.status !== 'active') throw new AppError('ELDERLY_NOT_FOUND');
    if (actor.role === 'villager') {
      const person = await this.deps.households.personOf(actor.userId);
      const family = row.user_id === actor.userId || (row.household_id !== null && row.household_id === person?.household_id);
      if (!family) throw new AppError('ELDERLY_NOT_FOUND');
      return row;
    }
    if (!isWithin(actor.scope, row.region_path)) throw new AppError('ELDERLY_NOT_FOUND');
    return row;
  }

  /** A grid or village in the caller's region, with its village's path. */
  private async placeFor(actor: Actor, code: string): Promise<{ code: string; path: string; villagePath: string }> {
    const place = await this.deps.regions.placeOf(code);
    if (!place || !isWithin(actor.scope, place.region.path)) throw new AppError('REGION_NOT_FOUND', { detail: { zh: code, en: code } });
    if (!place.village) throw fieldError('body.regionCode', '请选择老人所在的网格或行政村', 'choose the grid or village the person lives in');
    return { code: place.region.code, path: place.region.path, villagePath: place.village.path };
  }

  private async villagePathOf(regionPath: string): Promise<string> {
    const codes = regionPath.split('/').filter(Boolean);
    const place = await this.deps.regions.placeOf(codes[codes.length - 1]!);
    return place?.village?.path ?? regionPath;
  }

  /** The household and the account named must be of the resident's village (and the account not registered yet). */
  private async checkLinks(villagePath: string, links: { householdId: string | null; userId: string | null }, exceptId?: string): Promise<void> {
    if (links.householdId) {
      const household = await this.deps.households.summaryOf(links.householdId);
      const place = household ? await this.deps.regions.placeOf(household.villageCode) : undefined;
      if (!place || place.region.path !== villagePath) {
        throw fieldError('body.householdId', '该户不在老人所在的村', 'the household is not in the person’s village');
      }
    }
    if (links.userId) {
      const person = await this.deps.households.personOf(links.userId);
      if (!person || !person.region_path.startsWith(villagePath)) throw fieldError('body.userId', '该账号不在老人所在的村', 'the account is not in the person’s village');
      if (await this.deps.repository.userRegistered(links.userId, exceptId)) throw new AppError('ELDERLY_ALREADY_REGISTERED');
    }
  }

  /** A plan's carer is a grid worker or cadre of the resident's village. */
  private async checkCarer(userId: string, villagePath: string): Promise<void> {
    const person = await this.deps.households.personOf(userId);
    if (!person || person.disabled_at || !person.region_path.startsWith(villagePath) || !can(person.role, 'elderly.care')) {
      throw fieldError('body.carerId', '走访人应为本村的网格员或村干部', 'the carer must be a grid worker or cadre of the village');
    }
  }

  /** Whom an alert about the resident reaches: the grid workers of their grid (or village), else the village's cadres. */
  private async carersOf(resident: ResidentRow): Promise<{ id: string }[]> {
    const workers = await this.deps.accounts.contactsWithin(resident.region_path, ['grid_worker']);
    if (workers.length > 0 || !resident.village_code) return workers;
    return this.deps.accounts.contactsAt(resident.village_code, ['village_cadre', 'branch_secretary']);
  }

  private planOf(row: ResidentRow, now: Date): PlanState | undefined {
    if (!row.plan_frequency || !row.plan_active || !row.plan_starts_on || row.status !== 'active') return undefined;
    return planState({ frequency: row.plan_frequency, startsOn: row.plan_starts_on, lastVisitAt: row.last_visit_at, now });
  }

  private taskResident(row: ResidentRow, now: Date) {
    return {
      id: row.id,
      name: row.name,
      age: ageOn(row.birth_date, now),
      address: row.address,
      phone: row.phone,
      region: { code: row.region_code, name: row.region_name },
      livingAlone: row.living_alone,
      mobility: row.mobility,
    };
  }

  private toSummary(row: ResidentRow, now: Date): ElderlySummary {
    const state = this.planOf(row, now);
    return {
      id: row.id,
      name: row.name,
      gender: row.gender,
      birthDate: row.birth_date,
      age: ageOn(row.birth_date, now),
      region: { code: row.region_code, name: row.region_name },
      village: row.village_code && row.village_name ? { code: row.village_code, name: row.village_name } : null,
      address: row.address,
      phone: row.phone,
      household: row.household_id && row.household_name ? { id: row.household_id, name: row.household_name } : null,
      livingAlone: row.living_alone,
      mobility: row.mobility,
      status: row.status,
      plan: row.plan_frequency
        ? {
            frequency: row.plan_frequency,
            startsOn: row.plan_starts_on!,
            active: row.plan_active ?? false,
            carer: row.plan_carer_id && row.plan_carer_name ? { id: row.plan_carer_id, name: row.plan_carer_name } : null,
            note: row.plan_note,
            status: state?.status ?? null,
            dueBy: state?.dueBy.toISOString() ?? null,
            overdueSince: state?.overdueSince?.toISOString() ?? null,
          }
        : null,
      lastVisitAt: row.last_visit_at?.toISOString() ?? null,
      openVisits: row.open_visits,
    };
  }

  private async toDetail(row: ResidentRow, actor: Actor): Promise<ElderlyDetail> {
    const now = this.deps.clock.now();
    const carer = can(actor.role, 'elderly.care') && isWithin(actor.scope, row.region_path);
    const [visits, meals] = await Promise.all([this.deps.repository.visitsOf(row.id), this.deps.repository.mealsOf([row.id], localDate(now))]);
    const files = carer ? await this.deps.files.listFor('visit', visits.map((v) => v.id)) : new Map();
    return {
      ...this.toSummary(row, now),
      emergencyContact: { name: row.emergency_contact_name, phone: row.emergency_contact_phone },
      healthNotes: carer ? row.health_notes : null,
      healthNotesVisible: carer,
      visits: visits.map((v) => this.toVisit(v, carer, files.get(v.id) ?? [])),
      meals: meals.map((m) => this.toMeal(m)),
      canEdit: can(actor.role, 'elderly.write') && isWithin(actor.scope, row.region_path),
    };
  }

  private toVisit(v: VisitRow, carer: boolean, files: VisitView['files']): VisitView {
    return {
      id: v.id,
      reason: v.reason,
      state: v.state,
      dueAt: v.due_at?.toISOString() ?? null,
      visitedAt: v.visited_at?.toISOString() ?? null,
      visitorName: v.visitor_name,
      condition: v.condition,
      notes: carer ? v.notes : null,
      alert:
        v.alert_kind && v.alert_source && v.alert_raised_at
          ? { kind: v.alert_kind, source: v.alert_source, note: carer ? (v.alert_note ?? '') : '', raisedAt: v.alert_raised_at.toISOString(), raisedByName: v.alert_raised_by_name }
          : null,
      files: carer ? files : [],
    };
  }

  private toMeal(m: MealRow): MealRequestView {
    return {
      id: m.id,
      resident: { id: m.resident_id, name: m.resident_name, address: m.resident_address },
      region: { code: m.region_code, name: m.region_name },
      meals: m.meals,
      startsOn: m.starts_on,
      endsOn: m.ends_on,
      note: m.note,
      state: m.state,
      requestedByName: m.requested_by_name,
      decidedByName: m.decided_by_name,
      decisionNote: m.decision_note,
      deliveredToday: m.delivered_today === true || m.delivered_today === 1,
      createdAt: m.created_at.toISOString(),
    };
  }
}
