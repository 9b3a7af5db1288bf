import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import exifr from 'exifr';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg, makePng, makeWebp } from '../../../test/support/images.js';
import { multipartBody, photosForm } from '../../../test/support/multipart.js';
import { createTestApp, TEST_SECRET, type TestApp } from '../../../test/support/test-app.js';
import { LocalBlobStore } from '../../platform/blobs/local-blob-store.js';
import { systemClock } from '../../platform/clock.js';
import type { Actor } from '../../platform/request-context.js';
import { UrlSigner } from '../../platform/signing.js';
import { PhotosRepository } from './photos.repository.js';
import { defaultPhotoSettings, PhotosService } from './photos.service.js';

let t: TestApp;
let dataDir: string;
let villager: string;
let worker: string;
let villagerId: string;
let workerId: string;
let villagerActor: Actor;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'shuxiang-photos-'));
  t = await createTestApp({ env: { SHUXIANG_DATA_DIR: dataDir } });
  villager = await t.tokenFor('villager');
  worker = await t.tokenFor('grid_worker');
  const me = async (token: string) => (await t.request({ method: 'GET', url: '/api/auth/me', token })).json().user;
  const v = await me(villager);
  villagerId = v.id;
  workerId = (await me(worker)).id;
  villagerActor = { userId: v.id, role: 'villager', name: v.name, phone: v.phone, scope: { regionCode: v.regionCode, path: '/130631/130631202/130631202206/' } };
});
afterAll(async () => {
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

interface UploadedPhoto {
  id: string;
  width: number;
  height: number;
  bytes: number;
  contentType: string;
  url: string;
  thumbUrl: string;
  exif: { lat: number | null; lon: number | null; takenAt: string | null } | null;
}

const upload = (token: string | undefined, files: { name: string; data: Buffer; type?: string }[], field?: string) =>
  t.request({ method: 'POST', url: '/api/photos', token, ...photosForm(files, field) });

async function uploadOne(token: string, data?: Buffer): Promise<UploadedPhoto> {
  const res = await upload(token, [{ name: 'p.jpg', data: data ?? (await makeJpeg()) }]);
  expect(res.statusCode, res.body).toBe(201);
  return res.json().items[0];
}

const photoRows = async () => Number((await t.db.selectFrom('photos').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
function blobFiles(): string[] {
  const root = path.join(dataDir, 'blobs');
  try {
    return readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.join(e.parentPath, e.name));
  } catch {
    return [];
  }
}

/** Runs `fn` and checks it stored nothing: no row, no file. */
async function storesNothing(fn: () => Promise<void>) {
  const rows = await photoRows();
  const files = blobFiles().length;
  await fn();
  expect(await photoRows()).toBe(rows);
  expect(blobFiles().length).toBe(files);
}

describe('uploading photos', () => {
  it('cleans a JPEG: upright, GPS and time read, metadata gone from what is served', async () => {
    const input = await makeJpeg({ width: 640, height: 480, orientation: 6, gps: { lat: 38.709612, lon: 115.153427 }, takenAt: '2026:11:20 14:30:05' });
    const res = await upload(villager, [{ name: '垃圾堆.jpg', data: input }]);
    expect(res.statusCode, res.body).toBe(201);
    const [photo] = res.json().items as UploadedPhoto[];
    expect(photo).toMatchObject({ width: 480, height: 640, contentType: 'image/jpeg', exif: { takenAt: '2026-11-20T06:30:05.000Z' } });
    expect(photo!.exif!.lat).toBeCloseTo(38.709612, 5);
    expect(photo!.exif!.lon).toBeCloseTo(115.153427, 5);

    const full = await t.request({ method: 'GET', url: photo!.url });
    expect(full.statusCode).toBe(200);
    expect(full.headers['content-type']).toBe('image/jpeg');
    expect(full.headers['cache-control']).toMatch(/^private, max-age=\d+, immutable$/);
    expect(full.headers['x-content-type-options']).toBe('nosniff');
    expect(full.rawPayload.length).toBe(photo!.bytes);
    const meta = await sharp(full.rawPayload).metadata();
    expect([meta.width, meta.height]).toEqual([480, 640]);
    expect(meta.exif).toBeUndefined();
    expect(await exifr.parse(full.rawPayload, true).catch(() => undefined)).toBeUndefined();

    const thumb = await t.request({ method: 'GET', url: photo!.thumbUrl });
    expect(thumb.statusCode).toBe(200);
    const thumbMeta = await sharp(thumb.rawPayload).metadata();
    expect([thumbMeta.width, thumbMeta.height]).toEqual([240, 320]);
    expect(thumbMeta.exif).toBeUndefined();

    // And on disk: the stored files carry no EXIF either.
    const stored = await t.db.selectFrom('photos').selectAll().where('id', '=', photo!.id).executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ owner_id: villagerId, region_path: '/130631/130631202/130631202206/', case_id: null, kind: null });
    const onDisk = await new LocalBlobStore(path.join(dataDir, 'blobs')).get(stored.blob_key);
    expect((await sharp(onDisk!.body).metadata()).exif).toBeUndefined();
  });

  it('takes up to nine PNG, WebP and JPEG files at once, in order', async () => {
    const files = [
      { name: 'a.png', data: await makePng({ width: 300, height: 200, alpha: true }), type: 'image/png' },
      { name: 'b.webp', data: await makeWebp({ width: 200, height: 300 }), type: 'image/webp' },
      ...(await Promise.all(Array.from({ length: 7 }, async (_, i) => ({ name: `c${i}.jpg`, data: await makeJpeg({ width: 100 + i, height: 100 }) })))),
    ];
    const res = await upload(villager, files);
    expect(res.statusCode, res.body).toBe(201);
    const items = res.json().items as UploadedPhoto[];
    expect(items.map((p) => [p.width, p.height])).toEqual([[300, 200], [200, 300], ...Array.from({ length: 7 }, (_, i) => [100 + i, 100])]);
    expect(items.every((p) => p.contentType === 'image/jpeg' && p.exif === null)).toBe(true);
    expect(new Set(items.map((p) => p.id)).size).toBe(9);
  });

  it('recognises images by their bytes, not by name or declared type', async () => {
    const png = await makePng();
    const ok = await upload(villager, [{ name: 'notes.txt', data: png, type: 'text/plain' }]);
    expect(ok.statusCode, ok.body).toBe(201);

    await storesNothing(async () => {
      const fake = await upload(villager, [{ name: 'photo.jpg', data: Buffer.from('this is a text file, renamed .jpg\n'), type: 'image/jpeg' }]);
      expect(fake.statusCode).toBe(415);
      expect(fake.json()).toMatchObject({ code: 'UNSUPPORTED_IMAGE', details: [{ field: 'photos.0' }] });
      expect(fake.json().message).toContain('photo.jpg');
      const gif = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } }).gif().toBuffer();
      expect((await upload(villager, [{ name: 'x.gif', data: gif, type: 'image/gif' }])).json().code).toBe('UNSUPPORTED_IMAGE');
    });
  });

  it('rejects a damaged image, and stores none of an upload that has one', async () => {
    const whole = await makeJpeg({ width: 1200, height: 900, noise: true });
    await storesNothing(async () => {
      const res = await upload(villager, [
        { name: 'good.jpg', data: await makeJpeg() },
        { name: 'cut.jpg', data: whole.subarray(0, Math.floor(whole.length / 2)) },
      ]);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'INVALID_IMAGE', details: [{ field: 'photos.1' }] });
      expect(res.json().messageEn).toContain('cut.jpg');
    });
  });

  it('refuses a file over the size limit with 413, storing nothing (not even the earlier files)', async () => {
    const big = Buffer.concat([await makeJpeg(), Buffer.alloc(11 * 1024 * 1024, 0x55)]);
    await storesNothing(async () => {
      const res = await upload(villager, [
        { name: 'first.jpg', data: await makeJpeg() },
        { name: 'huge.jpg', data: big },
      ]);
      expect(res.statusCode).toBe(413);
      expect(res.json()).toMatchObject({ code: 'PHOTO_TOO_LARGE', details: [{ field: 'photos.1' }] });
      expect(res.json().message).toContain('huge.jpg');
      expect(res.json().messageEn).toContain('10 MB');
    });
  });

  it('refuses ten files with 413 TOO_MANY_PHOTOS, storing nothing', async () => {
    const jpeg = await makeJpeg();
    await storesNothing(async () => {
      const res = await upload(villager, Array.from({ length: 10 }, (_, i) => ({ name: `${i}.jpg`, data: jpeg })));
      expect(res.statusCode).toBe(413);
      expect(res.json().code).toBe('TOO_MANY_PHOTOS');
      const many = await upload(villager, Array.from({ length: 30 }, (_, i) => ({ name: `${i}.jpg`, data: jpeg })));
      expect(many.json().code).toBe('TOO_MANY_PHOTOS');
    });
  });

  it('answers every malformed request with a 4xx that says what is wrong', async () => {
    const jpeg = await makeJpeg();
    await storesNothing(async () => {
      const empty = await t.request({ method: 'POST', url: '/api/photos', token: villager, ...multipartBody([]) });
      expect(empty.statusCode).toBe(400);
      expect(empty.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'body.photos' }] });

      const noBody = await t.request({ method: 'POST', url: '/api/photos', token: villager, headers: { 'content-type': 'multipart/form-data; boundary=x' } });
      expect(noBody.statusCode).toBe(400);

      const wrongField = await upload(villager, [{ name: 'a.jpg', data: jpeg }], 'photo');
      expect(wrongField.statusCode).toBe(400);
      expect(wrongField.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'body.photo' }] });

      const textField = await t.request({
        method: 'POST',
        url: '/api/photos',
        token: villager,
        ...multipartBody([{ field: 'caption', data: 'hi' }, { field: 'photos', filename: 'a.jpg', data: jpeg }]),
      });
      expect(textField.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'body.caption' }] });

      const json = await t.request({ method: 'POST', url: '/api/photos', token: villager, payload: { photos: ['x'] } });
      expect(json.statusCode).toBe(415);
      expect(json.json().code).toBe('UNSUPPORTED_MEDIA_TYPE');

      const binary = await t.request({ method: 'POST', url: '/api/photos', token: villager, payload: jpeg, headers: { 'content-type': 'image/jpeg' } });
      expect(binary.statusCode).toBe(415);

      const noBoundary = await t.request({ method: 'POST', url: '/api/photos', token: villager, payload: 'x', headers: { 'content-type': 'multipart/form-data' } });
      expect(noBoundary.statusCode).toBe(400);

      const cutOff = photosForm([{ name: 'a.jpg', data: jpeg }]);
      const truncatedForm = await t.request({ method: 'POST', url: '/api/photos', token: villager, headers: cutOff.headers, payload: cutOff.payload.subarray(0, 300) });
      expect(truncatedForm.statusCode).toBe(400);

      const zeroBytes = await upload(villager, [{ name: 'empty.jpg', data: Buffer.alloc(0) }]);
      expect(zeroBytes.json().code).toBe('INVALID_IMAGE');
    });
  });

  it('needs a signed-in user whose password is settled', async () => {
    const res = await upload(undefined, [{ name: 'a.jpg', data: await makeJpeg() }]);
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('UNAUTHENTICATED');
  });

  it('keeps two uploads at once apart', async () => {
    const [a, b] = await Promise.all([
      upload(villager, [{ name: 'a.jpg', data: await makeJpeg({ width: 321, height: 123 }) }, { name: 'a2.png', data: await makePng({ width: 50, height: 60 }) }]),
      upload(worker, [{ name: 'b.jpg', data: await makeJpeg({ width: 222, height: 111, gps: { lat: 38.7, lon: 115.1 } }) }]),
    ]);
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(a.json().items.map((p: UploadedPhoto) => [p.width, p.height])).toEqual([[321, 123], [50, 60]]);
    expect(b.json().items.map((p: UploadedPhoto) => [p.width, p.height])).toEqual([[222, 111]]);
    const owners = await t.db
      .selectFrom('photos')
      .select(['id', 'owner_id'])
      .where('id', 'in', [...a.json().items, ...b.json().items].map((p: UploadedPhoto) => p.id))
      .execute();
    const ownerOf = new Map(owners.map((r) => [r.id, r.owner_id]));
    expect(a.json().items.every((p: UploadedPhoto) => ownerOf.get(p.id) === villagerId)).toBe(true);
    expect(ownerOf.get(b.json().items[0].id)).toBe(workerId);
    for (const p of [...a.json().items, ...b.json().items] as UploadedPhoto[]) {
      const img = await t.request({ method: 'GET', url: p.url });
      expect((await sharp(img.rawPayload).metadata()).width).toBe(p.width);
    }
  });
});

