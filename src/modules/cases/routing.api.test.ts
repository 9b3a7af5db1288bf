import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg } from '../../../test/support/images.js';
import { photosForm } from '../../../test/support/multipart.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { noRequest } from '../../platform/request-context.js';

/**
 * A report never lands where nobody looks: a grid without an active grid worker passes the case to
 * the village's cadres, a village without cadres to the township, and a place outside the
 * reporter's township is refused with a reason, so that the reporter is asked for the place.
 */
const XIYANGQIU = '130631202206'; // has cadres (村干部, 支部书记)
const DONGYANGQIU = '130631202207'; // has none
let t: TestApp;
let villager: string;
let staff: string;
let cadre: string;
let secretary: string;
let neighbourWorker: string; // 西阳邱村第一网格
const centres = new Map<string, { lon: number; lat: number }>();

beforeAll(async () => {
  t = await createTestApp();
  [villager, staff, cadre, secretary, neighbourWorker] = await Promise.all([
    t.tokenFor('villager'),
    t.tokenFor('township_staff'),
    t.tokenFor('village_cadre'),
    t.tokenFor('branch_secretary'),
    t.tokenFor('grid_worker'),
  ]);
});
afterAll(async () => t?.close());

async function centreOf(code: string) {
  if (!centres.has(code)) centres.set(code, (await t.request({ method: 'GET', url: `/api/regions/${code}`, token: staff })).json().centre);
  return centres.get(code)!;
}

/** Staff switch off the account of a grid's worker (someone left the job). */
async function disableWorkerOf(grid: string) {
  const worker = await t.db.selectFrom('users').select('id').where('region_code', '=', grid).where('role', '=', 'grid_worker').executeTakeFirstOrThrow();
  const res = await t.request({ method: 'PATCH', url: `/api/users/${worker.id}`, token: staff, payload: { disabled: true } });
  expect(res.statusCode, res.body).toBe(200);
}

const report = (token: string, body: Record<string, unknown>) =>
  t.request({ method: 'POST', url: '/api/cases', token, payload: { id: randomUUID(), categoryCode: 'village_appearance', description: '村口垃圾堆放多日无人清理', photoIds: [], ...body } });

async function notified(token: string, caseId: string): Promise<string[]> {
  const res = await t.request({ method: 'GET', url: '/api/notifications?pageSize=100', token });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json().items as { caseId: string | null; kind: string }[]).filter((n) => n.caseId === caseId).map((n) => n.kind);
}

describe('every demo grid has someone to look', () => {
  it('the seeded demo has an active grid worker in each of its grids', async () => {
    const grids = await t.db
      .selectFrom('regions')
      .leftJoin('users', (join) => join.onRef('users.region_code', '=', 'regions.code').on('users.role', '=', 'grid_worker').on('users.disabled_at', 'is', null))
      .select(['regions.code', (eb) => eb.fn.count<string>('users.id').as('workers')])
      .where('regions.level', '=', 'grid')
      .groupBy('regions.code')
      .execute();
    expect(grids).toHaveLength(44);
    expect(grids.filter((g) => Number(g.workers) === 0).map((g) => g.code)).toEqual([]);
  });
});

