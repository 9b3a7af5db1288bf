import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoAccounts, demoGridWorkers } from '../../src/modules/demo/demo.seed.js';
import { calling, ensureWebBuilt, launchBrowser, logInPhone, responseTo, type TestBrowser } from '../support/browser.js';
import { sampleFile } from '../support/samples.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * A report never lands where nobody looks, on the phone: a photo taken outside the township (Leuven)
 * makes the server ask for the place, the page says so beside the map and takes a tap on it; the
 * tapped grid has no active grid worker, so the case goes to the village's cadres and its history
 * says so, in Chinese and in English. Screenshots go to $SCREENSHOT_DIR when it is set.
 */
const VILLAGE = '130631202206'; // 西阳邱村
const GRID = `${VILLAGE}03`; // 西阳邱村第三网格
const VILLAGER = demoAccounts.find((a) => a.role === 'villager')!;
const GRID_WORKER = demoGridWorkers().find((w) => w.regionCode === GRID)!;
const REPORT = '三网格北头的排水沟堵了，下雨后积水漫到路上。';
const OUTSIDE = '照片位置不在本乡镇范围内，请在地图上选择事发地点';
const ROUTED = '该网格暂无网格员，已转村两委处理';
const screenshots = process.env.SCREENSHOT_DIR;

let t: TestApp;
let browser: TestBrowser;
let base: string;

beforeAll(async () => {
  ensureWebBuilt();
  sampleFile('leuvenA.jpg');
  if (screenshots) mkdirSync(screenshots, { recursive: true });
  t = await createTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  // The grid's worker has left: staff switch the account off.
  const staff = await t.tokenFor('township_staff');
  const worker = await t.db.selectFrom('users').select('id').where('phone', '=', GRID_WORKER.phone).executeTakeFirstOrThrow();
  const off = await t.request({ method: 'PATCH', url: `/api/users/${worker.id}`, token: staff, payload: { disabled: true } });
  expect(off.statusCode, off.body).toBe(200);
  browser = await launchBrowser();
}, 180_000);

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

describe('a report from a photo taken elsewhere, in a grid without a grid worker', () => {
  it('asks for the place, takes a tap on the map, and sends the case to the village cadres', { timeout: 150_000 }, async () => {
    const context = await browser.newPhone();
    const page = await context.newPage();
    await logInPhone(page, base, VILLAGER.phone);
    await page.getByTestId('tabbar').getByText('上报', { exact: true }).click();
    await page.waitForURL(/\/h5\/report$/);
    await page.getByTestId('category-sanitation').click();
    await page.getByTestId('report-description').locator('textarea').fill(REPORT);

    // The photo's GPS is in Leuven: no grid of the villager's there (an expected 404), so nothing is placed.
    browser.allowConsoleError(/status of 404 .*\/api\/regions\/locate\?/);
    const [upload] = await Promise.all([responseTo(page, 'POST', '/api/photos'), page.getByTestId('photo-input').setInputFiles(sampleFile('leuvenA.jpg'))]);
    expect(upload.status()).toBe(201);
    await page.locator('.photos .thumb img').waitFor();

    // Sent without a point (the form knows the village): the server refuses the photo's place and says why.
    browser.allowConsoleError(/status of 422 .*\/api\/cases/);
    const refused = await calling(page, 'POST', '/api/cases', () => page.getByTestId('report-submit').click());
    expect(refused.status()).toBe(422);
    expect((await refused.json()).code).toBe('PHOTO_OUTSIDE_AREA');
    const place = page.getByTestId('report-place');
    await place.locator('.field-error').filter({ hasText: OUTSIDE }).waitFor();
    await page.locator('.van-toast').filter({ hasText: OUTSIDE }).waitFor({ state: 'hidden' });
    expect(await page.locator('.region-map .pin').count()).toBe(0);
    await screenshot(page, 'report-photo-outside');

    // Sending again without a point is refused on the phone, with the same words.
    const calls: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/cases' && r.method() === 'POST') calls.push(r.url());
    });
    await page.getByTestId('report-submit').click();
    await page.locator('.van-toast').filter({ hasText: OUTSIDE }).waitFor();
    expect(calls).toEqual([]);

    // A tap on 第三网格 on the map places the report there.
    const label = await page.locator('.region-map text.label').filter({ hasText: '第三网格' }).boundingBox();
    expect(label).not.toBeNull();
    const located = await calling(page, 'GET', '/api/regions/locate', () => page.mouse.click(label!.x + label!.width / 2, label!.y + label!.height / 2));
    expect(located.status()).toBe(200);
    expect((await located.json()).grid.code).toBe(GRID);
    await place.locator('.van-cell').filter({ hasText: '西阳邱村第三网格' }).waitFor();
    expect(await place.locator('.field-error').count()).toBe(0);

    const created = await calling(page, 'POST', '/api/cases', () => page.getByTestId('report-submit').click());
    expect(created.status()).toBe(201);
    const c = (await created.json()) as { id: string; level: string; gridCode: string; photos: { report: unknown[] } };
    expect(c).toMatchObject({ level: 'village', gridCode: GRID });
    expect(c.photos.report).toHaveLength(1);

    await page.waitForURL(`**/h5/cases/${c.id}`);
    await page.getByTestId('case-state').filter({ hasText: '待接单' }).waitFor();
    const timeline = page.getByTestId('case-timeline');
    await timeline.getByText(ROUTED).waitFor();
    await page.locator('.van-toast').waitFor({ state: 'hidden' });
    await screenshot(page, 'report-routed-zh');

    // The village's cadres were told; the disabled worker was not.
    const cadre = await t.tokenFor('village_cadre');
    const notes = (await t.request({ method: 'GET', url: '/api/notifications?pageSize=100', token: cadre })).json().items as { caseId: string | null; kind: string }[];
    expect(notes.filter((n) => n.caseId === c.id).map((n) => n.kind)).toEqual(['case.new']);
    const recipients = await t.db.selectFrom('notifications').innerJoin('users', 'users.id', 'notifications.user_id').select('users.phone').where('notifications.case_id', '=', c.id).execute();
    expect(recipients.map((r) => r.phone)).not.toContain(GRID_WORKER.phone);

    // In English, the same event reads in English.
    await page.evaluate(() => localStorage.setItem('shuxiang.lang', 'en'));
    await page.reload();
    await timeline.getByText('No grid worker in this grid: passed to the village committee').waitFor();
    expect(await timeline.getByText(ROUTED).count()).toBe(0);
    await screenshot(page, 'report-routed-en');
    await context.close();
  });
});
