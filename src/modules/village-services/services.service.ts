import { randomUUID } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { Role } from '../../platform/db/schema.js';
import { AppError, fieldError } from '../../platform/http/errors.js';
import type { Actor, RequestMeta } from '../../platform/request-context.js';
import { isWithin } from '../../platform/scope.js';
import { localDate } from '../../platform/working-time.js';
import type { AccountsService } from '../accounts/accounts.service.js';
import { can, requirePermission } from '../accounts/policies.js';
import { roleLabels } from '../accounts/roles.js';
import type { AuditService } from '../audit/audit.service.js';
import type { NotificationsService } from '../notifications/notifications.service.js';
import type { RegionsService } from '../regions/regions.service.js';
import { actionsFor, nextState, type ServiceRequestAction, transitions } from './service-request-state.js';
import type { GuideRow, RequestRow, ServicesRepository } from './services.repository.js';
import type {
  CreateGuideBody,
  CreateRequestBody,
  GuideView,
  ListGuidesQuery,
  ListRequestsQuery,
  RequestActionBody,
  RequestDetail,
  RequestSummary,
  UpdateGuideBody,
} from './services.schema.js';

/** Who handles a village's requests and hears of new ones. */
const HANDLER_ROLES: Role[] = ['village_cadre', 'branch_secretary'];

const actionWords: Record<ServiceRequestAction, { zh: string; title: string }> = {
  accept: { zh: '已受理', title: '您的办事申请已受理' },
  request_materials: { zh: '请补充材料', title: '您的办事申请需要补充材料' },
  supplement: { zh: '已补充材料', title: '村民已补充材料' },
  complete: { zh: '已办结', title: '您的办事申请已办结' },
  reject: { zh: '不予受理', title: '您的办事申请未被受理' },
  cancel: { zh: '已撤销', title: '村民撤销了办事申请' },
};

/**
 * 办证办事: a catalogue of common matters (户口迁移, 医保缴费, 低保申请, 宅基地审批, 残疾人证 …) kept by
 * the township and overridable per village, and the villagers' 预约/代办 requests. A request lands
 * in the queue of the villager's village: its cadres are told, one accepts it (and becomes its
 * handler), may ask for missing materials, completes or refuses it; the villager follows each step
 * and may cancel until it is finished. Every step is a history event and an audit entry.
 */
export class ServicesService {
  constructor(
    private readonly deps: {
      db: Db;
      repository: ServicesRepository;
      regions: RegionsService;
      accounts: AccountsService;
      notifications: NotificationsService;
      audit: AuditService;
      clock: Clock;
    },
  ) {}

  // ---- the catalogue --------------------------------------------------------------------------

  /**
   * What the caller's region offers: its own guides and those of the regions above it, where a
   * village's guide replaces the township's of the same code. Managers with `all` see every guide
   * of their region and below, inactive and replaced ones too.
   */
  async listGuides(actor: Actor, query: ListGuidesQuery): Promise<{ items: GuideView[] }> {
    const all = query.all === 'true';
    if (all) requirePermission(actor.role, 'services.manage');
    const rows = await this.deps.repository.listGuides(actor.scope.path, { q: query.q, category: query.category, below: all, activeOnly: !all });
    if (all) return { items: rows.map((row) => this.toGuide(row, actor)) };
    // Deepest first per code (the query orders same-named guides by depth): the first one seen wins.
    const byCode = new Map<string, GuideRow>();
    for (const row of [...rows].sort((a, b) => b.region_path.length - a.region_path.length)) if (!byCode.has(row.code)) byCode.set(row.code, row);
    const effective = rows.filter((row) => byCode.get(row.code) === row);
    // A village that switched a township guide off (inactive override) hides it: the override was not listed.
    const hidden = all ? [] : await this.hiddenCodes(actor);
    return { items: effective.filter((row) => !hidden.includes(row.code)).map((row) => this.toGuide(row, actor)) };
  }

