import type { z } from 'zod';
import type {
  careTasks,
  createElderlyBody,
  createMealRequestBody,
  elderlyDetail,
  elderlyPage,
  elderlyStats,
  elderlySummary,
  listElderlyQuery,
  listMealsQuery,
  mealPage,
  mealRequestView,
  myElderly,
  raiseAlertBody,
  recordVisitBody,
  setPlanBody,
  updateElderlyBody,
  visitView,
} from '@server/modules/village-services/elderly.schema';
import type {
  createNoticeBody,
  listNoticesQuery,
  noticeDetail,
  noticePage,
  noticeSummary,
  publicNotice,
  publicNoticePage,
  publicNoticesQuery,
  updateNoticeBody,
} from '@server/modules/village-services/notices.schema';
import type { readAloudResult } from '@server/modules/village-services/read-aloud.schema';
import type {
  createGuideBody,
  createRequestBody,
  guideList,
  guideView,
  listGuidesQuery,
  listRequestsQuery,
  requestActionBody,
  requestDetail,
  requestPage,
  requestSummary,
  updateGuideBody,
} from '@server/modules/village-services/services.schema';
import type { uploadFilesResult, villageFileView } from '@server/modules/village-services/village-files.schema';
import { http, type QueryOf } from '@/shared/http';

/**
 * 乡村信息 (notices, the public archive), 办证办事 (guides, 预约/代办 requests), 养老 (the register, plans,
 * visits, alerts, meals), their files, and the read-aloud of the elder-friendly mode. Types are the
 * server's zod schemas (src/modules/village-services/*.schema.ts).
 */
export type Notice = z.infer<typeof noticeSummary>;
export type NoticeDetail = z.infer<typeof noticeDetail>;
export type NoticePage = z.infer<typeof noticePage>;
export type PublicNotice = z.infer<typeof publicNotice>;
export type PublicNoticePage = z.infer<typeof publicNoticePage>;
export type NoticeKind = Notice['kind'];
export type AffairsCategory = NonNullable<Notice['affairsCategory']>;
export type NoticeState = Notice['state'];
export type CreateNoticeBody = z.input<typeof createNoticeBody>;
export type UpdateNoticeBody = z.input<typeof updateNoticeBody>;
export type VillageFile = z.infer<typeof villageFileView>;

export type Guide = z.infer<typeof guideView>;
export type GuideCategory = Guide['category'];
export type CreateGuideBody = z.input<typeof createGuideBody>;
export type UpdateGuideBody = z.input<typeof updateGuideBody>;
export type ServiceRequest = z.infer<typeof requestSummary>;
export type ServiceRequestDetail = z.infer<typeof requestDetail>;
export type ServiceRequestState = ServiceRequest['state'];
export type ServiceRequestKind = ServiceRequest['kind'];
export type ServiceRequestAction = ServiceRequestDetail['actions'][number];
export type CreateRequestBody = z.input<typeof createRequestBody>;
export type RequestActionBody = z.input<typeof requestActionBody>;

export type Elderly = z.infer<typeof elderlySummary>;
export type ElderlyDetail = z.infer<typeof elderlyDetail>;
export type ElderlyStats = z.infer<typeof elderlyStats>;
export type Visit = z.infer<typeof visitView>;
export type MealRequest = z.infer<typeof mealRequestView>;
export type CareTasks = z.infer<typeof careTasks>;
export type CareTask = CareTasks['visits'][number];
export type MyElderly = z.infer<typeof myElderly>['items'][number];
export type Mobility = Elderly['mobility'];
export type PlanStatus = NonNullable<NonNullable<Elderly['plan']>['status']>;
export type VisitFrequency = NonNullable<Elderly['plan']>['frequency'];
export type VisitCondition = NonNullable<Visit['condition']>;
export type AlertKind = z.input<typeof raiseAlertBody>['kind'];
export type MealKind = MealRequest['meals'];
export type MealState = MealRequest['state'];
export type CreateElderlyBody = z.input<typeof createElderlyBody>;
export type UpdateElderlyBody = z.input<typeof updateElderlyBody>;
export type SetPlanBody = z.input<typeof setPlanBody>;
export type RecordVisitBody = z.input<typeof recordVisitBody>;
export type CreateMealRequestBody = z.input<typeof createMealRequestBody>;

export const noticeKinds: NoticeKind[] = ['notice', 'affairs', 'news'];
export const affairsCategories: AffairsCategory[] = ['finance', 'subsidy', 'decision', 'other'];
export const guideCategories: GuideCategory[] = ['household', 'social_security', 'civil_affairs', 'land', 'disability', 'other'];
export const requestStates: ServiceRequestState[] = ['submitted', 'accepted', 'awaiting_materials', 'completed', 'rejected', 'cancelled'];
export const mobilities: Mobility[] = ['independent', 'assisted', 'bedridden'];
export const frequencies: VisitFrequency[] = ['weekly', 'monthly', 'quarterly'];
export const planStatuses: PlanStatus[] = ['overdue', 'due', 'done'];
export const conditions: VisitCondition[] = ['good', 'attention', 'urgent'];
export const alertKinds: AlertKind[] = ['no_contact', 'health', 'zero_water_use', 'other'];
export const mealKinds: MealKind[] = ['lunch', 'dinner', 'both'];

const id = (value: string) => encodeURIComponent(value);
/** The action's path segment (`request_materials` → `request-materials`). */
const actionPath = (action: ServiceRequestAction) => action.replace('_', '-');

