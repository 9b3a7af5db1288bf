import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Logger } from 'pino';

/**
 * Real sample media for the tests and the demo's virtual camera, from Debian's `opencv-doc`
 * package (OpenCV's samples/data):
 *
 * - `leuvenA.jpg` — a street photo in Leuven, no people (reports, photos)
 * - `messi5.jpg` — a football match, people (detection)
 * - `basketball1.png` — a PNG photo (PNG uploads are stored as JPEG)
 * - `vtest.avi` — a short street video with pedestrians (video pipelines)
 *
 * They are not in the repository: the first call fetches them into `<repo>/.cache/samples/`
 * (git-ignored, or SHUXIANG_SAMPLES_DIR) with `apt-get download opencv-doc`; later calls only check
 * the cache. The demo camera does not depend on them: a re-encoded copy of vtest.avi is shipped in
 * assets/demo-camera/ (`shippedDemoVideo`).
 */
export const sampleNames = ['leuvenA.jpg', 'messi5.jpg', 'basketball1.png', 'vtest.avi'] as const;
export type SampleName = (typeof sampleNames)[number];

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
export const samplesDir = path.join(repoRoot, '.cache', 'samples');
/** vtest.avi re-encoded to H.264 (same frames, 2.6 MB; see assets/demo-camera/README.md). */
export const shippedDemoVideo = path.join(repoRoot, 'assets', 'demo-camera', 'vtest.mp4');
const PACKAGE = 'opencv-doc';
const DATA_IN_PACKAGE = 'usr/share/doc/opencv-doc/examples/data';

/** The path of a real sample file, fetched into the cache first if it is not there yet. */
export function sampleFile(name: SampleName, dir = samplesDir): string {
  if (!sampleNames.includes(name)) throw new Error(`unknown sample file ${String(name)}; known: ${sampleNames.join(', ')}`);
  const file = path.join(dir, name);
  if (!existsSync(file)) fetchSamplesSync(dir);
  if (!existsSync(file)) throw new Error(`sample ${name} is missing from ${dir} after fetching ${PACKAGE}.\n${howToGetSamples(dir)}`);
  return file;
}

/** The cached file's path, or undefined when it has not been fetched (never fetches). */
export function cachedSample(name: SampleName, dir = samplesDir): string | undefined {
  const file = path.join(dir, name);
  return existsSync(file) ? file : undefined;
}

export function howToGetSamples(dir = samplesDir): string {
  const files = sampleNames.map((n) => `${DATA_IN_PACKAGE}/${n}`).join(' ');
  return [
    `The test sample files (${sampleNames.join(', ')}) come from Debian's ${PACKAGE} package. To get them: \`npm run shuxiang -- samples fetch\`, or by hand:`,
    `  cd "$(mktemp -d)" && apt-get update && apt-get download ${PACKAGE} \\`,
    `    && dpkg -x ${PACKAGE}_*.deb x && mkdir -p ${dir} \\`,
    `    && (cd x && cp ${files} ${dir}/)`,
    `or copy them from OpenCV's sources, folder samples/data/ (https://github.com/opencv/opencv/tree/4.x/samples/data), into ${dir}/.`,
  ].join('\n');
}

type Step = [command: string, args: string[]];

function fetchError(step: Step, error: unknown, dir: string): Error {
  const [command, args] = step;
  const e = error as NodeJS.ErrnoException & { stderr?: Buffer | string };
  const why =
    e.code === 'ENOENT' ? `${command} is not available on this machine` : `${command} ${args.join(' ')} failed: ${e.stderr?.toString().trim() || e.message}`;
  return new Error(`cannot fetch the test sample files: ${why}.\n${howToGetSamples(dir)}`);
}

/**
 * The fetch as a sequence of commands (run synchronously by `sampleFile`, in the background by
 * `fetchSamplesInBackground`): download opencv-doc into `work`, take the four files out of it, and
 * move each into `dir` under a temporary name first, then rename it: two processes fetching at
 * once each write their own copies, and a reader never sees a half-written file.
 */
