/**
 * `npm run bench:water -- <set-dir> [--out alerts.json] [--no-report] [--verbose]`: runs the
 * water detectors exactly as the platform runs them — each meter's readings in time order, one at
 * a time through `runBatch` with the state stored as JSON and read back between readings, never
 * looking ahead — over every meter of a set laid out like ../shared/bench/water-dev
 * (`meters/<id>.csv`, and for scoring `labels.json`, `ignore.json`). Writes the alerts
 * `{"m001":[{"type":"leak","time":"…"}],…}` (local times, like the set's), prints the score
 * (../shared/bench/water-dev/README.md) and writes its section of docs/benchmarks.md.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { deserializeState, runBatch, serializeState } from '../../src/modules/water/detectors/pipeline.js';
import { defaultDetectorSettings, type DetectorSettings } from '../../src/modules/water/detectors/settings.js';
import type { MeterState } from '../../src/modules/water/detectors/meter-processor.js';
import { localTimestamp, parseReadingsCsv } from '../../src/modules/water/readings-csv.js';
import { machine, writeSection } from './report.js';
import { type EmittedAlert, type LabelledEvent, scoredTypes, scoreSet, type SetScore } from './water-score.js';

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: { out: { type: 'string' }, 'no-report': { type: 'boolean' }, verbose: { type: 'boolean' }, set: { type: 'string' } },
});
const setDir = path.resolve(positionals[0] ?? values.set ?? '../shared/bench/water-dev');
const settings: DetectorSettings = { ...defaultDetectorSettings, ...JSON.parse(process.env.WATER_SETTINGS ?? '{}') };
const offset = settings.utcOffsetMinutes;
const readJson = <T>(file: string): T | undefined => (existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined);

const meterFiles = readdirSync(path.join(setDir, 'meters')).filter((f) => f.endsWith('.csv')).sort();
const alerts: Record<string, EmittedAlert[]> = {};
const faults: Record<string, number> = {};
const months: Record<string, number> = {};
let readings = 0;
let maxStateBytes = 0;
let stateBytesSum = 0;
const started = performance.now();
for (const file of meterFiles) {
  const meter = file.replace(/\.csv$/, '');
  const parsed = parseReadingsCsv(readFileSync(path.join(setDir, 'meters', file), 'utf8'), offset);
  if (parsed.errors.length > 0) console.warn(`${meter}: ${parsed.errors.length} bad line(s), first: line ${parsed.errors[0]!.line}: ${parsed.errors[0]!.message}`);
  const list: EmittedAlert[] = [];
  let stored: string | null = null;
  for (const reading of parsed.readings) {
    const state: MeterState | null = stored === null ? null : deserializeState(stored);
    const batch = runBatch(state, [reading], settings);
    for (const result of batch.results) {
      for (const event of result.events) {
        if (event.kind !== 'open') continue;
        if ((scoredTypes as readonly string[]).includes(event.type)) list.push({ type: event.type, time: localTimestamp(event.at, offset) });
        else faults[meter] = (faults[meter] ?? 0) + 1;
      }
    }
    stored = serializeState(batch.state);
    readings++;
  }
  alerts[meter] = list;
  const bytes = stored ? Buffer.byteLength(stored) : 0;
  maxStateBytes = Math.max(maxStateBytes, bytes);
  stateBytesSum += bytes;
  const first = parsed.readings[0]?.at ?? 0;
  const last = parsed.readings.at(-1)?.at ?? 0;
  months[meter] = (last - first) / (30.44 * 86_400_000);
}
const elapsedMs = performance.now() - started;
if (values.out) writeFileSync(values.out, `${JSON.stringify(alerts, null, 1)}\n`);

const labels = readJson<Record<string, LabelledEvent[]>>(path.join(setDir, 'labels.json'));
const ignore = readJson<Record<string, LabelledEvent[]>>(path.join(setDir, 'ignore.json')) ?? {};
const alertCount = Object.values(alerts).reduce((n, a) => n + a.length, 0);
console.log(`${meterFiles.length} meters, ${readings} readings, ${alertCount} alerts (${Object.values(faults).reduce((a, b) => a + b, 0)} meter faults besides) in ${(elapsedMs / 1000).toFixed(1)} s; state ${Math.round(stateBytesSum / meterFiles.length)} B per meter (largest ${maxStateBytes} B)`);
if (!labels) {
  console.log('(no labels.json: alerts written, nothing to score)');
  process.exit(0);
}
const score = scoreSet({ labels, ignore, alerts, months });
const table = scoreTable(score);
console.log(table);
if (values.verbose) {
  for (const fa of score.falseAlarmList) console.log(`false alarm  ${fa.meter} ${fa.type.padEnd(5)} ${fa.time}`);
  for (const m of score.missed) console.log(`missed       ${m.meter} ${m.type.padEnd(5)} ${m.start} – ${m.end}`);
}
if (!values['no-report']) {
  const setName = path.basename(setDir);
  writeSection(
    `Water-use early warning on ${setName} (\`npm run bench:water\`)`,
    [
      `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.`,
      `Command: \`npm run bench:water -- ../shared/bench/${setName} --out alerts.json\`. ${meterFiles.length} meters, ${readings} readings,`,
      `each meter read in time order one reading at a time through \`runBatch\` (src/modules/water/detectors/pipeline.ts), the platform's own`,
      `path, with the state stored as JSON and read back between readings; default thresholds (src/modules/water/detectors/settings.ts), none fitted per meter.`,
      `Scored as the set's README says: an event is found by an alert of its type in [start, end + grace] (leak 24 h, burst 2 h, zero 24 h, spike 12 h);`,
      `other alerts outside the set's ignore stretches of their type are false alarms; precision = found / (found + false alarms); repeats are further alerts inside a found event.`,
      '',
      table,
      '',
      `Detector state after a year: ${Math.round(stateBytesSum / meterFiles.length)} bytes of JSON per meter on average (largest ${maxStateBytes}). Run time ${(elapsedMs / 1000).toFixed(1)} s, state round trips included.`,
    ].join('\n'),
  );
}

function scoreTable(s: SetScore): string {
  const pct = (x: number) => (Number.isNaN(x) ? '–' : x.toFixed(2));
  const rows = scoredTypes.map((type) => {
    const t = s.byType[type];
    return `| ${type} | ${t.events} | ${t.found} | ${pct(t.recall)} | ${t.falseAlarms} | ${pct(t.precision)} | ${t.repeats} | ${Number.isNaN(t.medianDelayHours) ? '–' : `${t.medianDelayHours.toFixed(1)} h`} | ${t.ignored} |`;
  });
  return [
    '| type | events | found | recall | false alarms | precision | repeats | median delay | in ignored stretches |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    `| **all** | ${scoredTypes.reduce((n, t) => n + s.byType[t].events, 0)} | ${scoredTypes.reduce((n, t) => n + s.byType[t].found, 0)} | **${pct(s.recall)}** | ${s.falseAlarms} | **${pct(s.precision)}** | ${scoredTypes.reduce((n, t) => n + s.byType[t].repeats, 0)} | | ${scoredTypes.reduce((n, t) => n + s.byType[t].ignored, 0)} |`,
    '',
    `F1 **${pct(s.f1)}**; false alarms per meter-month **${s.falseAlarmsPerMeterMonth.toFixed(3)}** (${s.falseAlarms} over ${s.meterMonths.toFixed(1)} meter-months).`,
  ].join('\n');
}
