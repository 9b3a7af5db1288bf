import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPerson, type Person } from '../../../test/support/people.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { ManualClock } from '../../platform/clock.js';
import { REMINDER_JOB } from './meetings.service.js';
import { demoBranchId } from './party.demo.js';

/**
 * Meetings on a clock the test moves (China time = UTC+8): planning, on-site QR sign-in and remote
 * sign-in inside the window (too early, on time, late, too late, twice), leave and its approval, the
 * record and its 补录 mark, back-filled planning, who sees what, and the reminder before a month ends.
 * The meetings are 东阳邱村党支部's, with members registered here.
 */
const NEIGHBOUR = '130631202207'; // 东阳邱村
const BRANCH = demoBranchId(NEIGHBOUR);
const clock = new ManualClock(new Date('2026-11-02T01:00:00Z'));
const china = (local: string) => new Date(`${local}+08:00`);

let t: TestApp;
let staff: string;
let secretary: Person; // 东阳邱村's branch secretary (role), registered as its secretary too
let xiyangqiuSecretary: string;
let villager: string;
let outsider: string; // a member of 西阳邱村
const people = {} as Record<'a' | 'b' | 'c', Person & { memberId: string }>;

beforeAll(async () => {
  t = await createTestApp({ clock });
  staff = await t.tokenFor('township_staff');
  xiyangqiuSecretary = await t.tokenFor('branch_secretary');
  villager = await t.tokenFor('villager');
  outsider = await t.login('13800000101');
  secretary = await createPerson(t, { phone: '13955550001', name: '东阳邱书记', role: 'branch_secretary', regionCode: NEIGHBOUR });
  const register = async (key: 'a' | 'b' | 'c', phone: string, name: string, extra: object) => {
    const person = await createPerson(t, { phone, name, role: 'villager', regionCode: NEIGHBOUR });
    const res = await t.request({ method: 'POST', url: '/api/party/members', token: staff, payload: { userId: person.id, branchId: BRANCH, ...extra } });
    expect(res.statusCode, res.body).toBe(201);
    people[key] = { ...person, memberId: res.json().member.id };
  };
  await register('a', '13955550002', '党员甲', { status: 'full', joinedOn: '2010-07-01', fullOn: '2011-07-01' });
  await register('b', '13955550003', '流动党员乙', { status: 'full', joinedOn: '2012-07-01', fullOn: '2013-07-01', isMobile: true, mobilePlace: '天津市' });
  await register('c', '13955550004', '预备党员丙', { status: 'probationary', joinedOn: '2026-05-01' });
  await t.request({ method: 'PUT', url: `/api/party/organisations/${BRANCH}/officers`, token: staff, payload: { officers: [{ memberId: people.a.memberId, post: 'secretary' }] } });
});
afterAll(async () => t.close());

const api = (token: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: object) => t.request({ method, url, token, ...(payload ? { payload } : {}) });
const ok = async (token: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: object) => {
  const res = await api(token, method, url, payload);
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.json();
};
const codeOf = (res: { statusCode: number; json(): { code: string } }) => [res.statusCode, res.json().code];

/** The 主题党日 of 10 November, 09:00–11:00 on site. */
let themeDay: string;

