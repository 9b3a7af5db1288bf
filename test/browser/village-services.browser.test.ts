import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoAccounts } from '../../src/modules/demo/demo.seed.js';
import { calling, clickMenu, ensureWebBuilt, launchBrowser, logInConsole, logInPhone, type TestBrowser } from '../support/browser.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * 乡村信息、办证办事、养老 in real browsers against the real app and real speech (espeak-ng): a villager
 * turns on the elder-friendly mode (长辈模式) on a 390×844 phone, has the township's notice read aloud,
 * finds the guide for 低保申请 and asks the village to handle it (代办); the village cadre finds the
 * request in the console and accepts it; the grid worker's care tasks and the console's register
 * and notices are shown too. Every step is checked in the page and through the API, and leaves a
 * screenshot in docs/screenshots/village-*.png.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const screenshots = path.join(root, 'docs', 'screenshots');
const account = (phone: string) => demoAccounts.find((a) => a.phone === phone)!;
const VILLAGER = account('13800000005');
const CADRE = account('13800000002');
const GRID_WORKER = account('13800000004');
const MEDICAL_NOTICE = '5a1e0000-0000-4000-8000-000000001001'; // the township's 医保缴费 notice (demo)
const DESKTOP = { viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false };
const WAIT = { timeout: 30_000, interval: 100 };

let t: TestApp;
let browser: TestBrowser;
let base: string;
const tokens: Record<string, string> = {};
/** The villager's request of step 2, for the cadre in step 3. */
let requestId: string | undefined;

beforeAll(async () => {
  ensureWebBuilt();
  mkdirSync(screenshots, { recursive: true });
  t = await createTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  for (const a of [VILLAGER, CADRE, GRID_WORKER]) tokens[a.phone] = await t.login(a.phone);
  browser = await launchBrowser();
}, 180_000);

