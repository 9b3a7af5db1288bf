import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { NewRegionRow, RegionRow } from '../../platform/db/schema.js';
import { AppError, type FieldProblem } from '../../platform/http/errors.js';
import type { PageRequest } from '../../platform/http/pagination.js';
import { splitBilingual } from '../../platform/http/validation.js';
import type { Actor, RequestMeta } from '../../platform/request-context.js';
import { isWithin, type Scope } from '../../platform/scope.js';
import { requirePermission } from '../accounts/policies.js';
import type { AuditService } from '../audit/audit.service.js';
import { type AreaGeometry, areaKm2, bboxOf, centreOf, containsPoint, geometryProblems } from './geometry.js';
import type { RegionSummaryRow, RegionsRepository } from './regions.repository.js';
import {
  type FeatureCollection,
  type ImportResult,
  type ListRegionsQuery,
  parentLevel,
  type RegionDetail,
  type RegionSummary,
  type UpdateRegionBody,
} from './regions.schema.js';

export interface Place {
  region: { code: string; level: RegionRow['level']; path: string };
  grid: { code: string; name: string; path: string } | null;
  village: { code: string; name: string; path: string } | null;
  township: { code: string; name: string; path: string } | null;
}

export function toSummary(row: RegionSummaryRow): RegionSummary {
  return {
    code: row.code,
    parentCode: row.parent_code,
    level: row.level,
    name: row.name,
    areaKm2: row.area_km2 === null ? null : Math.round(row.area_km2 * 100) / 100,
    registeredPopulation: row.registered_population,
    residentPopulation: row.resident_population,
    households: row.households,
    centre: row.centre_lon === null || row.centre_lat === null ? null : { lon: row.centre_lon, lat: row.centre_lat },
    illustrativeBoundary: row.boundary_illustrative,
  };
}

/** Columns derived from a boundary: bounding box, centre and (unless given) area. */
function geometryColumns(boundary: AreaGeometry | null) {
  if (!boundary) {
    return { boundary: null, min_lon: null, min_lat: null, max_lon: null, max_lat: null, centre_lon: null, centre_lat: null };
  }
  const box = bboxOf(boundary);
  const [lon, lat] = centreOf(boundary);
  return {
    boundary: JSON.stringify(boundary),
    min_lon: box.minLon,
    min_lat: box.minLat,
    max_lon: box.maxLon,
    max_lat: box.maxLat,
    centre_lon: lon,
    centre_lat: lat,
  };
}

