import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleFile } from '../../../test/support/samples.js';
import { startRtspRelay } from '../media/rtsp-relay.js';
import { startVirtualCamera } from '../media/rtsp-virtual-camera.js';
import { FrameSource, FrameSourceError, openFrameSource } from './frame-source.js';
import type { RgbFrame } from './types.js';

const video = sampleFile('vtest.avi'); // 768×576 at 10 fps, 79.5 s

async function take(source: FrameSource, count: number): Promise<RgbFrame[]> {
  const frames: RgbFrame[] = [];
  for await (const frame of source) {
    frames.push(frame);
    if (frames.length === count) break;
  }
  return frames;
}

async function failureOf(source: FrameSource): Promise<FrameSourceError> {
  try {
    for await (const _frame of source) {
      // Only the error matters.
    }
  } catch (error) {
    if (error instanceof FrameSourceError) return error;
    throw error;
  }
  throw new Error('the source ended without an error');
}

/** A TCP server that accepts connections and never says a word: a camera that hangs. */
let silent: Server;
const sockets = new Set<Socket>();
beforeAll(async () => {
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});
const silentPort = () => (silent.address() as { port: number }).port;

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('frames from a video file', () => {
  it('reads vtest.avi at 2 fps scaled to 640 px wide, keeping the aspect ratio, and ends with the file', async () => {
    const frames: RgbFrame[] = [];
    for await (const frame of openFrameSource(video)) frames.push(frame);
    expect(frames.length).toBeGreaterThanOrEqual(158); // 79.5 s × 2 fps
    expect(frames.length).toBeLessThanOrEqual(160);
    for (const frame of frames.slice(0, 3)) {
      expect(frame).toMatchObject({ width: 640, height: 480 });
      expect(frame.data.length).toBe(640 * 480 * 3);
    }
    expect(frames[1]!.at.getTime()).toBeGreaterThanOrEqual(frames[0]!.at.getTime());
    // Real pictures, not a blank buffer.
    expect(new Set(frames[0]!.data.subarray(0, 3000)).size).toBeGreaterThan(20);
  });

  it('takes the frame rate, the width and file:// URLs; an odd height is rounded to even', async () => {
    const url = new URL(`file://${video}`).href;
    const [frame] = await take(openFrameSource(url, { fps: 1, width: 300 }), 1);
    expect(frame).toMatchObject({ width: 300, height: 226 }); // 300 × 576 / 768 = 225
  });

  it('stops when asked: ffmpeg ends and the iteration is over', async () => {
    const source = openFrameSource(video);
    const first = await source.next();
    expect(first.done).toBe(false);
    await source.stop();
    expect(await source.next()).toEqual({ value: undefined, done: true });
  });

  it('loops a file on request', async () => {
    const frames = await take(openFrameSource(video, { loop: true, fps: 4, width: 64 }), 400);
    expect(frames).toHaveLength(400); // the file holds 318 frames at 4 fps
  });

  it('reads a file at its own speed like a camera, keeping the newest frames when the reader is slow', async () => {
    const source = openFrameSource(video, { realtime: true, fps: 10, width: 64, maxBuffered: 1 });
    const started = Date.now();
    const first = (await source.next()).value as RgbFrame;
    await sleep(1000);
    const next = await source.next();
    await source.stop();
    expect(next.done).toBe(false);
    expect(source.dropped).toBeGreaterThanOrEqual(5); // about 10 frames came while the reader slept; 1 waits
    expect(Date.now() - started).toBeGreaterThan(1000);
    expect((next.value as RgbFrame).at.getTime() - first.at.getTime()).toBeGreaterThan(700);
  });
});

describe('frames from an RTSP camera', () => {
  it('reads a live H.264 stream over RTSP/TCP, and fails when the camera stream ends', async () => {
    const relay = await startRtspRelay();
    const camera = startVirtualCamera({ file: video, publishUrl: relay.publishUrl('cam1'), fps: 10, width: 320 });
    try {
      await camera.waitUntilPublishing();
      const source = openFrameSource(relay.url('cam1'), { width: 320, ioTimeoutMs: 1500 });
      for (let i = 0; i < 3; i++) {
        const { value } = await source.next();
        expect(value).toMatchObject({ width: 320, height: 240 });
      }
      await camera.stop();
      const started = Date.now();
      const error = await failureOf(source);
      expect(error.message).toMatch(/the stream from rtsp:\/\/127\.0\.0\.1:\d+\/cam1 ended/);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await camera.stop();
      await relay.close();
    }
  });
});

describe('failures end the iteration with ffmpeg’s own words', () => {
  it('a missing file', async () => {
    const error = await failureOf(openFrameSource('/nonexistent/camera.mp4'));
    expect(error.message).toMatch(/ffmpeg exited with code 1 reading \/nonexistent\/camera.mp4/);
    expect(error.stderr).toMatch(/No such file or directory/);
  });

  it('an RTSP camera that refuses the connection, without showing its password', async () => {
    const error = await failureOf(openFrameSource(`rtsp://admin:s3cret@127.0.0.1:${await closedPort()}/stream1`));
    expect(error.stderr).toMatch(/Connection refused/);
    expect(error.message).toContain('rtsp://admin:***@127.0.0.1');
    expect(error.message).not.toContain('s3cret');
  });

  it('an RTSP camera that accepts the connection and then says nothing: the socket timeout', async () => {
    const started = Date.now();
    const error = await failureOf(openFrameSource(`rtsp://127.0.0.1:${silentPort()}/stream1`, { ioTimeoutMs: 1000 }));
    // ffmpeg's read times out after 1 s, and it gives up on the input.
    expect(error.stderr).toMatch(/Invalid data found when processing input/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a stream that gives no frames for too long, whatever ffmpeg waits for', async () => {
    const error = await failureOf(openFrameSource(`rtsp://127.0.0.1:${silentPort()}/stream1`, { ioTimeoutMs: 60_000, stallTimeoutMs: 1000 }));
    expect(error.message).toMatch(/no frame from rtsp:\/\/127\.0\.0\.1:\d+\/stream1 for 1 s/);
  });

  it('a scheme or ffmpeg protocol that is not allowed', async () => {
    expect(() => openFrameSource('ftp://camera.local/video')).toThrow(/unsupported video URL scheme ftp/);
    // Without "://" it is a file name, and ffmpeg may open nothing but files.
    const error = await failureOf(openFrameSource('concat:/etc/hostname|/etc/hosts'));
    expect(error.stderr).toMatch(/not on whitelist/);
  });
});
