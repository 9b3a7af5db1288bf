import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { craftedMp3, encodedTone, ffmpeg, toneWav } from '../../../test/support/audio.js';
import { makeJpeg } from '../../../test/support/images.js';
import { multipartBody, type FormPart } from '../../../test/support/multipart.js';
import { createTestApp, TEST_SECRET, type TestApp } from '../../../test/support/test-app.js';
import { LocalBlobStore } from '../../platform/blobs/local-blob-store.js';
import { systemClock } from '../../platform/clock.js';
import { parseWav, pcm16Level } from '../../platform/media/wav.js';
import type { Actor } from '../../platform/request-context.js';
import { UrlSigner } from '../../platform/signing.js';
import { EspeakNgEngine } from '../../platform/tts/espeak-ng-engine.js';
import type { TtsEngine, TtsOptions } from '../../platform/tts/tts-engine.js';
import { sniffAudio } from './audio-formats.js';
import { AudioRepository } from './audio.repository.js';
import { AudioService, defaultAudioSettings } from './audio.service.js';

const WARNING = '您已进入危险水域，请尽快撤离。';
const MAX_BYTES = 300_000;
const TOWNSHIP = '/130631/130631202/';
const VILLAGE = '/130631/130631202/130631202206/'; // 西阳邱村, the demo cadres' village
const OTHER_TOWNSHIP = '/130631/130631203/';

