import { describe, expect, it } from 'vitest';
import { localTimestamp, parseReadingsCsv, parseTimestamp } from './readings-csv.js';
import { endOfQuiet } from './water.service.js';
import { meterReadingsPayload, parseMeterPayload } from './meter-protocol.js';

describe('CSV of readings', () => {
  it('reads timestamp,reading_litres; times without an offset are the meter’s local time; bad lines are reported by number', () => {
    const text = '\uFEFFtimestamp,reading_litres\r\n2016-03-01T01:00:49,437514.0\n\n2016-03-01 02:00:49,437520\n2016-03-01T03:00:49Z,437530\nnot a time,1\n2016-02-30T01:00:00,5\n2016-03-01T04:00:00,-1\n2016-03-01T05:00:00+08:00,437540,extra\n';
    const { readings, errors } = parseReadingsCsv(text, 480);
    expect(readings).toEqual([
      { at: Date.parse('2016-03-01T01:00:49+08:00'), litres: 437514 },
      { at: Date.parse('2016-03-01T02:00:49+08:00'), litres: 437520 },
      { at: Date.parse('2016-03-01T03:00:49Z'), litres: 437530 },
    ]);
    expect(errors.map((e) => e.line)).toEqual([6, 7, 8, 9]);
  });

  it('refuses a file without the header', () => {
    expect(parseReadingsCsv('when,how much\n1,2\n', 480).errors[0]).toMatchObject({ line: 1 });
  });

  it('writes local times back as the set writes them', () => {
    expect(localTimestamp(parseTimestamp('2016-03-01T01:00:49', 480), 480)).toBe('2016-03-01T01:00:49');
  });
});

describe('quiet hours', () => {
  const at = (local: string) => new Date(`${local}+08:00`);
  it('22:00–08:00 across midnight: a text at 23:30 or 06:00 waits until 08:00; at 08:00 or 21:59 it goes', () => {
    expect(endOfQuiet(at('2026-11-27T23:30:00'), 22 * 60, 8 * 60, 480)).toEqual(at('2026-11-28T08:00:00'));
    expect(endOfQuiet(at('2026-11-28T06:00:00'), 22 * 60, 8 * 60, 480)).toEqual(at('2026-11-28T08:00:00'));
    expect(endOfQuiet(at('2026-11-28T08:00:00'), 22 * 60, 8 * 60, 480)).toBeUndefined();
    expect(endOfQuiet(at('2026-11-28T21:59:00'), 22 * 60, 8 * 60, 480)).toBeUndefined();
  });
  it('within a day (12:00–14:00), and none when start equals end', () => {
    expect(endOfQuiet(at('2026-11-28T13:00:00'), 12 * 60, 14 * 60, 480)).toEqual(at('2026-11-28T14:00:00'));
    expect(endOfQuiet(at('2026-11-28T13:00:00'), 0, 0, 480)).toBeUndefined();
  });
});

describe('meter MQTT payloads', () => {
  it('one reading or a batch; unknown fields, negative litres, missing offsets, non-JSON and oversized payloads are refused', () => {
    expect(parseMeterPayload(Buffer.from('{"at":"2026-11-27T08:00:00+08:00","litres":12.5}'))).toEqual({ ok: true, readings: [{ at: Date.parse('2026-11-27T00:00:00Z'), litres: 12.5 }] });
    expect(parseMeterPayload(Buffer.from(JSON.stringify({ readings: [{ at: '2026-11-27T00:00:00Z', litres: 1 }, { at: '2026-11-27T01:00:00Z', litres: 2 }] })))).toMatchObject({ ok: true, readings: [{ litres: 1 }, { litres: 2 }] });
    expect(parseMeterPayload(Buffer.from('{"at":"2026-11-27T08:00:00+08:00","litres":1,"x":1}'))).toMatchObject({ ok: false, reason: 'invalid' });
    expect(parseMeterPayload(Buffer.from('{"at":"2026-11-27T08:00:00+08:00","litres":-1}'))).toMatchObject({ ok: false, reason: 'invalid' });
    expect(parseMeterPayload(Buffer.from('{"at":"2026-11-27T08:00:00","litres":1}'))).toMatchObject({ ok: false, reason: 'invalid' });
    expect(parseMeterPayload(Buffer.from('litres=5'))).toMatchObject({ ok: false, reason: 'not_json' });
    expect(parseMeterPayload(Buffer.alloc(70_000, 32))).toMatchObject({ ok: false, reason: 'too_large' });
    expect(meterReadingsPayload.safeParse({ readings: [] }).success).toBe(false);
  });
});
