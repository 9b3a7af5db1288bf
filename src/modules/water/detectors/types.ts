/**
 * The water detectors' vocabulary. Everything here is pure data: times are epoch milliseconds,
 * litres are the meter's cumulative index (a reading) or a volume (use). The detectors read one
 * meter's readings in time order, keep a small state per meter (`MeterState`, plain JSON so the
 * platform stores it between batches) and say when an alert opens and when it ends.
 */

export const waterAlertTypes = ['leak', 'burst', 'spike', 'zero', 'fault'] as const;
export type WaterAlertType = (typeof waterAlertTypes)[number];

export interface MeterReading {
  /** Epoch ms. */
  at: number;
  /** The meter's cumulative index, litres. */
  litres: number;
}

/** What became of a reading: used (`ok`), the meter's first, too old to use, or a fault. */
export type ReadingVerdict = 'first' | 'ok' | 'late' | 'backwards' | 'jump';

/** The use between two consecutive good readings. */
export interface Interval {
  from: number;
  to: number;
  litres: number;
  hours: number;
  /** litres / hours. */
  flowLph: number;
  /** Longer than `maxIntervalHours`: how the use was spread inside is unknown. */
  gap: boolean;
}

export interface LeakEvidence {
  /** When the flow started without a pause since. */
  flowingSince: string;
  hours: number;
  /** Hours of the run seen by readings (gaps excluded). */
  measuredHours: number;
  minFlowLph: number;
  meanFlowLph: number;
  thresholdLph: number;
  requiredHours: number;
}

export interface BurstEvidence {
  flowLph: number;
  litres: number;
  windowMinutes: number;
  thresholdLph: number;
}

export interface SpikeEvidence {
  /** Local midnight the day started at. */
  dayStart: string;
  /** Use so far today. */
  litres: number;
  /** A usual day (median of the last eight weeks' normal days) and a big one (their 90th percentile). */
  usualDay: number;
  bigDay: number;
  /** What the hour-of-week baseline expects by now. */
  expectedByNow: number;
  /** litres / usualDay. */
  factor: number;
  thresholdFactor: number;
}

export interface ZeroEvidence {
  silentSince: string;
  hours: number;
  requiredHours: number;
  /** Days with use among the 14 before the silence. */
  activeDays: number;
}

export interface FaultEvidence {
  fault: 'backwards' | 'jump';
  previous: { at: string; litres: number };
  reading: { at: string; litres: number };
  /** For a jump: the flow it would mean. */
  flowLph?: number;
}

export interface EvidenceOf {
  leak: LeakEvidence;
  burst: BurstEvidence;
  spike: SpikeEvidence;
  zero: ZeroEvidence;
  fault: FaultEvidence;
}

export type AlertOpened = { [T in WaterAlertType]: { kind: 'open'; type: T; at: number; evidence: EvidenceOf[T] } }[WaterAlertType];

export interface AlertClosed {
  kind: 'close';
  type: WaterAlertType;
  at: number;
  /** Why it ended, a short code: flow_stopped, flow_normal, day_ended, use_resumed, readings_consistent. */
  reason: string;
}

export type DetectorEvent = AlertOpened | AlertClosed;

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const iso = (ms: number) => new Date(ms).toISOString();
export const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
