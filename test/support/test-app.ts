import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import pino, { type Logger } from 'pino';
import { buildApp, createServices, type Services } from '../../src/app.js';
import { loadConfig, type EnvInput } from '../../src/config.js';
import { demoAccounts, DEMO_PASSWORD } from '../../src/modules/demo/demo.seed.js';
import { type Clock, systemClock } from '../../src/platform/clock.js';
import type { Db } from '../../src/platform/db/database.js';
import type { App } from '../../src/platform/http/app.js';
import { createTestDatabase, type TestDatabase } from './test-db.js';
import { TEST_SECRET } from './test-secret.js';

export { TEST_SECRET };

export interface TestApp {
  app: App;
  db: Db;
  services: Services;
  database: TestDatabase;
  /** Logs in and returns a bearer token. */
  login(phone: string, password?: string): Promise<string>;
  /** Token of the demo account with this role (first match), e.g. tokenFor('township_staff'). */
  tokenFor(role: (typeof demoAccounts)[number]['role']): Promise<string>;
  request(options: InjectOptions & { token?: string }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/**
 * Session limits for tests about other things: they move the clock by days and weeks on one login
 * per account. The accounts tests, whose subject the limits are, pass `realSessionLimits`.
 */
const longSessions: EnvInput = {
  SESSION_STAFF_IDLE_MINUTES: String(60 * 24 * 90),
  SESSION_STAFF_TTL_HOURS: String(24 * 90),
  SESSION_STAFF_MAX_CONCURRENT: '1000',
  SESSION_PHONE_IDLE_MINUTES: String(60 * 24 * 90),
  SESSION_PHONE_TTL_HOURS: String(24 * 90),
};

/** The real app on its own fresh database, driven in-process through Fastify's inject. */
export async function createTestApp(
  options: { demo?: boolean; clock?: Clock; env?: EnvInput; realSessionLimits?: boolean; logger?: Logger } = {},
): Promise<TestApp> {
  const database = await createTestDatabase({ demo: options.demo ?? true });
  // Blobs (photos) go to a folder of this app's own, removed on close.
  const dataDir = mkdtempSync(path.join(tmpdir(), 'shuxiang-test-data-'));
  const config = loadConfig({
    SHUXIANG_DEMO: 'true',
    LOG_LEVEL: 'silent',
    SHUXIANG_DATA_DIR: dataDir,
    ...(options.realSessionLimits ? {} : longSessions),
    ...options.env,
  });
  // The services log through the test's logger too, so a test can read what the logging SMS provider delivered.
  const services = createServices(database.db, config, options.clock ?? systemClock, TEST_SECRET, options.logger);
  const app = await buildApp({ db: database.db, config, logger: options.logger ?? pino({ level: 'silent' }), services });
  await app.ready();
  const tokens = new Map<string, string>();

  const request: TestApp['request'] = ({ token, headers, ...rest }) =>
    app.inject({ ...rest, headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) } });

  const login = async (phone: string, password = DEMO_PASSWORD) => {
    const res = await request({ method: 'POST', url: '/api/auth/login', payload: { phone, password } });
    if (res.statusCode !== 200) throw new Error(`login ${phone} failed: ${res.statusCode} ${res.body}`);
    return res.json().token as string;
  };

  return {
    app,
    db: database.db,
    services,
    database,
    login,
    async tokenFor(role) {
      const account = demoAccounts.find((a) => a.role === role)!;
      if (!tokens.has(account.phone)) tokens.set(account.phone, await login(account.phone));
      return tokens.get(account.phone)!;
    },
    request,
    async close() {
      await app.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
