import { describe, expect, it } from 'vitest';
import type { Box, Detection, Point } from '../../../platform/detection/types.js';
import { IouTracker } from './iou-tracker.js';
import type { TrackedDetection, ZoneAlarm, ZoneRule } from './types.js';
import { qualifies, ZoneEvaluator } from './zone-evaluator.js';

// Monday 2025-07-14 10:00 in Shanghai.
const T0 = new Date('2025-07-14T10:00:00+08:00').getTime();
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);

const lowerHalf: Point[] = [
  [0, 0.5],
  [1, 0.5],
  [1, 1],
  [0, 1],
];

function zone(overrides: Partial<ZoneRule> = {}): ZoneRule {
  return {
    id: 'z1',
    enabled: true,
    polygon: lowerHalf,
    objectClass: 'person',
    minScore: 0.5,
    anchor: 'bottom_center',
    minBoxShare: 0.5,
    inertiaFrames: 1,
    minDwellSeconds: 0,
    minBoxArea: 0,
    maxBoxArea: 1,
    schedules: [],
    cooldownSeconds: 0,
    ...overrides,
  };
}

// Feet at y 0.9 (inside the lower half) and at y 0.35 (outside).
const IN: Box = { x: 0.4, y: 0.6, width: 0.1, height: 0.3 };
const OUT: Box = { x: 0.4, y: 0.05, width: 0.1, height: 0.3 };

function person(trackId: string, box: Box, score = 0.9, label = 'person'): TrackedDetection {
  return { label, score, box, trackId };
}

/** Feeds one track's observations, one per entry, and returns the times (s) at which it alarmed. */
function alarmTimes(evaluator: ZoneEvaluator, trackId: string, script: [seconds: number, box: Box][]): number[] {
  return script.flatMap(([seconds, box]) =>
    evaluator.observe(at(seconds), person(trackId, box)).map((alarm) => (alarm.at.getTime() - T0) / 1000),
  );
}

describe('ZoneEvaluator: which detections count', () => {
  it('tests the feet with bottom_center and the middle with center', () => {
    const feetIn = { x: 0.4, y: 0.3, width: 0.1, height: 0.3 }; // centre y 0.45, feet y 0.6
    expect(qualifies(zone(), person('a', feetIn))).toBe(true);
    expect(qualifies(zone({ anchor: 'center' }), person('a', feetIn))).toBe(false);

    const upperHalf: Point[] = [
      [0, 0],
      [1, 0],
      [1, 0.5],
      [0, 0.5],
    ];
    expect(qualifies(zone({ polygon: upperHalf }), person('a', feetIn))).toBe(false);
    expect(qualifies(zone({ polygon: upperHalf, anchor: 'center' }), person('a', feetIn))).toBe(true);
    expect(new ZoneEvaluator([zone({ polygon: upperHalf, anchor: 'center' })]).observe(at(0), person('a', feetIn))).toHaveLength(1);
    expect(new ZoneEvaluator([zone({ polygon: upperHalf })]).observe(at(0), person('a', feetIn))).toEqual([]);
  });

  it('tests the share of the box with box_share, exactly on a concave zone', () => {
    // A U with a notch x 0.4–0.6 down to y 0.6; the box's centre is in the notch, 62.5 % of the box in the U.
    const u: Point[] = [
      [0, 0],
      [0.4, 0],
      [0.4, 0.6],
      [0.6, 0.6],
      [0.6, 0],
      [1, 0],
      [1, 1],
      [0, 1],
    ];
    const box = { x: 0.3, y: 0.3, width: 0.4, height: 0.4 };
    expect(qualifies(zone({ polygon: u, anchor: 'box_share', minBoxShare: 0.6 }), person('a', box))).toBe(true);
    expect(qualifies(zone({ polygon: u, anchor: 'box_share', minBoxShare: 0.65 }), person('a', box))).toBe(false);
    expect(qualifies(zone({ polygon: u, anchor: 'center' }), person('a', box))).toBe(false);
    // A share of 0 does not count even with minBoxShare 0.
    expect(qualifies(zone({ polygon: u, anchor: 'box_share', minBoxShare: 0 }), person('a', { x: 0.45, y: 0.1, width: 0.1, height: 0.3 }))).toBe(false);
  });

  it('filters by class, score and box size', () => {
    const sized = zone({ minBoxArea: 0.02, maxBoxArea: 0.2 });
    expect(qualifies(sized, person('a', IN))).toBe(true);
    expect(qualifies(sized, person('a', IN, 0.9, 'dog'))).toBe(false);
    expect(qualifies(sized, person('a', IN, 0.49))).toBe(false);
    expect(qualifies(sized, person('a', IN, 0.5))).toBe(true);
    expect(qualifies(sized, person('a', { x: 0.4, y: 0.8, width: 0.1, height: 0.1 }))).toBe(false);
    expect(qualifies(sized, person('a', { x: 0.2, y: 0.4, width: 0.5, height: 0.5 }))).toBe(false);

    const evaluator = new ZoneEvaluator([sized]);
    expect(evaluator.observe(at(0), person('a', IN, 0.9, 'dog'))).toEqual([]);
    expect(evaluator.observe(at(0), person('b', IN, 0.3))).toEqual([]);
    expect(evaluator.observe(at(0), person('c', { x: 0.4, y: 0.8, width: 0.1, height: 0.1 }))).toEqual([]);
    expect(evaluator.observe(at(0), person('d', IN))).toHaveLength(1);
  });

  it('never alarms for a disabled zone', () => {
    const evaluator = new ZoneEvaluator([zone({ enabled: false })]);
    expect(alarmTimes(evaluator, 'a', [[0, IN], [10, IN], [100, IN]])).toEqual([]);
    expect(evaluator.insideTracks('z1')).toEqual([]);
  });
});

