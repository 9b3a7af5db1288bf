import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EnvInput } from '../../src/config.js';
import type { DeviceMessagingHandle } from '../../src/modules/devices/device-messaging.js';
import { SpeakerSimulator } from '../../src/modules/devices/speaker-simulator.js';
import { type Poller, startPoller } from '../../src/platform/poller.js';
import { localDate } from '../../src/platform/working-time.js';
import { calling, ensureWebBuilt, launchBrowser, logInPhone, type TestBrowser } from '../support/browser.js';
import { mqttTestEnv, startTestMessaging, testDeviceId, testDeviceSecret } from '../support/mqtt.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * The alarm ladder end to end, on a phone (390×844): the pond camera raises an alarm and its
 * loudspeaker (simulated, over real MQTT) speaks the warning; nobody acknowledges, so after the
 * (test-shortened: 3 s a step) delays the grid worker, then the village cadre, then the township's
 * duty officer are told. The cadre opens the escalation from 我的 → 通知, acknowledges on the alarm
 * page and presses 再次喊话: the loudspeaker plays the warning again. Screenshots: docs/screenshots/alarm-*.png.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const screenshots = path.join(root, 'docs', 'screenshots');
const env: EnvInput = { ...mqttTestEnv(), ALARM_LADDER_MINUTES: '0.05,0.05,0.05' };
const GRID1 = '13063120220601';
const CADRE = '13800000002';
const STAFF = '13800000001';
const GRID_WORKER = '13800000004';
const WAIT = { timeout: 30_000, interval: 100 };
const speakerId = testDeviceId('safe', 7);

let t: TestApp;
let messaging: DeviceMessagingHandle;
let simulator: SpeakerSimulator;
let jobs: Poller;
let browser: TestBrowser;
let base: string;
let cameraId: string;
let zoneId: string;

async function pondPicture(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360">
    <rect width="640" height="360" fill="#8fb7d9"/><rect y="150" width="640" height="210" fill="#6d8f3c"/>
    <ellipse cx="420" cy="280" rx="170" ry="55" fill="#3d7ea6"/><rect x="398" y="196" width="26" height="70" fill="#d9534f"/>
    <polygon points="269,130 608,144 595,230 288,216" fill="none" stroke="#ff3b30" stroke-width="4"/>
    <text x="16" y="34" font-size="24" fill="#fff" font-family="sans-serif">西阳邱村鱼塘</text></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 80 }).toBuffer();
}

beforeAll(async () => {
  ensureWebBuilt();
  mkdirSync(screenshots, { recursive: true });
  t = await createTestApp({ env });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  t.services.runtime.publicBaseUrl = base;
  messaging = await startTestMessaging(env, t);
  await t.services.devices.createDemoSpeaker({ id: speakerId, name: '鱼塘边音柱', regionCode: GRID1, location: null, secret: testDeviceSecret(speakerId) });
  simulator = new SpeakerSimulator([{ id: speakerId, secret: testDeviceSecret(speakerId) }], {
    url: messaging.deviceUrl,
    topicPrefix: String(env.MQTT_TOPIC_PREFIX),
    logger: pino({ level: 'silent' }),
    timeScale: 0.05,
    heartbeatSeconds: 30,
  });
  expect((await simulator.start()).failed).toEqual([]);

  const staff = await t.tokenFor('township_staff');
  const centre = (await t.request({ method: 'GET', url: `/api/regions/${GRID1}`, token: staff })).json().centre;
  const camera = await t.request({ method: 'POST', url: '/api/cameras', token: staff, payload: { name: '西阳邱村鱼塘', regionCode: GRID1, detect: false, speakerIds: [speakerId], location: centre } });
  expect(camera.statusCode).toBe(201);
  cameraId = camera.json().camera.id;
  const zone = await t.request({
    method: 'POST',
    url: `/api/cameras/${cameraId}/zones`,
    token: staff,
    payload: {
      name: '鱼塘',
      kind: 'drowning',
      polygon: [
        [0.42, 0.36],
        [0.95, 0.4],
        [0.93, 0.64],
        [0.45, 0.6],
      ],
    },
  });
  zoneId = zone.json().id;
  // The township's own staff member is on duty today.
  const staffId = (await t.db.selectFrom('users').select('id').where('phone', '=', STAFF).executeTakeFirstOrThrow()).id;
  expect((await t.request({ method: 'PUT', url: `/api/duty/${localDate(new Date())}`, token: staff, payload: { userIds: [staffId] } })).statusCode).toBe(200);
  jobs = startPoller('jobs', () => t.services.jobs.runDue(), 200, pino({ level: 'silent' }));
  browser = await launchBrowser();
}, 180_000);

