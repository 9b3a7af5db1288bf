import type { FeatureCollection } from '../regions/regions.schema.js';

/**
 * Demo geography: Wangdu county (望都县) › Heibao township (黑堡乡) and its 16 real villages.
 * Names, codes of the county and township, populations and the township's extent are public
 * facts (see shared/MISSION.md). The boundaries are NOT public: they are drawn here, plausibly,
 * on the plain west of the county seat, and every feature is marked `illustrative`.
 */

export const COUNTY = { code: '130631', name: '望都县' };
export const TOWNSHIP = {
  code: '130631202',
  name: '黑堡乡',
  registeredPopulation: 29_880, // end of 2018
  residentPopulation: 19_506, // 2020 census
};

/** Villages by cell of a 4×4 layout, south row first, west to east; weight shares the population. */
const VILLAGE_LAYOUT: { name: string; weight: number }[][] = [
  [{ name: '宰庄村', weight: 0.8 }, { name: '安庄村', weight: 0.9 }, { name: '闫庄村', weight: 0.8 }, { name: '南康庄村', weight: 0.9 }],
  [{ name: '固现村', weight: 1.1 }, { name: '西阳邱村', weight: 1.6 }, { name: '东阳邱村', weight: 1.3 }, { name: '黄庄村', weight: 0.9 }],
  [{ name: '李家庄村', weight: 1.0 }, { name: '西黑堡村', weight: 1.3 }, { name: '东黑堡村', weight: 1.2 }, { name: '东安里村', weight: 0.8 }],
  [{ name: '西白城村', weight: 1.1 }, { name: '东白城村', weight: 1.0 }, { name: '崔庄村', weight: 0.7 }, { name: '唐会村', weight: 0.8 }],
];

const CELLS = 4; // villages per row and per column
const SUB = 4; // lattice points per village edge
const N = CELLS * SUB;
const SOUTH = 38.65;
const HEIGHT_DEG = 0.099; // about 11 km north–south
const MAX_WIDTH_DEG = 0.0863; // about 7.5 km east–west at 38.7°N

/** Deterministic noise in [-1, 1] for lattice point (i, j). */
function noise(i: number, j: number, salt: number): number {
  const x = Math.sin(i * 12.9898 + j * 78.233 + salt * 37.719) * 43758.5453;
  return (x - Math.floor(x)) * 2 - 1;
}

/** The township narrows towards its north and south ends (about 40 km² inside a 7.5 × 11 km extent). */
const widthAt = (j: number) => MAX_WIDTH_DEG * (0.12 + 0.6 * Math.sin((Math.PI * j) / N));
const centreLonAt = (j: number) => 115.073 + 0.006 * Math.sin((j / N) * Math.PI * 1.5);

/** Lattice point (i, j), i west→east, j south→north. Shared by every polygon that uses it, so regions tile. */
function lattice(i: number, j: number): [number, number] {
  const width = widthAt(j);
  const cellWidth = width / N;
  const cellHeight = HEIGHT_DEG / N;
  const corner = i % SUB === 0 && j % SUB === 0;
  const amount = corner ? 0.9 : 0.3;
  const lon = centreLonAt(j) + (i / N - 0.5) * width + noise(i, j, 1) * cellWidth * amount;
  const lat = SOUTH + (j / N) * HEIGHT_DEG + noise(i, j, 2) * cellHeight * amount;
  return [Math.round(lon * 1e6) / 1e6, Math.round(lat * 1e6) / 1e6];
}

const range = (from: number, to: number) => {
  const step = from <= to ? 1 : -1;
  return Array.from({ length: Math.abs(to - from) + 1 }, (_, k) => from + k * step);
};

/**
 * Ring of the part of village cell (cx, cy) between sub-columns a and b (0…SUB): bottom edge
 * east, up the east side, top edge west, down the west side. Counter-clockwise, closed.
 */
function stripRing(cx: number, cy: number, a: number, b: number): [number, number][] {
  const i0 = cx * SUB;
  const j0 = cy * SUB;
  const ring: [number, number][] = [];
  for (const k of range(a, b)) ring.push(lattice(i0 + k, j0));
  if (b === SUB) for (const m of range(1, SUB - 1)) ring.push(lattice(i0 + SUB, j0 + m));
  for (const k of range(b, a)) ring.push(lattice(i0 + k, j0 + SUB));
  if (a === 0) for (const m of range(SUB - 1, 1)) ring.push(lattice(i0, j0 + m));
  ring.push(ring[0]!);
  return ring;
}

