import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

// Shanghai local time → UTC instant. 2026-11-27 is a Friday.
const sh = (local: string) => new Date(`${local}+08:00`);
const clock = new ManualClock(sh('2026-11-25T09:00:00'));

const VILLAGE = '130631202206'; // 西阳邱村
const GRID = `${VILLAGE}01`;
let t: TestApp;
let villager: string;
let gridWorker: string;
let otherGridWorker: string;
let secretary: string;
let cadre: string;
let staff: string;
let gridCentre: { lon: number; lat: number };

beforeAll(async () => {
  t = await createTestApp({ clock });
  villager = await t.tokenFor('villager');
  gridWorker = await t.tokenFor('grid_worker');
  otherGridWorker = await t.login('13800000006');
  secretary = await t.tokenFor('branch_secretary');
  cadre = await t.tokenFor('village_cadre');
  staff = await t.tokenFor('township_staff');
  const grid = (await t.request({ method: 'GET', url: `/api/regions/${GRID}`, token: staff })).json();
  gridCentre = grid.centre;
});
afterAll(async () => t.close());

const report = (token: string, body: Record<string, unknown> = {}) =>
  t.request({
    method: 'POST',
    url: '/api/cases',
    token,
    payload: { id: randomUUID(), categoryCode: 'village_appearance', description: '村口垃圾堆放多日无人清理', location: gridCentre, ...body },
  });
/** A new villager of 西阳邱村 who has set their own password. */
async function newVillager(phone: string): Promise<string> {
  await t.request({ method: 'POST', url: '/api/users', token: staff, payload: { phone, name: '村民', role: 'villager', regionCode: VILLAGE, password: 'first-pass-1' } });
  const token = await t.login(phone, 'first-pass-1');
  await t.request({ method: 'POST', url: '/api/auth/password', token, payload: { currentPassword: 'first-pass-1', newPassword: 'second-pass-2' } });
  return t.login(phone, 'second-pass-2');
}

const act = (token: string, id: string, action: string, payload?: object) =>
  t.request({ method: 'POST', url: `/api/cases/${id}/${action}`, token, ...(payload ? { payload } : {}) });
const get = (token: string, id: string) => t.request({ method: 'GET', url: `/api/cases/${id}`, token });

