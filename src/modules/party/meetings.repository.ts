import { type Insertable, type Selectable, sql, type Updateable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type {
  PartyAttendanceStatus,
  PartyAttendanceTable,
  PartyLeaveDecision,
  PartyMeetingsTable,
  PartyMeetingStatus,
  PartyMeetingTypesTable,
  PartySignInMethod,
} from '../../platform/db/schema.js';
import { offsetOf, type PageRequest } from '../../platform/http/pagination.js';
import type { PathPrefix } from './party.repository.js';

export type MeetingTypeRow = Selectable<PartyMeetingTypesTable>;

export type MeetingRow = Selectable<PartyMeetingsTable> & {
  organisation_name: string;
  organisation_kind: 'committee' | 'general_branch' | 'branch' | 'group';
  type_name: string;
  expected: number;
  attended: number;
  on_leave: number;
};

export type AttendanceRow = Selectable<PartyAttendanceTable> & { is_mobile: boolean };

export interface MeetingFilter {
  organisationIds?: string[];
  type?: string;
  status?: PartyMeetingStatus;
  from?: Date;
  to?: Date;
}

/** Held meetings counted for completion: per organisation, type and meeting. */
export interface HeldMeetingRow {
  organisation_id: string;
  branch_id: string | null;
  type_code: string;
  status: PartyMeetingStatus;
  starts_at: Date;
  entered_late: boolean;
}

/** The branch's answer to a leave request (null: no request, or one withdrawn by attending). */
export interface LeaveChange {
  decision: PartyLeaveDecision | null;
  by: { id: string; name: string };
  at: Date;
  note?: string | null;
}

const under = (prefix: PathPrefix) => `${prefix}%`;

const leaveFields = (change: LeaveChange) =>
  change.decision === null
    ? { leave_decision: null, leave_decided_by: null, leave_decided_by_name: null, leave_decided_at: null, leave_decision_note: null }
    : { leave_decision: change.decision, leave_decided_by: change.by.id, leave_decided_by_name: change.by.name, leave_decided_at: change.at, leave_decision_note: change.note ?? null };

/** Meeting types, meetings, attendance. The only SQL of those tables. */
export class MeetingsRepository {
  constructor(private readonly db: Db) {}

  // ---- types ------------------------------------------------------------------------------------

  async types(includeInactive: boolean, db: Db = this.db): Promise<MeetingTypeRow[]> {
    let query = db.selectFrom('party_meeting_types').selectAll();
    if (!includeInactive) query = query.where('active', '=', true);
    return query.orderBy('sort_order').orderBy('code').execute();
  }

  async type(code: string, db: Db = this.db): Promise<MeetingTypeRow | undefined> {
    return db.selectFrom('party_meeting_types').selectAll().where('code', '=', code).executeTakeFirst();
  }

  /** False when the code or the name is taken. */
  async insertType(tx: Db, row: Insertable<PartyMeetingTypesTable>): Promise<boolean> {
    const inserted = await tx.insertInto('party_meeting_types').values(row).onConflict((oc) => oc.doNothing()).returning('code').executeTakeFirst();
    return inserted !== undefined;
  }

  async typeNameTaken(name: string, exceptCode: string, db: Db = this.db): Promise<boolean> {
    return (await db.selectFrom('party_meeting_types').select('code').where('name', '=', name).where('code', '<>', exceptCode).executeTakeFirst()) !== undefined;
  }

  async updateType(tx: Db, code: string, changes: Updateable<PartyMeetingTypesTable>): Promise<void> {
    await tx.updateTable('party_meeting_types').set(changes).where('code', '=', code).execute();
  }

  // ---- meetings ---------------------------------------------------------------------------------

  private meetings(db: Db = this.db) {
    return db
      .selectFrom('party_meetings as m')
      .innerJoin('party_organisations as o', 'o.id', 'm.organisation_id')
      .innerJoin('party_meeting_types as t', 't.code', 'm.type_code')
      .selectAll('m')
      .select(['o.name as organisation_name', 'o.kind as organisation_kind', 't.name as type_name'])
      .select((eb) => [
        eb.selectFrom('party_attendance as a').whereRef('a.meeting_id', '=', 'm.id').select((s) => s.fn.countAll<number>().as('n')).as('expected'),
        eb
          .selectFrom('party_attendance as a')
          .whereRef('a.meeting_id', '=', 'm.id')
          .where('a.status', 'in', ['present', 'late'])
          .select((s) => s.fn.countAll<number>().as('n'))
          .as('attended'),
        eb
          .selectFrom('party_attendance as a')
          .whereRef('a.meeting_id', '=', 'm.id')
          .where('a.status', '=', 'leave')
          .where('a.leave_decision', '=', 'approved')
          .select((s) => s.fn.countAll<number>().as('n'))
          .as('on_leave'),
      ]);
  }

  private static row<T extends { expected: number | null; attended: number | null; on_leave: number | null }>(row: T) {
    return { ...row, expected: Number(row.expected ?? 0), attended: Number(row.attended ?? 0), on_leave: Number(row.on_leave ?? 0) };
  }

  async list(prefix: PathPrefix, filter: MeetingFilter, page: PageRequest): Promise<{ rows: MeetingRow[]; total: number }> {
    let query = this.db.selectFrom('party_meetings as m').where('m.region_path', 'like', under(prefix));
    if (filter.organisationIds) {
      const ids = filter.organisationIds;
      if (ids.length === 0) return { rows: [], total: 0 };
      query = query.where((eb) => eb.or([eb('m.organisation_id', 'in', ids), eb('m.branch_id', 'in', ids)]));
    }
    if (filter.type) query = query.where('m.type_code', '=', filter.type);
    if (filter.status) query = query.where('m.status', '=', filter.status);
    if (filter.from) query = query.where('m.starts_at', '>=', filter.from);
    if (filter.to) query = query.where('m.starts_at', '<', filter.to);
    const ids = query.select('m.id');
    const [rows, total] = await Promise.all([
      this.meetings().where('m.id', 'in', ids).orderBy('m.starts_at', 'desc').orderBy('m.id').limit(page.pageSize).offset(offsetOf(page)).execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows: rows.map((row) => MeetingsRepository.row(row)), total: total.n };
  }

  async find(prefix: PathPrefix, id: string, db: Db = this.db): Promise<MeetingRow | undefined> {
    const row = await this.meetings(db).where('m.id', '=', id).where('m.region_path', 'like', under(prefix)).executeTakeFirst();
    return row && MeetingsRepository.row(row);
  }

  async byId(id: string, db: Db = this.db): Promise<MeetingRow | undefined> {
    const row = await this.meetings(db).where('m.id', '=', id).executeTakeFirst();
    return row && MeetingsRepository.row(row);
  }

  async lock(tx: Db, id: string): Promise<void> {
    await tx.selectFrom('party_meetings').select('id').where('id', '=', id).forUpdate().executeTakeFirst();
  }

  /** Inserts unless the id exists (demo seeding); true when inserted. */
  async insert(tx: Db, row: Insertable<PartyMeetingsTable>): Promise<boolean> {
    const inserted = await tx.insertInto('party_meetings').values(row).onConflict((oc) => oc.column('id').doNothing()).returning('id').executeTakeFirst();
    return inserted !== undefined;
  }

  async update(tx: Db, id: string, changes: Updateable<PartyMeetingsTable>): Promise<void> {
    await tx.updateTable('party_meetings').set(changes).where('id', '=', id).execute();
  }

  /** The meetings a member is expected at: upcoming (not over) soonest first, or past newest first. */
  async ofMember(memberId: string, when: 'upcoming' | 'past', now: Date, limit: number): Promise<MeetingRow[]> {
    let query = this.meetings().where('m.id', 'in', (eb) => eb.selectFrom('party_attendance').select('meeting_id').where('member_id', '=', memberId));
    query = when === 'upcoming' ? query.where('m.ends_at', '>', now).where('m.status', '<>', 'cancelled').orderBy('m.starts_at') : query.where('m.ends_at', '<=', now).orderBy('m.starts_at', 'desc');
    const rows = await query.orderBy('m.id').limit(limit).execute();
    return rows.map((row) => MeetingsRepository.row(row));
  }

  /** Meetings of these organisations starting in [from, to), not cancelled (for completion). */
  async inWindow(organisationIds: string[], from: Date, to: Date, db: Db = this.db): Promise<HeldMeetingRow[]> {
    if (organisationIds.length === 0) return [];
    return db
      .selectFrom('party_meetings')
      .select(['organisation_id', 'branch_id', 'type_code', 'status', 'starts_at', 'entered_late'])
      .where('organisation_id', 'in', organisationIds)
      .where('status', '<>', 'cancelled')
      .where('starts_at', '>=', from)
      .where('starts_at', '<', to)
      .execute();
  }

  async countHeld(prefix: PathPrefix, from: Date, to: Date, db: Db = this.db): Promise<number> {
    const row = await db
      .selectFrom('party_meetings')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('region_path', 'like', under(prefix))
      .where('status', '=', 'held')
      .where('starts_at', '>=', from)
      .where('starts_at', '<', to)
      .executeTakeFirstOrThrow();
    return row.n;
  }

  async countUpcoming(prefix: PathPrefix, from: Date, to: Date, db: Db = this.db): Promise<number> {
    const row = await db
      .selectFrom('party_meetings')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('region_path', 'like', under(prefix))
      .where('status', '=', 'planned')
      .where('starts_at', '>=', from)
      .where('starts_at', '<', to)
      .executeTakeFirstOrThrow();
    return row.n;
  }

  // ---- attendance -------------------------------------------------------------------------------

  async attendance(meetingId: string, db: Db = this.db): Promise<AttendanceRow[]> {
    return db
      .selectFrom('party_attendance as a')
      .innerJoin('party_members as m', 'm.id', 'a.member_id')
      .selectAll('a')
      .select('m.is_mobile')
      .where('a.meeting_id', '=', meetingId)
      .orderBy('a.member_name')
      .execute();
  }

  async attendanceOf(meetingIds: string[], memberId: string, db: Db = this.db): Promise<Selectable<PartyAttendanceTable>[]> {
    if (meetingIds.length === 0) return [];
    return db.selectFrom('party_attendance').selectAll().where('meeting_id', 'in', meetingIds).where('member_id', '=', memberId).execute();
  }

  async attendee(tx: Db, meetingId: string, memberId: string): Promise<Selectable<PartyAttendanceTable> | undefined> {
    return tx.selectFrom('party_attendance').selectAll().where('meeting_id', '=', meetingId).where('member_id', '=', memberId).forUpdate().executeTakeFirst();
  }

  async addAttendees(tx: Db, meetingId: string, members: { id: string; name: string }[]): Promise<void> {
    if (members.length === 0) return;
    await tx
      .insertInto('party_attendance')
      .values(members.map((m) => ({ meeting_id: meetingId, member_id: m.id, member_name: m.name })))
      .onConflict((oc) => oc.columns(['meeting_id', 'member_id']).doNothing())
      .execute();
  }

  /** Removes expected attendees who have not signed in or asked for leave (a changed plan). */
  async removeAttendees(tx: Db, meetingId: string, memberIds: string[]): Promise<void> {
    if (memberIds.length === 0) return;
    await tx.deleteFrom('party_attendance').where('meeting_id', '=', meetingId).where('member_id', 'in', memberIds).where('status', '=', 'expected').execute();
  }

  /** Signing in withdraws an open leave request: the member came. */
  async signIn(tx: Db, meetingId: string, memberId: string, change: { status: 'present' | 'late'; method: PartySignInMethod; at: Date }): Promise<void> {
    await tx
      .updateTable('party_attendance')
      .set({ status: change.status, method: change.method, signed_in_at: change.at, leave_decision: sql<PartyLeaveDecision | null>`nullif(leave_decision, 'pending')` })
      .where('meeting_id', '=', meetingId)
      .where('member_id', '=', memberId)
      .execute();
  }

  async requestLeave(tx: Db, meetingId: string, memberId: string, reason: string, at: Date): Promise<void> {
    await tx
      .updateTable('party_attendance')
      .set({ status: 'leave', leave_reason: reason, leave_requested_at: at, leave_decision: 'pending' })
      .where('meeting_id', '=', meetingId)
      .where('member_id', '=', memberId)
      .execute();
  }

  async decideLeave(tx: Db, meetingId: string, memberId: string, status: PartyAttendanceStatus, change: LeaveChange): Promise<void> {
    await tx
      .updateTable('party_attendance')
      .set({ status, ...leaveFields(change) })
      .where('meeting_id', '=', meetingId)
      .where('member_id', '=', memberId)
      .execute();
  }

  /** A recorder's correction: sign-ins stay as signed; others are marked by hand (with the leave answer it gives). */
  async mark(tx: Db, meetingId: string, memberId: string, status: Exclude<PartyAttendanceStatus, 'expected'>, by: string, at: Date, late: boolean, leave?: LeaveChange): Promise<void> {
    const method = status === 'present' || status === 'late' ? ('recorded' as const) : null;
    await tx
      .updateTable('party_attendance')
      .set({ status, method, recorded_by: by, recorded_at: at, entered_late: late, ...(leave && leaveFields(leave)) })
      .where('meeting_id', '=', meetingId)
      .where('member_id', '=', memberId)
      .execute();
  }

  /** Expected attendees of a held meeting who neither signed in nor asked for leave become absent. */
  async closeAttendance(tx: Db, meetingId: string): Promise<void> {
    await tx.updateTable('party_attendance').set({ status: 'absent' }).where('meeting_id', '=', meetingId).where('status', '=', 'expected').execute();
  }

  /** Attendance of held meetings starting in [from, to) under the prefix, per organisation and member. */
  async attendanceFigures(
    prefix: PathPrefix,
    from: Date,
    to: Date,
    db: Db = this.db,
  ): Promise<
    { meeting_id: string; organisation_id: string; branch_id: string | null; member_id: string; member_name: string; status: PartyAttendanceStatus; leave_decision: PartyLeaveDecision | null }[]
  > {
    return db
      .selectFrom('party_attendance as a')
      .innerJoin('party_meetings as m', 'm.id', 'a.meeting_id')
      .select(['a.meeting_id', 'm.organisation_id', 'm.branch_id', 'a.member_id', 'a.member_name', 'a.status', 'a.leave_decision'])
      .where('m.region_path', 'like', under(prefix))
      .where('m.status', '=', 'held')
      .where('m.starts_at', '>=', from)
      .where('m.starts_at', '<', to)
      .execute();
  }
}
