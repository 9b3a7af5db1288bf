import type { DetectorSettings } from './settings.js';
import { type Interval, iso, round, type ZeroEvidence } from './types.js';

export type ZeroStep = { lastUse: number; open?: ZeroEvidence; close?: 'use_resumed' };

/** Days with use among `days` days, counting back from bit `from` of the activity bits (bit 0 = yesterday). */
export function activeDaysIn(bits: number, from: number, days: number): number {
  let n = 0;
  for (let i = from; i < from + days && i < 31; i++) if (bits & (1 << i)) n++;
  return n;
}

/**
 * Zero use (a normally active household silent for days): no use at all for `zeroHours`, in a
 * household that used water on at least `zeroActiveDays` of the 14 days before the silence. The
 * index is the truth across a gap: a long interval without use is silence, and one with use ends it.
 * `activeDaysBefore(lastUse)` counts the days with use among the 14 before the day of `lastUse`.
 */
export function zeroStep(
  lastUse: number,
  interval: Interval,
  settings: DetectorSettings,
  isOpen: boolean,
  activeDaysBefore: (lastUse: number) => number,
): ZeroStep {
  if (interval.litres > 0) return { lastUse: interval.to, ...(isOpen && { close: 'use_resumed' as const }) };
  const hours = (interval.to - lastUse) / 3_600_000;
  if (isOpen || hours < settings.zeroHours) return { lastUse };
  const activeDays = activeDaysBefore(lastUse);
  if (activeDays < settings.zeroActiveDays) return { lastUse };
  return { lastUse, open: { silentSince: iso(lastUse), hours: round(hours), requiredHours: settings.zeroHours, activeDays } };
}
