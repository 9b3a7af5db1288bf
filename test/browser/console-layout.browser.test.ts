import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clickMenu, ensureWebBuilt, launchBrowser, logInConsole, type TestBrowser } from '../support/browser.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * The console on a laptop (#22): at 1366×768 and 1440×900 township staff fold and unfold the sidebar
 * (the choice kept across a reload), open every list page from its module's group, and no page is wider
 * than the window except inside a scrolling container that shows its scrollbar; the 操作 columns stay
 * on the right with their buttons on one line. The 工作台 shows a card per module the role may open,
 * with the region's figures from the API, each leading to its page.
 */
const STAFF = '13800000001'; // 乡镇党政办, 黑堡乡
const CADRE = '13800000002'; // 西阳邱村干部: no party building
const LAPTOPS = [
  { width: 1366, height: 768 },
  { width: 1440, height: 900 },
];
const COLLAPSED_KEY = 'shuxiang.console.menuCollapsed';

/** Every console page with a sidebar entry, by the sidebar's groups, in their order. */
const MENU: { group: string; pages: string[] }[] = [
  { group: 'grid', pages: ['cases', 'categories'] },
  { group: 'safe-village', pages: ['cameras', 'alarms'] },
  { group: 'broadcast', pages: ['broadcasts', 'broadcast-schedules', 'broadcast-speakers'] },
  { group: 'party', pages: ['party-organisations', 'party-members', 'party-meetings', 'party-completion', 'party-study', 'party-dues'] },
  { group: 'points', pages: ['points-rules', 'points-claims', 'points-store', 'points-ledger', 'points-ranking'] },
  { group: 'village-services', pages: ['vs-notices', 'vs-guides', 'vs-requests', 'vs-elderly', 'vs-plans', 'vs-meals'] },
  { group: 'water', pages: ['water-alerts', 'water-meters'] },
  { group: 'system', pages: ['regions', 'users', 'registrations', 'audit', 'sms-outbox', 'duty'] },
];

let t: TestApp;
let browser: TestBrowser;
let base: string;

