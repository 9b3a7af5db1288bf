import { describe, expect, it } from 'vitest';
import type { Point } from '../../../platform/detection/types.js';
import { anchorPoint, boxArea, boxShareInPolygon, clipPolygonToBox, iou, pointInPolygon, polygonArea } from './geometry.js';

const square: Point[] = [
  [0.25, 0.25],
  [0.75, 0.25],
  [0.75, 0.75],
  [0.25, 0.75],
];
// A U: the unit square with a notch x 0.4–0.6 cut down from the top to y 0.6.
const u: Point[] = [
  [0, 0],
  [0.4, 0],
  [0.4, 0.6],
  [0.6, 0.6],
  [0.6, 0],
  [1, 0],
  [1, 1],
  [0, 1],
];

describe('pointInPolygon', () => {
  it('tells inside from outside', () => {
    expect(pointInPolygon([0.5, 0.5], square)).toBe(true);
    expect(pointInPolygon([0.8, 0.5], square)).toBe(false);
    expect(pointInPolygon([0.5, 0.2], square)).toBe(false);
  });

  it('handles a concave polygon', () => {
    expect(pointInPolygon([0.5, 0.3], u)).toBe(false);
    expect(pointInPolygon([0.2, 0.3], u)).toBe(true);
    expect(pointInPolygon([0.5, 0.8], u)).toBe(true);
  });

  it('counts the boundary as inside, so a zone drawn to the image edge holds a box touching it', () => {
    const lowerHalf: Point[] = [
      [0, 0.5],
      [1, 0.5],
      [1, 1],
      [0, 1],
    ];
    expect(pointInPolygon([0.5, 1], lowerHalf)).toBe(true);
    expect(pointInPolygon([1, 0.7], lowerHalf)).toBe(true);
    expect(pointInPolygon([0.5, 1.01], lowerHalf)).toBe(false);
  });

  it('is false for fewer than three points', () => {
    expect(pointInPolygon([0.5, 0.5], [[0, 0], [1, 1]])).toBe(false);
  });
});

describe('polygonArea', () => {
  it('is the unsigned area of convex and concave polygons in either winding', () => {
    expect(polygonArea(square)).toBeCloseTo(0.25, 12);
    expect(polygonArea([...square].reverse())).toBeCloseTo(0.25, 12);
    expect(polygonArea(u)).toBeCloseTo(1 - 0.2 * 0.6, 12);
  });
});

describe('boxShareInPolygon', () => {
  it('is 1 inside, 0 outside and the overlap in between', () => {
    expect(boxShareInPolygon({ x: 0.3, y: 0.3, width: 0.2, height: 0.2 }, square)).toBeCloseTo(1, 12);
    expect(boxShareInPolygon({ x: 0.8, y: 0.8, width: 0.1, height: 0.1 }, square)).toBe(0);
    expect(boxShareInPolygon({ x: 0.65, y: 0.3, width: 0.2, height: 0.2 }, square)).toBeCloseTo(0.5, 12);
    expect(boxShareInPolygon({ x: 0, y: 0, width: 1, height: 1 }, square)).toBeCloseTo(0.25, 12);
  });

  it('is exact for a concave polygon', () => {
    // In the notch: every corner of the box is inside the U's convex hull, none of it inside the U.
    expect(boxShareInPolygon({ x: 0.42, y: 0.1, width: 0.16, height: 0.3 }, u)).toBe(0);
    // Straddles the notch's floor: 0.16 of box, 0.06 of it in the notch.
    expect(boxShareInPolygon({ x: 0.3, y: 0.3, width: 0.4, height: 0.4 }, u)).toBeCloseTo(0.1 / 0.16, 12);
    // Spans the notch across the top: the U leaves the box and comes back, both arms count.
    expect(boxShareInPolygon({ x: 0.3, y: 0, width: 0.4, height: 0.3 }, u)).toBeCloseTo(0.5, 12);
    expect(boxShareInPolygon({ x: 0.3, y: 0, width: 0.4, height: 0.3 }, [...u].reverse())).toBeCloseTo(0.5, 12);
  });

  it('clips to nothing when the polygon misses the box, and is 0 for an empty box', () => {
    expect(clipPolygonToBox(square, { x: 0.8, y: 0, width: 0.1, height: 1 })).toEqual([]);
    expect(boxShareInPolygon({ x: 0.5, y: 0.5, width: 0, height: 0.2 }, square)).toBe(0);
  });
});

describe('anchorPoint and boxArea', () => {
  it('gives the feet and the centre', () => {
    // Binary-exact values, so the points can be compared exactly.
    const box = { x: 0.25, y: 0.125, width: 0.5, height: 0.25 };
    expect(anchorPoint(box, 'bottom_center')).toEqual([0.5, 0.375]);
    expect(anchorPoint(box, 'center')).toEqual([0.5, 0.25]);
    expect(boxArea(box)).toBe(0.125);
    expect(boxArea({ x: 0, y: 0, width: -0.1, height: 0.5 })).toBe(0);
  });
});

describe('iou', () => {
  const a = { x: 0, y: 0, width: 0.2, height: 0.2 };
  it('is 1 for the same box, 0 for disjoint or touching boxes', () => {
    expect(iou(a, a)).toBeCloseTo(1, 12);
    expect(iou(a, { x: 0.2, y: 0, width: 0.2, height: 0.2 })).toBe(0);
    expect(iou(a, { x: 0.5, y: 0.5, width: 0.2, height: 0.2 })).toBe(0);
  });

  it('is intersection over union for a partial overlap', () => {
    // Half of each overlaps: 0.02 / (0.04 + 0.04 - 0.02).
    expect(iou(a, { x: 0.1, y: 0, width: 0.2, height: 0.2 })).toBeCloseTo(1 / 3, 12);
    expect(iou({ x: 0.1, y: 0, width: 0.2, height: 0.2 }, a)).toBeCloseTo(1 / 3, 12);
  });
});
