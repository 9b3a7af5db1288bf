import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobStore } from './blob-store.js';
import { createBlobStore } from './create-blob-store.js';
import { LocalBlobStore } from './local-blob-store.js';
import { S3BlobStore } from './s3-blob-store.js';

const root = mkdtempSync(path.join(tmpdir(), 'shuxiang-blobs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The same behaviour from every store. */
function contract(name: string, open: () => BlobStore) {
  describe(`${name}: the blob store contract`, () => {
    let store: BlobStore;
    beforeAll(() => {
      store = open();
    });
    afterAll(async () => store.close());

    it('stores, reads, replaces and deletes', async () => {
      const key = 'photos/2026/11/a.jpg';
      expect(await store.exists(key)).toBe(false);
      expect(await store.get(key)).toBeUndefined();
      await store.put(key, Buffer.from('first'), 'image/jpeg');
      expect(await store.exists(key)).toBe(true);
      expect(await store.get(key)).toEqual({ body: Buffer.from('first'), contentType: 'image/jpeg' });
      await store.put(key, Buffer.from('second, longer'), 'image/jpeg');
      expect((await store.get(key))!.body.toString()).toBe('second, longer');
      await store.delete(key);
      expect(await store.exists(key)).toBe(false);
      await store.delete(key); // deleting what is gone is fine
    });

    it('keeps binary data intact', async () => {
      const data = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 256));
      await store.put('x/y.png', data, 'image/png');
      const got = (await store.get('x/y.png'))!;
      expect(got.contentType).toBe('image/png');
      expect(got.body.equals(data)).toBe(true);
    });

    it('refuses keys that could escape its folder', async () => {
      for (const key of ['../etc/passwd', '/abs.jpg', 'a/../../b.jpg', 'a//b.jpg', '.hidden.jpg', 'a/.x.partial', '', 'a b.jpg']) {
        await expect(store.put(key, Buffer.from('x'), 'application/octet-stream'), key).rejects.toThrow(/invalid blob key/);
        await expect(store.get(key), key).rejects.toThrow(/invalid blob key/);
      }
    });
  });
}

contract('local files', () => new LocalBlobStore(path.join(root, 'local')));

describe('local files', () => {
  // (Real S3 guarantees this too; s3rver, a test double, does not, so it is checked here only.)
  it('leave one whole version when two writes to one key race', async () => {
    const store = new LocalBlobStore(path.join(root, 'race'));
    const a = Buffer.alloc(3_000_000, 1);
    const b = Buffer.alloc(2_000_000, 2);
    for (let i = 0; i < 5; i++) {
      await Promise.all([store.put('x/y.png', a, 'image/png'), store.put('x/y.png', b, 'image/png')]);
      const got = (await store.get('x/y.png'))!.body;
      expect(got.equals(a) || got.equals(b)).toBe(true);
    }
    expect(readdirSync(path.join(root, 'race', 'x'))).toEqual(['y.png']);
  });

  it('leave no temporary file behind and live under <data>/blobs', async () => {
    const store = createBlobStore({ kind: 'local', dir: path.join(root, 'data', 'blobs') });
    await store.put('photos/p.jpg', Buffer.from('jpeg'), 'image/jpeg');
    expect(readdirSync(path.join(root, 'data', 'blobs', 'photos'))).toEqual(['p.jpg']);
  });

  it('refuse a content type the key does not name (it could not be served back right)', async () => {
    const store = new LocalBlobStore(path.join(root, 'local2'));
    await expect(store.put('a.jpg', Buffer.from('x'), 'image/png')).rejects.toThrow(/content type/);
  });
});

// A real S3 protocol server, in-process: s3rver speaks S3's REST API over HTTP on localhost.
let s3: S3rver | undefined;
let s3Port = 0;
beforeAll(async () => {
  s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: path.join(root, 's3'), configureBuckets: [{ name: 'shuxiang-test', configs: [] }] });
  s3Port = (await s3.run()).port;
});
afterAll(async () => s3?.close());

contract('S3 (s3rver)', () =>
  createBlobStore({
    kind: 's3',
    bucket: 'shuxiang-test',
    endpoint: `http://127.0.0.1:${s3Port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    forcePathStyle: true,
  }),
);

describe('S3', () => {
  it('is what the config selects', () => {
    expect(createBlobStore({ kind: 's3', bucket: 'b-1', region: 'us-east-1', forcePathStyle: false })).toBeInstanceOf(S3BlobStore);
  });
});
