import type { Selectable, Updateable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { HouseholdsTable, Role } from '../../platform/db/schema.js';
import { offsetOf, type PageRequest } from '../../platform/http/pagination.js';
import { type Scope, subtreePattern } from '../../platform/scope.js';

export type HouseholdRow = Selectable<HouseholdsTable> & { village_name: string; head_name: string | null; member_count: number };

export interface MemberRow {
  user_id: string;
  name: string;
  role: Role;
  joined_at: Date;
}

/** A person as the points and households modules need them: where they live and in which household. */
export interface PersonRow {
  id: string;
  name: string;
  role: Role;
  region_code: string;
  region_path: string;
  disabled_at: Date | null;
  household_id: string | null;
}

export interface HouseholdFilter {
  village?: string;
  q?: string;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export class HouseholdsRepository {
  constructor(private readonly db: Db) {}

  private withDetails(db: Db = this.db) {
    return db
      .selectFrom('households')
      .innerJoin('regions', 'regions.code', 'households.village_code')
      .leftJoin('users as head', 'head.id', 'households.head_id')
      .selectAll('households')
      .select(['regions.name as village_name', 'head.name as head_name'])
      .select((eb) =>
        eb
          .selectFrom('household_members')
          .whereRef('household_members.household_id', '=', 'households.id')
          .select((m) => m.fn.countAll<number>().as('n'))
          .as('member_count'),
      );
  }

  private static row<T extends { member_count: number | null }>(row: T): T & { member_count: number } {
    return { ...row, member_count: Number(row.member_count ?? 0) };
  }

  async findById(id: string, db: Db = this.db): Promise<HouseholdRow | undefined> {
    const row = await this.withDetails(db).where('households.id', '=', id).executeTakeFirst();
    return row && HouseholdsRepository.row(row);
  }

  async findInScope(scope: Scope, id: string, db: Db = this.db): Promise<HouseholdRow | undefined> {
    const row = await this.withDetails(db).where('households.id', '=', id).where('households.region_path', 'like', subtreePattern(scope)).executeTakeFirst();
    return row && HouseholdsRepository.row(row);
  }

  /** Locks the household row for a change of its members or head. */
  async lockById(tx: Db, id: string): Promise<void> {
    await tx.selectFrom('households').select('id').where('id', '=', id).forUpdate().executeTakeFirst();
  }

  async list(scope: Scope, filter: HouseholdFilter, page: PageRequest): Promise<{ rows: HouseholdRow[]; total: number }> {
    let query = this.db.selectFrom('households').where('households.region_path', 'like', subtreePattern(scope));
    if (filter.village) query = query.where('households.village_code', '=', filter.village);
    if (filter.q) {
      const like = `%${escapeLike(filter.q)}%`;
      query = query.where((eb) => eb.or([eb('households.name', 'like', like), eb('households.address', 'like', like)]));
    }
    const ids = query.select('households.id');
    const [rows, total] = await Promise.all([
      this.withDetails()
        .where('households.id', 'in', ids)
        .orderBy('households.region_path')
        .orderBy('households.name')
        .orderBy('households.id')
        .limit(page.pageSize)
        .offset(offsetOf(page))
        .execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows: rows.map((row) => HouseholdsRepository.row(row)), total: total.n };
  }

  async members(householdId: string, db: Db = this.db): Promise<MemberRow[]> {
    return db
      .selectFrom('household_members')
      .innerJoin('users', 'users.id', 'household_members.user_id')
      .select(['household_members.user_id', 'users.name', 'users.role', 'household_members.joined_at'])
      .where('household_members.household_id', '=', householdId)
      .orderBy('household_members.joined_at')
      .orderBy('users.name')
      .execute();
  }

  async householdIdOf(userId: string, db: Db = this.db): Promise<string | undefined> {
    const row = await db.selectFrom('household_members').select('household_id').where('user_id', '=', userId).executeTakeFirst();
    return row?.household_id;
  }

  /** Unscoped: the caller checks the person against its own scope. */
  async person(userId: string, db: Db = this.db): Promise<PersonRow | undefined> {
    return db
      .selectFrom('users')
      .innerJoin('regions', 'regions.code', 'users.region_code')
      .leftJoin('household_members', 'household_members.user_id', 'users.id')
      .select(['users.id', 'users.name', 'users.role', 'users.region_code', 'regions.path as region_path', 'users.disabled_at', 'household_members.household_id'])
      .where('users.id', '=', userId)
      .executeTakeFirst();
  }

  async insert(tx: Db, row: { id?: string; village_code: string; region_path: string; name: string; address: string | null; created_at: Date }): Promise<string | undefined> {
    const inserted = await tx
      .insertInto('households')
      .values({ ...row, head_id: null, updated_at: row.created_at })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .executeTakeFirst();
    return inserted?.id;
  }

  async userIdByPhone(phone: string, db: Db = this.db): Promise<string | undefined> {
    return (await db.selectFrom('users').select('id').where('phone', '=', phone).executeTakeFirst())?.id;
  }

  async update(tx: Db, id: string, changes: Updateable<HouseholdsTable>): Promise<void> {
    await tx.updateTable('households').set(changes).where('id', '=', id).execute();
  }

  /** Adds a member unless the person already belongs to a household; true when added. */
  async addMember(tx: Db, householdId: string, userId: string, at: Date): Promise<boolean> {
    const row = await tx
      .insertInto('household_members')
      .values({ household_id: householdId, user_id: userId, joined_at: at })
      .onConflict((oc) => oc.column('user_id').doNothing())
      .returning('user_id')
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Puts a person in a household, out of the one they were in (whose head they stop being); the
   * household they were in before (null: none).
   */
  async moveMember(tx: Db, householdId: string, userId: string, at: Date): Promise<string | null> {
    const before = await tx.selectFrom('household_members').select('household_id').where('user_id', '=', userId).forUpdate().executeTakeFirst();
    if (before?.household_id === householdId) return householdId;
    if (before) {
      await tx.deleteFrom('household_members').where('user_id', '=', userId).execute();
      await tx.updateTable('households').set({ head_id: null, updated_at: at }).where('id', '=', before.household_id).where('head_id', '=', userId).execute();
    }
    await tx.insertInto('household_members').values({ household_id: householdId, user_id: userId, joined_at: at }).execute();
    return before?.household_id ?? null;
  }

  async removeMember(tx: Db, householdId: string, userId: string): Promise<boolean> {
    const result = await tx.deleteFrom('household_members').where('household_id', '=', householdId).where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
