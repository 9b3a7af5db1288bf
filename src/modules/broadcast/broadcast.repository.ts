import { type Insertable, type Selectable, sql, type Updateable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { BroadcastDeliveriesTable, BroadcastSchedulesTable, BroadcastsTable, DeliveryState } from '../../platform/db/schema.js';
import { offsetOf, type PageRequest } from '../../platform/http/pagination.js';
import { type Scope, subtreePattern } from '../../platform/scope.js';

export type BroadcastRow = Selectable<BroadcastsTable>;
export type DeliveryRow = Selectable<BroadcastDeliveriesTable>;
export type ScheduleRow = Selectable<BroadcastSchedulesTable>;

/** A speaker's queue entry: the delivery and what the speaker needs to play it. */
export type QueuedDelivery = DeliveryRow & Pick<BroadcastRow, 'clip_id' | 'repeat' | 'volume' | 'expires_at' | 'status' | 'text'>;

export const OPEN_STATES: DeliveryState[] = ['pending', 'sent', 'received', 'playing', 'interrupted'];
export const ACTIVE_STATES: DeliveryState[] = ['sent', 'received', 'playing'];

/** Broadcasts a scope sees: those within it, and those that reached it from above (a township broadcast in a village). */
const visibleTo = (scope: Scope) => sql<boolean>`(broadcasts.region_path LIKE ${subtreePattern(scope)} OR ${scope.path} LIKE broadcasts.region_path || '%')`;

export class BroadcastRepository {
  constructor(private readonly db: Db) {}

  async insert(tx: Db, row: Insertable<BroadcastsTable>): Promise<boolean> {
    const inserted = await tx.insertInto('broadcasts').values(row).onConflict((oc) => oc.column('id').doNothing()).returning('id').executeTakeFirst();
    return inserted !== undefined;
  }

  async insertDeliveries(tx: Db, rows: Insertable<BroadcastDeliveriesTable>[]): Promise<void> {
    if (rows.length === 0) return;
    for (let i = 0; i < rows.length; i += 1000) await tx.insertInto('broadcast_deliveries').values(rows.slice(i, i + 1000)).execute();
  }

  find(id: string, db: Db = this.db): Promise<BroadcastRow | undefined> {
    return db.selectFrom('broadcasts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findVisible(scope: Scope, id: string): Promise<BroadcastRow | undefined> {
    return this.db.selectFrom('broadcasts').selectAll().where('id', '=', id).where(visibleTo(scope)).executeTakeFirst();
  }

  async list(scope: Scope, filter: { kind?: BroadcastRow['kind']; status?: BroadcastRow['status'] }, page: PageRequest) {
    let query = this.db.selectFrom('broadcasts').where(visibleTo(scope));
    if (filter.kind) query = query.where('kind', '=', filter.kind);
    if (filter.status) query = query.where('status', '=', filter.status);
    const [rows, total] = await Promise.all([
      query.selectAll().orderBy('created_at', 'desc').orderBy('id').limit(page.pageSize).offset(offsetOf(page)).execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: total.n };
  }

  /** Delivery counts by state (and waiting-while-offline) for each broadcast. */
  async coverage(broadcastIds: string[]) {
    if (broadcastIds.length === 0) return [];
    return this.db
      .selectFrom('broadcast_deliveries')
      .select((eb) => ['broadcast_id', 'state', eb.fn.countAll<number>().as('n'), eb.fn.countAll<number>().filterWhere('reason', '=', 'offline').as('offline')])
      .where('broadcast_id', 'in', broadcastIds)
      .groupBy(['broadcast_id', 'state'])
      .execute();
  }

  deliveries(broadcastId: string): Promise<DeliveryRow[]> {
    return this.db.selectFrom('broadcast_deliveries').selectAll().where('broadcast_id', '=', broadcastId).orderBy('device_id').execute();
  }

  /** Serialises all queue changes of one speaker across processes, until `tx` ends. */
  async lockSpeaker(tx: Db, deviceId: string): Promise<void> {
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`speaker:${deviceId}`}))`.execute(tx);
  }

  /** The speaker's open deliveries with what is needed to play them, highest priority first, then oldest. */
  queueOf(tx: Db, deviceId: string): Promise<QueuedDelivery[]> {
    return tx
      .selectFrom('broadcast_deliveries')
      .innerJoin('broadcasts', 'broadcasts.id', 'broadcast_deliveries.broadcast_id')
      .selectAll('broadcast_deliveries')
      .select(['broadcasts.clip_id', 'broadcasts.repeat', 'broadcasts.volume', 'broadcasts.expires_at', 'broadcasts.status', 'broadcasts.text'])
      .where('broadcast_deliveries.device_id', '=', deviceId)
      .where('broadcast_deliveries.state', 'in', OPEN_STATES)
      .orderBy('broadcast_deliveries.priority', 'desc')
      .orderBy('broadcast_deliveries.created_at')
      .orderBy('broadcast_deliveries.broadcast_id')
      .execute();
  }

  async updateDelivery(tx: Db, broadcastId: string, deviceId: string, changes: Updateable<BroadcastDeliveriesTable>): Promise<void> {
    await tx.updateTable('broadcast_deliveries').set(changes).where('broadcast_id', '=', broadcastId).where('device_id', '=', deviceId).execute();
  }

  findByCommand(deviceId: string, commandId: string): Promise<DeliveryRow | undefined> {
    return this.db.selectFrom('broadcast_deliveries').selectAll().where('device_id', '=', deviceId).where('command_id', '=', commandId).executeTakeFirst();
  }

  /** Speakers with something waiting, for the sweep that catches up after restarts and lost messages. */
  async speakersWithWork(limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('broadcast_deliveries')
      .select('device_id')
      .distinct()
      .where('state', 'in', ['pending', 'interrupted'])
      .limit(limit)
      .execute();
    return rows.map((r) => r.device_id);
  }

  /** Sent but never acknowledged by `before`: handed out again. */
  async unacknowledged(before: Date): Promise<{ broadcast_id: string; device_id: string }[]> {
    return this.db
      .selectFrom('broadcast_deliveries')
      .select(['broadcast_id', 'device_id'])
      .where('state', '=', 'sent')
      .where('sent_at', '<', before)
      .execute();
  }

  /** Ends broadcasts past their validity: their open deliveries become `expired`. */
  async expire(now: Date): Promise<string[]> {
    return this.db.transaction().execute(async (tx) => {
      const rows = await tx.updateTable('broadcasts').set({ status: 'expired', completed_at: now }).where('status', '=', 'active').where('expires_at', '<', now).returning('id').execute();
      const ids = rows.map((r) => r.id);
      if (ids.length > 0) {
        await tx
          .updateTable('broadcast_deliveries')
          .set({ state: 'expired', reason: 'expired', updated_at: now })
          .where('broadcast_id', 'in', ids)
          .where('state', 'in', OPEN_STATES)
          .execute();
      }
      return ids;
    });
  }

  /** Marks the broadcast completed once no delivery is open. */
  async completeIfDone(tx: Db, broadcastId: string, now: Date): Promise<void> {
    await tx
      .updateTable('broadcasts')
      .set({ status: 'completed', completed_at: now })
      .where('id', '=', broadcastId)
      .where('status', '=', 'active')
      .where((eb) =>
        eb.not(eb.exists(eb.selectFrom('broadcast_deliveries').select('device_id').where('broadcast_id', '=', broadcastId).where('state', 'in', OPEN_STATES))),
      )
      .execute();
  }

  /** Cancels the broadcast; returns its deliveries that were still open, as they were. */
  async cancel(tx: Db, broadcastId: string, now: Date): Promise<DeliveryRow[]> {
    const open = await tx
      .selectFrom('broadcast_deliveries')
      .selectAll()
      .where('broadcast_id', '=', broadcastId)
      .where('state', 'in', OPEN_STATES)
      .forUpdate()
      .execute();
    await tx.updateTable('broadcasts').set({ status: 'cancelled', completed_at: now }).where('id', '=', broadcastId).execute();
    await tx
      .updateTable('broadcast_deliveries')
      .set({ state: 'cancelled', reason: 'cancelled', updated_at: now })
      .where('broadcast_id', '=', broadcastId)
      .where('state', 'in', OPEN_STATES)
      .execute();
    return open;
  }

  // ---- programmes ----------------------------------------------------------------------------

  async insertSchedule(tx: Db, row: Insertable<BroadcastSchedulesTable>): Promise<boolean> {
    const inserted = await tx.insertInto('broadcast_schedules').values(row).onConflict((oc) => oc.column('id').doNothing()).returning('id').executeTakeFirst();
    return inserted !== undefined;
  }

  findSchedule(id: string, db: Db = this.db): Promise<ScheduleRow | undefined> {
    return db.selectFrom('broadcast_schedules').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findScheduleInScope(scope: Scope, id: string): Promise<ScheduleRow | undefined> {
    return this.db.selectFrom('broadcast_schedules').selectAll().where('id', '=', id).where('region_path', 'like', subtreePattern(scope)).executeTakeFirst();
  }

  listSchedules(scope: Scope): Promise<ScheduleRow[]> {
    return this.db
      .selectFrom('broadcast_schedules')
      .selectAll()
      .where((eb) => eb.or([eb('region_path', 'like', subtreePattern(scope)), eb(eb.val(scope.path), 'like', sql<string>`region_path || '%'`)]))
      .orderBy('next_run_at', (ob) => ob.asc().nullsLast())
      .execute();
  }

  async updateSchedule(tx: Db, id: string, changes: Updateable<BroadcastSchedulesTable>): Promise<void> {
    await tx.updateTable('broadcast_schedules').set(changes).where('id', '=', id).execute();
  }

  async deleteSchedule(tx: Db, id: string): Promise<void> {
    await tx.deleteFrom('broadcast_schedules').where('id', '=', id).execute();
  }

  async deliveryStates(broadcastIds: string[]): Promise<Map<string, DeliveryState[]>> {
    const states = new Map<string, DeliveryState[]>();
    if (broadcastIds.length === 0) return states;
    const rows = await this.db.selectFrom('broadcast_deliveries').select(['broadcast_id', 'state']).where('broadcast_id', 'in', broadcastIds).execute();
    for (const row of rows) states.set(row.broadcast_id, [...(states.get(row.broadcast_id) ?? []), row.state]);
    return states;
  }
}
