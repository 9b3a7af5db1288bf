import { pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

/**
 * Device secrets are stored as PBKDF2-SHA512 hashes in Mosquitto's own password-file format
 * (`$7$<iterations>$<salt>$<hash>`, base64), so the very same string serves the embedded broker
 * and a Mosquitto `password_file` (`shuxiang devices mosquitto-passwd`). Secrets are 256 random
 * bits, so the iteration count guards nothing a guess could find; it only has to be accepted by
 * Mosquitto (which itself uses 101).
 */
const ITERATIONS = 1000;
const SALT_BYTES = 12;
const HASH_BYTES = 64;
const FORMAT = /^\$7\$([0-9]{1,7})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

/** A new device secret: 32 random bytes, base64url (43 characters). */
export function generateDeviceSecret(): string {
  return randomBytes(32).toString('base64url');
}

export async function hashDeviceSecret(secret: string, iterations = ITERATIONS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await pbkdf2Async(secret, salt, iterations, HASH_BYTES, 'sha512');
  return `$7$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** True when `secret` matches a `$7$` hash; false for anything else, including a malformed hash. */
export async function verifyDeviceSecret(secret: string, stored: string): Promise<boolean> {
  const match = FORMAT.exec(stored);
  if (!match) return false;
  const iterations = Number(match[1]);
  const expected = Buffer.from(match[3]!, 'base64');
  if (iterations < 1 || expected.length === 0) return false;
  const actual = await pbkdf2Async(secret, Buffer.from(match[2]!, 'base64'), iterations, expected.length, 'sha512');
  return timingSafeEqual(actual, expected);
}

/** Constant-time comparison of two passwords of any length (the platform's service account). */
export function samePassword(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
