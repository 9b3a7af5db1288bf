import type { Db } from '../../platform/db/database.js';
import { AppError, fieldError } from '../../platform/http/errors.js';
import type { Actor, RequestMeta } from '../../platform/request-context.js';
import { isWithin } from '../../platform/scope.js';
import { localDate } from '../../platform/working-time.js';
import { can, requirePermission } from '../accounts/policies.js';
import type { AuditService } from '../audit/audit.service.js';
import type { DutyPerson, DutyRepository } from './duty.repository.js';
import type { RosterQuery, RosterResponse, SetDayBody } from './duty.schema.js';

/** The longest range one roster read returns (a month grid with its edges). */
const MAX_RANGE_DAYS = 62;

/** The township code in a region path '/county/township/…/', or null above township level. */
export function townshipOf(regionPath: string): string | null {
  return regionPath.split('/').filter(Boolean)[1] ?? null;
}

/** 值班表: who of a township's staff is on duty on each day; escalations and device faults go to them. */
export class DutyService {
  constructor(
    private readonly db: Db,
    private readonly repository: DutyRepository,
    private readonly audit: AuditService,
  ) {}

  /**
   * The township's staff on duty at `at` (its Shanghai date) for the township containing
   * `regionPath`; empty when nobody is set or the path is above township level.
   * `db`: the caller's transaction, when called inside one.
   */
  async onDuty(regionPath: string, at: Date, db?: Db): Promise<DutyPerson[]> {
    const township = townshipOf(regionPath);
    if (!township) return [];
    return this.repository.onDay(township, localDate(at), db);
  }

  async roster(actor: Actor, query: RosterQuery): Promise<RosterResponse> {
    requirePermission(actor.role, 'duty.read');
    const township = await this.townshipFor(actor, query.townshipCode, 'query.townshipCode');
    const days = daysBetween(query.from, query.to, 'query');
    const rows = await this.repository.days(township.code, query.from, query.to);
    const byDate = new Map<string, DutyPerson[]>(days.map((date) => [date, []]));
    for (const { date, ...person } of rows) byDate.get(date)?.push(person);
    return {
      township: { code: township.code, name: township.name },
      days: [...byDate].map(([date, staff]) => ({ date, staff })),
      candidates: can(actor.role, 'duty.write') ? await this.repository.candidates(township.code) : [],
    };
  }

  async setDay(actor: Actor, date: string, body: SetDayBody, meta: RequestMeta) {
    requirePermission(actor.role, 'duty.write');
    const township = await this.townshipFor(actor, body.townshipCode, 'body.townshipCode');
    const userIds = [...new Set(body.userIds)];
    const staff = await this.db.transaction().execute(async (tx) => {
      const candidates = await this.repository.candidates(township.code, tx);
      const known = new Map(candidates.map((person) => [person.userId, person]));
      const stranger = userIds.findIndex((id) => !known.has(id));
      if (stranger >= 0) {
        throw fieldError(`body.userIds.${stranger}`, '只能安排本乡镇的工作人员值班', 'Only the township’s own staff can be put on duty');
      }
      const before = await this.repository.replaceDay(tx, township.code, date, userIds, actor.userId);
      await this.audit.record(tx, actor, meta, {
        action: 'duty.set',
        targetType: 'duty_day',
        targetId: `${township.code}:${date}`,
        regionPath: township.path,
        details: { before, after: userIds },
      });
      return userIds.map((id) => known.get(id)!);
    });
    return { date, staff };
  }

  /** The asked-for township (or the caller's own), if the caller's scope is inside it or above it. */
  private async townshipFor(actor: Actor, code: string | undefined, field: string) {
    const wanted = code ?? townshipOf(actor.scope.path);
    if (!wanted) throw fieldError(field, '请选择乡镇', 'Choose a township');
    const township = await this.repository.township(wanted);
    if (!township || !(isWithin(actor.scope, township.path) || actor.scope.path.startsWith(township.path))) {
      throw new AppError('REGION_NOT_FOUND');
    }
    return township;
  }
}

function daysBetween(from: string, to: string, prefix: string): string[] {
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  const count = Math.round((end - start) / 86_400_000) + 1;
  if (count < 1) throw fieldError(`${prefix}.to`, '结束日期不能早于开始日期', 'The end date must not be before the start date');
  if (count > MAX_RANGE_DAYS) throw fieldError(`${prefix}.to`, `最多查询 ${MAX_RANGE_DAYS} 天`, `At most ${MAX_RANGE_DAYS} days at once`);
  return Array.from({ length: count }, (_, i) => new Date(start + i * 86_400_000).toISOString().slice(0, 10));
}
