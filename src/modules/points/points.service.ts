import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { PointsEarner, RegionLevel, Role } from '../../platform/db/schema.js';
import { AppError, fieldError } from '../../platform/http/errors.js';
import type { JobQueue } from '../../platform/jobs/job-queue.js';
import type { Actor, RequestMeta } from '../../platform/request-context.js';
import { isWithin } from '../../platform/scope.js';
import { localDate } from '../../platform/working-time.js';
import type { AccountsService } from '../accounts/accounts.service.js';
import { can, requirePermission } from '../accounts/policies.js';
import type { AuditService } from '../audit/audit.service.js';
import { CASE_CLOSED_JOB, type CaseClosedPayload } from '../cases/cases.service.js';
import type { PhotoRef } from '../cases/cases.schema.js';
import type { HouseholdsService, PersonRow } from '../households/households.service.js';
import type { NotificationsService } from '../notifications/notifications.service.js';
import type { RegionsService } from '../regions/regions.service.js';
import { ALARM_HANDLED_JOB, type AlarmHandledPayload } from '../safe-village/safe-village.service.js';
import type { Account, Ledger } from './ledger.js';
import {
  claimStateLabels,
  dayWindow,
  earnerLabels,
  entryKindLabels,
  localDateTime,
  monthOf,
  monthWindow,
  ranked,
  ruleCategoryLabels,
  toCsv,
  villageCodeOf,
} from './points-model.js';
import { type ClaimRow, type EntryDetailRow, type EntryFilter, type PointsRepository, type RuleRow, rulePoints, type Visibility } from './points.repository.js';
import type {
  AwardBody,
  BalanceView,
  ClaimView,
  CreateRuleBody,
  EntryView,
  LedgerQuery,
  ListClaimsQuery,
  ListRulesQuery,
  RankingsQuery,
  RankingsView,
  RuleView,
  SubmitClaimBody,
  UpdateRuleBody,
} from './points.schema.js';

/** What the points module needs to know about cases (wired in app.ts from the cases module). */
export interface PointsCaseFacts {
  caseFacts(db: Db, caseId: string): Promise<{ number: string; anonymous: boolean } | undefined>;
  category(db: Db, code: string): Promise<{ name: string; reportPoints: number; handlerPoints: number } | undefined>;
}

/** What the points module needs from the photos module: claims carry photo evidence. */
export interface ClaimPhotos {
  attachToClaim(tx: Db, input: { photoIds: string[]; ownerId: string; claimId: string; field?: string }): Promise<void>;
  listForClaim(claimId: string): Promise<PhotoRef[]>;
}

const CADRES: Role[] = ['village_cadre', 'branch_secretary'];
/** How far back an activity may be claimed. */
export const CLAIM_WINDOW_DAYS = 60;
const EXPORT_LIMIT = 50_000;

/** Who earns automatic case points: reports from villagers, handling by grid workers (MISSION: 群众点单、网格接单). */
const CASE_EARNERS: Record<'reporter' | 'handler', Role[]> = { reporter: ['villager'], handler: ['grid_worker'] };

/** Who earns points for acknowledging an alarm: the people the alarm ladder calls in a village. */
const ALARM_EARNERS: Role[] = ['grid_worker', 'village_cadre', 'branch_secretary'];
/** The platform-default rule for handling an alarm (migration 20261208060000); regions override it. */
export const ALARM_RULE_CODE = 'alarm.handle';

const accountOf = (person: PersonRow): Account => ({ userId: person.id, householdId: person.household_id, regionPath: person.region_path });

/**
 * 积分制: rules per region, automatic points for closed cases, claims that cadres decide, awards
 * and deductions by cadres, the ledger (through `Ledger`), balances and the monthly rankings.
 */
export class PointsService {
  constructor(
    private readonly deps: {
      db: Db;
      repository: PointsRepository;
      ledger: Ledger;
      households: HouseholdsService;
      regions: RegionsService;
      accounts: AccountsService;
      notifications: NotificationsService;
      photos: ClaimPhotos;
      cases: PointsCaseFacts;
      jobs: JobQueue;
      audit: AuditService;
      clock: Clock;
      logger: Logger;
    },
  ) {
    deps.jobs.register(CASE_CLOSED_JOB, (tx, payload) => this.onCaseClosed(tx, payload as unknown as CaseClosedPayload));
    deps.jobs.register(ALARM_HANDLED_JOB, (tx, payload) => this.onAlarmHandled(tx, payload as unknown as AlarmHandledPayload));
  }

  // ---- automatic points for handled alarms ------------------------------------------------------

