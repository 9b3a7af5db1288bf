import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photosForm } from '../../../test/support/multipart.js';
import { createPerson, type Person } from '../../../test/support/people.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { ManualClock } from '../../platform/clock.js';
import { DEMO_COMMITTEE_ID, demoBranchId } from './party.demo.js';

/**
 * 学习 and 党费 on 27 November 2026 (China time): materials reach the branches they are assigned to
 * (a committee's reach every branch below it), members record their study against the yearly target;
 * dues follow the declared income's bracket, the branch records payments, six unpaid months in a row
 * are flagged. Members of 东阳邱村党支部 registered here.
 */
const NEIGHBOUR = '130631202207'; // 东阳邱村
const BRANCH = demoBranchId(NEIGHBOUR);
const clock = new ManualClock(new Date('2026-11-27T02:00:00Z'));

let t: TestApp;
let staff: string;
let admin: string;
let secretary: Person;
let villager: string;
let xiyangqiuMember: string;
const m = {} as Record<'d' | 'e' | 'f', Person & { memberId: string }>;

beforeAll(async () => {
  t = await createTestApp({ clock });
  staff = await t.tokenFor('township_staff');
  admin = await t.tokenFor('admin');
  villager = await t.tokenFor('villager');
  xiyangqiuMember = await t.login('13800000101');
  secretary = await createPerson(t, { phone: '13933330001', name: '东阳邱书记', role: 'branch_secretary', regionCode: NEIGHBOUR });
  const register = async (key: 'd' | 'e' | 'f', phone: string, name: string, extra: object) => {
    const person = await createPerson(t, { phone, name, role: 'villager', regionCode: NEIGHBOUR });
    const res = await t.request({ method: 'POST', url: '/api/party/members', token: staff, payload: { userId: person.id, branchId: BRANCH, ...extra } });
    expect(res.statusCode, res.body).toBe(201);
    m[key] = { ...person, memberId: res.json().member.id };
  };
  await register('d', '13933330002', '收入党员丁', { status: 'full', joinedOn: '2010-07-01', fullOn: '2011-07-01', declaredIncomeCents: 500_001, duesFrom: '2026-03' });
  await register('e', '13933330003', '农民党员戊', { status: 'probationary', joinedOn: '2026-05-01', fixedDuesCents: 20, duesFrom: '2026-05' });
  await register('f', '13933330004', '积极分子己', { status: 'activist', activistOn: '2026-05-01' });
});
afterAll(async () => t.close());

const api = (token: string, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) => t.request({ method, url, token, ...(payload ? { payload } : {}) });
const ok = async (token: string, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) => {
  const res = await api(token, method, url, payload);
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.json();
};
const codeOf = (res: { statusCode: number; json(): { code: string } }) => [res.statusCode, res.json().code];