describe('a grid without a grid worker', () => {
  const GRID = `${XIYANGQIU}03`; // 西阳邱村第三网格
  let id: string;

  it('goes to the village cadres, who are told, and the history says why', async () => {
    await disableWorkerOf(GRID);
    const res = await report(villager, { location: await centreOf(GRID) });
    expect(res.statusCode, res.body).toBe(201);
    const c = res.json();
    id = c.id;
    expect(c).toMatchObject({ state: 'submitted', stateLabel: '待接单', level: 'village', gridCode: GRID, gridName: '西阳邱村第三网格', villageCode: XIYANGQIU });
    expect(c.events.map((e: { type: string }) => e.type)).toEqual(['submitted', 'routed']);
    expect(c.events[1]).toMatchObject({ automatic: true, fromLevel: 'grid', toLevel: 'village', fromState: 'submitted', toState: 'submitted', actor: { name: '系统' } });

    expect(await notified(cadre, id)).toEqual(['case.new']);
    expect(await notified(secretary, id)).toEqual(['case.new']);
    expect(await notified(staff, id)).toEqual([]);
    // The worker of the next grid neither sees it nor is told.
    expect((await t.request({ method: 'GET', url: `/api/cases/${id}`, token: neighbourWorker })).statusCode).toBe(404);
    expect(await notified(neighbourWorker, id)).toEqual([]);
  });

  it('a cadre may accept and handle it, and the reporter hears who took it', async () => {
    const view = (await t.request({ method: 'GET', url: `/api/cases/${id}`, token: cadre })).json();
    expect(view.allowedActions).toEqual(expect.arrayContaining(['accept', 'reject']));
    const accepted = await t.request({ method: 'POST', url: `/api/cases/${id}/accept`, token: cadre });
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json()).toMatchObject({ state: 'accepted', assignee: { name: '西阳邱村干部' } });
    const resolved = await t.request({ method: 'POST', url: `/api/cases/${id}/resolve`, token: cadre, payload: { note: '已清运', photoIds: [] } });
    expect(resolved.statusCode, resolved.body).toBe(200);
    const notes = (await t.request({ method: 'GET', url: '/api/notifications?pageSize=100', token: villager })).json().items as { caseId: string; body: string }[];
    expect(notes.filter((n) => n.caseId === id).map((n) => n.body)).toContain('村干部西阳邱村干部已接单');
  });
});

describe('a village without cadres', () => {
  it('a grid without a worker in it passes the case straight to the township staff', async () => {
    const GRID = `${DONGYANGQIU}02`;
    await disableWorkerOf(GRID);
    const res = await report(villager, { location: await centreOf(GRID) });
    expect(res.statusCode, res.body).toBe(201);
    const c = res.json();
    expect(c).toMatchObject({ level: 'township', gridCode: GRID, villageCode: DONGYANGQIU, state: 'submitted' });
    expect(c.events[1]).toMatchObject({ type: 'routed', automatic: true, fromLevel: 'grid', toLevel: 'township' });
    expect(await notified(staff, c.id)).toEqual(['case.new']);
    const accepted = await t.request({ method: 'POST', url: `/api/cases/${c.id}/accept`, token: staff });
    expect(accepted.statusCode, accepted.body).toBe(200);
  });

  it('a report placed only by the village goes to the township too', async () => {
    const res = await report(villager, { villageCode: DONGYANGQIU });
    expect(res.statusCode, res.body).toBe(201);
    const c = res.json();
    expect(c).toMatchObject({ level: 'township', gridCode: null, villageCode: DONGYANGQIU });
    expect(c.events[1]).toMatchObject({ type: 'routed', fromLevel: 'village', toLevel: 'township' });
    expect(await notified(staff, c.id)).toEqual(['case.new']);
  });

  it('escalation from a staffed grid skips the village that has nobody and reaches the township', async () => {
    const GRID = `${DONGYANGQIU}01`;
    const worker = await t.login('13800000006');
    const c = (await report(villager, { location: await centreOf(GRID) })).json();
    expect(c).toMatchObject({ level: 'grid', gridCode: GRID });
    expect(c.events.map((e: { type: string }) => e.type)).toEqual(['submitted']);
    const up = await t.request({ method: 'POST', url: `/api/cases/${c.id}/escalate`, token: worker, payload: { reason: '涉及多个村，需乡镇协调' } });
    expect(up.statusCode, up.body).toBe(200);
    const after = (await t.request({ method: 'GET', url: `/api/cases/${c.id}`, token: staff })).json();
    expect(after).toMatchObject({ level: 'township', escalationCount: 1 });
    expect(after.events.at(-1)).toMatchObject({ type: 'escalate', fromLevel: 'grid', toLevel: 'township' });
    expect(await notified(staff, c.id)).toEqual(['case.escalated']);
  });
});

