import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { demoDeviceSecret, demoSpeakers } from './demo-speakers.js';

const VILLAGE = '130631202206'; // 西阳邱村
const NEIGHBOUR = '130631202207'; // 东阳邱村
const GRID = `${VILLAGE}01`;
let t: TestApp;
let cadre: string;
let staff: string;
let admin: string;
let gridWorker: string;
let villager: string;

beforeAll(async () => {
  t = await createTestApp();
  cadre = await t.tokenFor('village_cadre');
  staff = await t.tokenFor('township_staff');
  admin = await t.tokenFor('admin');
  gridWorker = await t.tokenFor('grid_worker');
  villager = await t.tokenFor('villager');
});
afterAll(async () => t.close());

const create = (token: string, payload: object) => t.request({ method: 'POST', url: '/api/devices', token, payload });
const get = (token: string, id: string) => t.request({ method: 'GET', url: `/api/devices/${id}`, token });
const patch = (token: string, id: string, payload: object) => t.request({ method: 'PATCH', url: `/api/devices/${id}`, token, payload });

describe('the demo speakers', () => {
  it('are two in every village, with secrets derived from the demo seed', async () => {
    expect(demoSpeakers()).toHaveLength(32);
    const list = (await t.request({ method: 'GET', url: '/api/devices?pageSize=200', token: staff })).json();
    expect(list.total).toBe(32);
    expect(list.items.every((d: { online: boolean; enabled: boolean }) => !d.online && d.enabled)).toBe(true);
    const first = `spk-${VILLAGE}-01`;
    expect(await t.services.devices.verifyCredentials(first, demoDeviceSecret(first))).toBe(true);
    expect(await t.services.devices.verifyCredentials(first, demoDeviceSecret(`spk-${VILLAGE}-02`))).toBe(false);
  });
});

