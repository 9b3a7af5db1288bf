/**
 * The thresholds of the water detectors. The platform keeps one set of defaults (below) and a
 * village may override any of them (table `water_settings`); docs/water.md explains each.
 * Flows are litres per hour, durations hours, use litres.
 */
export interface DetectorSettings {
  /** Leak: every interval of a run must flow at least this much (a running toilet starts at ~2 L/h). */
  leakMinFlowLph: number;
  /** Leak: …for at least this long without a pause. */
  leakHours: number;
  /** Burst: the flow over the last hour reaches this. */
  burstFlowLph: number;
  /** Burst: the last hour must be covered by at least this many minutes of readings. */
  burstMinMinutes: number;
  /** Spike: a day's use (less bursts and a leak's floor) reaches this many times a usual day (the median of the last eight weeks)… */
  spikeFactor: number;
  /** …and this many times a big day (their 90th percentile)… */
  spikeHighFactor: number;
  /** …and exceeds a usual day by at least this many litres. */
  spikeMinExtraLitres: number;
  /** Spike: needs this many normal days learnt first. */
  spikeWarmupDays: number;
  /** Zero use: no use for this many hours… */
  zeroHours: number;
  /** …in a household that used water on at least this many of the 14 days before. */
  zeroActiveDays: number;
  /** A day counts as a day with use from this many litres. */
  zeroActiveLitres: number;
  /** Meter fault: more than this flow sustained over an interval (at least an hour) is impossible for a household meter. */
  maxFlowLph: number;
  /** Intervals longer than this are gaps: they can refute a leak or a silence, never confirm flow. */
  maxIntervalHours: number;
  /** The meter's local time, in minutes east of UTC (days, hours of the week): Asia/Shanghai +480. */
  utcOffsetMinutes: number;
}

export const defaultDetectorSettings: Readonly<DetectorSettings> = Object.freeze({
  leakMinFlowLph: 1.5,
  leakHours: 22,
  burstFlowLph: 300,
  burstMinMinutes: 45,
  spikeFactor: 3,
  spikeHighFactor: 2,
  spikeMinExtraLitres: 150,
  spikeWarmupDays: 14,
  zeroHours: 60,
  zeroActiveDays: 10,
  zeroActiveLitres: 10,
  maxFlowLph: 5000,
  maxIntervalHours: 3,
  utcOffsetMinutes: 480,
});

/** The settings that apply: the defaults, overridden by whatever the village set. */
export function settingsWith(overrides: Partial<DetectorSettings> | null | undefined): DetectorSettings {
  return { ...defaultDetectorSettings, ...(overrides ?? {}) };
}