describe('the size limit, exactly', () => {
  let small: TestApp;
  let token: string;
  let base: string;
  const LIMIT = 60_000;
  beforeAll(async () => {
    small = await createTestApp({ env: { PHOTO_MAX_BYTES: String(LIMIT) } });
    token = await small.tokenFor('villager');
    await small.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(small.app.server.address() as { port: number }).port}`;
  });
  afterAll(async () => small.close());

  /** A real JPEG padded after its end marker (decoders ignore that) to exactly `size` bytes. */
  const jpegOfSize = async (size: number) => {
    const jpeg = await makeJpeg({ width: 64, height: 64 });
    return Buffer.concat([jpeg, Buffer.alloc(size - jpeg.length, 0)]);
  };
  const overHttp = (data: Buffer) => {
    const form = new FormData();
    form.append('photos', new Blob([new Uint8Array(data)], { type: 'image/jpeg' }), 'edge.jpg');
    return fetch(`${base}/api/photos`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
  };

  it('accepts a file of exactly PHOTO_MAX_BYTES and refuses one byte more, in process and over TCP', async () => {
    const exact = await jpegOfSize(LIMIT);
    const over = await jpegOfSize(LIMIT + 1);
    expect((await small.request({ method: 'POST', url: '/api/photos', token, ...photosForm([{ name: 'a.jpg', data: exact }]) })).statusCode).toBe(201);
    const refused = await small.request({ method: 'POST', url: '/api/photos', token, ...photosForm([{ name: 'a.jpg', data: over }]) });
    expect([refused.statusCode, refused.json().code]).toEqual([413, 'PHOTO_TOO_LARGE']);
    expect((await overHttp(exact)).status).toBe(201);
    const viaTcp = await overHttp(over);
    expect([viaTcp.status, (await viaTcp.json()).code]).toEqual([413, 'PHOTO_TOO_LARGE']);
    expect(await small.db.selectFrom('photos').select('id').execute()).toHaveLength(2);
  });

  it('says "too large", never "not an image", for a big file arriving in many TCP chunks', async () => {
    // Regression: busboy can cut a file off at the limit without toBuffer() throwing; the cut-off
    // 10 MB were then judged as an image. Seen with the default 10 MB limit and 11–30 MB files.
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}/api/photos`;
    for (const size of [11, 30]) {
      await storesNothing(async () => {
        const form = new FormData();
        form.append('photos', new Blob([new Uint8Array(size * 1024 * 1024).fill(1)], { type: 'image/jpeg' }), 'huge.jpg');
        const res = await fetch(url, { method: 'POST', body: form, headers: { authorization: `Bearer ${villager}` } });
        expect([size, res.status, (await res.json()).code]).toEqual([size, 413, 'PHOTO_TOO_LARGE']);
      });
    }
  });
});

