import { z } from 'zod';

/**
 * What a meter publishes on `<prefix>/meters/<meterId>/readings` (QoS 1, not retained;
 * docs/water.md): UTF-8 JSON, one reading or a batch of readings of that meter (a battery meter
 * that wakes up once a day sends its 24 hourly readings at once). Unknown fields are refused, like
 * everywhere else; a malformed payload is counted on the meter and ignored.
 *
 *   {"at":"2026-11-27T08:00:00+08:00","litres":437514.0}
 *   {"readings":[{"at":"…","litres":…},{"at":"…","litres":…}]}
 */
export const MAX_READINGS_PER_MESSAGE = 500;
/** A batch of 500 readings is about 30 kB. */
export const MAX_METER_PAYLOAD_BYTES = 64 * 1024;

const meterReading = z.strictObject({
  /** When the meter read its index (ISO 8601 with an offset). */
  at: z.iso.datetime({ offset: true }),
  /** The cumulative index, litres. */
  litres: z.number().finite().min(0).max(1e12),
});

export const meterReadingsPayload = z.union([meterReading, z.strictObject({ readings: z.array(meterReading).min(1).max(MAX_READINGS_PER_MESSAGE) })]);

export type MeterReadingsPayload = z.infer<typeof meterReadingsPayload>;

/** Readings of a payload as epoch ms, or why it was refused (too_large, not_json, invalid). Never throws. */
export function parseMeterPayload(payload: Buffer): { ok: true; readings: { at: number; litres: number }[] } | { ok: false; reason: string; detail: string } {
  if (payload.length > MAX_METER_PAYLOAD_BYTES) return { ok: false, reason: 'too_large', detail: `${payload.length} bytes` };
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, reason: 'not_json', detail: 'not JSON' };
  }
  const result = meterReadingsPayload.safeParse(json);
  if (!result.success) {
    const detail = result.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`)
      .join('; ');
    return { ok: false, reason: 'invalid', detail: detail.slice(0, 200) };
  }
  const list = 'readings' in result.data ? result.data.readings : [result.data];
  return { ok: true, readings: list.map((r) => ({ at: Date.parse(r.at), litres: r.litres })) };
}
