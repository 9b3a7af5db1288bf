import { describe, expect, it } from 'vitest';
import { makeWav } from '../../../test/support/mqtt.js';
import { audioInfo, mpegFrameAt } from './audio-duration.js';

/** An MPEG-1 Layer III frame header (0xFFFB) at a bit rate index and 44.1 kHz, padded to its length. */
function mp3Frame(bitrateIndex: number, padding = 0): Buffer {
  const header = Buffer.from([0xff, 0xfb, (bitrateIndex << 4) | (0 << 2) | (padding << 1), 0xc4]);
  const length = Math.floor((144 * [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320][bitrateIndex]! * 1000) / 44100) + padding;
  return Buffer.concat([header, Buffer.alloc(length - 4, 0x55)]);
}

describe('audio duration', () => {
  it('reads a WAV file’s length from its header', () => {
    expect(audioInfo(makeWav(2.5))).toEqual({ format: 'wav', seconds: 2.5 });
    expect(audioInfo(makeWav(0.3, 16000))?.seconds).toBeCloseTo(0.3, 5);
  });

  it('counts a streamed WAV’s data to the end of the file', () => {
    const wav = makeWav(1);
    wav.writeUInt32LE(0xffffffff, 40);
    expect(audioInfo(wav)?.seconds).toBe(1);
    expect(audioInfo(wav.subarray(0, 44 + 8000))?.seconds).toBe(0.5);
  });

  it('sums the frames of an MP3, constant or variable bit rate, after an ID3v2 tag', () => {
    const frame = mp3Frame(9); // 128 kbit/s: 417 bytes, 1152 samples
    expect(mpegFrameAt(frame, 0)).toEqual({ length: 417, samples: 1152, sampleRate: 44100 });
    const cbr = Buffer.concat(Array.from({ length: 100 }, () => frame));
    expect(audioInfo(cbr)).toEqual({ format: 'mp3', seconds: expect.closeTo((100 * 1152) / 44100, 6) });
    const id3 = Buffer.concat([Buffer.from('ID3'), Buffer.from([4, 0, 0, 0, 0, 0x01, 0x00]), Buffer.alloc(128, 0xff)]);
    const vbr = Buffer.concat([id3, ...Array.from({ length: 50 }, (_, i) => mp3Frame(i % 2 ? 14 : 5, i % 3 === 0 ? 1 : 0))]);
    expect(audioInfo(vbr)?.seconds).toBeCloseTo((50 * 1152) / 44100, 6);
    const tagged = Buffer.concat([cbr, Buffer.from('TAG'), Buffer.alloc(125, 0xff)]);
    expect(audioInfo(tagged)?.seconds).toBeCloseTo((100 * 1152) / 44100, 6);
  });

  it('knows nothing of other bytes', () => {
    expect(audioInfo(Buffer.alloc(5000, 7))).toBeUndefined();
    expect(audioInfo(Buffer.from('OggS....'))).toBeUndefined();
    expect(audioInfo(Buffer.alloc(0))).toBeUndefined();
    expect(audioInfo(Buffer.from([0xff, 0xfb, 0x90]))).toBeUndefined();
  });
});
