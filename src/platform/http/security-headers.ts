import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Security headers on every answer (pages, API, errors, 404s, /api/docs), for GB/T 22239-2019 (等保 2.0)
 * 8.1.4.4 入侵防范 (injected markup cannot run script, pages cannot be framed) and 8.1.2.2 通信传输 (HSTS).
 * Set in onRequest, so an answer that fails later still carries them.
 */
export interface SecurityHeadersOptions {
  /** SCREEN_TILE_URL: the big screen lays its map tiles from this source, the only pictures from elsewhere. */
  tileUrl?: string;
}

/** A year; sent only over HTTPS, where browsers honour it. */
export const HSTS = 'max-age=31536000; includeSubDomains';

/**
 * Powerful features the pages may use: the phone's report asks for its location, the console's 喊话
 * records from the microphone. Nothing else (and no page from another origin framed in ours).
 * Only feature names Chromium knows: an unknown one is logged as a console error on every page.
 */
export const PERMISSIONS_POLICY = [
  'accelerometer=()',
  'camera=()',
  'display-capture=()',
  'geolocation=(self)',
  'gyroscope=()',
  'hid=()',
  'magnetometer=()',
  'microphone=(self)',
  'midi=()',
  'payment=()',
  'serial=()',
  'usb=()',
].join(', ');

/**
 * The CSP source of a tile template's origin: `https://t{0-7}.tianditu.gov.cn/…` → `https://*.tianditu.gov.cn`
 * (a placeholder in the host becomes a wildcard for the labels up to it). Null when it has no usable host.
 */
export function tileOrigin(template: string): string | null {
  const match = /^(https?):\/\/([^/?#]+)/.exec(template);
  if (!match) return null;
  const [, scheme, authority] = match;
  const host = authority!.replace(/^[^@]*@/, '');
  const labels = host.split('.');
  const lastTemplated = labels.map((label) => label.includes('{')).lastIndexOf(true);
  if (lastTemplated === -1) return /^[A-Za-z0-9.:[\]-]+$/.test(host) ? `${scheme}://${host}` : null;
  const rest = labels.slice(lastTemplated + 1);
  // A wildcard needs a real domain beneath it, and no placeholder in the port.
  if (rest.length < 2 || !rest.every((label) => /^[A-Za-z0-9:-]+$/.test(label))) return null;
  return `${scheme}://*.${rest.join('.')}`;
}

export function cspDirectives(options: SecurityHeadersOptions): Record<string, string[]> {
  const tiles = options.tileUrl ? tileOrigin(options.tileUrl) : null;
  return {
    'default-src': ["'self'"],
    // No inline script anywhere: the Vite builds and the swagger-ui page load only files.
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    // Element Plus, Vant and ECharts (its tooltip markup) set style attributes, and the screen's
    // index.html has a small <style>; styles cannot run script, so this is the accepted trade-off.
    'style-src': ["'self'", "'unsafe-inline'"],
    // data: icons (favicons, Vant's), blob: camera snapshots and picked photos, the screen's tiles.
    'img-src': ["'self'", 'data:', 'blob:', ...(tiles ? [tiles] : [])],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'"],
    'worker-src': ["'self'"],
    'frame-ancestors': ["'none'"],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    // Deliberately no upgrade-insecure-requests: a village office often serves plain HTTP on its LAN.
  };
}

export const securityHeaders = fp<SecurityHeadersOptions>(
  async (app: FastifyInstance, options) => {
    await app.register(helmet, {
      contentSecurityPolicy: { useDefaults: false, directives: cspDirectives(options) },
      frameguard: { action: 'deny' },
      // Signed photo and audio URLs must not leak to other sites in Referer.
      referrerPolicy: { policy: 'no-referrer' },
      // Set below only when the request came over HTTPS.
      strictTransportSecurity: false,
    });
    app.addHook('onRequest', async (request, reply) => {
      reply.header('permissions-policy', PERMISSIONS_POLICY);
      // request.protocol is https on a TLS socket, or from X-Forwarded-Proto when TRUST_PROXY trusts the proxy.
      if (request.protocol === 'https') reply.header('strict-transport-security', HSTS);
    });
  },
  { name: 'shuxiang-security-headers' },
);
