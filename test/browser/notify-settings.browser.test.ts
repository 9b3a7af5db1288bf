import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuilt, launchBrowser, logInPhone, type TestBrowser } from '../support/browser.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * 我的 → 消息提醒 on a phone (390×844): the preferences are read and saved; and the h5 service worker
 * shows a pushed message as a system notification that carries the page to open (the message is
 * handed to the worker through the DevTools protocol, as a push service would deliver it).
 */
let t: TestApp;
let browser: TestBrowser;
let base: string;

beforeAll(async () => {
  ensureWebBuilt();
  t = await createTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('消息提醒 on the phone', () => {
  it('saves the person’s preferences, and the service worker shows a pushed message', async () => {
    const context = await browser.newPhone();
    await context.grantPermissions(['notifications'], { origin: base });
    const page = await context.newPage();
    await logInPhone(page, base, '13800000004');
    await page.goto(`${base}/h5/me`);
    await page.getByTestId('me-notify').click();
    await page.waitForURL(/\/h5\/settings\/notifications$/);
    await expect.poll(() => page.getByTestId('pref-quiet-start').inputValue()).toBe('22:00');
    expect(await page.getByTestId('pref-quiet-end').inputValue()).toBe('07:00');

    await page.getByTestId('pref-quiet-start').fill('23:30');
    await page.getByTestId('pref-sms').click();
    const saved = page.waitForResponse((r) => r.url().endsWith('/api/notification-preferences') && r.request().method() === 'PUT');
    await page.getByTestId('pref-save').click();
    expect((await saved).status()).toBe(200);
    const token = await t.tokenFor('grid_worker');
    const prefs = await t.request({ method: 'GET', url: '/api/notification-preferences', token });
    expect(prefs.json()).toEqual({ push: true, smsMustNotMiss: false, quietStart: '23:30', quietEnd: '07:00' });

    // The worker the app registered at start-up receives a push as the browser would hand it over.
    const cdp = await context.newCDPSession(page);
    const registrationId = new Promise<string>((resolve) => {
      cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }: { registrations: { registrationId: string; scopeURL: string }[] }) => {
        const found = registrations.find((r) => r.scopeURL === `${base}/h5/`);
        if (found) resolve(found.registrationId);
      });
    });
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await cdp.send('ServiceWorker.enable');
    const payload = { id: '42', kind: 'case.new', title: '新事件：环境卫生', body: '第一网格：垃圾堆积', url: '/h5/cases/abc', severity: 'normal' };
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: base, registrationId: await registrationId, data: JSON.stringify(payload) });
    const shown = () =>
      page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data as unknown })));
    // A busy machine may take a few seconds to wake the worker and show it.
    await expect.poll(shown, { timeout: 15_000 }).toEqual([{ title: '新事件：环境卫生', body: '第一网格：垃圾堆积', tag: 'shuxiang-42', data: { url: '/h5/cases/abc' } }]);
    await context.close();
    browser.assertNoPageErrors();
  });
});
