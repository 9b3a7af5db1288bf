import type { z } from 'zod';
import type { listRegionsQuery, locateResult, regionDetail, regionSummary } from '@server/modules/regions/regions.schema';
import { http, type Page, type QueryOf } from '@/shared/http';

export type RegionSummary = z.infer<typeof regionSummary>;
export type RegionDetail = z.infer<typeof regionDetail>;
export type RegionLevel = RegionSummary['level'];
export type LocateResult = z.infer<typeof locateResult>;
export type ListRegionsQuery = QueryOf<z.input<typeof listRegionsQuery>>;

export const regionsApi = {
  list: (query: ListRegionsQuery = {}, silent = false) => http.get<Page<RegionSummary>>('/api/regions', query, { silent }),
  get: (code: string, silent = false) => http.get<RegionDetail>(`/api/regions/${encodeURIComponent(code)}`, undefined, { silent }),
  children: (code: string, query: { page?: number; pageSize?: number } = {}, silent = false) =>
    http.get<Page<RegionSummary>>(`/api/regions/${encodeURIComponent(code)}/children`, query, { silent }),
  /** The grid containing a point; 404 NO_GRID_AT_POINT outside every grid (silent: callers fall back). */
  locate: (lon: number, lat: number) => http.get<LocateResult>('/api/regions/locate', { lon, lat }, { silent: true }),
};

/** Every child of a region, following pages (a village has a handful of grids, a township a few dozen villages). */
export async function allChildren(code: string, silent = false): Promise<RegionSummary[]> {
  const items: RegionSummary[] = [];
  for (let page = 1; ; page++) {
    const res = await regionsApi.children(code, { page, pageSize: 200 }, silent);
    items.push(...res.items);
    if (items.length >= res.total || res.items.length === 0) return items;
  }
}
