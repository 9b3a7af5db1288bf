import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SampleName, sampleFile } from '../../../test/support/samples.js';
import { openFrameSource } from './frame-source.js';
import { bundledCenterNetModel, CenterNetDetector, DetectionError } from './person-detector.js';
import type { Detection, RgbFrame } from './types.js';

async function imageFrame(name: SampleName): Promise<RgbFrame> {
  const { data, info } = await sharp(sampleFile(name)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data, at: new Date() };
}

const persons = (detections: Detection[]) => detections.filter((d) => d.label === 'person');

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => (error instanceof DetectionError ? { problem: error.problem, message: error.message } : error),
  );

let detector: CenterNetDetector;
beforeAll(async () => {
  detector = await CenterNetDetector.start({ concurrency: 1 });
});
afterAll(async () => detector?.close());

describe('CenterNet (WebAssembly, worker threads) on real images', () => {
  it('finds the players on messi5.jpg, with boxes inside the frame', async () => {
    const found = await detector.detect(await imageFrame('messi5.jpg'));
    const players = persons(found);
    // Scores seen: 0.669 (the player in front), then 0.40, 0.40, 0.35, 0.34 … for the small players behind.
    expect(players.length).toBeGreaterThanOrEqual(2);
    expect(players[0]!.score).toBeGreaterThan(0.6);
    for (const { box, score } of found) {
      expect(score).toBeGreaterThanOrEqual(0.3);
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.width).toBeGreaterThan(0);
      expect(box.height).toBeGreaterThan(0);
      expect(box.x + box.width).toBeLessThanOrEqual(1);
      expect(box.y + box.height).toBeLessThanOrEqual(1);
    }
    // Every class comes back; the zone picks the one it watches. The ball scores 0.38.
    expect(found.map((d) => d.label)).toContain('sports ball');
    expect(found.map((d) => d.score)).toEqual(found.map((d) => d.score).sort((a, b) => b - a));
  });

  it('finds the player on the left of basketball1.png', async () => {
    const [best] = persons(await detector.detect(await imageFrame('basketball1.png')));
    expect(best!.score).toBeGreaterThan(0.7); // 0.798 seen
    expect(best!.box.x + best!.box.width / 2).toBeLessThan(0.35);
    expect(best!.box.height).toBeGreaterThan(0.6);
  });

  it('finds nobody in the empty street of leuvenA.jpg', async () => {
    // No person at any score above 0.1; the best guesses are a potted plant (0.15) and clocks (0.11).
    expect(persons(await detector.detect(await imageFrame('leuvenA.jpg')))).toEqual([]);
  });

  it('finds the pedestrians of vtest.avi frame after frame', async () => {
    const frames: RgbFrame[] = [];
    for await (const frame of openFrameSource(sampleFile('vtest.avi'))) {
      frames.push(frame);
      if (frames.length === 4) break;
    }
    for (const frame of frames) {
      const people = persons(await detector.detect(frame));
      // 5–7 people per frame at ≥ 0.3 seen (2 of them a sign and a bin at 0.38), 1–5 at ≥ 0.5.
      expect(people.length).toBeGreaterThanOrEqual(3);
      expect(people[0]!.score).toBeGreaterThan(0.55);
    }
  });
});

describe('the detector pool', () => {
  it('refuses a frame whose bytes do not match its size', async () => {
    const frame: RgbFrame = { width: 10, height: 10, data: new Uint8Array(10), at: new Date() };
    expect(await failure(detector.detect(frame))).toMatchObject({ problem: 'invalid' });
  });

  it('does not start without its model files, and says which file is missing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'shuxiang-model-'));
    try {
      expect(await failure(CenterNetDetector.start({ modelPath: path.join(dir, 'centernet.json') }))).toEqual({
        problem: 'unavailable',
        message: expect.stringContaining(`missing: ${path.join(dir, 'centernet.json')}`) as string,
      });
      copyFileSync(bundledCenterNetModel(), path.join(dir, 'centernet.json'));
      expect(await failure(CenterNetDetector.start({ modelPath: path.join(dir, 'centernet.json') }))).toEqual({
        problem: 'unavailable',
        message: expect.stringContaining(`missing: ${path.join(dir, 'centernet.bin')}`) as string,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs `concurrency` frames at once, queues a few, refuses the rest, and stops on close', async () => {
    const pool = await CenterNetDetector.start({ concurrency: 2, maxQueue: 1 });
    try {
      expect(pool.stats()).toEqual({ workers: 2, busy: 0, queued: 0 });
      const frame = await imageFrame('basketball1.png');
      const accepted = [pool.detect(frame), pool.detect(frame), pool.detect(frame)];
      expect(pool.stats()).toEqual({ workers: 2, busy: 2, queued: 1 });
      expect(await failure(pool.detect(frame))).toMatchObject({ problem: 'busy' });
      const results = await Promise.all(accepted);
      expect(results[2]).toEqual(results[0]);
    } finally {
      await pool.close();
    }
    expect(await failure(pool.detect(await imageFrame('basketball1.png')))).toMatchObject({ problem: 'failed' });
  });
});
