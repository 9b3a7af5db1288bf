import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The web apps' session: the login's token in an HttpOnly cookie, which no script on the page can read
 * (an injected one cannot steal it), sent only to this site (SameSite=Strict) and over HTTPS only when
 * the request came over HTTPS (directly, or from a proxy that TRUST_PROXY trusts). API clients, devices
 * and tests keep using `Authorization: Bearer`.
 */
export const SESSION_COOKIE = 'shuxiang_session';

/**
 * Cross-site request forgery: a change (POST, PUT, PATCH, DELETE) authenticated by the cookie must carry
 * `X-Shuxiang-Client: web`, which the web apps always send and another origin cannot add to a request
 * (that would need CORS, which the platform never grants).
 */
export const CLIENT_HEADER = 'x-shuxiang-client';
export const CLIENT_HEADER_VALUE = 'web';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function needsClientHeader(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

/** The session cookie's value, if the request carries one. */
export function sessionCookieOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

function attributes(request: FastifyRequest): string {
  return `Path=/; HttpOnly; SameSite=Strict${request.protocol === 'https' ? '; Secure' : ''}`;
}

/** The cookie lives as long as the session (tokens are base64url, so the value needs no encoding). */
export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string, expiresAt: Date): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=${token}; Expires=${expiresAt.toUTCString()}; ${attributes(request)}`);
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; ${attributes(request)}`);
}
