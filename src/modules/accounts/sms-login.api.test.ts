import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { captureSms } from '../../../test/support/sms-capture.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

/**
 * Sign-in by SMS code with small caps (3 codes per phone a day, 4 per address an hour, 6 a day), so
 * each limit is reached in a few requests. Codes are read from what the logging provider delivered.
 * Each test uses its own address and phones, so the caps of one do not reach another.
 */
const VILLAGER = '13800000005';
const CADRE = '13800000002';
const STAFF = '13800000001';
const GRID = '13800000004';
const MINUTE = 60_000;
const clock = new ManualClock(new Date('2026-12-14T02:00:00Z'));
const sms = captureSms();
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({
    clock,
    logger: sms.logger,
    env: { SMS_CODE_MAX_PER_PHONE_PER_DAY: '3', SMS_CODE_MAX_PER_IP_PER_HOUR: '4', SMS_CODE_MAX_PER_IP_PER_DAY: '6' },
  });
});
afterAll(async () => t.close());

const askCode = (phone: string, ip: string) => t.request({ method: 'POST', url: '/api/auth/sms-code', remoteAddress: ip, payload: { phone, purpose: 'login' } });
const smsLogin = (phone: string, code: string, ip: string) => t.request({ method: 'POST', url: '/api/auth/login/sms', remoteAddress: ip, payload: { phone, code } });
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');
const outboxTo = (phone: string) => t.db.selectFrom('sms_outbox').select(['id']).where('phone', '=', phone).execute();

async function codeFor(phone: string, ip: string): Promise<string> {
  const res = await askCode(phone, ip);
  expect(res.statusCode, res.body).toBe(200);
  return sms.nextCode(phone);
}

describe('signing in with an SMS code', () => {
  it('sends a 6-digit code and signs in with it: the same session as a password login, audited', async () => {
    const res = await askCode(VILLAGER, '10.1.0.1');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ resendAfterSeconds: 60, expiresInSeconds: 300 });
    const code = await sms.nextCode(VILLAGER);
    expect(code).toMatch(/^\d{6}$/);
    // Stored hashed: the code itself is nowhere in the table.
    const row = await t.db.selectFrom('verification_codes').selectAll().where('phone', '=', VILLAGER).executeTakeFirstOrThrow();
    expect(row.code_hash).not.toContain(code);
    expect(row.code_hash.length).toBeGreaterThan(40);

    const login = await smsLogin(VILLAGER, code, '10.1.0.1');
    expect(login.statusCode, login.body).toBe(200);
    expect(login.json().user.phone).toBe(VILLAGER);
    expect(String(login.headers['set-cookie'])).toMatch(/^shuxiang_session=[\w-]+;.*HttpOnly/);
    const me = await t.request({ method: 'GET', url: '/api/auth/me', token: login.json().token });
    expect(me.statusCode).toBe(200);
    const logins = await t.db.selectFrom('audit_events').select(['actor_id', 'details']).where('action', '=', 'auth.login').execute();
    expect(logins.filter((l) => (l.details as { via?: string }).via === 'sms').map((l) => l.actor_id)).toEqual([login.json().user.id]);
  });

  it('refuses a wrong code, an expired one and a used one, each with its own error, and audits the failures', async () => {
    const ip = '10.1.0.2';
    clock.advance(2 * MINUTE);
    const code = await codeFor(CADRE, ip);
    const bad = await smsLogin(CADRE, wrong(code), ip);
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'VERIFICATION_CODE_INVALID', message: '验证码错误' });
    expect((await smsLogin(CADRE, code, ip)).statusCode).toBe(200);
    const reused = await smsLogin(CADRE, code, ip);
    expect(reused.json().code).toBe('VERIFICATION_CODE_USED');

    clock.advance(2 * MINUTE);
    const late = await codeFor(CADRE, ip);
    clock.advance(5 * MINUTE);
    const expired = await smsLogin(CADRE, late, ip);
    expect(expired.statusCode).toBe(400);
    expect(expired.json().code).toBe('VERIFICATION_CODE_EXPIRED');

    const failures = await t.db.selectFrom('audit_events').select(['details']).where('action', '=', 'auth.login_failed').execute();
    const reasons = failures.filter((f) => (f.details as { phone?: string }).phone === CADRE).map((f) => (f.details as { reason: string }).reason);
    expect(reasons).toEqual(['sms_invalid', 'sms_used', 'sms_expired']);
  });

  it('kills a code at the fifth wrong try: the right code then fails too', async () => {
    const ip = '10.1.0.3';
    const code = await codeFor(GRID, ip);
    for (let i = 1; i <= 4; i++) expect((await smsLogin(GRID, wrong(code), ip)).json().code).toBe('VERIFICATION_CODE_INVALID');
    expect((await smsLogin(GRID, wrong(code), ip)).json().code).toBe('VERIFICATION_CODE_TOO_MANY_TRIES');
    const right = await smsLogin(GRID, code, ip);
    expect(right.statusCode).toBe(400);
    expect(right.json().code).toBe('VERIFICATION_CODE_TOO_MANY_TRIES');
    // A new code works again.
    clock.advance(MINUTE);
    const fresh = await codeFor(GRID, ip);
    expect((await smsLogin(GRID, fresh, ip)).statusCode).toBe(200);
  });

  it('refuses another code within 60 seconds, saying when; a new code replaces the old one', async () => {
    const ip = '10.1.0.4';
    clock.advance(MINUTE);
    const first = await codeFor(STAFF, ip);
    clock.advance(20_000);
    const again = await askCode(STAFF, ip);
    expect(again.statusCode).toBe(429);
    expect(again.json()).toMatchObject({ code: 'VERIFICATION_RESEND_TOO_SOON', retryAfterSeconds: 40 });
    clock.advance(40_000);
    const second = await codeFor(STAFF, ip);
    if (second !== first) expect((await smsLogin(STAFF, first, ip)).json().code).toBe('VERIFICATION_CODE_INVALID');
    expect((await smsLogin(STAFF, second, ip)).statusCode).toBe(200);
  });

  it('refuses a disabled account with the same message as a password login', async () => {
    const ip = '10.1.0.5';
    const phone = '13800010602';
    const admin = await t.tokenFor('admin');
    const user = (await t.request({ method: 'GET', url: `/api/users?q=${phone}`, token: admin })).json().items[0];
    expect((await t.request({ method: 'PATCH', url: `/api/users/${user.id}`, token: admin, payload: { disabled: true } })).statusCode).toBe(200);
    const code = await codeFor(phone, ip);
    const bySms = await smsLogin(phone, code, ip);
    const byPassword = await t.request({ method: 'POST', url: '/api/auth/login', remoteAddress: ip, payload: { phone, password: 'shuxiang-demo' } });
    expect(bySms.statusCode).toBe(403);
    expect(bySms.json().code).toBe('ACCOUNT_DISABLED');
    expect({ code: bySms.json().code, message: bySms.json().message }).toEqual({ code: byPassword.json().code, message: byPassword.json().message });
  });
});

