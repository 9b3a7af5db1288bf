import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { ManualClock } from '../../platform/clock.js';
import { demoBranchId } from './party.demo.js';

/**
 * Completion (完成情况) over period boundaries in China time: a meeting at 23:30 on 30 November counts
 * for November, one at 00:10 on 1 December for December; a 党课 on New Year's Eve for the fourth
 * quarter; what was not held becomes missed when its period ends; group meetings apply once a branch
 * has groups. Meetings of 黄庄村党支部, run by township staff.
 */
const HUANGZHUANG = '130631202208'; // 黄庄村
const BRANCH = demoBranchId(HUANGZHUANG);
const clock = new ManualClock(new Date('2026-11-30T14:00:00Z'));
const china = (local: string) => new Date(`${local}+08:00`);

let t: TestApp;
let staff: string;
let secretary: string;
const members: Record<'wang' | 'li', string> = { wang: '', li: '' };

beforeAll(async () => {
  t = await createTestApp({ clock });
  staff = await t.tokenFor('township_staff');
  secretary = await t.tokenFor('branch_secretary');
  for (const [key, phone, name] of [
    ['wang', '13944440001', '黄庄王'],
    ['li', '13944440002', '黄庄李'],
  ] as const) {
    const res = await t.request({
      method: 'POST',
      url: '/api/party/members',
      token: staff,
      payload: { phone, name, branchId: BRANCH, status: 'full', joinedOn: '2000-07-01', fullOn: '2001-07-01' },
    });
    expect(res.statusCode, res.body).toBe(201);
    members[key] = res.json().member.id;
  }
});
afterAll(async () => t.close());

const ok = async (method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: object, token = staff) => {
  const res = await t.request({ method, url, token, ...(payload ? { payload } : {}) });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.json();
};

/** Plans a meeting of the branch (or a group) and records it once it has begun. */
async function hold(typeCode: string, from: string, to: string, organisationId = BRANCH, attendance?: { memberId: string; status: string }[]) {
  const meeting = await ok('POST', '/api/party/meetings', { organisationId, typeCode, startsAt: `${from}+08:00`, endsAt: `${to}+08:00`, mode: 'onsite', place: '黄庄村委会' });
  clock.set(new Date(new Date(`${to}+08:00`).getTime() + 5 * 60_000));
  return ok('PUT', `/api/party/meetings/${meeting.id}/record`, { minutes: '会议记录。', ...(attendance && { attendance }) });
}

interface Item {
  typeCode: string;
  status: string;
  held: number;
  required: number;
  planned: number;
  daysLeft: number | null;
  period: { key: string };
}
async function completion(month: string): Promise<{ items: Item[]; done: number; total: number; attendance: { rate: number | null } }> {
  const view = await ok('GET', `/api/party/completion?month=${month}&organisationId=${BRANCH}`);
  expect(view.organisations).toHaveLength(1);
  return view.organisations[0];
}
const item = (row: { items: Item[] }, code: string) => row.items.find((i) => i.typeCode === code)!;

