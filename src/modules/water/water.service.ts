import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { WaterAlertSms, WaterReadingSource, WaterReadingVerdict } from '../../platform/db/schema.js';
import { EventBus } from '../../platform/events.js';
import { AppError, fieldError } from '../../platform/http/errors.js';
import type { JobQueue } from '../../platform/jobs/job-queue.js';
import type { EmbeddedBroker } from '../../platform/mqtt/broker.js';
import type { MqttBus } from '../../platform/mqtt/bus.js';
import { generateDeviceSecret, hashDeviceSecret, verifyDeviceSecret } from '../../platform/mqtt/credentials.js';
import { DeviceTopics, isDeviceId } from '../../platform/mqtt/topics.js';
import type { Actor, RequestMeta } from '../../platform/request-context.js';
import { isWithin, type Scope } from '../../platform/scope.js';
import type { SmsOutbox } from '../../platform/sms/sms-outbox.js';
import { can, requirePermission } from '../accounts/policies.js';
import type { AuditService } from '../audit/audit.service.js';
import type { LiveHub } from '../live/live-hub.js';
import type { RegionsService } from '../regions/regions.service.js';
import { expectedHour, weekdayOf } from './detectors/baseline.js';
import type { MeterState } from './detectors/meter-processor.js';
import { runBatch } from './detectors/pipeline.js';
import { defaultDetectorSettings, type DetectorSettings, settingsWith } from './detectors/settings.js';
import { DAY_MS, type DetectorEvent, HOUR_MS, type MeterReading, type WaterAlertType } from './detectors/types.js';
import { parseMeterPayload } from './meter-protocol.js';
import { parseReadingsCsv } from './readings-csv.js';
import { alertSmsParams, clockOf, minutesOf, visitCaseText } from './water-texts.js';
import type { AlertRow, LockedMeter, MeterRow, SettingsRow, WaterRepository } from './water.repository.js';
import type {
  AlertDetail,
  AlertView,
  CreateMeterBody,
  CsvImportResult,
  IngestResult,
  ListAlertsQuery,
  ListMetersQuery,
  MeterCredentials,
  MeterDetail,
  MeterView,
  PutSettingsBody,
  UpdateMeterBody,
  UploadReadingsBody,
  UsageQuery,
  UsageSeries,
  WaterSettingsView,
  WaterStats,
} from './water.schema.js';

