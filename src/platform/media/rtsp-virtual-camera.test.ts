import { execFileSync, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleFile } from '../../../test/support/samples.js';
import { locateFfmpeg } from './ffmpeg.js';
import { type RtspRelay, startRtspRelay } from './rtsp-relay.js';
import { rtspInputArgs } from './rtsp-reader.js';
import { type VirtualCamera, startVirtualCamera, virtualCameraArgs } from './rtsp-virtual-camera.js';

const binary = locateFfmpeg()!;

/** A camera client as the detector runs it: RTSP over TCP → raw RGB frames on stdout. */
function reader(url: string, frames?: number) {
  const limit = frames === undefined ? [] : ['-frames:v', String(frames)];
  const proc = spawn(binary, ['-hide_banner', '-nostdin', '-loglevel', 'error', ...rtspInputArgs(binary, url, { timeoutMs: 3000 }), ...limit, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: Buffer[] = [];
  let bytes = 0;
  let stderr = '';
  const firstFrame = (frameBytes: number) =>
    new Promise<number>((resolve, reject) => {
      const check = () => bytes >= frameBytes && resolve(Date.now());
      proc.stdout.on('data', check);
      proc.once('exit', () => reject(new Error(`reader exited before a frame: ${stderr}`)));
    });
  proc.stdout.on('data', (c: Buffer) => {
    chunks.push(c);
    bytes += c.length;
  });
  proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; data: Buffer; stderr: string }>((resolve) =>
    proc.once('close', (code) => resolve({ code, data: Buffer.concat(chunks), stderr })),
  );
  return { proc, done, firstFrame };
}

const within = <T>(promise: Promise<T>, ms: number, what: string) =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms))]);

const alive = (pid: number | undefined) => {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** ffmpeg processes (ours or orphans) that still name this relay's port. */
const leftovers = (port: number) =>
  execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes('ffmpeg') && line.includes(`127.0.0.1:${port}/`));

/** Frames differ from a flat image and from each other: real video arrived. */
function expectRealFrames(data: Buffer, width: number, height: number, count: number) {
  const size = width * height * 3;
  expect(data.length).toBe(size * count);
  const frame = data.subarray(0, size);
  const min = frame.reduce((m, v) => Math.min(m, v), 255);
  const max = frame.reduce((m, v) => Math.max(m, v), 0);
  expect(max - min).toBeGreaterThan(100);
}

describe('virtual camera over the RTSP relay', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  const using = <T extends RtspRelay | VirtualCamera>(thing: T): T => {
    cleanup.push(() => ('close' in thing ? thing.close() : thing.stop()));
    return thing;
  };

  it('streams vtest.avi to two readers at once as H.264; stopping ends the readers; nothing is left running', async () => {
    const file = sampleFile('vtest.avi');
    const relay = using(await startRtspRelay());
    const started = Date.now();
    const camera = using(startVirtualCamera({ file, publishUrl: relay.publishUrl('cam1') }));
    expect(camera.publishing).toBe(false);
    await camera.waitUntilPublishing(10_000);
    const publishedAt = Date.now();
    expect(relay.livePaths()).toEqual(['cam1']);

    const a = reader(relay.url('cam1'), 3);
    const b = reader(relay.url('cam1'), 3);
    const firstAt = await a.firstFrame(640 * 480 * 3);
    const [ra, rb] = await within(Promise.all([a.done, b.done]), 8000, 'reading 3 frames twice');
    for (const r of [ra, rb]) {
      expect(r.code, r.stderr).toBe(0);
      expectRealFrames(r.data, 640, 480, 3);
    }
    console.info(`virtual camera: publishing ${publishedAt - started} ms after start, first frame at a reader ${firstAt - publishedAt} ms later`);

    // A reader that runs on until the camera stops: it ends (the relay closes it) instead of hanging.
    const live = reader(relay.url('cam1'));
    await live.firstFrame(640 * 480 * 3);
    expect(relay.readerCount('cam1')).toBe(1);
    const pid = camera.pid;
    await camera.stop();
    expect(camera.publishing).toBe(false);
    expect(alive(pid)).toBe(false);
    await within(live.done, 3000, 'the reader ending');
    expect(relay.livePaths()).toEqual([]);

    // Nobody publishing: a reader fails at once (404), with a non-zero exit code.
    const missing = await within(reader(relay.url('cam1'), 1).done, 3000, 'reading a missing path');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/404/);

    await relay.close();
    for (const r of [a, b, live]) expect(alive(r.proc.pid)).toBe(false);
    expect(leftovers(relay.port)).toEqual([]);
  });

  it('keeps retrying until the relay is up, restarts after the relay goes away, and stops cleanly (MJPEG)', async () => {
    const file = sampleFile('vtest.avi');
    const probe = await startRtspRelay();
    const port = probe.port;
    await probe.close();
    const camera = using(startVirtualCamera({ file, publishUrl: `rtsp://127.0.0.1:${port}/cam2`, codec: 'mjpeg', width: 320, restartDelayMs: 100, maxRestartDelayMs: 400 }));
    await new Promise((r) => setTimeout(r, 500));
    expect(camera.publishing).toBe(false);
    expect(camera.starts).toBeGreaterThanOrEqual(2);

    const relay = using(await startRtspRelay({ port }));
    await camera.waitUntilPublishing(5000);
    const live = reader(relay.url('cam2'));
    await live.firstFrame(320 * 240 * 3);
    const before = camera.starts;

    await relay.close();
    const ended = await within(live.done, 3000, 'the reader ending after the relay closed');
    expect(ended.data.length).toBeGreaterThan(0);
    expect(ended.data.length % (320 * 240 * 3)).toBe(0);
    const deadline = Date.now() + 3000;
    while (camera.starts === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(camera.publishing).toBe(false);
    expect(camera.starts).toBeGreaterThan(before);

    await camera.stop();
    await expect(camera.waitUntilPublishing(100)).rejects.toThrow(/stopped/);
    expect(camera.pid).toBeUndefined();
    expect(leftovers(port)).toEqual([]);
  });

  it('validates its options', () => {
    expect(() => virtualCameraArgs({ file: 'x', publishUrl: 'rtsp://127.0.0.1:1/a', width: 321 })).toThrow(/multiple of 2/);
    expect(() => virtualCameraArgs({ file: 'x', publishUrl: 'rtsp://127.0.0.1:1/a', width: 324, codec: 'mjpeg' })).toThrow(/multiple of 8/);
    expect(virtualCameraArgs({ file: 'x', publishUrl: 'rtsp://127.0.0.1:1/a', fps: 5 })).toEqual(expect.arrayContaining(['-g', '3', '-rtsp_transport', 'tcp']));
    expect(() => startVirtualCamera({ file: '/nonexistent.avi', publishUrl: 'rtsp://127.0.0.1:1/a' })).toThrow(/ENOENT/);
  });
});
