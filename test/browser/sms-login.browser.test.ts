import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { calling, ensureWebBuilt, launchBrowser, type TestBrowser } from '../support/browser.js';
import { captureSms } from '../support/sms-capture.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * 验证码登录 in real browsers against the real app: the code is read from what the demo's logging SMS
 * provider printed, as a person running the demo reads it in the server log. On the phone (390×844)
 * a villager gets a code, types a wrong one (a Chinese error), then the right one, and signs out
 * everywhere; on the console (1440×900) a village cadre signs in the same way. Screenshots go to
 * docs/screenshots/sms-login-*.png.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const screenshots = path.join(root, 'docs', 'screenshots');
const VILLAGER = '13800000005';
const CADRE = '13800000002';
const DESKTOP = { viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false };

const sms = captureSms();
let t: TestApp;
let browser: TestBrowser;
let base: string;

beforeAll(async () => {
  ensureWebBuilt();
  mkdirSync(screenshots, { recursive: true });
  t = await createTestApp({ logger: sms.logger });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
}, 180_000);

afterEach(() => {
  browser?.assertNoPageErrors();
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function screenshot(page: Page, name: string): Promise<void> {
  await page.mouse.move(0, 0);
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  await page.screenshot({ path: path.join(screenshots, `${name}.png`), animations: 'disabled' });
}

const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('验证码登录', () => {
  it('a villager signs in on the phone with the code from the log, then signs out everywhere', { timeout: 120_000 }, async () => {
    const context = await browser.newPhone();
    const page = await context.newPage();
    await page.goto(`${base}/h5/`);
    await page.waitForURL(/\/h5\/login/);
    // 验证码登录 is the default tab.
    expect(await page.getByTestId('login-tab-sms').getAttribute('aria-selected')).toBe('true');
    await page.getByTestId('login-phone').locator('input').fill(VILLAGER);
    const sent = await calling(page, 'POST', '/api/auth/sms-code', () => page.getByTestId('login-get-code').click());
    expect(sent.status()).toBe(200);
    await expect.poll(() => page.getByTestId('login-get-code').innerText()).toMatch(/^\d{1,2} 秒后重新获取$/);
    expect(await page.getByTestId('login-get-code').isDisabled()).toBe(true);
    const code = await sms.nextCode(VILLAGER);

    browser.allowConsoleError(/status of 400/);
    await page.getByTestId('login-code').locator('input').fill(wrong(code));
    const refused = await calling(page, 'POST', '/api/auth/login/sms', () => page.getByTestId('login-submit').click());
    expect(refused.status()).toBe(400);
    await page.getByTestId('login-code').getByText('验证码错误').waitFor();
    // The same message shows as a toast; the screenshot is taken once it has gone.
    await page.locator('.van-toast').filter({ hasText: '验证码错误' }).waitFor({ state: 'hidden' });
    await screenshot(page, 'sms-login-1-h5-wrong-code');

    await page.getByTestId('login-code').locator('input').fill(code);
    const signedIn = await calling(page, 'POST', '/api/auth/login/sms', () => page.getByTestId('login-submit').click());
    expect(signedIn.status()).toBe(200);
    await page.waitForURL(/\/h5\/home$/);
    await page.getByTestId('tabbar').waitFor();
    await screenshot(page, 'sms-login-2-h5-home');

    await page.goto(`${base}/h5/sessions`);
    await page.getByTestId('session-item').first().waitFor();
    await screenshot(page, 'sms-login-3-h5-sessions');
    await page.getByTestId('sessions-end-all').click();
    const ended = await calling(page, 'POST', '/api/auth/sessions/revoke-all', () => page.locator('.van-dialog__confirm').click());
    expect(ended.status()).toBe(200);
    await page.waitForURL(/\/h5\/login/);
    const live = await t.db.selectFrom('sessions').innerJoin('users', 'users.id', 'sessions.user_id').select('sessions.id').where('users.phone', '=', VILLAGER).where('revoked_at', 'is', null).execute();
    expect(live).toHaveLength(0);
    await context.close();
  });

  it('a village cadre signs in on the console with a code', { timeout: 120_000 }, async () => {
    const context = await browser.newPhone(DESKTOP);
    const page = await context.newPage();
    await page.goto(`${base}/console/`);
    await page.waitForURL(/\/console\/login/);
    await page.getByTestId('login-phone').fill(CADRE);
    const sent = await calling(page, 'POST', '/api/auth/sms-code', () => page.getByTestId('login-get-code').click());
    expect(sent.status()).toBe(200);
    await page.getByTestId('login-code').fill(await sms.nextCode(CADRE));
    await expect.poll(() => page.getByTestId('login-get-code').innerText()).toMatch(/秒后重新获取$/);
    await screenshot(page, 'sms-login-4-console-code');
    const signedIn = await calling(page, 'POST', '/api/auth/login/sms', () => page.getByTestId('login-submit').click());
    expect(signedIn.status()).toBe(200);
    await page.waitForURL(/\/console\/$/);
    expect((await signedIn.json()).user.phone).toBe(CADRE);
    await context.close();
  });
});
