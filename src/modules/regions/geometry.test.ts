import { describe, expect, it } from 'vitest';
import { areaKm2, bboxOf, centreOf, containsPoint, geometryProblems, type AreaGeometry } from './geometry.js';

const square: AreaGeometry = {
  type: 'Polygon',
  coordinates: [
    [[115, 38.7], [115.01, 38.7], [115.01, 38.71], [115, 38.71], [115, 38.7]],
  ],
};
const squareWithHole: AreaGeometry = {
  type: 'Polygon',
  coordinates: [
    square.coordinates[0]!,
    [[115.004, 38.704], [115.006, 38.704], [115.006, 38.706], [115.004, 38.706], [115.004, 38.704]],
  ],
};

describe('geometry', () => {
  it('computes the spherical area of a 0.01° square at 38.7°N (about 0.87 × 1.11 km)', () => {
    const expected = 0.01 * 111.32 * Math.cos((38.705 * Math.PI) / 180) * 0.01 * 111.32;
    expect(areaKm2(square)).toBeCloseTo(expected, 2);
  });

  it('subtracts holes from the area', () => {
    expect(areaKm2(squareWithHole)).toBeLessThan(areaKm2(square));
    expect(areaKm2(square) - areaKm2(squareWithHole)).toBeCloseTo(areaKm2(square) * 0.04, 3);
  });

  it('finds points inside, outside and in a hole', () => {
    expect(containsPoint(square, [115.005, 38.705])).toBe(true);
    expect(containsPoint(square, [115.02, 38.705])).toBe(false);
    expect(containsPoint(squareWithHole, [115.005, 38.705])).toBe(false);
    expect(containsPoint(squareWithHole, [115.002, 38.702])).toBe(true);
  });

  it('handles multipolygons', () => {
    const shifted = square.coordinates[0]!.map(([lon, lat]) => [lon + 0.1, lat] as [number, number]);
    const multi: AreaGeometry = { type: 'MultiPolygon', coordinates: [square.coordinates, [shifted]] };
    expect(containsPoint(multi, [115.105, 38.705])).toBe(true);
    expect(containsPoint(multi, [115.05, 38.705])).toBe(false);
    expect(bboxOf(multi)).toEqual({ minLon: 115, minLat: 38.7, maxLon: 115.11, maxLat: 38.71 });
  });

  it('places the centre in the middle of a square', () => {
    const [lon, lat] = centreOf(square);
    expect(lon).toBeCloseTo(115.005, 6);
    expect(lat).toBeCloseTo(38.705, 6);
  });

  it('reports open rings, short rings and out-of-range coordinates', () => {
    const bad: AreaGeometry = {
      type: 'Polygon',
      coordinates: [
        [[115, 38.7], [115.01, 38.7], [115.01, 38.71], [115, 38.71]],
        [[200, 38.7], [115.01, 38.7], [200, 38.7]],
      ],
    };
    const problems = geometryProblems(bad).map((p) => `${p.zh} / ${p.en}`).join('\n');
    expect(problems).toMatch(/first and last positions must be equal/);
    expect(problems).toMatch(/needs at least 4 positions/);
    expect(problems).toMatch(/out of range/);
    expect(problems).toMatch(/首尾坐标须相同/);
    expect(geometryProblems(square)).toEqual([]);
  });
});
