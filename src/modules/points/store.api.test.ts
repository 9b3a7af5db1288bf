import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { createPerson, type Person } from '../../../test/support/people.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

const clock = new ManualClock(new Date('2031-05-06T02:00:00Z'));
const VILLAGE = '130631202206'; // 西阳邱村
const NEIGHBOUR = '130631202207'; // 东阳邱村

let t: TestApp;
let cadre: string;
let secretary: string;
let villager: string;
let bonusRule: string;
let neighbourCadre: Person;
let neighbourVillager: Person;
let seq = 0;

beforeAll(async () => {
  t = await createTestApp({ clock });
  cadre = await t.tokenFor('village_cadre');
  secretary = await t.tokenFor('branch_secretary');
  villager = await t.tokenFor('villager');
  neighbourCadre = await createPerson(t, { phone: '13966660001', name: '东阳邱村干部', role: 'village_cadre', regionCode: NEIGHBOUR });
  neighbourVillager = await createPerson(t, { phone: '13966660002', name: '东阳邱村民', role: 'villager', regionCode: NEIGHBOUR });
  // A village rule worth 100 points, so tests can give people a known balance.
  const rule = await t.request({
    method: 'POST',
    url: '/api/points/rules',
    token: cadre,
    payload: { code: 'virtue.model_family', name: '文明家庭', category: 'virtue', earner: 'assigned', points: 100 },
  });
  expect(rule.statusCode).toBe(201);
  bonusRule = rule.json().id;
});
afterAll(async () => t.close());

const api = (token: string, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) => t.request({ method, url, token, ...(payload ? { payload } : {}) });

/** A villager of 西阳邱村 with exactly `times` × 100 points. */
async function villagerWith(times: number): Promise<Person> {
  seq++;
  const person = await createPerson(t, { phone: `1396666${String(1000 + seq)}`, name: `村民${seq}`, role: 'villager', regionCode: VILLAGE });
  for (let i = 0; i < times; i++) {
    const res = await api(cadre, 'POST', '/api/points/awards', { id: randomUUID(), ruleId: bonusRule, userIds: [person.id], reason: '评为文明家庭' });
    expect(res.statusCode).toBe(200);
  }
  return person;
}

async function item(body: { name: string; price: number; stock: number; villageCode?: string }, token = cadre): Promise<string> {
  const res = await api(token, 'POST', '/api/points/store/items', body);
  expect(res.statusCode).toBe(201);
  return res.json().id;
}

const redeem = (token: string, itemId: string, id: string = randomUUID(), quantity = 1) => api(token, 'POST', '/api/points/store/orders', { id, itemId, quantity });
const balanceOf = async (userId: string) => (await t.db.selectFrom('points_balances').select('balance').where('user_id', '=', userId).executeTakeFirst())?.balance ?? 0;
const stockOf = async (itemId: string) => (await t.db.selectFrom('points_store_items').select('stock').where('id', '=', itemId).executeTakeFirstOrThrow()).stock;

async function expectLedgerConsistent() {
  const drift = await sql<{ user_id: string }>`
    SELECT b.user_id FROM points_balances b
    WHERE b.balance <> (SELECT COALESCE(sum(points), 0) FROM points_entries e WHERE e.user_id = b.user_id)`.execute(t.db);
  expect(drift.rows).toEqual([]);
  expect(await t.db.selectFrom('points_balances').select('user_id').where('balance', '<', 0).execute()).toEqual([]);
  expect(await t.db.selectFrom('points_store_items').select('id').where('stock', '<', 0).execute()).toEqual([]);
}

