import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { AppError, fieldError } from '../../platform/http/errors.js';
import type { Actor, RequestMeta } from '../../platform/request-context.js';
import { localDate } from '../../platform/working-time.js';
import type { AuditService } from '../audit/audit.service.js';
import { arrears, type DuesBracket, monthlyDues } from './party-dues.js';
import { monthAt } from './party-periods.js';
import type { DuesRepository, PaymentRow } from './dues.repository.js';
import type { MemberRow } from './party.repository.js';
import type { DuesQuery, DuesView, MyDues, PaymentBody, PaymentView } from './party.schema.js';
import { managedPrefix, MEMBER_STATUSES, type PartyService } from './party.service.js';

const toPaymentView = (row: PaymentRow): PaymentView => ({
  id: row.id,
  memberId: row.member_id,
  month: row.month,
  amountCents: row.amount_cents,
  paidOn: row.paid_on,
  note: row.note,
  recordedByName: row.recorded_by_name,
  recordedAt: row.recorded_at.toISOString(),
});

/**
 * 党费: each full or probationary member's monthly amount from their declared income and the
 * brackets in force (or a fixed amount), payments recorded by the branch, and arrears — months
 * before the current one left unpaid — with six in a row flagged.
 */
export class DuesService {
  constructor(
    private readonly deps: {
      db: Db;
      repository: DuesRepository;
      party: PartyService;
      audit: AuditService;
      clock: Clock;
    },
  ) {}

  private standing(member: MemberRow, paid: { month: string; amount_cents: number }[], month: string, brackets: DuesBracket[]) {
    const monthly = monthlyDues({ declaredIncomeCents: member.declared_income_cents, fixedDuesCents: member.fixed_dues_cents }, brackets);
    const paidMonths = new Set(paid.map((p) => p.month));
    const owed = arrears(member.dues_from, month, paidMonths);
    return {
      monthly,
      paidThisMonth: paidMonths.has(month),
      lastPaidMonth: paid.length ? paid.map((p) => p.month).sort().at(-1)! : null,
      ...owed,
      owedCents: owed.unpaidMonths.length * monthly.amountCents,
    };
  }

  async view(actor: Actor, query: DuesQuery): Promise<DuesView> {
    const prefix = managedPrefix(actor);
    const month = query.month ?? monthAt(this.deps.clock.now());
    const ids = query.organisationId ? await this.deps.party.subtreeIds(actor, query.organisationId) : null;
    const branches = (await this.deps.party.repository.listOrganisations(prefix, { includeInactive: true })).filter((o) => o.kind === 'branch' && (ids === null || ids.includes(o.id)));
    const members = await this.deps.party.repository.membersOf(
      branches.map((b) => b.id),
      MEMBER_STATUSES,
    );
    const [paid, brackets] = await Promise.all([this.deps.repository.paidMonths(members.map((m) => m.id)), this.deps.party.duesBrackets()]);
    const rows = members.map((m) => {
      const payments = paid.get(m.id) ?? [];
      return {
        member: { id: m.id, name: m.name, branchName: m.branch_name, status: m.status },
        declaredIncomeCents: m.declared_income_cents,
        collected: payments.find((p) => p.month === month)?.amount_cents ?? 0,
        ...this.standing(m, payments, month, brackets),
      };
    });
    const items = rows
      .filter((r) => query.arrearsOnly !== 'true' || r.unpaidMonths.length > 0)
      .sort((a, b) => Number(b.flagged) - Number(a.flagged) || b.unpaidMonths.length - a.unpaidMonths.length || a.member.name.localeCompare(b.member.name, 'zh-CN'));
    return {
      month,
      items: items.map(({ collected: _collected, ...row }) => row),
      summary: {
        members: rows.length,
        paidThisMonth: rows.filter((r) => r.paidThisMonth).length,
        withArrears: rows.filter((r) => r.unpaidMonths.length > 0).length,
        flagged: rows.filter((r) => r.flagged).length,
        owedCents: rows.reduce((n, r) => n + r.owedCents, 0),
        collectedThisMonthCents: rows.reduce((n, r) => n + r.collected, 0),
      },
    };
  }