afterEach(() => {
  browser?.assertNoPageErrors();
});

afterAll(async () => {
  await jobs?.stop();
  await browser?.close();
  await simulator?.stop();
  await messaging?.close();
  await t?.close();
});

async function screenshot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  await page.screenshot({ path: path.join(screenshots, `${name}.png`), animations: 'disabled', fullPage: true });
}

/** When each person was told of this alarm's escalation (in-app), by phone. */
async function escalations(alarmId: string): Promise<Map<string, Date>> {
  const rows = await t.db
    .selectFrom('notifications as n')
    .innerJoin('users as u', 'u.id', 'n.user_id')
    .select(['u.phone', 'n.created_at'])
    .where('n.kind', '=', 'alarm.escalated')
    .where('n.url', '=', `/h5/alarms/${alarmId}`)
    .execute();
  return new Map(rows.map((r) => [r.phone, r.created_at]));
}

describe('the alarm ladder on the phone', { timeout: 120_000 }, () => {
  it('nobody acknowledges: the cadre is told, then the duty officer; the cadre acknowledges and warns again, and the speaker plays it again', async () => {
    const at = new Date();
    const { id } = await t.services.safeVillage.raise({
      cameraId,
      zoneId,
      source: 'webhook',
      alarm: { zoneId, trackId: 'ladder', at, enteredAt: at, score: 0.88, detection: { trackId: 'ladder', label: 'person', score: 0.88, box: { x: 0.62, y: 0.5, width: 0.05, height: 0.2 } } },
      snapshot: await pondPicture(),
    });
    await vi.waitFor(() => expect(simulator.speaker(speakerId).plays.some((p) => p.commandId.includes(id))).toBe(true), WAIT);

    // Nobody acknowledges: grid worker, then cadre, then the duty officer, in that order.
    await vi.waitFor(async () => expect((await escalations(id)).has(STAFF)).toBe(true), WAIT);
    const told = await escalations(id);
    expect([...told.keys()].sort()).toEqual([CADRE, '13800000003', GRID_WORKER, STAFF].sort());
    expect(told.get(GRID_WORKER)!.getTime()).toBeLessThan(told.get(CADRE)!.getTime());
    expect(told.get(CADRE)!.getTime()).toBeLessThan(told.get(STAFF)!.getTime());
    const texts = await t.db.selectFrom('sms_outbox').select(['phone', 'template']).where('reference', 'like', `alarm:${id}:%`).execute();
    expect(texts.map((s) => s.phone).sort()).toEqual([CADRE, '13800000003', GRID_WORKER, STAFF].sort());

    // The cadre opens the escalation from 我的 → 通知 on the phone.
    const context = await browser.newPhone();
    const page = await context.newPage();
    await logInPhone(page, base, CADRE);
    await page.goto(`${base}/h5/me`);
    await page.getByText('告警升级（村干部）：西阳邱村鱼塘').click();
    await page.waitForURL(new RegExp(`/h5/alarms/${id}$`));
    await page.getByTestId('alarm-ladder').getByText('已升级通知：乡镇值班人员').waitFor();
    const history = page.getByTestId('alarm-history');
    await history.getByText('升级通知 · 村干部').waitFor();
    await history.getByText('升级通知 · 乡镇值班人员').waitFor();
    await history.getByText(/已通知：乡镇党政办（站内\+短信）/).waitFor();
    await page.getByTestId('alarm-playback').getByText('已播放').waitFor();
    expect(await page.getByTestId('alarm-snapshot').locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(640);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await screenshot(page, 'alarm-escalated');

    // 确认 stops the ladder; 再次喊话 plays the warning again on the pond's speaker.
    const ack = await calling(page, 'POST', `/api/alarms/${id}/acknowledge`, () => page.getByTestId('alarm-acknowledge').click());
    expect(ack.status()).toBe(200);
    await page.getByTestId('alarm-state').getByText('已确认').waitFor();
    const before = simulator.speaker(speakerId).plays.length;
    const warned = await calling(page, 'POST', `/api/alarms/${id}/warn-again`, () => page.getByTestId('alarm-warn-again').click());
    expect(warned.status()).toBe(200);
    const { broadcastId } = (await warned.json()) as { broadcastId: string };
    await vi.waitFor(() => expect(simulator.speaker(speakerId).plays.some((p) => p.commandId.includes(broadcastId))).toBe(true), WAIT);
    expect(simulator.speaker(speakerId).plays.length).toBeGreaterThan(before);
    await history.getByText('再次喊话').waitFor();
    await history.getByText('已确认').waitFor();
    await page.locator('.van-toast').waitFor({ state: 'hidden' });
    await screenshot(page, 'alarm-warned-again');
    await context.close();
  });
});
