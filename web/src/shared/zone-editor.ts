/**
 * The maths of the warning-zone editor (平安乡村): polygons are kept normalised — [x, y] from 0 to 1
 * from the picture's top left, as the API stores them — and drawn in the pixels of the picture as
 * rendered. Every function is pure and returns new arrays, so the page can keep them in refs and
 * tests can call them without a DOM.
 */

/** [x, y], each 0–1 across the picture. */
export type NormPoint = [number, number];
/** A position in rendered pixels (from the picture's top left). */
export interface Px {
  x: number;
  y: number;
}
export interface Size {
  width: number;
  height: number;
}

/** A zone as the editor draws it. */
export interface CanvasZone {
  id: string;
  name: string;
  polygon: NormPoint[];
  enabled: boolean;
  /** An alarm just came from it. */
  flash?: boolean;
}

/** The API's limits on a polygon. */
export const MIN_POINTS = 3;
export const MAX_POINTS = 64;
/** How close (rendered pixels) a pointer must be to a point or an edge to grab it. */
export const HIT_RADIUS = 10;

export const clamp01 = (v: number) => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0);

/** Four decimals: a tenth of a pixel on a 4K picture, and a tidy request body. */
const round = (v: number) => Math.round(v * 10_000) / 10_000;

/** A rendered pixel position → a normalised point (clamped to the picture). */
export function normalise(p: Px, size: Size): NormPoint {
  if (size.width <= 0 || size.height <= 0) return [0, 0];
  return [round(clamp01(p.x / size.width)), round(clamp01(p.y / size.height))];
}

/** A normalised point → rendered pixels. */
export function denormalise(p: readonly [number, number], size: Size): Px {
  return { x: p[0] * size.width, y: p[1] * size.height };
}

/** A polygon as the `points` attribute of an SVG `<polygon>`/`<polyline>` in rendered pixels. */
export function svgPoints(polygon: readonly (readonly [number, number])[], size: Size): string {
  return polygon.map((p) => `${(p[0] * size.width).toFixed(1)},${(p[1] * size.height).toFixed(1)}`).join(' ');
}

const dist = (a: Px, b: Px) => Math.hypot(a.x - b.x, a.y - b.y);

/**
 * The index of the polygon's point nearest to `at` within `radius` rendered pixels, or -1. Ties go
 * to the later point (the one drawn on top).
 */
export function hitPoint(polygon: readonly (readonly [number, number])[], at: Px, size: Size, radius = HIT_RADIUS): number {
  let best = -1;
  let bestDistance = Infinity;
  polygon.forEach((p, i) => {
    const d = dist(denormalise(p, size), at);
    if (d <= radius && d <= bestDistance) {
      best = i;
      bestDistance = d;
    }
  });
  return best;
}

/** Distance from `p` to the segment a–b, and where along it (0–1) the nearest point lies. */
export function segmentDistance(p: Px, a: Px, b: Px): { distance: number; t: number } {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.min(1, Math.max(0, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2));
  return { distance: dist(p, { x: a.x + t * dx, y: a.y + t * dy }), t };
}

/**
 * The edge of a closed polygon nearest to `at` within `radius` pixels: `index` is the edge from
 * point `index` to point `index + 1` (the last edge closes back to point 0); -1 when none is near.
 */
