import { describe, expect, it } from 'vitest';
import { FluctuationDetector } from './fluctuation.js';
import { initialState, processReading } from './meter-processor.js';
import { deserializeState, runBatch, serializeState } from './pipeline.js';
import { defaultDetectorSettings, type DetectorSettings } from './settings.js';
import { type AlertOpened, type DetectorEvent, HOUR_MS, type MeterReading, type WaterAlertType } from './types.js';

/**
 * The detectors on constructed series: each meter reads hourly (at minute 20, local time +08:00);
 * a usual day draws water at 07, 08, 12, 19 and 20 o'clock and never at night.
 */
const settings: DetectorSettings = { ...defaultDetectorSettings };
const START = Date.parse('2026-10-01T00:20:00+08:00');
const USUAL: Record<number, number> = { 7: 30, 8: 15, 12: 20, 19: 25, 20: 10 };

/** Hourly readings from `hourly` uses (litres in each hour before the reading). */
function readings(hourly: number[], start = START, index = 10_000): MeterReading[] {
  const out: MeterReading[] = [{ at: start, litres: index }];
  for (const [i, use] of hourly.entries()) {
    index += use;
    out.push({ at: start + (i + 1) * HOUR_MS, litres: index });
  }
  return out;
}

/** `days` usual days of hourly use (hour h of the list = the hour ending at h+1 local). */
const usualDays = (days: number, scale = 1) => Array.from({ length: days * 24 }, (_, i) => (USUAL[(i + 1) % 24] ?? 0) * scale);

function run(list: MeterReading[], s: DetectorSettings = settings) {
  const { state, results } = runBatch(null, list, s);
  const events = results.flatMap((r) => r.events);
  const opened = <T extends WaterAlertType>(type: T) => events.filter((e): e is Extract<AlertOpened, { type: T }> => e.kind === 'open' && e.type === type);
  return { state, results, events, opened };
}

const hoursAfterStart = (at: number) => (at - START) / HOUR_MS;

describe('leak (continuous flow)', () => {
  it('a running toilet (+4 L/h) is reported after 22 hours without a pause, with the flow as evidence, and ends when the flow stops', () => {
    const normal = usualDays(14);
    const leaking = usualDays(3).map((u) => u + 4);
    const fixed = usualDays(2);
    const { events, opened } = run(readings([...normal, ...leaking, ...fixed]));
    const leaks = opened('leak');
    expect(leaks).toHaveLength(1);
    const delay = hoursAfterStart(leaks[0]!.at) - 14 * 24;
    expect(delay).toBeGreaterThanOrEqual(22);
    expect(delay).toBeLessThanOrEqual(24);
    expect(leaks[0]!.evidence).toMatchObject({ minFlowLph: 4, requiredHours: 22 });
    const end = events.find((e) => e.kind === 'close' && e.type === 'leak');
    expect(end).toMatchObject({ reason: 'flow_stopped' });
    expect(hoursAfterStart(end!.at)).toBeGreaterThan(17 * 24);
  });

  it('a household that pauses every night has no leak, however much it uses by day', () => {
    expect(run(readings(usualDays(30, 5))).opened('leak')).toHaveLength(0);
  });

  it('a gap adds no hours: only what readings saw counts towards the 22', () => {
    const flowing = readings([...usualDays(14), ...new Array<number>(40).fill(5)]);
    const seen = 14 * 24;
    // Ten hours read, thirteen unread (one interval), then nine more read: 19 hours are not yet 22 …
    const gapped = [...flowing.slice(0, seen + 11), ...flowing.slice(seen + 23, seen + 33)];
    expect(run(gapped).opened('leak')).toHaveLength(0);
    // … three more are.
    expect(run([...gapped, ...flowing.slice(seen + 33, seen + 36)]).opened('leak')).toHaveLength(1);
  });
});