  /**
   * An alarm was acknowledged: the grid worker or cadre who did it earns the 'alarm.handle' rule in
   * force for them, once per alarm (key alarm:<id>:handle). Marking a false positive earns nothing,
   * and one marked after an acknowledgement takes those points back (a correction, as a cadre's
   * would be), so nobody is paid to dismiss alarms.
   */
  private async onAlarmHandled(tx: Db, payload: AlarmHandledPayload): Promise<void> {
    const key = `alarm:${payload.alarmId}:handle`;
    if (payload.state === 'false_positive') {
      const earned = await this.deps.repository.entryByKey(tx, key);
      if (!earned) return;
      const marker = await this.deps.households.personOf(payload.handlerId, tx);
      const { entry, created } = await this.deps.ledger.book(tx, {
        account: { userId: earned.user_id, householdId: earned.household_id, regionPath: earned.region_path },
        kind: 'correction',
        points: -earned.points,
        rule: earned.rule_code ? { id: earned.rule_id, code: earned.rule_code, name: earned.rule_name ?? earned.rule_code } : null,
        alarmId: payload.alarmId,
        correctsId: earned.id,
        approver: marker ? { id: marker.id, name: marker.name } : null,
        reason: `更正 #${earned.id}：告警已标记为误报`,
        key: `correct:${earned.id}`,
        shortfall: 'floor',
      });
      if (created) {
        await this.deps.notifications.notify(tx, [
          { userId: earned.user_id, kind: 'points.corrected', title: `积分更正 ${entry.points >= 0 ? '+' : ''}${entry.points}`, body: '确认过的告警已标记为误报，处置积分收回', caseId: null, url: '/h5/points/history' },
        ]);
      }
      return;
    }
    const person = await this.deps.households.personOf(payload.handlerId, tx);
    if (!person || !ALARM_EARNERS.includes(person.role)) return;
    const rule = await this.deps.repository.effectiveRule(person.region_path, ALARM_RULE_CODE, tx);
    if (!rule || !rule.active || rule.earner !== 'acknowledger') return;
    const points = rulePoints(rule);
    if (points === 0) return;
    const { created, entry } = await this.deps.ledger.book(tx, {
      account: accountOf(person),
      kind: points > 0 ? 'award' : 'deduction',
      points,
      rule: { id: rule.id, code: rule.code, name: rule.name },
      alarmId: payload.alarmId,
      approver: null,
      reason: '确认处置平安乡村告警',
      key,
      shortfall: 'floor',
    });
    if (created) {
      await this.deps.notifications.notify(tx, [
        {
          userId: person.id,
          kind: 'points.awarded',
          title: `${entry.points >= 0 ? '获得' : '扣除'}积分 ${Math.abs(entry.points)} 分`,
          body: `确认处置告警（${rule.name}）`,
          caseId: null,
          url: '/h5/points/history',
        },
      ]);
    }
  }

  // ---- automatic points for closed cases --------------------------------------------------------

  /**
   * A case was closed (the branch approved its handling). The reporter earns the category's report
   * points and the grid worker who resolved it the handler points, each once per case whatever
   * happens later (a dispute and a second closure, a replayed job): the keys case:<id>:reporter
   * and case:<id>:handler. Anonymous reports earn nothing: a ledger entry would name the reporter.
   */
  private async onCaseClosed(tx: Db, payload: CaseClosedPayload): Promise<void> {
    const facts = await this.deps.cases.caseFacts(tx, payload.caseId);
    if (!facts) return;
    const category = await this.deps.cases.category(tx, payload.categoryCode);
    const evaluator = await this.deps.households.personOf(payload.evaluatorId, tx);
    const approver = evaluator ? { id: evaluator.id, name: evaluator.name } : null;
    const categoryName = category?.name ?? payload.categoryCode;
    const awards = [
      { role: 'reporter' as const, userId: facts.anonymous ? null : payload.reporterId, fallback: category?.reportPoints ?? 0, label: '上报' },
      { role: 'handler' as const, userId: payload.resolverId, fallback: category?.handlerPoints ?? 0, label: '办结' },
    ];
    for (const award of awards) {
      if (!award.userId) continue;
      const person = await this.deps.households.personOf(award.userId, tx);
      if (!person || !CASE_EARNERS[award.role].includes(person.role)) continue;
      const code = `case.${award.role === 'reporter' ? 'report' : 'handle'}.${payload.categoryCode}`;
      const rule = await this.deps.repository.effectiveRule(person.region_path, code, tx);
      if (rule && !rule.active) continue;
      const points = rule ? rulePoints(rule) : award.fallback;
      if (points === 0) continue;
      const { created, entry } = await this.deps.ledger.book(tx, {
        account: accountOf(person),
        kind: points > 0 ? 'award' : 'deduction',
        points,
        rule: rule ? { id: rule.id, code: rule.code, name: rule.name } : { id: null, code, name: `${award.label}：${categoryName}` },
        caseId: payload.caseId,
        approver,
        reason: `事件 ${facts.number}（${categoryName}）经支部评单办结`,
        key: `case:${payload.caseId}:${award.role}`,
        shortfall: 'floor',
      });
      if (created) {
        await this.deps.notifications.notify(tx, [
          {
            userId: person.id,
            kind: 'points.awarded',
            title: `${entry.points >= 0 ? '获得' : '扣除'}积分 ${Math.abs(entry.points)} 分`,
            body: `事件 ${facts.number} 已办结（${award.label}：${categoryName}）`,
            caseId: payload.caseId,
          },
        ]);
      }
    }
  }

  // ---- rules ----------------------------------------------------------------------------------

