import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DetectorRunner } from '../../src/modules/safe-village/detector/detector-runner.js';
import { calling, ensureWebBuilt, launchBrowser, logInConsole, type TestBrowser } from '../support/browser.js';
import { type CameraRig, startCameraRig } from '../support/camera-rig.js';
import { mqttTestEnv, testDeviceId } from '../support/mqtt.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * 平安乡村 in a real browser, with the real pipeline behind it: OpenCV's pedestrian video streams
 * over RTSP as the camera, the detector reads it, a simulated loudspeaker beside it plays the
 * warnings. The village cadre draws the warning zone on the camera's live picture in the console,
 * moves one of its corners, then watches the alarm arrive on the alarm page by itself (SSE), sees
 * that the speaker played the warning, and acknowledges it. Screenshots: docs/screenshots/safe-village-*.png.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const screenshots = path.join(root, 'docs', 'screenshots');
const env = mqttTestEnv();
const GRID1 = '13063120220601';
const CADRE = '13800000002';
const WAIT = { timeout: 60_000, interval: 100 };
const speakerId = testDeviceId('safe', 3);
const DESKTOP = { viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false };

let t: TestApp;
let rig: CameraRig;
let runner: DetectorRunner;
let browser: TestBrowser;
let base: string;
let cameraId: string;
let page: Page;

beforeAll(async () => {
  ensureWebBuilt();
  mkdirSync(screenshots, { recursive: true });
  t = await createTestApp({ env });
  rig = await startCameraRig(t, env, { speakerId, speakerName: '鱼塘边音柱', regionCode: GRID1, path: 'pond' });
  base = t.services.runtime.publicBaseUrl;

  const staff = await t.tokenFor('township_staff');
  const created = await t.request({
    method: 'POST',
    url: '/api/cameras',
    token: staff,
    payload: { name: '西阳邱村鱼塘', regionCode: GRID1, streamUrl: rig.relay.url('pond'), speakerIds: [speakerId] },
  });
  expect(created.statusCode).toBe(201);
  cameraId = created.json().camera.id;
  runner = new DetectorRunner({ service: t.services.safeVillage, clock: { now: () => new Date() }, logger: pino({ level: 'silent' }), threads: 1 });
  await runner.start();

  browser = await launchBrowser();
  const context = await browser.newPhone(DESKTOP);
  page = await context.newPage();
}, 180_000);

afterEach(() => {
  browser?.assertNoPageErrors();
});

afterAll(async () => {
  await browser?.close();
  await runner?.stop();
  await rig?.stop();
  await t?.close();
});

/** The whole page (long forms included), with the CJK fonts in and the pointer out of the way. */
async function screenshot(name: string): Promise<void> {
  await page.mouse.move(0, 0);
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  await page.screenshot({ path: path.join(screenshots, `${name}.png`), animations: 'disabled', fullPage: true });
}

describe('safe village in the console', { timeout: 120_000 }, () => {
  it('the cadre draws a warning zone on the camera’s live picture and moves a corner', async () => {
    await logInConsole(page, base, CADRE, 'menu-cameras');

    await page.goto(`${base}/console/safe-village/cameras/${cameraId}`);
    // The picture comes from the stream itself.
    await expect.poll(() => page.getByTestId('camera-snapshot').evaluate((img: HTMLImageElement) => img.naturalWidth).catch(() => 0), WAIT).toBe(640);

    await page.getByTestId('zone-create').click();
    const overlay = page.getByTestId('zone-overlay');
    const box = (await overlay.boundingBox())!;
    const corners: [number, number][] = [
      [0.42, 0.36],
      [0.95, 0.4],
      [0.93, 0.64],
      [0.45, 0.6],
    ];
    for (const [x, y] of corners) await page.mouse.click(box.x + x * box.width, box.y + y * box.height);
    await page.getByTestId('zone-finish').click();
    await page.getByTestId('zone-name').fill('鱼塘');
    const saved = await calling(page, 'POST', `/api/cameras/${cameraId}/zones`, () => page.getByTestId('zone-save').click());
    expect(saved.status()).toBe(201);
    const zone = await saved.json();
    expect(zone).toMatchObject({ name: '鱼塘', kind: 'drowning', warningText: '您已进入危险水域，请尽快撤离。' });
    zone.polygon.forEach(([x, y]: [number, number], i: number) => {
      expect(x).toBeCloseTo(corners[i]![0], 1);
      expect(y).toBeCloseTo(corners[i]![1], 1);
    });

    // Drag the first corner a little to the left; saving sends the moved polygon.
    await overlay.scrollIntoViewIfNeeded();
    const picture = (await overlay.boundingBox())!;
    const at = (await page.getByTestId('zone-point-0').boundingBox())!;
    await page.mouse.move(at.x + at.width / 2, at.y + at.height / 2);
    await page.mouse.down();
    await page.mouse.move(at.x + at.width / 2 - picture.width * 0.05, at.y + at.height / 2, { steps: 5 });
    await page.mouse.up();
    const patched = await calling(page, 'PATCH', `/api/zones/${zone.id}`, () => page.getByTestId('zone-save').click());
    expect(patched.status()).toBe(200);
    const moved = (await patched.json()).polygon[0];
    expect(moved[0]).toBeCloseTo(0.37, 1);
    expect(moved[1]).toBeCloseTo(0.36, 1);
    await screenshot('safe-village-zone');
  });

  it('the alarm arrives on the open alarm page by itself, shows the warning played, and is acknowledged', async () => {
    await page.goto(`${base}/console/safe-village/alarms`);
    await expect.poll(() => page.getByTestId('alarms-live').textContent(), WAIT).toContain('实时');
    const staff = await t.tokenFor('township_staff');
    let alarmId = '';
    await vi.waitFor(async () => {
      const list = (await t.request({ method: 'GET', url: '/api/alarms', token: staff, query: { cameraId } })).json();
      expect(list.total).toBeGreaterThan(0);
      alarmId = list.items.at(-1).id;
    }, WAIT);
    // No reload: the row came over /api/live.
    await page.getByTestId(`alarm-state-${alarmId}`).waitFor({ timeout: 5000 });
    await expect.poll(() => page.getByTestId(`alarm-playback-${alarmId}`).textContent(), WAIT).toContain('已播放');
    expect(rig.simulator.speaker(speakerId).plays.some((p) => p.commandId.includes(alarmId))).toBe(true);

    await page.getByTestId(`alarm-ack-${alarmId}`).click();
    await page.getByTestId('alarm-note').fill('已到现场劝离');
    const acked = await calling(page, 'POST', `/api/alarms/${alarmId}/acknowledge`, () => page.getByTestId('alarm-handle-submit').click());
    expect(acked.status()).toBe(200);
    await expect.poll(() => page.getByTestId(`alarm-state-${alarmId}`).textContent()).toContain('已确认');
    const after = (await t.request({ method: 'GET', url: `/api/alarms/${alarmId}`, token: staff })).json();
    expect(after).toMatchObject({ state: 'acknowledged', note: '已到现场劝离', handledBy: '西阳邱村干部' });
    await page.waitForFunction(() => Array.from(document.images).every((img) => img.complete));
    await screenshot('safe-village-alarms');
  });
});
