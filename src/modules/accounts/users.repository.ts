import type { Db } from '../../platform/db/database.js';
import type { NewUserRow, Role, UserRow, UserUpdate } from '../../platform/db/schema.js';
import { offsetOf, type PageRequest } from '../../platform/http/pagination.js';
import { type Scope, subtreePattern } from '../../platform/scope.js';

export type UserWithRegion = UserRow & { region_name: string; region_path: string };

export interface UserFilter {
  role?: Role;
  region?: string;
  q?: string;
  includeDisabled?: boolean;
}

export class UsersRepository {
  constructor(private readonly db: Db) {}

  private withRegion(db: Db = this.db) {
    return db
      .selectFrom('users')
      .innerJoin('regions', 'regions.code', 'users.region_code')
      .selectAll('users')
      .select(['regions.name as region_name', 'regions.path as region_path']);
  }

  /** Unscoped: for login, and for the auth hook resolving a session's own user. */
  async findByPhone(phone: string): Promise<UserWithRegion | undefined> {
    return this.withRegion().where('users.phone', '=', phone).executeTakeFirst();
  }

  async findById(id: string, db: Db = this.db): Promise<UserWithRegion | undefined> {
    return this.withRegion(db).where('users.id', '=', id).executeTakeFirst();
  }

  async findInScope(scope: Scope, id: string, db: Db = this.db): Promise<UserWithRegion | undefined> {
    return this.withRegion(db).where('users.id', '=', id).where('regions.path', 'like', subtreePattern(scope)).executeTakeFirst();
  }

  async list(scope: Scope, filter: UserFilter, page: PageRequest): Promise<{ rows: UserWithRegion[]; total: number }> {
    let query = this.db
      .selectFrom('users')
      .innerJoin('regions', 'regions.code', 'users.region_code')
      .where('regions.path', 'like', subtreePattern(scope));
    if (filter.role) query = query.where('users.role', '=', filter.role);
    if (filter.region) query = query.where('users.region_code', '=', filter.region);
    if (!filter.includeDisabled) query = query.where('users.disabled_at', 'is', null);
    if (filter.q) {
      const like = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query = query.where((eb) => eb.or([eb('users.name', 'like', like), eb('users.phone', 'like', like)]));
    }
    const [rows, total] = await Promise.all([
      query
        .selectAll('users')
        .select(['regions.name as region_name', 'regions.path as region_path'])
        .orderBy('regions.path')
        .orderBy('users.created_at')
        .limit(page.pageSize)
        .offset(offsetOf(page))
        .execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: total.n };
  }

  /** Inserts unless the phone is taken; returns the new id, or undefined on conflict. */
  async insert(row: NewUserRow, db: Db = this.db): Promise<string | undefined> {
    const result = await db
      .insertInto('users')
      .values(row)
      .onConflict((oc) => oc.column('phone').doNothing())
      .returning('id')
      .executeTakeFirst();
    return result?.id;
  }

  /** Serialises one user's session changes (the concurrent-session limit) within a transaction. */
  async lock(id: string, tx: Db): Promise<void> {
    await tx.selectFrom('users').select('id').where('id', '=', id).forUpdate().executeTakeFirst();
  }

  async update(id: string, changes: UserUpdate, db: Db = this.db): Promise<void> {
    await db.updateTable('users').set(changes).where('id', '=', id).execute();
  }

  /** Active users with one of `roles` whose region is exactly `regionCode`. */
  async activeAt(regionCode: string, roles: Role[], db: Db = this.db) {
    if (roles.length === 0) return [];
    return db
      .selectFrom('users')
      .select(['id', 'name', 'phone', 'role'])
      .where('region_code', '=', regionCode)
      .where('role', 'in', roles)
      .where('disabled_at', 'is', null)
      .execute();
  }

  /** Active users with one of `roles` at or below the region path. */
  async activeWithin(regionPath: string, roles: Role[], db: Db = this.db) {
    if (roles.length === 0) return [];
    return db
      .selectFrom('users')
      .innerJoin('regions', 'regions.code', 'users.region_code')
      .select(['users.id', 'users.name', 'users.phone', 'users.role'])
      .where('regions.path', 'like', `${regionPath}%`)
      .where('users.role', 'in', roles)
      .where('users.disabled_at', 'is', null)
      .execute();
  }

  async countAll(): Promise<number> {
    const row = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return row.n;
  }
}
