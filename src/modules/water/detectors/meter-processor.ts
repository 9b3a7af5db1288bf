import { emptyBaseline, expectedUse, learnDay } from './baseline.js';
import { burstStep } from './burst.js';
import { leakStep, type LeakState } from './leak.js';
import type { DetectorSettings } from './settings.js';
import {
  DAY_MS,
  type DetectorEvent,
  type FaultEvidence,
  HOUR_MS,
  type Interval,
  iso,
  type MeterReading,
  type ReadingVerdict,
  round,
  type WaterAlertType,
} from './types.js';
import { hourFlow, type RecentIntervals } from './window.js';
import { activeDaysIn, zeroStep } from './zero.js';

/** The day being counted, in local time: its hourly use, and how much of it readings covered. */
export interface DayState {
  /** Local midnight as epoch ms in local time (UTC ms + offset). */
  localStart: number;
  hours: number[];
  litres: number;
  /** Hours of the day covered by ordinary (not gap) intervals. */
  covered: number;
  /** A burst or leak alert was open during the day: the day is explained, and teaches the baselines nothing. */
  unusual: boolean;
}

/**
 * Everything the detectors remember about one meter, as plain JSON (the platform stores it in
 * `water_meter_state` between batches). About 1.5 kB, most of it the hour-of-week baseline.
 */
export interface MeterState {
  v: 1;
  /** The last good reading [at, litres]. */
  last: [number, number] | null;
  /** A reading below the last good one, waiting for the next to say whether the meter glitched or restarted. */
  back: [number, number] | null;
  leak: LeakState | null;
  /** The intervals reaching into the last hour (for the flow of the last hour). */
  recent: RecentIntervals;
  /** End of the last interval with use. */
  lastUse: number | null;
  day: DayState | null;
  /** Bit i: the day i+1 days before the current day had use. */
  activeBits: number;
  /** Hour-of-week baseline (168 hourly volumes), for what a day is expected to use by each hour. */
  baseline: number[];
  /** Use of the last normal days with use, oldest first (at most DAYS_KEPT). */
  days: number[];
  /** Their median and 90th percentile. */
  dayMedian: number;
  dayP90: number;
  /** Open alerts: type → opened at. */
  open: Partial<Record<WaterAlertType, number>>;
}

export function initialState(): MeterState {
  return { v: 1, last: null, back: null, leak: null, recent: [], lastUse: null, day: null, activeBits: 0, baseline: emptyBaseline(), days: [], dayMedian: 0, dayP90: 0, open: {} };
}

export interface ProcessResult {
  verdict: ReadingVerdict;
  events: DetectorEvent[];
  /** The use this reading added (ok readings only). */
  interval?: Interval;
}

/** A day teaches the baselines when readings cover this many of its hours. */
const LEARN_MIN_COVERED_HOURS = 18;
/** Normal days remembered for the spike baseline: eight weeks. */
export const DAYS_KEPT = 56;

/**
 * Runs every detector over one reading of one meter, in place on `state`, and says what the reading
 * was and which alerts opened or ended. Readings must come in time order; one at or before the last
 * used reading is `late` (stored by the platform, ignored here: the index across the interval is
 * already known). A reading below the last is a fault (`backwards`): if the next continues from the
 * old index it was a glitch, if it continues from the new one the meter was reset or replaced. A step
 * that would need more than `maxFlowLph` is a fault (`jump`) and is not use; the index moves on.
 */
