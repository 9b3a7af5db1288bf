import type { BlobsConfig } from '../../config.js';
import type { BlobStore } from './blob-store.js';
import { LocalBlobStore } from './local-blob-store.js';
import { S3BlobStore } from './s3-blob-store.js';

/** The store the config names. Does no I/O: folders are made, and the S3 SDK loaded, on first use. */
export function createBlobStore(config: BlobsConfig): BlobStore {
  return config.kind === 's3' ? new S3BlobStore(config) : new LocalBlobStore(config.dir);
}
