import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureSms } from '../../../test/support/sms-capture.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

/**
 * The WeChat entry against a local stand-in for WeChat's two documented web-page OAuth2 endpoints:
 * GET /connect/oauth2/authorize (sends the browser back to redirect_uri with code and state) and
 * GET /sns/oauth2/access_token (code → openid; errors as {errcode, errmsg}; a code works once).
 */
const APP_ID = 'wx0123456789abcdef';
const APP_SECRET = 'stand-in-secret-0123456789abcdef';
const PUBLIC_URL = 'http://shuxiang.test';
const VILLAGER = '13800000005';
const GRID = '13800000004';

interface StandIn {
  base: string;
  /** The WeChat user now "in" the official account: whose openid the next code stands for. */
  openid: string;
  /** Makes the access_token endpoint answer this error body once. */
  failNext?: { errcode: number; errmsg: string };
  tokenRequests: URLSearchParams[];
  close(): Promise<void>;
}

async function startStandIn(): Promise<StandIn> {
  const codes = new Map<string, { openid: string; used: boolean }>();
  const standIn = { openid: '', tokenRequests: [] as URLSearchParams[] } as unknown as StandIn;
  const json = (res: import('node:http').ServerResponse, body: unknown) => {
    // WeChat answers its errors with HTTP 200 and a JSON body.
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const q = url.searchParams;
    if (url.pathname === '/connect/oauth2/authorize') {
      if (q.get('appid') !== APP_ID || q.get('response_type') !== 'code' || q.get('scope') !== 'snsapi_base' || !q.get('redirect_uri')) {
        res.writeHead(400).end('invalid request');
        return;
      }
      const code = randomBytes(16).toString('hex');
      codes.set(code, { openid: standIn.openid, used: false });
      const back = new URL(q.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state') ?? '');
      res.writeHead(302, { location: back.toString() }).end();
      return;
    }
    if (url.pathname === '/sns/oauth2/access_token') {
      standIn.tokenRequests.push(q);
      if (standIn.failNext) {
        const body = standIn.failNext;
        standIn.failNext = undefined;
        return json(res, body);
      }
      if (q.get('appid') !== APP_ID || q.get('secret') !== APP_SECRET) return json(res, { errcode: 40125, errmsg: 'invalid appsecret' });
      if (q.get('grant_type') !== 'authorization_code') return json(res, { errcode: 40002, errmsg: 'invalid grant_type' });
      const issued = codes.get(q.get('code') ?? '');
      if (!issued) return json(res, { errcode: 40029, errmsg: 'invalid code' });
      if (issued.used) return json(res, { errcode: 40163, errmsg: 'code been used' });
      issued.used = true;
      return json(res, { access_token: 'ACCESS', expires_in: 7200, refresh_token: 'REFRESH', openid: issued.openid, scope: 'snsapi_base' });
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  standIn.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  standIn.close = () => new Promise((resolve) => server.close(() => resolve()));
  return standIn;
}

const sms = captureSms();
let t: TestApp;
let wechat: StandIn;

beforeAll(async () => {
  wechat = await startStandIn();
  t = await createTestApp({
    logger: sms.logger,
    env: { WECHAT_APP_ID: APP_ID, WECHAT_APP_SECRET: APP_SECRET, PUBLIC_URL, WECHAT_OAUTH_BASE_URL: wechat.base, WECHAT_API_BASE_URL: wechat.base },
  });
});
afterAll(async () => {
  await t?.close();
  await wechat?.close();
});

/** name=value of each cookie the answer sets. */
function cookiesOf(res: { headers: Record<string, unknown> }): Record<string, string> {
  const raw = res.headers['set-cookie'];
  const lines = Array.isArray(raw) ? raw : raw ? [String(raw)] : [];
  return Object.fromEntries(lines.map((line: string) => line.split(';')[0]!.split('=') as [string, string]).map(([k, ...v]) => [k, v.join('=')]));
}

/** Opens the menu link as WeChat's browser would: start → WeChat (stand-in) → callback, keeping the cookies. */
async function enter(openid: string, tamper?: (callback: URL, cookie: string) => { url: URL; cookie: string }) {
  wechat.openid = openid;
  const start = await t.request({ method: 'GET', url: '/api/auth/wechat/start' });
  expect(start.statusCode).toBe(302);
  const location = String(start.headers.location);
  expect(location.startsWith(`${wechat.base}/connect/oauth2/authorize?appid=${APP_ID}&redirect_uri=`)).toBe(true);
  expect(location.endsWith('&response_type=code&scope=snsapi_base&state=' + cookiesOf(start).shuxiang_wechat_state + '#wechat_redirect')).toBe(true);
  const authorized = await fetch(location.replace(/#.*$/, ''), { redirect: 'manual' });
  expect(authorized.status).toBe(302);
  let callback = new URL(authorized.headers.get('location')!);
  expect(`${callback.origin}${callback.pathname}`).toBe(`${PUBLIC_URL}/api/auth/wechat/callback`);
  let cookie = `shuxiang_wechat_state=${cookiesOf(start).shuxiang_wechat_state}`;
  if (tamper) ({ url: callback, cookie } = tamper(callback, cookie));
  return t.request({ method: 'GET', url: `${callback.pathname}${callback.search}`, headers: { cookie } });
}

async function smsLogin(phone: string, cookie?: string) {
  const ask = await t.request({ method: 'POST', url: '/api/auth/sms-code', payload: { phone } });
  expect(ask.statusCode, ask.body).toBe(200);
  const code = await sms.nextCode(phone);
  return t.request({ method: 'POST', url: '/api/auth/login/sms', payload: { phone, code }, headers: cookie ? { cookie } : {} });
}

const bindingOf = (token: string) => t.request({ method: 'GET', url: '/api/auth/wechat/binding', token });

describe('WeChat entry', () => {
  const openid = 'oVillager_0000000000000001';

  it('sends an unknown openid to the SMS sign-in, which binds it', async () => {
    const back = await enter(openid);
    expect(back.statusCode).toBe(302);
    expect(back.headers.location).toBe('/h5/login?wechat=bind');
    const cookies = cookiesOf(back);
    expect(cookies.shuxiang_session).toBeUndefined();
    expect(cookies.shuxiang_wechat_state).toBe('');
    expect(cookies.shuxiang_wechat_pending).toMatch(new RegExp(`^${openid}\\.`));
    expect(String(back.headers['set-cookie'])).toMatch(/shuxiang_wechat_pending=[^;]+; Max-Age=600; Path=\/api\/auth; HttpOnly; SameSite=Lax/);
    // The token request carried the documented parameters.
    const request = wechat.tokenRequests.at(-1)!;
    expect(Object.fromEntries(request)).toMatchObject({ appid: APP_ID, secret: APP_SECRET, grant_type: 'authorization_code' });

    const login = await smsLogin(VILLAGER, `shuxiang_wechat_pending=${cookies.shuxiang_wechat_pending}`);
    expect(login.statusCode, login.body).toBe(200);
    expect(cookiesOf(login).shuxiang_wechat_pending).toBe('');
    const rows = await t.db.selectFrom('wechat_bindings').select(['user_id', 'app_id', 'openid']).execute();
    expect(rows).toEqual([{ user_id: login.json().user.id, app_id: APP_ID, openid }]);
    const binding = await bindingOf(login.json().token);
    expect(binding.json()).toMatchObject({ enabled: true, bound: true });
  });

  it('signs a bound openid in silently', async () => {
    const back = await enter(openid);
    expect(back.statusCode).toBe(302);
    expect(back.headers.location).toBe('/h5/login?wechat=signed-in');
    const session = cookiesOf(back).shuxiang_session!;
    expect(session).toMatch(/^[\w-]{40,}$/);
    const me = await t.request({ method: 'GET', url: '/api/auth/me', headers: { cookie: `shuxiang_session=${session}` } });
    expect(me.statusCode).toBe(200);
    expect(me.json().user.phone).toBe(VILLAGER);
    const logins = await t.db.selectFrom('audit_events').select(['details']).where('action', '=', 'auth.login').execute();
    expect(logins.filter((l) => (l.details as { via?: string }).via === 'wechat')).toHaveLength(1);
  });

  it('refuses a state that is not the browser’s own, without asking WeChat for the openid', async () => {
    const asked = wechat.tokenRequests.length;
    for (const tamper of [
      (url: URL) => ({ url, cookie: 'shuxiang_wechat_state=someone-elses-state-value-000000' }),
      (url: URL) => ({ url, cookie: '' }),
      (url: URL, cookie: string) => {
        url.searchParams.set('state', 'x'.repeat(32));
        return { url, cookie };
      },
    ]) {
      const back = await enter(openid, tamper);
      expect(back.statusCode).toBe(302);
      expect(back.headers.location).toBe('/h5/login?wechat_error=WECHAT_STATE_MISMATCH');
      expect(cookiesOf(back).shuxiang_session).toBeUndefined();
    }
    expect(wechat.tokenRequests.length).toBe(asked);
  });

  it('turns WeChat’s error answers into a clear refusal', async () => {
    wechat.failNext = { errcode: -1, errmsg: 'system error' };
    const busy = await enter(openid);
    expect(busy.headers.location).toBe('/h5/login?wechat_error=WECHAT_UNAVAILABLE');
    expect(cookiesOf(busy).shuxiang_session).toBeUndefined();

    // A code replayed (WeChat's 40163 "code been used"): the second use signs nobody in.
    let replay: { url: URL; cookie: string } | undefined;
    const first = await enter(openid, (url, cookie) => (replay = { url, cookie }));
    expect(first.headers.location).toBe('/h5/login?wechat=signed-in');
    const again = await t.request({ method: 'GET', url: `${replay!.url.pathname}${replay!.url.search}`, headers: { cookie: replay!.cookie } });
    expect(again.headers.location).toBe('/h5/login?wechat_error=WECHAT_UNAVAILABLE');
    expect(cookiesOf(again).shuxiang_session).toBeUndefined();
    expect(wechat.tokenRequests.at(-1)!.get('code')).toBe(replay!.url.searchParams.get('code'));
  });

  it('unbinds in 我的: the next entry asks for the SMS code again', async () => {
    const token = await t.login(VILLAGER);
    expect((await t.request({ method: 'DELETE', url: '/api/auth/wechat/binding', token })).statusCode).toBe(204);
    expect((await bindingOf(token)).json()).toMatchObject({ enabled: true, bound: false, boundAt: null });
    const again = await t.request({ method: 'DELETE', url: '/api/auth/wechat/binding', token });
    expect(again.statusCode).toBe(404);
    expect(again.json().code).toBe('WECHAT_NOT_BOUND');
    const back = await enter(openid);
    expect(back.headers.location).toBe('/h5/login?wechat=bind');
    expect(await t.db.selectFrom('wechat_bindings').selectAll().execute()).toHaveLength(0);
    const audit = await t.db.selectFrom('audit_events').select('action').where('action', 'in', ['auth.wechat_bind', 'auth.wechat_unbind']).execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['auth.wechat_bind', 'auth.wechat_unbind']);
  });

  it('binds nothing for a forged or altered pending cookie', async () => {
    const back = await enter('oGrid_00000000000000000002');
    const pending = cookiesOf(back).shuxiang_wechat_pending!;
    const [, expires, mac] = pending.split('.');
    const login = await smsLogin(GRID, `shuxiang_wechat_pending=oSomeoneElse_000000000003.${expires}.${mac}`);
    expect(login.statusCode).toBe(200);
    expect(await t.db.selectFrom('wechat_bindings').selectAll().execute()).toHaveLength(0);
  });
});