describe('an unknown phone', () => {
  it('gets the same answer as a known one, no text, and still counts against the caps', async () => {
    const ip = '10.2.0.1';
    const unknown = '13912345678';
    const known = '13800010603';
    const a = await askCode(unknown, ip);
    const b = await askCode(known, ip);
    expect(a.statusCode).toBe(b.statusCode);
    expect(a.json()).toEqual(b.json());
    await sms.nextCode(known);
    // The known phone's text has gone out; the unknown one has none, now or queued.
    expect(sms.textsTo(unknown)).toHaveLength(0);
    expect(await outboxTo(unknown)).toHaveLength(0);
    const sends = await t.db.selectFrom('verification_sends').select(['delivered']).where('phone', '=', unknown).execute();
    expect(sends).toEqual([{ delivered: false }]);
    for (let i = 0; i < 2; i++) {
      clock.advance(MINUTE);
      expect((await askCode(unknown, `10.2.1.${i}`)).statusCode).toBe(200);
    }
    clock.advance(MINUTE);
    const capped = await askCode(unknown, '10.2.2.1');
    expect(capped.statusCode).toBe(429);
    expect(capped.json().code).toBe('VERIFICATION_PHONE_LIMIT');
    // A guessed code for it is just a wrong code.
    expect((await smsLogin(unknown, '123456', ip)).json().code).toBe('VERIFICATION_CODE_INVALID');
  });
});