describe('signed photo URLs', () => {
  let photo: UploadedPhoto;
  beforeAll(async () => {
    photo = await uploadOne(villager);
  });

  it('work without a login, and only as signed', async () => {
    expect((await t.request({ method: 'GET', url: photo.url })).statusCode).toBe(200);
    const bare = await t.request({ method: 'GET', url: `/api/photos/${photo.id}`, token: villager });
    expect(bare.statusCode).toBe(403);
    expect(bare.json().code).toBe('SIGNED_URL_INVALID');
    const url = new URL(photo.url, 'http://x');
    const sig = url.searchParams.get('sig')!;
    url.searchParams.set('sig', `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`);
    expect((await t.request({ method: 'GET', url: url.pathname + url.search })).json().code).toBe('SIGNED_URL_INVALID');
    const longer = new URL(photo.url, 'http://x');
    longer.searchParams.set('exp', String(Number(longer.searchParams.get('exp')) + 86_400));
    expect((await t.request({ method: 'GET', url: longer.pathname + longer.search })).statusCode).toBe(403);
    // The full photo's signature does not open the thumbnail, nor another photo.
    const query = new URL(photo.url, 'http://x').search;
    expect((await t.request({ method: 'GET', url: `/api/photos/${photo.id}/thumb${query}` })).statusCode).toBe(403);
    const other = await uploadOne(villager);
    expect((await t.request({ method: 'GET', url: `/api/photos/${other.id}${query}` })).statusCode).toBe(403);
    // Unknown query fields and malformed ids are validation errors.
    expect((await t.request({ method: 'GET', url: `${photo.url}&x=1` })).statusCode).toBe(400);
    expect((await t.request({ method: 'GET', url: '/api/photos/not-a-uuid?exp=1&sig=x' })).statusCode).toBe(400);
  });

  it('expire', async () => {
    const past = new UrlSigner(TEST_SECRET, { now: () => new Date(Date.now() - 2 * 3_600_000) });
    const expired = past.sign(`/api/photos/${photo.id}`, 3600).url;
    const res = await t.request({ method: 'GET', url: expired });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('SIGNED_URL_EXPIRED');
  });

  it('answer 404 for a validly signed photo that is gone', async () => {
    const signer = new UrlSigner(TEST_SECRET, systemClock);
    const res = await t.request({ method: 'GET', url: signer.sign(`/api/photos/${randomUUID()}`, 60).url });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('PHOTO_NOT_FOUND');
  });
});

