import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { CASE_CLOSED_JOB } from '../cases/cases.service.js';
import { makeJpeg } from '../../../test/support/images.js';
import { photosForm } from '../../../test/support/multipart.js';
import { createPerson, type Person } from '../../../test/support/people.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

// Shanghai local time → UTC instant. A month far from the demo seed's (which is "now"), so the
// seeded points never fall into the months ranked here.
const sh = (local: string) => new Date(`${local}+08:00`);
const clock = new ManualClock(sh('2031-03-20T10:00:00'));

const VILLAGE = '130631202206'; // 西阳邱村
const NEIGHBOUR = '130631202207'; // 东阳邱村
const GRID = `${VILLAGE}01`;
const DEMO_HOUSEHOLD = '5a1e0000-0000-4000-8000-000000000001';

let t: TestApp;
let admin: string;
let staff: string;
let villager: string;
let gridWorker: string;
let secretary: string;
let cadre: string;
let villagerId: string;
let gridWorkerId: string;
let cadreId: string;
let gridCentre: { lon: number; lat: number };
let neighbourCadre: Person;
let neighbourVillager: Person;
let jpeg: Buffer;

beforeAll(async () => {
  t = await createTestApp({ clock });
  admin = await t.tokenFor('admin');
  staff = await t.tokenFor('township_staff');
  villager = await t.tokenFor('villager');
  gridWorker = await t.tokenFor('grid_worker');
  secretary = await t.tokenFor('branch_secretary');
  cadre = await t.tokenFor('village_cadre');
  const me = async (token: string) => (await t.request({ method: 'GET', url: '/api/auth/me', token })).json().user.id as string;
  villagerId = await me(villager);
  gridWorkerId = await me(gridWorker);
  cadreId = await me(cadre);
  gridCentre = (await t.request({ method: 'GET', url: `/api/regions/${GRID}`, token: staff })).json().centre;
  neighbourCadre = await createPerson(t, { phone: '13955550001', name: '东阳邱村干部', role: 'village_cadre', regionCode: NEIGHBOUR });
  neighbourVillager = await createPerson(t, { phone: '13955550002', name: '东阳邱村民', role: 'villager', regionCode: NEIGHBOUR });
  jpeg = await makeJpeg();
});
afterAll(async () => t.close());

