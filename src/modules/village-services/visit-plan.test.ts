import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { ageOn, monthOf, periodIndex, periodStart, planState } from './visit-plan.js';

const at = (iso: string) => new Date(iso);

describe('visit plans in China time', () => {
  it('counts a visit for the month it happened in, in China time', () => {
    // 17:00 UTC on 31 October is 01:00 on 1 November in Shanghai.
    expect(periodIndex(at('2026-10-31T17:00:00Z'), 'monthly')).toBe(periodIndex(at('2026-11-15T00:00:00Z'), 'monthly'));
    expect(periodIndex(at('2026-10-31T15:59:59Z'), 'monthly')).toBe(periodIndex(at('2026-10-01T00:00:00Z'), 'monthly'));
    expect(periodStart(periodIndex(at('2026-11-15T00:00:00Z'), 'monthly'), 'monthly').toISOString()).toBe('2026-10-31T16:00:00.000Z');
  });

  it('starts weeks on Monday and quarters in January, April, July, October', () => {
    // 2026-11-30 is a Monday; 16:00 UTC on Sunday 29 November is already Monday in Shanghai.
    expect(periodStart(periodIndex(at('2026-12-02T04:00:00Z'), 'weekly'), 'weekly').toISOString()).toBe('2026-11-29T16:00:00.000Z');
    expect(periodIndex(at('2026-11-29T15:59:59Z'), 'weekly')).toBe(periodIndex(at('2026-11-29T16:00:00Z'), 'weekly') - 1);
    expect(periodStart(periodIndex(at('2026-11-27T00:00:00Z'), 'quarterly'), 'quarterly').toISOString()).toBe('2026-09-30T16:00:00.000Z');
  });

  it('makes a monthly plan overdue at the first instant of the month after the one that was due (ManualClock)', () => {
    const clock = new ManualClock(at('2026-11-05T02:00:00Z'));
    const plan = { frequency: 'monthly' as const, startsOn: '2026-09-01', lastVisitAt: at('2026-10-20T03:00:00Z') };
    // Visited in October: November's visit is due by the end of November (China time).
    expect(planState({ ...plan, now: clock.now() })).toMatchObject({ status: 'due', dueBy: at('2026-11-30T16:00:00Z'), overdueSince: null });
    clock.set(at('2026-11-30T15:59:59Z')); // 23:59:59 on 30 November in Shanghai
    expect(planState({ ...plan, now: clock.now() }).status).toBe('due');
    clock.advance(1000); // midnight, 1 December in Shanghai; still 30 November in UTC
    expect(planState({ ...plan, now: clock.now() })).toMatchObject({ status: 'overdue', overdueSince: at('2026-11-30T16:00:00Z') });
    clock.advance(40 * 86_400_000); // January: still overdue, since the same instant
    expect(planState({ ...plan, now: clock.now() })).toMatchObject({ status: 'overdue', overdueSince: at('2026-11-30T16:00:00Z') });
  });

  it('takes a late-night visit on 31 October UTC as November’s, so the plan is done for November', () => {
    const plan = { frequency: 'monthly' as const, startsOn: '2026-09-01', lastVisitAt: at('2026-10-31T17:00:00Z') };
    expect(planState({ ...plan, now: at('2026-11-20T00:00:00Z') })).toMatchObject({ status: 'done', dueBy: at('2026-12-31T16:00:00Z') });
    expect(planState({ ...plan, now: at('2026-12-10T00:00:00Z') }).status).toBe('due');
    expect(planState({ ...plan, now: at('2026-12-31T16:00:00Z') }).status).toBe('overdue');
  });

  it('crosses the year boundary', () => {
    const plan = { frequency: 'monthly' as const, startsOn: '2026-01-01', lastVisitAt: at('2026-12-15T02:00:00Z') };
    expect(planState({ ...plan, now: at('2027-01-20T00:00:00Z') })).toMatchObject({ status: 'due', dueBy: at('2027-01-31T16:00:00Z') });
    expect(planState({ ...plan, now: at('2027-02-01T00:00:00Z') }).status).toBe('overdue');
  });

  it('wants a new plan’s first visit by the end of the period it starts in', () => {
    const plan = { frequency: 'monthly' as const, startsOn: '2026-11-10', lastVisitAt: null };
    expect(planState({ ...plan, now: at('2026-11-10T02:00:00Z') })).toMatchObject({ status: 'due', dueBy: at('2026-11-30T16:00:00Z') });
    expect(planState({ ...plan, now: at('2026-12-01T02:00:00Z') }).status).toBe('overdue');
    // A visit in the start month before the plan began still counts for that month.
    expect(planState({ ...plan, lastVisitAt: at('2026-11-02T02:00:00Z'), now: at('2026-11-20T02:00:00Z') }).status).toBe('done');
    // One long before the plan does not make it overdue at once.
    expect(planState({ ...plan, lastVisitAt: at('2025-06-02T02:00:00Z'), now: at('2026-11-20T02:00:00Z') }).status).toBe('due');
  });

  it('handles weekly plans across a Sunday midnight in China', () => {
    const plan = { frequency: 'weekly' as const, startsOn: '2026-11-01', lastVisitAt: at('2026-11-18T02:00:00Z') }; // Wednesday
    expect(planState({ ...plan, now: at('2026-11-29T15:59:00Z') }).status).toBe('due'); // Sunday 23:59
    expect(planState({ ...plan, now: at('2026-11-29T16:00:00Z') }).status).toBe('overdue'); // Monday 00:00
  });

  it('names the month in China time and computes ages from the China date', () => {
    expect(monthOf(at('2026-11-30T16:30:00Z'))).toEqual({ month: '2026-12', from: at('2026-11-30T16:00:00Z'), to: at('2026-12-31T16:00:00Z') });
    expect(ageOn('1950-12-01', at('2026-11-30T15:59:59Z'))).toBe(75);
    expect(ageOn('1950-12-01', at('2026-11-30T16:00:00Z'))).toBe(76);
  });
});
