/** When a programme (定时广播) next runs, in Asia/Shanghai (UTC+8, no daylight saving). */

const OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

export interface ScheduleRule {
  repeatKind: 'once' | 'daily' | 'weekly';
  /** 'HH:MM' local time. */
  timeOfDay: string;
  /** Local date 'YYYY-MM-DD', for `once`. */
  runDate?: string | null;
  /** ISO weekdays 1 (Monday) … 7 (Sunday), for `weekly`. */
  weekdays?: number[];
}

function localMinutes(timeOfDay: string): number {
  const [h, m] = timeOfDay.split(':').map(Number);
  return h! * 60 + m!;
}

/** The first run strictly after `after`, or null when a one-off programme has passed. */
export function nextRun(rule: ScheduleRule, after: Date): Date | null {
  const minutes = localMinutes(rule.timeOfDay);
  if (rule.repeatKind === 'once') {
    const at = new Date(`${rule.runDate}T00:00:00Z`).getTime() + minutes * 60_000 - OFFSET_MS;
    return at > after.getTime() ? new Date(at) : null;
  }
  const localNow = after.getTime() + OFFSET_MS;
  const today = Math.floor(localNow / DAY_MS) * DAY_MS;
  for (let day = 0; day <= 7; day++) {
    const midnight = today + day * DAY_MS;
    const isoWeekday = ((new Date(midnight).getUTCDay() + 6) % 7) + 1;
    if (rule.repeatKind === 'weekly' && !(rule.weekdays ?? []).includes(isoWeekday)) continue;
    const at = midnight + minutes * 60_000 - OFFSET_MS;
    if (at > after.getTime()) return new Date(at);
  }
  return null;
}