describe('a place outside the reporter’s township', () => {
  const upload = async (gps: { lat: number; lon: number }) => {
    const res = await t.request({ method: 'POST', url: '/api/photos', token: villager, ...photosForm([{ name: 'photo.jpg', data: await makeJpeg({ gps }) }]) });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().items[0] as { id: string };
  };

  it('a photo taken elsewhere is refused with a reason, nothing is filed, and the same report goes through once placed', async () => {
    const photo = await upload({ lat: 39.9042, lon: 116.4074 }); // Beijing
    const id = randomUUID();
    const refused = await report(villager, { id, photoIds: [photo.id], villageCode: XIYANGQIU });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ code: 'PHOTO_OUTSIDE_AREA', message: '照片位置不在本乡镇范围内，请在地图上选择事发地点', messageEn: expect.stringContaining('outside this township') });
    expect((await t.request({ method: 'GET', url: `/api/cases/${id}`, token: villager })).statusCode).toBe(404);

    const placed = await report(villager, { id, photoIds: [photo.id], villageCode: XIYANGQIU, location: await centreOf(`${XIYANGQIU}01`) });
    expect(placed.statusCode, placed.body).toBe(201);
    expect(placed.json()).toMatchObject({ id, gridCode: `${XIYANGQIU}01`, level: 'grid' });
    expect(placed.json().photos.report).toHaveLength(1);
  });

  it('a point chosen outside it is refused too; a photo taken inside it still places the report', async () => {
    const outside = await report(villager, { location: { lon: 116.4074, lat: 39.9042 } });
    expect(outside.statusCode).toBe(422);
    expect(outside.json()).toMatchObject({ code: 'LOCATION_OUTSIDE_AREA', message: '所选位置不在本乡镇范围内，请在地图上重新选择事发地点' });

    const inside = await upload(await centreOf(`${XIYANGQIU}02`));
    const placed = await report(villager, { photoIds: [inside.id] });
    expect(placed.statusCode, placed.body).toBe(201);
    expect(placed.json()).toMatchObject({ gridCode: `${XIYANGQIU}02` });
  });

  it('a grid of another township is outside for its villagers, but inside for the county', async () => {
    // A neighbouring township with one village and one square grid, east of Heibao.
    const square = (x: number, y: number, d: number) => {
      const ring: [number, number][] = [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]];
      return { type: 'Polygon' as const, coordinates: [ring] };
    };
    const imported = await t.services.regions.importFeatures(
      null,
      {
        type: 'FeatureCollection',
        features: [
          { type: 'Feature', properties: { code: '130631203', name: '邻乡', level: 'township', parentCode: '130631' }, geometry: square(115.3, 38.7, 0.02) },
          { type: 'Feature', properties: { code: '130631203201', name: '邻村', level: 'village', parentCode: '130631203' }, geometry: square(115.3, 38.7, 0.02) },
          { type: 'Feature', properties: { code: '13063120320101', name: '邻村第一网格', level: 'grid', parentCode: '130631203201' }, geometry: square(115.3, 38.7, 0.02) },
        ],
      },
      noRequest,
    );
    expect(imported.created).toBe(3);
    const there = { lon: 115.31, lat: 38.71 };
    const refused = await report(villager, { location: there });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().code).toBe('LOCATION_OUTSIDE_AREA');

    const admin = await t.tokenFor('admin');
    const filed = await report(admin, { location: there });
    expect(filed.statusCode, filed.body).toBe(201);
    // Nobody works anywhere in the new township yet: the case stays in its grid rather than moving up to no one.
    expect(filed.json()).toMatchObject({ gridCode: '13063120320101', level: 'grid' });
    expect(filed.json().events.map((e: { type: string }) => e.type)).toEqual(['submitted']);
  });
});
