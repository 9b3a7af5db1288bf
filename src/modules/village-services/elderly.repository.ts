import { type Insertable, type Selectable, type SqlBool, sql, type Updateable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type {
  ElderlyAlertsTable,
  ElderlyMealRequestsTable,
  ElderlyResidentsTable,
  ElderlyStatus,
  ElderlyVisitPlansTable,
  ElderlyVisitsTable,
  MealRequestState,
  Mobility,
} from '../../platform/db/schema.js';
import { offsetOf, type PageRequest } from '../../platform/http/pagination.js';

export type ResidentRow = Selectable<ElderlyResidentsTable> & {
  region_name: string;
  village_code: string | null;
  village_name: string | null;
  household_name: string | null;
  plan_frequency: Selectable<ElderlyVisitPlansTable>['frequency'] | null;
  plan_starts_on: string | null;
  plan_active: boolean | null;
  plan_note: string | null;
  plan_carer_id: string | null;
  plan_carer_name: string | null;
  last_visit_at: Date | null;
  open_visits: number;
};

export type VisitRow = Selectable<ElderlyVisitsTable> & {
  alert_kind: Selectable<ElderlyAlertsTable>['kind'] | null;
  alert_source: Selectable<ElderlyAlertsTable>['source'] | null;
  alert_note: string | null;
  alert_raised_at: Date | null;
  alert_raised_by_name: string | null;
};

export type MealRow = Selectable<ElderlyMealRequestsTable> & {
  resident_name: string;
  resident_address: string | null;
  region_code: string;
  region_name: string;
  delivered_today: SqlBool;
};

export interface ResidentFilter {
  region?: string;
  q?: string;
  livingAlone?: boolean;
  mobility?: Mobility;
  status?: ElderlyStatus;
  householdId?: string;
  userId?: string;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Most residents a list, a task queue or the figures read at once (a township has a few thousand). */
export const RESIDENT_LIMIT = 20_000;

/** SQL of the elderly register, visit plans, visits, alerts and meal deliveries. */
export class ElderlyRepository {
  constructor(private readonly db: Db) {}

  private residents(db: Db = this.db) {
    return db
      .selectFrom('elderly_residents as e')
      .innerJoin('regions as r', 'r.code', 'e.region_code')
      .leftJoin('regions as v', (join) => join.on(sql<boolean>`v.code = CASE WHEN r.level = 'grid' THEN r.parent_code ELSE r.code END`).on('v.level', '=', 'village'))
      .leftJoin('households as h', 'h.id', 'e.household_id')
      .leftJoin('elderly_visit_plans as p', 'p.resident_id', 'e.id')
      .leftJoin('users as c', 'c.id', 'p.carer_id')
      .selectAll('e')
      .select([
        'r.name as region_name',
        'v.code as village_code',
        'v.name as village_name',
        'h.name as household_name',
        'p.frequency as plan_frequency',
        'p.starts_on as plan_starts_on',
        'p.active as plan_active',
        'p.note as plan_note',
        'p.carer_id as plan_carer_id',
        'c.name as plan_carer_name',
      ])
      .select((eb) => [
        eb.selectFrom('elderly_visits as d').whereRef('d.resident_id', '=', 'e.id').where('d.state', '=', 'done').select((s) => s.fn.max('d.visited_at').as('m')).as('last_visit_at'),
        eb.selectFrom('elderly_visits as o').whereRef('o.resident_id', '=', 'e.id').where('o.state', '=', 'open').select((s) => s.fn.countAll<number>().as('n')).as('open_visits'),
      ]);
  }

  private static row<T extends { open_visits: number | string | null; last_visit_at: unknown }>(row: T) {
    return { ...row, open_visits: Number(row.open_visits ?? 0), last_visit_at: (row.last_visit_at as Date | null) ?? null };
  }

  async findResident(id: string, db: Db = this.db): Promise<ResidentRow | undefined> {
    const row = await this.residents(db).where('e.id', '=', id).executeTakeFirst();
    return row && (ElderlyRepository.row(row) as ResidentRow);
  }

  async lockResident(tx: Db, id: string): Promise<void> {
    await tx.selectFrom('elderly_residents').select('id').where('id', '=', id).forUpdate().executeTakeFirst();
  }

  /** Every resident at or below the path that matches, name order; the service pages (plan states are computed). */
  async listResidents(scopePath: string, filter: ResidentFilter): Promise<ResidentRow[]> {
    let query = this.residents().where('e.region_path', 'like', `${scopePath}%`);
    if (filter.status) query = query.where('e.status', '=', filter.status);
    if (filter.region) query = query.where((eb) => eb.or([eb('e.region_code', '=', filter.region!), eb('r.parent_code', '=', filter.region!)]));
    if (filter.livingAlone !== undefined) query = query.where('e.living_alone', '=', filter.livingAlone);
    if (filter.mobility) query = query.where('e.mobility', '=', filter.mobility);
    if (filter.householdId) query = query.where('e.household_id', '=', filter.householdId);
    if (filter.userId) query = query.where('e.user_id', '=', filter.userId);
    if (filter.q) {
      const like = `%${escapeLike(filter.q)}%`;
      query = query.where((eb) => eb.or([eb('e.name', 'like', like), eb('e.address', 'like', like)]));
    }
    const rows = await query.orderBy('e.region_path').orderBy('e.name').orderBy('e.id').limit(RESIDENT_LIMIT).execute();
    return rows.map((row) => ElderlyRepository.row(row) as ResidentRow);
  }

  async insertResident(tx: Db, row: Insertable<ElderlyResidentsTable>): Promise<boolean> {
    const inserted = await tx.insertInto('elderly_residents').values(row).onConflict((oc) => oc.column('id').doNothing()).returning('id').executeTakeFirst();
    return inserted !== undefined;
  }

  async userRegistered(userId: string, exceptId?: string): Promise<boolean> {
    let query = this.db.selectFrom('elderly_residents').select('id').where('user_id', '=', userId);
    if (exceptId) query = query.where('id', '<>', exceptId);
    return (await query.executeTakeFirst()) !== undefined;
  }

  async updateResident(tx: Db, id: string, changes: Updateable<ElderlyResidentsTable>): Promise<void> {
    await tx.updateTable('elderly_residents').set(changes).where('id', '=', id).execute();
  }

  async upsertPlan(tx: Db, row: Insertable<ElderlyVisitPlansTable>): Promise<void> {
    await tx
      .insertInto('elderly_visit_plans')
      .values(row)
      .onConflict((oc) =>
        oc.column('resident_id').doUpdateSet((eb) => ({
          frequency: eb.ref('excluded.frequency'),
          starts_on: eb.ref('excluded.starts_on'),
          carer_id: eb.ref('excluded.carer_id'),
          active: eb.ref('excluded.active'),
          note: eb.ref('excluded.note'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }

  // ---- visits

  private visits(db: Db = this.db) {
    return db
      .selectFrom('elderly_visits as w')
      .leftJoin('elderly_alerts as a', 'a.visit_id', 'w.id')
      .selectAll('w')
      .select(['a.kind as alert_kind', 'a.source as alert_source', 'a.note as alert_note', 'a.raised_at as alert_raised_at', 'a.raised_by_name as alert_raised_by_name']);
  }

  async findVisit(id: string, db: Db = this.db): Promise<VisitRow | undefined> {
    return this.visits(db).where('w.id', '=', id).executeTakeFirst();
  }

  async lockVisit(tx: Db, id: string): Promise<VisitRow | undefined> {
    await tx.selectFrom('elderly_visits').select('id').where('id', '=', id).forUpdate().executeTakeFirst();
    return this.findVisit(id, tx);
  }

  /** Open tasks first, then the latest visits. */
  async visitsOf(residentId: string, limit = 20): Promise<VisitRow[]> {
    const [open, done] = await Promise.all([
      this.visits().where('w.resident_id', '=', residentId).where('w.state', '=', 'open').orderBy('w.due_at').execute(),
      this.visits().where('w.resident_id', '=', residentId).where('w.state', '<>', 'open').orderBy(sql`coalesce(w.visited_at, w.updated_at)`, 'desc').limit(limit).execute(),
    ]);
    return [...open, ...done];
  }

  async openVisitsWithin(scopePath: string): Promise<VisitRow[]> {
    return this.visits().where('w.region_path', 'like', `${scopePath}%`).where('w.state', '=', 'open').orderBy('w.due_at').limit(RESIDENT_LIMIT).execute();
  }

  async insertVisit(tx: Db, row: Insertable<ElderlyVisitsTable>): Promise<boolean> {
    const inserted = await tx.insertInto('elderly_visits').values(row).onConflict((oc) => oc.column('id').doNothing()).returning('id').executeTakeFirst();
    return inserted !== undefined;
  }

  async updateVisit(tx: Db, id: string, changes: Updateable<ElderlyVisitsTable>): Promise<void> {
    await tx.updateTable('elderly_visits').set(changes).where('id', '=', id).execute();
  }

  async countVisitsDone(filter: { scopePath?: string; visitorId?: string; from: Date; to: Date }): Promise<number> {
    let query = this.db.selectFrom('elderly_visits').select((eb) => eb.fn.countAll<number>().as('n')).where('state', '=', 'done').where('visited_at', '>=', filter.from).where('visited_at', '<', filter.to);
    if (filter.scopePath) query = query.where('region_path', 'like', `${filter.scopePath}%`);
    if (filter.visitorId) query = query.where('visitor_id', '=', filter.visitorId);
    return Number((await query.executeTakeFirstOrThrow()).n);
  }

  // ---- alerts

  /** The alert of this source and reference for the resident, if it exists. */
  async findAlert(tx: Db, source: Selectable<ElderlyAlertsTable>['source'], sourceRef: string, residentId: string) {
    return tx.selectFrom('elderly_alerts').selectAll().where('source', '=', source).where('source_ref', '=', sourceRef).where('resident_id', '=', residentId).executeTakeFirst();
  }

  async insertAlert(tx: Db, row: Insertable<ElderlyAlertsTable>): Promise<boolean> {
    const inserted = await tx
      .insertInto('elderly_alerts')
      .values(row)
      .onConflict((oc) => oc.columns(['source', 'source_ref', 'resident_id']).doNothing())
      .returning('id')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  // ---- meals

  private meals(db: Db = this.db, today = '1970-01-01') {
    return db
      .selectFrom('elderly_meal_requests as m')
      .innerJoin('elderly_residents as e', 'e.id', 'm.resident_id')
      .innerJoin('regions as r', 'r.code', 'e.region_code')
      .selectAll('m')
      .select(['e.name as resident_name', 'e.address as resident_address', 'e.region_code as region_code', 'r.name as region_name'])
      .select((eb) =>
        eb
          .exists(eb.selectFrom('elderly_meal_deliveries as d').select('d.request_id').whereRef('d.request_id', '=', 'm.id').where('d.date', '=', today))
          .as('delivered_today'),
      );
  }

  async findMeal(id: string, today: string, db: Db = this.db): Promise<MealRow | undefined> {
    return this.meals(db, today).where('m.id', '=', id).executeTakeFirst();
  }

  async lockMeal(tx: Db, id: string): Promise<void> {
    await tx.selectFrom('elderly_meal_requests').select('id').where('id', '=', id).forUpdate().executeTakeFirst();
  }

  async mealsOf(residentIds: string[], today: string): Promise<MealRow[]> {
    if (residentIds.length === 0) return [];
    return this.meals(this.db, today).where('m.resident_id', 'in', residentIds).orderBy('m.created_at', 'desc').execute();
  }

  async listMeals(scopePath: string, filter: { state?: MealRequestState; village?: string }, today: string, page: PageRequest): Promise<{ rows: MealRow[]; total: number }> {
    let ids = this.db.selectFrom('elderly_meal_requests as m').innerJoin('elderly_residents as e', 'e.id', 'm.resident_id').innerJoin('regions as r', 'r.code', 'e.region_code').where('m.region_path', 'like', `${scopePath}%`);
    if (filter.state) ids = ids.where('m.state', '=', filter.state);
    if (filter.village) ids = ids.where((eb) => eb.or([eb('e.region_code', '=', filter.village!), eb('r.parent_code', '=', filter.village!)]));
    const [rows, total] = await Promise.all([
      this.meals(this.db, today)
        .where('m.id', 'in', ids.select('m.id'))
        .orderBy(sql`CASE m.state WHEN 'requested' THEN 0 WHEN 'approved' THEN 1 ELSE 2 END`)
        .orderBy('m.created_at', 'desc')
        .limit(page.pageSize)
        .offset(offsetOf(page))
        .execute(),
      ids.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(total.n) };
  }

  /** Approved requests that run on `date` (China date) at or below the path. */
  async mealsOn(scopePath: string, date: string): Promise<MealRow[]> {
    return this.meals(this.db, date)
      .where('m.region_path', 'like', `${scopePath}%`)
      .where('m.state', '=', 'approved')
      .where('m.starts_on', '<=', date)
      .where((eb) => eb.or([eb('m.ends_on', 'is', null), eb('m.ends_on', '>=', date)]))
      .where('e.status', '=', 'active')
      .orderBy('e.region_path')
      .orderBy('e.name')
      .execute();
  }

  async insertMeal(tx: Db, row: Insertable<ElderlyMealRequestsTable>): Promise<boolean> {
    const inserted = await tx.insertInto('elderly_meal_requests').values(row).onConflict((oc) => oc.column('id').doNothing()).returning('id').executeTakeFirst();
    return inserted !== undefined;
  }

  async updateMeal(tx: Db, id: string, changes: Updateable<ElderlyMealRequestsTable>): Promise<void> {
    await tx.updateTable('elderly_meal_requests').set(changes).where('id', '=', id).execute();
  }

  async recordDelivery(tx: Db, row: { request_id: string; date: string; delivered_by: string; delivered_by_name: string; delivered_at: Date }): Promise<boolean> {
    const inserted = await tx
      .insertInto('elderly_meal_deliveries')
      .values(row)
      .onConflict((oc) => oc.columns(['request_id', 'date']).doNothing())
      .returning('request_id')
      .executeTakeFirst();
    return inserted !== undefined;
  }
}
