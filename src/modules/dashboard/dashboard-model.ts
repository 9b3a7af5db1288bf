import type { Selectable } from 'kysely';
import type { DashboardCaseFactsTable } from '../../platform/db/schema.js';
import { localDate } from '../../platform/working-time.js';

/**
 * The arithmetic of the big screen's read models, without I/O: China calendar days, the window
 * kept, and what one item contributes to the counters of each region on its path.
 */

/** What one case contributes, as stored in `dashboard_case_facts`. */
export type CaseFact = Selectable<DashboardCaseFactsTable>;

/** 'YYYY-MM-DD' plus `n` days. */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** The first day of the month of a 'YYYY-MM-DD'. */
export const monthOfDay = (day: string): string => `${day.slice(0, 7)}-01`;

/** Midnight at the start of a China calendar day, as an instant. */
export const startOfDay = (day: string): Date => new Date(`${day}T00:00:00+08:00`);

/**
 * The first day the read models keep: the first of the previous month. The screen shows this
 * month and the last 30 days, both inside it; a rebuild reads only what happened since.
 */
export function windowStart(now: Date): string {
  const [y, m] = localDate(now).split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 2, 1)).toISOString().slice(0, 10);
}

/**
 * The first day whose alarms, broadcasts and plays are counted by increments. Their feed rows
 * and marks (what makes a repeated event count once) are kept this long; an older item, should
 * its event come so late, is left to the recount, which reads the source tables.
 */
export function recentStart(now: Date): string {
  return addDays(localDate(now), -7);
}

/** The region codes on a path, county first: '/130631/130631202/' → ['130631', '130631202']. */
export const codesOf = (path: string): string[] => path.split('/').filter(Boolean);

/** Counters of one region and day. */
export interface DailyCounts {
  casesReported: number;
  casesReportedClosed: number;
  casesClosed: number;
  handlingHours: number;
  ratingsSum: number;
  ratingsCount: number;
  broadcasts: number;
  plays: number;
}

export const dailyColumns = {
  casesReported: 'cases_reported',
  casesReportedClosed: 'cases_reported_closed',
  casesClosed: 'cases_closed',
  handlingHours: 'handling_hours',
  ratingsSum: 'ratings_sum',
  ratingsCount: 'ratings_count',
  broadcasts: 'broadcasts',
  plays: 'plays',
} as const satisfies Record<keyof DailyCounts, string>;

const zeroDaily = (): DailyCounts => ({ casesReported: 0, casesReportedClosed: 0, casesClosed: 0, handlingHours: 0, ratingsSum: 0, ratingsCount: 0, broadcasts: 0, plays: 0 });
const isZero = (n: number) => Math.abs(n) < 1e-9;
const SEP = '\u0000';

/**
 * Changes to apply to the counters, merged per row. Rows come out sorted by key, so concurrent
 * writers take the rows' locks in the same order and never deadlock.
 */
export class Deltas {
  private readonly daily = new Map<string, { code: string; day: string; counts: DailyCounts }>();
  private readonly alarms = new Map<string, { code: string; day: string; kind: string; alarms: number }>();
  private readonly categories = new Map<string, { code: string; month: string; category: string; cases: number }>();
  private readonly gauges = new Map<string, { code: string; open: number; overdue: number }>();

  addDaily(code: string, day: string, counts: Partial<DailyCounts>): this {
    const key = `${code}${SEP}${day}`;
    const row = this.daily.get(key) ?? { code, day, counts: zeroDaily() };
    for (const [name, value] of Object.entries(counts) as [keyof DailyCounts, number][]) row.counts[name] += value;
    this.daily.set(key, row);
    return this;
  }

  addAlarms(code: string, day: string, kind: string, alarms: number): this {
    const key = `${code}${SEP}${day}${SEP}${kind}`;
    const row = this.alarms.get(key) ?? { code, day, kind, alarms: 0 };
    row.alarms += alarms;
    this.alarms.set(key, row);
    return this;
  }

  addCategory(code: string, month: string, category: string, cases: number): this {
    const key = `${code}${SEP}${month}${SEP}${category}`;
    const row = this.categories.get(key) ?? { code, month, category, cases: 0 };
    row.cases += cases;
    this.categories.set(key, row);
    return this;
  }