export function processReading(state: MeterState, reading: MeterReading, settings: DetectorSettings): ProcessResult {
  const events: DetectorEvent[] = [];
  const last = state.last;
  if (!last) {
    state.last = [reading.at, reading.litres];
    state.lastUse = reading.at;
    startDay(state, reading.at, settings);
    return { verdict: 'first', events };
  }
  if (reading.at <= last[0]) return { verdict: 'late', events };

  const offset = settings.utcOffsetMinutes * 60_000;
  const delta = reading.litres - last[1];
  if (delta < 0) {
    const back = state.back;
    if (back && reading.at > back[0] && reading.litres >= back[1]) {
      // The meter continues from its new, lower index: it was reset or replaced. Rebase.
      state.back = null;
      state.last = [reading.at, reading.litres];
      state.recent = [];
      close(state, events, 'fault', reading.at, 'rebased');
      return { verdict: 'ok', events };
    }
    state.back = [reading.at, reading.litres];
    open(state, events, reading.at, 'fault', faultEvidence('backwards', last, reading));
    return { verdict: 'backwards', events };
  }
  if (state.back) {
    // Back at or above the old index: the low reading was a glitch.
    state.back = null;
    close(state, events, 'fault', reading.at, 'readings_consistent');
  }
  const hours = (reading.at - last[0]) / HOUR_MS;
  if (delta > settings.maxFlowLph * Math.max(hours, 1)) {
    open(state, events, reading.at, 'fault', { ...faultEvidence('jump', last, reading), flowLph: round(delta / hours) });
    state.last = [reading.at, reading.litres];
    state.recent = [];
    return { verdict: 'jump', events };
  }
  if (state.open.fault !== undefined) close(state, events, 'fault', reading.at, 'readings_consistent');

  const interval: Interval = { from: last[0], to: reading.at, litres: delta, hours, flowLph: delta / hours, gap: hours > settings.maxIntervalHours };
  state.last = [reading.at, reading.litres];

  const window = hourFlow(state.recent, interval);
  state.recent = window.recent;

  // Leak.
  const leak = leakStep(state.leak, interval, window.flow, settings, state.open.leak !== undefined);
  state.leak = leak.state;
  if (leak.open) open(state, events, reading.at, 'leak', leak.open);
  if (leak.close) close(state, events, 'leak', reading.at, leak.close);

  // Burst.
  const burst = burstStep(window.flow, settings, state.open.burst !== undefined);
  if (burst.open) open(state, events, reading.at, 'burst', burst.open);
  if (burst.close) close(state, events, 'burst', reading.at, burst.close);

  // The day's use (for the baselines and the activity of days), then spike and zero.
  addToDays(state, interval, settings, events);
  spikeCheck(state, reading.at + offset, reading.at, settings, events);

  const zero = zeroStep(state.lastUse ?? last[0], interval, settings, state.open.zero !== undefined, (lastUse) => {
    const silentDays = Math.round((state.day!.localStart - localMidnight(lastUse + offset)) / DAY_MS);
    return activeDaysIn(state.activeBits, silentDays, 14);
  });
  state.lastUse = zero.lastUse;
  if (zero.open) open(state, events, reading.at, 'zero', zero.open);
  if (zero.close) close(state, events, 'zero', reading.at, zero.close);

  return { verdict: 'ok', events, interval };
}

const localMidnight = (localMs: number) => Math.floor(localMs / DAY_MS) * DAY_MS;

function startDay(state: MeterState, at: number, settings: DetectorSettings): void {
  const localStart = localMidnight(at + settings.utcOffsetMinutes * 60_000);
  state.day = { localStart, hours: new Array<number>(24).fill(0), litres: 0, covered: 0, unusual: false };
}

/** Spreads an interval's use over the local hours it covers, closing finished days on the way. */
function addToDays(
  state: MeterState,
  interval: Interval,
  settings: DetectorSettings,
  events: DetectorEvent[],
): void {
  const offset = settings.utcOffsetMinutes * 60_000;
  let from = interval.from + offset;
  const to = interval.to + offset;
  const span = to - from;
  while (from < to) {
    let day = state.day!;
    if (from >= day.localStart + DAY_MS) {
      finishDay(state, settings, events, day.localStart + DAY_MS - offset);
      // Whole days skipped by a gap are finished too (they had the gap's share of use, spread evenly).
      state.day = { localStart: localMidnight(from), hours: new Array<number>(24).fill(0), litres: 0, covered: 0, unusual: false };
      const skipped = Math.round((state.day.localStart - day.localStart) / DAY_MS) - 1;
      for (let i = 0; i < Math.min(skipped, 31); i++) state.activeBits = ((state.activeBits << 1) | (interval.litres > 0 ? 1 : 0)) & 0x7fffffff;
      day = state.day;
    }
    const hourEnd = Math.min(to, Math.floor(from / HOUR_MS) * HOUR_MS + HOUR_MS, day.localStart + DAY_MS);
    const share = span > 0 ? (interval.litres * (hourEnd - from)) / span : 0;
    const h = Math.floor((from - day.localStart) / HOUR_MS);
    day.hours[h] = Math.round((day.hours[h]! + share) * 100) / 100;
    day.litres += share;
    if (!interval.gap) day.covered += (hourEnd - from) / HOUR_MS;
    from = hourEnd;
  }
  const day = state.day!;
  if (state.open.burst !== undefined || state.open.leak !== undefined) day.unusual = true;
}

