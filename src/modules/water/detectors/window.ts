import { HOUR_MS, type Interval } from './types.js';

/** The intervals of the last hour or so, flattened: [from, to, litres, from, to, litres, …]. */
export type RecentIntervals = number[];

export interface HourFlow {
  /** Litres per hour over the part of the last hour that readings cover. */
  flowLph: number;
  litres: number;
  coveredMinutes: number;
}

/**
 * The flow of the last hour, from the intervals that cover it (a partly covered interval counts
 * in proportion). Keeps only the intervals that still reach into the last hour. After a gap
 * (`interval.gap`) the window starts afresh with the gap's own average.
 */
export function hourFlow(recent: RecentIntervals, interval: Interval): { recent: RecentIntervals; flow: HourFlow } {
  if (interval.gap) {
    return { recent: [], flow: { flowLph: interval.flowLph, litres: interval.litres, coveredMinutes: interval.hours * 60 } };
  }
  const windowStart = interval.to - HOUR_MS;
  const kept: number[] = [];
  for (let i = 0; i < recent.length; i += 3) {
    if (recent[i + 1]! > windowStart) kept.push(recent[i]!, recent[i + 1]!, recent[i + 2]!);
  }
  kept.push(interval.from, interval.to, interval.litres);
  let litres = 0;
  let covered = 0;
  for (let i = 0; i < kept.length; i += 3) {
    const from = kept[i]!;
    const to = kept[i + 1]!;
    const start = Math.max(from, windowStart);
    if (to <= start) continue;
    litres += (kept[i + 2]! * (to - start)) / (to - from);
    covered += to - start;
  }
  return { recent: kept, flow: { flowLph: covered > 0 ? (litres / covered) * HOUR_MS : 0, litres, coveredMinutes: covered / 60_000 } };
}
