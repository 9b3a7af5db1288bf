import { monthsBetween, previousMonth } from './party-periods.js';

/**
 * 党费: the monthly amount from a member's declared monthly income (after tax) and the brackets in
 * force. The whole income is charged at its bracket's rate — not progressively — as the party's
 * rules say: ≤ 3000 yuan 0.5%, 3000–5000 1%, 5000–10000 1.5%, above 10000 2%. Amounts are integer
 * cents (分), rounded half up; rates are basis points (1% = 100), so no floating point is involved.
 */
export interface DuesBracket {
  /** Upper bound of the monthly income in cents, inclusive; null for the last bracket. */
  upToCents: number | null;
  /** Rate in basis points of the income (50 = 0.5%). */
  rateBp: number;
}

export const defaultDuesBrackets: DuesBracket[] = [
  { upToCents: 300_000, rateBp: 50 },
  { upToCents: 500_000, rateBp: 100 },
  { upToCents: 1_000_000, rateBp: 150 },
  { upToCents: null, rateBp: 200 },
];

/** Months of dues unpaid in a row after which a member is flagged (党章: 连续六个月不交纳党费). */
export const ARREARS_FLAG_MONTHS = 6;

/** Problems with a set of brackets, empty when it is usable: ascending bounds, the last open. */
export function bracketProblems(brackets: DuesBracket[]): string[] {
  const problems: string[] = [];
  if (brackets.length === 0) return ['at least one bracket'];
  brackets.forEach((b, i) => {
    const last = i === brackets.length - 1;
    if (last !== (b.upToCents === null)) problems.push(last ? 'the last bracket has no upper bound' : `bracket ${i + 1} needs an upper bound`);
    const previous = brackets[i - 1]?.upToCents;
    if (b.upToCents !== null && previous != null && b.upToCents <= previous) problems.push(`bracket ${i + 1} must end above bracket ${i}`);
  });
  return problems;
}

export function bracketFor(incomeCents: number, brackets: DuesBracket[]): DuesBracket {
  return brackets.find((b) => b.upToCents === null || incomeCents <= b.upToCents) ?? brackets[brackets.length - 1]!;
}

/** `cents × rateBp / 10000`, rounded half up to a whole cent. */
export function applyRate(cents: number, rateBp: number): number {
  return Math.floor((cents * rateBp + 5_000) / 10_000);
}

export interface DuesBasis {
  declaredIncomeCents: number | null;
  fixedDuesCents: number | null;
}

export interface MonthlyDues {
  amountCents: number;
  /** 'fixed': a fixed amount (e.g. 农民党员); 'income': from the bracket; 'none': no income declared. */
  basis: 'fixed' | 'income' | 'none';
  rateBp: number | null;
}

/** The monthly dues of a member: a fixed amount when set, else their income's bracket. */
export function monthlyDues(member: DuesBasis, brackets: DuesBracket[]): MonthlyDues {
  if (member.fixedDuesCents !== null) return { amountCents: member.fixedDuesCents, basis: 'fixed', rateBp: null };
  if (member.declaredIncomeCents === null) return { amountCents: 0, basis: 'none', rateBp: null };
  const { rateBp } = bracketFor(member.declaredIncomeCents, brackets);
  return { amountCents: applyRate(member.declaredIncomeCents, rateBp), basis: 'income', rateBp };
}

export interface Arrears {
  /** Months before the current one, since dues began, with no payment; oldest first. */
  unpaidMonths: string[];
  /** Unpaid months in a row up to last month. */
  consecutive: number;
  /** `consecutive` ≥ 6: shown prominently. */
  flagged: boolean;
}

/**
 * What a member owes as of `currentMonth`: the current month is due, not yet in arrears; months
 * before `duesFrom` are not owed.
 */
export function arrears(duesFrom: string, currentMonth: string, paidMonths: ReadonlySet<string>): Arrears {
  const owed = monthsBetween(duesFrom, previousMonth(currentMonth));
  const unpaidMonths = owed.filter((m) => !paidMonths.has(m));
  let consecutive = 0;
  for (let i = owed.length - 1; i >= 0 && !paidMonths.has(owed[i]!); i--) consecutive++;
  return { unpaidMonths, consecutive, flagged: consecutive >= ARREARS_FLAG_MONTHS };
}

/** '12.50' from 1250 cents. */
export const yuan = (cents: number) => (cents / 100).toFixed(2);
