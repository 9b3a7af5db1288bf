import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { sampleFile } from '../../../test/support/samples.js';
import { drawAlarmSnapshot, encodeJpeg } from './snapshot.js';
import type { RgbFrame } from './types.js';

const JPEG_MAGIC = Buffer.from([0xff, 0xd8, 0xff]);

async function decode(jpeg: Buffer) {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)];
  return { info, at };
}

const gray = (width: number, height: number): RgbFrame => ({ width, height, data: new Uint8Array(width * height * 3).fill(128), at: new Date() });

describe('snapshots', () => {
  it('encodes a frame as a JPEG of the same size', async () => {
    const { data, info } = await sharp(sampleFile('messi5.jpg')).raw().toBuffer({ resolveWithObject: true });
    const jpeg = await encodeJpeg({ width: info.width, height: info.height, data, at: new Date() });
    expect(jpeg.subarray(0, 3)).toEqual(JPEG_MAGIC);
    expect(await sharp(jpeg).metadata()).toMatchObject({ format: 'jpeg', width: 548, height: 342 });
    expect((await encodeJpeg(gray(64, 48), 30)).length).toBeLessThan(jpeg.length);
  });

  it('draws the zone in translucent red and the boxes in their colours, the rest untouched', async () => {
    const jpeg = await drawAlarmSnapshot(gray(320, 240), {
      polygon: [[0, 0], [0.5, 0], [0.5, 1], [0, 1]],
      boxes: [
        { box: { x: 0.6, y: 0.25, width: 0.3, height: 0.5 }, label: 'person 0.82 <行人> & "x"', color: '#00ff00' },
        { box: { x: 0.7, y: 0, width: 0.1, height: 0.1 }, label: '\u0000' },
      ],
    });
    expect(jpeg.subarray(0, 3)).toEqual(JPEG_MAGIC);
    const { info, at } = await decode(jpeg);
    expect(info).toMatchObject({ width: 320, height: 240 });
    const [r, g, b] = at(80, 120); // inside the zone: gray tinted red
    expect(r! - g!).toBeGreaterThan(40);
    expect(Math.abs(g! - b!)).toBeLessThan(10);
    const [gr, gg, gb] = at(192, 150); // the green box's left edge (x = 0.6 × 320)
    expect(gg! - gr!).toBeGreaterThan(80);
    expect(gg! - gb!).toBeGreaterThan(80);
    for (const pixel of [at(240, 150), at(300, 230)]) {
      // inside the box and outside everything: as before
      for (const channel of pixel) expect(Math.abs(channel - 128)).toBeLessThan(8);
    }
  });

  it('draws the detections on a real photo', async () => {
    const { data, info } = await sharp(sampleFile('basketball1.png')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const frame = { width: info.width, height: info.height, data, at: new Date() };
    const jpeg = await drawAlarmSnapshot(frame, {
      polygon: [[0.02, 0.1], [0.3, 0.1], [0.3, 0.99], [0.02, 0.99]],
      boxes: [{ box: { x: 0.04, y: 0.16, width: 0.23, height: 0.82 }, label: '人 0.80' }],
    });
    expect(await sharp(jpeg).metadata()).toMatchObject({ format: 'jpeg', width: info.width, height: info.height });
  });
});
