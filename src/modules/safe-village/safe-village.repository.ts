import { type Insertable, type Selectable, sql, type Updateable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { AlarmEventsTable, AlarmsTable, AlarmState, CamerasTable, CameraZonesTable } from '../../platform/db/schema.js';
import { offsetOf, type PageRequest } from '../../platform/http/pagination.js';
import { type Scope, subtreePattern } from '../../platform/scope.js';

export type CameraRow = Selectable<CamerasTable> & { region_name: string };
export type ZoneRow = Selectable<CameraZonesTable>;
export type AlarmRow = Selectable<AlarmsTable> & { region_name: string };
export type NewAlarmRow = Insertable<AlarmsTable>;
export type AlarmEventRow = Selectable<AlarmEventsTable>;
export type NewAlarmEvent = Omit<Insertable<AlarmEventsTable>, 'recipients'> & { recipients?: Selectable<AlarmEventsTable>['recipients'] };

export interface CameraFilter {
  village?: string;
  online?: boolean;
  q?: string;
}

export interface AlarmFilter {
  cameraId?: string;
  zoneId?: string;
  village?: string;
  state?: AlarmState;
  kind?: AlarmsTable['kind'];
  severity?: AlarmsTable['severity'];
  source?: AlarmsTable['source'];
  from?: Date;
  to?: Date;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export class SafeVillageRepository {
  constructor(private readonly db: Db) {}

  // ---- cameras --------------------------------------------------------------------------------

  private cameras(db: Db = this.db) {
    return db.selectFrom('cameras').innerJoin('regions', 'regions.code', 'cameras.region_code').selectAll('cameras').select('regions.name as region_name');
  }

  async findCameraInScope(scope: Scope, id: string, db: Db = this.db): Promise<CameraRow | undefined> {
    return this.cameras(db).where('cameras.id', '=', id).where('cameras.region_path', 'like', subtreePattern(scope)).executeTakeFirst();
  }

  /** Unscoped: for the detector, external detections and the platform's own work. */
  async findCamera(id: string, db: Db = this.db): Promise<CameraRow | undefined> {
    return this.cameras(db).where('cameras.id', '=', id).executeTakeFirst();
  }

  async findCameraByExternalName(name: string): Promise<CameraRow | undefined> {
    return this.cameras().where('cameras.external_name', '=', name).executeTakeFirst();
  }

  async listCameras(scope: Scope, filter: CameraFilter, page: PageRequest): Promise<{ rows: CameraRow[]; total: number }> {
    let query = this.db.selectFrom('cameras').where('cameras.region_path', 'like', subtreePattern(scope));
    if (filter.village) query = query.where('cameras.region_path', 'like', `%/${escapeLike(filter.village)}/%`);
    if (filter.online !== undefined) query = query.where('cameras.online', '=', filter.online);
    if (filter.q) {
      const like = `%${escapeLike(filter.q)}%`;
      query = query.where((eb) => eb.or([eb('cameras.name', 'like', like), eb('cameras.id', 'like', like)]));
    }
    const [rows, total] = await Promise.all([
      this.cameras()
        .where('cameras.id', 'in', query.select('cameras.id'))
        .orderBy('cameras.region_path')
        .orderBy('cameras.id')
        .limit(page.pageSize)
        .offset(offsetOf(page))
        .execute(),
      query.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(total.n) };
  }

  /** Cameras the built-in detector should read (all of them, or the listed ones). */
  async camerasToDetect(ids?: string[]): Promise<CameraRow[]> {
    let query = this.cameras().where('cameras.enabled', '=', true).where('cameras.detect', '=', true).where('cameras.stream_url', 'is not', null);
    if (ids) query = query.where('cameras.id', 'in', ids.length > 0 ? ids : ['']);
    return query.orderBy('cameras.id').execute();
  }

  async cameraIdsStartingWith(prefix: string): Promise<string[]> {
    const rows = await this.db.selectFrom('cameras').select('id').where('id', 'like', `${escapeLike(prefix)}%`).execute();
    return rows.map((row) => row.id);
  }

  /** false when the id or the external name is taken. */
  async insertCamera(tx: Db, row: Insertable<CamerasTable>): Promise<boolean> {
    const inserted = await tx.insertInto('cameras').values(row).onConflict((oc) => oc.doNothing()).returning('id').executeTakeFirst();
    return inserted !== undefined;
  }

  async externalNameTaken(name: string, exceptId?: string): Promise<boolean> {
    let query = this.db.selectFrom('cameras').select('id').where('external_name', '=', name);
    if (exceptId) query = query.where('id', '<>', exceptId);
    return (await query.executeTakeFirst()) !== undefined;
  }

  async updateCamera(tx: Db, id: string, changes: Updateable<CamerasTable>): Promise<void> {
    await tx.updateTable('cameras').set(changes).where('id', '=', id).execute();
  }

  async deleteCamera(tx: Db, id: string): Promise<void> {
    await tx.deleteFrom('cameras').where('id', '=', id).execute();
  }

  /**
   * Online from now; returns whether it was offline before (to announce the change once). The frame
   * size is recorded when none is set: a size the operator set (the pixels of external detections'
   * boxes) is kept.
   */
  async markFrame(id: string, at: Date, frameSize: { width: number; height: number }): Promise<boolean> {
    const result = await sql<{ was_online: boolean }>`
      UPDATE cameras c SET
        online = true,
        last_frame_at = ${at},
        last_error = NULL,
        frame_width = COALESCE(c.frame_width, ${frameSize.width}),
        frame_height = COALESCE(c.frame_height, ${frameSize.height}),
        online_changed_at = CASE WHEN old.online THEN c.online_changed_at ELSE ${at} END
      FROM (SELECT id, online FROM cameras WHERE id = ${id} FOR UPDATE) old
      WHERE c.id = old.id
      RETURNING old.online AS was_online`.execute(this.db);
    return result.rows[0] !== undefined && !result.rows[0].was_online;
  }

  /** Offline with a reason; returns whether it was online before. */
  async markOffline(id: string, at: Date, error: string | null): Promise<boolean> {
    const result = await sql<{ was_online: boolean }>`
      UPDATE cameras c SET
        online = false,
        last_error = ${error === null ? null : error.slice(0, 500)},
        online_changed_at = CASE WHEN old.online THEN ${at} ELSE c.online_changed_at END
      FROM (SELECT id, online FROM cameras WHERE id = ${id} FOR UPDATE) old
      WHERE c.id = old.id
      RETURNING old.online AS was_online`.execute(this.db);
    return result.rows[0]?.was_online ?? false;
  }

  /** Per camera: its zones and open alarms. */
  async cameraCounts(ids: string[]): Promise<Map<string, { zones: number; openAlarms: number }>> {
    const counts = new Map(ids.map((id) => [id, { zones: 0, openAlarms: 0 }]));
    if (ids.length === 0) return counts;
    const [zones, alarms] = await Promise.all([
      this.db.selectFrom('camera_zones').select(['camera_id', (eb) => eb.fn.countAll<string>().as('n')]).where('camera_id', 'in', ids).groupBy('camera_id').execute(),
      this.db
        .selectFrom('alarms')
        .select(['camera_id', (eb) => eb.fn.countAll<string>().as('n')])
        .where('camera_id', 'in', ids)
        .where('state', '=', 'open')
        .groupBy('camera_id')
        .execute(),
    ]);
    for (const row of zones) counts.get(row.camera_id)!.zones = Number(row.n);
    for (const row of alarms) if (row.camera_id) counts.get(row.camera_id)!.openAlarms = Number(row.n);
    return counts;
  }

  // ---- zones ----------------------------------------------------------------------------------

  async zonesOf(cameraId: string, db: Db = this.db): Promise<ZoneRow[]> {
    return db.selectFrom('camera_zones').selectAll().where('camera_id', '=', cameraId).orderBy('created_at').orderBy('id').execute();
  }

  async findZone(id: string, db: Db = this.db): Promise<ZoneRow | undefined> {
    return db.selectFrom('camera_zones').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async insertZone(tx: Db, row: Insertable<CameraZonesTable>): Promise<void> {
    await tx.insertInto('camera_zones').values(row).execute();
  }

  async updateZone(tx: Db, id: string, changes: Updateable<CameraZonesTable>): Promise<void> {
    await tx.updateTable('camera_zones').set(changes).where('id', '=', id).execute();
  }

  async deleteZone(tx: Db, id: string): Promise<void> {
    await tx.deleteFrom('camera_zones').where('id', '=', id).execute();
  }

  /** Per zone: alarms, and of those handled, how many were false positives. */
  async zoneAlarmCounts(zoneIds: string[]): Promise<Map<string, { alarms: number; handled: number; falsePositives: number }>> {
    const counts = new Map<string, { alarms: number; handled: number; falsePositives: number }>();
    if (zoneIds.length === 0) return counts;
    const rows = await this.db
      .selectFrom('alarms')
      .where('zone_id', 'in', zoneIds)
      .groupBy('zone_id')
      .select([
        'zone_id',
        (eb) => eb.fn.countAll<string>().as('alarms'),
        sql<string>`count(*) FILTER (WHERE state <> 'open')`.as('handled'),
        sql<string>`count(*) FILTER (WHERE state = 'false_positive')`.as('false_positives'),
      ])
      .execute();
    for (const row of rows) counts.set(row.zone_id!, { alarms: Number(row.alarms), handled: Number(row.handled), falsePositives: Number(row.false_positives) });
    return counts;
  }

  // ---- alarms ---------------------------------------------------------------------------------

  private alarms(db: Db = this.db) {
    return db.selectFrom('alarms').innerJoin('regions', 'regions.code', 'alarms.region_code').selectAll('alarms').select('regions.name as region_name');
  }

  /** The new alarm, or undefined when one with the same dedupe key exists. */
  async insertAlarm(tx: Db, row: NewAlarmRow): Promise<boolean> {
    const inserted = await tx.insertInto('alarms').values(row).onConflict((oc) => oc.column('dedupe_key').doNothing()).returning('id').executeTakeFirst();
    return inserted !== undefined;
  }

  async findAlarmByDedupeKey(key: string): Promise<AlarmRow | undefined> {
    return this.alarms().where('alarms.dedupe_key', '=', key).executeTakeFirst();
  }

  async findAlarm(id: string, db: Db = this.db): Promise<AlarmRow | undefined> {
    return this.alarms(db).where('alarms.id', '=', id).executeTakeFirst();
  }

  async findAlarmInScope(scope: Scope, id: string, db: Db = this.db): Promise<AlarmRow | undefined> {
    return this.alarms(db).where('alarms.id', '=', id).where('alarms.region_path', 'like', subtreePattern(scope)).executeTakeFirst();
  }

  async lockAlarm(tx: Db, id: string): Promise<void> {
    await tx.selectFrom('alarms').select('id').where('id', '=', id).forUpdate().executeTakeFirst();
  }

  async updateAlarm(tx: Db, id: string, changes: Updateable<AlarmsTable>): Promise<void> {
    await tx.updateTable('alarms').set(changes).where('id', '=', id).execute();
  }

  // ---- an alarm's history ------------------------------------------------------------------------

  async insertAlarmEvent(tx: Db, event: NewAlarmEvent): Promise<void> {
    await tx
      .insertInto('alarm_events')
      .values({ ...event, recipients: JSON.stringify(event.recipients ?? []) })
      .execute();
  }

  async alarmEvents(alarmId: string): Promise<AlarmEventRow[]> {
    return this.db.selectFrom('alarm_events').selectAll().where('alarm_id', '=', alarmId).orderBy('at').orderBy('id').execute();
  }

  async listAlarms(scope: Scope, filter: AlarmFilter, page: PageRequest): Promise<{ rows: AlarmRow[]; total: number }> {
    let query = this.db.selectFrom('alarms').where('alarms.region_path', 'like', subtreePattern(scope));
    if (filter.cameraId) query = query.where('alarms.camera_id', '=', filter.cameraId);
    if (filter.zoneId) query = query.where('alarms.zone_id', '=', filter.zoneId);
    if (filter.village) query = query.where('alarms.region_path', 'like', `%/${escapeLike(filter.village)}/%`);
    if (filter.state) query = query.where('alarms.state', '=', filter.state);
    if (filter.kind) query = query.where('alarms.kind', '=', filter.kind);
    if (filter.severity) query = query.where('alarms.severity', '=', filter.severity);
    if (filter.source) query = query.where('alarms.source', '=', filter.source);
    if (filter.from) query = query.where('alarms.raised_at', '>=', filter.from);
    if (filter.to) query = query.where('alarms.raised_at', '<', filter.to);
    const [rows, total] = await Promise.all([
      this.alarms()
        .where('alarms.id', 'in', query.select('alarms.id'))
        .orderBy('alarms.raised_at', 'desc')
        .orderBy('alarms.id')
        .limit(page.pageSize)
        .offset(offsetOf(page))
        .execute(),
      query.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(total.n) };
  }

  async alarmStats(scope: Scope, filter: { village?: string; from?: Date; to?: Date }) {
    let alarms = this.db.selectFrom('alarms').where('alarms.region_path', 'like', subtreePattern(scope));
    let cameras = this.db.selectFrom('cameras').where('cameras.region_path', 'like', subtreePattern(scope));
    if (filter.village) {
      alarms = alarms.where('alarms.region_path', 'like', `%/${escapeLike(filter.village)}/%`);
      cameras = cameras.where('cameras.region_path', 'like', `%/${escapeLike(filter.village)}/%`);
    }
    if (filter.from) alarms = alarms.where('alarms.raised_at', '>=', filter.from);
    if (filter.to) alarms = alarms.where('alarms.raised_at', '<', filter.to);
    const [cameraCounts, totals, byKind, byZone] = await Promise.all([
      cameras
        .select([
          (eb) => eb.fn.countAll<string>().as('total'),
          sql<string>`count(*) FILTER (WHERE online)`.as('online'),
          sql<string>`count(*) FILTER (WHERE enabled)`.as('enabled'),
        ])
        .executeTakeFirstOrThrow(),
      alarms
        .select([
          (eb) => eb.fn.countAll<string>().as('total'),
          sql<string>`count(*) FILTER (WHERE state = 'open')`.as('open'),
          sql<string>`count(*) FILTER (WHERE state = 'false_positive')`.as('false_positive'),
        ])
        .executeTakeFirstOrThrow(),
      alarms.select(['alarms.kind', (eb) => eb.fn.countAll<string>().as('n')]).groupBy('alarms.kind').orderBy('alarms.kind').execute(),
      alarms
        .select([
          'alarms.zone_id',
          sql<string>`max(alarms.zone_name)`.as('zone_name'),
          sql<string>`max(alarms.camera_name)`.as('camera_name'),
          (eb) => eb.fn.countAll<string>().as('alarms'),
          sql<string>`count(*) FILTER (WHERE state <> 'open')`.as('handled'),
          sql<string>`count(*) FILTER (WHERE state = 'false_positive')`.as('false_positives'),
        ])
        .groupBy('alarms.zone_id')
        .orderBy(sql`count(*)`, 'desc')
        .limit(100)
        .execute(),
    ]);
    return { cameraCounts, totals, byKind, byZone };
  }
}
