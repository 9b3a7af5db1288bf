import type { Db } from './database.js';

/** Small platform-wide facts, such as whether this database holds the demo data. */
export class MetaRepository {
  constructor(private readonly db: Db) {}

  async get<T>(key: string): Promise<T | undefined> {
    const row = await this.db.selectFrom('platform_meta').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value as T | undefined;
  }

  async set(key: string, value: unknown): Promise<void> {
    const json = JSON.stringify(value);
    await this.db
      .insertInto('platform_meta')
      .values({ key, value: json })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: json, updated_at: new Date() }))
      .execute();
  }
}
