import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config.js';
import { ManualClock } from '../../platform/clock.js';
import { captureSms } from '../../../test/support/sms-capture.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { PRIVACY_NOTICE } from './privacy-notice.js';
import { stalePendingReason } from './registration-retention.js';

/**
 * The retention job (registration-retention.ts) on the demo township, driven by moving the app's clock
 * and running the job as the hourly poller does. Codes are read from what the logging SMS provider
 * delivered. Each rule: what is old goes, what is recent and what the limits still count stays.
 */
const A = '130631202206'; // 西阳邱村
const CADRE_A = '13800000002';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const sms = captureSms();
const clock = new ManualClock(new Date('2027-01-04T02:00:00Z'));
let t: TestApp;
let cadre: string;
let tokenA: string;
let householdA: string;

const key = () => randomBytes(24).toString('base64url');
const retention = () => t.services.registrationRetention.run();
const at = (start: Date, ms: number) => clock.set(new Date(start.getTime() + ms));

/** The codes texted to a phone so far (its other texts, such as a registration's result, left out). */
const codesTo = (phone: string) => sms.textsTo(phone).flatMap((text) => /验证码(\d{6})/.exec(text.body)?.[1] ?? []);

async function codeFor(phone: string): Promise<string> {
  const before = codesTo(phone).length;
  clock.advance(61_000);
  const res = await t.request({ method: 'POST', url: `/api/join/${tokenA}/code`, remoteAddress: '10.9.0.1', payload: { phone } });
  expect(res.statusCode, res.body).toBe(200);
  await t.services.sms.idle();
  const codes = codesTo(phone);
  expect(codes).toHaveLength(before + 1);
  return codes.at(-1)!;
}

async function pending(phone: string, name: string) {
  const statusKey = key();
  const res = await t.request({
    method: 'POST',
    url: `/api/join/${tokenA}/register`,
    remoteAddress: '10.9.0.1',
    payload: { consent: true, consentVersion: PRIVACY_NOTICE.version, statusKey, phone, name, code: await codeFor(phone), householdText: '后街' },
  });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json().registration.status).toBe('pending');
  return { id: res.json().registration.id as string, statusKey, phone };
}

const statusOf = (statusKey: string) => t.request({ method: 'POST', url: '/api/join/status', payload: { statusKey } });

async function decide(id: string, decision: 'approve' | 'refuse') {
  // Sessions end as the clock moves by months: the cadre signs in again for each decision.
  cadre = await t.login(CADRE_A);
  const payload = decision === 'approve' ? { householdId: householdA } : { reason: '查无此人' };
  const res = await t.request({ method: 'POST', url: `/api/registrations/${id}/${decision}`, token: cadre, payload });
  expect(res.statusCode, res.body).toBe(200);
}

beforeAll(async () => {
  t = await createTestApp({
    clock,
    logger: sms.logger,
    env: { SMS_CODE_MAX_PER_PHONE_PER_DAY: '2', LOGIN_WINDOW_MINUTES: '60', LOGIN_ATTEMPTS_RETENTION_HOURS: '1', LOGIN_SLOWDOWN_MS: '0' },
  });
  cadre = await t.login(CADRE_A);
  const household = await t.request({ method: 'POST', url: '/api/households', token: cadre, payload: { name: '孙后街户', address: '西阳邱村后街 8 号' } });
  expect(household.statusCode, household.body).toBe(201);
  householdA = household.json().id;
  const link = await t.request({ method: 'GET', url: `/api/villages/${A}/join-link`, token: cadre });
  expect(link.statusCode, link.body).toBe(200);
  tokenA = /\/h5\/join\/([\w-]+)$/.exec(link.json().url)![1]!;
});
afterAll(async () => t.close());

