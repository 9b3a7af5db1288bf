import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPerson, type Person } from '../../../test/support/people.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

const VILLAGE = '130631202206'; // 西阳邱村
const NEIGHBOUR = '130631202207'; // 东阳邱村
const DEMO_HOUSEHOLD = '5a1e0000-0000-4000-8000-000000000001';

let t: TestApp;
let cadre: string;
let staff: string;
let villager: string;
let neighbourCadre: Person;
let neighbourVillager: Person;
let newcomer: Person;
let spouse: Person;

beforeAll(async () => {
  t = await createTestApp();
  cadre = await t.tokenFor('village_cadre');
  staff = await t.tokenFor('township_staff');
  villager = await t.tokenFor('villager');
  neighbourCadre = await createPerson(t, { phone: '13977770001', name: '东阳邱村干部', role: 'village_cadre', regionCode: NEIGHBOUR });
  neighbourVillager = await createPerson(t, { phone: '13977770002', name: '东阳邱村民', role: 'villager', regionCode: NEIGHBOUR });
  newcomer = await createPerson(t, { phone: '13977770003', name: '陈新', role: 'villager', regionCode: `${VILLAGE}01` });
  spouse = await createPerson(t, { phone: '13977770004', name: '林芳', role: 'villager', regionCode: VILLAGE });
});
afterAll(async () => t.close());

const api = (token: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
  t.request({ method, url, token, ...(payload ? { payload } : {}) });

describe('households (户)', () => {
  it('the demo village keeps a register; the demo villager heads a household', async () => {
    const list = (await api(cadre, 'GET', '/api/households')).json();
    expect(list.items.map((h: { name: string }) => h.name)).toEqual(expect.arrayContaining(['西阳邱村民户', '王建国户', '李秀兰户']));
    const mine = (await api(villager, 'GET', '/api/households/mine')).json();
    expect(mine.household).toMatchObject({ id: DEMO_HOUSEHOLD, name: '西阳邱村民户', villageName: '西阳邱村', head: { name: '西阳邱村民' }, memberCount: 1 });
    expect(mine.household.members).toEqual([expect.objectContaining({ name: '西阳邱村民', isHead: true, roleLabel: '村民' })]);
    expect(JSON.stringify(mine)).not.toContain('13800000005');
    expect((await api(newcomer.token, 'GET', '/api/households/mine')).json()).toEqual({ household: null });
  });

  it('a cadre registers a household with its head, adds members, and the changes are audited', async () => {
    const created = await api(cadre, 'POST', '/api/households', { name: '陈新户', address: '西阳邱村南街 1 号', headId: newcomer.id });
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    expect(created.json()).toMatchObject({ villageCode: VILLAGE, head: { id: newcomer.id, name: '陈新' }, memberCount: 1 });
    const added = await api(cadre, 'POST', `/api/households/${id}/members`, { userId: spouse.id });
    expect(added.json().members.map((m: { name: string }) => m.name)).toEqual(['陈新', '林芳']);
    // Adding again changes nothing.
    expect((await api(cadre, 'POST', `/api/households/${id}/members`, { userId: spouse.id })).json().memberCount).toBe(2);
    const head = await api(cadre, 'PATCH', `/api/households/${id}`, { headId: spouse.id });
    expect(head.json().head).toEqual({ id: spouse.id, name: '林芳' });
    const audit = (await api(staff, 'GET', `/api/audit-events?targetId=${id}`)).json();
    expect(audit.items.map((e: { action: string }) => e.action).sort()).toEqual(['household.create', 'household.member_add', 'household.update']);
    // Members read their own household; other villagers may not.
    expect((await api(spouse.token, 'GET', `/api/households/${id}`)).statusCode).toBe(200);
    expect((await api(villager, 'GET', `/api/households/${id}`)).statusCode).toBe(403);
  });

  it('a person belongs to one household, of their own village', async () => {
    const other = (await api(cadre, 'POST', '/api/households', { name: '另一户' })).json().id;
    const elsewhere = await api(cadre, 'POST', `/api/households/${other}/members`, { userId: spouse.id });
    expect(elsewhere.statusCode).toBe(409);
    expect(elsewhere.json().code).toBe('HOUSEHOLD_MEMBER_ELSEWHERE');
    // Township staff see both villages, but a household takes people of its own village only.
    const outside = await api(staff, 'POST', `/api/households/${other}/members`, { userId: neighbourVillager.id });
    expect(outside.statusCode).toBe(400);
    expect(outside.json().code).toBe('HOUSEHOLD_MEMBER_OUTSIDE_VILLAGE');
    // A cadre does not even find people of another village.
    expect((await api(cadre, 'POST', `/api/households/${other}/members`, { userId: neighbourVillager.id })).json().code).toBe('USER_NOT_FOUND');
    // The head must be a member.
    const notMember = await api(cadre, 'PATCH', `/api/households/${other}`, { headId: newcomer.id });
    expect(notMember.statusCode).toBe(400);
    expect(notMember.json().details[0].field).toBe('body.headId');
  });

  it('removing the head leaves the household without a head', async () => {
    const id = (await api(spouse.token, 'GET', '/api/households/mine')).json().household.id;
    const removed = await api(cadre, 'DELETE', `/api/households/${id}/members/${spouse.id}`);
    expect(removed.statusCode).toBe(200);
    expect(removed.json()).toMatchObject({ head: null, memberCount: 1 });
    expect((await api(cadre, 'DELETE', `/api/households/${id}/members/${spouse.id}`)).statusCode).toBe(200);
  });

  it('the register is kept per village: neighbours and villagers cannot read or change it', async () => {
    expect((await api(neighbourCadre.token, 'GET', `/api/households/${DEMO_HOUSEHOLD}`)).statusCode).toBe(404);
    expect((await api(neighbourCadre.token, 'PATCH', `/api/households/${DEMO_HOUSEHOLD}`, { name: '改名' })).statusCode).toBe(404);
    expect((await api(neighbourCadre.token, 'POST', '/api/households', { villageCode: VILLAGE, name: '越界户' })).statusCode).toBe(404);
    const theirs = (await api(neighbourCadre.token, 'GET', '/api/households?pageSize=200')).json();
    expect(theirs.items.every((h: { villageCode: string }) => h.villageCode === NEIGHBOUR)).toBe(true);
    expect((await api(villager, 'GET', '/api/households')).statusCode).toBe(403);
    expect((await api(villager, 'POST', '/api/households', { name: '自建户' })).statusCode).toBe(403);
    // A household belongs to a village, not a township.
    const township = await api(staff, 'POST', '/api/households', { name: '乡镇户' });
    expect(township.statusCode).toBe(400);
    expect(township.json().details[0].field).toBe('body.villageCode');
  });
});
