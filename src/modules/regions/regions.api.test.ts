import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { centreOf, type AreaGeometry } from './geometry.js';

let t: TestApp;
let staff: string;
let admin: string;

beforeAll(async () => {
  t = await createTestApp();
  staff = await t.tokenFor('township_staff');
  admin = await t.tokenFor('admin');
});
afterAll(async () => t.close());

const square = (lon: number, lat: number, size = 0.01) => ({
  type: 'Polygon' as const,
  coordinates: [[[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]],
});

describe('the demo township', () => {
  it('has the 16 real villages of 黑堡乡 with the published population figures', async () => {
    const res = await t.request({ method: 'GET', url: '/api/regions/130631202/children?pageSize=50', token: staff });
    expect(res.statusCode).toBe(200);
    const villages = res.json().items as { name: string; registeredPopulation: number; residentPopulation: number; illustrativeBoundary: boolean }[];
    expect(villages.map((v) => v.name).sort()).toEqual(
      ['西阳邱村', '东阳邱村', '西黑堡村', '东黑堡村', '李家庄村', '固现村', '安庄村', '宰庄村', '黄庄村', '崔庄村', '唐会村', '东安里村', '西白城村', '东白城村', '南康庄村', '闫庄村'].sort(),
    );
    expect(villages.reduce((s, v) => s + v.registeredPopulation, 0)).toBe(29_880);
    expect(villages.reduce((s, v) => s + v.residentPopulation, 0)).toBe(19_506);
    expect(villages.every((v) => v.illustrativeBoundary)).toBe(true);
    const township = (await t.request({ method: 'GET', url: '/api/regions/130631202', token: staff })).json();
    expect(township).toMatchObject({ name: '黑堡乡', level: 'township', registeredPopulation: 29_880, residentPopulation: 19_506 });
    expect(township.areaKm2).toBeGreaterThanOrEqual(38);
    expect(township.areaKm2).toBeLessThanOrEqual(44);
    expect(township.ancestors).toEqual([{ code: '130631', name: '望都县', level: 'county' }]);
    expect(township.boundary.type).toBe('Polygon');
  });

  it('has 2–4 grids per village', async () => {
    const grids = (await t.request({ method: 'GET', url: '/api/regions?level=grid&pageSize=200', token: staff })).json();
    const perVillage = new Map<string, number>();
    for (const g of grids.items) perVillage.set(g.parentCode, (perVillage.get(g.parentCode) ?? 0) + 1);
    expect(perVillage.size).toBe(16);
    for (const n of perVillage.values()) expect(n).toBeGreaterThanOrEqual(2), expect(n).toBeLessThanOrEqual(4);
  });

  it('searches by name and filters by level', async () => {
    const res = (await t.request({ method: 'GET', url: `/api/regions?level=village&q=${encodeURIComponent('阳邱')}`, token: staff })).json();
    expect(res.items.map((r: { name: string }) => r.name).sort()).toEqual(['东阳邱村', '西阳邱村']);
    expect(res.total).toBe(2);
  });
});

describe('locating a point', () => {
  it('finds the grid, village and township containing a point', async () => {
    const grid = (await t.request({ method: 'GET', url: '/api/regions/13063120220602', token: staff })).json();
    const [lon, lat] = centreOf(grid.boundary as AreaGeometry);
    const res = await t.request({ method: 'GET', url: `/api/regions/locate?lon=${lon}&lat=${lat}`, token: staff });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ grid: { code: '13063120220602' }, village: { name: '西阳邱村' }, township: { name: '黑堡乡' } });
  });

  it('says clearly when no grid holds the point', async () => {
    const res = await t.request({ method: 'GET', url: '/api/regions/locate?lon=116.4&lat=39.9', token: staff });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('NO_GRID_AT_POINT');
    const bad = await t.request({ method: 'GET', url: '/api/regions/locate?lon=abc&lat=99', token: staff });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details.map((d: { field: string }) => d.field).sort()).toEqual(['querystring.lat', 'querystring.lon']);
  });
});

