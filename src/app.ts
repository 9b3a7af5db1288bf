import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import type { Config } from './config.js';
import { AccountsService } from './modules/accounts/accounts.service.js';
import { authRoutes, usersRoutes } from './modules/accounts/accounts.routes.js';
import { LoginAttemptsRepository, SessionsRepository } from './modules/accounts/sessions.repository.js';
import { UsersRepository } from './modules/accounts/users.repository.js';
import { VerificationCodesRepository } from './modules/accounts/verification-codes.repository.js';
import { VerificationCodesService } from './modules/accounts/verification-codes.service.js';
import { WechatRepository } from './modules/accounts/wechat.repository.js';
import { wechatRoutes } from './modules/accounts/wechat.routes.js';
import { WechatService } from './modules/accounts/wechat.service.js';
import { AudioRepository } from './modules/audio/audio.repository.js';
import { BroadcastRepository } from './modules/broadcast/broadcast.repository.js';
import { broadcastRoutes } from './modules/broadcast/broadcast.routes.js';
import { BroadcastService } from './modules/broadcast/broadcast.service.js';
import { audioRoutes } from './modules/audio/audio.routes.js';
import { AudioService, defaultAudioSettings } from './modules/audio/audio.service.js';
import { AuditRepository } from './modules/audit/audit.repository.js';
import { auditDenialsPlugin } from './modules/audit/audit-denials.js';
import { auditRoutes } from './modules/audit/audit.routes.js';
import { AuditService } from './modules/audit/audit.service.js';
import { DeviceHealthRepository } from './modules/device-health/device-health.repository.js';
import { deviceHealthRoutes } from './modules/device-health/device-health.routes.js';
import { DeviceHealthService } from './modules/device-health/device-health.service.js';
import { DevicesRepository } from './modules/devices/devices.repository.js';
import { devicesRoutes } from './modules/devices/devices.routes.js';
import { DevicesService } from './modules/devices/devices.service.js';
import { CalendarRepository } from './modules/calendar/calendar.repository.js';
import { calendarRoutes } from './modules/calendar/calendar.routes.js';
import { CalendarService } from './modules/calendar/calendar.service.js';
import { DutyRepository } from './modules/duty/duty.repository.js';
import { dutyRoutes } from './modules/duty/duty.routes.js';
import { DutyService } from './modules/duty/duty.service.js';
import { CategoriesRepository, CategoriesService } from './modules/cases/case-categories.js';
import { CasesRepository } from './modules/cases/cases.repository.js';
import { caseCategoriesRoutes, casesRoutes } from './modules/cases/cases.routes.js';
import { type CaseEvents, type CasePhotos, CasesService } from './modules/cases/cases.service.js';
import { DashboardRepository } from './modules/dashboard/dashboard.repository.js';
import { dashboardRoutes } from './modules/dashboard/dashboard.routes.js';
import { DashboardService } from './modules/dashboard/dashboard.service.js';
import { healthRoutes } from './modules/health/health.routes.js';
import { HouseholdsRepository } from './modules/households/households.repository.js';
import { householdsRoutes } from './modules/households/households.routes.js';
import { HouseholdsService } from './modules/households/households.service.js';
import { RegistrationRepository } from './modules/registration/registration.repository.js';
import { RegistrationRetention } from './modules/registration/registration-retention.js';
import { registrationRoutes } from './modules/registration/registration.routes.js';
import { RegistrationService } from './modules/registration/registration.service.js';
import { NotificationsRepository } from './modules/notifications/notifications.repository.js';
import { Open311KeysRepository } from './modules/open311/open311-keys.repository.js';
import { open311Routes } from './modules/open311/open311.routes.js';
import { Open311Service } from './modules/open311/open311.service.js';
import { notificationsRoutes } from './modules/notifications/notifications.routes.js';
import { NotificationsService } from './modules/notifications/notifications.service.js';
import { PushRepository } from './modules/notifications/push.repository.js';
import { pushRoutes } from './modules/notifications/push.routes.js';
import { PushService } from './modules/notifications/push.service.js';
import { WebPushTransport } from './modules/notifications/web-push.js';
import { PhotosRepository } from './modules/photos/photos.repository.js';
import { photosRoutes } from './modules/photos/photos.routes.js';
import { defaultPhotoSettings, PhotosService } from './modules/photos/photos.service.js';
import { Ledger } from './modules/points/ledger.js';
import { PointsRepository } from './modules/points/points.repository.js';
import { pointsRoutes } from './modules/points/points.routes.js';
import { PointsService } from './modules/points/points.service.js';
import { StoreRepository } from './modules/points/store.repository.js';
import { StoreService } from './modules/points/store.service.js';
import { LiveHub } from './modules/live/live-hub.js';
import { liveRoutes } from './modules/live/live.routes.js';
import { ExternalDetections } from './modules/safe-village/external-detections.js';
import { SafeVillageRepository } from './modules/safe-village/safe-village.repository.js';
import { safeVillageRoutes } from './modules/safe-village/safe-village.routes.js';
import { SafeVillageService } from './modules/safe-village/safe-village.service.js';
import { WaterRepository } from './modules/water/water.repository.js';
import { WorkQueueRepository } from './modules/work-queue/work-queue.repository.js';
import { workQueueRoutes } from './modules/work-queue/work-queue.routes.js';
import { WorkQueueService } from './modules/work-queue/work-queue.service.js';
import { waterRoutes } from './modules/water/water.routes.js';
import { WaterService } from './modules/water/water.service.js';
import { createPartyServices, type PartyServices } from './modules/party/party.module.js';
import { partyRoutes } from './modules/party/party.routes.js';
import { RegionsRepository } from './modules/regions/regions.repository.js';
import { regionsRoutes } from './modules/regions/regions.routes.js';
import { RegionsService } from './modules/regions/regions.service.js';
import { ElderlyRepository } from './modules/village-services/elderly.repository.js';
import { ElderlyService } from './modules/village-services/elderly.service.js';
import { NoticesRepository } from './modules/village-services/notices.repository.js';
import { NoticesService } from './modules/village-services/notices.service.js';
import { ReadAloudService } from './modules/village-services/read-aloud.js';
import { ServicesRepository } from './modules/village-services/services.repository.js';
import { ServicesService } from './modules/village-services/services.service.js';
import { VillageFilesRepository } from './modules/village-services/village-files.repository.js';
import { defaultVillageFilesSettings, VillageFilesService } from './modules/village-services/village-files.service.js';
import { type VillageServices, villageServicesRoutes } from './modules/village-services/village-services.routes.js';
import { createBlobStore } from './platform/blobs/create-blob-store.js';
import { systemClock, type Clock } from './platform/clock.js';
import type { Db } from './platform/db/database.js';
import { MetaRepository } from './platform/db/meta.repository.js';
import { EventBus } from './platform/events.js';
import { type App, createHttpServer, registerOpenApi } from './platform/http/app.js';
import { authPlugin } from './platform/http/auth.js';
import { registerWebApps } from './platform/http/web-apps.js';
import { JobQueue } from './platform/jobs/job-queue.js';
import { UrlSigner } from './platform/signing.js';
import { createSmsProvider } from './platform/sms/create-provider.js';
import { SmsOutbox } from './platform/sms/sms-outbox.js';
import { EspeakNgEngine } from './platform/tts/espeak-ng-engine.js';