describe('registering a speaker', () => {
  let id: string;
  let secret: string;

  it('a village cadre registers one in their village; the secret is shown once, the hash never', async () => {
    const res = await create(cadre, { name: '村委会东侧音柱', location: { lon: 115.07, lat: 38.69 }, volume: 70, boundCameraId: 'cam-xyq-01' });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    id = body.device.id;
    secret = body.secret;
    expect(id).toBe(`spk-${VILLAGE}-03`); // the demo has -01 and -02
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.broker).toMatchObject({ username: id, clientId: id, protocolVersion: 4 });
    expect(body.device).toMatchObject({
      kind: 'speaker',
      regionCode: VILLAGE,
      regionName: '西阳邱村',
      volume: 70,
      reportedVolume: null,
      online: false,
      enabled: true,
      boundCameraId: 'cam-xyq-01',
      rejectedMessages: 0,
      topics: { cmd: `shuxiang/devices/${id}/cmd`, status: `shuxiang/devices/${id}/status` },
    });
    expect(res.body).not.toContain('$7$');
    const again = (await get(cadre, id)).json();
    expect(again).not.toHaveProperty('secret');
    expect(JSON.stringify(again)).not.toContain('$7$');
    expect(await t.services.devices.verifyCredentials(id, secret)).toBe(true);
  });

  it('is audited without the secret', async () => {
    const audit = (await t.request({ method: 'GET', url: `/api/audit-events?targetType=device&targetId=${id}`, token: staff })).json();
    const event = audit.items.find((e: { action: string }) => e.action === 'device.create');
    expect(event).toMatchObject({ targetId: id, details: { name: '村委会东侧音柱', secretProvided: false } });
    expect(JSON.stringify(audit)).not.toContain(secret);
  });

  it('takes a factory-provisioned id and secret; a taken id is a conflict, the platform’s name is reserved', async () => {
    const factory = 'factory-secret-0123456789-abcdefghij';
    const res = await create(staff, { id: 'spk-sn-00042', name: '厂装音柱', regionCode: NEIGHBOUR, secret: factory });
    expect(res.statusCode).toBe(201);
    expect(await t.services.devices.verifyCredentials('spk-sn-00042', factory)).toBe(true);
    const taken = await create(staff, { id: 'spk-sn-00042', name: '重复', regionCode: NEIGHBOUR });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().code).toBe('DEVICE_EXISTS');
    const reserved = await create(admin, { id: 'shuxiang-platform', name: '冒名', regionCode: VILLAGE });
    expect(reserved.statusCode).toBe(400);
    expect(reserved.json().details[0].field).toBe('body.id');
  });

  it('lists every bad field, and refuses places that are not a village or grid or not the caller’s', async () => {
    const bad = await create(cadre, { id: 'Bad Id', name: '', volume: 101, secret: 'short', colour: 'red' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details.map((d: { field: string }) => d.field).sort()).toEqual(['body', 'body.id', 'body.name', 'body.secret', 'body.volume']);
    const township = await create(staff, { name: '乡政府音柱' });
    expect(township.statusCode).toBe(400);
    expect(township.json().details[0].field).toBe('body.regionCode');
    const foreign = await create(cadre, { name: '越界', regionCode: NEIGHBOUR });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().code).toBe('REGION_NOT_FOUND');
    expect((await create(villager, { name: '村民音柱' })).statusCode).toBe(403);
    expect((await create(gridWorker, { name: '网格音柱', regionCode: GRID })).statusCode).toBe(403);
  });

  it('places a speaker in a grid, where that grid’s worker sees it', async () => {
    const res = await create(cadre, { id: 'spk-grid-01', name: '第一网格音柱', regionCode: GRID });
    expect(res.statusCode).toBe(201);
    const mine = (await t.request({ method: 'GET', url: '/api/devices', token: gridWorker })).json();
    expect(mine.items.map((d: { id: string }) => d.id)).toEqual(['spk-grid-01']);
    expect((await get(gridWorker, `spk-${VILLAGE}-01`)).statusCode).toBe(404);
  });

  it('changes name, place, camera and volume (kept for when it comes online), audited', async () => {
    const res = await patch(cadre, id, { name: '村委会音柱', location: null, boundCameraId: null, volume: 55 });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ name: '村委会音柱', location: null, boundCameraId: null, volume: 55, reportedVolume: null });
    const moved = await patch(cadre, id, { regionCode: GRID });
    expect(moved.json().regionCode).toBe(GRID);
    expect((await patch(cadre, id, { regionCode: NEIGHBOUR })).statusCode).toBe(404);
    expect((await patch(cadre, id, {})).statusCode).toBe(400);
    const audit = (await t.request({ method: 'GET', url: `/api/audit-events?targetType=device&targetId=${id}`, token: staff })).json();
    expect(audit.items.filter((e: { action: string }) => e.action === 'device.update')).toHaveLength(2);
  });

  it('disabling refuses its credentials until enabled again', async () => {
    expect((await patch(cadre, id, { enabled: false })).json()).toMatchObject({ enabled: false, online: false });
    expect(await t.services.devices.verifyCredentials(id, secret)).toBe(false);
    expect((await patch(cadre, id, { enabled: true })).json().enabled).toBe(true);
    expect(await t.services.devices.verifyCredentials(id, secret)).toBe(true);
  });

  it('rotating the secret retires the old one; the new one is shown once', async () => {
    const res = await t.request({ method: 'POST', url: `/api/devices/${id}/rotate-secret`, token: cadre });
    expect(res.statusCode).toBe(200);
    const fresh = res.json().secret as string;
    expect(fresh).not.toBe(secret);
    expect(await t.services.devices.verifyCredentials(id, secret)).toBe(false);
    expect(await t.services.devices.verifyCredentials(id, fresh)).toBe(true);
  });

  it('removing deletes it and its credentials, audited', async () => {
    const res = await t.request({ method: 'DELETE', url: `/api/devices/${id}`, token: cadre });
    expect(res.statusCode).toBe(204);
    expect((await get(cadre, id)).statusCode).toBe(404);
    expect(await t.services.devices.verifyCredentials(id, 'anything')).toBe(false);
    const audit = (await t.request({ method: 'GET', url: `/api/audit-events?targetType=device&targetId=${id}`, token: staff })).json();
    expect(audit.items.map((e: { action: string }) => e.action)).toContain('device.delete');
  });
});

