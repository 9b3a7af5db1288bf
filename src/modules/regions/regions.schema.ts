import { z } from 'zod';
import { pageOf, pageQuery } from '../../platform/http/pagination.js';

export const regionLevels = ['county', 'township', 'village', 'grid'] as const;
export const regionLevel = z.enum(regionLevels);

/** The parent level each level sits under. */
export const parentLevel: Record<(typeof regionLevels)[number], (typeof regionLevels)[number] | null> = {
  county: null,
  township: 'county',
  village: 'township',
  grid: 'village',
};

export const regionCode = z
  .string()
  .regex(/^[0-9A-Za-z-]{1,32}$/, '区域编码只能包含字母、数字和连字符（最多 32 位） / a region code has 1–32 letters, digits or hyphens');

const longitude = z.number().min(-180).max(180);
const latitude = z.number().min(-90).max(90);
const position = z.tuple([longitude, latitude]).rest(z.number());
const ring = z.array(position).min(4).max(100_000);

export const areaGeometry = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('Polygon'), coordinates: z.array(ring).min(1).max(1000) }),
  z.strictObject({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(ring).min(1).max(1000)).min(1).max(1000) }),
]);

const count = z.number().int().min(0).max(1_000_000_000);

export const regionSummary = z.object({
  code: z.string(),
  parentCode: z.string().nullable(),
  level: regionLevel,
  name: z.string(),
  areaKm2: z.number().nullable(),
  registeredPopulation: z.number().int().nullable().describe('户籍人口'),
  residentPopulation: z.number().int().nullable().describe('常住人口'),
  households: z.number().int().nullable(),
  centre: z.object({ lon: z.number(), lat: z.number() }).nullable(),
  illustrativeBoundary: z.boolean().describe('true for demo boundaries drawn for illustration'),
});

export const regionDetail = regionSummary.extend({
  ancestors: z.array(z.object({ code: z.string(), name: z.string(), level: regionLevel })),
  boundary: z.unknown().nullable().describe('GeoJSON Polygon or MultiPolygon'),
});

export const regionCodeParams = z.strictObject({ code: regionCode });

export const listRegionsQuery = z.strictObject({
  level: regionLevel.optional(),
  parent: regionCode.optional(),
  q: z.string().trim().min(1).max(50).optional(),
  ...pageQuery,
});

export const regionPage = pageOf(regionSummary);

export const locateQuery = z.strictObject({
  lon: z.coerce.number().min(-180).max(180),
  lat: z.coerce.number().min(-90).max(90),
});

export const locateResult = z.object({
  grid: regionSummary,
  village: regionSummary.nullable(),
  township: regionSummary.nullable(),
});

export const updateRegionBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100).optional(),
    areaKm2: z.number().min(0).max(1_000_000).nullable().optional(),
    registeredPopulation: count.nullable().optional(),
    residentPopulation: count.nullable().optional(),
    households: count.nullable().optional(),
    boundary: areaGeometry.nullable().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: '至少修改一个字段 / change at least one field' });

export const featureProperties = z.strictObject({
  code: regionCode,
  name: z.string().trim().min(1).max(100),
  level: regionLevel,
  parentCode: regionCode.nullable().optional(),
  areaKm2: z.number().min(0).max(1_000_000).nullable().optional(),
  registeredPopulation: count.nullable().optional(),
  residentPopulation: count.nullable().optional(),
  households: count.nullable().optional(),
  illustrative: z.boolean().optional(),
});

export const featureCollection = z.strictObject({
  type: z.literal('FeatureCollection'),
  features: z
    .array(
      z.object({
        type: z.literal('Feature'),
        id: z.union([z.string(), z.number()]).optional(),
        properties: featureProperties,
        geometry: areaGeometry.nullable(),
      }),
    )
    .min(1)
    .max(20_000),
});

export const importResult = z.object({ created: z.number().int(), updated: z.number().int(), codes: z.array(z.string()) });

export type RegionSummary = z.infer<typeof regionSummary>;
export type RegionDetail = z.infer<typeof regionDetail>;
export type ListRegionsQuery = z.infer<typeof listRegionsQuery>;
export type UpdateRegionBody = z.infer<typeof updateRegionBody>;
export type FeatureCollection = z.infer<typeof featureCollection>;
export type ImportResult = z.infer<typeof importResult>;
