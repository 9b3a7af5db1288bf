import { describe, expect, it } from 'vitest';
import { applyRate, arrears, bracketProblems, defaultDuesBrackets, monthlyDues } from './party-dues.js';

const yuan = (n: number) => Math.round(n * 100);
const dues = (income: number) => monthlyDues({ declaredIncomeCents: yuan(income), fixedDuesCents: null }, defaultDuesBrackets);

describe('党费 arithmetic', () => {
  it('charges the whole income at its bracket’s rate, bounds included in the lower bracket', () => {
    expect(dues(2000)).toEqual({ amountCents: 1000, basis: 'income', rateBp: 50 }); // 0.5% → 10.00
    expect(dues(3000).amountCents).toBe(1500); // ≤ 3000: 0.5%
    expect(dues(3000.01).amountCents).toBe(3000); // above: 1% of all of it
    expect(dues(5000).amountCents).toBe(5000);
    expect(dues(5000.01)).toEqual({ amountCents: 7500, basis: 'income', rateBp: 150 });
    expect(dues(10_000).amountCents).toBe(15_000);
    expect(dues(10_000.01)).toEqual({ amountCents: 20_000, basis: 'income', rateBp: 200 });
    expect(dues(0).amountCents).toBe(0);
  });

  it('rounds half a cent up', () => {
    expect(applyRate(2_345, 50)).toBe(12); // 11.725 → 12
    expect(applyRate(2_349, 50)).toBe(12); // 11.745 → 12
    expect(applyRate(2_329, 50)).toBe(12); // 11.645 → 12
    expect(applyRate(2_321, 50)).toBe(12); // 11.605 → 12
    expect(applyRate(2_309, 50)).toBe(12); // 11.545 → 12
    expect(applyRate(2_289, 50)).toBe(11); // 11.445 → 11
    expect(dues(2345.67).amountCents).toBe(1173); // 11.72835 → 11.73
  });

  it('a fixed amount wins; no declared income owes nothing yet', () => {
    expect(monthlyDues({ declaredIncomeCents: yuan(9000), fixedDuesCents: 20 }, defaultDuesBrackets)).toEqual({ amountCents: 20, basis: 'fixed', rateBp: null });
    expect(monthlyDues({ declaredIncomeCents: null, fixedDuesCents: null }, defaultDuesBrackets)).toEqual({ amountCents: 0, basis: 'none', rateBp: null });
  });

  it('uses configured brackets', () => {
    const flat = [
      { upToCents: 500_000, rateBp: 100 },
      { upToCents: null, rateBp: 300 },
    ];
    expect(monthlyDues({ declaredIncomeCents: yuan(6000), fixedDuesCents: null }, flat).amountCents).toBe(18_000);
    expect(bracketProblems(flat)).toEqual([]);
    expect(bracketProblems([{ upToCents: 500_000, rateBp: 100 }])).toHaveLength(1);
    expect(bracketProblems([{ upToCents: 500_000, rateBp: 100 }, { upToCents: 400_000, rateBp: 100 }, { upToCents: null, rateBp: 1 }])).toHaveLength(1);
  });

  it('counts arrears before the current month, over a year end, and flags six in a row', () => {
    const paid = new Set(['2026-05', '2026-06']);
    const owed = arrears('2026-05', '2027-01', paid);
    expect(owed.unpaidMonths).toEqual(['2026-07', '2026-08', '2026-09', '2026-10', '2026-11', '2026-12']);
    expect(owed).toMatchObject({ consecutive: 6, flagged: true });
    // Paying the last month breaks the run: still six unpaid, but not six in a row.
    expect(arrears('2026-05', '2027-01', new Set([...paid, '2026-12']))).toMatchObject({ consecutive: 0, flagged: false });
    expect(arrears('2026-07', '2027-01', new Set(['2026-08']))).toMatchObject({ consecutive: 4, flagged: false });
    // The current month is due, not in arrears; dues that began this month owe nothing yet.
    expect(arrears('2027-01', '2027-01', new Set())).toEqual({ unpaidMonths: [], consecutive: 0, flagged: false });
  });
});
