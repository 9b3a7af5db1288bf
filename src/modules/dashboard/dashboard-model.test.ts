import { describe, expect, it } from 'vitest';
import { addDays, type CaseFact, caseFigures, codesOf, Deltas, windowStart } from './dashboard-model.js';

const fact = (over: Partial<CaseFact> = {}): CaseFact => ({
  case_id: '00000000-0000-4000-8000-000000000001',
  region_path: '/c/t/v/g/',
  category_code: 'sanitation',
  reported_day: '2026-11-20',
  closed_day: null,
  handling_hours: null,
  rated_day: null,
  rating: null,
  is_open: true,
  is_overdue: false,
  ...over,
});

describe('China calendar days and the kept window', () => {
  it('adds days across months and years', () => {
    expect(addDays('2026-11-30', 1)).toBe('2026-12-01');
    expect(addDays('2027-01-01', -1)).toBe('2026-12-31');
    expect(addDays('2028-03-01', -1)).toBe('2028-02-29');
  });

  it('keeps from the first of the previous month, in China time', () => {
    expect(windowStart(new Date('2026-11-27T02:00:00Z'))).toBe('2026-10-01');
    // 2027-01-01 00:30 in Shanghai is still 2026-12-31 in UTC.
    expect(windowStart(new Date('2026-12-31T16:30:00Z'))).toBe('2026-12-01');
    expect(windowStart(new Date('2026-12-31T15:30:00Z'))).toBe('2026-11-01');
  });

  it('reads a path as its codes, county first', () => {
    expect(codesOf('/130631/130631202/')).toEqual(['130631', '130631202']);
    expect(codesOf('/')).toEqual([]);
  });
});

describe('a case’s contribution', () => {
  it('counts at every level of its path: reported, category, open', () => {
    const d = new Deltas().addCase(fact(), 1, '2026-10-01');
    expect(d.dailyRows().map((r) => [r.code, r.day, r.counts.casesReported])).toEqual([
      ['c', '2026-11-20', 1],
      ['g', '2026-11-20', 1],
      ['t', '2026-11-20', 1],
      ['v', '2026-11-20', 1],
    ]);
    expect(d.categoryRows().map((r) => [r.code, r.month, r.cases])).toContainEqual(['t', '2026-11-01', 1]);
    expect(d.gaugeRows()).toContainEqual({ code: 'v', open: 1, overdue: 0 });
  });

  it('a change applies only the difference; the same state twice applies nothing', () => {
    const before = fact({ is_overdue: true });
    const after = fact({ is_open: false, is_overdue: false, closed_day: '2026-11-22', handling_hours: 30 });
    const d = new Deltas().addCase(after, 1, '2026-10-01').addCase(before, -1, '2026-10-01');
    expect(d.categoryRows()).toEqual([]);
    const township = d.dailyRows().filter((r) => r.code === 't');
    expect(township.map((r) => [r.day, r.counts.casesReported, r.counts.casesReportedClosed, r.counts.casesClosed, r.counts.handlingHours])).toEqual([
      ['2026-11-20', 0, 1, 0, 0],
      ['2026-11-22', 0, 0, 1, 30],
    ]);
    expect(d.gaugeRows()).toContainEqual({ code: 't', open: -1, overdue: -1 });
    expect(new Deltas().addCase(after, 1, '2026-10-01').addCase(after, -1, '2026-10-01').empty).toBe(true);
  });

  it('leaves days before the window alone but keeps the gauges current', () => {
    const d = new Deltas().addCase(fact({ reported_day: '2026-09-30', rated_day: '2026-11-02', rating: 5 }), 1, '2026-10-01');
    expect(d.categoryRows()).toEqual([]);
    expect(d.dailyRows().map((r) => [r.day, r.counts.casesReported, r.counts.ratingsSum])).toEqual(Array(4).fill(['2026-11-02', 0, 5]));
    expect(d.gaugeRows()).toHaveLength(4);
  });

  it('copies a subtree’s change to the regions above it', () => {
    const change = new Deltas().addDaily('v', '2026-11-20', { broadcasts: 2 }).addGauges('v', 1, 0);
    const above = change.copiedTo(['c', 't']);
    expect(above.dailyRows().map((r) => [r.code, r.counts.broadcasts])).toEqual([
      ['c', 2],
      ['t', 2],
    ]);
    expect(above.gaugeRows()).toEqual([
      { code: 'c', open: 1, overdue: 0 },
      { code: 't', open: 1, overdue: 0 },
    ]);
  });
});

describe('the cases block', () => {
  const zero = { casesReported: 0, casesReportedClosed: 0, casesClosed: 0, handlingHours: 0, ratingsSum: 0, ratingsCount: 0, broadcasts: 0, plays: 0 };

  it('sums this month, rates this month’s reports, and lays out 30 days oldest first', () => {
    const figures = caseFigures(
      [
        { ...zero, day: '2026-10-31', casesReported: 7, casesClosed: 7, handlingHours: 70 },
        { ...zero, day: '2026-11-02', casesReported: 4, casesReportedClosed: 1, casesClosed: 3, handlingHours: 10, ratingsSum: 9, ratingsCount: 2 },
        { ...zero, day: '2026-11-27', casesReported: 1 },
      ],
      '2026-11-27',
    );
    expect(figures).toMatchObject({ today: 1, thisMonth: 5, closedThisMonth: 3, closureRate: 0.2, avgHandlingHours: 3.3, satisfaction: 4.5 });
    expect(figures.trend).toHaveLength(30);
    expect(figures.trend[0]).toEqual({ date: '2026-10-29', reported: 0, closed: 0 });
    expect(figures.trend[2]).toEqual({ date: '2026-10-31', reported: 7, closed: 7 });
    expect(figures.trend[29]).toEqual({ date: '2026-11-27', reported: 1, closed: 0 });
  });

  it('has no rates without reports, closures or ratings', () => {
    expect(caseFigures([], '2026-11-27')).toMatchObject({ today: 0, thisMonth: 0, closureRate: null, avgHandlingHours: null, satisfaction: null });
  });
});
