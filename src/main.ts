import path from 'node:path';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { buildApp, createServices } from './app.js';
import type { Config } from './config.js';
import { demoAccounts, DEMO_PASSWORD, hasDemoData, seedDemo } from './modules/demo/demo.seed.js';
import { roleLabels } from './modules/accounts/roles.js';
import { type DeviceMessagingHandle, startDeviceMessaging } from './modules/devices/device-messaging.js';
import { systemClock } from './platform/clock.js';
import { lockDataDir } from './platform/data-dir-lock.js';
import { createDb, type Db } from './platform/db/database.js';
import { type DemoCameraStream, demoStreamUrl, seedDemoCameras, startDemoCameraStream } from './modules/safe-village/demo-cameras.js';
import { DetectorRunner } from './modules/safe-village/detector/detector-runner.js';
import { demoMeters, seedDemoMeters } from './modules/water/demo-meters.js';
import { MeterSimulator } from './modules/water/meter-simulator.js';
import { startEmbeddedPostgres, type EmbeddedServer } from './platform/db/embedded-postgres.js';
import { fetchSamplesInBackground, type SamplesFetch } from './platform/media/sample-media.js';
import { demoPartyMembers } from './modules/party/party.demo.js';
import { migrateToLatest } from './platform/db/migrator.js';
import { demoExposureProblem, startupWarnings } from './platform/exposure.js';
import { resolveSecret } from './platform/signing.js';
import type { App } from './platform/http/app.js';
import { type Poller, startPoller } from './platform/poller.js';

/** JSON lines for log collectors; readable lines when a person watches a terminal. */
export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  const options = { level: config.logLevel, base: { service: 'shuxiang' } };
  if (!process.stdout.isTTY) return pino(options);
  // Synchronous, so the last lines before an exit are not lost.
  return pino(options, pretty({ sync: true, colorize: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' }));
}

export interface DatabaseHandle {
  db: Db;
  embedded?: EmbeddedServer;
  close(): Promise<void>;
}

/**
 * The database the config names: DATABASE_URL when set, else the embedded PostgreSQL under the
 * data folder (which this process then holds a lock on). Migrated to the latest schema.
 */
export async function openDatabase(config: Config, logger: Logger): Promise<DatabaseHandle> {
  const lock = config.database.url ? undefined : lockDataDir(config.dataDir);
  let embedded: EmbeddedServer | undefined;
  try {
    embedded = config.database.url
      ? undefined
      : await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.database.embeddedPort, logger });
    const db = createDb(config.database.url ?? embedded!.connectionString, config.database.poolSize);
    const applied = await migrateToLatest(db);
    if (applied.length > 0) logger.info({ applied }, 'database migrated');
    return {
      db,
      embedded,
      async close() {
        await db.destroy();
        await embedded?.stop();
        lock?.release();
      },
    };
  } catch (error) {
    await embedded?.stop().catch(() => undefined);
    lock?.release();
    throw error;
  }
}

function banner(config: Config, seeded: boolean, mqttUrl?: string, demoCamera?: DemoCameraStream): string {
  const base = `${config.http.tls ? 'https' : 'http'}://localhost:${config.http.port}`;
  const lines = [
    '',
    '  数乡 Shuxiang — 数字乡村平台 is running',
    `  Villager & grid app 手机端:  ${base}/h5/`,
    `  Console 管理后台:     ${base}/console/`,
    `  Big screen 智慧大屏:  ${base}/screen/`,
    `  API docs 接口文档:   ${base}/api/docs`,
    `  OpenAPI:            ${base}/api/openapi.json`,
    `  Health 健康检查:     ${base}/api/health`,
    `  MQTT 设备接入:       ${mqttUrl ?? '(not connected)'}${config.mqtt.url ? ' (external broker)' : ''}`,
    ...(config.demo
      ? [
          `  Demo camera 演示摄像头: ${demoCamera ? `${demoCamera.url} (${path.relative(process.cwd(), demoCamera.video.file)}; alarms at ${base}/console/ → 平安乡村)` : '(not streaming: see the log above)'}`,
        ]
      : []),
    `  Data 数据目录:       ${config.database.url ? '(external PostgreSQL via DATABASE_URL)' : path.relative(process.cwd(), config.dataDir) || '.'}`,
  ];
  if (config.demo) {
    lines.push('', `  Demo accounts 演示账号 (password 密码: ${DEMO_PASSWORD})${seeded ? ' — seeded just now' : ''}:`);
    for (const a of demoAccounts) lines.push(`    ${a.phone}  ${roleLabels[a.role].zh.padEnd(6, '　')} ${a.where}`);
    // 智慧党建: 西阳邱村党支部's members sign in on the phone app with the same password.
    const members = demoPartyMembers.filter((m) => m.account === 'new').map((m) => `${m.phone} ${m.name}`);
    lines.push(`  Party members 党员 (西阳邱村党支部, same password 同一密码):`);
    for (let i = 0; i < members.length; i += 4) lines.push(`    ${members.slice(i, i + 4).join('  ')}`);
  }
  const warnings = startupWarnings(config);
  if (warnings.length > 0) lines.push('', '  ⚠ Warnings 警告:', ...warnings.map((w) => `    - ${w}`));
  return `${lines.join('\n')}\n`;
}

