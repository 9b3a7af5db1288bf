import { escapeHtml } from '../shared/html.ts';
import { figure } from './format.ts';

/**
 * The big screen's chart tooltips. ECharts puts a formatter's answer into the page as HTML, and the
 * names in it are typed by people (a cadre renames a speaker, staff name a category), so each is
 * escaped here. The words come in as arguments, keeping this file free of the i18n module and unit-tested
 * (test/screen-format.test.ts).
 */
export interface MapTooltipWords {
  online: string;
  offline: string;
  open: string;
  today: string;
  alarms: string;
  cameras: string;
}

export interface MapChildFigures {
  openCases: number;
  casesToday: number;
  alarmsToday: number;
  camerasOnline: number;
  camerasTotal: number;
}

/** A camera or speaker on the map: its name, then 在线 / 离线. */
export function deviceTooltip(name: string, online: boolean, words: MapTooltipWords): string {
  return `${escapeHtml(name)}<br/>${escapeHtml(online ? words.online : words.offline)}`;
}

/** A village or grid on the map: its name in bold and its figures, or the name alone when it has none. */
export function regionTooltip(name: string, child: MapChildFigures | undefined, words: MapTooltipWords): string {
  if (!child) return escapeHtml(name);
  return [
    `<b>${escapeHtml(name)}</b>`,
    `${escapeHtml(words.open)}：${figure(child.openCases)}`,
    `${escapeHtml(words.today)}：${figure(child.casesToday)}`,
    `${escapeHtml(words.alarms)}：${figure(child.alarmsToday)}`,
    `${escapeHtml(words.cameras)}：${figure(child.camerasOnline)} / ${figure(child.camerasTotal)}`,
  ].join('<br/>');
}

/** A slice of the cases-by-category ring: 治安隐患：12（30%）. */
export function categoryTooltip(params: { name: string; value: unknown; percent?: number }): string {
  return `${escapeHtml(params.name)}：${figure(Number(params.value))}（${params.percent ?? 0}%）`;
}
