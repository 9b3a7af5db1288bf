import type { DetectorSettings } from './settings.js';
import { type Interval, iso, type LeakEvidence, round } from './types.js';
import type { HourFlow } from './window.js';

/** A run of continuous flow: when it started and what flowed. Null when the flow paused. */
export interface LeakState {
  since: number;
  minFlow: number;
  litres: number;
  /** Hours of the run seen by readings (gaps excluded). */
  hours: number;
}

export type LeakStep = { state: LeakState | null; open?: LeakEvidence; close?: 'flow_stopped' };

/**
 * Leak (continuous flow): a household's use pauses every few hours — nobody draws water all day
 * and night — while a running toilet or a dripping pipe never stops. Water flowing at least
 * `leakMinFlowLph` over every last hour for `leakHours` is a leak; an hour below it ends the run
 * (an hour below half of it ends the alert). The flow is judged over the last hour, not one interval, so a reading a few
 * minutes after another does not look like a pause. A gap (a long interval) can end a run (too
 * little flowed across it for the flow to have been continuous) but never adds to it.
 */
export function leakStep(state: LeakState | null, interval: Interval, flow: HourFlow, settings: DetectorSettings, isOpen: boolean): LeakStep {
  const flowLph = interval.hours >= 1 || flow.coveredMinutes < 45 ? interval.flowLph : flow.flowLph;
  // Once a leak is reported, only a clear pause (under half the threshold) ends it, so a meter
  // that reads a litre less one hour does not end the alert and raise it again the next day.
  if (flowLph < (isOpen ? settings.leakMinFlowLph / 2 : settings.leakMinFlowLph)) return { state: null, ...(isOpen && { close: 'flow_stopped' as const }) };
  if (interval.gap) return { state };
  const next: LeakState = state
    ? { since: state.since, minFlow: Math.min(state.minFlow, flowLph), litres: state.litres + interval.litres, hours: state.hours + interval.hours }
    : { since: interval.from, minFlow: flowLph, litres: interval.litres, hours: interval.hours };
  if (!isOpen && next.hours >= settings.leakHours) {
    return {
      state: next,
      open: {
        flowingSince: iso(next.since),
        hours: round((interval.to - next.since) / 3_600_000),
        measuredHours: round(next.hours),
        minFlowLph: round(next.minFlow),
        meanFlowLph: round(next.litres / next.hours),
        thresholdLph: settings.leakMinFlowLph,
        requiredHours: settings.leakHours,
      },
    };
  }
  return { state: next };
}
