import type { VisitFrequency } from '../../platform/db/schema.js';

/**
 * Visit plans in calendar periods of China time (Asia/Shanghai, UTC+8, no daylight saving): a
 * monthly plan wants one visit in every calendar month, weekly in every week (Monday–Sunday),
 * quarterly in every quarter. A visit counts for the period it happened in, in China time: a visit
 * at 01:00 on 1 November (17:00 UTC on 31 October) is November's.
 *
 * After a visit in period P the next is due by the end of P+1; it is overdue from the first
 * instant of P+2. A plan not yet visited wants its first visit by the end of the period it starts
 * in (visits before the plan started count, as long as they fall in that period or later).
 */
const OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

export type PlanStatus = 'done' | 'due' | 'overdue';

/** The period's index: months and quarters counted from year 0, weeks from the Monday before 1970-01-01. */
export function periodIndex(instant: Date, frequency: VisitFrequency): number {
  const local = new Date(instant.getTime() + OFFSET_MS);
  const year = local.getUTCFullYear();
  const month = local.getUTCMonth();
  switch (frequency) {
    case 'monthly':
      return year * 12 + month;
    case 'quarterly':
      return year * 4 + Math.floor(month / 3);
    case 'weekly':
      // 1970-01-01 was a Thursday: shifting by 3 days makes weeks start on Monday.
      return Math.floor((Math.floor((instant.getTime() + OFFSET_MS) / DAY_MS) + 3) / 7);
  }
}

/** The first instant (UTC) of a period, i.e. local midnight at its start. */
export function periodStart(index: number, frequency: VisitFrequency): Date {
  switch (frequency) {
    case 'monthly':
      return new Date(Date.UTC(Math.floor(index / 12), index % 12, 1) - OFFSET_MS);
    case 'quarterly':
      return new Date(Date.UTC(Math.floor(index / 4), (index % 4) * 3, 1) - OFFSET_MS);
    case 'weekly':
      return new Date((index * 7 - 3) * DAY_MS - OFFSET_MS);
  }
}

/** Local midnight at the start of a 'YYYY-MM-DD' date in China. */
export const chinaMidnight = (date: string) => new Date(`${date}T00:00:00+08:00`);

export interface PlanState {
  status: PlanStatus;
  /** The end (exclusive) of the period the next visit is due in. */
  dueBy: Date;
  /** When the plan became overdue (= dueBy), or null. */
  overdueSince: Date | null;
  /** The start of the current period. */
  periodStartedAt: Date;
}

export function planState(input: { frequency: VisitFrequency; startsOn: string; lastVisitAt: Date | null; now: Date }): PlanState {
  const { frequency, now } = input;
  const current = periodIndex(now, frequency);
  const startIndex = periodIndex(chinaMidnight(input.startsOn), frequency);
  const visited = input.lastVisitAt ? periodIndex(input.lastVisitAt, frequency) : -Infinity;
  // The period the last visit "covers" from the plan's point of view.
  const covered = Math.max(visited, startIndex - 1);
  const dueBy = periodStart(covered + 2, frequency);
  const status: PlanStatus = now >= dueBy ? 'overdue' : visited >= current ? 'done' : 'due';
  return { status, dueBy, overdueSince: status === 'overdue' ? dueBy : null, periodStartedAt: periodStart(current, frequency) };
}

/** The local month 'YYYY-MM' of an instant and the instants it spans, for "visits this month". */
export function monthOf(instant: Date): { month: string; from: Date; to: Date } {
  const index = periodIndex(instant, 'monthly');
  const from = periodStart(index, 'monthly');
  const local = new Date(from.getTime() + OFFSET_MS);
  return { month: `${local.getUTCFullYear()}-${String(local.getUTCMonth() + 1).padStart(2, '0')}`, from, to: periodStart(index + 1, 'monthly') };
}

/** Whole years between a 'YYYY-MM-DD' birth date and the China date of `now`. */
export function ageOn(birthDate: string, now: Date): number {
  const today = new Date(now.getTime() + OFFSET_MS);
  const [y, m, d] = birthDate.split('-').map(Number) as [number, number, number];
  let age = today.getUTCFullYear() - y;
  if (today.getUTCMonth() + 1 < m || (today.getUTCMonth() + 1 === m && today.getUTCDate() < d)) age--;
  return age;
}
