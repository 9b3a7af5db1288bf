import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { calling, ensureWebBuilt, launchBrowser, logInConsole, signInContext, type TestBrowser } from '../support/browser.js';
import { captureSms } from '../support/sms-capture.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * 改绑 in real browsers: on the console (1366×768) a village cadre finds the demo villager on the 用户
 * page, moves them to another household of 西阳邱村, then moves the account to a new phone whose code
 * (read from what the demo's logging SMS provider delivered, as the villager would read it out) the
 * cadre types in; a wrong code shows the Chinese error first. The old phone's session ends and the new
 * phone signs in by SMS code. On the phone (390×844) the cadre moves the villager back from 注册审核.
 * Screenshots go to docs/screenshots/rebind-*.png.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const screenshots = path.join(root, 'docs', 'screenshots');
const CADRE = '13800000002';
const VILLAGER = { phone: '13800000005', name: '西阳邱村民' };
const NEW_PHONE = '13900000511';
// The demo's households of 西阳邱村 (src/modules/points/points.demo.ts): the villager heads the first.
const OWN_HOUSEHOLD = { id: '5a1e0000-0000-4000-8000-000000000001', name: '西阳邱村民户' };
const OTHER_HOUSEHOLD = { id: '5a1e0000-0000-4000-8000-000000000002', name: '王建国户' };
const DESK = { viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false };

const sms = captureSms();
/** Real time, which the test can move on: a phone may ask for another code (any purpose) only after 60 s. */
const clock = { ahead: 0, now: () => new Date(Date.now() + clock.ahead) };
let t: TestApp;
let browser: TestBrowser;
let base: string;

beforeAll(async () => {
  ensureWebBuilt();
  mkdirSync(screenshots, { recursive: true });
  t = await createTestApp({ logger: sms.logger, clock });
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

/** Signs a phone in through the API with the SMS code it received; the session token. */
async function signInBySms(phone: string): Promise<string> {
  const sent = await t.request({ method: 'POST', url: '/api/auth/sms-code', payload: { phone } });
  expect(sent.statusCode, sent.body).toBe(200);
  const res = await t.request({ method: 'POST', url: '/api/auth/login/sms', payload: { phone, code: await sms.nextCode(phone) } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().token as string;
}

async function binding(villagerId: string): Promise<{ phone: string; household: { id: string; name: string } | null }> {
  const res = await t.request({ method: 'GET', url: `/api/villagers/${villagerId}`, token: await t.login(CADRE) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe('改绑', () => {
  let villagerId: string;

  it('a cadre moves a villager to another household and to a new phone on the console; the old phone is signed out', { timeout: 180_000 }, async () => {
    const oldToken = await signInBySms(VILLAGER.phone);
    const me = await t.request({ method: 'GET', url: '/api/auth/me', token: oldToken });
    expect(me.statusCode).toBe(200);
    villagerId = me.json().user.id;
    expect((await binding(villagerId)).household?.id).toBe(OWN_HOUSEHOLD.id);

    const context = await browser.newPhone(DESK);
    const page = await context.newPage();
    await logInConsole(page, base, CADRE, 'menu-home');
    await page.goto(`${base}/console/users`);
    await page.getByTestId('users-search').fill(VILLAGER.phone);
    await page.getByTestId(`user-rebind-${VILLAGER.phone}`).click();
    const dialog = page.getByTestId('rebind-dialog');
    await expect.poll(() => dialog.getByTestId('rebind-current-household').innerText()).toBe(OWN_HOUSEHOLD.name);

    // 迁户: a household of the same village, confirmed first.
    await dialog.getByTestId('rebind-household').click();
    await page.locator('.el-select-dropdown__item').filter({ hasText: OTHER_HOUSEHOLD.name }).click();
    await screenshot(page, 'rebind-1-console-household');
    await dialog.getByTestId('rebind-move').click();
    const confirmMove = page.locator('.el-message-box');
    await confirmMove.getByText(`将${VILLAGER.name}从「${OWN_HOUSEHOLD.name}」迁到「${OTHER_HOUSEHOLD.name}」？`).waitFor();
    const moved = await calling(page, 'POST', `/api/villagers/${villagerId}/household`, () => confirmMove.getByRole('button', { name: '迁入此户' }).click());
    expect(moved.status()).toBe(200);
    await expect.poll(() => dialog.getByTestId('rebind-current-household').innerText()).toBe(OTHER_HOUSEHOLD.name);
    expect((await binding(villagerId)).household?.id).toBe(OTHER_HOUSEHOLD.id);

    // 换手机号: the code goes to the new phone; a wrong one is refused in Chinese, the right one moves the account.
    await dialog.getByRole('tab', { name: '换手机号' }).click();
    expect(await dialog.getByTestId('rebind-current-phone').innerText()).toBe(VILLAGER.phone);
    expect(await dialog.getByTestId('rebind-change-phone').isDisabled()).toBe(true);
    await dialog.getByTestId('rebind-phone').fill(NEW_PHONE);
    const sent = await calling(page, 'POST', `/api/villagers/${villagerId}/phone/code`, () => dialog.getByTestId('rebind-send-code').click());
    expect(sent.status()).toBe(200);
    await expect.poll(() => dialog.getByTestId('rebind-send-code').innerText()).toMatch(/^\d{1,2} 秒后重新获取$/);
    expect(await dialog.getByTestId('rebind-send-code').isDisabled()).toBe(true);
    const code = await sms.nextCode(NEW_PHONE);
    expect(sms.textsTo(NEW_PHONE)[0]!.template).toBe('verification_code');

    browser.allowConsoleError(/status of 400/);
    await dialog.getByTestId('rebind-code').fill(wrong(code));
    await dialog.getByTestId('rebind-change-phone').click();
    const refused = await calling(page, 'POST', `/api/villagers/${villagerId}/phone`, () => page.locator('.el-message-box').getByRole('button', { name: '确认换号' }).click());
    expect(refused.status()).toBe(400);
    await dialog.getByTestId('rebind-error').getByText('验证码错误').waitFor();
    expect((await binding(villagerId)).phone).toBe(VILLAGER.phone);
    await screenshot(page, 'rebind-2-console-wrong-code');

    await dialog.getByTestId('rebind-code').fill(code);
    await dialog.getByTestId('rebind-change-phone').click();
    const confirmChange = page.locator('.el-message-box');
    await confirmChange.getByText('原手机号的登录将全部退出').waitFor();
    await screenshot(page, 'rebind-3-console-confirm-phone');
    const changed = await calling(page, 'POST', `/api/villagers/${villagerId}/phone`, () => confirmChange.getByRole('button', { name: '确认换号' }).click());
    expect(changed.status()).toBe(200);
    await expect.poll(() => dialog.getByTestId('rebind-current-phone').innerText()).toBe(NEW_PHONE);
    expect(await dialog.getByTestId('rebind-error').count()).toBe(0);
    await page.locator('.el-message--success').filter({ hasText: `已改为 ${NEW_PHONE}` }).waitFor();
    await screenshot(page, 'rebind-4-console-phone-changed');
    expect((await binding(villagerId)).phone).toBe(NEW_PHONE);
    // The list, searched by the old number, follows the villager to the new one.
    await dialog.locator('.el-dialog__headerbtn').click();
    await page.getByTestId(`user-rebind-${NEW_PHONE}`).waitFor();
    expect(await page.getByTestId('users-search').inputValue()).toBe(NEW_PHONE);
    await context.close();

    // The old phone's session has ended, and the old number was told.
    expect((await t.request({ method: 'GET', url: '/api/auth/me', token: oldToken })).statusCode).toBe(401);
    await expect.poll(() => sms.textsTo(VILLAGER.phone).map((s) => s.template)).toContain('phone_rebound');

    // Later, at home, the new phone signs in by SMS code on the phone app: the same account, its new household.
    clock.ahead += 61_000;
    const phone = await browser.newPhone();
    const h5 = await phone.newPage();
    await h5.goto(`${base}/h5/`);
    await h5.waitForURL(/\/h5\/login/);
    await h5.getByTestId('login-phone').locator('input').fill(NEW_PHONE);
    const loginCode = await calling(h5, 'POST', '/api/auth/sms-code', () => h5.getByTestId('login-get-code').click());
    expect(loginCode.status()).toBe(200);
    await h5.getByTestId('login-code').locator('input').fill(await sms.nextCode(NEW_PHONE));
    const signedIn = await calling(h5, 'POST', '/api/auth/login/sms', () => h5.getByTestId('login-submit').click());
    expect(signedIn.status()).toBe(200);
    expect((await signedIn.json()).user.id).toBe(villagerId);
    await h5.waitForURL(/\/h5\/home$/);
    const mine = await h5.evaluate(() => fetch('/api/households/mine').then((r) => r.json()));
    expect(mine.household.id).toBe(OTHER_HOUSEHOLD.id);
    await phone.close();
  });

  it('a cadre moves the villager back on the phone, from 注册审核 → 改绑村民', { timeout: 120_000 }, async () => {
    const context = await browser.newPhone();
    await signInContext(context, base, await t.login(CADRE));
    const page = await context.newPage();
    await page.goto(`${base}/h5/home`);
    await page.getByTestId('home-registrations').click();
    await page.waitForURL(/\/h5\/registrations$/);
    await page.getByRole('tab', { name: '改绑村民' }).click();
    await page.getByTestId('rebind-villager-search').locator('input').fill(VILLAGER.name);
    await page.getByTestId('rebind-villager').filter({ hasText: NEW_PHONE }).click();
    const panel = page.getByTestId('rebind-panel');
    await expect.poll(() => panel.getByTestId('rebind-current-household').innerText()).toContain(OTHER_HOUSEHOLD.name);
    await panel.getByTestId('rebind-household-search').locator('input').fill('前街');
    await panel.getByTestId('rebind-household-choice').filter({ hasText: OWN_HOUSEHOLD.name }).click();
    await screenshot(page, 'rebind-5-h5-household');
    await panel.getByTestId('rebind-move').click();
    await page.locator('.van-dialog').getByText(`将${VILLAGER.name}从「${OTHER_HOUSEHOLD.name}」迁到「${OWN_HOUSEHOLD.name}」？`).waitFor();
    const moved = await calling(page, 'POST', `/api/villagers/${villagerId}/household`, () => page.locator('.van-dialog__confirm').click());
    expect(moved.status()).toBe(200);
    await expect.poll(() => panel.getByTestId('rebind-current-household').innerText()).toContain(OWN_HOUSEHOLD.name);
    expect((await binding(villagerId)).household?.id).toBe(OWN_HOUSEHOLD.id);
    // 换手机号 is on the same sheet, from the number now.
    await panel.getByRole('tab', { name: '换手机号' }).click();
    await expect.poll(() => panel.getByTestId('rebind-current-phone').innerText()).toContain(NEW_PHONE);
    await page.locator('.van-toast').waitFor({ state: 'hidden' });
    await screenshot(page, 'rebind-6-h5-phone');
    await context.close();
  });
});
