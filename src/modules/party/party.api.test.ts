import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPerson, type Person } from '../../../test/support/people.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { DEMO_BRANCH_ID, DEMO_COMMITTEE_ID, demoBranchId } from './party.demo.js';

/**
 * 党组织 and 党员 against the demo: the township committee with a branch per village, 西阳邱村党支部
 * with its secretary (the demo branch secretary) and members. Scope: a secretary sees their branch
 * only; personal data reaches the member, their secretary and higher staff, nobody else.
 */
const VILLAGE = '130631202206'; // 西阳邱村
const NEIGHBOUR = '130631202207'; // 东阳邱村
const NEIGHBOUR_BRANCH = demoBranchId(NEIGHBOUR);

let t: TestApp;
let staff: string;
let secretary: string;
let cadre: string;
let villager: string;
let member: string; // 王建国, a demo member with a villager account
let stranger: Person; // a villager of 东阳邱村

beforeAll(async () => {
  t = await createTestApp();
  staff = await t.tokenFor('township_staff');
  secretary = await t.tokenFor('branch_secretary');
  cadre = await t.tokenFor('village_cadre');
  villager = await t.tokenFor('villager');
  member = await t.login('13800000101');
  stranger = await createPerson(t, { phone: '13966660001', name: '东阳邱村民', role: 'villager', regionCode: NEIGHBOUR });
});
afterAll(async () => t.close());

const api = (token: string, method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, payload?: object) => t.request({ method, url, token, ...(payload ? { payload } : {}) });
const ok = async (token: string, method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, payload?: object) => {
  const res = await api(token, method, url, payload);
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.json();
};

describe('organisations (党组织)', () => {
  it('the township committee has a branch in each of the 16 villages; 西阳邱村党支部 has its secretary and two groups', async () => {
    const all = (await ok(staff, 'GET', '/api/party/organisations')).items;
    expect(all[0]).toMatchObject({ id: DEMO_COMMITTEE_ID, kind: 'committee', name: '黑堡乡党委', parentId: null });
    expect(all.filter((o: { kind: string }) => o.kind === 'branch')).toHaveLength(16);
    const branch = all.find((o: { id: string }) => o.id === DEMO_BRANCH_ID);
    expect(branch).toMatchObject({ name: '西阳邱村党支部', parentName: '黑堡乡党委', regionName: '西阳邱村', memberCount: 7, secretary: { name: '西阳邱支部书记', post: 'secretary' } });
    expect(branch.officers.map((o: { title: string | null }) => o.title)).toEqual([null, '组织委员', '宣传委员']);
    // Children follow their parent.
    const index = (id: string) => all.findIndex((o: { id: string }) => o.id === id);
    const groups = all.filter((o: { parentId: string }) => o.parentId === DEMO_BRANCH_ID);
    expect(groups.map((g: { name: string }) => g.name)).toEqual(['第一党小组', '第二党小组']);
    expect(groups.every((g: { id: string }) => index(g.id) > index(DEMO_BRANCH_ID))).toBe(true);
    expect(all.find((o: { id: string }) => o.id === DEMO_COMMITTEE_ID).memberCount).toBe(7);
  });

  it('a secretary sees only their own branch and its groups', async () => {
    const mine = (await ok(secretary, 'GET', '/api/party/organisations')).items;
    expect(mine.map((o: { name: string }) => o.name)).toEqual(['西阳邱村党支部', '第一党小组', '第二党小组']);
    expect((await api(secretary, 'GET', `/api/party/organisations/${NEIGHBOUR_BRANCH}`)).statusCode).toBe(404);
    expect((await api(secretary, 'GET', `/api/party/organisations/${DEMO_COMMITTEE_ID}`)).statusCode).toBe(404);
    expect((await api(cadre, 'GET', '/api/party/organisations')).statusCode).toBe(403);
    expect((await api(villager, 'GET', '/api/party/organisations')).statusCode).toBe(403);
  });

  it('the tree keeps its levels: a group sits under a branch, in the branch’s region', async () => {
    const group = await api(secretary, 'POST', '/api/party/organisations', { parentId: DEMO_BRANCH_ID, kind: 'group', name: '第三党小组' });
    expect(group.statusCode).toBe(201);
    expect(group.json()).toMatchObject({ regionCode: VILLAGE, parentName: '西阳邱村党支部', memberCount: 0 });
    expect((await api(secretary, 'POST', '/api/party/organisations', { parentId: DEMO_BRANCH_ID, kind: 'group', name: '第三党小组' })).json().code).toBe('PARTY_ORGANISATION_EXISTS');
    const wrong = await api(staff, 'POST', '/api/party/organisations', { parentId: DEMO_COMMITTEE_ID, kind: 'group', name: '直属小组' });
    expect([wrong.statusCode, wrong.json().code]).toEqual([400, 'PARTY_ORGANISATION_PARENT_INVALID']);
    // A secretary cannot hang a branch under the township committee (not theirs).
    expect((await api(secretary, 'POST', '/api/party/organisations', { parentId: DEMO_COMMITTEE_ID, kind: 'branch', name: '西阳邱村第二党支部' })).statusCode).toBe(404);
    // Staff add a general branch and a branch under it, in a village of the township.
    const general = await ok(staff, 'POST', '/api/party/organisations', { parentId: DEMO_COMMITTEE_ID, kind: 'general_branch', name: '乡直机关党总支' });
    const under = await api(staff, 'POST', '/api/party/organisations', { parentId: general.id, kind: 'branch', name: '乡卫生院党支部', regionCode: VILLAGE });
    expect(under.json()).toMatchObject({ kind: 'branch', regionCode: VILLAGE, parentName: '乡直机关党总支' });
  });

  it('officers: one secretary, members of the organisation only', async () => {
    const members = (await ok(secretary, 'GET', `/api/party/members?organisationId=${DEMO_BRANCH_ID}&pageSize=50`)).items as { id: string; name: string }[];
    const id = (name: string) => members.find((m) => m.name === name)!.id;
    const twoSecretaries = await api(secretary, 'PUT', `/api/party/organisations/${DEMO_BRANCH_ID}/officers`, {
      officers: [
        { memberId: id('西阳邱支部书记'), post: 'secretary' },
        { memberId: id('王建国'), post: 'secretary' },
      ],
    });
    expect(twoSecretaries.statusCode).toBe(400);
    const set = await ok(secretary, 'PUT', `/api/party/organisations/${DEMO_BRANCH_ID}/officers`, {
      officers: [
        { memberId: id('西阳邱支部书记'), post: 'secretary' },
        { memberId: id('西阳邱村干部'), post: 'deputy_secretary' },
        { memberId: id('李秀兰'), post: 'committee_member', title: '宣传委员' },
      ],
    });
    expect(set.officers.map((o: { post: string }) => o.post)).toEqual(['secretary', 'deputy_secretary', 'committee_member']);
    // An activist is not a member yet.
    const activist = await api(secretary, 'PUT', `/api/party/organisations/${DEMO_BRANCH_ID}/officers`, { officers: [{ memberId: id('陈静'), post: 'committee_member' }] });
    expect(activist.json().details[0].field).toBe('body.officers.0.memberId');
  });
});

