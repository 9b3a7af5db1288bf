import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { demoAccounts } from '../../src/modules/demo/demo.seed.js';
import type { DeviceMessagingHandle } from '../../src/modules/devices/device-messaging.js';
import { SpeakerSimulator } from '../../src/modules/devices/speaker-simulator.js';
import { calling, clickMenu, ensureWebBuilt, launchBrowser, logInConsole, logInPhone, type TestBrowser } from '../support/browser.js';
import { makeWav, mqttTestEnv, startTestMessaging, testDeviceId, testDeviceSecret } from '../support/mqtt.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * 云广播 in real browsers against the real app, real MQTT (the embedded broker, or CI's Mosquitto)
 * and real speech: three simulated loudspeaker pillars in 西阳邱村 play what they are sent (ten
 * times faster than real time). The village cadre types a text on the phone, listens to it and
 * sends it to the village; the township staff watch it reach the speakers in the console, send an
 * emergency broadcast to the whole township, and keep the programme calendar. Every step is checked
 * in the page and again through the API (and on the simulated speakers), and leaves a screenshot in
 * docs/screenshots/broadcast-*.png.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const screenshots = path.join(root, 'docs', 'screenshots');
const env = mqttTestEnv();
const VILLAGE = '130631202206'; // 西阳邱村
const TOWNSHIP = '130631202'; // 黑堡乡
const TIME_SCALE = 0.1;
const WAIT = { timeout: 30_000, interval: 50 };
// Ids 1–5 of the tag are broadcast.api.test.ts's; a shared external broker kicks duplicate client ids.
const SPEAKERS = [31, 32, 33].map((n) => testDeviceId('bcast', n));
const account = (phone: string) => demoAccounts.find((a) => a.phone === phone)!;
const STAFF = account('13800000001');
const CADRE = account('13800000002');
const DESKTOP = { viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false };

const VILLAGE_TEXT = '各位村民请注意，明天上午九点在村委会发放秋季小麦良种，请带好身份证按时领取。';
const EMERGENCY_TITLE = '暴雨红色预警';
const EMERGENCY_TEXT = '紧急通知：今晚有特大暴雨，请立即远离河道、坑塘和危房，老人孩子不要外出。';

interface Coverage {
  speakers: number;
  finished: number;
  playing: number;
  waiting: number;
  offline: number;
  failed: number;
}
interface BroadcastDetail {
  id: string;
  title: string;
  kind: string;
  text: string | null;
  status: string;
  createdBy: string | null;
  target: { type: string; codes: string[] };
  coverage: Coverage;
  deliveries: { deviceId: string; state: string; online: boolean }[];
}
interface Schedule {
  id: string;
  name: string;
  repeatKind: string;
  active: boolean;
  nextRunAt: string | null;
}

let t: TestApp;
let messaging: DeviceMessagingHandle;
let simulator: SpeakerSimulator;
let browser: TestBrowser;
let base: string;
const tokens: Record<string, string> = {};
/** The cadre's broadcast of step 1. */
let villageBroadcast: BroadcastDetail | undefined;

beforeAll(async () => {
  // The app serves web/dist only if it is built when the app starts: build it first when stale.
  ensureWebBuilt();
  mkdirSync(screenshots, { recursive: true });

  t = await createTestApp({ env });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  // Speakers fetch the audio from here.
  t.services.runtime.publicBaseUrl = base;
  messaging = await startTestMessaging(env, t);
  for (const a of [STAFF, CADRE]) tokens[a.phone] = await t.login(a.phone);

  // Three speakers around the village committee, so that the map shows them.
  const { centre } = await api<{ centre: { lon: number; lat: number } }>('GET', `/api/regions/${VILLAGE}`, STAFF.phone);
  for (const [i, id] of SPEAKERS.entries()) {
    await t.services.devices.createDemoSpeaker({
      id,
      name: `西阳邱村测试音柱${i + 1}`,
      regionCode: VILLAGE,
      location: { lon: centre.lon - 0.004 + i * 0.004, lat: centre.lat - 0.003 },
      secret: testDeviceSecret(id),
    });
  }
  simulator = new SpeakerSimulator(
    SPEAKERS.map((id) => ({ id, secret: testDeviceSecret(id) })),
    { url: messaging.deviceUrl, topicPrefix: env.MQTT_TOPIC_PREFIX!, logger: pino({ level: 'silent' }), timeScale: TIME_SCALE, heartbeatSeconds: 30 },
  );
  expect((await simulator.start()).failed).toEqual([]);
  await vi.waitFor(async () => expect((await t.services.devices.speakersById(SPEAKERS)).every((s) => s.online)).toBe(true), WAIT);

  browser = await launchBrowser();
}, 180_000);

