import type { Broadcast, Coverage, Delivery, DeliveryState, Schedule } from '@/api/broadcast';
import { lang, t, type MessageKey } from './i18n';

/**
 * How 云广播 reads in both apps: the words for its enums, the state a speaker's delivery is shown
 * in (a waiting delivery on a speaker that is offline reads 离线), targets, coverage, programme
 * rules and days in China time.
 */
const zone = 'Asia/Shanghai';

export const broadcastKindLabel = (kind: string) => t(`bcKind.${kind}` as MessageKey) ?? kind;
export const broadcastStatusLabel = (status: string) => t(`bcStatus.${status}` as MessageKey) ?? status;

/** What a delivery is shown as: the API's state, or `offline` while it waits on a speaker that is offline. */
export type ShownState = DeliveryState | 'offline';
const WAITING: DeliveryState[] = ['pending', 'sent', 'received', 'interrupted'];

export function shownState(d: Pick<Delivery, 'state' | 'online' | 'reason'>): ShownState {
  if (WAITING.includes(d.state) && (!d.online || d.reason === 'offline')) return 'offline';
  return d.state;
}

export const deliveryStateLabel = (state: ShownState | string) => t(`bcDelivery.${state}` as MessageKey) ?? state;

/** Colours of the delivery states, the same in both apps. */
export const deliveryStateColour: Record<ShownState, string> = {
  pending: '#64748b',
  sent: '#2563eb',
  received: '#0e7490',
  playing: '#7c3aed',
  finished: '#1f7a4d',
  failed: '#c8102e',
  interrupted: '#d97706',
  offline: '#9ca3af',
  expired: '#6b7280',
  cancelled: '#6b7280',
};

export const broadcastStatusTone = (status: string): 'primary' | 'success' | 'info' | 'warning' =>
  status === 'active' ? 'primary' : status === 'completed' ? 'success' : status === 'expired' ? 'warning' : 'info';

/** "3 / 5": speakers that played it to the end, of all it was sent to. */
export const coverageText = (c: Coverage) => `${c.finished} / ${c.speakers}`;

/** 0–100, for progress bars. */
export const coveragePercent = (c: Coverage) => (c.speakers === 0 ? 0 : Math.round((c.finished / c.speakers) * 100));

/** Whether someone is still waiting for it to play somewhere reachable (worth refreshing often). */
export const stillMoving = (b: Pick<Broadcast, 'status' | 'coverage'>) => b.status === 'active';

/** Who it went to, in words: 全乡（黑堡乡）, 西阳邱村、东阳邱村, 3 台音柱. `names` maps region codes and speaker ids to names. */
export function targetLabel(target: { type: string; codes: string[] }, names: (code: string) => string | undefined = () => undefined): string {
  const named = target.codes.map((code) => names(code) ?? code);
  const sep = lang.value === 'en' ? ', ' : '、';
  if (target.type === 'township') return t('bc.target.townshipOf', { name: named.join(sep) });
  if (target.type === 'villages') return named.length <= 3 ? named.join(sep) : t('bc.target.villagesN', { first: named.slice(0, 2).join(sep), n: named.length });
  return named.length === 1 ? named[0]! : t('bc.target.speakersN', { n: named.length });
}

/** "12 秒", "1 分 05 秒" / "12 s", "1 min 05 s". */
export function durationText(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  const total = Math.max(1, Math.round(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  if (lang.value === 'en') return m ? `${m} min ${String(s).padStart(2, '0')} s` : `${s} s`;
  return m ? `${m} 分 ${String(s).padStart(2, '0')} 秒` : `${s} 秒`;
}

/** YYYY-MM-DD of an instant in China time. */
export function chinaDate(at: Date | string = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(at));
}

/** HH:MM of an instant in China time. */
export function chinaTime(at: Date | string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(at));
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a YYYY-MM-DD date. */
export function isoWeekday(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return ((new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7) + 1;
}

export const weekdayLabel = (n: number) => t(`bc.weekday.${n}` as MessageKey);

/** A day heading of the programme calendar: 今天 · 3月2日 周一, 明天 …, or the date and weekday. */
export function dayHeading(date: string, now = new Date()): string {
  const today = chinaDate(now);
  const tomorrow = chinaDate(new Date(now.getTime() + 86_400_000));
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const plain = lang.value === 'en'
    ? new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short' }).format(new Date(Date.UTC(y, m - 1, d)))
    : `${m}月${d}日`;
  const day = `${plain} ${weekdayLabel(isoWeekday(date))}`;
  if (date === today) return `${t('bc.today')} · ${day}`;
  if (date === tomorrow) return `${t('bc.tomorrow')} · ${day}`;
  return y === Number(today.slice(0, 4)) ? day : `${y} ${day}`;
}

/** A programme's rule: 一次 · 2026-03-02 08:00, 每天 07:30, 每周一、三、五 18:00. */
export function scheduleRule(s: Pick<Schedule, 'repeatKind' | 'runDate' | 'timeOfDay' | 'weekdays'>): string {
  if (s.repeatKind === 'once') return t('bc.rule.once', { date: s.runDate ?? '', time: s.timeOfDay });
  if (s.repeatKind === 'daily') return t('bc.rule.daily', { time: s.timeOfDay });
  const days = [...s.weekdays].sort((a, b) => a - b);
  const everyDay = days.length === 7;
  const workdays = days.join() === '1,2,3,4,5';
  const label = everyDay ? t('bc.rule.everyDay') : workdays ? t('bc.rule.workdays') : days.map(weekdayLabel).join(lang.value === 'en' ? ', ' : '、');
  return t('bc.rule.weekly', { days: label, time: s.timeOfDay });
}

/** A short title from a text (the phone app asks for the text only). */
export function titleFrom(text: string, max = 20): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  return clean.length <= max ? clean : `${clean.slice(0, max)}…`;
}

const reasonCodes = ['offline', 'no_ack', 'interrupted', 'busy', 'expired', 'stopped', 'fetch_failed', 'unsupported_audio', 'invalid_command', 'device_disabled', 'device_not_found', 'device_offline', 'device_messaging_unavailable', 'send_failed'];

/** Why a delivery waits or failed, in words; an unknown code (devices may send their own) as sent. */
export function reasonLabel(reason: string | null | undefined): string {
  if (!reason) return '';
  const code = reason.split(/[:\s]/)[0]!;
  return reasonCodes.includes(code) ? t(`bcReason.${code}` as MessageKey) : reason;
}

/** "刚刚", "3 分钟前", "2 小时前", "5 天前" / "just now", "3 min ago" … */
export function agoText(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const minutes = Math.floor((now - new Date(iso).getTime()) / 60_000);
  if (minutes < 1) return t('bc.ago.now');
  if (minutes < 60) return t('bc.ago.minutes', { n: minutes });
  if (minutes < 48 * 60) return t('bc.ago.hours', { n: Math.floor(minutes / 60) });
  return t('bc.ago.days', { n: Math.floor(minutes / 1440) });
}
