import { z } from 'zod';
import { pageOf, pageQuery } from '../../platform/http/pagination.js';
import { regionCode } from '../regions/regions.schema.js';
import { serviceRequestActions, serviceRequestStates } from './service-request-state.js';

export const serviceCategories = ['household', 'social_security', 'civil_affairs', 'land', 'disability', 'other'] as const;
export const serviceRequestKinds = ['appointment', 'proxy'] as const;

const text = (max: number) => z.string().trim().min(1).max(max);
const phone = z.string().trim().regex(/^[0-9+\-() ]{5,20}$/, '电话号码格式有误 / not a phone number');

/** The fields of a guide, without defaults (an update changes only what it names). */
const guideFields = {
  name: text(40).describe('e.g. 低保申请'),
  category: z.enum(serviceCategories).describe('household 户籍 · social_security 社保医保 · civil_affairs 民政 · land 土地 · disability 残联 · other'),
  keywords: z.string().trim().max(200).describe('other words people search with, e.g. 最低生活保障 救助'),
  summary: text(300),
  conditions: text(2000).describe('who may apply (申请条件)'),
  materials: z.array(text(200)).min(1).max(30).describe('what to bring (所需材料), one item each'),
  office: text(200).describe('where to go (办理地点)'),
  phone: z.string().trim().max(40).nullable(),
  hours: text(200).describe('when (办公时间)'),
  fees: text(200).describe('收费标准, e.g. 免费'),
  timeLimit: text(200).describe('办理时限, e.g. 20 个工作日'),
  allowAppointment: z.boolean().describe('villagers may book a time (预约)'),
  allowProxy: z.boolean().describe('the village handles it for them (代办)'),
  active: z.boolean(),
  sortOrder: z.number().int().min(0).max(10_000),
};

export const createGuideBody = z.strictObject({
  regionCode: regionCode.optional().describe('a township or village within the caller’s region; default: the caller’s own'),
  code: z.string().regex(/^[a-z][a-z0-9_]{1,39}$/, '编码为小写字母、数字和下划线 / lower-case letters, digits, underscores').describe('stable code; a village’s guide overrides the township’s of the same code'),
  ...guideFields,
  keywords: guideFields.keywords.default(''),
  phone: guideFields.phone.default(null),
  allowAppointment: guideFields.allowAppointment.default(true),
  allowProxy: guideFields.allowProxy.default(true),
  active: guideFields.active.default(true),
  sortOrder: guideFields.sortOrder.default(100),
});

export const updateGuideBody = z
  .strictObject(guideFields)
  .partial()
  .refine((b) => Object.keys(b).length > 0, { message: '至少修改一个字段 / change at least one field' });

export const guideParams = z.strictObject({ id: z.uuid() });

export const listGuidesQuery = z.strictObject({
  q: z.string().trim().min(1).max(50).optional().describe('words in the name, keywords or summary, e.g. 低保'),
  category: z.enum(serviceCategories).optional(),
  all: z.enum(['true', 'false']).optional().describe('managers: every guide of their region, inactive and overridden ones too'),
});

export const guideView = z.object({
  id: z.uuid(),
  code: z.string(),
  region: z.object({ code: z.string(), name: z.string(), level: z.string() }),
  name: z.string(),
  category: z.enum(serviceCategories),
  keywords: z.string(),
  summary: z.string(),
  conditions: z.string(),
  materials: z.array(z.string()),
  office: z.string(),
  phone: z.string().nullable(),
  hours: z.string(),
  fees: z.string(),
  timeLimit: z.string(),
  allowAppointment: z.boolean(),
  allowProxy: z.boolean(),
  active: z.boolean(),
  sortOrder: z.number().int(),
  updatedAt: z.string(),
  canEdit: z.boolean(),
});

export const guideList = z.object({ items: z.array(guideView) });

export const createRequestBody = z.strictObject({
  id: z.uuid().describe('client-generated; a retry returns the same request'),
  guideId: z.uuid(),
  kind: z.enum(serviceRequestKinds).describe('appointment 预约 (go to the office at a time) · proxy 代办 (the village handles it)'),
  contactPhone: phone.optional().describe('default: the account’s phone'),
  preferredDate: z.iso.date().optional().describe('a day that suits the villager (China time)'),
  note: z.string().trim().max(500).optional(),
});

export const requestActionBody = z.strictObject({
  note: z.string().trim().min(1).max(500).optional().describe('required to ask for materials, supply them and refuse'),
  appointmentAt: z.iso.datetime({ offset: true }).optional().describe('accept: when the villager should come (预约时间)'),
});

export const requestParams = z.strictObject({ id: z.uuid() });
export const requestActionParams = z.strictObject({ id: z.uuid(), action: z.enum(['accept', 'request-materials', 'supplement', 'complete', 'reject', 'cancel']) });

export const listRequestsQuery = z.strictObject({
  mine: z.enum(['true', 'false']).optional().describe('true: the caller’s own requests (default for villagers)'),
  state: z.enum(serviceRequestStates).optional(),
  open: z.enum(['true', 'false']).optional().describe('true: submitted, accepted or awaiting materials'),
  village: regionCode.optional(),
  q: z.string().trim().min(1).max(50).optional().describe('number, matter or name'),
  ...pageQuery,
});

export const requestEventView = z.object({
  at: z.string(),
  action: z.string(),
  fromState: z.enum(serviceRequestStates).nullable(),
  toState: z.enum(serviceRequestStates),
  actorName: z.string(),
  actorRole: z.string(),
  note: z.string().nullable(),
});

export const requestSummary = z.object({
  id: z.uuid(),
  number: z.string().describe('BS + date + sequence, what a villager quotes on the phone'),
  guide: z.object({ id: z.uuid(), name: z.string(), office: z.string(), phone: z.string().nullable() }),
  kind: z.enum(serviceRequestKinds),
  state: z.enum(serviceRequestStates),
  requester: z.object({ id: z.uuid(), name: z.string() }),
  contactPhone: z.string().nullable().describe('to the requester and the handlers only'),
  region: z.object({ code: z.string(), name: z.string() }),
  preferredDate: z.string().nullable(),
  appointmentAt: z.string().nullable(),
  note: z.string().nullable(),
  handlerName: z.string().nullable(),
  result: z.string().nullable().describe('what the handler said last (materials needed, refusal, completion)'),
  createdAt: z.string(),
  updatedAt: z.string(),
  closedAt: z.string().nullable(),
});

export const requestDetail = requestSummary.extend({
  history: z.array(requestEventView),
  actions: z.array(z.enum(serviceRequestActions)).describe('what the caller may do now'),
});

export const requestPage = pageOf(requestSummary);

export type CreateGuideBody = z.infer<typeof createGuideBody>;
export type UpdateGuideBody = z.infer<typeof updateGuideBody>;
export type ListGuidesQuery = z.infer<typeof listGuidesQuery>;
export type GuideView = z.infer<typeof guideView>;
export type CreateRequestBody = z.infer<typeof createRequestBody>;
export type RequestActionBody = z.infer<typeof requestActionBody>;
export type ListRequestsQuery = z.infer<typeof listRequestsQuery>;
export type RequestSummary = z.infer<typeof requestSummary>;
export type RequestDetail = z.infer<typeof requestDetail>;