const api = (token: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
  t.request({ method, url, token, ...(payload ? { payload } : {}) });
const act = (token: string, id: string, action: string, payload: object = {}) => api(token, 'POST', `/api/cases/${id}/${action}`, payload);
const report = async (token: string, body: Record<string, unknown> = {}) => {
  const res = await api(token, 'POST', '/api/cases', { id: randomUUID(), categoryCode: 'village_appearance', description: '路边堆放建筑垃圾', location: gridCentre, ...body });
  expect(res.statusCode).toBe(201);
  return res.json().id as string;
};
/** 群众点单、网格接单、支部评单: reported by the villager, handled by the grid worker, approved by the branch. */
const closeCase = async (body: Record<string, unknown> = {}) => {
  const id = await report(villager, body);
  expect((await act(gridWorker, id, 'accept')).statusCode).toBe(200);
  expect((await act(gridWorker, id, 'resolve', { note: '已清理', photoIds: [] })).statusCode).toBe(200);
  expect((await act(secretary, id, 'approve', {})).statusCode).toBe(200);
  return id;
};
const caseEntries = (caseId: string) => t.db.selectFrom('points_entries').selectAll().where('case_id', '=', caseId).orderBy('id').execute();
const balanceOf = async (userId: string) =>
  (await t.db.selectFrom('points_balances').select('balance').where('user_id', '=', userId).executeTakeFirst())?.balance ?? 0;
const uploadPhoto = async (token: string) => {
  const res = await t.request({ method: 'POST', url: '/api/photos', token, ...photosForm([{ name: 'p.jpg', data: jpeg }]) });
  expect(res.statusCode).toBe(201);
  return res.json().items[0].id as string;
};
const ruleId = async (token: string, code: string) => {
  const rules = (await api(token, 'GET', '/api/points/rules?includeInactive=true')).json();
  return rules.items.find((r: { code: string }) => r.code === code).id as string;
};

/** The ledger's invariants: each cached balance is the sum of the person's entries, and none is negative. */
async function expectLedgerConsistent() {
  const drift = await sql<{ user_id: string }>`
    SELECT u.user_id FROM (SELECT user_id FROM points_entries UNION SELECT user_id FROM points_balances) u
    LEFT JOIN points_balances b ON b.user_id = u.user_id
    WHERE COALESCE(b.balance, -1) <> (SELECT COALESCE(sum(points), 0) FROM points_entries e WHERE e.user_id = u.user_id)`.execute(t.db);
  expect(drift.rows).toEqual([]);
  const negative = await t.db.selectFrom('points_balances').select('user_id').where('balance', '<', 0).execute();
  expect(negative).toEqual([]);
}

describe('automatic points from closed cases', () => {
  it('the reporter earns the category’s report points and the grid worker the handler points, once the branch approves', async () => {
    const [villagerBefore, workerBefore] = [await balanceOf(villagerId), await balanceOf(gridWorkerId)];
    const id = await closeCase();
    // Durable: nothing until the job runs (it was scheduled in the closing transaction).
    expect(await caseEntries(id)).toEqual([]);
    expect(await t.services.jobs.runDue()).toBeGreaterThanOrEqual(1);
    const entries = await caseEntries(id);
    expect(entries.map((e) => [e.user_id, e.kind, e.points, e.rule_code, e.approver_name, e.idempotency_key])).toEqual([
      [villagerId, 'award', 5, 'case.report.village_appearance', '西阳邱支部书记', `case:${id}:reporter`],
      [gridWorkerId, 'award', 10, 'case.handle.village_appearance', '西阳邱支部书记', `case:${id}:handler`],
    ]);
    // Points roll up to the reporter's household; the grid worker belongs to none.
    expect(entries[0]!.household_id).toBe(DEMO_HOUSEHOLD);
    expect(entries[1]!.household_id).toBeNull();
    expect(await balanceOf(villagerId)).toBe(villagerBefore + 5);
    expect(await balanceOf(gridWorkerId)).toBe(workerBefore + 10);
    const notes = (await api(villager, 'GET', '/api/notifications?pageSize=200')).json();
    expect(notes.items.some((n: { kind: string; caseId: string }) => n.kind === 'points.awarded' && n.caseId === id)).toBe(true);
    await expectLedgerConsistent();
  });

  it('a replayed closure event awards nothing again', async () => {
    const id = await closeCase();
    await t.services.jobs.runDue();
    const job = await t.db.selectFrom('jobs').selectAll().where('kind', '=', CASE_CLOSED_JOB).where(sql<boolean>`payload->>'caseId' = ${id}`).executeTakeFirstOrThrow();
    const before = await balanceOf(villagerId);
    // The same event delivered again, twice, e.g. by a second process or a replay of the queue.
    for (let i = 0; i < 2; i++) await t.services.jobs.schedule(t.db, { kind: CASE_CLOSED_JOB, runAt: clock.now(), payload: job.payload });
    expect(await t.services.jobs.runDue()).toBe(2);
    expect(await caseEntries(id)).toHaveLength(2);
    expect(await balanceOf(villagerId)).toBe(before);
    await expectLedgerConsistent();
  });

  it('a dispute and a second closure award nothing more', async () => {
    const id = await closeCase();
    await t.services.jobs.runDue();
    clock.advance(60_000);
    expect((await act(villager, id, 'dispute', { reason: '又堆上了' })).statusCode).toBe(200);
    expect((await act(gridWorker, id, 'resolve', { note: '彻底清运', photoIds: [] })).statusCode).toBe(200);
    expect((await act(secretary, id, 'approve', {})).statusCode).toBe(200);
    expect(await t.services.jobs.runDue()).toBeGreaterThanOrEqual(1);
    expect((await caseEntries(id)).map((e) => e.points)).toEqual([5, 10]);
  });

  it('a rejected or duplicate report earns nothing', async () => {
    const original = await report(villager);
    const rejected = await report(villager);
    const duplicate = await report(villager);
    expect((await act(gridWorker, rejected, 'reject', { reason: '不属实' })).statusCode).toBe(200);
    expect((await act(gridWorker, duplicate, 'reject', { reason: '重复上报', duplicateOf: original })).statusCode).toBe(200);
    await t.services.jobs.runDue();
    expect(await caseEntries(rejected)).toEqual([]);
    expect(await caseEntries(duplicate)).toEqual([]);
  });

  it('an anonymous report earns its reporter nothing (the entry would name them); the handler still earns', async () => {
    const id = await closeCase({ anonymous: true });
    await t.services.jobs.runDue();
    expect((await caseEntries(id)).map((e) => [e.user_id, e.points])).toEqual([[gridWorkerId, 10]]);
  });

  it('a village may set its own points for a category, overriding the platform default', async () => {
    const res = await api(cadre, 'POST', '/api/points/rules', { code: 'case.report.sanitation', points: 8 });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ points: 8, earner: 'reporter', caseCategoryCode: 'sanitation', definedAt: { level: 'village', regionCode: VILLAGE } });
    // Once per region and code.
    expect((await api(cadre, 'POST', '/api/points/rules', { code: 'case.report.sanitation', points: 9 })).json().code).toBe('POINTS_RULE_EXISTS');
    // An override keeps what makes the rule what it is.
    const changed = await api(staff, 'POST', '/api/points/rules', { code: 'case.report.sanitation', earner: 'claimant', points: 3 });
    expect(changed.statusCode).toBe(400);
    const id = await closeCase({ categoryCode: 'sanitation' });
    await t.services.jobs.runDue();
    expect((await caseEntries(id)).map((e) => e.points)).toEqual([8, 10]);
    // The neighbouring village still has the default (the category's 5 points).
    const theirs = (await api(neighbourVillager.token, 'GET', '/api/points/rules')).json();
    expect(theirs.items.find((r: { code: string }) => r.code === 'case.report.sanitation')).toMatchObject({ points: 5, pointsFromCaseCategory: true, definedAt: { level: 'platform' } });
  });
});

