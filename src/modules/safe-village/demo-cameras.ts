import type { Logger } from 'pino';
import type { MetaRepository } from '../../platform/db/meta.repository.js';
import { type RtspRelay, startRtspRelay } from '../../platform/media/rtsp-relay.js';
import { startVirtualCamera, type VirtualCamera } from '../../platform/media/rtsp-virtual-camera.js';
import { cachedSample, howToGetSamples } from '../../platform/media/sample-media.js';
import { demoSpeakers } from '../devices/demo-speakers.js';
import type { DevicesService } from '../devices/devices.service.js';
import type { SafeVillageService } from './safe-village.service.js';

const MARKER = 'demo_cameras_seeded_at';
const XIYANGQIU = '130631202206';
const DONGYANGQIU = '130631202207';
export const DEMO_STREAM_PATH = 'xiyangqiu-pond';

/**
 * The demo's cameras. 西阳邱村's "fish pond" camera watches the demo's virtual camera (OpenCV's
 * pedestrian video over RTSP on loopback); its red zone lies where people walk, so alarms come
 * within seconds and the loudspeaker beside it says the seed's warning. 东阳邱村's field camera has
 * its own AI and no stream (it reports through Frigate or the webhook), so it shows offline.
 */
export async function seedDemoCameras(
  deps: { safeVillage: SafeVillageService; devices: Pick<DevicesService, 'bindDemoSpeakers'>; meta: Pick<MetaRepository, 'get' | 'set'> },
  streamUrl: string,
  now: Date,
): Promise<void> {
  if (await deps.meta.get(MARKER)) {
    // The virtual camera may listen on another port than last time (DEMO_RTSP_PORT=0).
    await deps.safeVillage.repointDemoStream(`cam-${XIYANGQIU}-01`, `/${DEMO_STREAM_PATH}`, streamUrl);
    return;
  }
  // Each camera stands beside its village's first loudspeaker (by the village committee).
  const besideSpeaker = (village: string) => demoSpeakers().find((s) => s.id === `spk-${village}-01`)?.location ?? null;
  const pond = await deps.safeVillage.createDemoCamera({
    id: `cam-${XIYANGQIU}-01`,
    name: '西阳邱村鱼塘',
    regionCode: `${XIYANGQIU}01`,
    location: besideSpeaker(XIYANGQIU),
    streamUrl,
    externalName: null,
    zones: [
      {
        name: '鱼塘',
        kind: 'drowning',
        polygon: [
          [0.42, 0.36],
          [0.95, 0.4],
          [0.93, 0.64],
          [0.45, 0.6],
        ],
        cooldownSeconds: 60,
      },
    ],
  });
  await deps.devices.bindDemoSpeakers(pond, [`spk-${XIYANGQIU}-01`]);
  await deps.safeVillage.createDemoCamera({
    id: `cam-${DONGYANGQIU}-01`,
    name: '东阳邱村麦田',
    regionCode: DONGYANGQIU,
    location: besideSpeaker(DONGYANGQIU),
    streamUrl: null,
    externalName: 'dongyangqiu_field',
    zones: [
      {
        name: '麦田',
        kind: 'straw_burning',
        polygon: [
          [0.1, 0.5],
          [0.9, 0.5],
          [0.9, 0.95],
          [0.1, 0.95],
        ],
        cooldownSeconds: 300,
      },
    ],
  });
  await deps.meta.set(MARKER, now.toISOString());
}

export interface DemoCameraStream {
  relay: RtspRelay;
  camera: VirtualCamera;
  url: string;
  stop(): Promise<void>;
}

/** Where the demo's pond camera reads from when the relay listens on `port`. */
export const demoStreamUrl = (port: number) => `rtsp://127.0.0.1:${port}/${DEMO_STREAM_PATH}`;

/**
 * Streams the demo video over RTSP on loopback, as the fish-pond camera. Without the video (it
 * comes from Debian's opencv-doc), logs how to get it and returns undefined: the rest runs.
 */
export async function startDemoCameraStream(options: { video?: string; port: number; ffmpegPath?: string; logger: Logger }): Promise<DemoCameraStream | undefined> {
  const video = options.video ?? cachedSample('vtest.avi');
  if (!video) {
    options.logger.warn(
      `safe village demo: no video for the virtual camera, so the fish-pond camera stays offline. Get OpenCV's sample video with \`npm run shuxiang -- samples fetch\` (or set DEMO_CAMERA_VIDEO) and restart.\n${howToGetSamples()}`,
    );
    return undefined;
  }
  let relay: RtspRelay;
  try {
    relay = await startRtspRelay({ host: '127.0.0.1', port: options.port, logger: options.logger });
  } catch (error) {
    options.logger.warn({ err: error }, `safe village demo: cannot serve the virtual camera on port ${options.port}; set DEMO_RTSP_PORT to a free port`);
    return undefined;
  }
  const camera = startVirtualCamera({ file: video, publishUrl: relay.publishUrl(DEMO_STREAM_PATH), codec: 'mjpeg', fps: 5, width: 640, ffmpegPath: options.ffmpegPath, logger: options.logger });
  const url = demoStreamUrl(relay.port);
  options.logger.info({ url, video }, 'safe village demo: virtual camera streaming');
  return {
    relay,
    camera,
    url,
    async stop() {
      await camera.stop();
      await relay.close();
    },
  };
}