/** A stable UUID (v4 layout) derived from a name: the same detection always gets the same alert id. */
export function uuidFrom(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export const WATER_SMS_JOB = 'water.sms';
/** Readings dated later than this after now are refused (a meter whose clock runs ahead). */
const FUTURE_TOLERANCE_MS = 10 * 60_000;
/** Alerts not current by this much (found in a late upload, a CSV of last month, and over) text nobody and open no case. */
const STALE_AFTER_MS = 24 * HOUR_MS;
/** The settings table is re-read this often (every process sees a change within it). */
const SETTINGS_TTL_MS = 30_000;
/** Readings a batch of one meter may bring at most (a CSV is cut into batches of this size). */
const BATCH_READINGS = 5000;
const VILLAGE_PATH_DEPTH = 3;

export interface WaterEvents {
  'water.alert.opened': { alertId: string; meterId: string; type: WaterAlertType; regionPath: string; at: Date };
  'water.alert.ended': { alertId: string; meterId: string; type: WaterAlertType; regionPath: string; at: Date; reason: string };
}

/** The elderly register (养老), when the platform has one: who lives in a household, and visits to them on a zero-use alert. */
export interface WaterCare {
  /** Null when the register has no active elderly resident in the household. */
  householdProfile(householdId: string): Promise<{ livesAlone: boolean } | null>;
  requestVisit(input: { alertId: string; householdId: string; note: string }): Promise<{ visits: number }>;
}

export interface WaterSettings {
  topicPrefix: string;
  /** Default quiet hours (no texts), minutes after local midnight: 22:00–08:00. */
  quietStart: number;
  quietEnd: number;
}

export interface WaterDeps {
  db: Db;
  repository: WaterRepository;
  regions: RegionsService;
  households: { summaryOf(id: string): Promise<{ id: string; name: string; villageCode: string } | undefined> };
  cases: { submitFromAlarm(input: { id: string; source: 'water'; categoryCode: string; description: string; regionCode: string; location: { lon: number; lat: number } | null; reporter: null }): Promise<{ id: string }> };
  sms: SmsOutbox;
  jobs: JobQueue;
  live: LiveHub;
  audit: AuditService;
  clock: Clock;
  logger: Logger;
  settings: WaterSettings;
  /** Is this id a device's (speakers share the broker's namespace with meters)? */
  deviceIdTaken?: (id: string) => Promise<boolean>;
  care?: WaterCare;
}

interface ResolvedSettings {
  detector: DetectorSettings;
  quietStart: number;
  quietEnd: number;
}

interface OpenedAlert {
  id: string;
  meter: LockedMeter;
  type: WaterAlertType;
  at: Date;
  evidence: Record<string, unknown>;
  stillOpen: boolean;
  /** The meter's newest reading after the batch: an alert still open is as current as it. */
  lastReadingAt: Date;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const maskPhone = (phone: string | null) => (phone ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : null);

/**
 * 用水量异常波动预警: the meter register (scoped like everything else), readings in (MQTT, HTTP
 * batches, CSV) through the detectors (detectors/, one small state per meter stored with it),
 * alerts with their evidence that end when the condition clears, the household's text through the
 * SMS outbox (one per meter, type and day; none at night), a grid case when an elderly household
 * stops using water, and the figures for the big screen.
 */
export class WaterService {
  readonly events: EventBus<WaterEvents>;
  readonly topics: DeviceTopics;
  private messaging: { bus: MqttBus; broker?: EmbeddedBroker; deviceUrl: string } | undefined;
  private settingsCache: { at: number; rows: SettingsRow[] } | undefined;
  private readonly lastWarned = new Map<string, number>();
  private readonly counters = { messages: 0, rejected: {} as Record<string, number>, readings: 0, stored: 0, duplicates: 0, late: 0, faults: 0 };
  private pending: { meterId: string; readings: MeterReading[]; resolve: (r: IngestResult) => void; reject: (e: unknown) => void }[] = [];
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: WaterDeps) {
    this.events = new EventBus<WaterEvents>(deps.logger);
    this.topics = new DeviceTopics(deps.settings.topicPrefix);
    deps.jobs.register(WATER_SMS_JOB, (tx, payload, now) => this.textDue(tx, String(payload.alertId), now));
  }

  // ---- the register ---------------------------------------------------------------------------

  async listMeters(actor: Actor, query: ListMetersQuery) {
    requirePermission(actor.role, 'water.read');
    const { page, pageSize, ...filter } = query;
    const { rows, total } = await this.deps.repository.listMeters(actor.scope, filter, { page, pageSize });
    return { items: await this.meterViews(actor, rows), total, page, pageSize };
  }

  async getMeter(actor: Actor, id: string): Promise<MeterDetail> {
    requirePermission(actor.role, 'water.read');
    return this.meterDetail(actor, await this.readableMeter(actor, id));
  }

  async createMeter(actor: Actor, body: CreateMeterBody, meta: RequestMeta): Promise<{ meter: MeterDetail; secret: string | null; broker: MeterCredentials['broker'] | null }> {
    requirePermission(actor.role, 'water.write');
    if (await this.deps.deviceIdTaken?.(body.id)) throw new AppError('WATER_METER_EXISTS');
    const household = body.householdId ? await this.household(actor, body.householdId, 'body.householdId') : undefined;
    const place = await this.placeFor(actor, body.regionCode ?? household?.villageCode ?? actor.scope.regionCode, 'body.regionCode');
    if (household && place.village?.code !== household.villageCode) throw fieldError('body.regionCode', '水表应在该户所在村', 'the meter stands in its household’s village');
    const secret = body.mqtt ? generateDeviceSecret() : null;
    const now = this.deps.clock.now();
    const created = await this.deps.db.transaction().execute(async (tx) => {
      const inserted = await this.deps.repository.insertMeter(tx, {
        id: body.id,
        name: body.name,
        kind: body.kind,
        household_id: household?.id ?? null,
        region_code: place.region.code,
        region_path: place.region.path,
        address: body.address ?? null,
        lon: body.location?.lon ?? null,
        lat: body.location?.lat ?? null,
        contact_name: body.contactName ?? null,
        contact_phone: body.contactPhone ?? null,
        elderly: body.elderly,
        lives_alone: body.livesAlone,
        secret_hash: secret ? await hashDeviceSecret(secret) : null,
        enabled: true,
        last_reading_at: null,
        last_litres: null,
        last_rejected_at: null,
        last_rejected_reason: null,
        created_at: now,
        updated_at: now,
      });
      if (!inserted) return false;
      await this.deps.audit.record(tx, actor, meta, {
        action: 'water_meter.create',
        targetType: 'water_meter',
        targetId: body.id,
        regionPath: place.region.path,
        details: { ...body, contactPhone: maskPhone(body.contactPhone ?? null), regionCode: place.region.code },
      });
      return true;
    });
    if (!created) throw new AppError('WATER_METER_EXISTS');
    const meter = await this.getMeter(actor, body.id);
    return { meter, secret, broker: secret ? this.brokerFor(body.id) : null };
  }

  async updateMeter(actor: Actor, id: string, body: UpdateMeterBody, meta: RequestMeta): Promise<MeterDetail> {
    requirePermission(actor.role, 'water.write');
    const before = await this.readableMeter(actor, id);
    const household = body.householdId ? await this.household(actor, body.householdId, 'body.householdId') : undefined;
    const place = body.regionCode !== undefined || household ? await this.placeFor(actor, body.regionCode ?? household!.villageCode, 'body.regionCode') : undefined;
    if (household && (place?.village?.code ?? before.region_path.split('/')[VILLAGE_PATH_DEPTH]) !== household.villageCode) {
      throw fieldError('body.regionCode', '水表应在该户所在村', 'the meter stands in its household’s village');
    }
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.updateMeter(tx, id, {
        ...(body.name !== undefined && { name: body.name }),
        ...(body.kind !== undefined && { kind: body.kind }),
        ...(body.householdId !== undefined && { household_id: body.householdId }),
        ...(place && { region_code: place.region.code, region_path: place.region.path }),
        ...(body.address !== undefined && { address: body.address }),
        ...(body.location !== undefined && { lon: body.location?.lon ?? null, lat: body.location?.lat ?? null }),
        ...(body.contactName !== undefined && { contact_name: body.contactName }),
        ...(body.contactPhone !== undefined && { contact_phone: body.contactPhone }),
        ...(body.elderly !== undefined && { elderly: body.elderly }),
        ...(body.livesAlone !== undefined && { lives_alone: body.livesAlone }),
        ...(body.enabled !== undefined && { enabled: body.enabled }),
        updated_at: now,
      });
      await this.deps.audit.record(tx, actor, meta, {
        action: 'water_meter.update',
        targetType: 'water_meter',
        targetId: id,
        regionPath: place?.region.path ?? before.region_path,
        details: { ...body, ...(body.contactPhone !== undefined && { contactPhone: maskPhone(body.contactPhone) }) },
      });
    });
    if (body.enabled === false) this.messaging?.broker?.disconnect(id);
    return this.getMeter(actor, id);
  }

  async removeMeter(actor: Actor, id: string, meta: RequestMeta): Promise<void> {
    requirePermission(actor.role, 'water.write');
    const meter = await this.readableMeter(actor, id);
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.deleteMeter(tx, id);
      await this.deps.audit.record(tx, actor, meta, {
        action: 'water_meter.delete',
        targetType: 'water_meter',
        targetId: id,
        regionPath: meter.region_path,
        details: { name: meter.name, readings: Number(meter.readings_count) },
      });
    });
    this.messaging?.broker?.disconnect(id);
  }

  /** New MQTT credentials, shown once; the old secret stops working and a connected meter is disconnected. */
  async rotateSecret(actor: Actor, id: string, meta: RequestMeta): Promise<MeterCredentials> {
    requirePermission(actor.role, 'water.write');
    const meter = await this.readableMeter(actor, id);
    const secret = generateDeviceSecret();
    const hash = await hashDeviceSecret(secret);
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.updateMeter(tx, id, { secret_hash: hash, updated_at: this.deps.clock.now() });
      await this.deps.audit.record(tx, actor, meta, { action: 'water_meter.rotate_secret', targetType: 'water_meter', targetId: id, regionPath: meter.region_path });
    });
    this.messaging?.broker?.disconnect(id);
    return { meter: await this.getMeter(actor, id), secret, broker: this.brokerFor(id) };
  }

  /** Demo mode only: a meter with a known secret (the simulator's), skipped when the id exists. */
  async createDemoMeter(input: {
    id: string;
    name: string;
    regionCode: string;
    householdId: string | null;
    address: string | null;
    location: { lon: number; lat: number } | null;
    contactName: string | null;
    contactPhone: string | null;
    elderly: boolean;
    livesAlone: boolean;
    secret: string;
  }): Promise<void> {
    const place = await this.deps.regions.placeOf(input.regionCode);
    if (!place) return;
    const now = this.deps.clock.now();
    await this.deps.repository.insertMeter(this.deps.db, {
      id: input.id,
      name: input.name,
      kind: 'household',
      household_id: input.householdId,
      region_code: place.region.code,
      region_path: place.region.path,
      address: input.address,
      lon: input.location?.lon ?? null,
      lat: input.location?.lat ?? null,
      contact_name: input.contactName,
      contact_phone: input.contactPhone,
      elderly: input.elderly,
      lives_alone: input.livesAlone,
      secret_hash: await hashDeviceSecret(input.secret),
      enabled: true,
      last_reading_at: null,
      last_litres: null,
      last_rejected_at: null,
      last_rejected_reason: null,
      created_at: now,
      updated_at: now,
    });
  }

  // ---- readings in ------------------------------------------------------------------------------

  /** HTTP batch upload: readings of any meters in the caller's region. */
  async uploadReadings(actor: Actor, body: UploadReadingsBody): Promise<IngestResult> {
    requirePermission(actor.role, 'water.write');
    const ids = [...new Set(body.readings.map((r) => r.meterId))];
    const known = new Set(await this.deps.repository.meterIdsInScope(actor.scope, ids));
    const byMeter = new Map<string, MeterReading[]>();
    for (const r of body.readings) {
      if (!known.has(r.meterId)) continue;
      const list = byMeter.get(r.meterId) ?? [];
      list.push({ at: Date.parse(r.at), litres: r.litres });
      byMeter.set(r.meterId, list);
    }
    const result = await this.ingest([...byMeter].map(([meterId, readings]) => ({ meterId, readings })), 'http');
    const unknown = ids.filter((id) => !known.has(id));
    return { ...result, received: body.readings.length, unknownMeters: [...new Set([...unknown, ...result.unknownMeters])].sort() };
  }

  /** CSV import (`timestamp,reading_litres`) for one meter of the caller's region. */
  async importCsv(actor: Actor, meterId: string, text: string): Promise<CsvImportResult> {
    requirePermission(actor.role, 'water.write');
    const meter = await this.readableMeter(actor, meterId);
    const settings = await this.settingsFor(meter.region_path);
    const parsed = parseReadingsCsv(text, settings.detector.utcOffsetMinutes);
    if (parsed.readings.length === 0 && parsed.errors.length > 0) {
      throw new AppError('WATER_CSV_INVALID', { details: parsed.errors.slice(0, 20).map((e) => ({ field: `line ${e.line}`, message: e.message, messageEn: e.message })) });
    }
    const total: IngestResult = { received: 0, stored: 0, duplicates: 0, late: 0, faults: 0, rejected: 0, unknownMeters: [], alertsOpened: 0, alertsEnded: 0 };
    // Time order first, so a file in any order reads as the meter read it.
    const readings = [...parsed.readings].sort((a, b) => a.at - b.at);
    for (let i = 0; i < readings.length; i += BATCH_READINGS) {
      const part = await this.ingest([{ meterId, readings: readings.slice(i, i + BATCH_READINGS) }], 'csv');
      for (const key of ['received', 'stored', 'duplicates', 'late', 'faults', 'rejected', 'alertsOpened', 'alertsEnded'] as const) total[key] += part[key];
      total.unknownMeters = part.unknownMeters;
      if (part.unknownMeters.length > 0) break;
    }
    return { ...total, errors: parsed.errors };
  }

  /**
   * The core of ingestion, for every source (unscoped: callers check who may send what). Per batch:
   * the meters are locked in id order; new readings are stored (a (meter, time) pair already there is
   * a duplicate and changes nothing); each meter's readings run through its detectors in time order
   * from its stored state; the state, the readings' verdicts and the alerts opened and ended are
   * written; texts are queued or deferred — all in one transaction. Cases for visits, live messages
   * and events follow the commit.
   */
  async ingest(batches: { meterId: string; readings: MeterReading[] }[], source: WaterReadingSource): Promise<IngestResult> {
    const now = this.deps.clock.now();
    const result: IngestResult = { received: 0, stored: 0, duplicates: 0, late: 0, faults: 0, rejected: 0, unknownMeters: [], alertsOpened: 0, alertsEnded: 0 };
    const byMeter = new Map<string, Map<number, number>>();
    for (const batch of batches) {
      const readings = byMeter.get(batch.meterId) ?? new Map<number, number>();
      for (const r of batch.readings) {
        result.received++;
        if (!Number.isFinite(r.at) || r.at > now.getTime() + FUTURE_TOLERANCE_MS) {
          result.rejected++;
          continue;
        }
        if (readings.has(r.at)) result.duplicates++;
        else readings.set(r.at, r.litres);
      }
      byMeter.set(batch.meterId, readings);
    }
    const ids = [...byMeter.keys()].sort();
    if (ids.length === 0) return result;
    const allSettings = await this.allSettings();
    const opened: OpenedAlert[] = [];
    const caughtUpAlerts: OpenedAlert[] = [];
    const ended: { id: string; meterId: string; type: WaterAlertType; regionPath: string; at: Date; reason: string }[] = [];

    await this.deps.db.transaction().execute(async (tx) => {
      const meters = (await this.deps.repository.lockMeters(tx, ids)).filter((m) => m.enabled);
      const found = new Set(meters.map((m) => m.id));
      result.unknownMeters = ids.filter((id) => !found.has(id));
      const rows: { meterId: string; at: Date; litres: number; verdict: WaterReadingVerdict }[] = [];
      for (const meter of meters) {
        for (const [at, litres] of byMeter.get(meter.id)!) rows.push({ meterId: meter.id, at: new Date(at), litres, verdict: 'ok' });
      }
      const stored = await this.deps.repository.insertReadings(tx, rows, source, now);
      result.stored = stored.size;
      result.duplicates += rows.length - stored.size;

      const verdicts: { meterId: string; at: Date; verdict: WaterReadingVerdict }[] = [];
      const states: { id: string; state: string; lastAt: Date | null; lastLitres: number | null; added: number }[] = [];
      const openedHere: OpenedAlert[] = [];
      /** Meters whose readings were behind and have caught up with the present in this batch. */
      const caughtUp: { meter: LockedMeter; lastReadingAt: Date }[] = [];
      for (const meter of meters) {
        const fresh = [...byMeter.get(meter.id)!].filter(([at]) => stored.has(`${meter.id}|${at}`)).map(([at, litres]) => ({ at, litres }));
        if (fresh.length === 0) continue;
        const settings = this.resolve(allSettings, meter.region_path).detector;
        const previous = meter.state as MeterState | null;
        const behind = !previous?.last || now.getTime() - previous.last[0] > STALE_AFTER_MS;
        const batch = runBatch(previous ?? null, fresh, settings);
        if (behind && batch.state.last && now.getTime() - batch.state.last[0] <= STALE_AFTER_MS) caughtUp.push({ meter, lastReadingAt: new Date(batch.state.last[0]) });
        for (const r of batch.results) {
          if (r.verdict !== 'ok') verdicts.push({ meterId: meter.id, at: new Date(r.reading.at), verdict: r.verdict });
          if (r.verdict === 'late') result.late++;
          if (r.verdict === 'backwards' || r.verdict === 'jump') result.faults++;
          for (const event of r.events) {
            if (event.kind === 'open') openedHere.push(await this.openAlert(tx, meter, event, now));
            else {
              const row = await this.deps.repository.endAlert(tx, meter.id, event.type, new Date(event.at), event.reason);
              if (row) ended.push({ id: row.id, meterId: meter.id, type: event.type, regionPath: row.region_path, at: new Date(event.at), reason: event.reason });
            }
          }
        }
        for (const alert of openedHere.filter((a) => a.meter.id === meter.id)) {
          alert.stillOpen = batch.state.open[alert.type] === alert.at.getTime();
          if (batch.state.last) alert.lastReadingAt = new Date(batch.state.last[0]);
        }
        states.push({ id: meter.id, state: JSON.stringify(batch.state), lastAt: batch.state.last ? new Date(batch.state.last[0]) : null, lastLitres: batch.state.last?.[1] ?? null, added: fresh.length });
      }
      await this.deps.repository.setVerdicts(tx, verdicts);
      await this.deps.repository.saveStates(tx, states, now);
      // The household's text: now, at the end of the quiet hours, or not at all.
      for (const alert of openedHere) {
        const settings = this.resolve(allSettings, alert.meter.region_path);
        const sms = await this.decideText(tx, alert, settings, now);
        await this.deps.repository.setAlertSms(tx, alert.id, sms.status, sms.dueAt);
      }
      opened.push(...openedHere);
      // A meter that was behind (a battery meter's days, a backlog) and has caught up: alerts found in
      // its older readings that still go on are news now — a leak still running, a silence not yet broken.
      if (caughtUp.length > 0) {
        const fresh = new Set(openedHere.map((a) => a.id));
        for (const row of await this.deps.repository.staleOpenAlerts(tx, caughtUp.map((c) => c.meter.id))) {
          if (fresh.has(row.id)) continue;
          const { meter, lastReadingAt } = caughtUp.find((c) => c.meter.id === row.meter_id)!;
          const alert: OpenedAlert = { id: row.id, meter, type: row.type, at: row.started_at, evidence: row.evidence, stillOpen: true, lastReadingAt };
          const sms = await this.decideText(tx, alert, this.resolve(allSettings, meter.region_path), now);
          await this.deps.repository.setAlertSms(tx, alert.id, sms.status, sms.dueAt);
          caughtUpAlerts.push(alert);
        }
      }
    });

    result.alertsOpened = opened.length;
    result.alertsEnded = ended.length;
    this.counters.readings += result.received;
    this.counters.stored += result.stored;
    this.counters.duplicates += result.duplicates;
    this.counters.late += result.late;
    this.counters.faults += result.faults;
    await this.afterCommit(opened, ended, now);
    for (const alert of caughtUpAlerts) if (alert.type === 'zero') await this.careFor(alert);
    return result;
  }

  private async openAlert(tx: Db, meter: LockedMeter, event: Extract<DetectorEvent, { kind: 'open' }>, now: Date): Promise<OpenedAlert> {
    const at = new Date(event.at);
    const id = uuidFrom(`water-alert:${meter.id}:${event.type}:${event.at}`);
    const evidence = event.evidence as unknown as Record<string, unknown>;
    // A meter whose state was lost (restored from a backup) may still have an older alert of this type open.
    await this.deps.repository.endAlert(tx, meter.id, event.type, at, 'superseded', at);
    await this.deps.repository.insertAlert(tx, {
      id,
      meter_id: meter.id,
      meter_name: meter.name,
      region_code: meter.region_code,
      region_path: meter.region_path,
      household_id: meter.household_id,
      type: event.type,
      started_at: at,
      ended_at: null,
      end_reason: null,
      evidence: JSON.stringify(evidence),
      sms: 'none',
      sms_due_at: null,
      case_id: null,
      acknowledged_by: null,
      acknowledged_by_name: null,
      acknowledged_at: null,
      note: null,
      created_at: now,
    });
    return { id, meter, type: event.type, at, evidence, stillOpen: true, lastReadingAt: at };
  }

  /** What becomes of a new alert's text: sent now (once a day per meter and type), after the quiet hours, or not. */
  private async decideText(tx: Db, alert: OpenedAlert, settings: ResolvedSettings, now: Date): Promise<{ status: WaterAlertSms; dueAt: Date | null }> {
    if (alert.type === 'fault') return { status: 'none', dueAt: null };
    if (!current(alert, now)) return { status: 'stale', dueAt: null };
    if (!alert.meter.contact_phone) return { status: 'no_phone', dueAt: null };
    const offset = settings.detector.utcOffsetMinutes;
    const quietUntil = endOfQuiet(now, settings.quietStart, settings.quietEnd, offset);
    if (quietUntil) {
      await this.deps.jobs.schedule(tx, { kind: WATER_SMS_JOB, runAt: quietUntil, payload: { alertId: alert.id }, dedupeKey: `water-sms:${alert.id}` });
      return { status: 'deferred', dueAt: quietUntil };
    }
    return { status: await this.sendText(tx, alert.id, alert.meter.id, alert.type, alert.meter.contact_phone, alert.meter.region_path, alert.meter.name, alert.at, alert.evidence, now, offset), dueAt: null };
  }

  /** Queues the text unless this meter already had one of this type today (local day). */
  private async sendText(
    tx: Db,
    alertId: string,
    meterId: string,
    type: WaterAlertType,
    phone: string,
    regionPath: string,
    meterName: string,
    at: Date,
    evidence: Record<string, unknown>,
    now: Date,
    utcOffsetMinutes: number,
  ): Promise<WaterAlertSms> {
    const day = new Date(now.getTime() + utcOffsetMinutes * 60_000).toISOString().slice(0, 10);
    if (!(await this.deps.repository.bookText(tx, { meterId, type, day, alertId, at: now }))) return 'limited';
    await this.deps.sms.enqueue(tx, { phone, template: 'water_alert', params: alertSmsParams({ type, meterName, at, evidence, utcOffsetMinutes }), regionPath, reference: `water-alert:${alertId}` });
    return 'queued';
  }

  /** The quiet hours are over: the deferred text goes out now (still at most one per meter, type and day). */
  private async textDue(tx: Db, alertId: string, now: Date): Promise<void> {
    await this.deps.repository.lockAlert(tx, alertId);
    const alert = await this.deps.repository.findAlert(alertId, tx);
    if (!alert || alert.sms !== 'deferred') return;
    const meter = await this.deps.repository.findMeter(alert.meter_id, tx);
    if (!meter?.contact_phone) {
      await this.deps.repository.setAlertSms(tx, alertId, 'no_phone', null);
      return;
    }
    const settings = await this.settingsFor(meter.region_path);
    const status = await this.sendText(tx, alertId, meter.id, alert.type, meter.contact_phone, meter.region_path, meter.name, alert.started_at, alert.evidence, now, settings.detector.utcOffsetMinutes);
    await this.deps.repository.setAlertSms(tx, alertId, status, null);
  }

  private async afterCommit(opened: OpenedAlert[], ended: { id: string; meterId: string; type: WaterAlertType; regionPath: string; at: Date; reason: string }[], now: Date): Promise<void> {
    for (const alert of opened) {
      this.events.emit('water.alert.opened', { alertId: alert.id, meterId: alert.meter.id, type: alert.type, regionPath: alert.meter.region_path, at: alert.at });
      await this.publish('water.alert', alert.meter.region_path, { id: alert.id, meterId: alert.meter.id, meterName: alert.meter.name, type: alert.type, startedAt: alert.at.toISOString(), open: alert.stillOpen });
      if (alert.type === 'zero' && alert.stillOpen && current(alert, now)) await this.careFor(alert);
    }
    for (const end of ended) {
      this.events.emit('water.alert.ended', { alertId: end.id, meterId: end.meterId, type: end.type, regionPath: end.regionPath, at: end.at, reason: end.reason });
      await this.publish('water.alert.ended', end.regionPath, { id: end.id, meterId: end.meterId, type: end.type, endedAt: end.at.toISOString(), reason: end.reason });
    }
  }

  /**
   * A household that normally uses water every day has used none for days: where it is elderly or
   * living alone, the grid worker gets a case to visit (id derived from the alert, so a retry finds
   * the same case). The elderly register is the authority on who lives there; the meter's own flags
   * only speak for households the register does not know.
   */
  private async careFor(alert: OpenedAlert): Promise<void> {
    const meter = alert.meter;
    try {
      const registered = this.deps.care && meter.household_id ? await this.deps.care.householdProfile(meter.household_id) : null;
      const household = registered ? { elderly: true, livesAlone: registered.livesAlone } : { elderly: meter.elderly, livesAlone: meter.lives_alone };
      if (registered) {
        const note = visitCaseText({ meterName: meter.name, address: null, evidence: alert.evidence, ...household });
        await this.deps.care!.requestVisit({ alertId: alert.id, householdId: meter.household_id!, note });
      }
      if (!household.elderly && !household.livesAlone) return;
      const row = await this.deps.repository.findMeter(meter.id);
      const { id } = await this.deps.cases.submitFromAlarm({
        id: uuidFrom(`water-case:${alert.id}`),
        source: 'water',
        categoryCode: 'assistance',
        description: visitCaseText({ meterName: meter.name, address: row?.address ?? null, evidence: alert.evidence, ...household }),
        regionCode: meter.region_code,
        location: meter.lon !== null && meter.lat !== null ? { lon: meter.lon, lat: meter.lat } : null,
        reporter: null,
      });
      await this.deps.repository.setAlertCase(alert.id, id);
    } catch (error) {
      this.deps.logger.error({ err: error, alertId: alert.id, meterId: meter.id }, 'water: could not open the visit for a silent household');
    }
  }

  private async publish(event: string, regionPath: string, data: unknown): Promise<void> {
    try {
      await this.deps.live.publish({ event, regionPath, data, permission: 'water.read' });
    } catch (error) {
      this.deps.logger.warn({ err: error, event }, 'water: live message not sent');
    }
  }

  // ---- MQTT -------------------------------------------------------------------------------------

  /** Connects to the broker: meters' readings start flowing in. */
  async attach(messaging: { bus: MqttBus; broker?: EmbeddedBroker; deviceUrl: string }): Promise<void> {
    this.messaging = messaging;
    await messaging.bus.listenMeters((meterId, payload) => this.handleMeterMessage(meterId, payload));
  }

  detach(): void {
    this.messaging = undefined;
  }

  /** The broker asks about an id the devices table does not know: a meter's, with its secret? */
  async verifyCredentials(id: string, secret: string): Promise<boolean | undefined> {
    if (!isDeviceId(id)) return undefined;
    const row = await this.deps.repository.credentials(id);
    if (!row) return undefined;
    if (!row.enabled || !row.secret_hash) return false;
    return verifyDeviceSecret(secret, row.secret_hash);
  }

  async passwordLines(): Promise<string[]> {
    return (await this.deps.repository.enabledCredentials()).map((row) => `${row.id}:${row.secret_hash}`);
  }

  /** One meter's MQTT message. Malformed: counted on the meter and in the process, logged (throttled), otherwise ignored. */
  async handleMeterMessage(meterId: string, payload: Buffer): Promise<void> {
    this.counters.messages++;
    const parsed = parseMeterPayload(payload);
    if (!parsed.ok) {
      const known = await this.deps.repository.recordRejected(meterId, this.deps.clock.now(), `${parsed.reason}: ${parsed.detail}`);
      this.count(known ? parsed.reason : 'unknown_meter');
      this.warnThrottled(meterId, { meterId, reason: parsed.reason, detail: parsed.detail }, 'water: malformed meter message ignored');
      return;
    }
    const result = await this.queueForIngest(meterId, parsed.readings);
    if (result.unknownMeters.includes(meterId)) {
      this.count('unknown_meter');
      this.warnThrottled(meterId, { meterId }, 'water: readings from an unknown or disabled meter ignored');
    }
    if (result.rejected > 0) this.count('future_reading', result.rejected);
  }

  /** This process's counters since start. */
  metrics() {
    return { ...this.counters, rejected: { ...this.counters.rejected }, connected: this.messaging?.bus.connected ?? false };
  }

  /**
   * Messages of many meters arriving together are ingested as one batch (a few statements
   * whatever its size): up to 200 meters or 20 ms, whichever comes first. One meter never has two
   * messages in a batch: the bus hands it the next only when this one is done.
   */
  private queueForIngest(meterId: string, readings: MeterReading[]): Promise<IngestResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ meterId, readings, resolve, reject });
      if (this.pending.length >= 200) void this.flush();
      else this.flushTimer ??= setTimeout(() => void this.flush(), 20);
    });
  }

  private async flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const items = this.pending;
    this.pending = [];
    if (items.length === 0) return;
    try {
      const result = await this.ingest(
        items.map((i) => ({ meterId: i.meterId, readings: i.readings })),
        'mqtt',
      );
      for (const item of items) item.resolve(result);
    } catch (error) {
      for (const item of items) item.reject(error);
    }
  }

  private count(reason: string, n = 1): void {
    this.counters.rejected[reason] = (this.counters.rejected[reason] ?? 0) + n;
  }

  /** At most one warning a minute per meter, so a broken meter cannot flood the log. */
  private warnThrottled(meterId: string, fields: Record<string, unknown>, message: string): void {
    const now = Date.now();
    if ((this.lastWarned.get(meterId) ?? 0) > now - 60_000) return void this.deps.logger.debug(fields, message);
    if (this.lastWarned.size > 10_000) this.lastWarned.clear();
    this.lastWarned.set(meterId, now);
    this.deps.logger.warn(fields, message);
  }

  // ---- alerts -----------------------------------------------------------------------------------

  async listAlerts(actor: Actor, query: ListAlertsQuery) {
    requirePermission(actor.role, 'water.read');
    const { page, pageSize, from, to, ...filter } = query;
    const { rows, total } = await this.deps.repository.listAlerts(
      actor.scope,
      { ...filter, from: from ? new Date(from) : undefined, to: to ? new Date(to) : undefined },
      { page, pageSize },
    );
    return { items: rows.map(toAlertView), total, page, pageSize };
  }

  async getAlert(actor: Actor, id: string): Promise<AlertDetail> {
    requirePermission(actor.role, 'water.read');
    const row = await this.readableAlert(actor, id);
    const meterRow = await this.deps.repository.findMeterInScope(actor.scope, row.meter_id);
    const now = this.deps.clock.now();
    const from = new Date(row.started_at.getTime() - 3 * DAY_MS);
    const to = new Date(Math.min(now.getTime(), (row.ended_at ?? now).getTime() + DAY_MS, from.getTime() + 10 * DAY_MS));
    const usage = await this.usageOf(row.meter_id, meterRow?.region_path ?? row.region_path, from, to, 'hour');
    const readings = await this.deps.repository.readingsBetween(row.meter_id, new Date(row.started_at.getTime() - 12 * HOUR_MS), new Date(row.started_at.getTime() + 2 * HOUR_MS), 60);
    return {
      ...toAlertView(row),
      meter: meterRow ? (await this.meterViews(actor, [meterRow]))[0]! : null,
      usage,
      readings: readings.map((r) => ({ at: r.at.toISOString(), litres: r.litres, verdict: r.verdict })),
    };
  }

  async acknowledge(actor: Actor, id: string, note: string | undefined, meta: RequestMeta): Promise<AlertView> {
    requirePermission(actor.role, 'water.handle');
    const row = await this.readableAlert(actor, id);
    await this.deps.db.transaction().execute(async (tx) => {
      const done = await this.deps.repository.acknowledge(tx, id, { id: actor.userId, name: actor.name }, this.deps.clock.now(), note ?? null);
      if (!done) throw new AppError('WATER_ALERT_ACKNOWLEDGED');
      await this.deps.audit.record(tx, actor, meta, { action: 'water_alert.acknowledge', targetType: 'water_alert', targetId: id, regionPath: row.region_path, details: { note: note ?? null } });
    });
    return toAlertView((await this.deps.repository.findAlert(id))!);
  }

  async usage(actor: Actor, meterId: string, query: UsageQuery): Promise<UsageSeries> {
    requirePermission(actor.role, 'water.read');
    const meter = await this.readableMeter(actor, meterId);
    const to = query.to ? new Date(query.to) : this.deps.clock.now();
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - 7 * DAY_MS);
    const maxDays = query.bucket === 'hour' ? 31 : 400;
    if (to <= from || to.getTime() - from.getTime() > maxDays * DAY_MS) throw fieldError('query.from', `时间范围须在 ${maxDays} 天以内`, `the range must be positive and at most ${maxDays} days`);
    return this.usageOf(meter.id, meter.region_path, from, to, query.bucket);
  }

  /**
   * Use per hour (or local day) from the index: each interval between good readings is spread
   * evenly over the buckets it covers; faults are listed, not counted. With hourly buckets, what the
   * household's hour-of-week baseline expects.
   */
  private async usageOf(meterId: string, regionPath: string, from: Date, to: Date, bucket: 'hour' | 'day'): Promise<UsageSeries> {
    const settings = await this.settingsFor(regionPath);
    const offset = settings.detector.utcOffsetMinutes * 60_000;
    const size = bucket === 'hour' ? HOUR_MS : DAY_MS;
    const startOf = (ms: number) => (bucket === 'hour' ? Math.floor(ms / HOUR_MS) * HOUR_MS : Math.floor((ms + offset) / DAY_MS) * DAY_MS - offset);
    const first = startOf(from.getTime());
    const count = Math.ceil((to.getTime() - first) / size);
    const litres = new Array<number>(Math.max(0, count)).fill(0);
    const readings = await this.deps.repository.readingsBetween(meterId, from, to);
    const before = await this.deps.repository.readingBefore(meterId, from);
    let previous = before ? { at: before.at.getTime(), litres: before.litres } : undefined;
    const faults: UsageSeries['faults'] = [];
    for (const r of readings) {
      if (r.verdict === 'backwards' || r.verdict === 'jump') {
        faults.push({ at: r.at.toISOString(), litres: r.litres, verdict: r.verdict });
        if (r.verdict === 'jump') previous = { at: r.at.getTime(), litres: r.litres };
        continue;
      }
      if (r.verdict === 'late') continue;
      const at = r.at.getTime();
      if (previous && r.litres >= previous.litres && at > previous.at) {
        const used = r.litres - previous.litres;
        for (let t = Math.max(previous.at, first); t < at; ) {
          const index = Math.floor((t - first) / size);
          const end = Math.min(at, first + (index + 1) * size);
          if (index >= 0 && index < litres.length) litres[index]! += (used * (end - t)) / (at - previous.at);
          t = end;
        }
      }
      previous = { at, litres: r.litres };
    }
    const points = litres.map((l, i) => ({ at: new Date(first + i * size).toISOString(), litres: Math.round(l * 10) / 10 }));
    let expected: UsageSeries['expected'] = [];
    if (bucket === 'hour') {
      const state = (await this.deps.repository.stateOf(meterId)) as MeterState | null;
      if (state?.baseline && state.days.length > 0) {
        expected = points.map((p) => {
          const local = Date.parse(p.at) + offset;
          const dayStart = Math.floor(local / DAY_MS) * DAY_MS;
          return { at: p.at, litres: Math.round(expectedHour(state.baseline, weekdayOf(dayStart), Math.floor((local - dayStart) / HOUR_MS)) * 10) / 10 };
        });
      }
    }
    return { meterId, bucket, from: new Date(first).toISOString(), to: to.toISOString(), points, expected, faults };
  }

  // ---- figures ----------------------------------------------------------------------------------

  /** The big screen's water figures (and the console's header): meters, open alerts, today. */
  async stats(actor: Actor, village?: string): Promise<WaterStats> {
    requirePermission(actor.role, 'water.read');
    return this.statsIn(actor.scope, village);
  }

  /**
   * The same figures for a region, with no permission check: for other modules (the big screen)
   * that have checked their own caller's access to the region.
   */
  async statsIn(scope: Scope, village?: string): Promise<WaterStats> {
    const now = this.deps.clock.now();
    const offset = defaultDetectorSettings.utcOffsetMinutes * 60_000;
    const localDayStart = Math.floor((now.getTime() + offset) / DAY_MS) * DAY_MS;
    const since = new Date(localDayStart - offset);
    const r = this.deps.repository;
    const [meters, open, alertsToday, texts, villages, latest] = await Promise.all([
      r.meterCounts(scope, village, new Date(now.getTime() - 26 * HOUR_MS)),
      r.openAlertCounts(scope, village),
      r.alertsSince(scope, village, since),
      r.textsOn(scope, village, new Date(localDayStart).toISOString().slice(0, 10)),
      r.byVillage(scope, village, localDayStart),
      r.listAlerts(scope, { village }, { page: 1, pageSize: 5 }),
    ]);
    const openAlerts = { total: 0, leak: 0, burst: 0, spike: 0, zero: 0, fault: 0 };
    for (const row of open) {
      openAlerts[row.type] = row.n;
      openAlerts.total += row.n;
    }
    return {
      meters,
      openAlerts,
      today: { alerts: alertsToday, litres: Math.round(villages.reduce((sum, v) => sum + v.litres, 0)), texts },
      villages: villages.map((v) => ({ code: v.code, name: v.name, meters: v.meters, openAlerts: v.open_alerts, litresToday: Math.round(v.litres) })),
      latest: latest.rows.map(toAlertView),
    };
  }

  // ---- settings ---------------------------------------------------------------------------------

  async getSettings(actor: Actor, regionCode: string): Promise<WaterSettingsView> {
    requirePermission(actor.role, 'water.read');
    const region = await this.readableRegion(actor, regionCode);
    return this.settingsView(region, await this.allSettings(true));
  }

  async putSettings(actor: Actor, regionCode: string, body: PutSettingsBody, meta: RequestMeta): Promise<WaterSettingsView> {
    requirePermission(actor.role, 'water.write');
    const region = await this.readableRegion(actor, regionCode);
    if (!isWithin(actor.scope, region.path)) throw new AppError('FORBIDDEN');
    const thresholds = Object.fromEntries(Object.entries(body.thresholds).filter(([, v]) => v !== undefined)) as Record<string, number>;
    const existing = (await this.allSettings(true)).find((row) => row.region_code === regionCode);
    const quiet = body.quietHours === undefined ? (existing ? { start: existing.quiet_start, end: existing.quiet_end } : { start: null, end: null }) : body.quietHours === null ? { start: null, end: null } : { start: minutesOf(body.quietHours.start), end: minutesOf(body.quietHours.end) };
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.upsertSettings(tx, {
        region_code: regionCode,
        region_path: region.path,
        thresholds: JSON.stringify(thresholds),
        quiet_start: quiet.start,
        quiet_end: quiet.end,
        updated_by: actor.userId,
        updated_at: this.deps.clock.now(),
      });
      await this.deps.audit.record(tx, actor, meta, { action: 'water_settings.update', targetType: 'region', targetId: regionCode, regionPath: region.path, details: body });
    });
    this.settingsCache = undefined;
    return this.getSettings(actor, regionCode);
  }

  private settingsView(region: { code: string; name: string; path: string }, rows: SettingsRow[]): WaterSettingsView {
    const own = rows.find((row) => row.region_code === region.code);
    const above = rows.filter((row) => row.region_code !== region.code && region.path.startsWith(row.region_path)).sort((a, b) => a.region_path.length - b.region_path.length);
    const inherited = Object.assign({}, ...above.map((row) => row.thresholds)) as Record<string, number>;
    const resolved = this.resolve(rows, region.path);
    return {
      regionCode: region.code,
      regionName: region.name,
      overrides: own?.thresholds ?? {},
      inherited,
      effective: resolved.detector as unknown as Record<string, number>,
      defaults: { ...defaultDetectorSettings } as unknown as Record<string, number>,
      quietHours: { start: clockOf(resolved.quietStart), end: clockOf(resolved.quietEnd), own: own?.quiet_start !== null && own?.quiet_start !== undefined },
    };
  }

  private async allSettings(fresh = false): Promise<SettingsRow[]> {
    const now = Date.now();
    if (fresh || !this.settingsCache || now - this.settingsCache.at > SETTINGS_TTL_MS) {
      this.settingsCache = { at: now, rows: await this.deps.repository.allSettings() };
    }
    return this.settingsCache.rows;
  }

  private async settingsFor(regionPath: string): Promise<ResolvedSettings> {
    return this.resolve(await this.allSettings(), regionPath);
  }

  /** Defaults, then every region above the meter's (county, township, village, grid) in turn. */
  private resolve(rows: SettingsRow[], regionPath: string): ResolvedSettings {
    const applicable = rows.filter((row) => regionPath.startsWith(row.region_path)).sort((a, b) => a.region_path.length - b.region_path.length);
    let quietStart = this.deps.settings.quietStart;
    let quietEnd = this.deps.settings.quietEnd;
    for (const row of applicable) {
      if (row.quiet_start !== null && row.quiet_end !== null) {
        quietStart = row.quiet_start;
        quietEnd = row.quiet_end;
      }
    }
    return { detector: settingsWith(Object.assign({}, ...applicable.map((row) => row.thresholds))), quietStart, quietEnd };
  }

  // ---- inside -----------------------------------------------------------------------------------

  private brokerFor(id: string): MeterCredentials['broker'] {
    return { url: this.messaging?.deviceUrl ?? null, username: id, clientId: id, protocolVersion: 4, topic: this.topics.meterReadings(id) };
  }

  private async readableMeter(actor: Actor, id: string): Promise<MeterRow> {
    const row = await this.deps.repository.findMeterInScope(actor.scope, id);
    if (!row) throw new AppError('WATER_METER_NOT_FOUND');
    return row;
  }

  private async readableAlert(actor: Actor, id: string): Promise<AlertRow> {
    const row = await this.deps.repository.findAlertInScope(actor.scope, id);
    if (!row) throw new AppError('WATER_ALERT_NOT_FOUND');
    return row;
  }

  /** A region the caller may read (its own subtree and the regions above it). */
  private async readableRegion(actor: Actor, code: string): Promise<{ code: string; name: string; path: string }> {
    const region = await this.deps.regions.get(actor, code).catch(() => undefined);
    if (!region) throw new AppError('REGION_NOT_FOUND', { detail: { zh: code, en: code } });
    return { code: region.code, name: region.name, path: (await this.deps.regions.placeOf(code))!.region.path };
  }

  private async household(actor: Actor, id: string, field: string): Promise<{ id: string; name: string; villageCode: string }> {
    const household = await this.deps.households.summaryOf(id);
    const place = household ? await this.deps.regions.placeOf(household.villageCode) : undefined;
    if (!household || !place || !isWithin(actor.scope, place.region.path)) {
      throw new AppError('HOUSEHOLD_NOT_FOUND', { details: [{ field, message: '户不存在', messageEn: 'no such household' }] });
    }
    return household;
  }

  /** A village or grid within the caller's scope. */
  private async placeFor(actor: Actor, code: string, field: string) {
    const place = await this.deps.regions.placeOf(code);
    if (!place || !isWithin(actor.scope, place.region.path)) throw new AppError('REGION_NOT_FOUND', { detail: { zh: code, en: code } });
    if (place.region.level !== 'village' && place.region.level !== 'grid') throw fieldError(field, '水表应设在一个村或网格', 'a meter stands in a village or a grid');
    return place;
  }

  private async meterViews(actor: Actor, rows: MeterRow[]): Promise<MeterView[]> {
    const open = await this.deps.repository.openAlertsOf(rows.map((r) => r.id));
    const households = new Map<string, { id: string; name: string } | null>();
    for (const id of new Set(rows.map((r) => r.household_id).filter((h): h is string => h !== null))) {
      const summary = await this.deps.households.summaryOf(id);
      households.set(id, summary ? { id: summary.id, name: summary.name } : null);
    }
    const seesPhones = can(actor.role, 'water.write');
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      kind: row.kind,
      household: row.household_id ? (households.get(row.household_id) ?? null) : null,
      regionCode: row.region_code,
      regionName: row.region_name,
      address: row.address,
      location: row.lon === null || row.lat === null ? null : { lon: row.lon, lat: row.lat },
      contactName: row.contact_name,
      contactPhone: seesPhones ? row.contact_phone : maskPhone(row.contact_phone),
      elderly: row.elderly,
      livesAlone: row.lives_alone,
      mqtt: row.secret_hash !== null,
      enabled: row.enabled,
      lastReadingAt: iso(row.last_reading_at),
      lastLitres: row.last_litres,
      readingsCount: Number(row.readings_count),
      rejectedMessages: row.rejected_messages,
      lastRejectedAt: iso(row.last_rejected_at),
      lastRejectedReason: row.last_rejected_reason,
      openAlerts: open.filter((a) => a.meter_id === row.id).map((a) => ({ id: a.id, type: a.type, startedAt: a.started_at.toISOString() })),
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    }));
  }

  private async meterDetail(actor: Actor, row: MeterRow): Promise<MeterDetail> {
    const [view] = await this.meterViews(actor, [row]);
    const state = (await this.deps.repository.stateOf(row.id)) as MeterState | null;
    const settings = await this.settingsFor(row.region_path);
    return {
      ...view!,
      topic: this.topics.meterReadings(row.id),
      baseline: {
        daysLearnt: state?.days.length ?? 0,
        usualDayLitres: Math.round((state?.dayMedian ?? 0) * 10) / 10,
        bigDayLitres: Math.round((state?.dayP90 ?? 0) * 10) / 10,
        stateBytes: state ? Buffer.byteLength(JSON.stringify(state)) : 0,
      },
      thresholds: settings.detector as unknown as Record<string, number>,
    };
  }
}

