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
 * The text to the household (short, plain, what to do). The evidence is the detector's
 * (detectors/types.ts); the sender's signature is the platform's.
 */
export function alertSms(input: { type: WaterAlertType; meterName: string; at: Date; evidence: Record<string, unknown>; utcOffsetMinutes: number }): string {
  const when = localWhen(input.at, input.utcOffsetMinutes);
  const e = input.evidence;
  const head = `【数乡】您的水表（${input.meterName}）`;
  switch (input.type) {
    case 'leak':
      return `${head}自${localWhen(new Date(String(e.flowingSince)), input.utcOffsetMinutes)}起持续有水流（每小时至少 ${num(e.minFlowLph)} 升），疑似漏水。请检查马桶水箱、水龙头和水管；如已处理请忽略。`;
    case 'burst':
      return `${head}在${when}前后一小时用水约 ${Math.round(num(e.litres))} 升（每小时 ${Math.round(num(e.flowLph))} 升），疑似爆管或忘关水龙头，请尽快查看并关闭总阀。`;
    case 'spike':
      return `${head}今天（截至${when}）已用水约 ${Math.round(num(e.litres))} 升，是平常一天的 ${num(e.factor)} 倍。如非您本人用水，请检查是否漏水。`;
    case 'zero':
      return `${head}已 ${Math.round(num(e.hours))} 小时未用水。如家中有人，请报个平安；需要帮助请联系村委会或网格员。`;
    case 'fault':
      return `${head}读数异常（${when}），供水单位将核查。`;
  }
}

/** The grid case for a visit when an elderly household uses no water. */
export function visitCaseText(input: { meterName: string; address: string | null; evidence: Record<string, unknown>; elderly: boolean; livesAlone: boolean }): string {
  const who = input.livesAlone ? (input.elderly ? '独居老人户' : '独居户') : '老年户';
  const hours = Math.round(num(input.evidence.hours));
  return `用水预警：${who}「${input.meterName}」${input.address ? `（${input.address}）` : ''}已连续 ${hours} 小时未用水，平时每天都用水。请网格员尽快上门探视，确认老人平安。`;
}
