import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { offsetOf, type PageRequest } from '../http/pagination.js';
import { type Scope, subtreePattern } from '../scope.js';

/** Where texts go. The default provider only logs; a gateway adapter implements the same. */
export interface SmsProvider {
  readonly name: string;
  send(phone: string, body: string): Promise<void>;
}

export class LoggingSmsProvider implements SmsProvider {
  readonly name = 'log';
  constructor(private readonly logger: Logger) {}
  async send(phone: string, body: string): Promise<void> {
    this.logger.info({ sms: { to: `${phone.slice(0, 3)}****${phone.slice(-4)}`, body } }, 'SMS (logged, not sent)');
  }
}

/**
 * Texts are written to an outbox in the transaction of the change that causes them, then handed
 * to the provider by `dispatch`, so a text is neither lost on a crash nor sent for a rolled-back change.
 */
export class SmsOutbox {
  constructor(
    private readonly db: Db,
    private readonly provider: SmsProvider,
    private readonly clock: Clock,
  ) {}

  async enqueue(tx: Db, sms: { phone: string; body: string; regionPath: string; reference?: string }): Promise<void> {
    await tx
      .insertInto('sms_outbox')
      .values({ phone: sms.phone, body: sms.body, region_path: sms.regionPath, reference: sms.reference ?? null, created_at: this.clock.now() })
      .execute();
  }

  /** Sends queued texts, each claimed so two dispatchers never send one twice. */
  async dispatch(limit = 50): Promise<number> {
    let sent = 0;
    for (let i = 0; i < limit; i++) {
      const done = await this.db.transaction().execute(async (tx) => {
        const row = await tx
          .selectFrom('sms_outbox')
          .select(['id', 'phone', 'body'])
          .where('status', '=', 'queued')
          .orderBy('id')
          .limit(1)
          .forUpdate()
          .skipLocked()
          .executeTakeFirst();
        if (!row) return false;
        try {
          await this.provider.send(row.phone, row.body);
          await tx.updateTable('sms_outbox').set({ status: 'sent', provider: this.provider.name, sent_at: this.clock.now() }).where('id', '=', row.id).execute();
        } catch (error) {
          await tx
            .updateTable('sms_outbox')
            .set({ status: 'failed', provider: this.provider.name, error: error instanceof Error ? error.message : String(error) })
            .where('id', '=', row.id)
            .execute();
        }
        return true;
      });
      if (!done) break;
      sent++;
    }
    return sent;
  }

  async list(scope: Scope, page: PageRequest) {
    const query = this.db.selectFrom('sms_outbox').where('region_path', 'like', subtreePattern(scope));
    const [rows, total] = await Promise.all([
      query.selectAll().orderBy('id', 'desc').limit(page.pageSize).offset(offsetOf(page)).execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: total.n };
  }
}
