import type { WaterAlert, WaterAlertType, WaterSms } from '@/api/water';
import { formatDateTime, formatNumber } from './format';
import { type MessageKey, t } from './i18n';

/** The words, tones and colours of 用水预警 (the API sends codes; these are the labels). */
export const waterTypeLabel = (type: WaterAlertType) => t(`waterType.${type}` as MessageKey);
export const waterSmsLabel = (sms: WaterSms) => t(`waterSms.${sms}` as MessageKey);
export const waterEndLabel = (reason: string | null) => (reason ? (t(`waterEnd.${reason}` as MessageKey) ?? reason) : '');
export const verdictLabel = (verdict: string) => t(`waterVerdict.${verdict}` as MessageKey) ?? verdict;

export const waterTypeTone: Record<WaterAlertType, 'danger' | 'warning' | 'info' | 'primary'> = {
  leak: 'warning',
  burst: 'danger',
  spike: 'primary',
  zero: 'danger',
  fault: 'info',
};

export const waterTypeColour: Record<WaterAlertType, string> = {
  leak: '#e6a23c',
  burst: '#f56c6c',
  spike: '#409eff',
  zero: '#c45656',
  fault: '#909399',
};

export const smsTone: Record<WaterSms, 'success' | 'warning' | 'info'> = {
  none: 'info',
  queued: 'success',
  deferred: 'warning',
  limited: 'info',
  no_phone: 'info',
  stale: 'info',
};

const n = (value: unknown, digits = 0) => formatNumber(Math.round(Number(value ?? 0) * 10 ** digits) / 10 ** digits);
const time = (value: unknown) => formatDateTime(typeof value === 'string' ? value : null);

/** The alert's evidence in one sentence (the figures the detector used, docs/water.md). */
export function evidenceText(alert: Pick<WaterAlert, 'type' | 'evidence'>): string {
  const e = alert.evidence;
  switch (alert.type) {
    case 'leak':
      return t('water.ev.leak', { since: time(e.flowingSince), hours: n(e.hours), min: n(e.minFlowLph, 1), mean: n(e.meanFlowLph, 1), threshold: n(e.thresholdLph, 1), required: n(e.requiredHours) });
    case 'burst':
      return t('water.ev.burst', { flow: n(e.flowLph), litres: n(e.litres), minutes: n(e.windowMinutes), threshold: n(e.thresholdLph) });
    case 'spike':
      return t('water.ev.spike', { litres: n(e.litres), usual: n(e.usualDay), big: n(e.bigDay), factor: n(e.factor, 1), threshold: n(e.thresholdFactor, 1) });
    case 'zero':
      return t('water.ev.zero', { since: time(e.silentSince), hours: n(e.hours), active: n(e.activeDays), required: n(e.requiredHours) });
    case 'fault': {
      const previous = e.previous as { at: string; litres: number } | undefined;
      const reading = e.reading as { at: string; litres: number } | undefined;
      return e.fault === 'jump'
        ? t('water.ev.jump', { previous: n(previous?.litres), reading: n(reading?.litres), flow: n(e.flowLph) })
        : t('water.ev.backwards', { previous: n(previous?.litres), previousAt: time(previous?.at), reading: n(reading?.litres), readingAt: time(reading?.at) });
    }
  }
}

