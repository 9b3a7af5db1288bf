import { beforeAll, describe, expect, it } from 'vitest';
import { sampleFile } from '../../../test/support/samples.js';
import { openFrameSource } from './frame-source.js';
import { grayThumbnail, MotionGate } from './motion-gate.js';
import type { RgbFrame } from './types.js';

/** A frame of one colour, with optional filled squares drawn on it. */
function frame(width: number, height: number, level: number, squares: { x: number; y: number; size: number; level: number }[] = []): RgbFrame {
  const data = new Uint8Array(width * height * 3).fill(level);
  for (const square of squares) {
    for (let y = square.y; y < square.y + square.size; y++) data.fill(square.level, (y * width + square.x) * 3, (y * width + square.x + square.size) * 3);
  }
  return { width, height, data, at: new Date() };
}

describe('the motion gate on synthetic frames', () => {
  it('counts the first frame as motion, and the same picture again as none', () => {
    const gate = new MotionGate();
    expect(gate.hasMotion(frame(640, 480, 100))).toBe(true);
    expect(gate.changedShare(frame(640, 480, 100))).toBe(0);
    expect(gate.hasMotion(frame(640, 480, 100))).toBe(false);
  });

  it('sees a small object move, and the changed share is where it was and where it is', () => {
    const gate = new MotionGate();
    gate.hasMotion(frame(640, 480, 100, [{ x: 100, y: 100, size: 40, level: 220 }]));
    const moved = frame(640, 480, 100, [{ x: 300, y: 200, size: 40, level: 220 }]);
    // A 40 px square is 4×4 thumbnail pixels of 64×48; it left one place and arrived at another.
    expect(gate.changedShare(moved)).toBeCloseTo(32 / (64 * 48), 3);
    expect(gate.hasMotion(moved)).toBe(true);
  });

  it('ignores sensor noise and changes below the pixel delta, and follows its options', () => {
    const gate = new MotionGate();
    const base = frame(320, 240, 100);
    gate.hasMotion(base);
    const noisy = { ...base, data: base.data.map((v, i) => v + ((i * 7919) % 31) - 15) };
    expect(gate.hasMotion(noisy)).toBe(false);
    expect(gate.hasMotion(frame(320, 240, 115))).toBe(false);
    expect(new MotionGate({ pixelDelta: 10 }).changedShare(frame(320, 240, 115))).toBe(1); // no reference yet
    const sensitive = new MotionGate({ pixelDelta: 10 });
    sensitive.hasMotion(base);
    expect(sensitive.hasMotion(frame(320, 240, 115))).toBe(true);
    const coarse = new MotionGate({ minShare: 0.5 });
    coarse.hasMotion(base);
    expect(coarse.hasMotion(frame(320, 240, 100, [{ x: 0, y: 0, size: 120, level: 255 }]))).toBe(false); // 19% changed
  });

  it('adds up slow change against the last frame that had motion', () => {
    const gate = new MotionGate();
    expect(gate.hasMotion(frame(160, 120, 100))).toBe(true);
    // +8 per frame: never 20 levels apart from one frame to the next, but 24 from the reference.
    expect(gate.hasMotion(frame(160, 120, 108))).toBe(false);
    expect(gate.hasMotion(frame(160, 120, 116))).toBe(false);
    expect(gate.hasMotion(frame(160, 120, 124))).toBe(true);
    expect(gate.hasMotion(frame(160, 120, 132))).toBe(false);
  });

  it('counts a frame of another size as motion, and starts over after reset', () => {
    const gate = new MotionGate();
    gate.hasMotion(frame(640, 480, 100));
    expect(gate.hasMotion(frame(320, 240, 100))).toBe(true);
    expect(gate.hasMotion(frame(320, 240, 100))).toBe(false);
    gate.reset();
    expect(gate.hasMotion(frame(320, 240, 100))).toBe(true);
  });
});

describe('the grayscale thumbnail', () => {
  it('averages luma over blocks, keeping the aspect ratio', () => {
    // BT.601 luma of (200, 100, 50): 0.299·200 + 0.587·100 + 0.114·50 ≈ 124
    const orange = { width: 100, height: 37, data: new Uint8Array(100 * 37 * 3).map((_, i) => [200, 100, 50][i % 3]!), at: new Date() };
    const thumbnail = grayThumbnail(orange, 64);
    expect(thumbnail).toHaveLength(64 * 24);
    expect(new Set(thumbnail)).toEqual(new Set([124]));
    // Black with a white square at the top right: the thumbnail's first row splits at its middle column.
    const half = frame(640, 480, 0, [{ x: 320, y: 0, size: 320, level: 255 }]);
    const row = [...grayThumbnail(half, 64).subarray(0, 64)];
    expect(row).toEqual([...Array<number>(32).fill(0), ...Array<number>(32).fill(255)]);
    expect(grayThumbnail(frame(40, 30, 9), 64)).toHaveLength(40 * 30); // never wider than the frame
  });
});

describe('the motion gate on vtest.avi (pedestrians)', () => {
  let frames: RgbFrame[] = [];
  let again: RgbFrame;
  beforeAll(async () => {
    for await (const f of openFrameSource(sampleFile('vtest.avi'))) {
      frames.push(f);
      if (frames.length === 6) break;
    }
    // The first frame decoded a second time: the same picture in a new buffer.
    for await (const f of openFrameSource(sampleFile('vtest.avi'))) {
      again = f;
      break;
    }
  });

  it('sees people walking between consecutive frames at 2 fps, and nothing between two decodes of one frame', () => {
    const gate = new MotionGate();
    expect(gate.hasMotion(frames[0]!)).toBe(true);
    expect(gate.changedShare(again)).toBe(0);
    expect(gate.hasMotion(again)).toBe(false);
    // 2.7–4.2 % of the thumbnail changes from one frame to the next.
    for (const next of frames.slice(1)) {
      expect(gate.changedShare(next)).toBeGreaterThan(0.01);
      expect(gate.hasMotion(next)).toBe(true);
    }
  });

  it('is cheap: well under 10 ms per 640×480 frame', () => {
    const gate = new MotionGate();
    const started = performance.now();
    for (let i = 0; i < 50; i++) gate.hasMotion(frames[i % frames.length]!);
    expect((performance.now() - started) / 50).toBeLessThan(10); // about 1.5 ms measured
  });
});
