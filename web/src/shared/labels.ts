import { t, type MessageKey } from './i18n';
import { deviceNames, greetingKey } from './label-rules';


/** Labels for the platform's enums, in the UI language. */
export function roleLabel(role: string | null | undefined): string {
  if (!role) return '—';
  const key = `role.${role}` as MessageKey;
  return t(key) ?? role;
}

export function levelLabel(level: string | null | undefined): string {
  if (!level) return '—';
  return t(`level.${level}` as MessageKey) ?? level;
}

/** The phone's greeting by the hour in China (see greetingKey). */
export const greeting = (at: Date = new Date()): string => t(greetingKey(at));

/** A session's device in words ("Windows · Chrome", "安卓手机 · 微信"), not its raw User-Agent. */
export function deviceLabel(userAgent: string | null | undefined): string {
  const { browser, system } = deviceNames(userAgent);
  if (!browser && !system) return t('sessions.unknownDevice');
  const word = (name: string | null, fallback: MessageKey) => (name === null ? t(fallback) : name.startsWith('sessions.') ? t(name as MessageKey) : name);
  return t('sessions.deviceOn', { browser: word(browser, 'sessions.browser'), system: word(system, 'sessions.unknownDevice') });
}

/** The demo accounts of README.md (password shuxiang-demo); the login pages offer them as a hint. */
export const DEMO_PASSWORD = 'shuxiang-demo';
export const demoAccounts: { phone: string; role: string; where: string; whereEn: string }[] = [
  { phone: '13800000000', role: 'admin', where: '望都县', whereEn: 'Wangdu county' },
  { phone: '13800000001', role: 'township_staff', where: '黑堡乡', whereEn: 'Heibao township' },
  { phone: '13800000002', role: 'village_cadre', where: '西阳邱村', whereEn: 'Xiyangqiu village' },
  { phone: '13800000003', role: 'branch_secretary', where: '西阳邱村', whereEn: 'Xiyangqiu village' },
  { phone: '13800000004', role: 'grid_worker', where: '西阳邱村第一网格', whereEn: 'Xiyangqiu grid 1' },
  { phone: '13800000005', role: 'villager', where: '西阳邱村', whereEn: 'Xiyangqiu village' },
  { phone: '13800000006', role: 'grid_worker', where: '东阳邱村第一网格', whereEn: 'Dongyangqiu grid 1' },
];
