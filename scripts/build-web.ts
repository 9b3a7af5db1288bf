/**
 * Builds the web apps (web/ → web/dist/h5, web/dist/console, web/dist/screen).
 *
 *   node --import tsx scripts/build-web.ts            build both apps (npm run build:web)
 *   node --import tsx scripts/build-web.ts --if-stale build only when needed (npm start runs this first)
 *
 * "Needed": an app's index.html or an asset it names is missing, or the sources changed since the
 * last successful build. Sources are compared by content (a SHA-256 of every file under web/ less
 * dist/, and of package-lock.json) recorded in web/dist/.build-stamp, not by modification times,
 * which a fresh clone resets. An interrupted build leaves no stamp, so it is redone next time.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
const webDir = path.join(root, 'web');
const distDir = path.join(webDir, 'dist');
const stampFile = path.join(distDir, '.build-stamp');
const skipped = new Set(['dist', 'node_modules', '.vite']);
const appNames = ['h5', 'console', 'screen'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => !skipped.has(entry.name))
    .flatMap((entry) => (entry.isDirectory() ? sourceFiles(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));
}

/** What the build depends on: the web sources and the installed versions (package-lock.json). */
function fingerprint(): string {
  const hash = createHash('sha256');
  const lock = path.join(root, 'package-lock.json');
  for (const file of [...sourceFiles(webDir).sort(), ...(existsSync(lock) ? [lock] : [])]) {
    hash.update(path.relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

/** Why the built apps can't be served as they are, or null when they can. */
function staleReason(current: string): string | null {
  for (const app of appNames) {
    const index = path.join(distDir, app, 'index.html');
    if (!existsSync(index)) return `web/dist/${app} is missing`;
    const html = readFileSync(index, 'utf8');
    for (const [, url] of html.matchAll(/(?:src|href)="\/[^/"]+\/(assets\/[^"]+)"/g)) {
      if (!existsSync(path.join(distDir, app, url!))) return `web/dist/${app} is incomplete`;
    }
  }
  const stamp = existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : '';
  return stamp === current ? null : 'the web sources changed since the last build';
}

/**
 * Writes .br and .gz beside each text asset, so the server sends village phones on weak networks
 * a third of the bytes without compressing on every request (@fastify/static `preCompressed`).
 */
function precompress(dir: string): { files: number; raw: number; brotli: number; gzip: number } {
  const totals = { files: 0, raw: 0, brotli: 0, gzip: 0 };
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const sub = precompress(full);
      for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += sub[key];
      continue;
    }
    if (!/\.(js|css|html|svg|json)$/.test(entry.name)) continue;
    const data = readFileSync(full);
    const br = brotliCompressSync(data, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: data.length } });
    const gz = gzipSync(data, { level: 9 });
    totals.files += 1;
    totals.raw += data.length;
    totals.brotli += br.length;
    totals.gzip += gz.length;
    if (data.length < 1024) continue;
    writeFileSync(`${full}.br`, br);
    writeFileSync(`${full}.gz`, gz);
  }
  return totals;
}

const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;

async function main(): Promise<void> {
  // Started from a test runner, these would make a server-side (unstyled) or development build.
  delete process.env.SSR;
  if (process.env.NODE_ENV !== 'production') process.env.NODE_ENV = 'production';
  const ifStale = process.argv.includes('--if-stale');
  const current = fingerprint();
  const reason = ifStale ? staleReason(current) : 'requested';
  if (!reason) return;
  const started = Date.now();
  process.stdout.write(`web: building ${appNames.join(', ')} (${reason}) …\n`);
  rmSync(stampFile, { force: true });
  const { build } = await import('vite');
  const { apps, webConfig } = await import('../web/vite.config.ts');
  for (const app of apps) {
    const t0 = Date.now();
    await build({ ...webConfig(app), configFile: false });
    const size = precompress(path.join(distDir, app));
    process.stdout.write(
      `web: ${app} built in ${((Date.now() - t0) / 1000).toFixed(1)} s → web/dist/${app} ` +
        `(${size.files} files, ${kb(size.raw)}; brotli ${kb(size.brotli)}, gzip ${kb(size.gzip)})\n`,
    );
  }
  writeFileSync(stampFile, `${current}\n`);
  process.stdout.write(`web: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`web: build failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
