/**
 * Plane geometry in normalised image coordinates (0–1, origin top-left) for zone rules: the point
 * that stands for a box, point in polygon, how much of a box a polygon covers, and IoU.
 */
import type { Box, Point } from '../../../platform/detection/types.js';

// Tolerance for "on the boundary"; coordinates are 0–1, so this is far below a pixel.
const EPSILON = 1e-9;

export function boxArea(box: Box): number {
  return Math.max(0, box.width) * Math.max(0, box.height);
}

/** The feet (bottom centre) or the centre of a box. */
export function anchorPoint(box: Box, anchor: 'bottom_center' | 'center'): Point {
  const x = box.x + box.width / 2;
  return anchor === 'center' ? [x, box.y + box.height / 2] : [x, box.y + box.height];
}

function onSegment(p: Point, a: Point, b: Point): boolean {
  const cross = (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
  return (
    Math.abs(cross) <= EPSILON &&
    p[0] >= Math.min(a[0], b[0]) - EPSILON &&
    p[0] <= Math.max(a[0], b[0]) + EPSILON &&
    p[1] >= Math.min(a[1], b[1]) - EPSILON &&
    p[1] <= Math.max(a[1], b[1]) + EPSILON
  );
}

/**
 * Ray casting (even–odd). A point on the boundary counts as inside: zones are often drawn to the
 * image's edge, and a person cut off by that edge has their box's bottom exactly on it.
 */
export function pointInPolygon(point: Point, polygon: readonly Point[]): boolean {
  if (polygon.length < 3) return false;
  const [x, y] = point;
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const a = polygon[i]!;
    const b = polygon[j]!;
    if (onSegment(point, a, b)) return true;
    if ((a[1] > y) !== (b[1] > y) && x < ((b[0] - a[0]) * (y - a[1])) / (b[1] - a[1]) + a[0]) inside = !inside;
  }
  return inside;
}

/** Unsigned area (shoelace); exact for simple polygons, convex or not. */
export function polygonArea(polygon: readonly Point[]): number {
  let twice = 0;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    twice += polygon[j]![0] * polygon[i]![1] - polygon[i]![0] * polygon[j]![1];
  }
  return Math.abs(twice) / 2;
}

/**
 * Sutherland–Hodgman: the polygon clipped by the box's four half-planes. The clip region is convex,
 * so the result's area is exact for any simple polygon, concave ones included; where a concave
 * polygon leaves the box and comes back, the result runs along the box's side and back, which adds
 * no area.
 */
export function clipPolygonToBox(polygon: readonly Point[], box: Box): Point[] {
  // Signed distance to each side, ≥ 0 on the box's side.
  const sides: ((p: Point) => number)[] = [
    (p) => p[0] - box.x,
    (p) => box.x + box.width - p[0],
    (p) => p[1] - box.y,
    (p) => box.y + box.height - p[1],
  ];
  let result: Point[] = [...polygon];
  for (const distance of sides) {
    const input = result;
    result = [];
    for (let i = 0; i < input.length; i++) {
      const current = input[i]!;
      const previous = input[(i + input.length - 1) % input.length]!;
      const dc = distance(current);
      const dp = distance(previous);
      if ((dc >= 0) !== (dp >= 0)) {
        const t = dp / (dp - dc);
        result.push([previous[0] + t * (current[0] - previous[0]), previous[1] + t * (current[1] - previous[1])]);
      }
      if (dc >= 0) result.push(current);
    }
    if (result.length === 0) break;
  }
  return result;
}

/** The share (0–1) of the box's area that lies inside the polygon; 0 for an empty box. */
export function boxShareInPolygon(box: Box, polygon: readonly Point[]): number {
  const area = boxArea(box);
  if (area === 0 || polygon.length < 3) return 0;
  return Math.min(1, polygonArea(clipPolygonToBox(polygon, box)) / area);
}

/** Intersection over union of two boxes; 0 when they do not overlap. */
export function iou(a: Box, b: Box): number {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (width <= 0 || height <= 0) return 0;
  const intersection = width * height;
  return intersection / (boxArea(a) + boxArea(b) - intersection);
}
