import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../src/modules/demo/demo.seed.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * The web's defences at the HTTP boundary: security headers on every kind of answer, and the web apps'
 * HttpOnly cookie session with its CSRF header. Behind a trusted proxy, so X-Forwarded-Proto counts.
 */
const STAFF = '13800000001';
const TILES = 'https://t{0-7}.tianditu.gov.cn/img_w/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=tile-key-0123';
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ env: { TRUST_PROXY: 'true', SCREEN_TILE_URL: TILES } });
});
afterAll(async () => t?.close());

function expectSecurityHeaders(res: LightMyRequestResponse, what: string) {
  const csp = String(res.headers['content-security-policy']);
  expect(csp, what).toContain("default-src 'self'");
  expect(csp, what).toContain("script-src 'self';");
  expect(csp, what).toContain("object-src 'none'");
  expect(csp, what).toContain("frame-ancestors 'none'");
  expect(csp, what).toContain("base-uri 'self'");
  expect(csp, what).toContain("form-action 'self'");
  expect(csp, what).toContain("connect-src 'self'");
  expect(csp, what).toMatch(/img-src 'self' data: blob: https:\/\/\*\.tianditu\.gov\.cn;/);
  expect(csp, what).not.toContain('tile-key');
  expect(csp, what).not.toContain('unsafe-eval');
  expect(csp, what).not.toContain('upgrade-insecure-requests');
  expect(res.headers['x-frame-options'], what).toBe('DENY');
  expect(res.headers['x-content-type-options'], what).toBe('nosniff');
  expect(res.headers['referrer-policy'], what).toBe('no-referrer');
  const permissions = String(res.headers['permissions-policy']);
  for (const feature of ['camera=()', 'geolocation=(self)', 'microphone=(self)', 'payment=()', 'usb=()']) expect(permissions, what).toContain(feature);
}

function cookieOf(res: LightMyRequestResponse): string {
  const header = res.headers['set-cookie'];
  const all = Array.isArray(header) ? header : header ? [header] : [];
  const cookie = all.find((c) => c.startsWith('shuxiang_session='));
  if (!cookie) throw new Error(`no session cookie in ${JSON.stringify(header)}`);
  return cookie;
}

const logIn = (headers: Record<string, string> = {}) =>
  t.request({ method: 'POST', url: '/api/auth/login', headers, payload: { phone: STAFF, password: DEMO_PASSWORD } });

describe('security headers', () => {
  it('come with API answers, error answers, 404s and the API reference', async () => {
    const token = await t.tokenFor('township_staff');
    const cases: [string, () => Promise<LightMyRequestResponse>, number][] = [
      ['an API answer', () => t.request({ url: '/api/health' }), 200],
      ['a signed-in API answer', () => t.request({ url: '/api/notifications', token }), 200],
      ['401', () => t.request({ url: '/api/auth/me' }), 401],
      ['400', () => t.request({ method: 'POST', url: '/api/auth/login', payload: { phone: 1 } }), 400],
      ['malformed JSON', () => t.request({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: '{' }), 400],
      ['404', () => t.request({ url: '/api/no-such-thing' }), 404],
      ['the reference', () => t.request({ url: '/api/docs/' }), 200],
      ['its script', () => t.request({ url: '/api/docs/static/swagger-initializer.js' }), 200],
      ['its OpenAPI', () => t.request({ url: '/api/openapi.json' }), 200],
    ];
    for (const [what, send, status] of cases) {
      const res = await send();
      expect(res.statusCode, what).toBe(status);
      expectSecurityHeaders(res, what);
    }
  });

  it('leave the API reference working under the policy: every script is a file of its own', async () => {
    const page = await t.request({ url: '/api/docs/' });
    const scripts = [...page.body.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\ssrc="/);
      expect(body!.trim()).toBe('');
      const src = /src="([^"]+)"/.exec(attributes!)![1]!;
      const file = await t.request({ url: new URL(src, 'http://x/api/docs/').pathname });
      expect(file.statusCode, src).toBe(200);
    }
    expect(page.body).not.toMatch(/\son[a-z]+=/i);
  });

  it('ask for HTTPS only (HSTS) when the request came over HTTPS', async () => {
    const plain = await t.request({ url: '/api/health' });
    expect(plain.headers['strict-transport-security']).toBeUndefined();
    const secure = await t.request({ url: '/api/health', headers: { 'x-forwarded-proto': 'https' } });
    expect(secure.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    const secureError = await t.request({ url: '/api/nothing', headers: { 'x-forwarded-proto': 'https' } });
    expect(secureError.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  });
});

