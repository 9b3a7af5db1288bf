import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg } from '../../../test/support/images.js';
import { photosForm } from '../../../test/support/multipart.js';
import { createPerson, type Person } from '../../../test/support/people.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { ManualClock } from '../../platform/clock.js';

/**
 * 养老 on a clock the test moves (ManualClock): visit plans in calendar months of China time, their
 * overdue detection across month boundaries, who sees health notes, alerts that open visits, meals.
 * The residents live in 西阳邱村's second grid, with a grid worker of their own, so the figures of
 * that grid hold only what this file made.
 */
const VILLAGE = '130631202206'; // 西阳邱村
const GRID_2 = `${VILLAGE}02`;
const NEIGHBOUR = '130631202207';
const VILLAGER_HOUSEHOLD = '5a1e0000-0000-4000-8000-000000000001'; // 西阳邱村民户, the demo villager's
const LI_HOUSEHOLD = '5a1e0000-0000-4000-8000-000000000003'; // 李秀兰户: 赵长庚 (demo, bedridden)
const HEALTH = '心脏病，随身带速效救心丸；对青霉素过敏。';

const clock = new ManualClock(new Date('2026-10-20T02:00:00Z'));
let t: TestApp;
let cadre: string;
let staff: string;
let villager: string;
let gridWorker1: string;
let worker: Person; // grid worker of grid 2
let neighbourVillager: Person;

beforeAll(async () => {
  t = await createTestApp({ clock });
  [cadre, staff, villager, gridWorker1] = await Promise.all([t.tokenFor('village_cadre'), t.tokenFor('township_staff'), t.tokenFor('villager'), t.tokenFor('grid_worker')]);
  worker = await createPerson(t, { phone: '13944440001', name: '第二网格员', role: 'grid_worker', regionCode: GRID_2 });
  neighbourVillager = await createPerson(t, { phone: '13944440002', name: '东阳邱村民', role: 'villager', regionCode: NEIGHBOUR });
});
afterAll(async () => t.close());

const api = (token: string, method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, payload?: object) => t.request({ method, url, token, ...(payload ? { payload } : {}) });

