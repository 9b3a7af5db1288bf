import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

const STAFF = '13800000001';
const VILLAGER = '13800000005';
const clock = new ManualClock(new Date('2026-11-27T02:00:00Z'));
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ clock, realSessionLimits: true });
});
afterAll(async () => t.close());

describe('login, sessions and logout', () => {
  it('logs in with phone and password and answers who I am', async () => {
    const res = await t.request({ method: 'POST', url: '/api/auth/login', payload: { phone: STAFF, password: 'shuxiang-demo' } });
    expect(res.statusCode).toBe(200);
    const { token, user, expiresAt } = res.json();
    expect(token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(user).toMatchObject({ phone: STAFF, role: 'township_staff', regionCode: '130631202', regionName: '黑堡乡' });
    // Staff sessions last 12 hours at most (SESSION_STAFF_TTL_HOURS).
    expect(new Date(expiresAt).getTime() - clock.now().getTime()).toBe(12 * 3600 * 1000);
    const me = await t.request({ method: 'GET', url: '/api/auth/me', token });
    expect(me.statusCode).toBe(200);
    expect(me.json().scope).toEqual({ code: '130631202', name: '黑堡乡', level: 'township' });
    expect(me.json().permissions).toContain('users.write');
  });

  it('refuses a wrong password and an unknown phone the same way', async () => {
    const wrong = await t.request({ method: 'POST', url: '/api/auth/login', payload: { phone: VILLAGER, password: 'nope-nope' } });
    const unknown = await t.request({ method: 'POST', url: '/api/auth/login', payload: { phone: '13999999999', password: 'nope-nope' } });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json().code).toBe('INVALID_CREDENTIALS');
    expect(unknown.json().code).toBe('INVALID_CREDENTIALS');
  });

  it('requires a token, and rejects a made-up one', async () => {
    expect((await t.request({ method: 'GET', url: '/api/auth/me' })).statusCode).toBe(401);
    const bogus = await t.request({ method: 'GET', url: '/api/auth/me', token: 'x'.repeat(43) });
    expect(bogus.statusCode).toBe(401);
    expect(bogus.json().code).toBe('UNAUTHENTICATED');
    const malformed = await t.request({ method: 'GET', url: '/api/auth/me', headers: { authorization: 'Basic abc' } });
    expect(malformed.statusCode).toBe(401);
  });

  it('revokes the token on logout', async () => {
    const token = await t.login(VILLAGER);
    expect((await t.request({ method: 'POST', url: '/api/auth/logout', token })).statusCode).toBe(204);
    expect((await t.request({ method: 'GET', url: '/api/auth/me', token })).statusCode).toBe(401);
  });
});

describe('passwords', () => {
  it('changes a password: wrong current refused, other sessions ended, this one kept', async () => {
    const phone = '13800000006';
    const first = await t.login(phone);
    const second = await t.login(phone);
    const wrong = await t.request({ method: 'POST', url: '/api/auth/password', token: first, payload: { currentPassword: 'bad-bad', newPassword: 'another-pass-1' } });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().code).toBe('WRONG_PASSWORD');
    const same = await t.request({ method: 'POST', url: '/api/auth/password', token: first, payload: { currentPassword: 'shuxiang-demo', newPassword: 'shuxiang-demo' } });
    expect(same.statusCode).toBe(400);
    expect(same.json()).toMatchObject({ code: 'PASSWORD_REUSED', details: [{ field: 'body.newPassword' }] });
    const short = await t.request({ method: 'POST', url: '/api/auth/password', token: first, payload: { currentPassword: 'shuxiang-demo', newPassword: 'short' } });
    expect(short.statusCode).toBe(400);
    expect(short.json().code).toBe('PASSWORD_TOO_SHORT');
    const ok = await t.request({ method: 'POST', url: '/api/auth/password', token: first, payload: { currentPassword: 'shuxiang-demo', newPassword: 'another-pass-1' } });
    expect(ok.statusCode).toBe(204);
    expect((await t.request({ method: 'GET', url: '/api/auth/me', token: first })).statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url: '/api/auth/me', token: second })).statusCode).toBe(401);
    await expect(t.login(phone)).rejects.toThrow(/401/);
    expect(await t.login(phone, 'another-pass-1')).toBeTruthy();
  });

  it('stores only argon2id hashes', async () => {
    const rows = await t.db.selectFrom('users').select('password_hash').execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('makes an account created by someone else change its password before doing anything', async () => {
    const staff = await t.login(STAFF);
    const created = await t.request({
      method: 'POST',
      url: '/api/users',
      token: staff,
      payload: { phone: '13900000001', name: '新村民', role: 'villager', regionCode: '130631202206' },
    });
    expect(created.statusCode).toBe(201);
    const { initialPassword, user } = created.json();
    expect(user.mustChangePassword).toBe(true);
    const token = await t.login('13900000001', initialPassword);
    const blocked = await t.request({ method: 'GET', url: '/api/regions', token });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().code).toBe('PASSWORD_CHANGE_REQUIRED');
    expect((await t.request({ method: 'GET', url: '/api/auth/me', token })).statusCode).toBe(200);
    const changed = await t.request({ method: 'POST', url: '/api/auth/password', token, payload: { currentPassword: initialPassword, newPassword: 'my-own-secret-9' } });
    expect(changed.statusCode).toBe(204);
    expect((await t.request({ method: 'GET', url: '/api/regions', token })).statusCode).toBe(200);
  });

  it('disabling an account ends its sessions and refuses new logins', async () => {
    const staff = await t.login(STAFF);
    const villager = await t.login(VILLAGER);
    const me = (await t.request({ method: 'GET', url: '/api/auth/me', token: villager })).json();
    const res = await t.request({ method: 'PATCH', url: `/api/users/${me.user.id}`, token: staff, payload: { disabled: true } });
    expect(res.statusCode).toBe(200);
    expect(res.json().disabled).toBe(true);
    expect((await t.request({ method: 'GET', url: '/api/auth/me', token: villager })).statusCode).toBe(401);
    const login = await t.request({ method: 'POST', url: '/api/auth/login', payload: { phone: VILLAGER, password: 'shuxiang-demo' } });
    expect(login.statusCode).toBe(403);
    expect(login.json().code).toBe('ACCOUNT_DISABLED');
    await t.request({ method: 'PATCH', url: `/api/users/${me.user.id}`, token: staff, payload: { disabled: false } });
    expect(await t.login(VILLAGER)).toBeTruthy();
  });
});
