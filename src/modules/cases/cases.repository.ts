import { type ExpressionBuilder, sql, type Selectable, type Updateable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { CaseEventsTable, CasesTable, Database } from '../../platform/db/schema.js';
import { offsetOf, type PageRequest } from '../../platform/http/pagination.js';
import { subtreePattern } from '../../platform/scope.js';

export type CaseRow = Selectable<CasesTable> & { category_name: string };
export type CaseEventRow = Selectable<CaseEventsTable>;

/**
 * Who may read which cases: villagers their own reports and the cases they support; everyone
 * else the cases in their region, plus what they reported or are assigned.
 */
export type CaseVisibility = { kind: 'own'; userId: string } | { kind: 'scope'; path: string; userId: string };

export interface CaseFilter {
  state?: CasesTable['state'][];
  category?: string;
  village?: string;
  grid?: string;
  level?: CasesTable['level'];
  overdue?: boolean;
  mine?: 'reported' | 'assigned' | 'queue';
  q?: string;
  sort: 'newest' | 'due';
}

function visibleTo(v: CaseVisibility) {
  return (eb: ExpressionBuilder<Database, 'cases'>) => {
    const supported = eb.exists(
      eb.selectFrom('case_supports').select('case_supports.case_id').whereRef('case_supports.case_id', '=', 'cases.id').where('case_supports.user_id', '=', v.userId),
    );
    if (v.kind === 'own') return eb.or([eb('cases.reporter_id', '=', v.userId), supported]);
    return eb.or([eb('cases.region_path', 'like', subtreePattern({ regionCode: '', path: v.path })), eb('cases.reporter_id', '=', v.userId), eb('cases.assignee_id', '=', v.userId)]);
  };
}

/** Open and past its deadline, as of `now`. */
function overdueAt(now: Date) {
  return (eb: ExpressionBuilder<Database, 'cases'>) =>
    eb.or([
      eb.and([eb('cases.state', '=', 'submitted'), eb('cases.accept_due_at', '<', now)]),
      eb.and([eb('cases.state', '=', 'accepted'), eb('cases.resolve_due_at', '<', now)]),
    ]);
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export class CasesRepository {
  constructor(private readonly db: Db) {}

  private withCategory(db: Db = this.db) {
    return db.selectFrom('cases').innerJoin('case_categories', 'case_categories.code', 'cases.category_code').selectAll('cases').select('case_categories.name as category_name');
  }

  /** Inserts unless the id exists; true when this call created the case. */
  async insertIfAbsent(tx: Db, row: Omit<CasesTable, 'anonymous' | 'sms_opt_in' | 'support_count' | 'dispute_count' | 'return_count' | 'escalation_count' | 'version' | 'number'> & { anonymous: boolean; sms_opt_in: boolean }, localDay: string): Promise<boolean> {
    const result = await tx
      .insertInto('cases')
      .values({ ...row, number: sql<string>`${localDay.replaceAll('-', '')} || '-' || lpad(nextval('case_number_seq')::text, 6, '0')` })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .executeTakeFirst();
    return result !== undefined;
  }

  async findById(id: string, db: Db = this.db): Promise<CaseRow | undefined> {
    return this.withCategory(db).where('cases.id', '=', id).executeTakeFirst();
  }

  /** Locks the case row for a transition in `tx`. */
  async lockById(tx: Db, id: string): Promise<CaseRow | undefined> {
    return this.withCategory(tx).where('cases.id', '=', id).forUpdate('cases').executeTakeFirst();
  }

  async findVisible(visibility: CaseVisibility, id: string, db: Db = this.db): Promise<CaseRow | undefined> {
    return this.withCategory(db).where('cases.id', '=', id).where(visibleTo(visibility)).executeTakeFirst();
  }

  async list(visibility: CaseVisibility, filter: CaseFilter, page: PageRequest, now: Date, userId: string): Promise<{ rows: CaseRow[]; total: number }> {
    let query = this.db.selectFrom('cases').where(visibleTo(visibility));
    if (filter.state) query = query.where('cases.state', 'in', filter.state);
    if (filter.category) query = query.where('cases.category_code', '=', filter.category);
    if (filter.village) query = query.where('cases.village_code', '=', filter.village);
    if (filter.grid) query = query.where('cases.grid_code', '=', filter.grid);
    if (filter.level) query = query.where('cases.level', '=', filter.level);
    if (filter.overdue !== undefined) query = filter.overdue ? query.where(overdueAt(now)) : query.where((eb) => eb.not(overdueAt(now)(eb)));
    if (filter.mine === 'reported') query = query.where('cases.reporter_id', '=', userId);
    if (filter.mine === 'assigned') query = query.where('cases.assignee_id', '=', userId);
    if (filter.mine === 'queue') {
      query = query.where((eb) =>
        eb.or([eb('cases.state', '=', 'submitted'), eb.and([eb('cases.state', '=', 'accepted'), eb('cases.assignee_id', '=', userId)])]),
      );
    }
    if (filter.q) {
      const like = `%${escapeLike(filter.q)}%`;
      query = query.where((eb) => eb.or([eb('cases.description', 'like', like), eb('cases.number', 'like', like), eb('cases.address', 'like', like)]));
    }
    let rowsQuery = query
      .innerJoin('case_categories', 'case_categories.code', 'cases.category_code')
      .selectAll('cases')
      .select('case_categories.name as category_name');
    rowsQuery =
      filter.sort === 'due'
        ? rowsQuery.orderBy(sql`CASE cases.state WHEN 'submitted' THEN cases.accept_due_at WHEN 'accepted' THEN cases.resolve_due_at END`, (ob) => ob.asc().nullsLast()).orderBy('cases.created_at', 'asc')
        : rowsQuery.orderBy('cases.created_at', 'desc');
    const [rows, total] = await Promise.all([
      rowsQuery.orderBy('cases.id').limit(page.pageSize).offset(offsetOf(page)).execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: total.n };
  }

  /** Public categories' cases for anonymous readers, newest first. */
  async listPublic(filter: { ids?: string[]; categoryCodes?: string[]; from?: Date; to?: Date; states?: CasesTable['state'][] }, limit: number): Promise<CaseRow[]> {
    let query = this.withCategory().where('case_categories.is_public', '=', true);
    if (filter.ids) query = filter.ids.length ? query.where('cases.id', 'in', filter.ids) : query.where(sql<boolean>`false`);
    if (filter.categoryCodes?.length) query = query.where('cases.category_code', 'in', filter.categoryCodes);
    if (filter.states?.length) query = query.where('cases.state', 'in', filter.states);
    if (filter.from) query = query.where('cases.created_at', '>=', filter.from);
    if (filter.to) query = query.where('cases.created_at', '<=', filter.to);
    return query.orderBy('cases.created_at', 'desc').limit(limit).execute();
  }

  /** Open cases within `radiusM` of a point, nearest first (bounding box in SQL, then haversine). */
  async nearby(point: { lon: number; lat: number }, radiusM: number, filter: { category?: string; publicOnly: boolean }) {
    const dLat = radiusM / 111_320;
    const dLon = radiusM / (111_320 * Math.cos((point.lat * Math.PI) / 180));
    const distance = sql<number>`2 * 6371008.8 * asin(sqrt(power(sin(radians(cases.lat - ${point.lat}) / 2), 2) + cos(radians(${point.lat})) * cos(radians(cases.lat)) * power(sin(radians(cases.lon - ${point.lon}) / 2), 2)))`;
    let query = this.db
      .selectFrom('cases')
      .innerJoin('case_categories', 'case_categories.code', 'cases.category_code')
      .select(['cases.id', 'cases.number', 'cases.category_code', 'case_categories.name as category_name', 'cases.state', 'cases.description', 'cases.support_count', 'cases.created_at', 'cases.lon', 'cases.lat', distance.as('distance_m')])
      .where('cases.state', 'in', ['submitted', 'accepted'])
      .where('cases.lat', '>=', point.lat - dLat)
      .where('cases.lat', '<=', point.lat + dLat)
      .where('cases.lon', '>=', point.lon - dLon)
      .where('cases.lon', '<=', point.lon + dLon);
    if (filter.category) query = query.where('cases.category_code', '=', filter.category);
    if (filter.publicOnly) query = query.where('case_categories.is_public', '=', true);
    const rows = await query.orderBy('distance_m').limit(50).execute();
    return rows.filter((row) => row.distance_m <= radiusM);
  }

  /** Counts by state, and open cases past their deadline, of the cases visible to the caller. */
  async stats(visibility: CaseVisibility, now: Date) {
    const rows = await this.db
      .selectFrom('cases')
      .where(visibleTo(visibility))
      .select((eb) => ['cases.state', eb.fn.countAll<number>().as('n'), eb.fn.countAll<number>().filterWhere(overdueAt(now)).as('overdue')])
      .groupBy('cases.state')
      .execute();
    return rows;
  }

  async update(tx: Db, id: string, changes: Updateable<CasesTable>): Promise<void> {
    await tx
      .updateTable('cases')
      .set({ ...changes, version: sql`version + 1` })
      .where('id', '=', id)
      .execute();
  }

  async insertEvent(tx: Db, event: Omit<CaseEventsTable, 'id' | 'automatic' | 'photo_ids'> & { automatic?: boolean; photo_ids?: string[] }): Promise<void> {
    await tx.insertInto('case_events').values(event).execute();
  }

  async events(caseId: string): Promise<CaseEventRow[]> {
    return this.db.selectFrom('case_events').selectAll().where('case_id', '=', caseId).orderBy('id').execute();
  }

  /** Records a supporter once; true when new. */
  async addSupport(tx: Db, caseId: string, userId: string, at: Date): Promise<boolean> {
    const inserted = await tx
      .insertInto('case_supports')
      .values({ case_id: caseId, user_id: userId, created_at: at })
      .onConflict((oc) => oc.columns(['case_id', 'user_id']).doNothing())
      .returning('case_id')
      .executeTakeFirst();
    if (inserted) await tx.updateTable('cases').set({ support_count: sql`support_count + 1` }).where('id', '=', caseId).execute();
    return inserted !== undefined;
  }

  async supportedBy(caseId: string, userId: string): Promise<boolean> {
    const row = await this.db.selectFrom('case_supports').select('case_id').where('case_id', '=', caseId).where('user_id', '=', userId).executeTakeFirst();
    return row !== undefined;
  }
}
