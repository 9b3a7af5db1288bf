import type { Db } from '../../platform/db/database.js';
import { type Scope, subtreePattern } from '../../platform/scope.js';

export class Open311KeysRepository {
  constructor(private readonly db: Db) {}

  async insert(tx: Db, row: { keyHash: string; name: string; regionCode: string; createdBy: string; at: Date }) {
    return tx
      .insertInto('open311_keys')
      .values({ key_hash: row.keyHash, name: row.name, region_code: row.regionCode, created_by: row.createdBy, created_at: row.at })
      .returning(['id', 'name', 'region_code', 'created_at', 'revoked_at'])
      .executeTakeFirstOrThrow();
  }

  /** A live key with the path of its region. */
  async findLive(keyHash: string) {
    return this.db
      .selectFrom('open311_keys')
      .innerJoin('regions', 'regions.code', 'open311_keys.region_code')
      .select(['open311_keys.id', 'open311_keys.region_code', 'regions.path'])
      .where('key_hash', '=', keyHash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
  }

  async list(scope: Scope) {
    return this.db
      .selectFrom('open311_keys')
      .innerJoin('regions', 'regions.code', 'open311_keys.region_code')
      .select(['open311_keys.id', 'open311_keys.name', 'open311_keys.region_code', 'open311_keys.created_at', 'open311_keys.revoked_at', 'regions.path'])
      .where('regions.path', 'like', subtreePattern(scope))
      .orderBy('open311_keys.created_at', 'desc')
      .execute();
  }

  async findInScope(scope: Scope, id: string) {
    return this.db
      .selectFrom('open311_keys')
      .innerJoin('regions', 'regions.code', 'open311_keys.region_code')
      .select(['open311_keys.id', 'open311_keys.revoked_at', 'regions.path'])
      .where('open311_keys.id', '=', id)
      .where('regions.path', 'like', subtreePattern(scope))
      .executeTakeFirst();
  }

  async revoke(tx: Db, id: string, at: Date) {
    await tx.updateTable('open311_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  }
}
