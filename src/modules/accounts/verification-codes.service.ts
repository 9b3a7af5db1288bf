import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { AppError } from '../../platform/http/errors.js';
import type { SmsOutbox } from '../../platform/sms/sms-outbox.js';
import { type CodePurpose, VerificationCodesRepository } from './verification-codes.repository.js';

export type { CodePurpose };

/** The rules of the issue: a code lives 5 minutes, allows 5 tries, and a new one comes after 60 s. */
export const CODE_TTL_SECONDS = 300;
export const CODE_MAX_TRIES = 5;
export const RESEND_AFTER_SECONDS = 60;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

type Outcome = 'ok' | 'invalid' | 'expired' | 'used' | 'too_many';
const errors: Record<Exclude<Outcome, 'ok'>, 'VERIFICATION_CODE_INVALID' | 'VERIFICATION_CODE_EXPIRED' | 'VERIFICATION_CODE_USED' | 'VERIFICATION_CODE_TOO_MANY_TRIES'> = {
  invalid: 'VERIFICATION_CODE_INVALID',
  expired: 'VERIFICATION_CODE_EXPIRED',
  used: 'VERIFICATION_CODE_USED',
  too_many: 'VERIFICATION_CODE_TOO_MANY_TRIES',
};

/**
 * 6-digit SMS codes for sign-in, the staff second factor, registration and re-binding. A phone has
 * one current code: a new request (any purpose) replaces the previous one.
 *
 * Codes are stored as HMAC-SHA256(key, purpose:phone:code) with a key derived from the platform
 * secret, which is kept outside the database. A salted plain hash would not do: with a million
 * possible codes, anyone holding a copy of the table (a leaked backup) would recover every live
 * code in a second; without the key the stored value tells nothing.
 */
export class VerificationCodesService {
  private readonly key: Buffer;

  constructor(
    private readonly deps: {
      db: Db;
      repository: VerificationCodesRepository;
      sms: SmsOutbox;
      clock: Clock;
      logger: Logger;
      limits: Config['auth']['codes'];
      secret: Buffer;
    },
  ) {
    this.key = createHmac('sha256', deps.secret).update('shuxiang verification code v1').digest();
  }

  private hash(purpose: CodePurpose, phone: string, code: string): Buffer {
    return createHmac('sha256', this.key).update(`${purpose}:${phone}:${code}`).digest();
  }

  /**
   * Issues a code and queues its text. `deliver: false` does all the same work and counts against the
   * same caps but sends nothing: the sign-in form answers alike whether or not the phone has an
   * account. The phone's row lock makes two requests at once give one code and one refusal.
   */
  async request(input: { phone: string; purpose: CodePurpose; ip: string | null; regionPath: string; deliver?: boolean }): Promise<{ resendAfterSeconds: number; expiresInSeconds: number }> {
    const { db, repository, sms, clock, limits } = this.deps;
    const deliver = input.deliver ?? true;
    await db.transaction().execute(async (tx) => {
      const now = clock.now();
      const current = await repository.lock(tx, input.phone);
      const wait = current.sent_at.getTime() + RESEND_AFTER_SECONDS * 1000 - now.getTime();
      if (wait > 0) throw new AppError('VERIFICATION_RESEND_TOO_SOON', { retryAfterSeconds: Math.ceil(wait / 1000) });
      const daily = await repository.sendsSince(tx, { phone: input.phone }, new Date(now.getTime() - DAY_MS));
      if (daily.count >= limits.maxPerPhonePerDay) throw new AppError('VERIFICATION_PHONE_LIMIT', { retryAfterSeconds: this.retryAfter(daily.oldest, DAY_MS, now) });
      if (input.ip) {
        await repository.lockAddress(tx, input.ip);
        for (const [windowMs, limit] of [
          [HOUR_MS, limits.maxPerIpPerHour],
          [DAY_MS, limits.maxPerIpPerDay],
        ] as const) {
          const sent = await repository.sendsSince(tx, { ip: input.ip }, new Date(now.getTime() - windowMs));
          if (sent.count >= limit) throw new AppError('VERIFICATION_IP_LIMIT', { retryAfterSeconds: this.retryAfter(sent.oldest, windowMs, now) });
        }
      }
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      await repository.replace(tx, {
        phone: input.phone,
        purpose: input.purpose,
        codeHash: this.hash(input.purpose, input.phone, code).toString('base64'),
        sentAt: now,
        expiresAt: new Date(now.getTime() + CODE_TTL_SECONDS * 1000),
      });
      await repository.logSend(tx, { phone: input.phone, purpose: input.purpose, ip: input.ip, at: now, delivered: deliver });
      if (deliver) {
        await sms.enqueue(tx, { phone: input.phone, template: 'verification_code', params: { code, minutes: String(CODE_TTL_SECONDS / 60) }, regionPath: input.regionPath });
      }
    });
    // After the commit: the text leaves now rather than at the outbox's next poll.
    if (deliver) sms.kick();
    return { resendAfterSeconds: RESEND_AFTER_SECONDS, expiresInSeconds: CODE_TTL_SECONDS };
  }

  private retryAfter(oldest: Date | null, windowMs: number, now: Date): number {
    return Math.max(1, Math.ceil(((oldest ?? now).getTime() + windowMs - now.getTime()) / 1000));
  }

  /**
   * Checks a code once: single use, 5 minutes, 5 tries (the fifth wrong one kills it). Two checks of
   * one code at once take the row lock in turn, so exactly one succeeds. A wrong try is counted in
   * its own committed transaction before the error is thrown.
   */
  async consume(input: { phone: string; purpose: CodePurpose; code: string; ip: string | null }): Promise<void> {
    const { db, repository, clock } = this.deps;
    const outcome = await db.transaction().execute(async (tx): Promise<Outcome> => {
      const now = clock.now();
      const row = await repository.lock(tx, input.phone);
      if (row.code_hash === '') return 'invalid';
      if (row.attempts >= CODE_MAX_TRIES) return 'too_many';
      const matches = this.matches(row.code_hash, input.purpose, input.phone, input.code);
      if (row.consumed_at) return matches ? 'used' : 'invalid';
      if (row.expires_at.getTime() <= now.getTime()) return 'expired';
      if (!matches) return (await repository.countTry(tx, input.phone)) >= CODE_MAX_TRIES ? 'too_many' : 'invalid';
      await repository.markConsumed(tx, input.phone, now);
      return 'ok';
    });
    if (outcome === 'ok') return;
    if (outcome === 'too_many') this.deps.logger.warn({ purpose: input.purpose, ip: input.ip }, 'verification code refused: too many wrong tries');
    throw new AppError(errors[outcome]);
  }

  private matches(stored: string, purpose: CodePurpose, phone: string, code: string): boolean {
    const expected = Buffer.from(stored, 'base64');
    const given = this.hash(purpose, phone, code);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
