import type { Alarm, AlarmSource, AlarmState, Anchor, Severity, SpeakerPlayback, ZoneKind, ZoneSchedule } from '@/api/safe-village';
import { lang, t, type MessageKey } from './i18n';

/**
 * How 平安乡村 reads: the words for zone kinds, severities, alarm states, sources and speaker
 * playback; their colours; the standard warnings; zone schedules (设防时段) in words and presets.
 */
export const zoneKindLabel = (kind: ZoneKind | string) => t(`svKind.${kind}` as MessageKey) ?? kind;
export const severityLabel = (severity: Severity | string) => t(`svSeverity.${severity}` as MessageKey) ?? severity;
export const alarmStateLabel = (state: AlarmState | string) => t(`svState.${state}` as MessageKey) ?? state;
export const alarmSourceLabel = (source: AlarmSource | string) => t(`svSource.${source}` as MessageKey) ?? source;
export const playbackLabel = (playback: SpeakerPlayback | string) => t(`svPlayback.${playback}` as MessageKey) ?? playback;
export const anchorLabel = (anchor: Anchor | string) => t(`svAnchor.${anchor}` as MessageKey) ?? anchor;

type Tone = 'primary' | 'success' | 'info' | 'warning' | 'danger';

export const severityTone: Record<Severity, Tone> = { info: 'info', warning: 'warning', critical: 'danger' };
export const alarmStateTone: Record<AlarmState, Tone> = { open: 'danger', acknowledged: 'primary', false_positive: 'info', case_created: 'success' };
export const playbackTone: Record<SpeakerPlayback, Tone> = { none: 'info', pending: 'warning', playing: 'primary', played: 'success', failed: 'danger' };
export const zoneKindColour: Record<ZoneKind, string> = {
  drowning: '#2563eb',
  straw_burning: '#d97706',
  dumping: '#7c3aed',
  security: '#0e7490',
  other: '#64748b',
};

/**
 * What a zone's speaker says by default, by kind — the server's `defaultWarningText`
 * (src/modules/safe-village/safe-village.schema.ts), copied because no server code reaches the
 * bundle. Always Chinese: the speaker talks to villagers.
 */
export const defaultWarningText: Record<ZoneKind, string> = {
  drowning: '您已进入危险水域，请尽快撤离。',
  straw_burning: '此处禁止焚烧秸秆，请立即停止。',
  dumping: '此处禁止倾倒垃圾，请将垃圾投放到指定地点。',
  security: '您已进入监控区域，请勿逗留。',
  other: '您已进入警戒区域，请尽快离开。',
};

/** The detector's classes offered for a zone (COCO names; others can be typed). */
export const objectClasses = ['person', 'car', 'truck', 'motorcycle', 'bicycle', 'boat', 'dog'] as const;
export const objectClassLabel = (name: string) => (objectClasses as readonly string[]).includes(name) ? t(`svObject.${name}` as MessageKey) : name;

/** Times a schedule may start or end at, every half hour (others can be typed as HH:MM). */
export const scheduleTimes: string[] = [...Array.from({ length: 48 }, (_, i) => `${String(Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`), '24:00'];
export const isTime = (value: string) => /^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$/.test(value);

/** The presets of the schedule editor. */
export const schedulePresets: { key: 'daytime' | 'flood'; schedule: ZoneSchedule }[] = [
  { key: 'daytime', schedule: { start: '06:00', end: '20:00' } },
  { key: 'flood', schedule: { start: '00:00', end: '24:00', months: [6, 7, 8, 9] } },
];

const weekdayShort = (d: number) => t(`bc.weekday.${d}` as MessageKey);

/** 6–9 月 from [6,7,8,9]; "6、8 月" for gaps. */
function monthsText(months: number[]): string {
  const sorted = [...new Set(months)].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    runs.push(j > i ? `${sorted[i]}–${sorted[j]}` : String(sorted[i]));
    i = j + 1;
  }
  return t('sv.schedule.months', { months: runs.join(lang.value === 'en' ? ', ' : '、') });
}

/** "每天 06:00–20:00", "周一、周三 22:00–次日 05:00 · 6–9 月". */
export function scheduleText(s: ZoneSchedule): string {
  const everyDay = !s.days || s.days.length === 7;
  const allDay = s.start === '00:00' && (s.end === '24:00' || s.end === '00:00');
  const days = everyDay ? t('bc.rule.everyDay') : [...s.days!].sort((a, b) => a - b).map(weekdayShort).join(lang.value === 'en' ? ', ' : '、');
  const overnight = s.end !== '24:00' && s.end <= s.start;
  const hours = allDay ? t('sv.schedule.allDay') : `${s.start}–${overnight ? t('sv.schedule.nextDay') : ''}${s.end}`;
  const months = s.months && s.months.length > 0 && s.months.length < 12 ? ` · ${monthsText(s.months)}` : '';
  return `${everyDay && allDay ? hours : `${days} ${hours}`}${months}`;
}

/** "已设防时段" summary of a zone: always, or its schedules. */
export const schedulesText = (schedules: ZoneSchedule[]) => (schedules.length === 0 ? t('sv.schedule.always') : schedules.map(scheduleText).join('；'));

/** 0.123 → "12%" (null → "—"). */
export const percentText = (share: number | null | undefined, digits = 0) => (share === null || share === undefined ? '—' : `${(share * 100).toFixed(digits)}%`);

/** One line for an alarm: "鱼塘 · 防溺水 · 西阳邱村". */
export const alarmTitle = (a: Pick<Alarm, 'zoneName' | 'kind' | 'cameraName'>) => `${a.zoneName} · ${zoneKindLabel(a.kind)} · ${a.cameraName}`;