describe('the web apps’ cookie session', () => {
  it('sets an HttpOnly, SameSite=Strict cookie at login, Secure over HTTPS, and keeps the token in the body', async () => {
    const res = await logIn();
    expect(res.statusCode).toBe(200);
    const cookie = cookieOf(res);
    const { token, expiresAt } = res.json() as { token: string; expiresAt: string };
    expect(cookie.split('; ')[0]).toBe(`shuxiang_session=${token}`);
    expect(cookie).toContain('; HttpOnly');
    expect(cookie).toContain('; SameSite=Strict');
    expect(cookie).toContain('; Path=/');
    expect(cookie).toContain(`; Expires=${new Date(expiresAt).toUTCString()}`);
    expect(cookie).not.toContain('Secure');
    expect(cookieOf(await logIn({ 'x-forwarded-proto': 'https' }))).toContain('; Secure');
  });

  it('authenticates by the cookie when there is no Authorization header', async () => {
    const cookie = cookieOf(await logIn()).split('; ')[0]!;
    const mine = await t.request({ url: '/api/notifications', headers: { cookie: `lang=zh; ${cookie}` } });
    expect(mine.statusCode).toBe(200);
    expect(mine.json()).toHaveProperty('items');
    expect((await t.request({ url: '/api/notifications' })).statusCode).toBe(401);
    expect((await t.request({ url: '/api/notifications', headers: { cookie: 'shuxiang_session=not-a-session-token-at-all-000000' } })).statusCode).toBe(401);
    // A bearer token wins over the cookie (API clients), even a bad one.
    expect((await t.request({ url: '/api/notifications', token: 'x'.repeat(43), headers: { cookie } })).statusCode).toBe(401);
  });

  it('refuses a change by cookie without the web apps’ header (CSRF), but not by bearer token', async () => {
    const cookie = cookieOf(await logIn()).split('; ')[0]!;
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
      const refused = await t.request({ method, url: '/api/auth/logout', headers: { cookie } });
      expect(refused.statusCode, method).toBe(403);
      expect(refused.json()).toMatchObject({ code: 'CSRF_REJECTED', message: expect.stringMatching(/[\u4e00-\u9fff]/), messageEn: expect.any(String) });
      const wrongValue = await t.request({ method, url: '/api/auth/logout', headers: { cookie, 'x-shuxiang-client': 'evil' } });
      expect(wrongValue.json().code, method).toBe('CSRF_REJECTED');
    }
    // Reading needs no header; the session survived the refused attempts.
    expect((await t.request({ url: '/api/notifications', headers: { cookie } })).statusCode).toBe(200);
    // With the header the change goes through.
    expect((await t.request({ method: 'POST', url: '/api/auth/logout', headers: { cookie, 'x-shuxiang-client': 'web' } })).statusCode).toBe(204);
    // A bearer client needs no such header.
    const bearer = await t.request({ method: 'POST', url: '/api/auth/logout', token: (await logIn()).json().token });
    expect(bearer.statusCode).toBe(204);
  });

  it('logs out: revokes the session and clears the cookie', async () => {
    const cookie = cookieOf(await logIn()).split('; ')[0]!;
    const out = await t.request({ method: 'POST', url: '/api/auth/logout', headers: { cookie, 'x-shuxiang-client': 'web' } });
    expect(out.statusCode).toBe(204);
    const cleared = cookieOf(out);
    expect(cleared).toMatch(/^shuxiang_session=;/);
    expect(cleared).toContain('Max-Age=0');
    expect(cleared).toContain('HttpOnly');
    expect((await t.request({ url: '/api/notifications', headers: { cookie } })).statusCode).toBe(401);
    // Logging out with a cookie whose session has ended still clears it.
    const again = await t.request({ method: 'POST', url: '/api/auth/logout', headers: { cookie, 'x-shuxiang-client': 'web' } });
    expect(again.statusCode).toBe(401);
    expect(cookieOf(again)).toContain('Max-Age=0');
  });
});