describe('burst (high flow for a short time)', () => {
  it('600 L in an hour is a burst at that reading; it ends when the flow is back to normal', () => {
    const hourly = usualDays(3);
    hourly[2 * 24 + 14] = 600;
    const { events, opened } = run(readings(hourly));
    expect(opened('burst')).toHaveLength(1);
    expect(hoursAfterStart(opened('burst')[0]!.at)).toBe(2 * 24 + 15);
    expect(opened('burst')[0]!.evidence.flowLph).toBeGreaterThanOrEqual(600);
    expect(events.find((e) => e.kind === 'close' && e.type === 'burst')).toMatchObject({ reason: 'flow_normal' });
  });

  it('one big flush between two readings five minutes apart is not a burst', () => {
    const list = readings(usualDays(2));
    const at = list[30]!.at + 5 * 60_000;
    const extra: MeterReading = { at, litres: list[30]!.litres + 60 };
    const shifted = list.map((r, i) => (i > 30 ? { ...r, litres: r.litres + 60 } : r));
    const merged = [...shifted.slice(0, 31), extra, ...shifted.slice(31)];
    expect(run(merged).opened('burst')).toHaveLength(0);
  });
});

describe('spike (a day far above the household’s own normal)', () => {
  it('a day of four times the usual use is a spike, once, ending with the day', () => {
    const hourly = usualDays(21);
    for (let h = 9; h < 21; h++) hourly[20 * 24 + h - 1]! += 25; // +300 L in waking hours of day 21
    const { events, opened } = run(readings(hourly));
    const spikes = opened('spike');
    expect(spikes).toHaveLength(1);
    expect(spikes[0]!.evidence.usualDay).toBe(100);
    expect(spikes[0]!.evidence.factor).toBeGreaterThanOrEqual(3);
    expect(events.find((e) => e.kind === 'close' && e.type === 'spike')).toMatchObject({ reason: 'day_ended' });
  });

  it('needs two weeks of normal days first', () => {
    const hourly = usualDays(10);
    for (let h = 9; h < 21; h++) hourly[9 * 24 + h - 1]! += 25;
    expect(run(readings(hourly)).opened('spike')).toHaveLength(0);
  });

  it('a burst explains its day: no spike on top of it', () => {
    const hourly = usualDays(21);
    hourly[20 * 24 + 10] = 900;
    const { opened } = run(readings(hourly));
    expect(opened('burst')).toHaveLength(1);
    expect(opened('spike')).toHaveLength(0);
  });
});

describe('zero use (a normally active household silent for days)', () => {
  it('is reported after 60 silent hours, with how active the household was, and ends when water runs again', () => {
    const hourly = [...usualDays(20), ...new Array<number>(80).fill(0), 20, ...usualDays(1)];
    const { events, opened } = run(readings(hourly));
    const zeros = opened('zero');
    expect(zeros).toHaveLength(1);
    expect(zeros[0]!.evidence.hours).toBeGreaterThanOrEqual(60);
    expect(zeros[0]!.evidence.activeDays).toBe(14);
    expect(events.find((e) => e.kind === 'close' && e.type === 'zero')).toMatchObject({ reason: 'use_resumed' });
  });

  it('the index is the truth across a gap: two days unread without a litre more are two days of silence', () => {
    const list = readings([...usualDays(20), ...new Array<number>(72).fill(0)]);
    const gapped = list.filter((r, i) => i < 20 * 24 + 2 || i > 20 * 24 + 50);
    expect(run(gapped).opened('zero')).toHaveLength(1);
  });

  it('a household that seldom uses water is not alarming when silent', () => {
    const hourly = usualDays(20).map((u, i) => (Math.floor(i / 24) % 5 === 0 ? u : 0));
    expect(run(readings([...hourly, ...new Array<number>(80).fill(0)])).opened('zero')).toHaveLength(0);
  });
});

