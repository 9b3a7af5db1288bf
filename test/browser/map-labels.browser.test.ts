import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { labelPointOf, mercator } from '../../web/src/screen/tiles.ts';
import { ensureWebBuilt, launchBrowser, logInConsole, logInPhone, signInContext, type TestBrowser } from '../support/browser.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * Map names that neither overlap nor vanish (#22.4), read from what the browser drew: the big screen's
 * map at 1920×1080 (黑堡乡's 16 villages, then 西阳邱村's grids) is drawn as SVG, so each name is a
 * <text> whose box the page reports; its device markers are placed from the map's own label points
 * (data-region-pixels) and the devices' positions. The console's 区域 map (1440×900) and the phone's
 * report map (390×844, with the reporter's pin) are SVG of their own. Every name must be there once,
 * inside its map, clear of every other name, of every marker and of the pin.
 */
const TOWNSHIP = '130631202';
const VILLAGE = '130631202206'; // 西阳邱村
const STAFF = '13800000001';
const VILLAGER = '13800000005';

let t: TestApp;
let browser: TestBrowser;
let base: string;
let staff: string;

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
interface Drawn extends Box {
  text: string;
}
interface MapFeature {
  properties: { code: string; role: string };
  geometry: unknown;
}
interface Summary {
  children: { code: string; name: string }[];
  devices: { kind: 'camera' | 'speaker'; name: string; lon: number; lat: number }[];
}

const overlap = (a: Box, b: Box) => Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x) > 0.5 && Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y) > 0.5;
const inside = (a: Box, b: Box) => a.x >= b.x - 0.5 && a.y >= b.y - 0.5 && a.x + a.width <= b.x + b.width + 0.5 && a.y + a.height <= b.y + b.height + 0.5;

/** Every name once, inside the map, none over another, none over an obstacle. */
function expectClear(drawn: Drawn[], names: string[], map: Box, obstacles: (Box & { what: string })[]): void {
  expect(drawn.map((d) => d.text).sort()).toEqual([...names].sort());
  for (const [i, a] of drawn.entries()) {
    expect(a.width, a.text).toBeGreaterThan(0);
    expect(inside(a, map), `${a.text} inside the map`).toBe(true);
    for (const b of drawn.slice(i + 1)) expect(overlap(a, b), `${a.text} over ${b.text}`).toBe(false);
    for (const o of obstacles) expect(overlap(a, o), `${a.text} over ${o.what}`).toBe(false);
  }
}

/** The text boxes under `selector`, in page pixels. */
function texts(page: Page, selector: string): Promise<Drawn[]> {
  return page.evaluate(
    (sel) =>
      [...document.querySelectorAll(sel)].map((el) => {
        const r = el.getBoundingClientRect();
        return { text: (el.textContent ?? '').trim(), x: r.x, y: r.y, width: r.width, height: r.height };
      }),
    selector,
  );
}

beforeAll(async () => {
  ensureWebBuilt();
  t = await createTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  staff = await t.login(STAFF);
  await t.services.dashboard.settled();
  browser = await launchBrowser();
}, 180_000);

const contexts: BrowserContext[] = [];

afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
  browser?.assertNoPageErrors();
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function get<T>(url: string): Promise<T> {
  const res = await t.request({ method: 'GET', url, token: staff });
  expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
  return res.json() as T;
}

/**
 * The big screen's map names and markers once drawn: the names are the SVG <text> nodes whose text is a
 * child's name; each marker's box comes from where the map put two children's label points.
 */
async function screenMap(page: Page, region: string, names: string[], own: (name: string) => string) {
  const map = page.getByTestId('screen-map');
  const shown = () => texts(page, '[data-testid=screen-map] svg text').then((all) => all.filter((d) => names.map(own).includes(d.text)));
  await expect.poll(async () => (await shown()).length, { timeout: 15_000 }).toBe(names.length);
  const features = (await get<{ features: MapFeature[] }>(`/api/dashboard/map?region=${region}`)).features.filter((f) => f.properties.role === 'child');
  const summary = await get<Summary>(`/api/dashboard/summary?region=${region}`);
  const pixels = JSON.parse((await map.getAttribute('data-region-pixels'))!) as Record<string, [number, number]>;
  const box = (await map.boundingBox())!;
  // Mercator → the map element's pixels: one scale and an offset (the map keeps its aspect), fitted by
  // least squares to where the map put the children's label points, each rounded to a whole pixel.
  const pairs = features.filter((f) => pixels[f.properties.code]).map((f) => ({ m: mercator(labelPointOf(f.geometry)!), p: pixels[f.properties.code]! }));
  expect(pairs.length).toBe(names.length);
  const mean = (xs: number[]) => xs.reduce((sum, x) => sum + x, 0) / xs.length;
  const [mx0, my0, px0, py0] = [mean(pairs.map((q) => q.m[0])), mean(pairs.map((q) => q.m[1])), mean(pairs.map((q) => q.p[0])), mean(pairs.map((q) => q.p[1]))];
  const scale =
    pairs.reduce((sum, q) => sum + (q.m[0] - mx0) * (q.p[0] - px0) + (q.m[1] - my0) * (q.p[1] - py0), 0) /
    pairs.reduce((sum, q) => sum + (q.m[0] - mx0) ** 2 + (q.m[1] - my0) ** 2, 0);
  const toPage = ([x, y]: [number, number]): [number, number] => [box.x + px0 + (x - mx0) * scale, box.y + py0 + (y - my0) * scale];
  for (const q of pairs) {
    const [x, y] = toPage(q.m);
    expect(Math.hypot(x - box.x - q.p[0], y - box.y - q.p[1])).toBeLessThan(1.5);
  }
  const markers = summary.devices.map((d) => {
    const [x, y] = toPage(mercator([d.lon, d.lat]));
    const size = d.kind === 'camera' ? 9 : 11;
    return { what: `${d.kind} ${d.name}`, x: x - size / 2, y: y - size / 2, width: size, height: size };
  });
  return { drawn: await shown(), box, markers, summary };
}