describe('completion over period boundaries', () => {
  it('23:30 on 30 November counts for November', async () => {
    clock.set(china('2026-11-30T22:00:00'));
    const before = await completion('2026-11');
    expect(item(before, 'theme_day')).toMatchObject({ status: 'due', held: 0, required: 1, daysLeft: 0, period: { key: '2026-11' } });
    expect(item(before, 'party_lecture')).toMatchObject({ status: 'due', period: { key: '2026-Q4' }, daysLeft: 31 });
    expect(item(before, 'group_meeting').status).toBe('not_applicable');

    await hold('theme_day', '2026-11-30T23:30:00', '2026-11-30T23:50:00', BRANCH, [
      { memberId: members.wang, status: 'present' },
      { memberId: members.li, status: 'absent' },
    ]);
    expect(clock.now()).toEqual(china('2026-11-30T23:55:00'));
    const november = await completion('2026-11');
    expect(item(november, 'theme_day')).toMatchObject({ status: 'done', held: 1 });
    expect(november.attendance.rate).toBe(0.5);
    expect(item(await completion('2026-12'), 'theme_day')).toMatchObject({ status: 'due', held: 0, daysLeft: 31 });
  });

  it('00:10 on 1 December counts for December, not November', async () => {
    clock.set(china('2026-12-01T00:05:00'));
    await hold('theme_day', '2026-12-01T00:10:00', '2026-12-01T00:40:00');
    expect(item(await completion('2026-12'), 'theme_day')).toMatchObject({ status: 'done', held: 1 });
    expect(item(await completion('2026-11'), 'theme_day')).toMatchObject({ status: 'done', held: 1 });
  });

  it('a 党课 on New Year’s Eve counts for the fourth quarter; January starts a new one', async () => {
    clock.set(china('2026-12-31T22:50:00'));
    await hold('party_lecture', '2026-12-31T23:00:00', '2026-12-31T23:30:00');
    expect(item(await completion('2026-10'), 'party_lecture')).toMatchObject({ status: 'done', period: { key: '2026-Q4' } });
    expect(item(await completion('2027-01'), 'party_lecture')).toMatchObject({ status: 'due', held: 0, period: { key: '2027-Q1' } });
  });

  it('what was not held in a period that has ended is missed; a planned meeting is not held', async () => {
    clock.set(china('2027-01-01T08:00:00'));
    const november = await completion('2026-11');
    expect(item(november, 'branch_committee')).toMatchObject({ status: 'missed', held: 0, daysLeft: null });
    expect(item(november, 'organisational_life')).toMatchObject({ status: 'missed', period: { key: '2026' } });
    expect(november).toMatchObject({ done: 2, total: 6 }); // 主题党日 and 党课 of six (党小组会 does not apply)
    await ok('POST', '/api/party/meetings', {
      organisationId: BRANCH,
      typeCode: 'branch_committee',
      startsAt: '2027-01-05T19:30:00+08:00',
      endsAt: '2027-01-05T21:00:00+08:00',
      mode: 'onsite',
      place: '黄庄村委会',
    });
    expect(item(await completion('2027-01'), 'branch_committee')).toMatchObject({ status: 'due', held: 0, planned: 1 });
  });

  it('once the branch has groups, each group owes its monthly 党小组会', async () => {
    const first = await ok('POST', '/api/party/organisations', { parentId: BRANCH, kind: 'group', name: '第一党小组' });
    await ok('POST', '/api/party/organisations', { parentId: BRANCH, kind: 'group', name: '第二党小组' });
    expect(item(await completion('2027-01'), 'group_meeting')).toMatchObject({ status: 'due', required: 2, held: 0 });
    clock.set(china('2027-01-08T19:00:00'));
    await hold('group_meeting', '2027-01-08T19:30:00', '2027-01-08T20:30:00', first.id);
    expect(item(await completion('2027-01'), 'group_meeting')).toMatchObject({ status: 'due', required: 2, held: 1 });
    // A second meeting of the same group does not stand in for the other group.
    clock.set(china('2027-01-09T19:00:00'));
    await hold('group_meeting', '2027-01-09T19:30:00', '2027-01-09T20:30:00', first.id);
    expect(item(await completion('2027-01'), 'group_meeting')).toMatchObject({ held: 1 });
  });

  it('a changed frequency applies at once (administrators configure the types)', async () => {
    const admin = await t.tokenFor('admin');
    expect((await t.request({ method: 'PATCH', url: '/api/party/meeting-types/party_lecture', token: staff, payload: { frequency: 'monthly' } })).statusCode).toBe(403);
    await ok('PATCH', '/api/party/meeting-types/party_lecture', { frequency: 'monthly' }, admin);
    expect(item(await completion('2027-01'), 'party_lecture')).toMatchObject({ period: { key: '2027-01' }, status: 'due' });
    await ok('PATCH', '/api/party/meeting-types/party_lecture', { frequency: 'quarterly' }, admin);
  });
});

describe('reports', () => {
  it('exports the completion for Excel', async () => {
    const res = await t.request({ method: 'GET', url: `/api/party/completion?month=2026-11&organisationId=${BRANCH}&format=csv`, token: staff });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const lines = res.body.slice(1).trim().split('\r\n');
    expect(lines[0]).toBe('党组织,所在区域,会议类型,周期,应开,已开,已计划,完成情况,其中补录,2026-11 参会率');
    expect(lines).toContain('黄庄村党支部,黄庄村,主题党日,2026年11月,1,1,0,已完成,0,50%');
    expect(lines).toContain('黄庄村党支部,黄庄村,支部委员会,2026年11月,1,0,0,未完成,0,50%');
  });

  it('attendance per member over the year', async () => {
    const rates = await ok('GET', `/api/party/attendance?year=2026&organisationId=${BRANCH}`);
    expect(rates.organisations).toEqual([expect.objectContaining({ name: '黄庄村党支部', meetings: 3, expected: 6, attended: 1 })]);
    const wang = rates.members.find((m: { name: string }) => m.name === '黄庄王');
    expect(wang).toMatchObject({ expected: 3, attended: 1, absent: 2, rate: 1 / 3 });
  });

  it('a secretary’s report holds their own branch only', async () => {
    const view = await ok('GET', '/api/party/completion?month=2026-11', undefined, secretary);
    expect(view.organisations.map((o: { organisation: { name: string } }) => o.organisation.name)).toEqual(['西阳邱村党支部']);
    expect((await t.request({ method: 'GET', url: `/api/party/completion?organisationId=${BRANCH}`, token: secretary })).statusCode).toBe(404);
    const township = await ok('GET', '/api/party/completion?month=2026-11');
    expect(township.organisations[0].organisation.name).toBe('黑堡乡党委');
    expect(township.organisations).toHaveLength(17);
  });
});