function townshipRing(): [number, number][] {
  const ring = [
    ...range(0, N).map((i) => lattice(i, 0)),
    ...range(1, N).map((j) => lattice(N, j)),
    ...range(N - 1, 0).map((i) => lattice(i, N)),
    ...range(N - 1, 1).map((j) => lattice(0, j)),
  ];
  ring.push(ring[0]!);
  return ring;
}

/** Splits `total` in proportion to `weights`, in whole numbers that add up exactly. */
export function apportion(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const whole = exact.map(Math.floor);
  let left = total - whole.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((x, k) => ({ k, r: x - Math.floor(x) })).sort((p, q) => q.r - p.r);
  for (const { k } of byRemainder) {
    if (left-- <= 0) break;
    whole[k]! += 1;
  }
  return whole;
}

/** Sub-column cuts for a village of `grids` grids. */
const gridCuts: Record<number, number[]> = { 2: [0, 2, 4], 3: [0, 1, 3, 4], 4: [0, 1, 2, 3, 4] };

export interface DemoVillage {
  code: string;
  name: string;
  gridCodes: string[];
}

export function heibaoVillages(): DemoVillage[] {
  return heibaoFeatures()
    .features.filter((f) => f.properties.level === 'village')
    .map((f) => ({
      code: f.properties.code,
      name: f.properties.name,
      gridCodes: heibaoFeatures()
        .features.filter((g) => g.properties.parentCode === f.properties.code)
        .map((g) => g.properties.code),
    }));
}

let cached: FeatureCollection | undefined;

export function heibaoFeatures(): FeatureCollection {
  if (cached) return cached;
  const cells = VILLAGE_LAYOUT.flatMap((row, cy) => row.map((village, cx) => ({ ...village, cx, cy })));
  const registered = apportion(TOWNSHIP.registeredPopulation, cells.map((c) => c.weight));
  const resident = apportion(TOWNSHIP.residentPopulation, cells.map((c) => c.weight));
  const features: FeatureCollection['features'] = [
    {
      type: 'Feature',
      properties: { code: COUNTY.code, name: COUNTY.name, level: 'county', parentCode: null },
      geometry: null,
    },
    {
      type: 'Feature',
      properties: {
        code: TOWNSHIP.code,
        name: TOWNSHIP.name,
        level: 'township',
        parentCode: COUNTY.code,
        registeredPopulation: TOWNSHIP.registeredPopulation,
        residentPopulation: TOWNSHIP.residentPopulation,
        households: Math.round(TOWNSHIP.registeredPopulation / 3.2),
        illustrative: true,
      },
      geometry: { type: 'Polygon', coordinates: [townshipRing()] },
    },
  ];
  // Village codes in the county's 12-digit scheme; numbered west→east, south→north.
  cells.forEach((cell, k) => {
    const villageCode = `${TOWNSHIP.code}${String(201 + k)}`;
    const gridCount = registered[k]! >= 2200 ? 4 : registered[k]! >= 1700 ? 3 : 2;
    features.push({
      type: 'Feature',
      properties: {
        code: villageCode,
        name: cell.name,
        level: 'village',
        parentCode: TOWNSHIP.code,
        registeredPopulation: registered[k]!,
        residentPopulation: resident[k]!,
        households: Math.round(registered[k]! / 3.2),
        illustrative: true,
      },
      geometry: { type: 'Polygon', coordinates: [stripRing(cell.cx, cell.cy, 0, SUB)] },
    });
    const cuts = gridCuts[gridCount]!;
    const gridWeights = cuts.slice(1).map((cut, g) => cut - cuts[g]!);
    const gridRegistered = apportion(registered[k]!, gridWeights);
    const gridResident = apportion(resident[k]!, gridWeights);
    for (let g = 0; g < gridCount; g++) {
      features.push({
        type: 'Feature',
        properties: {
          code: `${villageCode}${String(g + 1).padStart(2, '0')}`,
          name: `${cell.name}第${['一', '二', '三', '四'][g]}网格`,
          level: 'grid',
          parentCode: villageCode,
          registeredPopulation: gridRegistered[g]!,
          residentPopulation: gridResident[g]!,
          households: Math.round(gridRegistered[g]! / 3.2),
          illustrative: true,
        },
        geometry: { type: 'Polygon', coordinates: [stripRing(cell.cx, cell.cy, cuts[g]!, cuts[g + 1]!)] },
      });
    }
  });
  cached = { type: 'FeatureCollection', features };
  return cached;
}
