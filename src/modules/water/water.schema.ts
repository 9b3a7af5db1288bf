import { z } from 'zod';
import { pageOf, pageQuery } from '../../platform/http/pagination.js';
import { DEVICE_ID_PATTERN } from '../../platform/mqtt/topics.js';
import { regionCode } from '../regions/regions.schema.js';
import { waterAlertTypes } from './detectors/types.js';

export const meterKinds = ['household', 'shared', 'village_main'] as const;
export { waterAlertTypes };

export const meterId = z
  .string()
  .regex(DEVICE_ID_PATTERN, '水表编号为 3–64 位小写字母、数字、- 或 _ / a meter id has 3–64 lower-case letters, digits, - or _');

const location = z.strictObject({ lon: z.number().min(-180).max(180), lat: z.number().min(-90).max(90) });
const phone = z.string().regex(/^1[3-9]\d{9}$/, '手机号格式不正确 / not a mainland mobile number');
const isoTime = z.iso.datetime({ offset: true });
/** Litres on a meter's index: a cumulative count, never negative. */
const litres = z.number().finite().min(0).max(1e12);

export const meterParams = z.strictObject({ id: meterId });
export const alertParams = z.strictObject({ id: z.uuid() });
export const settingsParams = z.strictObject({ regionCode });

export const listMetersQuery = z.strictObject({
  village: regionCode.optional().describe('meters in this village (or grid) and below'),
  kind: z.enum(meterKinds).optional(),
  alerting: z.enum(['true', 'false']).transform((v) => v === 'true').optional().describe('true: only meters with an open alert'),
  q: z.string().trim().min(1).max(50).optional().describe('part of the name, id or address'),
  ...pageQuery,
});

export const createMeterBody = z.strictObject({
  id: meterId.describe('the meter’s own number, e.g. wm-130631202206-001 (also its MQTT username)'),
  name: z.string().trim().min(1).max(100).describe('e.g. 王建国户水表'),
  kind: z.enum(meterKinds).default('household'),
  householdId: z.uuid().optional().describe('the household (户) it measures; its village is the meter’s unless regionCode names a grid of it'),
  regionCode: regionCode.optional().describe('the village or grid; default: the household’s village, else the caller’s own'),
  address: z.string().trim().max(200).optional(),
  location: location.optional(),
  contactName: z.string().trim().min(1).max(50).optional(),
  contactPhone: phone.optional().describe('texted when the meter raises an alert'),
  elderly: z.boolean().default(false).describe('an elderly household: a zero-use alert opens a grid case for a visit'),
  livesAlone: z.boolean().default(false).describe('someone living alone: likewise'),
  mqtt: z.boolean().default(false).describe('true: the meter connects over MQTT; a secret is made and shown once'),
});

export const updateMeterBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100).optional(),
    kind: z.enum(meterKinds).optional(),
    householdId: z.uuid().nullable().optional(),
    regionCode: regionCode.optional(),
    address: z.string().trim().max(200).nullable().optional(),
    location: location.nullable().optional(),
    contactName: z.string().trim().min(1).max(50).nullable().optional(),
    contactPhone: phone.nullable().optional(),
    elderly: z.boolean().optional(),
    livesAlone: z.boolean().optional(),
    enabled: z.boolean().optional().describe('false: its readings are refused and it cannot connect'),
  })
  .refine((body) => Object.keys(body).length > 0, { message: '至少修改一个字段 / change at least one field' });

export const openAlertRef = z.object({ id: z.string(), type: z.enum(waterAlertTypes), startedAt: z.string() });

export const meterView = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(meterKinds),
  household: z.object({ id: z.string(), name: z.string() }).nullable(),
  regionCode: z.string(),
  regionName: z.string(),
  address: z.string().nullable(),
  location: z.object({ lon: z.number(), lat: z.number() }).nullable(),
  contactName: z.string().nullable(),
  contactPhone: z.string().nullable().describe('masked (138****0005) unless the caller manages meters'),
  elderly: z.boolean(),
  livesAlone: z.boolean(),
  mqtt: z.boolean().describe('has MQTT credentials'),
  enabled: z.boolean(),
  lastReadingAt: z.string().nullable(),
  lastLitres: z.number().nullable(),
  readingsCount: z.number().int(),
  rejectedMessages: z.number().int().describe('malformed MQTT messages, counted and ignored'),
  lastRejectedAt: z.string().nullable(),
  lastRejectedReason: z.string().nullable(),
  openAlerts: z.array(openAlertRef),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const meterDetail = meterView.extend({
  topic: z.string().describe('where the meter publishes its readings over MQTT'),
  baseline: z.object({
    daysLearnt: z.number().int().describe('normal days the spike baseline has learnt (of the last 56)'),
    usualDayLitres: z.number().describe('median of those days'),
    bigDayLitres: z.number().describe('their 90th percentile'),
    stateBytes: z.number().int().describe('size of the detectors’ stored state'),
  }),
  thresholds: z.record(z.string(), z.number()).describe('the detector thresholds in force for this meter'),
});

