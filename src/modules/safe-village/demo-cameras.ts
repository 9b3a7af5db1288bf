import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import type { MetaRepository } from '../../platform/db/meta.repository.js';
import { type RtspRelay, startRtspRelay } from '../../platform/media/rtsp-relay.js';
import { startVirtualCamera, type VirtualCamera } from '../../platform/media/rtsp-virtual-camera.js';
import { cachedSample, shippedDemoVideo } from '../../platform/media/sample-media.js';
import { demoSpeakers } from '../devices/demo-speakers.js';
import { heibaoFeatures } from '../demo/heibao.js';
import { type AreaGeometry, centreOf } from '../regions/geometry.js';
import type { DevicesService } from '../devices/devices.service.js';
import type { SafeVillageService } from './safe-village.service.js';

const MARKER = 'demo_cameras_seeded_at';
const XIYANGQIU = '130631202206';
const DONGYANGQIU = '130631202207';
export const DEMO_STREAM_PATH = 'xiyangqiu-pond';

type DemoCamera = Parameters<SafeVillageService['createDemoCamera']>[0] & { speakerIds: string[] };

/**
 * The demo's cameras. 西阳邱村's "fish pond" camera watches the demo's virtual camera (OpenCV's
 * pedestrian video over RTSP on loopback, at `streamUrl`); its red zone lies where people walk, so
 * alarms come within seconds and the village committee's loudspeaker says the seed's warning. The pond
 * lies in 西阳邱村第一网格, whose grid worker handles its alarms. 东阳邱村's field camera stands beside
 * the village committee's loudspeaker; it has its own AI and no stream (it reports through Frigate or
 * the webhook), so it shows offline.
 */
export function demoCameras(streamUrl: string | null): DemoCamera[] {
  const features = heibaoFeatures().features;
  const centreOfRegion = (code: string) => {
    const geometry = features.find((f) => f.properties.code === code)?.geometry;
    if (!geometry) return null;
    const [lon, lat] = centreOf(geometry as AreaGeometry);
    return { lon: Math.round(lon! * 1e6) / 1e6, lat: Math.round(lat! * 1e6) / 1e6 };
  };
  const besideSpeaker = (village: string) => demoSpeakers().find((s) => s.id === `spk-${village}-01`)?.location ?? null;
  return [
    {
      id: `cam-${XIYANGQIU}-01`,
      name: '西阳邱村鱼塘',
      regionCode: `${XIYANGQIU}01`,
      location: centreOfRegion(`${XIYANGQIU}01`),
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
      speakerIds: [`spk-${XIYANGQIU}-01`],
    },
    {
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
      speakerIds: [],
    },
  ];
}

/** Registers the demo cameras once (a marker remembers it, so deleted ones stay deleted). */
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
  for (const { speakerIds, ...camera } of demoCameras(streamUrl)) {
    const id = await deps.safeVillage.createDemoCamera(camera);
    if (speakerIds.length > 0) await deps.devices.bindDemoSpeakers(id, speakerIds);
  }
  await deps.meta.set(MARKER, now.toISOString());
}

export interface DemoCameraStream {
  relay: RtspRelay;
  camera: VirtualCamera;
  url: string;
  /** The file streamed, and where it came from. */
  video: DemoVideo;
  stop(): Promise<void>;
}

/** Where the demo's pond camera reads from when the relay listens on `port`. */
export const demoStreamUrl = (port: number) => `rtsp://127.0.0.1:${port}/${DEMO_STREAM_PATH}`;

export interface DemoVideo {
  file: string;
  source: 'configured' | 'cached' | 'shipped';
}

/**
 * The demo camera's video: DEMO_CAMERA_VIDEO when set, else OpenCV's vtest.avi when the samples
 * are cached, else the re-encoded copy shipped in the repository (so a fresh checkout has alarms
 * without any download). Undefined only when even the shipped copy is gone.
 */
export function chooseDemoVideo(options: { video?: string; samplesDir?: string }): DemoVideo | undefined {
  if (options.video) return { file: options.video, source: 'configured' };
  const cached = cachedSample('vtest.avi', options.samplesDir);
  if (cached) return { file: cached, source: 'cached' };
  return existsSync(shippedDemoVideo) ? { file: shippedDemoVideo, source: 'shipped' } : undefined;
}

/**
 * Streams the demo video over RTSP on loopback, as the fish-pond camera. When it cannot (no video,
 * port taken, ffmpeg missing), logs why and returns undefined: the rest of the platform runs.
 */
export async function startDemoCameraStream(options: { video?: string; samplesDir?: string; port: number; ffmpegPath?: string; logger: Logger }): Promise<DemoCameraStream | undefined> {
  const video = chooseDemoVideo(options);
  if (!video) {
    options.logger.warn(
      `safe village demo: no video for the virtual camera (${shippedDemoVideo} is missing), so the fish-pond camera stays offline. Restore it from the repository or set DEMO_CAMERA_VIDEO, and restart.`,
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
  let camera: VirtualCamera;
  try {
    camera = startVirtualCamera({ file: video.file, publishUrl: relay.publishUrl(DEMO_STREAM_PATH), codec: 'mjpeg', fps: 5, width: 640, ffmpegPath: options.ffmpegPath, logger: options.logger });
  } catch (error) {
    await relay.close();
    options.logger.warn({ err: error, video: video.file }, 'safe village demo: cannot stream the virtual camera, so the fish-pond camera stays offline');
    return undefined;
  }
  const url = demoStreamUrl(relay.port);
  options.logger.info({ url, video: video.file, source: video.source }, 'safe village demo: virtual camera streaming');
  return {
    relay,
    camera,
    url,
    video,
    async stop() {
      await camera.stop();
      await relay.close();
    },
  };
}
