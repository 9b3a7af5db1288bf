import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoAccounts } from '../../src/modules/demo/demo.seed.js';
import { calling, ensureWebBuilt, launchBrowser, logInPhone, responseTo, type TestBrowser } from '../support/browser.js';
import { sampleFile } from '../support/samples.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * The whole grid-management loop, 群众点单、网格接单、支部评单, in a real browser on a phone-sized
 * screen against the real app (its own database with the demo data, the built web apps):
 * a villager reports with a real photo, the grid worker accepts and resolves with an after-photo,
 * the branch secretary approves, and the villager rates. Every step is checked in the page and
 * again through the API, and leaves a screenshot in docs/screenshots/loop-*.png.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const screenshots = path.join(root, 'docs', 'screenshots');
const GRID = '13063120220601'; // 西阳邱村第一网格
const account = (phone: string) => demoAccounts.find((a) => a.phone === phone)!;
const VILLAGER = account('13800000005');
const WORKER = account('13800000004');
const SECRETARY = account('13800000003');

const REPORT = '村口小桥下面的河道里漂着很多塑料袋和秸秆，水都不流了，气味很大。';
const RESOLUTION = '已组织保洁员打捞清运河道垃圾，桥边立了“禁止倾倒”的牌子。';
const APPROVAL = '处置及时，现场已恢复。';
const RATING_COMMENT = '当天就清理干净了，谢谢网格员！';

interface CaseView {
  id: string;
  number: string;
  state: string;
  gridCode: string | null;
  location: { lon: number; lat: number } | null;
  acceptDueAt: string | null;
  assignee: { id: string; name: string } | null;
  description: string;
  resolutionNote: string | null;
  evaluationComment: string | null;
  rating: number | null;
  ratingComment: string | null;
  photos: { report: { url: string }[]; resolution: { url: string }[] };
}

let t: TestApp;
let browser: TestBrowser;
let base: string;
let centre: { lon: number; lat: number };
let villager: { context: BrowserContext; page: Page } | undefined;
const tokens: Record<string, string> = {};
/** The case the villager files in step 1, and two filed beforehand through the API. */
let filed: { id: string; number: string } | undefined;
let earlier: CaseView; // safety_hazard: 2 working hours to accept — due before the villager's report
let later: CaseView; // infrastructure: 8 working hours to accept — due after it

