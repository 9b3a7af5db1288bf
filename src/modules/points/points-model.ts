import type { PointsClaimState, PointsEarner, PointsEntryKind, PointsOrderState, PointsRuleCategory } from '../../platform/db/schema.js';
import { localDate } from '../../platform/working-time.js';

/** Labels for what the points module shows; the codes are stable, the words are for people. */
export const ruleCategoryLabels: Record<PointsRuleCategory, { zh: string; en: string }> = {
  report: { zh: '网格上报', en: 'Reporting' },
  handling: { zh: '网格办理', en: 'Handling cases' },
  civic: { zh: '村务参与', en: 'Village affairs' },
  volunteer: { zh: '志愿服务', en: 'Volunteering' },
  environment: { zh: '人居环境', en: 'Living environment' },
  virtue: { zh: '文明乡风', en: 'Civic virtue' },
  compliance: { zh: '遵规守约', en: 'Keeping the rules' },
  discipline: { zh: '违规扣分', en: 'Deductions' },
};

export const earnerLabels: Record<PointsEarner, { zh: string; en: string }> = {
  reporter: { zh: '上报人（事件办结后自动）', en: 'The reporter, when the case is closed' },
  handler: { zh: '办理的网格员（事件办结后自动）', en: 'The grid worker who handled the case, when it is closed' },
  claimant: { zh: '村民申报，干部审核', en: 'Claimed by a villager, approved by a cadre' },
  assigned: { zh: '干部评定', en: 'Given by a cadre' },
  acknowledger: { zh: '确认告警的网格员、村干部（自动）', en: 'The grid worker or cadre who acknowledges an alarm' },
};

export const entryKindLabels: Record<PointsEntryKind, { zh: string; en: string }> = {
  award: { zh: '加分', en: 'Award' },
  deduction: { zh: '扣分', en: 'Deduction' },
  redemption: { zh: '兑换', en: 'Redemption' },
  refund: { zh: '兑换退还', en: 'Refund' },
  correction: { zh: '更正', en: 'Correction' },
  opening: { zh: '期初结转', en: 'Opening balance' },
};

export const claimStateLabels: Record<PointsClaimState, { zh: string; en: string }> = {
  pending: { zh: '待审核', en: 'Pending' },
  approved: { zh: '已通过', en: 'Approved' },
  rejected: { zh: '未通过', en: 'Rejected' },
};

export const orderStateLabels: Record<PointsOrderState, { zh: string; en: string }> = {
  reserved: { zh: '待领取', en: 'Reserved' },
  completed: { zh: '已领取', en: 'Handed over' },
  cancelled: { zh: '已取消', en: 'Cancelled' },
};

/** Entry kinds that count as earning for the monthly rankings (spending never lowers a rank). */
export const earningKinds: PointsEntryKind[] = ['award', 'deduction', 'correction'];

const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/** The calendar month 'YYYY-MM' in Asia/Shanghai of an instant. */
export const monthOf = (instant: Date): string => localDate(instant).slice(0, 7);

/** A Shanghai calendar month as the instants [start, end). */
export function monthWindow(month: string): { start: Date; end: Date } {
  const [year, mon] = month.split('-').map(Number) as [number, number];
  return { start: new Date(Date.UTC(year, mon - 1, 1) - SHANGHAI_OFFSET_MS), end: new Date(Date.UTC(year, mon, 1) - SHANGHAI_OFFSET_MS) };
}

/** A Shanghai calendar day 'YYYY-MM-DD' as the instants [start, end). */
export function dayWindow(day: string): { start: Date; end: Date } {
  const start = new Date(`${day}T00:00:00+08:00`);
  return { start, end: new Date(start.getTime() + 86_400_000) };
}

/** 'YYYY-MM-DD HH:mm:ss' in Shanghai time, for exports. */
export function localDateTime(instant: Date): string {
  return new Date(instant.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** The village code in a region path (county / township / village / grid), if the path reaches a village. */
export function villageCodeOf(path: string): string | null {
  return path.split('/').filter(Boolean)[2] ?? null;
}

/** Standard competition ranking (1, 2, 2, 4): the rows arrive sorted by points, highest first. */
export function ranked<T extends { points: number }>(rows: T[]): (T & { rank: number })[] {
  let rank = 0;
  return rows.map((row, i) => {
    if (i === 0 || rows[i - 1]!.points !== row.points) rank = i + 1;
    return { ...row, rank };
  });
}

/**
 * CSV that Excel opens correctly with Chinese text: UTF-8 with a byte-order mark, CRLF line ends,
 * quoted fields. Text that a spreadsheet would run as a formula (=, +, -, @ first) is prefixed
 * with an apostrophe; numbers are written as numbers.
 */
export function toCsv(header: string[], rows: (string | number | null)[][]): Buffer {
  const cell = (value: string | number | null) => {
    if (value === null) return '';
    if (typeof value === 'number') return String(value);
    const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
    return /[",\r\n]/.test(safe) || safe !== value ? `"${safe.replaceAll('"', '""')}"` : safe;
  };
  const lines = [header, ...rows].map((row) => row.map(cell).join(','));
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8')]);
}
