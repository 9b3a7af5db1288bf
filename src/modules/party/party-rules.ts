/**
 * The time rules of a meeting, in one place: when members may sign in, when a sign-in counts as
 * late, and until when a record may be entered before it is marked as entered late (补录).
 */

/** Sign-in opens this long before the meeting starts. */
export const SIGN_IN_OPENS_BEFORE_MINUTES = 30;
/** A sign-in this long after the start counts as late (迟到); until then it is on time. */
export const LATE_AFTER_MINUTES = 15;
/** Minutes, attendance and photos entered later than this after the meeting's end are marked 补录. */
export const RECORD_GRACE_HOURS = 72;
/** How long one on-site QR code stays valid (the console shows a fresh one before then). */
export const QR_TTL_SECONDS = 10 * 60;

const MINUTE = 60_000;

export interface MeetingTimes {
  starts_at: Date;
  ends_at: Date;
  signin_opens_at: Date;
  signin_closes_at: Date;
}

/** The sign-in window of a meeting: from half an hour before its start until its end. */
export function signInWindow(startsAt: Date, endsAt: Date): { opensAt: Date; closesAt: Date } {
  return { opensAt: new Date(startsAt.getTime() - SIGN_IN_OPENS_BEFORE_MINUTES * MINUTE), closesAt: endsAt };
}

export type SignInTiming = 'too_early' | 'on_time' | 'late' | 'too_late';

/** Whether a sign-in at `now` is allowed, and whether it is on time. */
export function signInTiming(meeting: MeetingTimes, now: Date): SignInTiming {
  if (now < meeting.signin_opens_at) return 'too_early';
  if (now > meeting.signin_closes_at) return 'too_late';
  return now.getTime() <= meeting.starts_at.getTime() + LATE_AFTER_MINUTES * MINUTE ? 'on_time' : 'late';
}

/** The last moment a record of the meeting counts as entered in time. */
export function recordDeadline(meeting: Pick<MeetingTimes, 'ends_at'>): Date {
  return new Date(meeting.ends_at.getTime() + RECORD_GRACE_HOURS * 3_600_000);
}

/** A record entered now is late (补录) when the grace after the meeting's end has passed. */
export function isLateEntry(meeting: Pick<MeetingTimes, 'ends_at'>, now: Date): boolean {
  return now > recordDeadline(meeting);
}
