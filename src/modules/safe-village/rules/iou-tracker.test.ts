import { describe, expect, it } from 'vitest';
import type { Box, Detection } from '../../../platform/detection/types.js';
import { iou } from './geometry.js';
import { IouTracker } from './iou-tracker.js';

function person(box: Box, label = 'person'): Detection {
  return { label, score: 0.9, box };
}

describe('IouTracker', () => {
  it('keeps one id for a box that moves a little each frame', () => {
    const tracker = new IouTracker();
    const ids = Array.from({ length: 10 }, (_, frame) => {
      const { tracked, lost } = tracker.update([person({ x: 0.1 + 0.02 * frame, y: 0.2, width: 0.1, height: 0.3 })]);
      expect(lost).toEqual([]);
      return tracked[0]!.trackId;
    });
    expect(ids).toEqual(Array(10).fill('t1'));
  });

  it('keeps two people apart while they cross, whatever order the detector lists them in', () => {
    const tracker = new IouTracker();
    // A walks right at y 0.3, B walks left at y 0.4 (in front); their boxes overlap mid-way.
    const a = (frame: number): Box => ({ x: 0.3 + 0.02 * frame, y: 0.3, width: 0.1, height: 0.3 });
    const b = (frame: number): Box => ({ x: 0.5 - 0.02 * frame, y: 0.4, width: 0.1, height: 0.3 });
    expect(iou(a(5), b(5))).toBeGreaterThan(0.3);
    for (let frame = 0; frame <= 10; frame++) {
      const swap = frame % 2 === 1;
      const detections = swap ? [person(b(frame)), person(a(frame))] : [person(a(frame)), person(b(frame))];
      const ids = tracker.update(detections).tracked.map((t) => t.trackId);
      expect(swap ? ids.reverse() : ids).toEqual(['t1', 't2']);
    }
  });

  it('matches the best pairs first, not the detections in input order', () => {
    const tracker = new IouTracker({ iouThreshold: 0.2 });
    tracker.update([person({ x: 0, y: 0, width: 0.2, height: 0.2 }), person({ x: 0.2, y: 0, width: 0.2, height: 0.2 })]);
    const first = { x: 0.11, y: 0, width: 0.2, height: 0.2 };
    const second = { x: 0.21, y: 0, width: 0.2, height: 0.2 };
    // `first` overlaps t2 more than t1, but `second` is t2's far better match.
    expect(iou(first, { x: 0.2, y: 0, width: 0.2, height: 0.2 })).toBeGreaterThan(iou(first, { x: 0, y: 0, width: 0.2, height: 0.2 }));
    const { tracked } = tracker.update([person(first), person(second)]);
    expect(tracked.map((t) => t.trackId)).toEqual(['t1', 't2']);
  });

  it('starts a new track for a box that jumps too far or has another label', () => {
    const tracker = new IouTracker();
    const box = { x: 0.1, y: 0.1, width: 0.1, height: 0.3 };
    tracker.update([person(box)]);
    const { tracked } = tracker.update([person({ ...box, x: 0.17 }), person(box, 'car')]);
    expect(iou(box, { ...box, x: 0.17 })).toBeLessThan(0.3);
    expect(tracked.map((t) => t.trackId)).toEqual(['t2', 't3']);
  });

  it('keeps a track through missed frames and loses it after maxMissedFrames', () => {
    const tracker = new IouTracker({ maxMissedFrames: 2 });
    const box = { x: 0.1, y: 0.1, width: 0.1, height: 0.3 };
    tracker.update([person(box)]);
    expect(tracker.update([]).lost).toEqual([]);
    expect(tracker.update([]).lost).toEqual([]);
    expect(tracker.update([person(box)]).tracked[0]!.trackId).toBe('t1');

    expect(tracker.update([]).lost).toEqual([]);
    expect(tracker.update([]).lost).toEqual([]);
    expect(tracker.update([]).lost).toEqual(['t1']);
    expect(tracker.update([]).lost).toEqual([]);
    expect(tracker.update([person(box)]).tracked[0]!.trackId).toBe('t2');
  });

  it('reports a lost track in the same frame as a new detection, and prefixes ids', () => {
    const tracker = new IouTracker({ maxMissedFrames: 0, idPrefix: 'cam7-' });
    tracker.update([person({ x: 0.1, y: 0.1, width: 0.1, height: 0.3 })]);
    const { tracked, lost } = tracker.update([person({ x: 0.7, y: 0.1, width: 0.1, height: 0.3 })]);
    expect(lost).toEqual(['cam7-1']);
    expect(tracked).toEqual([{ label: 'person', score: 0.9, box: { x: 0.7, y: 0.1, width: 0.1, height: 0.3 }, trackId: 'cam7-2' }]);
  });
});
