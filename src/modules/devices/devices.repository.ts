import { type Selectable, sql, type Updateable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { DevicesTable } from '../../platform/db/schema.js';
import { offsetOf, type PageRequest } from '../../platform/http/pagination.js';
import { type Scope, subtreePattern } from '../../platform/scope.js';

export type DeviceRow = Selectable<DevicesTable> & { region_name: string };

export interface DeviceFilter {
  village?: string;
  online?: boolean;
  kind?: DevicesTable['kind'];
  q?: string;
}

/** What a report from a device changed: whether it was online before, and where it is. */
export interface SeenResult {
  was_online: boolean;
  region_path: string;
  volume: number;
  reported_volume: number | null;
}

export interface SpeakerRow {
  id: string;
  name: string;
  region_code: string;
  region_path: string;
  online: boolean;
  volume: number;
  lon: number | null;
  lat: number | null;
  bound_camera_id: string | null;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export class DevicesRepository {
  constructor(private readonly db: Db) {}

  private withRegion(db: Db = this.db) {
    return db.selectFrom('devices').innerJoin('regions', 'regions.code', 'devices.region_code').selectAll('devices').select('regions.name as region_name');
  }

  async findInScope(scope: Scope, id: string, db: Db = this.db): Promise<DeviceRow | undefined> {
    return this.withRegion(db).where('devices.id', '=', id).where('devices.region_path', 'like', subtreePattern(scope)).executeTakeFirst();
  }

  /** Unscoped: for the broker's authentication and the platform's own commands. */
  async findById(id: string, db: Db = this.db): Promise<DeviceRow | undefined> {
    return this.withRegion(db).where('devices.id', '=', id).executeTakeFirst();
  }

  async findByIds(ids: string[]): Promise<DeviceRow[]> {
    if (ids.length === 0) return [];
    return this.withRegion().where('devices.id', 'in', ids).execute();
  }

  async credentials(id: string): Promise<{ secret_hash: string; disabled_at: Date | null } | undefined> {
    return this.db.selectFrom('devices').select(['secret_hash', 'disabled_at']).where('id', '=', id).executeTakeFirst();
  }

  async list(scope: Scope, filter: DeviceFilter, page: PageRequest): Promise<{ rows: DeviceRow[]; total: number }> {
    let query = this.db.selectFrom('devices').where('devices.region_path', 'like', subtreePattern(scope));
    if (filter.village) query = query.where('devices.region_path', 'like', `%/${filter.village}/%`);
    if (filter.online !== undefined) query = query.where('devices.online', '=', filter.online);
    if (filter.kind) query = query.where('devices.kind', '=', filter.kind);
    if (filter.q) {
      const like = `%${escapeLike(filter.q)}%`;
      query = query.where((eb) => eb.or([eb('devices.name', 'like', like), eb('devices.id', 'like', like)]));
    }
    const [rows, total] = await Promise.all([
      this.withRegion()
        .where('devices.id', 'in', query.select('devices.id'))
        .orderBy('devices.region_path')
        .orderBy('devices.id')
        .limit(page.pageSize)
        .offset(offsetOf(page))
        .execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(total.n) };
  }

  /** Ids starting with `prefix`, to number a new device. */
  async idsStartingWith(prefix: string): Promise<string[]> {
    const rows = await this.db.selectFrom('devices').select('id').where('id', 'like', `${escapeLike(prefix)}%`).execute();
    return rows.map((row) => row.id);
  }

  /** false when the id is taken. */
  async insert(tx: Db, row: Omit<DevicesTable, 'rejected_messages'>): Promise<boolean> {
    const inserted = await tx.insertInto('devices').values(row).onConflict((oc) => oc.column('id').doNothing()).returning('id').executeTakeFirst();
    return inserted !== undefined;
  }

  async update(tx: Db, id: string, changes: Updateable<DevicesTable>): Promise<void> {
    await tx.updateTable('devices').set(changes).where('id', '=', id).execute();
  }

  async lock(tx: Db, id: string): Promise<void> {
    await tx.selectFrom('devices').select('id').where('id', '=', id).forUpdate().executeTakeFirst();
  }

  async delete(tx: Db, id: string): Promise<void> {
    await tx.deleteFrom('devices').where('id', '=', id).execute();
  }

  /**
   * The device was heard from: online now, last seen now, and whatever it reported. Returns its
   * state before (locked, so two reports of one device never both see "was offline"), or
   * undefined when the device is unknown or disabled (then nothing changes).
   */
  async markSeen(
    id: string,
    now: Date,
    report: { volume?: number; firmware?: string; playing?: string | null; finished?: string } = {},
  ): Promise<SeenResult | undefined> {
    const setPlaying = report.playing !== undefined;
    const result = await sql<SeenResult>`
      UPDATE devices d SET
        online = true,
        last_seen_at = ${now},
        online_changed_at = CASE WHEN old.online THEN d.online_changed_at ELSE ${now} END,
        reported_volume = COALESCE(${report.volume ?? null}::integer, d.reported_volume),
        firmware = COALESCE(${report.firmware ?? null}::text, d.firmware),
        playing_command_id = CASE
          WHEN ${setPlaying}::boolean THEN ${report.playing ?? null}::text
          WHEN d.playing_command_id = ${report.finished ?? null}::text THEN NULL
          ELSE d.playing_command_id END
      FROM (SELECT id, online FROM devices WHERE id = ${id} AND disabled_at IS NULL FOR UPDATE) old
      WHERE d.id = old.id
      RETURNING old.online AS was_online, d.region_path, d.volume, d.reported_volume`.execute(this.db);
    return result.rows[0];
  }

  /** Offline now (its status said so); undefined when unknown or disabled. */
  async markOffline(id: string, now: Date): Promise<{ was_online: boolean; region_path: string } | undefined> {
    const result = await sql<{ was_online: boolean; region_path: string }>`
      UPDATE devices d SET
        online = false,
        playing_command_id = NULL,
        online_changed_at = CASE WHEN old.online THEN ${now} ELSE d.online_changed_at END
      FROM (SELECT id, online FROM devices WHERE id = ${id} AND disabled_at IS NULL FOR UPDATE) old
      WHERE d.id = old.id
      RETURNING old.online AS was_online, d.region_path`.execute(this.db);
    return result.rows[0];
  }

  /** Online devices not heard from since `before` go offline; returns them. Safe across processes. */
  async markSilentOffline(before: Date, now: Date): Promise<{ id: string; region_path: string }[]> {
    return this.db
      .updateTable('devices')
      .set({ online: false, online_changed_at: now, playing_command_id: null })
      .where('online', '=', true)
      .where((eb) => eb.or([eb('last_seen_at', 'is', null), eb('last_seen_at', '<', before)]))
      .returning(['id', 'region_path'])
      .execute();
  }

  async markAllOffline(now: Date): Promise<{ id: string; region_path: string }[]> {
    return this.db
      .updateTable('devices')
      .set({ online: false, online_changed_at: now, playing_command_id: null })
      .where('online', '=', true)
      .returning(['id', 'region_path'])
      .execute();
  }

  /** Counts a malformed message against the device; false when no such device exists. */
  async recordRejected(id: string, now: Date, reason: string): Promise<boolean> {
    const result = await this.db
      .updateTable('devices')
      .set((eb) => ({ rejected_messages: eb('rejected_messages', '+', 1), last_rejected_at: now, last_rejected_reason: reason.slice(0, 200) }))
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Enabled speakers at or below any of the region paths, or in the subtree of any of the codes. */
  async speakersIn(paths: string[], codes: string[]): Promise<SpeakerRow[]> {
    if (paths.length === 0 && codes.length === 0) return [];
    return this.db
      .selectFrom('devices')
      .select(['id', 'name', 'region_code', 'region_path', 'online', 'volume', 'lon', 'lat', 'bound_camera_id'])
      .where('kind', '=', 'speaker')
      .where('disabled_at', 'is', null)
      .where((eb) =>
        eb.or([
          ...paths.map((path) => eb('region_path', 'like', `${escapeLike(path)}%`)),
          ...codes.map((code) => eb('region_path', 'like', `%/${escapeLike(code)}/%`)),
        ]),
      )
      .orderBy('region_path')
      .orderBy('id')
      .execute();
  }

  async speakersBoundTo(cameraId: string): Promise<SpeakerRow[]> {
    return this.db
      .selectFrom('devices')
      .select(['id', 'name', 'region_code', 'region_path', 'online', 'volume', 'lon', 'lat', 'bound_camera_id'])
      .where('kind', '=', 'speaker')
      .where('disabled_at', 'is', null)
      .where('bound_camera_id', '=', cameraId)
      .orderBy('id')
      .execute();
  }

  /** Makes exactly these speakers the ones bound to the camera. */
  async bindSpeakers(tx: Db, cameraId: string, speakerIds: string[], now: Date): Promise<void> {
    let unbind = tx.updateTable('devices').set({ bound_camera_id: null, updated_at: now }).where('bound_camera_id', '=', cameraId);
    if (speakerIds.length > 0) unbind = unbind.where('id', 'not in', speakerIds);
    await unbind.execute();
    if (speakerIds.length > 0) await tx.updateTable('devices').set({ bound_camera_id: cameraId, updated_at: now }).where('id', 'in', speakerIds).execute();
  }

  async stats(scope: Scope): Promise<{ total: number; online: number; disabled: number; rejected: number }> {
    const row = await this.db
      .selectFrom('devices')
      .where('region_path', 'like', subtreePattern(scope))
      .select((eb) => [
        eb.fn.countAll<string>().as('total'),
        sql<string>`count(*) FILTER (WHERE online)`.as('online'),
        sql<string>`count(*) FILTER (WHERE disabled_at IS NOT NULL)`.as('disabled'),
        sql<string>`coalesce(sum(rejected_messages), 0)`.as('rejected'),
      ])
      .executeTakeFirstOrThrow();
    return { total: Number(row.total), online: Number(row.online), disabled: Number(row.disabled), rejected: Number(row.rejected) };
  }

  /** `id:hash` of every enabled device, for a Mosquitto password file. */
  async enabledCredentials(): Promise<{ id: string; secret_hash: string }[]> {
    return this.db.selectFrom('devices').select(['id', 'secret_hash']).where('disabled_at', 'is', null).orderBy('id').execute();
  }
}
