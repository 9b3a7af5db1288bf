import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { locateFfmpeg } from '../../src/platform/media/ffmpeg.js';
import { pcm16Wav } from '../../src/platform/media/wav.js';

/** Test audio made on the spot: no binary fixtures in the repository. */

/**
 * The ffmpeg binary of the `@ffmpeg-installer/ffmpeg` npm package (or FFMPEG_PATH). It is a
 * dependency, so the tests that need it run everywhere; a machine without it fails them loudly.
 */
const located = locateFfmpeg(process.env.FFMPEG_PATH);
if (!located) throw new Error('ffmpeg not found: npm ci installs @ffmpeg-installer/ffmpeg, or set FFMPEG_PATH');
export const ffmpeg: string = located;

/** A 16-bit mono WAV of a 440 Hz tone. */
export function toneWav(seconds: number, sampleRate = 16000): Buffer {
  return pcm16Wav(
    Array.from({ length: Math.round(seconds * sampleRate) }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / sampleRate)),
    sampleRate,
  );
}

/**
 * A minimal MP3 crafted by hand: `frames` MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz, 417
 * bytes each, silent: all side information zero), after an ID3v2 tag. 1152 samples a frame.
 */
export function craftedMp3(frames: number, options: { id3?: boolean } = {}): Buffer {
  const frame = Buffer.alloc(417);
  frame.set([0xff, 0xfb, 0x90, 0xc4]); // sync, MPEG-1, Layer III, no CRC; 128 kbit/s, 44.1 kHz, no padding; mono
  const id3 = Buffer.from([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 10, ...Buffer.alloc(10)]); // "ID3" v2.4, 10 bytes of padding
  return Buffer.concat([...(options.id3 === false ? [] : [id3]), ...Array.from({ length: frames }, () => frame)]);
}

export type EncodedFormat = 'mp3' | 'webm' | 'ogg' | 'm4a' | 'wav-float';

const encoders: Record<EncodedFormat, string[]> = {
  mp3: ['-c:a', 'libmp3lame', '-b:a', '64k', '-f', 'mp3'],
  webm: ['-c:a', 'libopus', '-b:a', '32k', '-f', 'webm'], // what Chrome's MediaRecorder makes
  ogg: ['-c:a', 'libopus', '-b:a', '32k', '-f', 'ogg'], // older Firefox
  m4a: ['-c:a', 'aac', '-b:a', '64k', '-f', 'mp4'], // Safari (its index at the end, as a plain MP4 has it)
  'wav-float': ['-c:a', 'pcm_f32le', '-f', 'wav'],
};

/** `seconds` of a 440 Hz tone encoded by ffmpeg as a browser or an official's computer would. Needs `ffmpeg`. */
export function encodedTone(format: EncodedFormat, seconds = 1): Buffer {
  if (!ffmpeg) throw new Error('no ffmpeg on this platform');
  const dir = mkdtempSync(path.join(tmpdir(), 'shuxiang-test-audio-'));
  try {
    const out = path.join(dir, 'out');
    execFileSync(
      ffmpeg,
      ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`, ...encoders[format], out],
      { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 },
    );
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