/**
 * Whether an alert is news: one that has ended counts from when it was found, one still open from
 * the meter's newest reading (a silence found in a late upload that still goes on is news).
 */
function current(alert: OpenedAlert, now: Date): boolean {
  return now.getTime() - (alert.stillOpen ? alert.lastReadingAt : alert.at).getTime() <= STALE_AFTER_MS;
}

/**
 * When the quiet hours (local minutes [start, end), across midnight when start > end) hold `now`,
 * the instant they end; otherwise undefined. Equal start and end: no quiet hours.
 */
export function endOfQuiet(now: Date, start: number, end: number, utcOffsetMinutes: number): Date | undefined {
  if (start === end) return undefined;
  const local = now.getTime() + utcOffsetMinutes * 60_000;
  const midnight = Math.floor(local / DAY_MS) * DAY_MS;
  const minute = (local - midnight) / 60_000;
  const quiet = start < end ? minute >= start && minute < end : minute >= start || minute < end;
  if (!quiet) return undefined;
  let endLocal = midnight + end * 60_000;
  if (endLocal <= local) endLocal += DAY_MS;
  return new Date(endLocal - utcOffsetMinutes * 60_000);
}

export function toAlertView(row: AlertRow): AlertView {
  return {
    id: row.id,
    type: row.type,
    meterId: row.meter_id,
    meterName: row.meter_name,
    regionCode: row.region_code,
    regionName: row.region_name,
    householdId: row.household_id,
    startedAt: row.started_at.toISOString(),
    endedAt: iso(row.ended_at),
    endReason: row.end_reason,
    open: row.ended_at === null,
    evidence: row.evidence,
    sms: row.sms,
    smsDueAt: iso(row.sms_due_at),
    caseId: row.case_id,
    acknowledged: row.acknowledged_at ? { by: row.acknowledged_by_name, at: row.acknowledged_at.toISOString(), note: row.note } : null,
  };
}

