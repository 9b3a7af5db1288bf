import { randomUUID } from 'node:crypto';
import QRCode from 'qrcode';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { Selectable } from 'kysely';
import type { PartyAttendanceStatus, PartyAttendanceTable, PartyLeaveDecision, PartyOrgKind } from '../../platform/db/schema.js';
import { AppError, type FieldProblem, fieldError } from '../../platform/http/errors.js';
import type { JobQueue } from '../../platform/jobs/job-queue.js';
import type { Actor, RequestMeta } from '../../platform/request-context.js';
import type { UrlSigner } from '../../platform/signing.js';
import { can, requirePermission } from '../accounts/policies.js';
import type { AuditService } from '../audit/audit.service.js';
import type { NotificationsService } from '../notifications/notifications.service.js';
import type { PhotoView } from '../photos/photos.schema.js';
import { localDateTime, toCsv } from '../points/points-model.js';
import { daysLeft, monthAt, nextPeriod, type Period, type PeriodFrequency, periodOf, reminderAt } from './party-periods.js';
import { isLateEntry, QR_TTL_SECONDS, signInTiming, signInWindow } from './party-rules.js';
import type { AttendanceRow, HeldMeetingRow, MeetingRow, MeetingsRepository, MeetingTypeRow } from './meetings.repository.js';
import type { MemberRow, OrganisationRow, PathPrefix } from './party.repository.js';
import type {
  AttendanceQuery,
  AttendanceRates,
  CompletionItem,
  CompletionQuery,
  CompletionView,
  CreateMeetingBody,
  CreateMeetingTypeBody,
  LeaveDecisionBody,
  ListMeetingsQuery,
  MeetingDetail,
  MeetingSummary,
  MeetingTypeView,
  MyMeetingsQuery,
  RecordBody,
  SignInBody,
  SignInResult,
  UpdateMeetingBody,
  UpdateMeetingTypeBody,
} from './party.schema.js';
import { managedPrefix, MEMBER_STATUSES, type PartyService, treeOrder } from './party.service.js';

/** The durable job that reminds secretaries before a period ends without its required meetings. */
export const REMINDER_JOB = 'party.reminder';

/** The photos module, as the meetings need it. */
export interface MeetingPhotos {
  attachToMeeting(tx: Db, input: { photoIds: string[]; ownerId: string; meetingId: string; field?: string }): Promise<void>;
  listForMeeting(meetingId: string): Promise<PhotoView[]>;
}

const MAX_MEETING_HOURS = 24;
const MODE_LABEL = { onsite: '现场', online: '线上', hybrid: '现场+线上' } as const;

/** Which organisations hold a type's meetings. */
const holders: Record<MeetingTypeRow['held_by'], PartyOrgKind[]> = { committee: ['committee'], branch: ['branch', 'general_branch'], group: ['group'] };

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const shanghaiTime = (d: Date) => localDateTime(d).slice(5, 16);

/** What an attendee's row reads as: still expected after sign-in closed means absent. */
function displayStatus(status: PartyAttendanceStatus, meeting: Pick<MeetingRow, 'signin_closes_at'>, now: Date): PartyAttendanceStatus {
  return status === 'expected' && now > meeting.signin_closes_at ? 'absent' : status;
}

/**
 * The leave answer a recorder's correction gives: marking leave approves (or excuses one who never
 * asked), marking absent refuses an open request, marking present withdraws it (the member came).
 */
function leaveAfterMark(current: PartyLeaveDecision | null, status: Exclude<PartyAttendanceStatus, 'expected'>): Exclude<PartyLeaveDecision, 'pending'> | null {
  if (status === 'leave') return 'approved';
  if (current !== 'pending') return current;
  return status === 'absent' ? 'refused' : null;
}

interface ReminderPayload {
  frequency: PeriodFrequency;
  month: string;
}

/**
 * 三会一课 and the other regular meetings: types and their required frequency, planning, on-site
 * (QR) and remote sign-in inside the meeting's window, leave, the record entered afterwards (late
 * entries marked 补录), completion per organisation and period, and reminders before a period ends.
 */
export class MeetingsService {
  constructor(
    private readonly deps: {
      db: Db;
      repository: MeetingsRepository;
      party: PartyService;
      photos: MeetingPhotos;
      notifications: NotificationsService;
      jobs: JobQueue;
      signer: UrlSigner;
      audit: AuditService;
      clock: Clock;
    },
  ) {
    deps.jobs.register(REMINDER_JOB, (tx, payload, now) => this.remind(tx, payload as unknown as ReminderPayload, now));
  }

  private get orgs() {
    return this.deps.party.repository;
  }

  // ---- types ------------------------------------------------------------------------------------

  async types(actor: Actor, includeInactive: boolean): Promise<{ items: MeetingTypeView[] }> {
    managedPrefix(actor);
    return { items: (await this.deps.repository.types(includeInactive)).map(toTypeView) };
  }

  async createType(actor: Actor, body: CreateMeetingTypeBody, meta: RequestMeta): Promise<MeetingTypeView> {
    requirePermission(actor.role, 'party.configure');
    await this.deps.db.transaction().execute(async (tx) => {
      const inserted = await this.deps.repository.insertType(tx, {
        code: body.code,
        name: body.name,
        frequency: body.frequency,
        required_count: body.requiredCount,
        held_by: body.heldBy,
        ...(body.sortOrder !== undefined && { sort_order: body.sortOrder }),
      });
      if (!inserted) throw new AppError('PARTY_MEETING_TYPE_EXISTS');
      await this.ensureReminders(tx);
      await this.deps.audit.record(tx, actor, meta, { action: 'party.meeting_type_create', targetType: 'party_meeting_type', targetId: body.code, regionPath: '/', details: { ...body } });
    });
    return toTypeView((await this.deps.repository.type(body.code))!);
  }

