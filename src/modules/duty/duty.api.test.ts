import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPerson, type Person } from '../../../test/support/people.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

/** 值班表 through the API: the township's staff set who is on duty; onDuty answers for any place in the township. */
const TOWNSHIP = '130631202'; // 黑堡乡
const GRID = '13063120220601';
let t: TestApp;
let staff: string;
let second: Person;
let staffId: string;

beforeAll(async () => {
  t = await createTestApp();
  staff = await t.tokenFor('township_staff');
  second = await createPerson(t, { phone: '13900000301', name: '乡镇值班员', role: 'township_staff', regionCode: TOWNSHIP });
  staffId = (await t.db.selectFrom('users').select('id').where('phone', '=', '13800000001').executeTakeFirstOrThrow()).id;
});
afterAll(async () => {
  await t?.close();
});

const roster = (token: string, query: Record<string, string>) => t.request({ method: 'GET', url: '/api/duty', token, query });
const setDay = (token: string, date: string, payload: Record<string, unknown>) => t.request({ method: 'PUT', url: `/api/duty/${date}`, token, payload });

describe('duty roster', () => {
  it('staff put two people on one day and one on the next; the roster shows each day of the range, empty ones too', async () => {
    const res = await setDay(staff, '2026-12-08', { userIds: [staffId, second.id] });
    expect(res.statusCode).toBe(200);
    expect(res.json().staff.map((p: { name: string }) => p.name).sort()).toEqual(['乡镇值班员', '乡镇党政办'].sort());
    expect((await setDay(staff, '2026-12-09', { userIds: [second.id] })).statusCode).toBe(200);

    const read = await roster(staff, { from: '2026-12-07', to: '2026-12-10' });
    expect(read.statusCode).toBe(200);
    const body = read.json();
    expect(body.township).toEqual({ code: TOWNSHIP, name: '黑堡乡' });
    expect(body.days.map((d: { date: string; staff: unknown[] }) => [d.date, d.staff.length])).toEqual([
      ['2026-12-07', 0],
      ['2026-12-08', 2],
      ['2026-12-09', 1],
      ['2026-12-10', 0],
    ]);
    expect(body.candidates.map((c: { userId: string }) => c.userId)).toEqual(expect.arrayContaining([staffId, second.id]));
    const audit = await t.db.selectFrom('audit_events').select(['target_id']).where('action', '=', 'duty.set').execute();
    expect(audit.map((a) => a.target_id)).toEqual([`${TOWNSHIP}:2026-12-08`, `${TOWNSHIP}:2026-12-09`]);
  });

  it('onDuty answers by the Shanghai date of the instant, for any place inside the township', async () => {
    const path = `/130631/${TOWNSHIP}/130631202206/${GRID}/`;
    // 2026-12-08 23:30 in Shanghai is still the 8th; 16:30Z is 00:30 on the 9th there.
    expect((await t.services.duty.onDuty(path, new Date('2026-12-08T15:30:00Z'))).map((p) => p.userId).sort()).toEqual([staffId, second.id].sort());
    expect(await t.services.duty.onDuty(path, new Date('2026-12-08T16:30:00Z'))).toEqual([{ userId: second.id, name: '乡镇值班员', phone: '13900000301' }]);
    expect(await t.services.duty.onDuty(path, new Date('2026-12-10T04:00:00Z'))).toEqual([]);
    expect(await t.services.duty.onDuty('/130631/', new Date('2026-12-08T04:00:00Z'))).toEqual([]);
  });

  it('replacing a day replaces everyone; an empty list clears it', async () => {
    expect((await setDay(staff, '2026-12-08', { userIds: [second.id] })).json().staff).toEqual([{ userId: second.id, name: '乡镇值班员', phone: '13900000301' }]);
    expect((await setDay(staff, '2026-12-09', { userIds: [] })).json().staff).toEqual([]);
    const days = (await roster(staff, { from: '2026-12-08', to: '2026-12-09' })).json().days;
    expect(days).toEqual([
      { date: '2026-12-08', staff: [{ userId: second.id, name: '乡镇值班员', phone: '13900000301' }] },
      { date: '2026-12-09', staff: [] },
    ]);
  });

  it('refuses people who are not the township’s staff, other townships, long ranges, and those who may not edit', async () => {
    const cadreId = (await t.db.selectFrom('users').select('id').where('phone', '=', '13800000002').executeTakeFirstOrThrow()).id;
    const stranger = await setDay(staff, '2026-12-10', { userIds: [second.id, cadreId] });
    expect(stranger.statusCode).toBe(400);
    expect(stranger.json().details).toEqual([expect.objectContaining({ field: 'body.userIds.1' })]);
    expect((await setDay(staff, '2026-12-10', { townshipCode: '130631203', userIds: [] })).json().code).toBe('REGION_NOT_FOUND');
    expect((await roster(staff, { from: '2026-12-01', to: '2027-03-01' })).statusCode).toBe(400);
    expect((await roster(staff, { from: '2026-12-02', to: '2026-12-01' })).statusCode).toBe(400);

    const cadre = await t.tokenFor('village_cadre');
    expect((await setDay(cadre, '2026-12-10', { userIds: [] })).statusCode).toBe(403);
    const cadreView = (await roster(cadre, { from: '2026-12-08', to: '2026-12-08' })).json();
    expect(cadreView.days[0].staff).toHaveLength(1);
    expect(cadreView.candidates).toEqual([]);
    expect((await roster(await t.tokenFor('grid_worker'), { from: '2026-12-08', to: '2026-12-08' })).statusCode).toBe(403);

    const admin = await t.tokenFor('admin');
    expect((await roster(admin, { from: '2026-12-08', to: '2026-12-08' })).json().details[0].field).toBe('query.townshipCode');
    expect((await roster(admin, { from: '2026-12-08', to: '2026-12-08', townshipCode: TOWNSHIP })).json().days[0].staff).toHaveLength(1);
  });
});