export const meterPage = pageOf(meterView);

export const meterCredentials = z.object({
  meter: meterDetail,
  secret: z.string().describe('shown once; store it in the meter'),
  broker: z.object({ url: z.string().nullable(), username: z.string(), clientId: z.string(), protocolVersion: z.literal(4), topic: z.string() }),
});

// ---- readings -----------------------------------------------------------------------------------

export const MAX_UPLOAD_READINGS = 10_000;

export const uploadReadingsBody = z.strictObject({
  readings: z
    .array(z.strictObject({ meterId, at: isoTime.describe('ISO 8601 with an offset, e.g. 2026-11-27T08:00:00+08:00'), litres: litres.describe('the meter’s index, litres') }))
    .min(1)
    .max(MAX_UPLOAD_READINGS),
});

export const ingestResult = z.object({
  received: z.number().int(),
  stored: z.number().int().describe('new readings (the rest were already there: idempotent on meter and time)'),
  duplicates: z.number().int(),
  late: z.number().int().describe('older than the meter’s last used reading: stored, not used by the detectors (the index across that interval is already known)'),
  faults: z.number().int().describe('backwards or impossible readings: stored as meter faults, not as use'),
  rejected: z.number().int().describe('readings dated in the future'),
  unknownMeters: z.array(z.string()).describe('meters not found (or outside the caller’s region, or disabled); their readings were not stored'),
  alertsOpened: z.number().int(),
  alertsEnded: z.number().int(),
});

export const csvImportResult = ingestResult.extend({
  errors: z.array(z.object({ line: z.number().int(), message: z.string() })).describe('bad lines, skipped (at most 100 listed)'),
});

export const usageQuery = z.strictObject({
  from: isoTime.optional().describe('default: 7 days before `to`'),
  to: isoTime.optional().describe('default: now'),
  bucket: z.enum(['hour', 'day']).default('hour'),
});

export const usageSeries = z.object({
  meterId: z.string(),
  bucket: z.enum(['hour', 'day']),
  from: z.string(),
  to: z.string(),
  points: z.array(z.object({ at: z.string().describe('start of the hour or local day'), litres: z.number() })).describe('use per bucket from the index (spread evenly across gaps)'),
  expected: z.array(z.object({ at: z.string(), litres: z.number() })).describe('what the household’s hour-of-week baseline expects (hourly buckets only)'),
  faults: z.array(z.object({ at: z.string(), litres: z.number(), verdict: z.string() })),
});

// ---- alerts -------------------------------------------------------------------------------------

export const listAlertsQuery = z.strictObject({
  type: z.enum(waterAlertTypes).optional(),
  state: z.enum(['open', 'ended']).optional(),
  village: regionCode.optional(),
  meter: meterId.optional(),
  from: isoTime.optional().describe('raised at or after'),
  to: isoTime.optional().describe('raised before'),
  ...pageQuery,
});

export const alertView = z.object({
  id: z.string(),
  type: z.enum(waterAlertTypes),
  meterId: z.string(),
  meterName: z.string(),
  regionCode: z.string(),
  regionName: z.string(),
  householdId: z.string().nullable(),
  startedAt: z.string().describe('the time of the reading that raised it'),
  endedAt: z.string().nullable(),
  endReason: z.string().nullable(),
  open: z.boolean(),
  evidence: z.record(z.string(), z.unknown()).describe('the figures that raised it (docs/water.md)'),
  sms: z.enum(['none', 'queued', 'deferred', 'limited', 'no_phone', 'stale']).describe('the household’s text: queued, deferred to morning, limited (one per meter, type and day), none'),
  smsDueAt: z.string().nullable(),
  caseId: z.string().nullable().describe('the grid case opened for a visit (zero use in an elderly household)'),
  acknowledged: z.object({ by: z.string().nullable(), at: z.string(), note: z.string().nullable() }).nullable(),
});