async function register(body: object, token = cadre) {
  const res = await api(token, 'POST', '/api/elderly', { id: randomUUID(), name: '孙桂芝', gender: 'female', birthDate: '1944-05-01', regionCode: GRID_2, ...body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

const stats = async () => (await api(staff, 'GET', `/api/elderly/stats?region=${GRID_2}`)).json();
const planOf = async (id: string, token = worker.token) => (await api(token, 'GET', `/api/elderly/${id}`)).json().plan;
const visit = (residentId: string, body: object = {}) => api(worker.token, 'POST', `/api/elderly/${residentId}/visits`, { id: randomUUID(), condition: 'good', notes: '精神很好。', ...body });

describe('the register', () => {
  it('computes the age from the birth date, gives those living alone a monthly plan, and takes 60 and over only', async () => {
    const r = await register({ name: '孙桂芝', livingAlone: true, mobility: 'assisted' });
    expect(r).toMatchObject({ age: 82, region: { code: GRID_2, name: '西阳邱村第二网格' }, village: { code: VILLAGE, name: '西阳邱村' }, livingAlone: true, mobility: 'assisted' });
    expect(r.plan).toMatchObject({ frequency: 'monthly', startsOn: '2026-10-20', status: 'due', dueBy: '2026-10-31T16:00:00.000Z' });
    expect((await register({ name: '周大爷', birthDate: '1950-01-01' })).plan).toBeNull();
    const young = await api(cadre, 'POST', '/api/elderly', { id: randomUUID(), name: '年轻人', birthDate: '1980-01-01', regionCode: GRID_2 });
    expect(young.statusCode).toBe(400);
    expect((await api(cadre, 'POST', '/api/elderly', { id: randomUUID(), name: '外村', birthDate: '1940-01-01', regionCode: NEIGHBOUR })).json().code).toBe('REGION_NOT_FOUND');
    expect((await api(villager, 'GET', '/api/elderly')).statusCode).toBe(403);
    expect((await api(worker.token, 'POST', '/api/elderly', { id: randomUUID(), name: 'x', birthDate: '1940-01-01', regionCode: GRID_2 })).statusCode).toBe(403);
  });
});

describe('privacy of health notes', () => {
  it('shows health notes and visit notes to carers only: the grid’s worker and the village cadres', async () => {
    const r = await register({ name: '钱老汉', gender: 'male', birthDate: '1940-02-02', healthNotes: HEALTH, livingAlone: true });
    expect(r).toMatchObject({ healthNotes: HEALTH, healthNotesVisible: true });
    expect((await visit(r.id, { notes: '血压 150/95，提醒按时服药。' })).statusCode).toBe(200);

    const asWorker = (await api(worker.token, 'GET', `/api/elderly/${r.id}`)).json();
    expect(asWorker).toMatchObject({ healthNotes: HEALTH, healthNotesVisible: true });
    expect(asWorker.visits[0]).toMatchObject({ state: 'done', notes: '血压 150/95，提醒按时服药。', visitorName: '第二网格员' });

    // Township staff keep the register and see that a visit happened, not what was noted.
    const asStaff = (await api(staff, 'GET', `/api/elderly/${r.id}`)).json();
    expect(asStaff).toMatchObject({ healthNotes: null, healthNotesVisible: false, canEdit: true });
    expect(asStaff.visits[0]).toMatchObject({ state: 'done', notes: null, files: [] });
    // Lists never carry them; the audit trail (read by staff) neither.
    for (const token of [staff, cadre, worker.token]) expect(JSON.stringify((await api(token, 'GET', '/api/elderly?pageSize=200')).json())).not.toContain('速效救心丸');
    expect(JSON.stringify((await api(staff, 'GET', `/api/audit-events?targetId=${r.id}`)).json())).not.toContain('速效救心丸');
    // Outside the grid, or as a villager, the record is not there at all.
    expect((await api(gridWorker1, 'GET', `/api/elderly/${r.id}`)).statusCode).toBe(404);
    expect((await api(villager, 'GET', `/api/elderly/${r.id}`)).statusCode).toBe(403);

    // Only carers write them: staff may not, a grid worker may (but not the rest of the record).
    expect((await api(staff, 'PATCH', `/api/elderly/${r.id}`, { healthNotes: '改' })).statusCode).toBe(400);
    expect((await api(staff, 'POST', '/api/elderly', { id: randomUUID(), name: 'x', birthDate: '1940-01-01', regionCode: GRID_2, healthNotes: 'x' })).statusCode).toBe(400);
    expect((await api(worker.token, 'PATCH', `/api/elderly/${r.id}`, { healthNotes: `${HEALTH}近期腿脚不便。`, mobility: 'assisted' })).json()).toMatchObject({ mobility: 'assisted', healthNotes: `${HEALTH}近期腿脚不便。` });
    expect((await api(worker.token, 'PATCH', `/api/elderly/${r.id}`, { name: '改名' })).statusCode).toBe(403);
  });
});

describe('visit planning across month boundaries (China time)', () => {
  it('counts a visit at 23:30 on 31 October for October, and makes November’s visit overdue at midnight on 1 December', async () => {
    clock.set(new Date('2026-10-20T02:00:00Z'));
    const r = await register({ name: '吴奶奶', birthDate: '1938-12-12', livingAlone: true });
    const before = await stats();

    clock.set(new Date('2026-10-31T15:30:00Z')); // 23:30 on 31 October in Shanghai
    const photo = await t.request({ method: 'POST', url: '/api/village-files', token: worker.token, ...photosForm([{ name: 'visit.jpg', data: await makeJpeg() }], 'files') });
    const recorded = await visit(r.id, { fileIds: [photo.json().items[0].id] });
    expect(recorded.json().plan).toMatchObject({ status: 'done', dueBy: '2026-11-30T16:00:00.000Z' });
    expect(recorded.json().visits[0].files).toHaveLength(1);

    clock.set(new Date('2026-11-15T04:00:00Z'));
    expect(await planOf(r.id)).toMatchObject({ status: 'due', overdueSince: null });
    const tasks = (await api(worker.token, 'GET', '/api/elderly/tasks')).json();
    expect(tasks.visits.find((v: { resident: { id: string } }) => v.resident.id === r.id)).toMatchObject({ kind: 'plan', status: 'due', frequency: 'monthly' });

    clock.set(new Date('2026-11-30T15:59:59Z')); // 23:59:59 on 30 November
    expect((await planOf(r.id)).status).toBe('due');
    clock.set(new Date('2026-11-30T16:00:00Z')); // 00:00 on 1 December in Shanghai, still 30 November in UTC
    expect(await planOf(r.id)).toMatchObject({ status: 'overdue', overdueSince: '2026-11-30T16:00:00.000Z' });
    const overdueTasks = (await api(worker.token, 'GET', '/api/elderly/tasks')).json().visits;
    expect(overdueTasks[0]).toMatchObject({ status: 'overdue' });
    expect(overdueTasks.find((v: { resident: { id: string } }) => v.resident.id === r.id).status).toBe('overdue');
    const december = await stats();
    expect(december.month).toBe('2026-12');
    expect(december.visitsThisMonth).toBe(0);
    expect(december.overdueVisits).toBeGreaterThan(before.overdueVisits);
    expect((await api(cadre, 'GET', `/api/elderly?planStatus=overdue&village=${GRID_2}&pageSize=200`)).json().items.map((e: { id: string }) => e.id)).toContain(r.id);

    clock.set(new Date('2026-12-01T01:00:00Z'));
    expect((await visit(r.id)).json().plan.status).toBe('done');
    const after = await stats();
    expect(after.visitsThisMonth).toBe(1);
    expect(after.overdueVisits).toBe(december.overdueVisits - 1);
  });

  it('counts a visit at 01:00 on 1 November (17:00 UTC on 31 October) for November', async () => {
    clock.set(new Date('2026-10-20T02:00:00Z'));
    const r = await register({ name: '郑爷爷', gender: 'male', birthDate: '1941-03-03', livingAlone: true });
    clock.set(new Date('2026-10-31T17:00:00Z'));
    expect((await visit(r.id)).json().plan).toMatchObject({ status: 'done', dueBy: '2026-12-31T16:00:00.000Z' });
    clock.set(new Date('2026-11-30T16:00:00Z'));
    expect((await planOf(r.id)).status).toBe('due');
    clock.set(new Date('2026-12-31T16:00:00Z'));
    expect((await planOf(r.id)).status).toBe('overdue');
  });

  it('refuses visits in the future or long past, and sets plans with a carer of the village only', async () => {
    clock.set(new Date('2026-12-02T02:00:00Z'));
    const r = await register({ name: '冯奶奶', birthDate: '1945-04-04' });
    expect((await visit(r.id, { visitedAt: '2026-12-03T02:00:00Z' })).statusCode).toBe(400);
    expect((await visit(r.id, { visitedAt: '2026-11-01T02:00:00Z' })).statusCode).toBe(400);
    const planned = await api(cadre, 'PUT', `/api/elderly/${r.id}/plan`, { frequency: 'weekly', carerId: worker.id });
    expect(planned.json().plan).toMatchObject({ frequency: 'weekly', carer: { id: worker.id, name: '第二网格员' }, status: 'due' });
    expect((await api(cadre, 'PUT', `/api/elderly/${r.id}/plan`, { frequency: 'weekly', carerId: neighbourVillager.id })).statusCode).toBe(400);
    const paused = await api(cadre, 'PUT', `/api/elderly/${r.id}/plan`, { frequency: 'weekly', active: false });
    expect(paused.json().plan).toMatchObject({ active: false, status: null });
    expect((await api(worker.token, 'PUT', `/api/elderly/${r.id}/plan`, { frequency: 'monthly' })).statusCode).toBe(403);
  });
});

describe('alerts that open visits', () => {
  it('opens a visit task from a manual alert, tells the grid’s worker, and closes it when the visit is recorded', async () => {
    clock.set(new Date('2026-12-03T02:00:00Z'));
    const r = await register({ name: '陈大娘', birthDate: '1936-06-06', livingAlone: true });
    const raised = await api(cadre, 'POST', `/api/elderly/${r.id}/alerts`, { kind: 'no_contact', note: '两天没接电话' });
    expect(raised.statusCode, raised.body).toBe(200);
    const task = raised.json().visits[0];
    expect(task).toMatchObject({ state: 'open', reason: 'alert', dueAt: '2026-12-04T02:00:00.000Z', alert: { kind: 'no_contact', source: 'manual', raisedByName: '西阳邱村干部' } });
    expect((await api(worker.token, 'GET', '/api/notifications')).json().items[0]).toMatchObject({ kind: 'elderly.alert', title: '请上门看望陈大娘' });
    const queued = (await api(worker.token, 'GET', '/api/elderly/tasks')).json().visits.find((v: { visitId: string | null }) => v.visitId === task.id);
    expect(queued).toMatchObject({ kind: 'alert', status: 'due', alert: { kind: 'no_contact', note: '两天没接电话' } });
    expect((await stats()).openAlerts).toBeGreaterThanOrEqual(1);

    clock.set(new Date('2026-12-04T03:00:00Z')); // past the day it had
    expect((await api(worker.token, 'GET', '/api/elderly/tasks')).json().visits.find((v: { visitId: string | null }) => v.visitId === task.id).status).toBe('overdue');
    const done = await visit(r.id, { visitId: task.id, condition: 'attention', notes: '手机没电了，已充上。' });
    expect(done.json().visits[0]).toMatchObject({ id: task.id, state: 'done', condition: 'attention' });
    expect((await visit(r.id, { visitId: task.id })).statusCode).toBe(200); // a retry
    expect((await api(worker.token, 'GET', '/api/elderly/tasks')).json().visits.some((v: { visitId: string | null }) => v.visitId === task.id)).toBe(false);
    expect((await api(villager, 'POST', `/api/elderly/${r.id}/alerts`, { kind: 'other', note: 'x' })).statusCode).toBe(403);
  });

  it('createVisitFromAlert: the water module’s zero-use alarm visits the household’s elderly, once per alarm', async () => {
    const first = await t.services.villageServices.elderly.createVisitFromAlert({ source: 'water', sourceRef: 'water-alarm-42', householdId: LI_HOUSEHOLD, kind: 'zero_water_use', note: '连续 48 小时用水为零' });
    expect(first.visits).toEqual([expect.objectContaining({ residentName: '赵长庚', created: true })]);
    const again = await t.services.villageServices.elderly.createVisitFromAlert({ source: 'water', sourceRef: 'water-alarm-42', householdId: LI_HOUSEHOLD, kind: 'zero_water_use', note: '连续 48 小时用水为零' });
    expect(again.visits).toEqual([expect.objectContaining({ visitId: first.visits[0]!.visitId, created: false })]);
    const resident = (await api(gridWorker1, 'GET', `/api/elderly/${first.visits[0]!.residentId}`)).json();
    expect(resident.visits[0]).toMatchObject({ state: 'open', alert: { kind: 'zero_water_use', source: 'water', raisedByName: null } });
    const empty = await t.services.villageServices.elderly.createVisitFromAlert({ source: 'water', sourceRef: 'water-alarm-43', householdId: randomUUID(), kind: 'zero_water_use', note: 'x' });
    expect(empty.visits).toEqual([]);
  });
});

describe('meal delivery', () => {
  it('a villager asks for their household’s elder, a cadre approves, the grid worker delivers once a day', async () => {
    clock.set(new Date('2026-12-05T01:00:00Z'));
    const r = await register({ name: '西阳邱村民之母', birthDate: '1943-07-07', householdId: VILLAGER_HOUSEHOLD, mobility: 'assisted' });
    const mine = (await api(villager, 'GET', '/api/elderly/mine')).json();
    expect(mine.items.map((e: { name: string }) => e.name)).toContain('西阳邱村民之母');
    const id = randomUUID();
    const asked = await api(villager, 'POST', `/api/elderly/${r.id}/meal-requests`, { id, meals: 'lunch', startsOn: '2026-12-05', note: '软食' });
    expect(asked.json()).toMatchObject({ state: 'requested', requestedByName: '西阳邱村民', meals: 'lunch' });
    expect((await api(neighbourVillager.token, 'POST', `/api/elderly/${r.id}/meal-requests`, { id: randomUUID(), meals: 'lunch', startsOn: '2026-12-05' })).statusCode).toBe(404);
    expect((await api(villager, 'POST', `/api/elderly/meal-requests/${id}/approve`, {})).statusCode).toBe(403);
    expect((await api(worker.token, 'POST', `/api/elderly/meal-requests/${id}/deliveries`, {})).json().code).toBe('MEAL_REQUEST_NOT_ACTIVE');
    expect((await api(cadre, 'POST', `/api/elderly/meal-requests/${id}/approve`, {})).json()).toMatchObject({ state: 'approved', decidedByName: '西阳邱村干部' });
    expect((await api(villager, 'GET', '/api/notifications')).json().items[0]).toMatchObject({ kind: 'elderly.meal_approved' });

    const tasks = (await api(worker.token, 'GET', '/api/elderly/tasks')).json();
    expect(tasks.meals.map((m: { id: string }) => m.id)).toContain(id);
    expect((await stats()).mealDeliveriesToday).toBe(1);
    const delivered = await api(worker.token, 'POST', `/api/elderly/meal-requests/${id}/deliveries`, {});
    expect(delivered.json()).toMatchObject({ deliveredToday: true });
    expect((await api(worker.token, 'POST', `/api/elderly/meal-requests/${id}/deliveries`, {})).statusCode).toBe(200);
    expect((await api(worker.token, 'POST', `/api/elderly/meal-requests/${id}/deliveries`, { date: '2026-12-06' })).statusCode).toBe(400);
    expect((await api(cadre, 'GET', '/api/elderly/meal-requests?state=approved')).json().items.map((m: { id: string }) => m.id)).toContain(id);
    expect((await api(villager, 'POST', `/api/elderly/meal-requests/${id}/cancel`, {})).json().state).toBe('cancelled');
  });
});

describe('figures for the big screen', () => {
  it('GET /api/elderly/stats: registered, living alone, visits this month, overdue visits … in the caller’s region', async () => {
    const s = await stats();
    expect(Object.keys(s).sort()).toEqual(
      ['aged70Plus', 'aged80Plus', 'byMobility', 'livingAlone', 'mealDeliveriesToday', 'month', 'openAlerts', 'overdueVisits', 'region', 'registered', 'visitsThisMonth', 'withPlan'].sort(),
    );
    expect(s.region).toEqual({ code: GRID_2, name: '西阳邱村第二网格', level: 'grid' });
    expect(s.registered).toBeGreaterThanOrEqual(8);
    expect(s.byMobility.independent + s.byMobility.assisted + s.byMobility.bedridden).toBe(s.registered);
    const village = (await api(cadre, 'GET', '/api/elderly/stats')).json();
    expect(village.region.code).toBe(VILLAGE);
    expect(village.registered).toBe(s.registered + 5); // the demo's five in the first grid
    expect((await api(cadre, 'GET', `/api/elderly/stats?region=${NEIGHBOUR}`)).statusCode).toBe(404);
    expect((await api(villager, 'GET', '/api/elderly/stats')).statusCode).toBe(403);
  });
});