describe('the public rules', () => {
  it('every villager reads the rules in force in their village; not another village’s', async () => {
    const res = await api(villager, 'GET', '/api/points/rules');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.region).toEqual({ code: VILLAGE, name: '西阳邱村' });
    const codes = body.items.map((r: { code: string }) => r.code);
    expect(codes).toEqual(expect.arrayContaining(['civic.meeting', 'volunteer.service', 'environment.courtyard', 'compliance.fees', 'discipline.false_report']));
    expect(codes.filter((c: string) => c.startsWith('case.report.'))).toHaveLength(8);
    expect(codes.filter((c: string) => c.startsWith('case.handle.'))).toHaveLength(8);
    expect(body.items.find((r: { code: string }) => r.code === 'discipline.false_report')).toMatchObject({ points: -10, earner: 'assigned', categoryLabel: '违规扣分' });
    expect((await api(villager, 'GET', `/api/points/rules?region=${NEIGHBOUR}`)).statusCode).toBe(404);
  });

  it('a village switches an inherited rule off for itself; only administrators change platform defaults', async () => {
    const off = await api(cadre, 'POST', '/api/points/rules', { code: 'virtue.filial', active: false });
    expect(off.statusCode).toBe(201);
    const codes = (await api(villager, 'GET', '/api/points/rules')).json().items.map((r: { code: string }) => r.code);
    expect(codes).not.toContain('virtue.filial');
    const platformRule = await ruleId(neighbourVillager.token, 'virtue.filial');
    expect((await api(cadre, 'PATCH', `/api/points/rules/${platformRule}`, { points: 50 })).statusCode).toBe(403);
    expect((await api(cadre, 'POST', '/api/points/rules', { regionCode: null, code: 'x.new', name: '新', category: 'civic', earner: 'assigned', points: 1 })).statusCode).toBe(403);
    const changed = await api(admin, 'PATCH', `/api/points/rules/${platformRule}`, { points: 6 });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().points).toBe(6);
    // A new village rule needs its name, category, earner and points.
    const incomplete = await api(cadre, 'POST', '/api/points/rules', { code: 'civic.river_patrol' });
    expect(incomplete.statusCode).toBe(400);
    expect(incomplete.json().details.map((d: { field: string }) => d.field)).toEqual(['body.name', 'body.category', 'body.earner']);
    // A claimed activity never takes points away.
    const negative = await api(cadre, 'POST', '/api/points/rules', { code: 'civic.bad', name: '坏', category: 'civic', earner: 'claimant', points: -5 });
    expect(negative.statusCode).toBe(400);
  });
});

