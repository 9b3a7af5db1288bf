import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checks, runProbe } from '../scripts/security-probe.js';
import { demoAccounts, DEMO_PASSWORD } from '../src/modules/demo/demo.seed.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/** The checks of request hygiene and error bodies (src/platform/http). */
const HYGIENE = ['nul-open311-path', 'nul-open311-query', 'nul-public-notices', 'bad-encoding-path', 'bad-encoding-query', 'uri-too-long', 'headers-too-large'];

let t: TestApp;
let url: string;

beforeAll(async () => {
  t = await createTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => t.close());

describe('scripts/security-probe.ts', () => {
  it('passes every check against the platform on a real port (MQTT aside: the test app runs no broker)', async () => {
    const phone = demoAccounts.find((a) => a.role === 'villager')!.phone;
    const results = await runProbe({ url, phone, password: DEMO_PASSWORD, only: checks.map((c) => c.id).filter((id) => id !== 'mqtt-oversize') });
    expect(results.map((r) => r.id)).toEqual(expect.arrayContaining([...HYGIENE, 'signed-url-tamper', 'weak-password', 'password-reuse', 'login-lockout']));
    for (const r of results) expect(r, `${r.id}: ${r.detail}`).toMatchObject({ outcome: 'PASS' });
    // The account still logs in with its own password: the probe changed nothing.
    expect((await t.request({ method: 'POST', url: '/api/auth/login', payload: { phone, password: DEMO_PASSWORD } })).statusCode).toBe(200);
  });

  describe('against a server that answers like the one the outside probe found', () => {
    let old: Server;
    let oldUrl: string;
    beforeAll(async () => {
      // Fastify's defaults before the fix: a 500 for NUL, its own error bodies, no security headers.
      old = createServer((_req, res) => {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"statusCode":500,"error":"Internal Server Error","message":"invalid byte sequence"}');
      });
      await new Promise<void>((resolve) => old.listen(0, '127.0.0.1', resolve));
      oldUrl = `http://127.0.0.1:${(old.address() as AddressInfo).port}`;
    });
    afterAll(async () => new Promise<void>((resolve) => old.close(() => resolve())));

    it('fails every check it can run, and skips those that need what was not given', async () => {
      const results = await runProbe({ url: oldUrl, only: [...HYGIENE, 'headers-page', 'headers-api', 'password-reuse', 'mqtt-oversize'] });
      const outcome = Object.fromEntries(results.map((r) => [r.id, r.outcome]));
      for (const id of [...HYGIENE, 'headers-page', 'headers-api']) expect(outcome[id], id).toBe('FAIL');
      expect(outcome['password-reuse']).toBe('SKIP');
      expect(outcome['mqtt-oversize']).toBe('SKIP');
    });
  });
});
