import { AppError, errorCatalogue } from '../../platform/http/errors.js';
import { commonPasswords } from './common-passwords.js';

/**
 * The password rules of 等保 2.0 (GB/T 22239-2019 8.1.4.1 a: 口令具有复杂度要求): at least 8 characters
 * mixing three of four classes, not a common password, not derived from the account's phone number,
 * no leading/trailing or only whitespace. Pure; the service adds "not the current password".
 */
export type PasswordRule = 'PASSWORD_WHITESPACE' | 'PASSWORD_TOO_SHORT' | 'PASSWORD_TOO_SIMPLE' | 'PASSWORD_CONTAINS_PHONE' | 'PASSWORD_TOO_COMMON';

export const MIN_PASSWORD_LENGTH = 8;

function characterClasses(password: string): number {
  const lower = /[a-z]/.test(password);
  const upper = /[A-Z]/.test(password);
  const digit = /[0-9]/.test(password);
  // Anything else counts as a symbol: punctuation, inner spaces, Chinese characters.
  const symbol = /[^A-Za-z0-9]/.test(password);
  return [lower, upper, digit, symbol].filter(Boolean).length;
}

/** The password itself and its letter and digit cores, lower-case: Woaini@2024 → woaini, !Ab5201314 → 5201314. */
function commonCandidates(password: string): string[] {
  const lower = password.toLowerCase();
  const letters = lower.replace(/^[^a-z]+|[^a-z]+$/g, '');
  const digits = lower.replace(/^[^0-9]+|[^0-9]+$/g, '');
  return [lower, lower.replace(/[^a-z0-9]+$/, ''), ...(letters.length >= 4 ? [letters] : []), ...(digits.length >= 6 ? [digits] : [])];
}

/** The whole number, its last 6–8 digits (all contain the last 6) and the number reversed. */
function derivedFromPhone(password: string, phone: string): boolean {
  const lastSix = phone.slice(-6);
  const reversed = [...phone].reverse().join('');
  return password.includes(lastSix) || password.includes(reversed.slice(0, 6));
}

export function passwordProblem(password: string, context: { phone?: string }): PasswordRule | undefined {
  if (password.trim() !== password || password.trim() === '') return 'PASSWORD_WHITESPACE';
  if ([...password].length < MIN_PASSWORD_LENGTH) return 'PASSWORD_TOO_SHORT';
  if (characterClasses(password) < 3) return 'PASSWORD_TOO_SIMPLE';
  if (context.phone && derivedFromPhone(password, context.phone)) return 'PASSWORD_CONTAINS_PHONE';
  if (commonCandidates(password).some((candidate) => commonPasswords.has(candidate))) return 'PASSWORD_TOO_COMMON';
  return undefined;
}

/** Throws the rule's own code, naming the field, when the password breaks one. */
export function assertPasswordAllowed(password: string, context: { phone?: string }, field: string): void {
  const rule = passwordProblem(password, context);
  if (!rule) return;
  const entry = errorCatalogue[rule];
  throw new AppError(rule, { details: [{ field, message: entry.zh, messageEn: entry.en }] });
}