describe('claims: a villager claims, a cadre of the village decides', () => {
  let meetingRule: string;
  beforeAll(async () => {
    meetingRule = await ruleId(villager, 'civic.meeting');
  });
  const claim = (token: string, body: Record<string, unknown>) =>
    api(token, 'POST', '/api/points/claims', { id: randomUUID(), ruleId: meetingRule, description: '参加三月份村民代表会议', occurredOn: '2031-03-18', ...body });

  it('needs a photo where the rule asks for one, a day not in the future, and once per activity and day', async () => {
    const noPhoto = await claim(villager, {});
    expect(noPhoto.statusCode).toBe(400);
    expect(noPhoto.json().details[0].field).toBe('body.photoIds');
    const future = await claim(villager, { photoIds: [await uploadPhoto(villager)], occurredOn: '2031-03-21' });
    expect(future.json().details[0].field).toBe('body.occurredOn');
    const old = await claim(villager, { photoIds: [await uploadPhoto(villager)], occurredOn: '2030-12-01' });
    expect(old.json().details[0].field).toBe('body.occurredOn');
    const id = randomUUID();
    const photo = await uploadPhoto(villager);
    const first = await claim(villager, { id, photoIds: [photo], occurredOn: '2031-03-10' });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ state: 'pending', stateLabel: '待审核', points: 2, rule: { code: 'civic.meeting' }, claimant: { name: '西阳邱村民' }, decidedBy: null });
    expect(first.json().photos).toHaveLength(1);
    expect(first.json().photos[0].url).toContain('sig=');
    // A retry returns the same claim; the same activity on the same day again is refused.
    const retry = await claim(villager, { id, photoIds: [photo], occurredOn: '2031-03-10' });
    expect(retry.statusCode).toBe(200);
    expect(retry.json().id).toBe(id);
    const again = await claim(villager, { photoIds: [await uploadPhoto(villager)], occurredOn: '2031-03-10' });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('POINTS_CLAIM_DUPLICATE');
    // The photo is now the claim's evidence and cannot be used for a case.
    const stored = await t.db.selectFrom('photos').selectAll().where('id', '=', photo).executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ kind: 'claim', claim_id: id, case_id: null });
    const reuse = await api(villager, 'POST', '/api/cases', { id: randomUUID(), categoryCode: 'sanitation', description: '复用照片', location: gridCentre, photoIds: [photo] });
    expect(reuse.statusCode).toBe(400);
    expect(reuse.json().code).toBe('PHOTO_NOT_ATTACHABLE');
    // The village cadres are told.
    const notes = (await api(cadre, 'GET', '/api/notifications?pageSize=200')).json();
    expect(notes.items.some((n: { kind: string }) => n.kind === 'points.claim')).toBe(true);
  });

  it('a cadre of another village can neither see nor approve it', async () => {
    const id = (await claim(villager, { photoIds: [await uploadPhoto(villager)], occurredOn: '2031-03-11' })).json().id;
    expect((await api(neighbourCadre.token, 'GET', `/api/points/claims/${id}`)).statusCode).toBe(404);
    const approve = await api(neighbourCadre.token, 'POST', `/api/points/claims/${id}/approve`, {});
    expect(approve.statusCode).toBe(404);
    expect(approve.json().code).toBe('POINTS_CLAIM_NOT_FOUND');
    const list = (await api(neighbourCadre.token, 'GET', '/api/points/claims?pageSize=200')).json();
    expect(list.items.some((c: { id: string }) => c.id === id)).toBe(false);
    // Nor can villagers approve anything.
    expect((await api(villager, 'POST', `/api/points/claims/${id}/approve`, {})).statusCode).toBe(403);
    const entries = await t.db.selectFrom('points_entries').select('id').where('claim_id', '=', id).execute();
    expect(entries).toEqual([]);
  });

  it('the cadre approves: the points are booked once, naming the approver; a second decision is refused', async () => {
    const before = await balanceOf(villagerId);
    const id = (await claim(villager, { photoIds: [await uploadPhoto(villager)], occurredOn: '2031-03-12' })).json().id;
    const queue = (await api(cadre, 'GET', '/api/points/claims?state=pending')).json();
    expect(queue.items.map((c: { id: string }) => c.id)).toContain(id);
    const approved = await api(cadre, 'POST', `/api/points/claims/${id}/approve`, { note: '会议签到表已核对' });
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ state: 'approved', decidedBy: { id: cadreId, name: '西阳邱村干部' }, decisionNote: '会议签到表已核对' });
    expect((await api(cadre, 'POST', `/api/points/claims/${id}/approve`, {})).statusCode).toBe(200);
    const other = await api(secretary, 'POST', `/api/points/claims/${id}/reject`, { reason: '重复' });
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe('POINTS_CLAIM_DECIDED');
    const entries = await t.db.selectFrom('points_entries').selectAll().where('claim_id', '=', id).execute();
    expect(entries.map((e) => [e.points, e.approver_id, e.household_id])).toEqual([[2, cadreId, DEMO_HOUSEHOLD]]);
    expect(await balanceOf(villagerId)).toBe(before + 2);
    const audit = (await api(staff, 'GET', `/api/audit-events?action=points.claim.approve&targetId=${id}`)).json();
    expect(audit.items).toHaveLength(1);
    await expectLedgerConsistent();
  });

  it('rejecting needs a reason and books nothing; the villager is told', async () => {
    const id = (await claim(villager, { photoIds: [await uploadPhoto(villager)], occurredOn: '2031-03-13' })).json().id;
    expect((await api(secretary, 'POST', `/api/points/claims/${id}/reject`, {})).statusCode).toBe(400);
    const rejected = await api(secretary, 'POST', `/api/points/claims/${id}/reject`, { reason: '照片无法证明参会' });
    expect(rejected.json()).toMatchObject({ state: 'rejected', decisionNote: '照片无法证明参会', decidedBy: { name: '西阳邱支部书记' } });
    expect(await t.db.selectFrom('points_entries').select('id').where('claim_id', '=', id).execute()).toEqual([]);
    const mine = (await api(villager, 'GET', '/api/points/claims?state=rejected')).json();
    expect(mine.items.map((c: { id: string }) => c.id)).toContain(id);
    const notes = (await api(villager, 'GET', '/api/notifications?pageSize=200')).json();
    expect(notes.items.some((n: { kind: string; title: string }) => n.kind === 'points.claim_decided' && n.title === '积分申报未通过')).toBe(true);
  });

  it('nobody decides the claims of their own household (人情分)', async () => {
    // The cadre is made a member of the villager's household.
    expect((await api(staff, 'POST', `/api/households/${DEMO_HOUSEHOLD}/members`, { userId: cadreId })).statusCode).toBe(200);
    try {
      const id = (await claim(villager, { photoIds: [await uploadPhoto(villager)], occurredOn: '2031-03-14' })).json().id;
      const own = await api(cadre, 'POST', `/api/points/claims/${id}/approve`, {});
      expect(own.statusCode).toBe(403);
      expect(own.json().code).toBe('CANNOT_DECIDE_OWN_HOUSEHOLD');
      const courtyard = await ruleId(cadre, 'environment.courtyard');
      const award = await api(cadre, 'POST', '/api/points/awards', { id: randomUUID(), ruleId: courtyard, userIds: [villagerId], reason: '庭院整洁' });
      expect(award.json().code).toBe('CANNOT_DECIDE_OWN_HOUSEHOLD');
      expect((await api(secretary, 'POST', `/api/points/claims/${id}/approve`, {})).statusCode).toBe(200);
    } finally {
      expect((await api(staff, 'DELETE', `/api/households/${DEMO_HOUSEHOLD}/members/${cadreId}`)).statusCode).toBe(200);
    }
  });

  it('only villagers and grid workers claim; a rule given by cadres cannot be claimed', async () => {
    expect((await claim(cadre, { photoIds: [] })).statusCode).toBe(403);
    const courtyard = await ruleId(villager, 'environment.courtyard');
    const res = await claim(villager, { ruleId: courtyard, photoIds: [await uploadPhoto(villager)], occurredOn: '2031-03-15' });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('POINTS_RULE_NOT_APPLICABLE');
  });
});

