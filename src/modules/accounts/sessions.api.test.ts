import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

/**
 * Sessions with the default limits: staff 30 minutes idle, 12 hours at most, 3 at once; villagers
 * and grid workers 7 days idle, 30 days at most.
 */
const STAFF = '13800000001';
const CADRE = '13800000002';
const VILLAGER = '13800000005';
const GRID_WORKER = '13800000004';
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const clock = new ManualClock(new Date('2026-12-07T01:00:00Z'));
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ clock, realSessionLimits: true });
});
afterAll(async () => t.close());

const me = async (token: string) => (await t.request({ method: 'GET', url: '/api/auth/me', token })).statusCode;
const sessionsOf = (token: string) => t.request({ method: 'GET', url: '/api/auth/sessions', token });
const loginFrom = async (phone: string, remoteAddress: string, userAgent: string) => {
  const res = await t.request({ method: 'POST', url: '/api/auth/login', remoteAddress, headers: { 'user-agent': userAgent }, payload: { phone, password: 'shuxiang-demo' } });
  expect(res.statusCode).toBe(200);
  return res.json().token as string;
};
const auditRows = (action: string) => t.db.selectFrom('audit_events').select(['actor_id', 'target_id', 'details']).where('action', '=', action).execute();

describe('idle timeout and lifetime by role', () => {
  it('ends a staff session after 30 idle minutes; use keeps it alive', async () => {
    const token = await t.login(STAFF);
    clock.advance(29 * MINUTE);
    expect(await me(token)).toBe(200);
    clock.advance(29 * MINUTE);
    expect(await me(token)).toBe(200);
    clock.advance(31 * MINUTE);
    const expired = await t.request({ method: 'GET', url: '/api/auth/me', token });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().code).toBe('UNAUTHENTICATED');
  });

  it('ends a staff session after 12 hours however busy', async () => {
    const token = await t.login(CADRE);
    for (let i = 0; i < 35; i++) {
      clock.advance(20 * MINUTE);
      expect(await me(token)).toBe(200);
    }
    clock.advance(20 * MINUTE); // 12 h since login
    expect(await me(token)).toBe(401);
  });

  it('keeps a villager signed in for a week of idleness, and at most 30 days', async () => {
    const token = await t.login(VILLAGER);
    clock.advance(6 * DAY);
    expect(await me(token)).toBe(200);
    clock.advance(7 * DAY - MINUTE);
    expect(await me(token)).toBe(200);
    for (let i = 0; i < 2; i++) {
      clock.advance(6 * DAY);
      expect(await me(token)).toBe(200);
    }
    clock.advance(5 * DAY + MINUTE); // 30 days since login
    expect(await me(token)).toBe(401);

    const idle = await t.login(GRID_WORKER);
    clock.advance(7 * DAY);
    expect(await me(idle)).toBe(401);
  });

  it('moves last_seen_at at most once a minute', async () => {
    const token = await t.login(VILLAGER);
    const loggedInAt = clock.now();
    const lastSeen = async () => {
      const rows = await t.db.selectFrom('sessions').select(['last_seen_at', 'created_at']).where('created_at', '=', loggedInAt).execute();
      expect(rows).toHaveLength(1);
      return rows[0]!.last_seen_at.getTime();
    };
    clock.advance(30_000);
    expect(await me(token)).toBe(200);
    expect(await lastSeen()).toBe(loggedInAt.getTime());
    clock.advance(31_000);
    expect(await me(token)).toBe(200);
    const moved = clock.now().getTime();
    expect(await lastSeen()).toBe(moved);
    clock.advance(10_000);
    expect(await me(token)).toBe(200);
    expect(await me(token)).toBe(200);
    expect(await lastSeen()).toBe(moved);
  });
});

