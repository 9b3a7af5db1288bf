import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/modules/demo/demo.seed.js';
import { cspDirectives } from '../../src/platform/http/security-headers.js';
import { percent } from '../../web/src/screen/format.ts';
import { labelPointOf, mercator, TILE } from '../../web/src/screen/tiles.ts';
import { calling, ensureWebBuilt, launchBrowser, signInContext, type TestBrowser } from '../support/browser.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * 智慧大屏 in a real browser against the real app on the Heibao demo: the township staff sign in on
 * the screen itself and see 黑堡乡's board at 1920×1080 (and scaled down to 1366×768), 用水预警's
 * open alerts among its figures, 辖区一览's 7-day device availability per village as the device-health
 * API gives it, with nothing outside the stage and no block over another; an alarm
 * raised by the safe-village service and a case reported through the API appear on the open page
 * within a second; clicking 西阳邱村 on the map opens its board; a villager sees 无权限 and no
 * figures; a configured tile source lies beneath the map where the map says the places are.
 * Screenshots: docs/screenshots/big-screen*.png.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const screenshots = path.join(root, 'docs', 'screenshots');
const VILLAGE = '130631202206'; // 西阳邱村
const GRID = `${VILLAGE}01`;
const NEIGHBOUR = '130631202207'; // 东阳邱村
const STAFF = '13800000001';
const VILLAGER = '13800000005';
const FULL_HD = { width: 1920, height: 1080 };
/** The blocks of the board, each a panel of its own. */
const BLOCKS = ['overview', 'cases', 'points', 'map', 'case-feed', 'ranking', 'safe', 'cameras', 'broadcast', 'water'];

let t: TestApp;
let browser: TestBrowser;
let base: string;
let staff: string;
let villager: string;
let pondCamera: string;
let pondZone: string;
const villageCentre: Record<string, { lon: number; lat: number }> = {};

/** A camera's picture: a field, a pond and the camera's name, as a JPEG. */
async function cameraPicture(label: string, water = '#3d7ea6'): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360">
    <rect width="640" height="360" fill="#8fb7d9"/><rect y="150" width="640" height="210" fill="#6d8f3c"/>
    <ellipse cx="420" cy="280" rx="170" ry="55" fill="${water}"/><rect x="60" y="120" width="90" height="60" fill="#b9a27a"/>
    <text x="16" y="34" font-size="24" fill="#fff" font-family="sans-serif">${label}</text></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 80 }).toBuffer();
}

async function api<T>(method: 'GET' | 'POST', url: string, token: string, payload?: object): Promise<T> {
  const res = await t.request({ method, url, token, ...(payload ? { payload } : {}) });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
  return res.json() as T;
}

/** A villager's report near a village's centre. */
function report(categoryCode: string, description: string, village = VILLAGE) {
  const c = villageCentre[village]!;
  return api<{ id: string; number: string }>('POST', '/api/cases', villager, {
    id: randomUUID(),
    categoryCode,
    description,
    location: { lon: c.lon + 0.0005, lat: c.lat + 0.0005 },
  });
}

/** Raises a 防溺水 alarm on the pond camera, as its detector would. */
async function raiseAlarm(trackId: string): Promise<string> {
  const at = new Date();
  const { id } = await t.services.safeVillage.raise({
    cameraId: pondCamera,
    zoneId: pondZone,
    source: 'webhook',
    alarm: {
      zoneId: pondZone,
      trackId,
      at,
      enteredAt: new Date(at.getTime() - 1500),
      score: 0.86,
      detection: { trackId, label: 'person', score: 0.86, box: { x: 0.55, y: 0.5, width: 0.08, height: 0.3 } },
    },
    snapshot: await cameraPicture('西阳邱村鱼塘 · 告警', '#2f6f96'),
  });
  return id;
}

