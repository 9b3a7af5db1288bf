import { ref } from 'vue';
import { en, zh, type MessageKey } from './messages';

/** UI language: Chinese first; English on request (kept in localStorage, shared by both apps). */
export type Lang = 'zh' | 'en';

const LANG_KEY = 'shuxiang.lang';

function initialLang(): Lang {
  try {
    return localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh';
  } catch {
    return 'zh';
  }
}

export const lang = ref<Lang>(initialLang());

export function setLang(next: Lang): void {
  lang.value = next;
  try {
    localStorage.setItem(LANG_KEY, next);
  } catch {
    // private mode: the choice lasts for this page only
  }
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
}

/** The message for `key` in the current language; `{name}` placeholders are filled from `params`. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const text: string = (lang.value === 'en' ? en : zh)[key];
  return params ? text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole)) : text;
}

/** Picks the text of a bilingual pair that the API sends (e.g. `message` / `messageEn`). */
export function pick(zhText: string, enText: string | null | undefined): string {
  return lang.value === 'en' && enText ? enText : zhText;
}

export type { MessageKey };