describe('concurrent sessions', () => {
  it('ends a staff member’s oldest session when a fourth starts, and audits it', async () => {
    const tokens: string[] = [];
    for (let i = 0; i < 4; i++) {
      tokens.push(await loginFrom(STAFF, `192.0.2.${i + 1}`, `browser ${i}`));
      clock.advance(1000);
    }
    expect(await me(tokens[0]!)).toBe(401);
    for (const token of tokens.slice(1)) expect(await me(token)).toBe(200);
    const listed = (await sessionsOf(tokens[3]!)).json().items as { ip: string }[];
    expect(listed.map((s) => s.ip)).toEqual(['192.0.2.4', '192.0.2.3', '192.0.2.2']);
    const evicted = (await auditRows('auth.session_evicted')).filter((e) => e.details.ip === '192.0.2.1');
    expect(evicted).toHaveLength(1);
    expect(evicted[0]!.details).toMatchObject({ limit: 3, userAgent: 'browser 0' });
  });

  it('does not limit villagers and grid workers', async () => {
    const tokens: string[] = [];
    for (let i = 0; i < 5; i++) tokens.push(await t.login(GRID_WORKER));
    for (const token of tokens) expect(await me(token)).toBe(200);
  });
});

describe('my sessions', () => {
  it('lists my live sessions with the current one marked, and lets me end one (both audited)', async () => {
    clock.advance(31 * MINUTE); // earlier tests' staff sessions are idle by now
    const phone = await loginFrom(STAFF, '192.0.2.50', 'Mozilla/5.0 (Android) 手机');
    clock.advance(1000);
    const desk = await loginFrom(STAFF, '192.0.2.51', 'Mozilla/5.0 (Windows) 电脑');
    const res = await sessionsOf(desk);
    expect(res.statusCode).toBe(200);
    const items = res.json().items as { id: string; ip: string; userAgent: string; current: boolean; createdAt: string; lastSeenAt: string; expiresAt: string }[];
    expect(items.map((s) => [s.ip, s.userAgent, s.current])).toEqual([
      ['192.0.2.51', 'Mozilla/5.0 (Windows) 电脑', true],
      ['192.0.2.50', 'Mozilla/5.0 (Android) 手机', false],
    ]);
    expect(new Date(items[0]!.expiresAt).getTime() - new Date(items[0]!.createdAt).getTime()).toBe(12 * 60 * MINUTE);
    const userId = (await t.request({ method: 'GET', url: '/api/auth/me', token: desk })).json().user.id;
    expect((await auditRows('auth.sessions_list')).some((e) => e.actor_id === userId)).toBe(true);

    const phoneSession = items[1]!.id;
    expect((await t.request({ method: 'DELETE', url: `/api/auth/sessions/${phoneSession}`, token: desk })).statusCode).toBe(204);
    expect(await me(phone)).toBe(401);
    expect(await me(desk)).toBe(200);
    const ended = (await auditRows('auth.session_end')).filter((e) => e.target_id === phoneSession);
    expect(ended).toEqual([{ actor_id: userId, target_id: phoneSession, details: { current: false } }]);
    const again = await t.request({ method: 'DELETE', url: `/api/auth/sessions/${phoneSession}`, token: desk });
    expect(again.statusCode).toBe(404);
    expect(again.json().code).toBe('SESSION_NOT_FOUND');
    expect((await sessionsOf(desk)).json().items).toHaveLength(1);
  });

  it('does not list idle sessions, and cannot end someone else’s', async () => {
    const villager = await t.login(VILLAGER);
    const villagerSession = (await sessionsOf(villager)).json().items.find((s: { current: boolean }) => s.current).id;
    const staff = await t.login(STAFF);
    const foreign = await t.request({ method: 'DELETE', url: `/api/auth/sessions/${villagerSession}`, token: staff });
    expect(foreign.statusCode).toBe(404);
    expect(await me(villager)).toBe(200);
    clock.advance(31 * MINUTE);
    const fresh = await t.login(STAFF);
    const listed = (await sessionsOf(fresh)).json().items as { current: boolean }[];
    expect(listed).toEqual([expect.objectContaining({ current: true })]);
  });

  it('ends the current session too: that signs me out', async () => {
    const token = await t.login(GRID_WORKER);
    const current = (await sessionsOf(token)).json().items.find((s: { current: boolean }) => s.current).id;
    expect((await t.request({ method: 'DELETE', url: `/api/auth/sessions/${current}`, token })).statusCode).toBe(204);
    expect(await me(token)).toBe(401);
  });
});
