import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { AppError } from '../../platform/http/errors.js';
import type { Actor, RequestMeta } from '../../platform/request-context.js';
import type { WorkCalendar } from '../../platform/working-time.js';
import { requirePermission } from '../accounts/policies.js';
import type { AuditService } from '../audit/audit.service.js';
import type { CalendarRepository } from './calendar.repository.js';

/** The working calendar: weekday working hours from config, holidays and 调休 days from the table. */
export class CalendarService {
  constructor(
    private readonly db: Db,
    private readonly repository: CalendarRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly periods: [number, number][],
  ) {}

  /** `db`: the caller's transaction, when called inside one (never take a second connection there). */
  async workCalendar(db?: Db): Promise<WorkCalendar> {
    const rows = await this.repository.all(db);
    return { periods: this.periods, overrides: new Map(rows.map((row) => [row.date, row.is_workday])) };
  }

  async list(year: number) {
    const rows = await this.repository.inYear(year);
    return { items: rows.map((row) => ({ date: row.date, isWorkday: row.is_workday, name: row.name })) };
  }

  async set(actor: Actor, date: string, body: { isWorkday: boolean; name: string }, meta: RequestMeta) {
    requirePermission(actor.role, 'calendar.write');
    await this.db.transaction().execute(async (tx) => {
      const before = await this.repository.find(date);
      await this.repository.upsert(tx, { date, ...body }, this.clock.now());
      await this.audit.record(tx, actor, meta, {
        action: 'calendar.set',
        targetType: 'calendar_day',
        targetId: date,
        regionPath: actor.scope.path,
        details: { before: before ?? null, after: body },
      });
    });
    return { date, ...body };
  }

  async remove(actor: Actor, date: string, meta: RequestMeta) {
    requirePermission(actor.role, 'calendar.write');
    await this.db.transaction().execute(async (tx) => {
      if (!(await this.repository.remove(tx, date))) throw new AppError('NOT_FOUND');
      await this.audit.record(tx, actor, meta, { action: 'calendar.remove', targetType: 'calendar_day', targetId: date, regionPath: actor.scope.path });
    });
  }
}
