/**
 * An outside probe against a running instance: replays the findings of issue #24 as an attacker
 * would, one line per check (PASS / FAIL / SKIP), and exits 1 on any FAIL.
 *
 *   npm run security:probe -- --url http://127.0.0.1:8080 [--phone 13800000001 --password …] [--mqtt 127.0.0.1:1883]
 *
 * --phone/--password: a demo account for the checks that need a session (its password is not
 * changed when the server behaves). --village: a village code for the public archive (default
 * the demo's 西阳邱村). --only: comma-separated check ids. For a self-signed HTTPS certificate run
 * with NODE_TLS_REJECT_UNAUTHORIZED=0.
 */
import { randomInt } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export interface ProbeOptions {
  url: string;
  phone?: string;
  password?: string;
  /** host:port of the MQTT broker. */
  mqtt?: string;
  village?: string;
  /** Failed logins from this address before the real one (the old limit was 50 per IP). */
  loginFailures?: number;
  only?: string[];
}

export interface CheckResult {
  id: string;
  name: string;
  outcome: 'PASS' | 'FAIL' | 'SKIP';
  detail: string;
}

class Skip extends Error {}
class Fail extends Error {}

interface Answer {
  /** Where the answer came from, after redirects. */
  url?: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

const SECURITY_HEADERS = ['content-security-policy', 'x-frame-options', 'referrer-policy', 'x-content-type-options', 'permissions-policy'];

class Probe {
  readonly base: URL;

  constructor(readonly options: ProbeOptions) {
    this.base = new URL(options.url);
  }

  async http(method: string, path: string, init: { json?: unknown; token?: string; follow?: boolean } = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (init.json !== undefined) headers['content-type'] = 'application/json';
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    const res = await fetch(new URL(path, this.base), {
      method,
      headers,
      body: init.json === undefined ? undefined : JSON.stringify(init.json),
      redirect: init.follow ? 'follow' : 'manual',
      signal: AbortSignal.timeout(30_000),
    });
    return { url: res.url, status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
  }

  /** Bytes exactly as given (no client normalises or refuses them), the answer read until the server closes. */
  raw(data: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const port = Number(this.base.port || (this.base.protocol === 'https:' ? 443 : 80));
      const socket =
        this.base.protocol === 'https:'
          ? tls.connect({ host: this.base.hostname, port, servername: this.base.hostname })
          : net.connect(port, this.base.hostname);
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => socket.destroy(new Error('no answer within 10 s')), 10_000);
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      // The server may close while we still send; what it answered has arrived by then.
      socket.on('error', (error) => {
        if (chunks.length === 0) reject(error);
      });
      socket.on('close', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        const split = text.indexOf('\r\n\r\n');
        const [statusLine = '', ...lines] = text.slice(0, split < 0 ? text.length : split).split('\r\n');
        const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
        if (!match) return reject(new Error(`no HTTP answer (${JSON.stringify(text.slice(0, 80))})`));
        const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
        resolve({ status: Number(match[1]), headers, body: split < 0 ? '' : text.slice(split + 4) });
      });
      socket.write(data);
    });
  }

  async login(): Promise<string> {
    const { phone, password } = this.options;
    if (!phone || !password) throw new Skip('give --phone and --password of a demo account');
    const res = await this.http('POST', '/api/auth/login', { json: { phone, password } });
    if (res.status !== 200) throw new Skip(`cannot log in as ${phone}: ${res.status} ${res.body.slice(0, 120)}`);
    return (JSON.parse(res.body) as { token: string }).token;
  }
}

const json = (answer: Answer): unknown => {
  try {
    return JSON.parse(answer.body);
  } catch {
    return undefined;
  }
};

/** The platform's documented error body: `{code, message, messageEn, requestId}` with this status. */
function expectCatalogued(answer: Answer, status: number, code?: string): Record<string, unknown> {
  const body = json(answer) as Record<string, unknown> | undefined;
  const shaped = !!body && typeof body.code === 'string' && typeof body.message === 'string' && typeof body.messageEn === 'string' && typeof body.requestId === 'string';
  if (answer.status !== status || !shaped || (code && body!.code !== code)) {
    throw new Fail(`expected ${status}${code ? ` ${code}` : ''} with {code, message, messageEn, requestId}; got ${answer.status} ${answer.body.slice(0, 120)}`);
  }
  return body!;
}

