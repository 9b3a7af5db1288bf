import { randomBytes } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { captureSms } from '../../../test/support/sms-capture.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { PRIVACY_NOTICE } from './privacy-notice.js';

/**
 * 村民注册 against the demo township: 西阳邱村 (village A, its demo cadre) and 东阳邱村 (village B, a
 * cadre made here). Codes are read from what the logging SMS provider delivered, as a villager reads them.
 */
const A = '130631202206'; // 西阳邱村
const B = '130631202207'; // 东阳邱村
const CADRE_A = '13800000002';
const DEMO_VILLAGER = '13800000005';
const MEMBER = { phone: '13900000001', name: '张建明' }; // entered in the register by staff, never used
const sms = captureSms();
// Moved past the resend interval before each code, so one phone can ask again.
const clock = new ManualClock(new Date('2026-12-14T02:00:00Z'));
let t: TestApp;
let cadreA: string;
let cadreB: string;
let staff: string;
let tokenA: string;
let householdA: string; // 张建明户, village A
let householdB: string; // a household of village B
let memberId: string;

const key = () => randomBytes(24).toString('base64url');
const join = (token: string, suffix = '') => `/api/join/${token}${suffix}`;
const askCode = (token: string, phone: string, ip = '10.9.0.1') => t.request({ method: 'POST', url: join(token, '/code'), remoteAddress: ip, payload: { phone } });

async function codeFor(token: string, phone: string): Promise<string> {
  clock.advance(61_000);
  const res = await askCode(token, phone);
  expect(res.statusCode, res.body).toBe(200);
  return sms.nextCode(phone);
}

const register = (token: string, body: Record<string, unknown>, ip = '10.9.0.1') =>
  t.request({ method: 'POST', url: join(token, '/register'), remoteAddress: ip, payload: { consent: true, consentVersion: PRIVACY_NOTICE.version, statusKey: key(), ...body } });

async function pending(phone: string, name: string, extra: Record<string, unknown> = {}) {
  const statusKey = key();
  const res = await register(tokenA, { phone, name, code: await codeFor(tokenA, phone), householdText: '前街', statusKey, ...extra });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json().registration.status).toBe('pending');
  return { id: res.json().registration.id as string, statusKey };
}

const auditActions = async (targetId: string) =>
  (await t.db.selectFrom('audit_events').select('action').where('target_id', '=', targetId).orderBy('at').execute()).map((e) => e.action);

beforeAll(async () => {
  t = await createTestApp({ clock, logger: sms.logger });
  staff = await t.tokenFor('township_staff');
  cadreA = await t.login(CADRE_A);
  // A cadre of village B, who sets their own password first.
  const made = await t.request({ method: 'POST', url: '/api/users', token: staff, payload: { phone: '13900000100', name: '东阳邱村干部', role: 'village_cadre', regionCode: B } });
  expect(made.statusCode, made.body).toBe(201);
  const first = await t.login('13900000100', made.json().initialPassword);
  const changed = await t.request({ method: 'POST', url: '/api/auth/password', token: first, payload: { currentPassword: made.json().initialPassword, newPassword: 'Dyq-cadre-2026' } });
  expect(changed.statusCode, changed.body).toBe(204);
  cadreB = await t.login('13900000100', 'Dyq-cadre-2026');
  // The register: staff enter 张建明 (a one-time password nobody used), the cadre makes him head of a household.
  const member = await t.request({ method: 'POST', url: '/api/users', token: staff, payload: { ...MEMBER, role: 'villager', regionCode: A } });
  expect(member.statusCode, member.body).toBe(201);
  memberId = member.json().user.id;
  const household = await t.request({ method: 'POST', url: '/api/households', token: cadreA, payload: { name: '张建明户', address: '西阳邱村前街 20 号', headId: memberId } });
  expect(household.statusCode, household.body).toBe(201);
  householdA = household.json().id;
  const other = await t.request({ method: 'POST', url: '/api/households', token: cadreB, payload: { name: '赵大海户', address: '东阳邱村南街 1 号' } });
  expect(other.statusCode, other.body).toBe(201);
  householdB = other.json().id;
  const link = await t.request({ method: 'GET', url: `/api/villages/${A}/join-link`, token: cadreA });
  expect(link.statusCode, link.body).toBe(200);
  tokenA = /\/h5\/join\/([\w-]+)$/.exec(link.json().url)![1]!;
});
afterAll(async () => t.close());

