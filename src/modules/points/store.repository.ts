import { type ExpressionBuilder, type Insertable, type Selectable, sql, type Updateable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { Database, PointsOrdersTable, PointsStoreItemsTable } from '../../platform/db/schema.js';
import { offsetOf, type PageRequest } from '../../platform/http/pagination.js';
import { type Scope, subtreePattern } from '../../platform/scope.js';

export type ItemRow = Selectable<PointsStoreItemsTable> & { village_name: string };
export type OrderRow = Selectable<PointsOrdersTable>;

/**
 * Items a caller sees: those of the village they live in (the item's village path is a prefix of
 * theirs), and for store managers everything in their region.
 */
export interface ItemVisibility {
  path: string;
  manage: boolean;
}

function visibleItems(v: ItemVisibility) {
  return (eb: ExpressionBuilder<Database, 'points_store_items'>) => {
    const home = eb(eb.val(v.path), 'like', sql<string>`points_store_items.region_path || '%'`);
    return v.manage ? eb.or([home, eb('points_store_items.region_path', 'like', subtreePattern({ regionCode: '', path: v.path }))]) : home;
  };
}

/** Orders a caller sees: their own, and for store managers their region's. */
export type OrderVisibility = { userId: string; managePath: string | null };

function visibleOrders(v: OrderVisibility) {
  return (eb: ExpressionBuilder<Database, 'points_orders'>) =>
    v.managePath === null
      ? eb('points_orders.user_id', '=', v.userId)
      : eb.or([eb('points_orders.user_id', '=', v.userId), eb('points_orders.region_path', 'like', subtreePattern({ regionCode: '', path: v.managePath }))]);
}

export class StoreRepository {
  constructor(private readonly db: Db) {}

  private items(db: Db = this.db) {
    return db.selectFrom('points_store_items').innerJoin('regions', 'regions.code', 'points_store_items.village_code').selectAll('points_store_items').select('regions.name as village_name');
  }

  /** The new id, or undefined when an item with the given id exists. */
  async insertItem(tx: Db, row: Insertable<PointsStoreItemsTable>): Promise<string | undefined> {
    return (await tx.insertInto('points_store_items').values(row).onConflict((oc) => oc.column('id').doNothing()).returning('id').executeTakeFirst())?.id;
  }

  async itemVisible(visibility: ItemVisibility, id: string, db: Db = this.db): Promise<ItemRow | undefined> {
    return this.items(db).where('points_store_items.id', '=', id).where(visibleItems(visibility)).executeTakeFirst();
  }

  async itemInScope(scope: Scope, id: string): Promise<ItemRow | undefined> {
    return this.items().where('points_store_items.id', '=', id).where('points_store_items.region_path', 'like', subtreePattern(scope)).executeTakeFirst();
  }

  /** Locks the item row: concurrent redemptions of it queue here, so stock is checked and taken atomically. */
  async lockItem(tx: Db, id: string): Promise<void> {
    await tx.selectFrom('points_store_items').select('id').where('id', '=', id).forUpdate().executeTakeFirst();
  }

  async listItems(visibility: ItemVisibility, filter: { village?: string; activeOnly: boolean }, page: PageRequest): Promise<{ rows: ItemRow[]; total: number }> {
    let query = this.db.selectFrom('points_store_items').where(visibleItems(visibility));
    if (filter.village) query = query.where('village_code', '=', filter.village);
    if (filter.activeOnly) query = query.where('active', '=', true);
    const ids = query.select('points_store_items.id');
    const [rows, total] = await Promise.all([
      this.items()
        .where('points_store_items.id', 'in', ids)
        .orderBy('points_store_items.region_path')
        .orderBy('points_store_items.sort_order')
        .orderBy('points_store_items.price')
        .orderBy('points_store_items.id')
        .limit(page.pageSize)
        .offset(offsetOf(page))
        .execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: total.n };
  }

  async updateItem(tx: Db, id: string, changes: Updateable<PointsStoreItemsTable>): Promise<void> {
    await tx.updateTable('points_store_items').set(changes).where('id', '=', id).execute();
  }

  /** Moves the stock by `delta` unless it would go below zero; true when moved. */
  async moveStock(tx: Db, id: string, delta: number, at: Date): Promise<boolean> {
    const result = await tx
      .updateTable('points_store_items')
      .set((eb) => ({ stock: eb('stock', '+', delta), updated_at: at }))
      .where('id', '=', id)
      .where((eb) => eb(eb('stock', '+', delta), '>=', 0))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Inserts unless the id exists; true when inserted. */
  async insertOrder(tx: Db, row: Insertable<PointsOrdersTable>): Promise<boolean> {
    const inserted = await tx
      .insertInto('points_orders')
      .values(row)
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  async orderById(id: string, db: Db = this.db): Promise<OrderRow | undefined> {
    return db.selectFrom('points_orders').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async orderVisible(visibility: OrderVisibility, id: string): Promise<OrderRow | undefined> {
    return this.db.selectFrom('points_orders').selectAll().where('id', '=', id).where(visibleOrders(visibility)).executeTakeFirst();
  }

  async orderInScope(scope: Scope, id: string): Promise<OrderRow | undefined> {
    return this.db.selectFrom('points_orders').selectAll().where('id', '=', id).where('region_path', 'like', subtreePattern(scope)).executeTakeFirst();
  }

  async lockOrder(tx: Db, id: string): Promise<OrderRow | undefined> {
    return tx.selectFrom('points_orders').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  }

  async updateOrder(tx: Db, id: string, changes: Updateable<PointsOrdersTable>): Promise<void> {
    await tx.updateTable('points_orders').set(changes).where('id', '=', id).execute();
  }

  async listOrders(
    visibility: OrderVisibility,
    filter: { state?: OrderRow['state']; village?: string; mineOnly?: boolean },
    page: PageRequest,
  ): Promise<{ rows: OrderRow[]; total: number }> {
    let query = this.db.selectFrom('points_orders').where(visibleOrders(visibility));
    if (filter.state) query = query.where('state', '=', filter.state);
    if (filter.village) query = query.where('village_code', '=', filter.village);
    if (filter.mineOnly) query = query.where('user_id', '=', visibility.userId);
    const [rows, total] = await Promise.all([
      query
        .selectAll()
        // Reserved first (goods to hand over), oldest first; the rest newest first.
        .orderBy(sql`CASE WHEN state = 'reserved' THEN 0 ELSE 1 END`)
        .orderBy(sql`CASE WHEN state = 'reserved' THEN created_at END ASC`)
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .limit(page.pageSize)
        .offset(offsetOf(page))
        .execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: total.n };
  }
}