export interface Services {
  regions: RegionsService;
  accounts: AccountsService;
  /** SMS verification codes (sign-in, second factor, registration, re-binding). */
  codes: VerificationCodesService;
  /** The WeChat official account entry (off unless WECHAT_APP_ID is set). */
  wechat: WechatService;
  audit: AuditService;
  meta: MetaRepository;
  photos: PhotosService;
  calendar: CalendarService;
  duty: DutyService;
  notifications: NotificationsService;
  /** Web Push of every in-app notification (after commit, by preferences and quiet hours); preferences. */
  push: PushService;
  categories: CategoriesService;
  cases: CasesService;
  jobs: JobQueue;
  sms: SmsOutbox;
  events: EventBus<CaseEvents>;
  open311: Open311Service;
  households: HouseholdsService;
  /** 村民注册: join links and posters, self-registration against the household register, cadres' decisions, re-binding. */
  registration: RegistrationService;
  /** Hourly: stale pending registrations refused, refused ones deleted, old codes and login attempts purged. */
  registrationRetention: RegistrationRetention;
  points: PointsService;
  store: StoreService;
  devices: DevicesService;
  /** 设备健康: 设备报修 tickets for devices offline too long, availability per village. */
  deviceHealth: DeviceHealthService;
  audio: AudioService;
  broadcasts: BroadcastService;
  live: LiveHub;
  safeVillage: SafeVillageService;
  externalDetections: ExternalDetections;
  /** 用水预警: meters, readings through the detectors, alerts, texts, visits for silent elderly households. */
  water: WaterService;
  /** 智慧党建: organisations and members, meetings and their completion, study, dues, figures. */
  party: PartyServices;
  /** 乡村信息、办证办事、养老: notices, service guides and requests, elderly care, their files, read-aloud. */
  villageServices: VillageServices;
  dashboard: DashboardService;
  /** 待办: everything waiting for one person, from every module. */
  workQueue: WorkQueueService;
  /** Values known only once the server listens; tests and main.ts set them. */
  runtime: { publicBaseUrl: string };
}

