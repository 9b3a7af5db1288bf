import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AccountsService, Authenticated } from '../../modules/accounts/accounts.service.js';
import type { Actor, RequestMeta } from '../request-context.js';
import { AppError } from './errors.js';
import { CLIENT_HEADER, CLIENT_HEADER_VALUE, needsClientHeader, sessionCookieOf } from './session-cookie.js';

declare module 'fastify' {
  interface FastifyRequest {
    auth: Authenticated | null;
  }
}

const TOKEN = /^[A-Za-z0-9_-]{20,200}$/;

/**
 * Resolves the session once per request: `Authorization: Bearer <token>` (API clients, devices), else
 * the web apps' HttpOnly cookie, whose changes must carry the web apps' header (session-cookie.ts).
 * Routes then ask for what they need.
 */
export const authPlugin = fp<{ accounts: AccountsService }>(async (app: FastifyInstance, { accounts }) => {
  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    if (header) {
      const match = /^Bearer (\S+)$/.exec(header);
      request.auth = match && TOKEN.test(match[1]!) ? ((await accounts.authenticate(match[1]!)) ?? null) : null;
      return;
    }
    const cookie = sessionCookieOf(request);
    if (!cookie || !TOKEN.test(cookie)) return;
    if (needsClientHeader(request.method) && request.headers[CLIENT_HEADER] !== CLIENT_HEADER_VALUE) throw new AppError('CSRF_REJECTED');
    request.auth = (await accounts.authenticate(cookie)) ?? null;
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
