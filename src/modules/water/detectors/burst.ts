import type { DetectorSettings } from './settings.js';
import { type BurstEvidence, round } from './types.js';
import type { HourFlow } from './window.js';

export type BurstStep = { bursting: boolean; open?: BurstEvidence; close?: 'flow_normal' };

/**
 * Burst (high flow for a short time): the flow over the last hour reaches `burstFlowLph`. At
 * least `burstMinMinutes` of the hour must be covered by readings, so one flush in a five-minute
 * interval is not a burst; across a gap only the gap's average is known, and an average that
 * reaches the threshold is a burst too. The alert ends when the hour's flow falls under half the threshold.
 */
export function burstStep(flow: HourFlow, settings: DetectorSettings, isOpen: boolean): BurstStep {
  if (flow.coveredMinutes < settings.burstMinMinutes) return { bursting: false };
  const bursting = flow.flowLph >= settings.burstFlowLph;
  if (bursting && !isOpen) {
    return {
      bursting,
      open: { flowLph: round(flow.flowLph), litres: round(flow.litres), windowMinutes: Math.round(flow.coveredMinutes), thresholdLph: settings.burstFlowLph },
    };
  }
  if (isOpen && flow.flowLph < settings.burstFlowLph / 2) return { bursting, close: 'flow_normal' };
  return { bursting };
}
