import type { FfmpegInput } from '../../platform/media/ffmpeg.js';
import { InvalidWav, isWav, parseWav } from '../../platform/media/wav.js';

/**
 * Audio formats recognised by their first bytes (never by file name or declared type): what
 * officials upload (MP3, WAV) and what browsers record with MediaRecorder (WebM/Opus in Chrome,
 * Edge and Firefox; Ogg/Opus in older Firefox; MP4/AAC in Safari).
 */
export type AudioFormat = 'wav' | 'mp3' | 'webm' | 'ogg' | 'mp4';

export const formats: Record<AudioFormat, { contentType: string; extension: string; ffmpeg: FfmpegInput }> = {
  wav: { contentType: 'audio/wav', extension: 'wav', ffmpeg: 'wav' },
  mp3: { contentType: 'audio/mpeg', extension: 'mp3', ffmpeg: 'mp3' },
  webm: { contentType: 'audio/webm', extension: 'webm', ffmpeg: 'matroska' },
  ogg: { contentType: 'audio/ogg', extension: 'ogg', ffmpeg: 'ogg' },
  mp4: { contentType: 'audio/mp4', extension: 'm4a', ffmpeg: 'mov' },
};

export class InvalidAudio extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAudio';
  }
}

/** The format the bytes announce, or undefined for anything else. */
export function sniffAudio(data: Buffer): AudioFormat | undefined {
  if (isWav(data)) return 'wav';
  if (data.length >= 10 && data.toString('latin1', 0, 3) === 'ID3') return 'mp3';
  if (data.length >= 4 && mp3Header(data, 0)) return 'mp3';
  if (data.length >= 4 && data.readUInt32BE(0) === 0x1a45dfa3) {
    // An EBML header; its DocType says which EBML format (Matroska and WebM are what browsers record).
    const head = data.toString('latin1', 4, Math.min(data.length, 64));
    if (head.includes('webm') || head.includes('matroska')) return 'webm';
    return undefined;
  }
  if (data.length >= 4 && data.toString('latin1', 0, 4) === 'OggS') return 'ogg';
  if (data.length >= 12 && data.toString('latin1', 4, 8) === 'ftyp') return 'mp4';
  return undefined;
}

/** Duration from the content itself: WAV from its header, MP3 by walking its frames. Throws InvalidAudio. */
export function measureAudio(format: 'wav' | 'mp3', data: Buffer): { durationMs: number } {
  if (format === 'mp3') return { durationMs: scanMp3(data).durationMs };
  try {
    return { durationMs: parseWav(data).durationMs };
  } catch (error) {
    if (error instanceof InvalidWav) throw new InvalidAudio(`WAV: ${error.message}`);
    throw error;
  }
}

/** 16-bit PCM is what every speaker plays; other WAV encodings (float, A-law…) are converted when ffmpeg is at hand. */
export function isPlainPcmWav(data: Buffer): boolean {
  try {
    const info = parseWav(data);
    return info.format === 1 && (info.bitsPerSample === 16 || info.bitsPerSample === 8);
  } catch {
    return false;
  }
}

// ---- MP3 --------------------------------------------------------------------------------------

interface Mp3Frame {
  /** 1 (MPEG-1), 2 (MPEG-2) or 2.5 */
  version: number;
  sampleRate: number;
  length: number;
  samples: number;
}

const BITRATES_V1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const BITRATES_V2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const SAMPLE_RATES: Record<number, number[]> = { 1: [44100, 48000, 32000], 2: [22050, 24000, 16000], 2.5: [11025, 12000, 8000] };