describe('planning', () => {
  it('a secretary schedules a 主题党日; the branch’s members are expected and told', async () => {
    const created = await api(secretary.token, 'POST', '/api/party/meetings', {
      organisationId: BRANCH,
      typeCode: 'theme_day',
      startsAt: '2026-11-10T09:00:00+08:00',
      endsAt: '2026-11-10T11:00:00+08:00',
      mode: 'onsite',
      place: '东阳邱村党群服务中心',
      agenda: '重温入党誓词；清理河道',
    });
    expect(created.statusCode, created.body).toBe(201);
    const meeting = created.json();
    themeDay = meeting.id;
    expect(meeting).toMatchObject({
      title: '11月主题党日',
      type: { code: 'theme_day', name: '主题党日' },
      status: 'planned',
      enteredLate: false,
      expected: 3,
      signInOpensAt: '2026-11-10T00:30:00.000Z',
      signInClosesAt: '2026-11-10T03:00:00.000Z',
    });
    expect(meeting.attendance.map((a: { name: string; status: string }) => [a.name, a.status]).sort()).toEqual([
      ['党员甲', 'expected'],
      ['流动党员乙', 'expected'],
      ['预备党员丙', 'expected'],
    ]);
    const told = (await ok(people.a.token, 'GET', '/api/notifications')).items;
    expect(told[0]).toMatchObject({ kind: 'party.meeting', title: '会议通知：11月主题党日' });
    // The member sees it among their meetings; only the remote-capable one may sign in from afar.
    expect((await ok(people.a.token, 'GET', '/api/party/me/meetings')).items[0]).toMatchObject({ id: themeDay, mine: { status: 'expected' }, canSignInRemotely: false });
    expect((await ok(people.b.token, 'GET', '/api/party/me/meetings')).items[0]).toMatchObject({ id: themeDay, canSignInRemotely: true });
  });

  it('refuses incoherent plans and types the organisation does not hold', async () => {
    const bad = await api(secretary.token, 'POST', '/api/party/meetings', {
      organisationId: BRANCH,
      typeCode: 'theme_day',
      startsAt: '2026-11-12T11:00:00+08:00',
      endsAt: '2026-11-12T10:00:00+08:00',
      mode: 'hybrid',
    });
    expect(bad.json().details.map((d: { field: string }) => d.field).sort()).toEqual(['body.endsAt', 'body.onlineUrl', 'body.place']);
    const notOurs = await api(secretary.token, 'POST', '/api/party/meetings', {
      organisationId: BRANCH,
      typeCode: 'democratic_life',
      startsAt: '2026-11-12T09:00:00+08:00',
      endsAt: '2026-11-12T11:00:00+08:00',
      mode: 'onsite',
      place: '村委会',
    });
    expect(codeOf(notOurs)).toEqual([400, 'PARTY_MEETING_TYPE_NOT_FOR_ORGANISATION']);
  });

  it('a secretary sees only their branch’s meetings; a member sees their own attendance only', async () => {
    expect((await api(xiyangqiuSecretary, 'GET', `/api/party/meetings/${themeDay}`)).statusCode).toBe(404);
    expect((await ok(xiyangqiuSecretary, 'GET', '/api/party/meetings?pageSize=100')).items.some((m: { id: string }) => m.id === themeDay)).toBe(false);
    expect((await ok(staff, 'GET', `/api/party/meetings?organisationId=${BRANCH}`)).items.map((m: { id: string }) => m.id)).toContain(themeDay);
    const asMember = await ok(people.c.token, 'GET', `/api/party/meetings/${themeDay}`);
    expect(asMember).toMatchObject({ attendance: [], mine: { status: 'expected' } });
    expect((await api(villager, 'GET', `/api/party/meetings/${themeDay}`)).statusCode).toBe(403);
    // A member of another village learns nothing of it.
    expect(codeOf(await api(outsider, 'POST', `/api/party/meetings/${themeDay}/sign-in`, { method: 'remote' }))).toEqual([404, 'PARTY_MEETING_NOT_FOUND']);
    expect(codeOf(await api(villager, 'POST', `/api/party/meetings/${themeDay}/sign-in`, { method: 'remote' }))).toEqual([403, 'PARTY_NOT_A_MEMBER']);
  });
});

