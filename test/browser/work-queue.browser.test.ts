import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoAccounts, demoGridWorkers } from '../../src/modules/demo/demo.seed.js';
import { ensureWebBuilt, launchBrowser, logInConsole, responseTo, signInContext, type TestBrowser } from '../support/browser.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * 待办 in a real browser against the real app: the grid worker of 西阳邱村第一网格 has 待办 open on
 * the phone (390×844) when a villager reports a case in that grid; the item appears without a reload
 * and the tab's badge goes up; once the worker accepts it, it leaves 待接单 at once. The worker of
 * the neighbouring grid never sees it. The console's 我的待办 card for township staff (1440×900)
 * shows the API's counts. Screenshots: docs/screenshots/work-queue-*.png.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const screenshots = path.join(root, 'docs', 'screenshots');
const VILLAGE = '130631202206'; // 西阳邱村
const GRID = `${VILLAGE}01`; // 西阳邱村第一网格
const account = (phone: string) => demoAccounts.find((a) => a.phone === phone)!;
const VILLAGER = account('13800000005');
const WORKER = account('13800000004');
const STAFF = account('13800000001');
const NEIGHBOUR = demoGridWorkers().find((w) => w.regionCode === `${VILLAGE}02`)!; // 西阳邱村第二网格
const REPORT = '一网格村东头的排水渠堵了，污水漫到了路面上，请尽快处理。';
const DESKTOP = { viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false };

interface Queue {
  items: { kind: string; id: string; title: string; dueAt: string | null }[];
  total: number;
  counts: Record<string, number>;
}

let t: TestApp;
let browser: TestBrowser;
let base: string;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  ensureWebBuilt();
  mkdirSync(screenshots, { recursive: true });
  t = await createTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  for (const a of [VILLAGER, WORKER, STAFF, NEIGHBOUR]) tokens[a.phone] = await t.login(a.phone);
  browser = await launchBrowser();
}, 180_000);

afterEach(() => browser?.assertNoPageErrors());

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function apiQueue(phone: string): Promise<Queue> {
  const res = await t.request({ method: 'GET', url: '/api/work-queue?pageSize=200', token: tokens[phone] });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Queue;
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true, animations: 'disabled' });
}

/** The number on the 待办 tab's badge (0 when there is none). */
async function badge(page: Page): Promise<number> {
  const b = page.getByTestId('tab-work').locator('.van-badge');
  if ((await b.count()) === 0) return 0;
  return Number(await b.innerText());
}

/** Opens 待办 on a phone signed in as `phone`; resolves once its first list has arrived. */
async function openQueue(phone: string): Promise<Page> {
  const context = await browser.newPhone();
  await signInContext(context, base, tokens[phone]!);
  const page = await context.newPage();
  const loaded = responseTo(page, 'GET', '/api/work-queue');
  await page.goto(`${base}/h5/work`);
  expect((await loaded).status()).toBe(200);
  await page.getByTestId('wq-kinds').waitFor();
  return page;
}

