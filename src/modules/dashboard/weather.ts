import type { Logger } from 'pino';
import { z } from 'zod';
import type { Clock } from '../../platform/clock.js';

export interface Weather {
  text: string;
  temperatureC: number | null;
}

const answer = z.object({ text: z.string().trim().min(1).max(60), temperatureC: z.number().finite().nullable().optional() });

export interface WeatherSettings {
  timeoutMs: number;
  /** How long an answer is shown before asking again. */
  ttlMs: number;
  /** After a failure: ask again this much later, showing the last answer meanwhile … */
  retryMs: number;
  /** … unless it is older than this. */
  staleMs: number;
}

export const defaultWeatherSettings: WeatherSettings = { timeoutMs: 3000, ttlMs: 10 * 60_000, retryMs: 60_000, staleMs: 60 * 60_000 };

const MAX_BYTES = 64 * 1024;

/**
 * The screen's weather from SCREEN_WEATHER_URL (any JSON source answering {text, temperatureC}),
 * fetched by the server so browsers need no key and every screen shares one request per 10 min.
 */
export class WeatherSource {
  private cached: { value: Weather | null; fetchedAt: number; until: number } | undefined;
  private pending: Promise<Weather | null> | undefined;

  constructor(
    private readonly url: string | undefined,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly settings: WeatherSettings = defaultWeatherSettings,
  ) {}

  async current(): Promise<Weather | null> {
    if (!this.url) return null;
    if (this.cached && this.cached.until > this.clock.now().getTime()) return this.cached.value;
    this.pending ??= this.fetch(this.url).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async fetch(url: string): Promise<Weather | null> {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(this.settings.timeoutMs), headers: { accept: 'application/json' } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const body = await response.text();
      if (body.length > MAX_BYTES) throw new Error('answer too large');
      const parsed = answer.parse(JSON.parse(body));
      const value = { text: parsed.text, temperatureC: parsed.temperatureC ?? null };
      const now = this.clock.now().getTime();
      this.cached = { value, fetchedAt: now, until: now + this.settings.ttlMs };
      return value;
    } catch (error) {
      this.logger.warn({ err: error }, 'screen weather: the source did not answer usefully');
      const now = this.clock.now().getTime();
      const last = this.cached && now - this.cached.fetchedAt <= this.settings.staleMs ? this.cached : undefined;
      this.cached = { value: last?.value ?? null, fetchedAt: last?.fetchedAt ?? now, until: now + this.settings.retryMs };
      return this.cached.value;
    }
  }
}