/**
 * Wires repositories into services. No I/O happens here. `secret` signs photo URLs: main.ts passes
 * the persistent one; without it (CLI commands) a random one serves this process only.
 */
export function createServices(
  db: Db,
  config: Config,
  clock: Clock = systemClock,
  secret: Buffer = randomBytes(32),
  logger: Logger = pino({ level: 'silent' }),
): Services {
  const audit = new AuditService(new AuditRepository(db), clock, db, config.auditRetentionDays);
  const regionsRepository = new RegionsRepository(db);
  const regions = new RegionsService(db, regionsRepository, audit, clock);
  const blobs = createBlobStore(config.blobs);
  const photos = new PhotosService(db, new PhotosRepository(db), blobs, new UrlSigner(secret, clock), clock, {
    ...defaultPhotoSettings,
    maxBytes: config.photos.maxBytes,
  });
  const calendar = new CalendarService(db, new CalendarRepository(db), audit, clock, config.workingHours);
  const duty = new DutyService(db, new DutyRepository(db), audit);
  const notifications = new NotificationsService(new NotificationsRepository(db), clock);
  // The VAPID keys: configured, else made once in the data folder (on first use, not here).
  const push = new PushService({
    repository: new PushRepository(db),
    transport: new WebPushTransport({ keys: config.webPush.keys, keyFile: path.join(config.dataDir, 'web-push-vapid.json'), subject: config.webPush.subject }),
    allowedHosts: config.webPush.allowedHosts,
    clock,
    logger,
  });
  const categoriesRepository = new CategoriesRepository(db);
  const categories = new CategoriesService(db, categoriesRepository, audit, clock);
  const jobs = new JobQueue(db, clock, logger);
  audit.registerRetention(jobs);
  const sms = new SmsOutbox(db, createSmsProvider(config.sms, logger, config.demo), clock, config.sms, logger);
  // Sign-in and registration codes go out through the outbox, after their transaction commits.
  const codes = new VerificationCodesService({ db, repository: new VerificationCodesRepository(db), sms, clock, logger, limits: config.auth.codes, secret });
  const accounts = new AccountsService(
    db,
    new UsersRepository(db),
    new SessionsRepository(db),
    new LoginAttemptsRepository(db),
    regionsRepository,
    audit,
    clock,
    config.auth,
    codes,
    secret,
  );
  const wechat = new WechatService({ db, repository: new WechatRepository(db), accounts, audit, clock, logger, settings: config.wechat, secret });
  const events = new EventBus<CaseEvents>(logger);
  const casePhotos: CasePhotos = {
    attach: (tx, input) => photos.attach(tx, input),
    exifLocation: (ids, ownerId) => photos.exifLocation(ids, ownerId),
    listForCase: async (caseId) =>
      (await photos.listForCase(caseId)).map((p) => ({ id: p.id, kind: p.kind, url: p.url, thumbUrl: p.thumbUrl, width: p.width, height: p.height })),
  };
  const casesRepository = new CasesRepository(db);
  const cases = new CasesService({
    db,
    repository: casesRepository,
    categories: categoriesRepository,
    regions,
    accounts,
    notifications,
    sms,
    calendar,
    jobs,
    photos: casePhotos,
    events,
    clock,
    logger,
  });
  const open311 = new Open311Service({ db, keys: new Open311KeysRepository(db), categories: categoriesRepository, cases, regions, audit, clock });
  const households = new HouseholdsService({ db, repository: new HouseholdsRepository(db), regions, audit, clock });
  const pointsRepository = new PointsRepository(db);
  const ledger = new Ledger(pointsRepository, clock);
  const points = new PointsService({
    db,
    repository: pointsRepository,
    ledger,
    households,
    regions,
    accounts,
    notifications,
    photos: {
      attachToClaim: (tx, input) => photos.attachToClaim(tx, input),
      listForClaim: async (claimId) =>
        (await photos.listForClaim(claimId)).map((p) => ({ id: p.id, url: p.url, thumbUrl: p.thumbUrl, width: p.width, height: p.height })),
    },
    cases: {
      caseFacts: async (tx, caseId) => {
        const row = await casesRepository.findById(caseId, tx);
        return row && { number: row.number, anonymous: row.anonymous };
      },
      category: async (tx, code) => {
        const row = await categoriesRepository.find(code, tx);
        return row && { name: row.name, reportPoints: row.report_points, handlerPoints: row.handler_points };
      },
    },
    jobs,
    audit,
    clock,
    logger,
  });
  const store = new StoreService({ db, repository: new StoreRepository(db), points: pointsRepository, ledger, households, regions, accounts, notifications, audit, clock });
  // 云播 audio: speech in worker threads (started on first use), files in the blob store, URLs for
  // devices valid for at least 15 minutes (rounded to the minute).
  const audio = new AudioService({
    db,
    repository: new AudioRepository(db),
    blobs,
    signer: new UrlSigner(secret, clock, 60),
    tts: new EspeakNgEngine({ concurrency: config.audio.ttsConcurrency }),
    audit,
    clock,
    logger,
    ffmpegPath: config.audio.ffmpegPath,
    settings: { ...defaultAudioSettings, maxBytes: config.audio.maxBytes },
  });
  // Devices over MQTT (智能音柱); main.ts attaches the broker connection after start-up.
  const devices = new DevicesService({
    db,
    repository: new DevicesRepository(db),
    regions,
    audit,
    clock,
    logger,
    settings: { topicPrefix: config.mqtt.topicPrefix, platformUsername: config.mqtt.username, heartbeatTimeoutSeconds: config.devices.heartbeatTimeoutSeconds },
  });
  // 云播: where speakers fetch audio from; PUBLIC_URL, else this machine's HTTP port.
  const runtime = { publicBaseUrl: config.publicUrl ?? `http://127.0.0.1:${config.http.port}` };
  // The join links on village posters point at the same base URL.
  const registration = new RegistrationService({
    db,
    repository: new RegistrationRepository(db),
    regions,
    households,
    accounts,
    codes,
    sms,
    audit,
    clock,
    publicBaseUrl: () => runtime.publicBaseUrl,
  });
  const registrationRetention = new RegistrationRetention({
    db,
    registrations: new RegistrationRepository(db),
    codes: new VerificationCodesRepository(db),
    loginAttempts: new LoginAttemptsRepository(db),
    audit,
    sms,
    clock,
    logger,
    settings: config.retention,
  });
  const broadcasts = new BroadcastService({
    db,
    repository: new BroadcastRepository(db),
    devices,
    audio,
    regions,
    audit,
    jobs,
    clock,
    logger,
    publicBaseUrl: () => runtime.publicBaseUrl,
  });
  broadcasts.listen(devices.events);
  const live = new LiveHub(db, logger);
  // 平安乡村: alarms speak through the broadcasting module's alarm priority.
  const safeVillage = new SafeVillageService({
    db,
    repository: new SafeVillageRepository(db),
    regions,
    accounts,
    devices,
    broadcasts,
    cases,
    notifications,
    audit,
    blobs,
    signer: new UrlSigner(secret, clock),
    live,
    clock,
    logger,
    jobs,
    sms,
    duty,
    smsWanted: (userIds) => push.wantSms(userIds),
    ladderMinutes: config.safeVillage.ladderMinutes,
  });
  const externalDetections = new ExternalDetections(safeVillage, clock, logger);
  // 用水预警: meters connect to the devices' broker; an elderly household's silence opens a case (and,
  // where the elderly register knows its residents, their visit).
  const water = new WaterService({
    db,
    repository: new WaterRepository(db),
    regions,
    households,
    cases,
    sms,
    jobs,
    live,
    audit,
    clock,
    logger,
    settings: { topicPrefix: config.mqtt.topicPrefix, quietStart: config.water.quietStart, quietEnd: config.water.quietEnd },
    deviceIdTaken: async (id) => (await devices.speakersById([id])).length > 0,
    care: {
      householdProfile: (householdId) => villageServices.elderly.householdProfile(householdId),
      requestVisit: async ({ alertId, householdId, note }) => ({
        visits: (await villageServices.elderly.createVisitFromAlert({ source: 'water', sourceRef: alertId, householdId, kind: 'zero_water_use', note })).visits.length,
      }),
    },
  });
  devices.addCredentialSource({ verify: (id, secret) => water.verifyCredentials(id, secret), passwordLines: () => water.passwordLines() });
  // 设备健康: speakers, cameras and meters offline too long open a 设备报修 case for the staff on duty.
  const deviceHealth = new DeviceHealthService({ db, repository: new DeviceHealthRepository(db), cases, duty, clock, logger, settings: config.deviceHealth });
  // Files of notices, care visits and study materials, checked and cleaned like case photos.
  const villageFiles = new VillageFilesService({
    repository: new VillageFilesRepository(db),
    blobs,
    signer: new UrlSigner(secret, clock),
    clock,
    settings: { ...defaultVillageFilesSettings, maxBytes: config.photos.maxBytes },
  });
  // 智慧党建: meeting photos like case photos; on-site sign-in codes signed to the minute.
  const party = createPartyServices({
    db,
    accounts,
    notifications,
    photos: { attachToMeeting: (tx, input) => photos.attachToMeeting(tx, input), listForMeeting: (meetingId) => photos.listForMeeting(meetingId) },
    files: villageFiles,
    jobs,
    signer: new UrlSigner(secret, clock, 60),
    audit,
    clock,
  });
  // 乡村信息、办证办事、养老: notices speak through the broadcasting module.
  const villageServices: VillageServices = {
    files: villageFiles,
    notices: new NoticesService({ db, repository: new NoticesRepository(db), files: villageFiles, regions, broadcasts, audit, clock }),
    services: new ServicesService({ db, repository: new ServicesRepository(db), regions, accounts, notifications, audit, clock }),
    elderly: new ElderlyService({ db, repository: new ElderlyRepository(db), files: villageFiles, regions, accounts, households, notifications, audit, clock }),
    readAloud: new ReadAloudService({ audio, clock }),
  };
  // 智慧大屏: read models moved by the other modules' events, and live messages for the screens.
  const dashboard = new DashboardService({
    db,
    repository: new DashboardRepository(db),
    jobs,
    live,
    points: pointsRepository,
    party: party.stats,
    water,
    deviceHealth,
    pictures: safeVillage,
    screen: config.screen,
    clock,
    logger,
  });
  dashboard.listen({ cases: events, alarms: safeVillage.events, broadcasts: broadcasts.events });
  // An alarm's warning played: the alarm pages learn it at once.
  broadcasts.events.on('delivery.finished', (e) => safeVillage.warningDeliveryChanged(e.broadcastId));
  const workQueue = new WorkQueueService({ repository: new WorkQueueRepository(db), care: { tasks: (actor) => villageServices.elderly.tasks(actor) }, clock });
  return {
    dashboard,
    workQueue,
    live,
    safeVillage,
    externalDetections,
    water,
    party,
    villageServices,
    broadcasts,
    runtime,
    regions,
    accounts,
    codes,
    wechat,
    audit,
    meta: new MetaRepository(db),
    photos,
    calendar,
    duty,
    notifications,
    push,
    deviceHealth,
    categories,
    cases,
    jobs,
    sms,
    events,
    open311,
    households,
    registration,
    registrationRetention,
    points,
    store,
    devices,
    audio,
  };
}