describe('ZoneEvaluator: presence', () => {
  it('needs inertiaFrames consecutive inside observations, so a flicker does not count', () => {
    const evaluator = new ZoneEvaluator([zone({ inertiaFrames: 3 })]);
    expect(alarmTimes(evaluator, 'a', [[0, IN], [1, OUT], [2, IN], [3, IN]])).toEqual([]);
    expect(evaluator.insideTracks('z1')).toEqual([]);
    const [alarm] = evaluator.observe(at(4), person('a', IN));
    expect(alarm).toMatchObject({ zoneId: 'z1', trackId: 'a', at: at(4), enteredAt: at(2) });
    expect(evaluator.insideTracks('z1')).toEqual(['a']);
  });

  it('needs as many consecutive outside observations to leave', () => {
    const evaluator = new ZoneEvaluator([zone({ inertiaFrames: 2 })]);
    alarmTimes(evaluator, 'a', [[0, IN], [1, IN], [2, OUT], [3, IN], [4, OUT]]);
    expect(evaluator.insideTracks('z1')).toEqual(['a']);
    evaluator.observe(at(5), person('a', OUT));
    expect(evaluator.insideTracks('z1')).toEqual([]);
  });

  it('alarms only after the dwell time, counted from entering', () => {
    const evaluator = new ZoneEvaluator([zone({ minDwellSeconds: 10 })]);
    const script = Array.from({ length: 8 }, (_, i): [number, Box] => [i * 2, IN]);
    expect(alarmTimes(evaluator, 'a', script)).toEqual([10]);
  });

  it('restarts the dwell time after the object leaves', () => {
    const evaluator = new ZoneEvaluator([zone({ minDwellSeconds: 10 })]);
    expect(alarmTimes(evaluator, 'a', [[0, IN], [8, IN], [9, OUT], [10, IN], [19, IN], [20, IN]])).toEqual([20]);
  });

  it('raises one alarm per presence however long it lasts', () => {
    const evaluator = new ZoneEvaluator([zone()]);
    const script = Array.from({ length: 100 }, (_, i): [number, Box] => [i * 10, IN]);
    expect(alarmTimes(evaluator, 'a', script)).toEqual([0]);
  });

  it('reports the best score seen while inside and the detection that raised the alarm', () => {
    const evaluator = new ZoneEvaluator([zone({ minDwellSeconds: 4, inertiaFrames: 2 })]);
    evaluator.observe(at(0), person('a', IN, 0.6));
    evaluator.observe(at(1), person('a', IN, 0.95));
    evaluator.observe(at(2), person('a', OUT, 0.99)); // inside (inertia), but not a qualifying observation
    const [alarm] = evaluator.observe(at(4), person('a', IN, 0.7));
    expect(alarm).toEqual({
      zoneId: 'z1',
      trackId: 'a',
      at: at(4),
      enteredAt: at(0),
      detection: person('a', IN, 0.7),
      score: 0.95,
    });
  });

  it('treats a lost track as gone: its next observation is a new presence', () => {
    const evaluator = new ZoneEvaluator([zone({ inertiaFrames: 3 })]);
    alarmTimes(evaluator, 'a', [[0, IN], [1, IN], [2, IN]]);
    expect(evaluator.insideTracks('z1')).toEqual(['a']);
    evaluator.lost('a');
    expect(evaluator.insideTracks('z1')).toEqual([]);
    expect(alarmTimes(evaluator, 'a', [[3, IN], [4, IN], [5, IN]])).toEqual([5]);
  });

  it('keeps zones apart: one detection in two zones alarms in both', () => {
    const evaluator = new ZoneEvaluator([zone({ cooldownSeconds: 60 }), zone({ id: 'z2', anchor: 'box_share' })]);
    const alarms = evaluator.observe(at(0), person('a', IN));
    expect(alarms.map((alarm) => alarm.zoneId)).toEqual(['z1', 'z2']);
    expect(evaluator.observe(at(1), person('b', IN)).map((alarm) => alarm.zoneId)).toEqual(['z2']);
  });
});