afterEach(() => {
  browser?.assertNoPageErrors();
});

afterAll(async () => {
  await browser?.close();
  await simulator?.stop();
  await messaging?.close();
  await t?.close();
});

// ---- helpers -------------------------------------------------------------------------------------

/** An API call as one of the demo accounts; expects a 2xx answer and returns its JSON. */
async function api<T>(method: 'GET' | 'POST' | 'PATCH', url: string, phone: string, payload?: object): Promise<T> {
  const res = await t.request({ method, url, token: tokens[phone], ...(payload ? { payload } : {}) });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
  return res.json() as T;
}

const broadcastOf = (id: string) => api<BroadcastDetail>('GET', `/api/broadcasts/${id}`, STAFF.phone);
const schedules = async () => (await api<{ items: Schedule[] }>('GET', '/api/broadcast-schedules', STAFF.phone)).items;

/** The simulated speakers that played this broadcast to the end. */
const playedBy = (broadcastId: string) =>
  SPEAKERS.filter((id) => simulator.speaker(id).plays.some((p) => p.commandId.startsWith(`b-${broadcastId}-`) && p.outcome === 'finished'));

/** A toast or message with this text, then its disappearance (so screenshots show the page itself). */
async function notice(page: Page, selector: '.van-toast' | '.el-message', text: string): Promise<void> {
  const shown = page.locator(selector).filter({ hasText: text });
  await shown.waitFor({ state: 'visible' });
  await shown.waitFor({ state: 'hidden' });
}

/** The <audio> element has loaded the clip's metadata (its signed URL answered with playable audio). */
async function audioLoaded(page: Page, testId: string): Promise<number> {
  const audio = page.getByTestId(testId);
  await audio.waitFor({ state: 'attached' });
  await expect.poll(() => audio.evaluate((el: HTMLAudioElement) => el.readyState), WAIT).toBeGreaterThanOrEqual(1);
  return audio.evaluate((el: HTMLAudioElement) => el.duration);
}

/**
 * The whole page as a person would see it: the CJK fonts in, the pointer off the last button
 * pressed. A page longer than the screen is taken on a screen as tall as the page, so that fixed
 * bars sit at its bottom rather than across the middle.
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

function theVillageBroadcast(): BroadcastDetail {
  if (!villageBroadcast) throw new Error('step 1 (the cadre sends to the village) did not complete');
  return villageBroadcast;
}

/** Tomorrow in China time, YYYY-MM-DD. */
function tomorrowInChina(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(Date.now() + 86_400_000));
}

// ---- the story -----------------------------------------------------------------------------------