function* fetchSteps(dir: string, work: string): Generator<Step, void, void> {
  yield ['apt-get', ['download', '-q', PACKAGE]];
  const deb = readdirSync(work).find((f) => f.startsWith(`${PACKAGE}_`) && f.endsWith('.deb'));
  if (!deb) throw new Error(`cannot fetch the test sample files: apt-get download ${PACKAGE} left no .deb.\n${howToGetSamples(dir)}`);
  // `dpkg -x` would unpack all of the package's ~300 MB; only the four files are taken from its data.
  const members = sampleNames.map((n) => `./${DATA_IN_PACKAGE}/${n}`);
  mkdirSync(path.join(work, 'x'));
  yield ['sh', ['-c', 'deb="$1"; shift; dpkg-deb --fsys-tarfile "$deb" | tar -x -C x -f - "$@"', 'extract', deb, ...members]];
  mkdirSync(dir, { recursive: true });
  for (const name of sampleNames) {
    const target = path.join(dir, name);
    if (existsSync(target)) continue;
    const partial = path.join(dir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
    copyFileSync(path.join(work, 'x', DATA_IN_PACKAGE, name), partial);
    renameSync(partial, target);
  }
}

function workDir(): string {
  const work = mkdtempSync(path.join(tmpdir(), 'shuxiang-samples-'));
  chmodSync(work, 0o755); // apt's unprivileged _apt user writes the download here
  return work;
}

function fetchSamplesSync(dir: string): void {
  const work = workDir();
  try {
    for (const step of fetchSteps(dir, work)) {
      try {
        execFileSync(step[0], step[1], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
      } catch (error) {
        throw fetchError(step, error, dir);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export interface SamplesFetch {
  /** Resolves true when the files are in place, false when the fetch failed or was stopped (never rejects). */
  readonly done: Promise<boolean>;
  /** Ends a fetch still running (its download and extraction processes) and waits for it. */
  stop(): Promise<void>;
}

/**
 * Fetches the sample files that `dir` lacks without blocking the caller, logging its progress;
 * undefined when none is missing. A failure is logged with how to get them by hand, nothing more:
 * only the tests need these files.
 */
export function fetchSamplesInBackground(logger: Pick<Logger, 'info' | 'warn'>, dir = samplesDir): SamplesFetch | undefined {
  const missing = sampleNames.filter((name) => !existsSync(path.join(dir, name)));
  if (missing.length === 0) return undefined;
  const abort = new AbortController();
  const run = promisify(execFile);
  const started = Date.now();
  const done = (async () => {
    logger.info({ dir, missing }, `sample files: fetching OpenCV's samples (Debian ${PACKAGE}, about 96 MB) in the background; only the tests need them`);
    const work = workDir();
    try {
      for (const step of fetchSteps(dir, work)) {
        try {
          await run(step[0], step[1], { cwd: work, signal: abort.signal, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 });
        } catch (error) {
          // Ctrl-C and `kill -<pgid>` reach these children too: that is a stop, not a failure.
          const e = error as { killed?: boolean; signal?: string | null };
          if (abort.signal.aborted || (!e.killed && e.signal)) return false;
          throw fetchError(step, error, dir);
        }
        if (step[0] === 'apt-get') {
          const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
          const mb = deb ? Math.round(statSync(path.join(work, deb)).size / 1e5) / 10 : undefined;
          logger.info({ mb, seconds: Math.round((Date.now() - started) / 1000) }, `sample files: ${PACKAGE} downloaded, extracting`);
        }
      }
      logger.info({ dir, seconds: Math.round((Date.now() - started) / 1000) }, 'sample files: ready');
      return true;
    } catch (error) {
      logger.warn(`sample files: not fetched (the demo does not need them). ${error instanceof Error ? error.message : String(error)}`);
      return false;
    } finally {
      // On a stop, the extraction's pipeline may still be writing here for a moment.
      rmSync(work, { recursive: true, force: true, maxRetries: 5 });
    }
  })().catch(() => false);
  return {
    done,
    async stop() {
      abort.abort();
      await done;
    },
  };
}