export const noticesApi = {
  list: (query: QueryOf<z.input<typeof listNoticesQuery>> = {}, silent = false) => http.get<NoticePage>('/api/notices', { ...query }, { silent }),
  get: (noticeId: string) => http.get<NoticeDetail>(`/api/notices/${id(noticeId)}`),
  /** Safe to retry: the id is the client's. */
  create: (body: CreateNoticeBody) => http.post<NoticeDetail>('/api/notices', body),
  update: (noticeId: string, body: UpdateNoticeBody) => http.patch<NoticeDetail>(`/api/notices/${id(noticeId)}`, body),
  publish: (noticeId: string) => http.post<NoticeDetail>(`/api/notices/${id(noticeId)}/publish`),
  withdraw: (noticeId: string, reason: string) => http.post<NoticeDetail>(`/api/notices/${id(noticeId)}/withdraw`, { reason }),
  broadcast: (noticeId: string, repeat = 1) => http.post<NoticeDetail>(`/api/notices/${id(noticeId)}/broadcast`, { repeat }),
  /** The public archive of a village: no login needed. */
  publicList: (query: QueryOf<z.input<typeof publicNoticesQuery>>) => http.get<PublicNoticePage>('/api/public/notices', { ...query }),
  publicGet: (noticeId: string) => http.get<PublicNotice>(`/api/public/notices/${id(noticeId)}`),
  /** Photos and documents (field `files`), before the notice or visit that names them. */
  upload: (files: Blob[], names: string[]) => {
    const form = new FormData();
    files.forEach((file, i) => form.append('files', file, names[i] ?? `file-${i + 1}`));
    return http.upload<z.infer<typeof uploadFilesResult>>('/api/village-files', form);
  },
};

export const servicesApi = {
  guides: (query: QueryOf<z.input<typeof listGuidesQuery>> = {}) => http.get<z.infer<typeof guideList>>('/api/service-guides', { ...query }),
  guide: (guideId: string) => http.get<Guide>(`/api/service-guides/${id(guideId)}`),
  createGuide: (body: CreateGuideBody) => http.post<Guide>('/api/service-guides', body),
  updateGuide: (guideId: string, body: UpdateGuideBody) => http.patch<Guide>(`/api/service-guides/${id(guideId)}`, body),
  /** Safe to retry: the id is the client's. */
  submit: (body: CreateRequestBody) => http.post<ServiceRequestDetail>('/api/service-requests', body),
  requests: (query: QueryOf<z.input<typeof listRequestsQuery>> = {}, silent = false) =>
    http.get<z.infer<typeof requestPage>>('/api/service-requests', { ...query }, { silent }),
  request: (requestId: string) => http.get<ServiceRequestDetail>(`/api/service-requests/${id(requestId)}`),
  act: (requestId: string, action: ServiceRequestAction, body: RequestActionBody = {}) =>
    http.post<ServiceRequestDetail>(`/api/service-requests/${id(requestId)}/${actionPath(action)}`, body),
};

export const elderlyApi = {
  list: (query: QueryOf<z.input<typeof listElderlyQuery>> = {}) => http.get<z.infer<typeof elderlyPage>>('/api/elderly', { ...query }),
  get: (residentId: string) => http.get<ElderlyDetail>(`/api/elderly/${id(residentId)}`),
  create: (body: CreateElderlyBody) => http.post<ElderlyDetail>('/api/elderly', body),
  update: (residentId: string, body: UpdateElderlyBody) => http.patch<ElderlyDetail>(`/api/elderly/${id(residentId)}`, body),
  setPlan: (residentId: string, body: SetPlanBody) => http.put<ElderlyDetail>(`/api/elderly/${id(residentId)}/plan`, body),
  recordVisit: (residentId: string, body: RecordVisitBody) => http.post<ElderlyDetail>(`/api/elderly/${id(residentId)}/visits`, body),
  raiseAlert: (residentId: string, kind: AlertKind, note: string) => http.post<ElderlyDetail>(`/api/elderly/${id(residentId)}/alerts`, { kind, note }),
  tasks: () => http.get<CareTasks>('/api/elderly/tasks'),
  stats: (region?: string) => http.get<ElderlyStats>('/api/elderly/stats', region ? { region } : undefined),
  mine: () => http.get<z.infer<typeof myElderly>>('/api/elderly/mine'),
  meals: (query: QueryOf<z.input<typeof listMealsQuery>> = {}) => http.get<z.infer<typeof mealPage>>('/api/elderly/meal-requests', { ...query }),
  requestMeal: (residentId: string, body: CreateMealRequestBody) => http.post<MealRequest>(`/api/elderly/${id(residentId)}/meal-requests`, body),
  decideMeal: (mealId: string, decision: 'approve' | 'reject' | 'cancel', note?: string) =>
    http.post<MealRequest>(`/api/elderly/meal-requests/${id(mealId)}/${decision}`, note ? { note } : {}),
  deliverMeal: (mealId: string) => http.post<MealRequest>(`/api/elderly/meal-requests/${id(mealId)}/deliveries`, {}),
};

/** 朗读: the page's main text as Mandarin speech, at a signed URL an <audio> element plays. */
export const readAloudApi = {
  speak: (text: string) => http.post<z.infer<typeof readAloudResult>>('/api/read-aloud', { text }),
};