let t: TestApp;
let dataDir: string;
let staff: string;
let cadre: string;
let secretary: string;
let villager: string;
let admin: string;
let staffActor: Actor;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'shuxiang-audio-'));
  t = await createTestApp({ env: { SHUXIANG_DATA_DIR: dataDir, AUDIO_MAX_BYTES: String(MAX_BYTES) } });
  staff = await t.tokenFor('township_staff');
  cadre = await t.tokenFor('village_cadre');
  secretary = await t.tokenFor('branch_secretary');
  villager = await t.tokenFor('villager');
  admin = await t.tokenFor('admin');
  staffActor = (await t.services.accounts.authenticate(staff))!.actor;
});
afterAll(async () => {
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** An engine that counts its syntheses, around a real one. */
class CountingEngine implements TtsEngine {
  calls = 0;
  constructor(private readonly inner: TtsEngine) {}
  get id() {
    return this.inner.id;
  }
  get voices() {
    return this.inner.voices;
  }
  get defaultVoice() {
    return this.inner.defaultVoice;
  }
  async synthesize(text: string, options: TtsOptions) {
    this.calls++;
    return this.inner.synthesize(text, options);
  }
  async close() {}
}

const sharedEngine = new EspeakNgEngine({ concurrency: 2 });
afterAll(async () => sharedEngine.close());

/** A second audio service on the test database, as another process would have: its own engine counter. */
function serviceWithCounter(options: { ffmpeg?: null } = {}): { audio: AudioService; engine: CountingEngine } {
  const engine = new CountingEngine(sharedEngine);
  const audio = new AudioService({
    db: t.db,
    repository: new AudioRepository(t.db),
    blobs: new LocalBlobStore(path.join(dataDir, 'blobs')),
    signer: new UrlSigner(TEST_SECRET, systemClock, 60),
    tts: engine,
    audit: t.services.audit,
    clock: systemClock,
    logger: pino({ level: 'silent' }),
    settings: defaultAudioSettings,
    ...options,
  });
  return { audio, engine };
}

const speak = (token: string | undefined, payload: object) => t.request({ method: 'POST', url: '/api/audio/tts', token, payload });
const upload = (token: string | undefined, parts: FormPart[]) => t.request({ method: 'POST', url: '/api/audio', token, ...multipartBody(parts) });
const audioFile = (data: Buffer, name = 'a.bin', type = 'application/octet-stream'): FormPart => ({ field: 'audio', filename: name, contentType: type, data });
const fetchFile = (url: string, headers: Record<string, string> = {}) => t.request({ method: 'GET', url, headers });

const clipRows = async () => Number((await t.db.selectFrom('audio_clips').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
function blobFiles(): string[] {
  try {
    return readdirSync(path.join(dataDir, 'blobs', 'audio'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.join(e.parentPath, e.name));
  } catch {
    return [];
  }
}

/** Runs `fn` and checks it stored nothing: no row, no file. */
async function storesNothing(fn: () => Promise<void>) {
  const rows = await clipRows();
  const files = blobFiles().length;
  await fn();
  expect(await clipRows()).toBe(rows);
  expect(blobFiles().length).toBe(files);
}

describe('speech from text (POST /api/audio/tts)', () => {
  let warning: { id: string; url: string; durationMs: number; bytes: number };

  it('speaks the warning as a real WAV: right header, seconds long, not silent', async () => {
    const res = await speak(staff, { text: WARNING });
    expect(res.statusCode, res.body).toBe(201);
    warning = res.json();
    expect(res.json()).toMatchObject({ kind: 'tts', text: WARNING, voice: 'cmn', contentType: 'audio/wav', sourceContentType: null, createdBy: staffActor.userId });
    const file = await fetchFile(warning.url);
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('audio/wav');
    expect(file.headers['accept-ranges']).toBe('bytes');
    expect(file.rawPayload.length).toBe(warning.bytes);
    const info = parseWav(file.rawPayload);
    expect(info).toMatchObject({ format: 1, sampleRate: 22050, channels: 1, bitsPerSample: 16, durationMs: warning.durationMs });
    expect(warning.durationMs).toBeGreaterThan(2500);
    expect(warning.durationMs).toBeLessThan(7000);
    const level = pcm16Level(file.rawPayload);
    expect(level.rms).toBeGreaterThan(0.05);
    expect(level.activeShare).toBeGreaterThan(0.6);
  });

  it('serves the same text again from the cache (200, the same clip), with defaults spelt out or not', async () => {
    const again = await speak(cadre, { text: ` ${WARNING}\r\n`, voice: 'cmn', rate: 1, pitch: 50 });
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(warning.id);
    const rows = await t.db.selectFrom('audio_clips').select('id').where('kind', '=', 'tts').where('text', '=', WARNING).execute();
    expect(rows).toHaveLength(1);
    // Another rate is another sound, another clip.
    const faster = await speak(staff, { text: WARNING, rate: 1.25 });
    expect(faster.statusCode).toBe(201);
    expect(faster.json().id).not.toBe(warning.id);
    expect(faster.json().durationMs).toBeLessThan(warning.durationMs);
  });

  it('does not synthesise a cached text again', async () => {
    const { audio, engine } = serviceWithCounter();
    const text = '请注意：今天下午三点停电检修。';
    const first = await audio.speak(text);
    expect(engine.calls).toBe(1);
    const second = await audio.speak(text, 'cmn');
    expect(second.id).toBe(first.id);
    expect(engine.calls).toBe(1);
    await audio.speak(text, 'cmn', { pitch: 70 });
    expect(engine.calls).toBe(2);
  });

  it('makes one clip of many identical requests at once (one synthesis in a process, one row across processes)', async () => {
    const text = `村委会通知：${randomUUID().slice(0, 8)}号文件已下发。`;
    const responses = await Promise.all(Array.from({ length: 6 }, () => speak(staff, { text })));
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect(new Set(responses.map((r) => r.json().id)).size).toBe(1);

    const { audio, engine } = serviceWithCounter();
    const text2 = '防汛期间请勿靠近河道。';
    const clips = await Promise.all(Array.from({ length: 6 }, () => audio.speak(text2)));
    expect(new Set(clips.map((c) => c.id)).size).toBe(1);
    expect(engine.calls).toBe(1);

    // Two processes racing: each may synthesise, but the unique cache key keeps one clip.
    const a = serviceWithCounter();
    const b = serviceWithCounter();
    const text3 = '秸秆禁烧，人人有责。';
    const [x, y] = await Promise.all([a.audio.speak(text3), b.audio.speak(text3)]);
    expect(x.id).toBe(y.id);
    const rows = await t.db.selectFrom('audio_clips').select('id').where('text', 'in', [text, text2, text3]).execute();
    expect(rows).toHaveLength(3);
  });

  it('explains what is wrong with the text or the options', async () => {
    const problem = async (payload: object) => {
      const res = await speak(staff, payload);
      expect(res.statusCode, res.body).toBe(400);
      return res.json().details.map((d: { field: string }) => d.field);
    };
    expect(await problem({ text: '   ' })).toEqual(['body.text']);
    expect(await problem({ text: '字'.repeat(1001) })).toEqual(['body.text']);
    expect(await problem({ text: '……！！' })).toEqual(['body.text']);
    expect(await problem({ text: '你好', voice: 'robot' })).toEqual(['body.voice']);
    expect(await problem({ text: '你好', rate: 5, pitch: -1 })).toEqual(['body.rate', 'body.pitch']);
    expect(await problem({ text: '你好', speed: 2 })).toEqual(['body']);
    expect(await problem({})).toEqual(['body.text']);
    const message = (await speak(staff, { text: '字'.repeat(1001) })).json().details[0];
    expect(message).toMatchObject({ message: '文字最多 1000 字（现有 1001 字）', messageEn: 'at most 1000 characters (got 1001)' });
  });

  it('is for those who broadcast: township staff, village cadres, branch secretaries (and the county admin)', async () => {
    expect((await speak(secretary, { text: '请注意安全。' })).statusCode).toBe(201);
    expect((await speak(admin, { text: '请注意安全。' })).statusCode).toBe(200);
    expect((await speak(villager, { text: '请注意安全。' })).statusCode).toBe(403);
    expect((await speak(await t.tokenFor('grid_worker'), { text: '请注意安全。' })).statusCode).toBe(403);
    expect((await speak(undefined, { text: '请注意安全。' })).statusCode).toBe(401);
  });
});

describe('reading clips by id (GET /api/audio/:id), by region', () => {
  const read = (token: string, id: string) => t.request({ method: 'GET', url: `/api/audio/${id}`, token });

  it('shows a clip in the caller’s region and above it, not beside it', async () => {
    const township = (await speak(staff, { text: '全乡各村：明天上午开会。' })).json().id as string;
    const village = (await speak(cadre, { text: '西阳邱村：明天发放补贴。' })).json().id as string;
    const { audio } = serviceWithCounter();
    const elsewhere = (await audio.speak('固店镇通知。', 'cmn', { owner: { userId: null, regionPath: OTHER_TOWNSHIP } })).id;
    expect((await read(staff, township)).statusCode).toBe(200);
    expect((await read(cadre, township)).statusCode).toBe(200); // the township's announcement, for its villages
    expect((await read(staff, village)).statusCode).toBe(200);
    expect((await read(admin, village)).statusCode).toBe(200);
    expect((await read(staff, elsewhere)).statusCode).toBe(404);
    expect((await read(cadre, elsewhere)).statusCode).toBe(404);
    expect((await read(admin, elsewhere)).statusCode).toBe(200);
    expect((await read(villager, village)).statusCode).toBe(403);
    expect((await read(staff, randomUUID())).json().code).toBe('AUDIO_NOT_FOUND');
    const view = (await read(cadre, township)).json();
    expect(view.url).toMatch(new RegExp(`^/api/audio/${township}/file\\?exp=\\d+&sig=`));
    expect((await fetchFile(view.url)).statusCode).toBe(200);
  });

  it('moves a cached clip up to the region above both when another region asks for the same text', async () => {
    const { audio } = serviceWithCounter();
    const text = '冬季防火，请勿焚烧秸秆。';
    const first = await audio.speak(text, 'cmn', { owner: { userId: null, regionPath: OTHER_TOWNSHIP } });
    expect(first.regionPath).toBe(OTHER_TOWNSHIP);
    const res = await speak(cadre, { text });
    expect(res.statusCode).toBe(200);
    expect(res.json().id).toBe(first.id);
    expect((await audio.get(first.id))!.regionPath).toBe('/130631/');
    expect((await read(cadre, first.id)).statusCode).toBe(200);
    // Clips the platform makes itself (no owner) are readable everywhere.
    const platform = await audio.speak('系统测试。');
    expect(platform.regionPath).toBe('/');
    expect((await read(cadre, platform.id)).statusCode).toBe(200);
    expect(TOWNSHIP).toBe(staffActor.scope.path);
    expect(VILLAGE.startsWith(TOWNSHIP)).toBe(true);
  });
});

describe('the service API for broadcasting', () => {
  it('speaks, finds and signs URLs that devices fetch', async () => {
    const audio = t.services.audio;
    const clip = await audio.speak(WARNING, 'cmn');
    expect(clip).toMatchObject({ kind: 'tts', contentType: 'audio/wav', text: WARNING });
    expect(await audio.get(clip.id)).toEqual(clip);
    expect(await audio.get(randomUUID())).toBeUndefined();
    expect(await audio.get('not-an-id')).toBeUndefined();

    const before = Date.now();
    const signed = await audio.signedUrl(clip.id, 900, 'http://192.168.1.10:8080/');
    expect(signed.url).toMatch(new RegExp(`^http://192\\.168\\.1\\.10:8080/api/audio/${clip.id}/file\\?exp=\\d+&sig=[A-Za-z0-9_-]{43}$`));
    const seconds = (signed.expiresAt.getTime() - before) / 1000;
    expect(seconds).toBeGreaterThanOrEqual(899);
    expect(seconds).toBeLessThan(961);
    const url = new URL(signed.url);
    const file = await fetchFile(url.pathname + url.search);
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.length).toBe(clip.bytes);
    expect((await audio.signedUrl(clip.id)).url.startsWith('/api/audio/')).toBe(true);
    await expect(audio.signedUrl(randomUUID(), 60)).rejects.toMatchObject({ code: 'AUDIO_NOT_FOUND' });
    await expect(audio.signedUrl(clip.id, 0)).rejects.toThrow(RangeError);
    await expect(audio.signedUrl(clip.id, 60, 'ftp://x')).rejects.toThrow(RangeError);
    await expect(audio.speak('')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('uploads (POST /api/audio)', () => {
  const uploaded = async (parts: FormPart[], token = cadre) => {
    const res = await upload(token, parts);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; url: string; kind: string; text: string | null; contentType: string; sourceContentType: string | null; durationMs: number | null; bytes: number };
  };

  it('keeps a WAV as it is, its duration read from the header', async () => {
    const wav = toneWav(2.5);
    const clip = await uploaded([audioFile(wav, 'notice.wav', 'audio/wav'), { field: 'text', data: '通知录音' }]);
    expect(clip).toMatchObject({ kind: 'upload', text: '通知录音', contentType: 'audio/wav', sourceContentType: null, durationMs: 2500, bytes: wav.length });
    expect((await fetchFile(clip.url)).rawPayload.equals(wav)).toBe(true);
  });

  it('keeps an MP3 as it is, its duration from its frames (whatever name and type the browser gave)', async () => {
    const mp3 = craftedMp3(40);
    const clip = await uploaded([audioFile(mp3, 'x.wav', 'audio/wav')]);
    expect(clip).toMatchObject({ contentType: 'audio/mpeg', durationMs: 1045, bytes: mp3.length });
    const file = await fetchFile(clip.url);
    expect(file.headers['content-type']).toBe('audio/mpeg');
    expect(file.rawPayload.equals(mp3)).toBe(true);
  });

  it('measures an encoder’s MP3 exactly', async () => {
    expect((await uploaded([audioFile(encodedTone('mp3', 2), 'a.mp3', 'audio/mpeg')])).durationMs).toBe(2000);
  });

  it('turns browser recordings (WebM/Opus, Ogg/Opus, MP4/AAC) into MP3 for the speakers', async () => {
    for (const [format, type] of [
      ['webm', 'audio/webm'],
      ['ogg', 'audio/ogg'],
      ['m4a', 'audio/mp4'],
    ] as const) {
      const clip = await uploaded([{ field: 'kind', data: 'recording' }, audioFile(encodedTone(format, 1.5), `rec.${format}`, `${type};codecs=opus`)]);
      expect(clip, format).toMatchObject({ kind: 'recording', contentType: 'audio/mpeg', sourceContentType: type });
      expect(Math.abs(clip.durationMs! - 1500), format).toBeLessThan(30);
      const file = await fetchFile(clip.url);
      expect(sniffAudio(file.rawPayload)).toBe('mp3');
    }
    // A WAV in an encoding small speakers may not play (32-bit float) becomes MP3 too.
    const float = await uploaded([audioFile(encodedTone('wav-float', 1), 'f.wav')]);
    expect(float).toMatchObject({ contentType: 'audio/mpeg', sourceContentType: 'audio/wav' });
  });

  it('keeps browser formats as they are when the server has no ffmpeg', async () => {
    const { audio: noFfmpeg } = serviceWithCounter({ ffmpeg: null });
    const webm = Buffer.concat([Buffer.from('1a45dfa3a3428286810142f7810142f2810442f381084282847765626d', 'hex'), Buffer.alloc(1000, 1)]);
    const clip = await noFfmpeg.upload(staffActor, { requestId: null, ip: null }, { filename: 'r.webm', data: webm }, { kind: 'recording' });
    expect(clip).toMatchObject({ contentType: 'audio/webm', sourceContentType: null, durationMs: null });
  });

  it('refuses what is not audio (415) and audio that is broken (400), storing nothing', async () => {
    await storesNothing(async () => {
      for (const data of [await makeJpeg(), Buffer.from('hello, not audio'), Buffer.from('%PDF-1.4')]) {
        const res = await upload(cadre, [audioFile(data, 'a.mp3', 'audio/mpeg')]);
        expect(res.statusCode).toBe(415);
        expect(res.json().code).toBe('UNSUPPORTED_AUDIO');
      }
      const broken = [toneWav(1).subarray(0, 30), Buffer.concat([Buffer.from('ID3\x04\0\0\0\0\0\0', 'latin1'), Buffer.alloc(3000, 9)])];
      if (ffmpeg) broken.push(Buffer.concat([Buffer.from('1a45dfa3a3428286810142f7810142f2810442f381084282847765626d', 'hex'), Buffer.alloc(3000, 9)]));
      for (const data of broken) {
        const res = await upload(cadre, [audioFile(data)]);
        expect(res.statusCode, res.body).toBe(400);
        expect(res.json().code).toBe('INVALID_AUDIO');
      }
    });
  });

  it(`takes files up to AUDIO_MAX_BYTES whole and refuses larger ones (413), never storing them cut short`, async () => {
    const exactly = toneWav((MAX_BYTES - 44) / 2 / 16000);
    expect(exactly.length).toBe(MAX_BYTES);
    expect((await uploaded([audioFile(exactly)])).bytes).toBe(MAX_BYTES);
    await storesNothing(async () => {
      for (const size of [MAX_BYTES + 1, 2 * 1024 * 1024]) {
        const wav = Buffer.concat([toneWav(1), Buffer.alloc(size - toneWav(1).length)]);
        const res = await upload(cadre, [audioFile(wav)]);
        expect(res.statusCode).toBe(413);
        expect(res.json().code).toBe('AUDIO_TOO_LARGE');
      }
    });
  });

  it('needs multipart with one file in the field "audio" and known fields only', async () => {
    await storesNothing(async () => {
      const json = await t.request({ method: 'POST', url: '/api/audio', token: cadre, payload: { audio: 'x' } });
      expect(json.statusCode).toBe(415);
      const cases: [FormPart[], string][] = [
        [[{ field: 'text', data: '只有文字' }], 'body.audio'],
        [[{ ...audioFile(toneWav(0.2)), field: 'file' }], 'body.file'],
        [[audioFile(toneWav(0.2)), audioFile(toneWav(0.2))], 'body.audio'],
        [[{ field: 'kind', data: 'music' }, audioFile(toneWav(0.2))], 'body.kind'],
        [[{ field: 'title', data: 'x' }, audioFile(toneWav(0.2))], 'body.title'],
        [[{ field: 'audio', data: 'not a file' }], 'body.audio'],
      ];
      for (const [parts, field] of cases) {
        const res = await upload(cadre, parts);
        expect(res.statusCode, field).toBe(400);
        expect(res.json().details.map((d: { field: string }) => d.field), field).toContain(field);
      }
    });
  });

  it('is refused to those who do not broadcast, before the file is read', async () => {
    await storesNothing(async () => {
      expect((await upload(villager, [audioFile(toneWav(0.2))])).statusCode).toBe(403);
      expect((await upload(await t.tokenFor('grid_worker'), [audioFile(toneWav(0.2))])).statusCode).toBe(403);
      expect((await upload(undefined, [audioFile(toneWav(0.2))])).statusCode).toBe(401);
    });
  });

  it('records who uploaded what in the audit trail', async () => {
    const clip = await uploaded([{ field: 'kind', data: 'recording' }, audioFile(toneWav(0.3))], secretary);
    const events = await t.db.selectFrom('audit_events').select(['action', 'target_id']).where('target_id', '=', clip.id).execute();
    expect(events).toEqual([{ action: 'audio.recording', target_id: clip.id }]);
  });
});

describe('audio files by signed URL (GET /api/audio/:id/file)', () => {
  let clip: { id: string; url: string; bytes: number };
  let whole: Buffer;
  beforeAll(async () => {
    clip = (await speak(staff, { text: '请各位村民注意收听。' })).json();
    whole = (await fetchFile(clip.url)).rawPayload;
  });

  it('serve the file without a login, with its type, length and caching headers, and to HEAD', async () => {
    const res = await fetchFile(clip.url);
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({ 'content-type': 'audio/wav', 'content-length': String(clip.bytes), 'accept-ranges': 'bytes', etag: `"${clip.id}"` });
    expect(res.headers['cache-control']).toMatch(/^private, max-age=\d+, immutable$/);
    const head = await t.request({ method: 'HEAD', url: clip.url });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-length']).toBe(String(clip.bytes));
    expect(head.rawPayload.length).toBe(0);
  });

  it('serve byte ranges (206), so devices can stream and resume', async () => {
    const first = await fetchFile(clip.url, { range: 'bytes=0-43' });
    expect(first.statusCode).toBe(206);
    expect(first.headers['content-range']).toBe(`bytes 0-43/${clip.bytes}`);
    expect(first.headers['content-length']).toBe('44');
    expect(first.rawPayload.equals(whole.subarray(0, 44))).toBe(true);
    const tail = await fetchFile(clip.url, { range: 'bytes=-100' });
    expect(tail.statusCode).toBe(206);
    expect(tail.rawPayload.equals(whole.subarray(clip.bytes - 100))).toBe(true);
    const rest = await fetchFile(clip.url, { range: `bytes=1000-` });
    expect(rest.headers['content-range']).toBe(`bytes 1000-${clip.bytes - 1}/${clip.bytes}`);
    expect(rest.rawPayload.equals(whole.subarray(1000))).toBe(true);
    const past = await fetchFile(clip.url, { range: `bytes=${clip.bytes}-` });
    expect(past.statusCode).toBe(416);
    expect(past.headers['content-range']).toBe(`bytes */${clip.bytes}`);
    expect(past.json().code).toBe('RANGE_NOT_SATISFIABLE');
    // Ranges that are not understood, or asked of another version (If-Range), get the whole file.
    expect((await fetchFile(clip.url, { range: 'bytes=0-1,5-9' })).statusCode).toBe(200);
    expect((await fetchFile(clip.url, { range: 'bytes=0-9', 'if-range': '"other"' })).statusCode).toBe(200);
    expect((await fetchFile(clip.url, { range: 'bytes=0-9', 'if-range': `"${clip.id}"` })).statusCode).toBe(206);
  });

  it('refuse expired, tampered, borrowed and missing signatures', async () => {
    const past = new UrlSigner(TEST_SECRET, { now: () => new Date(Date.now() - 2 * 3_600_000) });
    const expired = await fetchFile(past.sign(`/api/audio/${clip.id}/file`, 900).url);
    expect(expired.statusCode).toBe(403);
    expect(expired.json().code).toBe('SIGNED_URL_EXPIRED');
    const tampered = new URL(clip.url, 'http://x');
    const sig = tampered.searchParams.get('sig')!;
    tampered.searchParams.set('sig', `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`);
    expect((await fetchFile(tampered.pathname + tampered.search)).json().code).toBe('SIGNED_URL_INVALID');
    const longer = new URL(clip.url, 'http://x');
    longer.searchParams.set('exp', String(Number(longer.searchParams.get('exp')) + 86_400));
    expect((await fetchFile(longer.pathname + longer.search)).json().code).toBe('SIGNED_URL_INVALID');
    const other = (await speak(staff, { text: '另一段广播。' })).json().id as string;
    expect((await fetchFile(`/api/audio/${other}/file${new URL(clip.url, 'http://x').search}`)).statusCode).toBe(403);
    expect((await fetchFile(`/api/audio/${clip.id}/file`)).statusCode).toBe(403);
    const signer = new UrlSigner(TEST_SECRET, systemClock);
    const gone = await fetchFile(signer.sign(`/api/audio/${randomUUID()}/file`, 60).url);
    expect(gone.statusCode).toBe(404);
    expect(gone.json().code).toBe('AUDIO_NOT_FOUND');
    expect((await fetchFile('/api/audio/not-a-uuid/file?exp=1&sig=x')).statusCode).toBe(400);
  });
});