/** The HTTP application with every module's routes; used by `start` and by the API tests. */
export async function buildApp(deps: { db: Db; config: Config; logger: Logger; services: Services }): Promise<App> {
  const { db, config, logger, services } = deps;
  const app = createHttpServer({ logger, trustProxy: config.http.trustProxy, https: config.http.tls, security: { tileUrl: config.screen.tileUrl } });
  app.addHook('onClose', async () => services.live.close());
  await registerOpenApi(app);
  await app.register(authPlugin, { accounts: services.accounts });
  await app.register(auditDenialsPlugin, { audit: services.audit });
  healthRoutes(app, db, { name: '数乡 Shuxiang', version: '0.1.0', demo: config.demo });
  authRoutes(app, services.accounts, services.wechat);
  wechatRoutes(app, services.wechat);
  usersRoutes(app, services.accounts);
  regionsRoutes(app, services.regions);
  auditRoutes(app, services.audit);
  photosRoutes(app, services.photos);
  calendarRoutes(app, services.calendar);
  dutyRoutes(app, services.duty);
  notificationsRoutes(app, services.notifications, services.sms);
  pushRoutes(app, services.push);
  caseCategoriesRoutes(app, services.categories);
  casesRoutes(app, services.cases);
  await open311Routes(app, services.open311);
  householdsRoutes(app, services.households);
  registrationRoutes(app, services.registration);
  pointsRoutes(app, services.points, services.store);
  devicesRoutes(app, services.devices);
  deviceHealthRoutes(app, services.deviceHealth);
  audioRoutes(app, services.audio);
  broadcastRoutes(app, services.broadcasts);
  safeVillageRoutes(app, services.safeVillage, services.externalDetections);
  waterRoutes(app, services.water);
  partyRoutes(app, services.party);
  villageServicesRoutes(app, services.villageServices);
  liveRoutes(app, services.live);
  dashboardRoutes(app, services.dashboard);
  workQueueRoutes(app, services.workQueue);
  const webApps = await registerWebApps(app);
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect(webApps.includes('h5') ? '/h5/' : '/api/docs'));
  return app;
}