describe('awards, deductions and corrections by cadres', () => {
  let person: Person;
  let courtyard: string;
  let falseReport: string;
  beforeAll(async () => {
    person = await createPerson(t, { phone: '13955550101', name: '赵大爷', role: 'villager', regionCode: VILLAGE });
    courtyard = await ruleId(cadre, 'environment.courtyard');
    falseReport = await ruleId(cadre, 'discipline.false_report');
  });

  it('gives a rule’s points to several people at once, each once however often the request is retried', async () => {
    const other = await createPerson(t, { phone: '13955550102', name: '钱大娘', role: 'villager', regionCode: VILLAGE });
    const body = { id: randomUUID(), ruleId: courtyard, userIds: [person.id, other.id], reason: '三月庭院检查达标' };
    const first = await api(cadre, 'POST', '/api/points/awards', body);
    expect(first.statusCode).toBe(200);
    expect(first.json().items.map((e: { person: { name: string }; points: number; approver: { name: string } }) => [e.person.name, e.points, e.approver.name])).toEqual([
      ['赵大爷', 3, '西阳邱村干部'],
      ['钱大娘', 3, '西阳邱村干部'],
    ]);
    const [a, b] = await Promise.all([api(cadre, 'POST', '/api/points/awards', body), api(cadre, 'POST', '/api/points/awards', body)]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect(await balanceOf(person.id)).toBe(3);
    expect(await balanceOf(other.id)).toBe(3);
  });

  it('a deduction takes what is left and no more (扣完为止); the balance never goes below zero', async () => {
    const res = await api(cadre, 'POST', '/api/points/awards', { id: randomUUID(), ruleId: falseReport, userIds: [person.id], reason: '故意虚假上报' });
    expect(res.statusCode).toBe(200);
    const [entry] = res.json().items;
    expect(entry).toMatchObject({ kind: 'deduction', points: -3, kindLabel: '扣分' });
    expect(entry.reason).toContain('扣完为止');
    expect(await balanceOf(person.id)).toBe(0);
    await expectLedgerConsistent();
  });

  it('a correction is a new entry reversing the old one, once; entries are never changed', async () => {
    const deduction = (await api(cadre, 'GET', `/api/points/ledger?of=region&userId=${person.id}&kind=deduction`)).json().items[0];
    const corrected = await api(secretary, 'POST', `/api/points/entries/${deduction.id}/correct`, { reason: '经核实并非故意' });
    expect(corrected.statusCode).toBe(200);
    expect(corrected.json()).toMatchObject({ kind: 'correction', points: 3, correctsId: deduction.id, approver: { name: '西阳邱支部书记' } });
    expect(await balanceOf(person.id)).toBe(3);
    const again = await api(cadre, 'POST', `/api/points/entries/${deduction.id}/correct`, { reason: '再来一次' });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('POINTS_ALREADY_CORRECTED');
    const listed = (await api(cadre, 'GET', `/api/points/ledger?of=region&userId=${person.id}`)).json().items;
    expect(listed.find((e: { id: string }) => e.id === deduction.id).correctedBy).toBe(corrected.json().id);
    // The ledger itself refuses edits and deletions.
    await expect(sql`UPDATE points_entries SET points = 100 WHERE id = ${Number(deduction.id)}`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM points_entries WHERE id = ${Number(deduction.id)}`.execute(t.db)).rejects.toThrow(/append-only/);
    await expectLedgerConsistent();
  });

  it('only cadres award, and only people of their own region', async () => {
    expect((await api(villager, 'POST', '/api/points/awards', { id: randomUUID(), ruleId: courtyard, userIds: [person.id], reason: 'x' })).statusCode).toBe(403);
    const outside = await api(cadre, 'POST', '/api/points/awards', { id: randomUUID(), ruleId: courtyard, userIds: [neighbourVillager.id], reason: 'x' });
    expect(outside.statusCode).toBe(404);
    expect(outside.json().details[0].field).toBe('body.userIds.0');
    expect((await api(neighbourCadre.token, 'POST', '/api/points/entries/1/correct', { reason: 'x' })).statusCode).toBe(404);
  });
});

describe('ledger, balances and the CSV export', () => {
  it('my balance and my household’s are the sums of their entries', async () => {
    const res = (await api(villager, 'GET', '/api/points/balance')).json();
    const mine = await t.db.selectFrom('points_entries').select((eb) => eb.fn.sum<number>('points').as('n')).where('user_id', '=', villagerId).executeTakeFirstOrThrow();
    const household = await t.db.selectFrom('points_entries').select((eb) => eb.fn.sum<number>('points').as('n')).where('household_id', '=', DEMO_HOUSEHOLD).executeTakeFirstOrThrow();
    expect(res.person).toMatchObject({ id: villagerId, balance: Number(mine.n) });
    expect(res.household).toMatchObject({ id: DEMO_HOUSEHOLD, name: '西阳邱村民户', balance: Number(household.n), memberCount: 1 });
    // The demo's opening balance (期初结转) is there.
    const ledger = (await api(villager, 'GET', '/api/points/ledger?pageSize=200')).json();
    expect(ledger.items.some((e: { kind: string; points: number }) => e.kind === 'opening' && e.points === 100)).toBe(true);
    expect(ledger.items.reduce((sum: number, e: { points: number }) => sum + e.points, 0)).toBe(res.person.balance);
  });

  it('a villager reads their own and their household’s ledger; the region’s only cadres', async () => {
    expect((await api(villager, 'GET', '/api/points/ledger?of=household')).json().items.every((e: { household: { id: string } }) => e.household.id === DEMO_HOUSEHOLD)).toBe(true);
    expect((await api(villager, 'GET', '/api/points/ledger?of=region')).statusCode).toBe(403);
    expect((await api(villager, 'GET', `/api/points/ledger?userId=${gridWorkerId}`)).statusCode).toBe(400);
    expect((await api(villager, 'GET', `/api/points/balance?userId=${gridWorkerId}`)).statusCode).toBe(403);
    expect((await api(cadre, 'GET', `/api/points/balance?userId=${gridWorkerId}`)).statusCode).toBe(200);
    expect((await api(neighbourCadre.token, 'GET', `/api/points/balance?userId=${villagerId}`)).statusCode).toBe(404);
    expect((await api(neighbourCadre.token, 'GET', `/api/points/ledger?of=region&region=${VILLAGE}`)).statusCode).toBe(404);
    const theirs = (await api(neighbourCadre.token, 'GET', '/api/points/ledger?of=region&pageSize=200')).json();
    expect(theirs.items.every((e: { villageCode: string }) => e.villageCode === NEIGHBOUR)).toBe(true);
    // A person without a household has an empty household ledger.
    expect((await api(gridWorker, 'GET', '/api/points/ledger?of=household')).json()).toMatchObject({ items: [], total: 0 });
  });

  it('exports the region’s ledger as CSV that Excel opens with Chinese intact', async () => {
    const json = (await api(cadre, 'GET', '/api/points/ledger?of=region&pageSize=1')).json();
    const res = await api(cadre, 'GET', '/api/points/ledger?of=region&format=csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toContain('attachment');
    const raw = res.rawPayload;
    expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = raw.subarray(3).toString('utf8').trimEnd().split('\r\n');
    expect(lines[0]).toBe('编号,时间,姓名,户,村,类型,积分,规则,来源,更正记录,审核人,事由');
    expect(lines).toHaveLength(json.total + 1);
    expect(lines.some((l) => l.includes('西阳邱村民,西阳邱村民户,西阳邱村,加分,5,上报：村容村貌,事件 '))).toBe(true);
    expect(lines.some((l) => /,扣分,-3,/.test(l))).toBe(true);
    // Filtered by kind and days (China time), still CSV.
    const filtered = await api(cadre, 'GET', '/api/points/ledger?of=region&format=csv&kind=correction&from=2031-03-20&to=2031-03-20');
    expect(filtered.rawPayload.subarray(3).toString('utf8').trimEnd().split('\r\n')).toHaveLength(2);
    expect((await api(villager, 'GET', '/api/points/ledger?of=region&format=csv')).statusCode).toBe(403);
  });
});

describe('rankings (红榜) per village and month, in China time', () => {
  let first: Person;
  let second: Person;
  let householdId: string;
  beforeAll(async () => {
    first = await createPerson(t, { phone: '13955550201', name: '孙红', role: 'villager', regionCode: GRID });
    second = await createPerson(t, { phone: '13955550202', name: '周明', role: 'villager', regionCode: VILLAGE });
    householdId = (await api(cadre, 'POST', '/api/households', { name: '孙红户', headId: first.id })).json().id;
    const volunteer = await ruleId(cadre, 'volunteer.service');
    const courtyard = await ruleId(cadre, 'environment.courtyard');
    const award = (rule: string, userIds: string[]) => api(cadre, 'POST', '/api/points/awards', { id: randomUUID(), ruleId: rule, userIds, reason: '红榜测试' });
    // 23:30 on 31 March in China is still March (15:30 UTC)…
    clock.set(sh('2031-03-31T23:30:00'));
    expect((await award(volunteer, [first.id])).statusCode).toBe(200);
    expect((await award(courtyard, [second.id])).statusCode).toBe(200);
    // …and 00:10 on 1 April in China is April, although it is still 31 March in UTC.
    clock.set(sh('2031-04-01T00:10:00'));
    expect((await award(courtyard, [second.id])).statusCode).toBe(200);
    expect((await award(courtyard, [second.id])).statusCode).toBe(200);
  });

  it('ranks the people of the village by what they earned in the month', async () => {
    const march = (await api(villager, 'GET', '/api/points/rankings?month=2031-03&limit=100')).json();
    expect(march.region).toEqual({ code: VILLAGE, name: '西阳邱村' });
    const find = (items: { id: string }[], id: string) => items.find((i) => i.id === id);
    expect(find(march.items, first.id)).toMatchObject({ name: '孙红', points: 5, householdName: '孙红户', villageName: '西阳邱村' });
    expect(find(march.items, second.id)).toMatchObject({ points: 3 });
    const april = (await api(villager, 'GET', '/api/points/rankings?month=2031-04')).json();
    expect(april.month).toBe('2031-04');
    expect(april.items).toEqual([{ rank: 1, id: second.id, name: '周明', points: 6, householdName: null, villageName: '西阳邱村' }]);
    // The current month by default (the clock says April in China).
    expect((await api(villager, 'GET', '/api/points/rankings')).json().month).toBe('2031-04');
    // Names are published; phone numbers never are.
    expect(JSON.stringify(march)).not.toMatch(/1395555/);
  });

  it('ties share a rank', async () => {
    clock.set(sh('2031-04-02T09:00:00'));
    const volunteer = await ruleId(cadre, 'volunteer.service');
    await api(cadre, 'POST', '/api/points/awards', { id: randomUUID(), ruleId: volunteer, userIds: [first.id], reason: '志愿' });
    const courtyard = await ruleId(cadre, 'environment.courtyard');
    const third = await createPerson(t, { phone: '13955550203', name: '吴芳', role: 'villager', regionCode: VILLAGE });
    await api(cadre, 'POST', '/api/points/awards', { id: randomUUID(), ruleId: courtyard, userIds: [third.id], reason: '庭院' });
    await api(cadre, 'POST', '/api/points/awards', { id: randomUUID(), ruleId: courtyard, userIds: [third.id], reason: '庭院' });
    const april = (await api(cadre, 'GET', '/api/points/rankings?month=2031-04')).json();
    expect(april.items.map((i: { name: string; points: number; rank: number }) => [i.rank, i.points])).toEqual([
      [1, 6],
      [1, 6],
      [3, 5],
    ]);
  });

  it('ranks households, and grid workers separately from villagers', async () => {
    const households = (await api(villager, 'GET', '/api/points/rankings?month=2031-03&kind=household&limit=100')).json();
    expect(households.items.find((h: { id: string }) => h.id === householdId)).toMatchObject({ name: '孙红户', points: 5, villageName: '西阳邱村' });
    const workers = (await api(staff, 'GET', `/api/points/rankings?month=2031-03&kind=grid_worker&region=130631202`)).json();
    expect(workers.items[0]).toMatchObject({ id: gridWorkerId, name: '西阳邱网格员' });
    const villagers = (await api(staff, 'GET', '/api/points/rankings?month=2031-03&region=130631202&limit=100')).json();
    expect(villagers.items.some((i: { id: string }) => i.id === gridWorkerId)).toBe(false);
  });

  it('a villager sees their own village’s rankings only; cadres and staff their region’s', async () => {
    expect((await api(villager, 'GET', `/api/points/rankings?region=${NEIGHBOUR}`)).statusCode).toBe(404);
    expect((await api(villager, 'GET', '/api/points/rankings?region=130631202')).statusCode).toBe(403);
    expect((await api(gridWorker, 'GET', `/api/points/rankings?region=${VILLAGE}`)).statusCode).toBe(200);
    expect((await api(staff, 'GET', `/api/points/rankings?region=${NEIGHBOUR}`)).statusCode).toBe(200);
    expect((await api(villager, 'GET', '/api/points/rankings?month=2031-13')).statusCode).toBe(400);
  });
});
