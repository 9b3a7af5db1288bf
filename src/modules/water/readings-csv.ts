import type { MeterReading } from './detectors/types.js';

/**
 * Meter readings as CSV (docs/water.md): a header `timestamp,reading_litres`, then one reading a
 * line. The timestamp is ISO 8601 (`2016-03-01T01:00:49`, a space instead of the T is fine); with
 * `Z` or an offset it is that instant, without one it is the meter's local time (`utcOffsetMinutes`,
 * Asia/Shanghai by default). The reading is the meter's cumulative index in litres. Blank lines
 * and a UTF-8 byte-order mark are ignored; bad lines are reported by number and skipped.
 */
export interface ParsedCsv {
  readings: MeterReading[];
  errors: { line: number; message: string }[];
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/** Epoch ms of an ISO 8601 timestamp, local time `utcOffsetMinutes` east of UTC when it names no offset; NaN when malformed. */
export function parseTimestamp(text: string, utcOffsetMinutes: number): number {
  const m = TIMESTAMP.exec(text.trim());
  if (!m) return NaN;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return NaN;
  const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  const local = Date.UTC(Number(y), month - 1, day, hour, minute, second, ms);
  if (new Date(local).getUTCDate() !== day) return NaN; // 31 February
  let offset = utcOffsetMinutes;
  if (zone === 'Z') offset = 0;
  else if (zone) {
    const digits = zone.replace(':', '');
    offset = (digits[0] === '-' ? -1 : 1) * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
  }
  return local - offset * 60_000;
}

/** Local ISO time without an offset (the CSV's own form) of an epoch ms. */
export function localTimestamp(ms: number, utcOffsetMinutes: number): string {
  return new Date(ms + utcOffsetMinutes * 60_000).toISOString().slice(0, 19);
}

export function parseReadingsCsv(text: string, utcOffsetMinutes: number, options: { maxErrors?: number } = {}): ParsedCsv {
  const maxErrors = options.maxErrors ?? 100;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const readings: MeterReading[] = [];
  const errors: ParsedCsv['errors'] = [];
  const fail = (line: number, message: string) => {
    if (errors.length < maxErrors) errors.push({ line, message });
  };
  let headerSeen = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    if (!headerSeen) {
      headerSeen = true;
      const header = line.toLowerCase().replace(/\s/g, '');
      if (header === 'timestamp,reading_litres') continue;
      if (!/^\d{4}-/.test(line)) {
        fail(i + 1, 'the first line must be the header timestamp,reading_litres');
        continue;
      }
    }
    const comma = line.indexOf(',');
    if (comma < 0 || line.indexOf(',', comma + 1) >= 0) {
      fail(i + 1, 'expected two columns: timestamp,reading_litres');
      continue;
    }
    const at = parseTimestamp(line.slice(0, comma), utcOffsetMinutes);
    if (Number.isNaN(at)) {
      fail(i + 1, 'timestamp is not ISO 8601 (e.g. 2016-03-01T01:00:49)');
      continue;
    }
    const value = line.slice(comma + 1).trim();
    const litres = Number(value);
    if (value === '' || !Number.isFinite(litres) || litres < 0 || litres > 1e12) {
      fail(i + 1, 'reading_litres must be a number of litres, 0 or more');
      continue;
    }
    readings.push({ at, litres });
  }
  return { readings, errors };
}
