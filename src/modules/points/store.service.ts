import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { Role } from '../../platform/db/schema.js';
import { AppError, fieldError } from '../../platform/http/errors.js';
import type { Actor, RequestMeta } from '../../platform/request-context.js';
import { isWithin } from '../../platform/scope.js';
import type { AccountsService } from '../accounts/accounts.service.js';
import { can, requirePermission } from '../accounts/policies.js';
import type { AuditService } from '../audit/audit.service.js';
import type { HouseholdsService } from '../households/households.service.js';
import type { NotificationsService } from '../notifications/notifications.service.js';
import type { RegionsService } from '../regions/regions.service.js';
import type { Ledger } from './ledger.js';
import { orderStateLabels } from './points-model.js';
import type { PointsRepository } from './points.repository.js';
import type { CreateItemBody, ItemView, ListItemsQuery, ListOrdersQuery, OrderView, RedeemBody, UpdateItemBody } from './points.schema.js';
import type { ItemRow, ItemVisibility, OrderRow, OrderVisibility, StoreRepository } from './store.repository.js';

const CADRES: Role[] = ['village_cadre', 'branch_secretary'];

function toItemView(row: ItemRow): ItemView {
  return {
    id: row.id,
    villageCode: row.village_code,
    villageName: row.village_name,
    name: row.name,
    description: row.description,
    price: row.price,
    stock: row.stock,
    active: row.active,
    sortOrder: row.sort_order,
  };
}

function toOrderView(row: OrderRow): OrderView {
  const who = (id: string | null, name: string | null) => (id && name ? { id, name } : null);
  return {
    id: row.id,
    state: row.state,
    stateLabel: orderStateLabels[row.state].zh,
    item: { id: row.item_id, name: row.item_name },
    buyer: { id: row.user_id, name: row.user_name },
    villageCode: row.village_code,
    quantity: row.quantity,
    unitPrice: row.unit_price,
    totalPoints: row.total_points,
    createdAt: row.created_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
    completedBy: who(row.completed_by, row.completed_by_name),
    cancelledAt: row.cancelled_at?.toISOString() ?? null,
    cancelledBy: who(row.cancelled_by, row.cancelled_by_name),
    cancelReason: row.cancel_reason,
  };
}

/**
 * 积分超市: each village stocks items with a points price. Redeeming reserves the points (a
 * redemption entry) and the stock at once; the cadre hands the goods over (completed) or the order
 * is cancelled (a refund entry, stock returned). Item row first, then the balance row: concurrent
 * redemptions of the last item queue on the item, so exactly one wins and stock never goes negative.
 */
export class StoreService {
  constructor(
    private readonly deps: {
      db: Db;
      repository: StoreRepository;
      points: PointsRepository;
      ledger: Ledger;
      households: HouseholdsService;
      regions: RegionsService;
      accounts: AccountsService;
      notifications: NotificationsService;
      audit: AuditService;
      clock: Clock;
    },
  ) {}

  private itemVisibility(actor: Actor): ItemVisibility {
    return { path: actor.scope.path, manage: can(actor.role, 'points.store.manage') };
  }

  private orderVisibility(actor: Actor): OrderVisibility {
    return { userId: actor.userId, managePath: can(actor.role, 'points.store.manage') ? actor.scope.path : null };
  }

  // ---- items ----------------------------------------------------------------------------------

  async listItems(actor: Actor, query: ListItemsQuery) {
    const { page, pageSize, village, includeInactive } = query;
    const visibility = this.itemVisibility(actor);
    const activeOnly = !(visibility.manage && includeInactive === 'true');
    const { rows, total } = await this.deps.repository.listItems(visibility, { village, activeOnly }, { page, pageSize });
    return { items: rows.map(toItemView), total, page, pageSize };
  }

  async createItem(actor: Actor, body: CreateItemBody, meta: RequestMeta): Promise<ItemView> {
    requirePermission(actor.role, 'points.store.manage');
    const code = body.villageCode ?? actor.scope.regionCode;
    const place = await this.deps.regions.placeOf(code);
    if (!place || !isWithin(actor.scope, place.region.path)) throw new AppError('REGION_NOT_FOUND', { detail: { zh: code, en: code } });
    if (place.region.level !== 'village') throw fieldError('body.villageCode', '积分超市按村设立，请选择一个村', 'a points store belongs to a village');
    const now = this.deps.clock.now();
    const id = await this.deps.db.transaction().execute(async (tx) => {
      const newId = (await this.deps.repository.insertItem(tx, {
        village_code: code,
        region_path: place.region.path,
        name: body.name,
        description: body.description,
        price: body.price,
        stock: body.stock,
        sort_order: body.sortOrder,
        created_at: now,
        updated_at: now,
      }))!;
      await this.deps.audit.record(tx, actor, meta, { action: 'points.item.create', targetType: 'points_item', targetId: newId, regionPath: place.region.path, details: { ...body, villageCode: code } });
      return newId;
    });
    return toItemView((await this.deps.repository.itemInScope(actor.scope, id))!);
  }