export function hitEdge(polygon: readonly (readonly [number, number])[], at: Px, size: Size, radius = HIT_RADIUS): number {
  if (polygon.length < 2) return -1;
  let best = -1;
  let bestDistance = Infinity;
  const edges = polygon.length >= MIN_POINTS ? polygon.length : polygon.length - 1;
  for (let i = 0; i < edges; i++) {
    const a = denormalise(polygon[i]!, size);
    const b = denormalise(polygon[(i + 1) % polygon.length]!, size);
    const { distance } = segmentDistance(at, a, b);
    if (distance <= radius && distance < bestDistance) {
      best = i;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Adds a point at the end, unless the polygon is full or the point falls on the last one (the
 * second click of a double-click, which finishes the polygon instead).
 */
export function addPoint(polygon: readonly NormPoint[], point: NormPoint, size?: Size, radius = HIT_RADIUS): NormPoint[] {
  if (polygon.length >= MAX_POINTS) return [...polygon];
  const last = polygon[polygon.length - 1];
  if (last && size && dist(denormalise(last, size), denormalise(point, size)) <= radius / 2) return [...polygon];
  if (last && !size && last[0] === point[0] && last[1] === point[1]) return [...polygon];
  return [...polygon, [round(clamp01(point[0])), round(clamp01(point[1]))]];
}

/** Inserts a point after `index` (on the edge from `index` to `index + 1`). */
export function insertPoint(polygon: readonly NormPoint[], index: number, point: NormPoint): NormPoint[] {
  if (polygon.length >= MAX_POINTS) return [...polygon];
  const next = [...polygon];
  next.splice(index + 1, 0, [round(clamp01(point[0])), round(clamp01(point[1]))]);
  return next;
}

/** Moves point `index` to `point` (clamped to the picture). */
export function movePoint(polygon: readonly NormPoint[], index: number, point: NormPoint): NormPoint[] {
  if (index < 0 || index >= polygon.length) return [...polygon];
  return polygon.map((p, i) => (i === index ? [round(clamp01(point[0])), round(clamp01(point[1]))] : p));
}

/** Moves the whole polygon by (dx, dy), normalised, keeping it inside the picture. */
export function translatePolygon(polygon: readonly NormPoint[], dx: number, dy: number): NormPoint[] {
  if (polygon.length === 0) return [];
  const xs = polygon.map((p) => p[0]);
  const ys = polygon.map((p) => p[1]);
  const ddx = Math.min(1 - Math.max(...xs), Math.max(-Math.min(...xs), dx));
  const ddy = Math.min(1 - Math.max(...ys), Math.max(-Math.min(...ys), dy));
  return polygon.map((p) => [round(clamp01(p[0] + ddx)), round(clamp01(p[1] + ddy))]);
}

/** Removes point `index` (default: the last one). */
export function removePoint(polygon: readonly NormPoint[], index = polygon.length - 1): NormPoint[] {
  if (index < 0 || index >= polygon.length) return [...polygon];
  return polygon.filter((_, i) => i !== index);
}

/** Whether a normalised point lies inside the polygon (even-odd rule). */
export function pointInPolygon(point: readonly [number, number], polygon: readonly (readonly [number, number])[]): boolean {
  let inside = false;
  const [x, y] = point;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Signed area (shoelace), normalised units: the share of the picture the zone covers, when taken absolute. */
export function polygonArea(polygon: readonly (readonly [number, number])[]): number {
  let sum = 0;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) sum += (polygon[j]![0] + polygon[i]![0]) * (polygon[j]![1] - polygon[i]![1]);
  return Math.abs(sum / 2);
}

/** Where to put the zone's name: the centroid of its area (the mean of the points for a degenerate one). */
export function labelPoint(polygon: readonly (readonly [number, number])[]): NormPoint {
  if (polygon.length === 0) return [0.5, 0.5];
  let a = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [x0, y0] = polygon[j]!;
    const [x1, y1] = polygon[i]!;
    const f = x0 * y1 - x1 * y0;
    a += f;
    cx += (x0 + x1) * f;
    cy += (y0 + y1) * f;
  }
  if (Math.abs(a) < 1e-9) {
    return [polygon.reduce((s, p) => s + p[0], 0) / polygon.length, polygon.reduce((s, p) => s + p[1], 0) / polygon.length];
  }
  return [cx / (3 * a), cy / (3 * a)];
}

function segmentsCross(a: readonly [number, number], b: readonly [number, number], c: readonly [number, number], d: readonly [number, number]): boolean {
  const cross = (o: readonly [number, number], p: readonly [number, number], q: readonly [number, number]) => (p[0] - o[0]) * (q[1] - o[1]) - (p[1] - o[1]) * (q[0] - o[0]);
  const d1 = cross(c, d, a);
  const d2 = cross(c, d, b);
  const d3 = cross(a, b, c);
  const d4 = cross(a, b, d);
  return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
}

/** Whether two edges of the closed polygon cross (a bow-tie), which makes "inside" ambiguous. */
export function selfIntersects(polygon: readonly (readonly [number, number])[]): boolean {
  const n = polygon.length;
  if (n < 4) return false;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (j === i + 1 || (i === 0 && j === n - 1)) continue; // neighbours share a point
      if (segmentsCross(polygon[i]!, polygon[(i + 1) % n]!, polygon[j]!, polygon[(j + 1) % n]!)) return true;
    }
  }
  return false;
}

export type PolygonProblem = 'tooFew' | 'tooMany' | 'crossing' | 'tooSmall';

/** What is wrong with a polygon before it is saved, or null. */
export function polygonProblem(polygon: readonly (readonly [number, number])[]): PolygonProblem | null {
  if (polygon.length < MIN_POINTS) return 'tooFew';
  if (polygon.length > MAX_POINTS) return 'tooMany';
  if (selfIntersects(polygon)) return 'crossing';
  if (polygonArea(polygon) < 0.0005) return 'tooSmall';
  return null;
}

/** Whether a point near the first one closes the polygon (click on the first point to finish). */
export function closesPolygon(polygon: readonly NormPoint[], at: Px, size: Size, radius = HIT_RADIUS): boolean {
  return polygon.length >= MIN_POINTS && dist(denormalise(polygon[0]!, size), at) <= radius;
}

/** The size of the picture as rendered, keeping `aspect` (width / height) inside a box `maxWidth` wide. */
export function fitSize(maxWidth: number, aspect: number): Size {
  const a = Number.isFinite(aspect) && aspect > 0 ? aspect : 16 / 9;
  return { width: maxWidth, height: maxWidth / a };
}
