import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { PointsEntryKind } from '../../platform/db/schema.js';
import { AppError } from '../../platform/http/errors.js';
import { villageCodeOf } from './points-model.js';
import type { EntryRow, PointsRepository } from './points.repository.js';

/** Whose points move, and where they are booked (the region scopes the entry; the household rolls it up). */
export interface Account {
  userId: string;
  householdId: string | null;
  regionPath: string;
}

export interface Booking {
  account: Account;
  kind: PointsEntryKind;
  /** Signed: positive adds, negative takes away. */
  points: number;
  rule?: { id: string | null; code: string; name: string } | null;
  caseId?: string | null;
  claimId?: string | null;
  orderId?: string | null;
  alarmId?: string | null;
  correctsId?: number | null;
  approver: { id: string; name: string } | null;
  reason: string;
  /** The entry's reason to exist exactly once: a second booking with the same key changes nothing. */
  key: string;
  /**
   * When taking away more than the balance holds: 'refuse' (a redemption: POINTS_INSUFFICIENT), or
   * 'floor' (a deduction or correction takes what is left, 扣完为止, and says so in the reason).
   */
  shortfall: 'refuse' | 'floor';
}

/**
 * The only way points move. Inside the caller's transaction: lock the person's balance row, skip
 * if the idempotency key was booked already, append the entry, move the balance by exactly the
 * entry's points. So the balance always equals the sum of the person's entries, never goes below
 * zero (also a CHECK), and a replayed event or retried request books nothing twice.
 */
export class Ledger {
  constructor(
    private readonly repository: PointsRepository,
    private readonly clock: Clock,
  ) {}

  async book(tx: Db, booking: Booking): Promise<{ entry: EntryRow; created: boolean }> {
    const now = this.clock.now();
    const { account } = booking;
    await this.repository.ensureBalance(tx, account.userId, now);
    const balance = await this.repository.lockBalance(tx, account.userId);
    const existing = await this.repository.entryByKey(tx, booking.key);
    if (existing) return { entry: existing, created: false };

    let points = booking.points;
    let reason = booking.reason;
    if (points < 0 && balance + points < 0) {
      if (booking.shortfall === 'refuse') {
        throw new AppError('POINTS_INSUFFICIENT', { detail: { zh: `需要 ${-points} 分，现有 ${balance} 分`, en: `${-points} needed, ${balance} available` } });
      }
      points = -balance;
      reason = `${reason}（扣完为止：应扣 ${-booking.points} 分，实扣 ${balance} 分）`;
    }
    const entry = await this.repository.insertEntry(tx, {
      user_id: account.userId,
      household_id: account.householdId,
      region_path: account.regionPath,
      village_code: villageCodeOf(account.regionPath),
      kind: booking.kind,
      points,
      rule_id: booking.rule?.id ?? null,
      rule_code: booking.rule?.code ?? null,
      rule_name: booking.rule?.name ?? null,
      case_id: booking.caseId ?? null,
      claim_id: booking.claimId ?? null,
      order_id: booking.orderId ?? null,
      alarm_id: booking.alarmId ?? null,
      corrects_id: booking.correctsId ?? null,
      approver_id: booking.approver?.id ?? null,
      approver_name: booking.approver?.name ?? null,
      reason: reason.slice(0, 500),
      idempotency_key: booking.key,
      created_at: now,
    });
    // Another transaction with the same key committed between our check and insert: theirs stands.
    if (!entry) return { entry: (await this.repository.entryByKey(tx, booking.key))!, created: false };
    if (points !== 0) await this.repository.addToBalance(tx, account.userId, points, now);
    return { entry, created: true };
  }
}