beforeAll(async () => {
  ensureWebBuilt();
  mkdirSync(screenshots, { recursive: true });
  t = await createTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  t.services.runtime.publicBaseUrl = base;
  [staff, villager] = await Promise.all([t.login(STAFF), t.login(VILLAGER)]);
  for (const code of [VILLAGE, NEIGHBOUR, '130631202211', '130631202201']) {
    villageCentre[code] = (await api<{ centre: { lon: number; lat: number } }>('GET', `/api/regions/${code}`, staff)).centre;
  }

  // Cameras made through the API: the fish pond (with a warning zone) and three more; two send pictures.
  const camera = async (name: string, regionCode: string, village: string, dx: number) => {
    const c = villageCentre[village]!;
    const res = await api<{ camera: { id: string } }>('POST', '/api/cameras', staff, { name, regionCode, detect: false, location: { lon: c.lon + dx, lat: c.lat - 0.002 } });
    return res.camera.id;
  };
  pondCamera = await camera('西阳邱村鱼塘', GRID, VILLAGE, 0.002);
  const field = await camera('东阳邱村麦田', NEIGHBOUR, NEIGHBOUR, 0.001);
  await camera('东黑堡村村口', '130631202211', '130631202211', -0.001);
  await camera('宰庄村坑塘', '130631202201', '130631202201', 0.001);
  const zone = await api<{ id: string }>('POST', `/api/cameras/${pondCamera}/zones`, staff, {
    name: '鱼塘',
    kind: 'drowning',
    polygon: [
      [0.42, 0.36],
      [0.95, 0.4],
      [0.93, 0.64],
      [0.45, 0.6],
    ],
    inertiaFrames: 1,
    cooldownSeconds: 0,
    actions: { playOnSpeaker: false, notifyGridWorker: false, createCase: false },
  });
  pondZone = zone.id;
  await t.services.safeVillage.frameArrived(pondCamera, await cameraPicture('西阳邱村鱼塘'), { width: 640, height: 360 }, new Date());
  await t.services.safeVillage.frameArrived(field, await cameraPicture('东阳邱村麦田', '#6d8f3c'), { width: 640, height: 360 }, new Date());

  // Some of today's work, so that the figures are not all zero.
  await report('village_appearance', '村口垃圾堆放多日无人清理');
  await report('safety_hazard', '坑塘边护栏损坏，孩子放学经过有危险', NEIGHBOUR);
  await report('infrastructure', '东头路灯不亮已经一周');
  await raiseAlarm('morning');
  // 用水预警: a household's meter with two ordinary days of hourly readings, then a burst (600 L) in the last hour.
  await api('POST', '/api/water/meters', staff, { id: 'wm-screen-01', name: '大屏测试水表', regionCode: VILLAGE, contactName: '王建国', contactPhone: '13912345678' });
  const H = 3_600_000;
  const last = Math.floor(Date.now() / H) * H - 40 * 60_000;
  const usual: Record<number, number> = { 7: 30, 8: 15, 12: 20, 19: 25, 20: 10 };
  let litres = 5000;
  const readings = Array.from({ length: 49 }, (_, i) => {
    const at = last - (48 - i) * H;
    if (i > 0) litres += (usual[new Date(at + 8 * H).getUTCHours()] ?? 0) + (i === 48 ? 600 : 0);
    return { meterId: 'wm-screen-01', at: new Date(at).toISOString(), litres };
  });
  expect((await api<{ alertsOpened: number }>('POST', '/api/water/readings', staff, { readings })).alertsOpened).toBeGreaterThan(0);
  // 设备在线率: a speaker of 东阳邱村 the health check has watched for a day, 3 hours of it down.
  await api('POST', '/api/devices', staff, { id: 'spk-screen-01', name: '东阳邱村音柱', regionCode: NEIGHBOUR });
  await t.db.updateTable('devices').set({ online: true, online_changed_at: new Date(last - 17 * H), last_seen_at: new Date() }).where('id', '=', 'spk-screen-01').execute();
  await t.services.deviceHealth.sweep();
  const { region_path } = await t.db.selectFrom('devices').select('region_path').where('id', '=', 'spk-screen-01').executeTakeFirstOrThrow();
  await t.db.updateTable('device_health').set({ watched_since: new Date(Date.now() - 24 * H) }).where('device_id', '=', 'spk-screen-01').execute();
  await t.db.insertInto('device_outages').values({ device_kind: 'speaker', device_id: 'spk-screen-01', region_path, started_at: new Date(last - 20 * H), ended_at: new Date(last - 17 * H) }).execute();
  await t.services.dashboard.settled();

  browser = await launchBrowser();
}, 180_000);

/** The contexts a test opened: closed after it, even when it failed half-way. */
const contexts: BrowserContext[] = [];

afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
  browser?.assertNoPageErrors();
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** A desktop-sized context, signed in with `token` unless it is null (then the screen shows its own sign-in). */
async function screenContext(viewport = FULL_HD, token: string | null = staff): Promise<BrowserContext> {
  const context = await browser.newPhone({ viewport, deviceScaleFactor: 1, isMobile: false, hasTouch: false });
  if (token) await signInContext(context, base, token);
  contexts.push(context);
  return context;
}