describe('signing in', () => {
  let code: { url: string; dataUrl: string; expiresAt: string };
  const query = (url: string) => Object.fromEntries(new URL(url).searchParams) as { exp: string; sig: string };

  it('the on-site QR code is a signed link to the phone page, valid for minutes', async () => {
    clock.set(china('2026-11-10T08:25:00'));
    code = await ok(secretary.token, 'GET', `/api/party/meetings/${themeDay}/sign-in-code`);
    expect(code.url).toMatch(new RegExp(`^http://localhost(:\\d+)?/h5/party/sign-in/${themeDay}\\?exp=\\d+&sig=[\\w-]{43}$`));
    expect(code.dataUrl).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(code.dataUrl.split(',')[1]!, 'base64').toString()).toContain('<svg');
    expect(new Date(code.expiresAt).getTime() - clock.now().getTime()).toBeLessThanOrEqual(11 * 60_000);
  });

  it('too early, on time, twice, with an expired or forged code', async () => {
    clock.set(china('2026-11-10T08:29:00'));
    const early = await api(people.a.token, 'POST', `/api/party/meetings/${themeDay}/sign-in`, { method: 'qr', ...query(code.url) });
    expect(codeOf(early)).toEqual([409, 'PARTY_SIGNIN_NOT_OPEN']);
    expect(early.json().message).toContain('11-10 08:30');

    clock.set(china('2026-11-10T08:31:00'));
    const first = await ok(people.a.token, 'POST', `/api/party/meetings/${themeDay}/sign-in`, { method: 'qr', ...query(code.url) });
    expect(first).toMatchObject({ status: 'present', method: 'qr', alreadySignedIn: false, signedInAt: '2026-11-10T00:31:00.000Z' });
    clock.set(china('2026-11-10T08:33:00'));
    const again = await ok(people.a.token, 'POST', `/api/party/meetings/${themeDay}/sign-in`, { method: 'qr', ...query(code.url) });
    expect(again).toMatchObject({ status: 'present', alreadySignedIn: true, signedInAt: '2026-11-10T00:31:00.000Z' });

    const forged = await api(people.c.token, 'POST', `/api/party/meetings/${themeDay}/sign-in`, { method: 'qr', exp: query(code.url).exp, sig: 'A'.repeat(43) });
    expect(codeOf(forged)).toEqual([403, 'PARTY_SIGNIN_CODE_INVALID']);
    clock.set(china('2026-11-10T08:50:00'));
    const expired = await api(people.c.token, 'POST', `/api/party/meetings/${themeDay}/sign-in`, { method: 'qr', ...query(code.url) });
    expect(codeOf(expired)).toEqual([403, 'PARTY_SIGNIN_CODE_EXPIRED']);
  });

  it('remotely: a member working away may, one at home may not (on-site meeting); after 09:15 it is late', async () => {
    clock.set(china('2026-11-10T09:20:00'));
    expect(codeOf(await api(people.c.token, 'POST', `/api/party/meetings/${themeDay}/sign-in`, { method: 'remote' }))).toEqual([409, 'PARTY_SIGNIN_ONSITE_ONLY']);
    const away = await ok(people.b.token, 'POST', `/api/party/meetings/${themeDay}/sign-in`, { method: 'remote' });
    expect(away).toMatchObject({ status: 'late', method: 'remote', alreadySignedIn: false });
  });

  it('too late: after the meeting ends, no code is issued and no sign-in accepted', async () => {
    clock.set(china('2026-11-10T10:55:00'));
    code = await ok(secretary.token, 'GET', `/api/party/meetings/${themeDay}/sign-in-code`);
    expect(new Date(code.expiresAt) <= china('2026-11-10T11:01:00')).toBe(true);
    clock.set(china('2026-11-10T11:00:30'));
    expect(codeOf(await api(people.c.token, 'POST', `/api/party/meetings/${themeDay}/sign-in`, { method: 'qr', ...query(code.url) }))).toEqual([409, 'PARTY_SIGNIN_CLOSED']);
    expect(codeOf(await api(secretary.token, 'GET', `/api/party/meetings/${themeDay}/sign-in-code`))).toEqual([409, 'PARTY_SIGNIN_CLOSED']);
    expect(codeOf(await api(people.c.token, 'POST', `/api/party/meetings/${themeDay}/leave`, { reason: '忘了' }))).toEqual([409, 'PARTY_LEAVE_CLOSED']);
    // Whoever did not sign in reads as absent now.
    const detail = await ok(secretary.token, 'GET', `/api/party/meetings/${themeDay}`);
    expect(Object.fromEntries(detail.attendance.map((a: { name: string; status: string }) => [a.name, a.status]))).toEqual({ 党员甲: 'present', 流动党员乙: 'late', 预备党员丙: 'absent' });
  });
});

