import { z } from 'zod';
import { pageOf, pageQuery } from '../../platform/http/pagination.js';
import { regionCode } from '../regions/regions.schema.js';
import { fileIds, villageFileView } from './village-files.schema.js';

export const noticeKinds = ['notice', 'affairs', 'news'] as const;
/** 村务公开 is told apart by what it discloses. */
export const affairsCategories = ['finance', 'subsidy', 'decision', 'other'] as const;
export const noticeStates = ['draft', 'published', 'withdrawn'] as const;

const title = z.string().trim().min(1).max(100);
const body = z.string().trim().min(1).max(10_000);
const searchText = z.string().trim().min(1).max(50);

const kindAndCategory = (b: { kind?: string; affairsCategory?: string | null }) =>
  b.kind === undefined || (b.kind === 'affairs') === (b.affairsCategory !== undefined && b.affairsCategory !== null);
const kindMessage = { message: '村务公开须选择公开类别，其他类型不选 / affairs need affairsCategory, other kinds none', path: ['affairsCategory'] };

export const createNoticeBody = z
  .strictObject({
    id: z.uuid().describe('client-generated; a retry returns the same notice'),
    kind: z.enum(noticeKinds).describe('notice 通知公告 · affairs 村务公开 · news 新闻动态'),
    affairsCategory: z.enum(affairsCategories).optional().describe('affairs only: finance 财务 · subsidy 惠民补贴 · decision 重大事项 · other'),
    title,
    body,
    regionCode: regionCode.optional().describe('a village or township within the caller’s region; default: the caller’s own'),
    pinned: z.boolean().default(false),
    fileIds: fileIds.default([]).describe('attachments and photos from POST /api/village-files, in this order'),
    publish: z.boolean().default(true).describe('false: keep as a draft'),
    broadcast: z.boolean().default(false).describe('also speak it on the region’s loudspeakers (云广播) once published'),
  })
  .refine(kindAndCategory, kindMessage);

export const updateNoticeBody = z
  .strictObject({
    kind: z.enum(noticeKinds).optional(),
    affairsCategory: z.enum(affairsCategories).nullable().optional(),
    title: title.optional(),
    body: body.optional(),
    pinned: z.boolean().optional(),
    fileIds: fileIds.optional().describe('the notice’s files become exactly these'),
  })
  .refine((b) => Object.keys(b).length > 0, { message: '至少修改一个字段 / change at least one field' });

export const withdrawNoticeBody = z.strictObject({ reason: z.string().trim().min(1).max(200) });
export const broadcastNoticeBody = z.strictObject({ repeat: z.number().int().min(1).max(5).default(1) });
export const noticeParams = z.strictObject({ id: z.uuid() });

export const listNoticesQuery = z.strictObject({
  kind: z.enum(noticeKinds).optional(),
  affairsCategory: z.enum(affairsCategories).optional(),
  q: searchText.optional().describe('words in the title or text'),
  region: regionCode.optional().describe('only notices published to this region'),
  state: z.enum(noticeStates).optional().describe('publishers: drafts and withdrawn notices of their region; default published'),
  ...pageQuery,
});

export const publicNoticesQuery = z.strictObject({
  village: regionCode.describe('the village whose archive to read (its own notices and its township’s)'),
  kind: z.enum(noticeKinds).optional(),
  affairsCategory: z.enum(affairsCategories).optional(),
  q: searchText.optional(),
  year: z.coerce.number().int().min(2000).max(2100).optional().describe('published in this year (China time)'),
  ...pageQuery,
});

export const noticeSummary = z.object({
  id: z.uuid(),
  kind: z.enum(noticeKinds),
  affairsCategory: z.enum(affairsCategories).nullable(),
  title: z.string(),
  excerpt: z.string().describe('the first 80 characters of the text'),
  region: z.object({ code: z.string(), name: z.string(), level: z.string() }),
  state: z.enum(noticeStates),
  pinned: z.boolean(),
  readCount: z.number().int().describe('people who opened it (each once)'),
  read: z.boolean().describe('whether the caller has opened it'),
  fileCount: z.number().int(),
  broadcastId: z.uuid().nullable().describe('set once it was sent to the loudspeakers'),
  createdByName: z.string(),
  publishedAt: z.string().nullable(),
  updatedAt: z.string(),
  canEdit: z.boolean().describe('the caller may change, withdraw and broadcast it (a publisher of its region)'),
});

export const noticeDetail = noticeSummary.extend({
  body: z.string(),
  files: z.array(villageFileView),
  audience: z.number().int().nullable().describe('publishers only: signed-up people in the region it reaches (read rate = readCount / audience)'),
  withdrawnAt: z.string().nullable(),
  withdrawReason: z.string().nullable(),
});

export const publicNotice = noticeDetail.omit({ read: true, audience: true, canEdit: true, withdrawnAt: true, withdrawReason: true, state: true });
export const publicNoticeSummary = noticeSummary.omit({ read: true, state: true, canEdit: true });

export const noticePage = pageOf(noticeSummary);
export const publicNoticePage = pageOf(publicNoticeSummary).extend({
  village: z.object({ code: z.string(), name: z.string(), townshipName: z.string().nullable() }),
});

export type CreateNoticeBody = z.infer<typeof createNoticeBody>;
export type UpdateNoticeBody = z.infer<typeof updateNoticeBody>;
export type ListNoticesQuery = z.infer<typeof listNoticesQuery>;
export type PublicNoticesQuery = z.infer<typeof publicNoticesQuery>;
export type NoticeSummary = z.infer<typeof noticeSummary>;
export type NoticeDetail = z.infer<typeof noticeDetail>;
export type PublicNotice = z.infer<typeof publicNotice>;
