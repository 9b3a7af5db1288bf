import { describe, expect, it } from 'vitest';
import { craftedMp3, encodedTone, toneWav } from '../../../test/support/audio.js';
import { makeJpeg } from '../../../test/support/images.js';
import { parseWav, pcm16Level } from '../../platform/media/wav.js';
import { InvalidAudio, isPlainPcmWav, measureAudio, scanMp3, sniffAudio } from './audio-formats.js';

describe('recognising audio by its content', () => {
  it('knows WAV and MP3 (with or without an ID3 tag)', () => {
    expect(sniffAudio(toneWav(0.1))).toBe('wav');
    expect(sniffAudio(craftedMp3(5))).toBe('mp3');
    expect(sniffAudio(craftedMp3(5, { id3: false }))).toBe('mp3');
  });

  it('knows what browsers record: WebM, Ogg, MP4', () => {
    expect(sniffAudio(Buffer.from('1a45dfa3a3428286810142f7810142f2810442f381084282847765626d', 'hex'))).toBe('webm');
    expect(sniffAudio(Buffer.from('OggS\0\x02\0\0\0\0\0\0\0\0', 'latin1'))).toBe('ogg');
    expect(sniffAudio(Buffer.from('\0\0\0\x1cftypM4A \0\0\0\0', 'latin1'))).toBe('mp4');
  });

  it('refuses everything else, whatever its name says', async () => {
    expect(sniffAudio(await makeJpeg())).toBeUndefined();
    expect(sniffAudio(Buffer.from('%PDF-1.7 not audio'))).toBeUndefined();
    expect(sniffAudio(Buffer.from('1a45dfa3a342828681', 'hex'))).toBeUndefined(); // EBML, but not Matroska/WebM
    expect(sniffAudio(Buffer.alloc(0))).toBeUndefined();
    expect(sniffAudio(Buffer.from([0xff, 0xfd, 0x90, 0x00]))).toBeUndefined(); // MPEG Layer II, not MP3
  });
});

describe('WAV', () => {
  it('reads format and duration from the header', () => {
    const wav = toneWav(1.5, 16000);
    expect(parseWav(wav)).toMatchObject({ format: 1, channels: 1, sampleRate: 16000, bitsPerSample: 16, durationMs: 1500 });
    expect(measureAudio('wav', wav)).toEqual({ durationMs: 1500 });
    expect(isPlainPcmWav(wav)).toBe(true);
    const level = pcm16Level(wav);
    expect(level.rms).toBeCloseTo(0.5 / Math.SQRT2, 2);
    expect(level.activeShare).toBe(1);
  });

  it('uses the bytes really there when the header claims more, or streams with no size', () => {
    const wav = toneWav(1, 8000);
    expect(measureAudio('wav', wav.subarray(0, 44 + 8000)).durationMs).toBe(500);
    const streaming = Buffer.from(wav);
    streaming.writeUInt32LE(0xffffffff, 40);
    expect(measureAudio('wav', streaming).durationMs).toBe(1000);
  });

  it('refuses broken files', () => {
    const broken = (mutate: (b: Buffer) => void) => {
      const wav = Buffer.from(toneWav(0.1));
      mutate(wav);
      return () => measureAudio('wav', wav);
    };
    expect(() => measureAudio('wav', toneWav(0.1).subarray(0, 40))).toThrow(InvalidAudio);
    expect(broken((b) => b.writeUInt16LE(2, 20))).toThrow(/encoding 2/); // ADPCM
    expect(broken((b) => b.writeUInt32LE(1, 24))).toThrow(/sample rate/);
    expect(broken((b) => b.writeUInt32LE(12345, 28))).toThrow(/byte rate/);
    expect(broken((b) => b.write('junk', 36, 'latin1'))).toThrow(/no data/);
  });
});

describe('MP3', () => {
  it('counts frames for the duration', () => {
    // 40 frames × 1152 samples at 44.1 kHz
    expect(scanMp3(craftedMp3(40))).toEqual({ durationMs: 1045, frames: 40, sampleRate: 44100 });
    expect(scanMp3(craftedMp3(2)).durationMs).toBe(52); // a file shorter than three frames is fine when whole
    expect(scanMp3(Buffer.concat([craftedMp3(10), Buffer.from(`TAG${'x'.repeat(125)}`)])).frames).toBe(10); // ID3v1 at the end
  });

  it('refuses a tag without audio, noise, and files that are mostly not frames', () => {
    expect(() => scanMp3(craftedMp3(0))).toThrow(/only a tag/);
    expect(() => scanMp3(Buffer.concat([Buffer.from('ID3\x04\0\0\0\0\0\0', 'latin1'), Buffer.alloc(5000, 7)]))).toThrow(/no run of valid frames/);
    expect(() => scanMp3(Buffer.concat([craftedMp3(3), Buffer.alloc(5000, 7)]))).toThrow(/most of the file/);
    const cut = craftedMp3(2);
    expect(() => scanMp3(cut.subarray(0, cut.length - 100))).toThrow(InvalidAudio);
  });

  it('measures an encoder’s MP3 exactly, less its Info frame and padding', () => {
    const mp3 = encodedTone('mp3', 2);
    expect(sniffAudio(mp3)).toBe('mp3');
    expect(scanMp3(mp3).durationMs).toBe(2000);
  });
});