describe('reading the register', () => {
  it('is scoped: a cadre sees their village only, staff the township; villagers nothing', async () => {
    const own = (await t.request({ method: 'GET', url: '/api/devices?pageSize=200', token: cadre })).json();
    expect(own.items.length).toBeGreaterThan(0);
    expect(own.items.every((d: { regionCode: string }) => d.regionCode.startsWith(VILLAGE))).toBe(true);
    expect((await get(cadre, `spk-${NEIGHBOUR}-01`)).statusCode).toBe(404);
    expect((await get(staff, `spk-${NEIGHBOUR}-01`)).statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url: '/api/devices', token: villager })).statusCode).toBe(403);
  });

  it('filters by village, online state, kind and text, with pagination', async () => {
    const query = async (q: string) => (await t.request({ method: 'GET', url: `/api/devices?${q}`, token: staff })).json();
    const neighbour = await query(`village=${NEIGHBOUR}&pageSize=200`);
    expect(neighbour.items.map((d: { id: string }) => d.id).sort()).toEqual([`spk-${NEIGHBOUR}-01`, `spk-${NEIGHBOUR}-02`, 'spk-sn-00042']);
    expect((await query('online=true')).total).toBe(0);
    expect((await query('online=false&kind=speaker')).total).toBeGreaterThanOrEqual(32);
    expect((await query('q=厂装')).items.map((d: { id: string }) => d.id)).toEqual(['spk-sn-00042']);
    const page = await query('pageSize=5&page=2');
    expect(page).toMatchObject({ page: 2, pageSize: 5 });
    expect(page.items).toHaveLength(5);
    expect((await t.request({ method: 'GET', url: '/api/devices?online=maybe', token: staff })).statusCode).toBe(400);
  });

  it('stats count the scope; only administrators see this process’s MQTT counters', async () => {
    const village = (await t.request({ method: 'GET', url: '/api/devices/stats', token: cadre })).json();
    expect(village).toMatchObject({ online: 0, disabled: 0, process: null });
    expect(village.total).toBe(village.offline);
    const county = (await t.request({ method: 'GET', url: '/api/devices/stats', token: admin })).json();
    expect(county.total).toBeGreaterThan(village.total);
    expect(county.process).toMatchObject({ connected: false, broker: null, received: 0, commandsSent: 0 });
  });
});

describe('for other modules', () => {
  it('finds the speakers of regions by code or path, and those bound to a camera', async () => {
    const byCode = await t.services.devices.speakersIn([VILLAGE]);
    expect(byCode.map((s) => s.id)).toEqual(expect.arrayContaining([`spk-${VILLAGE}-01`, `spk-${VILLAGE}-02`, 'spk-grid-01']));
    expect(byCode.every((s) => s.regionPath.includes(`/${VILLAGE}/`))).toBe(true);
    const township = await t.services.devices.speakersIn(['/130631/130631202/']);
    expect(township.length).toBeGreaterThanOrEqual(33);
    expect(await t.services.devices.speakersIn([])).toEqual([]);
    await patch(staff, `spk-${NEIGHBOUR}-02`, { boundCameraId: 'cam-dyq-7' });
    expect((await t.services.devices.speakersBoundTo('cam-dyq-7')).map((s) => s.id)).toEqual([`spk-${NEIGHBOUR}-02`]);
  });

  it('refuses commands while no broker is attached', async () => {
    await expect(t.services.devices.sendCommand(`spk-${VILLAGE}-01`, { type: 'stop' })).rejects.toMatchObject({ code: 'DEVICE_MESSAGING_UNAVAILABLE' });
  });
});