  async getGuide(actor: Actor, id: string): Promise<GuideView> {
    return this.toGuide(await this.visibleGuide(actor, id), actor);
  }

  async createGuide(actor: Actor, body: CreateGuideBody, meta: RequestMeta): Promise<GuideView> {
    requirePermission(actor.role, 'services.manage');
    const code = body.regionCode ?? actor.scope.regionCode;
    const place = await this.deps.regions.placeOf(code);
    if (!place || !isWithin(actor.scope, place.region.path)) throw new AppError('REGION_NOT_FOUND', { detail: { zh: code, en: code } });
    if (place.region.level === 'grid') throw fieldError('body.regionCode', '办事指南属于县、乡镇或行政村', 'a guide belongs to a county, township or village');
    const id = randomUUID();
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (tx) => {
      const inserted = await this.deps.repository.insertGuide(tx, {
        id,
        region_code: place.region.code,
        region_path: place.region.path,
        code: body.code,
        name: body.name,
        category: body.category,
        keywords: body.keywords,
        summary: body.summary,
        conditions: body.conditions,
        materials: JSON.stringify(body.materials),
        office: body.office,
        phone: body.phone,
        hours: body.hours,
        fees: body.fees,
        time_limit: body.timeLimit,
        allow_appointment: body.allowAppointment,
        allow_proxy: body.allowProxy,
        active: body.active,
        sort_order: body.sortOrder,
        created_at: now,
        updated_at: now,
      });
      if (!inserted) throw new AppError('SERVICE_GUIDE_EXISTS');
      await this.deps.audit.record(tx, actor, meta, { action: 'service_guide.create', targetType: 'service_guide', targetId: id, regionPath: place.region.path, details: { code: body.code, name: body.name } });
    });
    return this.getGuide(actor, id);
  }

  async updateGuide(actor: Actor, id: string, body: UpdateGuideBody, meta: RequestMeta): Promise<GuideView> {
    requirePermission(actor.role, 'services.manage');
    const row = await this.deps.repository.findGuide(id);
    if (!row || !(isWithin(actor.scope, row.region_path) || actor.scope.path.startsWith(row.region_path))) throw new AppError('SERVICE_GUIDE_NOT_FOUND');
    // A township's guide is read in its villages but changed only at the township (a village adds its own of the same code).
    if (!isWithin(actor.scope, row.region_path)) throw new AppError('FORBIDDEN');
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.updateGuide(tx, id, {
        ...(body.name !== undefined && { name: body.name }),
        ...(body.category !== undefined && { category: body.category }),
        ...(body.keywords !== undefined && { keywords: body.keywords }),
        ...(body.summary !== undefined && { summary: body.summary }),
        ...(body.conditions !== undefined && { conditions: body.conditions }),
        ...(body.materials !== undefined && { materials: JSON.stringify(body.materials) }),
        ...(body.office !== undefined && { office: body.office }),
        ...(body.phone !== undefined && { phone: body.phone }),
        ...(body.hours !== undefined && { hours: body.hours }),
        ...(body.fees !== undefined && { fees: body.fees }),
        ...(body.timeLimit !== undefined && { time_limit: body.timeLimit }),
        ...(body.allowAppointment !== undefined && { allow_appointment: body.allowAppointment }),
        ...(body.allowProxy !== undefined && { allow_proxy: body.allowProxy }),
        ...(body.active !== undefined && { active: body.active }),
        ...(body.sortOrder !== undefined && { sort_order: body.sortOrder }),
        updated_at: this.deps.clock.now(),
      });
      await this.deps.audit.record(tx, actor, meta, { action: 'service_guide.update', targetType: 'service_guide', targetId: id, regionPath: row.region_path, details: { code: row.code, changes: body } });
    });
    return this.getGuide(actor, id);
  }

  /** Demo mode: a guide with a fixed id, unless one with its code exists there. */
  async createDemoGuide(regionCode: string, guide: Omit<CreateGuideBody, 'regionCode'> & { id: string }): Promise<void> {
    const place = await this.deps.regions.placeOf(regionCode);
    if (!place || (await this.deps.repository.guideExists(place.region.path, guide.code))) return;
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute((tx) =>
      this.deps.repository.insertGuide(tx, {
        id: guide.id,
        region_code: regionCode,
        region_path: place.region.path,
        code: guide.code,
        name: guide.name,
        category: guide.category,
        keywords: guide.keywords,
        summary: guide.summary,
        conditions: guide.conditions,
        materials: JSON.stringify(guide.materials),
        office: guide.office,
        phone: guide.phone,
        hours: guide.hours,
        fees: guide.fees,
        time_limit: guide.timeLimit,
        allow_appointment: guide.allowAppointment,
        allow_proxy: guide.allowProxy,
        active: guide.active,
        sort_order: guide.sortOrder,
        created_at: now,
        updated_at: now,
      }),
    );
  }

  // ---- requests -------------------------------------------------------------------------------

  /** 预约/代办: the request goes to the villager's village; its cadres are told in the same transaction. */
  async submit(actor: Actor, body: CreateRequestBody, meta: RequestMeta): Promise<{ created: boolean; request: RequestDetail }> {
    requirePermission(actor.role, 'services.request');
    const existing = await this.deps.repository.findRequest(body.id);
    if (existing) {
      if (existing.requester_id !== actor.userId) throw new AppError('SERVICE_REQUEST_ID_CONFLICT');
      return { created: false, request: await this.toDetail(existing, actor) };
    }
    const guide = await this.visibleGuide(actor, body.guideId, 'body.guideId');
    if (!guide.active) throw new AppError('SERVICE_GUIDE_NOT_FOUND');
    if ((body.kind === 'appointment' && !guide.allow_appointment) || (body.kind === 'proxy' && !guide.allow_proxy)) throw new AppError('SERVICE_KIND_NOT_OFFERED');
    const now = this.deps.clock.now();
    if (body.preferredDate && body.preferredDate < localDate(now)) throw fieldError('body.preferredDate', '日期不能早于今天', 'the date cannot be in the past');
    const place = await this.deps.regions.placeOf(actor.scope.regionCode);
    const village = place?.village;
    if (!village) throw new AppError('REGION_NOT_FOUND', { detail: { zh: '您的账号未归属到行政村', en: 'your account belongs to no village' } });
    const handlers = await this.deps.accounts.contactsAt(village.code, HANDLER_ROLES);
    const created = await this.deps.db.transaction().execute(async (tx) => {
      const id = await this.deps.repository.insertRequest(tx, {
        id: body.id,
        guide_id: guide.id,
        guide_name: guide.name,
        kind: body.kind,
        state: 'submitted',
        requester_id: actor.userId,
        requester_name: actor.name,
        contact_phone: body.contactPhone ?? actor.phone,
        region_code: village.code,
        region_path: village.path,
        preferred_date: body.preferredDate ?? null,
        note: body.note ?? null,
        handler_id: null,
        handler_name: null,
        appointment_at: null,
        result: null,
        created_at: now,
        updated_at: now,
        closed_at: null,
      });
      if (!id) return false;
      await this.deps.repository.insertEvent(tx, { request_id: id, at: now, action: 'submit', from_state: null, to_state: 'submitted', actor_id: actor.userId, actor_name: actor.name, actor_role: actor.role, note: body.note ?? null });
      const kindWord = body.kind === 'appointment' ? '预约' : '代办';
      await this.deps.notifications.notify(
        tx,
        handlers.map((h) => ({ userId: h.id, kind: 'service_request.submitted', title: `新的办事${kindWord}：${guide.name}`, body: `${actor.name}申请${kindWord}“${guide.name}”，请及时受理。`, caseId: null })),
      );
      await this.deps.audit.record(tx, actor, meta, {
        action: 'service_request.submit',
        targetType: 'service_request',
        targetId: id,
        regionPath: village.path,
        details: { guide: guide.code, kind: body.kind, preferredDate: body.preferredDate ?? null },
      });
      return true;
    });
    if (!created) return this.submit(actor, body, meta);
    return { created: true, request: await this.getRequest(actor, body.id) };
  }

  /** Villagers list their own; handlers their region's queue (or, with `mine`, their own requests). */
  async listRequests(actor: Actor, query: ListRequestsQuery) {
    const { page, pageSize, mine, state, open, village, q } = query;
    const handler = can(actor.role, 'services.handle');
    const own = mine === 'true' || !handler;
    const { rows, total } = await this.deps.repository.listRequests(
      { ...(own ? { requesterId: actor.userId } : { scopePath: actor.scope.path }), state, open: open === 'true', village, q },
      { page, pageSize },
    );
    return { items: rows.map((row) => this.toSummary(row, actor)), total, page, pageSize };
  }

  async getRequest(actor: Actor, id: string): Promise<RequestDetail> {
    return this.toDetail(await this.visibleRequest(actor, id), actor);
  }

  /** One step of the state machine, by the handler or the requester as the table says. A repeated step is a no-op. */
  async act(actor: Actor, id: string, action: ServiceRequestAction, body: RequestActionBody, meta: RequestMeta): Promise<RequestDetail> {
    const current = await this.visibleRequest(actor, id);
    const transition = transitions[action];
    const who = this.roleIn(current, actor);
    if ((transition.by === 'handler' && !who.handler) || (transition.by === 'requester' && !who.requester)) throw new AppError('FORBIDDEN');
    if (transition.note && !body.note) throw fieldError('body.note', '请填写说明', 'a note is required');
    if (body.appointmentAt && action !== 'accept') throw fieldError('body.appointmentAt', '只在受理时约定时间', 'an appointment time is set when accepting');
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (tx) => {
      const row = (await this.deps.repository.lockRequest(tx, id))!;
      const to = nextState(row.state, action);
      if (!to) {
        const last = await this.deps.repository.lastEvent(tx, id);
        // The same person repeating the step that led here (a retried request) changes nothing.
        if (last && last.action === action && last.actor_id === actor.userId && row.state === transition.to) return;
        throw new AppError('SERVICE_REQUEST_TRANSITION_NOT_ALLOWED');
      }
      const closes = to === 'completed' || to === 'rejected' || to === 'cancelled';
      await this.deps.repository.updateRequest(tx, id, {
        state: to,
        updated_at: now,
        ...(action === 'accept' && { handler_id: actor.userId, handler_name: actor.name, appointment_at: body.appointmentAt ? new Date(body.appointmentAt) : null }),
        ...(transition.by === 'handler' && action !== 'accept' && !row.handler_id && { handler_id: actor.userId, handler_name: actor.name }),
        ...(transition.by === 'handler' && body.note !== undefined && { result: body.note }),
        ...(closes && { closed_at: now }),
      });
      await this.deps.repository.insertEvent(tx, { request_id: id, at: now, action, from_state: row.state, to_state: to, actor_id: actor.userId, actor_name: actor.name, actor_role: actor.role, note: body.note ?? null });
      const words = actionWords[action];
      const recipients =
        transition.by === 'handler'
          ? [row.requester_id]
          : row.handler_id
            ? [row.handler_id]
            : (await this.deps.accounts.contactsAt(row.region_code, HANDLER_ROLES, tx)).map((h) => h.id);
      await this.deps.notifications.notify(
        tx,
        recipients.map((userId) => ({
          userId,
          kind: `service_request.${action}`,
          title: words.title,
          body: `${row.number}“${row.guide_name}”${words.zh}${body.note ? `：${body.note}` : ''}`,
          caseId: null,
        })),
      );
      await this.deps.audit.record(tx, actor, meta, {
        action: `service_request.${action}`,
        targetType: 'service_request',
        targetId: id,
        regionPath: row.region_path,
        details: { number: row.number, from: row.state, to, note: body.note ?? null, appointmentAt: body.appointmentAt ?? null },
      });
    });
    return this.getRequest(actor, id);
  }

  // ---- rules ----------------------------------------------------------------------------------

  private async hiddenCodes(actor: Actor): Promise<string[]> {
    const rows = await this.deps.repository.listGuides(actor.scope.path, { below: false, activeOnly: false });
    const deepest = new Map<string, GuideRow>();
    for (const row of [...rows].sort((a, b) => b.region_path.length - a.region_path.length)) if (!deepest.has(row.code)) deepest.set(row.code, row);
    return [...deepest.values()].filter((row) => !row.active).map((row) => row.code);
  }

  private async visibleGuide(actor: Actor, id: string, field?: string): Promise<GuideRow> {
    const row = await this.deps.repository.findGuide(id);
    const above = row && actor.scope.path.startsWith(row.region_path);
    const below = row && isWithin(actor.scope, row.region_path) && can(actor.role, 'services.manage');
    if (!row || !(above || below)) {
      if (field) throw new AppError('SERVICE_GUIDE_NOT_FOUND', { details: [{ field, message: '办事指南不存在', messageEn: 'no such guide' }] });
      throw new AppError('SERVICE_GUIDE_NOT_FOUND');
    }
    return row;
  }

  /** The requester, and the handlers of the request's village (and above). Nobody else learns it exists. */
  private async visibleRequest(actor: Actor, id: string): Promise<RequestRow> {
    const row = await this.deps.repository.findRequest(id);
    if (!row) throw new AppError('SERVICE_REQUEST_NOT_FOUND');
    const who = this.roleIn(row, actor);
    if (!who.handler && !who.requester) throw new AppError('SERVICE_REQUEST_NOT_FOUND');
    return row;
  }

  private roleIn(row: RequestRow, actor: Actor) {
    return { handler: can(actor.role, 'services.handle') && isWithin(actor.scope, row.region_path), requester: row.requester_id === actor.userId };
  }

  private toGuide(row: GuideRow, actor: Actor): GuideView {
    return {
      id: row.id,
      code: row.code,
      region: { code: row.region_code, name: row.region_name, level: row.region_level },
      name: row.name,
      category: row.category,
      keywords: row.keywords,
      summary: row.summary,
      conditions: row.conditions,
      materials: row.materials,
      office: row.office,
      phone: row.phone,
      hours: row.hours,
      fees: row.fees,
      timeLimit: row.time_limit,
      allowAppointment: row.allow_appointment,
      allowProxy: row.allow_proxy,
      active: row.active,
      sortOrder: row.sort_order,
      updatedAt: row.updated_at.toISOString(),
      canEdit: can(actor.role, 'services.manage') && isWithin(actor.scope, row.region_path),
    };
  }

  private toSummary(row: RequestRow, actor: Actor): RequestSummary {
    const who = this.roleIn(row, actor);
    return {
      id: row.id,
      number: row.number,
      guide: { id: row.guide_id, name: row.guide_name, office: row.guide_office, phone: row.guide_phone },
      kind: row.kind,
      state: row.state,
      requester: { id: row.requester_id, name: row.requester_name },
      contactPhone: who.handler || who.requester ? row.contact_phone : null,
      region: { code: row.region_code, name: row.region_name },
      preferredDate: row.preferred_date,
      appointmentAt: row.appointment_at?.toISOString() ?? null,
      note: row.note,
      handlerName: row.handler_name,
      result: row.result,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
      closedAt: row.closed_at?.toISOString() ?? null,
    };
  }

  private async toDetail(row: RequestRow, actor: Actor): Promise<RequestDetail> {
    const events = await this.deps.repository.events(row.id);
    return {
      ...this.toSummary(row, actor),
      history: events.map((e) => ({
        at: e.at.toISOString(),
        action: e.action,
        fromState: e.from_state,
        toState: e.to_state,
        actorName: e.actor_name,
        actorRole: roleLabels[e.actor_role as Role]?.zh ?? e.actor_role,
        note: e.note,
      })),
      actions: actionsFor(row.state, this.roleIn(row, actor)),
    };
  }
}
