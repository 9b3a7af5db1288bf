import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/modules/demo/demo.seed.js';
import { DEMO_BRANCH_ID } from '../../src/modules/party/party.demo.js';
import { labelPointOf, mercator } from '../../web/src/screen/tiles.ts';
import { calling, ensureWebBuilt, launchBrowser, logInConsole, logInPhone, type TestBrowser } from '../support/browser.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { emptyFindings, type Findings, installProbe, Payloads, scanScriptUrls, seenPayloads } from '../support/xss-probe.js';

/**
 * The stored-XSS sweep: a script payload goes into every free-text field a person can write, through
 * the real API as the roles that may write it (names of people, regions, households, devices,
 * cameras, zones, meters, categories; cases and their comments; points rules, claims, store items;
 * broadcasts and programmes; notices, service guides and requests; the elderly register; party
 * organisations, meetings, minutes and study; alarms' and alerts' notes). Then every page of the
 * phone app, the console and the big screen is opened in Chromium, as the people who can see it,
 * detail pages on the records holding payloads, and the screen's map and charts are hovered for
 * their tooltips. Any payload that runs, any dialog, any CSP violation (the CSP stopping an
 * injection: the escaping must hold without it) and any `javascript:` URL fails the test; sample
 * pages must show their payloads as text, so the sweep cannot pass by showing nothing.
 */
const VILLAGE = '130631202206'; // 西阳邱村
const GRID = `${VILLAGE}01`;
const NEIGHBOUR = '130631202207'; // 东阳邱村
const TOWNSHIP = '130631202';
// The first village by code: the users list is ordered by region, so its people head the first page.
const FIRST_VILLAGE = '130631202201';
const ADMIN = '13800000000';
const STAFF = '13800000001';
const CADRE = '13800000002';
const SECRETARY = '13800000003';
const GRID_WORKER = '13800000004';
const VILLAGER = '13800000005';
const ON_LEAVE = '13800000104'; // 刘红梅, a member of the demo branch
const DESKTOP = { viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false };
const FULL_HD = { viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false };

let t: TestApp;
let browser: TestBrowser;
let base: string;
const tokens: Record<string, string> = {};
const payloads = new Payloads();
const findings: Findings = emptyFindings();
/** Payloads seen whole as text, on any page. */
const seen = new Set<number>();
/** Console errors the pages logged (not failures of this test; listed when it fails). */
const pageErrors: string[] = [];

/** Ids of the records holding payloads, for their detail pages. */
const ids: Record<string, string> = {};
/** Where devices stand (lon/lat), to hover them on the screen's map. */
const devicePlaces: { name: string; at: [number, number] }[] = [];
let villageLabel: Record<string, [number, number]> = {};

async function api<T = Record<string, unknown>>(method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, phone: string, payload?: object): Promise<T> {
  const res = await t.request({ method, url, token: tokens[phone], ...(payload ? { payload } : {}) });
  if (res.statusCode >= 300) throw new Error(`${method} ${url} as ${phone}: ${res.statusCode} ${res.body}`);
  return res.json() as T;
}

const p = (field: string, max: number) => payloads.make(field, max);
const chinaDay = (offsetDays = 0) => new Date(Date.now() + 8 * 3_600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);

async function picture(): Promise<Buffer> {
  return sharp({ create: { width: 320, height: 180, channels: 3, background: '#6d8f3c' } }).jpeg().toBuffer();
}

