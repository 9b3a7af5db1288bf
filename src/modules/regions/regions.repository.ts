import { type ExpressionBuilder, sql } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { Database, NewRegionRow, RegionLevel, RegionRow } from '../../platform/db/schema.js';
import { offsetOf, type PageRequest } from '../../platform/http/pagination.js';
import { type Scope, subtreePattern } from '../../platform/scope.js';

type Executor = Db;

/**
 * Regions a scope may read: its own subtree, and the chain of ancestors above it (a village
 * cadre sees the township's name, not its other villages).
 */
function readableBy(scope: Scope) {
  return (eb: ExpressionBuilder<Database, 'regions'>) =>
    eb.or([eb('path', 'like', subtreePattern(scope)), eb(eb.val(scope.path), 'like', sql<string>`path || '%'`)]);
}

const summaryColumns = [
  'code',
  'parent_code',
  'level',
  'name',
  'path',
  'area_km2',
  'registered_population',
  'resident_population',
  'households',
  'centre_lon',
  'centre_lat',
  'boundary_illustrative',
] as const;

export type RegionSummaryRow = Pick<RegionRow, (typeof summaryColumns)[number]>;

export class RegionsRepository {
  constructor(private readonly db: Db) {}

  async findReadable(scope: Scope, code: string): Promise<RegionRow | undefined> {
    return this.db.selectFrom('regions').selectAll().where('code', '=', code).where(readableBy(scope)).executeTakeFirst();
  }

  /** Unscoped lookup, for resolving a caller's own scope and for imports' parent checks. */
  async findByCode(code: string, db: Executor = this.db): Promise<RegionRow | undefined> {
    return db.selectFrom('regions').selectAll().where('code', '=', code).executeTakeFirst();
  }

  async findByCodes(codes: string[], db: Executor = this.db): Promise<RegionRow[]> {
    if (codes.length === 0) return [];
    return db.selectFrom('regions').selectAll().where('code', 'in', codes).execute();
  }

  async codesAtLevel(level: RegionLevel, limit: number): Promise<string[]> {
    const rows = await this.db.selectFrom('regions').select('code').where('level', '=', level).limit(limit).execute();
    return rows.map((row) => row.code);
  }

  async ancestorsOf(path: string): Promise<Pick<RegionRow, 'code' | 'name' | 'level'>[]> {
    const codes = path.split('/').filter(Boolean).slice(0, -1);
    if (codes.length === 0) return [];
    const rows = await this.db.selectFrom('regions').select(['code', 'name', 'level', 'path']).where('code', 'in', codes).execute();
    return rows.sort((a, b) => a.path.length - b.path.length).map(({ code, name, level }) => ({ code, name, level }));
  }

  async list(
    scope: Scope,
    filter: { level?: RegionLevel; parent?: string; q?: string },
    page: PageRequest,
  ): Promise<{ rows: RegionSummaryRow[]; total: number }> {
    let query = this.db.selectFrom('regions').where(readableBy(scope));
    if (filter.level) query = query.where('level', '=', filter.level);
    if (filter.parent) query = query.where('parent_code', '=', filter.parent);
    if (filter.q) {
      const like = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query = query.where((eb) => eb.or([eb('name', 'like', like), eb('code', 'like', like)]));
    }
    const [rows, total] = await Promise.all([
      query.select(summaryColumns).orderBy('path').limit(page.pageSize).offset(offsetOf(page)).execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: total.n };
  }

  /** Grids within the scope whose bounding box holds the point; the caller tests the polygon. */
  async gridCandidatesAt(scope: Scope, lon: number, lat: number): Promise<RegionRow[]> {
    return this.db
      .selectFrom('regions')
      .selectAll()
      .where('level', '=', 'grid')
      .where('path', 'like', subtreePattern(scope))
      .where('min_lon', '<=', lon)
      .where('max_lon', '>=', lon)
      .where('min_lat', '<=', lat)
      .where('max_lat', '>=', lat)
      .execute();
  }

  async insert(row: NewRegionRow, db: Executor = this.db): Promise<void> {
    await db.insertInto('regions').values(row).execute();
  }

  async update(code: string, changes: Partial<NewRegionRow>, now: Date, db: Executor = this.db): Promise<void> {
    await db
      .updateTable('regions')
      .set({ ...changes, updated_at: now })
      .where('code', '=', code)
      .execute();
  }
}
