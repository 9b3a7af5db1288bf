import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

/**
 * End-to-end: the real `shuxiang` CLI as a child process, with its own embedded PostgreSQL in a
 * temporary data folder — start-up, the data-folder lock, clean shutdown, restart on kept data,
 * production mode with a first administrator, and refusals (demo data in production, bad config).
 */

const repoRoot = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const cli = path.join(repoRoot, 'src/cli/shuxiang.ts');
const STEP_TIMEOUT = 240_000;
const DEMO_PASSWORD = 'shuxiang-demo';
const TOWNSHIP_STAFF = '13800000001';

// Variables the config reads; the children get only what each step sets (the suite itself may
// run with DATABASE_URL pointing at a shared server, which must not leak into these processes).
const configVars = [
  'PORT',
  'HOST',
  'TRUST_PROXY',
  'SHUXIANG_DATA_DIR',
  'DATABASE_URL',
  'EMBEDDED_PG_PORT',
  'DATABASE_POOL_SIZE',
  'SHUXIANG_DEMO',
  'SHUXIANG_DEMO_PUBLIC',
  'HTTPS_CERT_FILE',
  'HTTPS_KEY_FILE',
  'LOG_LEVEL',
  'SESSION_STAFF_IDLE_MINUTES',
  'SESSION_STAFF_TTL_HOURS',
  'SESSION_STAFF_MAX_CONCURRENT',
  'SESSION_PHONE_IDLE_MINUTES',
  'SESSION_PHONE_TTL_HOURS',
  'PASSWORD_MAX_AGE_DAYS',
  'LOGIN_WINDOW_MINUTES',
  'LOGIN_MAX_FAILURES_PER_PHONE_IP',
  'LOGIN_MAX_FAILURES_PER_PHONE',
  'LOGIN_MAX_FAILURES_PER_IP',
  'LOGIN_SLOWDOWN_AFTER_FAILURES',
  'LOGIN_SLOWDOWN_MS',
  'SHUTDOWN_GRACE_SECONDS',
  'MQTT_PORT',
  'MQTT_HOST',
  'MQTT_TLS_CERT_FILE',
  'MQTT_TLS_KEY_FILE',
  'MQTT_TLS_PORT',
  'MQTT_MAX_PACKET_BYTES',
  'MQTT_MAX_PENDING_CONNECTIONS_PER_IP',
  'MQTT_MAX_PENDING_CONNECTIONS',
  'MQTT_CONNECT_TIMEOUT_SECONDS',
  'AUDIT_RETENTION_DAYS',
  'MQTT_URL',
  'MQTT_DEVICE_URL',
  'SIMULATE_SPEAKERS',
  'DETECTOR',
  'DETECTOR_THREADS',
  'DEMO_CAMERA_VIDEO',
  'DEMO_RTSP_PORT',
  'SHUXIANG_SAMPLES_DIR',
  'FRIGATE_MQTT_PASSWORD',
];

interface Cli {
  proc: ChildProcess;
  pid: number;
  group: boolean;
  stdout: string;
  stderr: string;
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<Cli>();
const tempDirs: string[] = [];
const usedPorts = new Set<number>();

/**
 * `group`: in a process group of its own (as a terminal or service manager starts it), so a test
 * can signal the whole group. `viaNpm`: as `npm run shuxiang -- …` (npm → node: the script `exec`s node in place of its shell).
 */
function runCli(args: string[], env: Record<string, string>, options: { group?: boolean; viaNpm?: boolean } = {}): Cli {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of configVars) {
    delete base[name];
    delete base[`${name}_FILE`];
  }
  delete base.SHUXIANG_CONFIG;
  const [command, commandArgs] = options.viaNpm
    ? ['npm', ['run', '--silent', 'shuxiang', '--', ...args]]
    : [process.execPath, ['--import', 'tsx', cli, ...args]];
  const proc = spawn(command, commandArgs, {
    cwd: repoRoot,
    env: { ...base, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.group ?? false,
  });
  const child: Cli = {
    proc,
    pid: proc.pid!,
    group: options.group ?? false,
    stdout: '',
    stderr: '',
    exit: undefined,
    exited: new Promise((resolve) => {
      proc.on('exit', (code, signal) => {
        child.exit = { code, signal };
        resolve({ code, signal });
      });
    }),
  };
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => (child.stdout += chunk));
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (child.stderr += chunk));
  children.add(child);
  return child;
}

