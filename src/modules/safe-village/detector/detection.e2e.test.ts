import pino from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CameraRig, startCameraRig } from '../../../../test/support/camera-rig.js';
import { mqttTestEnv, testDeviceId } from '../../../../test/support/mqtt.js';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { DetectorRunner } from './detector-runner.js';

/**
 * The headline scene end to end, with nothing simulated but the loudspeaker: OpenCV's pedestrian
 * video (vtest.avi) is streamed over RTSP on loopback as a camera; the detector reads it with
 * ffmpeg, finds people with CenterNet, tracks them and applies the zones. People walk through
 * the middle of the plaza (feet between 0.3 and 0.72 of the picture's height), nobody walks
 * along its bottom edge. The bound speaker must play the warning.
 */
const env = mqttTestEnv();
const GRID1 = '13063120220601';
const speakerId = testDeviceId('safe', 2);
const WAIT = { timeout: 60_000, interval: 100 };
let t: TestApp;
let rig: CameraRig;
let runner: DetectorRunner;
let cameraId: string;
let brokenCameraId: string;
let zones: { walked: string; empty: string };

beforeAll(async () => {
  t = await createTestApp({ env });
  rig = await startCameraRig(t, env, { speakerId, speakerName: '广场音柱', regionCode: GRID1, path: 'plaza' });

  const staff = await t.tokenFor('township_staff');
  const created = await t.request({
    method: 'POST',
    url: '/api/cameras',
    token: staff,
    payload: { name: '广场摄像头', regionCode: GRID1, streamUrl: rig.relay.url('plaza'), detectFps: 2, speakerIds: [speakerId] },
  });
  expect(created.statusCode).toBe(201);
  cameraId = created.json().camera.id;
  const zone = async (name: string, polygon: number[][]) => {
    const res = await t.request({ method: 'POST', url: `/api/cameras/${cameraId}/zones`, token: staff, payload: { name, polygon, kind: 'security', inertiaFrames: 2, cooldownSeconds: 600 } });
    expect(res.statusCode).toBe(201);
    return res.json().id as string;
  };
  zones = {
    walked: await zone('广场中央', [[0.4, 0.35], [0.95, 0.35], [0.95, 0.62], [0.4, 0.62]]),
    empty: await zone('台阶下', [[0, 0.85], [1, 0.85], [1, 1], [0, 1]]),
  };
  // A camera whose stream does not exist: retried and shown offline, never holding up the others.
  const broken = await t.request({ method: 'POST', url: '/api/cameras', token: staff, payload: { name: '坏摄像头', regionCode: GRID1, streamUrl: rig.relay.url('no-such-stream') } });
  brokenCameraId = broken.json().camera.id;
  await t.request({ method: 'POST', url: `/api/cameras/${brokenCameraId}/zones`, token: staff, payload: { name: '全画面', polygon: [[0, 0], [1, 0], [1, 1], [0, 1]] } });
  runner = new DetectorRunner({ service: t.services.safeVillage, clock: { now: () => new Date() }, logger: pino({ level: 'silent' }), threads: 1 });
  await runner.start();
}, 120_000);

afterAll(async () => {
  await runner?.stop();
  await rig?.stop();
  await t?.close();
});

describe('person detection on a real video stream', { timeout: 90_000 }, () => {
  it('raises one alarm with a snapshot for the zone people walk through, and the bound speaker plays the warning', async () => {
    const staff = await t.tokenFor('township_staff');
    await vi.waitFor(async () => {
      const list = (await t.request({ method: 'GET', url: '/api/alarms', token: staff, query: { zoneId: zones.walked } })).json();
      expect(list.total).toBeGreaterThan(0);
    }, WAIT);
    const list = (await t.request({ method: 'GET', url: '/api/alarms', token: staff, query: { cameraId } })).json();
    // The zone's cooldown (10 min) holds back every later walker: exactly one alarm.
    expect(list.total).toBe(1);
    const alarm = list.items[0];
    expect(alarm).toMatchObject({ source: 'detector', zoneName: '广场中央', label: 'person', speaker: { speakerIds: [speakerId] } });
    expect(alarm.score).toBeGreaterThanOrEqual(0.5);
    // The alarm's feet point lies in the zone.
    const feet = { x: alarm.box.x + alarm.box.width / 2, y: alarm.box.y + alarm.box.height };
    expect(feet.x).toBeGreaterThanOrEqual(0.4);
    expect(feet.y).toBeGreaterThanOrEqual(0.35);
    expect(feet.y).toBeLessThanOrEqual(0.62);

    const snapshot = await t.request({ method: 'GET', url: alarm.snapshotUrl });
    expect(snapshot.headers['content-type']).toBe('image/jpeg');
    const meta = await sharp(snapshot.rawPayload).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 640, 480]);

    await vi.waitFor(() => {
      const acks = rig.simulator.speaker(speakerId).acks.filter((a) => a.commandId.includes(alarm.id));
      expect(acks.map((a) => a.state)).toContain('playing');
    }, WAIT);
    await vi.waitFor(async () => expect((await t.request({ method: 'GET', url: `/api/alarms/${alarm.id}`, token: staff })).json().speaker.playback).toBe('played'), WAIT);
  });

  it('raises nothing for the zone nobody enters, keeps the camera online with a current picture, and counted its work', async () => {
    const pipeline = runner.pipelines.get(cameraId)!;
    // Let at least 20 more frames (10 s of video) through after the first alarm.
    const framesNow = pipeline.stats.frames;
    await vi.waitFor(() => expect(pipeline.stats.frames).toBeGreaterThanOrEqual(framesNow + 20), WAIT);
    const staff = await t.tokenFor('township_staff');
    const none = (await t.request({ method: 'GET', url: '/api/alarms', token: staff, query: { zoneId: zones.empty } })).json();
    expect(none.total).toBe(0);
    const camera = (await t.request({ method: 'GET', url: `/api/cameras/${cameraId}`, token: staff })).json();
    expect(camera).toMatchObject({ online: true, frameSize: { width: 640, height: 480 }, lastError: null });
    const picture = await t.request({ method: 'GET', url: camera.snapshotUrl });
    expect((await sharp(picture.rawPayload).metadata()).width).toBe(640);
    expect(pipeline.stats.examined).toBeGreaterThan(0);
    const broken = (await t.request({ method: 'GET', url: `/api/cameras/${brokenCameraId}`, token: staff })).json();
    expect(broken.online).toBe(false);
    expect(broken.lastError).toMatch(/404|not found|no-such-stream/i);
    expect(runner.pipelines.get(brokenCameraId)!.stats.failures).toBeGreaterThanOrEqual(2);
    expect(pipeline.stats.examined + pipeline.stats.skipped + pipeline.stats.busy).toBeLessThanOrEqual(pipeline.stats.frames);
  });

  it('a stream that stops marks the camera offline with the reason; it comes back by itself', async () => {
    const staff = await t.tokenFor('township_staff');
    await rig.virtualCamera.stop();
    await vi.waitFor(async () => {
      const camera = (await t.request({ method: 'GET', url: `/api/cameras/${cameraId}`, token: staff })).json();
      expect(camera.online).toBe(false);
      expect(camera.lastError).toBeTruthy();
    }, WAIT);
    await rig.restartVideo();
    await vi.waitFor(async () => expect((await t.request({ method: 'GET', url: `/api/cameras/${cameraId}`, token: staff })).json().online).toBe(true), WAIT);
  });
});