describe('dues (党费)', () => {
  it('monthly amounts from the brackets; arrears since dues began, six in a row flagged', async () => {
    const view = await ok(secretary.token, 'GET', '/api/party/dues');
    expect(view.month).toBe('2026-11');
    const row = (name: string) => view.items.find((i: { member: { name: string } }) => i.member.name === name);
    // 5000.01 yuan is above 5000: 1.5% of all of it.
    expect(row('收入党员丁')).toMatchObject({
      monthly: { amountCents: 7500, basis: 'income', rateBp: 150 },
      unpaidMonths: ['2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10'],
      consecutive: 8,
      flagged: true,
      owedCents: 60_000,
      paidThisMonth: false,
    });
    expect(row('农民党员戊')).toMatchObject({ monthly: { amountCents: 20, basis: 'fixed' }, consecutive: 6, flagged: true, owedCents: 120 });
    // Activists pay no dues.
    expect(row('积极分子己')).toBeUndefined();
    expect(view.summary).toMatchObject({ members: 2, flagged: 2, withArrears: 2, paidThisMonth: 0 });
    // Flagged first.
    expect(view.items[0].flagged).toBe(true);
  });

  it('the branch records payments; a month is paid once; the run of unpaid months ends', async () => {
    const paid = await api(secretary.token, 'POST', '/api/party/dues/payments', { memberId: m.d.memberId, months: ['2026-09', '2026-10'] });
    expect(paid.statusCode, paid.body).toBe(201);
    expect(paid.json().items.map((p: { month: string; amountCents: number; paidOn: string }) => [p.month, p.amountCents, p.paidOn])).toEqual([
      ['2026-09', 7500, '2026-11-27'],
      ['2026-10', 7500, '2026-11-27'],
    ]);
    const twice = await api(secretary.token, 'POST', '/api/party/dues/payments', { memberId: m.d.memberId, months: ['2026-08', '2026-10'] });
    expect(codeOf(twice)).toEqual([409, 'PARTY_DUES_ALREADY_PAID']);
    expect(twice.json().message).toContain('2026-10');
    await ok(secretary.token, 'POST', '/api/party/dues/payments', { memberId: m.d.memberId, months: ['2026-11'] });
    await ok(secretary.token, 'POST', '/api/party/dues/payments', { memberId: m.e.memberId, months: ['2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10'], paidOn: '2026-11-20', note: '补交' });
    const view = await ok(secretary.token, 'GET', '/api/party/dues?arrearsOnly=true');
    expect(view.items.map((i: { member: { name: string }; unpaidMonths: string[]; consecutive: number; flagged: boolean; paidThisMonth: boolean }) => [i.member.name, i.unpaidMonths.length, i.consecutive, i.flagged, i.paidThisMonth])).toEqual([
      ['收入党员丁', 6, 0, false, true],
    ]);
    expect(view.summary).toMatchObject({ paidThisMonth: 1, flagged: 0, collectedThisMonthCents: 7500 });
    // Not for activists; not in the future; not for another village's secretary.
    expect((await api(secretary.token, 'POST', '/api/party/dues/payments', { memberId: m.f.memberId, months: ['2026-11'], amountCents: 10 })).json().details[0].field).toBe('body.memberId');
    expect((await api(secretary.token, 'POST', '/api/party/dues/payments', { memberId: m.e.memberId, months: ['2026-11'], paidOn: '2026-12-01' })).json().details[0].field).toBe('body.paidOn');
    expect((await api(await t.tokenFor('branch_secretary'), 'POST', '/api/party/dues/payments', { memberId: m.d.memberId, months: ['2026-02'] })).statusCode).toBe(404);
    const audit = (await ok(staff, 'GET', `/api/audit-events?targetId=${m.d.memberId}`)).items.map((e: { action: string }) => e.action);
    expect(audit.filter((a: string) => a === 'party.dues_payment')).toHaveLength(2);
  });

  it('a member sees their own dues; non-members have none', async () => {
    const mine = await ok(m.d.token, 'GET', '/api/party/me/dues');
    expect(mine).toMatchObject({ month: '2026-11', monthly: { amountCents: 7500 }, paidThisMonth: true, consecutive: 0, owedCents: 45_000 });
    expect(mine.payments.map((p: { month: string }) => p.month)).toEqual(['2026-11', '2026-10', '2026-09']);
    expect(codeOf(await api(villager, 'GET', '/api/party/me/dues'))).toEqual([403, 'PARTY_NOT_A_MEMBER']);
  });

  it('administrators configure the brackets; the amounts follow', async () => {
    expect((await api(staff, 'PATCH', '/api/party/settings', { studyTargetHours: 40 })).statusCode).toBe(403);
    const invalid = await api(admin, 'PATCH', '/api/party/settings', { duesBrackets: [{ upToCents: 500_000, rateBp: 100 }] });
    expect(invalid.json().details[0].field).toBe('body.duesBrackets');
    const settings = await ok(admin, 'PATCH', '/api/party/settings', {
      duesBrackets: [
        { upToCents: 500_000, rateBp: 100 },
        { upToCents: null, rateBp: 300 },
      ],
    });
    expect(settings.studyTargetHours).toBe(32);
    expect((await ok(m.d.token, 'GET', '/api/party/me/dues')).monthly).toEqual({ amountCents: 15_000, basis: 'income', rateBp: 300 });
    expect((await ok(secretary.token, 'GET', '/api/party/settings')).duesBrackets).toHaveLength(2);
  });
});

