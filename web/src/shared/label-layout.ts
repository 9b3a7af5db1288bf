/**
 * Where a map's region names go so that every name shows and none covers another or a device marker.
 * Works in the map's own pixels (any planar coordinates), for the big screen's ECharts map and the
 * console's and phone's SVG map alike. Pure functions with no imports (unit-tested:
 * test/label-layout.test.ts).
 */
export type Point = [number, number];
export type Ring = Point[];
/** An outer ring, then its holes. */
export type Polygon = Ring[];

/** A box by its top-left corner. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

function ringArea(ring: Ring): number {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) a += (ring[j]![0] - ring[i]![0]) * (ring[j]![1] + ring[i]![1]);
  return Math.abs(a) / 2;
}

/** Whether a point is inside a polygon (even–odd, so holes are outside). */
export function insidePolygon(polygon: Polygon, [x, y]: Point): boolean {
  let inside = false;
  for (const ring of polygon) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) {
      const [xi, yi] = ring[i]!;
      const [xj, yj] = ring[j]!;
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

function segmentDistance2([px, py]: Point, [ax, ay]: Point, [bx, by]: Point): number {
  let x = ax;
  let y = ay;
  let dx = bx - x;
  let dy = by - y;
  if (dx !== 0 || dy !== 0) {
    const t = ((px - x) * dx + (py - y) * dy) / (dx * dx + dy * dy);
    if (t > 1) {
      x = bx;
      y = by;
    } else if (t > 0) {
      x += dx * t;
      y += dy * t;
    }
  }
  dx = px - x;
  dy = py - y;
  return dx * dx + dy * dy;
}

/** Signed distance from a point to the polygon's edge: positive inside. */
function edgeDistance(polygon: Polygon, p: Point): number {
  let best = Infinity;
  for (const ring of polygon) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) best = Math.min(best, segmentDistance2(p, ring[i]!, ring[j]!));
  }
  return (insidePolygon(polygon, p) ? 1 : -1) * Math.sqrt(best);
}

/**
 * The pole of inaccessibility: the point inside the polygon farthest from its edge (within
 * `precision`, by default a 200th of its size), found by subdividing cells that could still hold a
 * better point (Mapbox's polylabel). Unlike the centroid it is always inside, even for a crescent or
 * an L-shaped village.
 */
export function poleOfInaccessibility(polygon: Polygon, precision?: number): Point {
  const outer = polygon[0] ?? [];
  if (outer.length === 0) return [0, 0];
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const [x, y] of outer) {
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x);
    maxY = Math.max(maxY, y);
  }
  const cellSize = Math.min(maxX - minX, maxY - minY);
  if (cellSize <= 0) return [(minX + maxX) / 2, (minY + maxY) / 2];
  const enough = precision ?? Math.max(maxX - minX, maxY - minY) / 200;
  interface Cell {
    x: number;
    y: number;
    h: number;
    d: number;
    max: number;
  }
  const cell = (x: number, y: number, h: number): Cell => {
    const d = edgeDistance(polygon, [x, y]);
    return { x, y, h, d, max: d + h * Math.SQRT2 };
  };
  const queue: Cell[] = [];
  for (let x = minX; x < maxX; x += cellSize) for (let y = minY; y < maxY; y += cellSize) queue.push(cell(x + cellSize / 2, y + cellSize / 2, cellSize / 2));
  // The bounding box's centre is a fair first guess; a cell must beat the best by `precision` to be split.
  let best = cell((minX + maxX) / 2, (minY + maxY) / 2, 0);
  while (queue.length > 0) {
    queue.sort((a, b) => a.max - b.max);
    const c = queue.pop()!;
    if (c.d > best.d) best = c;
    if (c.max - best.d <= enough) continue;
    const h = c.h / 2;
    queue.push(cell(c.x - h, c.y - h, h), cell(c.x + h, c.y - h, h), cell(c.x - h, c.y + h, h), cell(c.x + h, c.y + h, h));
  }
  return [best.x, best.y];
}

/** A region's label point: the pole of inaccessibility of its largest part. */
export function labelPoint(polygons: Polygon[], precision?: number): Point | null {
  let largest: Polygon | null = null;
  let area = -1;
  for (const polygon of polygons) {
    const a = polygon[0] ? ringArea(polygon[0]) : 0;
    if (a > area) {
      area = a;
      largest = polygon;
    }
  }
  return largest && largest[0]?.length ? poleOfInaccessibility(largest, precision) : null;
}

export interface LabelRequest {
  id: string;
  /** Where the label would sit, centred, if nothing were in the way. */
  anchor: Point;
  width: number;
  height: number;
  /** The region it names: a label is kept with its centre on it when it has to move. */
  area?: Polygon[];
}