  /** The rules in force in a region the caller may read (default their own), most specific first per code. */
  async listRules(actor: Actor, query: ListRulesQuery): Promise<{ region: { code: string; name: string }; items: RuleView[] }> {
    const code = query.region ?? actor.scope.regionCode;
    const region = await this.readableRegion(actor, code);
    let rows = await this.deps.repository.effectiveRules(region.path);
    if (query.includeInactive !== 'true') rows = rows.filter((r) => r.active);
    if (query.category) rows = rows.filter((r) => r.category === query.category);
    if (query.earner) rows = rows.filter((r) => r.earner === query.earner);
    rows.sort((a, b) => a.sort_order - b.sort_order || a.code.localeCompare(b.code));
    return { region: { code: region.code, name: region.name }, items: rows.map((r) => this.toRuleView(r)) };
  }

  /**
   * Adds a rule for a region in scope, or overrides an inherited one there (same code: its category,
   * earner and case category stay; name and points may change; inactive switches it off here).
   */
  async createRule(actor: Actor, body: CreateRuleBody, meta: RequestMeta): Promise<RuleView> {
    requirePermission(actor.role, 'points.rules.write');
    if (body.regionCode === null && actor.role !== 'admin') throw new AppError('FORBIDDEN', { detail: { zh: '平台默认规则仅管理员可设', en: 'only administrators set platform defaults' } });
    const region = body.regionCode === null ? null : await this.regionInScope(actor, body.regionCode ?? actor.scope.regionCode);
    if (region?.level === 'grid') throw fieldError('body.regionCode', '积分规则设在县、乡镇或村一级', 'rules are set for a county, township or village');
    const path = region?.path ?? '/';
    const inherited = await this.deps.repository.effectiveRule(path, body.code);
    if (inherited?.region_path === path) throw new AppError('POINTS_RULE_EXISTS');

    const fixed = (field: 'category' | 'earner' | 'caseCategoryCode', inheritedValue: string | null) => {
      const given = body[field];
      if (given !== undefined && given !== inheritedValue) {
        throw fieldError(`body.${field}`, '覆盖上级规则时不能修改此项', 'an override keeps the inherited rule’s value');
      }
      return inheritedValue;
    };
    let category = body.category;
    let earner: PointsEarner | undefined = body.earner;
    let caseCategoryCode = body.caseCategoryCode ?? null;
    let name = body.name;
    let points = body.points;
    if (inherited) {
      category = fixed('category', inherited.category) as RuleRow['category'];
      earner = fixed('earner', inherited.earner) as PointsEarner;
      caseCategoryCode = fixed('caseCategoryCode', inherited.case_category_code);
      name ??= inherited.name;
      if (points === undefined) points = inherited.case_category_code ? null : inherited.points;
    } else {
      const missing = (['name', 'category', 'earner'] as const).filter((f) => body[f] === undefined);
      if (missing.length > 0) {
        throw new AppError('VALIDATION_FAILED', {
          details: missing.map((f) => ({ field: `body.${f}`, message: '新规则必填', messageEn: 'is required for a new rule' })),
        });
      }
      if (earner === 'reporter' || earner === 'handler') {
        if (!caseCategoryCode) throw fieldError('body.caseCategoryCode', '事件积分规则须指定事件类别', 'a case rule names its case category');
        if (!(await this.deps.cases.category(this.deps.db, caseCategoryCode))) throw new AppError('CATEGORY_NOT_FOUND');
        const expected = `case.${earner === 'reporter' ? 'report' : 'handle'}.${caseCategoryCode}`;
        if (body.code !== expected) throw fieldError('body.code', `事件积分规则的编码应为 ${expected}`, `a case rule’s code is ${expected}`);
      } else if (caseCategoryCode) {
        throw fieldError('body.caseCategoryCode', '仅上报、办结规则关联事件类别', 'only reporter and handler rules name a case category');
      }
      // The alarm rule is the platform's one; a region overrides it by its code instead.
      if (earner === 'acknowledger') throw fieldError('body.earner', `告警积分请覆盖规则 ${ALARM_RULE_CODE}`, `override the rule ${ALARM_RULE_CODE} for alarm points`);
    }
    if (points === undefined || (points === null && !caseCategoryCode)) throw fieldError('body.points', '请填写积分', 'points are required');
    if (earner === 'claimant' && points !== null && points < 0) throw fieldError('body.points', '村民申报的事项只能加分', 'a claimed activity can only add points');

    const id = await this.deps.db.transaction().execute(async (tx) => {
      const newId = await this.deps.repository.insertRule(tx, {
        region_code: region?.code ?? null,
        region_path: path,
        code: body.code,
        name: name!,
        description: body.description ?? inherited?.description ?? '',
        category: category!,
        earner: earner!,
        points,
        case_category_code: caseCategoryCode,
        requires_approval: body.requiresApproval ?? inherited?.requires_approval ?? true,
        requires_photo: body.requiresPhoto ?? inherited?.requires_photo ?? earner === 'claimant',
        active: body.active ?? true,
        sort_order: body.sortOrder ?? inherited?.sort_order ?? 100,
        created_by: actor.userId,
      });
      if (!newId) throw new AppError('POINTS_RULE_EXISTS');
      await this.deps.audit.record(tx, actor, meta, {
        action: 'points.rule.create',
        targetType: 'points_rule',
        targetId: newId,
        regionPath: path === '/' ? actor.scope.path : path,
        details: { ...body, overrides: inherited?.id ?? null },
      });
      return newId;
    });
    return this.toRuleView((await this.deps.repository.ruleById(id))!);
  }