beforeAll(async () => {
  ensureWebBuilt();
  t = await createTestApp();
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

async function desk(size: { width: number; height: number }): Promise<Page> {
  const context = await browser.newPhone({ viewport: size, deviceScaleFactor: 1, isMobile: false, hasTouch: false });
  return context.newPage();
}

/** Resolves once no loading mask covers any part of the page. */
async function loaded(page: Page): Promise<void> {
  await page.waitForFunction(() => ![...document.querySelectorAll('.el-loading-mask')].some((mask) => mask.getClientRects().length > 0));
}

const sidebarWidth = (page: Page) => page.getByTestId('sidebar').evaluate((el) => Math.round(el.getBoundingClientRect().width));

/**
 * What is wrong with the page's layout, in words (runs in the page): anything reaching past the window's
 * right edge that is not inside a scrolling container which itself fits; a table wider than its panel
 * whose horizontal scrollbar is hidden; an 操作 column with buttons that is not fixed on the right, or
 * whose buttons wrap or are cut off.
 */
function layoutProblems(): string[] {
  const width = document.documentElement.clientWidth;
  const problems: string[] = [];
  const named = (el: Element) => el.getAttribute('data-testid') ?? `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`;
  const tableScrolls = (table: Element) => {
    const wrap = table.querySelector(':scope .el-table__body-wrapper .el-scrollbar__wrap');
    return wrap !== null && wrap.scrollWidth > wrap.clientWidth + 1;
  };
  if (document.documentElement.scrollWidth > width) problems.push(`the page scrolls sideways (${document.documentElement.scrollWidth} > ${width} px)`);
  for (const el of document.querySelectorAll('.el-main *')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || box.right <= width + 0.5) continue;
    let container: Element | null = null;
    for (let p = el.parentElement; p && !container; p = p.parentElement) {
      const overflow = getComputedStyle(p).overflowX;
      // A table's header and fixed columns sit beside its scrolling body and move with it.
      if (overflow === 'auto' || overflow === 'scroll' || (p.classList.contains('el-table') && tableScrolls(p))) container = p;
    }
    if (!container || container.getBoundingClientRect().right > width + 0.5) problems.push(`${named(el)} reaches ${Math.round(box.right)} px, past the window (${width} px)`);
  }
  for (const table of document.querySelectorAll('.el-main .el-table')) {
    if (!tableScrolls(table)) continue;
    const thumb = table.querySelector(':scope .el-table__body-wrapper .el-scrollbar__bar.is-horizontal .el-scrollbar__thumb');
    if (!thumb || thumb.getBoundingClientRect().width === 0) problems.push(`${named(table)} is wider than its panel and shows no horizontal scrollbar`);
  }
  for (const th of document.querySelectorAll('.el-main .el-table th')) {
    if (th.textContent?.trim() !== '操作') continue;
    const table = th.closest('.el-table')!;
    const column = [...th.classList].find((c) => /^el-table_\d+_column_\d+$/.test(c));
    const cells = [...table.querySelectorAll(`td.${column}`)].filter((td) => td.querySelector('.el-button'));
    if (cells.length === 0) continue; // an 操作 column of the audit trail: what was done, not buttons
    if (!th.classList.contains('el-table-fixed-column--right')) problems.push(`${named(table)}: the 操作 column is not fixed on the right`);
    for (const td of cells) {
      const buttons = [...td.querySelectorAll('.el-button')].filter((b) => b.getBoundingClientRect().width > 0);
      const lines = new Set(buttons.map((b) => Math.round(b.getBoundingClientRect().top)));
      const cell = td.querySelector('.cell');
      if (lines.size > 1 || (cell && cell.scrollWidth > cell.clientWidth + 1)) {
        problems.push(`${named(table)}: the 操作 buttons (${buttons.map((b) => b.textContent?.trim()).join(' | ')}) do not fit on one line`);
        break;
      }
    }
  }
  return problems;
}

describe.each(LAPTOPS)('the console at $width×$height', (size) => {
  it('folds the sidebar to icons with tooltips, remembers it, and unfolds it with the page’s group open', { timeout: 60_000 }, async () => {
    const page = await desk(size);
    await logInConsole(page, base, STAFF, 'menu-home');
    await page.getByTestId('menu-home').waitFor();
    expect(await sidebarWidth(page)).toBe(220);
    // Grouped and folded, the whole menu fits the window's height.
    for (const { group } of MENU) await page.getByTestId(`menu-group-${group}`).waitFor();
    expect(await page.getByTestId('menu-cameras').isVisible()).toBe(false);
    expect(await page.getByTestId('sidebar').evaluate((el) => el.scrollHeight <= window.innerHeight)).toBe(true);

    await page.getByTestId('menu-toggle').click();
    expect(await sidebarWidth(page)).toBe(64);
    expect(await page.evaluate((key) => localStorage.getItem(key), COLLAPSED_KEY)).toBe('1');
    expect(await page.getByTestId('sidebar').getByText('数乡').isVisible()).toBe(false);
    await page.getByTestId('menu-home').hover();
    await page.locator('.el-popper').filter({ hasText: '工作台' }).waitFor();
    // A folded group opens beside the icon, and its pages are reachable from there.
    await page.getByTestId('menu-group-party').hover();
    await page.getByTestId('menu-party-members').click();
    await page.waitForURL(/\/console\/party\/members$/);

    await page.reload();
    await page.getByTestId('party-members-table').waitFor();
    expect(await sidebarWidth(page)).toBe(64);
    await page.getByTestId('menu-toggle').click();
    expect(await sidebarWidth(page)).toBe(220);
    expect(await page.evaluate((key) => localStorage.getItem(key), COLLAPSED_KEY)).toBe('0');
    await page.getByTestId('menu-party-members').waitFor();
    expect(await page.getByTestId('menu-party-members').getAttribute('class')).toContain('is-active');
    await page.context().close();
  });

  it('opens every list page from the sidebar: nothing cut off, 操作 on one line', { timeout: 300_000 }, async () => {
    const page = await desk(size);
    await logInConsole(page, base, STAFF, 'menu-home');
    const entries = await page.locator('[data-testid="sidebar"] .el-menu-item').evaluateAll((items) => items.map((i) => i.getAttribute('data-testid')));
    expect(entries).toEqual(['menu-home', ...MENU.flatMap((m) => m.pages.map((p) => `menu-${p}`))]);

    const problems: string[] = [];
    for (const { group, pages } of MENU) {
      for (const name of pages) {
        const before = page.url();
        await clickMenu(page, name);
        await page.waitForURL((url) => url.href !== before);
        await expect.poll(() => page.getByTestId(`menu-${name}`).getAttribute('class')).toContain('is-active');
        // Only the page's own group stands open.
        expect(await page.locator('.el-sub-menu.is-opened').evaluateAll((groups) => groups.map((g) => g.getAttribute('data-testid')))).toEqual([`menu-group-${group}`]);
        await loaded(page);
        for (const problem of await page.evaluate(layoutProblems)) problems.push(`${name}: ${problem}`);
      }
    }
    await page.getByTestId('user-menu').click();
    await page.getByTestId('menu-sessions').click();
    await page.getByTestId('sessions-table').waitFor();
    await loaded(page);
    for (const problem of await page.evaluate(layoutProblems)) problems.push(`sessions: ${problem}`);
    expect(problems).toEqual([]);
    await page.context().close();
  });
});

describe('the 工作台', () => {
  interface Summary {
    safeVillage: { alarmsToday: number; camerasOnline: number; camerasTotal: number };
    water: { openAlerts: number; alertsToday: number; metersReporting: number; metersTotal: number };
    broadcasting: { broadcastsToday: number; speakersOnline: number; speakersTotal: number };
  }
  interface PartyStats {
    members: { total: number };
    completion: { rate: number | null };
    meetings: { heldThisMonth: number };
  }

  async function read<T>(url: string, phone: string): Promise<T> {
    const res = await t.request({ method: 'GET', url, token: await t.login(phone) });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as T;
  }

  const card = (page: Page, key: string) => page.getByTestId(`home-card-${key}`);

  it('shows township staff their region’s alarms, water, broadcasting and party figures, each leading to its page', { timeout: 60_000 }, async () => {
    const page = await desk(LAPTOPS[0]!);
    await logInConsole(page, base, STAFF, 'menu-home');
    await card(page, 'party').waitFor();
    const summary = await read<Summary>('/api/dashboard/summary', STAFF);
    const party = await read<PartyStats>('/api/party/stats', STAFF);

    expect(await page.getByTestId('home-modules').locator('a').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-testid')))).toEqual([
      'home-card-alarms',
      'home-card-water',
      'home-card-broadcast',
      'home-card-party',
    ]);
    const value = (key: string) => card(page, key).getByTestId('home-card-value').textContent();
    expect(await value('alarms')).toBe(String(summary.safeVillage.alarmsToday));
    expect(await card(page, 'alarms').textContent()).toContain(`摄像头在线 ${summary.safeVillage.camerasOnline} / ${summary.safeVillage.camerasTotal}`);
    expect(await value('water')).toBe(String(summary.water.openAlerts));
    expect(await card(page, 'water').textContent()).toContain(`有读数的水表 ${summary.water.metersReporting} / ${summary.water.metersTotal}`);
    expect(await value('broadcast')).toBe(String(summary.broadcasting.broadcastsToday));
    expect(await card(page, 'broadcast').textContent()).toContain(`音柱在线 ${summary.broadcasting.speakersOnline} / ${summary.broadcasting.speakersTotal}`);
    expect(await value('party')).toBe(party.completion.rate === null ? '—' : `${Math.round(party.completion.rate * 100)}%`);
    expect(await card(page, 'party').textContent()).toContain(`党员 ${party.members.total} 名`);
    expect(await page.evaluate(layoutProblems)).toEqual([]);

    const targets = { alarms: /\/safe-village\/alarms$/, water: /\/water\/alerts$/, broadcast: /\/broadcasts$/, party: /\/party\/completion$/ };
    for (const [key, url] of Object.entries(targets)) {
      await card(page, key).click();
      await page.waitForURL(url);
      await page.getByTestId('menu-home').click();
      await card(page, key).waitFor();
    }
    // A card's page opens its group in the sidebar.
    await card(page, 'water').click();
    await page.waitForURL(/\/water\/alerts$/);
    await expect.poll(() => page.getByTestId('menu-water-alerts').isVisible()).toBe(true);
    await page.context().close();
  });

  it('shows a village cadre no party-building card (nor menu): the role does not keep the party’s registers', { timeout: 60_000 }, async () => {
    const page = await desk(LAPTOPS[0]!);
    await logInConsole(page, base, CADRE, 'menu-home');
    await card(page, 'broadcast').waitFor();
    expect(await page.getByTestId('home-modules').locator('a').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-testid')))).toEqual([
      'home-card-alarms',
      'home-card-water',
      'home-card-broadcast',
    ]);
    expect(await page.getByTestId('menu-group-party').count()).toBe(0);
    await page.context().close();
  });
});