export interface PlacedLabel {
  id: string;
  /** The label's box, by its top-left corner, at `scale` of the requested size. */
  box: Rect;
  /** From the anchor to the box's centre. */
  dx: number;
  dy: number;
  /** 1, or less where the label only fitted smaller. */
  scale: number;
  /** True only where no free place was found: the label is then shown where it overlaps least. */
  overlaps: boolean;
}

export interface LayoutOptions {
  /** Boxes no label may cover (device markers, a legend), in the same pixels. */
  obstacles?: Rect[];
  /** The drawing area; labels stay inside it. */
  bounds?: Rect;
  /** Free space kept around each label. */
  gap?: number;
  /** The sizes tried, largest first, once no place is free at full size. */
  scales?: number[];
}

const overlapArea = (a: Rect, b: Rect) =>
  Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)) * Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));

/** Whether two boxes share any area (touching edges do not). */
export function boxesOverlap(a: Rect, b: Rect): boolean {
  return overlapArea(a, b) > 0;
}

/**
 * Moves that keep a label near its anchor, nearest first: up and down before sideways (a name read
 * above or below its place is still clearly its), then diagonally, out to three lines away.
 */
function moves(width: number, height: number): Point[] {
  const out: { at: Point; cost: number }[] = [];
  const stepY = height * 0.5;
  const stepX = width * 0.25;
  for (let j = -6; j <= 6; j += 1) {
    for (let i = -4; i <= 4; i += 1) {
      out.push({ at: [i * stepX, j * stepY], cost: Math.hypot(i * stepX * 1.6, j * stepY) });
    }
  }
  return out.sort((a, b) => a.cost - b.cost).map((m) => m.at);
}

/**
 * Places every label: at its anchor where that is free, else at the nearest free place (keeping its
 * centre on its own region where it has one), else smaller, else where it overlaps least. Labels of
 * small regions go first, as they have the fewest places to go. Every request gets a place.
 */
export function placeLabels(requests: LabelRequest[], options: LayoutOptions = {}): PlacedLabel[] {
  const { obstacles = [], bounds, gap = 2, scales = [1, 0.9, 0.8] } = options;
  const areaOf = (r: LabelRequest) => (r.area ?? []).reduce((sum, p) => sum + (p[0] ? ringArea(p[0]) : 0), 0);
  const order = [...requests].sort((a, b) => areaOf(a) - areaOf(b) || a.id.localeCompare(b.id));
  const taken: Rect[] = [];
  const placed = new Map<string, PlacedLabel>();
  const grown = (r: Rect): Rect => ({ x: r.x - gap, y: r.y - gap, width: r.width + 2 * gap, height: r.height + 2 * gap });
  const within = (r: Rect) => !bounds || (r.x >= bounds.x && r.y >= bounds.y && r.x + r.width <= bounds.x + bounds.width && r.y + r.height <= bounds.y + bounds.height);
  const onOwnArea = (req: LabelRequest, p: Point) => !req.area?.length || req.area.some((polygon) => insidePolygon(polygon, p));

  for (const req of order) {
    let choice: PlacedLabel | null = null;
    let fallback: { label: PlacedLabel; cost: number } | null = null;
    for (const scale of scales) {
      const w = req.width * scale;
      const h = req.height * scale;
      for (const mustStayOnArea of [true, false]) {
        for (const [dx, dy] of moves(w, h)) {
          const centre: Point = [req.anchor[0] + dx, req.anchor[1] + dy];
          if (mustStayOnArea && !onOwnArea(req, centre)) continue;
          const box = { x: centre[0] - w / 2, y: centre[1] - h / 2, width: w, height: h };
          if (!within(box)) continue;
          const g = grown(box);
          const cost = taken.reduce((s, r) => s + overlapArea(g, r), 0) + obstacles.reduce((s, r) => s + overlapArea(g, r), 0);
          const label = { id: req.id, box, dx, dy, scale, overlaps: cost > 0 };
          if (cost === 0) {
            choice = label;
            break;
          }
          if (!fallback || cost < fallback.cost) fallback = { label, cost };
        }
        if (choice) break;
      }
      if (choice) break;
    }
    const result = choice ??
      fallback?.label ?? { id: req.id, box: { x: req.anchor[0] - req.width / 2, y: req.anchor[1] - req.height / 2, width: req.width, height: req.height }, dx: 0, dy: 0, scale: 1, overlaps: true };
    taken.push(result.box);
    placed.set(req.id, result);
  }
  return requests.map((r) => placed.get(r.id)!);
}
