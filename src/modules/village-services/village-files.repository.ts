import type { Insertable, Selectable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { VillageFilesTable } from '../../platform/db/schema.js';

export type VillageFileRow = Selectable<VillageFilesTable>;

/** What a file is attached to: a notice (its attachments and photos), a care visit (its photos) or a party study material. */
export type FileTarget = { noticeId: string } | { visitId: string } | { materialId: string };
export type FileTargetKind = 'notice' | 'visit' | 'material';

const COLUMN = { notice: 'notice_id', visit: 'visit_id', material: 'material_id' } as const;

/** The column that names a target, and the target's id. */
export function targetColumn(target: FileTarget): { column: (typeof COLUMN)[FileTargetKind]; id: string } {
  if ('noticeId' in target) return { column: COLUMN.notice, id: target.noticeId };
  if ('visitId' in target) return { column: COLUMN.visit, id: target.visitId };
  return { column: COLUMN.material, id: target.materialId };
}

/** SQL of the files attached to notices, visits and study materials; nothing else touches `village_files`. */
export class VillageFilesRepository {
  constructor(private readonly db: Db) {}

  async insertMany(rows: Insertable<VillageFilesTable>[]): Promise<VillageFileRow[]> {
    if (rows.length === 0) return [];
    return this.db.insertInto('village_files').values(rows).returningAll().execute();
  }

  async findById(id: string): Promise<VillageFileRow | undefined> {
    return this.db.selectFrom('village_files').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async lock(tx: Db, ids: string[]): Promise<VillageFileRow[]> {
    if (ids.length === 0) return [];
    return tx.selectFrom('village_files').selectAll().where('id', 'in', ids).forUpdate().execute();
  }

  async attach(tx: Db, ids: string[], target: FileTarget, at: Date): Promise<void> {
    const { column, id: targetId } = targetColumn(target);
    for (const [order, id] of ids.entries()) {
      await tx
        .updateTable('village_files')
        .set({ [column]: targetId, attached_at: at, sort_order: order })
        .where('id', '=', id)
        .execute();
    }
  }

  /** Files of the target not among `keep` go back to unattached (and are purged with the others). */
  async detachOthers(tx: Db, target: FileTarget, keep: string[]): Promise<void> {
    const { column, id } = targetColumn(target);
    let query = tx.updateTable('village_files').set({ [column]: null, attached_at: null }).where(column, '=', id);
    if (keep.length > 0) query = query.where('id', 'not in', keep);
    await query.execute();
  }

  async listFor(target: FileTargetKind, ids: string[]): Promise<VillageFileRow[]> {
    if (ids.length === 0) return [];
    return this.db
      .selectFrom('village_files')
      .selectAll()
      .where(COLUMN[target], 'in', ids)
      .orderBy('sort_order')
      .orderBy('created_at')
      .execute();
  }

  async countUnattachedSince(ownerId: string, since: Date): Promise<number> {
    const row = await this.db
      .selectFrom('village_files')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('owner_id', '=', ownerId)
      .where('attached_at', 'is', null)
      .where('created_at', '>=', since)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async deleteUnattachedBefore(cutoff: Date, limit: number): Promise<Pick<VillageFileRow, 'id' | 'blob_key' | 'thumb_key'>[]> {
    return this.db
      .deleteFrom('village_files')
      .where('id', 'in', (eb) => eb.selectFrom('village_files').select('id').where('attached_at', 'is', null).where('created_at', '<', cutoff).orderBy('created_at').limit(limit))
      .where('attached_at', 'is', null)
      .returning(['id', 'blob_key', 'thumb_key'])
      .execute();
  }
}