describe('ZoneEvaluator: schedule and cooldown', () => {
  const local = (time: string): Date => new Date(`2025-07-14T${time}+08:00`);

  it('alarms only while a schedule is active', () => {
    const evaluator = new ZoneEvaluator([zone({ schedules: [{ start: '06:00', end: '20:00' }] })]);
    expect(evaluator.observe(local('19:59:50'), person('a', IN))).toHaveLength(1);
    expect(evaluator.observe(local('20:30:00'), person('b', IN))).toEqual([]);
    expect(evaluator.observe(local('23:00:00'), person('b', IN))).toEqual([]);
  });

  it('alarms for someone still inside when the schedule starts', () => {
    const evaluator = new ZoneEvaluator([zone({ schedules: [{ start: '06:00', end: '20:00' }] })]);
    expect(evaluator.observe(local('05:59:00'), person('a', IN))).toEqual([]);
    const [alarm] = evaluator.observe(local('06:00:00'), person('a', IN));
    expect(alarm).toMatchObject({ at: local('06:00:00'), enteredAt: local('05:59:00') });
  });

  it('holds back a second person within the cooldown and alarms for one after it', () => {
    const evaluator = new ZoneEvaluator([zone({ cooldownSeconds: 60 })]);
    expect(alarmTimes(evaluator, 'a', [[0, IN], [5, OUT]])).toEqual([0]);
    expect(alarmTimes(evaluator, 'b', [[30, IN], [40, OUT]])).toEqual([]);
    expect(alarmTimes(evaluator, 'c', [[60, IN]])).toEqual([60]);
  });

  it('of two people entering together, alarms for the first and for the second once the cooldown ends', () => {
    const evaluator = new ZoneEvaluator([zone({ cooldownSeconds: 60 })]);
    const times = [0, 30, 59, 60, 90].map((seconds) => evaluator.frame(at(seconds), [person('a', IN), person('b', IN)]));
    expect(times.map((alarms) => alarms.map((alarm) => alarm.trackId))).toEqual([['a'], [], [], ['b'], []]);
    expect(times[3]![0]!.enteredAt).toEqual(at(0));
  });

  it('treats a re-entry after the cooldown as a new alarm, and one within it as none', () => {
    const evaluator = new ZoneEvaluator([zone({ cooldownSeconds: 30 })]);
    const script: [number, Box][] = [
      [0, IN],
      [5, OUT],
      [10, IN],
      [15, OUT],
      [40, IN],
      [45, IN],
    ];
    expect(alarmTimes(evaluator, 'a', script)).toEqual([0, 40]);
  });

  it('lets a re-entry within the cooldown alarm once it stays past the cooldown', () => {
    const evaluator = new ZoneEvaluator([zone({ cooldownSeconds: 30 })]);
    expect(alarmTimes(evaluator, 'a', [[0, IN], [5, OUT], [10, IN], [29, IN], [30, IN], [31, IN]])).toEqual([0, 30]);
  });
});