  addGauges(code: string, open: number, overdue: number): this {
    const row = this.gauges.get(code) ?? { code, open: 0, overdue: 0 };
    row.open += open;
    row.overdue += overdue;
    this.gauges.set(code, row);
    return this;
  }

  /**
   * A case's contribution (sign 1) or its withdrawal (sign −1) at every level of its path. Days
   * before `from` are outside the kept window and left alone; the gauges are always current.
   */
  addCase(fact: CaseFact, sign: 1 | -1, from: string): this {
    for (const code of codesOf(fact.region_path)) {
      if (fact.reported_day >= from) {
        this.addDaily(code, fact.reported_day, { casesReported: sign, casesReportedClosed: fact.closed_day ? sign : 0 });
        this.addCategory(code, monthOfDay(fact.reported_day), fact.category_code, sign);
      }
      if (fact.closed_day && fact.closed_day >= from) this.addDaily(code, fact.closed_day, { casesClosed: sign, handlingHours: sign * (fact.handling_hours ?? 0) });
      if (fact.rated_day && fact.rating !== null && fact.rated_day >= from) this.addDaily(code, fact.rated_day, { ratingsSum: sign * fact.rating, ratingsCount: sign });
      this.addGauges(code, fact.is_open ? sign : 0, fact.is_overdue ? sign : 0);
    }
    return this;
  }

  /** The same changes for other regions: a subtree's recount carried to the regions above it. */
  copiedTo(codes: string[]): Deltas {
    const out = new Deltas();
    for (const code of codes) {
      for (const row of this.daily.values()) out.addDaily(code, row.day, row.counts);
      for (const row of this.alarms.values()) out.addAlarms(code, row.day, row.kind, row.alarms);
      for (const row of this.categories.values()) out.addCategory(code, row.month, row.category, row.cases);
      for (const row of this.gauges.values()) out.addGauges(code, row.open, row.overdue);
    }
    return out;
  }

  dailyRows() {
    return sorted(this.daily).filter((row) => !Object.values(row.counts).every(isZero));
  }

  alarmRows() {
    return sorted(this.alarms).filter((row) => row.alarms !== 0);
  }

  categoryRows() {
    return sorted(this.categories).filter((row) => row.cases !== 0);
  }

  gaugeRows() {
    return sorted(this.gauges).filter((row) => row.open !== 0 || row.overdue !== 0);
  }

  get empty(): boolean {
    return this.dailyRows().length + this.alarmRows().length + this.categoryRows().length + this.gaugeRows().length === 0;
  }
}

function sorted<T>(map: Map<string, T>): T[] {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
}

/** One day's figures as the summary reads them. */
export interface DayRow extends DailyCounts {
  day: string;
}

/** The cases block of the summary from the region's days of this month and the last 30 days. */
export function caseFigures(rows: DayRow[], today: string) {
  const byDay = new Map(rows.map((row) => [row.day, row]));
  const month = monthOfDay(today);
  const inMonth = rows.filter((row) => row.day >= month && row.day <= today);
  const sum = (name: keyof DailyCounts) => inMonth.reduce((total, row) => total + row[name], 0);
  const reported = sum('casesReported');
  const closed = sum('casesClosed');
  const ratings = sum('ratingsCount');
  return {
    today: byDay.get(today)?.casesReported ?? 0,
    thisMonth: reported,
    closedThisMonth: closed,
    // Of this month's reports, the share closed now (so never above 1).
    closureRate: reported > 0 ? Math.min(1, sum('casesReportedClosed') / reported) : null,
    avgHandlingHours: closed > 0 ? round(sum('handlingHours') / closed, 1) : null,
    satisfaction: ratings > 0 ? round(sum('ratingsSum') / ratings, 2) : null,
    trend: Array.from({ length: 30 }, (_, i) => {
      const date = addDays(today, i - 29);
      const row = byDay.get(date);
      return { date, reported: row?.casesReported ?? 0, closed: row?.casesClosed ?? 0 };
    }),
  };
}

export const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
