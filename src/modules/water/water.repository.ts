import { type Insertable, type Selectable, sql, type Updateable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type {
  WaterAlertSms,
  WaterAlertsTable,
  WaterAlertType,
  WaterMeterKind,
  WaterMetersTable,
  WaterReadingSource,
  WaterReadingVerdict,
  WaterSettingsTable,
} from '../../platform/db/schema.js';
import { offsetOf, type PageRequest } from '../../platform/http/pagination.js';
import { type Scope, subtreePattern } from '../../platform/scope.js';

export type MeterRow = Omit<Selectable<WaterMetersTable>, 'state'> & { region_name: string };
export type AlertRow = Selectable<WaterAlertsTable> & { region_name: string };
export type SettingsRow = Selectable<WaterSettingsTable>;

/** A meter as ingestion needs it, locked for the batch. */
export interface LockedMeter {
  id: string;
  name: string;
  region_code: string;
  region_path: string;
  household_id: string | null;
  contact_phone: string | null;
  elderly: boolean;
  lives_alone: boolean;
  enabled: boolean;
  lon: number | null;
  lat: number | null;
  state: unknown;
}

export interface MeterFilter {
  village?: string;
  kind?: WaterMeterKind;
  alerting?: boolean;
  q?: string;
}

export interface AlertFilter {
  type?: WaterAlertType;
  state?: 'open' | 'ended';
  village?: string;
  meter?: string;
  from?: Date;
  to?: Date;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

const meterColumns = [
  'water_meters.id',
  'water_meters.name',
  'water_meters.kind',
  'water_meters.household_id',
  'water_meters.region_code',
  'water_meters.region_path',
  'water_meters.address',
  'water_meters.lon',
  'water_meters.lat',
  'water_meters.contact_name',
  'water_meters.contact_phone',
  'water_meters.elderly',
  'water_meters.lives_alone',
  'water_meters.secret_hash',
  'water_meters.enabled',
  'water_meters.last_reading_at',
  'water_meters.last_litres',
  'water_meters.readings_count',
  'water_meters.rejected_messages',
  'water_meters.last_rejected_at',
  'water_meters.last_rejected_reason',
  'water_meters.created_at',
  'water_meters.updated_at',
] as const;

/** The water module's SQL: meters, readings (in bulk), the detectors' state, alerts, settings, the texts ledger. */
export class WaterRepository {
  constructor(private readonly db: Db) {}

  // ---- meters -----------------------------------------------------------------------------------

  private meters(db: Db = this.db) {
    return db.selectFrom('water_meters').innerJoin('regions', 'regions.code', 'water_meters.region_code').select(meterColumns).select('regions.name as region_name');
  }

  async findMeter(id: string, db: Db = this.db): Promise<MeterRow | undefined> {
    return this.meters(db).where('water_meters.id', '=', id).executeTakeFirst();
  }

  async findMeterInScope(scope: Scope, id: string, db: Db = this.db): Promise<MeterRow | undefined> {
    return this.meters(db).where('water_meters.id', '=', id).where('water_meters.region_path', 'like', subtreePattern(scope)).executeTakeFirst();
  }

  /** The ids among `ids` of meters within the scope. */
  async meterIdsInScope(scope: Scope, ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('water_meters').select('id').where('id', 'in', ids).where('region_path', 'like', subtreePattern(scope)).execute();
    return rows.map((r) => r.id);
  }

  async listMeters(scope: Scope, filter: MeterFilter, page: PageRequest): Promise<{ rows: MeterRow[]; total: number }> {
    let query = this.db.selectFrom('water_meters').where('water_meters.region_path', 'like', subtreePattern(scope));
    if (filter.village) query = query.where('water_meters.region_path', 'like', `%/${filter.village}/%`);
    if (filter.kind) query = query.where('water_meters.kind', '=', filter.kind);
    if (filter.alerting !== undefined) {
      const open = sql<boolean>`EXISTS (SELECT 1 FROM water_alerts a WHERE a.meter_id = water_meters.id AND a.ended_at IS NULL)`;
      query = query.where(filter.alerting ? open : sql<boolean>`NOT ${open}`);
    }
    if (filter.q) {
      const like = `%${escapeLike(filter.q)}%`;
      query = query.where((eb) => eb.or([eb('water_meters.name', 'like', like), eb('water_meters.id', 'like', like), eb('water_meters.address', 'like', like)]));
    }
    const [rows, total] = await Promise.all([
      this.meters()
        .where('water_meters.id', 'in', query.select('water_meters.id'))
        .orderBy('water_meters.region_path')
        .orderBy('water_meters.id')
        .limit(page.pageSize)
        .offset(offsetOf(page))
        .execute(),
      query.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(total.n) };
  }

  async insertMeter(tx: Db, row: Omit<Insertable<WaterMetersTable>, 'rejected_messages' | 'readings_count' | 'state'>): Promise<boolean> {
    const inserted = await tx
      .insertInto('water_meters')
      .values({ ...row, state: null, readings_count: 0 })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  async updateMeter(tx: Db, id: string, changes: Updateable<WaterMetersTable>): Promise<void> {
    await tx.updateTable('water_meters').set(changes).where('id', '=', id).execute();
  }

  async deleteMeter(tx: Db, id: string): Promise<void> {
    await tx.deleteFrom('water_meters').where('id', '=', id).execute();
  }

  async credentials(id: string): Promise<{ secret_hash: string | null; enabled: boolean } | undefined> {
    return this.db.selectFrom('water_meters').select(['secret_hash', 'enabled']).where('id', '=', id).executeTakeFirst();
  }

  async enabledCredentials(): Promise<{ id: string; secret_hash: string }[]> {
    const rows = await this.db.selectFrom('water_meters').select(['id', 'secret_hash']).where('enabled', '=', true).where('secret_hash', 'is not', null).orderBy('id').execute();
    return rows as { id: string; secret_hash: string }[];
  }

  async recordRejected(id: string, at: Date, reason: string): Promise<boolean> {
    const result = await this.db
      .updateTable('water_meters')
      .set((eb) => ({ rejected_messages: eb('rejected_messages', '+', 1), last_rejected_at: at, last_rejected_reason: reason.slice(0, 300) }))
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async stateOf(id: string): Promise<unknown> {
    return (await this.db.selectFrom('water_meters').select('state').where('id', '=', id).executeTakeFirst())?.state ?? null;
  }

  // ---- ingestion (bulk: a few statements per batch, whatever its size) -------------------------------

  /** Locks the meters of a batch, in id order (so concurrent batches never deadlock). */
  async lockMeters(tx: Db, ids: string[]): Promise<LockedMeter[]> {
    if (ids.length === 0) return [];
    const result = await sql<LockedMeter>`
      SELECT id, name, region_code, region_path, household_id, contact_phone, elderly, lives_alone, enabled, lon, lat, state
      FROM water_meters WHERE id = ANY(${ids}::text[]) ORDER BY id FOR UPDATE`.execute(tx);
    return result.rows;
  }

  /** Inserts readings, skipping (meter, time) pairs already stored; returns the new ones' keys. */
  async insertReadings(
    tx: Db,
    rows: { meterId: string; at: Date; litres: number; verdict: WaterReadingVerdict }[],
    source: WaterReadingSource,
    receivedAt: Date,
  ): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const result = await sql<{ meter_id: string; at: Date }>`
      INSERT INTO water_readings (meter_id, at, litres, verdict, source, received_at)
      SELECT m, a, l, v, ${source}, ${receivedAt}
      FROM unnest(${rows.map((r) => r.meterId)}::text[], ${rows.map((r) => r.at.toISOString())}::timestamptz[],
                  ${rows.map((r) => r.litres)}::float8[], ${rows.map((r) => r.verdict)}::text[]) AS t(m, a, l, v)
      ON CONFLICT (meter_id, at) DO NOTHING
      RETURNING meter_id, at`.execute(tx);
    return new Set(result.rows.map((r) => `${r.meter_id}|${r.at.getTime()}`));
  }

  /** Sets what the detectors made of readings stored as `ok` (the rare others: first, late, faults). */
  async setVerdicts(tx: Db, rows: { meterId: string; at: Date; verdict: WaterReadingVerdict }[]): Promise<void> {
    if (rows.length === 0) return;
    await sql`
      UPDATE water_readings r SET verdict = t.v
      FROM unnest(${rows.map((r) => r.meterId)}::text[], ${rows.map((r) => r.at.toISOString())}::timestamptz[], ${rows.map((r) => r.verdict)}::text[]) AS t(m, a, v)
      WHERE r.meter_id = t.m AND r.at = t.a`.execute(tx);
  }

  /** Stores each meter's detector state, its last used reading and how many readings it gained. */
  async saveStates(tx: Db, rows: { id: string; state: string; lastAt: Date | null; lastLitres: number | null; added: number }[], now: Date): Promise<void> {
    if (rows.length === 0) return;
    await sql`
      UPDATE water_meters w SET state = t.s::jsonb,
        last_reading_at = COALESCE(t.la, w.last_reading_at), last_litres = COALESCE(t.ll, w.last_litres),
        readings_count = w.readings_count + t.n, updated_at = ${now}
      FROM unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.state)}::text[], ${rows.map((r) => r.lastAt?.toISOString() ?? null)}::timestamptz[],
                  ${rows.map((r) => r.lastLitres)}::float8[], ${rows.map((r) => r.added)}::int[]) AS t(i, s, la, ll, n)
      WHERE w.id = t.i`.execute(tx);
  }

  async readingsBetween(meterId: string, from: Date, to: Date, limit = 20_000): Promise<{ at: Date; litres: number; verdict: WaterReadingVerdict }[]> {
    return this.db
      .selectFrom('water_readings')
      .select(['at', 'litres', 'verdict'])
      .where('meter_id', '=', meterId)
      .where('at', '>=', from)
      .where('at', '<=', to)
      .orderBy('at')
      .limit(limit)
      .execute();
  }

  /** The last reading before `at` (to know the index at the start of a chart). */
  async readingBefore(meterId: string, at: Date): Promise<{ at: Date; litres: number } | undefined> {
    return this.db
      .selectFrom('water_readings')
      .select(['at', 'litres'])
      .where('meter_id', '=', meterId)
      .where('at', '<', at)
      .where('verdict', 'in', ['ok', 'first'])
      .orderBy('at', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  // ---- alerts -----------------------------------------------------------------------------------

  async insertAlert(tx: Db, row: Omit<WaterAlertsTable, 'sms' | 'evidence'> & { evidence: string; sms: WaterAlertSms }): Promise<boolean> {
    const inserted = await tx.insertInto('water_alerts').values(row).onConflict((oc) => oc.doNothing()).returning('id').executeTakeFirst();
    return inserted !== undefined;
  }

  /** Ends the open alert of this meter and type (unless it started at `except`); its id, or undefined when none was open. */
  async endAlert(tx: Db, meterId: string, type: WaterAlertType, at: Date, reason: string, except?: Date): Promise<{ id: string; region_path: string } | undefined> {
    let query = tx.updateTable('water_alerts').set({ ended_at: at, end_reason: reason }).where('meter_id', '=', meterId).where('type', '=', type).where('ended_at', 'is', null);
    if (except) query = query.where('started_at', '<>', except);
    return query.returning(['id', 'region_path']).executeTakeFirst();
  }

  /** Open alerts of these meters that were found in old readings and told nobody (sms 'stale'). */
  async staleOpenAlerts(tx: Db, meterIds: string[]): Promise<Pick<Selectable<WaterAlertsTable>, 'id' | 'meter_id' | 'type' | 'started_at' | 'evidence'>[]> {
    if (meterIds.length === 0) return [];
    return tx
      .selectFrom('water_alerts')
      .select(['id', 'meter_id', 'type', 'started_at', 'evidence'])
      .where('meter_id', 'in', meterIds)
      .where('ended_at', 'is', null)
      .where('sms', '=', 'stale')
      .execute();
  }

  async setAlertSms(tx: Db, id: string, sms: WaterAlertSms, dueAt: Date | null): Promise<void> {
    await tx.updateTable('water_alerts').set({ sms, sms_due_at: dueAt }).where('id', '=', id).execute();
  }

  async setAlertCase(id: string, caseId: string): Promise<void> {
    await this.db.updateTable('water_alerts').set({ case_id: caseId }).where('id', '=', id).execute();
  }

  private alerts(db: Db = this.db) {
    return db.selectFrom('water_alerts').innerJoin('regions', 'regions.code', 'water_alerts.region_code').selectAll('water_alerts').select('regions.name as region_name');
  }

  async findAlert(id: string, db: Db = this.db): Promise<AlertRow | undefined> {
    return this.alerts(db).where('water_alerts.id', '=', id).executeTakeFirst();
  }

  async findAlertInScope(scope: Scope, id: string, db: Db = this.db): Promise<AlertRow | undefined> {
    return this.alerts(db).where('water_alerts.id', '=', id).where('water_alerts.region_path', 'like', subtreePattern(scope)).executeTakeFirst();
  }

  async lockAlert(tx: Db, id: string): Promise<void> {
    await tx.selectFrom('water_alerts').select('id').where('id', '=', id).forUpdate().executeTakeFirst();
  }

  async listAlerts(scope: Scope, filter: AlertFilter, page: PageRequest): Promise<{ rows: AlertRow[]; total: number }> {
    let query = this.db.selectFrom('water_alerts').where('water_alerts.region_path', 'like', subtreePattern(scope));
    if (filter.type) query = query.where('water_alerts.type', '=', filter.type);
    if (filter.state === 'open') query = query.where('water_alerts.ended_at', 'is', null);
    if (filter.state === 'ended') query = query.where('water_alerts.ended_at', 'is not', null);
    if (filter.village) query = query.where('water_alerts.region_path', 'like', `%/${filter.village}/%`);
    if (filter.meter) query = query.where('water_alerts.meter_id', '=', filter.meter);
    if (filter.from) query = query.where('water_alerts.started_at', '>=', filter.from);
    if (filter.to) query = query.where('water_alerts.started_at', '<', filter.to);
    const [rows, total] = await Promise.all([
      this.alerts()
        .where('water_alerts.id', 'in', query.select('water_alerts.id'))
        .orderBy('water_alerts.started_at', 'desc')
        .orderBy('water_alerts.id')
        .limit(page.pageSize)
        .offset(offsetOf(page))
        .execute(),
      query.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(total.n) };
  }

  async openAlertsOf(meterIds: string[]): Promise<{ id: string; meter_id: string; type: WaterAlertType; started_at: Date }[]> {
    if (meterIds.length === 0) return [];
    return this.db
      .selectFrom('water_alerts')
      .select(['id', 'meter_id', 'type', 'started_at'])
      .where('meter_id', 'in', meterIds)
      .where('ended_at', 'is', null)
      .orderBy('started_at')
      .execute();
  }

  async acknowledge(tx: Db, id: string, by: { id: string; name: string }, at: Date, note: string | null): Promise<boolean> {
    const result = await tx
      .updateTable('water_alerts')
      .set({ acknowledged_by: by.id, acknowledged_by_name: by.name, acknowledged_at: at, note })
      .where('id', '=', id)
      .where('acknowledged_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  // ---- texts ------------------------------------------------------------------------------------

  /** Books the day's one text for this meter and type; false when one went out already that day. */
  async bookText(tx: Db, row: { meterId: string; type: string; day: string; alertId: string; at: Date }): Promise<boolean> {
    const inserted = await tx
      .insertInto('water_sms_sent')
      .values({ meter_id: row.meterId, type: row.type, day: row.day, alert_id: row.alertId, sent_at: row.at })
      .onConflict((oc) => oc.doNothing())
      .returning('alert_id')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  // ---- figures ----------------------------------------------------------------------------------

  async meterCounts(scope: Scope, village: string | undefined, reportingSince: Date): Promise<{ total: number; enabled: number; reporting: number; mqtt: number }> {
    let query = this.db.selectFrom('water_meters').where('region_path', 'like', subtreePattern(scope));
    if (village) query = query.where('region_path', 'like', `%/${village}/%`);
    const row = await query
      .select((eb) => [
        eb.fn.countAll<string>().as('total'),
        sql<string>`count(*) FILTER (WHERE enabled)`.as('enabled'),
        sql<string>`count(*) FILTER (WHERE last_reading_at >= ${reportingSince})`.as('reporting'),
        sql<string>`count(*) FILTER (WHERE secret_hash IS NOT NULL)`.as('mqtt'),
      ])
      .executeTakeFirstOrThrow();
    return { total: Number(row.total), enabled: Number(row.enabled), reporting: Number(row.reporting), mqtt: Number(row.mqtt) };
  }

  async openAlertCounts(scope: Scope, village: string | undefined): Promise<{ type: WaterAlertType; n: number }[]> {
    let query = this.db.selectFrom('water_alerts').where('region_path', 'like', subtreePattern(scope)).where('ended_at', 'is', null);
    if (village) query = query.where('region_path', 'like', `%/${village}/%`);
    const rows = await query.select(['type', (eb) => eb.fn.countAll<string>().as('n')]).groupBy('type').execute();
    return rows.map((r) => ({ type: r.type, n: Number(r.n) }));
  }

  async alertsSince(scope: Scope, village: string | undefined, since: Date): Promise<number> {
    let query = this.db.selectFrom('water_alerts').where('region_path', 'like', subtreePattern(scope)).where('started_at', '>=', since);
    if (village) query = query.where('region_path', 'like', `%/${village}/%`);
    return Number((await query.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  }

  async textsOn(scope: Scope, village: string | undefined, day: string): Promise<number> {
    let query = this.db.selectFrom('water_sms_sent').innerJoin('water_meters', 'water_meters.id', 'water_sms_sent.meter_id').where('water_meters.region_path', 'like', subtreePattern(scope)).where('water_sms_sent.day', '=', day);
    if (village) query = query.where('water_meters.region_path', 'like', `%/${village}/%`);
    return Number((await query.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  }

  /**
   * Per village (the path's fourth code: county/township/village): meters, open alerts and today's
   * use so far, read from the detectors' state of the day being counted (`localStart` = today).
   */
  async byVillage(scope: Scope, village: string | undefined, localDayStart: number): Promise<{ code: string; name: string; meters: number; open_alerts: number; litres: number }[]> {
    let meters = this.db.selectFrom('water_meters').where('region_path', 'like', subtreePattern(scope));
    if (village) meters = meters.where('region_path', 'like', `%/${village}/%`);
    const result = await sql<{ code: string; name: string; meters: string; open_alerts: string; litres: number }>`
      WITH m AS (${meters.select(['id', 'region_path', 'state'])}),
      v AS (SELECT split_part(region_path, '/', 4) AS code, id, state FROM m)
      SELECT v.code, r.name, count(*)::text AS meters,
        (SELECT count(*) FROM water_alerts a WHERE a.ended_at IS NULL AND a.meter_id = ANY(array_agg(v.id)))::text AS open_alerts,
        COALESCE(sum(CASE WHEN (v.state->'day'->>'localStart')::bigint = ${localDayStart} THEN (v.state->'day'->>'litres')::float8 ELSE 0 END), 0) AS litres
      FROM v JOIN regions r ON r.code = v.code
      WHERE v.code <> ''
      GROUP BY v.code, r.name ORDER BY v.code`.execute(this.db);
    return result.rows.map((r) => ({ code: r.code, name: r.name, meters: Number(r.meters), open_alerts: Number(r.open_alerts), litres: Number(r.litres) }));
  }

  // ---- settings ---------------------------------------------------------------------------------

  async allSettings(): Promise<SettingsRow[]> {
    return this.db.selectFrom('water_settings').selectAll().execute();
  }

  async upsertSettings(tx: Db, row: Omit<SettingsRow, 'thresholds'> & { thresholds: string }): Promise<void> {
    await tx
      .insertInto('water_settings')
      .values(row)
      .onConflict((oc) =>
        oc.column('region_code').doUpdateSet({ thresholds: row.thresholds, quiet_start: row.quiet_start, quiet_end: row.quiet_end, updated_by: row.updated_by, updated_at: row.updated_at, region_path: row.region_path }),
      )
      .execute();
  }
}