describe('study (学习)', () => {
  let township: { id: string };
  let branchOnly: { id: string };

  it('materials assigned to the township committee reach every branch below it', async () => {
    township = await ok(staff, 'POST', '/api/party/study/materials', { title: '党的二十届四中全会精神', kind: 'link', url: 'https://www.12371.cn/', minutes: 90, organisationIds: [DEMO_COMMITTEE_ID] });
    branchOnly = await ok(secretary.token, 'POST', '/api/party/study/materials', { title: '东阳邱村村规民约', kind: 'article', body: '全文……', minutes: 30, organisationIds: [BRANCH] });
    expect(branchOnly).toMatchObject({ assignedTo: [{ id: BRANCH, name: '东阳邱村党支部' }], regionName: '东阳邱村' });
    const mine = await ok(m.d.token, 'GET', '/api/party/me/study');
    expect(mine.materials.map((x: { title: string }) => x.title)).toEqual(expect.arrayContaining(['党的二十届四中全会精神', '东阳邱村村规民约']));
    expect(mine).toMatchObject({ year: 2026, targetHours: 32, hours: 0, percent: 0 });
    // The secretary lists what reaches the branch: their own and the township's.
    const listed = (await ok(secretary.token, 'GET', '/api/party/study/materials?pageSize=100')).items.map((x: { title: string }) => x.title);
    expect(listed).toEqual(expect.arrayContaining(['党的二十届四中全会精神', '东阳邱村村规民约']));
    expect((await api(secretary.token, 'POST', '/api/party/study/materials', { title: '链接', kind: 'link', minutes: 10, organisationIds: [BRANCH] })).json().details[0].field).toBe('body.url');
  });

  it('a file material: the secretary uploads a PDF study guide; the branch’s members read it by signed URL, nobody else', async () => {
    const upload = async (token: string, name: string) => {
      const pdf = Buffer.from(`%PDF-1.4\n% ${name}\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n`);
      const res = await t.request({ method: 'POST', url: '/api/village-files', token, ...photosForm([{ name, data: pdf, type: 'application/pdf' }], 'files') });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().items[0] as { id: string };
    };
    const guide = await upload(secretary.token, '学习辅导.pdf');
    // A file material needs its file (or a link to it).
    const none = await api(secretary.token, 'POST', '/api/party/study/materials', { title: '学习辅导', kind: 'file', minutes: 60, organisationIds: [BRANCH] });
    expect([none.statusCode, none.json().details[0].field]).toEqual([400, 'body.fileIds']);
    // Someone else's upload cannot be attached, and nothing is created.
    const staffFile = await upload(staff, '别人的.pdf');
    const foreign = await api(secretary.token, 'POST', '/api/party/study/materials', { title: '学习辅导', kind: 'file', fileIds: [staffFile.id], minutes: 60, organisationIds: [BRANCH] });
    expect(codeOf(foreign)).toEqual([400, 'FILES_NOT_ATTACHABLE']);
    expect((await ok(secretary.token, 'GET', '/api/party/study/materials?pageSize=100')).items.some((x: { title: string }) => x.title === '学习辅导')).toBe(false);

    const material = await ok(secretary.token, 'POST', '/api/party/study/materials', { title: '学习辅导', kind: 'file', fileIds: [guide.id], minutes: 60, organisationIds: [BRANCH] });
    expect(material.files.map((f: { filename: string; kind: string }) => [f.filename, f.kind])).toEqual([['学习辅导.pdf', 'document']]);
    const seen = (await ok(m.d.token, 'GET', '/api/party/me/study')).materials.find((x: { id: string }) => x.id === material.id);
    const read = await t.request({ method: 'GET', url: seen.files[0].url });
    expect([read.statusCode, read.headers['content-type']]).toEqual([200, 'application/pdf']);
    expect(read.rawPayload.toString()).toContain('学习辅导.pdf');
    // Another branch's member is not given the material, so has no URL to its file.
    const other = await ok(xiyangqiuMember, 'GET', '/api/party/me/study');
    expect(other.materials.some((x: { id: string }) => x.id === material.id)).toBe(false);
    // Replacing the file: the new one is listed, and an empty list on a file without a link is refused.
    const revised = await upload(secretary.token, '学习辅导（修订）.pdf');
    const changed = await ok(secretary.token, 'PATCH', `/api/party/study/materials/${material.id}`, { fileIds: [revised.id] });
    expect(changed.files.map((f: { filename: string }) => f.filename)).toEqual(['学习辅导（修订）.pdf']);
    const emptied = await api(secretary.token, 'PATCH', `/api/party/study/materials/${material.id}`, { fileIds: [] });
    expect([emptied.statusCode, emptied.json().details[0].field]).toEqual([400, 'body.fileIds']);
    // The replaced file is free again (it will be purged), so the secretary may use it elsewhere.
    const reused = await ok(secretary.token, 'POST', '/api/party/study/materials', { title: '旧版辅导', kind: 'file', fileIds: [guide.id], minutes: 10, organisationIds: [BRANCH] });
    expect(reused.files.map((f: { id: string }) => f.id)).toEqual([guide.id]);
  });

  it('members record their study; the secretary records for a member; the dates are checked', async () => {
    const own = await api(m.d.token, 'POST', '/api/party/study/records', { materialId: township.id, minutes: 90, studiedOn: '2026-11-26' });
    expect(own.statusCode, own.body).toBe(201);
    expect(own.json()).toMatchObject({ title: '党的二十届四中全会精神', minutes: 90, memberName: '收入党员丁', enteredByName: '收入党员丁' });
    const forMember = await ok(secretary.token, 'POST', '/api/party/study/records', { memberId: m.e.memberId, title: '集中学习：村规民约', minutes: 120, studiedOn: '2026-11-20' });
    expect(forMember.enteredByName).toBe('东阳邱书记');
    expect((await api(m.d.token, 'POST', '/api/party/study/records', { title: '自学', minutes: 30, studiedOn: '2026-11-28' })).json().details[0].field).toBe('body.studiedOn');
    expect((await api(m.d.token, 'POST', '/api/party/study/records', { title: '自学', minutes: 30, studiedOn: '2026-10-20' })).json().details[0].field).toBe('body.studiedOn');
    expect((await api(m.d.token, 'POST', '/api/party/study/records', { minutes: 30, studiedOn: '2026-11-26' })).json().details[0].field).toBe('body.title');
    // A member of another branch cannot use a material that is not assigned to them, nor record for others.
    expect(codeOf(await api(xiyangqiuMember, 'POST', '/api/party/study/records', { materialId: branchOnly.id, minutes: 30, studiedOn: '2026-11-26' }))).toEqual([404, 'PARTY_MATERIAL_NOT_FOUND']);
    expect((await api(xiyangqiuMember, 'POST', '/api/party/study/records', { memberId: m.d.memberId, title: '代记', minutes: 30, studiedOn: '2026-11-26' })).statusCode).toBe(403);
    expect(codeOf(await api(villager, 'POST', '/api/party/study/records', { title: '自学', minutes: 30, studiedOn: '2026-11-26' }))).toEqual([403, 'PARTY_NOT_A_MEMBER']);
    const mine = await ok(m.d.token, 'GET', '/api/party/me/study');
    expect(mine).toMatchObject({ hours: 1.5, percent: 4 });
    expect(mine.materials.find((x: { id: string }) => x.id === township.id).studiedMinutes).toBe(90);
  });

  it('progress per member and branch against the yearly target', async () => {
    const progress = await ok(secretary.token, 'GET', `/api/party/study/progress?organisationId=${BRANCH}`);
    expect(progress).toMatchObject({ year: 2026, targetHours: 32 });
    expect(progress.members.map((x: { name: string; hours: number; percent: number }) => [x.name, x.hours, x.percent])).toEqual([
      ['收入党员丁', 1.5, 4],
      ['农民党员戊', 2, 6],
    ]);
    expect(progress.organisations).toEqual([{ id: BRANCH, name: '东阳邱村党支部', members: 2, averageHours: 1.8, reached: 0 }]);
    await ok(admin, 'PATCH', '/api/party/settings', { studyTargetHours: 2 });
    const lowered = await ok(secretary.token, 'GET', `/api/party/study/progress?organisationId=${BRANCH}`);
    expect(lowered.organisations[0].reached).toBe(1);
    expect(lowered.members.find((x: { name: string }) => x.name === '农民党员戊').percent).toBe(100);
  });
});