describe('the join link and its poster', () => {
  it('gives the village and the privacy notice to anyone with the link, and nothing for a bad one', async () => {
    const info = await t.request({ method: 'GET', url: join(tokenA) });
    expect(info.statusCode, info.body).toBe(200);
    expect(info.json().village).toEqual({ code: A, name: '西阳邱村', fullName: '望都县黑堡乡西阳邱村' });
    expect(info.json().privacy.version).toBe(PRIVACY_NOTICE.version);
    expect(info.json().privacy.sections.map((s: { heading: string }) => s.heading).join('')).toContain('谁能看到');
    const bad = await t.request({ method: 'GET', url: join('NoSuchTokenAtAll1234') });
    expect(bad.statusCode).toBe(404);
    expect(bad.json().code).toBe('JOIN_LINK_INVALID');
    expect((await askCode('NoSuchTokenAtAll1234', '13900000050')).json().code).toBe('JOIN_LINK_INVALID');
  });

  it('is the same link on every request; a cadre of another village gets none of it', async () => {
    const again = await t.request({ method: 'GET', url: `/api/villages/${A}/join-link`, token: cadreA });
    expect(again.json().url).toMatch(new RegExp(`/h5/join/${tokenA}$`));
    const byStaff = await t.request({ method: 'GET', url: `/api/villages/${A}/join-link`, token: staff });
    expect(byStaff.json().url).toBe(again.json().url);
    const outside = await t.request({ method: 'GET', url: `/api/villages/${A}/join-link`, token: cadreB });
    expect(outside.statusCode).toBe(404);
    const villager = await t.request({ method: 'GET', url: `/api/villages/${A}/join-link`, token: await t.tokenFor('villager') });
    expect(villager.statusCode).toBe(403);
  });

  it('prints one A4 page with an embedded font, the village name in its text and a QR code of the link', async () => {
    const link = (await t.request({ method: 'GET', url: `/api/villages/${A}/join-link`, token: cadreA })).json();
    const res = await t.request({ method: 'GET', url: `/api/villages/${A}/join-poster.pdf`, token: cadreA });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const pdf = res.rawPayload;
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const raw = pdf.toString('latin1');
    expect(raw.match(/\/Type \/Page\b/g)).toHaveLength(1);
    expect(raw).toMatch(/\/MediaBox \[0 0 595\.28 841\.89\]/);
    expect(raw).toMatch(/\/FontFile2 \d+ 0 R/);

    const streams = [...raw.matchAll(/stream\r?\n/g)].map((m) => {
      const start = m.index! + m[0].length;
      const end = raw.indexOf('endstream', start);
      try {
        return inflateSync(pdf.subarray(start, end)).toString('latin1');
      } catch {
        return '';
      }
    });
    // The village's name is in the text layer: each character is mapped back to Unicode (ToUnicode CMaps).
    const cmaps = streams.filter((s) => s.includes('begincmap')).join('\n').toLowerCase();
    for (const ch of '望都县黑堡乡西阳邱村') expect(cmaps, ch).toContain(`<${ch.codePointAt(0)!.toString(16).padStart(4, '0')}>`);

    // The QR code read back from the page: its filled rectangles, on the module grid, are the link's modules.
    const content = streams.find((s) => / re\b/.test(s))!;
    const rects = [...content.matchAll(/([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) re\b/g)].map((m) => m.slice(1, 5).map(Number) as [number, number, number, number]);
    const unit = Math.min(...rects.map((r) => r[3]));
    const left = Math.min(...rects.map((r) => r[0]));
    const top = Math.min(...rects.map((r) => r[1]));
    const expected = QRCode.create(link.url, { errorCorrectionLevel: 'M' }).modules;
    const size = expected.size;
    const read = Array.from({ length: size }, () => Array<boolean>(size).fill(false));
    for (const [x, y, w] of rects) {
      const row = Math.round((y - top) / unit);
      for (let c = Math.round((x - left) / unit); c < Math.round((x + w - left) / unit); c++) read[row]![c] = true;
    }
    const want = Array.from({ length: size }, (_, r) => Array.from({ length: size }, (_, c) => Boolean(expected.get(r, c))));
    expect(read).toEqual(want);
  });

  it('regenerates: the old link stops working, the new one works, audited', async () => {
    const link = await t.request({ method: 'GET', url: `/api/villages/${B}/join-link`, token: cadreB });
    const old = /\/h5\/join\/([\w-]+)$/.exec(link.json().url)![1]!;
    const renewed = await t.request({ method: 'POST', url: `/api/villages/${B}/join-link`, token: cadreB });
    expect(renewed.statusCode, renewed.body).toBe(200);
    const fresh = /\/h5\/join\/([\w-]+)$/.exec(renewed.json().url)![1]!;
    expect(fresh).not.toBe(old);
    expect((await t.request({ method: 'GET', url: join(old) })).json().code).toBe('JOIN_LINK_INVALID');
    expect((await t.request({ method: 'GET', url: join(fresh) })).json().village.code).toBe(B);
    expect(await auditActions(B)).toContain('join_token.regenerated');
    expect((await t.request({ method: 'POST', url: `/api/villages/${B}/join-link`, token: cadreA })).statusCode).toBe(404);
  });
});

describe('finding one’s household without a login', () => {
  it('finds by the head’s full name or the house number, masked, never by a single character', async () => {
    const byName = await t.request({ method: 'GET', url: join(tokenA, '/households?q=张建明') });
    expect(byName.statusCode, byName.body).toBe(200);
    expect(byName.json().items).toEqual([{ id: householdA, head: '张*明', address: '西阳邱村前街 20 号' }]);
    expect(byName.body).not.toContain('张建明');
    expect(byName.body).not.toContain(MEMBER.phone);
    // Part of a name lists nobody; the house number finds the households on that street.
    expect((await t.request({ method: 'GET', url: join(tokenA, '/households?q=张建') })).json().items).toEqual([]);
    const street = await t.request({ method: 'GET', url: join(tokenA, '/households?q=前街') });
    expect(street.json().items.map((h: { id: string }) => h.id)).toContain(householdA);
    expect(street.json().items.length).toBeLessThanOrEqual(5);
    expect((await t.request({ method: 'GET', url: join(tokenA, '/households?q=张') })).statusCode).toBe(400);
    // Another village's households are not found through this link.
    expect((await t.request({ method: 'GET', url: join(tokenA, '/households?q=南街') })).json().items).toEqual([]);
  });

  it('answers one address a score of searches in ten minutes, then asks it to wait; another address goes on', async () => {
    const search = (remoteAddress: string) => t.request({ method: 'GET', url: join(tokenA, '/households?q=前街'), remoteAddress });
    for (let i = 0; i < 20; i++) expect((await search('203.0.113.7')).statusCode).toBe(200);
    const refused = await search('203.0.113.7');
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ code: 'JOIN_SEARCH_RATE_LIMITED' });
    expect(refused.json().retryAfterSeconds).toBeGreaterThan(0);
    expect((await search('203.0.113.8')).statusCode).toBe(200);
  });
});

