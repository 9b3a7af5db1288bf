/**
 * Working-time arithmetic in Asia/Shanghai (UTC+8, no daylight saving): deadlines such as
 * "accept within 4 working hours" skip nights, lunch, weekends and holidays, and count
 * adjusted working weekends (调休) as working days.
 */

const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

export interface WorkCalendar {
  /** Working periods of a day in minutes after local midnight, ascending, e.g. [[510, 720], [810, 1050]]. */
  periods: [number, number][];
  /** Local dates 'YYYY-MM-DD' that differ from the weekday rule: false = holiday, true = working day. */
  overrides: ReadonlyMap<string, boolean>;
}

/** Parses "08:30-12:00,13:30-17:30" into minute periods; throws on anything malformed. */
export function parsePeriods(text: string): [number, number][] {
  const periods = text.split(',').map((part) => {
    const match = /^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/.exec(part);
    if (!match) throw new Error(`"${part}" is not HH:MM-HH:MM`);
    const [from, to] = [Number(match[1]) * 60 + Number(match[2]), Number(match[3]) * 60 + Number(match[4])];
    if (!(from < to && to <= 24 * 60)) throw new Error(`"${part}" does not run forwards within a day`);
    return [from, to] as [number, number];
  });
  for (let i = 1; i < periods.length; i++) {
    if (periods[i]![0] < periods[i - 1]![1]) throw new Error('working periods must be ascending and not overlap');
  }
  return periods;
}

/** The local (Shanghai) calendar date of an instant, 'YYYY-MM-DD'. */
export function localDate(instant: Date): string {
  return new Date(instant.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

function isWorkingDay(localMidnightMs: number, calendar: WorkCalendar): boolean {
  const date = new Date(localMidnightMs).toISOString().slice(0, 10);
  const override = calendar.overrides.get(date);
  if (override !== undefined) return override;
  const weekday = new Date(localMidnightMs).getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

/** The instant `hours` working hours after `start`. */
export function addWorkingHours(start: Date, hours: number, calendar: WorkCalendar): Date {
  if (calendar.periods.length === 0) throw new Error('a work calendar needs at least one working period');
  let remainingMs = Math.round(hours * 3_600_000);
  // Work in "local epoch" milliseconds: UTC arithmetic on a clock shifted by +8 h.
  let local = start.getTime() + SHANGHAI_OFFSET_MS;
  for (let day = 0; day < 3660; day++) {
    const midnight = Math.floor(local / DAY_MS) * DAY_MS;
    if (isWorkingDay(midnight, calendar)) {
      for (const [from, to] of calendar.periods) {
        const periodStart = Math.max(midnight + from * 60_000, local);
        const periodEnd = midnight + to * 60_000;
        if (periodStart >= periodEnd) continue;
        // A deadline that lands exactly on a period's end stays there, not the next morning.
        if (periodEnd - periodStart >= remainingMs) return new Date(periodStart + remainingMs - SHANGHAI_OFFSET_MS);
        remainingMs -= periodEnd - periodStart;
      }
    }
    local = midnight + DAY_MS;
  }
  throw new Error('no working time found within ten years');
}
