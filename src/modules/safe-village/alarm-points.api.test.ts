import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

/**
 * Handling an alarm earns points by rule, like cases (issue #16): the platform rule 'alarm.handle'
 * pays the grid worker or cadre who acknowledges an alarm once, a false-positive mark pays nothing
 * (and takes back what an earlier acknowledgement earned), and a region's override of the rule
 * (other points, or switched off) is what applies there.
 */
const GRID1 = '13063120220601';
const VILLAGE = '130631202206';
let t: TestApp;
let cameraId: string;
let zoneId: string;
let gridToken: string;
let cadreToken: string;
let staffToken: string;
let trackNo = 0;

beforeAll(async () => {
  t = await createTestApp();
  staffToken = await t.tokenFor('township_staff');
  gridToken = await t.tokenFor('grid_worker');
  cadreToken = await t.tokenFor('village_cadre');
  cameraId = (await t.request({ method: 'POST', url: '/api/cameras', token: staffToken, payload: { name: '鱼塘', regionCode: GRID1 } })).json().camera.id;
  const polygon = [
    [0, 0],
    [1, 0],
    [1, 1],
    [0, 1],
  ];
  zoneId = (await t.request({ method: 'POST', url: `/api/cameras/${cameraId}/zones`, token: staffToken, payload: { name: '塘边', polygon } })).json().id;
});
afterAll(async () => {
  await t?.close();
});

async function raise(): Promise<string> {
  const trackId = `p${++trackNo}`;
  const at = new Date();
  const { id } = await t.services.safeVillage.raise({
    cameraId,
    zoneId,
    source: 'webhook',
    alarm: { zoneId, trackId, at, enteredAt: at, score: 0.9, detection: { trackId, label: 'person', score: 0.9, box: { x: 0.4, y: 0.4, width: 0.1, height: 0.3 } } },
  });
  return id;
}

async function act(alarmId: string, action: 'acknowledge' | 'false-positive', token: string) {
  const res = await t.request({ method: 'POST', url: `/api/alarms/${alarmId}/${action}`, token, payload: {} });
  await t.services.jobs.runDue();
  return res;
}

/** The alarm's ledger entries: who, what kind, how many points, under which rule. */
const entriesOf = (alarmId: string) =>
  t.db
    .selectFrom('points_entries as e')
    .innerJoin('users as u', 'u.id', 'e.user_id')
    .select(['u.role', 'e.kind', 'e.points', 'e.rule_code'])
    .where('e.alarm_id', '=', alarmId)
    .orderBy('e.id')
    .execute();

const balance = async (token: string): Promise<number> => (await t.request({ method: 'GET', url: '/api/points/balance', token })).json().person.balance;

describe('points for handling an alarm', () => {
  it('pays the acknowledging grid worker the platform rule once, with the entry pointing at the alarm', async () => {
    const rules = (await t.request({ method: 'GET', url: '/api/points/rules', token: cadreToken, query: { region: VILLAGE } })).json().items;
    expect(rules.find((r: { code: string }) => r.code === 'alarm.handle')).toMatchObject({ name: '处置告警', earner: 'acknowledger', category: 'handling', points: 2 });

    const before = await balance(gridToken);
    const id = await raise();
    expect((await act(id, 'acknowledge', gridToken)).statusCode).toBe(200);
    expect(await entriesOf(id)).toEqual([{ role: 'grid_worker', kind: 'award', points: 2, rule_code: 'alarm.handle' }]);
    expect(await balance(gridToken)).toBe(before + 2);

    // Acknowledging again (the same person or a cadre) earns nothing more.
    expect((await act(id, 'acknowledge', gridToken)).statusCode).toBe(200);
    expect((await act(id, 'acknowledge', cadreToken)).statusCode).toBe(200);
    expect(await entriesOf(id)).toHaveLength(1);
    expect(await balance(gridToken)).toBe(before + 2);

    const mine = (await t.request({ method: 'GET', url: '/api/points/ledger', token: gridToken })).json().items;
    expect(mine[0]).toMatchObject({ alarmId: id, caseId: null, points: 2, rule: { code: 'alarm.handle', name: '处置告警' } });
    const told = await t.db.selectFrom('notifications').select(['title', 'url']).where('kind', '=', 'points.awarded').where('body', 'like', '%告警%').execute();
    expect(told).toContainEqual({ title: '获得积分 2 分', url: '/h5/points/history' });
  });

  it('pays nothing for a false positive, and takes back the points of one acknowledged first', async () => {
    const before = await balance(gridToken);
    const dismissed = await raise();
    expect((await act(dismissed, 'false-positive', gridToken)).statusCode).toBe(200);
    expect(await entriesOf(dismissed)).toEqual([]);
    expect(await balance(gridToken)).toBe(before);

    const id = await raise();
    await act(id, 'acknowledge', gridToken);
    expect(await balance(gridToken)).toBe(before + 2);
    expect((await act(id, 'false-positive', cadreToken)).statusCode).toBe(200);
    expect(await entriesOf(id)).toEqual([
      { role: 'grid_worker', kind: 'award', points: 2, rule_code: 'alarm.handle' },
      { role: 'grid_worker', kind: 'correction', points: -2, rule_code: 'alarm.handle' },
    ]);
    expect(await balance(gridToken)).toBe(before);
  });

  it('follows a village’s override of the rule: other points, or none when switched off', async () => {
    const created = await t.request({ method: 'POST', url: '/api/points/rules', token: cadreToken, payload: { regionCode: VILLAGE, code: 'alarm.handle', points: 5 } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ earner: 'acknowledger', points: 5 });

    const id = await raise();
    await act(id, 'acknowledge', cadreToken);
    expect(await entriesOf(id)).toEqual([{ role: 'village_cadre', kind: 'award', points: 5, rule_code: 'alarm.handle' }]);

    const off = await t.request({ method: 'PATCH', url: `/api/points/rules/${created.json().id}`, token: cadreToken, payload: { active: false } });
    expect(off.statusCode).toBe(200);
    const unpaid = await raise();
    await act(unpaid, 'acknowledge', gridToken);
    expect(await entriesOf(unpaid)).toEqual([]);
  });

  it('does not let a new rule of another code be earned by acknowledging', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/api/points/rules',
      token: cadreToken,
      payload: { regionCode: VILLAGE, code: 'alarm.other', name: '另一告警', category: 'handling', earner: 'acknowledger', points: 9 },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().details[0].field).toBe('body.earner');
  });
});
