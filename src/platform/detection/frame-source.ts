import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Clock, systemClock } from '../clock.js';
import { locateFfmpeg } from '../media/ffmpeg.js';
import { rtspInputArgs } from '../media/rtsp-reader.js';
import type { RgbFrame } from './types.js';

export interface FrameSourceOptions {
  /** Frames per second taken from the video (default 2). */
  fps?: number;
  /** Width the frames are scaled to; the height keeps the aspect ratio, rounded to even (default 640). */
  width?: number;
  /** Files only: start again at the end, forever. */
  loop?: boolean;
  /** Files only: read at the video's own speed, so the file behaves like a live camera. */
  realtime?: boolean;
  /** FFMPEG_PATH, when the deployment names one. */
  ffmpegPath?: string;
  /** RTSP and HTTP: a connection that says nothing for this long fails (default 10 s). */
  ioTimeoutMs?: number;
  /** Live sources: no frame for this long fails the source, whatever ffmpeg is waiting for (default 30 s). */
  stallTimeoutMs?: number;
  /** Frames waiting for the reader; beyond it a live source drops its oldest, a file waits (default 4). */
  maxBuffered?: number;
  clock?: Clock;
}

export class FrameSourceError extends Error {
  constructor(
    message: string,
    /** ffmpeg's last lines on stderr, credentials masked. */
    readonly stderr: string,
  ) {
    super(stderr ? `${message}: ${stderr}` : message);
    this.name = 'FrameSourceError';
  }
}

type Kind = 'rtsp' | 'http' | 'file';

/** Protocols ffmpeg may open per kind of source, so a playlist from a camera cannot name a local file. */
const PROTOCOLS: Record<Kind, string> = {
  rtsp: 'rtsp,rtsps,rtp,srtp,udp,tcp,tls',
  http: 'http,https,httpproxy,tcp,tls,crypto',
  file: 'file',
};

const STDERR_LINES = 20;

/**
 * A video (rtsp://, http(s)://, a file path or file:// URL) decoded by ffmpeg in a child process into
 * RGB frames at a low frame rate, read with `for await`. ffmpeg writes each frame as a binary PPM,
 * whose header gives the size, so nothing depends on parsing ffmpeg's log. The source ends when a
 * file ends (unless looping) or on stop(); a failure (unreachable camera, stalled or ended stream,
 * ffmpeg error) ends the iteration with a FrameSourceError.
 */
export class FrameSource implements AsyncIterableIterator<RgbFrame> {
  /** Frames a live source dropped because the reader fell behind. */
  dropped = 0;
  private readonly kind: Kind;
  private readonly live: boolean;
  private readonly maxBuffered: number;
  private readonly stallTimeoutMs: number;
  private readonly clock: Clock;
  private readonly buffered: RgbFrame[] = [];
  private readonly waiting: { resolve(result: IteratorResult<RgbFrame>): void; reject(error: Error): void }[] = [];
  private readonly stderrLines: string[] = [];
  private readonly parser = new PpmParser();
  private child?: ChildProcess;
  private readonly exited: Promise<void>;
  private failure?: Error;
  private ended = false;
  private stopped = false;
  private stallTimer?: NodeJS.Timeout;

