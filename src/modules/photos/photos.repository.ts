import type { Db } from '../../platform/db/database.js';
import type { NewPhotoRow, PhotoKind, PhotoRow } from '../../platform/db/schema.js';

export type AttachCandidate = Pick<PhotoRow, 'id' | 'owner_id' | 'case_id' | 'claim_id' | 'meeting_id' | 'kind'>;

/** What a photo is attached to: a case (report or resolution photos), a points claim (evidence) or a party meeting. */
export type AttachTarget = { caseId: string; kind: 'report' | 'resolution' } | { claimId: string; kind: 'claim' } | { meetingId: string; kind: 'meeting' };

export class PhotosRepository {
  constructor(private readonly db: Db) {}

  async insertMany(rows: NewPhotoRow[], db: Db = this.db): Promise<PhotoRow[]> {
    if (rows.length === 0) return [];
    return db.insertInto('photos').values(rows).returningAll().execute();
  }

  /** Unscoped: callers either hold a valid signed URL for the id or check the case first. */
  async findById(id: string): Promise<PhotoRow | undefined> {
    return this.db.selectFrom('photos').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Locks the rows until the transaction ends, so two cases cannot both claim a photo. */
  async lockForAttach(tx: Db, ids: string[]): Promise<AttachCandidate[]> {
    if (ids.length === 0) return [];
    return tx.selectFrom('photos').select(['id', 'owner_id', 'case_id', 'claim_id', 'meeting_id', 'kind']).where('id', 'in', ids).forUpdate().execute();
  }

  async attach(tx: Db, ids: string[], target: AttachTarget, at: Date): Promise<number> {
    if (ids.length === 0) return 0;
    const owner = 'caseId' in target ? { case_id: target.caseId } : 'claimId' in target ? { claim_id: target.claimId } : { meeting_id: target.meetingId };
    const result = await tx
      .updateTable('photos')
      .set({ ...owner, kind: target.kind, attached_at: at })
      .where('id', 'in', ids)
      .where('attached_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async listForCase(caseId: string, kind?: PhotoKind): Promise<PhotoRow[]> {
    let query = this.db.selectFrom('photos').selectAll().where('case_id', '=', caseId);
    if (kind) query = query.where('kind', '=', kind);
    return query.orderBy('attached_at').orderBy('created_at').orderBy('id').execute();
  }

  async listForClaim(claimId: string): Promise<PhotoRow[]> {
    return this.db.selectFrom('photos').selectAll().where('claim_id', '=', claimId).orderBy('attached_at').orderBy('created_at').orderBy('id').execute();
  }

  async listForMeeting(meetingId: string): Promise<PhotoRow[]> {
    return this.db.selectFrom('photos').selectAll().where('meeting_id', '=', meetingId).orderBy('attached_at').orderBy('created_at').orderBy('id').execute();
  }

  async countUploadedSince(ownerId: string, since: Date): Promise<number> {
    const row = await this.db
      .selectFrom('photos')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('owner_id', '=', ownerId)
      .where('attached_at', 'is', null)
      .where('created_at', '>=', since)
      .executeTakeFirstOrThrow();
    return row.n;
  }

  /** Deletes unattached photos created before the cutoff; returns their blob keys. */
  async deleteUnattachedBefore(cutoff: Date, limit: number): Promise<Pick<PhotoRow, 'id' | 'blob_key' | 'thumb_key'>[]> {
    return this.db
      .deleteFrom('photos')
      .where('id', 'in', (eb) =>
        eb.selectFrom('photos').select('id').where('attached_at', 'is', null).where('created_at', '<', cutoff).orderBy('created_at').limit(limit),
      )
      // Re-checked on the locked row: a photo attached meanwhile is kept.
      .where('attached_at', 'is', null)
      .returning(['id', 'blob_key', 'thumb_key'])
      .execute();
  }
  /** GPS positions recorded in the EXIF of these photos of the owner, in the order asked. */
  async exifPositions(ids: string[], ownerId: string): Promise<{ id: string; exif_lat: number | null; exif_lon: number | null }[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('photos')
      .select(['id', 'exif_lat', 'exif_lon'])
      .where('id', 'in', ids)
      .where('owner_id', '=', ownerId)
      .execute();
    return ids.flatMap((id) => rows.filter((row) => row.id === id));
  }
}
