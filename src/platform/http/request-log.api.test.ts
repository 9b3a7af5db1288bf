import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg } from '../../../test/support/images.js';
import { photosForm } from '../../../test/support/multipart.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { redactUrl } from './request-log.js';

interface LogLine {
  level: number;
  msg: string;
  req?: { method: string; url: string };
  statusCode?: number;
  err?: { message: string };
  [key: string]: unknown;
}

let t: TestApp;
const lines: LogLine[] = [];
const logText = () => lines.map((l) => JSON.stringify(l)).join('\n');

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
      callback();
    },
  });
  t = await createTestApp({ logger: pino({ level: 'debug' }, sink) });
});
afterAll(async () => t.close());

const linesFor = (path: string) => lines.filter((l) => l.req?.url.startsWith(path));

describe('request log', () => {
  it('logs a signed photo URL with its path but not its signature', async () => {
    const villager = await t.tokenFor('villager');
    const upload = await t.request({ method: 'POST', url: '/api/photos', token: villager, ...photosForm([{ name: 'a.jpg', data: await makeJpeg() }]) });
    expect(upload.statusCode, upload.body).toBe(201);
    const [photo] = upload.json().items as { id: string; url: string }[];
    const sig = new URL(photo!.url, 'http://x').searchParams.get('sig')!;
    expect(sig).toMatch(/^[A-Za-z0-9_-]{43}$/);

    expect((await t.request({ method: 'GET', url: photo!.url })).statusCode).toBe(200);
    // A tampered one is refused and logged the same way.
    const tampered = photo!.url.replace(/sig=./, (m) => (m.endsWith('A') ? 'sig=B' : 'sig=A'));
    expect((await t.request({ method: 'GET', url: tampered })).statusCode).toBe(403);

    const [served, refused] = linesFor(`/api/photos/${photo!.id}`);
    expect(served).toMatchObject({ level: 20, msg: 'request', statusCode: 200, req: { method: 'GET', url: expect.stringMatching(/&sig=\[redacted\]$/) } });
    expect(served!.req!.url).toMatch(new RegExp(`^/api/photos/${photo!.id}\\?exp=\\d+&sig=`));
    expect(refused).toMatchObject({ level: 30, msg: 'request refused', statusCode: 403 });
    expect(logText()).not.toContain(sig);
    expect(logText()).not.toContain(sig.slice(1));
  });

  it('logs one line per request: 4xx at info with the request id, success at debug', async () => {
    const missing = await t.request({ method: 'GET', url: '/api/nothing-here?token=abc123secret' });
    expect(missing.statusCode).toBe(404);
    const [line] = linesFor('/api/nothing-here');
    expect(line).toMatchObject({ level: 30, statusCode: 404, reqId: missing.headers['x-request-id'], req: { url: '/api/nothing-here?token=[redacted]' } });
    expect(logText()).not.toContain('abc123secret');
    // Fastify's own "incoming request" / "request completed" lines are off.
    expect(lines.some((l) => l.msg === 'incoming request' || l.msg === 'request completed')).toBe(false);
  });

  it('requests refused by the router are logged, redacted, too', async () => {
    await t.request({ method: 'GET', url: '/api/photos/%FF?exp=1&sig=routerSecretValue' });
    const [line] = linesFor('/api/photos/%FF');
    expect(line).toMatchObject({ level: 30, statusCode: 400, req: { url: '/api/photos/%FF?exp=1&sig=[redacted]' } });
    expect(logText()).not.toContain('routerSecretValue');
  });
});

describe('redactUrl', () => {
  it('replaces the values of sig, token, access_token and api_key, and nothing else', () => {
    expect(redactUrl('/api/audio/1?exp=99&sig=abc-_1')).toBe('/api/audio/1?exp=99&sig=[redacted]');
    expect(redactUrl('/x?token=t1&a=1&api_key=k&access_token=z#frag')).toBe('/x?token=[redacted]&a=1&api_key=[redacted]&access_token=[redacted]#frag');
    expect(redactUrl('GET /x?SIG=abc failed')).toBe('GET /x?SIG=[redacted] failed');
    expect(redactUrl('/x?design=1&mysig=2')).toBe('/x?design=1&mysig=2');
  });
});