export const alertDetail = alertView.extend({
  meter: meterView.nullable(),
  usage: usageSeries.describe('hourly use from three days before to a day after (or now)'),
  readings: z.array(z.object({ at: z.string(), litres: z.number(), verdict: z.string() })).describe('the raw readings around the alert'),
});

export const alertPage = pageOf(alertView);

export const acknowledgeBody = z.strictObject({ note: z.string().trim().max(500).optional() });

// ---- figures and settings ----------------------------------------------------------------------

export const statsQuery = z.strictObject({ village: regionCode.optional() });

export const waterStats = z.object({
  meters: z.object({
    total: z.number().int(),
    enabled: z.number().int(),
    reporting: z.number().int().describe('with a reading in the last 26 hours'),
    mqtt: z.number().int(),
  }),
  openAlerts: z.object({ total: z.number().int(), leak: z.number().int(), burst: z.number().int(), spike: z.number().int(), zero: z.number().int(), fault: z.number().int() }),
  today: z.object({
    alerts: z.number().int().describe('raised since local midnight'),
    litres: z.number().describe('use so far today (local day) over the meters in scope'),
    texts: z.number().int().describe('texts sent to households today'),
  }),
  villages: z.array(z.object({ code: z.string(), name: z.string(), meters: z.number().int(), openAlerts: z.number().int(), litresToday: z.number() })),
  latest: z.array(alertView).describe('the five newest alerts'),
});

const thresholdRange = (min: number, max: number) => z.number().min(min).max(max).optional();

export const thresholdsBody = z.strictObject({
  leakMinFlowLph: thresholdRange(0.5, 100),
  leakHours: thresholdRange(4, 168),
  burstFlowLph: thresholdRange(50, 10_000),
  burstMinMinutes: thresholdRange(10, 60),
  spikeFactor: thresholdRange(1.5, 20),
  spikeHighFactor: thresholdRange(1, 10),
  spikeMinExtraLitres: thresholdRange(0, 10_000),
  spikeWarmupDays: thresholdRange(3, 56),
  zeroHours: thresholdRange(12, 720),
  zeroActiveDays: thresholdRange(1, 14),
  zeroActiveLitres: thresholdRange(0, 1000),
  maxFlowLph: thresholdRange(500, 100_000),
  maxIntervalHours: thresholdRange(1, 24),
});

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');

export const putSettingsBody = z.strictObject({
  thresholds: thresholdsBody.default({}),
  quietHours: z.strictObject({ start: clock, end: clock }).nullable().optional().describe('no texts between these local times (queued until the end); null: the platform’s default'),
});

export const waterSettingsView = z.object({
  regionCode: z.string(),
  regionName: z.string(),
  overrides: z.record(z.string(), z.number()).describe('set here'),
  inherited: z.record(z.string(), z.number()).describe('set by a region above'),
  effective: z.record(z.string(), z.number()).describe('in force here: defaults, then regions above, then this one'),
  defaults: z.record(z.string(), z.number()),
  quietHours: z.object({ start: z.string(), end: z.string(), own: z.boolean() }),
});

export type ListMetersQuery = z.infer<typeof listMetersQuery>;
export type CreateMeterBody = z.infer<typeof createMeterBody>;
export type UpdateMeterBody = z.infer<typeof updateMeterBody>;
export type MeterView = z.infer<typeof meterView>;
export type MeterDetail = z.infer<typeof meterDetail>;
export type MeterCredentials = z.infer<typeof meterCredentials>;
export type UploadReadingsBody = z.infer<typeof uploadReadingsBody>;
export type IngestResult = z.infer<typeof ingestResult>;
export type CsvImportResult = z.infer<typeof csvImportResult>;
export type UsageQuery = z.infer<typeof usageQuery>;
export type UsageSeries = z.infer<typeof usageSeries>;
export type ListAlertsQuery = z.infer<typeof listAlertsQuery>;
export type AlertView = z.infer<typeof alertView>;
export type AlertDetail = z.infer<typeof alertDetail>;
export type WaterStats = z.infer<typeof waterStats>;
export type PutSettingsBody = z.infer<typeof putSettingsBody>;
export type WaterSettingsView = z.infer<typeof waterSettingsView>;
