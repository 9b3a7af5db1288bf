import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { expect } from 'vitest';
import type { DeviceMessagingHandle } from '../../src/modules/devices/device-messaging.js';
import { SpeakerSimulator } from '../../src/modules/devices/speaker-simulator.js';
import { type RtspRelay, startRtspRelay } from '../../src/platform/media/rtsp-relay.js';
import { startVirtualCamera, type VirtualCamera } from '../../src/platform/media/rtsp-virtual-camera.js';
import { type EnvInput } from '../../src/config.js';
import { startTestMessaging, testDeviceSecret } from './mqtt.js';
import { sampleFile } from './samples.js';
import type { TestApp } from './test-app.js';

/**
 * Everything around a safe-village camera for the end-to-end tests: the test app listening (the
 * speaker fetches its audio there), real MQTT with one simulated loudspeaker in `regionCode`, and
 * OpenCV's pedestrian video streamed over RTSP on loopback at `relay.url(path)`.
 */
export interface CameraRig {
  messaging: DeviceMessagingHandle;
  simulator: SpeakerSimulator;
  relay: RtspRelay;
  virtualCamera: VirtualCamera;
  /** Streams the video again after `virtualCamera.stop()`. */
  restartVideo(): Promise<void>;
  stop(): Promise<void>;
}

export async function startCameraRig(t: TestApp, env: EnvInput, options: { speakerId: string; speakerName: string; regionCode: string; path: string }): Promise<CameraRig> {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  t.services.runtime.publicBaseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const messaging = await startTestMessaging(env, t);
  const { speakerId } = options;
  await t.services.devices.createDemoSpeaker({ id: speakerId, name: options.speakerName, regionCode: options.regionCode, location: null, secret: testDeviceSecret(speakerId) });
  const simulator = new SpeakerSimulator([{ id: speakerId, secret: testDeviceSecret(speakerId) }], {
    url: messaging.deviceUrl,
    topicPrefix: String(env.MQTT_TOPIC_PREFIX),
    logger: pino({ level: 'silent' }),
    timeScale: 0.1,
    heartbeatSeconds: 30,
  });
  expect((await simulator.start()).failed).toEqual([]);
  const relay = await startRtspRelay();
  const stream = async () => {
    const camera = startVirtualCamera({ file: sampleFile('vtest.avi'), publishUrl: relay.publishUrl(options.path), codec: 'mjpeg', fps: 5, width: 640 });
    await camera.waitUntilPublishing();
    return camera;
  };
  const rig: CameraRig = {
    messaging,
    simulator,
    relay,
    virtualCamera: await stream(),
    async restartVideo() {
      rig.virtualCamera = await stream();
    },
    async stop() {
      await rig.virtualCamera.stop();
      await relay.close();
      await simulator.stop();
      await messaging.close();
    },
  };
  return rig;
}
