import type { Clock } from '../../platform/clock.js';
import { AppError } from '../../platform/http/errors.js';
import type { Actor } from '../../platform/request-context.js';
import type { AudioService } from '../audio/audio.service.js';
import type { ReadAloudBody, ReadAloudResult } from './read-aloud.schema.js';

export { READ_ALOUD_MAX_CHARS, readAloudBody, readAloudResult } from './read-aloud.schema.js';

export interface ReadAloudLimits {
  /** Requests per person within `windowMs` (cached texts included: each one still costs a lookup and a URL). */
  perWindow: number;
  windowMs: number;
}

export const defaultReadAloudLimits: ReadAloudLimits = { perWindow: 20, windowMs: 60_000 };

/**
 * 适老化 read-aloud: any signed-in person may have a page's main text spoken by the platform's
 * Mandarin TTS (the audio module's cached speech: the same text is synthesised once and then served
 * from the cache). Limited in length (500 characters), in rate per person (20 a minute, in this
 * process) and, through the audio module, in new syntheses per person per day. The clip belongs to
 * the reader's region; only its signed URL is handed out.
 */
export class ReadAloudService {
  private readonly recent = new Map<string, number[]>();

  constructor(private readonly deps: { audio: AudioService; clock: Clock; limits?: ReadAloudLimits }) {}

  private get limits(): ReadAloudLimits {
    return this.deps.limits ?? defaultReadAloudLimits;
  }

  async speak(actor: Actor, body: ReadAloudBody): Promise<ReadAloudResult> {
    this.take(actor.userId);
    const clip = await this.deps.audio.speak(body.text, undefined, { rate: body.rate ?? 0.9, owner: { userId: actor.userId, regionPath: actor.scope.path } });
    const signed = await this.deps.audio.signedUrl(clip.id);
    return { url: signed.url, expiresAt: signed.expiresAt.toISOString(), durationMs: clip.durationMs };
  }

  /** A sliding window per person; throws READ_ALOUD_RATE_LIMITED with the seconds to wait. */
  private take(userId: string): void {
    const now = this.deps.clock.now().getTime();
    const since = now - this.limits.windowMs;
    const times = (this.recent.get(userId) ?? []).filter((t) => t > since);
    if (times.length >= this.limits.perWindow) {
      this.recent.set(userId, times);
      throw new AppError('READ_ALOUD_RATE_LIMITED', { retryAfterSeconds: Math.max(1, Math.ceil((times[0]! + this.limits.windowMs - now) / 1000)) });
    }
    times.push(now);
    this.recent.set(userId, times);
    // Forget people who stopped listening, so the map stays small.
    if (this.recent.size > 10_000) for (const [id, list] of this.recent) if (list.every((t) => t <= since)) this.recent.delete(id);
  }
}
