import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { metaOf } from '../../platform/http/auth.js';
import { AppError } from '../../platform/http/errors.js';
import type { AuditService } from './audit.service.js';

/**
 * Audits permission denials (等保 2.0: unauthorised access attempts are security events): a signed-in
 * caller refused with 403 FORBIDDEN (or another permission code) becomes `access.denied`, with the
 * route pattern, method and the permission that was missing; at most once per person, route and minute.
 * 401s name nobody and a region outside the caller's scope answers 404; neither is recorded here.
 */
export const auditDenialsPlugin = fp<{ audit: AuditService }>(async (app: FastifyInstance, { audit }) => {
  app.addHook('onError', async (request, _reply, error) => {
    const actor = request.auth?.actor;
    if (!actor || !(error instanceof AppError) || error.status !== 403) return;
    try {
      await audit.recordDenial(actor, metaOf(request), {
        method: request.method,
        route: request.routeOptions.url ?? request.url.split('?')[0]!,
        code: error.code,
        permission: error.extra.permission,
      });
    } catch (failure) {
      // The refusal stands whether or not its entry could be written.
      request.log.error({ err: failure }, 'audit: access denial not recorded');
    }
  });
});
