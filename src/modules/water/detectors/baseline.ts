import { DAY_MS, HOUR_MS } from './types.js';

/**
 * A household's own normal: the use it usually has in each hour of the week (168 numbers,
 * exponentially weighted so the last few weeks count most; -1 where nothing was learnt yet).
 * Learnt from whole normal days only (no alert that day, most of it covered by readings).
 */
export const HOURS_OF_WEEK = 168;
/** Weight of the newest week in an hour's average. */
export const BASELINE_ALPHA = 0.2;

export function emptyBaseline(): number[] {
  return new Array<number>(HOURS_OF_WEEK).fill(-1);
}

/** Local day (0 = Monday … 6 = Sunday) of a local-midnight timestamp expressed as epoch ms in local time. */
export function weekdayOf(localMs: number): number {
  // 1970-01-01 was a Thursday (3 when Monday is 0).
  return (Math.floor(localMs / DAY_MS) + 3) % 7;
}

/** Learns one normal day: `hours` are its 24 hourly volumes, `localDayStart` its local midnight (as local epoch ms). */
export function learnDay(baseline: number[], localDayStart: number, hours: readonly number[]): void {
  const offset = weekdayOf(localDayStart) * 24;
  for (let h = 0; h < 24; h++) {
    const previous = baseline[offset + h]!;
    const value = hours[h]!;
    // Tenths of a litre are plenty, and keep the stored state small.
    baseline[offset + h] = Math.round((previous < 0 ? value : previous + BASELINE_ALPHA * (value - previous)) * 10) / 10;
  }
}

/** The expected use of hour `h` of that weekday; an hour never learnt takes its hour of day's average over the week. */
export function expectedHour(baseline: readonly number[], weekday: number, h: number): number {
  const value = baseline[weekday * 24 + h]!;
  if (value >= 0) return value;
  let sum = 0;
  let n = 0;
  for (let d = 0; d < 7; d++) {
    const other = baseline[d * 24 + h]!;
    if (other >= 0) {
      sum += other;
      n++;
    }
  }
  return n > 0 ? sum / n : 0;
}

/** What the baseline expects from local midnight until `localNow`, and for the whole day. */
export function expectedUse(baseline: readonly number[], localDayStart: number, localNow: number): { byNow: number; day: number } {
  const weekday = weekdayOf(localDayStart);
  const elapsedHours = Math.max(0, Math.min(24, (localNow - localDayStart) / HOUR_MS));
  let byNow = 0;
  let day = 0;
  for (let h = 0; h < 24; h++) {
    const e = expectedHour(baseline, weekday, h);
    day += e;
    if (h + 1 <= elapsedHours) byNow += e;
    else if (h < elapsedHours) byNow += e * (elapsedHours - h);
  }
  return { byNow, day };
}