function expectNamesField(body: Record<string, unknown>, field: string): void {
  const fields = Array.isArray(body.details) ? (body.details as { field?: string }[]).map((d) => d.field) : [];
  if (!fields.includes(field)) throw new Fail(`the answer does not name ${field} (named: ${fields.join(', ') || 'nothing'})`);
}

/** Open311 answers errors in its standard's shape, `[{code, description}]`. */
function expectOpen311Refusal(answer: Answer, field: string): string {
  const body = json(answer) as { code?: number; description?: string }[] | undefined;
  if (answer.status !== 400 || !Array.isArray(body) || body[0]?.code !== 400) throw new Fail(`expected 400 [{code: 400, …}]; got ${answer.status} ${answer.body.slice(0, 120)}`);
  if (!body[0].description?.includes(field)) throw new Fail(`the description does not name ${field}: ${body[0].description}`);
  return `400, ${body[0].description}`;
}

function expectHeaders(answer: Answer): string {
  const missing = SECURITY_HEADERS.filter((h) => !answer.headers[h]);
  if (answer.headers['x-content-type-options'] && answer.headers['x-content-type-options'] !== 'nosniff') missing.push('x-content-type-options: nosniff');
  if (missing.length > 0) throw new Fail(`missing: ${missing.join(', ')}`);
  return `all of ${SECURITY_HEADERS.join(', ')}`;
}

