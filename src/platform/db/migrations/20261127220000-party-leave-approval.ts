import { type Kysely, sql } from 'kysely';

/**
 * 请假审批: a member's leave from a meeting is asked for and then approved or refused by the branch
 * (党员因故不能参加组织生活须向党支部请假并经批准). Leave taken before this counted as excused, so it
 * becomes approved (by nobody recorded). An attendee on leave has an open or approved request; an
 * open request belongs to an attendee on leave (a refusal puts them back on the list).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE party_attendance
      ADD COLUMN leave_decision text CHECK (leave_decision IN ('pending', 'approved', 'refused')),
      ADD COLUMN leave_decided_by uuid REFERENCES users(id) ON DELETE SET NULL,
      ADD COLUMN leave_decided_by_name text,
      ADD COLUMN leave_decided_at timestamptz,
      ADD COLUMN leave_decision_note text CHECK (length(leave_decision_note) <= 200)`.execute(db);
  await sql`UPDATE party_attendance SET leave_decision = 'approved' WHERE status = 'leave'`.execute(db);
  await sql`
    ALTER TABLE party_attendance
      ADD CONSTRAINT party_attendance_leave_decided CHECK (status <> 'leave' OR coalesce(leave_decision IN ('pending', 'approved'), false)),
      ADD CONSTRAINT party_attendance_pending_on_leave CHECK (leave_decision IS DISTINCT FROM 'pending' OR status = 'leave')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // Refused requests were put back on the list already; pending and approved ones stay leave, as before.
  await sql`
    ALTER TABLE party_attendance
      DROP CONSTRAINT party_attendance_leave_decided,
      DROP CONSTRAINT party_attendance_pending_on_leave,
      DROP COLUMN leave_decision,
      DROP COLUMN leave_decided_by,
      DROP COLUMN leave_decided_by_name,
      DROP COLUMN leave_decided_at,
      DROP COLUMN leave_decision_note`.execute(db);
}
