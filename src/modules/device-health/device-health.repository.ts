import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { HealthDeviceKind } from '../../platform/db/schema.js';

/** A device's raw state as its own module knows it. `since`: when that state began (as well as known). */
export interface Observation {
  kind: HealthDeviceKind;
  id: string;
  name: string;
  regionCode: string;
  regionPath: string;
  lon: number | null;
  lat: number | null;
  online: boolean;
  since: Date;
}

export interface HealthRow {
  device_kind: HealthDeviceKind;
  device_id: string;
  up: boolean;
  down_since: Date | null;
  back_since: Date | null;
  ticket_case_id: string | null;
  /** Whether the ticket's case is still being handled (not closed, not rejected). */
  ticket_open: boolean;
}

export interface AvailabilityRow {
  /** The village, or for `availabilityOfChildren` the child region. */
  village_code: string;
  village_name: string;
  device_kind: HealthDeviceKind;
  devices: number;
  total_seconds: number;
  down_seconds: number;
}

/** An arbitrary constant: one process at a time runs the health check. */
const LOCK_KEY = 7_316_016;

export class DeviceHealthRepository {
  constructor(private readonly db: Db) {}

  async tryLock(tx: Db): Promise<boolean> {
    const result = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(${LOCK_KEY}) AS locked`.execute(tx);
    return result.rows[0]?.locked ?? false;
  }

  /**
   * Speakers and cameras that have been online at least once (a camera only when the built-in
   * detector reads its stream, the one thing that keeps its state), and water meters that have sent
   * a reading: online unless silent for `meterSilentMinutes`.
   */
  async observe(tx: Db, now: Date, meterSilentMinutes: number): Promise<Observation[]> {
    const silentBefore = new Date(now.getTime() - meterSilentMinutes * 60_000);
    const [speakers, cameras, meters] = await Promise.all([
      tx
        .selectFrom('devices')
        .select(['id', 'name', 'region_code', 'region_path', 'lon', 'lat', 'online', 'online_changed_at'])
        .where('disabled_at', 'is', null)
        .where('online_changed_at', 'is not', null)
        .execute(),
      tx
        .selectFrom('cameras')
        .select(['id', 'name', 'region_code', 'region_path', 'lon', 'lat', 'online', 'online_changed_at'])
        .where('enabled', '=', true)
        .where('detect', '=', true)
        .where('stream_url', 'is not', null)
        .where('online_changed_at', 'is not', null)
        .execute(),
      tx
        .selectFrom('water_meters')
        .select(['id', 'name', 'region_code', 'region_path', 'lon', 'lat', 'last_reading_at'])
        .where('enabled', '=', true)
        .where('last_reading_at', 'is not', null)
        .execute(),
    ]);
    const common = (r: { id: string; name: string; region_code: string; region_path: string; lon: number | null; lat: number | null }) => ({
      id: r.id,
      name: r.name,
      regionCode: r.region_code,
      regionPath: r.region_path,
      lon: r.lon,
      lat: r.lat,
    });
    return [
      ...speakers.map((r) => ({ kind: 'speaker' as const, ...common(r), online: r.online, since: r.online_changed_at! })),
      ...cameras.map((r) => ({ kind: 'camera' as const, ...common(r), online: r.online, since: r.online_changed_at! })),
      ...meters.map((r) => ({ kind: 'water_meter' as const, ...common(r), online: r.last_reading_at! > silentBefore, since: r.last_reading_at! })),
    ];
  }

  async healthRows(tx: Db): Promise<HealthRow[]> {
    return tx
      .selectFrom('device_health as h')
      .leftJoin('cases as c', 'c.id', 'h.ticket_case_id')
      .select(['h.device_kind', 'h.device_id', 'h.up', 'h.down_since', 'h.back_since', 'h.ticket_case_id'])
      .select(sql<boolean>`coalesce(c.state NOT IN ('closed', 'rejected'), false)`.as('ticket_open'))
      .execute();
  }

  async insertHealth(tx: Db, o: Observation, now: Date): Promise<void> {
    await tx
      .insertInto('device_health')
      .values({
        device_kind: o.kind,
        device_id: o.id,
        region_path: o.regionPath,
        up: o.online,
        down_since: o.online ? null : o.since,
        back_since: null,
        ticket_case_id: null,
        watched_since: now,
        checked_at: now,
      })
      .execute();
  }

  async updateHealth(tx: Db, kind: HealthDeviceKind, id: string, set: { up: boolean; down_since: Date | null; back_since: Date | null; region_path: string; checked_at: Date }): Promise<void> {
    await tx.updateTable('device_health').set(set).where('device_kind', '=', kind).where('device_id', '=', id).execute();
  }

  async setTicket(kind: HealthDeviceKind, id: string, caseId: string): Promise<void> {
    await this.db.updateTable('device_health').set({ ticket_case_id: caseId }).where('device_kind', '=', kind).where('device_id', '=', id).execute();
  }

  async removeHealth(tx: Db, kind: HealthDeviceKind, id: string): Promise<void> {
    await tx.deleteFrom('device_health').where('device_kind', '=', kind).where('device_id', '=', id).execute();
  }

  async startOutage(tx: Db, o: { kind: HealthDeviceKind; id: string; regionPath: string }, at: Date): Promise<void> {
    await tx
      .insertInto('device_outages')
      .values({ device_kind: o.kind, device_id: o.id, region_path: o.regionPath, started_at: at })
      .onConflict((oc) => oc.columns(['device_kind', 'device_id']).where('ended_at', 'is', null).doNothing())
      .execute();
  }

  async endOutage(tx: Db, kind: HealthDeviceKind, id: string, at: Date): Promise<void> {
    await tx
      .updateTable('device_outages')
      .set({ ended_at: sql<Date>`greatest(started_at, ${at}::timestamptz)` })
      .where('device_kind', '=', kind)
      .where('device_id', '=', id)
      .where('ended_at', 'is', null)
      .execute();
  }

  /**
   * Per village of the scope and kind of device: watched devices, the seconds they were watched in
   * [from, to], and the seconds of those they were down.
   */
  async availability(scopePattern: string, from: Date, to: Date): Promise<AvailabilityRow[]> {
    return this.uptime(scopePattern, sql`v.level = 'village'`, from, to);
  }

  /** The same figures per child region (a township's villages, a village's grids) of one region. */
  async availabilityOfChildren(parent: { code: string; path: string }, from: Date, to: Date): Promise<AvailabilityRow[]> {
    return this.uptime(`${parent.path}%`, sql`v.parent_code = ${parent.code}`, from, to);
  }

  /** Watched time and downtime of the scope's devices, grouped by the regions `groupBy` picks (`v`) that hold them. */
  private async uptime(scopePattern: string, groupBy: RawBuilder<unknown>, from: Date, to: Date): Promise<AvailabilityRow[]> {
    const result = await sql<AvailabilityRow>`
      WITH watched AS (
        SELECT h.device_kind, h.device_id, h.region_path, greatest(h.watched_since, ${from}::timestamptz) AS start
        FROM device_health h
        WHERE h.region_path LIKE ${scopePattern} AND h.watched_since < ${to}
      )
      SELECT v.code AS village_code, v.name AS village_name, w.device_kind,
        count(*)::int AS devices,
        coalesce(sum(extract(epoch FROM ${to}::timestamptz - w.start)), 0)::float8 AS total_seconds,
        coalesce(sum(o.down), 0)::float8 AS down_seconds
      FROM watched w
      JOIN regions v ON ${groupBy} AND w.region_path LIKE v.path || '%'
      LEFT JOIN LATERAL (
        SELECT sum(extract(epoch FROM least(coalesce(d.ended_at, ${to}::timestamptz), ${to}::timestamptz) - greatest(d.started_at, w.start))) AS down
        FROM device_outages d
        WHERE d.device_kind = w.device_kind AND d.device_id = w.device_id
          AND d.started_at < ${to} AND coalesce(d.ended_at, ${to}::timestamptz) > w.start
      ) o ON true
      GROUP BY v.code, v.name, w.device_kind
      ORDER BY v.code, w.device_kind`.execute(this.db);
    return result.rows;
  }
}