describe('retention settings', () => {
  it('default to the privacy notice’s 180 days, 90 days pending, and a day for codes and login attempts', () => {
    const { retention: settings } = loadConfig({});
    expect(settings).toEqual({ registrationRefusedDays: 180, registrationPendingDays: 90, verificationHours: 24, loginAttemptsHours: 24 });
    const howLong = PRIVACY_NOTICE.sections.find((s) => s.heading.includes('保存多久'))!.body;
    expect(howLong).toContain(`未通过审核的注册申请保存 ${settings.registrationRefusedDays} 天后删除`);
  });

  it('refuse at start what would break the notice or the limits', () => {
    expect(() => loadConfig({ REGISTRATION_REFUSED_RETENTION_DAYS: '181' })).toThrow(/REGISTRATION_REFUSED_RETENTION_DAYS.*privacy notice/);
    expect(() => loadConfig({ VERIFICATION_RETENTION_HOURS: '23' })).toThrow(/VERIFICATION_RETENTION_HOURS.*24 hours/);
    expect(() => loadConfig({ REGISTRATION_PENDING_MAX_DAYS: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ LOGIN_WINDOW_MINUTES: '120', LOGIN_ATTEMPTS_RETENTION_HOURS: '1' })).toThrow(/LOGIN_ATTEMPTS_RETENTION_HOURS=1: must cover LOGIN_WINDOW_MINUTES=120/);
    expect(loadConfig({ LOGIN_WINDOW_MINUTES: '120', LOGIN_ATTEMPTS_RETENTION_HOURS: '2' }).retention.loginAttemptsHours).toBe(2);
  });
});

describe('login attempts', () => {
  const attemptsOf = async (phone: string) => (await t.db.selectFrom('login_attempts').select('id').where('phone', '=', phone).execute()).length;
  const wrongLogin = (phone: string) => t.request({ method: 'POST', url: '/api/auth/login', remoteAddress: '10.9.2.1', payload: { phone, password: 'not-the-password-1' } });

  it('go once older than the retention, never while the login window still counts them', async () => {
    const start = clock.now();
    for (let i = 0; i < 5; i++) expect((await wrongLogin('13800000005')).statusCode).toBe(401);
    expect((await wrongLogin('13800000005')).statusCode).toBe(429);
    at(start, 30 * MINUTE);
    expect((await wrongLogin('13900000401')).statusCode).toBe(401);

    // 59 minutes on, the 60-minute window still holds the five failures: the purge keeps them.
    at(start, 59 * MINUTE);
    await retention();
    expect(await attemptsOf('13800000005')).toBe(5);
    expect((await wrongLogin('13800000005')).statusCode).toBe(429);

    at(start, 61 * MINUTE);
    expect((await retention()).loginAttempts).toBeGreaterThanOrEqual(5);
    expect(await attemptsOf('13800000005')).toBe(0);
    expect(await attemptsOf('13900000401')).toBe(1);
  });
});

describe('verification codes', () => {
  const sendsOf = async (phone: string) => (await t.db.selectFrom('verification_sends').select('id').where('phone', '=', phone).execute()).length;
  const codeRow = (phone: string) => t.db.selectFrom('verification_codes').select('phone').where('phone', '=', phone).executeTakeFirst();
  // Phones without an account: each code is made and counted like any other, only not texted.
  const ask = (phone: string) => t.request({ method: 'POST', url: '/api/auth/sms-code', remoteAddress: '10.9.1.1', payload: { phone, purpose: 'login' } });

  it('go after 24 hours with their send log; the daily cap still counts every send of the last 24 hours', async () => {
    const start = clock.now();
    expect((await ask('13900000411')).statusCode).toBe(200);
    at(start, MINUTE + 1000);
    expect((await ask('13900000411')).statusCode).toBe(200);
    at(start, 3 * MINUTE);
    expect((await ask('13900000411')).json().code).toBe('VERIFICATION_PHONE_LIMIT');
    at(start, 12 * HOUR);
    expect((await ask('13900000412')).statusCode).toBe(200);

    // A minute short of a day: nothing of it goes, and the cap (2 a day) still refuses.
    at(start, DAY - MINUTE);
    await retention();
    expect(await sendsOf('13900000411')).toBe(2);
    expect(await codeRow('13900000411')).toBeDefined();
    expect((await ask('13900000411')).json().code).toBe('VERIFICATION_PHONE_LIMIT');

    at(start, DAY + 2 * MINUTE);
    const run = await retention();
    expect(run.sends).toBeGreaterThanOrEqual(2);
    expect(run.codes).toBeGreaterThanOrEqual(1);
    expect(await sendsOf('13900000411')).toBe(0);
    expect(await codeRow('13900000411')).toBeUndefined();
    expect(await sendsOf('13900000412')).toBe(1);
    expect(await codeRow('13900000412')).toBeDefined();

    // A phone whose row went is checked and served as before.
    const guess = await t.request({ method: 'POST', url: '/api/auth/login/sms', remoteAddress: '10.9.1.1', payload: { phone: '13900000411', code: '123456' } });
    expect(guess.json().code).toBe('VERIFICATION_CODE_INVALID');
    expect((await ask('13900000411')).statusCode).toBe(200);
    expect(await sendsOf('13900000411')).toBe(1);
  });
});

