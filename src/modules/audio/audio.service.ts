import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { BlobStore } from '../../platform/blobs/blob-store.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { AudioClipRow, NewAudioClipRow } from '../../platform/db/schema.js';
import { AppError, fieldError } from '../../platform/http/errors.js';
import { FfmpegFailed, locateFfmpeg, transcodeToMp3 } from '../../platform/media/ffmpeg.js';
import type { Actor, RequestMeta } from '../../platform/request-context.js';
import type { UrlSigner } from '../../platform/signing.js';
import { checkTtsInput, normalizeTtsText, TtsError, type TtsEngine } from '../../platform/tts/tts-engine.js';
import { requirePermission } from '../accounts/policies.js';
import type { AuditService } from '../audit/audit.service.js';
import { type AudioFormat, formats, InvalidAudio, isPlainPcmWav, measureAudio, scanMp3, sniffAudio } from './audio-formats.js';
import type { AudioRepository } from './audio.repository.js';
import type { AudioClipView, TtsBody, UploadFields } from './audio.schema.js';

/** A clip as other modules see it (the broadcasting module plays these). */
export interface AudioClip {
  id: string;
  kind: AudioClipRow['kind'];
  text: string | null;
  voice: string | null;
  contentType: string;
  bytes: number;
  durationMs: number | null;
  regionPath: string;
  createdBy: string | null;
  createdAt: Date;
}

/** Whose a clip is: the person who made it and their region, or the platform itself. */
export interface ClipOwner {
  userId: string | null;
  regionPath: string;
}

/** Clips the platform makes on its own (an alarm's spoken warning): readable in every region. */
export const PLATFORM_OWNER: ClipOwner = { userId: null, regionPath: '/' };

export interface AudioSettings {
  /** Largest accepted upload, in bytes. */
  maxBytes: number;
  /** How long the URLs in API answers stay valid; devices get theirs from `signedUrl`. */
  urlTtlSeconds: number;
  /** Most new clips (uploads and texts not spoken before) one person may make in 24 hours. */
  maxNewPerDay: number;
}

export const defaultAudioSettings: AudioSettings = { maxBytes: 20 * 1024 * 1024, urlTtlSeconds: 15 * 60, maxNewPerDay: 300 };

export interface AudioDeps {
  db: Db;
  repository: AudioRepository;
  blobs: BlobStore;
  signer: UrlSigner;
  tts: TtsEngine;
  audit: AuditService;
  clock: Clock;
  logger: Logger;
  /** The ffmpeg binary; undefined: FFMPEG_PATH or the npm package's, found on first use; null: none (keep browser formats). */
  ffmpeg?: string | null;
  /** FFMPEG_PATH, when the deployment names one. */
  ffmpegPath?: string;
  settings?: AudioSettings;
}

/** One uploaded file, read whole (it is at most `maxBytes`). */
export interface IncomingAudio {
  filename: string;
  data: Buffer;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY_MS = 86_400_000;
export const audioFilePath = (id: string) => `/api/audio/${id}/file`;

const megabytes = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;

export function audioTooLarge(maxBytes: number): AppError {
  return new AppError('AUDIO_TOO_LARGE', { detail: { zh: `不能超过 ${megabytes(maxBytes)}`, en: `at most ${megabytes(maxBytes)}` } });
}

/** Whether a clip made at `clipPath` may be read from `scopePath`: in its subtree, or above it. */
export const readableFrom = (clipPath: string, scopePath: string) => clipPath.startsWith(scopePath) || scopePath.startsWith(clipPath);

/** The deepest region path above both, '/' when they share none. */
export function commonAncestor(a: string, b: string): string {
  const x = a.split('/').filter(Boolean);
  const y = b.split('/').filter(Boolean);
  const shared: string[] = [];
  for (let i = 0; i < Math.min(x.length, y.length) && x[i] === y[i]; i++) shared.push(x[i]!);
  return shared.length ? `/${shared.join('/')}/` : '/';
}

/**
 * 云播 audio: speech synthesised from text (cached: a text is spoken once per engine, voice,
 * rate and pitch), uploaded files and browser recordings (converted to MP3 with ffmpeg), served
 * by short-lived signed URLs that devices can stream from.
 */
export class AudioService {
  readonly settings: AudioSettings;
  private readonly inflight = new Map<string, Promise<{ row: AudioClipRow; created: boolean }>>();
  private ffmpeg: string | null | undefined;

  constructor(private readonly deps: AudioDeps) {
    this.settings = deps.settings ?? defaultAudioSettings;
    this.ffmpeg = deps.ffmpeg;
  }

  get voices(): readonly string[] {
    return this.deps.tts.voices;
  }