afterEach(() => {
  browser?.assertNoPageErrors();
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function api<T>(method: 'GET' | 'POST', url: string, phone: string, payload?: object): Promise<T> {
  const res = await t.request({ method, url, token: tokens[phone], ...(payload ? { payload } : {}) });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
  return res.json() as T;
}

/** The whole page as a person would see it (see broadcast.browser.test.ts). */
async function screenshot(page: Page, name: string): Promise<void> {
  await page.mouse.move(0, 0);
  await page.waitForFunction(() => Array.from(document.images).every((img) => img.complete && img.naturalWidth > 0));
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  // Toasts and messages have said their piece; the page itself is what the picture shows.
  await page.waitForFunction(() => ![...document.querySelectorAll('.van-toast, .el-message')].some((el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden'), undefined, {
    timeout: 10_000,
  });
  await page.waitForTimeout(300); // transitions settle
  const screen = page.viewportSize()!;
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  if (height > screen.height) await page.setViewportSize({ width: screen.width, height });
  await page.screenshot({ path: path.join(screenshots, `${name}.png`), animations: 'disabled' });
  if (height > screen.height) await page.setViewportSize(screen);
}

/** WCAG contrast ratio of an element's text colour against white (the elder-mode page background). */
async function contrastOnWhite(page: Page, testId: string): Promise<number> {
  return page.getByTestId(testId).evaluate((el) => {
    const [r, g, b] = getComputedStyle(el).color.match(/\d+(\.\d+)?/g)!.slice(0, 3).map(Number) as [number, number, number];
    const lin = (c: number) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    const l = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    return 1.05 / (l + 0.05);
  });
}

const px = (page: Page, testId: string, property: 'fontSize' | 'height') =>
  page.getByTestId(testId).evaluate((el, p) => (p === 'height' ? el.getBoundingClientRect().height : parseFloat(getComputedStyle(el).fontSize)), property);

describe('乡村信息、办证办事: a villager in elder-friendly mode reads a notice aloud and asks for 低保; the cadre takes it', () => {
  it('1. elder-friendly mode: larger text and touch targets, high contrast, one task per button; the notice is read aloud', { timeout: 120_000 }, async () => {
    const context = await browser.newPhone();
    const page = await context.newPage();
    await logInPhone(page, base, VILLAGER.phone);

    // Normal mode first, for comparison.
    const normalFont = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
    const normalEntry = await px(page, 'vs-entry-notices', 'height');
    await page.getByTestId('elder-mode').click();
    await expect.poll(() => page.evaluate(() => document.documentElement.classList.contains('elder'))).toBe(true);
    const elderFont = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
    expect(normalFont).toBe(17);
    expect(elderFont).toBeGreaterThanOrEqual(20);
    expect(await px(page, 'vs-entry-notices', 'height')).toBeGreaterThan(normalEntry);
    expect(await px(page, 'vs-entry-notices', 'height')).toBeGreaterThanOrEqual(56);
    // One task per screen: the population figures of the home page give way to the tasks.
    expect(await page.locator('.hero .figures').isVisible()).toBe(false);
    // The choice is kept on the phone.
    expect(await page.evaluate(() => localStorage.getItem('shuxiang.elder'))).toBe('1');
    await screenshot(page, 'village-1-h5-home-elder');

    await page.getByTestId('vs-entry-notices').click();
    await page.waitForURL(/\/h5\/notices$/);
    await page.getByTestId(`notice-card-${MEDICAL_NOTICE}`).waitFor();
    const opened = await calling(page, 'GET', `/api/notices/${MEDICAL_NOTICE}`, () => page.getByTestId(`notice-card-${MEDICAL_NOTICE}`).click());
    expect(opened.status()).toBe(200);
    await page.getByTestId('notice-title').filter({ hasText: '医疗保险费' }).waitFor();
    // Large, high-contrast reading: the title and text in big type, near-black on white.
    expect(await px(page, 'notice-title', 'fontSize')).toBeGreaterThanOrEqual(26);
    expect(await px(page, 'notice-body', 'fontSize')).toBeGreaterThanOrEqual(21);
    expect(await contrastOnWhite(page, 'notice-body')).toBeGreaterThanOrEqual(7);
    expect(await px(page, 'read-aloud', 'height')).toBeGreaterThanOrEqual(56);

    // 朗读: the page's text goes to the platform's TTS; the <audio> element gets the signed URL and loads it.
    const spoken = await calling(page, 'POST', '/api/read-aloud', () => page.getByTestId('read-aloud').click());
    expect(spoken.status()).toBe(200);
    const speech = (await spoken.json()) as { url: string; durationMs: number };
    expect(JSON.parse(spoken.request().postData() ?? '{}').text).toMatch(/^关于缴纳2027年度城乡居民医疗保险费的通知。各村村民/);
    const audio = page.getByTestId('read-aloud-audio');
    await expect.poll(() => audio.evaluate((el: HTMLAudioElement) => el.src), WAIT).toContain(speech.url);
    await expect.poll(() => audio.evaluate((el: HTMLAudioElement) => el.readyState), WAIT).toBeGreaterThanOrEqual(1);
    expect(await audio.evaluate((el: HTMLAudioElement) => el.duration)).toBeCloseTo(speech.durationMs / 1000, 0);
    await screenshot(page, 'village-2-h5-notice-read-aloud');
    await page.getByTestId('read-aloud').click(); // stop (or play again, when the headless browser never started)

    // The villager's opening counted once.
    const notice = await api<{ readCount: number }>('GET', `/api/public/notices/${MEDICAL_NOTICE}`, VILLAGER.phone);
    expect(notice.readCount).toBe(1);
    await context.close();
  });

  it('2. the villager finds the guide for 低保申请 and asks the village to handle it (代办)', { timeout: 120_000 }, async () => {
    const context = await browser.newPhone();
    await context.addInitScript(() => {
      try {
        localStorage.setItem('shuxiang.elder', '1');
      } catch {
        // about:blank has no storage
      }
    });
    const page = await context.newPage();
    await logInPhone(page, base, VILLAGER.phone);
    expect(await page.evaluate(() => document.documentElement.classList.contains('elder'))).toBe(true);

    await page.getByTestId('vs-entry-guides').click();
    await page.waitForURL(/\/h5\/services$/);
    await page.getByTestId('guide-hukou_transfer').waitFor();
    await page.getByTestId('guides-search').locator('input').fill('低保');
    const searched = await calling(page, 'GET', '/api/service-guides', () => page.getByTestId('guides-search').locator('input').press('Enter'));
    expect(new URL(searched.url()).searchParams.get('q')).toBe('低保');
    await expect.poll(() => page.locator('[data-testid^="guide-"][data-testid$="_transfer"]').count()).toBe(0);
    await page.getByTestId('guide-dibao').click();
    await page.getByTestId('guide-name').filter({ hasText: '低保申请' }).waitFor();
    await page.getByTestId('guide-materials').getByText('户口簿和家庭成员身份证').waitFor();
    await screenshot(page, 'village-3-h5-guide-dibao');

    await page.getByTestId('guide-proxy').click();
    await page.waitForURL(/\/h5\/services\/[^/]+\/request\?kind=proxy$/);
    await page.getByTestId('request-note').locator('textarea').fill('老伴常年生病，家里收入少，想申请低保，请村里帮忙代办。');
    expect(await page.getByTestId('request-phone').locator('input').inputValue()).toBe(VILLAGER.phone);
    await screenshot(page, 'village-4-h5-request-form');
    const submitted = await calling(page, 'POST', '/api/service-requests', () => page.getByTestId('request-submit').click());
    expect(submitted.status()).toBe(201);
    const request = (await submitted.json()) as { id: string; number: string; state: string; kind: string };
    expect(request).toMatchObject({ state: 'submitted', kind: 'proxy' });
    await page.waitForURL(`**/h5/requests/${request.id}`);
    await page.getByTestId('request-state').filter({ hasText: '待受理' }).waitFor();
    await page.getByTestId('request-number').filter({ hasText: request.number }).waitFor();
    await page.getByTestId('request-action-cancel').waitFor();
    await screenshot(page, 'village-5-h5-request-submitted');

    // 我的申请 lists it.
    await page.goto(`${base}/h5/requests`);
    await page.getByTestId(`request-state-${request.id}`).filter({ hasText: '待受理' }).waitFor();
    requestId = request.id;
    await context.close();
  });

  it('3. the village cadre finds the request in the console, accepts it, and the villager sees it in hand', { timeout: 120_000 }, async () => {
    if (!requestId) throw new Error('step 2 (the villager asks) did not complete');
    const context = await browser.newPhone(DESKTOP);
    const page = await context.newPage();
    await logInConsole(page, base, CADRE.phone);
    await clickMenu(page, 'vs-requests');
    await page.waitForURL(/\/console\/service-requests$/);
    await page.getByTestId(`request-row-${requestId}`).filter({ hasText: '低保申请' }).waitFor();
    await page.getByTestId(`request-state-${requestId}`).filter({ hasText: '待受理' }).waitFor();
    await page.getByTestId(`request-row-${requestId}`).click();
    await page.getByTestId('request-drawer-state').filter({ hasText: '待受理' }).waitFor();
    const accepted = await calling(page, 'POST', `/api/service-requests/${requestId}/accept`, () => page.getByTestId('request-accept').click());
    expect(accepted.status()).toBe(200);
    await page.getByTestId('request-drawer-state').filter({ hasText: '办理中' }).waitFor();
    await page.getByTestId('request-timeline').getByText('受理').first().waitFor();
    await screenshot(page, 'village-6-console-requests');
    const detail = await api<{ state: string; handlerName: string }>('GET', `/api/service-requests/${requestId}`, VILLAGER.phone);
    expect(detail).toMatchObject({ state: 'accepted', handlerName: CADRE.name });

    // The console's notices: the villager's read shows in the count.
    await page.keyboard.press('Escape');
    await page.getByTestId('request-drawer-state').waitFor({ state: 'hidden' });
    await clickMenu(page, 'vs-notices');
    await page.waitForURL(/\/console\/notices$/);
    await page.getByTestId(`notice-reads-${MEDICAL_NOTICE}`).filter({ hasText: '1' }).waitFor();
    await screenshot(page, 'village-7-console-notices');

    // Publishing from the console: a disclosure to the village, spoken on its loudspeakers in the same action.
    await page.getByTestId('notice-create').click();
    const dialog = page.getByTestId('notice-dialog');
    await dialog.getByTestId('notice-kind-affairs').click();
    await dialog.getByTestId('notice-category').click();
    await page.locator('.el-select-dropdown__item').filter({ hasText: '惠民补贴' }).click();
    await dialog.getByTestId('notice-title').fill('2026年冬季困难群众取暖补贴发放公示');
    await dialog.getByTestId('notice-body').fill('经村民代表会议评议，本村 12 户困难群众享受冬季取暖补贴，每户 600 元，名单在村委会公开栏张贴，公示期 7 天。');
    // The list of households goes up as a PDF, uploaded as soon as it is chosen.
    const listPdf = Buffer.from('%PDF-1.4\n% 取暖补贴名单\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
    const uploaded = await calling(page, 'POST', '/api/village-files', () =>
      dialog.getByTestId('notice-file').setInputFiles({ name: '取暖补贴名单.pdf', mimeType: 'application/pdf', buffer: listPdf }),
    );
    expect(uploaded.status()).toBe(201);
    await dialog.getByTestId('notice-item').filter({ hasText: '取暖补贴名单.pdf' }).waitFor();
    await dialog.getByTestId('notice-broadcast').click();
    await screenshot(page, 'village-10-console-notice-publish');
    const published = await calling(page, 'POST', '/api/notices', () => dialog.getByTestId('notice-publish').click());
    expect(published.status()).toBe(201);
    const sent = (await published.json()) as {
      id: string;
      kind: string;
      affairsCategory: string;
      broadcastId: string | null;
      region: { code: string };
      files: { filename: string; kind: string }[];
    };
    expect(sent).toMatchObject({ kind: 'affairs', affairsCategory: 'subsidy', region: { code: '130631202206' }, files: [{ filename: '取暖补贴名单.pdf', kind: 'document' }] });
    expect(sent.broadcastId).not.toBeNull();
    await page.getByTestId(`notice-row-${sent.id}`).waitFor();
    const broadcast = await api<{ title: string; target: { codes: string[] } }>('GET', `/api/broadcasts/${sent.broadcastId}`, CADRE.phone);
    expect(broadcast).toMatchObject({ title: '村务公开：2026年冬季困难群众取暖补贴发放公示', target: { codes: ['130631202206'] } });

    // The elderly register's visit plans, overdue first.
    await clickMenu(page, 'vs-plans');
    await page.waitForURL(/\/console\/elderly\/plans$/);
    await page.getByTestId('elderly-stats').waitFor();
    await page.getByTestId('elderly-table').getByText('王秀英').waitFor();
    await screenshot(page, 'village-8-console-visit-plans');
    await context.close();
  });

  it('4. the grid worker’s care tasks: the overdue visit first, today’s meal to deliver', { timeout: 120_000 }, async () => {
    const context = await browser.newPhone();
    const page = await context.newPage();
    await logInPhone(page, base, GRID_WORKER.phone);
    await page.getByTestId('vs-entry-care').click();
    await page.waitForURL(/\/h5\/care$/);
    const overdue = page.locator('[data-testid^="care-task-"]').first();
    await overdue.filter({ hasText: '王秀英' }).filter({ hasText: '已逾期' }).waitFor();
    await page.getByText('今天要送的餐').waitFor();
    await screenshot(page, 'village-9-h5-care-tasks');
    await overdue.click();
    await page.getByTestId('resident-name').filter({ hasText: '王秀英' }).waitFor();
    await page.getByTestId('resident-health').getByText('高血压').waitFor();
    await context.close();
  });
});