describe('ZoneEvaluator.setZones', () => {
  it('keeps the presences and cooldown of zones that still exist', () => {
    const evaluator = new ZoneEvaluator([zone({ inertiaFrames: 3, cooldownSeconds: 60 })]);
    alarmTimes(evaluator, 'a', [[0, IN], [1, IN]]);
    evaluator.setZones([zone({ inertiaFrames: 3, cooldownSeconds: 60, minScore: 0.4 }), zone({ id: 'z2' })]);
    const [alarm] = evaluator.observe(at(2), person('a', IN)).filter((a) => a.zoneId === 'z1');
    expect(alarm).toMatchObject({ trackId: 'a', enteredAt: at(0) });

    evaluator.setZones([zone({ inertiaFrames: 1, cooldownSeconds: 60 })]);
    expect(evaluator.insideTracks('z1')).toEqual(['a']);
    expect(alarmTimes(evaluator, 'b', [[10, IN]])).toEqual([]);
  });

  it('forgets zones that were removed or disabled', () => {
    const evaluator = new ZoneEvaluator([zone({ cooldownSeconds: 60 })]);
    expect(alarmTimes(evaluator, 'a', [[0, IN]])).toEqual([0]);
    evaluator.setZones([]);
    expect(evaluator.insideTracks('z1')).toEqual([]);
    evaluator.setZones([zone({ cooldownSeconds: 60 })]);
    expect(alarmTimes(evaluator, 'b', [[10, IN]])).toEqual([10]);

    evaluator.setZones([zone({ cooldownSeconds: 0, enabled: false })]);
    evaluator.setZones([zone({ cooldownSeconds: 0 })]);
    expect(evaluator.insideTracks('z1')).toEqual([]);
    // b's presence was forgotten with the disabled zone, so b being there is a new presence.
    expect(alarmTimes(evaluator, 'b', [[20, IN]])).toEqual([20]);
  });
});

describe('ZoneEvaluator fed by the tracker or by external events', () => {
  // Three people on a 1 s frame clock: A walks down into the zone and stays until it vanishes at 26 s;
  // B enters at 8 s while A's alarm holds the cooldown; C arrives at 20 s.
  const rule = zone({ inertiaFrames: 2, minDwellSeconds: 3, cooldownSeconds: 10 });
  function scene(t: number): [name: string, detection: Detection][] {
    const people: [string, Detection][] = [];
    const score = 0.6 + 0.05 * (t % 7);
    const aY = t < 20 ? Math.min(0.1 + 0.05 * t, 0.6) : 0.6 - 0.05 * (t - 19);
    if (t < 26) people.push(['a', { label: 'person', score, box: { x: 0.2, y: aY, width: 0.1, height: 0.3 } }]);
    if (t >= 8) people.push(['b', { label: 'person', score, box: { x: 0.5 + 0.01 * (t - 8), y: 0.55, width: 0.1, height: 0.3 } }]);
    if (t >= 20) people.push(['c', { label: 'person', score: 0.8, box: { x: 0.85, y: 0.6, width: 0.1, height: 0.3 } }]);
    return people;
  }
  const seconds = Array.from({ length: 31 }, (_, t) => t);
  type Result = Omit<ZoneAlarm, 'trackId' | 'detection'> & { who: string; box: Box };

  it('gives the same alarms both ways', () => {
    // Built-in: IouTracker output through frame().
    const tracker = new IouTracker();
    const viaFrames = new ZoneEvaluator([rule]);
    const names = new Map<string, string>();
    const fromFrames: Result[] = [];
    for (const t of seconds) {
      const people = scene(t);
      const { tracked, lost } = tracker.update(people.map(([, detection]) => detection));
      tracked.forEach((detection, i) => names.set(detection.trackId, people[i]![0]));
      for (const { trackId, detection, ...alarm } of viaFrames.frame(at(t), tracked, lost)) {
        fromFrames.push({ ...alarm, who: names.get(trackId)!, box: detection.box });
      }
    }

    // External: one event id per person, observe() per update, lost() when the event ends.
    const viaEvents = new ZoneEvaluator([rule]);
    const fromEvents: Result[] = [];
    const live = new Set<string>();
    for (const t of seconds) {
      const people = scene(t);
      for (const [name, detection] of people) {
        live.add(name);
        for (const { detection: d, trackId: _id, ...alarm } of viaEvents.observe(at(t), { ...detection, trackId: `event-${name}` })) {
          fromEvents.push({ ...alarm, who: name, box: d.box });
        }
      }
      for (const name of live) {
        if (!people.some(([n]) => n === name)) {
          viaEvents.lost(`event-${name}`);
          live.delete(name);
        }
      }
    }

    expect(names.size).toBe(3);
    expect(fromFrames.map(({ who, at: when, enteredAt }) => [who, (when.getTime() - T0) / 1000, (enteredAt.getTime() - T0) / 1000])).toEqual([
      ['a', 5, 2],
      ['b', 15, 8],
      ['c', 25, 20],
    ]);
    expect(fromFrames.map((alarm) => alarm.score)).toEqual([0.6 + 0.05 * 5, 0.6 + 0.05 * 6, 0.8]);
    expect(fromEvents).toEqual(fromFrames);
  });
});
