import type { z } from 'zod';
import type {
  caseDetail,
  caseEvent,
  casePage,
  caseSummary,
  categoryView,
  createCategoryBody,
  listCasesQuery,
  nearbyCase,
  photoRef,
  submitCaseBody,
  updateCategoryBody,
} from '@server/modules/cases/cases.schema';
import type { CaseAction } from '@server/modules/cases/case-state';
import type { photoView, uploadResult } from '@server/modules/photos/photos.schema';
import { http, type QueryOf } from '@/shared/http';

export type CaseSummary = z.infer<typeof caseSummary>;
export type CaseDetail = z.infer<typeof caseDetail>;
export type CaseEvent = z.infer<typeof caseEvent>;
export type CaseState = CaseSummary['state'];
export type CaseLevel = CaseSummary['level'];
export type CasePage = z.infer<typeof casePage>;
export type NearbyCase = z.infer<typeof nearbyCase>;
export type PhotoRef = z.infer<typeof photoRef>;
export type PhotoView = z.infer<typeof photoView>;
export type Category = z.infer<typeof categoryView>;
export type CreateCategoryBody = z.input<typeof createCategoryBody>;
export type UpdateCategoryBody = z.input<typeof updateCategoryBody>;
export type SubmitCaseBody = z.input<typeof submitCaseBody>;
/** The query as the client sends it: `state` is a comma-separated list, `overdue` 'true' | 'false'. */
export type ListCasesQuery = QueryOf<z.input<typeof listCasesQuery>>;
export type { CaseAction };

export const caseStates: CaseState[] = ['submitted', 'accepted', 'resolved', 'closed', 'rejected'];

const base = (id: string) => `/api/cases/${encodeURIComponent(id)}`;

export const casesApi = {
  // categories (事件类别)
  categories: (query: { includeInactive?: boolean } = {}, silent = false) =>
    http
      .get<{ items: Category[] }>('/api/case-categories', { includeInactive: query.includeInactive ? 'true' : undefined }, { silent })
      .then((r) => r.items),
  createCategory: (body: CreateCategoryBody) => http.post<Category>('/api/case-categories', body),
  updateCategory: (code: string, body: UpdateCategoryBody) => http.patch<Category>(`/api/case-categories/${encodeURIComponent(code)}`, body),

  // cases (事件)
  /** Safe to retry: the id is the client's, so a repeated submission answers with the same case. */
  submit: (body: SubmitCaseBody, silent = false) => http.post<CaseDetail>('/api/cases', body, { silent }),
  list: (query: ListCasesQuery) => http.get<CasePage>('/api/cases', { ...query }),
  get: (id: string) => http.get<CaseDetail>(base(id)),
  nearby: (query: { lon: number; lat: number; category?: string; radius?: number }) =>
    http.get<{ items: NearbyCase[] }>('/api/cases/nearby', query, { silent: true }).then((r) => r.items),

  accept: (id: string) => http.post<CaseDetail>(`${base(id)}/accept`, {}),
  resolve: (id: string, note: string, photoIds: string[]) => http.post<CaseDetail>(`${base(id)}/resolve`, { note, photoIds }),
  approve: (id: string, comment?: string) => http.post<CaseDetail>(`${base(id)}/approve`, comment ? { comment } : {}),
  return: (id: string, reason: string) => http.post<CaseDetail>(`${base(id)}/return`, { reason }),
  reject: (id: string, reason: string, duplicateOf?: string) => http.post<CaseDetail>(`${base(id)}/reject`, { reason, duplicateOf }),
  dispute: (id: string, reason: string) => http.post<CaseDetail>(`${base(id)}/dispute`, { reason }),
  escalate: (id: string, reason: string) => http.post<CaseDetail>(`${base(id)}/escalate`, { reason }),
  rate: (id: string, rating: number, comment?: string) => http.post<CaseDetail>(`${base(id)}/rate`, comment ? { rating, comment } : { rating }),
  comment: (id: string, text: string) => http.post<CaseDetail>(`${base(id)}/comments`, { text }),
  support: (id: string) => http.post<{ supportCount: number; added: boolean }>(`${base(id)}/support`),
};

/** Uploads photos (multipart field `photos`) before the case report or resolution that names them. */
export async function uploadPhotos(files: Blob[], silent = false): Promise<PhotoView[]> {
  if (files.length === 0) return [];
  const form = new FormData();
  files.forEach((file, i) => form.append('photos', file, file instanceof File ? file.name : `photo-${i + 1}.jpg`));
  return (await http.upload<z.infer<typeof uploadResult>>('/api/photos', form, { silent })).items;
}
