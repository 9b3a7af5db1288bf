import { describe, expect, it } from 'vitest';
import { boxesOverlap, insidePolygon, labelPoint, type LabelRequest, placeLabels, type Point, poleOfInaccessibility, type Polygon, type Rect } from '../web/src/shared/label-layout.ts';
import { centroid, contains, labelPointOf, unmercator } from '../web/src/screen/tiles.ts';

/** The maps' name layout (web/src/shared/label-layout.ts): label points, and names that neither overlap nor vanish. */
const square = (x: number, y: number, size: number): Polygon => [
  [
    [x, y],
    [x + size, y],
    [x + size, y + size],
    [x, y + size],
    [x, y],
  ],
];

/** An L: a long bar along the bottom and a tall one up the left; its centroid lies outside it. */
const ell: Polygon = [
  [
    [0, 0],
    [20, 0],
    [20, 80],
    [100, 80],
    [100, 100],
    [0, 100],
    [0, 0],
  ],
];

const centreOf = (box: Rect): Point => [box.x + box.width / 2, box.y + box.height / 2];

describe('label points', () => {
  it('puts a square’s label at its middle', () => {
    const [x, y] = poleOfInaccessibility(square(0, 0, 100));
    expect(x).toBeCloseTo(50, 0);
    expect(y).toBeCloseTo(50, 0);
  });

  it('keeps an L-shaped region’s label inside it, where its centroid is not', () => {
    const at = poleOfInaccessibility(ell);
    expect(insidePolygon(ell, at)).toBe(true);
    // the centroid of this L is in its empty corner
    let a = 0;
    let cx = 0;
    let cy = 0;
    const ring = ell[0]!;
    for (let i = 0; i < ring.length - 1; i += 1) {
      const cross = ring[i]![0] * ring[i + 1]![1] - ring[i + 1]![0] * ring[i]![1];
      a += cross;
      cx += (ring[i]![0] + ring[i + 1]![0]) * cross;
      cy += (ring[i]![1] + ring[i + 1]![1]) * cross;
    }
    expect(insidePolygon(ell, [cx / (3 * a), cy / (3 * a)])).toBe(false);
  });

  it('stays out of a hole', () => {
    const ring: Polygon = [square(0, 0, 100)[0]!, square(30, 30, 40)[0]!.slice().reverse()];
    const at = poleOfInaccessibility(ring);
    expect(insidePolygon(ring, at)).toBe(true);
    expect(at[0] > 30 && at[0] < 70 && at[1] > 30 && at[1] < 70).toBe(false);
  });

  it('labels the largest part of a region in several parts, and nothing without parts', () => {
    const at = labelPoint([square(0, 0, 10), square(100, 100, 50)])!;
    expect(at[0]).toBeCloseTo(125, 0);
    expect(at[1]).toBeCloseTo(125, 0);
    expect(labelPoint([])).toBeNull();
  });

  it('finds a GeoJSON region’s label point in Web Mercator, inside the region', () => {
    // an L of villages' size near 黑堡乡, in lon/lat
    const lon = 115.1;
    const lat = 38.8;
    const geometry = { type: 'Polygon', coordinates: ell.map((ring) => ring.map(([x, y]) => [lon + x * 0.0002, lat - y * 0.0002])) };
    const at = labelPointOf(geometry)!;
    expect(contains(geometry, at)).toBe(true);
    expect(contains(geometry, centroid(geometry)!)).toBe(false);
    expect(labelPointOf({ type: 'Point', coordinates: [lon, lat] })).toBeNull();
    expect(unmercator([128, 128])[0]).toBeCloseTo(0, 6);
  });
});

describe('placing names', () => {
  const request = (id: string, anchor: Point, area?: Polygon[]): LabelRequest => ({ id, anchor, width: 36, height: 17, ...(area ? { area } : {}) });

  it('leaves a name at its anchor when nothing is in the way', () => {
    const [placed] = placeLabels([request('a', [50, 50])]);
    expect(placed).toMatchObject({ id: 'a', dx: 0, dy: 0, scale: 1, overlaps: false });
    expect(centreOf(placed!.box)).toEqual([50, 50]);
  });

  it('shows every one of many names crowded on one spot, none over another, each still on its own region', () => {
    // four narrow strips side by side (like a village's grids), every anchor at the same height
    const strips = [0, 1, 2, 3].map((i) => [
      [
        [i * 30, 0],
        [i * 30 + 30, 0],
        [i * 30 + 30, 300],
        [i * 30, 300],
        [i * 30, 0],
      ],
    ]) as Polygon[];
    const requests = strips.map((strip, i) => request(`grid-${i}`, [i * 30 + 15, 150], [strip]));
    const placed = placeLabels(requests, { bounds: { x: 0, y: 0, width: 120, height: 300 } });
    expect(placed.map((p) => p.id)).toEqual(['grid-0', 'grid-1', 'grid-2', 'grid-3']);
    for (const [i, a] of placed.entries()) {
      expect(a.overlaps).toBe(false);
      expect(insidePolygon(strips[i]!, centreOf(a.box)), a.id).toBe(true);
      for (const b of placed.slice(i + 1)) expect(boxesOverlap(a.box, b.box), `${a.id} / ${b.id}`).toBe(false);
    }
  });

  it('keeps names off markers and inside the drawing', () => {
    const obstacles: Rect[] = [{ x: 40, y: 40, width: 20, height: 20 }];
    const bounds = { x: 0, y: 0, width: 100, height: 100 };
    const [placed] = placeLabels([request('a', [50, 50])], { obstacles, bounds });
    expect(boxesOverlap(placed!.box, obstacles[0]!)).toBe(false);
    expect(placed!.overlaps).toBe(false);
    const b = placed!.box;
    expect(b.x >= 0 && b.y >= 0 && b.x + b.width <= 100 && b.y + b.height <= 100).toBe(true);
    // a name near the edge moves inwards rather than out of the drawing
    const [edge] = placeLabels([request('b', [5, 5])], { bounds });
    expect(edge!.box.x).toBeGreaterThanOrEqual(0);
    expect(edge!.box.y).toBeGreaterThanOrEqual(0);
  });

  it('shrinks a name that fits nowhere at full size, and still shows one that fits nowhere at all', () => {
    const bounds = { x: 0, y: 0, width: 34, height: 40 };
    const [smaller] = placeLabels([request('a', [17, 20])], { bounds, gap: 0 });
    expect(smaller!.scale).toBeLessThan(1);
    expect(smaller!.overlaps).toBe(false);
    // the whole drawing is covered: the name is kept, marked as overlapping
    const [crowded] = placeLabels([request('b', [17, 20])], { bounds, obstacles: [{ x: 0, y: 0, width: 34, height: 40 }] });
    expect(crowded).toMatchObject({ id: 'b', overlaps: true });
  });

  it('lays out the same names the same way each time', () => {
    const requests = [request('a', [50, 50]), request('b', [52, 51]), request('c', [49, 53])];
    expect(placeLabels(requests)).toEqual(placeLabels([...requests].reverse()).reverse());
  });
});
