/**
 * Plain geometry on GeoJSON polygons in WGS84 longitude/latitude: validation, bounding box,
 * area and point-in-polygon. Regions are small (a grid to a county), so planar tests on
 * lon/lat are exact enough for containment, and area uses the spherical formula.
 */

export type Position = [number, number, ...number[]];
export type Ring = Position[];
export type PolygonGeometry = { type: 'Polygon'; coordinates: Ring[] };
export type MultiPolygonGeometry = { type: 'MultiPolygon'; coordinates: Ring[][] };
export type AreaGeometry = PolygonGeometry | MultiPolygonGeometry;

export interface BBox {
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
}

const EARTH_RADIUS_M = 6_378_137;

function polygonsOf(geometry: AreaGeometry): Ring[][] {
  return geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
}

/** Problems with a geometry, in Chinese and English; empty when it is valid. */
export function geometryProblems(geometry: AreaGeometry): { zh: string; en: string }[] {
  const problems: { zh: string; en: string }[] = [];
  polygonsOf(geometry).forEach((polygon, p) => {
    if (polygon.length === 0) problems.push({ zh: `第 ${p + 1} 个多边形没有环`, en: `polygon ${p + 1} has no rings` });
    polygon.forEach((ring, r) => {
      const zh = `多边形 ${p + 1} 环 ${r + 1}：`;
      const en = `polygon ${p + 1} ring ${r + 1}: `;
      if (ring.length < 4) problems.push({ zh: `${zh}至少需要 4 个坐标`, en: `${en}needs at least 4 positions` });
      const first = ring[0];
      const last = ring[ring.length - 1];
      if (first && last && (first[0] !== last[0] || first[1] !== last[1])) {
        problems.push({ zh: `${zh}首尾坐标须相同`, en: `${en}first and last positions must be equal` });
      }
      if (ring.some(([lon, lat]) => !(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90))) {
        problems.push({ zh: `${zh}经纬度超出范围`, en: `${en}longitude or latitude out of range` });
      }
    });
  });
  return problems;
}

export function bboxOf(geometry: AreaGeometry): BBox {
  const box = { minLon: Infinity, minLat: Infinity, maxLon: -Infinity, maxLat: -Infinity };
  for (const polygon of polygonsOf(geometry)) {
    for (const [lon, lat] of polygon[0] ?? []) {
      box.minLon = Math.min(box.minLon, lon);
      box.maxLon = Math.max(box.maxLon, lon);
      box.minLat = Math.min(box.minLat, lat);
      box.maxLat = Math.max(box.maxLat, lat);
    }
  }
  return box;
}

/** Spherical ring area in m² (the formula GeoJSON tools such as turf use). */
function ringArea(ring: Ring): number {
  let total = 0;
  const rad = Math.PI / 180;
  for (let i = 0; i < ring.length - 1; i++) {
    const [lon1, lat1] = ring[i]!;
    const [lon2, lat2] = ring[i + 1]!;
    total += (lon2 - lon1) * rad * (2 + Math.sin(lat1 * rad) + Math.sin(lat2 * rad));
  }
  return Math.abs((total * EARTH_RADIUS_M * EARTH_RADIUS_M) / 2);
}

export function areaKm2(geometry: AreaGeometry): number {
  let m2 = 0;
  for (const [outer, ...holes] of polygonsOf(geometry)) {
    if (!outer) continue;
    m2 += ringArea(outer) - holes.reduce((sum, hole) => sum + ringArea(hole), 0);
  }
  return m2 / 1_000_000;
}

/** Area-weighted centroid of the outer rings (good enough to place a label or a pin). */
export function centreOf(geometry: AreaGeometry): Position {
  let weight = 0;
  let x = 0;
  let y = 0;
  for (const [outer] of polygonsOf(geometry)) {
    if (!outer) continue;
    for (let i = 0; i < outer.length - 1; i++) {
      const [x0, y0] = outer[i]!;
      const [x1, y1] = outer[i + 1]!;
      const cross = x0 * y1 - x1 * y0;
      weight += cross;
      x += (x0 + x1) * cross;
      y += (y0 + y1) * cross;
    }
  }
  if (weight === 0) {
    const box = bboxOf(geometry);
    return [(box.minLon + box.maxLon) / 2, (box.minLat + box.maxLat) / 2];
  }
  return [x / (3 * weight), y / (3 * weight)];
}

function inRing([px, py]: Position, ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Even-odd containment: inside an outer ring and outside its holes. */
export function containsPoint(geometry: AreaGeometry, point: Position): boolean {
  return polygonsOf(geometry).some(([outer, ...holes]) => outer !== undefined && inRing(point, outer) && !holes.some((h) => inRing(point, h)));
}
