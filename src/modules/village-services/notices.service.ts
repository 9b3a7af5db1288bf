import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { NoticeState } from '../../platform/db/schema.js';
import { AppError, fieldError } from '../../platform/http/errors.js';
import type { Actor, RequestMeta } from '../../platform/request-context.js';
import { isWithin } from '../../platform/scope.js';
import { can, requirePermission } from '../accounts/policies.js';
import type { AuditService } from '../audit/audit.service.js';
import type { CreateBroadcastBody } from '../broadcast/broadcast.schema.js';
import type { RegionsService } from '../regions/regions.service.js';
import { uuidFrom } from './derived-id.js';
import type { NoticeRow, NoticesRepository } from './notices.repository.js';
import type {
  CreateNoticeBody,
  ListNoticesQuery,
  NoticeDetail,
  NoticeSummary,
  PublicNotice,
  PublicNoticesQuery,
  UpdateNoticeBody,
} from './notices.schema.js';
import type { VillageFilesService } from './village-files.service.js';
import type { VillageFileView } from './village-files.schema.js';

/** What the notices module needs of the broadcasting module: its one send action. */
export interface NoticeBroadcaster {
  create(actor: Actor, body: CreateBroadcastBody, meta: RequestMeta): Promise<{ created: boolean; broadcast: { id: string } }>;
}

/** Spoken text of a broadcast: at most 1000 characters (the broadcast's limit), cut at a sentence end. */
export function spokenText(title: string, body: string): string {
  const text = `${title}。${body}`.replace(/\s+/g, ' ').trim();
  if ([...text].length <= 1000) return text;
  const cut = [...text].slice(0, 1000).join('');
  const end = Math.max(cut.lastIndexOf('。'), cut.lastIndexOf('！'), cut.lastIndexOf('；'));
  return end > 200 ? cut.slice(0, end + 1) : cut;
}

const excerptOf = (body: string) => {
  const flat = body.replace(/\s+/g, ' ').trim();
  return [...flat].length > 80 ? `${[...flat].slice(0, 80).join('')}…` : flat;
};

const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/**
 * 村务公开 / 通知公告: cadres publish to their own village, township staff to the township or any of
 * its villages (the caller's scope must hold the target). Everyone signed in reads what was
 * published to their region and the regions above it; each person's first opening counts once.
 * A published notice can be spoken on the loudspeakers of its region in one action. The archive
 * of a village is public (no login), searchable by words, kind and year.
 */
export class NoticesService {
  constructor(
    private readonly deps: {
      db: Db;
      repository: NoticesRepository;
      files: VillageFilesService;
      regions: RegionsService;
      broadcasts: NoticeBroadcaster;
      audit: AuditService;
      clock: Clock;
    },
  ) {}

  async list(actor: Actor, query: ListNoticesQuery) {
    const { page, pageSize, state = 'published', ...filter } = query;
    const publisher = can(actor.role, 'notices.publish');
    if (state !== 'published' && !publisher) throw new AppError('FORBIDDEN');
    const { rows, total } = await this.deps.repository.list(
      { readerPath: actor.scope.path, below: true },
      actor.userId,
      { ...filter, state },
      { page, pageSize },
    );
    return { items: rows.map((row) => this.toSummary(row, actor)), total, page, pageSize };
  }

  /** A notice; opening a published one counts as its reader's read when it was meant for them. */
  async get(actor: Actor, id: string): Promise<NoticeDetail> {
    let row = await this.visible(actor, id);
    // The audience is the notice's region and below; its author's own openings are not reads.
    if (row.state === 'published' && !row.read && actor.scope.path.startsWith(row.region_path) && row.created_by !== actor.userId) {
      const now = this.deps.clock.now();
      const counted = await this.deps.db.transaction().execute((tx) => this.deps.repository.recordRead(tx, id, actor.userId, now));
      if (counted) row = (await this.deps.repository.findById(id, actor.userId))!;
    }
    return this.toDetail(row, actor);
  }

