import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { passwordProblem } from './password-policy.js';

/** The password policy wherever a password is set, and expiry of staff passwords (PASSWORD_MAX_AGE_DAYS=90). */
const XIYANGQIU = '130631202206';
const DAY = 86_400_000;
const clock = new ManualClock(new Date('2026-12-07T01:00:00Z'));
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ clock, env: { PASSWORD_MAX_AGE_DAYS: '90' } });
});
afterAll(async () => t.close());

const changePassword = (token: string, currentPassword: string, newPassword: string) =>
  t.request({ method: 'POST', url: '/api/auth/password', token, payload: { currentPassword, newPassword } });

describe('the password policy', () => {
  it('refuses each weak new password with its own code, naming the field, in Chinese and English', async () => {
    const phone = '13911120001';
    const admin = await t.tokenFor('admin');
    await t.request({ method: 'POST', url: '/api/users', token: admin, payload: { phone, name: '策略', role: 'villager', regionCode: XIYANGQIU, password: 'Start-pass-7' } });
    const token = await t.login(phone, 'Start-pass-7');
    const cases: [string, string, RegExp][] = [
      [' Spaced-pass-1', 'PASSWORD_WHITESPACE', /空格/],
      ['Ab-1', 'PASSWORD_TOO_SHORT', /8 位/],
      ['onlylowercase1', 'PASSWORD_TOO_SIMPLE', /三类/],
      ['My-120001-pw', 'PASSWORD_CONTAINS_PHONE', /手机号/],
      [`Tel-${[...phone].reverse().join('')}`, 'PASSWORD_CONTAINS_PHONE', /手机号/],
      ['Woaini@1314', 'PASSWORD_TOO_COMMON', /常见/],
      ['1qaz@WSX', 'PASSWORD_TOO_COMMON', /常见/],
      ['Start-pass-7', 'PASSWORD_REUSED', /相同/],
    ];
    for (const [newPassword, code, zh] of cases) {
      const res = await changePassword(token, 'Start-pass-7', newPassword);
      expect([newPassword, res.statusCode, res.json().code]).toEqual([newPassword, 400, code]);
      expect(res.json().details).toEqual([{ field: 'body.newPassword', message: expect.stringMatching(zh), messageEn: expect.any(String) }]);
    }
    expect((await changePassword(token, 'Start-pass-7', 'Village-road-9')).statusCode).toBe(204);
    expect(await t.login(phone, 'Village-road-9')).toBeTruthy();
  });

  it('applies to an initial password given when creating an account', async () => {
    const staff = await t.tokenFor('township_staff');
    const weak = await t.request({ method: 'POST', url: '/api/users', token: staff, payload: { phone: '13911120002', name: '弱', role: 'villager', regionCode: XIYANGQIU, password: 'a1234567' } });
    expect(weak.statusCode).toBe(400);
    expect(weak.json()).toMatchObject({ code: 'PASSWORD_TOO_SIMPLE', details: [{ field: 'body.password' }] });
    const derived = await t.request({ method: 'POST', url: '/api/users', token: staff, payload: { phone: '13911120003', name: '号', role: 'villager', regionCode: XIYANGQIU, password: 'Pw-11120003' } });
    expect(derived.json().code).toBe('PASSWORD_CONTAINS_PHONE');
    expect(await t.db.selectFrom('users').select('id').where('phone', 'in', ['13911120002', '13911120003']).execute()).toEqual([]);
  });

  it('generates one-time passwords (create, admin reset) that meet the policy', async () => {
    const staff = await t.tokenFor('township_staff');
    const phone = '13911120004';
    const created = await t.request({ method: 'POST', url: '/api/users', token: staff, payload: { phone, name: '生成', role: 'villager', regionCode: XIYANGQIU } });
    expect(created.statusCode).toBe(201);
    const { initialPassword, user } = created.json();
    expect(passwordProblem(initialPassword, { phone })).toBeUndefined();
    const reset = await t.request({ method: 'POST', url: `/api/users/${user.id}/reset-password`, token: staff });
    expect(reset.statusCode).toBe(200);
    expect(passwordProblem(reset.json().initialPassword, { phone })).toBeUndefined();
    expect(await t.login(phone, reset.json().initialPassword)).toBeTruthy();
  });

  it('leaves the demo accounts on the published demo password (seed data bypasses the policy)', async () => {
    expect(passwordProblem('shuxiang-demo', {})).toBe('PASSWORD_TOO_SIMPLE');
    expect(await t.login('13800000005', 'shuxiang-demo')).toBeTruthy();
  });
});

describe('password expiry for staff roles', () => {
  it('makes a staff member change a password older than 90 days before acting; villagers are not asked', async () => {
    const staffPhone = '13911120010';
    const admin = await t.tokenFor('admin');
    await t.request({ method: 'POST', url: '/api/users', token: admin, payload: { phone: staffPhone, name: '到期', role: 'township_staff', regionCode: '130631202', password: 'Given-pass-31' } });
    const first = await t.login(staffPhone, 'Given-pass-31');
    expect((await changePassword(first, 'Given-pass-31', 'Own-choice-42')).statusCode).toBe(204);

    clock.advance(89 * DAY);
    const early = await t.request({ method: 'POST', url: '/api/auth/login', payload: { phone: staffPhone, password: 'Own-choice-42' } });
    expect(early.json().user.mustChangePassword).toBe(false);
    expect((await t.request({ method: 'GET', url: '/api/regions', token: early.json().token })).statusCode).toBe(200);

    clock.advance(2 * DAY);
    const late = await t.request({ method: 'POST', url: '/api/auth/login', payload: { phone: staffPhone, password: 'Own-choice-42' } });
    expect(late.json().user.mustChangePassword).toBe(true);
    const token = late.json().token as string;
    const blocked = await t.request({ method: 'GET', url: '/api/regions', token });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().code).toBe('PASSWORD_CHANGE_REQUIRED');
    // A session opened before the expiry is held to it as well.
    expect((await t.request({ method: 'GET', url: '/api/regions', token: early.json().token })).json().code).toBe('PASSWORD_CHANGE_REQUIRED');
    expect((await t.request({ method: 'GET', url: '/api/auth/me', token })).json().user.mustChangePassword).toBe(true);
    expect((await changePassword(token, 'Own-choice-42', 'Next-quarter-43')).statusCode).toBe(204);
    expect((await t.request({ method: 'GET', url: '/api/regions', token })).statusCode).toBe(200);

    // Demo accounts' passwords were set at seeding, more than 90 days ago now.
    const villager = await t.login('13800000005');
    expect((await t.request({ method: 'GET', url: '/api/regions', token: villager })).statusCode).toBe(200);
  });
});
