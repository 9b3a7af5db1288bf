import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionError, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { AppError, type ErrorCode } from './errors.js';
import { MAX_URL_LENGTH } from './request-hygiene.js';
import { logRequest } from './request-log.js';

/**
 * Answers to requests that never reach a route, in the same `{code, message, messageEn,
 * requestId}` body as every other error: requests Node's HTTP parser refuses (the `clientError`
 * event) and URLs the router cannot decode (Fastify's `frameworkErrors`).
 */

/** Node reports a request line over the header limit as a header overflow; the packet tells which. */
function requestLineTooLong(rawPacket: unknown): boolean {
  if (!Buffer.isBuffer(rawPacket)) return false;
  const lineEnd = rawPacket.indexOf('\r\n');
  return lineEnd < 0 ? rawPacket.length > MAX_URL_LENGTH : lineEnd > MAX_URL_LENGTH;
}

function codeFor(error: ConnectionError): ErrorCode {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return requestLineTooLong(error.rawPacket) ? 'URI_TOO_LONG' : 'HEADERS_TOO_LARGE';
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 'REQUEST_TIMEOUT';
    default:
      return 'BAD_HTTP_REQUEST';
  }
}

/** A complete HTTP/1.1 answer with the catalogue's body; the connection closes after it. */
export function clientErrorResponse(code: ErrorCode, requestId: string): string {
  const error = new AppError(code);
  const body = JSON.stringify(error.toBody(requestId));
  return [
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Request-Id: ${requestId}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

/** Fastify's `clientErrorHandler`. */
export const clientErrorHandler = (log: Logger) => (error: ConnectionError, socket: Socket): void => {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const code = codeFor(error);
  const requestId = randomUUID();
  log.info({ reqId: requestId, ip: socket.remoteAddress, parserError: error.code, code }, 'request refused by the HTTP parser');
  // Like Node's own handler: answer only while no other answer is being written on this connection.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    // end(), not destroy(): the answer is flushed before the connection closes.
    socket.end(clientErrorResponse(code, requestId));
    // The parser stops reading; a client that never closes its side is cut off.
    setTimeout(() => socket.destroy(), 5000).unref();
  } else {
    socket.destroy();
  }
};

/** Fastify's `frameworkErrors`: a %-sequence in the path that is not UTF-8, a path parameter over `maxParamLength`. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  let failure: AppError;
  if (error.code === 'FST_ERR_BAD_URL') {
    failure = new AppError('VALIDATION_FAILED', {
      details: [{ field: 'path', message: '%-编码无效或不是 UTF-8', messageEn: 'has invalid %-encoding or is not UTF-8' }],
    });
  } else if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    failure = new AppError('URI_TOO_LONG');
  } else {
    request.log.error({ err: error }, 'router error');
    failure = new AppError('INTERNAL_ERROR');
  }
  // No route hooks run for these, so the id header and the log line are written here.
  reply.header('x-request-id', request.id).status(failure.status).send(failure.toBody(request.id));
  logRequest(request, reply);
}
