import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { JobQueue } from '../../platform/jobs/job-queue.js';
import type { UrlSigner } from '../../platform/signing.js';
import type { AccountsService } from '../accounts/accounts.service.js';
import type { AuditService } from '../audit/audit.service.js';
import type { NotificationsService } from '../notifications/notifications.service.js';
import { DuesRepository } from './dues.repository.js';
import { DuesService } from './dues.service.js';
import { MeetingsRepository } from './meetings.repository.js';
import { type MeetingPhotos, MeetingsService } from './meetings.service.js';
import { PartyRepository } from './party.repository.js';
import { PartyService } from './party.service.js';
import { PartyStatsService } from './stats.service.js';
import { StudyRepository } from './study.repository.js';
import { type StudyFiles, StudyService } from './study.service.js';

/** 智慧党建's services, wired together; app.ts keeps them as `services.party`. */
export interface PartyServices {
  organisations: PartyService;
  meetings: MeetingsService;
  study: StudyService;
  dues: DuesService;
  stats: PartyStatsService;
}

export function createPartyServices(deps: {
  db: Db;
  accounts: AccountsService;
  notifications: NotificationsService;
  photos: MeetingPhotos;
  /** Study materials' documents and photos (the village files module). */
  files: StudyFiles;
  jobs: JobQueue;
  /** Signs on-site sign-in codes (rounded to the minute). */
  signer: UrlSigner;
  audit: AuditService;
  clock: Clock;
}): PartyServices {
  const { db, audit, clock } = deps;
  let meetings: MeetingsService | undefined;
  const organisations = new PartyService({
    db,
    repository: new PartyRepository(db),
    accounts: deps.accounts,
    audit,
    clock,
    // A new organisation's periods get their reminders (and the chain of later ones).
    onOrganisationCreated: (tx) => meetings!.ensureReminders(tx),
  });
  const meetingsRepository = new MeetingsRepository(db);
  meetings = new MeetingsService({
    db,
    repository: meetingsRepository,
    party: organisations,
    photos: deps.photos,
    notifications: deps.notifications,
    jobs: deps.jobs,
    signer: deps.signer,
    audit,
    clock,
  });
  const study = new StudyService({ db, repository: new StudyRepository(db), party: organisations, files: deps.files, audit, clock });
  const dues = new DuesService({ db, repository: new DuesRepository(db), party: organisations, audit, clock });
  const stats = new PartyStatsService({ party: organisations, meetings, meetingsRepository, study, dues, clock });
  return { organisations, meetings, study, dues, stats };
}
