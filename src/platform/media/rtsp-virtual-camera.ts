import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { locateFfmpeg } from './ffmpeg.js';
import type { RtspLogger } from './rtsp-relay.js';

/**
 * A video file as an IP camera: ffmpeg plays it in real time, looping forever, and publishes it
 * to an RTSP server (`-f rtsp -rtsp_transport tcp`, e.g. the relay of rtsp-relay.ts). If ffmpeg
 * exits (relay not up yet, relay restarted, path taken), it is started again after a delay that
 * doubles from `restartDelayMs` up to `maxRestartDelayMs`.
 *
 * H.264 (libx264 ultrafast, zerolatency, no B-frames, a keyframe every `keyframeSeconds`) is what
 * real cameras send; at 640×480, 10 fps it costs about 7 % of one core. MJPEG costs about half
 * that, and every frame is a keyframe, at ~10× the bitrate.
 */
export interface VirtualCameraOptions {
  file: string;
  /** Where to publish, e.g. `relay.publishUrl('cam1')`. */
  publishUrl: string;
  /** Frames per second sent (default 10). */
  fps?: number;
  /** Width sent (default 640); the height keeps the aspect ratio (even; a multiple of 8 for MJPEG). */
  width?: number;
  codec?: 'h264' | 'mjpeg';
  /** H.264 keyframe interval (default 0.5 s): how long a new reader may wait for its first frame. */
  keyframeSeconds?: number;
  /** FFMPEG_PATH when configured; default the bundled binary. */
  ffmpegPath?: string;
  logger?: RtspLogger;
  /** First restart delay (default 500 ms), doubling to `maxRestartDelayMs` (default 10 s). */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
}

export interface VirtualCamera {
  /** Whether ffmpeg is running and the server accepted the stream (ANNOUNCE/SETUP/RECORD done). */
  readonly publishing: boolean;
  /** The running ffmpeg's process id. */
  readonly pid: number | undefined;
  /** How many times ffmpeg was started. */
  readonly starts: number;
  /** Resolves once publishing; rejects after `timeoutMs` (default 15 s) or when stopped. */
  waitUntilPublishing(timeoutMs?: number): Promise<void>;
  /** Stops ffmpeg (SIGTERM, then SIGKILL after 3 s) and does not restart it; resolves when it has exited. */
  stop(): Promise<void>;
}

/** Children still running when the Node process exits are killed with it. */
const running = new Set<ChildProcess>();
let exitHook = false;
function track(child: ChildProcess): void {
  running.add(child);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const c of running) c.kill('SIGKILL');
    });
  }
}

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined } as unknown as RtspLogger;

export function virtualCameraArgs(options: VirtualCameraOptions): string[] {
  const fps = options.fps ?? 10;
  const width = options.width ?? 640;
  const codec = options.codec ?? 'h264';
  if (!(fps > 0 && fps <= 60)) throw new Error(`fps must be in (0, 60], not ${fps}`);
  if (!Number.isInteger(width) || width < 16 || width > 4096 || width % (codec === 'mjpeg' ? 8 : 2) !== 0) {
    throw new Error(`width ${width} must be an integer 16–4096 and a multiple of ${codec === 'mjpeg' ? 8 : 2}`);
  }
  const input = ['-hide_banner', '-nostdin', '-loglevel', 'info', '-nostats', '-re', '-stream_loop', '-1', '-i', options.file];
  const video = ['-map', '0:v:0', '-an', '-sn', '-dn', '-vf', `fps=${fps},scale=${width}:${codec === 'mjpeg' ? -8 : -2}`];
  const gop = String(Math.max(1, Math.round(fps * (options.keyframeSeconds ?? 0.5))));
  const encode =
    codec === 'mjpeg'
      ? ['-c:v', 'mjpeg', '-huffman', 'default', '-pix_fmt', 'yuvj420p', '-q:v', '5']
      : ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p',
         '-g', gop, '-keyint_min', gop, '-sc_threshold', '0', '-bf', '0', '-threads', '1'];
  return [...input, ...video, ...encode, '-f', 'rtsp', '-rtsp_transport', 'tcp', options.publishUrl];
}