describe('members (党员)', () => {
  it('the register: statuses, 流动党员, the political birthday; only for the secretary and staff', async () => {
    const list = await ok(secretary, 'GET', '/api/party/members?pageSize=50');
    expect(list.items.map((m: { name: string }) => m.name)).toEqual(expect.arrayContaining(['西阳邱支部书记', '王建国', '张志强', '刘红梅', '赵磊', '陈静']));
    expect(list.items.every((m: { villageName: string }) => m.villageName === '西阳邱村')).toBe(true);
    const mobile = (await ok(secretary, 'GET', '/api/party/members?mobile=true')).items;
    expect(mobile.map((m: { name: string; mobilePlace: string }) => [m.name, m.mobilePlace])).toEqual(
      expect.arrayContaining([
        ['张志强', '北京市朝阳区'],
        ['孙卫东', '石家庄市裕华区'],
      ]),
    );
    expect((await ok(secretary, 'GET', '/api/party/members?status=probationary')).items.map((m: { name: string }) => m.name)).toEqual(['刘红梅']);
    expect((await ok(secretary, 'GET', '/api/party/members?q=1380000010')).total).toBe(7);
    // Personal data: not for village cadres who are not secretaries, nor villagers.
    expect((await api(cadre, 'GET', '/api/party/members')).statusCode).toBe(403);
    expect((await api(villager, 'GET', '/api/party/members')).statusCode).toBe(403);
  });

  it('a member reads their own record, and nobody else’s', async () => {
    const me = (await ok(member, 'GET', '/api/party/me')).member;
    expect(me).toMatchObject({ name: '王建国', status: 'full', joinedOn: '1996-06-20', politicalBirthday: '06-20', fullOn: '1997-06-20', group: { name: '第一党小组' } });
    expect(me.standingYears).toBeGreaterThanOrEqual(29);
    expect(me.monthlyDues).toEqual({ amountCents: 20, basis: 'fixed', rateBp: null });
    expect((await api(member, 'GET', `/api/party/members/${me.id}`)).statusCode).toBe(200);
    const others = (await ok(secretary, 'GET', '/api/party/members?q=张志强')).items;
    expect((await api(member, 'GET', `/api/party/members/${others[0].id}`)).statusCode).toBe(403);
    // The village cadre is a member too: their own record yes, another's no.
    const cadreMe = (await ok(cadre, 'GET', '/api/party/me')).member;
    expect(cadreMe.name).toBe('西阳邱村干部');
    expect((await api(cadre, 'GET', `/api/party/members/${others[0].id}`)).statusCode).toBe(403);
    expect((await ok(villager, 'GET', '/api/party/me')).member).toBeNull();
  });

  it('registers an existing account, or makes a villager account with a one-time password', async () => {
    const villagerId = (await ok(villager, 'GET', '/api/auth/me')).user.id;
    const existing = await api(secretary, 'POST', '/api/party/members', {
      userId: villagerId,
      branchId: DEMO_BRANCH_ID,
      status: 'activist',
      appliedOn: '2026-01-05',
      activistOn: '2026-04-01',
    });
    expect(existing.statusCode).toBe(201);
    expect(existing.json()).toEqual({ member: expect.objectContaining({ name: '西阳邱村民', status: 'activist', branch: { id: DEMO_BRANCH_ID, name: '西阳邱村党支部' } }) });
    expect((await api(secretary, 'POST', '/api/party/members', { userId: villagerId, branchId: DEMO_BRANCH_ID, status: 'activist' })).json().code).toBe('PARTY_MEMBER_EXISTS');

    const created = await api(secretary, 'POST', '/api/party/members', {
      phone: '13966660002',
      name: '周丽',
      branchId: DEMO_BRANCH_ID,
      status: 'full',
      joinedOn: '2015-07-01',
      fullOn: '2016-07-01',
      isMobile: true,
      mobilePlace: '保定市竞秀区',
      declaredIncomeCents: 420_000,
    });
    expect(created.statusCode, created.body).toBe(201);
    const { member: zhou, initialPassword } = created.json();
    expect(zhou).toMatchObject({ name: '周丽', phone: '13966660002', isMobile: true, monthlyDues: { amountCents: 4200, basis: 'income', rateBp: 100 } });
    // The new member signs in with the one-time password and must change it first.
    const token = await t.login('13966660002', initialPassword);
    expect((await api(token, 'GET', '/api/party/me')).json().code).toBe('PASSWORD_CHANGE_REQUIRED');
    const audit = (await ok(staff, 'GET', `/api/audit-events?targetId=${zhou.id}`)).items;
    expect(audit.map((e: { action: string }) => e.action)).toEqual(['party.member_create']);
    // Someone of another village is not the secretary's to register.
    expect((await api(secretary, 'POST', '/api/party/members', { userId: stranger.id, branchId: DEMO_BRANCH_ID, status: 'activist' })).json().code).toBe('USER_NOT_FOUND');
    expect((await api(secretary, 'POST', '/api/party/members', { phone: stranger.phone, branchId: DEMO_BRANCH_ID, status: 'activist' })).json().code).toBe('PHONE_TAKEN');
  });

  it('dates run in order and match the status', async () => {
    const bad = await api(secretary, 'POST', '/api/party/members', {
      phone: '13966660003',
      name: '钱多',
      branchId: DEMO_BRANCH_ID,
      status: 'full',
      appliedOn: '2020-05-01',
      joinedOn: '2019-07-01',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details.map((d: { field: string }) => d.field).sort()).toEqual(['body.fullOn', 'body.joinedOn']);
    const future = await api(secretary, 'POST', '/api/party/members', { phone: '13966660003', name: '钱多', branchId: DEMO_BRANCH_ID, status: 'activist', appliedOn: '2099-01-01' });
    expect(future.json().details[0].field).toBe('body.appliedOn');
    const needs = await api(secretary, 'POST', '/api/party/members', { phone: '13966660003', branchId: DEMO_BRANCH_ID, status: 'activist' });
    expect(needs.json().details[0].field).toBe('body.name');
    // A probationary member becomes a full member.
    const liu = (await ok(secretary, 'GET', '/api/party/members?q=刘红梅')).items[0];
    const early = await api(secretary, 'PATCH', `/api/party/members/${liu.id}`, { status: 'full' });
    expect(early.json().details[0].field).toBe('body.fullOn');
  });

  it('a transfer to another branch keeps the history; the old secretary no longer sees the member', async () => {
    const zhou = (await ok(secretary, 'GET', '/api/party/members?q=周丽')).items[0];
    // The secretary may not send a member to another village's branch (not theirs).
    expect((await api(secretary, 'POST', `/api/party/members/${zhou.id}/transfer`, { branchId: NEIGHBOUR_BRANCH, reason: '迁居东阳邱村' })).statusCode).toBe(404);
    // Within the branch: from no group into 第二党小组.
    const groups = (await ok(secretary, 'GET', '/api/party/organisations?kind=group')).items;
    const second = groups.find((g: { name: string }) => g.name === '第二党小组');
    const moved = await ok(secretary, 'POST', `/api/party/members/${zhou.id}/transfer`, { branchId: DEMO_BRANCH_ID, groupId: second.id, reason: '按居住片区调整' });
    expect(moved.group).toEqual({ id: second.id, name: '第二党小组' });
    const transferred = await ok(staff, 'POST', `/api/party/members/${zhou.id}/transfer`, { branchId: NEIGHBOUR_BRANCH, reason: '迁居东阳邱村' });
    expect(transferred.branch).toEqual({ id: NEIGHBOUR_BRANCH, name: '东阳邱村党支部' });
    expect(transferred.transfers).toEqual([
      expect.objectContaining({ fromBranch: '西阳邱村党支部', fromGroup: null, toBranch: '西阳邱村党支部', toGroup: '第二党小组', byName: '西阳邱支部书记' }),
      expect.objectContaining({ fromBranch: '西阳邱村党支部', fromGroup: '第二党小组', toBranch: '东阳邱村党支部', toGroup: null, reason: '迁居东阳邱村', byName: '乡镇党政办' }),
    ]);
    expect((await api(secretary, 'GET', `/api/party/members/${zhou.id}`)).statusCode).toBe(404);
  });
});

describe('the demo branch’s record', () => {
  it('three months of meetings held, one entered late; 孙卫东 owes seven months of dues', async () => {
    const lastMonth = (() => {
      const [y, m] = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 7).split('-').map(Number) as [number, number];
      return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
    })();
    const completion = await ok(secretary, 'GET', `/api/party/completion?month=${lastMonth}`);
    const items = completion.organisations.find((o: { organisation: { id: string } }) => o.organisation.id === DEMO_BRANCH_ID).items as { typeCode: string; status: string }[];
    // (第三党小组, added today, owes nothing for last month.)
    expect(Object.fromEntries(items.map((i) => [i.typeCode, i.status]))).toMatchObject({ theme_day: 'done', branch_committee: 'done', group_meeting: 'done', party_lecture: 'done', branch_assembly: 'done' });
    const meetings = (await ok(secretary, 'GET', '/api/party/meetings?type=group_meeting&pageSize=50')).items;
    expect(meetings.filter((m: { enteredLate: boolean }) => m.enteredLate)).toHaveLength(1);
    const dues = await ok(secretary, 'GET', '/api/party/dues');
    expect(dues.items[0]).toMatchObject({ member: { name: '孙卫东' }, consecutive: 7, flagged: true });
    expect(dues.items.find((i: { member: { name: string } }) => i.member.name === '王建国')).toMatchObject({ monthly: { amountCents: 20 }, unpaidMonths: [] });
    // The members working away joined the 主题党日 online.
    const themeDay = (await ok(secretary, 'GET', `/api/party/meetings?type=theme_day&from=${lastMonth}-01`)).items[0];
    const detail = await ok(secretary, 'GET', `/api/party/meetings/${themeDay.id}`);
    expect(detail.attendance.find((a: { name: string }) => a.name === '张志强')).toMatchObject({ status: 'present', method: 'remote', isMobile: true });
  });
});

