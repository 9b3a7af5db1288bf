import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/modules/demo/demo.seed.js';
import { calling, ensureWebBuilt, launchBrowser, type TestBrowser } from '../support/browser.js';

/**
 * The newcomer's first start, as the README tells it: `shuxiang start` (the real CLI) on a fresh data
 * folder, on a machine where OpenCV's samples are not cached and apt cannot fetch them. The demo's
 * fish-pond camera streams the video shipped in assets/demo-camera/, the detector finds the people
 * walking through its zone, and the big screen shows the camera online and the alarm, by itself.
 * Screenshot: $TMPDIR/shuxiang-demo-camera/big-screen.png (not in the repository).
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const STAFF = '13800000001';
const POND = 'cam-130631202206-01';

let work: string;
let server: ChildProcess | undefined;
let output = '';
let base: string;
let browser: TestBrowser;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  ensureWebBuilt();
  work = mkdtempSync(path.join(tmpdir(), 'shuxiang-demo-camera-'));
  chmodSync(work, 0o755); // as root, PostgreSQL runs as the OS user `postgres`, which must enter it
  // apt without package lists (a fresh Debian, as non-root): apt-get runs but finds no opencv-doc.
  for (const dir of ['apt/lists/partial', 'apt/cache/archives/partial']) mkdirSync(path.join(work, dir), { recursive: true });
  writeFileSync(path.join(work, 'apt.conf'), `Dir::State::Lists "${work}/apt/lists/";\nDir::Cache "${work}/apt/cache/";\n`);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // Only what this start needs: nothing of the suite's own configuration (DATABASE_URL…) leaks in.
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(port),
    EMBEDDED_PG_PORT: String(await freePort()),
    MQTT_PORT: '0',
    DEMO_RTSP_PORT: '0',
    SHUXIANG_DATA_DIR: path.join(work, 'data'),
    SHUXIANG_SAMPLES_DIR: path.join(work, 'samples'),
    APT_CONFIG: path.join(work, 'apt.conf'),
  };
  server = spawn(process.execPath, ['--import', 'tsx', 'src/cli/shuxiang.ts', 'start'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  server.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const deadline = Date.now() + 150_000;
  while (!/is running[\s\S]*Data/.test(output)) {
    if (server.exitCode !== null || Date.now() > deadline) throw new Error(`the demo did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  browser = await launchBrowser();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((resolve) => server!.once('exit', resolve));
  }
  rmSync(work, { recursive: true, force: true });
}, 60_000);

describe('the demo camera on a fresh machine', () => {
  it('streams the shipped video; the big screen shows the pond camera online and its alarm, in Chinese', { timeout: 180_000 }, async () => {
    expect(output).toContain('sample files: not fetched');
    expect(output).toMatch(/演示摄像头: rtsp:\/\/127\.0\.0\.1:\d+\/xiyangqiu-pond \(assets\/demo-camera\/vtest\.mp4;/);

    const context = await browser.newPhone({ viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false });
    const page = await context.newPage();
    await page.goto(`${base}/screen/`);
    await page.getByTestId('login-phone').fill(STAFF);
    await page.getByTestId('login-password').fill(DEMO_PASSWORD);
    const login = await calling(page, 'POST', '/api/auth/login', () => page.getByTestId('login-submit').click());
    expect(login.status()).toBe(200);
    await page.getByTestId('block-map').waitFor();

    // The pond camera streams (the field camera has its own AI and no stream): 1 of 2 online.
    await expect.poll(() => page.getByTestId('safe-cameras').innerText(), { timeout: 60_000 }).toMatch(/1\s*\/\s*2/);
    // People walk through the pond's zone in the video: the alarm arrives on the open page.
    await expect.poll(() => page.getByTestId('safe-alarms-today').innerText(), { timeout: 120_000, interval: 1000 }).toMatch(/今日告警\s*[1-9]/);
    await expect.poll(() => page.getByTestId('alarm-feed').innerText()).toContain('西阳邱村鱼塘 · 鱼塘');
    await expect.poll(() => page.getByTestId(`camera-${POND}`).locator('img').count()).toBe(1);
    await page.waitForFunction(() => Array.from(document.images).every((img) => img.complete));

    const shots = path.join(tmpdir(), 'shuxiang-demo-camera');
    mkdirSync(shots, { recursive: true });
    await page.mouse.move(0, 0);
    await page.screenshot({ path: path.join(shots, 'big-screen.png'), animations: 'disabled' });
    await context.close();
    browser.assertNoPageErrors();

    server!.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => server!.once('exit', resolve));
    expect(code, output).toBe(0);
  });
});
