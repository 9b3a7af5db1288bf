import type { PartyFrequency } from '../../platform/db/schema.js';

/**
 * The periods a meeting type's frequency counts in — month, quarter, half-year, year — as
 * Asia/Shanghai calendar periods (UTC+8, no daylight saving), so a 主题党日 held on 30 November at
 * 23:30 China time counts for November although it is already 1 December nowhere but in UTC's past.
 */
export type PeriodFrequency = Exclude<PartyFrequency, 'none'>;

export interface Period {
  frequency: PeriodFrequency;
  /** '2026-11', '2026-Q4', '2026-H2', '2026'. */
  key: string;
  /** Chinese label: 2026年11月, 2026年第四季度, 2026年下半年, 2026年. */
  label: string;
  labelEn: string;
  /** The first instant of the period. */
  start: Date;
  /** The first instant after it. */
  end: Date;
}

const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const QUARTERS = ['一', '二', '三', '四'];
const MONTHS_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** How many months a period of the frequency spans. */
export const periodMonths: Record<PeriodFrequency, number> = { monthly: 1, quarterly: 3, half_yearly: 6, yearly: 12 };

/** Days before a period ends when its secretaries are reminded of a meeting not yet held. */
export const reminderLeadDays: Record<PeriodFrequency, number> = { monthly: 7, quarterly: 15, half_yearly: 20, yearly: 30 };

/** The Shanghai instant of local midnight opening month `month0` (0-based, may overflow) of `year`. */
const localMonthStart = (year: number, month0: number) => new Date(Date.UTC(year, month0, 1) - SHANGHAI_OFFSET_MS);

/** The Shanghai calendar month 'YYYY-MM' of an instant. */
export function monthAt(instant: Date): string {
  return new Date(instant.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 7);
}

export function isMonth(value: string): boolean {
  return MONTH.test(value);
}

function parseMonth(month: string): { year: number; month0: number } {
  const match = MONTH.exec(month);
  if (!match) throw new Error(`"${month}" is not YYYY-MM`);
  return { year: Number(match[1]), month0: Number(match[2]) - 1 };
}

/** The period of a frequency that contains the month 'YYYY-MM'. */
export function periodOf(frequency: PeriodFrequency, month: string): Period {
  const { year, month0 } = parseMonth(month);
  const span = periodMonths[frequency];
  const first = Math.floor(month0 / span) * span;
  const start = localMonthStart(year, first);
  const end = localMonthStart(year, first + span);
  switch (frequency) {
    case 'monthly':
      return { frequency, key: month, label: `${year}年${month0 + 1}月`, labelEn: `${MONTHS_EN[month0]} ${year}`, start, end };
    case 'quarterly': {
      const q = first / 3;
      return { frequency, key: `${year}-Q${q + 1}`, label: `${year}年第${QUARTERS[q]}季度`, labelEn: `Q${q + 1} ${year}`, start, end };
    }
    case 'half_yearly': {
      const h = first / 6;
      return { frequency, key: `${year}-H${h + 1}`, label: `${year}年${h === 0 ? '上' : '下'}半年`, labelEn: `H${h + 1} ${year}`, start, end };
    }
    case 'yearly':
      return { frequency, key: String(year), label: `${year}年`, labelEn: String(year), start, end };
  }
}

/** The period of a frequency that contains an instant. */
export function periodAt(frequency: PeriodFrequency, instant: Date): Period {
  return periodOf(frequency, monthAt(instant));
}

/** The period after this one. */
export function nextPeriod(period: Period): Period {
  return periodAt(period.frequency, period.end);
}

/** When secretaries are reminded: 09:00 China time, `reminderLeadDays` before the period ends. */
export function reminderAt(period: Period): Date {
  return new Date(period.end.getTime() - reminderLeadDays[period.frequency] * 86_400_000 + 9 * 3_600_000);
}

/** Whole days from `now` until the period ends (0 on its last day, negative once over). */
export function daysLeft(period: Period, now: Date): number {
  return Math.ceil((period.end.getTime() - now.getTime()) / 86_400_000) - 1;
}

/** The months 'YYYY-MM' from `from` to `to`, both included (empty when `from` is after `to`). */
export function monthsBetween(from: string, to: string): string[] {
  const a = parseMonth(from);
  const b = parseMonth(to);
  const months: string[] = [];
  for (let i = a.year * 12 + a.month0; i <= b.year * 12 + b.month0; i++) {
    months.push(`${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`);
  }
  return months;
}

/** The month before 'YYYY-MM'. */
export function previousMonth(month: string): string {
  const { year, month0 } = parseMonth(month);
  const i = year * 12 + month0 - 1;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
}
