/**
 * The satellite picture beneath the big screen's map, without a map library: the map (ECharts
 * `geo`) is drawn in Web Mercator through `mercatorProjection`, so a place's pixel is a straight
 * scaling of its Mercator coordinates. Two pixels read back from the chart give that scaling
 * (`Affine`); `tilesFor` then picks the slippy-map tiles (z/x/y, 256 px) covering the chart at the
 * zoom nearest its scale and says where each goes. Pure functions (unit-tested).
 */
import { labelPoint, type Polygon } from '../shared/label-layout.ts';

export type LonLat = [number, number];

/** Pixels per tile edge; Mercator "world" coordinates below are zoom-0 pixels (0–256). */
export const TILE = 256;
const MAX_LAT = 85.051_128_78;

/** Web Mercator (EPSG:3857) as zoom-0 pixels: x east, y south, both 0–256. */
export function mercator([lon, lat]: readonly number[]): [number, number] {
  const phi = (Math.max(-MAX_LAT, Math.min(MAX_LAT, lat ?? 0)) * Math.PI) / 180;
  const x = ((lon ?? 0) + 180) / 360;
  const y = 0.5 - Math.log((1 + Math.sin(phi)) / (1 - Math.sin(phi))) / (4 * Math.PI);
  return [x * TILE, y * TILE];
}

export function unmercator([x, y]: readonly number[]): [number, number] {
  const lon = ((x ?? 0) / TILE) * 360 - 180;
  const lat = (Math.atan(Math.sinh(Math.PI * (1 - (2 * (y ?? 0)) / TILE))) * 180) / Math.PI;
  return [lon, lat];
}

/** The projection ECharts' `geo.projection` takes, so the map and the tiles agree. */
export const mercatorProjection = { project: (p: number[]) => mercator(p), unproject: (p: number[]) => unmercator(p) };

/** Screen pixel = offset + scale × Mercator coordinate, per axis. */
export interface Affine {
  ox: number;
  oy: number;
  sx: number;
  sy: number;
}

/** The scaling from two places and their pixels (e.g. the region's north-west and south-east corners). */
export function affineFrom(a: LonLat, aPx: readonly number[], b: LonLat, bPx: readonly number[]): Affine | null {
  const [ax, ay] = mercator(a);
  const [bx, by] = mercator(b);
  if (Math.abs(bx - ax) < 1e-12 || Math.abs(by - ay) < 1e-12) return null;
  const sx = ((bPx[0] ?? 0) - (aPx[0] ?? 0)) / (bx - ax);
  const sy = ((bPx[1] ?? 0) - (aPx[1] ?? 0)) / (by - ay);
  if (!Number.isFinite(sx) || !Number.isFinite(sy) || sx <= 0 || sy <= 0) return null;
  return { ox: (aPx[0] ?? 0) - ax * sx, oy: (aPx[1] ?? 0) - ay * sy, sx, sy };
}