describe('figures for the big screen (GET /api/party/stats)', () => {
  it('counts members, organisations and this period’s completion; no names', async () => {
    const township = await ok(staff, 'GET', '/api/party/stats');
    expect(township.region).toEqual({ code: '130631202', name: '黑堡乡' });
    expect(township.members).toMatchObject({ total: 8, full: 7, probationary: 1, candidates: 1, mobile: 3 });
    expect(township.organisations).toMatchObject({ committees: 1, generalBranches: 1, branches: 17 });
    expect(township.completion.organisations).toBe(19); // 16 village branches, 1 more branch, the general branch, the committee
    expect(township.completion.byType.map((x: { code: string }) => x.code)).toEqual(expect.arrayContaining(['theme_day', 'branch_committee', 'democratic_life']));
    expect(JSON.stringify(township)).not.toMatch(/王建国|1380000/);
    // A village cadre reads their own village's figures, not the township's; villagers none.
    const village = await ok(cadre, 'GET', '/api/party/stats');
    expect(village.region.name).toBe('西阳邱村');
    expect(village.members.total).toBe(7); // 周丽 moved to 东阳邱村
    expect((await api(cadre, 'GET', '/api/party/stats?region=130631202')).statusCode).toBe(404);
    expect((await api(villager, 'GET', '/api/party/stats')).statusCode).toBe(403);
    expect(await t.services.party.stats.partyMembersIn('/130631/130631202/')).toBe(8);
  });
});
