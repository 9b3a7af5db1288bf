/**
 * How the big screen writes its figures and times: pure functions with no imports, so that both
 * the web build and the unit tests (test/screen-format.test.ts) load them as they are. Times are
 * China time whatever the screen's own zone; `lang` is the UI language ('zh' | 'en').
 */
export type ScreenLang = 'zh' | 'en';

const ZONE = 'Asia/Shanghai';

/** The header's clock: 08:05:09 · 2025年06月03日 · 星期二 (or 03 Jun 2025 · Tuesday). */
export function chinaClock(now: Date, lang: ScreenLang): { time: string; date: string; weekday: string } {
  const part = (options: Intl.DateTimeFormatOptions, locale = lang === 'en' ? 'en-GB' : 'zh-CN') =>
    new Intl.DateTimeFormat(locale, { timeZone: ZONE, ...options }).format(now);
  const time = part({ hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }, 'en-GB');
  const ymd = ymdInChina(now);
  const [y, m, d] = ymd.split('-');
  const date = lang === 'en' ? part({ day: '2-digit', month: 'short', year: 'numeric' }) : `${y}年${m}月${d}日`;
  const weekday = part({ weekday: 'long' });
  return { time, date, weekday };
}

/** YYYY-MM-DD of this instant in China. */
export function ymdInChina(at: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** A count or amount with digit grouping (29,880); '—' when unknown. */
export function figure(n: number | null | undefined, fractionDigits = 0): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return new Intl.NumberFormat('en-US', { minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits }).format(n);
}

/** A share 0–1 as 87.5 (the % sign is drawn as a unit); '—' when unknown. */
export function percent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—';
  const value = Math.round(rate * 1000) / 10;
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/** 40.2 km²: one decimal below 100, none above; '—' when unknown. */
export function area(km2: number | null | undefined): string {
  if (km2 === null || km2 === undefined || !Number.isFinite(km2)) return '—';
  return km2 >= 100 ? figure(km2) : figure(km2, 1);
}

/** Hours with one decimal (or none from 100 up); '—' when unknown. */
export function hours(h: number | null | undefined): string {
  if (h === null || h === undefined || !Number.isFinite(h)) return '—';
  return h >= 100 ? figure(h) : figure(h, 1);
}

/** A mean rating 1–5 with one decimal; '—' when nobody rated. */
export function rating(r: number | null | undefined): string {
  if (r === null || r === undefined || !Number.isFinite(r)) return '—';
  return r.toFixed(1);
}

/** When something happened, for a feed: 14:03 today, 06-02 14:03 before (China time). */
export function feedTime(iso: string, now: Date = new Date()): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const hm = new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  const day = ymdInChina(at);
  return day === ymdInChina(now) ? hm : `${day.slice(5)} ${hm}`;
}

/** A child's name without its parent's in front (西阳邱村第一网格 under 西阳邱村: 第一网格). */
export function shortName(name: string, parentName: string | null | undefined): string {
  return parentName && name.startsWith(parentName) && name.length > parentName.length ? name.slice(parentName.length) : name;
}

/**
 * A camera's caption: its name alone when the name already says where it is (西阳邱村鱼塘 in
 * 西阳邱村第一网格), else the place first (东黑堡村 · 村口).
 */
export function cameraLabel(name: string, regionName: string): string {
  return regionName && name.slice(0, 2) === regionName.slice(0, 2) ? name : `${regionName} · ${name}`;
}

/** MM-DD of a YYYY-MM-DD, for the trend's axis. */
export function shortDay(ymd: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(ymd) ? ymd.slice(5) : ymd;
}

/** n / total as a whole percentage (0 when total is 0), for gauges and bars. */
export function share(n: number, total: number): number {
  return total > 0 ? Math.round((Math.min(n, total) / total) * 100) : 0;
}

/**
 * A feed: the items that arrived live (newest first) merged with those just fetched, one per id,
 * newest first by `at`, at most `max`. A live item keeps its place until the fetched list has it.
 */
export function mergeFeed<T>(live: T[], fetched: T[], idOf: (item: T) => string, atOf: (item: T) => string, max: number): T[] {
  const byId = new Map<string, T>();
  for (const item of fetched) byId.set(idOf(item), item);
  for (const item of live) if (!byId.has(idOf(item))) byId.set(idOf(item), item);
  return [...byId.values()].sort((a, b) => Date.parse(atOf(b)) - Date.parse(atOf(a))).slice(0, max);
}

/** Calls `fn` once, `ms` after the last of a burst of calls. */
export function debounce(fn: () => void, ms: number): { (): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const call = () => {
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
  call.cancel = () => clearTimeout(timer);
  return call;
}

/** The CSS scale that fits a `stageWidth`×`stageHeight` stage into the window, and its offsets to centre it. */
export function fitStage(windowWidth: number, windowHeight: number, stageWidth = 1920, stageHeight = 1080): { scale: number; left: number; top: number } {
  const scale = Math.min(windowWidth / stageWidth, windowHeight / stageHeight);
  return { scale, left: (windowWidth - stageWidth * scale) / 2, top: (windowHeight - stageHeight * scale) / 2 };
}
