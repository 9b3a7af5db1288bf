import exifr from 'exifr';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { makeJpeg, makePng, makeWebp } from '../../../test/support/images.js';
import { exifTime, imageLimits, processImage, sniffImageFormat } from './images.js';

describe('recognising images by their bytes', () => {
  it('knows JPEG, PNG and WebP and nothing else', async () => {
    expect(sniffImageFormat(await makeJpeg())).toBe('jpeg');
    expect(sniffImageFormat(await makePng())).toBe('png');
    expect(sniffImageFormat(await makeWebp())).toBe('webp');
    expect(sniffImageFormat(Buffer.from('GIF89a...'))).toBeUndefined();
    expect(sniffImageFormat(Buffer.from('just text, named photo.jpg'))).toBeUndefined();
    expect(sniffImageFormat(Buffer.from([0xff, 0xd8]))).toBeUndefined();
    expect(sniffImageFormat(Buffer.from('RIFF\0\0\0\0WAVEfmt '))).toBeUndefined();
  });
});

describe('cleaning a photo', () => {
  it('turns it upright by its EXIF orientation and drops all metadata', async () => {
    const input = await makeJpeg({ width: 400, height: 200, orientation: 6, gps: { lat: 38.70961, lon: 115.15343 }, takenAt: '2026:11:20 14:30:05' });
    expect((await sharp(input).metadata()).orientation).toBe(6);
    const out = await processImage(input);
    expect([out.main.width, out.main.height]).toEqual([200, 400]);
    expect([out.thumb.width, out.thumb.height]).toEqual([160, 320]);
    for (const data of [out.main.data, out.thumb.data]) {
      const meta = await sharp(data).metadata();
      expect(meta.format).toBe('jpeg');
      expect(meta.exif).toBeUndefined();
      expect(meta.orientation).toBeUndefined();
      expect(await exifr.parse(data, true).catch(() => undefined)).toBeUndefined();
    }
  });

  it('reads GPS and the time taken before stripping them', async () => {
    const out = await processImage(await makeJpeg({ gps: { lat: 38.70961, lon: 115.15343 }, takenAt: '2026:11:20 14:30:05' }));
    expect(out.exif!.lat).toBeCloseTo(38.70961, 5);
    expect(out.exif!.lon).toBeCloseTo(115.15343, 5);
    // No offset recorded: China time.
    expect(out.exif!.takenAt!.toISOString()).toBe('2026-11-20T06:30:05.000Z');
    const south = await processImage(await makeWebp({ gps: { lat: -33.85678, lon: -70.64827 } }));
    expect(south.exif).toMatchObject({ takenAt: null });
    expect(south.exif!.lat).toBeCloseTo(-33.85678, 5);
    expect(south.exif!.lon).toBeCloseTo(-70.64827, 5);
    expect((await processImage(await makeJpeg())).exif).toBeNull();
  });

  it('honours a recorded offset and ignores impossible times', () => {
    expect(exifTime('2026:11:20 14:30:05', '-03:00')!.toISOString()).toBe('2026-11-20T17:30:05.000Z');
    expect(exifTime('0000:00:00 00:00:00', undefined)).toBeNull();
    expect(exifTime('2026:02:31 10:00:00', undefined)).toBeNull();
    expect(exifTime('yesterday', undefined)).toBeNull();
    expect(exifTime(20261120, undefined)).toBeNull();
  });

  it('accepts PNG (transparency on white) and WebP, always storing JPEG', async () => {
    for (const input of [await makePng({ alpha: true }), await makeWebp()]) {
      const out = await processImage(input);
      expect(out.contentType).toBe('image/jpeg');
      expect((await sharp(out.main.data).metadata()).format).toBe('jpeg');
    }
  });

  it('shrinks large photos to 2560 px on the longest side, never enlarges small ones', async () => {
    const big = await processImage(await makeJpeg({ width: 4000, height: 3000 }));
    expect([big.main.width, big.main.height]).toEqual([2560, 1920]);
    const small = await processImage(await makeJpeg({ width: 300, height: 100 }));
    expect([small.main.width, small.main.height]).toEqual([300, 100]);
    expect([small.thumb.width, small.thumb.height]).toEqual([300, 100]);
  });

  it('rejects what is not an image, or not a whole one', async () => {
    await expect(processImage(Buffer.alloc(0))).rejects.toMatchObject({ problem: 'invalid' });
    await expect(processImage(Buffer.from('not an image at all'))).rejects.toMatchObject({ problem: 'unsupported' });
    const gif = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#000' } }).gif().toBuffer();
    await expect(processImage(gif)).rejects.toMatchObject({ problem: 'unsupported' });
    for (const make of [makeJpeg, makePng, makeWebp]) {
      const whole = await make({ width: 800, height: 600, noise: true });
      await expect(processImage(whole.subarray(0, Math.floor(whole.length * 0.6)))).rejects.toMatchObject({ problem: 'invalid' });
    }
    // JPEG magic followed by garbage.
    await expect(processImage(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2000, 7)]))).rejects.toMatchObject({ problem: 'invalid' });
  });

  it('refuses images with more pixels than the limit before decoding them', async () => {
    const saved = imageLimits.maxInputPixels;
    imageLimits.maxInputPixels = 100 * 100;
    try {
      await expect(processImage(await makePng({ width: 101, height: 100 }))).rejects.toMatchObject({ problem: 'too_many_pixels' });
      await expect(processImage(await makePng({ width: 100, height: 100 }))).resolves.toBeTruthy();
    } finally {
      imageLimits.maxInputPixels = saved;
    }
  });
});
