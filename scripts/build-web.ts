/**
 * Builds the web apps (web/ → web/dist/h5, web/dist/console).
 *
 *   tsx scripts/build-web.ts            build both apps
 *   tsx scripts/build-web.ts --if-stale build only when web/dist is missing or older than its sources
 *                                       (run by `npm start` first; a no-op costs a directory walk)
 *
 * "Older" compares the newest modification time under web/ (less dist/) and of package-lock.json with a
 * stamp written after a successful build, so an interrupted build is redone next time.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
const webDir = path.join(root, 'web');
const distDir = path.join(webDir, 'dist');
const stampFile = path.join(distDir, '.build-stamp');
const skipped = new Set(['dist', 'node_modules', '.vite']);

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skipped.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs;
    if (mtime > newest) newest = mtime;
  }
  return newest;
}

function staleReason(): string | null {
  if (!existsSync(stampFile)) return 'web/dist is missing';
  const built = statSync(stampFile).mtimeMs;
  const lock = path.join(root, 'package-lock.json');
  const sources = Math.max(newestMtime(webDir), existsSync(lock) ? statSync(lock).mtimeMs : 0);
  return sources > built ? 'web sources changed since the last build' : null;
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
  const ifStale = process.argv.includes('--if-stale');
  const reason = ifStale ? staleReason() : 'requested';
  if (!reason) return;
  const started = Date.now();
  process.stdout.write(`web: building h5 and console (${reason}) …\n`);
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
  writeFileSync(stampFile, `${new Date().toISOString()}\n`);
  process.stdout.write(`web: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`web: build failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