/** A day ended: it counts as a day with use or not, teaches the baseline if it was normal, and ends a spike. */
function finishDay(state: MeterState, settings: DetectorSettings, events: DetectorEvent[], endedAt: number): void {
  const day = state.day!;
  state.activeBits = ((state.activeBits << 1) | (day.litres >= settings.zeroActiveLitres ? 1 : 0)) & 0x7fffffff;
  if (state.open.spike !== undefined) {
    close(state, events, 'spike', endedAt, 'day_ended');
    day.unusual = true;
  }
  if (!day.unusual && day.covered >= LEARN_MIN_COVERED_HOURS) {
    learnDay(state.baseline, day.localStart, day.hours);
    if (day.litres >= settings.zeroActiveLitres) {
      state.days.push(Math.round(day.litres * 10) / 10);
      if (state.days.length > DAYS_KEPT) state.days.shift();
      const sorted = [...state.days].sort((a, b) => a - b);
      state.dayMedian = quantile(sorted, 0.5);
      state.dayP90 = quantile(sorted, 0.9);
    }
  }
}

/** Linear-interpolated quantile of an ascending list. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * Spike (a day far above the household's own normal): today's use so far reaches `spikeFactor`
 * times a usual day (the median of the last eight weeks' normal days) and `spikeHighFactor` times
 * a big one (their 90th percentile), and is at least `spikeMinExtraLitres` more than usual. One
 * cause, one alert: a day with a burst or leak alert is explained by it, and use that has flowed
 * without a pause since before midnight is the leak detector's to judge. Needs `spikeWarmupDays`
 * normal days first; ends with the day.
 */
function spikeCheck(state: MeterState, localNow: number, at: number, settings: DetectorSettings, events: DetectorEvent[]): void {
  const day = state.day!;
  if (state.open.spike !== undefined || day.unusual || state.days.length < settings.spikeWarmupDays) return;
  if (state.leak && state.leak.since + settings.utcOffsetMinutes * 60_000 < day.localStart) return;
  const used = day.litres;
  if (used < settings.spikeFactor * state.dayMedian || used < settings.spikeHighFactor * state.dayP90 || used - state.dayMedian < settings.spikeMinExtraLitres) return;
  const expected = expectedUse(state.baseline, day.localStart, localNow);
  open(state, events, at, 'spike', {
    dayStart: iso(day.localStart - settings.utcOffsetMinutes * 60_000),
    litres: round(used),
    usualDay: round(state.dayMedian),
    bigDay: round(state.dayP90),
    expectedByNow: round(expected.byNow),
    factor: round(state.dayMedian > 0 ? used / state.dayMedian : 0, 2),
    thresholdFactor: settings.spikeFactor,
  });
}

function faultEvidence(fault: FaultEvidence['fault'], last: [number, number], reading: MeterReading): FaultEvidence {
  return { fault, previous: { at: iso(last[0]), litres: last[1] }, reading: { at: iso(reading.at), litres: reading.litres } };
}

function open<T extends WaterAlertType>(state: MeterState, events: DetectorEvent[], at: number, type: T, evidence: Extract<DetectorEvent, { kind: 'open'; type: T }>['evidence']): void {
  if (state.open[type] !== undefined) return;
  state.open[type] = at;
  events.push({ kind: 'open', type, at, evidence } as DetectorEvent);
}

function close(state: MeterState, events: DetectorEvent[], type: WaterAlertType, at: number, reason: string): void {
  if (state.open[type] === undefined) return;
  delete state.open[type];
  events.push({ kind: 'close', type, at, reason });
}