describe('registrations', () => {
  it('a pending one nobody decided for 90 days is refused by the system; the villager reads why and may register again', async () => {
    const start = clock.now();
    const stale = await pending('13900000421', '李大山');
    at(start, 30 * DAY);
    const fresh = await pending('13900000422', '王小河');

    at(start, 90 * DAY - HOUR);
    expect((await retention()).pendingRefused).toBe(0);
    expect((await statusOf(stale.statusKey)).json().status).toBe('pending');

    at(start, 90 * DAY + 5 * MINUTE);
    expect((await retention()).pendingRefused).toBe(1);
    const seen = (await statusOf(stale.statusKey)).json();
    expect(seen).toMatchObject({ status: 'refused', reason: stalePendingReason(90) });
    expect((await statusOf(fresh.statusKey)).json().status).toBe('pending');

    const entries = await t.db.selectFrom('audit_events').selectAll().where('target_id', '=', stale.id).where('action', '=', 'registration.refused').execute();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor_kind: 'system', actor_id: null });
    expect(entries[0]!.details).toEqual({ reason: stalePendingReason(90), automatic: true, pendingDays: 90 });

    await t.services.sms.idle();
    await t.services.sms.dispatch();
    const texts = sms.textsTo(stale.phone).filter((s) => s.template === 'registration_result');
    expect(texts).toHaveLength(1);
    expect(texts[0]!.body).toContain(`未通过：${stalePendingReason(90)}`);

    // Decided now: a cadre's late decision and a second run change nothing.
    cadre = await t.login(CADRE_A);
    const late = await t.request({ method: 'POST', url: `/api/registrations/${stale.id}/approve`, token: cadre, payload: { householdId: householdA } });
    expect(late.json().code).toBe('REGISTRATION_DECIDED');
    expect((await retention()).pendingRefused).toBe(0);

    const again = await pending(stale.phone, '李大山');
    expect(again.id).not.toBe(stale.id);
  });

  it('a refused one is deleted 180 days after the refusal with its consent; newer refusals and approved ones stay', async () => {
    const start = clock.now();
    const refusedOld = await pending('13900000431', '赵一');
    await decide(refusedOld.id, 'refuse');
    const approved = await pending('13900000432', '赵二');
    await decide(approved.id, 'approve');
    at(start, 100 * DAY);
    const refusedNew = await pending('13900000433', '赵三');
    await decide(refusedNew.id, 'refuse');

    at(start, 180 * DAY - HOUR);
    await retention();
    expect((await statusOf(refusedOld.statusKey)).json().status).toBe('refused');

    at(start, 180 * DAY + 5 * MINUTE);
    expect((await retention()).refusedDeleted).toBeGreaterThanOrEqual(1);
    const gone = await statusOf(refusedOld.statusKey);
    expect(gone.statusCode).toBe(404);
    expect(gone.json().code).toBe('REGISTRATION_NOT_FOUND');
    expect(await t.db.selectFrom('registrations').select('id').where('phone', '=', refusedOld.phone).execute()).toEqual([]);
    expect((await statusOf(refusedNew.statusKey)).json().status).toBe('refused');

    // Years on, the approved registration still proves what its villager consented to.
    at(start, 3 * 365 * DAY);
    await retention();
    expect((await statusOf(refusedNew.statusKey)).statusCode).toBe(404);
    const kept = await t.db.selectFrom('registrations').select(['status', 'consent_version', 'consent_ip']).where('id', '=', approved.id).executeTakeFirstOrThrow();
    expect(kept).toEqual({ status: 'approved', consent_version: PRIVACY_NOTICE.version, consent_ip: '10.9.0.1' });
  });
});