describe('registering', () => {
  it('refuses bad input before using the code, which then still works', async () => {
    const phone = '13900000011';
    const code = await codeFor(tokenA, phone);
    const noConsent = await register(tokenA, { phone, code, name: '钱小二', consent: false });
    expect(noConsent.statusCode).toBe(400);
    expect(noConsent.json().details.map((d: { field: string }) => d.field)).toContain('body.consent');
    const outdated = await register(tokenA, { phone, code, name: '钱小二', consentVersion: '2020-01-01.1' });
    expect(outdated.statusCode).toBe(409);
    expect(outdated.json().code).toBe('PRIVACY_CONSENT_OUTDATED');
    const otherVillage = await register(tokenA, { phone, code, name: '钱小二', householdId: householdB });
    expect(otherVillage.statusCode).toBe(400);
    expect(otherVillage.json().code).toBe('HOUSEHOLD_OUTSIDE_VILLAGE');
    expect(await t.db.selectFrom('registrations').select('id').where('phone', '=', phone).execute()).toEqual([]);
    const wrong = await register(tokenA, { phone, code: String((Number(code) + 1) % 1_000_000).padStart(6, '0'), name: '钱小二' });
    expect(wrong.json().code).toBe('VERIFICATION_CODE_INVALID');
    const ok = await register(tokenA, { phone, code, name: '钱小二', householdText: '后街 5 号' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().registration.status).toBe('pending');
  });

  it('activates a member of the register at once: bound to their household and signed in, consent recorded', async () => {
    const statusKey = key();
    const code = await codeFor(tokenA, MEMBER.phone);
    const res = await register(tokenA, { phone: MEMBER.phone, code, name: '张 建明', statusKey }, '10.9.0.7');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().registration).toMatchObject({ status: 'matched', villageName: '西阳邱村', canSignIn: false });
    expect(String(res.headers['set-cookie'])).toMatch(/^shuxiang_session=[\w-]+;.*HttpOnly/);
    const me = await t.request({ method: 'GET', url: '/api/auth/me', token: res.json().session.token });
    expect(me.statusCode).toBe(200);
    expect(me.json().user).toMatchObject({ id: memberId, mustChangePassword: false });
    const mine = await t.request({ method: 'GET', url: '/api/households/mine', token: res.json().session.token });
    expect(mine.json().household.id).toBe(householdA);
    const row = await t.db.selectFrom('registrations').selectAll().where('id', '=', res.json().registration.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ user_id: memberId, household_id: householdA, consent_version: PRIVACY_NOTICE.version, consent_ip: '10.9.0.7' });
    expect(await auditActions(row.id)).toEqual(['registration.matched']);

    // The same submit again (a lost answer): the same registration, no second row, no second session.
    const retry = await register(tokenA, { phone: MEMBER.phone, code, name: '张建明', statusKey });
    expect(retry.statusCode, retry.body).toBe(200);
    expect(retry.json()).toMatchObject({ registration: { id: row.id, status: 'matched' }, session: null });
    expect(await t.db.selectFrom('registrations').select('id').where('phone', '=', MEMBER.phone).execute()).toHaveLength(1);
    // Registered once: the next try is a phone already bound.
    const twice = await register(tokenA, { phone: MEMBER.phone, code: await codeFor(tokenA, MEMBER.phone), name: '张建明' });
    expect(twice.json().code).toBe('PHONE_ALREADY_REGISTERED');
  });

  it('refuses a phone already bound to an account, and changes nothing', async () => {
    const before = await t.db.selectFrom('users').select(['password_hash', 'last_login_at']).where('phone', '=', DEMO_VILLAGER).executeTakeFirstOrThrow();
    const res = await register(tokenA, { phone: DEMO_VILLAGER, code: await codeFor(tokenA, DEMO_VILLAGER), name: '西阳邱村民' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'PHONE_ALREADY_REGISTERED', messageEn: expect.stringContaining('already has an account') });
    expect(await t.db.selectFrom('users').select(['password_hash', 'last_login_at']).where('phone', '=', DEMO_VILLAGER).executeTakeFirstOrThrow()).toEqual(before);
    expect(await t.db.selectFrom('registrations').select('id').where('phone', '=', DEMO_VILLAGER).execute()).toEqual([]);
    expect((await t.request({ method: 'POST', url: '/api/auth/login', payload: { phone: DEMO_VILLAGER, password: 'shuxiang-demo' } })).statusCode).toBe(200);
  });

  it('does not activate a member of the register through another village’s link, or under another name', async () => {
    const made = await t.request({ method: 'POST', url: '/api/users', token: staff, payload: { phone: '13900000021', name: '孙丽', role: 'villager', regionCode: A } });
    const household = await t.request({ method: 'POST', url: '/api/households', token: cadreA, payload: { name: '孙丽户', headId: made.json().user.id } });
    expect(household.statusCode).toBe(201);
    const linkB = (await t.request({ method: 'GET', url: `/api/villages/${B}/join-link`, token: cadreB })).json().url.split('/').at(-1);
    const viaB = await register(linkB, { phone: '13900000021', code: await codeFor(linkB, '13900000021'), name: '孙丽' });
    expect(viaB.json().code).toBe('PHONE_ALREADY_REGISTERED');
    const otherName = await register(tokenA, { phone: '13900000021', code: await codeFor(tokenA, '13900000021'), name: '孙莉' });
    expect(otherName.json().code).toBe('PHONE_ALREADY_REGISTERED');
    expect(await t.db.selectFrom('registrations').select('id').where('phone', '=', '13900000021').execute()).toEqual([]);
  });

  it('keeps one pending registration per phone and village, however often it is sent', async () => {
    const first = await pending('13900000031', '周一');
    // The same browser's submit repeated at once, twice (a lost answer): a repeat needs no new code.
    const repeats = await Promise.all([0, 1].map(() => register(tokenA, { phone: '13900000031', code: '000000', name: '周一', statusKey: first.statusKey })));
    expect(repeats.map((r) => r.json().registration.id)).toEqual([first.id, first.id]);
    // A new submit for the same phone and village (a new code, another browser): the same registration,
    // now followed by the newest browser.
    const secondKey = key();
    const again = await register(tokenA, { phone: '13900000031', code: await codeFor(tokenA, '13900000031'), name: '周一', householdText: '前街', statusKey: secondKey });
    expect(again.json().registration.id).toBe(first.id);
    expect(await t.db.selectFrom('registrations').select('id').where('phone', '=', '13900000031').execute()).toHaveLength(1);
    const status = await t.request({ method: 'POST', url: '/api/join/status', payload: { statusKey: secondKey } });
    expect(status.json()).toMatchObject({ id: first.id, status: 'pending', canSignIn: false });
    expect((await t.request({ method: 'POST', url: '/api/join/status', payload: { statusKey: first.statusKey } })).statusCode).toBe(404);
    expect(await auditActions(first.id)).toEqual(['registration.submitted']);
  });
});

