/**
 * RIFF/WAVE reading without a library: enough to check a file is a WAV, learn its format and
 * duration, and (for 16-bit PCM) measure its loudness. Speakers and browsers play it as is.
 */
export interface WavInfo {
  /** 1 PCM, 3 IEEE float, 6 A-law, 7 µ-law, 0xFFFE extensible. */
  format: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  /** Bytes per second of audio, from the header. */
  byteRate: number;
  blockAlign: number;
  /** Where the samples start, and how many bytes of them the file really holds. */
  dataOffset: number;
  dataBytes: number;
  durationMs: number;
}

export class InvalidWav extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidWav';
  }
}

const FORMATS = new Set([1, 3, 6, 7, 0xfffe]);

export const isWav = (data: Buffer) => data.length >= 12 && data.toString('latin1', 0, 4) === 'RIFF' && data.toString('latin1', 8, 12) === 'WAVE';

/** Reads the header chunks; throws InvalidWav when the file is not a playable PCM-family WAV. */
export function parseWav(data: Buffer): WavInfo {
  if (!isWav(data)) throw new InvalidWav('not a RIFF/WAVE file');
  let fmt: Omit<WavInfo, 'dataOffset' | 'dataBytes' | 'durationMs'> | undefined;
  let offset = 12;
  while (offset + 8 <= data.length) {
    const id = data.toString('latin1', offset, offset + 4);
    const size = data.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > data.length) throw new InvalidWav('fmt chunk too short');
      fmt = {
        format: data.readUInt16LE(body),
        channels: data.readUInt16LE(body + 2),
        sampleRate: data.readUInt32LE(body + 4),
        byteRate: data.readUInt32LE(body + 8),
        blockAlign: data.readUInt16LE(body + 12),
        bitsPerSample: data.readUInt16LE(body + 14),
      };
      if (!FORMATS.has(fmt.format)) throw new InvalidWav(`unsupported WAV encoding ${fmt.format}`);
      if (fmt.channels < 1 || fmt.channels > 8) throw new InvalidWav(`bad channel count ${fmt.channels}`);
      if (fmt.sampleRate < 4000 || fmt.sampleRate > 384_000) throw new InvalidWav(`bad sample rate ${fmt.sampleRate}`);
      if (fmt.blockAlign === 0 || fmt.byteRate !== fmt.sampleRate * fmt.blockAlign) throw new InvalidWav('inconsistent byte rate');
    } else if (id === 'data') {
      if (!fmt) throw new InvalidWav('data chunk before the fmt chunk');
      // Streaming writers leave the size 0 or 0xFFFFFFFF; the samples then run to the end of the file.
      const declared = size === 0 || size === 0xffffffff ? data.length - body : size;
      const available = Math.min(declared, data.length - body);
      const dataBytes = available - (available % fmt.blockAlign);
      if (dataBytes <= 0) throw new InvalidWav('no samples');
      return { ...fmt, dataOffset: body, dataBytes, durationMs: Math.round((dataBytes / fmt.byteRate) * 1000) };
    }
    offset = body + size + (size % 2);
  }
  throw new InvalidWav(fmt ? 'no data chunk' : 'no fmt chunk');
}

/** Root-mean-square level of 16-bit PCM samples, 0…1 of full scale; `windowMs` also gives the share of windows above `floor`. */
export function pcm16Level(data: Buffer, options: { windowMs?: number; floor?: number } = {}): { rms: number; peak: number; activeShare: number } {
  const info = parseWav(data);
  if (info.format !== 1 || info.bitsPerSample !== 16) throw new InvalidWav('not 16-bit PCM');
  const samples = info.dataBytes / 2;
  const perWindow = Math.max(1, Math.round(((options.windowMs ?? 50) / 1000) * info.sampleRate * info.channels));
  const floor = options.floor ?? 0.02;
  let sum = 0;
  let peak = 0;
  let windows = 0;
  let active = 0;
  let windowSum = 0;
  let inWindow = 0;
  for (let i = 0; i < samples; i++) {
    const v = data.readInt16LE(info.dataOffset + i * 2) / 32768;
    sum += v * v;
    windowSum += v * v;
    peak = Math.max(peak, Math.abs(v));
    if (++inWindow === perWindow || i === samples - 1) {
      windows++;
      if (Math.sqrt(windowSum / inWindow) > floor) active++;
      windowSum = 0;
      inWindow = 0;
    }
  }
  return { rms: Math.sqrt(sum / samples), peak, activeShare: windows ? active / windows : 0 };
}

/** A 16-bit mono PCM WAV of the given samples (−1…1), for tests and tools. */
export function pcm16Wav(samples: ArrayLike<number>, sampleRate: number): Buffer {
  const data = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) data.writeInt16LE(Math.round(Math.max(-1, Math.min(1, samples[i]!)) * 32767), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}
