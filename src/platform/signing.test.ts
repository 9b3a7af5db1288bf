import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { loadOrCreateSecretFile, resolveSecret, UrlSigner } from './signing.js';

const secret = Buffer.alloc(32, 7);
const query = (url: string) => Object.fromEntries(new URL(url, 'http://x').searchParams) as { exp: string; sig: string };

describe('signed URLs', () => {
  it('verify until they expire, and only for the path they were made for', () => {
    const clock = new ManualClock(new Date('2026-11-27T02:00:00Z'));
    const signer = new UrlSigner(secret, clock);
    const { url, expiresAt } = signer.sign('/api/photos/abc', 3600);
    const { exp, sig } = query(url);
    expect(url.startsWith('/api/photos/abc?exp=')).toBe(true);
    expect(expiresAt.getTime() - clock.now().getTime()).toBeGreaterThanOrEqual(3600_000);
    expect(expiresAt.getTime() - clock.now().getTime()).toBeLessThan(3600_000 + 300_000);
    expect(signer.verify('/api/photos/abc', exp, sig)).toBe('valid');
    expect(signer.verify('/api/photos/abd', exp, sig)).toBe('invalid');
    expect(signer.verify('/api/photos/abc', String(Number(exp) + 300), sig)).toBe('invalid');
    expect(signer.verify('/api/photos/abc', exp, `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`)).toBe('invalid');
    expect(signer.verify('/api/photos/abc', exp, undefined)).toBe('invalid');
    expect(signer.verify('/api/photos/abc', 'soon', sig)).toBe('invalid');
    expect(new UrlSigner(Buffer.alloc(32, 8), clock).verify('/api/photos/abc', exp, sig)).toBe('invalid');
    clock.set(expiresAt);
    expect(signer.verify('/api/photos/abc', exp, sig)).toBe('expired');
  });

  it('give the same URL within a rounding window, so browsers can cache it', () => {
    const clock = new ManualClock(new Date('2026-11-27T02:00:01Z'));
    const signer = new UrlSigner(secret, clock);
    const first = signer.sign('/p', 3600).url;
    clock.advance(60_000);
    expect(signer.sign('/p', 3600).url).toBe(first);
  });

  it('need a secret of at least 32 bytes', () => {
    expect(() => new UrlSigner(Buffer.alloc(31), new ManualClock())).toThrow(/32 bytes/);
  });
});

describe('the secret file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'shuxiang-secret-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is made once with 32 random bytes, readable by the owner only, and reused', () => {
    const file = path.join(dir, 'data', 'secret.key');
    const first = loadOrCreateSecretFile(file);
    expect(first.length).toBe(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateSecretFile(file).equals(first)).toBe(true);
    expect(resolveSecret({ dataDir: path.join(dir, 'data') }).equals(first)).toBe(true);
    expect(readFileSync(file).equals(first)).toBe(true);
  });

  it('gives way to SHUXIANG_SECRET, and a too-short file is an error, not silently replaced', () => {
    expect(resolveSecret({ secret: 'x'.repeat(32), dataDir: dir }).toString()).toBe('x'.repeat(32));
    const short = path.join(dir, 'short.key');
    writeFileSync(short, 'tiny');
    expect(() => loadOrCreateSecretFile(short)).toThrow(/at least 32/);
  });
});