/** The board is drawn: figures in, the map laid out, the live connection open, fonts and pictures loaded. */
async function boardReady(page: Page): Promise<void> {
  await page.getByTestId('block-map').waitFor();
  await expect.poll(() => page.getByTestId('screen-map').getAttribute('data-region-pixels'), { timeout: 10_000 }).toMatch(/130631202206/);
  await expect.poll(() => page.getByTestId('live-state').getAttribute('data-state'), { timeout: 10_000 }).toBe('open');
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  await page.waitForFunction(() => Array.from(document.images).every((img) => img.complete));
}

interface Box {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The blocks' boxes in the page, and whether anything in a block's body is cut off. */
async function layout(page: Page): Promise<{ blocks: Box[]; overflowing: string[]; page: { width: number; height: number } }> {
  return page.evaluate((ids) => {
    const blocks = ids.map((id) => {
      const r = document.querySelector(`[data-testid=block-${id}]`)!.getBoundingClientRect();
      return { id, x: r.x, y: r.y, width: r.width, height: r.height };
    });
    const overflowing = [...document.querySelectorAll<HTMLElement>('.panel-body, .panel-head')]
      .filter((el) => el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1)
      .map((el) => el.closest('[data-testid]')?.getAttribute('data-testid') ?? el.className);
    return { blocks, overflowing, page: { width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight } };
  }, BLOCKS);
}

function expectLaidOut(result: Awaited<ReturnType<typeof layout>>, viewport: { width: number; height: number }): void {
  expect(result.page).toEqual(viewport); // no scrolling
  expect(result.overflowing).toEqual([]);
  for (const b of result.blocks) {
    expect(b.width, b.id).toBeGreaterThan(100);
    expect(b.x, b.id).toBeGreaterThanOrEqual(0);
    expect(b.y, b.id).toBeGreaterThanOrEqual(0);
    expect(b.x + b.width, b.id).toBeLessThanOrEqual(viewport.width + 0.5);
    expect(b.y + b.height, b.id).toBeLessThanOrEqual(viewport.height + 0.5);
  }
  for (const [i, a] of result.blocks.entries()) {
    for (const b of result.blocks.slice(i + 1)) {
      const overlapX = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
      const overlapY = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
      expect(overlapX > 0.5 && overlapY > 0.5, `${a.id} overlaps ${b.id}`).toBe(false);
    }
  }
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.mouse.move(0, 0);
  await page.screenshot({ path: path.join(screenshots, `${name}.png`), animations: 'disabled' });
}

/** Clicks a region on the map where the map says its label point is. */
async function clickRegion(page: Page, code: string): Promise<void> {
  const map = page.getByTestId('screen-map');
  const pixels = JSON.parse((await map.getAttribute('data-region-pixels')) ?? '{}') as Record<string, [number, number]>;
  expect(pixels[code], `${code} on the map`).toBeDefined();
  const box = (await map.boundingBox())!;
  const scale = box.width / (await map.evaluate((el) => (el as HTMLElement).offsetWidth));
  const [x, y] = pixels[code]!;
  await page.mouse.click(box.x + x * scale, box.y + y * scale);
}

describe('智慧大屏', () => {
  it('1. the township staff sign in on the screen and see 黑堡乡 at 1920×1080, in Chinese, inside the stage', { timeout: 120_000 }, async () => {
    const context = await screenContext(FULL_HD, null);
    const page = await context.newPage();
    await page.goto(`${base}/screen/`);
    await page.getByTestId('login-phone').fill(STAFF);
    await page.getByTestId('login-password').fill(DEMO_PASSWORD);
    const res = await calling(page, 'POST', '/api/auth/login', () => page.getByTestId('login-submit').click());
    expect(res.status()).toBe(200);
    await boardReady(page);

    await expect.poll(() => page.getByTestId('screen-region').innerText()).toBe('黑堡乡');
    await expect.poll(() => page.getByTestId('screen-title').innerText()).toBe('数乡 · 智慧大屏');
    await expect.poll(() => page.getByTestId('screen-clock').innerText()).toMatch(/\d{2}:\d{2}:\d{2}[\s\S]*\d{4}年\d{2}月\d{2}日[\s\S]*星期/);
    // The demo's census figures, the villages and grids of the township.
    await expect.poll(() => page.getByTestId('fig-registered').innerText()).toContain('29,880');
    await expect.poll(() => page.getByTestId('fig-resident').innerText()).toContain('19,506');
    await expect.poll(() => page.getByTestId('fig-villages').innerText()).toMatch(/行政村\s*16/);
    // 正式 and 预备 members of the demo's party branches (智慧党建).
    const partyMembers = await t.services.party.stats.partyMembersIn('/130631/130631202/');
    expect(partyMembers).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('fig-party').innerText()).toMatch(new RegExp(`党员\\s*${partyMembers}`));
    // Today's three reports and the morning's alarm; the cameras that send pictures are online.
    await expect.poll(() => page.getByTestId('cases-today').innerText()).toMatch(/今日事件\s*3/);
    await expect.poll(() => page.getByTestId('safe-alarms-today').innerText()).toMatch(/今日告警\s*1/);
    await expect.poll(() => page.getByTestId('safe-cameras').innerText()).toMatch(/2\/4/);
    await expect(page.getByTestId('alarm-feed').innerText()).resolves.toContain('西阳邱村鱼塘 · 鱼塘');
    await expect(page.getByTestId('block-case-feed').innerText()).resolves.toContain('村口垃圾堆放多日无人清理');
    await expect.poll(() => page.getByTestId(`camera-${pondCamera}`).locator('img').count()).toBe(1);
    await expect.poll(() => page.getByTestId('camera-cam-130631202201-01').innerText()).toContain('离线');
    await expect(page.getByTestId('block-ranking').innerText()).resolves.toContain('西阳邱村');
    // 用水预警: the meter's burst is open, as the summary says.
    const { water } = await api<{ water: { metersTotal: number; metersReporting: number; openAlerts: number; openByType: { burst: number }; alertsToday: number } }>('GET', '/api/dashboard/summary', staff);
    expect(water).toMatchObject({ metersTotal: 1, metersReporting: 1, openByType: { burst: 1 } });
    expect(water.openAlerts).toBeGreaterThan(0);
    // 辖区一览: 东阳邱村's 7-day availability is the device-health API's figure (its one speaker, 21 of 24 hours online).
    const { villages } = await api<{ villages: { code: string; kinds: { kind: string; devices: number; availability: number }[] }[] }>('GET', '/api/device-health/availability', staff);
    const uptime = villages.find((v) => v.code === NEIGHBOUR)!;
    expect(uptime.kinds).toEqual([{ kind: 'speaker', devices: 1, availability: expect.closeTo(0.875, 2) }]);
    await expect
      .poll(() => page.getByTestId(`child-${NEIGHBOUR}`).getByTestId('child-availability').innerText(), { timeout: 50_000 })
      .toBe(`${percent(uptime.kinds[0]!.availability)}%`);
    await expect.poll(() => page.getByTestId('water-open').innerText()).toMatch(new RegExp(`未结预警\\s*${water.openAlerts}次`));
    await expect.poll(() => page.getByTestId('water-today').innerText()).toMatch(new RegExp(`今日预警\\s*${water.alertsToday}次`));
    await expect.poll(() => page.getByTestId('water-type-burst').innerText()).toMatch(/爆管\s*1/);
    await expect.poll(() => page.getByTestId('water-meters').innerText()).toMatch(/水表\s*1\s*\/\s*1/);

    // 积分红榜: every name whole; its village beside it only when it fits whole, else left out.
    const ranked = await page.getByTestId('block-points').locator('li').evaluateAll((rows) =>
      rows.map((row) => {
        const name = row.querySelector<HTMLElement>('[data-testid="points-name"]')!;
        const village = row.querySelector<HTMLElement>('[data-testid="points-village"]')!;
        const who = name.parentElement!.getBoundingClientRect();
        const v = village.getBoundingClientRect();
        return {
          name: name.innerText,
          nameWhole: name.scrollWidth <= name.clientWidth,
          villageShown: v.top < who.bottom,
          villageWhole: v.top >= who.bottom || v.right <= who.right + 0.5,
        };
      }),
    );
    expect(ranked.length).toBeGreaterThanOrEqual(2);
    for (const row of ranked) expect(row, row.name).toMatchObject({ nameWhole: true, villageWhole: true });

    expectLaidOut(await layout(page), FULL_HD);
    await screenshot(page, 'big-screen');
    await context.close();
  });

  it('2. an alarm raised by the safe-village service and a case reported through the API appear within a second', { timeout: 60_000 }, async () => {
    const context = await screenContext();
    const page = await context.newPage();
    await page.goto(`${base}/screen/`);
    await boardReady(page);

    const alarmStarted = Date.now();
    const alarmId = await raiseAlarm('afternoon');
    const alarm = page.getByTestId(`alarm-${alarmId}`);
    await alarm.waitFor({ timeout: 1000 });
    expect(Date.now() - alarmStarted).toBeLessThan(1000);
    await expect(alarm.getAttribute('class')).resolves.toContain('fresh');
    await expect(page.getByTestId('alarm-feed').locator('li').first().getAttribute('data-testid')).resolves.toBe(`alarm-${alarmId}`);

    const caseStarted = Date.now();
    const reported = await report('sanitation', '河边有人倾倒建筑垃圾');
    const item = page.getByTestId(`case-${reported.id}`);
    await item.waitFor({ timeout: 1000 });
    expect(Date.now() - caseStarted).toBeLessThan(1000);
    await expect(item.innerText()).resolves.toContain('河边有人倾倒建筑垃圾');
    await expect(item.getAttribute('class')).resolves.toContain('fresh');

    // The figures follow (the screen reads the summary again on each event).
    await expect.poll(() => page.getByTestId('cases-today').innerText(), { timeout: 5000 }).toMatch(/今日事件\s*4/);
    await expect.poll(() => page.getByTestId('safe-alarms-today').innerText(), { timeout: 5000 }).toMatch(/今日告警\s*2/);
    await context.close();
  });

  it('3. the connection indicator follows the live stream, which reconnects by itself after the server drops it', { timeout: 60_000 }, async () => {
    const context = await screenContext();
    const page = await context.newPage();
    await page.goto(`${base}/screen/`);
    await boardReady(page);
    // What a restart looks like from the screen: every connection to the server ends at once.
    browser.allowConsoleError(/net::ERR_(INCOMPLETE_CHUNKED_ENCODING|EMPTY_RESPONSE|CONNECTION_RESET|CONNECTION_CLOSED)/);
    t.app.server.closeAllConnections();
    await expect.poll(() => page.getByTestId('live-state').getAttribute('data-state'), { timeout: 5000, interval: 20 }).not.toBe('open');
    await expect.poll(() => page.getByTestId('live-state').getAttribute('data-state'), { timeout: 15_000 }).toBe('open');
    // Live again: a new alarm still arrives.
    const alarmId = await raiseAlarm('after-reconnect');
    await page.getByTestId(`alarm-${alarmId}`).waitFor({ timeout: 2000 });
    await context.close();
  });

  it('4. clicking 西阳邱村 on the map opens its board; the way back returns to the township', { timeout: 60_000 }, async () => {
    const context = await screenContext();
    const page = await context.newPage();
    await page.goto(`${base}/screen/`);
    await boardReady(page);

    await calling(page, 'GET', '/api/dashboard/summary', () => clickRegion(page, VILLAGE));
    await expect.poll(() => page.getByTestId('screen-region').innerText()).toMatch(/黑堡乡\s*›\s*西阳邱村/);
    await expect.poll(() => page.locator('[data-testid=block-map] .panel-title').innerText()).toBe('西阳邱村全域图');
    await expect.poll(() => page.getByTestId('block-ranking').innerText()).toContain('第一网格');
    const own = await api<{ region: { grids: number; residentPopulation: number | null } }>('GET', `/api/dashboard/summary?region=${VILLAGE}`, staff);
    await expect.poll(() => page.getByTestId('fig-grids').innerText()).toMatch(new RegExp(`网格\\s*${own.region.grids}个`));
    await expect.poll(() => page.getByTestId('fig-resident').innerText()).toContain(own.region.residentPopulation!.toLocaleString('en-US'));
    // The village's own alarms only (the pond is in 西阳邱村).
    await expect(page.getByTestId('alarm-feed').innerText()).resolves.toContain('西阳邱村鱼塘');

    await page.getByTestId('screen-back').click();
    await expect.poll(() => page.getByTestId('screen-region').innerText()).toBe('黑堡乡');
    await expect.poll(() => page.getByTestId('fig-villages').innerText()).toMatch(/行政村\s*16/);
    await context.close();
  });

  it('5. a villager gets no data: 无权限 and no figures', { timeout: 60_000 }, async () => {
    browser.allowConsoleError(/status of 403/);
    const context = await screenContext(FULL_HD, villager);
    const page = await context.newPage();
    const answers: number[] = [];
    page.on('response', (r) => {
      if (new URL(r.url()).pathname.startsWith('/api/dashboard/')) answers.push(r.status());
    });
    await page.goto(`${base}/screen/`);
    await page.getByTestId('screen-no-access').waitFor();
    await expect(page.getByTestId('screen-no-access').innerText()).resolves.toContain('无权限');
    expect(await page.locator('[data-testid^=block-], [data-testid^=fig-], [data-testid=screen-map]').count()).toBe(0);
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.every((status) => status === 403)).toBe(true);
    await context.close();
  });

