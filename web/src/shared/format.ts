import { lang } from './i18n';

/** Times are stored in UTC and shown in Asia/Shanghai, whatever the device's zone. */
const zone = 'Asia/Shanghai';

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(lang.value === 'en' ? 'en-GB' : 'zh-CN', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(d);
}

export function formatNumber(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  return new Intl.NumberFormat(lang.value === 'en' ? 'en-US' : 'zh-CN').format(n);
}

/** "in 3 h", "2 d overdue"… relative to now, for deadlines. */
export function relativeTo(iso: string | null | undefined, now = Date.now()): { text: string; overdue: boolean } | null {
  if (!iso) return null;
  const diff = new Date(iso).getTime() - now;
  const overdue = diff < 0;
  const minutes = Math.round(Math.abs(diff) / 60_000);
  const en = lang.value === 'en';
  let amount: string;
  if (minutes < 60) amount = en ? `${minutes} min` : `${minutes} 分钟`;
  else if (minutes < 48 * 60) amount = en ? `${Math.round(minutes / 60)} h` : `${Math.round(minutes / 60)} 小时`;
  else amount = en ? `${Math.round(minutes / 1440)} d` : `${Math.round(minutes / 1440)} 天`;
  const text = overdue ? (en ? `${amount} overdue` : `已超时 ${amount}`) : en ? `due in ${amount}` : `剩余 ${amount}`;
  return { text, overdue };
}

/** A `YYYY-MM-DD` pair of China days as the API's ISO instants: from the first day's start to the day after the last (exclusive). */
export function chinaDayRange(range: [string, string] | null | undefined): { from?: string; to?: string } {
  if (!range) return {};
  const to = new Date(`${range[1]}T00:00:00+08:00`);
  to.setUTCDate(to.getUTCDate() + 1);
  return { from: new Date(`${range[0]}T00:00:00+08:00`).toISOString(), to: to.toISOString() };
}
