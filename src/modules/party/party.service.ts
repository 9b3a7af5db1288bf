import { randomUUID } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { PartyMemberStatus, PartyOfficerPost, PartyOrgKind } from '../../platform/db/schema.js';
import { AppError, type FieldProblem, fieldError } from '../../platform/http/errors.js';
import type { Actor, RequestMeta } from '../../platform/request-context.js';
import { isWithin } from '../../platform/scope.js';
import { localDate } from '../../platform/working-time.js';
import type { AccountsService } from '../accounts/accounts.service.js';
import { requirePermission } from '../accounts/policies.js';
import type { AuditService } from '../audit/audit.service.js';
import { bracketProblems, defaultDuesBrackets, type DuesBracket, monthlyDues } from './party-dues.js';
import { monthAt } from './party-periods.js';
import type { MemberRow, OfficerRow, OrganisationRow, PartyRepository, PathPrefix } from './party.repository.js';
import type {
  CreateMemberBody,
  CreateOrganisationBody,
  ListMembersQuery,
  ListOrganisationsQuery,
  MemberDetail,
  MemberSummary,
  OrganisationView,
  SetOfficersBody,
  SettingsView,
  TransferBody,
  UpdateMemberBody,
  UpdateOrganisationBody,
  UpdateSettingsBody,
} from './party.schema.js';

/** Members who pay dues and count as 党员 (candidates and activists are not members yet). */
export const MEMBER_STATUSES: PartyMemberStatus[] = ['full', 'probationary'];
export const DEFAULT_STUDY_TARGET_HOURS = 32;

/** Which kinds of organisation may sit under which (党委 → 党总支 → 党支部 → 党小组). */
const allowedParents: Record<PartyOrgKind, (PartyOrgKind | null)[]> = {
  committee: [null, 'committee'],
  general_branch: ['committee'],
  branch: ['committee', 'general_branch'],
  group: ['branch'],
};

/** Secretaries and staff manage what lies in their region; this is their path prefix. */
export function managedPrefix(actor: Actor): PathPrefix {
  requirePermission(actor.role, 'party.manage');
  return actor.scope.path;
}

const toOfficer = (o: OfficerRow) => ({ memberId: o.member_id, name: o.name, post: o.post, title: o.title });

/** Whole years from a 'YYYY-MM-DD' day to another. */
function wholeYears(from: string, to: string): number {
  const [fy, fm, fd] = from.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = to.split('-').map(Number) as [number, number, number];
  return ty - fy - (tm < fm || (tm === fm && td < fd) ? 1 : 0);
}

type MemberDates = Pick<UpdateMemberBody, 'appliedOn' | 'activistOn' | 'candidateOn' | 'joinedOn' | 'fullOn'>;

/**
 * The path into the party runs in order — application, activist, candidate, probation (入党), full
 * membership — and none of it lies in the future; a full member has both dates of joining, a
 * probationary one the first and not yet the second.
 */
export function memberDateProblems(status: PartyMemberStatus, dates: MemberDates, today: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const order: [keyof MemberDates, string][] = [
    ['appliedOn', '递交入党申请书'],
    ['activistOn', '确定为积极分子'],
    ['candidateOn', '确定为发展对象'],
    ['joinedOn', '接收为预备党员'],
    ['fullOn', '转为正式党员'],
  ];
  let previous: { field: string; label: string; day: string } | undefined;
  for (const [field, label] of order) {
    const day = dates[field];
    if (!day) continue;
    if (day > today) problems.push({ field: `body.${field}`, message: `${label}的日期不能晚于今天`, messageEn: 'cannot be in the future' });
    if (previous && day < previous.day) {
      problems.push({ field: `body.${field}`, message: `${label}不能早于${previous.label}`, messageEn: `cannot be before ${previous.field}` });
    }
    previous = { field, label, day };
  }
  if ((status === 'full' || status === 'probationary') && !dates.joinedOn) {
    problems.push({ field: 'body.joinedOn', message: '党员须填写入党日期（接收为预备党员）', messageEn: 'a member needs the date they joined (probation began)' });
  }
  if (status === 'full' && !dates.fullOn) problems.push({ field: 'body.fullOn', message: '正式党员须填写转正日期', messageEn: 'a full member needs the date of full membership' });
  if (status !== 'full' && dates.fullOn) problems.push({ field: 'body.fullOn', message: '尚未转正，不应有转正日期', messageEn: 'only full members have a date of full membership' });
  if ((status === 'candidate' || status === 'activist') && dates.joinedOn) {
    problems.push({ field: 'body.joinedOn', message: '尚未入党，不应有入党日期', messageEn: 'not a member yet: no joining date' });
  }
  return problems;
}