describe('importing GeoJSON', () => {
  const newTownship = {
    type: 'FeatureCollection',
    features: [
      // Children before parents: the importer orders them itself.
      { type: 'Feature', properties: { code: '13063120330101', name: '测试村第一网格', level: 'grid', parentCode: '130631203301' }, geometry: square(115.2, 38.6, 0.005) },
      { type: 'Feature', properties: { code: '130631203301', name: '测试村', level: 'village', parentCode: '130631203', residentPopulation: 800 }, geometry: square(115.2, 38.6) },
      { type: 'Feature', properties: { code: '130631203', name: '固店镇', level: 'township', parentCode: '130631' }, geometry: square(115.19, 38.59, 0.05) },
    ],
  };

  it('creates regions in dependency order, computes area and centre, and re-import updates', async () => {
    const auditCount = async () =>
      (await t.request({ method: 'GET', url: '/api/audit-events?action=regions.import', token: admin })).json().total as number;
    const before = await auditCount();
    const res = await t.request({ method: 'POST', url: '/api/regions/import', token: admin, payload: newTownship });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ created: 3, updated: 0 });
    const village = (await t.request({ method: 'GET', url: '/api/regions/130631203301', token: admin })).json();
    expect(village.areaKm2).toBeCloseTo(0.97, 1);
    expect(village.centre.lon).toBeCloseTo(115.205, 5);
    expect(village.ancestors.map((a: { name: string }) => a.name)).toEqual(['望都县', '固店镇']);
    const again = await t.request({ method: 'POST', url: '/api/regions/import', token: admin, payload: newTownship });
    expect(again.json()).toMatchObject({ created: 0, updated: 3 });
    expect(await auditCount()).toBe(before + 2);
  });

  it('rejects bad geometry naming the feature, and writes nothing', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/api/regions/import',
      token: admin,
      payload: {
        type: 'FeatureCollection',
        features: [
          { type: 'Feature', properties: { code: '130631204', name: '寺庄镇', level: 'township', parentCode: '130631' }, geometry: square(115.3, 38.6) },
          {
            type: 'Feature',
            properties: { code: '130631204301', name: '坏村', level: 'village', parentCode: '130631204' },
            geometry: { type: 'Polygon', coordinates: [[[115.3, 38.6], [115.31, 38.6], [115.31, 38.61], [115.3, 38.61]]] },
          },
        ],
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'INVALID_GEOJSON', details: [{ field: 'features.1.geometry', messageEn: expect.stringMatching(/first and last/) }] });
    expect((await t.request({ method: 'GET', url: '/api/regions/130631204', token: admin })).statusCode).toBe(404);
  });

  it('rejects a missing parent or a wrong level, all or nothing', async () => {
    const orphan = await t.request({
      method: 'POST',
      url: '/api/regions/import',
      token: admin,
      payload: {
        type: 'FeatureCollection',
        features: [
          { type: 'Feature', properties: { code: '130631205', name: '好镇', level: 'township', parentCode: '130631' }, geometry: null },
          { type: 'Feature', properties: { code: '130631205301', name: '孤村', level: 'village', parentCode: '999999999' }, geometry: null },
        ],
      },
    });
    expect(orphan.statusCode).toBe(400);
    expect(orphan.json().details[0]).toMatchObject({ field: 'features.1.properties.parentCode' });
    expect((await t.request({ method: 'GET', url: '/api/regions/130631205', token: admin })).statusCode).toBe(404);
    const wrongLevel = await t.request({
      method: 'POST',
      url: '/api/regions/import',
      token: admin,
      payload: { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { code: 'G-1', name: '错层', level: 'grid', parentCode: '130631202' }, geometry: null }] },
    });
    expect(wrongLevel.statusCode).toBe(400);
    expect(wrongLevel.json().details[0].messageEn).toMatch(/grid must sit under village/);
  });

  it('lets township staff import only inside their township', async () => {
    const outside = await t.request({
      method: 'POST',
      url: '/api/regions/import',
      token: staff,
      payload: { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { code: '130631206', name: '外镇', level: 'township', parentCode: '130631' }, geometry: null }] },
    });
    expect(outside.statusCode).toBe(403);
    const inside = await t.request({
      method: 'POST',
      url: '/api/regions/import',
      token: staff,
      payload: {
        type: 'FeatureCollection',
        features: [{ type: 'Feature', properties: { code: '13063120220605', name: '西阳邱村第五网格', level: 'grid', parentCode: '130631202206' }, geometry: null }],
      },
    });
    expect(inside.statusCode).toBe(200);
  });

  it('refuses an unknown code format and unknown properties', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/api/regions/import',
      token: admin,
      payload: { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { code: 'a b%', name: 'x', level: 'county', colour: 'red' }, geometry: null }] },
    });
    expect(res.statusCode).toBe(400);
    const fields = res.json().details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['body.features.0.properties.code', 'body.features.0.properties']));
  });
});

describe('updating figures', () => {
  it('updates a village’s figures and records before and after', async () => {
    const res = await t.request({ method: 'PATCH', url: '/api/regions/130631202206', token: staff, payload: { residentPopulation: 2000, households: 700 } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ residentPopulation: 2000, households: 700 });
    const audit = (await t.request({ method: 'GET', url: '/api/audit-events?action=region.update&targetId=130631202206', token: staff })).json();
    expect(audit.items[0].details.after).toEqual({ residentPopulation: 2000, households: 700 });
    expect(audit.items[0].details.before.residentPopulation).not.toBe(2000);
  });

  it('refuses an empty change and negative figures', async () => {
    expect((await t.request({ method: 'PATCH', url: '/api/regions/130631202206', token: staff, payload: {} })).statusCode).toBe(400);
    const neg = await t.request({ method: 'PATCH', url: '/api/regions/130631202206', token: staff, payload: { households: -1 } });
    expect(neg.statusCode).toBe(400);
    expect(neg.json().details[0].field).toBe('body.households');
  });
});
