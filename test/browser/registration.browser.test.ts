import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { calling, ensureWebBuilt, launchBrowser, signInContext, type TestBrowser } from '../support/browser.js';
import { captureSms } from '../support/sms-capture.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * 村民注册 on a phone (390×844), from the village poster's link: a member of the household register
 * gets the code by SMS (read from what the demo's logging provider delivered), registers, is matched
 * and lands on the home page; an unmatched villager waits, the village cadre approves on their phone,
 * and the villager is in. The poster itself is rendered too. Screenshots go to $SCREENSHOT_DIR when set.
 */
const VILLAGE = '130631202206'; // 西阳邱村
const CADRE = '13800000002';
const MEMBER = { phone: '13900000301', name: '张建明' };
const NEWCOMER = { phone: '13900000302', name: '刘小红' };
const screenshots = process.env.SCREENSHOT_DIR;
const sms = captureSms();

let t: TestApp;
let browser: TestBrowser;
let base: string;
let joinUrl: string;
let householdId: string;

beforeAll(async () => {
  ensureWebBuilt();
  if (screenshots) mkdirSync(screenshots, { recursive: true });
  t = await createTestApp({ logger: sms.logger });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  t.services.runtime.publicBaseUrl = base;
  // The register: staff enter 张建明 (a one-time password nobody used); the cadre makes him head of a household.
  const staff = await t.tokenFor('township_staff');
  const member = await t.request({ method: 'POST', url: '/api/users', token: staff, payload: { ...MEMBER, role: 'villager', regionCode: VILLAGE } });
  expect(member.statusCode, member.body).toBe(201);
  const cadre = await t.login(CADRE);
  const household = await t.request({ method: 'POST', url: '/api/households', token: cadre, payload: { name: '张建明户', address: '西阳邱村前街 20 号', headId: member.json().user.id } });
  expect(household.statusCode, household.body).toBe(201);
  householdId = household.json().id;
  joinUrl = (await t.request({ method: 'GET', url: `/api/villages/${VILLAGE}/join-link`, token: cadre })).json().url;
  browser = await launchBrowser();
}, 300_000);

afterEach(() => browser?.assertNoPageErrors());

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function screenshot(page: Page, name: string): Promise<void> {
  if (!screenshots) return;
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true, animations: 'disabled' });
}

/** Fills the join page as a villager: the code comes by SMS, read from the text the phone received. */
async function fillJoinForm(page: Page, person: { phone: string; name: string }): Promise<void> {
  await page.goto(joinUrl);
  await page.getByTestId('join-village').filter({ hasText: '加入西阳邱村' }).waitFor();
  await page.getByTestId('join-phone').locator('input').fill(person.phone);
  const sent = await calling(page, 'POST', /\/api\/join\/[\w-]+\/code$/, () => page.getByTestId('join-get-code').click());
  expect(sent.status()).toBe(200);
  await page.getByTestId('join-code').locator('input').fill(await sms.nextCode(person.phone));
  await page.getByTestId('join-name').locator('input').fill(person.name);
}

describe('joining the village from its poster', () => {
  it('renders the A4 poster with the village name and the QR code of the link', { timeout: 60_000 }, async () => {
    const cadre = await t.login(CADRE);
    const res = await t.request({ method: 'GET', url: `/api/villages/${VILLAGE}/join-poster.pdf`, token: cadre });
    expect(res.statusCode).toBe(200);
    const dir = mkdtempSync(path.join(tmpdir(), 'shuxiang-poster-'));
    try {
      const file = path.join(dir, 'poster.pdf');
      writeFileSync(file, res.rawPayload);
      // Chromium's own PDF viewer draws the page.
      const context = await browser.browser.newContext({ viewport: { width: 800, height: 1130 } });
      const page = await context.newPage();
      await page.goto(`file://${file}`).catch(() => undefined);
      await page.waitForTimeout(3000);
      if (screenshots) await page.screenshot({ path: path.join(screenshots, 'registration-poster.png') });
      await context.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a member of the household register registers, is matched and lands on the home page', { timeout: 120_000 }, async () => {
    const context = await browser.newPhone();
    const page = await context.newPage();
    await fillJoinForm(page, MEMBER);
    // The household search shows the head's name masked, never in full.
    await page.getByTestId('join-household-search').locator('input').fill('张建明');
    await page.getByTestId('join-household-choice').filter({ hasText: '户主 张*明' }).click();
    expect(await page.locator('body').innerText()).not.toContain('张建明户');
    await page.getByTestId('join-privacy').getByText('谁能看到').waitFor();
    await page.getByTestId('join-consent').click();
    await page.locator('.van-toast').waitFor({ state: 'hidden' });
    await screenshot(page, 'registration-join-form');
    const res = await calling(page, 'POST', /\/api\/join\/[\w-]+\/register$/, () => page.getByTestId('join-submit').click());
    expect(res.status()).toBe(200);
    expect((await res.json()).registration.status).toBe('matched');
    await page.waitForURL(/\/h5\/home$/);
    await page.getByTestId('tabbar').waitFor();
    await screenshot(page, 'registration-matched-home');
    const mine = await page.evaluate(() => fetch('/api/households/mine').then((r) => r.json()));
    expect(mine.household.id).toBe(householdId);
    await context.close();
  });

  it('an unmatched villager waits, the cadre approves on the phone, and the villager is in', { timeout: 150_000 }, async () => {
    const villager = await browser.newPhone();
    const page = await villager.newPage();
    await fillJoinForm(page, NEWCOMER);
    await page.getByTestId('join-household-text').locator('input').fill('张建明家（前街 20 号）');
    await page.getByTestId('join-consent').click();
    const res = await calling(page, 'POST', /\/api\/join\/[\w-]+\/register$/, () => page.getByTestId('join-submit').click());
    expect((await res.json()).registration.status).toBe('pending');
    await page.waitForURL(/\/h5\/join\/status$/);
    await page.getByTestId('join-status').getByText('已提交，等待村两委审核').waitFor();
    await screenshot(page, 'registration-pending');

    // The cadre, on their phone: 注册审核 from the home page, the household chosen, approved.
    const cadreContext = await browser.newPhone();
    await signInContext(cadreContext, base, await t.login(CADRE));
    const cadre = await cadreContext.newPage();
    await cadre.goto(`${base}/h5/home`);
    await cadre.getByTestId('home-registrations').click();
    await cadre.waitForURL(/\/h5\/registrations$/);
    const card = cadre.getByTestId('registration-card').filter({ hasText: NEWCOMER.name });
    await card.getByText('村民填写：张建明家（前街 20 号）').waitFor();
    await card.getByTestId('registration-household').selectOption(householdId);
    await screenshot(cadre, 'registration-cadre-approve');
    const approved = await calling(cadre, 'POST', /\/api\/registrations\/[\w-]+\/approve$/, () => card.getByTestId('registration-approve').click());
    expect(approved.status()).toBe(200);
    await card.waitFor({ state: 'detached' });
    await expect.poll(() => sms.textsTo(NEWCOMER.phone).map((s) => s.body).join('\n')).toContain('注册申请已通过');

    // The villager's page shows it; one tap and they are in.
    await page.getByTestId('join-refresh').click();
    await page.getByTestId('join-enter').waitFor();
    await screenshot(page, 'registration-approved');
    await page.getByTestId('join-enter').click();
    await page.waitForURL(/\/h5\/home$/);
    await page.getByTestId('tabbar').waitFor();
    const mine = await page.evaluate(() => fetch('/api/households/mine').then((r) => r.json()));
    expect(mine.household.id).toBe(householdId);
    await villager.close();
    await cadreContext.close();
  });
});