describe('the record', () => {
  it('minutes within the window: the meeting is held, on time', async () => {
    clock.set(china('2026-11-10T11:30:00'));
    const held = await ok(secretary.token, 'PUT', `/api/party/meetings/${themeDay}/record`, {
      minutes: '全体党员重温入党誓词，清理河道垃圾约 1 吨。',
      resolutions: '下月继续开展河道清理。',
    });
    expect(held).toMatchObject({ status: 'held', enteredLate: false, lateReason: null, recordedAt: '2026-11-10T03:30:00.000Z', recordedByName: '东阳邱书记', attended: 2 });
    // The plan of a held meeting no longer changes; nor is it cancelled.
    expect(codeOf(await api(secretary.token, 'POST', `/api/party/meetings/${themeDay}/cancel`, { reason: '误建' }))).toEqual([409, 'PARTY_MEETING_LOCKED']);
    const audit = (await ok(staff, 'GET', `/api/audit-events?targetId=${themeDay}`)).items.map((e: { action: string }) => e.action);
    expect(audit.sort()).toEqual(['party.meeting_create', 'party.meeting_record']);
  });

  it('leave, then a record entered more than 72 hours after the end is marked 补录 with its reason', async () => {
    clock.set(china('2026-11-11T08:00:00'));
    const committee = await ok(secretary.token, 'POST', '/api/party/meetings', {
      organisationId: BRANCH,
      typeCode: 'branch_committee',
      startsAt: '2026-11-12T19:30:00+08:00',
      endsAt: '2026-11-12T21:00:00+08:00',
      mode: 'hybrid',
      place: '东阳邱村委会',
      onlineUrl: 'https://meeting.tencent.com/dm/example',
      attendeeIds: [people.a.memberId, people.c.memberId],
    });
    expect(committee.expected).toBe(2);
    const leave = await ok(people.c.token, 'POST', `/api/party/meetings/${committee.id}/leave`, { reason: '在县城住院' });
    expect(leave.mine).toMatchObject({ status: 'leave', leaveReason: '在县城住院' });
    // A member not on the list cannot sign in.
    clock.set(china('2026-11-12T19:40:00'));
    expect(codeOf(await api(people.b.token, 'POST', `/api/party/meetings/${committee.id}/sign-in`, { method: 'remote' }))).toEqual([403, 'PARTY_NOT_EXPECTED']);
    // Recording before the start is refused.
    clock.set(china('2026-11-12T19:00:00'));
    expect(codeOf(await api(secretary.token, 'PUT', `/api/party/meetings/${committee.id}/record`, { minutes: '预写' }))).toEqual([409, 'PARTY_MEETING_NOT_STARTED']);

    clock.set(china('2026-11-16T08:00:00')); // 83 hours after the end
    const missing = await api(secretary.token, 'PUT', `/api/party/meetings/${committee.id}/record`, { minutes: '研究冬季安全生产。' });
    expect(codeOf(missing)).toEqual([400, 'PARTY_LATE_REASON_REQUIRED']);
    expect(missing.json().details[0].field).toBe('body.lateReason');
    const late = await ok(secretary.token, 'PUT', `/api/party/meetings/${committee.id}/record`, {
      minutes: '研究冬季安全生产。',
      attendance: [{ memberId: people.a.memberId, status: 'present' }],
      lateReason: '书记外出学习，返村后补录',
    });
    expect(late).toMatchObject({ status: 'held', enteredLate: true, lateReason: '书记外出学习，返村后补录', recordedAt: '2026-11-16T00:00:00.000Z' });
    expect(late.attendance.find((a: { name: string }) => a.name === '党员甲')).toMatchObject({ status: 'present', method: 'recorded', enteredLate: true, signedInAt: null });
    expect(late.attendance.find((a: { name: string }) => a.name === '预备党员丙')).toMatchObject({ status: 'leave' });
    // The list shows the mark too.
    const listed = (await ok(staff, 'GET', '/api/party/meetings?type=branch_committee&from=2026-11-01&to=2026-11-30')).items.find((m: { id: string }) => m.id === committee.id);
    expect(listed).toMatchObject({ enteredLate: true, status: 'held' });
  });

  it('planning a meeting that is already over is back-filling: it needs a reason and carries the mark', async () => {
    const plan = { organisationId: BRANCH, typeCode: 'party_lecture', startsAt: '2026-11-03T09:00:00+08:00', endsAt: '2026-11-03T11:00:00+08:00', mode: 'onsite', place: '东阳邱村委会' };
    expect(codeOf(await api(secretary.token, 'POST', '/api/party/meetings', plan))).toEqual([400, 'PARTY_LATE_REASON_REQUIRED']);
    const backfilled = await ok(secretary.token, 'POST', '/api/party/meetings', { ...plan, lateReason: '当时未在平台登记' });
    expect(backfilled).toMatchObject({ enteredLate: true, lateReason: '当时未在平台登记', status: 'planned' });
    const recorded = await ok(secretary.token, 'PUT', `/api/party/meetings/${backfilled.id}/record`, { minutes: '书记讲党课。', lateReason: '当时未在平台登记' });
    expect(recorded).toMatchObject({ status: 'held', enteredLate: true });
    // Members were not told of a meeting long past.
    expect((await ok(people.a.token, 'GET', '/api/notifications')).items.filter((n: { title: string }) => n.title.includes('党课'))).toEqual([]);
  });
});

