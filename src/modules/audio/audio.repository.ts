import type { Db } from '../../platform/db/database.js';
import type { AudioClipRow, NewAudioClipRow } from '../../platform/db/schema.js';
import { type Scope, subtreePattern } from '../../platform/scope.js';

export class AudioRepository {
  constructor(private readonly db: Db) {}

  async insert(row: NewAudioClipRow, db: Db = this.db): Promise<AudioClipRow> {
    return db.insertInto('audio_clips').values(row).returningAll().executeTakeFirstOrThrow();
  }

  /** Inserts a synthesised clip unless one with the same cache key exists; undefined when it did. */
  async insertTtsIfAbsent(row: NewAudioClipRow, db: Db = this.db): Promise<AudioClipRow | undefined> {
    return db
      .insertInto('audio_clips')
      .values(row)
      .onConflict((oc) => oc.column('cache_key').doNothing())
      .returningAll()
      .executeTakeFirst();
  }

  async findByCacheKey(cacheKey: string): Promise<AudioClipRow | undefined> {
    return this.db.selectFrom('audio_clips').selectAll().where('cache_key', '=', cacheKey).executeTakeFirst();
  }

  /** Unscoped: for a holder of a signed URL, and for other modules that check their own rights. */
  async findById(id: string): Promise<AudioClipRow | undefined> {
    return this.db.selectFrom('audio_clips').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * The clip when the scope may read it: made in the scope's subtree, or above it (a township's
   * announcement is there for its villages to broadcast; a platform clip, path '/', for all).
   */
  async findInScope(id: string, scope: Scope): Promise<AudioClipRow | undefined> {
    return this.db
      .selectFrom('audio_clips')
      .selectAll()
      .where('id', '=', id)
      .where((eb) => eb.or([eb('region_path', 'like', subtreePattern(scope)), eb.fn<boolean>('starts_with', [eb.val(scope.path), eb.ref('region_path')])]))
      .executeTakeFirst();
  }

  /** Moves a clip up to `path`, only if nobody moved it meanwhile; false when someone did. */
  async widen(id: string, from: string, to: string): Promise<boolean> {
    const result = await this.db.updateTable('audio_clips').set({ region_path: to }).where('id', '=', id).where('region_path', '=', from).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async countCreatedSince(userId: string, since: Date): Promise<number> {
    const row = await this.db
      .selectFrom('audio_clips')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('created_by', '=', userId)
      .where('created_at', '>=', since)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
