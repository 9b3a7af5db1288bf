import type { z } from 'zod';
import type { householdDetail, householdPage, householdSummary, listHouseholdsQuery } from '@server/modules/households/households.schema';
import { http, type QueryOf } from '@/shared/http';

/** 户: each village's register of households. Types are the server's zod schemas. */
export type HouseholdSummary = z.infer<typeof householdSummary>;
export type HouseholdDetail = z.infer<typeof householdDetail>;
export type HouseholdPage = z.infer<typeof householdPage>;
export type ListHouseholdsQuery = QueryOf<z.input<typeof listHouseholdsQuery>>;

export const householdsApi = {
  /** My household with its members (names and roles only), or null when I belong to none. */
  mine: () => http.get<{ household: HouseholdDetail | null }>('/api/households/mine').then((r) => r.household),
  list: (query: ListHouseholdsQuery = {}, silent = false) => http.get<HouseholdPage>('/api/households', { ...query }, { silent }),
  get: (householdId: string) => http.get<HouseholdDetail>(`/api/households/${encodeURIComponent(householdId)}`),
};
