import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices } from '../../app.js';
import { loadConfig } from '../../config.js';
import { ManualClock } from '../../platform/clock.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { TEST_SECRET } from '../../../test/support/test-secret.js';

/** Deadlines in working hours and escalation grid → village → township, on a clock the test moves. */
const sh = (local: string) => new Date(`${local}+08:00`);
const clock = new ManualClock(sh('2026-11-27T16:30:00')); // a Friday afternoon
const GRID = '13063120220601';
let t: TestApp;
let villager: string;
let gridWorker: string;
let staff: string;
let centre: { lon: number; lat: number };

beforeAll(async () => {
  t = await createTestApp({ clock });
  villager = await t.tokenFor('villager');
  gridWorker = await t.tokenFor('grid_worker');
  staff = await t.tokenFor('township_staff');
  centre = (await t.request({ method: 'GET', url: `/api/regions/${GRID}`, token: staff })).json().centre;
});
afterAll(async () => t.close());

const submit = async (categoryCode = 'village_appearance') =>
  (
    await t.request({
      method: 'POST',
      url: '/api/cases',
      token: villager,
      payload: { id: randomUUID(), categoryCode, description: '路灯不亮', location: centre },
    })
  ).json();
const detail = async (id: string) => (await t.request({ method: 'GET', url: `/api/cases/${id}`, token: staff })).json();

