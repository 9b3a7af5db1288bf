import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoAccounts } from '../../src/modules/demo/demo.seed.js';
import { demoStoreItems } from '../../src/modules/points/points.demo.js';
import { calling, clickMenu, ensureWebBuilt, launchBrowser, logInConsole, logInPhone, responseTo, type TestBrowser } from '../support/browser.js';
import { sampleFile } from '../support/samples.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * 积分制 and 积分超市 in real browsers against the real app (its own database with the demo data,
 * the built web apps): a villager whose report was closed sees the points it earned, redeems an item
 * in the village's points store on the phone, and the village cadre hands it over in the console.
 * Every step is checked in the page and again through the API, and leaves a screenshot in
 * docs/screenshots/points-*.png.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const screenshots = path.join(root, 'docs', 'screenshots');
const GRID = '13063120220601'; // 西阳邱村第一网格
const account = (phone: string) => demoAccounts.find((a) => a.phone === phone)!;
const VILLAGER = account('13800000005');
const WORKER = account('13800000004');
const SECRETARY = account('13800000003');
const CADRE = account('13800000002');
const TOWEL = demoStoreItems.find((i) => i.name === '毛巾')!; // 30 points
const OIL = demoStoreItems.find((i) => i.name === '食用油')!; // 200 points: more than the villager has

const REPORT = '村西头垃圾池满了，垃圾堆到路上，好几天没人清运。';
const RESOLUTION = '已联系保洁公司清运，垃圾池周边已打扫干净。';
const CLAIM = '周六上午参加村里组织的清理河道志愿活动，捡拾垃圾三袋。';
const DESKTOP = { viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false };

interface CaseView {
  id: string;
  number: string;
  state: string;
  gridCode: string | null;
}
interface Balance {
  person: { id: string; name: string; balance: number };
  household: { id: string; name: string; balance: number } | null;
}
interface Entry {
  id: string;
  kind: string;
  points: number;
  caseId: string | null;
  orderId: string | null;
  reason: string;
}
interface Item {
  id: string;
  name: string;
  price: number;
  stock: number;
}
interface Order {
  id: string;
  state: string;
  item: { id: string; name: string };
  buyer: { id: string; name: string };
  totalPoints: number;
  completedBy: { id: string; name: string } | null;
}

let t: TestApp;
let browser: TestBrowser;
let base: string;
const tokens: Record<string, string> = {};
let villager: { context: BrowserContext; page: Page } | undefined;
/** The closed case and its award, set up through the API before the browsers start. */
let closed: { id: string; number: string; award: Entry };
/** What the store and the villager's balance were before the redemption. */
let before: { balance: number; towelStock: number };
/** The order the villager places in step 2. */
let placed: Order | undefined;

