/**
 * The generic fluctuation detector: how surprising is each new value of a series, given only the
 * values before it? Three baselines predict it:
 *
 *   - the recent level: the median of the last `levelWindow` values, with their interquartile
 *     range as the yardstick;
 *   - the same hour of the week, and the same hour of the day: exponentially weighted averages of
 *     the values seen in that slot, with the usual size of their errors (the 75th percentile of the
 *     last `errorWindow` absolute errors) as the yardstick.
 *
 * Each baseline's surprise is its error in yardsticks, compared with the largest surprise the same
 * baseline had over the last `recordWindow` values: a value is an anomaly when it is more
 * surprising than anything lately (a record), so a noisy series needs a bigger jump than a calm
 * one and the same alarm does not ring twice for one event. The score is r / (1 + r) for the
 * largest ratio r of the three: 0.5 is a tie with the recent record, above it a new one.
 *
 * Water uses the same idea on days (spike vs the household's own days, meter-processor.ts);
 * `npm run bench:nab` scores this class on the NAB corpus.
 */
export interface FluctuationOptions {
  levelWindow: number;
  /** Weight of a new value in its seasonal slot. */
  seasonAlpha: number;
  /** Slot length of the seasonal baselines, minutes. */
  slotMinutes: number;
  errorWindow: number;
  recordWindow: number;
  /** Values a slot must have seen before it predicts. */
  slotWarmup: number;
}

export const defaultFluctuationOptions: Readonly<FluctuationOptions> = Object.freeze({
  levelWindow: 150,
  seasonAlpha: 0.3,
  slotMinutes: 60,
  errorWindow: 500,
  recordWindow: 500,
  slotWarmup: 2,
});

/** A multiset of numbers kept in order, for medians and quantiles of a sliding window. */
class SortedWindow {
  private readonly items: number[] = [];
  private readonly order: number[] = [];

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.order.length;
  }

  push(value: number): void {
    this.order.splice(this.indexOf(value), 0, value);
    this.items.push(value);
    if (this.items.length > this.capacity) this.order.splice(this.indexOf(this.items.shift()!), 1);
  }

  quantile(q: number): number {
    return this.order[Math.min(this.order.length - 1, Math.floor(this.order.length * q))]!;
  }

  get min(): number {
    return this.order[0]!;
  }

  get max(): number {
    return this.order[this.order.length - 1]!;
  }

  private indexOf(value: number): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.order[mid]! < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** The largest of the last `capacity` values (a monotonic queue: O(1) per value). */
class SlidingMax {
  private readonly values: number[] = [];
  private readonly indexes: number[] = [];
  private count = 0;

  constructor(private readonly capacity: number) {}

  /** The record before `value`, then `value` joins. */
  recordThenPush(value: number): { record: number; seen: number } {
    while (this.indexes.length > 0 && this.indexes[0]! <= this.count - this.capacity) {
      this.indexes.shift();
      this.values.shift();
    }
    const result = { record: this.values.length > 0 ? this.values[0]! : 0, seen: Math.min(this.count, this.capacity) };
    while (this.values.length > 0 && this.values[this.values.length - 1]! <= value) {
      this.values.pop();
      this.indexes.pop();
    }
    this.values.push(value);
    this.indexes.push(this.count++);
    return result;
  }
}

/** Surprise over the recent record: 0 before 20 surprises were seen. */
function recordRatio(records: SlidingMax, surprise: number): number {
  const { record, seen } = records.recordThenPush(surprise);
  return seen >= 20 && record > 0 ? surprise / record : 0;
}

/** Level: distance from the median of the last values, in interquartile ranges. */
class LevelBaseline {
  private readonly window: SortedWindow;
  private readonly records: SlidingMax;

  constructor(options: FluctuationOptions) {
    this.window = new SortedWindow(options.levelWindow);
    this.records = new SlidingMax(options.recordWindow);
  }

  ratio(value: number): number {
    let surprise = 0;
    if (this.window.size >= 20) {
      const median = this.window.quantile(0.5);
      const spread = Math.max(this.window.quantile(0.75) - this.window.quantile(0.25), 1e-6 * (Math.abs(median) + 1), (this.window.max - this.window.min) * 0.01);
      surprise = Math.abs(value - median) / spread;
    }
    this.window.push(value);
    return recordRatio(this.records, surprise);
  }
}

/** Season: distance from the same slot's usual value, in its usual errors. */
class SeasonalBaseline {
  private readonly expected: number[];
  private readonly seen: number[];
  private readonly errors: SortedWindow;
  private readonly records: SlidingMax;

  constructor(
    private readonly options: FluctuationOptions,
    private readonly periodMinutes: number,
  ) {
    const slots = Math.ceil(periodMinutes / options.slotMinutes);
    this.expected = new Array<number>(slots).fill(0);
    this.seen = new Array<number>(slots).fill(0);
    this.errors = new SortedWindow(options.errorWindow);
    this.records = new SlidingMax(options.recordWindow);
  }

  ratio(value: number, at: number): number {
    // Weeks start on Monday: 1970-01-01 was a Thursday.
    const minutes = Math.floor(at / 60_000) + (this.periodMinutes === 10_080 ? 3 * 1440 : 0);
    const slot = Math.floor((((minutes % this.periodMinutes) + this.periodMinutes) % this.periodMinutes) / this.options.slotMinutes);
    const expected = this.expected[slot]!;
    const seen = this.seen[slot]!;
    let surprise = 0;
    if (seen >= this.options.slotWarmup && this.errors.size >= 50) {
      const scale = Math.max(this.errors.quantile(0.75), 1e-6 * (Math.abs(expected) + 1), this.errors.max * 0.01);
      surprise = Math.abs(value - expected) / scale;
    }
    if (seen > 0) this.errors.push(Math.abs(value - expected));
    this.expected[slot] = seen === 0 ? value : expected + this.options.seasonAlpha * (value - expected);
    this.seen[slot] = seen + 1;
    return recordRatio(this.records, surprise);
  }
}

export class FluctuationDetector {
  readonly options: FluctuationOptions;
  private readonly level: LevelBaseline;
  private readonly week: SeasonalBaseline;
  private readonly day: SeasonalBaseline;

  constructor(options: Partial<FluctuationOptions> = {}) {
    this.options = { ...defaultFluctuationOptions, ...options };
    this.level = new LevelBaseline(this.options);
    this.week = new SeasonalBaseline(this.options, 10_080);
    this.day = new SeasonalBaseline(this.options, 1440);
  }

  /** The surprise of `value` at epoch ms `at`, in [0, 1] (0.5: as surprising as the recent record), then learns it. */
  score(value: number, at: number): number {
    if (!Number.isFinite(value)) return 0;
    const ratio = Math.max(this.level.ratio(value), this.week.ratio(value, at), this.day.ratio(value, at));
    return ratio / (1 + ratio);
  }
}