describe('the closed loop: 群众点单、网格接单、支部评单', () => {
  let id: string;

  it('a villager reports; the case is routed to the grid at the location and its worker is told', async () => {
    id = randomUUID();
    const res = await report(villager, { id, smsOptIn: true });
    expect(res.statusCode).toBe(201);
    const c = res.json();
    expect(c).toMatchObject({
      id,
      state: 'submitted',
      stateLabel: '待接单',
      level: 'grid',
      gridCode: GRID,
      villageName: '西阳邱村',
      category: { code: 'village_appearance', name: '村容村貌' },
      reporter: { name: '西阳邱村民', phone: '13800000005' },
    });
    expect(c.number).toMatch(/^20261125-\d{6}$/);
    expect(c.allowedActions).toEqual(['comment']);
    // Accept deadline: 4 working hours from Wednesday 09:00 → 13:00 is lunch, so 14:30.
    expect(c.acceptDueAt).toBe(sh('2026-11-25T14:30:00').toISOString());
    const notes = (await t.request({ method: 'GET', url: '/api/notifications?unread=true', token: gridWorker })).json();
    expect(notes.items.some((n: { caseId: string; kind: string }) => n.caseId === id && n.kind === 'case.new')).toBe(true);
  });

  it('a retried submission returns the same case, never a second one', async () => {
    const body = { id, categoryCode: 'village_appearance', description: '村口垃圾堆放多日无人清理', location: gridCentre, smsOptIn: true };
    const again = await t.request({ method: 'POST', url: '/api/cases', token: villager, payload: body });
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(id);
    const count = await t.db.selectFrom('cases').where('id', '=', id).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(count.n).toBe(1);
    // The same id from someone else is a conflict, not their case.
    const stolen = await t.request({ method: 'POST', url: '/api/cases', token: gridWorker, payload: body });
    expect(stolen.statusCode).toBe(409);
    expect(stolen.json().code).toBe('CASE_ID_CONFLICT');
  });

  it('the grid worker sees it first in the queue by deadline, and accepts (网格接单)', async () => {
    const queue = (await t.request({ method: 'GET', url: '/api/cases?state=submitted,accepted&sort=due', token: gridWorker })).json();
    expect(queue.items.map((c: { id: string }) => c.id)).toContain(id);
    const detail = (await get(gridWorker, id)).json();
    expect(detail.allowedActions).toEqual(expect.arrayContaining(['accept', 'reject', 'escalate', 'comment']));
    clock.advance(30 * 60_000);
    const res = await act(gridWorker, id, 'accept');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ state: 'accepted', assignee: { name: '西阳邱网格员' } });
    // 24 working hours for village appearance: from Wed 09:30 → Fri 12:00 + … = Mon 11:00 (7.5 h a day).
    expect(res.json().resolveDueAt).toBe(sh('2026-11-30T11:00:00').toISOString());
    // Accepting again (a retry) changes nothing.
    const retry = await act(gridWorker, id, 'accept');
    expect(retry.statusCode).toBe(200);
    expect((await get(gridWorker, id)).json().events.filter((e: { type: string }) => e.type === 'accept')).toHaveLength(1);
  });

  it('the branch secretary cannot approve before it is handled', async () => {
    const res = await act(secretary, id, 'approve', {});
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('CASE_TRANSITION_NOT_ALLOWED');
  });

  it('the grid worker reports it handled with a note', async () => {
    const missing = await act(gridWorker, id, 'resolve', { photoIds: [] });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().details[0].field).toBe('body.note');
    const res = await act(gridWorker, id, 'resolve', { note: '已组织保洁员清运完毕', photoIds: [] });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ state: 'resolved', resolutionNote: '已组织保洁员清运完毕' });
    const notes = (await t.request({ method: 'GET', url: '/api/notifications', token: secretary })).json();
    expect(notes.items.some((n: { caseId: string; kind: string }) => n.caseId === id && n.kind === 'case.evaluate')).toBe(true);
  });

  it('the branch returns it with a reason, the worker handles it again, the branch approves (支部评单)', async () => {
    const returned = await act(secretary, id, 'return', { reason: '仍有残留，请彻底清理' });
    expect(returned.statusCode).toBe(200);
    expect(returned.json()).toMatchObject({ state: 'accepted', returnCount: 1, evaluationComment: '仍有残留，请彻底清理' });
    expect((await act(gridWorker, id, 'resolve', { note: '已彻底清理并消毒', photoIds: [] })).statusCode).toBe(200);
    const approved = await act(secretary, id, 'approve', { comment: '处理及时' });
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ state: 'closed', stateLabel: '已办结' });
  });

  it('the villager sees it closed, rates it once, and every step is in the history', async () => {
    const mine = (await t.request({ method: 'GET', url: '/api/cases?mine=reported', token: villager })).json();
    expect(mine.items.find((c: { id: string }) => c.id === id).state).toBe('closed');
    const detail = (await get(villager, id)).json();
    expect(detail.allowedActions).toEqual(expect.arrayContaining(['rate', 'dispute', 'comment']));
    expect(detail.events.map((e: { type: string }) => e.type)).toEqual(['submitted', 'accept', 'resolve', 'return', 'resolve', 'approve']);
    expect(detail.events[1].actor).toEqual({ name: '西阳邱网格员', role: '网格员' });
    const rated = await act(villager, id, 'rate', { rating: 5, comment: '很满意' });
    expect(rated.statusCode).toBe(200);
    expect(rated.json().rating).toBe(5);
    expect((await act(villager, id, 'rate', { rating: 3 })).json().code).toBe('ALREADY_RATED');
    const notes = (await t.request({ method: 'GET', url: '/api/notifications', token: villager })).json();
    expect(notes.items.filter((n: { caseId: string }) => n.caseId === id).length).toBeGreaterThanOrEqual(4);
    const sms = await t.db.selectFrom('sms_outbox').selectAll().where('reference', '=', `case:${id}`).execute();
    expect(sms.length).toBeGreaterThanOrEqual(4);
    expect(sms.every((m) => m.phone === '13800000005' && m.body.startsWith('【数乡】'))).toBe(true);
  });

  it('the reporter may dispute within 7 days; it returns to the handler and is counted', async () => {
    const disputed = await act(villager, id, 'dispute', { reason: '垃圾又堆起来了' });
    expect(disputed.statusCode).toBe(200);
    expect(disputed.json()).toMatchObject({ state: 'accepted', disputeCount: 1, assignee: { name: '西阳邱网格员' } });
    await act(gridWorker, id, 'resolve', { note: '再次清理，并设置了提示牌', photoIds: [] });
    await act(secretary, id, 'approve', {});
    clock.advance(8 * 86_400_000);
    const late = await act(villager, id, 'dispute', { reason: '又脏了' });
    expect(late.statusCode).toBe(409);
    expect(late.json().code).toBe('DISPUTE_WINDOW_CLOSED');
  });
});

