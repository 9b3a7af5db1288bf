import { describe, expect, it } from 'vitest';
import { RateWindow } from './rate-window.js';

function clockAt(start: number) {
  let now = start;
  return { clock: { now: () => new Date(now) }, advance: (ms: number) => (now += ms) };
}

describe('RateWindow', () => {
  it('lets a key through up to the limit in the window, then says how long to wait; others are not affected', () => {
    const { clock, advance } = clockAt(Date.UTC(2026, 11, 8));
    const window = new RateWindow(clock, 3, 60_000);
    expect([window.take('a'), window.take('a'), window.take('a')]).toEqual([null, null, null]);
    expect(window.take('a')).toBe(60);
    expect(window.take('b')).toBeNull();
    advance(30_000);
    expect(window.take('a')).toBe(30);
    advance(30_001);
    expect(window.take('a')).toBeNull();
  });

  it('keeps at most maxKeys keys, dropping the least recently used', () => {
    const { clock } = clockAt(Date.UTC(2026, 11, 8));
    const window = new RateWindow(clock, 1, 60_000, 2);
    window.take('a');
    window.take('b');
    window.take('c'); // drops a
    expect(window.take('a')).toBeNull();
    expect(window.take('c')).toBe(60);
  });
});