describe('map names', () => {
  it('1. the big screen shows all 16 villages of 黑堡乡 at 1920×1080, and 西阳邱村’s grids, clear of each other and of the markers', { timeout: 90_000 }, async () => {
    const context = await browser.newPhone({ viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false });
    contexts.push(context);
    await signInContext(context, base, staff);
    const page = await context.newPage();
    await page.goto(`${base}/screen/`);
    await expect.poll(() => page.getByTestId('screen-map').getAttribute('data-region-pixels'), { timeout: 15_000 }).toMatch(new RegExp(VILLAGE));

    const villages = (await get<Summary>(`/api/dashboard/summary?region=${TOWNSHIP}`)).children.map((c) => c.name);
    expect(villages).toHaveLength(16);
    const township = await screenMap(page, TOWNSHIP, villages, (name) => name);
    expect(township.markers.length).toBeGreaterThanOrEqual(32); // the demo's speakers, two a village
    expectClear(township.drawn, villages, township.box, township.markers);

    // 西阳邱村's board: its grids (named without the village's name), over its own speakers and cameras
    const pixels = JSON.parse((await page.getByTestId('screen-map').getAttribute('data-region-pixels'))!) as Record<string, [number, number]>;
    await page.mouse.click(township.box.x + pixels[VILLAGE]![0], township.box.y + pixels[VILLAGE]![1]);
    await expect.poll(() => page.locator('[data-testid=block-map] .panel-title').innerText()).toBe('西阳邱村全域图');
    const grids = (await get<Summary>(`/api/dashboard/summary?region=${VILLAGE}`)).children.map((c) => c.name);
    expect(grids.length).toBeGreaterThanOrEqual(4);
    const village = await screenMap(page, VILLAGE, grids, (name) => name.replace('西阳邱村', ''));
    expectClear(
      village.drawn,
      grids.map((name) => name.replace('西阳邱村', '')),
      village.box,
      village.markers,
    );
  });

  it('2. the console’s 区域 map at 1440×900 names every village', { timeout: 60_000 }, async () => {
    const context = await browser.newPhone({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false });
    contexts.push(context);
    const page = await context.newPage();
    await logInConsole(page, base, STAFF);
    await page.goto(`${base}/console/regions`);
    const villages = (await get<Summary>(`/api/dashboard/summary?region=${TOWNSHIP}`)).children.map((c) => c.name);
    await expect.poll(async () => (await texts(page, '.region-map svg text.label')).length, { timeout: 15_000 }).toBe(16);
    const map = (await page.locator('.region-map').boundingBox())!;
    expectClear(await texts(page, '.region-map svg text.label'), villages, map, []);
  });

  it('3. the phone’s report map names every grid of the village, and keeps the names off the pin', { timeout: 60_000 }, async () => {
    const context = await browser.newPhone();
    contexts.push(context);
    const page = await context.newPage();
    await logInPhone(page, base, VILLAGER);
    await page.goto(`${base}/h5/report`);
    const grids = (await get<Summary>(`/api/dashboard/summary?region=${VILLAGE}`)).children.map((c) => c.name.replace('西阳邱村', ''));
    await expect.poll(async () => (await texts(page, '.region-map svg text.label')).length, { timeout: 15_000 }).toBe(grids.length);
    await page.locator('.region-map').scrollIntoViewIfNeeded();
    const map = (await page.locator('.region-map').boundingBox())!;
    const drawn = await texts(page, '.region-map svg text.label');
    expectClear(drawn, grids, map, []);

    // The reporter taps the map right on 第一网格's name: the pin goes there and the name makes way.
    const first = drawn.find((d) => d.text === '第一网格')!;
    await page.mouse.click(first.x + first.width / 2, first.y + first.height / 2);
    await page.locator('.region-map .pin').waitFor();
    await expect
      .poll(async () => {
        const pin = (await page.locator('.region-map .pin').boundingBox())!;
        return (await texts(page, '.region-map svg text.label')).filter((d) => overlap(d, pin)).map((d) => d.text);
      })
      .toEqual([]);
    const pin = (await page.locator('.region-map .pin').boundingBox())!;
    expectClear(await texts(page, '.region-map svg text.label'), grids, map, [{ what: 'the pin', ...pin }]);
  });
});