/** The MPEG audio Layer III frame header at `offset`, or undefined when there is none. */
function mp3Header(data: Buffer, offset: number): Mp3Frame | undefined {
  if (offset + 4 > data.length) return undefined;
  const b1 = data[offset + 1]!;
  const b2 = data[offset + 2]!;
  if (data[offset] !== 0xff || (b1 & 0xe0) !== 0xe0) return undefined;
  const versionBits = (b1 >> 3) & 3;
  const layerBits = (b1 >> 1) & 3;
  if (versionBits === 1 || layerBits !== 1) return undefined; // reserved version; not Layer III
  const version = versionBits === 3 ? 1 : versionBits === 2 ? 2 : 2.5;
  const bitrateIndex = b2 >> 4;
  const rateIndex = (b2 >> 2) & 3;
  if (bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return undefined; // free format, bad, reserved
  const bitrate = (version === 1 ? BITRATES_V1 : BITRATES_V2)[bitrateIndex]! * 1000;
  const sampleRate = SAMPLE_RATES[version]![rateIndex]!;
  const padding = (b2 >> 1) & 1;
  const samples = version === 1 ? 1152 : 576;
  const length = Math.floor(((samples / 8) * bitrate) / sampleRate) + padding;
  return { version, sampleRate, length, samples };
}

/** Size of the ID3v2 tags at the start (there may be several), 0 when none. */
function id3v2Size(data: Buffer): number {
  let offset = 0;
  while (offset + 10 <= data.length && data.toString('latin1', offset, offset + 3) === 'ID3') {
    const size = ((data[offset + 6]! & 0x7f) << 21) | ((data[offset + 7]! & 0x7f) << 14) | ((data[offset + 8]! & 0x7f) << 7) | (data[offset + 9]! & 0x7f);
    offset += 10 + size + (data[offset + 5]! & 0x10 ? 10 : 0);
  }
  return offset;
}

/** Frames chained from `offset` with the same version and sample rate, up to `limit`. */
function chainLength(data: Buffer, offset: number, limit: number): number {
  const first = mp3Header(data, offset);
  if (!first) return 0;
  let count = 0;
  let position = offset;
  while (count < limit) {
    const frame = mp3Header(data, position);
    if (!frame || frame.version !== first.version || frame.sampleRate !== first.sampleRate || position + frame.length > data.length) break;
    count++;
    position += frame.length;
  }
  return count;
}

/**
 * Walks the MP3's frames: the first must follow the ID3 tag (within 4 KiB of padding), at
 * least three must chain (or all of a shorter file), and frames must make up most of the file.
 * A leading Xing/Info/VBRI frame holds no audio and is not counted, nor the encoder's padding.
 */
export function scanMp3(data: Buffer): { durationMs: number; frames: number; sampleRate: number } {
  const start = id3v2Size(data);
  if (start >= data.length) throw new InvalidAudio('MP3: only a tag, no audio');
  let offset = -1;
  for (let i = start; i < Math.min(data.length - 4, start + 4096); i++) {
    const chained = chainLength(data, i, 3);
    if (chained >= 3 || (chained > 0 && chainCoversRest(data, i))) {
      offset = i;
      break;
    }
  }
  if (offset < 0) throw new InvalidAudio('MP3: no run of valid frames');
  const first = mp3Header(data, offset)!;
  let frames = 0;
  let position = offset;
  for (;;) {
    const frame = mp3Header(data, position);
    if (!frame || frame.version !== first.version || frame.sampleRate !== first.sampleRate || position + frame.length > data.length) break;
    frames++;
    position += frame.length;
  }
  const audioBytes = position - offset;
  if (audioBytes < (data.length - start) / 2) throw new InvalidAudio('MP3: most of the file is not audio frames');
  const gap = encoderGap(data, offset, first.length);
  const audioFrames = Math.max(0, frames - (gap ? 1 : 0));
  const samples = Math.max(0, audioFrames * first.samples - (gap?.samples ?? 0));
  return { durationMs: Math.round((samples / first.sampleRate) * 1000), frames: audioFrames, sampleRate: first.sampleRate };
}

/**
 * A leading Xing/Info/VBRI frame describes the file and holds no audio. Its LAME extension
 * (written by LAME and ffmpeg) says how many samples of silence the encoder added at the start
 * and the end, so the duration can be exact.
 */
function encoderGap(data: Buffer, offset: number, length: number): { samples: number } | undefined {
  const frame = data.subarray(offset, offset + length);
  const tag = ['Xing', 'Info'].map((name) => frame.indexOf(name, 0, 'latin1')).find((i) => i >= 4 && i <= 36);
  if (tag === undefined) return frame.indexOf('VBRI', 0, 'latin1') === 36 ? { samples: 0 } : undefined;
  const encoder = frame.toString('latin1', tag + 120, tag + 124);
  if (tag + 144 > frame.length || !/^[A-Za-z]{4}$/.test(encoder)) return { samples: 0 };
  const delay = (frame[tag + 141]! << 4) | (frame[tag + 142]! >> 4);
  const padding = ((frame[tag + 142]! & 0x0f) << 8) | frame[tag + 143]!;
  return { samples: delay + padding };
}

function chainCoversRest(data: Buffer, offset: number): boolean {
  let position = offset;
  for (;;) {
    const frame = mp3Header(data, position);
    if (!frame || position + frame.length > data.length) break;
    position += frame.length;
  }
  // Only an ID3v1 tag (128 bytes) or nothing may follow.
  return data.length - position === 0 || (data.length - position === 128 && data.toString('latin1', position, position + 3) === 'TAG');
}
