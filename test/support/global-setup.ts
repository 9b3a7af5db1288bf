import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createServices } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { seedDemo } from '../../src/modules/demo/demo.seed.js';
import { createDb } from '../../src/platform/db/database.js';
import { loadEmbeddedPostgres } from '../../src/platform/db/embedded-postgres.js';
import { migrateToLatest } from '../../src/platform/db/migrator.js';
import { TEST_SECRET } from './test-secret.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A connection URL (to database `postgres`) with the right to create databases. */
    pgAdminUrl: string;
    emptyTemplate: string;
    demoTemplate: string;
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function adminQuery(adminUrl: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/**
 * One PostgreSQL for the whole run: the embedded one, or the server DATABASE_URL names (CI also
 * runs the suite against Debian's PostgreSQL that way). Two migrated templates are built once,
 * one empty and one with the demo data; each test file clones its own database from one of them.
 */
export default async function setup(project: TestProject) {
  const run = `${process.pid}`;
  const emptyTemplate = `shuxiang_tpl_${run}`;
  const demoTemplate = `shuxiang_demo_tpl_${run}`;
  let server: InstanceType<Awaited<ReturnType<typeof loadEmbeddedPostgres>>> | undefined;
  let dir: string | undefined;
  let adminUrl: string;

  if (process.env.DATABASE_URL) {
    adminUrl = withDatabase(process.env.DATABASE_URL, 'postgres');
  } else {
    dir = mkdtempSync(path.join(tmpdir(), 'shuxiang-test-pg-'));
    chmodSync(dir, 0o755); // the unprivileged postgres user must reach its cluster folder
    const port = 55000 + (process.pid % 5000);
    const EmbeddedPostgres = await loadEmbeddedPostgres();
    server = new EmbeddedPostgres({
      databaseDir: path.join(dir, 'pg'),
      port,
      user: 'postgres',
      password: 'test',
      persistent: false,
      createPostgresUser: process.getuid?.() === 0,
      // Durability is not under test here; this makes CREATE DATABASE and commits much faster.
      postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=300'],
      onLog: () => undefined,
      onError: () => undefined,
    });
    await server.initialise();
    await server.start();
    adminUrl = `postgres://postgres:test@localhost:${port}/postgres`;
  }

  const config = loadConfig({ SHUXIANG_DEMO: 'true' });
  for (const name of [emptyTemplate, demoTemplate]) {
    await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name}`);
  }
  await adminQuery(adminUrl, `CREATE DATABASE ${emptyTemplate}`);
  const empty = createDb(withDatabase(adminUrl, emptyTemplate), 2);
  await migrateToLatest(empty);
  await empty.destroy();

  await adminQuery(adminUrl, `CREATE DATABASE ${demoTemplate} TEMPLATE ${emptyTemplate}`);
  const demo = createDb(withDatabase(adminUrl, demoTemplate), 2);
  await seedDemo(createServices(demo, config, undefined, TEST_SECRET), new Date());
  await demo.destroy();

  project.provide('pgAdminUrl', adminUrl);
  project.provide('emptyTemplate', emptyTemplate);
  project.provide('demoTemplate', demoTemplate);

  return async () => {
    if (server) {
      await server.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
      return;
    }
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      const leftovers = await client.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE datname LIKE 'shuxiang\\_t\\_${run}\\_%' OR datname IN ($1, $2)`,
        [emptyTemplate, demoTemplate],
      );
      for (const { datname } of leftovers.rows) await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    } finally {
      await client.end();
    }
  };
}