  async updateItem(actor: Actor, id: string, body: UpdateItemBody, meta: RequestMeta): Promise<ItemView> {
    requirePermission(actor.role, 'points.store.manage');
    const before = await this.deps.repository.itemInScope(actor.scope, id);
    if (!before) throw new AppError('STORE_ITEM_NOT_FOUND');
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.lockItem(tx, id);
      if (body.stockDelta !== undefined && !(await this.deps.repository.moveStock(tx, id, body.stockDelta, now))) {
        throw fieldError('body.stockDelta', '库存不能少于 0', 'the stock cannot go below 0');
      }
      await this.deps.repository.updateItem(tx, id, {
        ...(body.name !== undefined && { name: body.name }),
        ...(body.description !== undefined && { description: body.description }),
        ...(body.price !== undefined && { price: body.price }),
        ...(body.active !== undefined && { active: body.active }),
        ...(body.sortOrder !== undefined && { sort_order: body.sortOrder }),
        updated_at: now,
      });
      await this.deps.audit.record(tx, actor, meta, {
        action: 'points.item.update',
        targetType: 'points_item',
        targetId: id,
        regionPath: before.region_path,
        details: { before: toItemView(before), after: body },
      });
    });
    return toItemView((await this.deps.repository.itemInScope(actor.scope, id))!);
  }

  /** Demo mode only: an item with a fixed id; skipped when it exists. */
  async createDemoItem(input: { id: string; villageCode: string; name: string; description: string; price: number; stock: number; sortOrder: number }): Promise<void> {
    const place = await this.deps.regions.placeOf(input.villageCode);
    if (!place) return;
    const now = this.deps.clock.now();
    await this.deps.repository.insertItem(this.deps.db, {
      id: input.id,
      village_code: input.villageCode,
      region_path: place.region.path,
      name: input.name,
      description: input.description,
      price: input.price,
      stock: input.stock,
      sort_order: input.sortOrder,
      created_at: now,
      updated_at: now,
    });
  }

  // ---- orders ---------------------------------------------------------------------------------

  /** A villager redeems an item of their village. Retrying with the same id returns the same order. */
  async redeem(actor: Actor, body: RedeemBody): Promise<{ created: boolean; order: OrderView }> {
    requirePermission(actor.role, 'points.redeem');
    const existing = await this.deps.repository.orderById(body.id);
    if (existing) return this.replayed(actor, existing);
    const buyer = (await this.deps.households.personOf(actor.userId))!;
    const now = this.deps.clock.now();
    const home: ItemVisibility = { path: actor.scope.path, manage: false };
    const created = await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.lockItem(tx, body.itemId);
      const item = await this.deps.repository.itemVisible(home, body.itemId, tx);
      if (!item || !item.active) throw new AppError('STORE_ITEM_NOT_FOUND');
      if (item.stock < body.quantity) throw new AppError('STORE_OUT_OF_STOCK', { detail: { zh: `剩余 ${item.stock} 件`, en: `${item.stock} left` } });
      const total = item.price * body.quantity;
      const inserted = await this.deps.repository.insertOrder(tx, {
        id: body.id,
        item_id: item.id,
        item_name: item.name,
        user_id: buyer.id,
        user_name: buyer.name,
        household_id: buyer.household_id,
        region_path: item.region_path,
        village_code: item.village_code,
        quantity: body.quantity,
        unit_price: item.price,
        total_points: total,
        created_at: now,
        updated_at: now,
      });
      if (!inserted) return false;
      await this.deps.ledger.book(tx, {
        account: { userId: buyer.id, householdId: buyer.household_id, regionPath: buyer.region_path },
        kind: 'redemption',
        points: -total,
        orderId: body.id,
        approver: null,
        reason: `积分超市兑换：${item.name} × ${body.quantity}`,
        key: `order:${body.id}:reserve`,
        shortfall: 'refuse',
      });
      if (!(await this.deps.repository.moveStock(tx, item.id, -body.quantity, now))) throw new AppError('STORE_OUT_OF_STOCK');
      const cadres = await this.deps.accounts.contactsAt(item.village_code, CADRES, tx);
      await this.deps.notifications.notify(
        tx,
        cadres.map((u) => ({ userId: u.id, kind: 'points.order', title: `积分超市待领取：${item.name} × ${body.quantity}`, body: `${buyer.name} 兑换，${total} 分`, caseId: null })),
      );
      return true;
    });
    // A concurrent retry with the same id won the insert: answer as a retry.
    if (!created) return this.replayed(actor, (await this.deps.repository.orderById(body.id))!);
    return { created: true, order: toOrderView((await this.deps.repository.orderById(body.id))!) };
  }

  private replayed(actor: Actor, order: OrderRow) {
    if (order.user_id !== actor.userId) throw new AppError('REQUEST_ID_CONFLICT');
    return { created: false, order: toOrderView(order) };
  }

  async listOrders(actor: Actor, query: ListOrdersQuery) {
    const { page, pageSize, state, village, mine } = query;
    const { rows, total } = await this.deps.repository.listOrders(this.orderVisibility(actor), { state, village, mineOnly: mine === 'true' }, { page, pageSize });
    return { items: rows.map(toOrderView), total, page, pageSize };
  }

  async getOrder(actor: Actor, id: string): Promise<OrderView> {
    const row = await this.deps.repository.orderVisible(this.orderVisibility(actor), id);
    if (!row) throw new AppError('STORE_ORDER_NOT_FOUND');
    return toOrderView(row);
  }

  /** The cadre hands the goods over. Repeating it changes nothing; a cancelled order cannot be completed. */
  async complete(actor: Actor, id: string, meta: RequestMeta): Promise<OrderView> {
    requirePermission(actor.role, 'points.store.manage');
    if (!(await this.deps.repository.orderInScope(actor.scope, id))) throw new AppError('STORE_ORDER_NOT_FOUND');
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (tx) => {
      const order = (await this.deps.repository.lockOrder(tx, id))!;
      if (order.state === 'completed') return;
      if (order.state === 'cancelled') throw new AppError('STORE_ORDER_CLOSED');
      await this.deps.repository.updateOrder(tx, id, { state: 'completed', completed_at: now, completed_by: actor.userId, completed_by_name: actor.name, updated_at: now });
      await this.deps.audit.record(tx, actor, meta, {
        action: 'points.order.complete',
        targetType: 'points_order',
        targetId: id,
        regionPath: order.region_path,
        details: { userId: order.user_id, item: order.item_name, quantity: order.quantity, points: order.total_points },
      });
      await this.deps.notifications.notify(tx, [{ userId: order.user_id, kind: 'points.order_completed', title: `已领取：${order.item_name} × ${order.quantity}`, body: `经办人：${actor.name}`, caseId: null }]);
    });
    return toOrderView((await this.deps.repository.orderById(id))!);
  }

  /**
   * Cancels a reserved order: the buyer themselves, or a store manager in scope (with the reason).
   * The points come back as a refund entry and the stock is returned, once.
   */
  async cancel(actor: Actor, id: string, reason: string, meta: RequestMeta): Promise<OrderView> {
    const visible = await this.deps.repository.orderVisible(this.orderVisibility(actor), id);
    if (!visible) throw new AppError('STORE_ORDER_NOT_FOUND');
    const manager = can(actor.role, 'points.store.manage') && isWithin(actor.scope, visible.region_path);
    if (!manager) requirePermission(actor.role, 'points.redeem');
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (tx) => {
      const order = (await this.deps.repository.lockOrder(tx, id))!;
      if (order.state === 'cancelled') return;
      if (order.state === 'completed') throw new AppError('STORE_ORDER_CLOSED');
      await this.deps.repository.lockItem(tx, order.item_id);
      await this.deps.repository.moveStock(tx, order.item_id, order.quantity, now);
      // The refund goes back where the redemption was booked (household and region included).
      const reserved = (await this.deps.points.entryByKey(tx, `order:${id}:reserve`))!;
      await this.deps.ledger.book(tx, {
        account: { userId: reserved.user_id, householdId: reserved.household_id, regionPath: reserved.region_path },
        kind: 'refund',
        points: order.total_points,
        orderId: id,
        approver: { id: actor.userId, name: actor.name },
        reason: `取消兑换：${order.item_name} × ${order.quantity}（${reason}）`,
        key: `order:${id}:refund`,
        shortfall: 'refuse',
      });
      await this.deps.repository.updateOrder(tx, id, {
        state: 'cancelled',
        cancelled_at: now,
        cancelled_by: actor.userId,
        cancelled_by_name: actor.name,
        cancel_reason: reason,
        updated_at: now,
      });
      if (manager) {
        await this.deps.audit.record(tx, actor, meta, {
          action: 'points.order.cancel',
          targetType: 'points_order',
          targetId: id,
          regionPath: order.region_path,
          details: { userId: order.user_id, item: order.item_name, quantity: order.quantity, points: order.total_points, reason },
        });
      }
      if (actor.userId !== order.user_id) {
        await this.deps.notifications.notify(tx, [
          { userId: order.user_id, kind: 'points.order_cancelled', title: `兑换已取消，退还 ${order.total_points} 分`, body: `${order.item_name}：${reason}`, caseId: null },
        ]);
      }
    });
    return toOrderView((await this.deps.repository.orderById(id))!);
  }
}
