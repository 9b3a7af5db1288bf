/**
 * Rules behind some labels (labels.ts words them): pure, without imports, so the tests reach them.
 */

/** The greeting's message key by the hour in China (UTC+8 all year, whatever the device's zone): 凌晨 0–5, 早上 5–8, 上午 8–11, 中午 11–13, 下午 13–18, 晚上 18–24. */
const greetings = [
  [5, 'home.greet.dawn'],
  [8, 'home.greet.early'],
  [11, 'home.greet.morning'],
  [13, 'home.greet.noon'],
  [18, 'home.greet.afternoon'],
  [24, 'home.greet.evening'],
] as const;

export type GreetingKey = (typeof greetings)[number][1];

export function greetingKey(at: Date): GreetingKey {
  const hour = (at.getUTCHours() + 8) % 24;
  return greetings.find(([end]) => hour < end)![1];
}

/** User-Agent patterns, first match wins: product names as they are, `sessions.*` message keys for words to translate. */
const browsers: [RegExp, string][] = [
  [/MicroMessenger/i, 'sessions.wechat'],
  [/Edg(e|A|iOS)?\//, 'Edge'],
  [/Firefox\/|FxiOS/, 'Firefox'],
  [/Chrome\/|CriOS/, 'Chrome'],
  [/Safari\//, 'Safari'],
];
const systems: [RegExp, string][] = [
  [/HarmonyOS|OpenHarmony/i, 'HarmonyOS'],
  [/Android/, 'sessions.android'],
  [/iPhone/, 'iPhone'],
  [/iPad/, 'iPad'],
  [/Windows/, 'Windows'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/Linux|CrOS/, 'sessions.computer'],
];

/** The browser and system a User-Agent header names, each null when unrecognised. */
export function deviceNames(userAgent: string | null | undefined): { browser: string | null; system: string | null } {
  const ua = userAgent ?? '';
  const first = (table: [RegExp, string][]) => table.find(([pattern]) => pattern.test(ua))?.[1] ?? null;
  return { browser: first(browsers), system: first(systems) };
}
