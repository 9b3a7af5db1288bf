import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import https from 'node:https';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  LogController,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { clientErrorHandler, frameworkErrors } from './client-errors.js';
import { AppError, type ErrorCode } from './errors.js';
import { registerRequestHygiene } from './request-hygiene.js';
import { httpLogger, registerRequestLogging } from './request-log.js';
import { securityHeaders, type SecurityHeadersOptions } from './security-headers.js';
import { toFieldProblems } from './validation.js';

export type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, Logger, ZodTypeProvider>;

const SAFE_REQUEST_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Fastify's own client errors, mapped into the catalogue. */
const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'MALFORMED_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_REQUEST',
  FST_ERR_NOT_FOUND: 'ROUTE_NOT_FOUND',
};

export function createHttpServer(options: {
  logger: Logger;
  bodyLimit?: number;
  trustProxy?: boolean | string[];
  /** Serve HTTPS with this PEM certificate and key (HTTPS_CERT_FILE/HTTPS_KEY_FILE). */
  https?: { cert: Buffer; key: Buffer };
  security?: SecurityHeadersOptions;
}): App {
  const logger = httpLogger(options.logger);
  const app = Fastify({
    loggerInstance: logger,
    // One line per request from request-log.ts instead, at a level by outcome.
    logController: new LogController({ disableRequestLogging: true }),
    clientErrorHandler: clientErrorHandler(logger),
    frameworkErrors,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    trustProxy: options.trustProxy ?? false,
    // An https.Server answers like an http.Server; the factory keeps App's one server type.
    ...(options.https ? { serverFactory: (handler: http.RequestListener) => https.createServer(options.https!, handler) as unknown as http.Server } : {}),
    // Idle keep-alive sockets close at shutdown; requests in flight finish first.
    forceCloseConnections: 'idle',
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { coerceTypes: false } },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // First of all hooks, so that every answer (errors and 404s included) carries the headers.
  void app.register(securityHeaders, options.security ?? {});

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerRequestLogging(app);
  registerRequestHygiene(app);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AppError) {
      if (error.extra.retryAfterSeconds) reply.header('retry-after', String(error.extra.retryAfterSeconds));
      return reply.status(error.status).send(error.toBody(request.id));
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const details = toFieldProblems(error.validation, error.validationContext);
      return reply.status(400).send(new AppError('VALIDATION_FAILED', { details }).toBody(request.id));
    }
    const mapped = error.code ? fastifyCodes[error.code] : undefined;
    if (mapped) return reply.status(new AppError(mapped).status).send(new AppError(mapped).toBody(request.id));
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      request.log.info({ err: error }, 'client error');
      const code: ErrorCode = error.statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : error.statusCode === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'MALFORMED_REQUEST';
      return reply.status(new AppError(code).status).send(new AppError(code).toBody(request.id));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send(new AppError('INTERNAL_ERROR').toBody(request.id));
  });

  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(new AppError('ROUTE_NOT_FOUND').toBody(request.id));
  });

  return app;
}

/** OpenAPI at /api/openapi.json and a browsable reference at /api/docs (served locally, no CDN). */
export async function registerOpenApi(app: App): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Shuxiang 数乡 API',
        description: '数字乡村平台接口 · Digital village platform API. Errors: `{code, message, messageEn, requestId, details?}`.',
        version: '0.1.0',
        license: { name: 'AGPL-3.0-or-later' },
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
