import { execFileSync } from 'node:child_process';
import { createECDH, createPublicKey, type ECDH, randomBytes, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { Agent, createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import webpush from 'web-push';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { ManualClock } from '../../platform/clock.js';
import { PushRepository } from './push.repository.js';
import { inQuietHours, nextLocalMinute, PushService } from './push.service.js';
import { loadOrCreateVapidKeys, WebPushTransport } from './web-push.js';

/** http_ece (web-push's own encryption library) has no type declarations. */
const ece = createRequire(import.meta.url)('http_ece') as {
  decrypt(buffer: Buffer, params: { version: 'aes128gcm'; privateKey: ECDH; authSecret: string }): Buffer;
};

/**
 * Web Push against a stand-in push service on local HTTPS: it holds the key pair and auth secret of
 * each fake browser subscription, so it decrypts what arrives, and it checks the VAPID token's
 * ES256 signature against the platform's public key. Nothing of the sending side is replaced.
 */

const SUBJECT = 'mailto:ops@shuxiang.example';
const vapid = webpush.generateVAPIDKeys();

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

interface FakeBrowser {
  path: string;
  ecdh: ECDH;
  auth: string;
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } };
}

let dir: string;
let server: Server;
let origin: string;
let agent: Agent;
const received: Received[] = [];
/** Status the stand-in answers per path (default 201 Created, as push services do). */
const statusFor = new Map<string, number>();

let clock: ManualClock;
let t: TestApp;
let push: PushService;
let seq = 0;

function browser(): FakeBrowser {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16).toString('base64url');
  const p = `/push/${seq++}`;
  return { path: p, ecdh, auth, subscription: { endpoint: `${origin}${p}`, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth } } };
}

