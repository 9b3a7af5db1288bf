import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { noRequest } from '../../platform/request-context.js';
import type { SmsOutbox } from '../../platform/sms/sms-outbox.js';
import type { LoginAttemptsRepository } from '../accounts/sessions.repository.js';
import type { VerificationCodesRepository } from '../accounts/verification-codes.repository.js';
import type { AuditService } from '../audit/audit.service.js';
import type { RegistrationRepository } from './registration.repository.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface RetentionRun {
  /** Pending registrations the system refused for want of a decision. */
  pendingRefused: number;
  refusedDeleted: number;
  codes: number;
  sends: number;
  loginAttempts: number;
}

/** What the villager reads on the status page and in the text (with 未通过： within the text's 35 characters). */
export const stalePendingReason = (days: number) => `${days}天内无人审核，已自动关闭，可重新申请或联系村两委`;

/**
 * Keeps what sign-in and registration store no longer than the privacy notice (privacy-notice.ts,
 * 四、保存多久) and the limits need. Run hourly by main.ts; each rule is one statement or one
 * transaction, so a run stopped half-way loses nothing the next run does not finish.
 *
 * - A pending registration nobody decided within `registrationPendingDays` is refused by the system
 *   with a reason the villager sees (status page and text), audited as the system: it neither waits
 *   forever nor keeps its data forever, and the villager may register again.
 * - A refused registration — name, phone, household text, its consent record and address — is deleted
 *   `registrationRefusedDays` (at most 180, the notice's promise) after the refusal.
 * - SMS codes and the log of codes issued, once older than `verificationHours` (at least the caps' 24 h).
 * - Login attempts, once older than `loginAttemptsHours` (at least the login window).
 *
 * Matched and approved registrations, with their consent records, stay while the account exists: they
 * prove what the villager agreed to.
 */
export class RegistrationRetention {
  constructor(
    private readonly deps: {
      db: Db;
      registrations: RegistrationRepository;
      codes: VerificationCodesRepository;
      loginAttempts: LoginAttemptsRepository;
      audit: AuditService;
      sms: SmsOutbox;
      clock: Clock;
      logger: Logger;
      settings: Config['retention'];
    },
  ) {}

  async run(): Promise<RetentionRun> {
    const { registrations, codes, loginAttempts, clock, logger, settings } = this.deps;
    const now = clock.now().getTime();
    // Refused first: a registration refused now is kept its full period from now.
    const pendingRefused = await this.refuseStalePending(new Date(now - settings.registrationPendingDays * DAY_MS));
    const refusedDeleted = await registrations.deleteRefusedBefore(new Date(now - settings.registrationRefusedDays * DAY_MS));
    const sent = await codes.purgeBefore(new Date(now - settings.verificationHours * HOUR_MS));
    const attempts = await loginAttempts.purgeBefore(new Date(now - settings.loginAttemptsHours * HOUR_MS));
    const run = { pendingRefused, refusedDeleted, codes: sent.codes, sends: sent.sends, loginAttempts: attempts };
    if (Object.values(run).some((n) => n > 0)) logger.info({ retention: run }, 'retention: old sign-in and registration data removed');
    return run;
  }

  private async refuseStalePending(before: Date): Promise<number> {
    const { db, registrations, audit, sms, clock, settings } = this.deps;
    const reason = stalePendingReason(settings.registrationPendingDays);
    const refused = await db.transaction().execute(async (tx) => {
      const stale = await registrations.lockPendingBefore(tx, before);
      const now = clock.now();
      for (const registration of stale) {
        await registrations.update(tx, registration.id, { status: 'refused', reason, decided_by: null, decided_at: now, updated_at: now });
        // No phone or name in the entry: the audit trail outlives the registration it names.
        await audit.record(tx, null, noRequest, {
          action: 'registration.refused',
          targetType: 'registration',
          targetId: registration.id,
          regionPath: registration.region_path,
          details: { reason, automatic: true, pendingDays: settings.registrationPendingDays },
        });
        await sms.enqueue(tx, {
          phone: registration.phone,
          template: 'registration_result',
          params: { village: registration.village_name, result: `未通过：${reason}` },
          regionPath: registration.region_path,
          reference: `registration:${registration.id}`,
        });
      }
      return stale.length;
    });
    if (refused > 0) sms.kick();
    return refused;
  }
}
