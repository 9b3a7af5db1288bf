import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page, type Response } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/modules/demo/demo.seed.js';

/**
 * Debian's Chromium driven by playwright-core, for browser tests (`apt-get install -y chromium
 * fonts-noto-cjk`). Every console error and uncaught exception of every page is collected, so a test
 * can fail on any (`assertNoPageErrors`). Playwright gives each launch a fresh, temporary
 * `--user-data-dir` of its own (it refuses the flag in `args`) and deletes it on close, so no state is
 * shared between runs; each context is a fresh profile within it (storage, cookies, permissions).
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A phone: the viewport of a common Android/iPhone size, touch, Chinese, in China's time zone. */
export const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'zh-CN',
  timezoneId: 'Asia/Shanghai',
};

export interface TestBrowser {
  browser: Browser;
  /** A new phone-sized context (options override PHONE) whose pages report their errors here. */
  newPhone(options?: BrowserContextOptions): Promise<BrowserContext>;
  /**
   * Declares a console error the page is expected to log (a fetch answered with an expected 4xx
   * shows as "Failed to load resource" in Chromium's console). Matched against `message (url)`.
   */
  allowConsoleError(pattern: RegExp): void;
  /** The errors collected since the last call, less the allowed ones; clears the list. */
  takeErrors(): string[];
  /** Throws, listing them, if any page logged an unexpected console error or threw. */
  assertNoPageErrors(): void;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  let errors: string[] = [];
  let allowed: RegExp[] = [];

  const watch = (page: Page) => {
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const where = message.location().url;
      errors.push(`console.error on ${page.url()}: ${message.text()}${where ? ` (${where})` : ''}`);
    });
    page.on('pageerror', (error) => errors.push(`uncaught on ${page.url()}: ${error.stack ?? error.message}`));
  };

  const takeErrors = () => {
    const unexpected = errors.filter((e) => !allowed.some((pattern) => pattern.test(e)));
    errors = [];
    allowed = [];
    return unexpected;
  };

  return {
    browser,
    async newPhone(options = {}) {
      const context = await browser.newContext({ ...PHONE, ...options });
      context.on('page', watch);
      return context;
    },
    allowConsoleError(pattern) {
      allowed.push(pattern);
    },
    takeErrors,
    assertNoPageErrors() {
      const unexpected = takeErrors();
      if (unexpected.length > 0) throw new Error(`the pages logged ${unexpected.length} error(s):\n${unexpected.join('\n')}`);
    },
    async close() {
      await browser.close();
    },
  };
}

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const buildLock = path.join(repoRoot, '.cache', 'web-build.lock');
const STALE_LOCK_MS = 10 * 60_000;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Makes sure web/dist holds a build of the current web sources before a test starts the app (the app
 * serves web/dist only if it exists when it starts): `scripts/build-web.ts --if-stale`, as `npm start`
 * runs it, a no-op when the build is current. Test files run in parallel, so the build is taken under
 * a lock (a folder made atomically in .cache/): a second file waits, then finds the build current,
 * instead of rebuilding web/dist under the first one's feet.
 *
 * The build runs without the variables vitest sets in its workers: with SSR=1 the Vant resolver
 * leaves out every component's CSS (an unstyled app, and a rewritten components.d.ts), and
 * NODE_ENV=test gives a development build of Vue.
 */
export function ensureWebBuilt(): void {
  mkdirSync(path.dirname(buildLock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(buildLock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let age = 0;
      try {
        age = Date.now() - statSync(buildLock).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      if (age > STALE_LOCK_MS) rmSync(buildLock, { recursive: true, force: true }); // left by a killed run
      else sleepSync(200);
    }
  }
  try {
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(SSR|SSG|VITE_SSR|VITE_SSG|NODE_ENV|VITEST.*)$/.test(key)));
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-web.ts', '--if-stale'], { cwd: repoRoot, env, stdio: 'inherit', timeout: 300_000 });
  } finally {
    rmSync(buildLock, { recursive: true, force: true });
  }
}

/** The next response to `method path` (path without the query; a string is matched exactly). */
export function responseTo(page: Page, method: string, pathname: string | RegExp): Promise<Response> {
  return page.waitForResponse((r) => {
    if (r.request().method() !== method) return false;
    const p = new URL(r.url()).pathname;
    return typeof pathname === 'string' ? p === pathname : pathname.test(p);
  });
}

/** Runs `action` and returns the response to the API call it causes. */
export async function calling(page: Page, method: string, pathname: string | RegExp, action: () => Promise<unknown>): Promise<Response> {
  const [response] = await Promise.all([responseTo(page, method, pathname), action()]);
  return response;
}

/**
 * Fills and sends the sign-in form the page is on (or is being sent to) with a demo account and its
 * password: the phone app's Vant fields or the console's inputs. Expects the login to succeed.
 */
export async function submitLogin(page: Page, app: 'h5' | 'console', phone: string): Promise<void> {
  await page.waitForURL(app === 'h5' ? /\/h5\/login/ : /\/console\/login/);
  const field = (testId: string) => (app === 'h5' ? page.getByTestId(testId).locator('input') : page.getByTestId(testId));
  // The sign-in pages open on 验证码登录; the demo accounts' password is on the other tab.
  await page.getByTestId('login-tab-password').click();
  await field('login-phone').fill(phone);
  await field('login-password').fill(DEMO_PASSWORD);
  const res = await calling(page, 'POST', '/api/auth/login', () => page.getByTestId('login-submit').click());
  if (res.status() !== 200) throw new Error(`login as ${phone} answered ${res.status()}`);
}

/**
 * Signs a context in with a session token the way a login in the page would: the HttpOnly session cookie
 * for the platform at `base`, and the apps' non-secret mark that this browser is signed in.
 */
export async function signInContext(context: BrowserContext, base: string, token: string): Promise<void> {
  await context.addCookies([{ name: 'shuxiang_session', value: token, url: base, httpOnly: true, sameSite: 'Strict' }]);
  await context.addInitScript(() => {
    if (location.protocol.startsWith('http')) localStorage.setItem('shuxiang.signedIn', '1');
  });
}

/** Signs a demo account in on the phone app from its front page; resolves on the home tab. */
export async function logInPhone(page: Page, base: string, phone: string): Promise<void> {
  await page.goto(`${base}/h5/`);
  await submitLogin(page, 'h5', phone);
  await page.waitForURL(/\/h5\/home$/);
  await page.getByTestId('tabbar').waitFor();
}

/**
 * Signs a demo account in on the console; resolves on its home page, once `ready` (a menu item, perhaps
 * in a folded group of the sidebar) is there.
 */
export async function logInConsole(page: Page, base: string, phone: string, ready?: string): Promise<void> {
  await page.goto(`${base}/console/`);
  await submitLogin(page, 'console', phone);
  await page.waitForURL(/\/console\/$/);
  if (ready) await page.getByTestId(ready).waitFor({ state: 'attached' });
}

/** Opens a console page from the sidebar (`menu-<route name>`), unfolding its module's group first if it is folded. */
export async function clickMenu(page: Page, name: string): Promise<void> {
  const item = page.getByTestId(`menu-${name}`);
  if (!(await item.isVisible())) await page.locator('.el-sub-menu', { has: item }).locator(':scope > .el-sub-menu__title').click();
  await item.click();
}