beforeAll(async () => {
  // The app serves web/dist only if it is built when the app starts: build it first when stale.
  ensureWebBuilt();
  sampleFile('leuvenA.jpg');
  mkdirSync(screenshots, { recursive: true });

  t = await createTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  for (const a of [VILLAGER, WORKER, SECRETARY, CADRE]) tokens[a.phone] = await t.login(a.phone);

  // The villager reports, the grid worker accepts and resolves, the branch secretary approves …
  const { centre } = await api<{ centre: { lon: number; lat: number } }>('GET', `/api/regions/${GRID}`, CADRE.phone);
  const filed = await api<CaseView>('POST', '/api/cases', VILLAGER.phone, {
    id: randomUUID(),
    categoryCode: 'sanitation',
    description: REPORT,
    location: { lon: centre.lon + 0.0003, lat: centre.lat - 0.0002 },
    photoIds: [],
  });
  expect(filed.gridCode).toBe(GRID);
  await api<CaseView>('POST', `/api/cases/${filed.id}/accept`, WORKER.phone, {});
  await api<CaseView>('POST', `/api/cases/${filed.id}/resolve`, WORKER.phone, { note: RESOLUTION, photoIds: [] });
  const approved = await api<CaseView>('POST', `/api/cases/${filed.id}/approve`, SECRETARY.phone, {});
  expect(approved.state).toBe('closed');

  // … and the durable case.closed job books the points (the app under test runs no poller).
  expect(await t.services.jobs.runDue()).toBeGreaterThanOrEqual(1);
  const mine = (await api<{ items: Entry[] }>('GET', '/api/points/ledger?of=me&pageSize=50', VILLAGER.phone)).items;
  const award = mine.find((e) => e.caseId === filed.id);
  expect(award).toMatchObject({ kind: 'award', points: 5 }); // sanitation: 5 report points
  closed = { id: filed.id, number: filed.number, award: award! };

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

/** An API call as one of the demo accounts; expects a 2xx answer and returns its JSON. */
async function api<T>(method: 'GET' | 'POST', url: string, phone: string, payload?: object): Promise<T> {
  const res = await t.request({ method, url, token: tokens[phone], ...(payload ? { payload } : {}) });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
  return res.json() as T;
}

const balanceOf = (phone: string) => api<Balance>('GET', '/api/points/balance', phone);
const itemOf = async (id: string) => (await api<{ items: Item[] }>('GET', '/api/points/store/items?pageSize=200', CADRE.phone)).items.find((i) => i.id === id)!;
const orderOf = (id: string) => api<Order>('GET', `/api/points/store/orders/${id}`, CADRE.phone);

/** A toast or message with this text, then its disappearance (so screenshots show the page itself). */
async function notice(page: Page, selector: '.van-toast' | '.el-message', text: string): Promise<void> {
  const shown = page.locator(selector).filter({ hasText: text });
  await shown.waitFor({ state: 'visible' });
  await shown.waitFor({ state: 'hidden' });
}

/**
 * The whole page as a person would see it: every image decoded, the CJK fonts in, the pointer off
 * the last button pressed (no hover colour). A page longer than the screen is taken on a screen as
 * tall as the page, so that fixed bars (the tab bar) sit at its bottom rather than across the middle.
 */
async function screenshot(page: Page, name: string): Promise<void> {
  await page.mouse.move(0, 0);
  await page.waitForFunction(() => Array.from(document.images).every((img) => img.complete && img.naturalWidth > 0));
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  const screen = page.viewportSize()!;
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  if (height > screen.height) await page.setViewportSize({ width: screen.width, height });
  await page.screenshot({ path: path.join(screenshots, `${name}.png`), animations: 'disabled' });
  if (height > screen.height) await page.setViewportSize(screen);
}

function phonePage(): Page {
  if (!villager) throw new Error('step 1 (the villager opens 积分) did not complete');
  return villager.page;
}

function theOrder(): Order {
  if (!placed) throw new Error('step 2 (the villager redeems) did not complete');
  return placed;
}

// ---- the story -----------------------------------------------------------------------------------

describe('积分制 and 积分超市: points for a closed case, redeemed on the phone, handed over in the console', () => {
  it('1. the villager sees the balance and the points the closed case earned', { timeout: 120_000 }, async () => {
    const context = await browser.newPhone();
    const page = await context.newPage();
    villager = { context, page };
    await logInPhone(page, base, VILLAGER.phone);

    const [balanceRes, ledgerRes] = await Promise.all([
      responseTo(page, 'GET', '/api/points/balance'),
      responseTo(page, 'GET', '/api/points/ledger'),
      page.getByTestId('tabbar').getByText('积分', { exact: true }).click(),
    ]);
    expect(balanceRes.status()).toBe(200);
    expect(ledgerRes.status()).toBe(200);
    await page.waitForURL(/\/h5\/points$/);

    const balance = await balanceOf(VILLAGER.phone);
    expect(balance.household).not.toBeNull(); // the demo villager heads 西阳邱村民户
    await expect.poll(() => page.getByTestId('points-balance').textContent()).toBe(String(balance.person.balance));
    expect(await page.getByTestId('household-balance').textContent()).toBe(String(balance.household!.balance));

    // The case's award is in the latest entries, with its reason (the case number) and source.
    const entry = page.getByTestId(`points-entry-${closed.award.id}`);
    await entry.waitFor();
    expect(closed.award.reason).toContain(closed.number);
    await entry.getByText(closed.award.reason).waitFor();
    await entry.getByText('来自上报事件').waitFor();
    expect(await entry.locator('.amount').textContent()).toBe('+5');
    await screenshot(page, 'points-1-h5-balance');

    // The full history (paged) has it too, and the entry leads to the case.
    await page.getByTestId('points-history').click();
    await page.waitForURL(/\/h5\/points\/history$/);
    await page.getByTestId(`points-entry-${closed.award.id}`).click();
    await page.waitForURL(`**/h5/cases/${closed.id}`);
    await page.getByTestId('case-state').filter({ hasText: '已办结' }).waitFor();
  });

  it('2. the villager opens 积分超市 and redeems a towel, confirming first', { timeout: 120_000 }, async () => {
    const page = phonePage();
    await page.goto(`${base}/h5/points`);
    await page.getByTestId('points-store').click();
    await page.waitForURL(/\/h5\/points\/store$/);

    const balance = (await balanceOf(VILLAGER.phone)).person.balance;
    before = { balance, towelStock: (await itemOf(TOWEL.id)).stock };
    await expect.poll(() => page.getByTestId('store-balance').textContent()).toBe(String(balance));
    const towel = page.getByTestId(`store-item-${TOWEL.id}`);
    await towel.getByText(`${TOWEL.price} 积分`).waitFor();
    await towel.getByText(`库存 ${before.towelStock}`).waitFor();
    // Cooking oil costs more than the villager has: said plainly, and it cannot be pressed.
    expect(OIL.price).toBeGreaterThan(balance);
    const oil = page.getByTestId(`redeem-${OIL.id}`);
    expect(await oil.textContent()).toContain('积分不足');
    expect(await oil.isDisabled()).toBe(true);
    await page.getByTestId(`store-item-${OIL.id}`).getByText(`还差 ${OIL.price - balance} 分`).waitFor();
    await screenshot(page, 'points-2-h5-store');

    // Cancelling the confirmation redeems nothing …
    await page.getByTestId(`redeem-${TOWEL.id}`).click();
    const dialog = page.locator('.van-dialog').filter({ hasText: '确认兑换' });
    await dialog.getByText(`用 ${TOWEL.price} 积分兑换“${TOWEL.name}”1 件？`).waitFor();
    await dialog.getByRole('button', { name: '取消' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await api<{ total: number }>('GET', '/api/points/store/orders?mine=true', VILLAGER.phone)).total).toBe(0);

    // … confirming it does.
    await page.getByTestId(`redeem-${TOWEL.id}`).click();
    await dialog.waitFor();
    const created = await calling(page, 'POST', '/api/points/store/orders', () => dialog.getByRole('button', { name: '兑换' }).click());
    expect(created.status()).toBe(201);
    placed = (await created.json()) as Order;
    expect(placed).toMatchObject({ state: 'reserved', item: { id: TOWEL.id }, totalPoints: TOWEL.price });

    await page.waitForURL(/\/h5\/points\/orders$/);
    await notice(page, '.van-toast', '兑换成功');
    await page.getByTestId(`order-state-${placed.id}`).filter({ hasText: '待领取' }).waitFor();
    await page.getByTestId(`order-${placed.id}`).getByText('请到村委会领取').waitFor();
    await screenshot(page, 'points-3-h5-orders');

    expect((await orderOf(placed.id)).state).toBe('reserved');
    expect((await balanceOf(VILLAGER.phone)).person.balance).toBe(before.balance - TOWEL.price);
    expect((await itemOf(TOWEL.id)).stock).toBe(before.towelStock - 1);
  });

  it('3. the village cadre hands the towel over in the console', { timeout: 120_000 }, async () => {
    const order = theOrder();
    const context = await browser.newPhone(DESKTOP);
    const page = await context.newPage();
    await logInConsole(page, base, CADRE.phone, 'menu-points-store');

    await clickMenu(page, 'points-store');
    await page.waitForURL(/\/console\/points\/store/);
    await page.getByTestId('store-tab-orders').click();
    await page.waitForURL(/\/console\/points\/store\?tab=orders$/);
    const table = page.getByTestId('orders-table');
    const row = table.locator('tr').filter({ has: page.getByTestId(`order-state-${order.id}`) });
    await row.getByText(VILLAGER.name).waitFor();
    await row.getByText(`${TOWEL.name} × 1`).waitFor();
    await page.getByTestId(`order-state-${order.id}`).filter({ hasText: '待领取' }).waitFor();

    await page.getByTestId(`order-complete-${order.id}`).click();
    const box = page.locator('.el-message-box').filter({ hasText: '确认领取' });
    await box.getByText(`确认 ${VILLAGER.name} 已领取“${TOWEL.name}”× 1（${TOWEL.price} 积分）？`).waitFor();
    const completed = await calling(page, 'POST', `/api/points/store/orders/${order.id}/complete`, () => box.getByRole('button', { name: '已领取' }).click());
    expect(completed.status()).toBe(200);
    await notice(page, '.el-message', `${VILLAGER.name} 已领取“${TOWEL.name}”`);
    await page.getByTestId(`order-state-${order.id}`).filter({ hasText: '已领取' }).waitFor();
    expect(await page.getByTestId(`order-complete-${order.id}`).count()).toBe(0);
    await row.getByText(CADRE.name).waitFor();
    await screenshot(page, 'points-4-console-orders');

    // Through the API: completed by the cadre, the stock one less, the villager's points less the price.
    expect(await orderOf(order.id)).toMatchObject({ state: 'completed', completedBy: { name: CADRE.name } });
    expect((await itemOf(TOWEL.id)).stock).toBe(before.towelStock - 1);
    expect((await balanceOf(VILLAGER.phone)).person.balance).toBe(before.balance - TOWEL.price);

    // 积分台账: the village's entries, the redemption among them, and the same selection as CSV.
    await clickMenu(page, 'points-ledger');
    await page.waitForURL(/\/console\/points\/ledger$/);
    const ledger = page.getByTestId('ledger-table');
    await ledger.getByText(`积分超市兑换：${TOWEL.name} × 1`).waitFor();
    // The case earned the villager (reporter) and the grid worker (handler) points, with the same reason.
    const caseRows = ledger.locator('tr').filter({ hasText: closed.award.reason });
    await caseRows.filter({ hasText: VILLAGER.name }).filter({ hasText: '+5' }).waitFor();
    await caseRows.filter({ hasText: WORKER.name }).first().waitFor();
    const [download, csv] = await Promise.all([
      page.waitForEvent('download'),
      responseTo(page, 'GET', '/api/points/ledger'),
      page.getByTestId('ledger-export').click(),
    ]);
    expect(csv.status()).toBe(200);
    expect(new URL(csv.url()).searchParams.get('format')).toBe('csv');
    expect(csv.headers()['content-type']).toContain('text/csv');
    expect(download.suggestedFilename()).toMatch(/^积分台账-西阳邱村.*\.csv$/);
    const file = readFileSync(await download.path());
    expect(file.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf])); // the BOM Excel needs
    const text = file.toString('utf8');
    expect(text).toContain(`积分超市兑换：${TOWEL.name} × 1`);
    expect(text).toContain(closed.award.reason);
    await notice(page, '.el-message', '已导出');
    await screenshot(page, 'points-5-console-ledger');
    await context.close();
  });

  it('4. the villager finds themselves on the village 红榜', { timeout: 120_000 }, async () => {
    const page = phonePage();
    await page.goto(`${base}/h5/points`);
    const [res] = await Promise.all([responseTo(page, 'GET', '/api/points/rankings'), page.getByTestId('points-ranking').click()]);
    expect(res.status()).toBe(200);
    await page.waitForURL(/\/h5\/points\/ranking$/);

    const ranking = await api<{ items: { id: string; name: string; rank: number; points: number }[] }>('GET', '/api/points/rankings?kind=person', VILLAGER.phone);
    const own = ranking.items.find((r) => r.name === VILLAGER.name)!;
    expect(own.points).toBeGreaterThanOrEqual(closed.award.points); // the case's award; spending does not count
    const row = page.getByTestId(`ranking-${own.id}`);
    await row.getByText(`${own.points} 分`).waitFor();
    await row.getByText('我', { exact: true }).waitFor();
    expect(await row.locator('.rank').textContent()).toBe(String(own.rank));
    await page.locator('.banner').getByText('西阳邱村').waitFor();

    // Households: the villager's household is ranked with the same month's points.
    const [households] = await Promise.all([responseTo(page, 'GET', '/api/points/rankings'), page.getByRole('tab', { name: '家庭' }).click()]);
    expect(new URL(households.url()).searchParams.get('kind')).toBe('household');
    const balance = await balanceOf(VILLAGER.phone);
    await page.getByTestId(`ranking-${balance.household!.id}`).getByText('我家').waitFor();
    await page.getByRole('tab', { name: '个人' }).click();
    await row.waitFor();
    await screenshot(page, 'points-6-h5-ranking');
  });

  it('5. the villager claims points for volunteering with a photo, and the cadre approves the claim', { timeout: 120_000 }, async () => {
    const page = phonePage();
    const rule = (await api<{ items: { id: string; code: string; name: string; points: number }[] }>('GET', '/api/points/rules?earner=claimant', VILLAGER.phone)).items.find(
      (r) => r.code === 'volunteer.service',
    )!;
    const start = (await balanceOf(VILLAGER.phone)).person.balance;

    await page.goto(`${base}/h5/points`);
    await page.getByTestId('points-claim').click();
    await page.waitForURL(/\/h5\/points\/claims\/new$/);
    await page.getByTestId(`claim-rule-${rule.code}`).click();
    await expect.poll(() => page.getByTestId(`claim-rule-${rule.code}`).getAttribute('aria-checked')).toBe('true');
    await page.getByTestId('claim-description').locator('textarea').fill(CLAIM);
    const upload = await calling(page, 'POST', '/api/photos', () => page.getByTestId('claim-photo-input').setInputFiles(sampleFile('leuvenA.jpg')));
    expect(upload.status()).toBe(201);
    await page.locator('.photos .thumb img').waitFor();
    await expect.poll(() => page.locator('.photos .thumb .status').count()).toBe(0); // uploaded, not failed
    const created = await calling(page, 'POST', '/api/points/claims', () => page.getByTestId('claim-submit').click());
    expect(created.status()).toBe(201);
    const claim = (await created.json()) as { id: string; state: string; photos: unknown[] };
    expect(claim).toMatchObject({ state: 'pending', photos: [expect.anything()] });
    await page.waitForURL(/\/h5\/points\/claims$/);
    await notice(page, '.van-toast', '已提交，等待村干部审核');
    const card = page.getByTestId(`claim-${claim.id}`);
    await card.getByText('待审核').waitFor();
    await card.locator('.thumbs img').waitFor();

    // The village cadre sees it in 积分审核 with its photo and approves it with a note.
    const context = await browser.newPhone(DESKTOP);
    const desk = await context.newPage();
    await logInConsole(desk, base, CADRE.phone, 'menu-points-store');
    await clickMenu(desk, 'points-claims');
    await desk.waitForURL(/\/console\/points\/claims$/);
    const row = desk.getByTestId('claims-table').locator('tr').filter({ has: desk.getByTestId(`claim-approve-${claim.id}`) });
    await row.getByText(CLAIM).waitFor();
    await row.locator('.photo img').waitFor();
    await desk.getByTestId(`claim-approve-${claim.id}`).click();
    const box = desk.locator('.el-message-box').filter({ hasText: rule.name });
    await box.locator('input').fill('照片清楚，情况属实。');
    const approved = await calling(desk, 'POST', `/api/points/claims/${claim.id}/approve`, () => box.getByRole('button', { name: '通过' }).click());
    expect(approved.status()).toBe(200);
    await notice(desk, '.el-message', `已通过，${VILLAGER.name} +${rule.points} 分`);
    expect(await desk.getByTestId(`claim-approve-${claim.id}`).count()).toBe(0); // gone from the pending queue
    await context.close();

    expect(await api<{ state: string; decidedBy: { name: string } }>('GET', `/api/points/claims/${claim.id}`, VILLAGER.phone)).toMatchObject({ state: 'approved', decidedBy: { name: CADRE.name } });
    expect((await balanceOf(VILLAGER.phone)).person.balance).toBe(start + rule.points);
    await page.reload();
    await card.getByText('已通过').waitFor();
    await card.getByText('照片清楚，情况属实。').waitFor();
    await villager?.context.close();
  });
});
