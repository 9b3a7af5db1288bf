import type { Logger } from 'pino';
import type { Clock } from '../../../platform/clock.js';
import { CenterNetDetector } from '../../../platform/detection/person-detector.js';
import type { ObjectDetector } from '../../../platform/detection/person-detector.js';
import type { SafeVillageService } from '../safe-village.service.js';
import { CameraPipeline, type CameraPipelineOptions } from './camera-pipeline.js';

/** Cameras added, changed or removed in the console are picked up within this time. */
const RESCAN_MS = 10_000;

export interface DetectorRunnerOptions {
  service: SafeVillageService;
  clock: Clock;
  logger: Logger;
  /** Worker threads running CenterNet (DETECTOR_THREADS). */
  threads: number;
  ffmpegPath?: string;
  /** Only these cameras (`shuxiang worker detector --cameras …`); default: every camera to detect. */
  cameraIds?: string[];
  /** A detector of the caller's (tests, the bench); default: CenterNet, started with the first camera. */
  detector?: ObjectDetector;
  onAlarm?: CameraPipelineOptions['onAlarm'];
}

/**
 * Runs one pipeline per camera that has detection on, sharing one pool of detector threads.
 * Rescans the camera list every few seconds: new cameras start, removed or disabled ones stop, and
 * a changed stream address or rate restarts its pipeline. The model loads only once a camera needs it.
 */
export class DetectorRunner {
  readonly pipelines = new Map<string, CameraPipeline>();
  private detector: ObjectDetector | undefined;
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: DetectorRunnerOptions) {
    this.detector = options.detector;
  }

  async start(): Promise<void> {
    await this.scan();
    this.timer = setInterval(() => {
      this.scanning ??= this.scan()
        .catch((error: unknown) => this.options.logger.error({ err: error }, 'safe village: camera rescan failed'))
        .finally(() => {
          this.scanning = undefined;
        });
    }, RESCAN_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.scanning;
    await Promise.all([...this.pipelines.values()].map((pipeline) => pipeline.stop()));
    this.pipelines.clear();
    if (!this.options.detector) await this.detector?.close();
  }

  private async scan(): Promise<void> {
    const cameras = await this.options.service.camerasToDetect(this.options.cameraIds);
    const wanted = new Map(cameras.map((camera) => [camera.id, camera]));
    for (const [id, pipeline] of this.pipelines) {
      const camera = wanted.get(id);
      if (!camera || camera.stream_url !== pipeline.camera.stream_url || camera.detect_fps !== pipeline.camera.detect_fps) {
        this.pipelines.delete(id);
        await pipeline.stop();
      }
    }
    for (const camera of cameras) {
      if (this.stopped || this.pipelines.has(camera.id)) continue;
      const detector = await this.ensureDetector();
      const pipeline = new CameraPipeline(camera, { ...this.options, detector });
      this.pipelines.set(camera.id, pipeline);
      pipeline.start();
      this.options.logger.info({ camera: camera.id }, 'safe village: watching camera');
    }
  }

  private async ensureDetector(): Promise<ObjectDetector> {
    this.detector ??= await CenterNetDetector.start({ concurrency: this.options.threads });
    return this.detector;
  }
}