describe('云广播: a cadre broadcasts to the village from the phone; the township follows it, sends an emergency and keeps the programmes', () => {
  it('1. the village cadre types a text, listens to it and sends it to the village; the speakers play it', { timeout: 120_000 }, async () => {
    const context: BrowserContext = await browser.newPhone();
    const page = await context.newPage();
    await logInPhone(page, base, CADRE.phone);

    await page.getByTestId('home-broadcast').click();
    await page.waitForURL(/\/h5\/broadcast$/);
    // 西阳邱村: its 2 demo speakers (nobody runs them here) and the 3 simulated ones.
    await page.getByTestId('broadcast-speakers').filter({ hasText: '本村音柱 5 台，在线 3 台' }).waitFor();

    await page.getByTestId('broadcast-text').locator('textarea').fill(VILLAGE_TEXT);
    const spoken = await calling(page, 'POST', '/api/audio/tts', () => page.getByTestId('broadcast-preview').click());
    expect([200, 201]).toContain(spoken.status());
    const clip = (await spoken.json()) as { kind: string; text: string; durationMs: number };
    expect(clip).toMatchObject({ kind: 'tts', text: VILLAGE_TEXT });
    // The browser fetched the speech by its signed URL and could read it.
    expect(await audioLoaded(page, 'broadcast-audio')).toBeCloseTo(clip.durationMs / 1000, 0);
    await screenshot(page, 'broadcast-1-h5-compose');

    await page.getByTestId('broadcast-send').click();
    const dialog = page.locator('.van-dialog').filter({ hasText: '发送广播' });
    await dialog.getByText('将在西阳邱村的 5 台音柱播放').waitFor();
    const created = await calling(page, 'POST', '/api/broadcasts', () => dialog.getByRole('button', { name: '发送到本村' }).click());
    expect(created.status()).toBe(201);
    const sent = (await created.json()) as BroadcastDetail;
    await notice(page, '.van-toast', '已发送');

    // Through the API: the cadre's broadcast to the village, with the village's 5 speakers.
    const stored = await broadcastOf(sent.id);
    expect(stored).toMatchObject({ kind: 'routine', text: VILLAGE_TEXT, createdBy: CADRE.name, target: { type: 'villages', codes: [VILLAGE] }, coverage: { speakers: 5 } });
    // The three simulated speakers played it to the end and said so.
    await vi.waitFor(() => expect(playedBy(sent.id)).toEqual(SPEAKERS), WAIT);
    for (const id of SPEAKERS) expect(simulator.speaker(id).acks.some((a) => a.commandId.startsWith(`b-${sent.id}-`) && a.state === 'finished')).toBe(true);
    await vi.waitFor(async () => expect((await broadcastOf(sent.id)).coverage).toMatchObject({ speakers: 5, finished: 3, offline: 2 }), WAIT);

    // The phone refreshes the latest broadcasts by itself: 3 of 5 played, 2 offline waiting.
    const card = page.getByTestId(`broadcast-card-${sent.id}`);
    await expect.poll(() => page.getByTestId(`broadcast-coverage-${sent.id}`).textContent(), WAIT).toBe('3 / 5');
    await card.getByText('2 台音柱离线，上线后自动补播').waitFor();
    for (const id of SPEAKERS) await card.getByTestId(`delivery-state-${id}`).filter({ hasText: '已播完' }).waitFor();
    expect(await page.getByTestId('broadcast-text').locator('textarea').inputValue()).toBe('');
    await screenshot(page, 'broadcast-2-h5-sent');
    villageBroadcast = await broadcastOf(sent.id);
    await context.close();
  });

  it('2. the township staff see the speakers, follow the cadre’s broadcast and send an emergency to the whole township', { timeout: 150_000 }, async () => {
    const village = theVillageBroadcast();
    const context = await browser.newPhone(DESKTOP);
    const page = await context.newPage();
    await logInConsole(page, base, STAFF.phone, 'menu-broadcasts');

    // 音柱设备: online counts, the list, the map with the three simulated speakers in green.
    await clickMenu(page, 'broadcast-speakers');
    await page.waitForURL(/\/console\/broadcasts\/speakers$/);
    const stats = await api<{ total: number; online: number }>('GET', '/api/devices/stats', STAFF.phone);
    expect(stats.online).toBe(3);
    await expect.poll(() => page.getByTestId('speakers-online').textContent(), WAIT).toBe('3');
    for (const id of SPEAKERS) {
      await page.getByTestId(`speaker-state-${id}`).filter({ hasText: '在线' }).waitFor();
      expect(await page.getByTestId(`marker-${id}`).locator('circle').getAttribute('fill')).toBe('#1f7a4d');
    }
    expect(await page.locator('[data-testid^="marker-spk-"] circle[fill="#94a3b8"]').count()).toBe(stats.total - 3); // the demo's, offline
    await page.getByTestId(`marker-${SPEAKERS[0]}`).click();
    await page.getByTestId('speaker-picked').getByText('西阳邱村测试音柱1').waitFor();
    await screenshot(page, 'broadcast-3-console-speakers');
    const online = await calling(page, 'GET', '/api/devices', () => page.getByTestId('speakers-online-filter').getByText('在线').click());
    expect(online.status()).toBe(200);
    await expect.poll(() => page.getByTestId('speakers-table').locator('tbody tr').count()).toBe(3);

    // 广播记录 → the cadre's broadcast: 3 of 5 played, the two demo speakers offline.
    await clickMenu(page, 'broadcasts');
    await page.waitForURL(/\/console\/broadcasts$/);
    await page.getByTestId(`broadcast-coverage-${village.id}`).filter({ hasText: '3 / 5' }).waitFor();
    await page.getByTestId(`broadcast-open-${village.id}`).click();
    await page.waitForURL(`**/console/broadcasts/${village.id}`);
    await expect.poll(() => page.getByTestId('delivery-coverage').textContent(), WAIT).toBe('3 / 5');
    await page.getByTestId('delivery-title').filter({ hasText: village.title }).waitFor();
    for (const id of SPEAKERS) await page.getByTestId(`delivery-state-${id}`).filter({ hasText: '已播完' }).waitFor();
    for (const d of village.deliveries.filter((x) => !SPEAKERS.includes(x.deviceId))) {
      await page.getByTestId(`delivery-state-${d.deviceId}`).filter({ hasText: '离线' }).waitFor();
    }

    // 发布广播: an emergency to the whole township, listened to first, confirmed in red.
    await clickMenu(page, 'broadcasts');
    await page.getByTestId('broadcast-compose').click();
    await page.waitForURL(/\/console\/broadcasts\/new$/);
    await page.getByTestId('compose-target-summary').filter({ hasText: '全乡（黑堡乡）' }).waitFor();
    await page.getByTestId('compose-title').fill(EMERGENCY_TITLE);
    await page.getByTestId('compose-text').fill(EMERGENCY_TEXT);
    const spoken = await calling(page, 'POST', '/api/audio/tts', () => page.getByTestId('compose-preview').click());
    expect([200, 201]).toContain(spoken.status());
    await audioLoaded(page, 'compose-audio');
    await page.getByTestId('compose-kind-emergency').click();
    await page.locator('.emergency-alert').waitFor();
    expect(await page.getByTestId('compose-submit').textContent()).toContain('发布应急广播');
    expect(await page.getByTestId('compose-submit').getAttribute('class')).toContain('el-button--danger');
    await screenshot(page, 'broadcast-4-console-compose');

    // Cancelling the confirmation sends nothing …
    const before = (await api<{ total: number }>('GET', '/api/broadcasts?kind=emergency', STAFF.phone)).total;
    await page.getByTestId('compose-submit').click();
    const box = page.locator('.el-message-box').filter({ hasText: '发布应急广播' });
    await box.getByText(`“${EMERGENCY_TITLE}”将作为应急广播立即打断 全乡（黑堡乡） 共 ${stats.total} 台音柱（在线 3 台）正在播放的内容。确认发布？`).waitFor();
    await box.getByRole('button', { name: '取消' }).click();
    await box.waitFor({ state: 'hidden' });
    expect((await api<{ total: number }>('GET', '/api/broadcasts?kind=emergency', STAFF.phone)).total).toBe(before);

    // … confirming sends it, and the page turns into its live delivery view.
    await page.getByTestId('compose-submit').click();
    await box.waitFor();
    const created = await calling(page, 'POST', '/api/broadcasts', () => box.getByRole('button', { name: '发布应急广播' }).click());
    expect(created.status()).toBe(201);
    const emergency = (await created.json()) as BroadcastDetail;
    expect(emergency).toMatchObject({ kind: 'emergency', title: EMERGENCY_TITLE, text: EMERGENCY_TEXT, target: { type: 'township', codes: [TOWNSHIP] }, coverage: { speakers: stats.total } });
    await page.waitForURL(`**/console/broadcasts/${emergency.id}`);
    await notice(page, '.el-message', '应急广播已发布');
    await vi.waitFor(() => expect(playedBy(emergency.id)).toEqual(SPEAKERS), WAIT);
    await expect.poll(() => page.getByTestId('delivery-coverage').textContent(), WAIT).toBe(`3 / ${stats.total}`);
    await page.getByTestId('delivery-kind').filter({ hasText: '应急广播' }).waitFor();
    for (const id of SPEAKERS) await page.getByTestId(`delivery-state-${id}`).filter({ hasText: '已播完' }).waitFor();
    expect((await broadcastOf(emergency.id)).coverage).toMatchObject({ speakers: stats.total, finished: 3, offline: stats.total - 3 });
    await screenshot(page, 'broadcast-5-console-delivery');
    await context.close();
  });

  it('3. programmes: one made in the console from an uploaded WAV file, listed by next run with others, one turned off, one deleted', { timeout: 120_000 }, async () => {
    // Two made beforehand through the API: tomorrow once, and every Monday, Wednesday and Friday.
    const once = await api<Schedule>('POST', '/api/broadcast-schedules', STAFF.phone, {
      id: randomUUID(),
      name: '秋收防火宣传',
      repeatKind: 'once',
      runDate: tomorrowInChina(),
      timeOfDay: '09:30',
      broadcast: { title: '秋收防火', text: '秋收时节，请不要焚烧秸秆。', target: { type: 'township', codes: [TOWNSHIP] } },
    });
    const weekly = await api<Schedule>('POST', '/api/broadcast-schedules', CADRE.phone, {
      id: randomUUID(),
      name: '西阳邱村政策讲堂',
      repeatKind: 'weekly',
      timeOfDay: '19:00',
      weekdays: [1, 3, 5],
      broadcast: { title: '政策讲堂', text: '现在播放乡村振兴政策讲堂。', target: { type: 'villages', codes: [VILLAGE] } },
    });

    const context = await browser.newPhone(DESKTOP);
    const page = await context.newPage();
    await logInConsole(page, base, STAFF.phone, 'menu-broadcasts');
    await clickMenu(page, 'broadcast-schedules');
    await page.waitForURL(/\/console\/broadcasts\/schedules$/);
    await page.getByTestId(`schedule-${once.id}`).getByText('一次').waitFor();
    await page.getByTestId(`schedule-${weekly.id}`).getByText('每周 周一、周三、周五 19:00').waitFor();

    // A daily programme from an uploaded WAV file.
    await page.getByTestId('schedule-create').click();
    await page.waitForURL(/\/console\/broadcasts\/new\?mode=schedule$/);
    await page.getByTestId('compose-title').fill('早间新闻');
    await page.getByTestId('compose-source-file').click();
    const uploaded = await calling(page, 'POST', '/api/audio', () =>
      page.getByTestId('compose-file').setInputFiles({ name: '早间新闻.wav', mimeType: 'audio/wav', buffer: makeWav(3) }),
    );
    expect(uploaded.status()).toBe(201);
    const clip = (await uploaded.json()) as { id: string; kind: string; durationMs: number };
    expect(clip).toMatchObject({ kind: 'upload', durationMs: 3000 });
    expect(await audioLoaded(page, 'compose-audio')).toBeCloseTo(3, 1);
    await page.getByTestId('schedule-name').fill('早间新闻');
    // The time from the list of times (every 5 minutes).
    await page.getByTestId('schedule-time').click();
    const times = page.locator('.el-select-dropdown').filter({ visible: true });
    await times.locator('.el-select-dropdown__item').getByText('07:30', { exact: true }).click();
    await times.waitFor({ state: 'hidden' });
    await expect.poll(async () => (await page.getByTestId('schedule-time').textContent())?.trim()).toBe('07:30');
    await page.getByTestId('compose-submit').click();
    const box = page.locator('.el-message-box').filter({ hasText: '保存定时节目' });
    await box.waitFor();
    const created = await calling(page, 'POST', '/api/broadcast-schedules', () => box.getByRole('button', { name: '保存定时节目' }).click());
    expect(created.status(), await created.text()).toBe(201);
    const daily = (await created.json()) as Schedule & { timeOfDay: string; target: { type: string; codes: string[] } };
    expect(daily).toMatchObject({ name: '早间新闻', repeatKind: 'daily', timeOfDay: '07:30', active: true, target: { type: 'township', codes: [TOWNSHIP] } });
    await page.waitForURL(/\/console\/broadcasts\/schedules$/);
    await notice(page, '.el-message', '定时节目已保存');
    await page.getByTestId(`schedule-${daily.id}`).getByText('每天 07:30').waitFor();

    // Next run first: the rows are in the order of their next runs.
    const order = (await schedules()).filter((s) => s.active).sort((a, b) => a.nextRunAt!.localeCompare(b.nextRunAt!)).map((s) => `schedule-${s.id}`);
    const shown = await page.getByTestId('schedules-list').locator('[data-testid^="schedule-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
    expect(shown.filter((id) => order.includes(id!))).toEqual(order);

    // Turned off: it moves to 已停用 and has no next run.
    const off = await calling(page, 'PATCH', `/api/broadcast-schedules/${weekly.id}`, () => page.getByTestId(`schedule-toggle-${weekly.id}`).click());
    expect(off.status()).toBe(200);
    await notice(page, '.el-message', '已停用“西阳邱村政策讲堂”');
    expect((await schedules()).find((s) => s.id === weekly.id)).toMatchObject({ active: false, nextRunAt: null });
    await page.locator('.group.off').getByTestId(`schedule-${weekly.id}`).waitFor();

    // Deleted after a confirmation.
    await page.getByTestId(`schedule-delete-${once.id}`).click();
    const confirm = page.locator('.el-message-box').filter({ hasText: '删除定时节目' });
    await confirm.getByText('删除“秋收防火宣传”').waitFor();
    const deleted = await calling(page, 'DELETE', `/api/broadcast-schedules/${once.id}`, () => confirm.getByRole('button', { name: '删除' }).click());
    expect(deleted.status()).toBe(204);
    await notice(page, '.el-message', '已删除“秋收防火宣传”');
    await page.getByTestId(`schedule-${once.id}`).waitFor({ state: 'detached' });
    expect((await schedules()).map((s) => s.id).sort()).toEqual([daily.id, weekly.id].sort());
    await screenshot(page, 'broadcast-6-console-schedules');
    await context.close();
  });
});