export function startVirtualCamera(options: VirtualCameraOptions): VirtualCamera {
  const binary = locateFfmpeg(options.ffmpegPath);
  if (!binary) throw new Error('no ffmpeg binary: set FFMPEG_PATH or install @ffmpeg-installer/ffmpeg');
  accessSync(options.file, constants.R_OK);
  const args = virtualCameraArgs(options);
  const logger = options.logger ?? silent;
  const firstDelay = options.restartDelayMs ?? 500;
  const maxDelay = options.maxRestartDelayMs ?? 10_000;
  const where = { file: options.file, url: options.publishUrl };

  let child: ChildProcess | undefined;
  let publishing = false;
  let publishedAt = 0;
  let stopped = false;
  let starts = 0;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  let exited: Promise<void> = Promise.resolve();
  const waiters = new Set<{ resolve: () => void; reject: (e: Error) => void }>();

  const setPublishing = (value: boolean) => {
    publishing = value;
    if (value) {
      publishedAt = Date.now();
      for (const w of waiters) w.resolve();
      waiters.clear();
    }
  };

  const launch = () => {
    timer = undefined;
    if (stopped) return;
    starts++;
    const proc = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    track(proc);
    let tail = '';
    let lineBuffer = '';
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (text: string) => {
      tail = (tail + text).slice(-2000);
      if (publishing) return;
      lineBuffer = (lineBuffer + text).slice(-4000);
      // ffmpeg prints the output's description once avformat_write_header succeeded (RECORD accepted).
      if (/^Output #0, rtsp, to /m.test(lineBuffer)) {
        setPublishing(true);
        failures = 0;
        logger.info({ ...where, pid: proc.pid }, 'virtual camera publishing');
      }
    });
    exited = new Promise<void>((resolve) => {
      let done = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null, error?: Error) => {
        if (done) return;
        done = true;
        running.delete(proc);
        if (child === proc) child = undefined;
        const ranMs = publishing ? Date.now() - publishedAt : 0;
        setPublishing(false);
        resolve();
        if (stopped) return;
        if (ranMs > 30_000) failures = 0;
        const delay = Math.min(maxDelay, firstDelay * 2 ** failures);
        failures++;
        logger.warn({ ...where, code, signal, err: error, stderr: tail.trim().split('\n').slice(-5).join('\n'), restartInMs: delay }, 'virtual camera ffmpeg exited');
        timer = setTimeout(launch, delay);
      };
      proc.once('error', (error) => finish(null, null, error));
      proc.once('exit', (code, signal) => finish(code, signal));
    });
  };

  launch();

  return {
    get publishing() {
      return publishing;
    },
    get pid() {
      return child?.pid;
    },
    get starts() {
      return starts;
    },
    waitUntilPublishing(timeoutMs = 15_000) {
      if (publishing) return Promise.resolve();
      if (stopped) return Promise.reject(new Error('virtual camera stopped'));
      return new Promise<void>((resolve, reject) => {
        const waiter = {
          resolve: () => {
            clearTimeout(t);
            resolve();
          },
          reject: (e: Error) => {
            clearTimeout(t);
            reject(e);
          },
        };
        const t = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`virtual camera not publishing to ${options.publishUrl} after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    async stop() {
      if (!stopped) {
        stopped = true;
        if (timer) clearTimeout(timer);
        timer = undefined;
        for (const w of waiters) w.reject(new Error('virtual camera stopped'));
        waiters.clear();
        const proc = child;
        if (proc && proc.exitCode === null && proc.signalCode === null) {
          proc.kill('SIGTERM');
          const kill = setTimeout(() => proc.kill('SIGKILL'), 3000);
          await exited;
          clearTimeout(kill);
        }
      }
      await exited;
    },
  };
}