  async create(actor: Actor, body: CreateNoticeBody, meta: RequestMeta): Promise<{ created: boolean; notice: NoticeDetail }> {
    requirePermission(actor.role, 'notices.publish');
    const existing = await this.deps.repository.findById(body.id, actor.userId);
    if (existing) {
      if (existing.created_by !== actor.userId) throw new AppError('NOTICE_ID_CONFLICT');
      // A retry after the broadcast failed (e.g. speech synthesis busy) tries the broadcast again.
      if (body.publish && body.broadcast && existing.state === 'published' && !existing.broadcast_id) await this.broadcast(actor, body.id, { repeat: 1 }, meta);
      return { created: false, notice: await this.get(actor, body.id) };
    }
    const target = await this.target(actor, body.regionCode ?? actor.scope.regionCode);
    const now = this.deps.clock.now();
    const state: NoticeState = body.publish ? 'published' : 'draft';
    const created = await this.deps.db.transaction().execute(async (tx) => {
      const inserted = await this.deps.repository.insert(tx, {
        id: body.id,
        kind: body.kind,
        affairs_category: body.kind === 'affairs' ? body.affairsCategory! : null,
        title: body.title,
        body: body.body,
        region_code: target.code,
        region_path: target.path,
        state,
        pinned: body.pinned,
        broadcast_id: null,
        published_at: body.publish ? now : null,
        withdrawn_at: null,
        withdraw_reason: null,
        created_by: actor.userId,
        created_by_name: actor.name,
        created_at: now,
        updated_at: now,
      });
      if (!inserted) return false;
      await this.deps.files.setFiles(tx, { ids: body.fileIds, ownerId: actor.userId, target: { noticeId: body.id } });
      await this.deps.audit.record(tx, actor, meta, {
        action: body.publish ? 'notice.publish' : 'notice.draft',
        targetType: 'notice',
        targetId: body.id,
        regionPath: target.path,
        details: { kind: body.kind, affairsCategory: body.affairsCategory ?? null, title: body.title, regionCode: target.code, files: body.fileIds.length },
      });
      return true;
    });
    if (!created) return this.create(actor, body, meta); // a concurrent retry won the insert
    if (body.publish && body.broadcast) await this.broadcast(actor, body.id, { repeat: 1 }, meta);
    return { created: true, notice: await this.get(actor, body.id) };
  }