describe('the village store (积分超市)', () => {
  it('villagers see their own village’s items on the shelf; the demo store is stocked', async () => {
    const items = (await api(villager, 'GET', '/api/points/store/items')).json();
    expect(items.items.map((i: { name: string; price: number }) => [i.name, i.price])).toEqual(
      expect.arrayContaining([
        ['洗衣粉', 50],
        ['食用油', 200],
      ]),
    );
    expect(items.items.every((i: { villageCode: string }) => i.villageCode === VILLAGE)).toBe(true);
    const theirs = (await api(neighbourVillager.token, 'GET', '/api/points/store/items')).json();
    expect(theirs.items).toEqual([]);
    const soap = items.items.find((i: { name: string }) => i.name === '洗衣粉').id;
    expect((await redeem(neighbourVillager.token, soap)).json().code).toBe('STORE_ITEM_NOT_FOUND');
    expect((await api(villager, 'POST', '/api/points/store/items', { name: '私货', price: 1, stock: 1 })).statusCode).toBe(403);
    expect((await api(neighbourCadre.token, 'PATCH', `/api/points/store/items/${soap}`, { price: 1 })).statusCode).toBe(404);
  });

  it('redeeming reserves the points and the stock at once; a retry returns the same order', async () => {
    const buyer = await villagerWith(1);
    const towel = await item({ name: '毛巾（测试）', price: 30, stock: 5 });
    const id = randomUUID();
    const first = await redeem(buyer.token, towel, id, 2);
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ id, state: 'reserved', stateLabel: '待领取', quantity: 2, unitPrice: 30, totalPoints: 60, buyer: { id: buyer.id } });
    const retry = await redeem(buyer.token, towel, id, 2);
    expect(retry.statusCode).toBe(200);
    expect(await balanceOf(buyer.id)).toBe(40);
    expect(await stockOf(towel)).toBe(3);
    // Someone else cannot take over the id.
    expect((await redeem(villager, towel, id)).json().code).toBe('REQUEST_ID_CONFLICT');
    const entries = await t.db.selectFrom('points_entries').selectAll().where('order_id', '=', id).execute();
    expect(entries.map((e) => [e.kind, e.points, e.idempotency_key])).toEqual([['redemption', -60, `order:${id}:reserve`]]);
    // The cadres are told there is something to hand over.
    const notes = (await api(cadre, 'GET', '/api/notifications?pageSize=200')).json();
    expect(notes.items.some((n: { kind: string }) => n.kind === 'points.order')).toBe(true);
  });

  it('two villagers redeeming the last item at once: exactly one wins, the stock ends at 0', async () => {
    for (let round = 0; round < 5; round++) {
      const [a, b] = [await villagerWith(1), await villagerWith(1)];
      const oil = await item({ name: `食用油（最后一桶 ${round}）`, price: 80, stock: 1 });
      const results = await Promise.all([redeem(a.token, oil), redeem(b.token, oil)]);
      expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409]);
      expect(results.find((r) => r.statusCode === 409)!.json().code).toBe('STORE_OUT_OF_STOCK');
      expect(await stockOf(oil)).toBe(0);
      const winner = results[0]!.statusCode === 201 ? a : b;
      const loser = winner === a ? b : a;
      expect(await balanceOf(winner.id)).toBe(20);
      expect(await balanceOf(loser.id)).toBe(100);
    }
    await expectLedgerConsistent();
  });

  it('one villager redeeming the last item twice at once (two taps, two ids) gets it once', async () => {
    const buyer = await villagerWith(2);
    const rice = await item({ name: '大米（最后一袋）', price: 50, stock: 1 });
    const results = await Promise.all([redeem(buyer.token, rice), redeem(buyer.token, rice), redeem(buyer.token, rice)]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409]);
    expect(await stockOf(rice)).toBe(0);
    expect(await balanceOf(buyer.id)).toBe(150);
  });

  it('concurrent redemptions beyond the balance: as many as the points allow succeed, the balance never goes negative', async () => {
    const buyer = await villagerWith(1);
    const items = await Promise.all([1, 2, 3, 4, 5].map((n) => item({ name: `商品${n}`, price: 30, stock: 10 })));
    const results = await Promise.all(items.map((id) => redeem(buyer.token, id)));
    const codes = results.map((r) => (r.statusCode === 201 ? 'ok' : r.json().code)).sort();
    expect(codes).toEqual(['POINTS_INSUFFICIENT', 'POINTS_INSUFFICIENT', 'ok', 'ok', 'ok']);
    expect(await balanceOf(buyer.id)).toBe(10);
    const stocks = await Promise.all(items.map(stockOf));
    expect(stocks.sort()).toEqual([10, 10, 9, 9, 9]);
    // A failed redemption leaves no order and no entry behind.
    const orders = await t.db.selectFrom('points_orders').select('id').where('user_id', '=', buyer.id).execute();
    expect(orders).toHaveLength(3);
    const refused = results.find((r) => r.statusCode === 409)!.json();
    expect(refused.message).toContain('积分不足');
    await expectLedgerConsistent();
  });

  it('the buyer may cancel a reserved order: the points and the stock come back, once', async () => {
    const buyer = await villagerWith(1);
    const soap = await item({ name: '洗衣粉（取消测试）', price: 50, stock: 2 });
    const order = (await redeem(buyer.token, soap)).json();
    expect(await balanceOf(buyer.id)).toBe(50);
    const cancelled = await api(buyer.token, 'POST', `/api/points/store/orders/${order.id}/cancel`, { reason: '不需要了' });
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json()).toMatchObject({ state: 'cancelled', cancelledBy: { id: buyer.id }, cancelReason: '不需要了' });
    const again = await api(buyer.token, 'POST', `/api/points/store/orders/${order.id}/cancel`, { reason: '再取消' });
    expect(again.statusCode).toBe(200);
    expect(await balanceOf(buyer.id)).toBe(100);
    expect(await stockOf(soap)).toBe(2);
    const entries = await t.db.selectFrom('points_entries').select(['kind', 'points']).where('order_id', '=', order.id).orderBy('id').execute();
    expect(entries).toEqual([
      { kind: 'redemption', points: -50 },
      { kind: 'refund', points: 50 },
    ]);
    // Other villagers cannot see or cancel it.
    expect((await api(villager, 'POST', `/api/points/store/orders/${order.id}/cancel`, { reason: 'x' })).statusCode).toBe(404);
    await expectLedgerConsistent();
  });

  it('the cadre hands the goods over; a completed order can no longer be cancelled; a cadre may cancel a reserved one', async () => {
    const buyer = await villagerWith(1);
    const towel = await item({ name: '毛巾（领取测试）', price: 20, stock: 5 });
    const handed = (await redeem(buyer.token, towel)).json();
    const queue = (await api(cadre, 'GET', '/api/points/store/orders?state=reserved&pageSize=200')).json();
    expect(queue.items.map((o: { id: string }) => o.id)).toContain(handed.id);
    expect((await api(neighbourCadre.token, 'POST', `/api/points/store/orders/${handed.id}/complete`)).statusCode).toBe(404);
    expect((await api(buyer.token, 'POST', `/api/points/store/orders/${handed.id}/complete`)).statusCode).toBe(403);
    const done = await api(cadre, 'POST', `/api/points/store/orders/${handed.id}/complete`);
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ state: 'completed', stateLabel: '已领取', completedBy: { name: '西阳邱村干部' } });
    expect((await api(cadre, 'POST', `/api/points/store/orders/${handed.id}/complete`)).statusCode).toBe(200);
    const late = await api(buyer.token, 'POST', `/api/points/store/orders/${handed.id}/cancel`, { reason: '反悔' });
    expect(late.statusCode).toBe(409);
    expect(late.json().code).toBe('STORE_ORDER_CLOSED');

    const other = (await redeem(buyer.token, towel)).json();
    const byCadre = await api(secretary, 'POST', `/api/points/store/orders/${other.id}/cancel`, { reason: '商品已过期，换新后再兑' });
    expect(byCadre.json()).toMatchObject({ state: 'cancelled', cancelledBy: { name: '西阳邱支部书记' } });
    expect(await balanceOf(buyer.id)).toBe(80);
    expect((await api(cadre, 'POST', `/api/points/store/orders/${other.id}/complete`)).json().code).toBe('STORE_ORDER_CLOSED');
    const notes = (await api(buyer.token, 'GET', '/api/notifications')).json();
    expect(notes.items.map((n: { kind: string }) => n.kind)).toEqual(expect.arrayContaining(['points.order_completed', 'points.order_cancelled']));
    const audit = await t.db.selectFrom('audit_events').select('action').where('target_id', 'in', [handed.id, other.id]).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['points.order.complete', 'points.order.cancel']);
  });

  it('cadres restock and withdraw items; stock never goes below zero', async () => {
    const pen = await item({ name: '笔记本', price: 10, stock: 2 });
    const restocked = await api(cadre, 'PATCH', `/api/points/store/items/${pen}`, { stockDelta: 8 });
    expect(restocked.json().stock).toBe(10);
    const tooMany = await api(cadre, 'PATCH', `/api/points/store/items/${pen}`, { stockDelta: -11 });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().details[0].field).toBe('body.stockDelta');
    expect((await api(cadre, 'PATCH', `/api/points/store/items/${pen}`, { active: false })).json().active).toBe(false);
    const buyer = await villagerWith(1);
    expect((await redeem(buyer.token, pen)).json().code).toBe('STORE_ITEM_NOT_FOUND');
    const shelf = (await api(buyer.token, 'GET', '/api/points/store/items?pageSize=200')).json();
    expect(shelf.items.some((i: { id: string }) => i.id === pen)).toBe(false);
    const all = (await api(cadre, 'GET', '/api/points/store/items?includeInactive=true&pageSize=200')).json();
    expect(all.items.some((i: { id: string }) => i.id === pen)).toBe(true);
    // Items belong to a village in the cadre's scope.
    expect((await api(cadre, 'POST', '/api/points/store/items', { villageCode: NEIGHBOUR, name: '越界', price: 1, stock: 1 })).statusCode).toBe(404);
    expect((await api(cadre, 'POST', '/api/points/store/items', { villageCode: `${VILLAGE}01`, name: '网格', price: 1, stock: 1 })).statusCode).toBe(400);
  });
});
