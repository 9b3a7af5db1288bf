import { describe, expect, it } from 'vitest';
import { isLateEntry, recordDeadline, signInTiming, signInWindow } from './party-rules.js';

const startsAt = new Date('2026-11-10T01:00:00Z'); // 09:00 China time
const endsAt = new Date('2026-11-10T03:00:00Z');
const meeting = { starts_at: startsAt, ends_at: endsAt, signin_opens_at: signInWindow(startsAt, endsAt).opensAt, signin_closes_at: signInWindow(startsAt, endsAt).closesAt };
const minutes = (m: number) => new Date(startsAt.getTime() + m * 60_000);

describe('meeting time rules', () => {
  it('sign-in opens half an hour before the start and closes at the end', () => {
    expect(signInTiming(meeting, minutes(-31))).toBe('too_early');
    expect(signInTiming(meeting, minutes(-30))).toBe('on_time');
    expect(signInTiming(meeting, minutes(15))).toBe('on_time');
    expect(signInTiming(meeting, minutes(16))).toBe('late');
    expect(signInTiming(meeting, minutes(120))).toBe('late');
    expect(signInTiming(meeting, minutes(121))).toBe('too_late');
  });

  it('a record is late (补录) more than 72 hours after the end', () => {
    expect(recordDeadline(meeting)).toEqual(new Date('2026-11-13T03:00:00Z'));
    expect(isLateEntry(meeting, new Date('2026-11-13T03:00:00Z'))).toBe(false);
    expect(isLateEntry(meeting, new Date('2026-11-13T03:00:01Z'))).toBe(true);
  });
});
