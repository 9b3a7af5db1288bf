import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

/**
 * Requests that Node's HTTP parser refuses never reach Fastify's routes or inject(), so these go
 * over a real socket to a listening server.
 */

let t: TestApp;
let port: number;

beforeAll(async () => {
  t = await createTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = (t.app.server.address() as AddressInfo).port;
});
afterAll(async () => t.close());

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends bytes as they are and reads the answer until the server closes the connection. */
function raw(data: string | Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const headers = Object.fromEntries(headerLines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      if (!statusLine.startsWith('HTTP/1.1 ')) reject(new Error(`no HTTP answer: ${JSON.stringify(text.slice(0, 200))}`));
      else resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    };
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', done);
    // The server may close while we are still sending; what it answered has arrived by then.
    socket.on('error', () => {});
    socket.write(data);
  });
}

function expectCatalogued(answer: RawAnswer, status: number, code: string) {
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(answer.body);
  expect(body).toEqual({ code, message: expect.any(String), messageEn: expect.any(String), requestId: expect.any(String) });
  expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body));
  expect(answer.headers['x-request-id']).toBe(body.requestId);
  return body;
}

describe('requests refused by the HTTP parser get the documented error body', () => {
  it('431 for headers over the limit', async () => {
    const answer = await raw(`GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expectCatalogued(answer, 431, 'HEADERS_TOO_LARGE');
  });

  it('414 for a request line over the limit', async () => {
    const answer = await raw(`GET /api/health?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expectCatalogued(answer, 414, 'URI_TOO_LONG');
  });

  it('400 for a request that is not HTTP, and for a NUL in a header', async () => {
    expectCatalogued(await raw('HELLO THERE\r\n\r\n'), 400, 'BAD_HTTP_REQUEST');
    expectCatalogued(await raw('GET /api/health HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n'), 400, 'BAD_HTTP_REQUEST');
  });

  it('the same bodies for bad %-encoding and a long URL that the parser lets through', async () => {
    const bad = await raw('GET /api/cases/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'path' }], requestId: bad.headers['x-request-id'] });
    const long = await raw(`GET /api/health?q=${'a'.repeat(9000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(long.status).toBe(414);
    expect(JSON.parse(long.body)).toMatchObject({ code: 'URI_TOO_LONG' });
  });

  it('a good request on the same server still works', async () => {
    const ok = await raw('GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(ok.status).toBe(200);
  });
});
