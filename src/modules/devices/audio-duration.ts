/**
 * How long a WAV or MP3 file plays, from its bytes alone (the speaker simulator plays for that
 * long). WAV: the data chunk's size over the byte rate. MP3: every MPEG audio frame header is
 * read and the frames' samples summed, so variable bit rates come out right.
 */
export interface AudioInfo {
  format: 'wav' | 'mp3';
  seconds: number;
}

export function audioInfo(bytes: Buffer): AudioInfo | undefined {
  if (bytes.length >= 12 && bytes.toString('ascii', 0, 4) === 'RIFF' && bytes.toString('ascii', 8, 12) === 'WAVE') {
    const seconds = wavSeconds(bytes);
    return seconds === undefined ? undefined : { format: 'wav', seconds };
  }
  const seconds = mp3Seconds(bytes);
  return seconds === undefined ? undefined : { format: 'mp3', seconds };
}

function wavSeconds(bytes: Buffer): number | undefined {
  let byteRate: number | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ' && body + 16 <= bytes.length) {
      byteRate = bytes.readUInt32LE(body + 8);
    } else if (id === 'data') {
      if (!byteRate) return undefined;
      // A streamed WAV may say 0 or 0xFFFFFFFF; then the data is whatever follows.
      const available = bytes.length - body;
      const dataBytes = size === 0 || size === 0xffffffff ? available : Math.min(size, available);
      return dataBytes / byteRate;
    }
    offset = body + size + (size % 2); // chunks are padded to even sizes
  }
  return undefined;
}

const BITRATES_KBPS: Record<string, number[]> = {
  'v1-l1': [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  'v1-l2': [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  'v1-l3': [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  'v2-l1': [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  'v2-l2': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  'v2-l3': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const SAMPLE_RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

interface Frame {
  length: number;
  samples: number;
  sampleRate: number;
}

/** The MPEG audio frame whose header starts at `offset`, if one does. */
export function mpegFrameAt(bytes: Buffer, offset: number): Frame | undefined {
  if (offset + 4 > bytes.length) return undefined;
  const b1 = bytes[offset + 1]!;
  const b2 = bytes[offset + 2]!;
  if (bytes[offset] !== 0xff || (b1 & 0xe0) !== 0xe0) return undefined;
  const version = (b1 >> 3) & 0x03; // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5, 1: reserved
  const layerBits = (b1 >> 1) & 0x03; // 1: III, 2: II, 3: I, 0: reserved
  const bitrateIndex = (b2 >> 4) & 0x0f;
  const rateIndex = (b2 >> 2) & 0x03;
  if (version === 1 || layerBits === 0 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return undefined;
  const layer = 4 - layerBits;
  const kbps = BITRATES_KBPS[`${version === 3 ? 'v1' : 'v2'}-l${layer}`]![bitrateIndex]!;
  const sampleRate = SAMPLE_RATES[version]![rateIndex]!;
  const padding = (b2 >> 1) & 0x01;
  const bitrate = kbps * 1000;
  if (layer === 1) return { length: (Math.floor((12 * bitrate) / sampleRate) + padding) * 4, samples: 384, sampleRate };
  const samples = layer === 3 && version !== 3 ? 576 : 1152;
  return { length: Math.floor(((samples / 8) * bitrate) / sampleRate) + padding, samples, sampleRate };
}

function mp3Seconds(bytes: Buffer): number | undefined {
  let offset = 0;
  // ID3v2 tag: "ID3", version, flags, then a 28-bit "syncsafe" size (+10 with a footer).
  if (bytes.length >= 10 && bytes.toString('latin1', 0, 3) === 'ID3') {
    const size = ((bytes[6]! & 0x7f) << 21) | ((bytes[7]! & 0x7f) << 14) | ((bytes[8]! & 0x7f) << 7) | (bytes[9]! & 0x7f);
    offset = 10 + size + ((bytes[5]! & 0x10) !== 0 ? 10 : 0);
  }
  let seconds = 0;
  let frames = 0;
  while (offset + 4 <= bytes.length) {
    const frame = mpegFrameAt(bytes, offset);
    // A frame counts only where another frame, the end of the file or an ID3v1 tag follows it,
    // so stray 0xFF bytes in tags or junk are not taken for audio.
    const next = frame ? offset + frame.length : 0;
    const followed =
      next === bytes.length ||
      (next > bytes.length && frames > 0) ||
      (next + 128 === bytes.length && bytes.toString('latin1', next, next + 3) === 'TAG') ||
      mpegFrameAt(bytes, next) !== undefined;
    if (frame && frame.length > 4 && followed) {
      seconds += frame.samples / frame.sampleRate;
      frames++;
      offset = next;
    } else {
      offset++;
    }
  }
  return frames >= 1 ? seconds : undefined;
}
