import type { Clock } from '../../platform/clock.js';
import { AppError } from '../../platform/http/errors.js';
import type { Actor } from '../../platform/request-context.js';
import { requirePermission } from '../accounts/policies.js';
import type { DuesService } from './dues.service.js';
import type { MeetingsRepository } from './meetings.repository.js';
import type { MeetingsService } from './meetings.service.js';
import { monthAt, periodOf } from './party-periods.js';
import type { PartyStats } from './party.schema.js';
import { MEMBER_STATUSES, type PartyService } from './party.service.js';
import type { StudyService } from './study.service.js';

/**
 * The figures of party building for the big screen: members, organisations, this period's completion,
 * meetings, study and dues — counts only, never a person. `partyMembersIn` is the big screen's
 * partyMembers figure for other modules.
 */
export class PartyStatsService {
  constructor(
    private readonly deps: {
      party: PartyService;
      meetings: MeetingsService;
      meetingsRepository: MeetingsRepository;
      study: StudyService;
      dues: DuesService;
      clock: Clock;
    },
  ) {}

  /** Full and probationary members (党员) in a region and below, unscoped: the caller has checked the region. */
  async partyMembersIn(regionPath: string): Promise<number> {
    const rows = await this.deps.party.repository.memberFigures(regionPath);
    return rows.filter((r) => MEMBER_STATUSES.includes(r.status)).reduce((n, r) => n + r.n, 0);
  }

  async stats(actor: Actor, regionCode?: string): Promise<PartyStats> {
    requirePermission(actor.role, 'party.stats');
    const region = await this.deps.party.repository.region(regionCode ?? actor.scope.regionCode);
    if (!region || !region.path.startsWith(actor.scope.path)) throw new AppError('REGION_NOT_FOUND');
    const prefix = region.path;
    const now = this.deps.clock.now();
    const month = monthAt(now);
    const monthPeriod = periodOf('monthly', month);
    const repo = this.deps.party.repository;
    const [memberRows, orgRows, completion, heldThisMonth, upcoming, attendance, branches] = await Promise.all([
      repo.memberFigures(prefix),
      repo.organisationFigures(prefix),
      this.deps.meetings.computeCompletion(prefix, month),
      this.deps.meetingsRepository.countHeld(prefix, monthPeriod.start, monthPeriod.end),
      this.deps.meetingsRepository.countUpcoming(prefix, now, new Date(now.getTime() + 7 * 86_400_000)),
      this.deps.meetingsRepository.attendanceFigures(prefix, monthPeriod.start, monthPeriod.end),
      repo.listOrganisations(prefix),
    ]);
    const members = await repo.membersOf(
      branches.filter((b) => b.kind === 'branch').map((b) => b.id),
      MEMBER_STATUSES,
    );
    const [study, dues] = await Promise.all([this.deps.study.figures(members.map((m) => m.id)), this.deps.dues.figures(members)]);
    const count = (status: string) => memberRows.filter((r) => r.status === status).reduce((n, r) => n + r.n, 0);
    const kinds = (kind: string) => orgRows.find((r) => r.kind === kind)?.n ?? 0;
    const attended = attendance.filter((a) => a.status === 'present' || a.status === 'late').length;
    const types = new Map<string, PartyStats['completion']['byType'][number]>();
    for (const organisation of completion.organisations) {
      for (const item of organisation.items) {
        if (item.status === 'not_applicable') continue;
        const entry = types.get(item.typeCode) ?? { code: item.typeCode, name: item.typeName, frequency: item.frequency, period: item.period.key, done: 0, total: 0 };
        entry.total++;
        if (item.status === 'done') entry.done++;
        types.set(item.typeCode, entry);
      }
    }
    const { required, held } = completion.summary;
    return {
      generatedAt: now.toISOString(),
      region: { code: region.code, name: region.name },
      members: {
        total: count('full') + count('probationary'),
        full: count('full'),
        probationary: count('probationary'),
        candidates: count('candidate'),
        activists: count('activist'),
        mobile: memberRows.filter((r) => r.mobile && MEMBER_STATUSES.includes(r.status)).reduce((n, r) => n + r.n, 0),
      },
      organisations: { committees: kinds('committee'), generalBranches: kinds('general_branch'), branches: kinds('branch'), groups: kinds('group') },
      period: { month, quarter: periodOf('quarterly', month).key, year: month.slice(0, 4) },
      completion: {
        required,
        held,
        rate: required ? held / required : null,
        organisationsDone: completion.summary.fullyDone,
        organisations: completion.summary.organisations,
        byType: [...types.values()],
      },
      meetings: { heldThisMonth, upcoming, attendanceRate: attendance.length ? attended / attendance.length : null },
      study,
      dues,
    };
  }
}
