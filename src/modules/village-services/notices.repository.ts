import { type Insertable, type Selectable, sql, type Updateable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { NoticeKind, NoticesTable, NoticeState } from '../../platform/db/schema.js';
import { offsetOf, type PageRequest } from '../../platform/http/pagination.js';

export type NoticeRow = Selectable<NoticesTable> & { region_name: string; region_level: string; file_count: number; read: boolean };

export interface NoticeFilter {
  kind?: NoticeKind;
  affairsCategory?: string;
  q?: string;
  region?: string;
  state: NoticeState;
  /** Published from this instant on, before `until`. */
  since?: Date;
  until?: Date;
}

/**
 * Who sees what: `readerPath` reads published notices of its own region, the regions above it
 * (the township's notices reach its villages) and, for `below` (publishers and staff), the regions
 * under it. Drafts and withdrawn notices only in `below`.
 */
export interface NoticeAudience {
  readerPath: string;
  below: boolean;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export class NoticesRepository {
  constructor(private readonly db: Db) {}

  private base(db: Db, readerId: string | null) {
    return db
      .selectFrom('notices')
      .innerJoin('regions', 'regions.code', 'notices.region_code')
      .selectAll('notices')
      .select(['regions.name as region_name', 'regions.level as region_level'])
      .select((eb) =>
        eb
          .selectFrom('village_files')
          .whereRef('village_files.notice_id', '=', 'notices.id')
          .select((f) => f.fn.countAll<number>().as('n'))
          .as('file_count'),
      )
      .select(
        (readerId ? sql<boolean>`EXISTS (SELECT 1 FROM notice_reads WHERE notice_reads.notice_id = notices.id AND notice_reads.user_id = ${readerId})` : sql<boolean>`false`).as('read'),
      );
  }

  private static row<T extends { file_count: number | null; read: unknown }>(row: T) {
    return { ...row, file_count: Number(row.file_count ?? 0), read: row.read === true };
  }

  async findById(id: string, readerId: string | null = null, db: Db = this.db): Promise<NoticeRow | undefined> {
    const row = await this.base(db, readerId).where('notices.id', '=', id).executeTakeFirst();
    return row && NoticesRepository.row(row);
  }

  async lock(tx: Db, id: string): Promise<void> {
    await tx.selectFrom('notices').select('id').where('id', '=', id).forUpdate().executeTakeFirst();
  }

  async insert(tx: Db, row: Insertable<NoticesTable>): Promise<boolean> {
    const inserted = await tx.insertInto('notices').values(row).onConflict((oc) => oc.column('id').doNothing()).returning('id').executeTakeFirst();
    return inserted !== undefined;
  }

  async update(tx: Db, id: string, changes: Updateable<NoticesTable>): Promise<void> {
    await tx.updateTable('notices').set(changes).where('id', '=', id).execute();
  }

  async list(audience: NoticeAudience, readerId: string | null, filter: NoticeFilter, page: PageRequest): Promise<{ rows: NoticeRow[]; total: number }> {
    let ids = this.db.selectFrom('notices').where('notices.state', '=', filter.state);
    const above = sql<boolean>`${audience.readerPath} LIKE notices.region_path || '%'`;
    if (filter.state === 'published') {
      ids = ids.where((eb) => (audience.below ? eb.or([above, eb('notices.region_path', 'like', `${audience.readerPath}%`)]) : above));
    } else {
      ids = ids.where('notices.region_path', 'like', `${audience.readerPath}%`);
    }
    if (filter.kind) ids = ids.where('notices.kind', '=', filter.kind);
    if (filter.affairsCategory) ids = ids.where('notices.affairs_category', '=', filter.affairsCategory as never);
    if (filter.region) ids = ids.where('notices.region_code', '=', filter.region);
    if (filter.since) ids = ids.where('notices.published_at', '>=', filter.since);
    if (filter.until) ids = ids.where('notices.published_at', '<', filter.until);
    if (filter.q) {
      const like = `%${escapeLike(filter.q)}%`;
      ids = ids.where((eb) => eb.or([eb('notices.title', 'like', like), eb('notices.body', 'like', like)]));
    }
    const [rows, total] = await Promise.all([
      this.base(this.db, readerId)
        .where('notices.id', 'in', ids.select('notices.id'))
        .orderBy('notices.pinned', 'desc')
        .orderBy(sql`coalesce(notices.published_at, notices.updated_at)`, 'desc')
        .orderBy('notices.id')
        .limit(page.pageSize)
        .offset(offsetOf(page))
        .execute(),
      ids.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows: rows.map((row) => NoticesRepository.row(row)), total: Number(total.n) };
  }

  /** Records the first read of a person; true when this was it (and the count went up). */
  async recordRead(tx: Db, noticeId: string, userId: string, at: Date): Promise<boolean> {
    const inserted = await tx
      .insertInto('notice_reads')
      .values({ notice_id: noticeId, user_id: userId, read_at: at })
      .onConflict((oc) => oc.columns(['notice_id', 'user_id']).doNothing())
      .returning('user_id')
      .executeTakeFirst();
    if (!inserted) return false;
    await tx.updateTable('notices').set((eb) => ({ read_count: eb('read_count', '+', 1) })).where('id', '=', noticeId).execute();
    return true;
  }

  /** Active accounts at or below the region: whom a notice there reaches. */
  async audience(regionPath: string): Promise<number> {
    const row = await this.db
      .selectFrom('users')
      .innerJoin('regions', 'regions.code', 'users.region_code')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('regions.path', 'like', `${regionPath}%`)
      .where('users.disabled_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
