import { describe, expect, it } from 'vitest';
import { addWorkingHours, localDate, parsePeriods, type WorkCalendar } from './working-time.js';

const calendar = (overrides: Record<string, boolean> = {}): WorkCalendar => ({
  periods: parsePeriods('08:30-12:00,13:30-17:30'),
  overrides: new Map(Object.entries(overrides)),
});
// Shanghai local time → the UTC instant.
const sh = (local: string) => new Date(`${local}+08:00`);

describe('working hours (Asia/Shanghai)', () => {
  it('adds hours inside one morning', () => {
    // 2026-11-27 is a Friday.
    expect(addWorkingHours(sh('2026-11-27T09:00:00'), 2, calendar())).toEqual(sh('2026-11-27T11:00:00'));
  });

  it('skips the lunch break', () => {
    expect(addWorkingHours(sh('2026-11-27T11:00:00'), 2, calendar())).toEqual(sh('2026-11-27T14:30:00'));
  });

  it('skips the night and the weekend', () => {
    // Friday 16:30 + 4 h: 1 h on Friday, then Monday 08:30 + 3 h.
    expect(addWorkingHours(sh('2026-11-27T16:30:00'), 4, calendar())).toEqual(sh('2026-11-30T11:30:00'));
  });

  it('starts the clock at the next working period when reported at night', () => {
    expect(addWorkingHours(sh('2026-11-28T22:00:00'), 1, calendar())).toEqual(sh('2026-11-30T09:30:00'));
  });

  it('skips holidays and counts adjusted working weekends (调休)', () => {
    const cal = calendar({ '2026-11-30': false, '2026-11-29': true });
    // Friday 17:00 + 2 h: 0.5 h Friday, Sunday (working) 08:30 + 1.5 h.
    expect(addWorkingHours(sh('2026-11-27T17:00:00'), 2, cal)).toEqual(sh('2026-11-29T10:00:00'));
    // Sunday 17:00 + 1 h: 0.5 h Sunday, Monday is a holiday, Tuesday 08:30 + 0.5 h.
    expect(addWorkingHours(sh('2026-11-29T17:00:00'), 1, cal)).toEqual(sh('2026-12-01T09:00:00'));
  });

  it('ends exactly at a period end rather than the next morning', () => {
    expect(addWorkingHours(sh('2026-11-27T16:30:00'), 1, calendar())).toEqual(sh('2026-11-27T17:30:00'));
  });

  it('counts a full working day as 7.5 hours', () => {
    expect(addWorkingHours(sh('2026-11-27T08:30:00'), 7.5, calendar())).toEqual(sh('2026-11-27T17:30:00'));
    expect(addWorkingHours(sh('2026-11-26T08:30:00'), 15, calendar())).toEqual(sh('2026-11-27T17:30:00'));
  });

  it('reads the local date across UTC midnight', () => {
    expect(localDate(new Date('2026-11-27T17:00:00Z'))).toBe('2026-11-28');
  });

  it('rejects malformed working periods', () => {
    expect(() => parsePeriods('8-12')).toThrow(/HH:MM/);
    expect(() => parsePeriods('12:00-08:00')).toThrow(/forwards/);
    expect(() => parsePeriods('08:00-12:00,11:00-13:00')).toThrow(/overlap/);
  });
});
