import type {
  AffairsCategory,
  AlertKind,
  GuideCategory,
  MealKind,
  MealState,
  Mobility,
  NoticeKind,
  NoticeState,
  PlanStatus,
  ServiceRequestAction,
  ServiceRequestKind,
  ServiceRequestState,
  VisitCondition,
  VisitFrequency,
} from '@/api/village-services';
import { t, type MessageKey } from './i18n';
import { lang } from './i18n';

/** Words for the enums of 乡村信息、办证办事、养老 (the API sends codes), and tag tones for both UI kits. */
export type Tone = 'primary' | 'success' | 'warning' | 'danger' | 'default';

const word = (key: string) => t(key as MessageKey);

export const noticeKindLabel = (k: NoticeKind) => word(`vs.kind.${k}`);
export const affairsLabel = (c: AffairsCategory | null) => (c ? word(`vs.affairs.${c}`) : '');
export const noticeStateLabel = (s: NoticeState) => word(`vs.state.${s}`);
export const noticeStateTone = (s: NoticeState): Tone => (s === 'published' ? 'success' : s === 'draft' ? 'warning' : 'default');
export const noticeKindTone = (k: NoticeKind): Tone => (k === 'affairs' ? 'primary' : k === 'news' ? 'success' : 'warning');

export const guideCategoryLabel = (c: GuideCategory) => word(`vs.cat.${c}`);
export const requestKindLabel = (k: ServiceRequestKind) => word(`vs.kindReq.${k}`);
export const requestStateLabel = (s: ServiceRequestState) => word(`vs.req.state.${s}`);
export const requestActionLabel = (a: ServiceRequestAction | 'submit' | string) => word(`vs.req.action.${a}`);
export function requestStateTone(s: ServiceRequestState): Tone {
  switch (s) {
    case 'submitted':
      return 'warning';
    case 'accepted':
      return 'primary';
    case 'awaiting_materials':
      return 'danger';
    case 'completed':
      return 'success';
    default:
      return 'default';
  }
}

export const mobilityLabel = (m: Mobility) => word(`vs.mob.${m}`);
export const frequencyLabel = (f: VisitFrequency) => word(`vs.freq.${f}`);
export const planStatusLabel = (s: PlanStatus | null) => (s ? word(`vs.plan.${s}`) : word('vs.plan.paused'));
export const planStatusTone = (s: PlanStatus | null): Tone => (s === 'overdue' ? 'danger' : s === 'due' ? 'warning' : s === 'done' ? 'success' : 'default');
export const conditionLabel = (c: VisitCondition) => word(`vs.cond.${c}`);
export const conditionTone = (c: VisitCondition): Tone => (c === 'good' ? 'success' : c === 'attention' ? 'warning' : 'danger');
export const alertKindLabel = (k: AlertKind) => word(`vs.alert.${k}`);
export const mealLabel = (m: MealKind) => word(`vs.meal.${m}`);
export const mealStateLabel = (s: MealState) => word(`vs.mealState.${s}`);
export const mealStateTone = (s: MealState): Tone => (s === 'approved' ? 'success' : s === 'requested' ? 'warning' : 'default');

/** Element Plus tags know 'info' where Vant knows 'default'. */
export const elTone = (tone: Tone) => (tone === 'default' ? 'info' : tone);

/** A China-time date 'YYYY-MM-DD' (or the localised short date) of an instant. */
export function chinaDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(lang.value === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai', month: 'long', day: 'numeric' }).format(new Date(iso));
}

/** The last instant before `iso` as a date: "due by the end of November" reads "11月30日". */
export const dayBefore = (iso: string | null | undefined) => (iso ? chinaDate(new Date(new Date(iso).getTime() - 1).toISOString()) : '—');

/** Today in China, 'YYYY-MM-DD'. */
export function chinaToday(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

/** What a notice says aloud: its title and text, within the read-aloud limit (500 characters). */
export function spokenText(...parts: (string | null | undefined)[]): string {
  const text = parts.filter(Boolean).join('。').replace(/\s+/g, ' ').trim();
  const chars = [...text];
  if (chars.length <= 500) return text;
  const cut = chars.slice(0, 500).join('');
  const end = Math.max(cut.lastIndexOf('。'), cut.lastIndexOf('；'), cut.lastIndexOf('！'));
  return end > 100 ? cut.slice(0, end + 1) : cut;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 102.4) / 10} KB`;
  return `${Math.round(bytes / 1024 / 102.4) / 10} MB`;
}
