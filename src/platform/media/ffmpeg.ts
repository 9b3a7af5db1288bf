import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * ffmpeg as a child process: FFMPEG_PATH when configured, else the static binary that the npm
 * package `@ffmpeg-installer/ffmpeg` ships for this platform. Nothing else in the process
 * depends on it: without a binary, callers keep files in their original format.
 */
export function locateFfmpeg(configured?: string): string | undefined {
  const candidates: string[] = [];
  if (configured) {
    candidates.push(configured);
  } else {
    try {
      const installer = createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string };
      candidates.push(installer.path);
    } catch {
      // No binary for this platform in the npm package.
    }
  }
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export class FfmpegFailed extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'FfmpegFailed';
  }
}

/** The input formats accepted, by the name of ffmpeg's demuxer (forced, so ffmpeg never guesses from content). */
export type FfmpegInput = 'matroska' | 'ogg' | 'mov' | 'wav' | 'mp3';

export interface TranscodeOptions {
  /** Kills ffmpeg after this long (default 60 s). */
  timeoutMs?: number;
  /** Longest audio kept, in seconds (default 1 h). */
  maxSeconds?: number;
}

/**
 * Converts the first audio stream of `input` to MP3 (mono, 44.1 kHz, 64 kbit/s): what networked
 * loudspeakers play. Works through a private temporary folder because MP4 needs a seekable input
 * (its index often comes last). Only local files may be opened (no URLs named inside a playlist).
 */
export async function transcodeToMp3(binary: string, input: Buffer, format: FfmpegInput, options: TranscodeOptions = {}): Promise<Buffer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'shuxiang-ffmpeg-'));
  try {
    const source = path.join(dir, 'in');
    const target = path.join(dir, 'out.mp3');
    await writeFile(source, input);
    const args = [
      '-hide_banner', '-nostdin', '-loglevel', 'error', '-protocol_whitelist', 'file',
      '-f', format, '-i', source,
      '-map', '0:a:0', '-vn', '-sn', '-dn', '-map_metadata', '-1',
      '-t', String(options.maxSeconds ?? 3600),
      '-ac', '1', '-ar', '44100', '-c:a', 'libmp3lame', '-b:a', '64k',
      '-f', 'mp3', target,
    ];
    await new Promise<void>((resolve, reject) => {
      execFile(binary, args, { timeout: options.timeoutMs ?? 60_000, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024 }, (error, _stdout, stderr) => {
        if (error) reject(new FfmpegFailed(error.killed ? 'ffmpeg timed out' : `ffmpeg failed (${error.code ?? error.signal})`, String(stderr).slice(0, 2000)));
        else resolve();
      });
    });
    const output = await readFile(target);
    if (output.length === 0) throw new FfmpegFailed('ffmpeg produced no audio', '');
    return output;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