describe('attaching photos to a case', () => {
  const attach = (photoIds: string[], caseId: string, kind: 'report' | 'resolution' = 'report', ownerId = villagerId) =>
    t.db.transaction().execute((tx) => t.services.photos.attach(tx, { photoIds, ownerId, caseId, kind }));
  const failure = async (promise: Promise<unknown>) => {
    const error = (await promise.then(
      () => undefined,
      (e: unknown) => e,
    )) as { code?: string; extra?: { details?: { field: string; messageEn: string }[] } } | undefined;
    return { code: error?.code, details: error?.extra?.details?.map((d) => [d.field, d.messageEn]) };
  };

  it('ties the uploader’s photos to a case, idempotently, and lists them with signed URLs', async () => {
    const [a, b] = [await uploadOne(villager), await uploadOne(villager)];
    const caseId = randomUUID();
    await attach([a.id, b.id], caseId);
    await attach([a.id, b.id], caseId); // a retried request
    await attach([b.id, b.id], caseId);
    const listed = await t.services.photos.listForCase(caseId);
    expect(listed.map((p) => p.id).sort()).toEqual([a.id, b.id].sort());
    expect(listed.every((p) => p.kind === 'report')).toBe(true);
    expect((await t.request({ method: 'GET', url: listed[0]!.thumbUrl })).statusCode).toBe(200);
    expect(await t.services.photos.listForCase(caseId, 'resolution')).toEqual([]);
  });

  it('refuses photos that are unknown, someone else’s, or already used, naming each', async () => {
    const mine = await uploadOne(villager);
    const theirs = await uploadOne(worker);
    const used = await uploadOne(villager);
    const firstCase = randomUUID();
    await attach([used.id], firstCase);
    const caseId = randomUUID();
    expect(await failure(attach([mine.id, theirs.id, randomUUID(), 'nonsense', used.id], caseId))).toEqual({
      code: 'PHOTO_NOT_ATTACHABLE',
      details: [
        ['photoIds.1', 'no such photo of yours'],
        ['photoIds.2', 'no such photo of yours'],
        ['photoIds.3', 'no such photo of yours'],
        ['photoIds.4', 'the photo is already attached elsewhere'],
      ],
    });
    // All or nothing: the good photo was not attached either.
    expect(await t.services.photos.listForCase(caseId)).toEqual([]);
    // The same case with another kind is "elsewhere" too.
    expect((await failure(attach([used.id], firstCase, 'resolution'))).code).toBe('PHOTO_NOT_ATTACHABLE');
    // The grid worker attaches their own after-photo.
    await attach([theirs.id], caseId, 'resolution', workerId);
    expect((await t.services.photos.listForCase(caseId)).map((p) => [p.id, p.kind])).toEqual([[theirs.id, 'resolution']]);
  });

  it('lets only one of two cases claim a photo at the same moment', async () => {
    const photo = await uploadOne(villager);
    const results = await Promise.allSettled([attach([photo.id], randomUUID()), attach([photo.id], randomUUID())]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  it('rolls back with the case’s transaction', async () => {
    const photo = await uploadOne(villager);
    const caseId = randomUUID();
    await t.db
      .transaction()
      .execute(async (tx) => {
        await t.services.photos.attach(tx, { photoIds: [photo.id], ownerId: villagerId, caseId, kind: 'report' });
        throw new Error('the case insert failed');
      })
      .catch(() => undefined);
    expect(await t.services.photos.listForCase(caseId)).toEqual([]);
    await attach([photo.id], randomUUID());
  });
});

describe('housekeeping', () => {
  it('purges unattached photos older than the cutoff with their files, keeping attached ones', async () => {
    const kept = await uploadOne(villager);
    const caseId = randomUUID();
    await t.db.transaction().execute((tx) => t.services.photos.attach(tx, { photoIds: [kept.id], ownerId: villagerId, caseId, kind: 'report' }));
    const abandoned = await uploadOne(villager);
    const row = await t.db.selectFrom('photos').selectAll().where('id', '=', abandoned.id).executeTakeFirstOrThrow();
    const store = new LocalBlobStore(path.join(dataDir, 'blobs'));
    expect(await store.exists(row.blob_key)).toBe(true);

    expect((await t.services.photos.purgeUnattached(new Date(Date.now() - 24 * 3_600_000))).deleted).toBe(0);
    const result = await t.services.photos.purgeUnattached(new Date(Date.now() + 1000));
    expect(result.deleted).toBeGreaterThanOrEqual(1);
    expect(result.blobErrors).toBe(0);
    expect(await t.db.selectFrom('photos').select('id').where('case_id', 'is', null).execute()).toEqual([]);
    expect(await store.exists(row.blob_key)).toBe(false);
    expect(await store.exists(row.thumb_key)).toBe(false);
    expect((await t.request({ method: 'GET', url: abandoned.url })).statusCode).toBe(404);
    expect((await t.services.photos.listForCase(caseId)).map((p) => p.id)).toEqual([kept.id]);
    expect((await t.request({ method: 'GET', url: kept.url })).statusCode).toBe(200);
  });

  it('limits how many unattached photos one person may pile up in a day', async () => {
    const blobs = new LocalBlobStore(path.join(dataDir, 'quota'));
    const service = new PhotosService(t.db, new PhotosRepository(t.db), blobs, new UrlSigner(TEST_SECRET, systemClock), systemClock, {
      ...defaultPhotoSettings,
      maxUnattachedPerDay: 2,
    });
    await t.services.photos.purgeUnattached(new Date(Date.now() + 1000));
    const jpeg = await makeJpeg();
    async function* files(n: number) {
      for (let i = 0; i < n; i++) yield { filename: `${i}.jpg`, read: async () => jpeg };
    }
    await expect(service.upload(villagerActor, files(3))).rejects.toMatchObject({ code: 'PHOTO_QUOTA_EXCEEDED' });
    expect((await service.upload(villagerActor, files(2))).items).toHaveLength(2);
    await expect(service.upload(villagerActor, files(1))).rejects.toMatchObject({ code: 'PHOTO_QUOTA_EXCEEDED', status: 429 });
  });
});
