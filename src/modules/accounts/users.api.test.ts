import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

const XIYANGQIU = '130631202206';
let t: TestApp;
let staff: string;
let admin: string;

beforeAll(async () => {
  t = await createTestApp();
  staff = await t.tokenFor('township_staff');
  admin = await t.tokenFor('admin');
});
afterAll(async () => t.close());

const create = (token: string, payload: Record<string, unknown>) => t.request({ method: 'POST', url: '/api/users', token, payload });

describe('user administration', () => {
  it('creates a user with a one-time password and audits who did it', async () => {
    const res = await create(staff, { phone: '13911110001', name: '王村民', role: 'villager', regionCode: XIYANGQIU });
    expect(res.statusCode).toBe(201);
    const { user, initialPassword } = res.json();
    expect(initialPassword).toMatch(/^[a-km-np-zA-HJ-NP-Z2-9]{12}$/);
    expect(user).toMatchObject({ phone: '13911110001', role: 'villager', roleLabel: '村民', regionName: '西阳邱村' });
    const audit = await t.request({ method: 'GET', url: `/api/audit-events?action=user.create&targetId=${user.id}`, token: staff });
    expect(audit.statusCode).toBe(200);
    const [event] = audit.json().items;
    expect(event).toMatchObject({ action: 'user.create', actorRole: 'township_staff', targetType: 'user', targetId: user.id });
    expect(event.details).toMatchObject({ phone: '13911110001', role: 'villager', regionCode: XIYANGQIU });
    expect(event.requestId).toBeTruthy();
  });

  it('keeps a given password and never returns password hashes', async () => {
    const res = await create(staff, { phone: '13911110002', name: '李网格员', role: 'grid_worker', regionCode: `${XIYANGQIU}02`, password: 'given-password-1' });
    expect(res.statusCode).toBe(201);
    expect(res.json().initialPassword).toBeUndefined();
    expect(res.body).not.toMatch(/argon2|password_hash|passwordHash/);
  });

  it('refuses a taken phone with 409, also when two requests race', async () => {
    const results = await Promise.all(
      [1, 2, 3].map(() => create(staff, { phone: '13911110003', name: '并发', role: 'villager', regionCode: XIYANGQIU })),
    );
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes).toEqual([201, 409, 409]);
    expect(results.find((r) => r.statusCode === 409)!.json().code).toBe('PHONE_TAKEN');
    const count = await t.db.selectFrom('users').where('phone', '=', '13911110003').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(count.n).toBe(1);
  });

  it('checks that the role fits the level of the region', async () => {
    const res = await create(staff, { phone: '13911110004', name: '错层级', role: 'grid_worker', regionCode: XIYANGQIU });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'ROLE_REGION_MISMATCH', details: [{ field: 'body.regionCode' }] });
  });

  it('lets nobody but an administrator grant a role at or above their own', async () => {
    const peer = await create(staff, { phone: '13911110005', name: '同级', role: 'township_staff', regionCode: '130631202' });
    expect(peer.statusCode).toBe(403);
    const byAdmin = await create(admin, { phone: '13911110005', name: '同级', role: 'township_staff', regionCode: '130631202' });
    expect(byAdmin.statusCode).toBe(201);
  });

  it('changes role and region with the before and after in the audit trail, and ends old sessions', async () => {
    const created = (await create(staff, { phone: '13911110006', name: '调岗', role: 'villager', regionCode: XIYANGQIU, password: 'initial-pass-1' })).json();
    const token = await t.login('13911110006', 'initial-pass-1');
    await t.request({ method: 'POST', url: '/api/auth/password', token, payload: { currentPassword: 'initial-pass-1', newPassword: 'changed-pass-1' } });
    const res = await t.request({
      method: 'PATCH',
      url: `/api/users/${created.user.id}`,
      token: staff,
      payload: { role: 'grid_worker', regionCode: '13063120220702' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ role: 'grid_worker', regionCode: '13063120220702', regionName: '东阳邱村第二网格' });
    expect((await t.request({ method: 'GET', url: '/api/auth/me', token })).statusCode).toBe(401);
    const audit = (await t.request({ method: 'GET', url: `/api/audit-events?action=user.update&targetId=${created.user.id}`, token: staff })).json();
    expect(audit.items[0].details).toEqual({
      before: { name: '调岗', role: 'villager', regionCode: XIYANGQIU, disabled: false },
      after: { role: 'grid_worker', regionCode: '13063120220702' },
    });
  });

  it('refuses changes to one’s own role or status', async () => {
    const me = (await t.request({ method: 'GET', url: '/api/auth/me', token: staff })).json();
    const res = await t.request({ method: 'PATCH', url: `/api/users/${me.user.id}`, token: staff, payload: { disabled: true } });
    expect(res.statusCode).toBe(403);
    const rename = await t.request({ method: 'PATCH', url: `/api/users/${me.user.id}`, token: admin, payload: { name: '乡镇党政办（改名）' } });
    expect(rename.statusCode).toBe(200);
  });

  it('resets a password to a new one-time password', async () => {
    const created = (await create(staff, { phone: '13911110007', name: '忘密码', role: 'villager', regionCode: XIYANGQIU, password: 'old-password-1' })).json();
    const res = await t.request({ method: 'POST', url: `/api/users/${created.user.id}/reset-password`, token: staff });
    expect(res.statusCode).toBe(200);
    await expect(t.login('13911110007', 'old-password-1')).rejects.toThrow(/401/);
    expect(await t.login('13911110007', res.json().initialPassword)).toBeTruthy();
  });

  it('lists users with filters, search and pagination', async () => {
    const all = (await t.request({ method: 'GET', url: '/api/users?pageSize=200', token: staff })).json();
    expect(all.total).toBe(all.items.length);
    const villagers = (await t.request({ method: 'GET', url: `/api/users?role=villager&region=${XIYANGQIU}`, token: staff })).json();
    expect(villagers.items.length).toBeGreaterThan(0);
    expect(villagers.items.every((u: { role: string; regionCode: string }) => u.role === 'villager' && u.regionCode === XIYANGQIU)).toBe(true);
    const search = (await t.request({ method: 'GET', url: '/api/users?q=13800000003', token: staff })).json();
    expect(search.items.map((u: { phone: string }) => u.phone)).toEqual(['13800000003']);
    const page1 = (await t.request({ method: 'GET', url: '/api/users?pageSize=2&page=1', token: staff })).json();
    const page2 = (await t.request({ method: 'GET', url: '/api/users?pageSize=2&page=2', token: staff })).json();
    expect(page1.items).toHaveLength(2);
    expect(page1.items[0].id).not.toBe(page2.items[0].id);
    const bad = await t.request({ method: 'GET', url: '/api/users?pageSize=0&role=king', token: staff });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details.map((d: { field: string }) => d.field).sort()).toEqual(['querystring.pageSize', 'querystring.role']);
  });

  it('answers 400, not 500, for a malformed id', async () => {
    const res = await t.request({ method: 'GET', url: '/api/users/not-a-uuid', token: staff });
    expect(res.statusCode).toBe(400);
    expect(res.json().details[0].field).toBe('params.id');
  });
});