  async updateRule(actor: Actor, id: string, body: UpdateRuleBody, meta: RequestMeta): Promise<RuleView> {
    requirePermission(actor.role, 'points.rules.write');
    const rule = await this.deps.repository.ruleById(id);
    const platform = rule?.region_code === null;
    const readable = rule && (platform || isWithin(actor.scope, rule.region_path) || actor.scope.path.startsWith(rule.region_path));
    if (!rule || !readable) throw new AppError('POINTS_RULE_NOT_FOUND');
    const writable = platform ? actor.role === 'admin' : isWithin(actor.scope, rule.region_path);
    if (!writable) {
      throw new AppError('FORBIDDEN', { detail: { zh: '上级规则请在本级新建同编码规则来覆盖', en: 'override a rule from above by adding one with its code here' } });
    }
    if (body.points === null && !rule.case_category_code) throw fieldError('body.points', '请填写积分', 'points are required');
    if (rule.earner === 'claimant' && body.points != null && body.points < 0) throw fieldError('body.points', '村民申报的事项只能加分', 'a claimed activity can only add points');
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.updateRule(tx, id, {
        ...(body.name !== undefined && { name: body.name }),
        ...(body.description !== undefined && { description: body.description }),
        ...(body.points !== undefined && { points: body.points }),
        ...(body.requiresApproval !== undefined && { requires_approval: body.requiresApproval }),
        ...(body.requiresPhoto !== undefined && { requires_photo: body.requiresPhoto }),
        ...(body.active !== undefined && { active: body.active }),
        ...(body.sortOrder !== undefined && { sort_order: body.sortOrder }),
        updated_at: this.deps.clock.now(),
      });
      await this.deps.audit.record(tx, actor, meta, {
        action: 'points.rule.update',
        targetType: 'points_rule',
        targetId: id,
        regionPath: platform ? actor.scope.path : rule.region_path,
        details: { before: this.toRuleView(rule), after: body },
      });
    });
    return this.toRuleView((await this.deps.repository.ruleById(id))!);
  }

  /** A rule that is in force for the person (the most specific of its code, active) and earned by one of `earners`. */
  private async applicableRule(path: string, ruleId: string, earners: PointsEarner[], db: Db = this.deps.db): Promise<RuleRow> {
    const rule = await this.deps.repository.ruleById(ruleId, db);
    if (!rule || !path.startsWith(rule.region_path)) throw new AppError('POINTS_RULE_NOT_FOUND');
    const effective = await this.deps.repository.effectiveRule(path, rule.code, db);
    if (effective?.id !== rule.id || !rule.active) {
      throw new AppError('POINTS_RULE_NOT_APPLICABLE', { detail: { zh: '该规则在本村已停用或被覆盖', en: 'the rule is switched off or overridden here' } });
    }
    if (!earners.includes(rule.earner)) {
      throw new AppError('POINTS_RULE_NOT_APPLICABLE', { detail: { zh: earnerLabels[rule.earner].zh, en: earnerLabels[rule.earner].en } });
    }
    return rule;
  }

  // ---- claims ---------------------------------------------------------------------------------

  /** A villager claims points for an activity, with photos. Retrying with the same id returns the same claim. */
  async submitClaim(actor: Actor, body: SubmitClaimBody): Promise<{ created: boolean; claim: ClaimView }> {
    requirePermission(actor.role, 'points.claim');
    const existing = await this.deps.repository.claimById(body.id);
    if (existing) return this.replayedClaim(actor, existing);
    const person = (await this.deps.households.personOf(actor.userId))!;
    const rule = await this.applicableRule(person.region_path, body.ruleId, ['claimant']);
    if (rule.requires_photo && body.photoIds.length === 0) throw fieldError('body.photoIds', '该事项须上传照片作为凭证', 'this activity needs photo evidence');
    const now = this.deps.clock.now();
    const today = localDate(now);
    const earliest = localDate(new Date(now.getTime() - CLAIM_WINDOW_DAYS * 86_400_000));
    if (body.occurredOn > today) throw fieldError('body.occurredOn', '日期不能晚于今天', 'the day cannot be in the future');
    if (body.occurredOn < earliest) throw fieldError('body.occurredOn', `只能申报 ${CLAIM_WINDOW_DAYS} 天内的事项`, `only activities of the last ${CLAIM_WINDOW_DAYS} days can be claimed`);
    const points = rulePoints(rule);

    const inserted = await this.deps.db.transaction().execute(async (tx) => {
      const ok = await this.deps.repository.insertClaim(tx, {
        id: body.id,
        user_id: person.id,
        user_name: person.name,
        household_id: person.household_id,
        region_path: person.region_path,
        village_code: villageCodeOf(person.region_path),
        rule_id: rule.id,
        rule_code: rule.code,
        rule_name: rule.name,
        points,
        description: body.description,
        occurred_on: body.occurredOn,
        created_at: now,
        updated_at: now,
      });
      if (!ok) return false;
      await this.deps.photos.attachToClaim(tx, { photoIds: body.photoIds, ownerId: person.id, claimId: body.id, field: 'body.photoIds' });
      if (!rule.requires_approval) {
        // The rule says no approval is needed: booked at once, attributed to the rule (no approver).
        await this.deps.ledger.book(tx, {
          account: accountOf(person),
          kind: 'award',
          points,
          rule: { id: rule.id, code: rule.code, name: rule.name },
          claimId: body.id,
          approver: null,
          reason: `${rule.name}（${body.occurredOn}）：${body.description}`,
          key: `claim:${body.id}`,
          shortfall: 'floor',
        });
        await this.deps.repository.updateClaim(tx, body.id, { state: 'approved', decided_at: now, decision_note: '该规则无需审核', updated_at: now });
      } else {
        const village = villageCodeOf(person.region_path);
        const cadres = village ? await this.deps.accounts.contactsAt(village, CADRES, tx) : [];
        await this.deps.notifications.notify(
          tx,
          cadres.map((u) => ({ userId: u.id, kind: 'points.claim', title: `积分申报待审核：${rule.name}`, body: `${person.name}：${body.description.slice(0, 60)}`, caseId: null })),
        );
      }
      return true;
    });
    if (!inserted) {
      const again = await this.deps.repository.claimById(body.id);
      if (again) return this.replayedClaim(actor, again);
      throw new AppError('POINTS_CLAIM_DUPLICATE');
    }
    return { created: true, claim: await this.toClaimView((await this.deps.repository.claimById(body.id))!) };
  }

  private async replayedClaim(actor: Actor, claim: ClaimRow) {
    if (claim.user_id !== actor.userId) throw new AppError('REQUEST_ID_CONFLICT');
    return { created: false, claim: await this.toClaimView(claim) };
  }

  private claimVisibility(actor: Actor): Visibility {
    return can(actor.role, 'points.approve') ? { kind: 'scope', path: actor.scope.path, userId: actor.userId } : { kind: 'own', userId: actor.userId };
  }

  async listClaims(actor: Actor, query: ListClaimsQuery) {
    const { page, pageSize, state, village, mine } = query;
    const { rows, total } = await this.deps.repository.listClaims(this.claimVisibility(actor), { state, village, mineOnly: mine === 'true' }, { page, pageSize });
    return { items: await Promise.all(rows.map((row) => this.toClaimView(row))), total, page, pageSize };
  }

  async getClaim(actor: Actor, id: string): Promise<ClaimView> {
    const row = await this.deps.repository.claimVisible(this.claimVisibility(actor), id);
    if (!row) throw new AppError('POINTS_CLAIM_NOT_FOUND');
    return this.toClaimView(row);
  }

  approveClaim(actor: Actor, id: string, note: string | undefined, meta: RequestMeta) {
    return this.decide(actor, id, 'approved', note ?? null, meta);
  }

  rejectClaim(actor: Actor, id: string, reason: string, meta: RequestMeta) {
    return this.decide(actor, id, 'rejected', reason, meta);
  }

  /** A cadre in scope decides a pending claim, never one of their own household (人情分). A retry is a no-op. */
  private async decide(actor: Actor, id: string, to: 'approved' | 'rejected', note: string | null, meta: RequestMeta): Promise<ClaimView> {
    requirePermission(actor.role, 'points.approve');
    if (!(await this.deps.repository.claimInScope(actor.scope, id))) throw new AppError('POINTS_CLAIM_NOT_FOUND');
    const decider = await this.deps.households.personOf(actor.userId);
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (tx) => {
      const claim = (await this.deps.repository.lockClaim(tx, id))!;
      if (claim.state === to && claim.decided_by === actor.userId) return;
      if (claim.state !== 'pending') throw new AppError('POINTS_CLAIM_DECIDED');
      const claimant = (await this.deps.households.personOf(claim.user_id, tx))!;
      this.assertNotOwn(actor, decider, claimant);
      if (to === 'approved') {
        await this.deps.ledger.book(tx, {
          account: accountOf(claimant),
          kind: 'award',
          points: claim.points,
          rule: { id: claim.rule_id, code: claim.rule_code, name: claim.rule_name },
          claimId: claim.id,
          approver: { id: actor.userId, name: actor.name },
          reason: `${claim.rule_name}（${claim.occurred_on}）：${claim.description}`,
          key: `claim:${claim.id}`,
          shortfall: 'floor',
        });
      }
      await this.deps.repository.updateClaim(tx, id, { state: to, decided_by: actor.userId, decided_by_name: actor.name, decided_at: now, decision_note: note, updated_at: now });
      await this.deps.audit.record(tx, actor, meta, {
        action: to === 'approved' ? 'points.claim.approve' : 'points.claim.reject',
        targetType: 'points_claim',
        targetId: id,
        regionPath: claim.region_path,
        details: { userId: claim.user_id, ruleCode: claim.rule_code, points: claim.points, note },
      });
      await this.deps.notifications.notify(tx, [
        {
          userId: claim.user_id,
          kind: 'points.claim_decided',
          title: to === 'approved' ? `积分申报已通过 +${claim.points}` : '积分申报未通过',
          body: `${claim.rule_name}${note ? `：${note}` : ''}`,
          caseId: null,
        },
      ]);
    });
    return this.toClaimView((await this.deps.repository.claimById(id))!);
  }

  /** Nobody decides points for themselves or for a member of their own household. */
  private assertNotOwn(actor: Actor, decider: PersonRow | undefined, person: PersonRow): void {
    if (person.id === actor.userId || (decider?.household_id && decider.household_id === person.household_id)) {
      throw new AppError('CANNOT_DECIDE_OWN_HOUSEHOLD');
    }
  }

  // ---- awards and corrections by cadres -----------------------------------------------------------

  /**
   * A cadre gives (or deducts) a rule's points to people of their region: an inspection, meeting
   * attendance ticked off for everyone, a false report. Each person once per request id.
   */
  async award(actor: Actor, body: AwardBody, meta: RequestMeta): Promise<{ items: EntryView[] }> {
    requirePermission(actor.role, 'points.award');
    const decider = await this.deps.households.personOf(actor.userId);
    if (body.caseId && !(await this.deps.cases.caseFacts(this.deps.db, body.caseId))) throw fieldError('body.caseId', '事件不存在', 'no such case');
    const userIds = [...new Set(body.userIds)];
    const ids = await this.deps.db.transaction().execute(async (tx) => {
      const booked: number[] = [];
      let regionPath = actor.scope.path;
      for (const [i, userId] of userIds.entries()) {
        const person = await this.deps.households.personOf(userId, tx);
        if (!person || !isWithin(actor.scope, person.region_path)) {
          throw new AppError('USER_NOT_FOUND', { details: [{ field: `body.userIds.${i}`, message: '用户不存在或不在管辖范围内', messageEn: 'no such person in your region' }] });
        }
        this.assertNotOwn(actor, decider, person);
        const rule = await this.applicableRule(person.region_path, body.ruleId, ['assigned', 'claimant'], tx);
        const points = rulePoints(rule);
        const { entry, created } = await this.deps.ledger.book(tx, {
          account: accountOf(person),
          kind: points > 0 ? 'award' : 'deduction',
          points,
          rule: { id: rule.id, code: rule.code, name: rule.name },
          caseId: body.caseId ?? null,
          approver: { id: actor.userId, name: actor.name },
          reason: body.reason,
          key: `award:${body.id}:${userId}`,
          shortfall: 'floor',
        });
        booked.push(entry.id);
        if (userIds.length === 1) regionPath = person.region_path;
        if (created) {
          await this.deps.notifications.notify(tx, [
            { userId, kind: 'points.awarded', title: `${entry.points >= 0 ? '获得' : '扣除'}积分 ${Math.abs(entry.points)} 分`, body: `${rule.name}：${body.reason}`, caseId: body.caseId ?? null },
          ]);
        }
      }
      await this.deps.audit.record(tx, actor, meta, {
        action: 'points.award',
        targetType: 'points_award',
        targetId: body.id,
        regionPath,
        details: { ruleId: body.ruleId, userIds, reason: body.reason, caseId: body.caseId ?? null, entryIds: booked },
      });
      return booked;
    });
    return { items: (await this.deps.repository.entriesByIds(ids)).map((row) => this.toEntryView(row)) };
  }

  /** Reverses an award or deduction with a new entry (never an edit), once; 扣完为止 when the points were spent. */
  async correct(actor: Actor, entryId: number, reason: string, meta: RequestMeta): Promise<EntryView> {
    requirePermission(actor.role, 'points.award');
    const entry = await this.deps.repository.entryInScope(actor.scope, entryId);
    if (!entry) throw new AppError('POINTS_ENTRY_NOT_FOUND');
    if (!['award', 'deduction', 'opening'].includes(entry.kind)) {
      throw new AppError('FORBIDDEN', { detail: { zh: '兑换由订单取消退还，更正记录不能再更正', en: 'redemptions are undone by cancelling the order; corrections cannot be corrected' } });
    }
    const person = (await this.deps.households.personOf(entry.user_id))!;
    this.assertNotOwn(actor, await this.deps.households.personOf(actor.userId), person);
    const id = await this.deps.db.transaction().execute(async (tx) => {
      const { entry: correction, created } = await this.deps.ledger.book(tx, {
        // Booked where the original was, so the household's sum is reversed too.
        account: { userId: entry.user_id, householdId: entry.household_id, regionPath: entry.region_path },
        kind: 'correction',
        points: -entry.points,
        rule: entry.rule_code ? { id: entry.rule_id, code: entry.rule_code, name: entry.rule_name ?? entry.rule_code } : null,
        caseId: entry.case_id,
        claimId: entry.claim_id,
        alarmId: entry.alarm_id,
        correctsId: entry.id,
        approver: { id: actor.userId, name: actor.name },
        reason: `更正 #${entry.id}：${reason}`,
        key: `correct:${entry.id}`,
        shortfall: 'floor',
      });
      if (!created) throw new AppError('POINTS_ALREADY_CORRECTED');
      await this.deps.audit.record(tx, actor, meta, {
        action: 'points.correct',
        targetType: 'points_entry',
        targetId: String(entry.id),
        regionPath: entry.region_path,
        details: { userId: entry.user_id, original: entry.points, correction: correction.points, reason },
      });
      await this.deps.notifications.notify(tx, [{ userId: entry.user_id, kind: 'points.corrected', title: `积分更正 ${correction.points >= 0 ? '+' : ''}${correction.points}`, body: reason, caseId: null }]);
      return correction.id;
    });
    return this.toEntryView((await this.deps.repository.entriesByIds([id]))[0]!);
  }

  // ---- reading the ledger, balances, rankings -----------------------------------------------------

  /** The filter for a ledger request: my entries, my household's, or (cadres) a region's. */
  private async ledgerFilter(actor: Actor, query: LedgerQuery): Promise<EntryFilter | null> {
    if (query.of !== 'region') {
      for (const field of ['region', 'userId', 'householdId'] as const) {
        if (query[field] !== undefined) throw fieldError(`query.${field}`, '仅在 of=region 时可用', 'only with of=region');
      }
    }
    const window = {
      ...(query.from ? { from: dayWindow(query.from).start } : {}),
      ...(query.to ? { to: dayWindow(query.to).end } : {}),
      ...(query.kind ? { kind: query.kind } : {}),
    };
    switch (query.of) {
      case 'me':
        return { userId: actor.userId, ...window };
      case 'household': {
        const householdId = (await this.deps.households.personOf(actor.userId))?.household_id;
        return householdId ? { householdId, ...window } : null;
      }
      case 'region': {
        requirePermission(actor.role, 'points.ledger.read');
        const region = await this.regionInScope(actor, query.region ?? actor.scope.regionCode);
        return { regionPath: region.path, userId: query.userId, householdId: query.householdId, ...window };
      }
    }
  }

  async ledger(actor: Actor, query: LedgerQuery) {
    const { page, pageSize } = query;
    const filter = await this.ledgerFilter(actor, query);
    if (!filter) return { items: [], total: 0, page, pageSize };
    const { rows, total } = await this.deps.repository.listEntries(filter, { page, pageSize });
    return { items: rows.map((row) => this.toEntryView(row)), total, page, pageSize };
  }

  /** The same entries as a spreadsheet (oldest first), for Excel and for the higher levels that ask. */
  async ledgerCsv(actor: Actor, query: LedgerQuery): Promise<Buffer> {
    const filter = await this.ledgerFilter(actor, query);
    const rows = filter ? await this.deps.repository.exportEntries(filter, EXPORT_LIMIT) : [];
    const source = (row: EntryDetailRow) =>
      row.case_id
        ? `事件 ${row.case_id}`
        : row.claim_id
          ? `申报 ${row.claim_id}`
          : row.order_id
            ? `兑换 ${row.order_id}`
            : row.alarm_id
              ? `告警 ${row.alarm_id}`
              : null;
    return toCsv(
      ['编号', '时间', '姓名', '户', '村', '类型', '积分', '规则', '来源', '更正记录', '审核人', '事由'],
      rows.map((row) => [
        row.id,
        localDateTime(row.created_at),
        row.user_name,
        row.household_name,
        row.village_name,
        entryKindLabels[row.kind].zh,
        row.points,
        row.rule_name,
        source(row),
        row.corrects_id ?? null,
        row.approver_name,
        row.reason,
      ]),
    );
  }

  async balance(actor: Actor, userId?: string): Promise<BalanceView> {
    let person: PersonRow | undefined;
    if (userId && userId !== actor.userId) {
      requirePermission(actor.role, 'points.ledger.read');
      person = await this.deps.households.personOf(userId);
      if (!person || !isWithin(actor.scope, person.region_path)) throw new AppError('USER_NOT_FOUND');
    } else {
      person = (await this.deps.households.personOf(actor.userId))!;
    }
    const household = person.household_id ? await this.deps.households.summaryOf(person.household_id) : undefined;
    return {
      person: { id: person.id, name: person.name, balance: await this.deps.repository.balanceOf(person.id) },
      household: household
        ? { id: household.id, name: household.name, balance: await this.deps.repository.householdBalance(household.id), memberCount: household.memberCount }
        : null,
    };
  }

  /**
   * 红榜: who earned most in a month (China time) in a village or township. Names are published
   * (that is the point); phone numbers never are. Villagers and grid workers see their own village's;
   * cadres and staff any region in their scope. The big screen reads the same lists.
   */
  async rankings(actor: Actor, query: RankingsQuery): Promise<RankingsView> {
    const home = (await this.deps.regions.placeOf(actor.scope.regionCode))?.village ?? null;
    const code = query.region ?? home?.code ?? actor.scope.regionCode;
    const place = await this.deps.regions.placeOf(code);
    const allowed = place && (isWithin(actor.scope, place.region.path) || place.region.code === home?.code);
    if (!place || !allowed) {
      if (place && actor.scope.path.startsWith(place.region.path)) throw new AppError('FORBIDDEN', { detail: { zh: '只能查看本村或管辖范围内的排行', en: 'only your own village or your region' } });
      throw new AppError('REGION_NOT_FOUND', { detail: { zh: code, en: code } });
    }
    const month = query.month ?? monthOf(this.deps.clock.now());
    const { start, end } = monthWindow(month);
    const rows =
      query.kind === 'household'
        ? await this.deps.repository.rankHouseholds(place.region.path, start, end, query.limit)
        : await this.deps.repository.rankPeople(place.region.path, query.kind === 'grid_worker' ? 'grid_worker' : 'villager', start, end, query.limit);
    const region = await this.deps.regions.get(actor, code);
    return {
      region: { code: region.code, name: region.name },
      month,
      kind: query.kind,
      items: ranked(rows).map((row) => ({
        rank: row.rank,
        id: row.id,
        name: row.name,
        points: row.points,
        householdName: query.kind === 'household' ? null : row.household_name,
        villageName: row.village_name,
      })),
    };
  }

  /**
   * Demo mode only: an opening balance carried over from the paper ledger (期初结转) and one
   * approved activity this month, for the demo villager; each booked once.
   */
  async seedDemoPoints(input: { userId: string; approverId: string; opening: number; ruleCode: string }): Promise<void> {
    const person = await this.deps.households.personOf(input.userId);
    const approver = await this.deps.households.personOf(input.approverId);
    if (!person || !approver) return;
    const rule = await this.deps.repository.effectiveRule(person.region_path, input.ruleCode);
    await this.deps.db.transaction().execute(async (tx) => {
      const by = { id: approver.id, name: approver.name };
      await this.deps.ledger.book(tx, { account: accountOf(person), kind: 'opening', points: input.opening, approver: by, reason: '期初结转（原纸质积分台账）', key: `demo:opening:${person.id}`, shortfall: 'floor' });
      if (rule?.points) {
        await this.deps.ledger.book(tx, {
          account: accountOf(person),
          kind: 'award',
          points: rule.points,
          rule: { id: rule.id, code: rule.code, name: rule.name },
          approver: by,
          reason: `${rule.name}：参加村里组织的环境整治志愿活动`,
          key: `demo:award:${person.id}:${rule.code}`,
          shortfall: 'floor',
        });
      }
    });
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** A region the caller may read: their subtree or an ancestor. */
  private async readableRegion(actor: Actor, code: string): Promise<{ code: string; path: string; name: string }> {
    const place = await this.deps.regions.placeOf(code);
    if (!place || !(isWithin(actor.scope, place.region.path) || actor.scope.path.startsWith(place.region.path))) {
      throw new AppError('REGION_NOT_FOUND', { detail: { zh: code, en: code } });
    }
    const region = await this.deps.regions.get(actor, code);
    return { code, path: place.region.path, name: region.name };
  }

  /** A region in the caller's scope (their subtree). */
  private async regionInScope(actor: Actor, code: string): Promise<{ code: string; path: string; level: RegionLevel }> {
    const place = await this.deps.regions.placeOf(code);
    if (!place || !isWithin(actor.scope, place.region.path)) throw new AppError('REGION_NOT_FOUND', { detail: { zh: code, en: code } });
    return { code, path: place.region.path, level: place.region.level };
  }

  private toRuleView(row: RuleRow): RuleView {
    return {
      id: row.id,
      code: row.code,
      name: row.name,
      description: row.description,
      category: row.category,
      categoryLabel: ruleCategoryLabels[row.category].zh,
      earner: row.earner,
      earnerLabel: earnerLabels[row.earner].zh,
      points: rulePoints(row),
      pointsFromCaseCategory: row.points === null,
      caseCategoryCode: row.case_category_code,
      requiresApproval: row.requires_approval,
      requiresPhoto: row.requires_photo,
      active: row.active,
      sortOrder: row.sort_order,
      definedAt: {
        level: row.region_code === null ? 'platform' : (row.region_level as 'county' | 'township' | 'village'),
        regionCode: row.region_code,
        regionName: row.region_name,
      },
    };
  }

  private async toClaimView(row: ClaimRow): Promise<ClaimView> {
    return {
      id: row.id,
      state: row.state,
      stateLabel: claimStateLabels[row.state].zh,
      claimant: { id: row.user_id, name: row.user_name },
      householdId: row.household_id,
      villageCode: row.village_code,
      rule: { id: row.rule_id, code: row.rule_code, name: row.rule_name },
      points: row.points,
      description: row.description,
      occurredOn: row.occurred_on,
      photos: await this.deps.photos.listForClaim(row.id),
      decidedBy: row.decided_by && row.decided_by_name ? { id: row.decided_by, name: row.decided_by_name } : null,
      decidedAt: row.decided_at?.toISOString() ?? null,
      decisionNote: row.decision_note,
      createdAt: row.created_at.toISOString(),
    };
  }

  toEntryView(row: EntryDetailRow): EntryView {
    return {
      id: String(row.id),
      at: row.created_at.toISOString(),
      person: { id: row.user_id, name: row.user_name },
      household: row.household_id && row.household_name ? { id: row.household_id, name: row.household_name } : null,
      villageCode: row.village_code,
      villageName: row.village_name,
      kind: row.kind,
      kindLabel: entryKindLabels[row.kind].zh,
      points: row.points,
      rule: row.rule_code ? { code: row.rule_code, name: row.rule_name ?? row.rule_code } : null,
      caseId: row.case_id,
      claimId: row.claim_id,
      orderId: row.order_id,
      alarmId: row.alarm_id,
      correctsId: row.corrects_id === null ? null : String(row.corrects_id),
      correctedBy: row.corrected_by === null ? null : String(row.corrected_by),
      approver: row.approver_id && row.approver_name ? { id: row.approver_id, name: row.approver_name } : null,
      reason: row.reason,
    };
  }
}