describe('待办 follows the live stream', () => {
  it('1. a report in the grid appears on the worker’s phone without a reload, and leaves 待接单 once accepted', { timeout: 120_000 }, async () => {
    const page = await openQueue(WORKER.phone);
    const neighbour = await openQueue(NEIGHBOUR.phone);
    const before = await apiQueue(WORKER.phone);
    await expect.poll(() => badge(page)).toBe(before.total);
    let navigations = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations += 1;
    });

    // The villager reports at the grid's centre, through the API.
    const grid = await t.request({ method: 'GET', url: `/api/regions/${GRID}`, token: tokens[STAFF.phone] });
    expect(grid.statusCode).toBe(200);
    const filed = await t.request({
      method: 'POST',
      url: '/api/cases',
      token: tokens[VILLAGER.phone],
      payload: { id: randomUUID(), categoryCode: 'sanitation', description: REPORT, location: grid.json().centre, photoIds: [] },
    });
    expect(filed.statusCode, filed.body).toBe(201);
    const c = filed.json() as { id: string; gridCode: string; level: string };
    expect(c).toMatchObject({ gridCode: GRID, level: 'grid' });
    const reportedAt = Date.now();

    // Live: the item shows in the open page (no navigation), under 待接单, and the badge counts it.
    const item = page.getByTestId(`wq-item-case_accept-${c.id}`);
    await item.waitFor({ timeout: 5_000 });
    console.info(`待办: the report reached the open page ${Date.now() - reportedAt} ms after it was filed`);
    expect(navigations).toBe(0);
    const text = await item.innerText();
    expect(text).toContain(REPORT.slice(0, 10));
    expect(text).toContain('待接单');
    await expect.poll(() => badge(page)).toBe(before.total + 1);
    const after = await apiQueue(WORKER.phone);
    expect(after.counts.case_accept).toBe(before.counts.case_accept! + 1);
    expect(await page.getByTestId('wq-kind-case_accept').innerText()).toContain(String(after.counts.case_accept));
    await page.locator('.wq-item').first().waitFor();
    await screenshot(page, 'work-queue-1-h5-list');

    // The neighbouring grid's worker never has it, in the page (reloaded, so it is fresh) or the API.
    const fresh = responseTo(neighbour, 'GET', '/api/work-queue');
    await neighbour.reload();
    const theirs = (await (await fresh).json()) as Queue;
    expect(theirs.items.some((i) => i.id === c.id)).toBe(false);
    await neighbour.getByTestId('wq-kinds').waitFor();
    expect(await neighbour.locator(`[data-testid$="-${c.id}"]`).count()).toBe(0);
    expect((await apiQueue(NEIGHBOUR.phone)).items.some((i) => i.id === c.id)).toBe(false);
    if (process.env.SCREENSHOT_DIR) await neighbour.screenshot({ path: path.join(process.env.SCREENSHOT_DIR, 'work-queue-neighbour.png'), fullPage: true });

    // The worker accepts (from another device, through the API): the open page drops it from 待接单 at once.
    const accepted = await t.request({ method: 'POST', url: `/api/cases/${c.id}/accept`, token: tokens[WORKER.phone], payload: {} });
    expect(accepted.statusCode, accepted.body).toBe(200);
    await item.waitFor({ state: 'detached', timeout: 5_000 });
    await page.getByTestId(`wq-item-case_handle-${c.id}`).waitFor({ timeout: 5_000 });
    expect(navigations).toBe(0);
    const done = await apiQueue(WORKER.phone);
    expect(done.items.some((i) => i.kind === 'case_accept' && i.id === c.id)).toBe(false);
    expect(done.counts.case_accept).toBe(before.counts.case_accept);
    await expect.poll(() => badge(page)).toBe(done.total);

    await page.context().close();
    await neighbour.context().close();
  });

  it('2. a visit recorded elsewhere (no live event) shows when the app comes back to the foreground', { timeout: 60_000 }, async () => {
    const page = await openQueue(WORKER.phone);
    const now = Date.now();
    const late = (await apiQueue(WORKER.phone)).items.find((i) => i.kind === 'care_visit' && i.dueAt !== null && Date.parse(i.dueAt) < now);
    expect(late, 'the demo grid has an overdue visit').toBeDefined();
    const item = page.getByTestId(`wq-item-care_visit-${late!.id}`);
    expect(await item.innerText()).toContain('已超时');

    // The worker records the visit on another device: no live event, so this page still has the old copy.
    const residentId = late!.id.replace(/^plan:/, '');
    const visit = await t.request({ method: 'POST', url: `/api/elderly/${residentId}/visits`, token: tokens[WORKER.phone], payload: { id: randomUUID(), condition: 'good', notes: '精神很好。' } });
    expect(visit.statusCode, visit.body).toBe(200);
    expect(await item.innerText()).toContain('已超时');

    // Back in the foreground (the event the browser fires when the tab is shown again): the queue is fetched anew.
    const fetched = responseTo(page, 'GET', '/api/work-queue');
    await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    expect((await fetched).status()).toBe(200);
    // Visited: the plan's next visit is not due yet (listed as such, or not at all, as the API says).
    const after = (await apiQueue(WORKER.phone)).items.find((i) => i.kind === 'care_visit' && i.id === late!.id);
    expect(after === undefined || Date.parse(after.dueAt!) > now).toBe(true);
    if (after) await expect.poll(async () => (await item.innerText()).includes('已超时')).toBe(false);
    else await item.waitFor({ state: 'detached' });
    await page.context().close();
  });

  it('3. the console’s 我的待办 card shows the API’s counts for township staff', { timeout: 60_000 }, async () => {
    // Something for the township's office: a villager's 代办 request (the test above left it only the grid worker's case).
    const guides = await t.request({ method: 'GET', url: '/api/service-guides', token: tokens[VILLAGER.phone] });
    const dibao = (guides.json().items as { id: string; code: string }[]).find((g) => g.code === 'dibao')!;
    const submitted = await t.request({
      method: 'POST',
      url: '/api/service-requests',
      token: tokens[VILLAGER.phone],
      payload: { id: randomUUID(), guideId: dibao.id, kind: 'proxy', note: '老伴生病，家里收入少，想申请低保。' },
    });
    expect(submitted.statusCode, submitted.body).toBe(201);

    const context = await browser.newPhone(DESKTOP);
    const page = await context.newPage();
    const loaded = responseTo(page, 'GET', '/api/work-queue');
    await logInConsole(page, base, STAFF.phone);
    const shown = (await (await loaded).json()) as Queue;
    const api = await apiQueue(STAFF.phone);
    expect(shown.counts).toEqual(api.counts);
    const card = page.getByTestId('home-work-queue');
    const heading = await card.locator('.page-header').innerText();
    expect(heading).toContain('我的待办');
    expect(heading).toContain(`共 ${api.total} 项`);
    const open = Object.entries(api.counts).filter(([, n]) => n > 0);
    expect(open.length).toBeGreaterThan(0);
    for (const [kind, n] of Object.entries(api.counts)) {
      const chip = page.getByTestId(`home-queue-${kind}`);
      if (n === 0) expect(await chip.count()).toBe(0);
      else expect(Number(await chip.locator('strong').innerText())).toBe(n);
    }
    await page.evaluate(() => document.fonts.ready.then(() => undefined));
    // The card among the 工作台's others, as staff see it on a laptop.
    await page.screenshot({ path: path.join(screenshots, 'work-queue-2-console-card.png'), animations: 'disabled' });
    await context.close();
  });
});
