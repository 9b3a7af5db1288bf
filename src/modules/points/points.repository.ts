import { type ExpressionBuilder, type Insertable, type Selectable, sql, type Updateable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type {
  Database,
  PointsClaimsTable,
  PointsEntriesTable,
  PointsEntryKind,
  PointsRulesTable,
  RegionLevel,
} from '../../platform/db/schema.js';
import { offsetOf, type PageRequest } from '../../platform/http/pagination.js';
import { type Scope, subtreePattern } from '../../platform/scope.js';

export type RuleRow = Selectable<PointsRulesTable> & {
  category_report_points: number | null;
  category_handler_points: number | null;
  region_name: string | null;
  region_level: RegionLevel | null;
};
export type ClaimRow = Selectable<PointsClaimsTable>;
export type EntryRow = Selectable<PointsEntriesTable>;
export type EntryDetailRow = EntryRow & {
  user_name: string;
  household_name: string | null;
  village_name: string | null;
  corrected_by: number | null;
};

/** The points a rule gives: its own, or for a case rule without own points the case category's. */
export function rulePoints(rule: RuleRow): number {
  if (rule.points !== null) return rule.points;
  return (rule.earner === 'reporter' ? rule.category_report_points : rule.category_handler_points) ?? 0;
}

/** Villagers read their own; cadres their region's (and their own). */
export type Visibility = { kind: 'own'; userId: string } | { kind: 'scope'; path: string; userId: string };

function visibleClaims(v: Visibility) {
  return (eb: ExpressionBuilder<Database, 'points_claims'>) =>
    v.kind === 'own'
      ? eb('points_claims.user_id', '=', v.userId)
      : eb.or([eb('points_claims.user_id', '=', v.userId), eb('points_claims.region_path', 'like', subtreePattern({ regionCode: '', path: v.path }))]);
}

export interface EntryFilter {
  userId?: string;
  householdId?: string;
  regionPath?: string;
  kind?: PointsEntryKind;
  from?: Date;
  to?: Date;
}

export interface RankingRow {
  id: string;
  name: string;
  points: number;
  household_name: string | null;
  village_name: string | null;
}

const EARNING: PointsEntryKind[] = ['award', 'deduction', 'correction'];

export class PointsRepository {
  constructor(private readonly db: Db) {}

  // ---- rules ----------------------------------------------------------------------------------

  private rules(db: Db) {
    return db
      .selectFrom('points_rules as r')
      .leftJoin('case_categories as cc', 'cc.code', 'r.case_category_code')
      .leftJoin('regions as rg', 'rg.code', 'r.region_code')
      .selectAll('r')
      .select(['cc.report_points as category_report_points', 'cc.handler_points as category_handler_points', 'rg.name as region_name', 'rg.level as region_level']);
  }

  /**
   * The rules in force at a region path: for each code, the most specific rule defined at the
   * path or above it (platform defaults have path '/'). Inactive ones are included: an inactive
   * rule switches the code off below it.
   */
  async effectiveRules(path: string, db: Db = this.db, code?: string): Promise<RuleRow[]> {
    let query = this.rules(db)
      .distinctOn('r.code')
      .where(sql<boolean>`${path} LIKE r.region_path || '%'`);
    if (code) query = query.where('r.code', '=', code);
    return query.orderBy('r.code').orderBy(sql`length(r.region_path) DESC`).execute();
  }

  async effectiveRule(path: string, code: string, db: Db = this.db): Promise<RuleRow | undefined> {
    return (await this.effectiveRules(path, db, code))[0];
  }

  async ruleById(id: string, db: Db = this.db): Promise<RuleRow | undefined> {
    return this.rules(db).where('r.id', '=', id).executeTakeFirst();
  }

  /** Inserts unless the region already defines the code; the new id, or undefined. */
  async insertRule(tx: Db, row: Insertable<PointsRulesTable>): Promise<string | undefined> {
    const inserted = await tx
      .insertInto('points_rules')
      .values(row)
      .onConflict((oc) => oc.columns(['region_path', 'code']).doNothing())
      .returning('id')
      .executeTakeFirst();
    return inserted?.id;
  }

  async updateRule(tx: Db, id: string, changes: Updateable<PointsRulesTable>): Promise<void> {
    await tx.updateTable('points_rules').set(changes).where('id', '=', id).execute();
  }

  // ---- claims ---------------------------------------------------------------------------------

  /** Inserts unless the id exists or the person already claimed the activity that day; true when inserted. */
  async insertClaim(tx: Db, row: Insertable<PointsClaimsTable>): Promise<boolean> {
    const inserted = await tx
      .insertInto('points_claims')
      .values(row)
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  async claimById(id: string, db: Db = this.db): Promise<ClaimRow | undefined> {
    return db.selectFrom('points_claims').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async claimVisible(visibility: Visibility, id: string): Promise<ClaimRow | undefined> {
    return this.db.selectFrom('points_claims').selectAll().where('id', '=', id).where(visibleClaims(visibility)).executeTakeFirst();
  }

  async claimInScope(scope: Scope, id: string): Promise<ClaimRow | undefined> {
    return this.db.selectFrom('points_claims').selectAll().where('id', '=', id).where('region_path', 'like', subtreePattern(scope)).executeTakeFirst();
  }

  async lockClaim(tx: Db, id: string): Promise<ClaimRow | undefined> {
    return tx.selectFrom('points_claims').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  }

  async updateClaim(tx: Db, id: string, changes: Updateable<PointsClaimsTable>): Promise<void> {
    await tx.updateTable('points_claims').set(changes).where('id', '=', id).execute();
  }

  async listClaims(
    visibility: Visibility,
    filter: { state?: ClaimRow['state']; village?: string; mineOnly?: boolean },
    page: PageRequest,
  ): Promise<{ rows: ClaimRow[]; total: number }> {
    let query = this.db.selectFrom('points_claims').where(visibleClaims(visibility));
    if (filter.state) query = query.where('state', '=', filter.state);
    if (filter.village) query = query.where('village_code', '=', filter.village);
    if (filter.mineOnly) query = query.where('user_id', '=', visibility.userId);
    const [rows, total] = await Promise.all([
      query
        .selectAll()
        // Pending first (the cadre's queue), oldest pending first; decided ones newest first.
        .orderBy(sql`CASE WHEN state = 'pending' THEN 0 ELSE 1 END`)
        .orderBy(sql`CASE WHEN state = 'pending' THEN created_at END ASC`)
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .limit(page.pageSize)
        .offset(offsetOf(page))
        .execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: total.n };
  }

  // ---- the ledger -----------------------------------------------------------------------------

  /** Makes sure the person has a balance row to lock (0 when new). */
  async ensureBalance(tx: Db, userId: string, at: Date): Promise<void> {
    await tx
      .insertInto('points_balances')
      .values({ user_id: userId, balance: 0, updated_at: at })
      .onConflict((oc) => oc.column('user_id').doNothing())
      .execute();
  }

  /** Locks the person's balance until the transaction ends: every change of it goes through here. */
  async lockBalance(tx: Db, userId: string): Promise<number> {
    const row = await tx.selectFrom('points_balances').select('balance').where('user_id', '=', userId).forUpdate().executeTakeFirstOrThrow();
    return row.balance;
  }

  async addToBalance(tx: Db, userId: string, delta: number, at: Date): Promise<void> {
    await tx
      .updateTable('points_balances')
      .set((eb) => ({ balance: eb('balance', '+', delta), updated_at: at }))
      .where('user_id', '=', userId)
      .execute();
  }

  async balanceOf(userId: string): Promise<number> {
    const row = await this.db.selectFrom('points_balances').select('balance').where('user_id', '=', userId).executeTakeFirst();
    return row?.balance ?? 0;
  }

  /** A household's balance: the sum of the entries booked to it. */
  async householdBalance(householdId: string): Promise<number> {
    const row = await this.db
      .selectFrom('points_entries')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('points'), sql<number>`0`).as('n'))
      .where('household_id', '=', householdId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async entryByKey(tx: Db, key: string): Promise<EntryRow | undefined> {
    return tx.selectFrom('points_entries').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
  }

  /** Appends an entry unless its idempotency key exists; the new row, or undefined. */
  async insertEntry(tx: Db, row: Insertable<PointsEntriesTable>): Promise<EntryRow | undefined> {
    return tx
      .insertInto('points_entries')
      .values(row)
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .returningAll()
      .executeTakeFirst();
  }

  private entries(db: Db = this.db) {
    return db
      .selectFrom('points_entries as e')
      .innerJoin('users as u', 'u.id', 'e.user_id')
      .leftJoin('households as h', 'h.id', 'e.household_id')
      .leftJoin('regions as v', 'v.code', 'e.village_code')
      .selectAll('e')
      .select(['u.name as user_name', 'h.name as household_name', 'v.name as village_name'])
      .select((eb) => eb.selectFrom('points_entries as c').select('c.id').whereRef('c.corrects_id', '=', 'e.id').limit(1).as('corrected_by'));
  }

  async entryInScope(scope: Scope, id: number): Promise<EntryDetailRow | undefined> {
    return this.entries().where('e.id', '=', id).where('e.region_path', 'like', subtreePattern(scope)).executeTakeFirst();
  }

  async entriesByIds(ids: number[]): Promise<EntryDetailRow[]> {
    if (ids.length === 0) return [];
    return this.entries().where('e.id', 'in', ids).orderBy('e.id').execute();
  }

  private filtered(filter: EntryFilter) {
    let query = this.entries();
    if (filter.userId) query = query.where('e.user_id', '=', filter.userId);
    if (filter.householdId) query = query.where('e.household_id', '=', filter.householdId);
    if (filter.regionPath) query = query.where('e.region_path', 'like', `${filter.regionPath}%`);
    if (filter.kind) query = query.where('e.kind', '=', filter.kind);
    if (filter.from) query = query.where('e.created_at', '>=', filter.from);
    if (filter.to) query = query.where('e.created_at', '<', filter.to);
    return query;
  }

  async listEntries(filter: EntryFilter, page: PageRequest): Promise<{ rows: EntryDetailRow[]; total: number }> {
    const query = this.filtered(filter);
    const [rows, total] = await Promise.all([
      query.orderBy('e.id', 'desc').limit(page.pageSize).offset(offsetOf(page)).execute(),
      query
        .clearSelect()
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
    ]);
    return { rows, total: total.n };
  }

  /** Every matching entry, oldest first, for an export. */
  async exportEntries(filter: EntryFilter, limit: number): Promise<EntryDetailRow[]> {
    return this.filtered(filter).orderBy('e.id', 'asc').limit(limit).execute();
  }

  // ---- rankings (红榜) --------------------------------------------------------------------------

  /** People of one role in a region by points earned in [start, end), best first; only those above 0. */
  async rankPeople(path: string, role: 'villager' | 'grid_worker', start: Date, end: Date, limit: number): Promise<RankingRow[]> {
    const result = await sql<RankingRow>`
      WITH totals AS (
        SELECT e.user_id, sum(e.points) AS points, max(e.village_code) AS village_code
        FROM points_entries e
        JOIN users u ON u.id = e.user_id
        WHERE e.region_path LIKE ${`${path}%`} AND e.kind = ANY(${EARNING}) AND e.created_at >= ${start} AND e.created_at < ${end} AND u.role = ${role}
        GROUP BY e.user_id
        HAVING sum(e.points) > 0
      )
      SELECT t.user_id AS id, u.name, t.points, h.name AS household_name, v.name AS village_name
      FROM totals t
      JOIN users u ON u.id = t.user_id
      LEFT JOIN household_members hm ON hm.user_id = t.user_id
      LEFT JOIN households h ON h.id = hm.household_id
      LEFT JOIN regions v ON v.code = t.village_code
      ORDER BY t.points DESC, u.name, t.user_id
      LIMIT ${limit}`.execute(this.db);
    return result.rows.map((row) => ({ ...row, points: Number(row.points) }));
  }

  /** Households in a region by points their members earned in [start, end), best first. */
  async rankHouseholds(path: string, start: Date, end: Date, limit: number): Promise<RankingRow[]> {
    const result = await sql<RankingRow>`
      WITH totals AS (
        SELECT e.household_id, sum(e.points) AS points
        FROM points_entries e
        WHERE e.household_id IS NOT NULL AND e.region_path LIKE ${`${path}%`} AND e.kind = ANY(${EARNING}) AND e.created_at >= ${start} AND e.created_at < ${end}
        GROUP BY e.household_id
        HAVING sum(e.points) > 0
      )
      SELECT t.household_id AS id, h.name, t.points, h.name AS household_name, v.name AS village_name
      FROM totals t
      JOIN households h ON h.id = t.household_id
      JOIN regions v ON v.code = h.village_code
      ORDER BY t.points DESC, h.name, t.household_id
      LIMIT ${limit}`.execute(this.db);
    return result.rows.map((row) => ({ ...row, points: Number(row.points) }));
  }
}