describe('cadres decide', () => {
  it('approve into a household of the village: the villager signs in once with their key and is in that household', async () => {
    const { id, statusKey } = await pending('13900000041', '吴小梅');
    const list = await t.request({ method: 'GET', url: '/api/registrations', token: cadreA });
    expect(list.json().items.map((r: { id: string }) => r.id)).toContain(id);
    expect((await t.request({ method: 'GET', url: '/api/registrations', token: cadreB })).json().items.map((r: { id: string }) => r.id)).not.toContain(id);

    expect((await t.request({ method: 'POST', url: '/api/join/session', payload: { statusKey } })).json().code).toBe('REGISTRATION_SIGN_IN_UNAVAILABLE');
    const intoB = await t.request({ method: 'POST', url: `/api/registrations/${id}/approve`, token: cadreA, payload: { householdId: householdB } });
    expect(intoB.json().code).toBe('HOUSEHOLD_OUTSIDE_VILLAGE');
    const approved = await t.request({ method: 'POST', url: `/api/registrations/${id}/approve`, token: cadreA, payload: { householdId: householdA } });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({ status: 'approved', household: { id: householdA }, decidedBy: '西阳邱村干部' });

    const status = await t.request({ method: 'POST', url: '/api/join/status', payload: { statusKey } });
    expect(status.json()).toMatchObject({ status: 'approved', canSignIn: true });
    const session = await t.request({ method: 'POST', url: '/api/join/session', payload: { statusKey } });
    expect(session.statusCode, session.body).toBe(200);
    const mine = await t.request({ method: 'GET', url: '/api/households/mine', token: session.json().token });
    expect(mine.json().household.id).toBe(householdA);
    expect((await t.request({ method: 'POST', url: '/api/join/session', payload: { statusKey } })).json().code).toBe('REGISTRATION_SIGN_IN_UNAVAILABLE');
    await expect.poll(() => sms.textsTo('13900000041').map((s) => s.body).join('\n')).toContain('西阳邱村的注册申请已通过');
    expect(await auditActions(id)).toEqual(['registration.submitted', 'registration.approved']);
  });

  it('refuse with a reason the villager sees; a decided registration is not decided again', async () => {
    const { id, statusKey } = await pending('13900000051', '郑大');
    const refused = await t.request({ method: 'POST', url: `/api/registrations/${id}/refuse`, token: cadreA, payload: { reason: '非本村常住人口' } });
    expect(refused.statusCode, refused.body).toBe(200);
    expect((await t.request({ method: 'POST', url: '/api/join/status', payload: { statusKey } })).json()).toMatchObject({ status: 'refused', reason: '非本村常住人口', canSignIn: false });
    await expect.poll(() => sms.textsTo('13900000051').map((s) => s.body).join('\n')).toContain('未通过：非本村常住人口');
    const late = await t.request({ method: 'POST', url: `/api/registrations/${id}/approve`, token: cadreA, payload: { householdId: householdA } });
    expect(late.statusCode).toBe(409);
    expect(late.json().code).toBe('REGISTRATION_DECIDED');
    expect(await t.db.selectFrom('users').select('id').where('phone', '=', '13900000051').execute()).toEqual([]);
  });

  it('only within their scope: another village’s cadre finds nothing, a villager may not', async () => {
    const { id } = await pending('13900000061', '冯二');
    for (const action of ['approve', 'refuse']) {
      const res = await t.request({ method: 'POST', url: `/api/registrations/${id}/${action}`, token: cadreB, payload: action === 'approve' ? { householdId: householdB } : { reason: '不认识此人' } });
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('REGISTRATION_NOT_FOUND');
    }
    const villager = await t.request({ method: 'POST', url: `/api/registrations/${id}/refuse`, token: await t.tokenFor('villager'), payload: { reason: '不认识此人' } });
    expect(villager.statusCode).toBe(403);
    expect((await t.db.selectFrom('registrations').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status).toBe('pending');
  });

  it('two approvals at once: one wins, one account is made', async () => {
    const { id } = await pending('13900000071', '陈三');
    const results = await Promise.all([
      t.request({ method: 'POST', url: `/api/registrations/${id}/approve`, token: cadreA, payload: { householdId: householdA } }),
      t.request({ method: 'POST', url: `/api/registrations/${id}/approve`, token: staff, payload: { householdId: householdA } }),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect(results.find((r) => r.statusCode === 409)!.json().code).toBe('REGISTRATION_DECIDED');
    expect(await t.db.selectFrom('users').select('id').where('phone', '=', '13900000071').execute()).toHaveLength(1);
  });
});

describe('re-binding', () => {
  let villagerId: string;
  let villagerToken: string;
  let otherHousehold: string;

  beforeAll(async () => {
    const { id, statusKey } = await pending('13900000081', '褚四');
    const other = await t.request({ method: 'POST', url: '/api/households', token: cadreA, payload: { name: '褚家新户', address: '西阳邱村北街 2 号' } });
    otherHousehold = other.json().id;
    const approved = await t.request({ method: 'POST', url: `/api/registrations/${id}/approve`, token: cadreA, payload: { householdId: householdA } });
    villagerId = approved.json().userId;
    villagerToken = (await t.request({ method: 'POST', url: '/api/join/session', payload: { statusKey } })).json().token;
  });

  it('moves a villager to another household of their village, audited; not to another village’s', async () => {
    const moved = await t.request({ method: 'POST', url: `/api/villagers/${villagerId}/household`, token: cadreA, payload: { householdId: otherHousehold } });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json().household.id).toBe(otherHousehold);
    expect((await t.request({ method: 'GET', url: '/api/households/mine', token: villagerToken })).json().household.id).toBe(otherHousehold);
    expect(await auditActions(villagerId)).toContain('user.rebound');
    const toB = await t.request({ method: 'POST', url: `/api/villagers/${villagerId}/household`, token: cadreA, payload: { householdId: householdB } });
    expect(toB.json().code).toBe('HOUSEHOLD_OUTSIDE_VILLAGE');
    const byB = await t.request({ method: 'POST', url: `/api/villagers/${villagerId}/household`, token: cadreB, payload: { householdId: householdB } });
    expect(byB.statusCode).toBe(404);
  });

  it('changes the phone after the new phone’s code: old sessions end, the old number is told', async () => {
    const taken = await t.request({ method: 'POST', url: `/api/villagers/${villagerId}/phone/code`, token: cadreA, payload: { phone: DEMO_VILLAGER } });
    expect(taken.json().code).toBe('PHONE_ALREADY_REGISTERED');
    const sent = await t.request({ method: 'POST', url: `/api/villagers/${villagerId}/phone/code`, token: cadreA, payload: { phone: '13900000089' } });
    expect(sent.statusCode, sent.body).toBe(200);
    const code = await sms.nextCode('13900000089');
    const byB = await t.request({ method: 'POST', url: `/api/villagers/${villagerId}/phone`, token: cadreB, payload: { phone: '13900000089', code } });
    expect(byB.statusCode).toBe(404);
    const changed = await t.request({ method: 'POST', url: `/api/villagers/${villagerId}/phone`, token: cadreA, payload: { phone: '13900000089', code } });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json().phone).toBe('13900000089');
    expect((await t.request({ method: 'GET', url: '/api/auth/me', token: villagerToken })).statusCode).toBe(401);
    await expect.poll(() => sms.textsTo('13900000081').map((s) => s.template)).toContain('phone_rebound');
    const audit = await t.db.selectFrom('audit_events').select('details').where('target_id', '=', villagerId).where('action', '=', 'user.rebound').execute();
    expect(audit.map((a) => a.details)).toContainEqual(expect.objectContaining({ kind: 'phone', from: '13900000081', to: '13900000089', sessionsEnded: 1 }));
  });
});