/**
 * 党组织 and 党员: the organisation tree of a region with its officers, the register of members
 * (each an account that can log in) with their transfers, and the module's settings. A member's
 * personal data reaches only the member, the secretaries of their region and higher staff.
 */
export class PartyService {
  constructor(
    private readonly deps: {
      db: Db;
      repository: PartyRepository;
      accounts: AccountsService;
      audit: AuditService;
      clock: Clock;
      /** Called in the transaction that adds an organisation, so its period reminders exist. */
      onOrganisationCreated?: (tx: Db) => Promise<void>;
    },
  ) {}

  get repository(): PartyRepository {
    return this.deps.repository;
  }

  private today(): string {
    return localDate(this.deps.clock.now());
  }

  // ---- organisations ----------------------------------------------------------------------------

  async listOrganisations(actor: Actor, query: ListOrganisationsQuery): Promise<{ items: OrganisationView[] }> {
    const prefix = await this.prefixFor(actor, query.region);
    const rows = await this.deps.repository.listOrganisations(prefix, { kind: query.kind, includeInactive: query.includeInactive === 'true' });
    return { items: await this.toOrganisationViews(treeOrder(rows), prefix) };
  }

  async getOrganisation(actor: Actor, id: string): Promise<OrganisationView> {
    const row = await this.organisationInScope(actor, id);
    return (await this.toOrganisationViews([row], actor.scope.path))[0]!;
  }

  /** An organisation the caller manages, or 404. */
  async organisationInScope(actor: Actor, id: string, db?: Db): Promise<OrganisationRow> {
    const row = await this.deps.repository.findOrganisation(managedPrefix(actor), id, db);
    if (!row) throw new AppError('PARTY_ORGANISATION_NOT_FOUND');
    return row;
  }