  constructor(
    private readonly url: string,
    private readonly options: FrameSourceOptions = {},
  ) {
    this.kind = kindOf(url);
    this.live = this.kind !== 'file' || options.realtime === true;
    this.maxBuffered = options.maxBuffered ?? 4;
    this.stallTimeoutMs = options.stallTimeoutMs ?? 30_000;
    this.clock = options.clock ?? systemClock;
    this.exited = this.run().catch((error: Error) =>
      this.fail(error instanceof FrameSourceError ? error : new FrameSourceError(`ffmpeg did not run: ${error.message}`, '')),
    );
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<RgbFrame>> {
    const frame = this.buffered.shift();
    if (frame) {
      if (this.buffered.length < this.maxBuffered) this.child?.stdout?.resume();
      return Promise.resolve({ value: frame, done: false });
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** Leaving a `for await` loop early stops ffmpeg. */
  async return(): Promise<IteratorResult<RgbFrame>> {
    await this.stop();
    return { value: undefined, done: true };
  }

  /** Stops ffmpeg and ends the iteration (frames not yet read are dropped); resolves once ffmpeg has exited. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.buffered.length = 0;
    this.end();
    const child = this.child;
    // A paused pipe would never see ffmpeg's end of output, and the process would never close.
    child?.stdout?.resume();
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      // ffmpeg blocked on a dead network read may ignore SIGTERM for a while.
      const kill = setTimeout(() => child.kill('SIGKILL'), 2000);
      await this.exited;
      clearTimeout(kill);
    } else {
      await this.exited;
    }
  }

  private async run(): Promise<void> {
    const binary = locateFfmpeg(this.options.ffmpegPath);
    if (!binary) throw new FrameSourceError('ffmpeg is not available (set FFMPEG_PATH or install @ffmpeg-installer/ffmpeg)', '');
    const child = spawn(binary, this.arguments(binary), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.armStallTimer();
    child.stderr.setEncoding('utf8');
    let partial = '';
    child.stderr.on('data', (text: string) => {
      const lines = (partial + text).split(/\r?\n/);
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) this.keepStderr(line);
    });
    child.stdout.on('data', (chunk: Buffer) => {
      if (this.stopped || this.failure) return;
      try {
        for (const frame of this.parser.push(chunk)) this.deliver({ ...frame, at: this.clock.now() });
      } catch (error) {
        this.fail(error as Error);
        child.kill('SIGKILL');
      }
    });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
    });
    if (partial.trim()) this.keepStderr(partial);
    clearTimeout(this.stallTimer);
    if (this.stopped || this.failure) return;
    const where = maskCredentials(this.url);
    if (code !== 0) throw this.error(`ffmpeg ${signal ? `was killed (${signal})` : `exited with code ${code}`} reading ${where}`);
    // A camera's stream has no end: when it stops, the camera or the network went away.
    if (this.kind !== 'file') throw this.error(`the stream from ${where} ended`);
    this.end();
  }

  private arguments(binary: string): string[] {
    const fps = this.options.fps ?? 2;
    const width = this.options.width ?? 640;
    const ioTimeoutMs = this.options.ioTimeoutMs ?? 10_000;
    const source = this.url.startsWith('file://') ? fileURLToPath(this.url) : this.url;
    const input: string[] = ['-protocol_whitelist', PROTOCOLS[this.kind]];
    switch (this.kind) {
      case 'rtsp':
        input.push(...rtspInputArgs(binary, source, { timeoutMs: ioTimeoutMs }));
        break;
      case 'http':
        input.push('-rw_timeout', String(ioTimeoutMs * 1000), '-i', source);
        break;
      case 'file':
        if (this.options.realtime) input.push('-re');
        if (this.options.loop) input.push('-stream_loop', '-1');
        input.push('-i', source);
        break;
    }
    return [
      '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error',
      ...input,
      '-map', '0:v:0', '-an', '-sn', '-dn',
      '-vf', `fps=${fps},scale=${width}:-2`,
      '-c:v', 'ppm', '-f', 'image2pipe', 'pipe:1',
    ];
  }

  private deliver(frame: RgbFrame): void {
    this.armStallTimer();
    const reader = this.waiting.shift();
    if (reader) {
      reader.resolve({ value: frame, done: false });
      return;
    }
    this.buffered.push(frame);
    if (this.buffered.length <= this.maxBuffered) return;
    if (this.live) {
      // A camera waits for nobody: keep the newest frames so alarms are not late.
      this.buffered.shift();
      this.dropped++;
    } else {
      this.child?.stdout?.pause();
    }
  }

  private armStallTimer(): void {
    if (!this.live) return;
    clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => {
      this.fail(this.error(`no frame from ${maskCredentials(this.url)} for ${this.stallTimeoutMs / 1000} s`));
      this.child?.kill('SIGKILL');
    }, this.stallTimeoutMs);
  }

  private keepStderr(line: string): void {
    this.stderrLines.push(maskCredentials(line.trim()));
    if (this.stderrLines.length > STDERR_LINES) this.stderrLines.shift();
  }

  private error(message: string): FrameSourceError {
    return new FrameSourceError(message, this.stderrLines.join('\n'));
  }

  private end(): void {
    this.ended = true;
    clearTimeout(this.stallTimer);
    for (const reader of this.waiting.splice(0)) reader.resolve({ value: undefined, done: true });
  }

  private fail(error: Error): void {
    if (this.stopped || this.failure) return;
    this.failure = error;
    this.ended = true;
    clearTimeout(this.stallTimer);
    for (const reader of this.waiting.splice(0)) reader.reject(error);
  }
}

/** Opens a video as a stream of frames; see FrameSource. */
export function openFrameSource(url: string, options: FrameSourceOptions = {}): FrameSource {
  return new FrameSource(url, options);
}

function kindOf(url: string): Kind {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme === 'file') return 'file';
  if (scheme === 'rtsp' || scheme === 'rtsps') return 'rtsp';
  if (scheme === 'http' || scheme === 'https') return 'http';
  throw new FrameSourceError(`unsupported video URL scheme ${scheme}:// (use rtsp://, rtsps://, http(s):// or a file)`, '');
}

/** Hides the password in `scheme://user:password@host`, which camera URLs often carry. */
function maskCredentials(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@/\s]*@/gi, '$1:***@');
}

/** Splits ffmpeg's image2pipe PPM output ("P6\n<w> <h>\n255\n" + RGB bytes, frame after frame) into frames. */
class PpmParser {
  private header = Buffer.alloc(0);
  private frame?: { width: number; height: number; data: Uint8Array; filled: number };

  push(chunk: Buffer): Omit<RgbFrame, 'at'>[] {
    const done: Omit<RgbFrame, 'at'>[] = [];
    let rest = chunk;
    while (rest.length > 0) {
      if (!this.frame) {
        this.header = Buffer.concat([this.header, rest]);
        const match = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(this.header.subarray(0, 64).toString('latin1'));
        if (!match) {
          if (this.header.length >= 64) throw new FrameSourceError('ffmpeg wrote something that is not an RGB PPM frame', '');
          return done;
        }
        const [width, height] = [Number(match[1]), Number(match[2])];
        rest = this.header.subarray(match[0].length);
        this.header = Buffer.alloc(0);
        this.frame = { width, height, data: new Uint8Array(width * height * 3), filled: 0 };
      }
      const frame = this.frame;
      const take = Math.min(rest.length, frame.data.length - frame.filled);
      frame.data.set(rest.subarray(0, take), frame.filled);
      frame.filled += take;
      rest = rest.subarray(take);
      if (frame.filled === frame.data.length) {
        done.push({ width: frame.width, height: frame.height, data: frame.data });
        this.frame = undefined;
      }
    }
    return done;
  }
}