const describeChild = (c: Cli) => `pid ${c.pid}, exit ${JSON.stringify(c.exit)}\n--- stdout ---\n${c.stdout}\n--- stderr ---\n${c.stderr}`;

/** Waits for the process to end (and its output to be read), failing after `ms`. */
async function waitExit(c: Cli, ms = 60_000) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`process did not exit within ${ms} ms: ${describeChild(c)}`)), ms);
  });
  try {
    const result = await Promise.race([c.exited, timeout]);
    await new Promise((resolve) => setImmediate(resolve)); // let the last output chunks arrive
    return result;
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  chmodSync(dir, 0o755); // as root, PostgreSQL runs as the OS user `postgres`, which must traverse it
  tempDirs.push(dir);
  return dir;
}

/** True when nothing holds the TCP port (on any local address, IPv4 or IPv6). */
function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if (usedPorts.has(port)) continue;
    if (await isPortFree(port)) {
      usedPorts.add(port);
      return port;
    }
  }
  throw new Error('no free port found');
}

/** True when something accepts TCP connections on host:port. */
function accepts(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.setTimeout(2_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

/** One HTTP request on a fresh connection (no keep-alive pool surviving a server restart). */
function request(port: number, method: string, url: string, options: { token?: string; body?: unknown; ca?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    // With `ca`: HTTPS, the server's certificate checked against it for the name localhost.
    const req = (options.ca ? https : http).request(
      {
        host: '127.0.0.1',
        ...(options.ca ? { ca: options.ca, servername: 'localhost' } : {}),
        port,
        method,
        path: url,
        agent: false,
        timeout: 10_000,
        headers: {
          ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let body: unknown = undefined;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body, text });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

async function login(port: number, phone: string, password: string): Promise<Reply> {
  return request(port, 'POST', '/api/auth/login', { body: { phone, password } });
}

async function tokenOf(port: number, phone: string, password: string): Promise<string> {
  const res = await login(port, phone, password);
  expect(res.status, res.text).toBe(200);
  expect(typeof res.body.token).toBe('string');
  return res.body.token as string;
}

/** Polls /api/health until it answers 200; fails early if the process exits. */
async function waitHealthy(c: Cli, port: number, ms = 90_000, ca?: string): Promise<Reply> {
  const deadline = Date.now() + ms;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (c.exit) throw new Error(`the server exited before becoming healthy: ${describeChild(c)}`);
    try {
      const res = await request(port, 'GET', '/api/health', { ca });
      if (res.status === 200) return res;
      last = `${res.status} ${res.text}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(150);
  }
  throw new Error(`not healthy within ${ms} ms (last: ${last}): ${describeChild(c)}`);
}

/** Waits until stdout matches (the pipe may lag a little behind the HTTP answers). */
async function waitForStdout(c: Cli, pattern: RegExp, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pattern.test(c.stdout)) {
    if (Date.now() > deadline || c.exit) throw new Error(`stdout never matched ${pattern}: ${describeChild(c)}`);
    await sleep(50);
  }
}

interface ServerEnv {
  dataDir: string;
  port: number;
  pgPort: number;
  demo?: boolean;
}

function envOf(s: ServerEnv): Record<string, string> {
  return {
    SHUXIANG_DATA_DIR: s.dataDir,
    PORT: String(s.port),
    EMBEDDED_PG_PORT: String(s.pgPort),
    MQTT_PORT: '0', // the embedded MQTT broker on any free port
    DEMO_RTSP_PORT: '0', // the demo's virtual camera likewise
    ...(s.demo === undefined ? {} : { SHUXIANG_DEMO: String(s.demo) }),
  };
}

async function startServer(s: ServerEnv, options: { env?: Record<string, string>; group?: boolean; viaNpm?: boolean; ca?: string } = {}): Promise<Cli> {
  const c = runCli(['start'], { ...envOf(s), ...options.env }, options);
  const health = await waitHealthy(c, s.port, 90_000, options.ca);
  expect(health.body).toEqual({ status: 'ok', db: 'ok' });
  // The banner follows the rest of start-up (cameras, meters, detector), slow on a busy machine.
  await waitForStdout(c, /is running[\s\S]*Health/, 90_000);
  return c;
}

/** A self-signed certificate for localhost and 127.0.0.1, made with the openssl CLI. */
function selfSignedCertificate(dir: string): { cert: string; tls: { HTTPS_CERT_FILE: string; HTTPS_KEY_FILE: string } } {
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
  return { cert: readFileSync(certFile, 'utf8'), tls: { HTTPS_CERT_FILE: certFile, HTTPS_KEY_FILE: keyFile } };
}

const lockFile = (dataDir: string) => path.join(dataDir, 'shuxiang.lock');
const postmasterPid = (dataDir: string) => path.join(dataDir, 'pg', 'postmaster.pid');

/**
 * SIGTERM (to the process, or to its whole group as Ctrl-C and `kill -TERM -<pgid>` do), then
 * checks a clean stop: exit 0, both ports released, lock and postmaster.pid gone.
 */
async function stopCleanly(c: Cli, s: ServerEnv, options: { group?: boolean } = {}): Promise<void> {
  if (options.group) process.kill(-c.pid, 'SIGTERM');
  else c.proc.kill('SIGTERM');
  const { code, signal } = await waitExit(c, 60_000);
  expect({ code, signal }, describeChild(c)).toEqual({ code: 0, signal: null });
  await assertReleased(s);
}

/** Nothing of a stopped server left: ports free, lock and postmaster.pid gone. */
async function assertReleased(s: ServerEnv): Promise<void> {
  expect(await accepts(s.port, '127.0.0.1')).toBe(false);
  expect(await accepts(s.pgPort, '127.0.0.1')).toBe(false);
  expect(await isPortFree(s.port)).toBe(true);
  expect(await isPortFree(s.pgPort)).toBe(true);
  expect(existsSync(lockFile(s.dataDir))).toBe(false);
  expect(existsSync(postmasterPid(s.dataDir))).toBe(false); // PostgreSQL shut down cleanly
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Ends every CLI child still running: SIGTERM, then SIGKILL after 15 s. */
async function terminateChildren(): Promise<void> {
  for (const c of children) {
    if (c.exit) continue;
    if (c.group) process.kill(-c.pid, 'SIGTERM');
    else c.proc.kill('SIGTERM');
    const ended = await Promise.race([c.exited.then(() => true), sleep(15_000).then(() => false)]);
    if (!ended) {
      if (c.group) process.kill(-c.pid, 'SIGKILL');
      else c.proc.kill('SIGKILL');
      await Promise.race([c.exited, sleep(5_000)]);
    }
  }
}

// A failed step may leave its server running (and the data folder locked): end it, so the next
// steps fail, or pass, on their own merits rather than on a leftover.
afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') await terminateChildren();
}, 60_000);

afterAll(async () => {
  // Our CLI children first, then any PostgreSQL one of them left behind.
  await terminateChildren();
  for (const dir of tempDirs) {
    const pidFile = postmasterPid(dir);
    if (!existsSync(pidFile)) continue;
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
    if (!Number.isInteger(pid) || pid <= 0 || !pidAlive(pid)) continue;
    process.kill(pid, 'SIGINT');
    for (let waited = 0; waited < 10_000 && pidAlive(pid); waited += 100) await sleep(100);
    if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe.sequential('shuxiang start (real CLI, embedded PostgreSQL)', () => {
  // Demo mode data folder, used by steps 1–4 and 6.
  let demo: ServerEnv;
  let first: Cli;
  let staffToken: string;
  let createdPassword: string;

  it('starts on a fresh data folder: healthy, banner with demo accounts, demo login works', async () => {
    demo = { dataDir: makeTempDir('shuxiang-e2e-demo-'), port: await freePort(), pgPort: await freePort() };
    first = await startServer(demo, { group: true });

    await waitForStdout(first, /13800000006/); // the banner's last demo account
    expect(first.stdout).toContain(TOWNSHIP_STAFF);
    expect(first.stdout).toContain(DEMO_PASSWORD);
    expect(first.stdout).toContain('seeded just now');
    // The demo's fish-pond camera watches the virtual camera (OpenCV's pedestrian video over RTSP).
    const streamUrl = /演示摄像头: (rtsp:\/\/127\.0\.0\.1:\d+\/xiyangqiu-pond)/.exec(first.stdout)?.[1];
    expect(streamUrl).toBeDefined();
    expect(readFileSync(lockFile(demo.dataDir), 'utf8').trim()).toBe(String(first.pid));

    const bad = await login(demo.port, TOWNSHIP_STAFF, 'not-the-password');
    expect(bad.status).toBe(401);
    staffToken = await tokenOf(demo.port, TOWNSHIP_STAFF, DEMO_PASSWORD);
    const me = await request(demo.port, 'GET', '/api/auth/me', { token: staffToken });
    expect(me.status, me.text).toBe(200);
    expect(me.body.user).toMatchObject({ phone: TOWNSHIP_STAFF, role: 'township_staff' });
    const pond = await request(demo.port, 'GET', '/api/cameras/cam-130631202206-01', { token: staffToken });
    expect(pond.body).toMatchObject({ name: '西阳邱村鱼塘', streamUrl, zoneCount: 1, speakers: [{ id: 'spk-130631202206-01' }] });

    const created = await request(demo.port, 'POST', '/api/users', {
      token: staffToken,
      body: { phone: '13900000099', name: '测试', role: 'villager', regionCode: '130631202206' },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.user).toMatchObject({ phone: '13900000099', name: '测试', role: 'villager', mustChangePassword: true });
    expect(created.body.initialPassword).toEqual(expect.any(String));
    expect(created.body.initialPassword.length).toBeGreaterThanOrEqual(8);
    createdPassword = created.body.initialPassword;
  }, STEP_TIMEOUT);

  it('refuses a second instance on the same data folder, quickly, leaving the first untouched', async () => {
    const startedAt = Date.now();
    const second = runCli(['start'], envOf({ ...demo, port: await freePort() }));
    const { code } = await waitExit(second, 60_000);
    const elapsed = Date.now() - startedAt;
    expect(code, describeChild(second)).not.toBe(0);
    expect(code).not.toBeNull();
    expect(second.stderr).toContain('Another Shuxiang instance');
    expect(second.stderr).toContain(`pid ${first.pid}`);
    expect(elapsed).toBeLessThan(30_000);

    expect(first.exit).toBeUndefined();
    expect(readFileSync(lockFile(demo.dataDir), 'utf8').trim()).toBe(String(first.pid));
    const health = await request(demo.port, 'GET', '/api/health');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok', db: 'ok' });
  }, STEP_TIMEOUT);

  let stoppedAt: number;

  it('stops cleanly on SIGTERM to its process group: the app first, then PostgreSQL; exit 0, ports released, lock file removed', async () => {
    // Every speaker is online (the demo's simulated ones) before the stop.
    const before = await request(demo.port, 'GET', '/api/devices?kind=speaker&online=false', { token: staffToken });
    expect(before.status, before.text).toBe(200);
    expect(before.body.total).toBe(0);
    // PostgreSQL runs outside the CLI's process group, so the group's signal does not reach it.
    const postgresPid = readFileSync(postmasterPid(demo.dataDir), 'utf8').split('\n')[0]!;
    const postgresGroup = Number(execFileSync('ps', ['-o', 'pgid=', '-p', postgresPid], { encoding: 'utf8' }).trim());
    expect(postgresGroup).toBeGreaterThan(0);
    expect(postgresGroup).not.toBe(first.pid);
    await stopCleanly(first, demo, { group: true });
    stoppedAt = Date.now();
    // PostgreSQL did not stop under the app: no query failed while it shut down.
    const errors = first.stdout.split('\n').filter((line) => /"level":(50|60)/.test(line));
    expect(errors, describeChild(first)).toEqual([]);
    expect(first.stdout).not.toMatch(/database system is shutting down|terminating connection|Connection terminated/i);
  }, STEP_TIMEOUT);

  it('restarts on the kept data: no re-seed, demo accounts and API-created users still there', async () => {
    const startedAt = Date.now();
    // Without the simulated speakers, their state is what the last shutdown wrote.
    const again = await startServer(demo, { env: { SIMULATE_SPEAKERS: 'false' } }); // same ports: they were released
    await waitForStdout(again, /13800000006/);
    expect(again.stdout).toContain(TOWNSHIP_STAFF);
    expect(again.stdout).not.toContain('seeded just now');

    const token = await tokenOf(demo.port, TOWNSHIP_STAFF, DEMO_PASSWORD);
    expect(token).not.toBe(staffToken);
    const oldSession = await request(demo.port, 'GET', '/api/auth/me', { token: staffToken });
    expect(oldSession.status).toBe(200); // sessions live in the database too

    const found = await request(demo.port, 'GET', '/api/users?q=13900000099', { token });
    expect(found.status, found.text).toBe(200);
    expect(found.body.total).toBe(1);
    expect(found.body.items).toHaveLength(1);
    expect(found.body.items[0]).toMatchObject({ phone: '13900000099', name: '测试', role: 'villager', regionCode: '130631202206' });

    const created = await login(demo.port, '13900000099', createdPassword);
    expect(created.status, created.text).toBe(200);

    // The speakers went offline during the last shutdown (written before PostgreSQL stopped), not
    // at this start (which marks devices still online offline, at the time of the start).
    const speakers = await request(demo.port, 'GET', '/api/devices?kind=speaker&pageSize=200', { token });
    expect(speakers.status, speakers.text).toBe(200);
    expect(speakers.body.total).toBeGreaterThan(0);
    for (const speaker of speakers.body.items as { id: string; online: boolean; onlineChangedAt: string }[]) {
      expect(speaker.online, speaker.id).toBe(false);
      expect(Date.parse(speaker.onlineChangedAt), speaker.id).toBeLessThanOrEqual(stoppedAt);
      expect(Date.parse(speaker.onlineChangedAt), speaker.id).toBeLessThan(startedAt);
    }

    await stopCleanly(again, demo);
  }, STEP_TIMEOUT);

  it('run by npm (`npm run shuxiang -- start`): a SIGTERM to the npm process alone stops the server', async () => {
    const viaNpm = await startServer(demo, { viaNpm: true, group: true });
    viaNpm.proc.kill('SIGTERM'); // npm hands it to its script's process, which `exec` made node itself
    const deadline = Date.now() + 30_000;
    while ((await accepts(demo.port, '127.0.0.1')) || existsSync(lockFile(demo.dataDir))) {
      if (Date.now() > deadline) throw new Error(`still serving 30 s after SIGTERM to npm: ${describeChild(viaNpm)}`);
      await sleep(200);
    }
    await waitExit(viaNpm, 30_000);
    await assertReleased(demo);
    expect(viaNpm.stdout).toMatch(/"msg":"stopped"/);
  }, STEP_TIMEOUT);

  it('refuses SHUXIANG_DEMO=false on a data folder holding demo data', async () => {
    const refused = runCli(['start'], envOf({ ...demo, demo: false }));
    const { code } = await waitExit(refused, 90_000);
    expect(code, describeChild(refused)).not.toBe(0);
    expect(code).not.toBeNull();
    expect(refused.stderr).toMatch(/demo data/i);
    expect(refused.stderr).toContain('SHUXIANG_DEMO=false');
    // It never served, and it left nothing running or locked.
    expect(refused.stdout).not.toContain('is running');
    expect(existsSync(lockFile(demo.dataDir))).toBe(false);
    expect(existsSync(postmasterPid(demo.dataDir))).toBe(false);
    expect(await isPortFree(demo.pgPort)).toBe(true);
    expect(await isPortFree(demo.port)).toBe(true);
  }, STEP_TIMEOUT);

  it('production mode: no demo, regions import + admin create via the CLI, first login must change the password', async () => {
    const prod: ServerEnv = { dataDir: makeTempDir('shuxiang-e2e-prod-'), port: await freePort(), pgPort: await freePort(), demo: false };

    // First start over HTTPS (HTTPS_CERT_FILE/HTTPS_KEY_FILE) with a self-signed certificate for localhost.
    const { cert, tls } = selfSignedCertificate(prod.dataDir);
    const empty = await startServer(prod, { env: tls, ca: cert });
    expect(empty.stdout).toContain(`https://localhost:${prod.port}/console/`);
    expect(empty.stdout).not.toContain(TOWNSHIP_STAFF);
    expect(empty.stdout).not.toContain(DEMO_PASSWORD);
    const demoLogin = await request(prod.port, 'POST', '/api/auth/login', { body: { phone: TOWNSHIP_STAFF, password: DEMO_PASSWORD }, ca: cert });
    expect(demoLogin.status, demoLogin.text).toBe(401);
    expect(demoLogin.body.code).toBe('INVALID_CREDENTIALS');
    await expect(request(prod.port, 'GET', '/api/health')).rejects.toThrow(); // no plain HTTP on the port
    await stopCleanly(empty, prod);

    const geojson = path.join(prod.dataDir, 'county.geojson');
    writeFileSync(
      geojson,
      JSON.stringify({
        type: 'FeatureCollection',
        features: [{ type: 'Feature', properties: { code: '990001', name: '测试县', level: 'county', parentCode: null }, geometry: null }],
      }),
    );
    const imported = runCli(['regions', 'import', geojson], envOf(prod));
    expect((await waitExit(imported, 90_000)).code, describeChild(imported)).toBe(0);
    expect(imported.stdout).toContain('Imported: 1 created, 0 updated.');

    const admin = runCli(['admin', 'create', '--phone', '13900000001', '--name', '管理员'], envOf(prod));
    expect((await waitExit(admin, 90_000)).code, describeChild(admin)).toBe(0);
    expect(admin.stdout).toContain('Administrator 管理员 (13900000001) created for 测试县.');
    const oneTime = /One-time password[^:]*:\s*(\S+)/.exec(admin.stdout)?.[1];
    expect(oneTime, describeChild(admin)).toBeTruthy();
    expect(existsSync(lockFile(prod.dataDir))).toBe(false); // the CLI commands released the folder

    const server = await startServer(prod);
    const firstLogin = await login(prod.port, '13900000001', oneTime!);
    expect(firstLogin.status, firstLogin.text).toBe(200);
    expect(firstLogin.body.user).toMatchObject({ phone: '13900000001', role: 'admin', regionCode: '990001', mustChangePassword: true });
    const token = firstLogin.body.token as string;

    const blocked = await request(prod.port, 'GET', '/api/regions', { token });
    expect(blocked.status, blocked.text).toBe(403);
    expect(blocked.body.code).toBe('PASSWORD_CHANGE_REQUIRED');

    const changed = await request(prod.port, 'POST', '/api/auth/password', {
      token,
      body: { currentPassword: oneTime, newPassword: 'a-new-password-1' },
    });
    expect(changed.status, changed.text).toBe(204);

    const regions = await request(prod.port, 'GET', '/api/regions', { token });
    expect(regions.status, regions.text).toBe(200);
    expect(regions.body.items.map((r: { code: string }) => r.code)).toEqual(['990001']);
    expect(regions.body.items[0]).toMatchObject({ name: '测试县', level: 'county', parentCode: null });

    expect((await login(prod.port, '13900000001', oneTime!)).status).toBe(401);
    expect((await login(prod.port, '13900000001', 'a-new-password-1')).status).toBe(200);

    await stopCleanly(server, prod);
  }, STEP_TIMEOUT);

  it('a second instance on one machine, EMBEDDED_PG_PORT unset: it picks a free port and keeps it; with no samples cached and apt unable to fetch them, the demo camera streams the shipped video and raises the alarm', async () => {
    // A machine without apt lists (a fresh Debian, as non-root): apt-get exists but finds no opencv-doc.
    const aptDir = makeTempDir('shuxiang-e2e-apt-');
    for (const dir of ['lists/partial', 'cache/archives/partial']) mkdirSync(path.join(aptDir, dir), { recursive: true });
    const aptConfig = path.join(aptDir, 'apt.conf');
    writeFileSync(aptConfig, `Dir::State::Lists "${aptDir}/lists/";\nDir::Cache "${aptDir}/cache/";\n`);
    const freshMachine = { SHUXIANG_SAMPLES_DIR: path.join(aptDir, 'samples'), APT_CONFIG: aptConfig };
    // Like envOf, without EMBEDDED_PG_PORT.
    const autoEnv = (s: { dataDir: string; port: number }) => ({ SHUXIANG_DATA_DIR: s.dataDir, PORT: String(s.port), MQTT_PORT: '0', DEMO_RTSP_PORT: '0' });
    const pgPortOf = (dataDir: string) => Number(readFileSync(postmasterPid(dataDir), 'utf8').split('\n')[3]);
    const one = { dataDir: path.join(makeTempDir('shuxiang-e2e-one-'), 'data'), port: await freePort() };
    const two = { dataDir: path.join(makeTempDir('shuxiang-e2e-two-'), 'data'), port: await freePort() };

    const first = runCli(['start'], autoEnv(one));
    await waitHealthy(first, one.port);
    const firstPgPort = pgPortOf(one.dataDir); // 54329, unless something else on this machine holds it
    const second = runCli(['start'], { ...autoEnv(two), ...freshMachine });
    await waitHealthy(second, two.port);
    await waitForStdout(second, /is running[\s\S]*Health/, 90_000);
    const secondPgPort = pgPortOf(two.dataDir);
    expect(secondPgPort).not.toBe(firstPgPort);
    expect(secondPgPort).not.toBe(54329);
    expect(second.stdout).toContain('port 54329 is in use');
    expect(readFileSync(path.join(two.dataDir, 'pg-port'), 'utf8').trim()).toBe(String(secondPgPort));
    expect((await request(one.port, 'GET', '/api/health')).body).toEqual({ status: 'ok', db: 'ok' });

    // The samples could not be fetched (a warning, not a failure); the camera streams the shipped copy.
    expect(second.stdout).toContain('sample files: not fetched');
    expect(second.stdout).toMatch(/演示摄像头: rtsp:\/\/127\.0\.0\.1:\d+\/xiyangqiu-pond \(assets\/demo-camera\/vtest\.mp4;/);
    // Party members are in the banner's demo accounts.
    expect(second.stdout).toMatch(/13800000101 王建国[\s\S]*13800000107 陈静/);
    const token = await tokenOf(two.port, TOWNSHIP_STAFF, DEMO_PASSWORD);
    const deadline = Date.now() + 120_000;
    for (;;) {
      const alarms = await request(two.port, 'GET', '/api/alarms?cameraId=cam-130631202206-01', { token });
      expect(alarms.status, alarms.text).toBe(200);
      if (alarms.body.total > 0) {
        expect(alarms.body.items[0]).toMatchObject({ source: 'detector', zoneName: '鱼塘', label: 'person' });
        break;
      }
      if (Date.now() > deadline) throw new Error(`no alarm from the shipped video within 120 s: ${describeChild(second)}`);
      await sleep(1_000);
    }

    await stopCleanly(first, { ...one, pgPort: firstPgPort });
    await stopCleanly(second, { ...two, pgPort: secondPgPort });
    // Restarted, it keeps its port although 54329 is free again.
    const again = runCli(['start'], { ...autoEnv(two), ...freshMachine });
    await waitHealthy(again, two.port);
    expect(pgPortOf(two.dataDir)).toBe(secondPgPort);
    expect(again.stdout).not.toContain('is in use');
    await stopCleanly(again, { ...two, pgPort: secondPgPort });
  }, 2 * STEP_TIMEOUT);

  it('refuses demo mode on a network address unless SHUXIANG_DEMO_PUBLIC=true, touching nothing', async () => {
    const dataDir = path.join(makeTempDir('shuxiang-e2e-public-'), 'data');
    const refused = runCli(['start'], { SHUXIANG_DATA_DIR: dataDir, HOST: '0.0.0.0', PORT: String(await freePort()), EMBEDDED_PG_PORT: String(await freePort()) });
    const { code } = await waitExit(refused, 60_000);
    expect(code, describeChild(refused)).toBe(1);
    expect(refused.stderr).toContain('HOST=0.0.0.0');
    expect(refused.stderr).toContain('SHUXIANG_DEMO_PUBLIC=true');
    expect(existsSync(dataDir)).toBe(false);
  }, STEP_TIMEOUT);

  it('exits naming the variable when HTTPS_KEY_FILE cannot be read', async () => {
    const dir = makeTempDir('shuxiang-e2e-tls-');
    const { tls } = selfSignedCertificate(dir);
    const dataDir = path.join(dir, 'data');
    const missing = path.join(dir, 'missing-key.pem');
    const bad = runCli(['start'], { SHUXIANG_DATA_DIR: dataDir, ...tls, HTTPS_KEY_FILE: missing, EMBEDDED_PG_PORT: String(await freePort()) });
    const { code } = await waitExit(bad, 60_000);
    expect(code, describeChild(bad)).toBe(1);
    expect(bad.stderr).toContain(`HTTPS_KEY_FILE: cannot read ${missing}`);
    expect(existsSync(dataDir)).toBe(false);
  }, STEP_TIMEOUT);

  it('exits non-zero naming the variable when a config value is bad (PORT=abc), touching nothing', async () => {
    const dataDir = path.join(makeTempDir('shuxiang-e2e-badcfg-'), 'data');
    const bad = runCli(['start'], { SHUXIANG_DATA_DIR: dataDir, PORT: 'abc', EMBEDDED_PG_PORT: String(await freePort()) });
    const { code } = await waitExit(bad, 60_000);
    expect(code, describeChild(bad)).not.toBe(0);
    expect(code).not.toBeNull();
    expect(bad.stderr).toContain('Invalid configuration');
    expect(bad.stderr).toMatch(/PORT="abc"/);
    expect(bad.stderr).not.toMatch(/EMBEDDED_PG_PORT=/);
    expect(existsSync(dataDir)).toBe(false);
  }, STEP_TIMEOUT);
});
