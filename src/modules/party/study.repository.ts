import type { ExpressionBuilder, Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { Database, PartyStudyMaterialsTable, PartyStudyRecordsTable } from '../../platform/db/schema.js';
import { offsetOf, type PageRequest } from '../../platform/http/pagination.js';
import type { PathPrefix } from './party.repository.js';

export type MaterialRow = Selectable<PartyStudyMaterialsTable> & { region_name: string };
export type StudyRecordRow = Selectable<PartyStudyRecordsTable> & { member_name: string };

const under = (prefix: PathPrefix) => `${prefix}%`;

/** Study materials, their assignments and members' study records. The only SQL of those tables. */
export class StudyRepository {
  constructor(private readonly db: Db) {}

  private materials(db: Db = this.db) {
    return db.selectFrom('party_study_materials as s').innerJoin('regions as r', 'r.code', 's.region_code').selectAll('s').select('r.name as region_name');
  }

  /**
   * Materials made under the prefix, or assigned to one of `assignedTo` (made higher up, e.g. by the
   * township for every branch); with `onlyAssigned`, only the latter.
   */
  async list(prefix: PathPrefix, assignedTo: string[], onlyAssigned: boolean, page: PageRequest): Promise<{ rows: MaterialRow[]; total: number }> {
    const assigned = (eb: ExpressionBuilder<Database, 'party_study_materials'>) =>
      assignedTo.length === 0
        ? eb.val(false)
        : eb('party_study_materials.id', 'in', eb.selectFrom('party_study_assignments').select('material_id').where('organisation_id', 'in', assignedTo));
    const query = this.db
      .selectFrom('party_study_materials')
      .where((eb) => (onlyAssigned ? assigned(eb) : eb.or([eb('party_study_materials.region_path', 'like', under(prefix)), assigned(eb)])));
    const ids = query.select('party_study_materials.id');
    const [rows, total] = await Promise.all([
      this.materials().where('s.id', 'in', ids).orderBy('s.created_at', 'desc').orderBy('s.id').limit(page.pageSize).offset(offsetOf(page)).execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: total.n };
  }

  async byId(id: string, db: Db = this.db): Promise<MaterialRow | undefined> {
    return this.materials(db).where('s.id', '=', id).executeTakeFirst();
  }

  /** Active materials assigned to any of these organisations. */
  async assignedTo(organisationIds: string[], db: Db = this.db): Promise<MaterialRow[]> {
    if (organisationIds.length === 0) return [];
    return this.materials(db)
      .where('s.active', '=', true)
      .where('s.id', 'in', (eb) => eb.selectFrom('party_study_assignments').select('material_id').where('organisation_id', 'in', organisationIds))
      .orderBy('s.created_at', 'desc')
      .execute();
  }

  async assignments(materialIds: string[], db: Db = this.db): Promise<{ material_id: string; organisation_id: string; name: string }[]> {
    if (materialIds.length === 0) return [];
    return db
      .selectFrom('party_study_assignments as a')
      .innerJoin('party_organisations as o', 'o.id', 'a.organisation_id')
      .select(['a.material_id', 'a.organisation_id', 'o.name'])
      .where('a.material_id', 'in', materialIds)
      .orderBy('o.region_path')
      .orderBy('o.name')
      .execute();
  }

  async insert(tx: Db, row: Insertable<PartyStudyMaterialsTable>): Promise<boolean> {
    const inserted = await tx.insertInto('party_study_materials').values(row).onConflict((oc) => oc.column('id').doNothing()).returning('id').executeTakeFirst();
    return inserted !== undefined;
  }

  async update(tx: Db, id: string, changes: Updateable<PartyStudyMaterialsTable>): Promise<void> {
    await tx.updateTable('party_study_materials').set(changes).where('id', '=', id).execute();
  }

  async assign(tx: Db, materialId: string, organisationIds: string[], at: Date): Promise<void> {
    await tx.deleteFrom('party_study_assignments').where('material_id', '=', materialId).where('organisation_id', 'not in', organisationIds).execute();
    await tx
      .insertInto('party_study_assignments')
      .values(organisationIds.map((organisation_id) => ({ material_id: materialId, organisation_id, assigned_at: at })))
      .onConflict((oc) => oc.columns(['material_id', 'organisation_id']).doNothing())
      .execute();
  }

  // ---- records ----------------------------------------------------------------------------------

  async insertRecord(tx: Db, row: Insertable<PartyStudyRecordsTable>): Promise<void> {
    await tx.insertInto('party_study_records').values(row).onConflict((oc) => oc.column('id').doNothing()).execute();
  }

  async record(id: string, db: Db = this.db): Promise<StudyRecordRow | undefined> {
    return db
      .selectFrom('party_study_records as s')
      .innerJoin('party_members as m', 'm.id', 's.member_id')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .selectAll('s')
      .select('u.name as member_name')
      .where('s.id', '=', id)
      .executeTakeFirst();
  }

  async recordsOf(memberId: string, from: string, to: string, db: Db = this.db): Promise<StudyRecordRow[]> {
    return db
      .selectFrom('party_study_records as s')
      .innerJoin('party_members as m', 'm.id', 's.member_id')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .selectAll('s')
      .select('u.name as member_name')
      .where('s.member_id', '=', memberId)
      .where('s.studied_on', '>=', from)
      .where('s.studied_on', '<=', to)
      .orderBy('s.studied_on', 'desc')
      .orderBy('s.created_at', 'desc')
      .execute();
  }

  /** Minutes studied per member between two days (inclusive), wherever they were members then. */
  async minutesByMember(memberIds: string[], from: string, to: string, db: Db = this.db): Promise<Map<string, number>> {
    if (memberIds.length === 0) return new Map();
    const rows = await db
      .selectFrom('party_study_records')
      .select('member_id')
      .select((eb) => eb.fn.sum<number>('minutes').as('minutes'))
      .where('member_id', 'in', memberIds)
      .where('studied_on', '>=', from)
      .where('studied_on', '<=', to)
      .groupBy('member_id')
      .execute();
    return new Map(rows.map((row) => [row.member_id, Number(row.minutes)]));
  }
}
