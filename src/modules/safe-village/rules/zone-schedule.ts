/**
 * When a zone is armed. Schedules are weekly windows in Asia/Shanghai local time, optionally limited
 * to some months (flood season). A window that wraps past midnight belongs to the day it started
 * on: 'Fri 20:00–06:00' covers Saturday 03:00, and a September-only night window covers 1 October
 * 03:00 when it started on 30 September.
 */
import type { ZoneSchedule } from './types.js';

// Asia/Shanghai is UTC+8 all year (no daylight saving), as in platform/working-time.ts.
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

interface LocalDay {
  weekday: number;
  month: number;
}

/** Minutes after midnight of 'HH:MM' (00:00–24:00); throws on anything else. */
export function parseTimeOfDay(text: string): number {
  const match = /^(\d{2}):(\d{2})$/.exec(text);
  const minutes = match ? Number(match[1]) * 60 + Number(match[2]) : NaN;
  if (!match || Number(match[2]) >= 60 || !(minutes <= 24 * 60)) throw new Error(`"${text}" is not a time HH:MM`);
  return minutes;
}

/** Weekday (ISO) and month of a "local epoch" instant, i.e. one already shifted by +8 h. */
function localDay(localMs: number): LocalDay {
  const date = new Date(localMs);
  return { weekday: date.getUTCDay() || 7, month: date.getUTCMonth() + 1 };
}

function appliesOn(schedule: ZoneSchedule, day: LocalDay): boolean {
  return (
    (schedule.days === undefined || schedule.days.includes(day.weekday)) &&
    (schedule.months === undefined || schedule.months.includes(day.month))
  );
}

function isActive(schedule: ZoneSchedule, minute: number, today: LocalDay, yesterday: LocalDay): boolean {
  const start = parseTimeOfDay(schedule.start);
  const end = parseTimeOfDay(schedule.end);
  if (start < end) return start <= minute && minute < end && appliesOn(schedule, today);
  return (minute >= start && appliesOn(schedule, today)) || (minute < end && appliesOn(schedule, yesterday));
}

/** Whether any schedule covers `at`; no schedules = always. */
export function isScheduleActive(schedules: readonly ZoneSchedule[], at: Date): boolean {
  if (schedules.length === 0) return true;
  const local = at.getTime() + SHANGHAI_OFFSET_MS;
  const minute = Math.floor((((local % DAY_MS) + DAY_MS) % DAY_MS) / 60_000);
  const today = localDay(local);
  const yesterday = localDay(local - DAY_MS);
  return schedules.some((schedule) => isActive(schedule, minute, today, yesterday));
}