/** The JSON the service worker would get, after checking the request like a push service. */
function open(message: Received, b: FakeBrowser) {
  const authorization = String(message.headers.authorization);
  expect(authorization.startsWith('vapid ')).toBe(true);
  const fields = Object.fromEntries(
    authorization
      .slice('vapid '.length)
      .split(',')
      .map((part) => [part.trim().slice(0, part.trim().indexOf('=')), part.trim().slice(part.trim().indexOf('=') + 1)]),
  ) as Record<string, string>;
  expect(fields.k).toBe(vapid.publicKey);
  const [header, claims, signature] = fields.t!.split('.') as [string, string, string];
  const raw = Buffer.from(vapid.publicKey, 'base64url');
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33).toString('base64url') }, format: 'jwk' });
  expect(verify('sha256', Buffer.from(`${header}.${claims}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'))).toBe(true);
  expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toMatchObject({ alg: 'ES256' });
  const jwt = JSON.parse(Buffer.from(claims, 'base64url').toString()) as { aud: string; sub: string; exp: number };
  expect(jwt.aud).toBe(origin);
  expect(jwt.sub).toBe(SUBJECT);
  expect(jwt.exp * 1000).toBeGreaterThan(Date.now());
  expect(message.headers['content-encoding']).toBe('aes128gcm');
  return JSON.parse(ece.decrypt(message.body, { version: 'aes128gcm', privateKey: b.ecdh, authSecret: b.auth }).toString('utf8')) as Record<string, unknown>;
}

/** Local wall-clock time in Shanghai (UTC+8) on a day of March 2027 (the 10th unless given). */
const local = (hhmm: string, day = 10) => new Date(`2027-03-${day}T${hhmm}:00+08:00`);

async function userIdOf(phone: string): Promise<{ id: string; token: string }> {
  const token = await t.login(phone);
  return { id: (await t.services.accounts.authenticate(token))!.actor.userId, token };
}

async function notify(userId: string, extra: { severity?: 'normal' | 'high'; url?: string; title?: string } = {}) {
  await t.db.transaction().execute((tx) =>
    t.services.notifications.notify(tx, [{ userId, kind: 'test.push', title: extra.title ?? '新事件：环境卫生', body: '第一网格：垃圾堆积', caseId: null, ...extra }]),
  );
}

async function subscribe(token: string, b: FakeBrowser) {
  const res = await t.request({ method: 'POST', url: '/api/push/subscriptions', token, payload: b.subscription });
  expect(res.statusCode, res.body).toBe(204);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'shuxiang-push-'));
  const cert = path.join(dir, 'push.crt');
  const key = path.join(dir, 'push.key');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert,
  ], { stdio: 'ignore' });
  server = createServer({ cert: readFileSync(cert), key: readFileSync(key) }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks) });
      response.writeHead(statusFor.get(request.url ?? '') ?? 201).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  agent = new Agent({ ca: readFileSync(cert) });
  clock = new ManualClock(local('10:00'));
  // The stand-in push service listens on 127.0.0.1, so the test allows that host and nothing else.
  t = await createTestApp({ clock, env: { WEB_PUSH_PUBLIC_KEY: vapid.publicKey, WEB_PUSH_PRIVATE_KEY: vapid.privateKey, WEB_PUSH_SUBJECT: SUBJECT, WEB_PUSH_ALLOWED_HOSTS: '127.0.0.1' } });
  // The app's own dispatcher, but reaching the stand-in through an agent that trusts its certificate.
  push = new PushService({
    repository: new PushRepository(t.db),
    transport: new WebPushTransport({ keys: vapid, keyFile: path.join(dir, 'unused.json'), subject: SUBJECT, agent }),
    clock,
    logger: pino({ level: 'silent' }),
    allowedHosts: ['127.0.0.1'],
  });
});

afterAll(async () => {
  await t?.close();
  agent?.destroy();
  await new Promise((resolve) => server?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  received.length = 0;
  clock.set(local('10:00'));
  // Whatever an earlier test left pending goes out (or is dropped) before this one starts counting.
  await push.dispatch();
  received.length = 0;
});

describe('Web Push', () => {
  it('pushes a committed notification once, encrypted for the browser and signed with the VAPID key', async () => {
    const grid = await userIdOf('13800000004');
    const status = await t.request({ method: 'GET', url: '/api/push', token: grid.token });
    expect(status.json()).toEqual({ publicKey: vapid.publicKey, subscriptions: 0 });
    const phone = browser();
    await subscribe(grid.token, phone);
    expect((await t.request({ method: 'GET', url: '/api/push', token: grid.token })).json().subscriptions).toBe(1);

    // Not visible to the dispatcher until the transaction has committed.
    await t.db.transaction().execute(async (tx) => {
      await t.services.notifications.notify(tx, [{ userId: grid.id, kind: 'case.new', title: '新事件：环境卫生', body: '第一网格：垃圾堆积', caseId: null, url: '/h5/cases/abc' }]);
      expect(await push.dispatch()).toBe(0);
    });
    expect(received).toHaveLength(0);

    expect(await push.dispatch()).toBe(1);
    expect(received.map((r) => r.path)).toEqual([phone.path]);
    const message = received[0]!;
    expect(message.headers.ttl).toBe(String(24 * 3600));
    expect(message.headers.urgency).toBe('normal');
    expect(open(message, phone)).toMatchObject({ kind: 'case.new', title: '新事件：环境卫生', body: '第一网格：垃圾堆积', url: '/h5/cases/abc', severity: 'normal' });
    const row = await t.db.selectFrom('web_push_subscriptions').select(['last_ok_at', 'user_id']).where('endpoint', '=', phone.subscription.endpoint).executeTakeFirstOrThrow();
    expect(row).toEqual({ last_ok_at: clock.now(), user_id: grid.id });

    // Sent once: the next pass finds nothing.
    expect(await push.dispatch()).toBe(0);
    expect(received).toHaveLength(1);

    // A rolled-back notification never leaves.
    await expect(
      t.db.transaction().execute(async (tx) => {
        await t.services.notifications.notify(tx, [{ userId: grid.id, kind: 'case.new', title: '撤回', body: '撤回', caseId: null }]);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await push.dispatch()).toBe(0);
    expect(received).toHaveLength(1);
  });

  it('holds normal notifications back during quiet hours until they end, and lets high severity through', async () => {
    const cadre = await userIdOf('13800000002');
    const phone = browser();
    await subscribe(cadre.token, phone);
    clock.set(local('23:30'));
    await notify(cadre.id, { title: '普通通知' });
    await notify(cadre.id, { title: '溺水告警', severity: 'high', url: '/h5/alarms/1' });
    expect(await push.dispatch()).toBe(1);
    expect(received).toHaveLength(1);
    const alarm = open(received[0]!, phone);
    expect(alarm).toMatchObject({ title: '溺水告警', severity: 'high', url: '/h5/alarms/1' });
    expect(received[0]!.headers.urgency).toBe('high');

    clock.set(local('06:59', 11));
    expect(await push.dispatch()).toBe(0);
    clock.set(local('07:00', 11));
    expect(await push.dispatch()).toBe(1);
    expect(received).toHaveLength(2);
    expect(open(received[1]!, phone)).toMatchObject({ title: '普通通知', severity: 'normal', url: '/h5/' });
  });

  it('follows the person’s own quiet hours, and sends nothing when they turned push off', async () => {
    const secretary = await userIdOf('13800000003');
    const phone = browser();
    await subscribe(secretary.token, phone);
    const defaults = await t.request({ method: 'GET', url: '/api/notification-preferences', token: secretary.token });
    expect(defaults.json()).toEqual({ push: true, smsMustNotMiss: true, quietStart: '22:00', quietEnd: '07:00' });

    const noon = await t.request({ method: 'PUT', url: '/api/notification-preferences', token: secretary.token, payload: { push: true, smsMustNotMiss: false, quietStart: '12:00', quietEnd: '14:00' } });
    expect(noon.json()).toEqual({ push: true, smsMustNotMiss: false, quietStart: '12:00', quietEnd: '14:00' });
    expect(await push.wantSms([secretary.id])).toEqual([]);
    clock.set(local('12:30'));
    await notify(secretary.id);
    expect(await push.dispatch()).toBe(0);
    clock.set(local('14:00'));
    expect(await push.dispatch()).toBe(1);

    const off = await t.request({ method: 'PUT', url: '/api/notification-preferences', token: secretary.token, payload: { push: false, smsMustNotMiss: true, quietStart: '22:00', quietEnd: '07:00' } });
    expect(off.statusCode).toBe(200);
    await notify(secretary.id, { severity: 'high' });
    expect(await push.dispatch()).toBe(0);
    expect(received).toHaveLength(1);
    const pending = await t.db.selectFrom('notifications').select('id').where('user_id', '=', secretary.id).where('push_state', '=', 'pending').execute();
    expect(pending).toEqual([]);

    const bad = await t.request({ method: 'PUT', url: '/api/notification-preferences', token: secretary.token, payload: { push: true, smsMustNotMiss: true, quietStart: '24:00', quietEnd: '07:00' } });
    expect(bad.statusCode).toBe(400);
  });

  it('removes a subscription the push service answers 410 Gone for, keeps one that failed otherwise', async () => {
    const staff = await userIdOf('13800000001');
    const gone = browser();
    const flaky = browser();
    await subscribe(staff.token, gone);
    await subscribe(staff.token, flaky);
    statusFor.set(gone.path, 410);
    statusFor.set(flaky.path, 500);
    await notify(staff.id);
    expect(await push.dispatch()).toBe(0);
    expect(received.map((r) => r.path).sort()).toEqual([gone.path, flaky.path].sort());
    const left = await t.db.selectFrom('web_push_subscriptions').select(['endpoint', 'last_failed_at', 'last_error']).where('user_id', '=', staff.id).execute();
    expect(left).toEqual([{ endpoint: flaky.subscription.endpoint, last_failed_at: clock.now(), last_error: expect.stringContaining('HTTP 500') }]);
  });

  it('unsubscribes only the caller’s own browser', async () => {
    const villager = await userIdOf('13800000005');
    const other = await userIdOf('13800000006');
    const phone = browser();
    await subscribe(villager.token, phone);
    const foreign = await t.request({ method: 'DELETE', url: '/api/push/subscriptions', token: other.token, payload: { endpoint: phone.subscription.endpoint } });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().code).toBe('PUSH_SUBSCRIPTION_NOT_FOUND');
    const own = await t.request({ method: 'DELETE', url: '/api/push/subscriptions', token: villager.token, payload: { endpoint: phone.subscription.endpoint } });
    expect(own.statusCode).toBe(204);
    expect((await t.request({ method: 'GET', url: '/api/push', token: villager.token })).json().subscriptions).toBe(0);
    const plain = await t.request({ method: 'POST', url: '/api/push/subscriptions', token: villager.token, payload: { ...phone.subscription, endpoint: 'http://127.0.0.1/push' } });
    expect(plain.statusCode).toBe(400);
    // Only the configured push services: an endpoint inside the network (or anywhere else) is refused.
    for (const endpoint of ['https://10.0.0.5/push', 'https://fcm.googleapis.com.evil.example/push', 'https://localhost/push']) {
      const refused = await t.request({ method: 'POST', url: '/api/push/subscriptions', token: villager.token, payload: { ...phone.subscription, endpoint } });
      expect(refused.statusCode, endpoint).toBe(400);
      expect(refused.json().details[0].field).toBe('body.endpoint');
    }
  });
});

describe('VAPID keys and quiet hours', () => {
  it('makes the key pair once in the data folder and reads the same pair again', () => {
    const file = path.join(dir, 'data', 'web-push-vapid.json');
    const first = loadOrCreateVapidKeys(file);
    expect(first.publicKey).toMatch(/^[A-Za-z0-9_-]{87}$/);
    expect(first.privateKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateVapidKeys(file)).toEqual(first);
  });

  it('computes quiet hours across midnight in China time', () => {
    const night = { quietStart: 22 * 60, quietEnd: 7 * 60 };
    expect(inQuietHours(night, local('21:59'))).toBe(false);
    expect(inQuietHours(night, local('22:00'))).toBe(true);
    expect(inQuietHours(night, local('03:00'))).toBe(true);
    expect(inQuietHours(night, local('07:00'))).toBe(false);
    expect(inQuietHours({ quietStart: 600, quietEnd: 600 }, local('10:00'))).toBe(false);
    expect(nextLocalMinute(7 * 60, new Date('2027-03-10T23:30:30+08:00'))).toEqual(local('07:00', 11));
    expect(nextLocalMinute(7 * 60, local('03:00'))).toEqual(local('07:00'));
  });
});