describe('leave approval (请假审批)', () => {
  /** A 支部委员会 on 18 November, 19:30–21:00, on site and online: everyone may sign in from afar. */
  let committee: string;
  const decide = (token: string, meetingId: string, memberId: string, payload: object) => api(token, 'POST', `/api/party/meetings/${meetingId}/leave/${memberId}/decision`, payload);
  const row = (detail: { attendance: { memberId: string }[] }, memberId: string) => detail.attendance.find((a) => a.memberId === memberId);
  const leaveNotices = async (token: string) => (await ok(token, 'GET', '/api/notifications')).items.filter((n: { kind: string }) => n.kind === 'party.leave');
  const ratesOf = async (memberId: string) => (await ok(staff, 'GET', '/api/party/attendance?year=2026')).members.find((m: { memberId: string }) => m.memberId === memberId);

  it('asking sets the request pending: shown as leave, not yet counted', async () => {
    clock.set(china('2026-11-17T08:00:00'));
    committee = (
      await ok(secretary.token, 'POST', '/api/party/meetings', {
        organisationId: BRANCH,
        typeCode: 'branch_committee',
        title: '11月第二次支部委员会',
        startsAt: '2026-11-18T19:30:00+08:00',
        endsAt: '2026-11-18T21:00:00+08:00',
        mode: 'hybrid',
        place: '东阳邱村委会',
        onlineUrl: 'https://meeting.tencent.com/dm/example',
      })
    ).id;
    const asked = await ok(people.c.token, 'POST', `/api/party/meetings/${committee}/leave`, { reason: '在县城住院' });
    expect(asked.mine).toEqual({ status: 'leave', method: null, signedInAt: null, leaveReason: '在县城住院', leaveDecision: 'pending', leaveDecidedByName: null, leaveDecidedAt: null, leaveDecisionNote: null });
    await ok(people.b.token, 'POST', `/api/party/meetings/${committee}/leave`, { reason: '天津加班' });
    await ok(people.a.token, 'POST', `/api/party/meetings/${committee}/leave`, { reason: '家中有事' });
    const detail = await ok(secretary.token, 'GET', `/api/party/meetings/${committee}`);
    expect(row(detail, people.c.memberId)).toMatchObject({ status: 'leave', leaveReason: '在县城住院', leaveDecision: 'pending' });
    expect(detail.onLeave).toBe(0);
  });

  it('only a secretary or staff of the branch decides; bad requests name the field', async () => {
    expect(codeOf(await decide(people.a.token, committee, people.c.memberId, { approve: true }))).toEqual([403, 'FORBIDDEN']);
    expect(codeOf(await decide(xiyangqiuSecretary, committee, people.c.memberId, { approve: true }))).toEqual([404, 'PARTY_MEETING_NOT_FOUND']);
    const bad = await decide(secretary.token, committee, people.c.memberId, { approve: 'yes', note: '不'.repeat(201) });
    expect(codeOf(bad)).toEqual([400, 'VALIDATION_FAILED']);
    expect(bad.json().details.map((d: { field: string }) => d.field).sort()).toEqual(['body.approve', 'body.note']);
    const badId = await decide(secretary.token, committee, 'not-a-member', { approve: true });
    expect(badId.json().details[0].field).toBe('params.memberId');
    expect(codeOf(await decide(secretary.token, committee, randomUUID(), { approve: true }))).toEqual([404, 'PARTY_MEMBER_NOT_FOUND']);
  });

  it('approved counts as leave; the member is told; the same answer again changes nothing', async () => {
    clock.set(china('2026-11-17T09:00:00'));
    const approved = await ok(secretary.token, 'POST', `/api/party/meetings/${committee}/leave/${people.c.memberId}/decision`, { approve: true, note: '安心养病' });
    expect(row(approved, people.c.memberId)).toMatchObject({
      status: 'leave',
      leaveDecision: 'approved',
      leaveDecidedByName: '东阳邱书记',
      leaveDecidedAt: '2026-11-17T01:00:00.000Z',
      leaveDecisionNote: '安心养病',
    });
    expect(approved.onLeave).toBe(1);
    expect((await leaveNotices(people.c.token)).map((n: { title: string; body: string }) => [n.title, n.body])).toEqual([
      ['您的请假申请已批准', '11月第二次支部委员会（11-18 19:30）的请假已批准。说明：安心养病'],
    ]);
    expect((await ok(people.c.token, 'GET', `/api/party/meetings/${committee}`)).mine).toMatchObject({ leaveDecision: 'approved', leaveDecidedByName: '东阳邱书记', leaveDecisionNote: '安心养病' });

    clock.set(china('2026-11-17T09:05:00'));
    const again = await ok(staff, 'POST', `/api/party/meetings/${committee}/leave/${people.c.memberId}/decision`, { approve: true });
    expect(row(again, people.c.memberId)).toEqual(row(approved, people.c.memberId));
    expect(await leaveNotices(people.c.token)).toHaveLength(1);
    const audit = (await ok(staff, 'GET', `/api/audit-events?targetId=${committee}`)).items.filter((e: { action: string }) => e.action === 'party.leave_decide');
    expect(audit).toHaveLength(1);
  });

  it('refused: expected again, no second request; may still sign in inside the window, else absent after it', async () => {
    const refused = await ok(secretary.token, 'POST', `/api/party/meetings/${committee}/leave/${people.b.memberId}/decision`, { approve: false, note: '支委会须参加，可线上参会' });
    expect(row(refused, people.b.memberId)).toMatchObject({ status: 'expected', leaveReason: '天津加班', leaveDecision: 'refused', leaveDecisionNote: '支委会须参加，可线上参会' });
    await ok(secretary.token, 'POST', `/api/party/meetings/${committee}/leave/${people.a.memberId}/decision`, { approve: false });
    expect((await leaveNotices(people.b.token))[0]).toMatchObject({ title: '您的请假申请未批准', body: '11月第二次支部委员会（11-18 19:30）的请假未获批准，请按时参加。说明：支委会须参加，可线上参会' });
    expect(codeOf(await api(people.b.token, 'POST', `/api/party/meetings/${committee}/leave`, { reason: '还是去不了' }))).toEqual([409, 'PARTY_LEAVE_DECIDED']);

    clock.set(china('2026-11-18T19:40:00'));
    expect(await ok(people.b.token, 'POST', `/api/party/meetings/${committee}/sign-in`, { method: 'remote' })).toMatchObject({ status: 'present', method: 'remote' });
    clock.set(china('2026-11-18T21:30:00'));
    const detail = await ok(secretary.token, 'GET', `/api/party/meetings/${committee}`);
    expect(row(detail, people.b.memberId)).toMatchObject({ status: 'present', leaveDecision: 'refused' });
    expect(row(detail, people.a.memberId)).toMatchObject({ status: 'absent', leaveDecision: 'refused' });
    expect(row(detail, people.c.memberId)).toMatchObject({ status: 'leave', leaveDecision: 'approved' });
  });

  it('after the record, an answer no longer changes; an open request may still be answered and the figures follow', async () => {
    const held = await ok(secretary.token, 'PUT', `/api/party/meetings/${committee}/record`, { minutes: '研究冬季安全生产。' });
    expect(held).toMatchObject({ status: 'held', attended: 1, onLeave: 1 });
    expect(codeOf(await decide(secretary.token, committee, people.c.memberId, { approve: false }))).toEqual([409, 'PARTY_LEAVE_DECIDED']);
    expect(codeOf(await decide(secretary.token, committee, people.a.memberId, { approve: true }))).toEqual([409, 'PARTY_LEAVE_DECIDED']);
    expect(row(await ok(secretary.token, 'POST', `/api/party/meetings/${committee}/leave/${people.c.memberId}/decision`, { approve: true }), people.c.memberId)).toMatchObject({
      leaveDecision: 'approved',
    });

    // 预备党员丙's request for the first 支部委员会 (12 November) is still open: it counts as absent until approved.
    const first = (await ok(staff, 'GET', '/api/party/meetings?type=branch_committee&from=2026-11-12&to=2026-11-12')).items[0].id;
    expect(await ratesOf(people.c.memberId)).toMatchObject({ expected: 4, attended: 0, leave: 1, absent: 3 });
    await ok(secretary.token, 'POST', `/api/party/meetings/${first}/leave/${people.c.memberId}/decision`, { approve: true });
    expect(await ratesOf(people.c.memberId)).toMatchObject({ expected: 4, attended: 0, leave: 2, absent: 2 });
    expect(codeOf(await decide(secretary.token, first, people.a.memberId, { approve: true }))).toEqual([409, 'PARTY_LEAVE_NOT_REQUESTED']);
  });

  it('signing in withdraws an open request; the record’s corrections answer the others', async () => {
    clock.set(china('2026-11-19T08:00:00'));
    const lecture = (
      await ok(secretary.token, 'POST', '/api/party/meetings', {
        organisationId: BRANCH,
        typeCode: 'theme_day',
        title: '冬季防火专题学习',
        startsAt: '2026-11-19T09:00:00+08:00',
        endsAt: '2026-11-19T10:00:00+08:00',
        mode: 'online',
        onlineUrl: 'https://meeting.tencent.com/dm/example',
      })
    ).id;
    for (const [key, reason] of [['a', '赶集'], ['b', '加班'], ['c', '看病']] as const) await ok(people[key].token, 'POST', `/api/party/meetings/${lecture}/leave`, { reason });
    clock.set(china('2026-11-19T09:05:00'));
    await ok(people.c.token, 'POST', `/api/party/meetings/${lecture}/sign-in`, { method: 'remote' });
    const recorded = await ok(secretary.token, 'PUT', `/api/party/meetings/${lecture}/record`, {
      minutes: '学习冬季防火知识。',
      attendance: [
        { memberId: people.a.memberId, status: 'leave' },
        { memberId: people.b.memberId, status: 'absent' },
      ],
    });
    expect(row(recorded, people.a.memberId)).toMatchObject({ status: 'leave', leaveDecision: 'approved', leaveDecidedByName: '东阳邱书记' });
    expect(row(recorded, people.b.memberId)).toMatchObject({ status: 'absent', leaveDecision: 'refused' });
    expect(row(recorded, people.c.memberId)).toMatchObject({ status: 'present', leaveReason: '看病', leaveDecision: null });
    expect((await leaveNotices(people.a.token))[0]).toMatchObject({ title: '您的请假申请已批准', body: '冬季防火专题学习（11-19 09:00）的请假已批准。' });
    // 预备党员丙 heard only of the two approvals before: a withdrawn request has no answer.
    expect(await leaveNotices(people.c.token)).toHaveLength(2);
  });
});

