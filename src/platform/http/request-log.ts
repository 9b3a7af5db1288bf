import type { FastifyReply, FastifyRequest } from 'fastify';
import pino, { type Logger, type SerializedError } from 'pino';
import type { App } from './app.js';

/**
 * Request logging: one line per request, after the answer, at a level that says whether anyone
 * should look (5xx error, slow warn, 4xx info, the rest debug), with the secrets in URLs removed.
 */

/** A request whose answer took longer than this to start is logged as slow. */
export const SLOW_REQUEST_MS = 1000;

// Query parameters that grant access by themselves: signed URLs' signatures (valid for up to an
// hour), tokens in links, Open311 API keys.
const SECRET_PARAMS = /([?&;](?:sig|token|access_token|api_key)=)[^&#\s"'<>]*/gi;

/** The URL (or any text holding URLs) with the values of secret query parameters replaced. */
export function redactUrl(text: string): string {
  return text.replace(SECRET_PARAMS, '$1[redacted]');
}

function serializeReq(request: FastifyRequest | { method?: string; url?: string; ip?: string }) {
  return { method: request.method, url: redactUrl(request.url ?? ''), ip: request.ip };
}

function serializeErr(error: Error): SerializedError {
  const serialized = pino.stdSerializers.err(error);
  serialized.message = redactUrl(serialized.message);
  serialized.stack = redactUrl(serialized.stack);
  return serialized;
}

/** The logger the HTTP server logs through: the same logger, with URL-redacting serializers. */
export function httpLogger(logger: Logger): Logger {
  return logger.child({}, { serializers: { req: serializeReq, err: serializeErr } });
}

const startedAnswering = Symbol('startedAnswering');

type TimedReply = FastifyReply & { [startedAnswering]?: number };

/** Logs one request that was answered (also those answered outside the route hooks, e.g. bad URLs). */
export function logRequest(request: FastifyRequest, reply: FastifyReply, answeredMs = reply.elapsedTime): void {
  const statusCode = reply.statusCode;
  const line = { req: request, statusCode, ms: Math.round(reply.elapsedTime) };
  if (statusCode >= 500) request.log.error(line, 'request failed');
  else if (answeredMs > SLOW_REQUEST_MS) request.log.warn({ ...line, answeredMs: Math.round(answeredMs) }, 'slow request');
  else if (statusCode >= 400) request.log.info(line, 'request refused');
  else request.log.debug(line, 'request');
}

/**
 * Fastify's own request lines are turned off (`disableRequestLogging`); these hooks log instead.
 * Slowness is measured to the start of the answer, so a long download or an event stream is not
 * "slow" because the client reads it slowly.
 */
export function registerRequestLogging(app: App): void {
  app.addHook('onSend', async (_request, reply: TimedReply) => {
    reply[startedAnswering] ??= reply.elapsedTime;
  });
  app.addHook('onResponse', async (request, reply: TimedReply) => {
    logRequest(request, reply, reply[startedAnswering]);
  });
}