  async update(actor: Actor, id: string, body: UpdateNoticeBody, meta: RequestMeta): Promise<NoticeDetail> {
    const before = await this.writable(actor, id);
    if (before.state === 'withdrawn') throw new AppError('NOTICE_STATE_CONFLICT', { detail: { zh: '已撤回的通知不能修改', en: 'a withdrawn notice cannot be changed' } });
    const kind = body.kind ?? before.kind;
    const category = body.affairsCategory !== undefined ? body.affairsCategory : body.kind && body.kind !== 'affairs' ? null : before.affairs_category;
    if ((kind === 'affairs') !== (category !== null)) throw fieldError('body.affairsCategory', '村务公开须选择公开类别，其他类型不选', 'affairs need a category, other kinds none');
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.lock(tx, id);
      await this.deps.repository.update(tx, id, {
        kind,
        affairs_category: category,
        ...(body.title !== undefined && { title: body.title }),
        ...(body.body !== undefined && { body: body.body }),
        ...(body.pinned !== undefined && { pinned: body.pinned }),
        updated_at: this.deps.clock.now(),
      });
      if (body.fileIds) await this.deps.files.setFiles(tx, { ids: body.fileIds, ownerId: actor.userId, target: { noticeId: id } });
      await this.deps.audit.record(tx, actor, meta, {
        action: 'notice.update',
        targetType: 'notice',
        targetId: id,
        regionPath: before.region_path,
        details: { before: { kind: before.kind, title: before.title, pinned: before.pinned }, after: body },
      });
    });
    return this.get(actor, id);
  }

  async publish(actor: Actor, id: string, meta: RequestMeta): Promise<NoticeDetail> {
    const row = await this.writable(actor, id);
    if (row.state === 'withdrawn') throw new AppError('NOTICE_STATE_CONFLICT', { detail: { zh: '已撤回', en: 'withdrawn' } });
    if (row.state === 'draft') {
      const now = this.deps.clock.now();
      await this.deps.db.transaction().execute(async (tx) => {
        await this.deps.repository.lock(tx, id);
        await this.deps.repository.update(tx, id, { state: 'published', published_at: now, updated_at: now });
        await this.deps.audit.record(tx, actor, meta, { action: 'notice.publish', targetType: 'notice', targetId: id, regionPath: row.region_path, details: { title: row.title } });
      });
    }
    return this.get(actor, id);
  }

  async withdraw(actor: Actor, id: string, reason: string, meta: RequestMeta): Promise<NoticeDetail> {
    const row = await this.writable(actor, id);
    if (row.state === 'draft') throw new AppError('NOTICE_STATE_CONFLICT', { detail: { zh: '草稿未发布，无需撤回', en: 'a draft was never published' } });
    if (row.state === 'published') {
      const now = this.deps.clock.now();
      await this.deps.db.transaction().execute(async (tx) => {
        await this.deps.repository.lock(tx, id);
        await this.deps.repository.update(tx, id, { state: 'withdrawn', withdrawn_at: now, withdraw_reason: reason, updated_at: now });
        await this.deps.audit.record(tx, actor, meta, { action: 'notice.withdraw', targetType: 'notice', targetId: id, regionPath: row.region_path, details: { title: row.title, reason } });
      });
    }
    return this.get(actor, id);
  }

  /**
   * 一键广播: speaks the published notice on the loudspeakers of its village or township, through
   * the broadcasting module (whose rules decide who may reach which speakers). Once per notice:
   * the broadcast's id derives from the notice's, so a retry finds the same broadcast.
   */
  async broadcast(actor: Actor, id: string, options: { repeat: number }, meta: RequestMeta): Promise<NoticeDetail> {
    const row = await this.writable(actor, id);
    requirePermission(actor.role, 'broadcast.send');
    if (row.state !== 'published') throw new AppError('NOTICE_STATE_CONFLICT', { detail: { zh: '只有已发布的通知可以广播', en: 'only a published notice can be broadcast' } });
    if (!row.broadcast_id) {
      const broadcastId = uuidFrom(`notice-broadcast:${id}`);
      const label = row.kind === 'affairs' ? '村务公开' : row.kind === 'news' ? '新闻' : '通知';
      await this.deps.broadcasts.create(
        actor,
        {
          id: broadcastId,
          title: `${label}：${row.title}`.slice(0, 100),
          text: spokenText(row.title, row.body),
          kind: 'routine',
          repeat: options.repeat,
          target: row.region_level === 'township' ? { type: 'township', codes: [row.region_code] } : { type: 'villages', codes: [row.region_code] },
          validMinutes: 120,
        },
        meta,
      );
      await this.deps.db.transaction().execute(async (tx) => {
        await this.deps.repository.lock(tx, id);
        await this.deps.repository.update(tx, id, { broadcast_id: broadcastId });
        await this.deps.audit.record(tx, actor, meta, { action: 'notice.broadcast', targetType: 'notice', targetId: id, regionPath: row.region_path, details: { broadcastId, repeat: options.repeat } });
      });
    }
    return this.get(actor, id);
  }

  // ---- the public archive (no login) ----------------------------------------------------------

  async publicList(query: PublicNoticesQuery) {
    const { page, pageSize, village, year, ...filter } = query;
    const place = await this.deps.regions.placeOf(village);
    if (!place || place.region.level !== 'village' || !place.village) throw new AppError('REGION_NOT_FOUND', { detail: { zh: village, en: village } });
    const since = year ? new Date(Date.UTC(year, 0, 1) - SHANGHAI_OFFSET_MS) : undefined;
    const until = year ? new Date(Date.UTC(year + 1, 0, 1) - SHANGHAI_OFFSET_MS) : undefined;
    const { rows, total } = await this.deps.repository.list({ readerPath: place.region.path, below: false }, null, { ...filter, since, until, state: 'published' }, { page, pageSize });
    return {
      village: { code: place.village.code, name: place.village.name, townshipName: place.township?.name ?? null },
      items: rows.map((row) => {
        const { read: _read, state: _state, canEdit: _canEdit, ...rest } = this.toSummary(row, null);
        return rest;
      }),
      total,
      page,
      pageSize,
    };
  }

  async publicGet(id: string): Promise<PublicNotice> {
    const row = await this.deps.repository.findById(id);
    if (!row || row.state !== 'published') throw new AppError('NOTICE_NOT_FOUND');
    const files = (await this.deps.files.listFor('notice', [id])).get(id) ?? [];
    const { read: _read, state: _state, canEdit: _canEdit, ...summary } = this.toSummary(row, null);
    return { ...summary, body: row.body, files };
  }

  // ---- demo -----------------------------------------------------------------------------------

  /** Demo mode: a published notice with a fixed id, unless it exists. */
  async createDemoNotice(input: { id: string; regionCode: string; kind: CreateNoticeBody['kind']; affairsCategory?: CreateNoticeBody['affairsCategory']; title: string; body: string; pinned?: boolean; byName: string; publishedAt: Date }): Promise<void> {
    const place = await this.deps.regions.placeOf(input.regionCode);
    if (!place) return;
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.insert(tx, {
        id: input.id,
        kind: input.kind,
        affairs_category: input.kind === 'affairs' ? (input.affairsCategory ?? 'other') : null,
        title: input.title,
        body: input.body,
        region_code: input.regionCode,
        region_path: place.region.path,
        state: 'published',
        pinned: input.pinned ?? false,
        broadcast_id: null,
        published_at: input.publishedAt,
        withdrawn_at: null,
        withdraw_reason: null,
        created_by: null,
        created_by_name: input.byName,
        created_at: input.publishedAt,
        updated_at: input.publishedAt,
      });
    });
  }

  // ---- rules ----------------------------------------------------------------------------------

  /** Published notices for their region and the regions above or below the caller; the rest for publishers below. */
  private async visible(actor: Actor, id: string): Promise<NoticeRow> {
    const row = await this.deps.repository.findById(id, actor.userId);
    if (!row) throw new AppError('NOTICE_NOT_FOUND');
    const below = isWithin(actor.scope, row.region_path);
    const above = actor.scope.path.startsWith(row.region_path);
    const seen = row.state === 'published' ? above || below : below && can(actor.role, 'notices.publish');
    if (!seen) throw new AppError('NOTICE_NOT_FOUND');
    return row;
  }

  private async writable(actor: Actor, id: string): Promise<NoticeRow> {
    requirePermission(actor.role, 'notices.publish');
    const row = await this.visible(actor, id);
    if (!isWithin(actor.scope, row.region_path)) throw new AppError('FORBIDDEN');
    return row;
  }

  /** A village or township in the caller's region (a cadre: their own village). */
  private async target(actor: Actor, code: string): Promise<{ code: string; path: string; level: string }> {
    const place = await this.deps.regions.placeOf(code);
    if (!place || !isWithin(actor.scope, place.region.path)) throw new AppError('REGION_NOT_FOUND', { detail: { zh: code, en: code } });
    if (place.region.level !== 'village' && place.region.level !== 'township') {
      throw fieldError('body.regionCode', '通知发布到一个行政村或整个乡镇', 'a notice goes to a village or a township');
    }
    return place.region;
  }

  private toSummary(row: NoticeRow, actor: Actor | null): NoticeSummary {
    return {
      id: row.id,
      kind: row.kind,
      affairsCategory: row.affairs_category,
      title: row.title,
      excerpt: excerptOf(row.body),
      region: { code: row.region_code, name: row.region_name, level: row.region_level },
      state: row.state,
      pinned: row.pinned,
      readCount: row.read_count,
      read: row.read,
      fileCount: row.file_count,
      broadcastId: row.broadcast_id,
      createdByName: row.created_by_name,
      publishedAt: row.published_at?.toISOString() ?? null,
      updatedAt: row.updated_at.toISOString(),
      canEdit: actor !== null && can(actor.role, 'notices.publish') && isWithin(actor.scope, row.region_path),
    };
  }

  private async toDetail(row: NoticeRow, actor: Actor): Promise<NoticeDetail> {
    const summary = this.toSummary(row, actor);
    const canEdit = summary.canEdit;
    const [files, audience] = await Promise.all([
      this.deps.files.listFor('notice', [row.id]).then((m) => m.get(row.id) ?? ([] as VillageFileView[])),
      canEdit ? this.deps.repository.audience(row.region_path) : Promise.resolve(null),
    ]);
    return {
      ...summary,
      body: row.body,
      files,
      audience,
      withdrawnAt: row.withdrawn_at?.toISOString() ?? null,
      withdrawReason: row.withdraw_reason,
    };
  }
}
