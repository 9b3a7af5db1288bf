/**
 * The score of a water-anomaly set (../shared/bench/water-dev/README.md): an event is found when
 * an alert of its type falls in [start, end + grace]; other alerts of the four types outside the
 * set's ignore stretches (of the same type) are false alarms; more alerts inside one event are repeats.
 * Precision counts found events against false alarms (repeats are reported on their own).
 */
export const scoredTypes = ['leak', 'burst', 'zero', 'spike'] as const;
export type ScoredType = (typeof scoredTypes)[number];

export const graceHours: Record<ScoredType, number> = { leak: 24, burst: 2, zero: 24, spike: 12 };

export interface LabelledEvent {
  type: string;
  start: string;
  end: string;
}
export interface EmittedAlert {
  type: string;
  time: string;
}

export interface TypeScore {
  events: number;
  found: number;
  falseAlarms: number;
  ignored: number;
  repeats: number;
  recall: number;
  precision: number;
  /** Hours from an event's start to its first alert, median over found events. */
  medianDelayHours: number;
  delays: number[];
}

export interface SetScore {
  byType: Record<ScoredType, TypeScore>;
  precision: number;
  recall: number;
  f1: number;
  falseAlarms: number;
  meterMonths: number;
  falseAlarmsPerMeterMonth: number;
  /** Each false alarm, for looking into. */
  falseAlarmList: { meter: string; type: string; time: string }[];
  missed: { meter: string; type: string; start: string; end: string }[];
}

/** Timestamps of the set are local times without an offset; compare them as if UTC. */
const t = (text: string) => Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
const median = (values: number[]) => {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export function scoreSet(input: {
  labels: Record<string, LabelledEvent[]>;
  ignore: Record<string, LabelledEvent[]>;
  alerts: Record<string, EmittedAlert[]>;
  /** Months of readings per meter (first to last reading / 30.44 days). */
  months: Record<string, number>;
}): SetScore {
  const byType = Object.fromEntries(
    scoredTypes.map((type) => [type, { events: 0, found: 0, falseAlarms: 0, ignored: 0, repeats: 0, recall: 0, precision: 0, medianDelayHours: NaN, delays: [] as number[] }]),
  ) as Record<ScoredType, TypeScore>;
  const falseAlarmList: SetScore['falseAlarmList'] = [];
  const missed: SetScore['missed'] = [];
  const meters = new Set([...Object.keys(input.months), ...Object.keys(input.labels)]);
  for (const meter of meters) {
    const events = (input.labels[meter] ?? []).filter((e) => (scoredTypes as readonly string[]).includes(e.type));
    const ignore = input.ignore[meter] ?? [];
    const alerts = (input.alerts[meter] ?? []).filter((a) => (scoredTypes as readonly string[]).includes(a.type)).sort((a, b) => t(a.time) - t(b.time));
    const hits = events.map(() => [] as number[]);
    for (const alert of alerts) {
      const at = t(alert.time);
      const type = alert.type as ScoredType;
      const index = events.findIndex((e) => e.type === type && at >= t(e.start) && at <= t(e.end) + graceHours[type] * 3_600_000);
      if (index >= 0) {
        hits[index]!.push(at);
        continue;
      }
      if (ignore.some((e) => e.type === type && at >= t(e.start) && at <= t(e.end))) {
        byType[type].ignored++;
        continue;
      }
      byType[type].falseAlarms++;
      falseAlarmList.push({ meter, type, time: alert.time });
    }
    events.forEach((event, i) => {
      const score = byType[event.type as ScoredType];
      score.events++;
      const found = hits[i]!;
      if (found.length === 0) {
        missed.push({ meter, type: event.type, start: event.start, end: event.end });
        return;
      }
      score.found++;
      score.repeats += found.length - 1;
      score.delays.push((Math.min(...found) - t(event.start)) / 3_600_000);
    });
  }
  let found = 0;
  let eventsTotal = 0;
  let falseAlarms = 0;
  for (const type of scoredTypes) {
    const s = byType[type];
    s.recall = s.events ? s.found / s.events : NaN;
    s.precision = s.found + s.falseAlarms ? s.found / (s.found + s.falseAlarms) : NaN;
    s.medianDelayHours = median(s.delays);
    found += s.found;
    eventsTotal += s.events;
    falseAlarms += s.falseAlarms;
  }
  const precision = found + falseAlarms ? found / (found + falseAlarms) : NaN;
  const recall = eventsTotal ? found / eventsTotal : NaN;
  const meterMonths = Object.values(input.months).reduce((a, b) => a + b, 0);
  return {
    byType,
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    falseAlarms,
    meterMonths,
    falseAlarmsPerMeterMonth: meterMonths ? falseAlarms / meterMonths : NaN,
    falseAlarmList,
    missed,
  };
}