describe('caps', () => {
  it('allows 3 codes a phone in 24 hours', async () => {
    const phone = '13800010604';
    for (let i = 0; i < 3; i++) {
      clock.advance(MINUTE);
      await codeFor(phone, `10.3.0.${i}`);
    }
    clock.advance(MINUTE);
    const refused = await askCode(phone, '10.3.0.9');
    expect(refused.statusCode).toBe(429);
    expect(refused.json().code).toBe('VERIFICATION_PHONE_LIMIT');
    expect(refused.json().retryAfterSeconds).toBe(24 * 3600 - 3 * 60);
    // Nothing was issued for the refusal: its text never comes and the last code still works.
    expect(sms.textsTo(phone)).toHaveLength(3);
    clock.advance(24 * 60 * MINUTE - 3 * MINUTE);
    expect((await askCode(phone, '10.3.0.9')).statusCode).toBe(200);
  });

  it('allows 4 codes an hour and 6 a day from one address, whatever the phones', async () => {
    const ip = '10.4.0.1';
    const phones = Array.from({ length: 8 }, (_, i) => `1391000000${i}`);
    for (const phone of phones.slice(0, 4)) expect((await askCode(phone, ip)).statusCode).toBe(200);
    const hourly = await askCode(phones[4]!, ip);
    expect(hourly.statusCode).toBe(429);
    expect(hourly.json()).toMatchObject({ code: 'VERIFICATION_IP_LIMIT', retryAfterSeconds: 3600 });
    // Another address is not affected.
    expect((await askCode(phones[4]!, '10.4.0.2')).statusCode).toBe(200);
    clock.advance(61 * MINUTE);
    expect((await askCode(phones[5]!, ip)).statusCode).toBe(200);
    expect((await askCode(phones[6]!, ip)).statusCode).toBe(200);
    const daily = await askCode(phones[7]!, ip);
    expect(daily.statusCode).toBe(429);
    expect(daily.json().code).toBe('VERIFICATION_IP_LIMIT');
    expect(daily.json().retryAfterSeconds).toBe(24 * 3600 - 61 * 60);
  });
});

describe('concurrency', () => {
  it('two code requests for one phone at once: one code, one refusal', async () => {
    const phone = '13800010501';
    clock.advance(MINUTE);
    const answers = await Promise.all([askCode(phone, '10.5.0.1'), askCode(phone, '10.5.0.2')]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 429]);
    expect(answers.find((a) => a.statusCode === 429)!.json().code).toBe('VERIFICATION_RESEND_TOO_SOON');
    expect(await outboxTo(phone)).toHaveLength(1);
    await sms.nextCode(phone);
  });

  it('two sign-ins with one code at once: exactly one session', async () => {
    const phone = '13800010502';
    const code = await codeFor(phone, '10.5.0.3');
    const before = await t.db.selectFrom('sessions').select('id').execute();
    const answers = await Promise.all([smsLogin(phone, code, '10.5.0.3'), smsLogin(phone, code, '10.5.0.4')]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 400]);
    expect(answers.find((a) => a.statusCode === 400)!.json().code).toBe('VERIFICATION_CODE_USED');
    expect((await t.db.selectFrom('sessions').select('id').execute()).length).toBe(before.length + 1);
  });
});

describe('the WeChat entry when not configured', () => {
  it('is off: no redirect to WeChat, and 我的 shows no binding', async () => {
    const start = await t.request({ method: 'GET', url: '/api/auth/wechat/start' });
    expect(start.statusCode).toBe(404);
    expect(start.json().code).toBe('WECHAT_NOT_CONFIGURED');
    const binding = await t.request({ method: 'GET', url: '/api/auth/wechat/binding', token: await t.login(VILLAGER) });
    expect(binding.json()).toEqual({ enabled: false, bound: false, boundAt: null });
  });
});

describe('sign out everywhere', () => {
  it('ends every session of the account, this one included, and clears the cookie', async () => {
    const phone = VILLAGER;
    const other = await t.login(CADRE);
    const tokens = [await t.login(phone), await t.login(phone)];
    const res = await t.request({ method: 'POST', url: '/api/auth/sessions/revoke-all', token: tokens[0] });
    expect(res.statusCode).toBe(200);
    expect(res.json().ended).toBeGreaterThanOrEqual(2);
    expect(String(res.headers['set-cookie'])).toMatch(/^shuxiang_session=; Max-Age=0/);
    for (const token of tokens) expect((await t.request({ method: 'GET', url: '/api/auth/me', token })).statusCode).toBe(401);
    // Someone else's session is untouched.
    expect((await t.request({ method: 'GET', url: '/api/auth/me', token: other })).statusCode).toBe(200);
    const audit = await t.db.selectFrom('audit_events').select(['details']).where('action', '=', 'auth.sessions_end_all').execute();
    expect(audit).toHaveLength(1);
    expect(await t.db.selectFrom('sessions').innerJoin('users', 'users.id', 'sessions.user_id').select('sessions.id').where('users.phone', '=', phone).where('revoked_at', 'is', null).execute()).toHaveLength(0);
  });

  it('needs a session', async () => {
    expect((await t.request({ method: 'POST', url: '/api/auth/sessions/revoke-all' })).statusCode).toBe(401);
  });
});