describe('meter faults and awkward readings', () => {
  it('a reading below the last is a fault, not use; the next one back on the old index ends it (a glitch)', () => {
    const list = readings(usualDays(2));
    const glitch = { at: list[20]!.at + 60_000, litres: list[20]!.litres - 500 };
    const merged = [...list.slice(0, 21), glitch, ...list.slice(21)];
    const { results, events } = run(merged);
    expect(results[21]!.verdict).toBe('backwards');
    expect(results[22]!.verdict).toBe('ok');
    expect(events.filter((e) => e.type === 'fault').map((e) => [e.kind, e.kind === 'close' ? e.reason : (e.evidence as { fault: string }).fault])).toEqual([
      ['open', 'backwards'],
      ['close', 'readings_consistent'],
    ]);
  });

  it('a meter that restarts from zero is re-based after its second low reading, without counting the step as use', () => {
    const list = readings(usualDays(2));
    const after = readings(usualDays(1), list.at(-1)!.at + HOUR_MS, 0);
    const { results, events, opened } = run([...list, ...after]);
    expect(results[list.length]!.verdict).toBe('backwards');
    expect(results[list.length + 1]!.verdict).toBe('ok');
    expect(events.find((e) => e.kind === 'close' && e.type === 'fault')).toMatchObject({ reason: 'rebased' });
    expect(opened('burst')).toHaveLength(0);
  });

  it('an impossible jump is a fault and not use: no burst, no spike', () => {
    const list = readings(usualDays(21));
    const jumped = list.map((r, i) => (i > 400 ? { ...r, litres: r.litres + 90_000 } : r));
    const { results, opened } = run(jumped);
    expect(results[401]!.verdict).toBe('jump');
    expect(opened('fault')[0]!.evidence).toMatchObject({ fault: 'jump' });
    expect(opened('burst')).toHaveLength(0);
    expect(opened('spike')).toHaveLength(0);
  });

  it('a reading at or before the last used one is late: the interval is already known', () => {
    const state = initialState();
    processReading(state, { at: START, litres: 100 }, settings);
    processReading(state, { at: START + 2 * HOUR_MS, litres: 120 }, settings);
    expect(processReading(state, { at: START + HOUR_MS, litres: 110 }, settings).verdict).toBe('late');
    expect(processReading(state, { at: START + 2 * HOUR_MS, litres: 120 }, settings).verdict).toBe('late');
  });

  it('a batch in any order is read in time order', () => {
    const list = readings(usualDays(3));
    const shuffled = [...list].reverse();
    const a = run(list);
    const b = run(shuffled);
    expect(b.results.map((r) => r.verdict)).toEqual(a.results.map((r) => r.verdict));
    expect(serializeState(b.state)).toBe(serializeState(a.state));
  });
});

describe('state', () => {
  it('is small, plain JSON, and the detectors give the same alerts when it is stored between every reading', () => {
    const hourly = [...usualDays(20), ...usualDays(3).map((u) => u + 5), ...usualDays(2)];
    hourly[22 * 24 + 3] = 800;
    const list = readings(hourly);
    const once = run(list);
    let stored: string | null = null;
    const events: DetectorEvent[] = [];
    for (const reading of list) {
      const batch = runBatch(stored === null ? null : deserializeState(stored), [reading], settings);
      for (const r of batch.results) events.push(...r.events);
      stored = serializeState(batch.state);
    }
    expect(events).toEqual(once.events);
    expect(Buffer.byteLength(stored!)).toBeLessThan(2500);
  });
});

describe('the generic fluctuation detector', () => {
  const at = (i: number) => Date.parse('2026-01-05T00:00:00Z') + i * 5 * 60_000;

  it('scores a spike in a calm series above 0.5 (a new record) and calm values low', () => {
    const d = new FluctuationDetector();
    const scores: number[] = [];
    for (let i = 0; i < 1200; i++) scores.push(d.score(100 + Math.sin(i) * 2 + (i === 1000 ? 60 : 0), at(i)));
    expect(scores[1000]).toBeGreaterThan(0.5);
    expect(Math.max(...scores.slice(600, 1000))).toBeLessThan(0.55);
  });

  it('knows the hour of the day: a value normal at noon is a surprise at midnight', () => {
    const d = new FluctuationDetector();
    const daily = (i: number) => (Math.floor(((i * 5) % 1440) / 60) === 12 ? 200 : 10);
    let last = 0;
    for (let i = 0; i < 288 * 10; i++) last = d.score(daily(i) + (i % 3), at(i));
    expect(last).toBeLessThan(0.5);
    // The next midnight: 200 instead of 10.
    expect(d.score(200, at(288 * 10))).toBeGreaterThan(0.5);
  });
});
