import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AccountsService, Authenticated } from '../../modules/accounts/accounts.service.js';
import type { Actor, RequestMeta } from '../request-context.js';
import { AppError } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    auth: Authenticated | null;
  }
}

/** Resolves `Authorization: Bearer <token>` once per request; routes then ask for what they need. */
export const authPlugin = fp<{ accounts: AccountsService }>(async (app: FastifyInstance, { accounts }) => {
  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    if (!header) return;
    const match = /^Bearer ([A-Za-z0-9_-]{20,200})$/.exec(header);
    request.auth = match ? ((await accounts.authenticate(match[1]!)) ?? null) : null;
  });
});

/** The signed-in session, even one that still has to change its password. */
export function sessionOf(request: FastifyRequest): Authenticated {
  if (!request.auth) throw new AppError('UNAUTHENTICATED');
  return request.auth;
}

/** The actor of a signed-in session that may act (its password is not pending a change). */
export function actorOf(request: FastifyRequest): Actor {
  const auth = sessionOf(request);
  if (auth.mustChangePassword) throw new AppError('PASSWORD_CHANGE_REQUIRED');
  return auth.actor;
}

export function metaOf(request: FastifyRequest): RequestMeta {
  return { requestId: request.id, ip: request.ip };
}
