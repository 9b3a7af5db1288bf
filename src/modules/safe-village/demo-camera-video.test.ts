import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { locateFfmpeg } from '../../platform/media/ffmpeg.js';
import { fetchSamplesInBackground, sampleNames, shippedDemoVideo } from '../../platform/media/sample-media.js';
import { chooseDemoVideo } from './demo-cameras.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'shuxiang-samples-test-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("the demo camera's video", () => {
  it('on a fresh checkout (nothing cached): the copy shipped in the repository, a real 768×576 10 fps video of about 80 s', () => {
    const video = chooseDemoVideo({ samplesDir: tempDir() });
    expect(video).toEqual({ file: shippedDemoVideo, source: 'shipped' });
    // ffmpeg decodes it to the end without an error: all 795 frames (79.5 s at 10 fps), 768×576.
    const decoded = spawnSync(locateFfmpeg()!, ['-hide_banner', '-nostdin', '-i', video!.file, '-map', '0:v:0', '-f', 'null', '-'], { encoding: 'utf8' });
    expect(decoded.status, decoded.stderr).toBe(0);
    expect(decoded.stderr).toMatch(/Video: h264 .*768x576.* 10 fps/);
    expect(decoded.stderr).toMatch(/frame=\s*795 /);
  });

  it("OpenCV's original when the samples are cached; DEMO_CAMERA_VIDEO over both", () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'vtest.avi'), 'cached');
    expect(chooseDemoVideo({ samplesDir: dir })).toEqual({ file: path.join(dir, 'vtest.avi'), source: 'cached' });
    expect(chooseDemoVideo({ samplesDir: dir, video: '/srv/camera.mp4' })).toEqual({ file: '/srv/camera.mp4', source: 'configured' });
  });

  it('the background fetch of the samples starts only when one of them is missing', async () => {
    const dir = tempDir();
    for (const name of sampleNames) writeFileSync(path.join(dir, name), name);
    const logger = pino({ level: 'silent' });
    expect(fetchSamplesInBackground(logger, dir)).toBeUndefined();
  });
});