describe('reminders', () => {
  it('a week before the month ends, the secretaries of a branch still missing a monthly meeting are told', async () => {
    clock.set(china('2026-11-20T12:00:00'));
    await t.db.transaction().execute((tx) => t.services.party.meetings.ensureReminders(tx));
    const job = await t.db.selectFrom('jobs').select(['run_at', 'done_at']).where('dedupe_key', '=', `${REMINDER_JOB}:monthly:2026-11`).executeTakeFirstOrThrow();
    expect(job.run_at).toEqual(new Date('2026-11-24T01:00:00Z'));
    // Not yet.
    await t.services.jobs.runDue();
    expect((await ok(secretary.token, 'GET', '/api/notifications')).items.filter((n: { kind: string }) => n.kind === 'party.reminder')).toEqual([]);

    clock.set(china('2026-11-24T09:00:00'));
    await t.services.jobs.runDue();
    const reminders = (await ok(secretary.token, 'GET', '/api/notifications')).items.filter((n: { kind: string }) => n.kind === 'party.reminder');
    // 主题党日 and 支部委员会 were held in November; the 党小组会 does not apply (no groups): nothing monthly is missing.
    expect(reminders).toEqual([]);
    // The next month's reminder is in line.
    const next = await t.db.selectFrom('jobs').select('run_at').where('dedupe_key', '=', `${REMINDER_JOB}:monthly:2026-12`).executeTakeFirstOrThrow();
    expect(next.run_at).toEqual(new Date('2026-12-25T01:00:00Z')); // December has 31 days

    // In December nothing is held: on the 25th both monthly meetings are due, and the secretaries hear of it.
    clock.set(china('2026-12-25T09:05:00'));
    await t.services.jobs.runDue();
    const december = (await ok(secretary.token, 'GET', '/api/notifications')).items.filter((n: { kind: string }) => n.kind === 'party.reminder');
    // The quarter's (from 17 December) and the year's (from 2 December) reminders came due as well; the 党课 of the quarter was held.
    expect(december.map((n: { title: string }) => n.title).sort()).toEqual([
      '党建提醒：东阳邱村党支部2026年12月尚未完成支部委员会、主题党日',
      '党建提醒：东阳邱村党支部2026年尚未完成组织生活会、民主评议党员',
      '党建提醒：东阳邱村党支部2026年第四季度尚未完成支部党员大会',
    ]);
    expect(december.find((n: { title: string }) => n.title.includes('12月')).body).toBe('2026年12月还剩 7 天。支部委员会（0/1）、主题党日（0/1）尚未完成，请及时组织召开并录入会议记录。');
    // The officer who is the branch's secretary (党员甲) is told as well.
    expect((await ok(people.a.token, 'GET', '/api/notifications')).items.some((n: { kind: string }) => n.kind === 'party.reminder')).toBe(true);
  });
});
