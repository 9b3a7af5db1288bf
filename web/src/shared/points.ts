import type { ClaimState, Earner, Entry, EntryKind, OrderState, Rule, RuleCategory } from '@/api/points';
import { lang, t, type MessageKey } from './i18n';

/**
 * How points read in both apps: the words for the module's enums (the API sends Chinese labels
 * only, so the UI keeps its own in both languages), signed amounts, where an entry came from, and
 * months and days in China time.
 */
export const entryKindLabel = (kind: EntryKind | string) => t(`pointsKind.${kind}` as MessageKey) ?? kind;
export const claimStateLabel = (state: ClaimState | string) => t(`claimState.${state}` as MessageKey) ?? state;
export const orderStateLabel = (state: OrderState | string) => t(`orderState.${state}` as MessageKey) ?? state;
export const ruleCategoryLabel = (category: RuleCategory | string) => t(`ruleCategory.${category}` as MessageKey) ?? category;
export const earnerLabel = (earner: Earner | string) => t(`earner.${earner}` as MessageKey) ?? earner;

/** The level a rule was set at: 平台默认, 县, 乡镇, 村 (with the region's name when it has one). */
export function ruleLevelLabel(rule: Pick<Rule, 'definedAt'>): string {
  const { level, regionName } = rule.definedAt;
  return level === 'platform' ? t('rules.platform') : (regionName ?? t(`level.${level}` as MessageKey));
}

/** Vant and Element Plus share these tag types ('default' is Vant's, 'info' Element's). */
export function orderStateTone(state: OrderState | string): 'warning' | 'success' | 'default' {
  return state === 'reserved' ? 'warning' : state === 'completed' ? 'success' : 'default';
}

/** Element Plus tag types have no 'default'. */
export function orderStateTagType(state: OrderState | string): 'warning' | 'success' | 'info' {
  const tone = orderStateTone(state);
  return tone === 'default' ? 'info' : tone;
}

export function claimStateTone(state: ClaimState | string): 'warning' | 'success' | 'danger' {
  return state === 'pending' ? 'warning' : state === 'approved' ? 'success' : 'danger';
}

/** "+5", "−30" (a real minus sign, easier to read than a hyphen). */
export function signed(points: number): string {
  return points > 0 ? `+${points}` : points < 0 ? `−${Math.abs(points)}` : '0';
}

/** Where an entry came from: a case, a claim, an order, a correction, or a cadre's decision. */
export function entrySource(entry: Pick<Entry, 'caseId' | 'claimId' | 'orderId' | 'alarmId' | 'correctsId' | 'kind'>): string {
  if (entry.caseId) return t('points.source.case');
  if (entry.claimId) return t('points.source.claim');
  if (entry.orderId) return t('points.source.order');
  if (entry.correctsId) return t('points.source.correction', { id: entry.correctsId });
  if (entry.alarmId) return t('points.source.alarm');
  if (entry.kind === 'opening') return t('points.source.opening');
  return t('points.source.cadre');
}

const zone = 'Asia/Shanghai';

/** Today in China time, YYYY-MM-DD. */
export function today(now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** This month in China time, YYYY-MM; `offset` months before or after. */
export function monthOf(offset = 0, now = new Date()): string {
  const [y, m] = today(now).split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 + offset, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** "2026年11月" / "Nov 2026". */
export function monthLabel(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return lang.value === 'en'
    ? new Intl.DateTimeFormat('en-GB', { year: 'numeric', month: 'short', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, 1)))
    : `${y}年${m}月`;
}

/** "11月28日" / "28 Nov", a day in China time. */
export function dayLabel(iso: string): string {
  return new Intl.DateTimeFormat(lang.value === 'en' ? 'en-GB' : 'zh-CN', { timeZone: zone, month: 'short', day: 'numeric' }).format(new Date(iso));
}
