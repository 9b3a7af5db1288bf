import { initialState, type MeterState, processReading, type ProcessResult } from './meter-processor.js';
import type { DetectorSettings } from './settings.js';
import type { MeterReading } from './types.js';

export interface BatchResult {
  state: MeterState;
  results: (ProcessResult & { reading: MeterReading })[];
}

/**
 * One meter's new readings through the detectors, as the platform runs them: the stored state
 * (or a fresh one), the batch in time order (a batch may arrive out of order; equal timestamps
 * keep the first), each reading processed once. The caller stores the returned state. The
 * benchmark (`npm run bench:water`) calls this same function, one reading at a time.
 */
export function runBatch(stored: MeterState | null, readings: readonly MeterReading[], settings: DetectorSettings): BatchResult {
  const state = stored ?? initialState();
  const ordered = [...readings].sort((a, b) => a.at - b.at);
  const results: BatchResult['results'] = [];
  for (const reading of ordered) results.push({ ...processReading(state, reading, settings), reading });
  return { state, results };
}

/** The state as stored (JSON), and back: what survives a round trip is all the detectors remember. */
export const serializeState = (state: MeterState) => JSON.stringify(state);
export const deserializeState = (text: string): MeterState => JSON.parse(text) as MeterState;