async function seed(): Promise<void> {
  for (const phone of [ADMIN, STAFF, CADRE, SECRETARY, GRID_WORKER, VILLAGER, ON_LEAVE]) tokens[phone] = await t.login(phone);
  const users = await t.db.selectFrom('users').select(['id', 'phone']).where('phone', 'in', [VILLAGER, GRID_WORKER, CADRE]).execute();
  const userId = (phone: string) => users.find((u) => u.phone === phone)!.id;

  // The map's label points (where the map puts a village's name, data-region-pixels), for placing devices.
  const map = await api<{ features: { properties: { code: string }; geometry: unknown }[] }>('GET', `/api/dashboard/map?region=${TOWNSHIP}`, STAFF);
  const centre = (code: string) => labelPointOf(map.features.find((f) => f.properties.code === code)!.geometry)!;

  // People and places: names shown everywhere (reporters, handlers, rankings, members, regions).
  await api('PATCH', `/api/users/${userId(VILLAGER)}`, STAFF, { name: p('user name (villager)', 50) });
  await api('PATCH', `/api/users/${userId(GRID_WORKER)}`, STAFF, { name: p('user name (grid worker)', 50) });
  await api('POST', '/api/users', STAFF, { phone: '13900000999', name: p('user name (new account)', 50), role: 'villager', regionCode: FIRST_VILLAGE });
  await api('PATCH', `/api/regions/${NEIGHBOUR}`, ADMIN, { name: p('region name (village)', 100) });
  await api('PATCH', `/api/regions/${GRID}`, ADMIN, { name: p('region name (grid)', 100) });
  // The villager's own household (made with them as its head when the demo gave them none).
  const mine = (await api<{ household: { id: string } | null }>('GET', '/api/households/mine', VILLAGER)).household;
  const household = mine ?? await api<{ id: string }>('POST', '/api/households', CADRE, { name: '测试户', headId: userId(VILLAGER) });
  ids.household = household.id;
  await api('PATCH', `/api/households/${household.id}`, CADRE, { name: p('household name', 50), address: p('household address', 200) });

  // Cases: a category, a case through its whole life, a rejected one.
  await api('POST', '/api/case-categories', ADMIN, {
    code: 'xss_probe',
    name: p('case category name', 30),
    nameEn: p('case category English name', 60),
    description: p('case category description', 500),
    acceptHours: 8,
    resolveHours: 48,
    isPublic: true,
  });
  const kase = await api<{ id: string }>('POST', '/api/cases', VILLAGER, {
    id: randomUUID(),
    categoryCode: 'xss_probe',
    description: p('case description', 2000),
    villageCode: VILLAGE,
    address: p('case address', 200),
  });
  ids.case = kase.id;
  await api('POST', `/api/cases/${kase.id}/accept`, CADRE);
  await api('POST', `/api/cases/${kase.id}/comments`, CADRE, { text: p('case comment (handler)', 1000) });
  await api('POST', `/api/cases/${kase.id}/comments`, VILLAGER, { text: p('case comment (reporter)', 1000) });
  await api('POST', `/api/cases/${kase.id}/resolve`, CADRE, { note: p('case resolve note', 2000), photoIds: [] });
  await api('POST', `/api/cases/${kase.id}/approve`, SECRETARY, { comment: p('case approve comment', 500) });
  await api('POST', `/api/cases/${kase.id}/rate`, VILLAGER, { rating: 4, comment: p('case rating comment', 500) });
  const other = await api<{ id: string }>('POST', '/api/cases', VILLAGER, { id: randomUUID(), categoryCode: 'village_appearance', description: p('case description (rejected)', 2000), villageCode: VILLAGE });
  ids.rejectedCase = other.id;
  await api('POST', `/api/cases/${other.id}/reject`, CADRE, { reason: p('case reject reason', 500) });
  const open = await api<{ id: string }>('POST', '/api/cases', VILLAGER, { id: randomUUID(), categoryCode: 'xss_probe', description: p('case description (open)', 2000), villageCode: VILLAGE });
  ids.openCase = open.id;

  // Points: rules, claims (one pending, one rejected), an award, store items and orders.
  const rule = (code: string, earner: string, requiresApproval: boolean) =>
    api<{ id: string }>('POST', '/api/points/rules', CADRE, {
      code,
      name: p(`points rule name (${code})`, 40),
      description: p(`points rule description (${code})`, 500),
      category: 'volunteer',
      earner,
      points: 50,
      requiresApproval,
      requiresPhoto: false,
    });
  const claimA = await rule('xss.claim_a', 'claimant', true);
  const claimB = await rule('xss.claim_b', 'claimant', true);
  const assigned = await rule('xss.assigned', 'assigned', false);
  await api('POST', '/api/points/claims', VILLAGER, { id: randomUUID(), ruleId: claimA.id, description: p('points claim description (pending)', 500), occurredOn: chinaDay() });
  const rejected = await api<{ id: string }>('POST', '/api/points/claims', VILLAGER, { id: randomUUID(), ruleId: claimB.id, description: p('points claim description (rejected)', 500), occurredOn: chinaDay() });
  await api('POST', `/api/points/claims/${rejected.id}/reject`, CADRE, { reason: p('points claim reject reason', 500) });
  await api('POST', '/api/points/awards', CADRE, { id: randomUUID(), ruleId: assigned.id, userIds: [userId(VILLAGER)], reason: p('points award reason', 500) });
  const item = await api<{ id: string }>('POST', '/api/points/store/items', CADRE, { name: p('store item name', 40), description: p('store item description', 500), price: 5, stock: 10 });
  await api('POST', '/api/points/store/orders', VILLAGER, { id: randomUUID(), itemId: item.id, quantity: 1 });
  const cancelled = await api<{ id: string }>('POST', '/api/points/store/orders', VILLAGER, { id: randomUUID(), itemId: item.id, quantity: 1 });
  await api('POST', `/api/points/store/orders/${cancelled.id}/cancel`, CADRE, { reason: p('store order cancel reason', 200) });

  // 平安乡村 and 云广播: a speaker and a camera at 西阳邱村's label point, a zone, an alarm and its note.
  const at = centre(VILLAGE);
  const speakerName = p('speaker name', 100);
  const speaker = await api<{ device: { id: string } }>('POST', '/api/devices', CADRE, { name: speakerName, regionCode: VILLAGE, location: { lon: at[0] + 0.004, lat: at[1] } });
  devicePlaces.push({ name: 'speaker', at: [at[0] + 0.004, at[1]] });
  const camera = await api<{ camera: { id: string } }>('POST', '/api/cameras', CADRE, {
    name: p('camera name', 100),
    regionCode: GRID,
    detect: false,
    externalName: p('camera external name', 64),
    location: { lon: at[0] - 0.004, lat: at[1] },
    speakerIds: [speaker.device.id],
  });
  devicePlaces.push({ name: 'camera', at: [at[0] - 0.004, at[1]] });
  ids.camera = camera.camera.id;
  const zone = await api<{ id: string }>('POST', `/api/cameras/${camera.camera.id}/zones`, CADRE, {
    name: p('zone name', 50),
    kind: 'drowning',
    polygon: [
      [0.1, 0.1],
      [0.9, 0.1],
      [0.9, 0.9],
      [0.1, 0.9],
    ],
    warningText: p('zone warning text', 200),
    inertiaFrames: 1,
    cooldownSeconds: 0,
    actions: { playOnSpeaker: false, notifyGridWorker: true, createCase: false },
  });
  const now = new Date();
  const detection = { trackId: 'xss', label: 'person', score: 0.9, box: { x: 0.4, y: 0.4, width: 0.1, height: 0.3 } };
  const alarm = await t.services.safeVillage.raise({
    cameraId: camera.camera.id,
    zoneId: zone.id,
    source: 'webhook',
    alarm: { zoneId: zone.id, trackId: 'xss', at: now, enteredAt: new Date(now.getTime() - 1000), score: 0.9, detection },
    snapshot: await picture(),
  });
  await api('POST', `/api/alarms/${alarm.id}/acknowledge`, CADRE, { note: p('alarm acknowledge note', 500) });
  await t.services.safeVillage.frameArrived(camera.camera.id, await picture(), { width: 320, height: 180 }, new Date());

  const broadcast = await api<{ id: string }>('POST', '/api/broadcasts', CADRE, {
    id: randomUUID(),
    title: p('broadcast title', 100),
    text: p('broadcast text', 1000),
    target: { type: 'villages', codes: [VILLAGE] },
  });
  ids.broadcast = broadcast.id;
  await api('POST', '/api/broadcast-schedules', CADRE, {
    id: randomUUID(),
    name: p('broadcast programme name', 100),
    repeatKind: 'daily',
    timeOfDay: '07:30',
    broadcast: { title: p('broadcast programme title', 100), text: '村里的广播节目', target: { type: 'villages', codes: [VILLAGE] } },
  });

  // 用水预警: a meter whose burst opens an alert, acknowledged with a note.
  await api('POST', '/api/water/meters', CADRE, {
    id: 'wm-xss-01',
    name: p('water meter name', 100),
    regionCode: VILLAGE,
    address: p('water meter address', 200),
    contactName: p('water meter contact name', 50),
    contactPhone: '13912345678',
  });
  const H = 3_600_000;
  const last = Math.floor(Date.now() / H) * H - 40 * 60_000;
  let litres = 5000;
  const readings = Array.from({ length: 49 }, (_, i) => {
    if (i > 0) litres += i === 48 ? 600 : 10;
    return { meterId: 'wm-xss-01', at: new Date(last - (48 - i) * H).toISOString(), litres };
  });
  expect((await api<{ alertsOpened: number }>('POST', '/api/water/readings', CADRE, { readings })).alertsOpened).toBeGreaterThan(0);
  const alerts = await api<{ items: { id: string }[] }>('GET', '/api/water/alerts?meter=wm-xss-01', CADRE);
  ids.waterAlert = alerts.items[0]!.id;
  await api('POST', `/api/water/alerts/${ids.waterAlert}/acknowledge`, CADRE, { note: p('water alert note', 500) });

  // 乡村信息: a published notice and a withdrawn one.
  const notice = await api<{ id: string }>('POST', '/api/notices', CADRE, { id: randomUUID(), kind: 'notice', title: p('notice title', 100), body: p('notice body', 10_000), regionCode: VILLAGE });
  ids.notice = notice.id;
  const withdrawn = await api<{ id: string }>('POST', '/api/notices', CADRE, { id: randomUUID(), kind: 'news', title: p('notice title (withdrawn)', 100), body: p('notice body (withdrawn)', 10_000), regionCode: VILLAGE });
  await api('POST', `/api/notices/${withdrawn.id}/withdraw`, CADRE, { reason: p('notice withdraw reason', 200) });

  // 办证办事: a guide with every text field, a request asked for materials.
  const guide = await api<{ id: string }>('POST', '/api/service-guides', CADRE, {
    regionCode: VILLAGE,
    code: 'xss_guide',
    name: p('service guide name', 40),
    category: 'other',
    keywords: p('service guide keywords', 200),
    summary: p('service guide summary', 300),
    conditions: p('service guide conditions', 2000),
    materials: [p('service guide material', 200)],
    office: p('service guide office', 200),
    phone: p('service guide phone', 40),
    hours: p('service guide hours', 200),
    fees: p('service guide fees', 200),
    timeLimit: p('service guide time limit', 200),
  });
  ids.guide = guide.id;
  const request = await api<{ id: string }>('POST', '/api/service-requests', VILLAGER, { id: randomUUID(), guideId: guide.id, kind: 'proxy', note: p('service request note', 500) });
  ids.request = request.id;
  await api('POST', `/api/service-requests/${request.id}/accept`, CADRE, {});
  await api('POST', `/api/service-requests/${request.id}/request-materials`, CADRE, { note: p('service request materials note', 500) });
  await api('POST', `/api/service-requests/${request.id}/supplement`, VILLAGER, { note: p('service request supplement note', 500) });

  // 养老: a resident of the villager's household, a visit, an alert, a meal request.
  const resident = await api<{ id: string }>('POST', '/api/elderly', CADRE, {
    id: randomUUID(),
    name: p('elderly name', 50),
    birthDate: '1942-03-01',
    address: p('elderly address', 200),
    regionCode: GRID,
    householdId: ids.household ?? null,
    livingAlone: true,
    emergencyContactName: p('elderly emergency contact', 50),
    healthNotes: p('elderly health notes', 2000),
  });
  ids.resident = resident.id;
  await api('PUT', `/api/elderly/${resident.id}/plan`, CADRE, { frequency: 'monthly', note: p('elderly plan note', 200) });
  await api('POST', `/api/elderly/${resident.id}/visits`, GRID_WORKER, { id: randomUUID(), condition: 'attention', notes: p('elderly visit notes', 2000) });
  await api('POST', `/api/elderly/${resident.id}/alerts`, GRID_WORKER, { kind: 'other', note: p('elderly alert note', 500) });
  await api('POST', `/api/elderly/${resident.id}/meal-requests`, CADRE, { id: randomUUID(), meals: 'lunch', startsOn: chinaDay(1), note: p('elderly meal note', 200) });

  // 智慧党建: a group, a member's notes, a meeting type, a meeting with leave and minutes, study.
  await api('POST', '/api/party/organisations', SECRETARY, { parentId: DEMO_BRANCH_ID, kind: 'group', name: p('party organisation name', 60) });
  const members = await api<{ items: { id: string; phone: string }[] }>('GET', `/api/party/members?organisationId=${DEMO_BRANCH_ID}&pageSize=100`, SECRETARY);
  const away = members.items.find((m) => m.phone === '13800000105')!;
  await api('PATCH', `/api/party/members/${away.id}`, SECRETARY, { mobilePlace: p('party member mobile place', 100), note: p('party member note', 500) });
  await api('POST', '/api/party/meeting-types', ADMIN, { code: 'xss_type', name: p('party meeting type name', 20), frequency: 'none' });
  const starts = new Date(Date.now() - 5 * 60_000);
  const meeting = await api<{ id: string }>('POST', '/api/party/meetings', SECRETARY, {
    organisationId: DEMO_BRANCH_ID,
    typeCode: 'theme_day',
    title: p('party meeting title', 100),
    startsAt: starts.toISOString(),
    endsAt: new Date(starts.getTime() + 2 * H).toISOString(),
    mode: 'hybrid',
    place: p('party meeting place', 100),
    onlineUrl: payloads.url('party meeting online URL'),
    agenda: p('party meeting agenda', 2000),
  });
  ids.meeting = meeting.id;
  await api('POST', `/api/party/meetings/${meeting.id}/leave`, ON_LEAVE, { reason: p('party leave reason', 200) });
  await api('PUT', `/api/party/meetings/${meeting.id}/record`, SECRETARY, { minutes: p('party meeting minutes', 20_000), resolutions: p('party meeting resolutions', 5000) });
  await api('POST', '/api/party/study/materials', SECRETARY, { title: p('party study title', 100), kind: 'article', body: p('party study body', 20_000), minutes: 10, organisationIds: [DEMO_BRANCH_ID] });
  await api('POST', '/api/party/study/materials', SECRETARY, { title: p('party study title (link)', 100), kind: 'link', url: payloads.url('party study URL'), minutes: 10, organisationIds: [DEMO_BRANCH_ID] });
  // Links are http(s) only: a javascript: URL never gets stored.
  for (const [url, body] of [
    ['/api/party/study/materials', { title: 'javascript link', kind: 'link', url: 'javascript:__xss(0)', minutes: 10, organisationIds: [DEMO_BRANCH_ID] }],
    [`/api/party/meetings/${meeting.id}`, { onlineUrl: 'javascript:__xss(0)' }],
  ] as const) {
    const res = await t.request({ method: url.includes('meetings') ? 'PATCH' : 'POST', url, token: tokens[SECRETARY], payload: body });
    expect(res.statusCode, `${url} with a javascript: URL`).toBe(400);
  }

  await t.services.dashboard.settled();
  villageLabel = { [VILLAGE]: centre(VILLAGE), [NEIGHBOUR]: centre(NEIGHBOUR) };
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

async function newContext(options: object): Promise<BrowserContext> {
  const context = await browser.newPhone(options);
  await installProbe(context, payloads, findings);
  return context;
}

/** Waits until the page has settled: its requests answered (the screen's live stream never ends), fonts in. */
async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle', { timeout: 2500 }).catch(() => undefined);
  await page.waitForTimeout(300);
}

