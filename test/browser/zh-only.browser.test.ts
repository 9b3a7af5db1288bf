import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuilt, launchBrowser, logInConsole, logInPhone, type TestBrowser } from '../support/browser.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * The Chinese UI speaks Chinese only (#22.3): every route of the phone app and the console is opened
 * in zh-CN as each role that uses it, on demo data plus one record of each kind that has a detail page
 * (a case reported on the phone, a camera alarm, a water alert and the case it raised, a broadcast),
 * and the text a person sees (rendered text, placeholders, button titles) must hold no Latin words
 * beyond an allow-list of brand and format names, and no raw codes (UUIDs, snake_case, dotted keys).
 */
const VILLAGE = '130631202206'; // 西阳邱村
const GRID = `${VILLAGE}01`;
const ADMIN = '13800000000';
const STAFF = '13800000001';
const CADRE = '13800000002';
const SECRETARY = '13800000003';
const GRID_WORKER = '13800000004';
const VILLAGER = '13800000005';
const DESKTOP = { viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false };

/**
 * Latin words a Chinese user may see: protocols, formats, units, product names (browsers and systems of
 * signed-in devices), the CSV header a meter import needs, and "English" on the language switch.
 */
const ALLOWED = new Set([
  'MQTT', 'RTSP', 'HTTP', 'HTTPS', 'CSV', 'Excel', 'IP', 'QR', 'AI', 'GPS', 'SMS', 'Webhook', 'Frigate', 'Open311', 'JPG', 'PNG', 'MP3',
  'kg', 'km', 'kWh', 'L',
  'Chrome', 'Edge', 'Firefox', 'Safari', 'Windows', 'macOS', 'iPhone', 'iPad', 'HarmonyOS',
  'timestamp', 'reading_litres',
  'English',
]);

let t: TestApp;
let browser: TestBrowser;
let base: string;
const tokens: Record<string, string> = {};
const ids: Record<string, string> = {};

async function api<T = Record<string, unknown>>(method: 'GET' | 'POST', url: string, phone: string, payload?: object): Promise<T> {
  const res = await t.request({ method, url, token: tokens[phone], ...(payload ? { payload } : {}) });
  if (res.statusCode >= 300) throw new Error(`${method} ${url} as ${phone}: ${res.statusCode} ${res.body}`);
  return res.json() as T;
}

async function seed(): Promise<void> {
  for (const phone of [ADMIN, STAFF, CADRE, SECRETARY, GRID_WORKER, VILLAGER]) tokens[phone] = await t.login(phone);
  const kase = await api<{ id: string }>('POST', '/api/cases', VILLAGER, {
    id: randomUUID(),
    categoryCode: 'village_appearance',
    description: '村口的路灯坏了好几天，晚上出行不方便。',
    villageCode: VILLAGE,
    address: '西阳邱村村口',
  });
  ids.case = kase.id;
  await api('POST', `/api/cases/${kase.id}/accept`, CADRE);

  const camera = await api<{ camera: { id: string } }>('POST', '/api/cameras', CADRE, { name: '村口摄像头', regionCode: GRID, detect: false });
  ids.camera = camera.camera.id;
  const zone = await api<{ id: string }>('POST', `/api/cameras/${camera.camera.id}/zones`, CADRE, {
    name: '河边',
    kind: 'drowning',
    polygon: [
      [0.1, 0.1],
      [0.9, 0.1],
      [0.9, 0.9],
      [0.1, 0.9],
    ],
    warningText: '水深危险，请远离河边。',
    inertiaFrames: 1,
    cooldownSeconds: 0,
    actions: { playOnSpeaker: false, notifyGridWorker: true, createCase: false },
  });
  const now = new Date();
  const snapshot = await sharp({ create: { width: 320, height: 180, channels: 3, background: '#6d8f3c' } }).jpeg().toBuffer();
  for (const [source, label] of [['detector', 'person'], ['webhook', 'car']] as const) {
    const detection = { trackId: `${source}-1`, label, score: 0.9, box: { x: 0.4, y: 0.4, width: 0.1, height: 0.3 } };
    await t.services.safeVillage.raise({
      cameraId: camera.camera.id,
      zoneId: zone.id,
      source,
      alarm: { zoneId: zone.id, trackId: detection.trackId, at: now, enteredAt: new Date(now.getTime() - 1000), score: 0.9, detection },
      snapshot,
    });
  }

  await api('POST', '/api/water/meters', CADRE, { id: 'wm-zh-01', name: '村民户水表', regionCode: VILLAGE, address: '西阳邱村前街 5 号', contactName: '王大山', contactPhone: '13912345678' });
  const H = 3_600_000;
  const last = Math.floor(Date.now() / H) * H - 40 * 60_000;
  let litres = 5000;
  const readings = Array.from({ length: 49 }, (_, i) => {
    if (i > 0) litres += i === 48 ? 600 : 10;
    return { meterId: 'wm-zh-01', at: new Date(last - (48 - i) * H).toISOString(), litres };
  });
  await api('POST', '/api/water/readings', CADRE, { readings });
  ids.waterAlert = (await api<{ items: { id: string }[] }>('GET', '/api/water/alerts?meter=wm-zh-01', CADRE)).items[0]!.id;
  // The case a zero-use alert of an elderly household raises, as the water module files it.
  ids.waterCase = (
    await t.services.cases.submitFromAlarm({
      id: randomUUID(),
      source: 'water',
      categoryCode: 'village_appearance',
      description: '用水预警：老年户「村民户水表」已连续 30 小时未用水，平时每天都用水。请网格员尽快上门探视，确认老人平安。',
      regionCode: GRID,
      location: null,
      reporter: null,
    })
  ).id;

  ids.broadcast = (await api<{ id: string }>('POST', '/api/broadcasts', CADRE, { id: randomUUID(), title: '通知', text: '今晚七点在村委会开会。', target: { type: 'villages', codes: [VILLAGE] } })).id;
  ids.meeting = (await api<{ items: { id: string }[] }>('GET', '/api/party/meetings', SECRETARY)).items[0]!.id;
  ids.notice = (await api<{ items: { id: string }[] }>('GET', '/api/notices', VILLAGER)).items[0]!.id;
  ids.guide = (await api<{ items: { id: string; allowProxy: boolean }[] }>('GET', '/api/service-guides', VILLAGER)).items.find((g) => g.allowProxy)!.id;
  ids.resident = (await api<{ items: { id: string }[] }>('GET', '/api/elderly', GRID_WORKER)).items[0]!.id;
  ids.request = (await api<{ id: string }>('POST', '/api/service-requests', VILLAGER, { id: randomUUID(), guideId: ids.guide, kind: 'proxy', note: '请帮忙代办。' })).id;
}

