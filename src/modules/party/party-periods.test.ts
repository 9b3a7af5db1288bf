import { describe, expect, it } from 'vitest';
import { daysLeft, monthAt, monthsBetween, nextPeriod, periodAt, periodOf, previousMonth, reminderAt } from './party-periods.js';

describe('party periods (Asia/Shanghai)', () => {
  it('a month, quarter, half-year and year start and end at local midnight', () => {
    expect(periodOf('monthly', '2026-11')).toMatchObject({ key: '2026-11', label: '2026年11月', start: new Date('2026-10-31T16:00:00Z'), end: new Date('2026-11-30T16:00:00Z') });
    expect(periodOf('quarterly', '2026-11')).toMatchObject({ key: '2026-Q4', label: '2026年第四季度', start: new Date('2026-09-30T16:00:00Z'), end: new Date('2026-12-31T16:00:00Z') });
    expect(periodOf('quarterly', '2026-01')).toMatchObject({ key: '2026-Q1', start: new Date('2025-12-31T16:00:00Z'), end: new Date('2026-03-31T16:00:00Z') });
    expect(periodOf('half_yearly', '2026-07')).toMatchObject({ key: '2026-H2', label: '2026年下半年' });
    expect(periodOf('yearly', '2026-05')).toMatchObject({ key: '2026', start: new Date('2025-12-31T16:00:00Z'), end: new Date('2026-12-31T16:00:00Z') });
  });

  it('an instant belongs to the China month it falls in, not the UTC one', () => {
    // 30 Nov 23:30 in China is 15:30 UTC; 1 Dec 00:10 in China is still 30 Nov in UTC.
    expect(monthAt(new Date('2026-11-30T15:30:00Z'))).toBe('2026-11');
    expect(monthAt(new Date('2026-11-30T16:10:00Z'))).toBe('2026-12');
    expect(periodAt('quarterly', new Date('2026-12-31T16:00:00Z')).key).toBe('2027-Q1');
    expect(periodAt('yearly', new Date('2026-12-31T15:59:59Z')).key).toBe('2026');
  });

  it('periods follow each other across the year', () => {
    expect(nextPeriod(periodOf('monthly', '2026-12')).key).toBe('2027-01');
    expect(nextPeriod(periodOf('quarterly', '2026-12')).key).toBe('2027-Q1');
    expect(nextPeriod(periodOf('yearly', '2026-12')).key).toBe('2027');
  });

  it('reminders go out at 09:00 China time, a week before a month ends and a fortnight before a quarter', () => {
    expect(reminderAt(periodOf('monthly', '2026-11'))).toEqual(new Date('2026-11-24T01:00:00Z'));
    expect(reminderAt(periodOf('quarterly', '2026-11'))).toEqual(new Date('2026-12-17T01:00:00Z'));
    expect(reminderAt(periodOf('yearly', '2026-11'))).toEqual(new Date('2026-12-02T01:00:00Z'));
  });

  it('days left count whole days; the last day says 0', () => {
    const november = periodOf('monthly', '2026-11');
    expect(daysLeft(november, new Date('2026-11-24T01:00:00Z'))).toBe(6);
    expect(daysLeft(november, new Date('2026-11-30T15:59:00Z'))).toBe(0);
  });

  it('lists months between two months, over a year end', () => {
    expect(monthsBetween('2026-11', '2027-02')).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
    expect(monthsBetween('2026-11', '2026-10')).toEqual([]);
    expect(previousMonth('2027-01')).toBe('2026-12');
  });
});