describe('escalation on deadlines (小事不出网格、大事不出村)', () => {
  it('an unaccepted case climbs grid → village → township, each step recorded and announced', async () => {
    const c = await submit();
    // 4 working hours from Friday 16:30: 1 h on Friday, 3 h on Monday → Monday 11:30.
    expect(c.acceptDueAt).toBe(sh('2026-11-30T11:30:00').toISOString());

    // (Other modules' timers may be due at any moment; this case's deadline is not yet.)
    clock.set(sh('2026-11-30T11:29:00'));
    await t.services.jobs.runDue();
    expect((await detail(c.id)).level).toBe('grid');
    const overdueBefore = (await t.request({ method: 'GET', url: '/api/cases?overdue=true', token: staff })).json();
    expect(overdueBefore.items.some((x: { id: string }) => x.id === c.id)).toBe(false);

    clock.set(sh('2026-11-30T11:31:00'));
    expect(await t.services.jobs.runDue()).toBeGreaterThanOrEqual(1);
    const atVillage = await detail(c.id);
    expect(atVillage).toMatchObject({ level: 'village', escalationCount: 1, overdue: true, state: 'submitted' });
    const step = atVillage.events.at(-1);
    expect(step).toMatchObject({ type: 'escalate', automatic: true, fromLevel: 'grid', toLevel: 'village', actor: { name: '系统' } });
    const cadre = await t.tokenFor('village_cadre');
    const notes = (await t.request({ method: 'GET', url: '/api/notifications', token: cadre })).json();
    expect(notes.items.some((n: { caseId: string; kind: string }) => n.caseId === c.id && n.kind === 'case.escalated')).toBe(true);
    const overdue = (await t.request({ method: 'GET', url: '/api/cases?overdue=true', token: staff })).json();
    expect(overdue.items.some((x: { id: string }) => x.id === c.id)).toBe(true);

    // Running the poller again at the same moment does nothing more: each job runs once.
    await t.services.jobs.runDue();
    expect(await detail(c.id)).toMatchObject({ level: 'village', escalationCount: 1, events: atVillage.events });

    clock.set(sh('2026-11-30T17:02:00')); // 4 working hours after 11:31, lunch excluded, is 17:01
    await t.services.jobs.runDue();
    const atTownship = await detail(c.id);
    expect(atTownship).toMatchObject({ level: 'township', escalationCount: 2 });
    const staffNotes = (await t.request({ method: 'GET', url: '/api/notifications', token: staff })).json();
    expect(staffNotes.items.some((n: { caseId: string; kind: string }) => n.caseId === c.id && n.kind === 'case.escalated')).toBe(true);

    clock.advance(30 * 86_400_000);
    await t.services.jobs.runDue();
    expect((await detail(c.id)).escalationCount).toBe(2);
  });

  it('a case accepted in time does not escalate, but one not resolved in time does', async () => {
    clock.set(sh('2026-12-01T09:00:00')); // Tuesday
    const c = await submit('safety_hazard'); // accept 2 h, resolve 16 h
    clock.set(sh('2026-12-01T10:00:00'));
    expect((await t.request({ method: 'POST', url: `/api/cases/${c.id}/accept`, token: gridWorker })).statusCode).toBe(200);
    clock.set(sh('2026-12-01T11:30:00')); // the accept deadline passes
    await t.services.jobs.runDue();
    expect((await detail(c.id)).level).toBe('grid');
    // 16 working hours from Tuesday 10:00: 6 h Tuesday, 7.5 h Wednesday, 2.5 h Thursday → 11:00.
    expect((await detail(c.id)).resolveDueAt).toBe(sh('2026-12-03T11:00:00').toISOString());
    clock.set(sh('2026-12-03T10:59:00'));
    await t.services.jobs.runDue();
    expect((await detail(c.id)).level).toBe('grid');
    clock.set(sh('2026-12-03T11:01:00'));
    await t.services.jobs.runDue();
    expect(await detail(c.id)).toMatchObject({ level: 'village', state: 'accepted', overdue: true, assignee: { name: '西阳邱网格员' } });
  });

  it('holidays set by an administrator stop the clock', async () => {
    const admin = await t.tokenFor('admin');
    const set = await t.request({ method: 'PUT', url: '/api/calendar-overrides/2026-12-07', token: admin, payload: { isWorkday: false, name: '测试假日' } });
    expect(set.statusCode).toBe(200);
    expect((await t.request({ method: 'PUT', url: '/api/calendar-overrides/2026-12-08', token: staff, payload: { isWorkday: false, name: 'x' } })).statusCode).toBe(403);
    const bad = await t.request({ method: 'PUT', url: '/api/calendar-overrides/2026-13-40', token: admin, payload: { isWorkday: false, name: 'x' } });
    expect(bad.statusCode).toBe(400);
    clock.set(sh('2026-12-04T16:30:00')); // Friday; Monday 12-07 is now a holiday
    const c = await submit();
    expect(c.acceptDueAt).toBe(sh('2026-12-08T11:30:00').toISOString());
    const list = (await t.request({ method: 'GET', url: '/api/calendar-overrides?year=2026', token: villager })).json();
    expect(list.items).toEqual([{ date: '2026-12-07', isWorkday: false, name: '测试假日' }]);
  });

  it('a cadre escalates a big matter by hand, and the timers survive a restart', async () => {
    clock.set(sh('2026-12-09T09:00:00'));
    const c = await submit();
    const byHand = await t.request({ method: 'POST', url: `/api/cases/${c.id}/escalate`, token: gridWorker, payload: { reason: '涉及多户，需村里协调' } });
    expect(byHand.statusCode).toBe(200);
    expect(byHand.json()).toMatchObject({ level: 'village', escalationCount: 1 });
    expect(byHand.json().events.at(-1)).toMatchObject({ type: 'escalate', automatic: false, note: '涉及多户，需村里协调' });
    // A grid worker may not push a village matter further.
    expect((await t.request({ method: 'POST', url: `/api/cases/${c.id}/escalate`, token: gridWorker, payload: { reason: 'x' } })).statusCode).toBe(403);

    // "Restart": a brand-new set of services on the same database picks up the stored timer.
    const restarted = createServices(t.db, loadConfig({ LOG_LEVEL: 'silent' }), clock, TEST_SECRET);
    clock.set(sh('2026-12-09T14:31:00')); // 4 working hours after 09:00, lunch excluded, is 14:30
    expect(await restarted.jobs.runDue()).toBeGreaterThanOrEqual(1);
    expect((await detail(c.id)).level).toBe('township');
  });
});
