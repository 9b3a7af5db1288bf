import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createHttpServer } from '../src/platform/http/app.js';
import { registerWebApps } from '../src/platform/http/web-apps.js';

/** The web apps' static serving, against a fake build in a temporary folder (no database needed). */
let dist: string;
let app: App;
const asset = 'index-AbCdEf12.js';

beforeAll(async () => {
  dist = mkdtempSync(path.join(tmpdir(), 'shuxiang-web-'));
  for (const name of ['h5', 'console']) {
    mkdirSync(path.join(dist, name, 'assets'), { recursive: true });
    writeFileSync(path.join(dist, name, 'index.html'), `<!doctype html><title>${name}</title>`);
    const js = `console.log(${JSON.stringify(name)});`.repeat(100);
    writeFileSync(path.join(dist, name, 'assets', asset), js);
    writeFileSync(path.join(dist, name, 'assets', `${asset}.gz`), gzipSync(js));
  }
  app = createHttpServer({ logger: pino({ level: 'silent' }) });
  await registerWebApps(app, dist);
  app.get('/api/ping', async () => ({ ok: true }));
  await app.ready();
});

afterAll(async () => {
  await app.close();
  rmSync(dist, { recursive: true, force: true });
});

describe('web apps', () => {
  it('serves each app at its prefix, redirecting the bare prefix', async () => {
    const bare = await app.inject({ url: '/h5' });
    expect(bare.statusCode).toBe(301);
    expect(bare.headers.location).toBe('/h5/');
    for (const name of ['h5', 'console']) {
      const res = await app.inject({ url: `/${name}/` });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain(`<title>${name}</title>`);
      expect(res.headers['cache-control']).toBe('no-cache');
    }
  });

  it("falls back to the app's index.html for its page routes", async () => {
    const res = await app.inject({ url: '/console/cases/5d0c2f9e-0000-4000-8000-000000000000?state=submitted' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<title>console</title>');
    const h5 = await app.inject({ url: '/h5/report' });
    expect(h5.body).toContain('<title>h5</title>');
  });

  it('caches hashed assets for good and prefers the pre-compressed copy', async () => {
    const res = await app.inject({ url: `/h5/assets/${asset}`, headers: { 'accept-encoding': 'gzip' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('answers a missing file, and unknown API routes, with a 404 in the error shape', async () => {
    const missing = await app.inject({ url: '/h5/assets/nothing-12345678.js' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
    const api = await app.inject({ url: '/api/nothing' });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
    expect((await app.inject({ url: '/api/ping' })).json()).toEqual({ ok: true });
  });

  it('sends the security headers with pages, assets and 404s', async () => {
    for (const url of ['/h5/', '/console/cases/x', `/h5/assets/${asset}`, '/h5/assets/nothing-12345678.js']) {
      const res = await app.inject({ url });
      expect(res.headers['content-security-policy'], url).toMatch(/script-src 'self';/);
      expect(res.headers['content-security-policy'], url).toMatch(/frame-ancestors 'none'/);
      expect(res.headers['x-frame-options'], url).toBe('DENY');
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
      expect(res.headers['referrer-policy'], url).toBe('no-referrer');
      expect(res.headers['permissions-policy'], url).toContain('geolocation=(self)');
    }
  });

  it('serves the API alone when nothing is built', async () => {
    const bare = createHttpServer({ logger: pino({ level: 'silent' }) });
    expect(await registerWebApps(bare, path.join(dist, 'missing'))).toEqual([]);
    await bare.ready();
    expect((await bare.inject({ url: '/h5/' })).statusCode).toBe(404);
    await bare.close();
  });
});
