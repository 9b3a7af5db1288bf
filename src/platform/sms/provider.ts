import type { Logger } from 'pino';
import { maskedParams, renderSms, type SmsTemplateKind } from './templates.js';

/** One text as the outbox hands it over. `template` is null only for rows queued before templates (free text). */
export interface SmsMessage {
  phone: string;
  template: SmsTemplateKind | null;
  params: Record<string, string>;
  /** The rendered Chinese text, secrets included (the logging provider's demo output). */
  body: string;
}

/** A text the gateway accepted and whose fate it has not reported yet. */
export interface PendingReceipt {
  messageId: string;
  phone: string;
  sentAt: Date;
}

/** The carrier's report for one text (回执). */
export interface DeliveryReceipt {
  messageId: string;
  delivered: boolean;
  at: Date | null;
  code: string | null;
  description: string | null;
}

/** Where texts go. The default provider only logs; the gateway adapters send approved templates. */
export interface SmsProvider {
  readonly name: string;
  /** Resolves with the gateway's id for the text; throws SmsSendError when it was not accepted. */
  send(message: SmsMessage): Promise<{ messageId: string | null }>;
  /** Receipts for accepted texts; absent where the provider offers none. */
  receipts?(pending: readonly PendingReceipt[]): Promise<DeliveryReceipt[]>;
}

/**
 * A text the gateway did not take. `transient`: worth trying again later (network, throttling,
 * the gateway's own failures); otherwise the same request would fail the same way (bad number,
 * template, signature, credentials) and the outbox stops.
 */
export class SmsSendError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
    this.name = 'SmsSendError';
  }
}

/** Masks a number for logs: 138****0005. */
export const maskPhone = (phone: string) => `${phone.slice(0, 3)}****${phone.slice(-4)}`;

/**
 * Writes texts to the log instead of sending them. In demo mode the log shows the whole text, login
 * codes included (the demo's way to sign in); otherwise codes are masked like everywhere else.
 */
export class LoggingSmsProvider implements SmsProvider {
  readonly name = 'log';
  constructor(
    private readonly logger: Logger,
    private readonly revealSecrets: boolean,
  ) {}

  async send(message: SmsMessage): Promise<{ messageId: null }> {
    const body = this.revealSecrets || !message.template ? message.body : renderSms(message.template, maskedParams(message.template, message.params));
    this.logger.info({ sms: { to: this.revealSecrets ? message.phone : maskPhone(message.phone), template: message.template, body } }, 'SMS (logged, not sent)');
    return { messageId: null };
  }
}
