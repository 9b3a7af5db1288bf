import type { WaterAlertType } from './detectors/types.js';

/** Names of the alert types, Chinese first. */
export const alertTypeLabels: Record<WaterAlertType, { zh: string; en: string }> = {
  leak: { zh: '疑似漏水', en: 'Possible leak' },
  burst: { zh: '疑似爆管', en: 'Possible burst' },
  spike: { zh: '用水量激增', en: 'Use far above normal' },
  zero: { zh: '长时间未用水', en: 'No water used for days' },
  fault: { zh: '水表读数异常', en: 'Meter fault' },
};

/** Minutes of a local day as HH:MM. */
export const clockOf = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
export const minutesOf = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));

/** "11月27日 08:00" in the meter's local time. */
export function localWhen(at: Date, utcOffsetMinutes: number): string {
  const local = new Date(at.getTime() + utcOffsetMinutes * 60_000);
  return `${local.getUTCMonth() + 1}月${local.getUTCDate()}日 ${String(local.getUTCHours()).padStart(2, '0')}:${String(local.getUTCMinutes()).padStart(2, '0')}`;
}

const num = (value: unknown) => (typeof value === 'number' ? value : Number(value ?? 0));

/**
 * The text to the household as the water_alert template's parameters (gateways send approved
 * templates only): which meter, what (the alert's name) and since when; a leak counts from when the
 * water began to run. The evidence is the detector's (detectors/types.ts).
 */
export function alertSmsParams(input: { type: WaterAlertType; meterName: string; at: Date; evidence: Record<string, unknown>; utcOffsetMinutes: number }): { meter: string; kind: string; time: string } {
  const since = input.type === 'leak' && typeof input.evidence.flowingSince === 'string' ? new Date(input.evidence.flowingSince) : input.at;
  return { meter: input.meterName, kind: alertTypeLabels[input.type].zh, time: localWhen(since, input.utcOffsetMinutes) };
}

/** The grid case for a visit when an elderly household uses no water. */
export function visitCaseText(input: { meterName: string; address: string | null; evidence: Record<string, unknown>; elderly: boolean; livesAlone: boolean }): string {
  const who = input.livesAlone ? (input.elderly ? '独居老人户' : '独居户') : '老年户';
  const hours = Math.round(num(input.evidence.hours));
  return `用水预警：${who}「${input.meterName}」${input.address ? `（${input.address}）` : ''}已连续 ${hours} 小时未用水，平时每天都用水。请网格员尽快上门探视，确认老人平安。`;
}
