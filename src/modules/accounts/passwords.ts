import { randomInt } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { passwordProblem } from './password-policy.js';

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

const lower = 'abcdefghjkmnpqrstuvwxyz';
const upper = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const digits = '23456789';

/**
 * A one-time password that is easy to read aloud over the phone (no 0/O/o, 1/l/I/i) and meets the
 * password policy itself: lower-case, upper-case and digits, never derived from the phone.
 */
export function generateOneTimePassword(phone?: string, length = 12): string {
  const alphabet = lower + upper + digits;
  const pick = (chars: string) => chars[randomInt(chars.length)]!;
  for (;;) {
    const chars = [pick(lower), pick(upper), pick(digits), ...Array.from({ length: length - 3 }, () => pick(alphabet))];
    // Fisher–Yates, so the guaranteed classes are not always first.
    for (let i = chars.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [chars[i], chars[j]] = [chars[j]!, chars[i]!];
    }
    const candidate = chars.join('');
    if (!passwordProblem(candidate, { phone })) return candidate;
  }
}
