import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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
 * (git-ignored) with `apt-get download opencv-doc`; later calls only check the cache.
 */
export const sampleNames = ['leuvenA.jpg', 'messi5.jpg', 'basketball1.png', 'vtest.avi'] as const;
export type SampleName = (typeof sampleNames)[number];

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
export const samplesDir = path.join(repoRoot, '.cache', 'samples');
const PACKAGE = 'opencv-doc';
const DATA_IN_PACKAGE = 'usr/share/doc/opencv-doc/examples/data';

/** The path of a real sample file, fetched into the cache first if it is not there yet. */
export function sampleFile(name: SampleName): string {
  if (!sampleNames.includes(name)) throw new Error(`unknown sample file ${String(name)}; known: ${sampleNames.join(', ')}`);
  const file = path.join(samplesDir, name);
  if (!existsSync(file)) fetchSamples();
  if (!existsSync(file)) throw new Error(`sample ${name} is missing from ${samplesDir} after fetching ${PACKAGE}.\n${howToGetSamples()}`);
  return file;
}

/** The cached file's path, or undefined when it has not been fetched (never fetches). */
export function cachedSample(name: SampleName): string | undefined {
  const file = path.join(samplesDir, name);
  return existsSync(file) ? file : undefined;
}

export function howToGetSamples(): string {
  const files = sampleNames.map((n) => `${DATA_IN_PACKAGE}/${n}`).join(' ');
  return [
    `The test sample files (${sampleNames.join(', ')}) come from Debian's ${PACKAGE} package. To get them by hand:`,
    `  cd "$(mktemp -d)" && apt-get update && apt-get download ${PACKAGE} \\`,
    `    && dpkg -x ${PACKAGE}_*.deb x && mkdir -p ${samplesDir} \\`,
    `    && (cd x && cp ${files} ${samplesDir}/)`,
    `or copy them from OpenCV's sources, folder samples/data/ (https://github.com/opencv/opencv/tree/4.x/samples/data), into ${samplesDir}/.`,
  ].join('\n');
}

function run(command: string, args: string[], cwd: string): void {
  try {
    execFileSync(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: Buffer };
    const why = e.code === 'ENOENT' ? `${command} is not available on this machine` : `${command} ${args.join(' ')} failed: ${e.stderr?.toString().trim() || e.message}`;
    throw new Error(`cannot fetch the test sample files: ${why}.\n${howToGetSamples()}`);
  }
}

/**
 * Downloads opencv-doc into a temporary folder, unpacks the four files and moves each into the cache
 * under a temporary name first, then renames it: two test files fetching at once each write their
 * own copies, and a reader never sees a half-written file.
 */
function fetchSamples(): void {
  const work = mkdtempSync(path.join(tmpdir(), 'shuxiang-samples-'));
  try {
    chmodSync(work, 0o755); // apt's unprivileged _apt user writes the download here
    run('apt-get', ['download', '-q', PACKAGE], work);
    const deb = readdirSync(work).find((f) => f.startsWith(`${PACKAGE}_`) && f.endsWith('.deb'));
    if (!deb) throw new Error(`cannot fetch the test sample files: apt-get download ${PACKAGE} left no .deb.\n${howToGetSamples()}`);
    // `dpkg -x` would unpack all of the package's ~300 MB; only the four files are taken from its data.
    const members = sampleNames.map((n) => `./${DATA_IN_PACKAGE}/${n}`);
    mkdirSync(path.join(work, 'x'));
    run('sh', ['-c', 'deb="$1"; shift; dpkg-deb --fsys-tarfile "$deb" | tar -x -C x -f - "$@"', 'extract', deb, ...members], work);
    mkdirSync(samplesDir, { recursive: true });
    for (const name of sampleNames) {
      const target = path.join(samplesDir, name);
      if (existsSync(target)) continue;
      const partial = path.join(samplesDir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
      copyFileSync(path.join(work, 'x', DATA_IN_PACKAGE, name), partial);
      renameSync(partial, target);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
