import type { Db } from '../../platform/db/database.js';

export interface DutyPerson {
  userId: string;
  name: string;
  phone: string;
}

export class DutyRepository {
  constructor(private readonly db: Db) {}

  /** A township the caller may see: its own subtree or an ancestor of it (cadres see their township). */
  async township(code: string) {
    return this.db.selectFrom('regions').select(['code', 'name', 'path']).where('code', '=', code).where('level', '=', 'township').executeTakeFirst();
  }

  /** Who may be put on duty: the township's staff accounts that are not disabled. */
  async candidates(townshipCode: string, db: Db = this.db): Promise<DutyPerson[]> {
    return db
      .selectFrom('users')
      .select(['id as userId', 'name', 'phone'])
      .where('region_code', '=', townshipCode)
      .where('role', '=', 'township_staff')
      .where('disabled_at', 'is', null)
      .orderBy('name')
      .orderBy('id')
      .execute();
  }

  async days(townshipCode: string, from: string, to: string): Promise<(DutyPerson & { date: string })[]> {
    return this.db
      .selectFrom('duty_roster as d')
      .innerJoin('users as u', 'u.id', 'd.user_id')
      .select(['d.date', 'u.id as userId', 'u.name', 'u.phone'])
      .where('d.township_code', '=', townshipCode)
      .where('d.date', '>=', from)
      .where('d.date', '<=', to)
      .orderBy('d.date')
      .orderBy('u.name')
      .execute();
  }

  /** The day's people who can still be reached (a disabled account is skipped, not an error). */
  async onDay(townshipCode: string, date: string, db: Db = this.db): Promise<DutyPerson[]> {
    return db
      .selectFrom('duty_roster as d')
      .innerJoin('users as u', 'u.id', 'd.user_id')
      .select(['u.id as userId', 'u.name', 'u.phone'])
      .where('d.township_code', '=', townshipCode)
      .where('d.date', '=', date)
      .where('u.disabled_at', 'is', null)
      .orderBy('u.name')
      .orderBy('u.id')
      .execute();
  }

  async replaceDay(tx: Db, townshipCode: string, date: string, userIds: string[], by: string): Promise<string[]> {
    const before = await tx
      .deleteFrom('duty_roster')
      .where('township_code', '=', townshipCode)
      .where('date', '=', date)
      .returning('user_id')
      .execute();
    if (userIds.length > 0) {
      await tx
        .insertInto('duty_roster')
        .values(userIds.map((userId) => ({ township_code: townshipCode, date, user_id: userId, created_by: by })))
        .execute();
    }
    return before.map((row) => row.user_id);
  }
}
