import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { captureSms } from '../../../test/support/sms-capture.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

/** AUTH_STAFF_SECOND_FACTOR=sms: township staff and administrators sign in with a password and a code. */
const ADMIN = '13800000000';
const STAFF = '13800000001';
const CADRE = '13800000002';
const VILLAGER = '13800000005';
const PASSWORD = 'shuxiang-demo';
const MINUTE = 60_000;
const clock = new ManualClock(new Date('2026-12-14T02:00:00Z'));
const sms = captureSms();
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ clock, logger: sms.logger, env: { AUTH_STAFF_SECOND_FACTOR: 'sms' } });
});
afterAll(async () => t.close());

const passwordLogin = (phone: string, password = PASSWORD) => t.request({ method: 'POST', url: '/api/auth/login', payload: { phone, password } });
const secondStep = (challenge: string, code: string) => t.request({ method: 'POST', url: '/api/auth/login/second-factor', payload: { challenge, code } });
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('staff second factor', () => {
  it('answers a right staff password with a challenge, not a session, and texts a code', async () => {
    const res = await passwordLogin(STAFF);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ secondFactorRequired: true, phone: '138****0001', resendAfterSeconds: 60, expiresInSeconds: 300 });
    expect(body.token).toBeUndefined();
    expect(res.headers['set-cookie']).toBeUndefined();
    const code = await sms.nextCode(STAFF);

    // The challenge alone is no session, and a wrong code is refused.
    expect((await t.request({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${body.challenge}` } })).statusCode).toBe(401);
    expect((await secondStep(body.challenge, wrong(code))).json().code).toBe('VERIFICATION_CODE_INVALID');

    const done = await secondStep(body.challenge, code);
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json().user.phone).toBe(STAFF);
    expect(String(done.headers['set-cookie'])).toMatch(/^shuxiang_session=/);
    expect((await t.request({ method: 'GET', url: '/api/auth/me', token: done.json().token })).statusCode).toBe(200);
    const logins = await t.db.selectFrom('audit_events').select(['actor_id', 'details']).where('action', '=', 'auth.login').execute();
    expect(logins.map((l) => (l.details as { via: string }).via)).toEqual(['password+sms']);
  });

  it('does not send a code for a wrong password', async () => {
    clock.advance(2 * MINUTE);
    const res = await passwordLogin(ADMIN, 'wrong-password');
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('INVALID_CREDENTIALS');
    expect(sms.textsTo(ADMIN)).toHaveLength(0);
  });

  it('refuses a forged, altered or expired challenge', async () => {
    const res = await passwordLogin(ADMIN);
    const { challenge } = res.json() as { challenge: string };
    const code = await sms.nextCode(ADMIN);
    const [userId, expires, mac] = challenge.split('.');
    const staffId = (await t.db.selectFrom('users').select('id').where('phone', '=', STAFF).executeTakeFirstOrThrow()).id;
    for (const forged of [`${staffId}.${expires}.${mac}`, `${userId}.${Number(expires) + 60_000}.${mac}`, 'nonsense']) {
      const refused = await secondStep(forged, code);
      expect(refused.statusCode).toBe(401);
      expect(refused.json().code).toBe('LOGIN_CHALLENGE_INVALID');
    }
    clock.advance(10 * MINUTE);
    expect((await secondStep(challenge, code)).json().code).toBe('LOGIN_CHALLENGE_INVALID');
  });

  it('sends another code for an open challenge after 60 s', async () => {
    clock.advance(MINUTE);
    const { challenge } = (await passwordLogin(ADMIN)).json() as { challenge: string };
    const first = await sms.nextCode(ADMIN);
    const early = await t.request({ method: 'POST', url: '/api/auth/login/second-factor/code', payload: { challenge } });
    expect(early.statusCode).toBe(429);
    expect(early.json().code).toBe('VERIFICATION_RESEND_TOO_SOON');
    clock.advance(MINUTE);
    const resent = await t.request({ method: 'POST', url: '/api/auth/login/second-factor/code', payload: { challenge } });
    expect(resent.statusCode).toBe(200);
    expect(resent.json()).toMatchObject({ phone: '138****0000', resendAfterSeconds: 60 });
    const second = await sms.nextCode(ADMIN);
    if (second !== first) expect((await secondStep(challenge, first)).json().code).toBe('VERIFICATION_CODE_INVALID');
    expect((await secondStep(challenge, second)).statusCode).toBe(200);
  });

  it('refuses an SMS-code-only sign-in for staff, but not for cadres and villagers', async () => {
    clock.advance(MINUTE);
    expect((await t.request({ method: 'POST', url: '/api/auth/sms-code', payload: { phone: STAFF } })).statusCode).toBe(200);
    const staffCode = await sms.nextCode(STAFF);
    const refused = await t.request({ method: 'POST', url: '/api/auth/login/sms', payload: { phone: STAFF, code: staffCode } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('SECOND_FACTOR_REQUIRED');
    expect(refused.headers['set-cookie']).toBeUndefined();

    for (const phone of [CADRE, VILLAGER]) {
      expect((await passwordLogin(phone)).json().token).toEqual(expect.any(String));
      expect((await t.request({ method: 'POST', url: '/api/auth/sms-code', payload: { phone } })).statusCode).toBe(200);
      const code = await sms.nextCode(phone);
      expect((await t.request({ method: 'POST', url: '/api/auth/login/sms', payload: { phone, code } })).statusCode).toBe(200);
    }
  });

  it('does not let another module start a staff session past the second factor', async () => {
    const staffId = (await t.db.selectFrom('users').select('id').where('phone', '=', STAFF).executeTakeFirstOrThrow()).id;
    await expect(t.services.accounts.startSession(staffId, { requestId: null, ip: null, userAgent: null })).rejects.toMatchObject({ code: 'SECOND_FACTOR_REQUIRED' });
  });
});
