import { type Insertable, type Selectable, sql, type Updateable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type {
  PartyMembersTable,
  PartyMemberStatus,
  PartyOfficerPost,
  PartyOrganisationsTable,
  PartyOrgKind,
} from '../../platform/db/schema.js';
import { offsetOf, type PageRequest } from '../../platform/http/pagination.js';

/** The region path prefix everything is filtered by: the caller's scope, or a region inside it. */
export type PathPrefix = string;

export type OrganisationRow = Selectable<PartyOrganisationsTable> & { region_name: string; parent_name: string | null };

export interface OfficerRow {
  organisation_id: string;
  organisation_name: string;
  member_id: string;
  name: string;
  post: PartyOfficerPost;
  title: string | null;
}

export type MemberRow = Selectable<PartyMembersTable> & {
  name: string;
  phone: string;
  branch_name: string;
  group_name: string | null;
  village_name: string;
};

export interface MemberFilter {
  /** Members of these organisations (branch_id or group_id in the list). */
  organisationIds?: string[];
  status?: PartyMemberStatus;
  mobile?: boolean;
  q?: string;
}

export interface PersonRow {
  id: string;
  name: string;
  phone: string;
  region_path: string;
  disabled_at: Date | null;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
const under = (prefix: PathPrefix) => `${prefix}%`;

/** Organisations, officers, members, transfers and the module's settings. The only SQL of those tables. */
export class PartyRepository {
  constructor(private readonly db: Db) {}

  // ---- organisations ----------------------------------------------------------------------------

  private organisations(db: Db = this.db) {
    return db
      .selectFrom('party_organisations as o')
      .innerJoin('regions as r', 'r.code', 'o.region_code')
      .leftJoin('party_organisations as p', 'p.id', 'o.parent_id')
      .selectAll('o')
      .select(['r.name as region_name', 'p.name as parent_name']);
  }

  async listOrganisations(prefix: PathPrefix, filter: { kind?: PartyOrgKind; includeInactive?: boolean } = {}, db: Db = this.db): Promise<OrganisationRow[]> {
    let query = this.organisations(db).where('o.region_path', 'like', under(prefix));
    if (filter.kind) query = query.where('o.kind', '=', filter.kind);
    if (!filter.includeInactive) query = query.where('o.active', '=', true);
    return query.orderBy('o.region_path').orderBy('o.sort_order').orderBy('o.name').execute();
  }

  async findOrganisation(prefix: PathPrefix, id: string, db: Db = this.db): Promise<OrganisationRow | undefined> {
    return this.organisations(db).where('o.id', '=', id).where('o.region_path', 'like', under(prefix)).executeTakeFirst();
  }

  /** Unscoped: for reminders and for a member's own branch. */
  async organisationById(id: string, db: Db = this.db): Promise<OrganisationRow | undefined> {
    return this.organisations(db).where('o.id', '=', id).executeTakeFirst();
  }

  /** Every organisation, unscoped (the reminder job looks at all branches). */
  async allActiveOrganisations(db: Db = this.db): Promise<OrganisationRow[]> {
    return this.organisations(db).where('o.active', '=', true).orderBy('o.region_path').orderBy('o.sort_order').execute();
  }

  /** Inserts unless the id exists (demo seeding); true when inserted. */
  async insertOrganisation(tx: Db, row: Insertable<PartyOrganisationsTable>): Promise<boolean> {
    const inserted = await tx.insertInto('party_organisations').values(row).onConflict((oc) => oc.column('id').doNothing()).returning('id').executeTakeFirst();
    return inserted !== undefined;
  }

  async nameTaken(parentId: string | null, name: string, exceptId: string | null, db: Db = this.db): Promise<boolean> {
    let query = db.selectFrom('party_organisations').select('id').where('name', '=', name);
    query = parentId ? query.where('parent_id', '=', parentId) : query.where('parent_id', 'is', null);
    if (exceptId) query = query.where('id', '<>', exceptId);
    return (await query.executeTakeFirst()) !== undefined;
  }

  async updateOrganisation(tx: Db, id: string, changes: Updateable<PartyOrganisationsTable>): Promise<void> {
    await tx.updateTable('party_organisations').set(changes).where('id', '=', id).execute();
  }

  /** Full and probationary members per branch and per group. */
  async memberCounts(prefix: PathPrefix, db: Db = this.db): Promise<Map<string, number>> {
    const rows = await db
      .selectFrom('party_members')
      .select(['branch_id', 'group_id'])
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('region_path', 'like', under(prefix))
      .where('status', 'in', ['full', 'probationary'])
      .groupBy(['branch_id', 'group_id'])
      .execute();
    const counts = new Map<string, number>();
    const add = (id: string, n: number) => counts.set(id, (counts.get(id) ?? 0) + n);
    for (const row of rows) {
      add(row.branch_id, row.n);
      if (row.group_id) add(row.group_id, row.n);
    }
    return counts;
  }

  // ---- officers ---------------------------------------------------------------------------------

  async officersOf(organisationIds: string[], db: Db = this.db): Promise<OfficerRow[]> {
    if (organisationIds.length === 0) return [];
    return db
      .selectFrom('party_officers as f')
      .innerJoin('party_members as m', 'm.id', 'f.member_id')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .innerJoin('party_organisations as o', 'o.id', 'f.organisation_id')
      .select(['f.organisation_id', 'o.name as organisation_name', 'f.member_id', 'u.name', 'f.post', 'f.title'])
      .where('f.organisation_id', 'in', organisationIds)
      .orderBy('f.organisation_id')
      .orderBy('f.sort_order')
      .execute();
  }

  async postsOf(memberIds: string[], db: Db = this.db): Promise<OfficerRow[]> {
    if (memberIds.length === 0) return [];
    return db
      .selectFrom('party_officers as f')
      .innerJoin('party_members as m', 'm.id', 'f.member_id')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .innerJoin('party_organisations as o', 'o.id', 'f.organisation_id')
      .select(['f.organisation_id', 'o.name as organisation_name', 'f.member_id', 'u.name', 'f.post', 'f.title'])
      .where('f.member_id', 'in', memberIds)
      .orderBy('f.sort_order')
      .execute();
  }

  async replaceOfficers(tx: Db, organisationId: string, officers: { member_id: string; post: PartyOfficerPost; title: string | null }[]): Promise<void> {
    await tx.deleteFrom('party_officers').where('organisation_id', '=', organisationId).execute();
    if (officers.length === 0) return;
    await tx
      .insertInto('party_officers')
      .values(officers.map((o, i) => ({ organisation_id: organisationId, member_id: o.member_id, post: o.post, title: o.title, sort_order: i })))
      .execute();
  }

  async removePosts(tx: Db, memberId: string): Promise<void> {
    await tx.deleteFrom('party_officers').where('member_id', '=', memberId).execute();
  }

  /** The accounts of the secretaries (and deputies) of organisations, for reminders. */
  async secretaryUsers(organisationIds: string[], db: Db = this.db): Promise<{ organisation_id: string; user_id: string }[]> {
    if (organisationIds.length === 0) return [];
    return db
      .selectFrom('party_officers as f')
      .innerJoin('party_members as m', 'm.id', 'f.member_id')
      .select(['f.organisation_id', 'm.user_id'])
      .where('f.organisation_id', 'in', organisationIds)
      .where('f.post', 'in', ['secretary', 'deputy_secretary'])
      .execute();
  }

  // ---- members ----------------------------------------------------------------------------------

  private members(db: Db = this.db) {
    return db
      .selectFrom('party_members as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .innerJoin('party_organisations as b', 'b.id', 'm.branch_id')
      .innerJoin('regions as r', 'r.code', 'b.region_code')
      .leftJoin('party_organisations as g', 'g.id', 'm.group_id')
      .selectAll('m')
      .select(['u.name', 'u.phone', 'b.name as branch_name', 'g.name as group_name', 'r.name as village_name']);
  }

  async listMembers(prefix: PathPrefix, filter: MemberFilter, page: PageRequest): Promise<{ rows: MemberRow[]; total: number }> {
    let query = this.members().where('m.region_path', 'like', under(prefix));
    if (filter.organisationIds) {
      const ids = filter.organisationIds;
      if (ids.length === 0) return { rows: [], total: 0 };
      query = query.where((eb) => eb.or([eb('m.branch_id', 'in', ids), eb('m.group_id', 'in', ids)]));
    }
    if (filter.status) query = query.where('m.status', '=', filter.status);
    if (filter.mobile !== undefined) query = query.where('m.is_mobile', '=', filter.mobile);
    if (filter.q) {
      const like = `%${escapeLike(filter.q)}%`;
      query = query.where((eb) => eb.or([eb('u.name', 'like', like), eb('u.phone', 'like', like)]));
    }
    const [rows, total] = await Promise.all([
      query
        .orderBy('m.region_path')
        .orderBy('b.name')
        .orderBy(sql`array_position(ARRAY['full', 'probationary', 'candidate', 'activist'], m.status)`)
        .orderBy('u.name')
        .orderBy('m.id')
        .limit(page.pageSize)
        .offset(offsetOf(page))
        .execute(),
      query.clearSelect().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: total.n };
  }

  /** Members of these branches or groups with these statuses (unpaged; a branch has tens, not thousands). */
  async membersOf(organisationIds: string[], statuses: PartyMemberStatus[] | null, db: Db = this.db): Promise<MemberRow[]> {
    if (organisationIds.length === 0) return [];
    let query = this.members(db).where((eb) => eb.or([eb('m.branch_id', 'in', organisationIds), eb('m.group_id', 'in', organisationIds)]));
    if (statuses) query = query.where('m.status', 'in', statuses);
    return query.orderBy('b.name').orderBy('u.name').execute();
  }

  async membersByIds(ids: string[], db: Db = this.db): Promise<MemberRow[]> {
    if (ids.length === 0) return [];
    return this.members(db).where('m.id', 'in', ids).execute();
  }

  async findMember(prefix: PathPrefix, id: string, db: Db = this.db): Promise<MemberRow | undefined> {
    return this.members(db).where('m.id', '=', id).where('m.region_path', 'like', under(prefix)).executeTakeFirst();
  }

  async memberById(id: string, db: Db = this.db): Promise<MemberRow | undefined> {
    return this.members(db).where('m.id', '=', id).executeTakeFirst();
  }

  async memberOfUser(userId: string, db: Db = this.db): Promise<MemberRow | undefined> {
    return this.members(db).where('m.user_id', '=', userId).executeTakeFirst();
  }

  async lockMember(tx: Db, id: string): Promise<void> {
    await tx.selectFrom('party_members').select('id').where('id', '=', id).forUpdate().executeTakeFirst();
  }

  /** Inserts unless the account is a member already; the new id, or undefined. */
  async insertMember(tx: Db, row: Insertable<PartyMembersTable>): Promise<string | undefined> {
    const inserted = await tx.insertInto('party_members').values(row).onConflict((oc) => oc.column('user_id').doNothing()).returning('id').executeTakeFirst();
    return inserted?.id;
  }

  async updateMember(tx: Db, id: string, changes: Updateable<PartyMembersTable>): Promise<void> {
    await tx.updateTable('party_members').set(changes).where('id', '=', id).execute();
  }

  async insertTransfer(
    tx: Db,
    row: {
      member_id: string;
      from_branch_id: string;
      from_branch_name: string;
      from_group_name: string | null;
      to_branch_id: string;
      to_branch_name: string;
      to_group_name: string | null;
      reason: string;
      transferred_at: Date;
      by_user_id: string | null;
      by_name: string;
    },
  ): Promise<void> {
    await tx.insertInto('party_member_transfers').values(row).execute();
  }

  async transfersOf(memberId: string, db: Db = this.db) {
    return db.selectFrom('party_member_transfers').selectAll().where('member_id', '=', memberId).orderBy('transferred_at').orderBy('id').execute();
  }

  /** Groups of a branch (officers and meetings of 党小组). */
  async groupsOf(branchIds: string[], db: Db = this.db): Promise<{ id: string; parent_id: string; name: string; created_at: Date }[]> {
    if (branchIds.length === 0) return [];
    const rows = await db
      .selectFrom('party_organisations')
      .select(['id', 'parent_id', 'name', 'created_at'])
      .where('kind', '=', 'group')
      .where('active', '=', true)
      .where('parent_id', 'in', branchIds)
      .orderBy('sort_order')
      .orderBy('name')
      .execute();
    return rows.map((row) => ({ ...row, parent_id: row.parent_id! }));
  }

  // ---- accounts the module links to ---------------------------------------------------------------

  async personById(userId: string, db: Db = this.db): Promise<PersonRow | undefined> {
    return db
      .selectFrom('users')
      .innerJoin('regions', 'regions.code', 'users.region_code')
      .select(['users.id', 'users.name', 'users.phone', 'regions.path as region_path', 'users.disabled_at'])
      .where('users.id', '=', userId)
      .executeTakeFirst();
  }

  async personByPhone(phone: string, db: Db = this.db): Promise<PersonRow | undefined> {
    return db
      .selectFrom('users')
      .innerJoin('regions', 'regions.code', 'users.region_code')
      .select(['users.id', 'users.name', 'users.phone', 'regions.path as region_path', 'users.disabled_at'])
      .where('users.phone', '=', phone)
      .executeTakeFirst();
  }

  /** Users with one of the roles whose region is exactly this one (a village's branch secretaries). */
  async usersAt(regionCodes: string[], roles: ('branch_secretary' | 'township_staff')[], db: Db = this.db): Promise<{ id: string; region_code: string }[]> {
    if (regionCodes.length === 0) return [];
    return db
      .selectFrom('users')
      .select(['id', 'region_code'])
      .where('region_code', 'in', regionCodes)
      .where('role', 'in', roles)
      .where('disabled_at', 'is', null)
      .execute();
  }

  async region(code: string, db: Db = this.db): Promise<{ code: string; name: string; path: string; level: string } | undefined> {
    return db.selectFrom('regions').select(['code', 'name', 'path', 'level']).where('code', '=', code).executeTakeFirst();
  }

  // ---- figures ----------------------------------------------------------------------------------

  async memberFigures(prefix: PathPrefix, db: Db = this.db): Promise<{ status: PartyMemberStatus; mobile: boolean; n: number }[]> {
    const rows = await db
      .selectFrom('party_members')
      .select(['status', 'is_mobile as mobile'])
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('region_path', 'like', under(prefix))
      .groupBy(['status', 'is_mobile'])
      .execute();
    return rows;
  }

  async organisationFigures(prefix: PathPrefix, db: Db = this.db): Promise<{ kind: PartyOrgKind; n: number }[]> {
    return db
      .selectFrom('party_organisations')
      .select('kind')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('region_path', 'like', under(prefix))
      .where('active', '=', true)
      .groupBy('kind')
      .execute();
  }

  // ---- settings ---------------------------------------------------------------------------------

  async setting<T>(key: string, db: Db = this.db): Promise<T | undefined> {
    const row = await db.selectFrom('party_settings').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value as T | undefined;
  }

  async saveSetting(tx: Db, key: string, value: unknown, at: Date): Promise<void> {
    const json = JSON.stringify(value);
    await tx
      .insertInto('party_settings')
      .values({ key, value: json, updated_at: at })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: json, updated_at: at }))
      .execute();
  }
}
