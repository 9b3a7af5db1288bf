import type { Logger } from 'pino';
import type { Config } from './config.js';
import { AccountsService } from './modules/accounts/accounts.service.js';
import { authRoutes, usersRoutes } from './modules/accounts/accounts.routes.js';
import { LoginAttemptsRepository, SessionsRepository } from './modules/accounts/sessions.repository.js';
import { UsersRepository } from './modules/accounts/users.repository.js';
import { AuditRepository } from './modules/audit/audit.repository.js';
import { auditRoutes } from './modules/audit/audit.routes.js';
import { AuditService } from './modules/audit/audit.service.js';
import { healthRoutes } from './modules/health/health.routes.js';
import { RegionsRepository } from './modules/regions/regions.repository.js';
import { regionsRoutes } from './modules/regions/regions.routes.js';
import { RegionsService } from './modules/regions/regions.service.js';
import { systemClock, type Clock } from './platform/clock.js';
import type { Db } from './platform/db/database.js';
import { MetaRepository } from './platform/db/meta.repository.js';
import { type App, createHttpServer, registerOpenApi } from './platform/http/app.js';
import { authPlugin } from './platform/http/auth.js';

export interface Services {
  regions: RegionsService;
  accounts: AccountsService;
  audit: AuditService;
  meta: MetaRepository;
}

/** Wires repositories into services. No I/O happens here. */
export function createServices(db: Db, config: Config, clock: Clock = systemClock): Services {
  const audit = new AuditService(new AuditRepository(db), clock);
  const regionsRepository = new RegionsRepository(db);
  const regions = new RegionsService(db, regionsRepository, audit, clock);
  const accounts = new AccountsService(
    db,
    new UsersRepository(db),
    new SessionsRepository(db),
    new LoginAttemptsRepository(db),
    regionsRepository,
    audit,
    clock,
    config.auth,
  );
  return { regions, accounts, audit, meta: new MetaRepository(db) };
}

/** The HTTP application with every module's routes; used by `start` and by the API tests. */
export async function buildApp(deps: { db: Db; config: Config; logger: Logger; services: Services }): Promise<App> {
  const { db, config, logger, services } = deps;
  const app = createHttpServer({ logger, trustProxy: config.http.trustProxy });
  await registerOpenApi(app);
  await app.register(authPlugin, { accounts: services.accounts });
  healthRoutes(app, db);
  authRoutes(app, services.accounts);
  usersRoutes(app, services.accounts);
  regionsRoutes(app, services.regions);
  auditRoutes(app, services.audit);
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/api/docs'));
  return app;
}
