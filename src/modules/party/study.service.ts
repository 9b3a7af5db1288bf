import { randomUUID } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { AppError, fieldError } from '../../platform/http/errors.js';
import type { Actor, RequestMeta } from '../../platform/request-context.js';
import { localDate } from '../../platform/working-time.js';
import type { AuditService } from '../audit/audit.service.js';
import type { MemberRow, PathPrefix } from './party.repository.js';
import type {
  CreateMaterialBody,
  MaterialView,
  MyStudy,
  StudyProgress,
  StudyRecordBody,
  StudyRecordView,
  UpdateMaterialBody,
} from './party.schema.js';
import { managedPrefix, MEMBER_STATUSES, type PartyService } from './party.service.js';
import type { MaterialRow, StudyRecordRow, StudyRepository } from './study.repository.js';

/** The village files module, as far as study materials need it: their documents and photos. */
export interface StudyFiles {
  setFiles(tx: Db, input: { ids: string[]; ownerId: string; target: { materialId: string } }): Promise<void>;
  listFor(target: 'material', ids: string[]): Promise<Map<string, MaterialView['files']>>;
}

/** How far back a study may be recorded. */
export const STUDY_BACKDATE_DAYS = 31;

const hours = (minutes: number) => Math.round((minutes / 60) * 10) / 10;
const percentOf = (minutes: number, targetHours: number) => Math.min(100, Math.floor((minutes / (targetHours * 60)) * 100));
const yearDays = (year: number) => ({ from: `${year}-01-01`, to: `${year}-12-31` });

/** What each kind of material must have to be studied: a link or video its URL, a file a URL or an upload, an article its text or a link. */
function requireSource(kind: MaterialView['kind'], has: { url: string | null; body: string; files: number }): void {
  if ((kind === 'link' || kind === 'video') && !has.url) throw fieldError('body.url', '链接和视频须填写地址', 'links and videos need a URL');
  if (kind === 'file' && !has.url && has.files === 0) throw fieldError('body.fileIds', '文件资料须上传文件或填写地址', 'a file needs an upload or a URL');
  if (kind === 'article' && !has.url && !has.body) throw fieldError('body.body', '文章须填写正文或链接', 'an article needs its text or a link');
}

/**
 * 学习: materials (articles, links, files, videos) assigned to organisations — a committee's reach
 * every branch below it — and the study members record, counted against a yearly target (default
 * 32 hours), per member and per branch.
 */
export class StudyService {
  constructor(
    private readonly deps: {
      db: Db;
      repository: StudyRepository;
      party: PartyService;
      files: StudyFiles;
      audit: AuditService;
      clock: Clock;
    },
  ) {}

  private get orgs() {
    return this.deps.party.repository;
  }

  private thisYear(): number {
    return Number(localDate(this.deps.clock.now()).slice(0, 4));
  }

  /** An organisation and the ones above it, whose assignments reach it. */
  private async withAncestors(ids: string[]): Promise<string[]> {
    const all = new Set(ids);
    let frontier = ids;
    while (frontier.length > 0) {
      const parents = (await Promise.all(frontier.map((id) => this.orgs.organisationById(id)))).map((o) => o?.parent_id).filter((p): p is string => !!p && !all.has(p));
      parents.forEach((p) => all.add(p));
      frontier = parents;
    }
    return [...all];
  }

  async listMaterials(actor: Actor, query: { organisationId?: string; page: number; pageSize: number }) {
    const prefix = managedPrefix(actor);
    const own = query.organisationId
      ? [(await this.deps.party.organisationInScope(actor, query.organisationId)).id]
      : (await this.orgs.listOrganisations(prefix, { includeInactive: true })).map((o) => o.id);
    const reach = await this.withAncestors(own);
    const { rows, total } = await this.deps.repository.list(prefix, reach, query.organisationId !== undefined, { page: query.page, pageSize: query.pageSize });
    return { items: await this.toViews(rows), total, page: query.page, pageSize: query.pageSize };
  }

