import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeWav, mqttTestEnv, serveAudio, startTestMessaging } from '../../../test/support/mqtt.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { demoSpeakers } from './demo-speakers.js';
import type { DeviceMessagingHandle } from './device-messaging.js';
import type { DeviceEvents } from './devices.service.js';

/** The demo start: the demo villages' speakers simulated in-process, as `npm start` runs them. */
const env = mqttTestEnv();
const WAIT = { timeout: 15_000, interval: 50 };
let t: TestApp;
let messaging: DeviceMessagingHandle;
let audio: Awaited<ReturnType<typeof serveAudio>>;

beforeAll(async () => {
  t = await createTestApp({ env });
  messaging = await startTestMessaging(env, t, { simulate: true });
  audio = await serveAudio({ '/notice.wav': makeWav(0.5) });
});
afterAll(async () => {
  await messaging?.close();
  await audio?.close();
  await t?.close();
});

describe('the simulated demo speakers', () => {
  it('all connect and are online', async () => {
    expect(messaging.simulator?.speakers.size).toBe(32);
    const staff = await t.tokenFor('township_staff');
    await vi.waitFor(async () => {
      const stats = (await t.request({ method: 'GET', url: '/api/devices/stats', token: staff })).json();
      expect(stats).toMatchObject({ total: 32, online: 32 });
    }, WAIT);
  });

  it('a township-wide notice plays on every speaker and each acknowledges it finished', async () => {
    const speakers = await t.services.devices.speakersIn(['130631202']);
    expect(speakers).toHaveLength(32);
    const finished = new Set<string>();
    const off = t.services.devices.events.on('device.ack', (ack: DeviceEvents['device.ack']) => {
      if (ack.state === 'finished' && ack.commandId === 'notice-1') finished.add(ack.deviceId);
    });
    const results = await t.services.devices.sendCommands(
      speakers.map((s) => s.id),
      { id: 'notice-1', type: 'play', url: audio.url('/notice.wav'), priority: 4 },
    );
    expect(results.filter((r) => r.error)).toEqual([]);
    await vi.waitFor(() => expect(finished.size).toBe(32), WAIT);
    off();
    const one = messaging.simulator!.speaker(demoSpeakers()[0]!.id);
    expect(one.plays.at(-1)).toMatchObject({ commandId: 'notice-1', seconds: 0.5, outcome: 'finished' });
  });

  it('a speaker told to go offline is seen offline, and online again when it comes back', async () => {
    const id = demoSpeakers()[5]!.id;
    const speaker = messaging.simulator!.speaker(id);
    const staff = await t.tokenFor('township_staff');
    const state = async () => (await t.request({ method: 'GET', url: `/api/devices/${id}`, token: staff })).json().online as boolean;
    await speaker.goOffline();
    await vi.waitFor(async () => expect(await state()).toBe(false), WAIT);
    await speaker.connect();
    await vi.waitFor(async () => expect(await state()).toBe(true), WAIT);
  });
});
