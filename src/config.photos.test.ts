import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('blob, photo and secret settings', () => {
  it('default to files under <data>/blobs, 10 MB photos and a secret kept in the data folder', () => {
    const config = loadConfig({ SHUXIANG_DATA_DIR: '/srv/shuxiang' });
    expect(config.blobs).toEqual({ kind: 'local', dir: path.join('/srv/shuxiang', 'blobs') });
    expect(config.photos.maxBytes).toBe(10 * 1024 * 1024);
    expect(config.secret).toBeUndefined();
  });

  it('select S3 when S3_BUCKET is set', () => {
    const config = loadConfig({
      S3_BUCKET: 'shuxiang-photos',
      S3_ENDPOINT: 'http://127.0.0.1:9000',
      S3_ACCESS_KEY_ID: 'minio',
      S3_SECRET_ACCESS_KEY: 'minio-secret',
      S3_FORCE_PATH_STYLE: 'true',
      PHOTO_MAX_BYTES: '5000000',
    });
    expect(config.blobs).toEqual({
      kind: 's3',
      bucket: 'shuxiang-photos',
      endpoint: 'http://127.0.0.1:9000',
      region: 'us-east-1',
      credentials: { accessKeyId: 'minio', secretAccessKey: 'minio-secret' },
      forcePathStyle: true,
    });
    expect(config.photos.maxBytes).toBe(5_000_000);
    expect(loadConfig({ S3_BUCKET: 'aws-bucket', S3_REGION: 'cn-north-1' }).blobs).toMatchObject({ kind: 's3', credentials: undefined, region: 'cn-north-1' });
  });

  it('refuse half an S3 setup, and never print a secret', () => {
    expect(() => loadConfig({ S3_ENDPOINT: 'http://127.0.0.1:9000' })).toThrow(/S3_BUCKET/);
    expect(() => loadConfig({ S3_BUCKET: 'bucket', S3_ACCESS_KEY_ID: 'only-the-id' })).toThrow(/both or neither/);
    expect(() => loadConfig({ S3_BUCKET: 'bucket', S3_ENDPOINT: 'ftp://x' })).toThrow(ConfigError);
    let message = '';
    try {
      loadConfig({ SHUXIANG_SECRET: 'too-short-to-be-safe' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('SHUXIANG_SECRET=(hidden)');
    expect(message).not.toContain('too-short-to-be-safe');
    expect(loadConfig({ SHUXIANG_SECRET: 's'.repeat(32) }).secret).toBe('s'.repeat(32));
  });
});
