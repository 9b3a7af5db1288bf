import type { Clock } from './clock.js';

/**
 * Counts events per key in a sliding window, in this process's memory: a brake on anonymous reads
 * that must not be scraped (a village's households behind its join link), where losing the counts on a
 * restart or having one count per process is acceptable. Limits that guard accounts live in the
 * database instead (login attempts, verification codes).
 */
export class RateWindow {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly clock: Clock,
    private readonly limit: number,
    private readonly windowMs: number,
    /** Keys kept at most; the oldest are dropped first, so a flood of addresses cannot grow memory. */
    private readonly maxKeys = 10_000,
  ) {}

  /** Records a hit for the key; the seconds until it may try again when it is over the limit, else null. */
  take(key: string): number | null {
    const now = this.clock.now().getTime();
    const recent = (this.hits.get(key) ?? []).filter((at) => at > now - this.windowMs);
    if (recent.length >= this.limit) {
      this.hits.set(key, recent);
      return Math.max(1, Math.ceil((recent[0]! + this.windowMs - now) / 1000));
    }
    recent.push(now);
    this.hits.delete(key);
    this.hits.set(key, recent);
    if (this.hits.size > this.maxKeys) this.hits.delete(this.hits.keys().next().value!);
    return null;
  }
}