class StartupInterrupted extends Error {}

/** Behind no proxy, X-Forwarded-For is ignored (as it must be); say once why per-address limits see the proxy. */
function warnOnceAboutForwardedFor(app: App, logger: Logger): void {
  let warned = false;
  app.addHook('onRequest', async (request) => {
    if (warned || request.headers['x-forwarded-for'] === undefined) return;
    warned = true;
    logger.warn(
      { ip: request.ip },
      'requests carry X-Forwarded-For but TRUST_PROXY is off: every client counts as the proxy address for login limits and the audit trail; set TRUST_PROXY to the proxy’s address',
    );
  });
}

/** `shuxiang start`: database → migrations → demo seed → HTTP; stops cleanly on SIGINT/SIGTERM. */
export async function startPlatform(config: Config): Promise<void> {
  const logger = createLogger(config);
  const exposure = demoExposureProblem(config);
  if (exposure) throw new Error(exposure);
  const started = Date.now();
  let database: DatabaseHandle | undefined;
  let app: App | undefined;
  let pollers: Poller[] = [];
  let messaging: DeviceMessagingHandle | undefined;
  let meterSimulator: MeterSimulator | undefined;
  let detector: DetectorRunner | undefined;
  let demoCamera: DemoCameraStream | undefined;
  let samplesFetch: SamplesFetch | undefined;
  let stopping = false;

  // Registered before anything opens, so a signal during start-up also closes what is open so far.
  let starting = true;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // Mid-start: the start-up path sees `stopping` at its next step and closes what it opened.
    if (starting) return;
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownGraceSeconds * 1000);
    force.unref();
    try {
      // The cameras first: an alarm being raised still needs speech and the HTTP app's services,
      // which close with the app (the TTS pool in an onClose hook).
      await detector?.stop();
      await demoCamera?.stop();
      await app?.close();
      await Promise.all(pollers.map((poller) => poller.stop()));
      await samplesFetch?.stop();
      await meterSimulator?.stop();
      await messaging?.close();
      await database?.close();
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'error while shutting down');
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  let seeded = false;
  try {
    database = await openDatabase(config, logger);
    if (stopping) throw new StartupInterrupted();
    const services = createServices(database.db, config, systemClock, resolveSecret(config), logger);
    if (config.demo) {
      seeded = await seedDemo(services, systemClock.now());
    } else if (await hasDemoData(services.meta)) {
      throw new Error(
        'This database holds the demo data and its published passwords; SHUXIANG_DEMO=false refuses to serve it. ' +
          'Use a fresh SHUXIANG_DATA_DIR (or database) for production. / 该数据库含演示数据，生产模式拒绝启动。',
      );
    } else if ((await services.accounts.countUsers()) === 0) {
      logger.warn('no accounts yet: create the first administrator with `npm run shuxiang -- admin create --phone … --name …`');
    }
    if (stopping) throw new StartupInterrupted();
    app = await buildApp({ db: database.db, config, logger, services });
    if (config.http.trustProxy === false) warnOnceAboutForwardedFor(app, logger);
    await app.listen({ port: config.http.port, host: config.http.host });
    // Devices over MQTT: the embedded broker or MQTT_URL; in demo mode the simulated speakers.
    messaging = await startDeviceMessaging(config, services.devices, logger);
    // 用水预警: meters' readings arrive on the same MQTT connection; in demo mode the demo meters,
    // simulated in-process (SIMULATE_METERS), send three weeks of history and then a reading every five minutes.
    await services.water.attach(messaging);
    if (config.demo) {
      await seedDemoMeters(services.water, services.meta, systemClock.now());
      if (config.water.simulateMeters) {
        meterSimulator = new MeterSimulator(demoMeters(), { url: messaging.deviceUrl, topicPrefix: config.mqtt.topicPrefix, logger });
        await meterSimulator.start();
      }
    }
    // 平安乡村: Frigate's events arrive on the same MQTT connection; in demo mode a virtual camera
    // streams OpenCV's pedestrian video over RTSP; the detector reads every camera that asks for it.
    // (On the embedded broker only when Frigate has an account there.)
    if (config.mqtt.url || config.safeVillage.frigate.password) {
      await services.externalDetections.listenToFrigate(messaging.bus, config.safeVillage.frigate.topicPrefix);
    }
    if (config.demo) {
      const { demoVideo, samplesDir } = config.safeVillage;
      demoCamera = await startDemoCameraStream({ video: demoVideo, samplesDir, port: config.safeVillage.demoRtspPort, ffmpegPath: config.audio.ffmpegPath, logger });
      // The camera streams the shipped copy when OpenCV's samples are not cached; the tests need
      // them, so they are fetched meanwhile (never blocking start, failing with a warning).
      samplesFetch = fetchSamplesInBackground(logger, samplesDir);
      const streamUrl = demoCamera?.url ?? demoStreamUrl(config.safeVillage.demoRtspPort);
      await seedDemoCameras({ safeVillage: services.safeVillage, devices: services.devices, meta: services.meta }, streamUrl, systemClock.now());
    }
    if (config.safeVillage.detector) {
      detector = new DetectorRunner({ service: services.safeVillage, clock: systemClock, logger, threads: config.safeVillage.detectorThreads, ffmpegPath: config.audio.ffmpegPath });
      await detector.start();
    }
    // Durable timers (case deadlines, escalation) and the SMS outbox.
    pollers = [
      startPoller('jobs', () => services.jobs.runDue(), config.jobPollSeconds * 1000, logger),
      startPoller('sms', () => services.sms.dispatch(), config.jobPollSeconds * 1000, logger),
      // Delivery receipts (回执) of texts the gateway accepted (none with the logging provider).
      startPoller('sms-receipts', () => services.sms.pullReceipts(), config.sms.receiptPollSeconds * 1000, logger),
      // A dispatch kicked for a login code finishes before the database closes.
      { stop: () => services.sms.idle() },
      // Broadcasts: expire, re-send unacknowledged plays, feed speakers that came back.
      startPoller('broadcasts', () => services.broadcasts.sweep(), config.jobPollSeconds * 1000, logger),
      // Photos uploaded but never attached to a report are removed after a day.
      startPoller('photos', () => services.photos.purgeUnattached(new Date(Date.now() - 86_400_000)), 3_600_000, logger),
      // Notice and visit files uploaded but never attached (or detached since) likewise.
      startPoller('village-files', () => services.villageServices.files.purgeUnattached(new Date(Date.now() - 86_400_000)), 3_600_000, logger),
      // Sign-in and registration data past its retention (docs/accounts.md#retention), hourly.
      startPoller('retention', () => services.registrationRetention.run(), 3_600_000, logger),
      startPoller('sms-retention', () => services.sms.purge(), 3_600_000, logger),
      // Devices silent for longer than DEVICE_HEARTBEAT_TIMEOUT_SECONDS go offline.
      startPoller('devices', () => services.devices.markSilentOffline(), 15_000, logger),
      // Web Push of notifications, within seconds of their commit (quiet hours deferred).
      startPoller('push', () => services.push.dispatch(), 2_000, logger),
      // Devices offline too long open a 设备报修 ticket; their return is noted on it.
      startPoller('device-health', () => services.deviceHealth.sweep(), 60_000, logger),
    ];
    // 智慧大屏: recount the read models from the source tables in the background (increments lost
    // in a crash or a stop come back); the jobs poller runs the nightly recount.
    services.dashboard.startBackground();
    // 安全审计: the daily purge of entries past AUDIT_RETENTION_DAYS (a durable job, once per day).
    await services.audit.scheduleRetention(services.jobs);
    starting = false;
    // A signal after the last check above (the HTTP port answers before start-up has finished).
    if (stopping) throw new StartupInterrupted();
  } catch (error) {
    stopping = true;
    await detector?.stop().catch(() => undefined);
    await demoCamera?.stop().catch(() => undefined);
    await app?.close().catch(() => undefined);
    await Promise.all(pollers.map((poller) => poller.stop().catch(() => undefined)));
    await samplesFetch?.stop();
    await meterSimulator?.stop().catch(() => undefined);
    await messaging?.close().catch(() => undefined);
    await database?.close().catch(() => undefined);
    if (error instanceof StartupInterrupted) {
      logger.info('stopped during start-up');
      process.exit(0);
    }
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`Port ${config.http.port} is in use; set PORT to another port. / 端口 ${config.http.port} 已被占用。`);
    }
    throw error;
  }
  logger.info({ ms: Date.now() - started }, 'ready');
  process.stdout.write(banner(config, seeded, messaging?.broker?.describeListeners(config.mqtt.deviceUrl) ?? messaging?.deviceUrl, demoCamera));
}