describe('who may do what', () => {
  let id: string;
  beforeAll(async () => {
    id = (await report(villager)).json().id;
  });

  it('refuses every transition the state does not allow', async () => {
    for (const [action, body] of [
      ['resolve', { note: 'x', photoIds: [] }],
      ['approve', {}],
      ['return', { reason: 'x' }],
      ['dispute', { reason: 'x' }],
      ['rate', { rating: 4 }],
    ] as const) {
      const res = await act(staff, id, action, body);
      expect([action, res.statusCode]).toEqual([action, action === 'dispute' || action === 'rate' ? 403 : 409]);
    }
  });

  it('a villager cannot handle, and a grid worker of another grid cannot even see it', async () => {
    expect((await act(villager, id, 'accept')).statusCode).toBe(403);
    expect((await get(otherGridWorker, id)).statusCode).toBe(404);
    expect((await act(otherGridWorker, id, 'accept')).statusCode).toBe(404);
    const list = (await t.request({ method: 'GET', url: '/api/cases?pageSize=200', token: otherGridWorker })).json();
    expect(list.items.some((c: { id: string }) => c.id === id)).toBe(false);
  });

  it('another villager sees nothing of it', async () => {
    const created = (await t.request({
      method: 'POST',
      url: '/api/users',
      token: staff,
      payload: { phone: '13922220001', name: '邻居', role: 'villager', regionCode: VILLAGE, password: 'neighbour-pass-1' },
    })).json();
    expect(created.user).toBeTruthy();
    const token = await t.login('13922220001', 'neighbour-pass-1');
    await t.request({ method: 'POST', url: '/api/auth/password', token, payload: { currentPassword: 'neighbour-pass-1', newPassword: 'neighbour-pass-2' } });
    expect((await get(token, id)).statusCode).toBe(404);
    const list = (await t.request({ method: 'GET', url: '/api/cases', token })).json();
    expect(list.total).toBe(0);
  });

  it('two grid workers accepting at once: exactly one wins', async () => {
    await t.request({
      method: 'POST',
      url: '/api/users',
      token: staff,
      payload: { phone: '13922220002', name: '第二网格员', role: 'grid_worker', regionCode: GRID, password: 'second-worker-1' },
    });
    let second = await t.login('13922220002', 'second-worker-1');
    await t.request({ method: 'POST', url: '/api/auth/password', token: second, payload: { currentPassword: 'second-worker-1', newPassword: 'second-worker-2' } });
    second = await t.login('13922220002', 'second-worker-2');
    const results = await Promise.all([act(gridWorker, id, 'accept'), act(second, id, 'accept')]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
  });

  it('the handler cannot evaluate their own work', async () => {
    const c = (await report(villager)).json();
    await act(cadre, c.id, 'accept');
    await act(cadre, c.id, 'resolve', { note: '村干部亲自处理', photoIds: [] });
    // A village cadre has no evaluation right; the township staff do, but not for their own work.
    expect((await act(cadre, c.id, 'approve', {})).statusCode).toBe(403);
    expect((await act(secretary, c.id, 'approve', {})).statusCode).toBe(200);
    const own = (await report(villager)).json();
    await act(staff, own.id, 'accept');
    await act(staff, own.id, 'resolve', { note: '乡镇直接处理', photoIds: [] });
    const self = await act(staff, own.id, 'approve', {});
    expect(self.statusCode).toBe(403);
    expect(self.json().code).toBe('CANNOT_EVALUATE_OWN_WORK');
  });

  it('rejects a duplicate, linking the original, with the reason visible to the reporter', async () => {
    const dup = (await report(villager)).json();
    const res = await act(gridWorker, dup.id, 'reject', { reason: '与已有事件重复', duplicateOf: id });
    expect(res.statusCode).toBe(200);
    const seen = (await get(villager, dup.id)).json();
    expect(seen).toMatchObject({ state: 'rejected', rejectReason: '与已有事件重复', duplicateOf: id });
    const self = await act(gridWorker, (await report(villager)).json().id, 'reject', { reason: 'x', duplicateOf: randomUUID() });
    expect(self.statusCode).toBe(400);
    expect(self.json().details[0].field).toBe('body.duplicateOf');
  });
});

describe('privacy', () => {
  it('shows the reporter to the handlers but hides an anonymous reporter from them', async () => {
    const named = (await report(villager)).json();
    expect((await get(gridWorker, named.id)).json().reporter).toMatchObject({ name: '西阳邱村民', phone: '13800000005' });
    const anon = (await report(villager, { anonymous: true })).json();
    const seenByWorker = (await get(gridWorker, anon.id)).json();
    expect(seenByWorker.reporter).toBeNull();
    expect(JSON.stringify(seenByWorker)).not.toContain('13800000005');
    expect(JSON.stringify(seenByWorker)).not.toContain('西阳邱村民');
    // The reporter still sees their own case as theirs.
    expect((await get(villager, anon.id)).json().reporter).toMatchObject({ name: '西阳邱村民' });
  });

  it('refuses anonymity where the category does not allow it', async () => {
    const res = await report(villager, { categoryCode: 'mediation', anonymous: true });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('ANONYMOUS_NOT_ALLOWED');
  });
});

describe('"me too" instead of a second report', () => {
  it('offers open public cases of the category within 100 m, and counts support once per person', async () => {
    const original = (await report(villager, { categoryCode: 'safety_hazard', description: '坑塘边护栏缺失' })).json();
    const hidden = (await report(villager, { categoryCode: 'mediation', description: '邻里因宅基地争吵' })).json();
    const near = { lon: gridCentre.lon + 0.0005, lat: gridCentre.lat };
    const res = await t.request({ method: 'GET', url: `/api/cases/nearby?lon=${near.lon}&lat=${near.lat}&category=safety_hazard`, token: cadre });
    expect(res.statusCode).toBe(200);
    const found = res.json().items.find((c: { id: string }) => c.id === original.id);
    expect(found.distanceM).toBeGreaterThan(30);
    expect(found.distanceM).toBeLessThan(60);
    const all = (await t.request({ method: 'GET', url: `/api/cases/nearby?lon=${near.lon}&lat=${near.lat}`, token: cadre })).json();
    expect(all.items.some((c: { id: string }) => c.id === hidden.id)).toBe(false);
    const far = (await t.request({ method: 'GET', url: `/api/cases/nearby?lon=${gridCentre.lon + 0.01}&lat=${gridCentre.lat}`, token: cadre })).json();
    expect(far.items.some((c: { id: string }) => c.id === original.id)).toBe(false);

    const neighbour = await newVillager('13922220003');
    const first = await act(neighbour, original.id, 'support');
    expect(first.json()).toEqual({ supportCount: 1, added: true });
    expect((await act(neighbour, original.id, 'support')).json()).toEqual({ supportCount: 1, added: false });
    expect((await get(neighbour, original.id)).json()).toMatchObject({ supportedByMe: true, allowedActions: [] });
    expect((await act(villager, original.id, 'support')).statusCode).toBe(403);
    // Handlers act on the case; "me too" is for fellow villagers.
    expect((await act(cadre, original.id, 'support')).statusCode).toBe(403);
    expect((await get(cadre, original.id)).json().allowedActions).not.toContain('support');
  });
});

describe('queues and counts', () => {
  it('a grid worker’s queue holds what waits in the grid and what is assigned to them, nothing closed', async () => {
    const waiting = (await report(villager)).json();
    const mine = (await report(villager)).json();
    await act(gridWorker, mine.id, 'accept');
    const queue = (await t.request({ method: 'GET', url: '/api/cases?mine=queue&sort=due&pageSize=200', token: gridWorker })).json();
    const ids = queue.items.map((c: { id: string }) => c.id);
    expect(ids).toEqual(expect.arrayContaining([waiting.id, mine.id]));
    expect(queue.items.every((c: { state: string }) => c.state === 'submitted' || c.state === 'accepted')).toBe(true);
  });

  it('counts cases by state and overdue within the caller’s view', async () => {
    const stats = (await t.request({ method: 'GET', url: '/api/cases/stats', token: staff })).json();
    const list = (await t.request({ method: 'GET', url: '/api/cases?pageSize=1', token: staff })).json();
    expect(stats.total).toBe(list.total);
    const submitted = (await t.request({ method: 'GET', url: '/api/cases?state=submitted&pageSize=1', token: staff })).json();
    expect(stats.byState.submitted).toBe(submitted.total);
    const overdue = (await t.request({ method: 'GET', url: '/api/cases?overdue=true&pageSize=1', token: staff })).json();
    expect(stats.overdue).toBe(overdue.total);
    const villagerStats = (await t.request({ method: 'GET', url: '/api/cases/stats', token: otherGridWorker })).json();
    expect(villagerStats.total).toBeLessThan(stats.total);
  });
});

describe('routing', () => {
  it('goes to the chosen village when there is no location, and to the reporter’s village otherwise', async () => {
    // 东阳邱村 has no cadres: the case goes on to the township (routing.api.test.ts).
    const chosen = (await report(villager, { location: undefined, villageCode: '130631202207' })).json();
    expect(chosen).toMatchObject({ level: 'township', villageName: '东阳邱村', gridCode: null });
    const fallback = (await report(villager, { location: undefined })).json();
    expect(fallback).toMatchObject({ level: 'village', villageCode: VILLAGE, gridCode: null });
    // The reporter still sees a report they made outside their own village.
    expect((await get(villager, chosen.id)).statusCode).toBe(200);
  });

  it('tells the village cadres when no grid takes it', async () => {
    const c = (await report(villager, { location: undefined, villageCode: VILLAGE })).json();
    const notes = (await t.request({ method: 'GET', url: '/api/notifications', token: cadre })).json();
    expect(notes.items.some((n: { caseId: string }) => n.caseId === c.id)).toBe(true);
  });
});

describe('validation', () => {
  it('lists every bad field and never answers 5xx', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/api/cases',
      token: villager,
      payload: { id: 'nope', categoryCode: 'X', description: '', location: { lon: 500, lat: 'a' }, photoIds: ['x'], extra: true },
    });
    expect(res.statusCode).toBe(400);
    const fields = res.json().details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['body.id', 'body.categoryCode', 'body.description', 'body.location.lon', 'body.location.lat', 'body.photoIds.0', 'body']));
    const huge = await report(villager, { description: '很'.repeat(2001) });
    expect(huge.statusCode).toBe(400);
    const unknown = await report(villager, { categoryCode: 'no_such_thing' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('CATEGORY_NOT_FOUND');
    const badQuery = await t.request({ method: 'GET', url: '/api/cases?state=open&overdue=maybe', token: staff });
    expect(badQuery.statusCode).toBe(400);
    const notThere = await get(staff, randomUUID());
    expect(notThere.statusCode).toBe(404);
  });

  it('survives concurrent retries of one submission: one row, one 201', async () => {
    const id = randomUUID();
    const body = { id, categoryCode: 'sanitation', description: '污水外溢', location: gridCentre };
    const results = await Promise.all(Array.from({ length: 6 }, () => t.request({ method: 'POST', url: '/api/cases', token: villager, payload: body })));
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect(new Set(results.map((r) => r.json().number)).size).toBe(1);
    const events = await t.db.selectFrom('case_events').where('case_id', '=', id).where('type', '=', 'submitted').select('id').execute();
    expect(events).toHaveLength(1);
  });
});