  async createOrganisation(actor: Actor, body: CreateOrganisationBody, meta: RequestMeta): Promise<OrganisationView> {
    const prefix = managedPrefix(actor);
    const parent = body.parentId ? await this.deps.repository.findOrganisation(prefix, body.parentId) : undefined;
    if (body.parentId && !parent) throw new AppError('PARTY_ORGANISATION_NOT_FOUND');
    if (!allowedParents[body.kind].includes(parent?.kind ?? null)) {
      throw new AppError('PARTY_ORGANISATION_PARENT_INVALID', { details: [{ field: 'body.parentId', message: '上级党组织不符合层级', messageEn: 'the parent does not fit the hierarchy' }] });
    }
    const code = body.kind === 'group' ? parent!.region_code : (body.regionCode ?? parent?.region_code ?? actor.scope.regionCode);
    const region = await this.deps.repository.region(code);
    if (!region || !region.path.startsWith(prefix)) throw new AppError('REGION_NOT_FOUND', { detail: { zh: code, en: code } });
    if (parent && !region.path.startsWith(parent.region_path)) {
      throw fieldError('body.regionCode', '党组织须在上级党组织所在区域之内', 'an organisation lies within its parent’s region');
    }
    if (await this.deps.repository.nameTaken(parent?.id ?? null, body.name, null)) throw new AppError('PARTY_ORGANISATION_EXISTS');
    const id = randomUUID();
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.insertOrganisation(tx, {
        id,
        parent_id: parent?.id ?? null,
        kind: body.kind,
        name: body.name,
        region_code: region.code,
        region_path: region.path,
        founded_on: body.foundedOn ?? null,
        ...(body.sortOrder !== undefined && { sort_order: body.sortOrder }),
        created_at: now,
        updated_at: now,
      });
      await this.deps.onOrganisationCreated?.(tx);
      await this.deps.audit.record(tx, actor, meta, { action: 'party.organisation_create', targetType: 'party_organisation', targetId: id, regionPath: region.path, details: { ...body } });
    });
    return this.getOrganisation(actor, id);
  }

  async updateOrganisation(actor: Actor, id: string, body: UpdateOrganisationBody, meta: RequestMeta): Promise<OrganisationView> {
    const before = await this.organisationInScope(actor, id);
    if (body.name !== undefined && (await this.deps.repository.nameTaken(before.parent_id, body.name, id))) throw new AppError('PARTY_ORGANISATION_EXISTS');
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.updateOrganisation(tx, id, {
        ...(body.name !== undefined && { name: body.name }),
        ...(body.foundedOn !== undefined && { founded_on: body.foundedOn }),
        ...(body.active !== undefined && { active: body.active }),
        ...(body.sortOrder !== undefined && { sort_order: body.sortOrder }),
        updated_at: this.deps.clock.now(),
      });
      await this.deps.audit.record(tx, actor, meta, {
        action: 'party.organisation_update',
        targetType: 'party_organisation',
        targetId: id,
        regionPath: before.region_path,
        details: { before: { name: before.name, active: before.active }, after: body },
      });
    });
    return this.getOrganisation(actor, id);
  }

  /** Replaces the officers (书记, 副书记, 委员, 小组长); each must be a member of the organisation or below it. */
  async setOfficers(actor: Actor, id: string, body: SetOfficersBody, meta: RequestMeta): Promise<OrganisationView> {
    const organisation = await this.organisationInScope(actor, id);
    if (body.officers.filter((o) => o.post === 'secretary').length > 1) throw fieldError('body.officers', '一个党组织只有一名书记', 'an organisation has one secretary');
    const members = await this.deps.repository.membersByIds(body.officers.map((o) => o.memberId));
    const problems: FieldProblem[] = [];
    body.officers.forEach((o, i) => {
      const member = members.find((m) => m.id === o.memberId);
      if (!member || !member.region_path.startsWith(organisation.region_path) || !MEMBER_STATUSES.includes(member.status)) {
        problems.push({ field: `body.officers.${i}.memberId`, message: '须为本组织的党员', messageEn: 'must be a member of this organisation' });
      }
    });
    if (new Set(body.officers.map((o) => o.memberId)).size !== body.officers.length) problems.push({ field: 'body.officers', message: '同一人只能担任一个职务', messageEn: 'one post per person' });
    if (problems.length > 0) throw new AppError('VALIDATION_FAILED', { details: problems });
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.replaceOfficers(
        tx,
        id,
        body.officers.map((o) => ({ member_id: o.memberId, post: o.post, title: o.title || null })),
      );
      await this.deps.audit.record(tx, actor, meta, { action: 'party.officers_set', targetType: 'party_organisation', targetId: id, regionPath: organisation.region_path, details: { ...body } });
    });
    return this.getOrganisation(actor, id);
  }

  private async toOrganisationViews(rows: OrganisationRow[], prefix: PathPrefix): Promise<OrganisationView[]> {
    const [officers, counts, all] = await Promise.all([
      this.deps.repository.officersOf(rows.map((r) => r.id)),
      this.deps.repository.memberCounts(prefix),
      this.deps.repository.listOrganisations(prefix, { includeInactive: true }),
    ]);
    const children = new Map<string, OrganisationRow[]>();
    for (const row of all) if (row.parent_id) children.set(row.parent_id, [...(children.get(row.parent_id) ?? []), row]);
    const countOf = (row: OrganisationRow): number =>
      row.kind === 'branch' || row.kind === 'group' ? (counts.get(row.id) ?? 0) : (children.get(row.id) ?? []).reduce((sum, child) => sum + countOf(child), 0);
    return rows.map((row) => {
      const own = officers.filter((o) => o.organisation_id === row.id).map(toOfficer);
      return {
        id: row.id,
        parentId: row.parent_id,
        parentName: row.parent_name,
        kind: row.kind,
        name: row.name,
        regionCode: row.region_code,
        regionName: row.region_name,
        foundedOn: row.founded_on,
        active: row.active,
        sortOrder: row.sort_order,
        memberCount: countOf(row),
        secretary: own.find((o) => o.post === 'secretary') ?? null,
        officers: own,
      };
    });
  }

  /** The ids of an organisation and everything below it, among those the caller manages. */
  async subtreeIds(actor: Actor, id: string): Promise<string[]> {
    const root = await this.organisationInScope(actor, id);
    const all = await this.deps.repository.listOrganisations(actor.scope.path, { includeInactive: true });
    const ids = [root.id];
    for (let i = 0; i < ids.length; i++) for (const row of all) if (row.parent_id === ids[i]) ids.push(row.id);
    return ids;
  }

  // ---- members ----------------------------------------------------------------------------------

  async listMembers(actor: Actor, query: ListMembersQuery) {
    const prefix = managedPrefix(actor);
    const { page, pageSize, organisationId, mobile, ...rest } = query;
    const organisationIds = organisationId ? await this.subtreeIds(actor, organisationId) : undefined;
    const { rows, total } = await this.deps.repository.listMembers(prefix, { ...rest, organisationIds, mobile: mobile === undefined ? undefined : mobile === 'true' }, { page, pageSize });
    const posts = await this.deps.repository.postsOf(rows.map((r) => r.id));
    return { items: rows.map((row) => this.toSummary(row, posts)), total, page, pageSize };
  }

  /** A member's record: for the member themselves, and for secretaries and staff of their region. */
  async getMember(actor: Actor, id: string): Promise<MemberDetail> {
    const own = await this.deps.repository.memberOfUser(actor.userId);
    if (own?.id === id) return this.toDetail(own);
    const row = await this.deps.repository.findMember(managedPrefix(actor), id);
    if (!row) throw new AppError('PARTY_MEMBER_NOT_FOUND');
    return this.toDetail(row);
  }

  async me(actor: Actor): Promise<{ member: MemberDetail | null }> {
    const row = await this.deps.repository.memberOfUser(actor.userId);
    return { member: row ? await this.toDetail(row) : null };
  }

  /** The member record of an account, unscoped (the caller acts as that member). */
  memberOfUser(userId: string, db?: Db): Promise<MemberRow | undefined> {
    return this.deps.repository.memberOfUser(userId, db);
  }

  /** A member the caller manages, or 404. */
  async memberInScope(actor: Actor, id: string, db?: Db): Promise<MemberRow> {
    const row = await this.deps.repository.findMember(managedPrefix(actor), id, db);
    if (!row) throw new AppError('PARTY_MEMBER_NOT_FOUND');
    return row;
  }

  async createMember(actor: Actor, body: CreateMemberBody, meta: RequestMeta): Promise<{ member: MemberDetail; initialPassword?: string }> {
    const prefix = managedPrefix(actor);
    const branch = await this.branchInScope(prefix, body.branchId, 'body.branchId');
    const groupId = body.groupId ? (await this.groupOf(prefix, branch.id, body.groupId)).id : null;
    const problems = memberDateProblems(body.status, body, this.today());
    if (problems.length > 0) throw new AppError('VALIDATION_FAILED', { details: problems });
    let person = body.userId ? await this.deps.repository.personById(body.userId) : await this.deps.repository.personByPhone(body.phone!);
    if (person && !isWithin(actor.scope, person.region_path)) {
      if (body.userId) throw new AppError('USER_NOT_FOUND');
      throw new AppError('PHONE_TAKEN');
    }
    if (!person && body.userId) throw new AppError('USER_NOT_FOUND');
    if (!person && !body.name) throw fieldError('body.name', '新登记的党员需填写姓名（将为其创建账号）', 'a new account needs the name');
    const now = this.deps.clock.now();
    const id = randomUUID();
    let initialPassword: string | undefined;
    await this.deps.db.transaction().execute(async (tx) => {
      if (!person) {
        const created = await this.deps.accounts.createVillagerIn(tx, actor, { phone: body.phone!, name: body.name!, regionCode: branch.region_code }, meta);
        if (!created) throw new AppError('PHONE_TAKEN');
        initialPassword = created.initialPassword;
        person = (await this.deps.repository.personById(created.id, tx))!;
      }
      const inserted = await this.deps.repository.insertMember(tx, {
        id,
        user_id: person.id,
        branch_id: branch.id,
        group_id: groupId,
        region_path: branch.region_path,
        status: body.status,
        applied_on: body.appliedOn ?? null,
        activist_on: body.activistOn ?? null,
        candidate_on: body.candidateOn ?? null,
        joined_on: body.joinedOn ?? null,
        full_on: body.fullOn ?? null,
        is_mobile: body.isMobile ?? false,
        mobile_place: body.isMobile ? (body.mobilePlace ?? null) : null,
        declared_income_cents: body.declaredIncomeCents ?? null,
        fixed_dues_cents: body.fixedDuesCents ?? null,
        dues_from: body.duesFrom ?? monthAt(now),
        note: body.note ?? null,
        created_at: now,
        updated_at: now,
      });
      if (!inserted) throw new AppError('PARTY_MEMBER_EXISTS');
      await this.deps.audit.record(tx, actor, meta, {
        action: 'party.member_create',
        targetType: 'party_member',
        targetId: id,
        regionPath: branch.region_path,
        details: { userId: person.id, branchId: branch.id, status: body.status, newAccount: initialPassword !== undefined },
      });
    });
    const member = await this.toDetail((await this.deps.repository.memberById(id))!);
    return initialPassword ? { member, initialPassword } : { member };
  }

  async updateMember(actor: Actor, id: string, body: UpdateMemberBody, meta: RequestMeta): Promise<MemberDetail> {
    const prefix = managedPrefix(actor);
    const before = await this.memberInScope(actor, id);
    const groupId = body.groupId === undefined ? before.group_id : body.groupId && (await this.groupOf(prefix, before.branch_id, body.groupId)).id;
    const status = body.status ?? before.status;
    const dates = {
      appliedOn: body.appliedOn === undefined ? before.applied_on : body.appliedOn,
      activistOn: body.activistOn === undefined ? before.activist_on : body.activistOn,
      candidateOn: body.candidateOn === undefined ? before.candidate_on : body.candidateOn,
      joinedOn: body.joinedOn === undefined ? before.joined_on : body.joinedOn,
      fullOn: body.fullOn === undefined ? before.full_on : body.fullOn,
    };
    const problems = memberDateProblems(status, dates, this.today());
    if (problems.length > 0) throw new AppError('VALIDATION_FAILED', { details: problems });
    const isMobile = body.isMobile ?? before.is_mobile;
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.lockMember(tx, id);
      await this.deps.repository.updateMember(tx, id, {
        group_id: groupId ?? null,
        status,
        applied_on: dates.appliedOn ?? null,
        activist_on: dates.activistOn ?? null,
        candidate_on: dates.candidateOn ?? null,
        joined_on: dates.joinedOn ?? null,
        full_on: dates.fullOn ?? null,
        is_mobile: isMobile,
        mobile_place: isMobile ? (body.mobilePlace === undefined ? before.mobile_place : body.mobilePlace) : null,
        ...(body.declaredIncomeCents !== undefined && { declared_income_cents: body.declaredIncomeCents }),
        ...(body.fixedDuesCents !== undefined && { fixed_dues_cents: body.fixedDuesCents }),
        ...(body.duesFrom !== undefined && { dues_from: body.duesFrom }),
        ...(body.note !== undefined && { note: body.note }),
        updated_at: this.deps.clock.now(),
      });
      await this.deps.audit.record(tx, actor, meta, {
        action: 'party.member_update',
        targetType: 'party_member',
        targetId: id,
        regionPath: before.region_path,
        details: { before: { status: before.status, isMobile: before.is_mobile, groupId: before.group_id }, after: body },
      });
    });
    return this.toDetail((await this.deps.repository.memberById(id))!);
  }

  /**
   * 组织关系转接: moves a member to another branch the caller manages (a secretary moves members
   * between the groups of their branch; township staff between villages). The member's records —
   * attendance, study, dues — stay theirs; a transfer row keeps the history.
   */
  async transferMember(actor: Actor, id: string, body: TransferBody, meta: RequestMeta): Promise<MemberDetail> {
    const prefix = managedPrefix(actor);
    const member = await this.memberInScope(actor, id);
    const target = await this.branchInScope(prefix, body.branchId, 'body.branchId');
    const group = body.groupId ? await this.groupOf(prefix, target.id, body.groupId) : null;
    if (target.id === member.branch_id && (group?.id ?? null) === member.group_id) throw fieldError('body.branchId', '已在该支部', 'already in this branch');
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.lockMember(tx, id);
      await this.deps.repository.insertTransfer(tx, {
        member_id: id,
        from_branch_id: member.branch_id,
        from_branch_name: member.branch_name,
        from_group_name: member.group_name,
        to_branch_id: target.id,
        to_branch_name: target.name,
        to_group_name: group?.name ?? null,
        reason: body.reason,
        transferred_at: now,
        by_user_id: actor.userId,
        by_name: actor.name,
      });
      await this.deps.repository.updateMember(tx, id, { branch_id: target.id, group_id: group?.id ?? null, region_path: target.region_path, updated_at: now });
      // Officer posts belong to the organisation left behind.
      if (target.id !== member.branch_id) await this.deps.repository.removePosts(tx, id);
      await this.deps.audit.record(tx, actor, meta, {
        action: 'party.member_transfer',
        targetType: 'party_member',
        targetId: id,
        regionPath: target.region_path,
        details: { from: member.branch_id, to: target.id, groupId: group?.id ?? null, reason: body.reason },
      });
    });
    return this.toDetail((await this.deps.repository.memberById(id))!);
  }

  private async branchInScope(prefix: PathPrefix, id: string, field: string): Promise<OrganisationRow> {
    const branch = await this.deps.repository.findOrganisation(prefix, id);
    if (!branch) throw new AppError('PARTY_ORGANISATION_NOT_FOUND');
    if (branch.kind !== 'branch') throw fieldError(field, '党员须编入党支部', 'members belong to a branch (党支部)');
    return branch;
  }

  private async groupOf(prefix: PathPrefix, branchId: string, groupId: string): Promise<OrganisationRow> {
    const group = await this.deps.repository.findOrganisation(prefix, groupId);
    if (!group || group.kind !== 'group' || group.parent_id !== branchId) throw fieldError('body.groupId', '党小组须属于该党支部', 'the group must belong to the branch');
    return group;
  }

  toSummary(row: MemberRow, posts: OfficerRow[]): MemberSummary {
    return {
      id: row.id,
      userId: row.user_id,
      name: row.name,
      phone: row.phone,
      status: row.status,
      branch: { id: row.branch_id, name: row.branch_name },
      group: row.group_id && row.group_name ? { id: row.group_id, name: row.group_name } : null,
      villageName: row.village_name,
      isMobile: row.is_mobile,
      mobilePlace: row.mobile_place,
      joinedOn: row.joined_on,
      fullOn: row.full_on,
      posts: posts
        .filter((p) => p.member_id === row.id)
        .map((p) => ({ organisationId: p.organisation_id, organisationName: p.organisation_name, post: p.post, title: p.title })),
    };
  }

  private async toDetail(row: MemberRow): Promise<MemberDetail> {
    const [posts, transfers, brackets] = await Promise.all([this.deps.repository.postsOf([row.id]), this.deps.repository.transfersOf(row.id), this.duesBrackets()]);
    const pays = MEMBER_STATUSES.includes(row.status);
    return {
      ...this.toSummary(row, posts),
      appliedOn: row.applied_on,
      activistOn: row.activist_on,
      candidateOn: row.candidate_on,
      politicalBirthday: row.joined_on ? row.joined_on.slice(5) : null,
      standingYears: row.full_on ? wholeYears(row.full_on, this.today()) : null,
      declaredIncomeCents: row.declared_income_cents,
      fixedDuesCents: row.fixed_dues_cents,
      monthlyDues: pays
        ? monthlyDues({ declaredIncomeCents: row.declared_income_cents, fixedDuesCents: row.fixed_dues_cents }, brackets)
        : { amountCents: 0, basis: 'none', rateBp: null },
      duesFrom: row.dues_from,
      note: row.note,
      transfers: transfers.map((t) => ({
        fromBranch: t.from_branch_name,
        fromGroup: t.from_group_name,
        toBranch: t.to_branch_name,
        toGroup: t.to_group_name,
        reason: t.reason,
        at: t.transferred_at.toISOString(),
        byName: t.by_name,
      })),
      createdAt: row.created_at.toISOString(),
    };
  }

  /** The caller's scope, or a region inside it. */
  async prefixFor(actor: Actor, regionCode: string | undefined): Promise<PathPrefix> {
    const prefix = managedPrefix(actor);
    if (!regionCode) return prefix;
    const region = await this.deps.repository.region(regionCode);
    if (!region || !region.path.startsWith(prefix)) throw new AppError('REGION_NOT_FOUND');
    return region.path;
  }

  // ---- settings ---------------------------------------------------------------------------------

  async duesBrackets(db?: Db): Promise<DuesBracket[]> {
    return (await this.deps.repository.setting<DuesBracket[]>('dues.brackets', db)) ?? defaultDuesBrackets;
  }

  async studyTargetHours(db?: Db): Promise<number> {
    return (await this.deps.repository.setting<number>('study.target_hours', db)) ?? DEFAULT_STUDY_TARGET_HOURS;
  }

  async settings(actor: Actor): Promise<SettingsView> {
    managedPrefix(actor);
    return { duesBrackets: await this.duesBrackets(), studyTargetHours: await this.studyTargetHours() };
  }

  async updateSettings(actor: Actor, body: UpdateSettingsBody, meta: RequestMeta): Promise<SettingsView> {
    requirePermission(actor.role, 'party.configure');
    if (body.duesBrackets) {
      const problems = bracketProblems(body.duesBrackets);
      if (problems.length > 0) throw fieldError('body.duesBrackets', `党费档次有误：${problems.join('; ')}`, `invalid brackets: ${problems.join('; ')}`);
    }
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (tx) => {
      if (body.duesBrackets) await this.deps.repository.saveSetting(tx, 'dues.brackets', body.duesBrackets, now);
      if (body.studyTargetHours !== undefined) await this.deps.repository.saveSetting(tx, 'study.target_hours', body.studyTargetHours, now);
      await this.deps.audit.record(tx, actor, meta, { action: 'party.settings_update', targetType: 'party_settings', targetId: 'party', regionPath: '/', details: { ...body } });
    });
    return { duesBrackets: await this.duesBrackets(), studyTargetHours: await this.studyTargetHours() };
  }

  // ---- demo ---------------------------------------------------------------------------------------

  /** Demo mode only: runs the seeding of the party demo in one transaction. */
  demoTransaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return this.deps.db.transaction().execute(fn);
  }

  /** Demo mode only: a member with a fixed id; skipped when the account is a member already. */
  async createDemoMember(
    tx: Db,
    input: {
      id: string;
      userId: string;
      branch: OrganisationRow;
      groupId: string | null;
      status: PartyMemberStatus;
      appliedOn?: string;
      activistOn?: string;
      candidateOn?: string;
      joinedOn?: string;
      fullOn?: string;
      mobilePlace?: string;
      incomeCents?: number;
      fixedDuesCents?: number;
      duesFrom: string;
    },
  ): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.repository.insertMember(tx, {
      id: input.id,
      user_id: input.userId,
      branch_id: input.branch.id,
      group_id: input.groupId,
      region_path: input.branch.region_path,
      status: input.status,
      applied_on: input.appliedOn ?? null,
      activist_on: input.activistOn ?? null,
      candidate_on: input.candidateOn ?? null,
      joined_on: input.joinedOn ?? null,
      full_on: input.fullOn ?? null,
      is_mobile: input.mobilePlace !== undefined,
      mobile_place: input.mobilePlace ?? null,
      declared_income_cents: input.incomeCents ?? null,
      fixed_dues_cents: input.fixedDuesCents ?? null,
      dues_from: input.duesFrom,
      note: null,
      created_at: now,
      updated_at: now,
    });
  }

  /** Demo mode only: an organisation's officers. */
  async setDemoOfficers(tx: Db, organisationId: string, officers: { memberId: string; post: PartyOfficerPost; title?: string }[]): Promise<void> {
    await this.deps.repository.replaceOfficers(
      tx,
      organisationId,
      officers.map((o) => ({ member_id: o.memberId, post: o.post, title: o.title ?? null })),
    );
  }

  /** Demo mode only: an organisation with a fixed id; skipped when it exists. */
  async createDemoOrganisation(tx: Db, input: { id: string; parentId: string | null; kind: PartyOrgKind; name: string; regionCode: string; foundedOn?: string }): Promise<void> {
    const region = await this.deps.repository.region(input.regionCode, tx);
    if (!region) return;
    // As if registered a year ago, so the demo's past meetings count.
    const now = new Date(this.deps.clock.now().getTime() - 366 * 86_400_000);
    await this.deps.repository.insertOrganisation(tx, {
      id: input.id,
      parent_id: input.parentId,
      kind: input.kind,
      name: input.name,
      region_code: region.code,
      region_path: region.path,
      founded_on: input.foundedOn ?? null,
      created_at: now,
      updated_at: now,
    });
  }
}

/** Parents before their children, siblings in their order. */
export function treeOrder(rows: OrganisationRow[]): OrganisationRow[] {
  const ids = new Set(rows.map((r) => r.id));
  const children = new Map<string | null, OrganisationRow[]>();
  for (const row of rows) {
    const parent = row.parent_id && ids.has(row.parent_id) ? row.parent_id : null;
    children.set(parent, [...(children.get(parent) ?? []), row]);
  }
  const ordered: OrganisationRow[] = [];
  const visit = (parent: string | null) => {
    for (const row of children.get(parent) ?? []) {
      ordered.push(row);
      visit(row.id);
    }
  };
  visit(null);
  return ordered;
}
