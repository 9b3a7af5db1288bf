import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg } from '../../../test/support/images.js';
import { photosForm } from '../../../test/support/multipart.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

let t: TestApp;
let villager: string;
let gridWorker: string;
let centre: { lon: number; lat: number };

beforeAll(async () => {
  t = await createTestApp();
  villager = await t.tokenFor('villager');
  gridWorker = await t.tokenFor('grid_worker');
  const staff = await t.tokenFor('township_staff');
  centre = (await t.request({ method: 'GET', url: '/api/regions/13063120220602', token: staff })).json().centre;
});
afterAll(async () => t.close());

const upload = async (token: string, jpeg: Buffer) => {
  const res = await t.request({ method: 'POST', url: '/api/photos', token, ...photosForm([{ name: 'photo.jpg', data: jpeg }]) });
  expect(res.statusCode).toBe(201);
  return res.json().items[0] as { id: string; exif: { lat: number; lon: number } | null };
};

describe('photos on cases', () => {
  it('routes a report by the GPS in its photo when the phone sends no location, and shows before and after photos', async () => {
    const photo = await upload(villager, await makeJpeg({ gps: { lat: centre.lat, lon: centre.lon } }));
    expect(photo.exif?.lat).toBeCloseTo(centre.lat, 4);
    const res = await t.request({
      method: 'POST',
      url: '/api/cases',
      token: villager,
      payload: { id: randomUUID(), categoryCode: 'sanitation', description: '沟渠里有死鱼', photoIds: [photo.id] },
    });
    expect(res.statusCode).toBe(201);
    const c = res.json();
    expect(c).toMatchObject({ gridCode: '13063120220602', level: 'grid' });
    expect(c.location.lat).toBeCloseTo(centre.lat, 4);
    expect(c.photos.report).toHaveLength(1);
    expect(c.events[0].photos).toHaveLength(1);
    const image = await t.request({ method: 'GET', url: new URL(c.photos.report[0].url, 'http://x').pathname + new URL(c.photos.report[0].url, 'http://x').search });
    expect(image.statusCode).toBe(200);
    expect(image.headers['content-type']).toBe('image/jpeg');

    const worker2 = await t.request({ method: 'GET', url: `/api/cases/${c.id}`, token: gridWorker });
    // The photo's grid is the second grid; the demo grid worker holds the first, so they do not see it.
    expect(worker2.statusCode).toBe(404);
    const cadre = await t.tokenFor('village_cadre');
    await t.request({ method: 'POST', url: `/api/cases/${c.id}/accept`, token: cadre });
    const after = await upload(cadre, await makeJpeg());
    const resolved = await t.request({ method: 'POST', url: `/api/cases/${c.id}/resolve`, token: cadre, payload: { note: '已打捞清理', photoIds: [after.id] } });
    expect(resolved.statusCode).toBe(200);
    expect(resolved.json().photos.resolution.map((p: { id: string }) => p.id)).toEqual([after.id]);
  });

  it('refuses someone else’s photo and a photo already used, and writes nothing', async () => {
    const theirs = await upload(gridWorker, await makeJpeg());
    const id = randomUUID();
    const res = await t.request({
      method: 'POST',
      url: '/api/cases',
      token: villager,
      payload: { id, categoryCode: 'sanitation', description: '借用别人的照片', location: centre, photoIds: [theirs.id] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'PHOTO_NOT_ATTACHABLE', details: [{ field: 'body.photoIds.0' }] });
    expect(await t.db.selectFrom('cases').where('id', '=', id).select('id').executeTakeFirst()).toBeUndefined();

    const mine = await upload(villager, await makeJpeg());
    const first = await t.request({ method: 'POST', url: '/api/cases', token: villager, payload: { id: randomUUID(), categoryCode: 'sanitation', description: '第一次', location: centre, photoIds: [mine.id] } });
    expect(first.statusCode).toBe(201);
    const reused = await t.request({ method: 'POST', url: '/api/cases', token: villager, payload: { id: randomUUID(), categoryCode: 'sanitation', description: '第二次', location: centre, photoIds: [mine.id] } });
    expect(reused.statusCode).toBe(400);
  });
});