  async updateType(actor: Actor, code: string, body: UpdateMeetingTypeBody, meta: RequestMeta): Promise<MeetingTypeView> {
    requirePermission(actor.role, 'party.configure');
    const before = await this.deps.repository.type(code);
    if (!before) throw new AppError('PARTY_MEETING_TYPE_NOT_FOUND');
    if (body.name !== undefined && (await this.deps.repository.typeNameTaken(body.name, code))) throw new AppError('PARTY_MEETING_TYPE_EXISTS');
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.updateType(tx, code, {
        ...(body.name !== undefined && { name: body.name }),
        ...(body.frequency !== undefined && { frequency: body.frequency }),
        ...(body.requiredCount !== undefined && { required_count: body.requiredCount }),
        ...(body.active !== undefined && { active: body.active }),
        ...(body.sortOrder !== undefined && { sort_order: body.sortOrder }),
        updated_at: this.deps.clock.now(),
      });
      await this.ensureReminders(tx);
      await this.deps.audit.record(tx, actor, meta, {
        action: 'party.meeting_type_update',
        targetType: 'party_meeting_type',
        targetId: code,
        regionPath: '/',
        details: { before: { frequency: before.frequency, requiredCount: before.required_count, active: before.active }, after: body },
      });
    });
    return toTypeView((await this.deps.repository.type(code))!);
  }

  // ---- planning ---------------------------------------------------------------------------------

  async list(actor: Actor, query: ListMeetingsQuery) {
    const prefix = managedPrefix(actor);
    const { page, pageSize, organisationId, from, to, ...rest } = query;
    const organisationIds = organisationId ? await this.deps.party.subtreeIds(actor, organisationId) : undefined;
    const { rows, total } = await this.deps.repository.list(
      prefix,
      {
        ...rest,
        organisationIds,
        from: from ? new Date(`${from}T00:00:00+08:00`) : undefined,
        to: to ? new Date(new Date(`${to}T00:00:00+08:00`).getTime() + 86_400_000) : undefined,
      },
      { page, pageSize },
    );
    const now = this.deps.clock.now();
    return { items: rows.map((row) => this.toSummary(row, null, null, now)), total, page, pageSize };
  }

  async get(actor: Actor, id: string): Promise<MeetingDetail> {
    const now = this.deps.clock.now();
    if (can(actor.role, 'party.manage')) {
      const row = await this.deps.repository.find(actor.scope.path, id);
      if (!row) throw new AppError('PARTY_MEETING_NOT_FOUND');
      const member = await this.deps.party.memberOfUser(actor.userId);
      const attendance = await this.deps.repository.attendance(id);
      return this.toDetail(row, attendance, member ?? null, now, true);
    }
    // A member sees the meetings they are expected at, with their own attendance only.
    const member = await this.deps.party.memberOfUser(actor.userId);
    const row = await this.deps.repository.byId(id);
    const mine = member && row ? (await this.deps.repository.attendanceOf([id], member.id))[0] : undefined;
    if (!row || !mine) throw new AppError('FORBIDDEN');
    return this.toDetail(row, await this.deps.repository.attendance(id), member!, now, false);
  }

  async create(actor: Actor, body: CreateMeetingBody, meta: RequestMeta): Promise<MeetingDetail> {
    const prefix = managedPrefix(actor);
    const organisation = await this.deps.party.organisationInScope(actor, body.organisationId);
    const type = await this.deps.repository.type(body.typeCode);
    if (!type || !type.active) throw new AppError('PARTY_MEETING_TYPE_NOT_FOUND');
    if (!holders[type.held_by].includes(organisation.kind)) throw new AppError('PARTY_MEETING_TYPE_NOT_FOR_ORGANISATION');
    const startsAt = new Date(body.startsAt);
    const endsAt = new Date(body.endsAt);
    const place = body.place || null;
    const onlineUrl = body.onlineUrl || null;
    checkPlan({ startsAt, endsAt, mode: body.mode, place, onlineUrl });
    const now = this.deps.clock.now();
    const window = signInWindow(startsAt, endsAt);
    // Planning a meeting whose window has passed is entering it after the fact (补录).
    const late = now > window.closesAt;
    if (late && !body.lateReason) throw lateReasonRequired('body.lateReason');
    const attendees = body.attendeeIds ? await this.chosenAttendees(prefix, organisation, body.attendeeIds) : await this.defaultAttendees(organisation);
    const id = randomUUID();
    const month = Number(monthAt(startsAt).slice(5));
    const title = body.title ?? `${month}月${type.name}`;
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.insert(tx, {
        id,
        organisation_id: organisation.id,
        branch_id: this.branchOf(organisation),
        region_path: organisation.region_path,
        type_code: type.code,
        title,
        starts_at: startsAt,
        ends_at: endsAt,
        mode: body.mode,
        place,
        online_url: onlineUrl,
        agenda: body.agenda ?? '',
        signin_opens_at: window.opensAt,
        signin_closes_at: window.closesAt,
        entered_late: late,
        late_reason: late ? body.lateReason! : null,
        created_by: actor.userId,
        created_by_name: actor.name,
        created_at: now,
        updated_at: now,
      });
      await this.deps.repository.addAttendees(tx, id, attendees.map((m) => ({ id: m.id, name: m.name })));
      if (!late) {
        await this.deps.notifications.notify(
          tx,
          attendees.map((m) => ({
            userId: m.user_id,
            kind: 'party.meeting',
            title: `会议通知：${title}`,
            body: `${organisation.name}定于 ${shanghaiTime(startsAt)} 召开${type.name}（${MODE_LABEL[body.mode]}${place ? `，${place}` : ''}）。请准时参加，不能参加请在手机上请假。`,
            caseId: null,
          })),
        );
      }
      await this.deps.audit.record(tx, actor, meta, {
        action: 'party.meeting_create',
        targetType: 'party_meeting',
        targetId: id,
        regionPath: organisation.region_path,
        details: { organisationId: organisation.id, typeCode: type.code, title, startsAt: body.startsAt, endsAt: body.endsAt, attendees: attendees.length, enteredLate: late },
      });
    });
    return this.get(actor, id);
  }

  async update(actor: Actor, id: string, body: UpdateMeetingBody, meta: RequestMeta): Promise<MeetingDetail> {
    const prefix = managedPrefix(actor);
    const before = await this.meetingInScope(actor, id);
    const now = this.deps.clock.now();
    if (before.status === 'cancelled') throw new AppError('PARTY_MEETING_CANCELLED');
    if (before.status !== 'planned' || now >= before.starts_at) throw new AppError('PARTY_MEETING_LOCKED');
    const startsAt = body.startsAt ? new Date(body.startsAt) : before.starts_at;
    const endsAt = body.endsAt ? new Date(body.endsAt) : before.ends_at;
    const mode = body.mode ?? before.mode;
    const place = body.place === undefined ? before.place : body.place || null;
    const onlineUrl = body.onlineUrl === undefined ? before.online_url : body.onlineUrl || null;
    checkPlan({ startsAt, endsAt, mode, place, onlineUrl });
    if (signInWindow(startsAt, endsAt).closesAt < now) throw fieldError('body.endsAt', '改期后的会议须尚未结束；已开过的会议请补录', 'a rescheduled meeting must not be over; enter past meetings late');
    const organisation = (await this.orgs.organisationById(before.organisation_id))!;
    const attendees = body.attendeeIds ? await this.chosenAttendees(prefix, organisation, body.attendeeIds) : undefined;
    const window = signInWindow(startsAt, endsAt);
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.lock(tx, id);
      await this.deps.repository.update(tx, id, {
        ...(body.title !== undefined && { title: body.title }),
        ...(body.agenda !== undefined && { agenda: body.agenda }),
        starts_at: startsAt,
        ends_at: endsAt,
        mode,
        place,
        online_url: onlineUrl,
        signin_opens_at: window.opensAt,
        signin_closes_at: window.closesAt,
        updated_at: now,
      });
      if (attendees) {
        const current = await this.deps.repository.attendance(id, tx);
        const wanted = new Set(attendees.map((m) => m.id));
        await this.deps.repository.removeAttendees(tx, id, current.filter((a) => !wanted.has(a.member_id)).map((a) => a.member_id));
        await this.deps.repository.addAttendees(tx, id, attendees.map((m) => ({ id: m.id, name: m.name })));
      }
      await this.deps.audit.record(tx, actor, meta, { action: 'party.meeting_update', targetType: 'party_meeting', targetId: id, regionPath: before.region_path, details: { ...body } });
    });
    return this.get(actor, id);
  }

  async cancel(actor: Actor, id: string, reason: string, meta: RequestMeta): Promise<MeetingDetail> {
    const before = await this.meetingInScope(actor, id);
    if (before.status === 'cancelled') return this.get(actor, id);
    if (before.status === 'held') throw new AppError('PARTY_MEETING_LOCKED');
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.lock(tx, id);
      await this.deps.repository.update(tx, id, { status: 'cancelled', cancelled_at: now, cancel_reason: reason, updated_at: now });
      await this.deps.audit.record(tx, actor, meta, { action: 'party.meeting_cancel', targetType: 'party_meeting', targetId: id, regionPath: before.region_path, details: { reason } });
    });
    return this.get(actor, id);
  }

  // ---- sign-in and leave ------------------------------------------------------------------------

  /** The on-site code: a signed link to the phone page, valid for minutes, never beyond sign-in's close. */
  async signInCode(actor: Actor, id: string, origin: string): Promise<{ url: string; dataUrl: string; expiresAt: string }> {
    const meeting = await this.meetingInScope(actor, id);
    if (meeting.status === 'cancelled') throw new AppError('PARTY_MEETING_CANCELLED');
    const now = this.deps.clock.now();
    if (now > meeting.signin_closes_at) throw new AppError('PARTY_SIGNIN_CLOSED');
    const ttl = Math.max(60, Math.min(QR_TTL_SECONDS, Math.floor((meeting.signin_closes_at.getTime() - now.getTime()) / 1000)));
    const signed = this.deps.signer.sign(signInPath(id), ttl);
    const url = `${origin}/h5/party/sign-in/${id}${signed.url.slice(signInPath(id).length)}`;
    const svg = await QRCode.toString(url, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
    return { url, dataUrl: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`, expiresAt: signed.expiresAt.toISOString() };
  }

  async signIn(actor: Actor, id: string, body: SignInBody): Promise<SignInResult> {
    const { member, meeting } = await this.attending(actor, id);
    const now = this.deps.clock.now();
    return this.deps.db.transaction().execute(async (tx) => {
      // Twice changes nothing; then the window; then how: a valid code, or a right to sign in from afar.
      const row = (await this.deps.repository.attendee(tx, id, member.id))!;
      if ((row.status === 'present' || row.status === 'late') && row.method) {
        return { meetingId: id, status: row.status, method: row.method, signedInAt: (row.signed_in_at ?? row.recorded_at ?? now).toISOString(), alreadySignedIn: true };
      }
      const timing = signInTiming(meeting, now);
      if (timing === 'too_early') throw new AppError('PARTY_SIGNIN_NOT_OPEN', { detail: { zh: `${shanghaiTime(meeting.signin_opens_at)} 开始签到`, en: `opens at ${shanghaiTime(meeting.signin_opens_at)} China time` } });
      if (timing === 'too_late') throw new AppError('PARTY_SIGNIN_CLOSED');
      if (body.method === 'qr') {
        const check = this.deps.signer.verify(signInPath(id), body.exp, body.sig);
        if (check === 'invalid') throw new AppError('PARTY_SIGNIN_CODE_INVALID');
        if (check === 'expired') throw new AppError('PARTY_SIGNIN_CODE_EXPIRED');
      } else if (!canSignInRemotely(meeting, member)) {
        throw new AppError('PARTY_SIGNIN_ONSITE_ONLY');
      }
      const status = timing === 'on_time' ? 'present' : 'late';
      await this.deps.repository.signIn(tx, id, member.id, { status, method: body.method, at: now });
      return { meetingId: id, status, method: body.method, signedInAt: now.toISOString(), alreadySignedIn: false };
    });
  }

  async requestLeave(actor: Actor, id: string, reason: string): Promise<MeetingDetail> {
    const { member, meeting } = await this.attending(actor, id);
    const now = this.deps.clock.now();
    if (now > meeting.signin_closes_at) throw new AppError('PARTY_LEAVE_CLOSED');
    await this.deps.db.transaction().execute(async (tx) => {
      const row = (await this.deps.repository.attendee(tx, id, member.id))!;
      if (row.status === 'present' || row.status === 'late') throw new AppError('PARTY_LEAVE_CLOSED', { detail: { zh: '您已签到', en: 'you have signed in' } });
      // An open request takes a new reason; the branch's answer stands (only the branch changes it).
      if (row.leave_decision === 'approved' || row.leave_decision === 'refused') throw new AppError('PARTY_LEAVE_DECIDED');
      await this.deps.repository.requestLeave(tx, id, member.id, reason, now);
    });
    return this.get(actor, id);
  }

  /**
   * 请假审批: the branch approves a member's leave (excused) or refuses it (expected again: they may
   * still sign in while the window is open). The same answer again changes nothing; a different one
   * is accepted until the meeting's record is entered. A decision never undoes a sign-in.
   */
  async decideLeave(actor: Actor, id: string, memberId: string, body: LeaveDecisionBody, meta: RequestMeta): Promise<MeetingDetail> {
    const meeting = await this.meetingInScope(actor, id);
    if (meeting.status === 'cancelled') throw new AppError('PARTY_MEETING_CANCELLED');
    const decision = body.approve ? 'approved' : 'refused';
    const note = body.note || null;
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.lock(tx, id);
      const row = await this.deps.repository.attendee(tx, id, memberId);
      if (!row) throw new AppError('PARTY_MEMBER_NOT_FOUND', { detail: { zh: '不在本次会议的参会名单中', en: 'not expected at this meeting' } });
      if (row.leave_decision === null) throw new AppError('PARTY_LEAVE_NOT_REQUESTED');
      if (row.leave_decision === decision) return;
      const recorded = (await this.deps.repository.byId(id, tx))!.recorded_at;
      if (row.leave_decision !== 'pending' && recorded) throw new AppError('PARTY_LEAVE_DECIDED', { detail: { zh: '会议记录已录入', en: 'the meeting has been recorded' } });
      const attended = row.status === 'present' || row.status === 'late';
      const status = attended ? row.status : body.approve ? 'leave' : 'expected';
      await this.deps.repository.decideLeave(tx, id, memberId, status, { decision, by: { id: actor.userId, name: actor.name }, at: now, note });
      await this.tellLeaveAnswers(tx, meeting, [{ memberId, decision, note }]);
      await this.deps.audit.record(tx, actor, meta, {
        action: 'party.leave_decide',
        targetType: 'party_meeting',
        targetId: id,
        regionPath: meeting.region_path,
        details: { memberId, name: row.member_name, decision, before: row.leave_decision, note },
      });
    });
    return this.get(actor, id);
  }

  /** Tells members the branch's answer to their leave requests. */
  private async tellLeaveAnswers(tx: Db, meeting: MeetingRow, answers: { memberId: string; decision: 'approved' | 'refused'; note: string | null }[]): Promise<void> {
    const members = await this.orgs.membersByIds(answers.map((a) => a.memberId), tx);
    const when = `${meeting.title}（${shanghaiTime(meeting.starts_at)}）`;
    await this.deps.notifications.notify(
      tx,
      answers.map((a) => ({
        userId: members.find((m) => m.id === a.memberId)!.user_id,
        kind: 'party.leave',
        title: a.decision === 'approved' ? '您的请假申请已批准' : '您的请假申请未批准',
        body: `${when}${a.decision === 'approved' ? '的请假已批准。' : '的请假未获批准，请按时参加。'}${a.note ? `说明：${a.note}` : ''}`,
        caseId: null,
      })),
    );
  }

  /** The caller as a member expected at a meeting that is not cancelled. */
  private async attending(actor: Actor, id: string): Promise<{ member: MemberRow; meeting: MeetingRow }> {
    const member = await this.deps.party.memberOfUser(actor.userId);
    if (!member) throw new AppError('PARTY_NOT_A_MEMBER');
    const meeting = await this.deps.repository.byId(id);
    const mine = meeting && (await this.deps.repository.attendanceOf([id], member.id))[0];
    // Meetings of other branches are not revealed; one's own branch's says why not.
    if (!meeting || (!mine && meeting.branch_id !== member.branch_id)) throw new AppError('PARTY_MEETING_NOT_FOUND');
    if (!mine) throw new AppError('PARTY_NOT_EXPECTED');
    if (meeting.status === 'cancelled') throw new AppError('PARTY_MEETING_CANCELLED');
    return { member, meeting };
  }

  async mine(actor: Actor, query: MyMeetingsQuery): Promise<{ items: MeetingSummary[] }> {
    const member = await this.deps.party.memberOfUser(actor.userId);
    if (!member) return { items: [] };
    const now = this.deps.clock.now();
    const rows = await this.deps.repository.ofMember(member.id, query.when, now, query.limit);
    const attendance = await this.deps.repository.attendanceOf(
      rows.map((r) => r.id),
      member.id,
    );
    return { items: rows.map((row) => this.toSummary(row, attendance.find((a) => a.meeting_id === row.id) ?? null, member, now)) };
  }

  // ---- the record -------------------------------------------------------------------------------

  /**
   * Minutes, resolutions, photos and attendance corrections, entered once the meeting has begun. The
   * meeting then counts as held. Entered more than 72 hours after its end it is marked 补录 (with a
   * reason), as is every correction made then; the time of entry is kept either way.
   */
  async record(actor: Actor, id: string, body: RecordBody, meta: RequestMeta): Promise<MeetingDetail> {
    const meeting = await this.meetingInScope(actor, id);
    if (meeting.status === 'cancelled') throw new AppError('PARTY_MEETING_CANCELLED');
    const now = this.deps.clock.now();
    if (now < meeting.starts_at) throw new AppError('PARTY_MEETING_NOT_STARTED');
    const late = isLateEntry(meeting, now);
    const lateReason = body.lateReason || (late ? meeting.late_reason : null);
    if (late && !lateReason) throw lateReasonRequired('body.lateReason');
    const attendance = await this.deps.repository.attendance(id);
    const problems: FieldProblem[] = [];
    (body.attendance ?? []).forEach((a, i) => {
      if (!attendance.some((row) => row.member_id === a.memberId)) {
        problems.push({ field: `body.attendance.${i}.memberId`, message: '不在本次会议的参会名单中', messageEn: 'not expected at this meeting' });
      }
    });
    if (problems.length > 0) throw new AppError('VALIDATION_FAILED', { details: problems });
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.lock(tx, id);
      await this.deps.repository.update(tx, id, {
        status: 'held',
        minutes: body.minutes,
        ...(body.resolutions !== undefined && { resolutions: body.resolutions || null }),
        ...(meeting.recorded_at ? { record_updated_at: now } : { recorded_at: now, recorded_by: actor.userId, recorded_by_name: actor.name }),
        entered_late: meeting.entered_late || late,
        late_reason: meeting.entered_late || late ? (lateReason ?? meeting.late_reason) : null,
        updated_at: now,
      });
      const answered: { memberId: string; decision: 'approved' | 'refused'; note: null }[] = [];
      for (const a of body.attendance ?? []) {
        const row = attendance.find((r) => r.member_id === a.memberId)!;
        // A member's own sign-in stands unless the recorder says otherwise.
        if (row.status === a.status && row.method !== null) continue;
        const decision = leaveAfterMark(row.leave_decision, a.status);
        const leave = decision === row.leave_decision ? undefined : { decision, by: { id: actor.userId, name: actor.name }, at: now };
        await this.deps.repository.mark(tx, id, a.memberId, a.status, actor.userId, now, late, leave);
        if (row.leave_decision === 'pending' && decision !== null) answered.push({ memberId: a.memberId, decision, note: null });
      }
      if (answered.length > 0) await this.tellLeaveAnswers(tx, meeting, answered);
      if (now > meeting.signin_closes_at) await this.deps.repository.closeAttendance(tx, id);
      if (body.photoIds?.length) await this.deps.photos.attachToMeeting(tx, { photoIds: body.photoIds, ownerId: actor.userId, meetingId: id, field: 'body.photoIds' });
      await this.deps.audit.record(tx, actor, meta, {
        action: 'party.meeting_record',
        targetType: 'party_meeting',
        targetId: id,
        regionPath: meeting.region_path,
        details: { enteredLate: late, lateReason: late ? lateReason : null, attendance: body.attendance ?? [], photos: body.photoIds?.length ?? 0, first: !meeting.recorded_at },
      });
    });
    return this.get(actor, id);
  }

  private async meetingInScope(actor: Actor, id: string): Promise<MeetingRow> {
    const row = await this.deps.repository.find(managedPrefix(actor), id);
    if (!row) throw new AppError('PARTY_MEETING_NOT_FOUND');
    return row;
  }

  /** A group's meetings count for its branch; a branch's for itself; a committee's for none. */
  private branchOf(organisation: OrganisationRow): string | null {
    if (organisation.kind === 'branch') return organisation.id;
    return organisation.kind === 'group' ? organisation.parent_id : null;
  }

  /** A branch's (or group's) full and probationary members; a committee's officers. */
  private async defaultAttendees(organisation: OrganisationRow): Promise<MemberRow[]> {
    if (organisation.kind === 'branch' || organisation.kind === 'group') return this.orgs.membersOf([organisation.id], MEMBER_STATUSES);
    const officers = await this.orgs.officersOf([organisation.id]);
    return this.orgs.membersByIds(officers.map((o) => o.member_id));
  }

  private async chosenAttendees(prefix: PathPrefix, organisation: OrganisationRow, ids: string[]): Promise<MemberRow[]> {
    const unique = [...new Set(ids)];
    const rows = await this.orgs.membersByIds(unique);
    const problems: FieldProblem[] = [];
    unique.forEach((memberId, i) => {
      const row = rows.find((r) => r.id === memberId);
      if (!row || !row.region_path.startsWith(prefix) || !row.region_path.startsWith(organisation.region_path)) {
        problems.push({ field: `body.attendeeIds.${i}`, message: '须为本组织的党员', messageEn: 'must be a member of this organisation' });
      }
    });
    if (problems.length > 0) throw new AppError('VALIDATION_FAILED', { details: problems });
    return rows;
  }

  // ---- views --------------------------------------------------------------------------------------

  private toSummary(
    row: MeetingRow,
    mine: Selectable<PartyAttendanceTable> | null,
    member: MemberRow | null,
    now: Date,
  ): MeetingSummary {
    return {
      id: row.id,
      organisation: { id: row.organisation_id, name: row.organisation_name, kind: row.organisation_kind },
      branchId: row.branch_id,
      type: { code: row.type_code, name: row.type_name },
      title: row.title,
      startsAt: row.starts_at.toISOString(),
      endsAt: row.ends_at.toISOString(),
      mode: row.mode,
      place: row.place,
      onlineUrl: row.online_url,
      status: row.status,
      signInOpensAt: row.signin_opens_at.toISOString(),
      signInClosesAt: row.signin_closes_at.toISOString(),
      enteredLate: row.entered_late,
      lateReason: row.late_reason,
      expected: row.expected,
      attended: row.attended,
      onLeave: row.on_leave,
      recordedAt: iso(row.recorded_at),
      createdByName: row.created_by_name,
      createdAt: row.created_at.toISOString(),
      mine: mine
        ? { status: displayStatus(mine.status, row, now), method: mine.method, signedInAt: iso(mine.signed_in_at), leaveReason: mine.leave_reason, ...leaveDecisionView(mine) }
        : null,
      canSignInRemotely: member !== null && canSignInRemotely(row, member),
    };
  }

  private async toDetail(row: MeetingRow, attendance: AttendanceRow[], member: MemberRow | null, now: Date, full: boolean): Promise<MeetingDetail> {
    const mine = member ? (attendance.find((a) => a.member_id === member.id) ?? null) : null;
    return {
      ...this.toSummary(row, mine, mine ? member : null, now),
      agenda: row.agenda,
      minutes: row.minutes,
      resolutions: row.resolutions,
      recordedByName: row.recorded_by_name,
      recordUpdatedAt: iso(row.record_updated_at),
      cancelReason: row.cancel_reason,
      attendance: full
        ? attendance.map((a) => ({
            memberId: a.member_id,
            name: a.member_name,
            status: displayStatus(a.status, row, now),
            method: a.method,
            signedInAt: iso(a.signed_in_at),
            leaveReason: a.leave_reason,
            ...leaveDecisionView(a),
            enteredLate: a.entered_late,
            isMobile: a.is_mobile,
          }))
        : [],
      photos: await this.deps.photos.listForMeeting(row.id),
    };
  }

  // ---- demo ---------------------------------------------------------------------------------------

  /**
   * Demo mode only: a meeting with a fixed id, its attendance and (for a past one) its record, as if
   * run through the platform; skipped when it exists.
   */
  async createDemoMeeting(
    tx: Db,
    input: {
      id: string;
      organisation: OrganisationRow;
      typeCode: string;
      title: string;
      startsAt: Date;
      endsAt: Date;
      mode: 'onsite' | 'online' | 'hybrid';
      place: string | null;
      onlineUrl: string | null;
      agenda: string;
      by: { id: string; name: string };
      attendees: { member: MemberRow; status: Exclude<PartyAttendanceStatus, 'expected'> | 'expected'; method?: 'qr' | 'remote' | 'recorded'; leaveReason?: string }[];
      record?: { minutes: string; resolutions: string | null; recordedAt: Date; lateReason?: string };
    },
  ): Promise<void> {
    const window = signInWindow(input.startsAt, input.endsAt);
    const created = new Date(input.startsAt.getTime() - 7 * 86_400_000);
    const inserted = await this.deps.repository.insert(tx, {
      id: input.id,
      organisation_id: input.organisation.id,
      branch_id: this.branchOf(input.organisation),
      region_path: input.organisation.region_path,
      type_code: input.typeCode,
      title: input.title,
      starts_at: input.startsAt,
      ends_at: input.endsAt,
      mode: input.mode,
      place: input.place,
      online_url: input.onlineUrl,
      agenda: input.agenda,
      signin_opens_at: window.opensAt,
      signin_closes_at: window.closesAt,
      ...(input.record && {
        status: 'held' as const,
        minutes: input.record.minutes,
        resolutions: input.record.resolutions,
        recorded_at: input.record.recordedAt,
        recorded_by: input.by.id,
        recorded_by_name: input.by.name,
        entered_late: input.record.lateReason !== undefined,
        late_reason: input.record.lateReason ?? null,
      }),
      created_by: input.by.id,
      created_by_name: input.by.name,
      created_at: created,
      updated_at: input.record?.recordedAt ?? created,
    });
    if (!inserted) return;
    await this.deps.repository.addAttendees(tx, input.id, input.attendees.map((a) => ({ id: a.member.id, name: a.member.name })));
    for (const a of input.attendees) {
      if (a.status === 'present' || a.status === 'late') {
        const at = new Date(input.startsAt.getTime() + (a.status === 'late' ? 20 : -5) * 60_000);
        if (a.method === 'recorded') await this.deps.repository.mark(tx, input.id, a.member.id, a.status, input.by.id, input.record?.recordedAt ?? at, false);
        else await this.deps.repository.signIn(tx, input.id, a.member.id, { status: a.status, method: a.method ?? 'qr', at });
      } else if (a.status === 'leave') {
        const asked = new Date(input.startsAt.getTime() - 86_400_000);
        await this.deps.repository.requestLeave(tx, input.id, a.member.id, a.leaveReason ?? '外出务工', asked);
        await this.deps.repository.decideLeave(tx, input.id, a.member.id, 'leave', { decision: 'approved', by: input.by, at: new Date(asked.getTime() + 2 * 3_600_000) });
      }
    }
    if (input.record) await this.deps.repository.closeAttendance(tx, input.id);
  }

  // ---- completion -------------------------------------------------------------------------------

  async completion(actor: Actor, query: CompletionQuery): Promise<CompletionView> {
    const prefix = managedPrefix(actor);
    const only = query.organisationId ? new Set(await this.deps.party.subtreeIds(actor, query.organisationId)) : null;
    return this.computeCompletion(prefix, query.month ?? monthAt(this.deps.clock.now()), only);
  }

  async completionCsv(actor: Actor, query: CompletionQuery): Promise<Buffer> {
    const view = await this.completion(actor, query);
    const statusLabel: Record<CompletionItem['status'], string> = { done: '已完成', due: '进行中', missed: '未完成', not_applicable: '不适用' };
    const rows = view.organisations.flatMap((o) =>
      o.items.map((item) => [
        o.organisation.name,
        o.organisation.regionName,
        item.typeName,
        item.period.label,
        item.required,
        item.held,
        item.planned,
        statusLabel[item.status],
        item.lateEntries,
        o.attendance.rate === null ? null : `${Math.round(o.attendance.rate * 100)}%`,
      ]),
    );
    return toCsv(['党组织', '所在区域', '会议类型', '周期', '应开', '已开', '已计划', '完成情况', '其中补录', `${view.month} 参会率`], rows);
  }

  /**
   * Completion per organisation for the periods holding `month`: for each type the organisation must
   * hold, the meetings required and held in the type's period (a group type: each group of a branch).
   */
  async computeCompletion(prefix: PathPrefix, month: string, only: Set<string> | null = null, db?: Db): Promise<CompletionView> {
    const now = this.deps.clock.now();
    const all = treeOrder(await this.orgs.listOrganisations(prefix, {}, db));
    const types = (await this.deps.repository.types(false, db)).filter((t) => t.frequency !== 'none');
    const targets = all.filter((o) => o.kind !== 'group' && (only === null || only.has(o.id)) && types.some((t) => appliesTo(t, o.kind)));
    const groups = await this.orgs.groupsOf(
      targets.filter((o) => o.kind === 'branch').map((o) => o.id),
      db,
    );
    const year = periodOf('yearly', month);
    const meetings = await this.deps.repository.inWindow([...targets.map((o) => o.id), ...groups.map((g) => g.id)], year.start, year.end, db);
    const monthPeriod = periodOf('monthly', month);
    const attendanceRows = await this.deps.repository.attendanceFigures(prefix, monthPeriod.start, monthPeriod.end, db);

    // Grouped once, so a city's thousands of branches are not each filtered against every meeting.
    const meetingsOf = groupBy(meetings, (m) => m.organisation_id);
    const groupsOf = groupBy(groups, (g) => g.parent_id);
    const attendanceOf = groupBy(attendanceRows, (a) => a.branch_id ?? a.organisation_id);
    const organisations = targets.map((organisation) => {
      const ownGroups = groupsOf.get(organisation.id) ?? [];
      const relevant = [organisation.id, ...ownGroups.map((g) => g.id)].flatMap((id) => meetingsOf.get(id) ?? []);
      const items = types.filter((t) => appliesTo(t, organisation.kind)).map((type) => completionItem(type, organisation, ownGroups, relevant, now, month));
      const counted = items.filter((i) => i.status !== 'not_applicable');
      // A branch's and its groups' meetings carry the branch's id; a committee's its own.
      const mine = attendanceOf.get(organisation.id) ?? [];
      const attended = mine.filter((a) => a.status === 'present' || a.status === 'late').length;
      return {
        organisation: { id: organisation.id, name: organisation.name, kind: organisation.kind, regionName: organisation.region_name },
        items,
        done: counted.filter((i) => i.status === 'done').length,
        total: counted.length,
        attendance: { expected: mine.length, attended, rate: mine.length ? attended / mine.length : null },
      };
    });
    const items = organisations.flatMap((o) => o.items.filter((i) => i.status !== 'not_applicable'));
    return {
      month,
      generatedAt: now.toISOString(),
      organisations,
      summary: {
        organisations: organisations.length,
        fullyDone: organisations.filter((o) => o.total > 0 && o.done === o.total).length,
        required: items.reduce((n, i) => n + i.required, 0),
        held: items.reduce((n, i) => n + Math.min(i.held, i.required), 0),
      },
    };
  }

  /** Attendance rates per organisation and member over a year's held meetings. */
  async attendanceRates(actor: Actor, query: AttendanceQuery): Promise<AttendanceRates> {
    const prefix = managedPrefix(actor);
    const year = query.year ?? Number(monthAt(this.deps.clock.now()).slice(0, 4));
    const period = periodOf('yearly', `${year}-01`);
    const only = query.organisationId ? new Set(await this.deps.party.subtreeIds(actor, query.organisationId)) : null;
    const rows = (await this.deps.repository.attendanceFigures(prefix, period.start, period.end)).filter(
      (r) => only === null || only.has(r.organisation_id) || (r.branch_id !== null && only.has(r.branch_id)),
    );
    const organisations = treeOrder(await this.orgs.listOrganisations(prefix)).filter((o) => o.kind !== 'group' && (only === null || only.has(o.id)));
    const members = await this.orgs.membersByIds([...new Set(rows.map((r) => r.member_id))]);
    const rateOf = (attended: number, expected: number) => (expected ? attended / expected : null);
    const tally = (subset: typeof rows) => {
      const attended = subset.filter((r) => r.status === 'present' || r.status === 'late').length;
      // Only approved leave excuses; an open request counts as absent until answered (figures are computed on each read).
      const leave = subset.filter((r) => r.status === 'leave' && r.leave_decision === 'approved').length;
      return { expected: subset.length, attended, leave, absent: subset.length - attended - leave, rate: rateOf(attended, subset.length) };
    };
    const byOrganisation = groupBy(rows, (r) => r.branch_id ?? r.organisation_id);
    const byMember = groupBy(rows, (r) => r.member_id);
    const memberById = new Map(members.map((m) => [m.id, m]));
    return {
      year,
      organisations: organisations
        .map((o) => {
          const subset = byOrganisation.get(o.id) ?? [];
          const { absent: _absent, ...figures } = tally(subset);
          return { id: o.id, name: o.name, meetings: new Set(subset.map((r) => r.meeting_id)).size, ...figures };
        })
        .filter((o) => o.meetings > 0 || o.expected > 0 || only !== null),
      members: [...byMember.entries()]
        .map(([memberId, subset]) => {
          const member = memberById.get(memberId);
          return { memberId, name: member?.name ?? subset[0]!.member_name, branchName: member?.branch_name ?? '', ...tally(subset) };
        })
        .sort((a, b) => (a.rate ?? 0) - (b.rate ?? 0) || a.name.localeCompare(b.name, 'zh-CN')),
    };
  }

  // ---- reminders ----------------------------------------------------------------------------------

  /**
   * Makes sure the current period of every frequency in use has its reminder job (one per frequency
   * and period, whatever calls this; each job schedules the next period's).
   */
  async ensureReminders(tx: Db): Promise<void> {
    const now = this.deps.clock.now();
    const frequencies = new Set((await this.deps.repository.types(false, tx)).map((t) => t.frequency).filter((f): f is PeriodFrequency => f !== 'none'));
    for (const frequency of frequencies) await this.scheduleReminder(tx, periodOf(frequency, monthAt(now)));
  }

  private async scheduleReminder(tx: Db, period: Period): Promise<void> {
    await this.deps.jobs.schedule(tx, {
      kind: REMINDER_JOB,
      runAt: reminderAt(period),
      payload: { frequency: period.frequency, month: monthAt(period.start) },
      dedupeKey: `${REMINDER_JOB}:${period.frequency}:${period.key}`,
    });
  }

  /** Tells the secretaries of each organisation still missing a meeting of this frequency's period. */
  private async remind(tx: Db, payload: ReminderPayload, now: Date): Promise<void> {
    const period = periodOf(payload.frequency, payload.month);
    await this.scheduleReminder(tx, nextPeriod(period));
    if (now >= period.end) return;
    const completion = await this.computeCompletion('/', payload.month, null, tx);
    const missing = completion.organisations
      .map((o) => ({ ...o, items: o.items.filter((i) => i.frequency === payload.frequency && i.status === 'due') }))
      .filter((o) => o.items.length > 0);
    if (missing.length === 0) return;
    const ids = missing.map((o) => o.organisation.id);
    const secretaries = await this.orgs.secretaryUsers(ids, tx);
    const organisations = await Promise.all(ids.map((id) => this.orgs.organisationById(id, tx)));
    const roleHolders = await this.orgs.usersAt(
      organisations.filter((o) => o?.kind === 'branch').map((o) => o!.region_code),
      ['branch_secretary'],
      tx,
    );
    const left = daysLeft(period, now);
    const notices = missing.flatMap((o) => {
      const organisation = organisations.find((x) => x?.id === o.organisation.id)!;
      const users = new Set([
        ...secretaries.filter((s) => s.organisation_id === o.organisation.id).map((s) => s.user_id),
        ...(organisation.kind === 'branch' ? roleHolders.filter((u) => u.region_code === organisation.region_code).map((u) => u.id) : []),
      ]);
      const names = o.items.map((i) => `${i.typeName}（${i.held}/${i.required}）`).join('、');
      return [...users].map((userId) => ({
        userId,
        kind: 'party.reminder',
        title: `党建提醒：${o.organisation.name}${period.label}尚未完成${o.items.map((i) => i.typeName).join('、')}`,
        body: `${period.label}还剩 ${left + 1} 天。${names}尚未完成，请及时组织召开并录入会议记录。`,
        caseId: null,
      }));
    });
    await this.deps.notifications.notify(tx, notices);
  }
}

function leaveDecisionView(row: Selectable<PartyAttendanceTable>) {
  return { leaveDecision: row.leave_decision, leaveDecidedByName: row.leave_decided_by_name, leaveDecidedAt: iso(row.leave_decided_at), leaveDecisionNote: row.leave_decision_note };
}

function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = map.get(k);
    if (list) list.push(row);
    else map.set(k, [row]);
  }
  return map;
}

function toTypeView(row: MeetingTypeRow): MeetingTypeView {
  return { code: row.code, name: row.name, frequency: row.frequency, requiredCount: row.required_count, heldBy: row.held_by, sortOrder: row.sort_order, active: row.active };
}

/** Whether an organisation of this kind answers for a type in the completion report. */
function appliesTo(type: MeetingTypeRow, kind: PartyOrgKind): boolean {
  if (type.held_by === 'committee') return kind === 'committee';
  return kind === 'branch' || (type.held_by === 'branch' && kind === 'general_branch');
}

/**
 * One type's figures for an organisation in the period holding `month`. An organisation (or group)
 * registered after the period ended owes nothing for it.
 */
function completionItem(type: MeetingTypeRow, organisation: OrganisationRow, groups: { id: string; created_at: Date }[], meetings: HeldMeetingRow[], now: Date, month: string): CompletionItem {
  const period = periodOf(type.frequency as PeriodFrequency, month);
  const inPeriod = meetings.filter((m) => m.type_code === type.code && m.starts_at >= period.start && m.starts_at < period.end);
  const existed = (o: { created_at: Date }) => o.created_at < period.end;
  const holders = !existed(organisation) ? [] : type.held_by === 'group' ? groups.filter(existed).map((g) => g.id) : [organisation.id];
  const per = (id: string, status: 'held' | 'planned') => inPeriod.filter((m) => m.organisation_id === id && m.status === status).length;
  const required = holders.length * type.required_count;
  const held = holders.reduce((n, id) => n + Math.min(per(id, 'held'), type.required_count), 0);
  const planned = holders.reduce((n, id) => n + per(id, 'planned'), 0);
  const status: CompletionItem['status'] = required === 0 ? 'not_applicable' : held >= required ? 'done' : now >= period.end ? 'missed' : 'due';
  return {
    typeCode: type.code,
    typeName: type.name,
    frequency: type.frequency,
    period: { frequency: period.frequency, key: period.key, label: period.label, labelEn: period.labelEn, start: period.start.toISOString(), end: period.end.toISOString() },
    required,
    held,
    planned,
    lateEntries: inPeriod.filter((m) => holders.includes(m.organisation_id) && m.status === 'held' && m.entered_late).length,
    status,
    daysLeft: status === 'due' ? Math.max(0, daysLeft(period, now)) : null,
  };
}

/** The plan must be coherent: an end after the start within a day, a place on site, a link online. */
function checkPlan(plan: { startsAt: Date; endsAt: Date; mode: 'onsite' | 'online' | 'hybrid'; place: string | null; onlineUrl: string | null }): void {
  const problems: FieldProblem[] = [];
  if (plan.endsAt <= plan.startsAt) problems.push({ field: 'body.endsAt', message: '结束时间须晚于开始时间', messageEn: 'must be after the start' });
  else if (plan.endsAt.getTime() - plan.startsAt.getTime() > MAX_MEETING_HOURS * 3_600_000) problems.push({ field: 'body.endsAt', message: '会议不能超过 24 小时', messageEn: 'a meeting lasts at most 24 hours' });
  if (plan.mode !== 'online' && !plan.place) problems.push({ field: 'body.place', message: '现场会议须填写地点', messageEn: 'an on-site meeting needs a place' });
  if (plan.mode !== 'onsite' && !plan.onlineUrl) problems.push({ field: 'body.onlineUrl', message: '线上会议须填写会议链接', messageEn: 'an online meeting needs a link' });
  if (problems.length > 0) throw new AppError('VALIDATION_FAILED', { details: problems });
}

/** Remote sign-in: the meeting is (also) online, or the member works away from the village (流动党员). */
function canSignInRemotely(meeting: Pick<MeetingRow, 'mode'>, member: Pick<MemberRow, 'is_mobile'>): boolean {
  return meeting.mode !== 'onsite' || member.is_mobile;
}

function lateReasonRequired(field: string): AppError {
  return new AppError('PARTY_LATE_REASON_REQUIRED', { details: [{ field, message: '请说明补录原因', messageEn: 'give the reason for entering it late' }] });
}

/** What the on-site code signs: one meeting's sign-in. */
const signInPath = (meetingId: string) => `/party/meetings/${meetingId}/sign-in`;

