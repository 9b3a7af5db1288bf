import { describe, expect, it } from 'vitest';
import { nextRun } from './schedule-time.js';

const sh = (local: string) => new Date(`${local}+08:00`);

describe('programme times (Asia/Shanghai)', () => {
  it('runs a daily programme later today, or tomorrow once today’s time has passed', () => {
    expect(nextRun({ repeatKind: 'daily', timeOfDay: '07:30' }, sh('2026-11-27T06:00:00'))).toEqual(sh('2026-11-27T07:30:00'));
    expect(nextRun({ repeatKind: 'daily', timeOfDay: '07:30' }, sh('2026-11-27T07:30:00'))).toEqual(sh('2026-11-28T07:30:00'));
  });

  it('runs a weekly programme on the chosen weekdays only', () => {
    // 2026-11-27 is a Friday (5); Monday and Wednesday → next Monday 11-30.
    expect(nextRun({ repeatKind: 'weekly', timeOfDay: '18:00', weekdays: [1, 3] }, sh('2026-11-27T09:00:00'))).toEqual(sh('2026-11-30T18:00:00'));
    expect(nextRun({ repeatKind: 'weekly', timeOfDay: '18:00', weekdays: [5] }, sh('2026-11-27T09:00:00'))).toEqual(sh('2026-11-27T18:00:00'));
    expect(nextRun({ repeatKind: 'weekly', timeOfDay: '18:00', weekdays: [5] }, sh('2026-11-27T19:00:00'))).toEqual(sh('2026-12-04T18:00:00'));
  });

  it('runs a one-off programme once, and never after it passed', () => {
    expect(nextRun({ repeatKind: 'once', timeOfDay: '08:00', runDate: '2026-12-01' }, sh('2026-11-27T09:00:00'))).toEqual(sh('2026-12-01T08:00:00'));
    expect(nextRun({ repeatKind: 'once', timeOfDay: '08:00', runDate: '2026-12-01' }, sh('2026-12-01T08:00:00'))).toBeNull();
  });

  it('handles the local day across UTC midnight', () => {
    // 23:30 local is 15:30 UTC of the same day; 00:15 local is 16:15 UTC of the previous UTC day.
    expect(nextRun({ repeatKind: 'daily', timeOfDay: '00:15' }, sh('2026-11-27T23:30:00'))).toEqual(sh('2026-11-28T00:15:00'));
  });
});