  async createMaterial(actor: Actor, body: CreateMaterialBody, meta: RequestMeta): Promise<MaterialView> {
    const prefix = managedPrefix(actor);
    const targets = await this.targets(prefix, body.organisationIds);
    requireSource(body.kind, { url: body.url ?? null, body: body.body ?? '', files: body.fileIds?.length ?? 0 });
    const id = randomUUID();
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.insert(tx, {
        id,
        region_code: actor.scope.regionCode,
        region_path: actor.scope.path,
        title: body.title,
        kind: body.kind,
        url: body.url ?? null,
        body: body.body ?? '',
        minutes: body.minutes,
        created_by: actor.userId,
        created_by_name: actor.name,
        created_at: now,
        updated_at: now,
      });
      await this.deps.repository.assign(tx, id, targets, now);
      if (body.fileIds?.length) await this.deps.files.setFiles(tx, { ids: body.fileIds, ownerId: actor.userId, target: { materialId: id } });
      await this.deps.audit.record(tx, actor, meta, {
        action: 'party.material_create',
        targetType: 'party_material',
        targetId: id,
        regionPath: actor.scope.path,
        details: { title: body.title, organisationIds: targets, fileIds: body.fileIds ?? [] },
      });
    });
    return (await this.toViews([(await this.deps.repository.byId(id))!]))[0]!;
  }

  async updateMaterial(actor: Actor, id: string, body: UpdateMaterialBody, meta: RequestMeta): Promise<MaterialView> {
    const prefix = managedPrefix(actor);
    const before = await this.deps.repository.byId(id);
    if (!before || !before.region_path.startsWith(prefix)) throw new AppError('PARTY_MATERIAL_NOT_FOUND');
    const targets = body.organisationIds ? await this.targets(prefix, body.organisationIds) : undefined;
    const files = body.fileIds?.length ?? (await this.deps.files.listFor('material', [id])).get(id)?.length ?? 0;
    requireSource(before.kind, { url: body.url === undefined ? before.url : body.url, body: body.body ?? before.body, files });
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.update(tx, id, {
        ...(body.title !== undefined && { title: body.title }),
        ...(body.url !== undefined && { url: body.url }),
        ...(body.body !== undefined && { body: body.body }),
        ...(body.minutes !== undefined && { minutes: body.minutes }),
        ...(body.active !== undefined && { active: body.active }),
        updated_at: now,
      });
      if (targets) await this.deps.repository.assign(tx, id, targets, now);
      if (body.fileIds) await this.deps.files.setFiles(tx, { ids: body.fileIds, ownerId: actor.userId, target: { materialId: id } });
      await this.deps.audit.record(tx, actor, meta, { action: 'party.material_update', targetType: 'party_material', targetId: id, regionPath: before.region_path, details: { ...body } });
    });
    return (await this.toViews([(await this.deps.repository.byId(id))!]))[0]!;
  }

  private async targets(prefix: PathPrefix, ids: string[]): Promise<string[]> {
    const unique = [...new Set(ids)];
    const found = await Promise.all(unique.map((id) => this.orgs.findOrganisation(prefix, id)));
    const missing = found.findIndex((o) => !o);
    if (missing >= 0) {
      throw new AppError('PARTY_ORGANISATION_NOT_FOUND', { details: [{ field: `body.organisationIds.${missing}`, message: '党组织不存在', messageEn: 'no such organisation' }] });
    }
    return unique;
  }

  private async toViews(rows: MaterialRow[]): Promise<MaterialView[]> {
    const ids = rows.map((r) => r.id);
    const [assignments, files] = await Promise.all([this.deps.repository.assignments(ids), this.deps.files.listFor('material', ids)]);
    return rows.map((row) => ({
      id: row.id,
      title: row.title,
      kind: row.kind,
      url: row.url,
      body: row.body,
      files: files.get(row.id) ?? [],
      minutes: row.minutes,
      regionName: row.region_name,
      assignedTo: assignments.filter((a) => a.material_id === row.id).map((a) => ({ id: a.organisation_id, name: a.name })),
      active: row.active,
      createdByName: row.created_by_name,
      createdAt: row.created_at.toISOString(),
    }));
  }

  // ---- records ----------------------------------------------------------------------------------

  /** A member records their own study; secretaries and staff record for a member (e.g. a group study session). */
  async addRecord(actor: Actor, body: StudyRecordBody, meta: RequestMeta): Promise<StudyRecordView> {
    let member: MemberRow | undefined;
    if (body.memberId) {
      member = await this.deps.party.memberInScope(actor, body.memberId);
    } else {
      member = await this.deps.party.memberOfUser(actor.userId);
      if (!member) throw new AppError('PARTY_NOT_A_MEMBER');
    }
    let title = body.title;
    if (body.materialId) {
      const material = await this.deps.repository.byId(body.materialId);
      const reach = await this.withAncestors([member.branch_id, ...(member.group_id ? [member.group_id] : [])]);
      const assigned = material ? (await this.deps.repository.assignments([material.id])).some((a) => reach.includes(a.organisation_id)) : false;
      if (!material || !assigned) throw new AppError('PARTY_MATERIAL_NOT_FOUND');
      title = title ?? material.title;
    }
    if (!title) throw fieldError('body.title', '请填写学习内容或选择学习资料', 'say what was studied, or pick a material');
    const today = localDate(this.deps.clock.now());
    const earliest = localDate(new Date(this.deps.clock.now().getTime() - STUDY_BACKDATE_DAYS * 86_400_000));
    if (body.studiedOn > today) throw fieldError('body.studiedOn', '学习日期不能晚于今天', 'cannot be in the future');
    if (body.studiedOn < earliest) throw fieldError('body.studiedOn', `只能补记 ${STUDY_BACKDATE_DAYS} 天内的学习`, `only the last ${STUDY_BACKDATE_DAYS} days can be recorded`);
    const id = randomUUID();
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.insertRecord(tx, {
        id,
        member_id: member.id,
        branch_id: member.branch_id,
        region_path: member.region_path,
        material_id: body.materialId ?? null,
        title,
        minutes: body.minutes,
        studied_on: body.studiedOn,
        note: body.note || null,
        entered_by: actor.userId,
        entered_by_name: actor.name,
        created_at: this.deps.clock.now(),
      });
      if (body.memberId) {
        await this.deps.audit.record(tx, actor, meta, { action: 'party.study_record', targetType: 'party_member', targetId: member.id, regionPath: member.region_path, details: { ...body, title } });
      }
    });
    return toRecordView((await this.deps.repository.record(id))!);
  }

  async mine(actor: Actor, year?: number): Promise<MyStudy> {
    const member = await this.deps.party.memberOfUser(actor.userId);
    if (!member) throw new AppError('PARTY_NOT_A_MEMBER');
    const y = year ?? this.thisYear();
    const { from, to } = yearDays(y);
    const [records, targetHours, reach] = await Promise.all([
      this.deps.repository.recordsOf(member.id, from, to),
      this.deps.party.studyTargetHours(),
      this.withAncestors([member.branch_id, ...(member.group_id ? [member.group_id] : [])]),
    ]);
    const materials = await this.toViews(await this.deps.repository.assignedTo(reach));
    const minutes = records.reduce((n, r) => n + r.minutes, 0);
    return {
      year: y,
      targetHours,
      hours: hours(minutes),
      percent: percentOf(minutes, targetHours),
      materials: materials.map((m) => ({ ...m, studiedMinutes: records.filter((r) => r.material_id === m.id).reduce((n, r) => n + r.minutes, 0) })),
      records: records.map(toRecordView),
    };
  }

  /** Hours per member this year against the target, and per organisation (branches, and the committees above them). */
  async progress(actor: Actor, query: { year?: number; organisationId?: string }): Promise<StudyProgress> {
    const prefix = managedPrefix(actor);
    const year = query.year ?? this.thisYear();
    const ids = query.organisationId ? await this.deps.party.subtreeIds(actor, query.organisationId) : null;
    const organisations = (await this.orgs.listOrganisations(prefix)).filter((o) => o.kind === 'branch' && (ids === null || ids.includes(o.id)));
    const members = await this.orgs.membersOf(
      organisations.map((o) => o.id),
      MEMBER_STATUSES,
    );
    const { from, to } = yearDays(year);
    const [minutes, targetHours] = await Promise.all([
      this.deps.repository.minutesByMember(
        members.map((m) => m.id),
        from,
        to,
      ),
      this.deps.party.studyTargetHours(),
    ]);
    const rows = members.map((m) => {
      const total = minutes.get(m.id) ?? 0;
      return { memberId: m.id, name: m.name, branchId: m.branch_id, branchName: m.branch_name, minutes: total, hours: hours(total), percent: percentOf(total, targetHours) };
    });
    return {
      year,
      targetHours,
      organisations: organisations.map((o) => {
        const own = rows.filter((r) => r.branchId === o.id);
        const sum = own.reduce((n, r) => n + r.minutes, 0);
        return { id: o.id, name: o.name, members: own.length, averageHours: own.length ? hours(sum / own.length) : 0, reached: own.filter((r) => r.minutes >= targetHours * 60).length };
      }),
      members: rows
        .sort((a, b) => a.minutes - b.minutes || a.name.localeCompare(b.name, 'zh-CN'))
        .map(({ memberId, name, branchName, hours: h, percent }) => ({ memberId, name, branchName, hours: h, percent })),
    };
  }

  /** Demo mode only: a material with a fixed id assigned to organisations; skipped when it exists. */
  async createDemoMaterial(
    tx: Db,
    input: { id: string; regionCode: string; regionPath: string; title: string; kind: 'article' | 'link' | 'file' | 'video'; url: string | null; body: string; minutes: number; organisationIds: string[]; by: { id: string; name: string }; at: Date },
  ): Promise<void> {
    const inserted = await this.deps.repository.insert(tx, {
      id: input.id,
      region_code: input.regionCode,
      region_path: input.regionPath,
      title: input.title,
      kind: input.kind,
      url: input.url,
      body: input.body,
      minutes: input.minutes,
      created_by: input.by.id,
      created_by_name: input.by.name,
      created_at: input.at,
      updated_at: input.at,
    });
    if (inserted) await this.deps.repository.assign(tx, input.id, input.organisationIds, input.at);
  }

  /** Demo mode only: a study record with a fixed id. */
  async createDemoRecord(tx: Db, input: { id: string; member: MemberRow; materialId: string | null; title: string; minutes: number; studiedOn: string; at: Date }): Promise<void> {
    await this.deps.repository.insertRecord(tx, {
      id: input.id,
      member_id: input.member.id,
      branch_id: input.member.branch_id,
      region_path: input.member.region_path,
      material_id: input.materialId,
      title: input.title,
      minutes: input.minutes,
      studied_on: input.studiedOn,
      note: null,
      entered_by: input.member.user_id,
      entered_by_name: input.member.name,
      created_at: input.at,
    });
  }

  /** Average hours this year of these members and how many reached the target (for the big screen). */
  async figures(memberIds: string[]): Promise<{ year: number; targetHours: number; averageHours: number; reached: number }> {
    const year = this.thisYear();
    const { from, to } = yearDays(year);
    const [minutes, targetHours] = await Promise.all([this.deps.repository.minutesByMember(memberIds, from, to), this.deps.party.studyTargetHours()]);
    const total = [...minutes.values()].reduce((n, m) => n + m, 0);
    return {
      year,
      targetHours,
      averageHours: memberIds.length ? hours(total / memberIds.length) : 0,
      reached: [...minutes.values()].filter((m) => m >= targetHours * 60).length,
    };
  }
}

function toRecordView(row: StudyRecordRow): StudyRecordView {
  return {
    id: row.id,
    memberId: row.member_id,
    memberName: row.member_name,
    materialId: row.material_id,
    title: row.title,
    minutes: row.minutes,
    studiedOn: row.studied_on,
    note: row.note,
    enteredByName: row.entered_by_name,
    createdAt: row.created_at.toISOString(),
  };
}
