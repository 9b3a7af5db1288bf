/**
 * Where files (photos, later audio and snapshots) live: a folder under the data directory by
 * default, an S3-compatible bucket at scale. Keys are relative paths such as
 * `photos/2026/11/<id>.jpg`; a key's extension names its content type.
 */
export interface BlobStore {
  /** Stores the bytes under the key, replacing any earlier ones. Never leaves a partial object behind. */
  put(key: string, data: Buffer, contentType: string): Promise<void>;
  /** The stored bytes, or undefined when no such key exists. */
  get(key: string): Promise<StoredBlob | undefined>;
  /** Removes the key; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** Releases connections (S3); a no-op for files. */
  close(): Promise<void>;
}

export interface StoredBlob {
  body: Buffer;
  contentType: string;
}

const contentTypes: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
  webm: 'audio/webm',
  ogg: 'audio/ogg',
  m4a: 'audio/mp4',
};

/** Segments of letters, digits, `.`, `_`, `-`, none starting with a dot (so temporary files never collide). */
const KEY = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;

export function assertValidKey(key: string): void {
  if (key.length > 512 || !KEY.test(key)) throw new Error(`invalid blob key: ${JSON.stringify(key)}`);
}

export function contentTypeOfKey(key: string): string {
  const extension = /\.([A-Za-z0-9]+)$/.exec(key)?.[1]?.toLowerCase();
  return (extension && contentTypes[extension]) ?? 'application/octet-stream';
}
