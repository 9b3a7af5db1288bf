import type { Db } from '../../platform/db/database.js';

export class CalendarRepository {
  constructor(private readonly db: Db) {}

  async all(db: Db = this.db): Promise<{ date: string; is_workday: boolean; name: string }[]> {
    return db.selectFrom('calendar_overrides').select(['date', 'is_workday', 'name']).orderBy('date').execute();
  }

  async inYear(year: number) {
    return this.db
      .selectFrom('calendar_overrides')
      .select(['date', 'is_workday', 'name'])
      .where('date', '>=', `${year}-01-01`)
      .where('date', '<=', `${year}-12-31`)
      .orderBy('date')
      .execute();
  }

  async find(date: string) {
    return this.db.selectFrom('calendar_overrides').select(['date', 'is_workday', 'name']).where('date', '=', date).executeTakeFirst();
  }

  async upsert(tx: Db, row: { date: string; isWorkday: boolean; name: string }, at: Date) {
    await tx
      .insertInto('calendar_overrides')
      .values({ date: row.date, is_workday: row.isWorkday, name: row.name, updated_at: at })
      .onConflict((oc) => oc.column('date').doUpdateSet({ is_workday: row.isWorkday, name: row.name, updated_at: at }))
      .execute();
  }

  async remove(tx: Db, date: string): Promise<boolean> {
    const result = await tx.deleteFrom('calendar_overrides').where('date', '=', date).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
