import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

/** 待办: per role and scope, items leaving when done, the order. */
const sh = (local: string) => new Date(`${local}+08:00`);
const clock = new ManualClock(sh('2026-12-01T10:00:00')); // a Tuesday morning
const TOWNSHIP_PATH = '/130631/130631202/';
const XIYANGQIU = '130631202206';
const GRID = `${XIYANGQIU}01`; // 西阳邱村第一网格: the demo grid worker's
let t: TestApp;
let villager: string;
let gridWorker: string;
let otherGridWorker: string; // 东阳邱村第一网格
let cadre: string;
let secretary: string;
let staff: string;
let centre: { lon: number; lat: number };

interface Item {
  kind: string;
  id: string;
  urgency: string;
  dueAt: string | null;
  url: { h5: string | null; console: string | null };
}
interface Queue {
  items: Item[];
  total: number;
  counts: Record<string, number>;
}

const queue = async (token: string, query = 'pageSize=200'): Promise<Queue> => {
  const res = await t.request({ method: 'GET', url: `/api/work-queue?${query}`, token });
  expect(res.statusCode).toBe(200);
  return res.json();
};
const has = (q: Queue, kind: string, id: string) => q.items.some((i) => i.kind === kind && i.id === id);

async function report(): Promise<string> {
  const res = await t.request({ method: 'POST', url: '/api/cases', token: villager, payload: { id: randomUUID(), categoryCode: 'village_appearance', description: '路灯不亮', location: centre } });
  expect(res.statusCode).toBe(201);
  return res.json().id;
}

async function insertAlarm(regionCode: string, regionPath: string, raisedAt: Date): Promise<string> {
  const id = randomUUID();
  await t.db
    .insertInto('alarms')
    .values({
      id,
      dedupe_key: `test:${id}`,
      camera_id: null,
      camera_name: '鱼塘摄像头',
      zone_id: null,
      zone_name: '鱼塘',
      kind: 'drowning',
      severity: 'critical',
      region_code: regionCode,
      region_path: regionPath,
      source: 'webhook',
      track_id: id,
      label: 'person',
      score: 0.9,
      box: JSON.stringify({ x: 0, y: 0, width: 10, height: 10 }),
      entered_at: raisedAt,
      raised_at: raisedAt,
      snapshot_key: null,
      warning_text: '危险水域，请远离',
      broadcast_id: null,
      speaker_ids: [],
      state: 'open',
      case_id: null,
      handled_by: null,
      handled_by_name: null,
      handled_at: null,
      note: null,
    })
    .execute();
  return id;
}

beforeAll(async () => {
  t = await createTestApp({ clock });
  [villager, gridWorker, cadre, secretary, staff] = await Promise.all([
    t.tokenFor('villager'),
    t.tokenFor('grid_worker'),
    t.tokenFor('village_cadre'),
    t.tokenFor('branch_secretary'),
    t.tokenFor('township_staff'),
  ]);
  otherGridWorker = await t.login('13800000006');
  centre = (await t.request({ method: 'GET', url: `/api/regions/${GRID}`, token: staff })).json().centre;
});
afterAll(async () => t.close());

