import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Clock } from './clock.js';

/**
 * Expiring, HMAC-SHA256 signed URLs, so an `<img src>` can fetch a private file without an
 * Authorization header. The signature covers the path and the expiry; whoever holds the URL may
 * fetch it until then, so URLs are handed only to callers allowed to see the file.
 */
export type SignatureCheck = 'valid' | 'expired' | 'invalid';

export interface SignedUrl {
  url: string;
  expiresAt: Date;
}

const EXP = /^[0-9]{1,12}$/;
const SIG = /^[A-Za-z0-9_-]{43}$/;

export class UrlSigner {
  private readonly key: Buffer;

  /**
   * @param secret the platform secret (≥ 32 bytes); a key for URLs only is derived from it.
   * @param roundSeconds expiries are rounded up to a multiple of this, so the same file signed
   *   twice within that time gets the same URL and browsers reuse their cached copy.
   */
  constructor(
    secret: Buffer,
    private readonly clock: Clock,
    private readonly roundSeconds = 300,
  ) {
    if (secret.length < 32) throw new Error('the signing secret must have at least 32 bytes');
    this.key = createHmac('sha256', secret).update('shuxiang signed url v1').digest();
  }

  private mac(pathname: string, exp: string): Buffer {
    return createHmac('sha256', this.key).update(`${pathname}\n${exp}`).digest();
  }

  /** `pathname?exp=…&sig=…`, valid for at least `ttlSeconds` (and less than ttl + roundSeconds). */
  sign(pathname: string, ttlSeconds: number): SignedUrl {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const exp = Math.ceil((now + ttlSeconds) / this.roundSeconds) * this.roundSeconds;
    const sig = this.mac(pathname, String(exp)).toString('base64url');
    return { url: `${pathname}?exp=${exp}&sig=${sig}`, expiresAt: new Date(exp * 1000) };
  }

  /** Checks the signature first, so "expired" is only ever said of a URL we really issued. */
  verify(pathname: string, exp: string | undefined, sig: string | undefined): SignatureCheck {
    if (!exp || !sig || !EXP.test(exp) || !SIG.test(sig)) return 'invalid';
    const given = Buffer.from(sig, 'base64url');
    const expected = this.mac(pathname, exp);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
    return Number(exp) * 1000 <= this.clock.now().getTime() ? 'expired' : 'valid';
  }

  /** Seconds until the URL's expiry (0 when past). */
  secondsLeft(exp: string): number {
    return Math.max(0, Math.floor(Number(exp) - this.clock.now().getTime() / 1000));
  }
}

/**
 * The platform secret: SHUXIANG_SECRET when configured (required when several processes serve
 * the same data), else `<dataDir>/secret.key`, made once with 32 random bytes and mode 0600.
 */
export function resolveSecret(config: { secret?: string; dataDir: string }): Buffer {
  return config.secret ? Buffer.from(config.secret, 'utf8') : loadOrCreateSecretFile(path.join(config.dataDir, 'secret.key'));
}

export function loadOrCreateSecretFile(file: string): Buffer {
  mkdirSync(path.dirname(file), { recursive: true });
  if (!existsSync(file)) {
    // Written whole under a temporary name, then linked into place: a second process starting at
    // the same moment either wins the link or reads the complete file, never a half-written one.
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.partial`;
    writeFileSync(temporary, randomBytes(32), { mode: 0o600, flag: 'wx' });
    try {
      linkSync(temporary, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      rmSync(temporary, { force: true });
    }
  }
  const secret = readFileSync(file);
  if (secret.length < 32) {
    throw new Error(`${file} holds ${secret.length} bytes; a secret needs at least 32. Remove it to have a new one made (signed links then stop working).`);
  }
  return secret;
}
