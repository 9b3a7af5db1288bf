import { allChildren, regionsApi, type RegionDetail, type RegionSummary } from '@/api/regions';
import type { MapArea } from '@/components/map';
import { withOfflineCopy } from './offline-cache';

/**
 * The villages a signed-in person may report in (their own, or those of their township), and the
 * map of one village: its boundary and its grids', each from GET /api/regions/:code.
 */
let villagesCache: Promise<RegionSummary[]> | null = null;

export function readableVillages(): Promise<RegionSummary[]> {
  villagesCache ??= withOfflineCopy('villages', async () => {
    const items: RegionSummary[] = [];
    for (let page = 1; ; page++) {
      const res = await regionsApi.list({ level: 'village', page, pageSize: 200 }, true);
      items.push(...res.items);
      if (items.length >= res.total || res.items.length === 0) return items;
    }
  }).catch((error: unknown) => {
    villagesCache = null;
    throw error;
  });
  return villagesCache;
}

const detailCache = new Map<string, Promise<RegionDetail>>();

export function regionDetail(code: string): Promise<RegionDetail> {
  let cached = detailCache.get(code);
  if (!cached) {
    cached = withOfflineCopy(`region.${code}`, () => regionsApi.get(code, true)).catch((error: unknown) => {
      detailCache.delete(code);
      throw error;
    });
    detailCache.set(code, cached);
  }
  return cached;
}

/** The village and its grids as map areas; `focusGrid` is drawn stronger. */
export async function villageMap(villageCode: string, focusGrid?: string | null): Promise<MapArea[]> {
  const [village, grids] = await Promise.all([
    regionDetail(villageCode),
    withOfflineCopy(`children.${villageCode}`, () => allChildren(villageCode, true)).catch(() => []),
  ]);
  const gridDetails = await Promise.all(grids.map((g) => regionDetail(g.code).catch(() => null)));
  const areas: MapArea[] = [];
  const gridAreas = gridDetails.filter((g): g is RegionDetail => !!g?.boundary);
  if (gridAreas.length === 0 && village.boundary) areas.push({ code: village.code, name: village.name, boundary: village.boundary, kind: 'focus' });
  for (const g of gridAreas) {
    areas.push({ code: g.code, name: g.name.replace(village.name, ''), boundary: g.boundary, kind: !focusGrid || g.code === focusGrid ? 'focus' : 'context' });
  }
  return areas;
}