describe('GET /api/work-queue', () => {
  it('needs a session', async () => {
    expect((await t.request({ method: 'GET', url: '/api/work-queue' })).statusCode).toBe(401);
  });

  it("a reported case waits for its grid's worker only, and leaves the moment it is accepted", async () => {
    const id = await report();
    const mine = await queue(gridWorker);
    const item = mine.items.find((i) => i.kind === 'case_accept' && i.id === id);
    expect(item).toMatchObject({ urgency: 'normal', url: { h5: `/cases/${id}`, console: `/cases/${id}` } });
    expect(item!.dueAt).not.toBeNull();
    expect(mine.counts.case_accept).toBeGreaterThanOrEqual(1);
    // Another grid's worker, and levels above the grid (the case is the grid's to accept), do not have it.
    for (const token of [otherGridWorker, cadre, secretary, staff, villager]) expect(has(await queue(token), 'case_accept', id)).toBe(false);

    const accepted = await t.request({ method: 'POST', url: `/api/cases/${id}/accept`, token: gridWorker, payload: {} });
    expect(accepted.statusCode).toBe(200);
    const after = await queue(gridWorker);
    expect(has(after, 'case_accept', id)).toBe(false);
    expect(has(after, 'case_handle', id)).toBe(true);
    expect(has(await queue(otherGridWorker), 'case_handle', id)).toBe(false);

    // Handled: the branch secretary evaluates; approved, it leaves.
    expect((await t.request({ method: 'POST', url: `/api/cases/${id}/resolve`, token: gridWorker, payload: { note: '已修好' } })).statusCode).toBe(200);
    expect(has(await queue(gridWorker), 'case_handle', id)).toBe(false);
    expect(has(await queue(secretary), 'case_evaluate', id)).toBe(true);
    expect(has(await queue(cadre), 'case_evaluate', id)).toBe(false);
    expect((await t.request({ method: 'POST', url: `/api/cases/${id}/approve`, token: secretary, payload: {} })).statusCode).toBe(200);
    expect(has(await queue(secretary), 'case_evaluate', id)).toBe(false);
  });

  it('an open alarm is first in the queue of those who handle its region, and leaves when acknowledged', async () => {
    const older = await report(); // a normal item, due later
    const alarm = await insertAlarm(GRID, `${TOWNSHIP_PATH}${XIYANGQIU}/${GRID}/`, clock.now());
    for (const token of [gridWorker, cadre, secretary, staff]) {
      const q = await queue(token);
      expect(q.items[0]).toMatchObject({ kind: 'alarm', urgency: 'critical' });
      expect(has(q, 'alarm', alarm)).toBe(true);
    }
    expect(has(await queue(otherGridWorker), 'alarm', alarm)).toBe(false);
    expect(has(await queue(villager), 'alarm', alarm)).toBe(false);
    expect((await queue(gridWorker)).items.find((i) => i.id === alarm)!.url).toEqual({ h5: `/alarms/${alarm}`, console: '/safe-village/alarms' });

    const ack = await t.request({ method: 'POST', url: `/api/alarms/${alarm}/acknowledge`, token: cadre, payload: {} });
    expect(ack.statusCode).toBe(200);
    // Done by one, gone for everyone who had it.
    for (const token of [gridWorker, cadre, staff]) expect(has(await queue(token), 'alarm', alarm)).toBe(false);
    expect(has(await queue(gridWorker), 'case_accept', older)).toBe(true);
  });

  it('orders by urgency, then deadline (none last), then age; counts per kind; pages', async () => {
    const first = await report();
    clock.advance(60_000);
    const second = await report();
    const q = await queue(gridWorker);
    const rank = { critical: 0, high: 1, normal: 2 } as const;
    for (let i = 1; i < q.items.length; i++) {
      const [a, b] = [q.items[i - 1]!, q.items[i]!];
      expect(rank[a.urgency as keyof typeof rank]).toBeLessThanOrEqual(rank[b.urgency as keyof typeof rank]);
      if (a.urgency === b.urgency && b.dueAt !== null) {
        expect(a.dueAt).not.toBeNull();
        expect(a.dueAt! <= b.dueAt).toBe(true);
      }
    }
    const ids = q.items.map((i) => i.id);
    expect(ids.indexOf(first)).toBeLessThan(ids.indexOf(second));
    expect(q.total).toBe(Object.values(q.counts).reduce((a, b) => a + b, 0));
    expect(q.total).toBe(q.items.length);

    // Past the accept deadline: the case becomes urgent and moves ahead of the ones still in time.
    clock.advance(3 * 86_400_000);
    const late = await report();
    const now = await queue(gridWorker);
    const order = now.items.map((i) => i.id);
    expect(now.items.find((i) => i.id === first)!.urgency).toBe('high');
    expect(now.items.find((i) => i.id === late)!.urgency).toBe('normal');
    expect(order.indexOf(first)).toBeLessThan(order.indexOf(late));

    // Pages follow the same order; a kind filter narrows the items, not the counts.
    const page1 = await queue(gridWorker, 'pageSize=1&page=1');
    const page2 = await queue(gridWorker, 'pageSize=1&page=2');
    expect([page1.items[0]!.id, page2.items[0]!.id]).toEqual(order.slice(0, 2));
    expect(page1.total).toBe(now.total);
    const onlyAccept = await queue(gridWorker, 'kind=case_accept&pageSize=200');
    expect(onlyAccept.items.every((i) => i.kind === 'case_accept')).toBe(true);
    expect(onlyAccept.total).toBe(now.counts.case_accept);
    expect(onlyAccept.counts).toEqual(now.counts);
    expect((await t.request({ method: 'GET', url: '/api/work-queue?kind=nonsense', token: gridWorker })).statusCode).toBe(400);
  });

  it("gives a villager an empty queue (only a party member's own meetings would be there)", async () => {
    const q = await queue(villager);
    expect(q.items).toEqual([]);
    expect(q.total).toBe(0);
  });
});
