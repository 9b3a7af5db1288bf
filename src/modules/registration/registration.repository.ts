import type { Selectable, Updateable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { RegistrationsTable, RegistrationStatus, Role, VillageJoinLinksTable } from '../../platform/db/schema.js';
import { offsetOf, type PageRequest } from '../../platform/http/pagination.js';
import { type Scope, subtreePattern } from '../../platform/scope.js';

export type JoinLinkRow = Selectable<VillageJoinLinksTable> & { village_name: string };
export type RegistrationRow = Selectable<RegistrationsTable> & {
  village_name: string;
  household_name: string | null;
  household_address: string | null;
  decided_by_name: string | null;
};

/** The account behind a phone, where it lives and its household (if any). */
export interface AccountByPhone {
  id: string;
  name: string;
  phone: string;
  role: Role;
  region_code: string;
  region_path: string;
  disabled_at: Date | null;
  last_login_at: Date | null;
  must_change_password: boolean;
  household_id: string | null;
  household_path: string | null;
}

export interface VillagerRow {
  id: string;
  name: string;
  phone: string;
  role: Role;
  region_code: string;
  region_path: string;
  household_id: string | null;
  household_name: string | null;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export class RegistrationRepository {
  constructor(private readonly db: Db) {}

  // ---- join links ----

  private links(db: Db) {
    return db.selectFrom('village_join_links').innerJoin('regions', 'regions.code', 'village_join_links.village_code').selectAll('village_join_links').select('regions.name as village_name');
  }

  async linkByToken(token: string): Promise<JoinLinkRow | undefined> {
    return this.links(this.db).where('village_join_links.token', '=', token).executeTakeFirst();
  }

  async linkOf(villageCode: string, db: Db = this.db): Promise<JoinLinkRow | undefined> {
    return this.links(db).where('village_join_links.village_code', '=', villageCode).executeTakeFirst();
  }

  /** The village's first token; a concurrent first request keeps the one that landed. */
  async insertLink(row: Selectable<VillageJoinLinksTable>): Promise<void> {
    await this.db.insertInto('village_join_links').values(row).onConflict((oc) => oc.column('village_code').doNothing()).execute();
  }

  async replaceLink(tx: Db, row: Selectable<VillageJoinLinksTable>): Promise<void> {
    await tx
      .insertInto('village_join_links')
      .values(row)
      .onConflict((oc) => oc.column('village_code').doUpdateSet({ token: row.token, created_by: row.created_by, created_at: row.created_at }))
      .execute();
  }

  /** Names from the county down to the region, e.g. 望都县黑堡乡西阳邱村. */
  async fullName(path: string): Promise<string> {
    const codes = path.split('/').filter(Boolean);
    const rows = await this.db.selectFrom('regions').select(['code', 'name']).where('code', 'in', codes).execute();
    return codes.map((c) => rows.find((r) => r.code === c)?.name ?? '').join('');
  }

  // ---- households of a village, for the public form ----

  /** A few households whose head is named exactly `q` or whose address contains it. */
  async searchHouseholds(villageCode: string, q: string, limit: number) {
    return this.db
      .selectFrom('households')
      .leftJoin('users as head', 'head.id', 'households.head_id')
      .select(['households.id', 'households.address', 'head.name as head_name'])
      .where('households.village_code', '=', villageCode)
      .where((eb) => eb.or([eb('head.name', '=', q), eb('households.address', 'like', `%${escapeLike(q)}%`)]))
      .orderBy('households.address')
      .orderBy('households.id')
      .limit(limit)
      .execute();
  }

  async householdOf(id: string, db: Db = this.db) {
    return db.selectFrom('households').select(['id', 'village_code', 'region_path', 'name']).where('id', '=', id).executeTakeFirst();
  }

  // ---- accounts ----

  async accountByPhone(phone: string, db: Db = this.db): Promise<AccountByPhone | undefined> {
    return db
      .selectFrom('users')
      .innerJoin('regions', 'regions.code', 'users.region_code')
      .leftJoin('household_members', 'household_members.user_id', 'users.id')
      .leftJoin('households', 'households.id', 'household_members.household_id')
      .select([
        'users.id',
        'users.name',
        'users.phone',
        'users.role',
        'users.region_code',
        'regions.path as region_path',
        'users.disabled_at',
        'users.last_login_at',
        'users.must_change_password',
        'household_members.household_id',
        'households.region_path as household_path',
      ])
      .where('users.phone', '=', phone)
      .executeTakeFirst();
  }

  /** Locks an account row for a change of its phone or its first activation. */
  async lockUser(tx: Db, id: string): Promise<void> {
    await tx.selectFrom('users').select('id').where('id', '=', id).forUpdate().executeTakeFirst();
  }

  /** A new villager account; undefined when the phone is taken meanwhile. */
  async insertVillager(tx: Db, row: { phone: string; name: string; region_code: string; password_hash: string; at: Date }): Promise<string | undefined> {
    const inserted = await tx
      .insertInto('users')
      .values({
        phone: row.phone,
        name: row.name,
        role: 'villager',
        region_code: row.region_code,
        password_hash: row.password_hash,
        must_change_password: false,
        password_changed_at: row.at,
        created_at: row.at,
        updated_at: row.at,
      })
      .onConflict((oc) => oc.column('phone').doNothing())
      .returning('id')
      .executeTakeFirst();
    return inserted?.id;
  }

  async updateUser(tx: Db, id: string, changes: { phone?: string; password_hash?: string; must_change_password?: boolean; password_changed_at?: Date; updated_at: Date }): Promise<void> {
    await tx.updateTable('users').set(changes).where('id', '=', id).execute();
  }

  async phoneTaken(phone: string, db: Db = this.db): Promise<boolean> {
    return (await db.selectFrom('users').select('id').where('phone', '=', phone).executeTakeFirst()) !== undefined;
  }

  /** Ends every live session of an account; the number ended. */
  async revokeSessions(tx: Db, userId: string, at: Date): Promise<number> {
    const result = await tx.updateTable('sessions').set({ revoked_at: at }).where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** A villager (or grid worker) in the caller's scope, with their household. */
  async villagerInScope(scope: Scope, id: string, db: Db = this.db): Promise<VillagerRow | undefined> {
    return db
      .selectFrom('users')
      .innerJoin('regions', 'regions.code', 'users.region_code')
      .leftJoin('household_members', 'household_members.user_id', 'users.id')
      .leftJoin('households', 'households.id', 'household_members.household_id')
      .select(['users.id', 'users.name', 'users.phone', 'users.role', 'users.region_code', 'regions.path as region_path', 'household_members.household_id', 'households.name as household_name'])
      .where('users.id', '=', id)
      .where('regions.path', 'like', subtreePattern(scope))
      .executeTakeFirst();
  }

  // ---- registrations ----

  private registrations(db: Db) {
    return db
      .selectFrom('registrations')
      .innerJoin('regions', 'regions.code', 'registrations.village_code')
      .leftJoin('households', 'households.id', 'registrations.household_id')
      .leftJoin('users as decider', 'decider.id', 'registrations.decided_by')
      .selectAll('registrations')
      .select(['regions.name as village_name', 'households.name as household_name', 'households.address as household_address', 'decider.name as decided_by_name']);
  }

  async byKeyHash(hash: string, db: Db = this.db): Promise<RegistrationRow | undefined> {
    return this.registrations(db).where('registrations.status_key_hash', '=', hash).executeTakeFirst();
  }

  async byId(id: string, db: Db = this.db): Promise<RegistrationRow | undefined> {
    return this.registrations(db).where('registrations.id', '=', id).executeTakeFirst();
  }

  async inScope(scope: Scope, id: string, db: Db = this.db): Promise<RegistrationRow | undefined> {
    return this.registrations(db).where('registrations.id', '=', id).where('registrations.region_path', 'like', subtreePattern(scope)).executeTakeFirst();
  }

  /** Locks one registration in scope; undefined when it is not there for this caller. */
  async lockInScope(tx: Db, scope: Scope, id: string): Promise<Selectable<RegistrationsTable> | undefined> {
    return tx.selectFrom('registrations').selectAll().where('id', '=', id).where('region_path', 'like', subtreePattern(scope)).forUpdate().executeTakeFirst();
  }

  async list(scope: Scope, filter: { status: RegistrationStatus; village?: string }, page: PageRequest): Promise<{ rows: RegistrationRow[]; total: number }> {
    let query = this.db.selectFrom('registrations').where('registrations.region_path', 'like', subtreePattern(scope)).where('registrations.status', '=', filter.status);
    if (filter.village) query = query.where('registrations.village_code', '=', filter.village);
    const [rows, total] = await Promise.all([
      this.registrations(this.db)
        .where('registrations.id', 'in', query.select('registrations.id'))
        .orderBy('registrations.created_at', filter.status === 'pending' ? 'asc' : 'desc')
        .orderBy('registrations.id')
        .limit(page.pageSize)
        .offset(offsetOf(page))
        .execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(total.n) };
  }

  /**
   * A pending registration, or the one already pending for this phone and village (a retried or
   * repeated submit): that one keeps its details and takes the newest browser key.
   */
  async upsertPending(tx: Db, row: Omit<Selectable<RegistrationsTable>, 'id' | 'status' | 'user_id' | 'decided_by' | 'decided_at' | 'reason' | 'session_claimed_at'>): Promise<{ id: string; inserted: boolean }> {
    const result = await tx
      .insertInto('registrations')
      .values({ ...row, status: 'pending' })
      .onConflict((oc) =>
        oc
          .columns(['phone', 'village_code'])
          .where('status', '=', 'pending')
          .doUpdateSet({ status_key_hash: row.status_key_hash, updated_at: row.updated_at }),
      )
      .returning(['id', 'created_at'])
      .executeTakeFirstOrThrow();
    return { id: result.id, inserted: result.created_at.getTime() === row.created_at.getTime() };
  }

  async insertMatched(tx: Db, row: Omit<Selectable<RegistrationsTable>, 'id' | 'status' | 'decided_by' | 'decided_at' | 'reason'>): Promise<string> {
    const inserted = await tx.insertInto('registrations').values({ ...row, status: 'matched' }).returning('id').executeTakeFirstOrThrow();
    return inserted.id;
  }

  async update(tx: Db, id: string, changes: Updateable<RegistrationsTable>): Promise<void> {
    await tx.updateTable('registrations').set(changes).where('id', '=', id).execute();
  }

  /** Marks an approved registration's one sign-in as used; false when it was used already. */
  async claimSession(tx: Db, id: string, at: Date): Promise<boolean> {
    const result = await tx
      .updateTable('registrations')
      .set({ session_claimed_at: at, updated_at: at })
      .where('id', '=', id)
      .where('status', '=', 'approved')
      .where('session_claimed_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  // ---- retention (registration-retention.ts) ----

  /**
   * Pending registrations submitted before `before`, locked; one a cadre is deciding right now is
   * skipped (the next run sees it, or it is decided by then).
   */
  async lockPendingBefore(tx: Db, before: Date) {
    return tx
      .selectFrom('registrations')
      .innerJoin('regions', 'regions.code', 'registrations.village_code')
      .select(['registrations.id', 'registrations.phone', 'registrations.region_path', 'regions.name as village_name'])
      .where('registrations.status', '=', 'pending')
      .where('registrations.created_at', '<', before)
      .orderBy('registrations.created_at')
      .forUpdate('registrations')
      .skipLocked()
      .execute();
  }

  /** Deletes refused registrations decided before `before` (with their consent record); how many. */
  async deleteRefusedBefore(before: Date): Promise<number> {
    const result = await this.db.deleteFrom('registrations').where('status', '=', 'refused').where('decided_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Whether an account has been activated by a registration before. */
  async hasRegistration(userId: string, db: Db = this.db): Promise<boolean> {
    return (await db.selectFrom('registrations').select('id').where('user_id', '=', userId).executeTakeFirst()) !== undefined;
  }
}