  // ---- for other modules ----------------------------------------------------------------------

  /**
   * Speech for `text`, made once and then served from the cache. For the broadcasting and
   * safety modules; `owner` (default: the platform) decides who may read it by id.
   * Throws AppError VALIDATION_FAILED (bad text, voice, rate, pitch), TTS_BUSY or TTS_FAILED.
   */
  async speak(text: string, voice?: string, options: { rate?: number; pitch?: number; owner?: ClipOwner } = {}): Promise<AudioClip> {
    const { row } = await this.speech({ text, voice, rate: options.rate, pitch: options.pitch }, options.owner ?? PLATFORM_OWNER);
    return toClip(row);
  }

  /** A clip by id, unscoped: the caller has checked its own rights. */
  async get(clipId: string): Promise<AudioClip | undefined> {
    if (!UUID.test(clipId)) return undefined;
    const row = await this.deps.repository.findById(clipId.toLowerCase());
    return row && toClip(row);
  }

  /**
   * A signed URL of the clip's file, valid for at least `ttlSeconds` (and under a minute more):
   * what a loudspeaker is told to fetch. With `baseUrl` (e.g. `http://192.168.1.10:8080`) the
   * URL is absolute. Throws AUDIO_NOT_FOUND.
   */
  async signedUrl(clipId: string, ttlSeconds = this.settings.urlTtlSeconds, baseUrl?: string): Promise<{ url: string; expiresAt: Date }> {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > 86_400) throw new RangeError('ttlSeconds must be 1–86400');
    const clip = await this.get(clipId);
    if (!clip) throw new AppError('AUDIO_NOT_FOUND');
    const signed = this.deps.signer.sign(audioFilePath(clip.id), ttlSeconds);
    if (baseUrl === undefined) return signed;
    const base = new URL(baseUrl);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new RangeError('baseUrl must be an http(s) URL');
    return { url: `${base.origin}${base.pathname.replace(/\/+$/, '')}${signed.url}`, expiresAt: signed.expiresAt };
  }

  async close(): Promise<void> {
    await this.deps.tts.close();
  }

  // ---- HTTP -----------------------------------------------------------------------------------

  requireCreate(actor: Actor): void {
    requirePermission(actor.role, 'audio.create');
  }

  /** POST /api/audio/tts: the clip, and whether this call made it (else it came from the cache). */
  async createSpeech(actor: Actor, meta: RequestMeta, body: TtsBody): Promise<{ clip: AudioClipView; created: boolean }> {
    this.requireCreate(actor);
    const { row, created } = await this.speech(body, { userId: actor.userId, regionPath: actor.scope.path }, { actor, meta });
    return { clip: this.toView(row), created };
  }

  /** GET /api/audio/:id: a clip made in the caller's region or above it. */
  async read(actor: Actor, id: string): Promise<AudioClipView> {
    requirePermission(actor.role, 'audio.read');
    const row = await this.deps.repository.findInScope(id, actor.scope);
    if (!row) throw new AppError('AUDIO_NOT_FOUND');
    return this.toView(row);
  }