beforeAll(async () => {
  // The app serves web/dist only if it is built when the app starts: build it first when stale.
  ensureWebBuilt();
  sampleFile('leuvenA.jpg');
  sampleFile('basketball1.png');
  mkdirSync(screenshots, { recursive: true });

  t = await createTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  for (const a of [VILLAGER, WORKER, SECRETARY]) tokens[a.phone] = await t.login(a.phone);

  const grid = await t.request({ method: 'GET', url: `/api/regions/${GRID}`, token: await t.tokenFor('township_staff') });
  expect(grid.statusCode).toBe(200);
  centre = grid.json().centre;
  expect(centre).toMatchObject({ lon: expect.any(Number), lat: expect.any(Number) });

  // Two other reports in the same grid, one due sooner and one later than step 1's (sanitation, 4 h),
  // so that the worker's queue shows the ordering by deadline rather than by filing time.
  const file = async (categoryCode: string, description: string, dx: number, dy: number) => {
    const res = await t.request({
      method: 'POST',
      url: '/api/cases',
      token: tokens[VILLAGER.phone],
      payload: { id: randomUUID(), categoryCode, description, location: { lon: centre.lon + dx, lat: centre.lat + dy }, photoIds: [] },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as CaseView;
  };
  later = await file('infrastructure', '村委会门口往东第三根路灯不亮，晚上路黑。', 0.0005, -0.0004);
  earlier = await file('safety_hazard', '北边坑塘边的护栏断了一截，孩子放学常从这里走。', 0.0002, 0.0006);

  browser = await launchBrowser();
}, 180_000);

afterEach(() => {
  browser?.assertNoPageErrors();
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

// ---- helpers -------------------------------------------------------------------------------------

/** The success toast with this text, then its disappearance (so screenshots show the page itself). */
async function toast(page: Page, text: string): Promise<void> {
  const shown = page.locator('.van-toast').filter({ hasText: text });
  await shown.waitFor({ state: 'visible' });
  await shown.waitFor({ state: 'hidden' });
}

/** The case page's card whose title (its `.label`) is exactly this. */
function cardTitled(page: Page, title: string) {
  return page.locator('.card').filter({ has: page.locator('.label').getByText(title, { exact: true }) });
}

async function caseState(page: Page, label: string): Promise<void> {
  await page.getByTestId('case-state').filter({ hasText: label }).waitFor();
}

async function screenshot(page: Page, name: string): Promise<void> {
  // Every image decoded and the CJK fonts in, so the picture is what a person would see.
  await page.waitForFunction(() => Array.from(document.images).every((img) => img.complete && img.naturalWidth > 0));
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true, animations: 'disabled' });
}

async function apiCase(id: string, phone: string): Promise<CaseView> {
  const res = await t.request({ method: 'GET', url: `/api/cases/${id}`, token: tokens[phone] });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as CaseView;
}

/** A stored photo, fetched by the signed URL the API hands out: every upload is kept as a JPEG. */
async function expectJpeg(url: string): Promise<void> {
  const res = await t.request({ method: 'GET', url });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toBe('image/jpeg');
  expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
}

function theCase(): { id: string; number: string } {
  if (!filed) throw new Error('step 1 (the villager reports) did not complete');
  return filed;
}

// ---- the loop ------------------------------------------------------------------------------------

describe('grid management loop in the phone app: 群众点单、网格接单、支部评单', () => {
  it('1. the villager reports a problem with a real photo and their location', { timeout: 120_000 }, async () => {
    const context = await browser.newPhone();
    await context.grantPermissions(['geolocation'], { origin: base });
    await context.setGeolocation({ latitude: centre.lat, longitude: centre.lon, accuracy: 10 });
    const page = await context.newPage();
    villager = { context, page };

    await logInPhone(page, base, VILLAGER.phone);
    await page.getByTestId('tabbar').getByText('上报', { exact: true }).click();
    await page.waitForURL(/\/h5\/report$/);

    await page.getByTestId('category-sanitation').click();
    await expect.poll(() => page.getByTestId('category-sanitation').getAttribute('aria-checked')).toBe('true');
    await page.getByTestId('report-description').locator('textarea').fill(REPORT);

    // leuvenA.jpg carries the GPS position where it was taken, in Leuven (Belgium). The form asks which
    // grid that is, gets 404 (no grid of the township there; Chromium logs the expected 404), and leaves
    // the place to the villager rather than pinning the report in Belgium.
    browser.allowConsoleError(/status of 404 .*\/api\/regions\/locate\?/);
    const [upload, photoPlace] = await Promise.all([
      responseTo(page, 'POST', '/api/photos'),
      responseTo(page, 'GET', '/api/regions/locate'),
      page.getByTestId('photo-input').setInputFiles(sampleFile('leuvenA.jpg')),
    ]);
    expect(upload.status()).toBe(201);
    expect((await upload.json()).items[0].exif).toMatchObject({ lat: expect.closeTo(50.8715, 3), lon: expect.closeTo(4.697, 3) });
    expect(photoPlace.status()).toBe(404);
    expect(new URL(photoPlace.url()).searchParams.get('lat')).toMatch(/^50\.87/);
    await page.locator('.photos .thumb img').waitFor();
    expect(await page.locator('.region-map .pin').count()).toBe(0);

    const located = await calling(page, 'GET', '/api/regions/locate', () => page.getByTestId('report-locate').click());
    expect(located.status()).toBe(200);
    expect((await located.json()).grid.code).toBe(GRID);
    await page.locator('.place .van-cell').filter({ hasText: '所在网格' }).filter({ hasText: '西阳邱村第一网格' }).waitFor();
    expect(await page.locator('.region-map .pin').count()).toBe(1);
    // Nothing was said about the photo's place: neither "placed from the photo" nor "outside the grids".
    expect(await page.getByText('已按照片的拍摄位置标注').count()).toBe(0);
    expect(await page.getByText('这个位置不在本乡的网格内').count()).toBe(0);
    expect(await page.locator('.photos .thumb .status').count()).toBe(0); // uploaded, not failed

    const created = await calling(page, 'POST', '/api/cases', () => page.getByTestId('report-submit').click());
    expect(created.status()).toBe(201);
    const body = (await created.json()) as CaseView;
    filed = { id: body.id, number: body.number };

    await page.waitForURL(`**/h5/cases/${filed.id}`);
    await toast(page, '上报成功');
    await caseState(page, '待接单');
    await page.getByText(`编号 ${filed.number}`).waitFor();
    await page.locator('.card .thumbs img').first().waitFor();
    await screenshot(page, 'loop-1-villager-report');

    const stored = await apiCase(filed.id, VILLAGER.phone);
    expect(stored).toMatchObject({ state: 'submitted', gridCode: GRID, description: REPORT });
    expect(stored.location!.lon).toBeCloseTo(centre.lon, 6);
    expect(stored.location!.lat).toBeCloseTo(centre.lat, 6);
    expect(stored.photos.report).toHaveLength(1);
    expect(stored.photos.resolution).toHaveLength(0);
    await expectJpeg(stored.photos.report[0]!.url);
  });

  it('2. the grid worker sees it in 待办 ordered by deadline and accepts it', { timeout: 120_000 }, async () => {
    const { id } = theCase();
    const context = await browser.newPhone();
    const page = await context.newPage();
    await logInPhone(page, base, WORKER.phone);

    await page.getByTestId('tabbar').getByText('待办', { exact: true }).click();
    await page.waitForURL(/\/h5\/work$/);
    await page.getByTestId(`wq-item-case_accept-${id}`).waitFor();

    // 待办 lists the grid's submitted cases to accept, the one due first on top.
    const open = (await t.request({ method: 'GET', url: '/api/cases?state=submitted&pageSize=100', token: tokens[WORKER.phone] })).json() as { items: CaseView[] };
    const byDeadline = [...open.items].sort((a, b) => a.acceptDueAt!.localeCompare(b.acceptDueAt!)).map((c) => `wq-item-case_accept-${c.id}`);
    const ours = [earlier.id, id, later.id].map((caseId) => `wq-item-case_accept-${caseId}`);
    expect(byDeadline.filter((c) => ours.includes(c))).toEqual(ours);
    const shown = await page.locator('[data-testid^="wq-item-case_accept-"]').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-testid')));
    expect(shown.filter((c) => byDeadline.includes(c!))).toEqual(byDeadline);

    await page.getByTestId(`wq-item-case_accept-${id}`).click();
    await page.waitForURL(`**/h5/cases/${id}`);
    await caseState(page, '待接单');
    const accepted = await calling(page, 'POST', `/api/cases/${id}/accept`, () => page.getByTestId('case-accept').click());
    expect(accepted.status()).toBe(200);
    await toast(page, '已接单');
    await caseState(page, '处置中');
    await page.getByTestId('resolve-note').waitFor();
    await screenshot(page, 'loop-2-worker-accept');

    const stored = await apiCase(id, WORKER.phone);
    expect(stored.state).toBe('accepted');
    expect(stored.assignee?.name).toBe(WORKER.name);

    // … and, back from the scene, resolves it with a note and an after-photo (a PNG, kept as JPEG).
    await page.getByTestId('resolve-note').locator('textarea').fill(RESOLUTION);
    const upload = await calling(page, 'POST', '/api/photos', () => page.getByTestId('resolve-photo-input').setInputFiles(sampleFile('basketball1.png')));
    expect(upload.status()).toBe(201);
    await page.locator('.photos .thumb img').waitFor();
    expect(await page.locator('.photos .thumb .status').count()).toBe(0);

    const resolved = await calling(page, 'POST', `/api/cases/${id}/resolve`, () => page.getByTestId('resolve-submit').click());
    expect(resolved.status()).toBe(200);
    await toast(page, '已提交办结');
    await caseState(page, '待评单');
    const result = cardTitled(page, '处置结果');
    await result.getByText(RESOLUTION).waitFor();
    expect(await result.locator('.thumbs img').count()).toBe(1);
    await screenshot(page, 'loop-3-worker-resolve');

    const done = await apiCase(id, WORKER.phone);
    expect(done).toMatchObject({ state: 'resolved', resolutionNote: RESOLUTION });
    expect(done.photos.report).toHaveLength(1);
    expect(done.photos.resolution).toHaveLength(1);
    await expectJpeg(done.photos.resolution[0]!.url);
    await context.close();
  });

  it('3. the branch secretary approves it from 待办', { timeout: 120_000 }, async () => {
    const { id } = theCase();
    const context = await browser.newPhone();
    const page = await context.newPage();
    await logInPhone(page, base, SECRETARY.phone);

    await page.getByTestId('tabbar').getByText('待办', { exact: true }).click();
    await page.waitForURL(/\/h5\/work$/);
    await page.getByTestId(`wq-item-case_evaluate-${id}`).click();
    await page.waitForURL(`**/h5/cases/${id}`);
    await caseState(page, '待评单');
    await page.getByTestId('approve-comment').locator('textarea').fill(APPROVAL);
    const approved = await calling(page, 'POST', `/api/cases/${id}/approve`, () => page.getByTestId('case-approve').click());
    expect(approved.status()).toBe(200);
    await toast(page, '评单通过');
    await caseState(page, '已办结');
    await page.getByTestId('case-timeline').getByText(APPROVAL).waitFor();
    await screenshot(page, 'loop-4-secretary-approve');

    const stored = await apiCase(id, SECRETARY.phone);
    expect(stored).toMatchObject({ state: 'closed', evaluationComment: APPROVAL });
    await context.close();
  });

  it('4. the villager finds it 已办结 in 我的上报 and rates it five stars', { timeout: 120_000 }, async () => {
    const { id, number } = theCase();
    if (!villager) throw new Error('step 1 (the villager reports) did not complete');
    const { page } = villager;

    await page.goto(`${base}/h5/home`);
    await page.getByTestId('tabbar').getByText('我的', { exact: true }).click();
    await page.waitForURL(/\/h5\/me$/);
    await page.getByText('我的上报', { exact: true }).click();
    await page.waitForURL(/\/h5\/cases\/mine$/);
    await page.getByRole('tab', { name: '处理中' }).waitFor();
    const [finished] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/api/cases' && new URL(r.url()).searchParams.get('state') === 'closed,rejected'),
      page.getByRole('tab', { name: '已结束' }).click(),
    ]);
    expect(finished.status()).toBe(200);
    const card = page.getByTestId(`case-card-${number}`);
    await card.filter({ hasText: '已办结' }).waitFor();

    await card.click();
    await page.waitForURL(`**/h5/cases/${id}`);
    await caseState(page, '已办结');
    await page.getByTestId('rate-panel').waitFor();
    await page.getByTestId('case-rate').locator('.van-rate__item').nth(4).click();
    await expect.poll(() => page.getByTestId('case-rate').locator('.van-rate__icon--full').count()).toBe(5);
    await page.getByTestId('rate-comment').locator('textarea').fill(RATING_COMMENT);
    const rated = await calling(page, 'POST', `/api/cases/${id}/rate`, () => page.getByTestId('rate-submit').click());
    expect(rated.status()).toBe(200);
    await toast(page, '感谢您的评价');

    const rating = cardTitled(page, '群众评价');
    await rating.getByText(RATING_COMMENT).waitFor();
    expect(await rating.locator('.van-rate__icon--full').count()).toBe(5);
    expect(await page.getByTestId('rate-panel').count()).toBe(0);
    await screenshot(page, 'loop-5-villager-closed-rated');

    const stored = await apiCase(id, VILLAGER.phone);
    expect(stored).toMatchObject({ state: 'closed', rating: 5, ratingComment: RATING_COMMENT });
    expect(stored.photos.report).toHaveLength(1);
    expect(stored.photos.resolution).toHaveLength(1);
    await villager.context.close();
  });
});
