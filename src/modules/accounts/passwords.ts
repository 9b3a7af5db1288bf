import { randomInt } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/** argon2id with the library's defaults (19 MiB, t=2), the OWASP minimum. */
export const hashPassword = (plain: string) => hash(plain);

export async function verifyPassword(stored: string, plain: string): Promise<boolean> {
  try {
    return await verify(stored, plain);
  } catch {
    return false;
  }
}

/** Verified against when the phone is unknown, so a wrong phone costs as long as a wrong password. */
let decoyHash: Promise<string> | undefined;
export const decoy = () => (decoyHash ??= hash('decoy-password-for-timing'));

/** A one-time password that is easy to read aloud over the phone: no 0/O or 1/l. */
export function generateOneTimePassword(length = 10): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
}
