import type { Insertable, Selectable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { PartyDuesPaymentsTable } from '../../platform/db/schema.js';

export type PaymentRow = Selectable<PartyDuesPaymentsTable>;

/** Dues payments (党费). The only SQL of that table. */
export class DuesRepository {
  constructor(private readonly db: Db) {}

  /** The months paid per member (wherever they were paid: a transferred member keeps their payments). */
  async paidMonths(memberIds: string[], db: Db = this.db): Promise<Map<string, { month: string; amount_cents: number }[]>> {
    if (memberIds.length === 0) return new Map();
    const rows = await db.selectFrom('party_dues_payments').select(['member_id', 'month', 'amount_cents']).where('member_id', 'in', memberIds).orderBy('month').execute();
    const byMember = new Map<string, { month: string; amount_cents: number }[]>();
    for (const row of rows) byMember.set(row.member_id, [...(byMember.get(row.member_id) ?? []), { month: row.month, amount_cents: row.amount_cents }]);
    return byMember;
  }

  async paymentsOf(memberId: string, limit: number, db: Db = this.db): Promise<PaymentRow[]> {
    return db.selectFrom('party_dues_payments').selectAll().where('member_id', '=', memberId).orderBy('month', 'desc').limit(limit).execute();
  }

  async allMonthsOf(memberId: string, db: Db = this.db): Promise<string[]> {
    return (await db.selectFrom('party_dues_payments').select('month').where('member_id', '=', memberId).execute()).map((row) => row.month);
  }

  /** Inserts the payments unless a month is paid already; returns the months already paid (nothing inserted then). */
  async insertPayments(tx: Db, rows: Insertable<PartyDuesPaymentsTable>[]): Promise<{ inserted: PaymentRow[]; alreadyPaid: string[] }> {
    if (rows.length === 0) return { inserted: [], alreadyPaid: [] };
    const memberId = rows[0]!.member_id;
    const months = rows.map((row) => row.month);
    const existing = await tx.selectFrom('party_dues_payments').select('month').where('member_id', '=', memberId).where('month', 'in', months).forUpdate().execute();
    if (existing.length > 0) return { inserted: [], alreadyPaid: existing.map((row) => row.month).sort() };
    const inserted = await tx.insertInto('party_dues_payments').values(rows).returningAll().execute();
    return { inserted, alreadyPaid: [] };
  }

}