/**
 * Opens each path in turn on one page and checks it: script URLs, the payloads it shows. A path's
 * `shows` lists fields whose payloads must be on it as text.
 */
async function sweep(page: Page, prefix: string, paths: { path: string; shows?: string[] }[]): Promise<void> {
  for (const { path, shows } of paths) {
    await page.goto(`${base}${prefix}${path}`);
    await settle(page);
    await scanScriptUrls(page, findings);
    const here = await seenPayloads(page, payloads);
    for (const n of here) seen.add(n);
    for (const field of shows ?? []) {
      const probe = payloads.probes.find((q) => q.field === field);
      if (!probe) throw new Error(`no payload was written for "${field}"`);
      expect.soft(here.has(probe.n), `${prefix}${path} shows "${field}" as text`).toBe(true);
    }
    pageErrors.push(...browser.takeErrors());
  }
}

function expectClean(): void {
  expect({ executed: findings.executed, dialogs: findings.dialogs, cspViolations: findings.cspViolations, scriptUrls: findings.scriptUrls }).toEqual({
    executed: [],
    dialogs: [],
    cspViolations: [],
    scriptUrls: [],
  });
}

describe('stored XSS sweep', () => {
  it('the phone app, as a villager, a grid worker, a cadre and a branch secretary', { timeout: 240_000 }, async () => {
    const villager = await newContext({});
    const vp = await villager.newPage();
    await logInPhone(vp, base, VILLAGER);
    await sweep(vp, '/h5', [
      { path: '/home' },
      { path: '/me', shows: ['user name (villager)'] },
      { path: '/report' },
      { path: '/points' },
      { path: '/party' },
      { path: '/cases/mine' },
      { path: `/cases/${ids.case}`, shows: ['case description', 'case comment (handler)', 'case resolve note', 'case rating comment'] },
      { path: `/cases/${ids.rejectedCase}`, shows: ['case reject reason'] },
      { path: '/drafts' },
      { path: '/points/history', shows: ['points award reason'] },
      { path: '/points/claims', shows: ['points claim description (pending)'] },
      { path: '/points/claims/new' },
      { path: '/points/store', shows: ['store item name'] },
      { path: '/points/orders', shows: ['store item name'] },
      { path: '/points/ranking' },
      { path: '/points/household', shows: ['household name'] },
      { path: '/notices', shows: ['notice title'] },
      { path: `/notices/${ids.notice}`, shows: ['notice title', 'notice body'] },
      { path: `/archive/${VILLAGE}` },
      { path: `/archive/${VILLAGE}/${ids.notice}`, shows: ['notice body'] },
      { path: '/services', shows: ['service guide name'] },
      { path: `/services/${ids.guide}`, shows: ['service guide conditions', 'service guide office'] },
      { path: `/services/${ids.guide}/request` },
      { path: '/requests', shows: ['service guide name'] },
      { path: `/requests/${ids.request}`, shows: ['service request materials note'] },
      { path: '/family', shows: ['elderly name'] },
    ]);
    await villager.close();

    const worker = await newContext({});
    const wp = await worker.newPage();
    await logInPhone(wp, base, GRID_WORKER);
    await sweep(wp, '/h5', [
      { path: '/home' },
      { path: '/work' },
      { path: '/me' },
      { path: '/care', shows: ['elderly name'] },
      { path: `/care/residents/${ids.resident}`, shows: ['elderly name', 'elderly health notes', 'elderly visit notes'] },
      { path: `/care/residents/${ids.resident}/visit` },
      { path: '/points' },
    ]);
    await worker.close();

    const cadre = await newContext({});
    const cp = await cadre.newPage();
    await logInPhone(cp, base, CADRE);
    await sweep(cp, '/h5', [{ path: '/home' }, { path: '/work', shows: ['case description (open)'] }, { path: `/cases/${ids.openCase}` }, { path: '/broadcast' }]);
    await cadre.close();

    const secretary = await newContext({});
    const sp = await secretary.newPage();
    await logInPhone(sp, base, SECRETARY);
    await sweep(sp, '/h5', [
      { path: '/party' },
      { path: '/party/meetings', shows: ['party meeting title'] },
      { path: `/party/meetings/${ids.meeting}`, shows: ['party meeting title', 'party meeting place'] },
      { path: `/party/sign-in/${ids.meeting}` },
      { path: '/party/study', shows: ['party study title'] },
      { path: '/party/dues' },
    ]);
    await secretary.close();
    expectClean();
  });

  it('the console, as township staff, a village cadre and a branch secretary', { timeout: 300_000 }, async () => {
    const everything = [
      { path: '/' },
      { path: '/cases', shows: ['case description'] },
      { path: `/cases/${ids.case}`, shows: ['case description', 'case comment (reporter)', 'case resolve note'] },
      { path: `/cases/${ids.rejectedCase}`, shows: ['case reject reason'] },
      { path: '/categories' },
      { path: '/broadcasts', shows: ['broadcast title'] },
      { path: '/broadcasts/new' },
      { path: '/broadcasts/schedules', shows: ['broadcast programme name'] },
      { path: '/broadcasts/speakers', shows: ['speaker name'] },
      { path: `/broadcasts/${ids.broadcast}`, shows: ['broadcast title'] },
      { path: '/safe-village/cameras', shows: ['camera name'] },
      { path: `/safe-village/cameras/${ids.camera}`, shows: ['camera name'] },
      { path: '/safe-village/alarms', shows: ['camera name'] },
      { path: '/water/meters', shows: ['water meter name'] },
      { path: '/water/alerts', shows: ['water meter name'] },
      { path: `/water/alerts/${ids.waterAlert}`, shows: ['water meter name'] },
      { path: '/party/organisations', shows: ['party organisation name'] },
      { path: '/party/members' },
      { path: '/party/meetings', shows: ['party meeting title'] },
      { path: `/party/meetings/${ids.meeting}`, shows: ['party meeting title', 'party leave reason'] },
      { path: '/party/completion' },
      { path: '/party/study' },
      { path: '/party/dues' },
      { path: '/notices', shows: ['notice title'] },
      { path: '/service-guides', shows: ['service guide name'] },
      { path: '/service-requests', shows: ['service guide name'] },
      { path: '/elderly', shows: ['elderly name'] },
      { path: '/elderly/plans' },
      { path: '/elderly/meals' },
      { path: '/points/rules' },
      { path: '/points/claims', shows: ['points claim description (pending)'] },
      { path: '/points/store', shows: ['store item name'] },
      { path: '/points/ledger', shows: ['points award reason'] },
      { path: '/points/ranking' },
      { path: '/regions' },
      { path: '/users', shows: ['user name (new account)'] },
      { path: '/audit' },
    ];
    // The staff see every page; the cadre and the secretary (whose other pages are the staff's, in a
    // smaller scope) those of their own work. Pages outside a role's permissions send it home.
    const pages = {
      [STAFF]: everything,
      [CADRE]: everything.filter(({ path }) => /^\/(cases|broadcasts|safe-village|water|notices|service|elderly|points)/.test(path)).map(({ path }) => ({ path })),
      [SECRETARY]: everything.filter(({ path }) => path.startsWith('/party')).map(({ path }) => ({ path })),
    };
    for (const [phone, paths] of Object.entries(pages)) {
      const context = await newContext(DESKTOP);
      const page = await context.newPage();
      await logInConsole(page, base, phone);
      await sweep(page, '/console', paths);
      await context.close();
    }
    const admin = await newContext(DESKTOP);
    const ap = await admin.newPage();
    await logInConsole(ap, base, ADMIN);
    await sweep(ap, '/console', [{ path: '/categories', shows: ['case category name', 'case category description'] }, { path: '/users' }, { path: '/regions' }, { path: '/audit' }]);
    await admin.close();
    expectClean();
  });

  it('the big screen, as township staff and a village cadre, with its map and chart tooltips', { timeout: 180_000 }, async () => {
    for (const phone of [STAFF, CADRE]) {
      const context = await newContext(FULL_HD);
      const page = await context.newPage();
      await page.goto(`${base}/screen/`);
      await page.getByTestId('login-phone').fill(phone);
      await page.getByTestId('login-password').fill(DEMO_PASSWORD);
      const res = await calling(page, 'POST', '/api/auth/login', () => page.getByTestId('login-submit').click());
      expect(res.status()).toBe(200);
      await page.getByTestId('block-map').waitFor();
      await expect.poll(() => page.getByTestId('screen-map').getAttribute('data-region-pixels'), { timeout: 10_000 }).not.toBe('{}');
      await settle(page);
      await hoverTooltips(page, phone === STAFF);
      await scanScriptUrls(page, findings);
      const here = await seenPayloads(page, payloads);
      for (const n of here) seen.add(n);
      const must = phone === STAFF ? ['case description (open)', 'camera name'] : ['case description (open)'];
      for (const field of must) expect(here.has(payloads.probes.find((q) => q.field === field)!.n), `the screen shows "${field}" as text`).toBe(true);
      pageErrors.push(...browser.takeErrors());
      await context.close();
    }
    expectClean();
  });

  it('every payload written showed as text somewhere, and none ran', () => {
    const unseen = payloads.probes.filter((q) => !seen.has(q.n)).map((q) => q.field);
    // Not every field is on a page (keywords only search, the external name is for Frigate): listed, not failed.
    if (unseen.length > 0) console.info(`payloads not shown as text on any page: ${unseen.join('; ')}`);
    if (pageErrors.length > 0) console.info(`console errors on the pages:\n${[...new Set(pageErrors)].join('\n')}`);
    if (findings.otherCsp.length > 0) console.info(`CSP refusals of the apps' own resources:\n${[...new Set(findings.otherCsp.map((v) => v.replace(/ @ .*/, '')))].join('\n')}`);
    expect(seen.size).toBeGreaterThan(payloads.probes.length / 2);
    expectClean();
  });
});