  /**
   * POST /api/audio: checks the file by its content, converts browser formats (and unusual WAV
   * encodings) to MP3 where ffmpeg is at hand, stores it and records who did.
   */
  async upload(actor: Actor, meta: RequestMeta, file: IncomingAudio, fields: UploadFields): Promise<AudioClipView> {
    this.requireCreate(actor);
    if (file.data.length > this.settings.maxBytes) throw audioTooLarge(this.settings.maxBytes);
    await this.checkQuota(actor.userId);
    const prepared = await this.prepare(file.data);
    const now = this.deps.clock.now();
    const id = randomUUID();
    const folder = `audio/${now.getUTCFullYear()}/${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    const row: NewAudioClipRow = {
      id,
      kind: fields.kind,
      text: fields.text ?? null,
      voice: null,
      content_type: formats[prepared.format].contentType,
      source_content_type: prepared.sourceFormat ? formats[prepared.sourceFormat].contentType : null,
      bytes: prepared.data.length,
      duration_ms: prepared.durationMs,
      blob_key: `${folder}/${id}.${formats[prepared.format].extension}`,
      cache_key: null,
      region_path: actor.scope.path,
      created_by: actor.userId,
      created_at: now,
    };
    await this.deps.blobs.put(row.blob_key, prepared.data, row.content_type);
    try {
      const stored = await this.deps.db.transaction().execute(async (tx) => {
        const inserted = await this.deps.repository.insert(row, tx);
        await this.deps.audit.record(tx, actor, meta, {
          action: `audio.${fields.kind}`,
          targetType: 'audio_clip',
          targetId: id,
          regionPath: actor.scope.path,
          details: { bytes: row.bytes, durationMs: row.duration_ms, contentType: row.content_type, sourceContentType: row.source_content_type },
        });
        return inserted;
      });
      return this.toView(stored);
    } catch (error) {
      await this.deps.blobs.delete(row.blob_key).catch(() => undefined);
      throw error;
    }
  }

  /** GET /api/audio/:id/file: the bytes behind a signed URL (the signature is the permission). */
  async file(id: string, exp: string | undefined, sig: string | undefined) {
    const check = this.deps.signer.verify(audioFilePath(id), exp, sig);
    if (check === 'invalid') throw new AppError('SIGNED_URL_INVALID');
    if (check === 'expired') throw new AppError('SIGNED_URL_EXPIRED');
    const row = await this.deps.repository.findById(id);
    if (!row) throw new AppError('AUDIO_NOT_FOUND');
    const blob = await this.deps.blobs.get(row.blob_key);
    if (!blob) throw new AppError('AUDIO_NOT_FOUND');
    return { body: blob.body, contentType: row.content_type, etag: `"${row.id}"`, maxAgeSeconds: Math.min(this.deps.signer.secondsLeft(exp!), 86_400) };
  }

  toView(row: AudioClipRow): AudioClipView {
    const signed = this.deps.signer.sign(audioFilePath(row.id), this.settings.urlTtlSeconds);
    return {
      id: row.id,
      kind: row.kind,
      text: row.text,
      voice: row.voice,
      contentType: row.content_type,
      sourceContentType: row.source_content_type,
      bytes: row.bytes,
      durationMs: row.duration_ms,
      url: signed.url,
      urlExpiresAt: signed.expiresAt.toISOString(),
      createdBy: row.created_by,
      createdAt: row.created_at.toISOString(),
    };
  }

  // ---- speech ---------------------------------------------------------------------------------

  private async speech(
    input: { text: string; voice?: string; rate?: number; pitch?: number },
    owner: ClipOwner,
    by?: { actor: Actor; meta: RequestMeta },
  ): Promise<{ row: AudioClipRow; created: boolean }> {
    const text = normalizeTtsText(input.text);
    const options = { voice: input.voice ?? this.deps.tts.defaultVoice, rate: input.rate, pitch: input.pitch };
    try {
      checkTtsInput(this.deps.tts, text, options);
    } catch (error) {
      throw ttsAppError(error);
    }
    // The key names every input that changes the sound; defaults are spelt out so that "rate 1" and "no rate" share it.
    const rate = Math.round((options.rate ?? 1) * 100) / 100;
    const pitch = options.pitch ?? 50;
    const cacheKey = createHash('sha256').update(JSON.stringify([this.deps.tts.id, options.voice, rate, pitch, text])).digest('hex');

    let found = await this.deps.repository.findByCacheKey(cacheKey);
    let created = false;
    if (!found) {
      // Concurrent requests for one text in this process share one synthesis; across processes the
      // unique cache key keeps one row (the loser's identical file is the same blob key).
      let pending = this.inflight.get(cacheKey);
      const first = !pending;
      if (!pending) {
        pending = this.synthesizeAndStore(cacheKey, text, { voice: options.voice, rate, pitch }, owner, by).finally(() => this.inflight.delete(cacheKey));
        this.inflight.set(cacheKey, pending);
      }
      const result = await pending;
      found = result.row;
      created = first && result.created;
    }
    return { row: await this.shareWith(found, owner), created };
  }

  private async synthesizeAndStore(
    cacheKey: string,
    text: string,
    options: { voice: string; rate: number; pitch: number },
    owner: ClipOwner,
    by?: { actor: Actor; meta: RequestMeta },
  ): Promise<{ row: AudioClipRow; created: boolean }> {
    if (owner.userId) await this.checkQuota(owner.userId);
    const speech = await this.deps.tts.synthesize(text, options).catch((error: unknown) => {
      throw ttsAppError(error);
    });
    const blobKey = `audio/tts/${cacheKey}.wav`;
    await this.deps.blobs.put(blobKey, speech.wav, 'audio/wav');
    const inserted = await this.deps.db.transaction().execute(async (tx) => {
      const row = await this.deps.repository.insertTtsIfAbsent(
        {
          kind: 'tts',
          text,
          voice: options.voice,
          content_type: 'audio/wav',
          source_content_type: null,
          bytes: speech.wav.length,
          duration_ms: speech.durationMs,
          blob_key: blobKey,
          cache_key: cacheKey,
          region_path: owner.regionPath,
          created_by: owner.userId,
          created_at: this.deps.clock.now(),
        },
        tx,
      );
      if (row && by) {
        await this.deps.audit.record(tx, by.actor, by.meta, {
          action: 'audio.tts',
          targetType: 'audio_clip',
          targetId: row.id,
          regionPath: owner.regionPath,
          details: { voice: options.voice, rate: options.rate, pitch: options.pitch, chars: [...text].length, durationMs: speech.durationMs },
        });
      }
      return row;
    });
    if (inserted) return { row: inserted, created: true };
    const existing = await this.deps.repository.findByCacheKey(cacheKey);
    if (!existing) throw new Error(`audio clip ${cacheKey} conflicted but cannot be found`);
    return { row: existing, created: false };
  }

  /**
   * A cached clip is shared: when someone outside its region asks for the same text, the clip
   * moves up to the region above both, so each can read it by id (they both know its text).
   */
  private async shareWith(row: AudioClipRow, owner: ClipOwner): Promise<AudioClipRow> {
    let current = row;
    for (let attempt = 0; attempt < 5; attempt++) {
      if (readableFrom(current.region_path, owner.regionPath)) return current;
      const to = commonAncestor(current.region_path, owner.regionPath);
      if (await this.deps.repository.widen(current.id, current.region_path, to)) return { ...current, region_path: to };
      current = (await this.deps.repository.findById(current.id)) ?? current;
    }
    return current;
  }

  // ---- uploads --------------------------------------------------------------------------------

  private async checkQuota(userId: string): Promise<void> {
    const since = new Date(this.deps.clock.now().getTime() - DAY_MS);
    if ((await this.deps.repository.countCreatedSince(userId, since)) >= this.settings.maxNewPerDay) throw new AppError('AUDIO_QUOTA_EXCEEDED');
  }

  private ffmpegBinary(): string | null {
    if (this.ffmpeg === undefined) {
      this.ffmpeg = locateFfmpeg(this.deps.ffmpegPath) ?? null;
      if (this.ffmpeg === null) {
        this.deps.logger.warn({ configured: this.deps.ffmpegPath ?? null }, 'no runnable ffmpeg: browser recordings are kept in their own format (WebM/Ogg/MP4)');
      }
    }
    return this.ffmpeg;
  }

  /** The file to store: checked by content, measured, converted to MP3 when speakers may not play it. */
  private async prepare(data: Buffer): Promise<{ data: Buffer; format: AudioFormat; sourceFormat?: AudioFormat; durationMs: number | null }> {
    const format = sniffAudio(data);
    if (!format) throw new AppError('UNSUPPORTED_AUDIO');
    try {
      if (format === 'mp3' || (format === 'wav' && (isPlainPcmWav(data) || !this.ffmpegBinary()))) {
        return { data, format, durationMs: measureAudio(format, data).durationMs };
      }
      if (format === 'wav') measureAudio('wav', data); // a broken header is refused before conversion
      const ffmpeg = this.ffmpegBinary();
      if (!ffmpeg) return { data, format, durationMs: null };
      const mp3 = await transcodeToMp3(ffmpeg, data, formats[format].ffmpeg);
      return { data: mp3, format: 'mp3', sourceFormat: format, durationMs: scanMp3(mp3).durationMs };
    } catch (error) {
      if (error instanceof InvalidAudio) throw new AppError('INVALID_AUDIO', { detail: { zh: error.message, en: error.message } });
      if (error instanceof FfmpegFailed) {
        this.deps.logger.info({ err: error, stderr: error.stderr }, 'ffmpeg could not convert an upload');
        throw new AppError('INVALID_AUDIO', { detail: { zh: `无法解码该 ${format.toUpperCase()} 文件`, en: `the ${format.toUpperCase()} file cannot be decoded` } });
      }
      throw error;
    }
  }
}

function toClip(row: AudioClipRow): AudioClip {
  return {
    id: row.id,
    kind: row.kind,
    text: row.text,
    voice: row.voice,
    contentType: row.content_type,
    bytes: row.bytes,
    durationMs: row.duration_ms,
    regionPath: row.region_path,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

/** An engine's refusal as the API tells it. */
function ttsAppError(error: unknown): unknown {
  if (!(error instanceof TtsError)) return error;
  switch (error.problem) {
    case 'invalid':
      return fieldError(`body.${error.field ?? 'text'}`, error.messageZh ?? error.message, error.message);
    case 'busy':
      return new AppError('TTS_BUSY', { retryAfterSeconds: 5 });
    case 'timeout':
    case 'failed':
      return new AppError('TTS_FAILED', { detail: { zh: error.message, en: error.message } });
  }
}