export class RegionsService {
  constructor(
    private readonly db: Db,
    private readonly repository: RegionsRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** The scope of a user whose region is `code`; the caller's own region always exists. */
  async scopeOf(code: string): Promise<Scope> {
    const region = await this.repository.findByCode(code);
    if (!region) throw new AppError('REGION_NOT_FOUND');
    return { regionCode: region.code, path: region.path };
  }

  /** The code of the one county, when exactly one exists (the usual single-county install). */
  async onlyCounty(): Promise<string | undefined> {
    const counties = await this.repository.codesAtLevel('county', 2);
    return counties.length === 1 ? counties[0] : undefined;
  }

  async get(actor: Actor, code: string): Promise<RegionDetail> {
    const row = await this.repository.findReadable(actor.scope, code);
    if (!row) throw new AppError('REGION_NOT_FOUND');
    return { ...toSummary(row), ancestors: await this.repository.ancestorsOf(row.path), boundary: row.boundary ?? null };
  }

  async list(actor: Actor, query: ListRegionsQuery) {
    const { page, pageSize, ...filter } = query;
    const { rows, total } = await this.repository.list(actor.scope, filter, { page, pageSize });
    return { items: rows.map(toSummary), total, page, pageSize };
  }

  async children(actor: Actor, code: string, page: PageRequest) {
    const parent = await this.repository.findReadable(actor.scope, code);
    if (!parent) throw new AppError('REGION_NOT_FOUND');
    const { rows, total } = await this.repository.list(actor.scope, { parent: code }, page);
    return { items: rows.map(toSummary), total, ...page };
  }

  /** The grid holding a point (the smallest, should grids overlap), with its village and township. */
  async locate(actor: Actor, lon: number, lat: number) {
    const candidates = await this.repository.gridCandidatesAt(actor.scope, lon, lat);
    const hits = candidates
      .filter((row) => row.boundary && containsPoint(row.boundary as AreaGeometry, [lon, lat]))
      .sort((a, b) => (a.area_km2 ?? Infinity) - (b.area_km2 ?? Infinity));
    const grid = hits[0];
    if (!grid) throw new AppError('NO_GRID_AT_POINT');
    const village = grid.parent_code ? await this.repository.findByCode(grid.parent_code) : undefined;
    const township = village?.parent_code ? await this.repository.findByCode(village.parent_code) : undefined;
    return {
      grid: toSummary(grid),
      village: village ? toSummary(village) : null,
      township: township ? toSummary(township) : null,
    };
  }

  /**
   * Where a place is, for routing reports: the grid holding the point (smallest if several), its
   * village and township. Unscoped: a villager may report a problem outside their own village.
   */
  async placeAt(lon: number, lat: number): Promise<Place | undefined> {
    const everywhere: Scope = { regionCode: '', path: '/' };
    const hits = (await this.repository.gridCandidatesAt(everywhere, lon, lat))
      .filter((row) => row.boundary && containsPoint(row.boundary as AreaGeometry, [lon, lat]))
      .sort((a, b) => (a.area_km2 ?? Infinity) - (b.area_km2 ?? Infinity));
    return hits[0] ? this.placeOfRow(hits[0]) : undefined;
  }

  /** Whether a region's outline holds the point; null when the region has no outline to tell. */
  async covers(code: string, lon: number, lat: number): Promise<boolean | null> {
    const region = await this.repository.findByCode(code);
    return region?.boundary ? containsPoint(region.boundary as AreaGeometry, [lon, lat]) : null;
  }

  /** The grid, village and township a region code lies in (each null above the region's level). */
  async placeOf(code: string): Promise<Place | undefined> {
    const region = await this.repository.findByCode(code);
    return region ? this.placeOfRow(region) : undefined;
  }

  private async placeOfRow(region: RegionRow): Promise<Place> {
    const chain = await this.repository.findByCodes(region.path.split('/').filter(Boolean));
    const at = (level: RegionRow['level']) => {
      const row = chain.find((r) => r.level === level);
      return row ? { code: row.code, name: row.name, path: row.path } : null;
    };
    return { region: { code: region.code, level: region.level, path: region.path }, grid: at('grid'), village: at('village'), township: at('township') };
  }

  async update(actor: Actor, code: string, body: UpdateRegionBody, meta: RequestMeta): Promise<RegionDetail> {
    requirePermission(actor.role, 'regions.write');
    const current = await this.repository.findReadable(actor.scope, code);
    if (!current || !isWithin(actor.scope, current.path)) {
      // Ancestors are readable but not writable: refuse without revealing more than a read would.
      if (current) throw new AppError('FORBIDDEN');
      throw new AppError('REGION_NOT_FOUND');
    }
    if (body.boundary) this.assertValidGeometry(body.boundary, 'body.boundary');
    const changes: Partial<NewRegionRow> = {};
    if (body.name !== undefined) changes.name = body.name;
    if (body.registeredPopulation !== undefined) changes.registered_population = body.registeredPopulation;
    if (body.residentPopulation !== undefined) changes.resident_population = body.residentPopulation;
    if (body.households !== undefined) changes.households = body.households;
    if (body.boundary !== undefined) {
      Object.assign(changes, geometryColumns(body.boundary), { boundary_illustrative: false });
      if (body.areaKm2 === undefined) changes.area_km2 = body.boundary ? areaKm2(body.boundary) : null;
    }
    if (body.areaKm2 !== undefined) changes.area_km2 = body.areaKm2;

    await this.db.transaction().execute(async (tx) => {
      await this.repository.update(code, changes, this.clock.now(), tx);
      const before = Object.fromEntries(Object.keys(body).map((key) => [key, key === 'boundary' ? '(geometry)' : current[snake(key)]]));
      const after = Object.fromEntries(Object.entries(body).map(([key, value]) => [key, key === 'boundary' ? '(geometry)' : value]));
      await this.audit.record(tx, actor, meta, {
        action: 'region.update',
        targetType: 'region',
        targetId: code,
        regionPath: current.path,
        details: { before, after },
      });
    });
    return this.get(actor, code);
  }

  /**
   * Creates or updates regions from a GeoJSON FeatureCollection, all or nothing. Parents may come
   * from the same file (in any order) or already exist. `actor` is null for the operator's CLI.
   */
  async importFeatures(actor: Actor | null, collection: FeatureCollection, meta: RequestMeta): Promise<ImportResult> {
    if (actor) requirePermission(actor.role, 'regions.write');
    const features = collection.features;
    const problems: FieldProblem[] = [];
    const seen = new Map<string, number>();
    features.forEach((feature, i) => {
      const code = feature.properties.code;
      if (seen.has(code)) {
        problems.push(problem(`features.${i}.properties.code`, `编码 ${code} 重复 / code ${code} appears twice`));
      }
      seen.set(code, i);
      if (feature.geometry) {
        for (const p of geometryProblems(feature.geometry)) problems.push({ field: `features.${i}.geometry`, message: p.zh, messageEn: p.en });
      }
    });
    if (problems.length > 0) throw new AppError('INVALID_GEOJSON', { details: problems });

    return this.db.transaction().execute(async (tx) => {
      const referenced = [...new Set(features.flatMap((f) => [f.properties.code, f.properties.parentCode ?? []].flat()))];
      const existing = new Map((await this.repository.findByCodes(referenced, tx)).map((row) => [row.code, row]));
      const paths = new Map<string, Pick<RegionRow, 'path' | 'level'>>();
      for (const [code, row] of existing) paths.set(code, row);

      let pending = features.map((feature, index) => ({ feature, index }));
      const done = new Set<string>();
      let created = 0;
      let updated = 0;
      const codes: string[] = [];
      while (pending.length > 0) {
        const ready = pending.filter(({ feature }) => {
          const parent = feature.properties.parentCode;
          return !parent || (paths.has(parent) && (!seen.has(parent) || done.has(parent)));
        });
        if (ready.length === 0) {
          throw new AppError('INVALID_GEOJSON', {
            details: pending.map(({ feature, index }) =>
              problem(
                `features.${index}.properties.parentCode`,
                `上级区域 ${feature.properties.parentCode} 不存在 / parent region ${feature.properties.parentCode} does not exist`,
              ),
            ),
          });
        }
        const readySet = new Set(ready);
        pending = pending.filter((item) => !readySet.has(item));
        for (const { feature, index } of ready) {
          const props = feature.properties;
          const parent = props.parentCode ? paths.get(props.parentCode) : undefined;
          const field = `features.${index}.properties`;
          if (parentLevel[props.level] !== (parent?.level ?? null)) {
            throw new AppError('INVALID_GEOJSON', {
              details: [
                problem(
                  `${field}.parentCode`,
                  `${props.level} 的上级应为 ${parentLevel[props.level] ?? '无'} / a ${props.level} must sit under ${parentLevel[props.level] ?? 'nothing'}`,
                ),
              ],
            });
          }
          const path = `${parent?.path ?? '/'}${props.code}/`;
          if (actor && !isWithin(actor.scope, path)) {
            throw new AppError('FORBIDDEN', {
              detail: { zh: `区域 ${props.code} 不在您的管辖范围内`, en: `region ${props.code} is outside your scope` },
            });
          }
          const row = {
            name: props.name,
            level: props.level,
            parent_code: props.parentCode ?? null,
            registered_population: props.registeredPopulation ?? null,
            resident_population: props.residentPopulation ?? null,
            households: props.households ?? null,
            area_km2: props.areaKm2 ?? (feature.geometry ? areaKm2(feature.geometry) : null),
            boundary_illustrative: props.illustrative ?? false,
            ...geometryColumns(feature.geometry),
          };
          const before = existing.get(props.code);
          if (before) {
            if (before.level !== props.level || before.parent_code !== row.parent_code) {
              throw new AppError('REGION_CODE_CONFLICT', {
                detail: {
                  zh: `${props.code} 已存在，层级或上级不同`,
                  en: `${props.code} exists with another level or parent`,
                },
              });
            }
            await this.repository.update(props.code, row, this.clock.now(), tx);
            updated++;
          } else {
            await this.repository.insert({ code: props.code, path, ...row }, tx);
            created++;
          }
          paths.set(props.code, { path, level: props.level });
          done.add(props.code);
          codes.push(props.code);
        }
      }
      const allPaths = codes.map((code) => paths.get(code)!.path);
      await this.audit.record(tx, actor, meta, {
        action: 'regions.import',
        targetType: 'region',
        targetId: codes[0]!,
        regionPath: commonPathPrefix(allPaths),
        details: { created, updated, codes: codes.slice(0, 200) },
      });
      return { created, updated, codes };
    });
  }

  private assertValidGeometry(geometry: AreaGeometry, field: string): void {
    const problems = geometryProblems(geometry);
    if (problems.length > 0) {
      throw new AppError('INVALID_GEOJSON', { details: problems.map((p) => ({ field, message: p.zh, messageEn: p.en })) });
    }
  }
}

function problem(field: string, bilingual: string): FieldProblem {
  const { zh, en } = splitBilingual(bilingual);
  return { field, message: zh, messageEn: en };
}

function snake(key: string): keyof RegionRow {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) as keyof RegionRow;
}

/** The deepest region path every given path lies under ('/' when they share none). */
export function commonPathPrefix(paths: string[]): string {
  const [first, ...rest] = paths;
  if (!first) return '/';
  let segments = first.split('/').filter(Boolean);
  for (const p of rest) {
    const other = p.split('/').filter(Boolean);
    let i = 0;
    while (i < segments.length && segments[i] === other[i]) i++;
    segments = segments.slice(0, i);
  }
  return segments.length ? `/${segments.join('/')}/` : '/';
}