describe('categories', () => {
  it('administrators configure categories; others may only read them', async () => {
    const admin = await t.tokenFor('admin');
    const list = (await t.request({ method: 'GET', url: '/api/case-categories', token: villager })).json();
    expect(list.items.map((c: { name: string }) => c.name)).toEqual(['村容村貌', '环境卫生', '民生服务', '矛盾调解', '安全隐患', '求助帮扶', '基础设施', '平安巡查', '设备报修']);
    const body = { code: 'flood_season', name: '汛期防溺水', nameEn: 'Flood season', acceptHours: 1, resolveHours: 8, allowAnonymous: true, isPublic: true, reportPoints: 10, handlerPoints: 10 };
    expect((await t.request({ method: 'POST', url: '/api/case-categories', token: staff, payload: body })).statusCode).toBe(403);
    expect((await t.request({ method: 'POST', url: '/api/case-categories', token: admin, payload: body })).statusCode).toBe(201);
    expect((await t.request({ method: 'POST', url: '/api/case-categories', token: admin, payload: body })).json().code).toBe('CATEGORY_EXISTS');
    const changed = await t.request({ method: 'PATCH', url: '/api/case-categories/flood_season', token: admin, payload: { acceptHours: 0.5, active: false } });
    expect(changed.json()).toMatchObject({ acceptHours: 0.5, active: false });
    expect((await report(villager, { categoryCode: 'flood_season' })).statusCode).toBe(404);
  });
});