/**
 * Hovers what the screen shows in ECharts tooltips (HTML): the devices on the map (where the map
 * puts their places, by the scaling two village labels give), the villages (township) or grids, and
 * the category chart's slices.
 */
async function hoverTooltips(page: Page, township: boolean): Promise<void> {
  const map = page.getByTestId('screen-map');
  const box = (await map.boundingBox())!;
  const scale = box.width / (await map.evaluate((el) => (el as HTMLElement).offsetWidth));
  const pixels = JSON.parse((await map.getAttribute('data-region-pixels')) ?? '{}') as Record<string, [number, number]>;
  const at = async (x: number, y: number) => {
    await page.mouse.move(box.x + x * scale, box.y + y * scale);
    await page.waitForTimeout(120);
  };
  if (township && pixels[VILLAGE] && pixels[NEIGHBOUR]) {
    const [a, b] = [mercator(villageLabel[VILLAGE]!), mercator(villageLabel[NEIGHBOUR]!)];
    const [pa, pb] = [pixels[VILLAGE], pixels[NEIGHBOUR]];
    const sx = (pb[0] - pa[0]) / (b[0] - a[0]);
    const sy = (pb[1] - pa[1]) / (b[1] - a[1]);
    for (const device of devicePlaces) {
      const m = mercator(device.at);
      await at(pa[0] + (m[0] - a[0]) * sx, pa[1] + (m[1] - a[1]) * sy);
      // The tooltip came up with the device's name: as text, or it ran (and is in the findings).
      const probe = payloads.probes.find((q) => q.field === `${device.name} name`)!;
      const shown = (await seenPayloads(page, payloads, '[data-testid=screen-map]')).has(probe.n);
      const ran = findings.executed.some((e) => e.startsWith(`${probe.field} `));
      expect.soft(shown || ran, `the map's tooltip for the ${device.name}`).toBe(true);
    }
  }
  for (const [x, y] of Object.values(pixels)) {
    await at(x + 12, y + 12);
  }
  // The other charts (the category pie, the trends): each one's area on a coarse grid.
  const charts = page.locator('[_echarts_instance_]:not([data-testid=block-map] *)');
  for (let i = 0; i < (await charts.count()); i += 1) {
    const c = await charts.nth(i).boundingBox();
    if (!c) continue;
    for (let y = c.y + 6; y < c.y + c.height; y += 14) for (let x = c.x + 6; x < c.x + c.width; x += 14) await page.mouse.move(x, y);
  }
  await page.mouse.move(0, 0);
}
