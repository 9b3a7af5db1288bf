import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

/**
 * Login limits with the default numbers (5 failures per phone and address, 20 per phone, a delay
 * from the 3rd failure); the address ceiling is lowered to 30 and the delay base to 300 ms so the
 * file runs quickly.
 */
const STAFF = '13800000001';
const GRID_WORKER = '13800000004';
const SLOWDOWN_MS = 300;
const clock = new ManualClock(new Date('2026-12-07T02:00:00Z'));
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ clock, realSessionLimits: true, env: { LOGIN_MAX_FAILURES_PER_IP: '30', LOGIN_SLOWDOWN_MS: String(SLOWDOWN_MS) } });
});
afterAll(async () => t.close());

const login = (phone: string, password: string, remoteAddress: string) =>
  t.request({ method: 'POST', url: '/api/auth/login', remoteAddress, payload: { phone, password } });

const auditOf = (action: string, ip: string) =>
  t.db.selectFrom('audit_events').select(['action', 'target_type', 'target_id', 'details', 'ip', 'actor_id']).where('action', '=', action).where('ip', '=', ip).execute();

/** Each test starts with a clean window. */
const nextWindow = () => clock.advance(16 * 60_000);

describe('login limits count failures, per phone and address first', () => {
  it('30 failed logins for 13800000009 from IP A do not stop 13800000001 logging in from IP A', async () => {
    const ipA = '198.51.100.10';
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await login('13800000009', `Guess-${i}-x`, ipA)).statusCode);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(25);
    expect(statuses.slice(0, 5).every((s) => s === 401)).toBe(true);
    expect((await login(STAFF, 'shuxiang-demo', ipA)).statusCode).toBe(200);
    // Refused attempts checked no password, so they are not failures: the address's count stays at 5.
    const failures = await t.db.selectFrom('login_attempts').select((eb) => eb.fn.countAll<number>().as('n')).where('ip', '=', ipA).where('succeeded', '=', false).executeTakeFirstOrThrow();
    expect(Number(failures.n)).toBe(5);
    nextWindow();
  });

  it('successful logins never count: many people behind one proxy address all get in', async () => {
    const proxy = '198.51.100.11';
    for (let i = 0; i < 40; i++) {
      const phone = ['13800000001', '13800000002', '13800000004', '13800000005', '13800000006'][i % 5]!;
      expect((await login(phone, 'shuxiang-demo', proxy)).statusCode).toBe(200);
    }
    nextWindow();
  });

  it('locks a phone from an address after 5 failures, even for the right password, with Retry-After; a success resets the count', async () => {
    const ip = '198.51.100.12';
    for (let i = 0; i < 4; i++) expect((await login(GRID_WORKER, `Wrong-${i}-pass`, ip)).statusCode).toBe(401);
    expect((await login(GRID_WORKER, 'shuxiang-demo', ip)).statusCode).toBe(200);
    // The success reset the count: four more failures are allowed before the fifth locks.
    for (let i = 0; i < 5; i++) expect((await login(GRID_WORKER, `Wrong-${i}-again`, ip)).statusCode).toBe(401);
    clock.advance(60_000);
    const blocked = await login(GRID_WORKER, 'shuxiang-demo', ip);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json()).toMatchObject({ code: 'LOGIN_RATE_LIMITED', message: expect.stringMatching(/频繁/) });
    // The oldest of the five counted failures was a minute ago: 14 minutes to go.
    expect(Number(blocked.headers['retry-after'])).toBe(14 * 60);
    // The same phone from another address is not locked.
    expect((await login(GRID_WORKER, 'shuxiang-demo', '198.51.100.13')).statusCode).toBe(200);
    clock.advance(14 * 60_000 + 1000);
    expect((await login(GRID_WORKER, 'shuxiang-demo', ip)).statusCode).toBe(200);
    nextWindow();
  });

  it('locks a phone across addresses after 20 failures', async () => {
    const phone = '13800000002';
    for (let a = 0; a < 4; a++) {
      for (let i = 0; i < 5; i++) expect((await login(phone, `Wrong-${a}-${i}-x`, `198.51.101.${a}`)).statusCode).toBe(401);
    }
    const fresh = await login(phone, 'shuxiang-demo', '198.51.101.99');
    expect(fresh.statusCode).toBe(429);
    expect(Number(fresh.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(fresh.headers['retry-after'])).toBeLessThanOrEqual(15 * 60);
    // Other phones from those addresses are fine.
    expect((await login(STAFF, 'shuxiang-demo', '198.51.101.0')).statusCode).toBe(200);
    nextWindow();
    expect((await login(phone, 'shuxiang-demo', '198.51.101.99')).statusCode).toBe(200);
  });

  it('stops an address spraying many phones at the ceiling', async () => {
    const sprayer = '203.0.113.7';
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await login(`1370000${String(i).padStart(4, '0')}`, 'Guess-guess-1', sprayer)).statusCode);
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
    expect(statuses[30]).toBe(429);
    // The ceiling holds for a real account and the right password too; other addresses are unaffected.
    expect((await login(STAFF, 'shuxiang-demo', sprayer)).statusCode).toBe(429);
    expect((await login(STAFF, 'shuxiang-demo', '203.0.113.8')).statusCode).toBe(200);
    nextWindow();
  });

  it('lets no more than 5 concurrent guesses through', async () => {
    const ip = '198.51.100.20';
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => login('13800000003', `Parallel-${i}-x`, ip)));
    const statuses = results.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    nextWindow();
  });

  it('slows down from the 3rd failure of a phone from an address', async () => {
    const ip = '198.51.100.21';
    for (let i = 0; i < 3; i++) expect((await login('13800000005', `Wrong-${i}-slow`, ip)).statusCode).toBe(401);
    let started = performance.now();
    expect((await login('13800000005', 'Wrong-3-slow', ip)).statusCode).toBe(401);
    expect(performance.now() - started).toBeGreaterThanOrEqual(SLOWDOWN_MS);
    // The delay doubles, and applies to the right password as well.
    started = performance.now();
    expect((await login('13800000005', 'shuxiang-demo', ip)).statusCode).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(2 * SLOWDOWN_MS);
    nextWindow();
  });

  it('audits failed logins and each lockout once, with phone and address and no actor', async () => {
    const ip = '198.51.100.30';
    for (let i = 0; i < 8; i++) await login('13800000006', `Wrong-${i}-audit`, ip);
    await login('13911112222', 'Unknown-phone-1', ip);
    const failed = await auditOf('auth.login_failed', ip);
    expect(failed).toHaveLength(6);
    expect(failed.every((e) => e.actor_id === null)).toBe(true);
    expect(failed.filter((e) => e.target_type === 'user' && e.details.phone === '13800000006' && e.details.reason === 'wrong_password')).toHaveLength(5);
    expect(failed.filter((e) => e.target_type === 'phone' && e.target_id === '13911112222' && e.details.reason === 'unknown_phone')).toHaveLength(1);
    const locked = await auditOf('auth.login_locked', ip);
    expect(locked).toHaveLength(1);
    expect(locked[0]!.details).toMatchObject({ phone: '13800000006', level: 'phone_ip', failures: 5, minutes: 15 });
    nextWindow();
  });
});
