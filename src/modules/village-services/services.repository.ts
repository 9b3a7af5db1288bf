import { type Insertable, type Selectable, sql, type Updateable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { ServiceCategory, ServiceGuidesTable, ServiceRequestEventsTable, ServiceRequestsTable, ServiceRequestState } from '../../platform/db/schema.js';
import { offsetOf, type PageRequest } from '../../platform/http/pagination.js';
import { localDate } from '../../platform/working-time.js';

export type GuideRow = Selectable<ServiceGuidesTable> & { region_name: string; region_level: string };
export type RequestRow = Selectable<ServiceRequestsTable> & { region_name: string; guide_office: string; guide_phone: string | null };
export type RequestEventRow = Selectable<ServiceRequestEventsTable>;

export interface RequestFilter {
  /** The caller's own requests only. */
  requesterId?: string;
  /** Requests of villages at or below this path. */
  scopePath?: string;
  state?: ServiceRequestState;
  open?: boolean;
  village?: string;
  q?: string;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** SQL of the 办证办事 catalogue and of the requests with their history. */
export class ServicesRepository {
  constructor(private readonly db: Db) {}

  // ---- guides

  private guides(db: Db = this.db) {
    return db
      .selectFrom('service_guides')
      .innerJoin('regions', 'regions.code', 'service_guides.region_code')
      .selectAll('service_guides')
      .select(['regions.name as region_name', 'regions.level as region_level']);
  }

  async findGuide(id: string, db: Db = this.db): Promise<GuideRow | undefined> {
    return this.guides(db).where('service_guides.id', '=', id).executeTakeFirst();
  }

  /** Guides of the reader's region and those above it; with `below`, also of the regions under it. */
  async listGuides(readerPath: string, filter: { q?: string; category?: ServiceCategory; below: boolean; activeOnly: boolean }): Promise<GuideRow[]> {
    let query = this.guides().where((eb) => {
      const above = sql<boolean>`${readerPath} LIKE service_guides.region_path || '%'`;
      return filter.below ? eb.or([above, eb('service_guides.region_path', 'like', `${readerPath}%`)]) : above;
    });
    if (filter.activeOnly) query = query.where('service_guides.active', '=', true);
    if (filter.category) query = query.where('service_guides.category', '=', filter.category);
    if (filter.q) {
      const like = `%${escapeLike(filter.q)}%`;
      query = query.where((eb) => eb.or([eb('service_guides.name', 'like', like), eb('service_guides.keywords', 'like', like), eb('service_guides.summary', 'like', like)]));
    }
    return query.orderBy('service_guides.sort_order').orderBy('service_guides.name').orderBy(sql`length(service_guides.region_path)`, 'desc').execute();
  }

  async guideExists(regionPath: string, code: string): Promise<boolean> {
    return (await this.db.selectFrom('service_guides').select('id').where('region_path', '=', regionPath).where('code', '=', code).executeTakeFirst()) !== undefined;
  }

  async insertGuide(tx: Db, row: Insertable<ServiceGuidesTable>): Promise<boolean> {
    const inserted = await tx
      .insertInto('service_guides')
      .values(row)
      .onConflict((oc) => oc.columns(['region_path', 'code']).doNothing())
      .returning('id')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  async updateGuide(tx: Db, id: string, changes: Updateable<ServiceGuidesTable>): Promise<void> {
    await tx.updateTable('service_guides').set(changes).where('id', '=', id).execute();
  }

  // ---- requests

  private requests(db: Db = this.db) {
    return db
      .selectFrom('service_requests')
      .innerJoin('regions', 'regions.code', 'service_requests.region_code')
      .innerJoin('service_guides', 'service_guides.id', 'service_requests.guide_id')
      .selectAll('service_requests')
      .select(['regions.name as region_name', 'service_guides.office as guide_office', 'service_guides.phone as guide_phone']);
  }

  async findRequest(id: string, db: Db = this.db): Promise<RequestRow | undefined> {
    return this.requests(db).where('service_requests.id', '=', id).executeTakeFirst();
  }

  async lockRequest(tx: Db, id: string): Promise<RequestRow | undefined> {
    await tx.selectFrom('service_requests').select('id').where('id', '=', id).forUpdate().executeTakeFirst();
    return this.findRequest(id, tx);
  }

  /** Inserts with the next number (BS + China date + sequence); undefined when the id exists. */
  async insertRequest(tx: Db, row: Omit<Insertable<ServiceRequestsTable>, 'number'>): Promise<string | undefined> {
    const day = localDate(row.created_at as Date).replaceAll('-', '');
    const inserted = await tx
      .insertInto('service_requests')
      .values({ ...row, number: sql<string>`${`BS${day}-`} || lpad(nextval('service_request_number_seq')::text, 4, '0')` })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .executeTakeFirst();
    return inserted?.id;
  }

  async updateRequest(tx: Db, id: string, changes: Updateable<ServiceRequestsTable>): Promise<void> {
    await tx.updateTable('service_requests').set(changes).where('id', '=', id).execute();
  }

  async insertEvent(tx: Db, row: Insertable<ServiceRequestEventsTable>): Promise<void> {
    await tx.insertInto('service_request_events').values(row).execute();
  }

  async events(requestId: string): Promise<RequestEventRow[]> {
    return this.db.selectFrom('service_request_events').selectAll().where('request_id', '=', requestId).orderBy('id').execute();
  }

  async lastEvent(tx: Db, requestId: string): Promise<RequestEventRow | undefined> {
    return tx.selectFrom('service_request_events').selectAll().where('request_id', '=', requestId).orderBy('id', 'desc').limit(1).executeTakeFirst();
  }

  async listRequests(filter: RequestFilter, page: PageRequest): Promise<{ rows: RequestRow[]; total: number }> {
    let ids = this.db.selectFrom('service_requests');
    if (filter.requesterId) ids = ids.where('service_requests.requester_id', '=', filter.requesterId);
    if (filter.scopePath) ids = ids.where('service_requests.region_path', 'like', `${filter.scopePath}%`);
    if (filter.state) ids = ids.where('service_requests.state', '=', filter.state);
    if (filter.open) ids = ids.where('service_requests.state', 'in', ['submitted', 'accepted', 'awaiting_materials']);
    if (filter.village) ids = ids.where('service_requests.region_code', '=', filter.village);
    if (filter.q) {
      const like = `%${escapeLike(filter.q)}%`;
      ids = ids.where((eb) => eb.or([eb('service_requests.number', 'like', like), eb('service_requests.guide_name', 'like', like), eb('service_requests.requester_name', 'like', like)]));
    }
    const [rows, total] = await Promise.all([
      this.requests()
        .where('service_requests.id', 'in', ids.select('service_requests.id'))
        .orderBy(sql`CASE service_requests.state WHEN 'submitted' THEN 0 WHEN 'awaiting_materials' THEN 1 WHEN 'accepted' THEN 2 ELSE 3 END`)
        .orderBy('service_requests.created_at', 'desc')
        .orderBy('service_requests.id')
        .limit(page.pageSize)
        .offset(offsetOf(page))
        .execute(),
      ids.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(total.n) };
  }
}