export interface PlacedTile {
  key: string;
  url: string;
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * A tile template's URL: {z} {x} {y}, {-y} (TMS rows), {s} (a, b or c, as Leaflet) and ranges
 * such as {0-7} or {a-c} (as OpenLayers; Tianditu's t{0-7}) picked by the tile so a tile always
 * comes from the same host.
 */
export function tileUrl(template: string, z: number, x: number, y: number): string {
  const pick = (chars: string[]) => chars[(x + y) % chars.length] ?? '';
  return template
    .replace(/\{z\}/g, String(z))
    .replace(/\{x\}/g, String(x))
    .replace(/\{y\}/g, String(y))
    .replace(/\{-y\}/g, String(2 ** z - 1 - y))
    .replace(/\{s\}/g, pick(['a', 'b', 'c']))
    .replace(/\{([a-z0-9])-([a-z0-9])\}/g, (_whole, from: string, to: string) => {
      const chars: string[] = [];
      for (let c = from.charCodeAt(0); c <= to.charCodeAt(0); c += 1) chars.push(String.fromCharCode(c));
      return pick(chars);
    });
}

/**
 * The tiles that cover a `width`×`height` view drawn with `affine`, at the zoom whose tiles show
 * nearest their own size (within minZoom–maxZoom), placed in whole pixels with no seams.
 */
export function tilesFor(template: string, affine: Affine, width: number, height: number, { minZoom = 1, maxZoom = 18, maxTiles = 64 } = {}): { zoom: number; tiles: PlacedTile[] } {
  const zoom = Math.max(minZoom, Math.min(maxZoom, Math.round(Math.log2(affine.sx))));
  const n = 2 ** zoom;
  const world = TILE / n; // one tile, in zoom-0 pixels
  const toTile = (px: number, o: number, s: number) => (px - o) / s / world;
  const clamp = (v: number) => Math.max(0, Math.min(n - 1, v));
  const x0 = clamp(Math.floor(toTile(0, affine.ox, affine.sx)));
  const x1 = clamp(Math.floor(toTile(width, affine.ox, affine.sx)));
  const y0 = clamp(Math.floor(toTile(0, affine.oy, affine.sy)));
  const y1 = clamp(Math.floor(toTile(height, affine.oy, affine.sy)));
  const tiles: PlacedTile[] = [];
  if ((x1 - x0 + 1) * (y1 - y0 + 1) > maxTiles) return { zoom, tiles };
  const edgeX = (tx: number) => Math.round(affine.ox + tx * world * affine.sx);
  const edgeY = (ty: number) => Math.round(affine.oy + ty * world * affine.sy);
  for (let ty = y0; ty <= y1; ty += 1) {
    for (let tx = x0; tx <= x1; tx += 1) {
      const left = edgeX(tx);
      const top = edgeY(ty);
      tiles.push({ key: `${zoom}/${tx}/${ty}`, url: tileUrl(template, zoom, tx, ty), left, top, width: edgeX(tx + 1) - left, height: edgeY(ty + 1) - top });
    }
  }
  return { zoom, tiles };
}

/** Every [lon, lat] of a GeoJSON geometry (Polygon, MultiPolygon, LineString…), however nested. */
export function positions(geometry: unknown): LonLat[] {
  const out: LonLat[] = [];
  const walk = (node: unknown) => {
    if (!Array.isArray(node)) return;
    if (node.length >= 2 && typeof node[0] === 'number' && typeof node[1] === 'number') out.push([node[0], node[1]]);
    else for (const child of node) walk(child);
  };
  if (geometry && typeof geometry === 'object' && 'coordinates' in geometry) walk((geometry as { coordinates: unknown }).coordinates);
  return out;
}

/** [west, south, east, north] of some geometries; null when they have no positions. */
export function bounds(geometries: unknown[]): [number, number, number, number] | null {
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  for (const g of geometries) {
    for (const [lon, lat] of positions(g)) {
      w = Math.min(w, lon);
      e = Math.max(e, lon);
      s = Math.min(s, lat);
      n = Math.max(n, lat);
    }
  }
  return Number.isFinite(w) ? [w, s, e, n] : null;
}

/** The outer rings of a Polygon or MultiPolygon. */
export function outerRings(geometry: unknown): LonLat[][] {
  if (!geometry || typeof geometry !== 'object') return [];
  const g = geometry as { type?: string; coordinates?: unknown };
  if (g.type === 'Polygon' && Array.isArray(g.coordinates)) return [g.coordinates[0] as LonLat[]].filter(Boolean);
  if (g.type === 'MultiPolygon' && Array.isArray(g.coordinates)) return (g.coordinates as LonLat[][][]).map((p) => p[0]!).filter(Boolean);
  return [];
}

/** Every ring of a Polygon or MultiPolygon, polygon by polygon (outer ring first, then holes). */
export function polygonRings(geometry: unknown): LonLat[][][] {
  if (!geometry || typeof geometry !== 'object') return [];
  const g = geometry as { type?: string; coordinates?: unknown };
  if (g.type === 'Polygon' && Array.isArray(g.coordinates)) return [g.coordinates as LonLat[][]];
  if (g.type === 'MultiPolygon' && Array.isArray(g.coordinates)) return g.coordinates as LonLat[][][];
  return [];
}

/**
 * Where a region's name goes on the map: the pole of inaccessibility of its largest part, found in
 * Web Mercator as the map is drawn, so it lies inside the region however the region is shaped.
 */
export function labelPointOf(geometry: unknown): LonLat | null {
  const at = labelPoint(polygonRings(geometry).map((polygon): Polygon => polygon.map((ring) => ring.map((p) => mercator(p)))));
  return at ? unmercator(at) : null;
}

/** The area-weighted centroid of a geometry's largest outer ring. */
export function centroid(geometry: unknown): LonLat | null {
  let best: { area: number; point: LonLat } | null = null;
  for (const ring of outerRings(geometry)) {
    let a = 0;
    let cx = 0;
    let cy = 0;
    for (let i = 0; i < ring.length - 1; i += 1) {
      const [x0, y0] = ring[i]!;
      const [x1, y1] = ring[i + 1]!;
      const cross = x0 * y1 - x1 * y0;
      a += cross;
      cx += (x0 + x1) * cross;
      cy += (y0 + y1) * cross;
    }
    if (Math.abs(a) < 1e-18) continue;
    const point: LonLat = [cx / (3 * a), cy / (3 * a)];
    if (!best || Math.abs(a) > best.area) best = { area: Math.abs(a), point };
  }
  return best?.point ?? null;
}

/** Whether a place lies inside a Polygon or MultiPolygon (even–odd rule, so holes are outside). */
export function contains(geometry: unknown, [lon, lat]: readonly number[]): boolean {
  if (!geometry || typeof geometry !== 'object' || lon === undefined || lat === undefined) return false;
  const g = geometry as { type?: string; coordinates?: unknown };
  const polygons = g.type === 'Polygon' ? [g.coordinates as LonLat[][]] : g.type === 'MultiPolygon' ? (g.coordinates as LonLat[][][]) : [];
  let inside = false;
  for (const polygon of polygons) {
    for (const ring of polygon ?? []) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) {
        const [xi, yi] = ring[i]!;
        const [xj, yj] = ring[j]!;
        if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
      }
    }
  }
  return inside;
}