  it('6. at 1366×768 the same board is scaled down whole, with nothing outside the screen', { timeout: 60_000 }, async () => {
    const viewport = { width: 1366, height: 768 };
    const context = await screenContext(viewport);
    const page = await context.newPage();
    await page.goto(`${base}/screen/`);
    await boardReady(page);
    const stage = (await page.getByTestId('screen-stage').boundingBox())!;
    // 768 / 1080 of the stage: as wide as the screen but for a pixel.
    expect(stage.height).toBeCloseTo(768, 1);
    expect(Math.abs(stage.width - 1366)).toBeLessThan(1);
    expectLaidOut(await layout(page), viewport);
    await screenshot(page, 'big-screen-1366');
    await context.close();
  });

  it('7. with a tile source configured, the tiles lie beneath the map where the map puts the villages', { timeout: 60_000 }, async () => {
    const context = await screenContext();
    const tiles: string[] = [];
    // The settings and the page's Content-Security-Policy (pictures from the tile source's origin) as an
    // operator with SCREEN_TILE_URL would have them; the tiles from a stand-in server.
    const tileUrl = 'https://tiles.test/{z}/{x}/{y}.png';
    await context.route('**/api/dashboard/settings', async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, json: { ...(await response.json()), tileUrl, tileAttribution: '测试瓦片' } });
    });
    const policy = Object.entries(cspDirectives({ tileUrl }))
      .map(([name, sources]) => `${name} ${sources.join(' ')}`)
      .join('; ');
    expect(policy).toContain("img-src 'self' data: blob: https://tiles.test;");
    await context.route(`${base}/screen/`, async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': policy } });
    });
    const tile = await sharp({ create: { width: TILE, height: TILE, channels: 3, background: '#23402a' } }).png().toBuffer();
    await context.route('https://tiles.test/**', async (route) => {
      tiles.push(new URL(route.request().url()).pathname);
      await route.fulfill({ status: 200, contentType: 'image/png', body: tile });
    });
    const page = await context.newPage();
    const mapAnswer = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/dashboard/map');
    await page.goto(`${base}/screen/`);
    const map = (await (await mapAnswer).json()) as { features: { properties: { code: string }; geometry: unknown }[] };
    await boardReady(page);
    await expect.poll(() => page.getByTestId('screen-map').getAttribute('data-tile-zoom')).toMatch(/^\d+$/);
    const zoom = Number(await page.getByTestId('screen-map').getAttribute('data-tile-zoom'));
    expect(zoom).toBeGreaterThanOrEqual(11);
    expect(tiles.length).toBeGreaterThan(0);

    // 西阳邱村's label point, in Mercator, falls in one tile: that tile's <img> puts it where the chart does.
    const village = map.features.find((f) => f.properties.code === VILLAGE)!;
    const [mx, my] = mercator(labelPointOf(village.geometry)!);
    const n = 2 ** zoom;
    const [tx, ty] = [Math.floor((mx * n) / TILE), Math.floor((my * n) / TILE)];
    const [fx, fy] = [(mx * n) / TILE - tx, (my * n) / TILE - ty];
    const img = page.locator(`[data-testid=screen-map] img[src="https://tiles.test/${zoom}/${tx}/${ty}.png"]`);
    await expect.poll(() => img.count()).toBe(1);
    const placed = await img.evaluate((el: HTMLImageElement) => ({ left: el.offsetLeft, top: el.offsetTop, width: el.offsetWidth, height: el.offsetHeight }));
    const pixels = JSON.parse((await page.getByTestId('screen-map').getAttribute('data-region-pixels'))!) as Record<string, [number, number]>;
    const [px, py] = pixels[VILLAGE]!;
    expect(Math.abs(placed.left + fx * placed.width - px)).toBeLessThanOrEqual(2);
    expect(Math.abs(placed.top + fy * placed.height - py)).toBeLessThanOrEqual(2);
    await expect(page.getByTestId('block-map').innerText()).resolves.toContain('测试瓦片');
    await context.close();
  });
});