const randomPhone = () => `199${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;

/** MQTT's remaining length: 7 bits a byte, low first, the high bit saying "more". */
function mqttLength(length: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = length % 128;
    length = Math.floor(length / 128);
    if (length > 0) byte |= 0x80;
    bytes.push(byte);
  } while (length > 0);
  return bytes;
}

interface Check {
  id: string;
  name: string;
  run(probe: Probe): Promise<string>;
}

export const checks: Check[] = [
  {
    id: 'headers-page',
    name: 'security headers on a page',
    run: async (p) => {
      const res = await p.http('GET', '/', { follow: true });
      return `${res.status} ${new URL(res.url ?? '/', p.base).pathname}: ${expectHeaders(res)}`;
    },
  },
  {
    id: 'headers-api',
    name: 'security headers on an API answer',
    run: async (p) => expectHeaders(await p.http('GET', '/api/health')),
  },
  {
    id: 'nul-open311-path',
    name: 'NUL in the Open311 service code (path) is refused, not a 500',
    run: async (p) => expectOpen311Refusal(await p.http('GET', '/open311/v2/services/a%00b.json'), 'service_code'),
  },
  {
    id: 'nul-open311-query',
    name: 'NUL in the Open311 service_code query is refused, not a 500',
    run: async (p) => expectOpen311Refusal(await p.http('GET', '/open311/v2/requests.json?service_code=a%00b'), 'service_code'),
  },
  {
    id: 'nul-public-notices',
    name: 'NUL in the public notices’ search q is refused, not a 500',
    run: async (p) => {
      const body = expectCatalogued(await p.http('GET', `/api/public/notices?village=${p.options.village}&q=a%00b`), 400, 'VALIDATION_FAILED');
      expectNamesField(body, 'querystring.q');
      return '400 VALIDATION_FAILED naming querystring.q';
    },
  },
  {
    id: 'bad-encoding-path',
    name: 'bad %-encoding in the path: documented 400 body',
    run: async (p) => {
      expectCatalogued(await p.raw(`GET /api/cases/%E0%A4%A HTTP/1.1\r\nHost: ${p.base.host}\r\nConnection: close\r\n\r\n`), 400);
      return '400 {code, message, messageEn, requestId}';
    },
  },
  {
    id: 'bad-encoding-query',
    name: 'bad %-encoding or invalid UTF-8 in the query: documented 400 body',
    run: async (p) => {
      for (const q of ['%E0%A4%A', '%FF']) {
        const body = expectCatalogued(await p.http('GET', `/api/public/notices?village=${p.options.village}&q=${q}`), 400, 'VALIDATION_FAILED');
        expectNamesField(body, 'querystring.q');
      }
      return '400 VALIDATION_FAILED naming querystring.q';
    },
  },
  {
    id: 'uri-too-long',
    name: 'URI too long: documented 414 body',
    run: async (p) => {
      expectCatalogued(await p.http('GET', `/api/cases/${'a'.repeat(200)}`), 414);
      expectCatalogued(await p.raw(`GET /api/health?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: ${p.base.host}\r\n\r\n`), 414);
      return 'a long path parameter and a 20 kB request line: 414 {code, message, messageEn, requestId}';
    },
  },
  {
    id: 'headers-too-large',
    name: 'request headers too large: documented 431 body',
    run: async (p) => {
      expectCatalogued(await p.raw(`GET /api/health HTTP/1.1\r\nHost: ${p.base.host}\r\nX-Probe: ${'a'.repeat(20_000)}\r\n\r\n`), 431);
      return '431 {code, message, messageEn, requestId}';
    },
  },
  {
    id: 'signed-url-tamper',
    name: 'tampered signed URLs are refused',
    run: async (p) => {
      const token = await p.login();
      const spoken = await p.http('POST', '/api/read-aloud', { token, json: { text: '数乡安全检查' } });
      if (spoken.status !== 200) throw new Skip(`no signed URL to tamper with (read-aloud: ${spoken.status})`);
      const url = new URL((JSON.parse(spoken.body) as { url: string }).url, p.base);
      const local = `${url.pathname}${url.search}`;
      const original = await p.http('GET', local);
      if (original.status !== 200) throw new Fail(`the untouched URL does not work (${original.status}), so refusals prove nothing`);
      const sig = url.searchParams.get('sig') ?? '';
      const exp = Number(url.searchParams.get('exp'));
      const variants = {
        'one character of the signature': local.replace(`sig=${sig}`, `sig=${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`),
        'a later expiry': local.replace(`exp=${exp}`, `exp=${exp + 86_400}`),
        // The signature of one file on another file's path (the id's last hex digit changed).
        'another file': `${url.pathname.replace(/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{11})([0-9a-f])/, (_m, head: string, last: string) => `${head}${last === '0' ? '1' : '0'}`)}${url.search}`,
        'no signature': `${url.pathname}?exp=${exp}`,
      };
      for (const [what, tampered] of Object.entries(variants)) {
        if (tampered === local) throw new Fail(`cannot make "${what}" from ${url.pathname}`);
        const res = await p.http('GET', tampered);
        if (res.status !== 403 && res.status !== 404) throw new Fail(`${what}: ${res.status} (expected 403)`);
      }
      return `${Object.keys(variants).join(', ')}: refused`;
    },
  },
  {
    id: 'weak-password',
    name: 'a weak new password is refused',
    run: async (p) => {
      const token = await p.login();
      const weak = '12345678';
      const res = await p.http('POST', '/api/auth/password', { token, json: { currentPassword: p.options.password, newPassword: weak } });
      if (res.status >= 200 && res.status < 300) {
        // Accepted: put the old password back, or say that it could not be.
        const again = await p.http('POST', '/api/auth/login', { json: { phone: p.options.phone, password: weak } });
        const newToken = again.status === 200 ? (JSON.parse(again.body) as { token: string }).token : '';
        const back = await p.http('POST', '/api/auth/password', { token: newToken, json: { currentPassword: weak, newPassword: p.options.password } });
        throw new Fail(`"${weak}" was accepted (${res.status}); ${back.status < 300 ? 'the old password is restored' : `THE PASSWORD IS NOW ${weak}`}`);
      }
      if (res.status >= 500) throw new Fail(`${res.status} ${res.body.slice(0, 120)}`);
      return `${res.status} ${String((json(res) as { code?: string } | undefined)?.code)}`;
    },
  },
  {
    id: 'password-reuse',
    name: 'the current password cannot be the new one',
    run: async (p) => {
      const token = await p.login();
      const res = await p.http('POST', '/api/auth/password', { token, json: { currentPassword: p.options.password, newPassword: p.options.password } });
      if (res.status < 400 || res.status >= 500) throw new Fail(`${res.status} ${res.body.slice(0, 120)}`);
      return `${res.status} ${String((json(res) as { code?: string } | undefined)?.code)}`;
    },
  },
  {
    id: 'login-lockout',
    name: 'failed logins from one address do not lock out another phone',
    run: async (p) => {
      if (!p.options.phone || !p.options.password) throw new Skip('give --phone and --password of a demo account');
      const failures = p.options.loginFailures ?? 60;
      let refused = 0;
      for (let done = 0; done < failures; done += 10) {
        const batch = Array.from({ length: Math.min(10, failures - done) }, () =>
          p.http('POST', '/api/auth/login', { json: { phone: randomPhone(), password: 'wrong-password-1' } }),
        );
        refused += (await Promise.all(batch)).filter((r) => r.status === 401 || r.status === 429).length;
      }
      const res = await p.http('POST', '/api/auth/login', { json: { phone: p.options.phone, password: p.options.password } });
      if (res.status !== 200) throw new Fail(`after ${failures} failed logins for other phones, ${p.options.phone} gets ${res.status} ${res.body.slice(0, 120)}`);
      return `${failures} failed logins for other phones (${refused} refused as expected), then ${p.options.phone}: 200`;
    },
  },
  {
    id: 'mqtt-oversize',
    name: 'an MQTT CONNECT announcing 250 MB is disconnected',
    run: async (p) => {
      if (!p.options.mqtt) throw new Skip('give --mqtt host:port');
      const [host = '127.0.0.1', port = '1883'] = p.options.mqtt.split(':');
      const announced = 250 * 1024 * 1024;
      return new Promise<string>((resolve, reject) => {
        const socket = net.connect(Number(port), host);
        const started = Date.now();
        const timer = setTimeout(() => {
          socket.destroy();
          reject(new Fail(`still connected after 5 s: the broker waits for (and buffers) ${announced} bytes`));
        }, 5000);
        socket.on('connect', () => socket.write(Buffer.from([0x10, ...mqttLength(announced), 0x00, 0x04, ...Buffer.from('MQTT')])));
        socket.on('error', (error) => {
          if (!socket.connecting) return;
          clearTimeout(timer);
          reject(new Fail(`cannot connect to ${p.options.mqtt}: ${error.message}`));
        });
        socket.on('close', () => {
          clearTimeout(timer);
          resolve(`closed after ${Date.now() - started} ms`);
        });
      });
    },
  },
];

export async function runProbe(options: ProbeOptions): Promise<CheckResult[]> {
  const probe = new Probe({ ...options, village: options.village ?? '130631202206' });
  const results: CheckResult[] = [];
  for (const check of checks) {
    if (options.only && !options.only.includes(check.id)) continue;
    try {
      results.push({ id: check.id, name: check.name, outcome: 'PASS', detail: await check.run(probe) });
    } catch (error) {
      const outcome = error instanceof Skip ? 'SKIP' : 'FAIL';
      results.push({ id: check.id, name: check.name, outcome, detail: error instanceof Error ? error.message : String(error) });
    }
  }
  return results;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: 'http://127.0.0.1:8080' },
      phone: { type: 'string' },
      password: { type: 'string' },
      mqtt: { type: 'string' },
      village: { type: 'string' },
      'login-failures': { type: 'string' },
      only: { type: 'string' },
    },
  });
  const results = await runProbe({
    url: values.url,
    phone: values.phone,
    password: values.password,
    mqtt: values.mqtt,
    village: values.village,
    loginFailures: values['login-failures'] ? Number(values['login-failures']) : undefined,
    only: values.only?.split(','),
  });
  for (const r of results) console.log(`${r.outcome}  ${r.id.padEnd(20)} ${r.name} — ${r.detail}`);
  const failed = results.filter((r) => r.outcome === 'FAIL').length;
  console.log(`\n${results.length - failed} of ${results.length} checks did not fail${failed ? `; ${failed} FAILED` : ''}`);
  process.exitCode = failed > 0 ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 2;
  });
}