  /** The branch records what a member paid, for one or more months (default: their monthly amount each). */
  async recordPayment(actor: Actor, body: PaymentBody, meta: RequestMeta): Promise<{ items: PaymentView[] }> {
    const member = await this.deps.party.memberInScope(actor, body.memberId);
    if (!MEMBER_STATUSES.includes(member.status)) throw fieldError('body.memberId', '只有正式党员和预备党员交纳党费', 'only full and probationary members pay dues');
    const months = [...new Set(body.months)].sort();
    if (months.length !== body.months.length) throw fieldError('body.months', '月份重复', 'a month is given twice');
    const today = localDate(this.deps.clock.now());
    const paidOn = body.paidOn ?? today;
    if (paidOn > today) throw fieldError('body.paidOn', '交纳日期不能晚于今天', 'cannot be in the future');
    const monthly = monthlyDues({ declaredIncomeCents: member.declared_income_cents, fixedDuesCents: member.fixed_dues_cents }, await this.deps.party.duesBrackets());
    const amount = body.amountCents ?? monthly.amountCents;
    if (body.amountCents === undefined && monthly.basis === 'none') throw fieldError('body.amountCents', '该党员未申报收入，请填写金额或先登记收入', 'no income declared: give the amount, or declare the income first');
    const now = this.deps.clock.now();
    const inserted = await this.deps.db.transaction().execute(async (tx) => {
      const result = await this.deps.repository.insertPayments(
        tx,
        months.map((month) => ({
          member_id: member.id,
          month,
          amount_cents: amount,
          paid_on: paidOn,
          branch_id: member.branch_id,
          region_path: member.region_path,
          note: body.note || null,
          recorded_by: actor.userId,
          recorded_by_name: actor.name,
          recorded_at: now,
        })),
      );
      if (result.alreadyPaid.length > 0) {
        throw new AppError('PARTY_DUES_ALREADY_PAID', {
          detail: { zh: result.alreadyPaid.join('、'), en: result.alreadyPaid.join(', ') },
          details: [{ field: 'body.months', message: `${result.alreadyPaid.join('、')} 已登记`, messageEn: `${result.alreadyPaid.join(', ')} already recorded` }],
        });
      }
      await this.deps.audit.record(tx, actor, meta, {
        action: 'party.dues_payment',
        targetType: 'party_member',
        targetId: member.id,
        regionPath: member.region_path,
        details: { months, amountCents: amount, paidOn },
      });
      return result.inserted;
    });
    return { items: inserted.map(toPaymentView) };
  }

  async mine(actor: Actor): Promise<MyDues> {
    const member = await this.deps.party.memberOfUser(actor.userId);
    if (!member) throw new AppError('PARTY_NOT_A_MEMBER');
    const month = monthAt(this.deps.clock.now());
    const [paid, brackets, payments] = await Promise.all([
      this.deps.repository.paidMonths([member.id]),
      this.deps.party.duesBrackets(),
      this.deps.repository.paymentsOf(member.id, 24),
    ]);
    const pays = MEMBER_STATUSES.includes(member.status);
    const standing = this.standing(member, paid.get(member.id) ?? [], month, brackets);
    return {
      month,
      monthly: pays ? standing.monthly : { amountCents: 0, basis: 'none', rateBp: null },
      paidThisMonth: standing.paidThisMonth,
      unpaidMonths: pays ? standing.unpaidMonths : [],
      consecutive: pays ? standing.consecutive : 0,
      flagged: pays && standing.flagged,
      owedCents: pays ? standing.owedCents : 0,
      payments: payments.map(toPaymentView),
    };
  }

  /** Demo mode only: payments already made; months paid before are skipped. */
  async createDemoPayments(tx: Db, member: MemberRow, months: string[], amountCents: number, by: { id: string; name: string }): Promise<void> {
    const paid = new Set(await this.deps.repository.allMonthsOf(member.id, tx));
    const rows = months
      .filter((m) => !paid.has(m))
      .map((month) => ({
        member_id: member.id,
        month,
        amount_cents: amountCents,
        paid_on: `${month}-08`,
        branch_id: member.branch_id,
        region_path: member.region_path,
        note: null,
        recorded_by: by.id,
        recorded_by_name: by.name,
        recorded_at: new Date(`${month}-08T10:00:00+08:00`),
      }));
    await this.deps.repository.insertPayments(tx, rows);
  }

  /** Payers, paid this month and flagged among these members (for the big screen). */
  async figures(members: MemberRow[]): Promise<{ month: string; payers: number; paidThisMonth: number; flagged: number }> {
    const month = monthAt(this.deps.clock.now());
    const payers = members.filter((m) => MEMBER_STATUSES.includes(m.status));
    const [paid, brackets] = await Promise.all([this.deps.repository.paidMonths(payers.map((m) => m.id)), this.deps.party.duesBrackets()]);
    const standings = payers.map((m) => this.standing(m, paid.get(m.id) ?? [], month, brackets));
    return { month, payers: payers.length, paidThisMonth: standings.filter((s) => s.paidThisMonth).length, flagged: standings.filter((s) => s.flagged).length };
  }
}
