import { afterAll, describe, expect, it } from 'vitest';
import { parseWav, pcm16Level } from '../media/wav.js';
import { EspeakNgEngine } from './espeak-ng-engine.js';
import { normalizeTtsText, TtsError, ttsTextProblem } from './tts-engine.js';

const WARNING = '您已进入危险水域，请尽快撤离。';

const engine = new EspeakNgEngine({ concurrency: 1 });
afterAll(async () => engine.close());

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => (error instanceof TtsError ? { problem: error.problem, field: error.field } : error),
  );

describe('espeak-ng (WebAssembly) speaks Mandarin', () => {
  it('makes a real WAV of the warning: 22 kHz 16-bit mono, seconds long, not silent', async () => {
    const { wav, durationMs } = await engine.synthesize(WARNING, { voice: 'cmn' });
    const info = parseWav(wav);
    expect(info).toMatchObject({ format: 1, channels: 1, sampleRate: 22050, bitsPerSample: 16 });
    expect(durationMs).toBe(info.durationMs);
    // 15 characters spoken at a normal pace with pauses at the commas: about 4 s.
    expect(durationMs).toBeGreaterThan(2500);
    expect(durationMs).toBeLessThan(7000);
    const level = pcm16Level(wav);
    expect(level.rms).toBeGreaterThan(0.05); // about −19 dBFS measured; silence would be 0
    expect(level.peak).toBeGreaterThan(0.3);
    expect(level.activeShare).toBeGreaterThan(0.6); // speech in most 50 ms windows, not one click
  });

  it('takes time in proportion to the text, and follows the rate', async () => {
    const once = (await engine.synthesize(WARNING, { voice: 'cmn' })).durationMs;
    const thrice = (await engine.synthesize(WARNING.repeat(3), { voice: 'cmn' })).durationMs;
    expect(thrice / once).toBeGreaterThan(2.4);
    expect(thrice / once).toBeLessThan(3.6);
    const fast = (await engine.synthesize(WARNING, { voice: 'cmn', rate: 2 })).durationMs;
    const slow = (await engine.synthesize(WARNING, { voice: 'cmn', rate: 0.5 })).durationMs;
    expect(fast).toBeLessThan(once * 0.75);
    expect(slow).toBeGreaterThan(once * 1.5);
  });

  it('reads the text from a file, so a text that looks like an option is spoken, not obeyed', async () => {
    const { durationMs } = await engine.synthesize('-v en --help 请注意', { voice: 'cmn' });
    expect(durationMs).toBeGreaterThan(500);
  });

  it('refuses empty, overlong and unspeakable text, unknown voices and options out of range', async () => {
    expect(await failure(engine.synthesize('  \n ', { voice: 'cmn' }))).toEqual({ problem: 'invalid', field: 'text' });
    expect(await failure(engine.synthesize('字'.repeat(1001), { voice: 'cmn' }))).toEqual({ problem: 'invalid', field: 'text' });
    expect(await failure(engine.synthesize('。，！', { voice: 'cmn' }))).toEqual({ problem: 'invalid', field: 'text' });
    expect(await failure(engine.synthesize('你好\u0000', { voice: 'cmn' }))).toEqual({ problem: 'invalid', field: 'text' });
    expect(await failure(engine.synthesize('你好', { voice: 'klingon' }))).toEqual({ problem: 'invalid', field: 'voice' });
    expect(await failure(engine.synthesize('你好', { voice: 'cmn', rate: 3 }))).toEqual({ problem: 'invalid', field: 'rate' });
    expect(await failure(engine.synthesize('你好', { voice: 'cmn', pitch: 50.5 }))).toEqual({ problem: 'invalid', field: 'pitch' });
    // 1000 characters, Chinese punctuation included, are fine.
    expect(ttsTextProblem(`${'请注意，'.repeat(249)}防火！`)).toBeUndefined();
  });

  it('runs at most `concurrency` syntheses at once; the rest wait in the queue', async () => {
    const pending = ['一', '二', '三', '四'].map((text) => engine.synthesize(text, { voice: 'cmn' }));
    expect(engine.stats()).toEqual({ workers: 1, busy: 1, queued: 3 });
    const results = await Promise.all(pending);
    expect(results.every((r) => r.durationMs > 100)).toBe(true);
    expect(engine.stats()).toMatchObject({ busy: 0, queued: 0 });
  });

  it('refuses work beyond its queue, and abandons a synthesis that overruns', async () => {
    const small = new EspeakNgEngine({ concurrency: 1, maxQueue: 1 });
    try {
      const first = small.synthesize('一', { voice: 'cmn' });
      const second = small.synthesize('二', { voice: 'cmn' });
      expect(await failure(small.synthesize('三', { voice: 'cmn' }))).toEqual({ problem: 'busy', field: undefined });
      await Promise.all([first, second]);
    } finally {
      await small.close();
    }
    const hasty = new EspeakNgEngine({ timeoutMs: 1 });
    try {
      expect(await failure(hasty.synthesize(WARNING, { voice: 'cmn' }))).toEqual({ problem: 'timeout', field: undefined });
      expect(hasty.stats().workers).toBe(0);
    } finally {
      await hasty.close();
    }
  });

  it('speaks Cantonese and English too', async () => {
    for (const voice of ['yue', 'en-us']) {
      const { wav } = await engine.synthesize(voice === 'yue' ? '請注意安全' : 'Please leave the water now.', { voice });
      expect(pcm16Level(wav).rms).toBeGreaterThan(0.03);
    }
  });
});

describe('the text as spoken and cached', () => {
  it('is NFC with whitespace collapsed and invisible format characters removed', () => {
    expect(normalizeTtsText('  请\u200b注意\r\n\t安全  ')).toBe('请注意 安全');
    expect(normalizeTtsText('\ufeff你好')).toBe('你好');
    expect(normalizeTtsText('e\u0301')).toBe('\u00e9');
  });
});
