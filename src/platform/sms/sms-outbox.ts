import { sql, type Updateable } from 'kysely';
import pino, { type Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import type { SmsOutboxTable, SmsStatus } from '../db/schema.js';
import { offsetOf, type PageRequest } from '../http/pagination.js';
import { type Scope, subtreePattern } from '../scope.js';
import { maskPhone, type SmsProvider, SmsSendError } from './provider.js';
import { isSecretKind, maskedParams, renderSms, SMS_TEMPLATE_KINDS, smsParams, type SmsTemplateKind } from './templates.js';

export interface SmsOutboxSettings {
  /** Texts other than login codes per phone and China day; more are skipped. */
  dailyLimitPerPhone: number;
  /** Tries per text, the first included, before a transient failure becomes final. */
  maxAttempts: number;
  /** The first retry waits this long, doubling each time, at most an hour. */
  retryBaseSeconds: number;
  /** How long a claimed text is held while the gateway answers. */
  leaseSeconds: number;
  /** Texts no longer waiting to be sent are deleted after this many days (they hold phone numbers). */
  retentionDays: number;
}

export const defaultSmsOutboxSettings: SmsOutboxSettings = { dailyLimitPerPhone: 20, maxAttempts: 6, retryBaseSeconds: 60, leaseSeconds: 60, retentionDays: 180 };

export interface SmsToQueue {
  phone: string;
  template: SmsTemplateKind;
  params: Record<string, string>;
  regionPath: string;
  reference?: string;
}

/** Login codes have their own limits (accounts), so the per-phone daily limit leaves them out. */
const LIMIT_EXEMPT: readonly SmsTemplateKind[] = ['verification_code'];
/** Receipts come within hours; a text still unreported after this is left as sent. */
const RECEIPT_WINDOW_MS = 3 * 86_400_000;
const CHINA_OFFSET_MS = 8 * 3_600_000;

type Row = Pick<SmsOutboxTable, 'phone' | 'body' | 'template' | 'reference'> & { id: string; params: Record<string, string> | null; attempts: number; created_at: Date };

const isKind = (value: string | null): value is SmsTemplateKind => value !== null && (SMS_TEMPLATE_KINDS as readonly string[]).includes(value);

/**
 * Texts are written to an outbox in the transaction of the change that causes them, then handed to
 * the provider by `dispatch`, so a text is neither lost on a crash nor sent for a rolled-back change.
 * A dispatcher claims one row (FOR UPDATE SKIP LOCKED), marks it `sending` with a lease and commits
 * before calling the gateway, so no transaction stays open across the network and no two dispatchers
 * send one row; a row whose lease ran out (a crash mid-send) is tried again.
 */
export class SmsOutbox {
  private kicked: Promise<void> | null = null;
  private kickAgain = false;

  constructor(
    private readonly db: Db,
    private readonly provider: SmsProvider,
    private readonly clock: Clock,
    private readonly settings: SmsOutboxSettings = defaultSmsOutboxSettings,
    private readonly logger: Logger = pino({ level: 'silent' }),
  ) {}

  get providerName(): string {
    return this.provider.name;
  }

  /** Queues a text in the caller's transaction; the stored body never shows secret parameters. */
  async enqueue(tx: Db, sms: SmsToQueue): Promise<void> {
    const params = smsParams(sms.template, sms.params);
    const now = this.clock.now();
    await tx
      .insertInto('sms_outbox')
      .values({
        phone: sms.phone,
        template: sms.template,
        params: JSON.stringify(params),
        body: renderSms(sms.template, maskedParams(sms.template, params)),
        region_path: sms.regionPath,
        reference: sms.reference ?? null,
        created_at: now,
        next_attempt_at: now,
      })
      .execute();
  }

  /**
   * Starts a dispatch now without waiting for it (after the transaction that queued a login code
   * has committed, so the code does not wait for the poller). Kicks during a run make it go round again.
   */
  kick(): void {
    if (this.kicked) {
      this.kickAgain = true;
      return;
    }
    this.kicked = (async () => {
      do {
        this.kickAgain = false;
        await this.dispatch();
      } while (this.kickAgain);
    })()
      .catch((error: unknown) => this.logger.error({ err: error }, 'SMS dispatch failed'))
      .finally(() => {
        this.kicked = null;
      });
  }

  /** Resolves when no kicked dispatch is running (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.kicked) await this.kicked;
  }

  /** Hands due texts to the provider, one claimed row at a time; returns how many rows it settled. */
  async dispatch(limit = 50): Promise<number> {
    let settled = 0;
    for (; settled < limit; settled++) {
      const row = await this.claim();
      if (row === null) break;
      if (row !== 'settled') await this.send(row);
    }
    return settled;
  }

  /** Claims the next due row: `sending` with a lease, or settled at once (expired code, over the daily limit). */
  private async claim(): Promise<Row | 'settled' | null> {
    return this.db.transaction().execute(async (tx) => {
      const now = this.clock.now();
      const row = await tx
        .selectFrom('sms_outbox')
        .select(['id', 'phone', 'body', 'template', 'params', 'reference', 'attempts', 'created_at'])
        .where((eb) =>
          eb.or([
            eb.and([eb('status', '=', 'queued'), eb('next_attempt_at', '<=', now)]),
            eb.and([eb('status', '=', 'sending'), eb('lease_until', '<', now)]),
          ]),
        )
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(1)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (!row) return null;
      const settle = async (status: SmsStatus, errorCode: string, error: string) => {
        await tx
          .updateTable('sms_outbox')
          .set({ status, error_code: errorCode, error, lease_until: null, provider: this.provider.name, params: this.masked(row) })
          .where('id', '=', row.id)
          .execute();
        return 'settled' as const;
      };
      if (row.attempts >= this.settings.maxAttempts) return settle('failed', 'LEASE_EXPIRED', '发送中断且已达最多尝试次数');
      const minutes = Number(row.params?.minutes);
      if (row.template === 'verification_code' && minutes > 0 && now.getTime() >= row.created_at.getTime() + minutes * 60_000) {
        return settle('failed', 'EXPIRED', '验证码已过期，未再发送');
      }
      if (!isKind(row.template) || !LIMIT_EXEMPT.includes(row.template)) {
        // One number's texts are counted one dispatcher at a time, so two cannot both pass the limit.
        await sql`SELECT pg_advisory_xact_lock(hashtext(${`sms-daily:${row.phone}`}))`.execute(tx);
        const dayStart = new Date(Math.floor((now.getTime() + CHINA_OFFSET_MS) / 86_400_000) * 86_400_000 - CHINA_OFFSET_MS);
        const { n } = await tx
          .selectFrom('sms_outbox')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('phone', '=', row.phone)
          .where('id', '!=', row.id)
          .where((eb) => eb.or([eb('template', 'is', null), eb('template', 'not in', LIMIT_EXEMPT)]))
          .where((eb) => eb.or([eb('sent_at', '>=', dayStart), eb('status', '=', 'sending')]))
          .executeTakeFirstOrThrow();
        if (Number(n) >= this.settings.dailyLimitPerPhone) {
          return settle('skipped', 'DAILY_LIMIT', `该号码今日已发 ${n} 条短信，达到每日上限 ${this.settings.dailyLimitPerPhone} 条`);
        }
      }
      const attempts = row.attempts + 1;
      await tx
        .updateTable('sms_outbox')
        .set({ status: 'sending', attempts, lease_until: new Date(now.getTime() + this.settings.leaseSeconds * 1000), provider: this.provider.name })
        .where('id', '=', row.id)
        .execute();
      return { ...row, attempts };
    });
  }

  /** Calls the gateway outside any transaction, then records the outcome if the claim is still ours. */
  private async send(row: Row): Promise<void> {
    const params = row.params ?? {};
    const template = isKind(row.template) ? row.template : null;
    let update: Updateable<SmsOutboxTable>;
    try {
      const { messageId } = await this.provider.send({ phone: row.phone, template, params, body: template ? renderSms(template, params) : row.body });
      update = { status: 'sent', provider_message_id: messageId, sent_at: this.clock.now(), error: null, error_code: null, params: this.masked(row) };
    } catch (caught) {
      const error = caught instanceof SmsSendError ? caught : new SmsSendError('ERROR', caught instanceof Error ? caught.message : String(caught), true);
      const retry = error.transient && row.attempts < this.settings.maxAttempts;
      this.logger.warn({ smsFailure: { id: row.id, to: maskPhone(row.phone), code: error.code, attempt: row.attempts, retry } }, 'SMS not accepted');
      const waitMs = Math.min(this.settings.retryBaseSeconds * 2 ** (row.attempts - 1), 3600) * 1000;
      update = retry
        ? { status: 'queued', next_attempt_at: new Date(this.clock.now().getTime() + waitMs), error: error.message.slice(0, 500), error_code: error.code.slice(0, 100) }
        : { status: 'failed', error: error.message.slice(0, 500), error_code: error.code.slice(0, 100), params: this.masked(row) };
    }
    await this.db
      .updateTable('sms_outbox')
      .set({ ...update, lease_until: null })
      .where('id', '=', row.id)
      .where('status', '=', 'sending')
      .where('attempts', '=', row.attempts)
      .execute();
  }

  /** The parameters to keep once the provider has had them (or never will): secrets masked. */
  private masked(row: Pick<Row, 'template' | 'params'>): string | null {
    if (!row.params) return null;
    return JSON.stringify(isKind(row.template) && isSecretKind(row.template) ? maskedParams(row.template, row.params) : row.params);
  }

  /** Asks the provider for delivery receipts of accepted texts and records them; returns how many rows changed. */
  async pullReceipts(): Promise<number> {
    if (!this.provider.receipts) return 0;
    const now = this.clock.now();
    const pending = await this.db
      .selectFrom('sms_outbox')
      .select(['phone', 'provider_message_id', 'sent_at'])
      .where('status', '=', 'sent')
      .where('provider', '=', this.provider.name)
      .where('provider_message_id', 'is not', null)
      .where('sent_at', '>=', new Date(now.getTime() - RECEIPT_WINDOW_MS))
      .orderBy('sent_at')
      .limit(100)
      .execute();
    if (pending.length === 0) return 0;
    const receipts = await this.provider.receipts(pending.map((p) => ({ messageId: p.provider_message_id!, phone: p.phone, sentAt: p.sent_at! })));
    let changed = 0;
    for (const receipt of receipts) {
      const result = await this.db
        .updateTable('sms_outbox')
        .set(
          receipt.delivered
            ? { status: 'delivered', delivered_at: receipt.at ?? now }
            : { status: 'failed', error_code: (receipt.code ?? 'UNDELIVERED').slice(0, 100), error: (receipt.description ?? receipt.code ?? '未送达').slice(0, 500) },
        )
        .where('provider', '=', this.provider.name)
        .where('provider_message_id', '=', receipt.messageId)
        .where('status', '=', 'sent')
        .executeTakeFirst();
      changed += Number(result.numUpdatedRows);
    }
    return changed;
  }

  /** Deletes texts past their retention that are done with (sent, delivered, failed or skipped). */
  async purge(): Promise<number> {
    const before = new Date(this.clock.now().getTime() - this.settings.retentionDays * 86_400_000);
    const result = await this.db
      .deleteFrom('sms_outbox')
      .where('created_at', '<', before)
      .where('status', 'in', ['sent', 'delivered', 'failed', 'skipped'])
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async list(scope: Scope, page: PageRequest, filter: { status?: SmsStatus } = {}) {
    let query = this.db.selectFrom('sms_outbox').where('region_path', 'like', subtreePattern(scope));
    if (filter.status) query = query.where('status', '=', filter.status);
    const since = new Date(this.clock.now().getTime() - 7 * 86_400_000);
    const [rows, total, failed] = await Promise.all([
      query.selectAll().orderBy('id', 'desc').limit(page.pageSize).offset(offsetOf(page)).execute(),
      query.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
      this.db
        .selectFrom('sms_outbox')
        .where('region_path', 'like', subtreePattern(scope))
        .where('status', '=', 'failed')
        .where('created_at', '>=', since)
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(total.n), failedLastWeek: Number(failed.n) };
  }
}
