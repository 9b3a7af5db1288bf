import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

let t: TestApp;
let staff: string;
let key: string;
let centre: { lon: number; lat: number };

beforeAll(async () => {
  t = await createTestApp();
  staff = await t.tokenFor('township_staff');
  centre = (await t.request({ method: 'GET', url: '/api/regions/13063120220601', token: staff })).json().centre;
  const issued = await t.request({ method: 'POST', url: '/api/open311/keys', token: staff, payload: { name: '县 12345 热线', regionCode: '130631202' } });
  expect(issued.statusCode).toBe(201);
  key = issued.json().key;
});
afterAll(async () => t.close());

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe('Open311 GeoReport v2', () => {
  it('lists services (the case categories) and their definitions', async () => {
    const res = await t.request({ method: 'GET', url: '/open311/v2/services.json' });
    expect(res.statusCode).toBe(200);
    const services = res.json();
    expect(services).toHaveLength(9);
    expect(services[0]).toEqual(expect.objectContaining({ service_code: 'village_appearance', service_name: '村容村貌', metadata: false, type: 'realtime' }));
    expect((await t.request({ method: 'GET', url: '/open311/v2/services/sanitation.json' })).json()).toEqual({ service_code: 'sanitation', attributes: [] });
    const missing = await t.request({ method: 'GET', url: '/open311/v2/services/nope.json' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()[0]).toMatchObject({ code: 404 });
  });

  it('round trip: a form POST creates a normal case that the grid worker handles; GET shows it open then closed', async () => {
    const requestId = randomUUID();
    const posted = await t.request({
      method: 'POST',
      url: '/open311/v2/requests.json',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({
        api_key: key,
        service_code: 'infrastructure',
        lat: String(centre.lat),
        long: String(centre.lon),
        address_string: '西阳邱村村委会东侧',
        description: '路灯损坏，夜间漆黑',
        first_name: '明',
        last_name: '王',
        phone: '13700001111',
        request_id: requestId,
      }),
    });
    expect(posted.statusCode).toBe(200);
    expect(posted.json()).toEqual([{ service_request_id: requestId, service_notice: expect.any(String), account_id: null }]);

    // A retried POST with the same request_id does not make a second case.
    const again = await t.request({
      method: 'POST',
      url: '/open311/v2/requests.json',
      payload: { api_key: key, service_code: 'infrastructure', lat: centre.lat, long: centre.lon, description: '路灯损坏，夜间漆黑', request_id: requestId },
    });
    expect(again.json()[0].service_request_id).toBe(requestId);

    const gridWorker = await t.tokenFor('grid_worker');
    const seen = (await t.request({ method: 'GET', url: `/api/cases/${requestId}`, token: gridWorker })).json();
    expect(seen).toMatchObject({ source: 'open311', state: 'submitted', gridCode: '13063120220601', reporter: { name: '王明', phone: '13700001111' } });

    const open = (await t.request({ method: 'GET', url: `/open311/v2/requests/${requestId}.json` })).json();
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ service_request_id: requestId, status: 'open', service_code: 'infrastructure', address: '西阳邱村村委会东侧', agency_responsible: '西阳邱村' });
    expect(open[0].lat).toBeCloseTo(centre.lat, 6);
    expect(JSON.stringify(open)).not.toContain('13700001111');
    expect(JSON.stringify(open)).not.toContain('王明');

    const secretary = await t.tokenFor('branch_secretary');
    await t.request({ method: 'POST', url: `/api/cases/${requestId}/accept`, token: gridWorker });
    await t.request({ method: 'POST', url: `/api/cases/${requestId}/resolve`, token: gridWorker, payload: { note: '已更换灯泡', photoIds: [] } });
    await t.request({ method: 'POST', url: `/api/cases/${requestId}/approve`, token: secretary, payload: {} });
    const closed = (await t.request({ method: 'GET', url: `/open311/v2/requests.json?service_request_id=${requestId}` })).json();
    expect(closed[0]).toMatchObject({ status: 'closed', status_notes: '已更换灯泡' });
    const filtered = (await t.request({ method: 'GET', url: '/open311/v2/requests.json?status=open&service_code=infrastructure' })).json();
    expect(filtered.some((r: { service_request_id: string }) => r.service_request_id === requestId)).toBe(false);
  });

  it('never lists private categories', async () => {
    const villager = await t.tokenFor('villager');
    const c = (await t.request({ method: 'POST', url: '/api/cases', token: villager, payload: { id: randomUUID(), categoryCode: 'mediation', description: '邻里纠纷', location: centre } })).json();
    expect((await t.request({ method: 'GET', url: `/open311/v2/requests/${c.id}.json` })).statusCode).toBe(404);
    const all = (await t.request({ method: 'GET', url: '/open311/v2/requests.json' })).json();
    expect(all.some((r: { service_request_id: string }) => r.service_request_id === c.id)).toBe(false);
  });

  it('refuses a bad or revoked key, a location outside the key’s region, and bad input, in the standard error shape', async () => {
    const bad = await t.request({ method: 'POST', url: '/open311/v2/requests.json', payload: { api_key: 'sx_not-a-real-key', service_code: 'sanitation', lat: centre.lat, long: centre.lon, description: 'x' } });
    expect(bad.statusCode).toBe(403);
    expect(bad.json()[0]).toMatchObject({ code: 403, description: expect.stringMatching(/api_key/) });
    const far = await t.request({ method: 'POST', url: '/open311/v2/requests.json', payload: { api_key: key, service_code: 'sanitation', lat: 39.9, long: 116.4, description: '北京' } });
    expect(far.statusCode).toBe(400);
    const invalid = await t.request({ method: 'POST', url: '/open311/v2/requests.json', payload: { api_key: key, service_code: 'sanitation', lat: 'north', description: '' } });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()[0].description).toMatch(/lat/);
    const badDate = await t.request({ method: 'GET', url: '/open311/v2/requests.json?start_date=yesterday' });
    expect(badDate.statusCode).toBe(400);

    const keys = (await t.request({ method: 'GET', url: '/api/open311/keys', token: staff })).json();
    expect(keys.items).toHaveLength(1);
    expect(JSON.stringify(keys)).not.toContain(key);
    expect((await t.request({ method: 'DELETE', url: `/api/open311/keys/${keys.items[0].id}`, token: staff })).statusCode).toBe(204);
    const revoked = await t.request({ method: 'POST', url: '/open311/v2/requests.json', payload: { api_key: key, service_code: 'sanitation', lat: centre.lat, long: centre.lon, description: '污水' } });
    expect(revoked.statusCode).toBe(403);
  });

  it('lets only staff issue keys, inside their own region', async () => {
    const cadre = await t.tokenFor('village_cadre');
    expect((await t.request({ method: 'POST', url: '/api/open311/keys', token: cadre, payload: { name: 'x', regionCode: '130631202206' } })).statusCode).toBe(403);
    expect((await t.request({ method: 'POST', url: '/api/open311/keys', token: staff, payload: { name: 'x', regionCode: '130631' } })).statusCode).toBe(404);
  });
});