beforeAll(async () => {
  ensureWebBuilt();
  t = await createTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  t.services.runtime.publicBaseUrl = base;
  await seed();
  browser = await launchBrowser();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** The words and codes on the page that are not Chinese, with a little context. */
async function foreignText(page: Page): Promise<string[]> {
  const text = await page.evaluate(() => {
    const parts = [document.body.innerText];
    for (const el of document.querySelectorAll<HTMLElement>('input[placeholder], textarea[placeholder], [title]')) {
      if (el.offsetParent === null && getComputedStyle(el).position !== 'fixed') continue; // hidden
      for (const attr of ['placeholder', 'title']) {
        const value = el.getAttribute(attr);
        if (value) parts.push(value);
      }
    }
    return parts.join('\n');
  });
  const found: string[] = [];
  const note = (m: RegExpMatchArray) => found.push(`"${m[0]}" in "${text.slice(Math.max(0, m.index! - 20), m.index! + m[0].length + 20).replace(/\s+/g, ' ')}"`);
  for (const m of text.matchAll(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi)) note(m);
  const clean = text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, ' ');
  // Ids a person needs (meter ids, case numbers) are letters, digits and dashes with at least one digit.
  for (const m of clean.matchAll(/[A-Za-z][A-Za-z0-9_.'’-]*/g)) {
    const word = m[0].replace(/[.'’-]+$/, '');
    if (ALLOWED.has(word)) continue;
    if (/\d/.test(word) && !/_|\.[a-z]/i.test(word)) continue;
    note(m);
  }
  return found;
}

/** Requests in flight per page, but for the live stream, which never ends. */
const inFlight = new WeakMap<Page, Set<unknown>>();

function watchRequests(page: Page): void {
  const pending = new Set<unknown>();
  inFlight.set(page, pending);
  page.on('request', (r) => {
    if (!r.url().includes('/api/live')) pending.add(r);
  });
  page.on('requestfinished', (r) => pending.delete(r));
  page.on('requestfailed', (r) => pending.delete(r));
}

/** Waits until the page's requests have been answered for a moment (its data drawn), 5 s at most. */
async function settle(page: Page): Promise<void> {
  const pending = inFlight.get(page)!;
  const until = Date.now() + 5000;
  let quietSince = Date.now();
  while (Date.now() < until) {
    await page.waitForTimeout(50);
    if (pending.size > 0) quietSince = Date.now();
    else if (Date.now() - quietSince >= 250) return;
  }
}

/** Opens each path in turn as `who` and returns what is not Chinese on each page. */
async function sweep(page: Page, who: string, prefix: string, paths: string[]): Promise<string[]> {
  const findings: string[] = [];
  for (const path of paths) {
    await page.goto(`${base}${prefix}${path}`);
    await settle(page);
    const landed = new URL(page.url()).pathname;
    for (const f of await foreignText(page)) findings.push(`${who} ${landed}: ${f}`);
  }
  return findings;
}

/** A case a water alert filed starts with 用水预警, not 群众上报, and has no reporter line (#22.7). */
async function expectWaterCaseSource(page: Page, url: string, inConsole: boolean): Promise<void> {
  await page.goto(url);
  const timeline = page.getByTestId('case-timeline');
  await timeline.waitFor();
  await expect.poll(() => timeline.innerText()).toContain('用水预警');
  expect(await timeline.innerText()).not.toContain('群众上报');
  if (inConsole) expect(await page.locator('.el-descriptions').innerText()).not.toContain('上报人');
}

describe('the Chinese UI speaks Chinese only', () => {
  it('every console page, as an administrator, township staff, a village cadre and a branch secretary', { timeout: 300_000 }, async () => {
    const findings: string[] = [];
    const every = [
      '/',
      '/cases',
      `/cases/${ids.case}`,
      `/cases/${ids.waterCase}`,
      '/categories',
      '/broadcasts',
      '/broadcasts/new',
      '/broadcasts/schedules',
      '/broadcasts/speakers',
      `/broadcasts/${ids.broadcast}`,
      '/safe-village/cameras',
      `/safe-village/cameras/${ids.camera}`,
      '/safe-village/alarms',
      '/water/meters',
      '/water/alerts',
      `/water/alerts/${ids.waterAlert}`,
      '/party/organisations',
      '/party/members',
      '/party/meetings',
      `/party/meetings/${ids.meeting}`,
      '/party/completion',
      '/party/study',
      '/party/dues',
      '/notices',
      '/service-guides',
      '/service-requests',
      '/elderly',
      '/elderly/plans',
      '/elderly/meals',
      '/points/rules',
      '/points/claims',
      '/points/store',
      '/points/ledger',
      '/points/ranking',
      '/regions',
      '/users',
      '/account/sessions',
      '/password',
    ];
    for (const [who, phone] of [
      ['admin', ADMIN],
      ['staff', STAFF],
      ['cadre', CADRE],
      ['secretary', SECRETARY],
    ] as const) {
      const context = await browser.newPhone(DESKTOP);
      const page = await context.newPage();
      watchRequests(page);
      await logInConsole(page, base, phone);
      findings.push(...(await sweep(page, who, '/console', every)));
      if (who === 'staff') await expectWaterCaseSource(page, `${base}/console/cases/${ids.waterCase}`, true);
      await context.close();
    }
    browser.takeErrors();
    expect([...new Set(findings)]).toEqual([]);
  });

  it('every phone page, as a villager, a grid worker, a village cadre and a branch secretary', { timeout: 300_000 }, async () => {
    const findings: string[] = [];
    const every = [
      '/home',
      '/me',
      '/report',
      '/work',
      '/points',
      '/party',
      '/cases/mine',
      `/cases/${ids.case}`,
      `/cases/${ids.waterCase}`,
      '/drafts',
      '/points/history',
      '/points/claims',
      '/points/claims/new',
      '/points/store',
      '/points/orders',
      '/points/ranking',
      '/points/household',
      '/broadcast',
      '/party/meetings',
      `/party/meetings/${ids.meeting}`,
      '/party/study',
      '/party/dues',
      '/notices',
      `/notices/${ids.notice}`,
      `/archive/${VILLAGE}`,
      '/services',
      `/services/${ids.guide}`,
      `/services/${ids.guide}/request`,
      '/requests',
      `/requests/${ids.request}`,
      '/care',
      `/care/residents/${ids.resident}`,
      `/care/residents/${ids.resident}/visit`,
      '/family',
      '/sessions',
      '/settings/notifications',
      '/password',
    ];
    for (const [who, phone] of [
      ['villager', VILLAGER],
      ['grid worker', GRID_WORKER],
      ['cadre', CADRE],
      ['secretary', SECRETARY],
    ] as const) {
      const context = await browser.newPhone();
      const page = await context.newPage();
      watchRequests(page);
      await logInPhone(page, base, phone);
      findings.push(...(await sweep(page, who, '/h5', every)));
      if (who === 'grid worker') await expectWaterCaseSource(page, `${base}/h5/cases/${ids.waterCase}`, false);
      await context.close();
    }
    browser.takeErrors();
    expect([...new Set(findings)]).toEqual([]);
  });
});
