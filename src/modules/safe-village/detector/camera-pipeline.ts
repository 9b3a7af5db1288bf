import type { Logger } from 'pino';
import type { Clock } from '../../../platform/clock.js';
import { openFrameSource, type FrameSource } from '../../../platform/detection/frame-source.js';
import { MotionGate } from '../../../platform/detection/motion-gate.js';
import { DetectionError, type ObjectDetector } from '../../../platform/detection/person-detector.js';
import { drawAlarmSnapshot, encodeJpeg } from '../../../platform/detection/snapshot.js';
import type { RgbFrame } from '../../../platform/detection/types.js';
import { CameraZones } from '../camera-zones.js';
import { IouTracker } from '../rules/iou-tracker.js';
import type { ZoneAlarm } from '../rules/types.js';
import type { CameraRow } from '../safe-village.repository.js';
import type { SafeVillageService } from '../safe-village.service.js';

/** Width frames are decoded at: enough for people at pond distance, cheap to decode and detect. */
const FRAME_WIDTH = 640;
/** The camera's picture for the console is refreshed at most this often. */
const PICTURE_EVERY_MS = 1000;
const BACKOFF_START_MS = 1000;
const BACKOFF_MAX_MS = 60_000;

/** What one camera's pipeline has done since it started (for the bench and the logs). */
export interface PipelineStats {
  frames: number;
  /** Frames the motion gate let through (or that were examined because someone was in view). */
  examined: number;
  /** Frames skipped: nothing moved and nobody was being tracked. */
  skipped: number;
  /** Frames dropped because the detector was busy. */
  busy: number;
  detectMs: number;
  alarms: number;
  failures: number;
  /** Decode → alarm row, per alarm (ms). */
  alarmLatencyMs: number[];
}

export interface CameraPipelineOptions {
  service: SafeVillageService;
  detector: ObjectDetector;
  clock: Clock;
  logger: Logger;
  ffmpegPath?: string;
  /** Called after each alarm is stored (the bench measures latency with it). */
  onAlarm?: (alarm: { id: string; frameAt: Date; storedAt: number }) => void;
}

/**
 * One camera, end to end: ffmpeg decodes the stream at the camera's rate, a frame-difference gate
 * skips still pictures, CenterNet finds people, an IoU tracker follows them and the zone rules
 * decide; an alarm is stored with the frame (box and zone drawn) and its actions run. A stream
 * that fails marks the camera offline and is retried with a growing pause; the other cameras go on.
 */
export class CameraPipeline {
  readonly stats: PipelineStats = { frames: 0, examined: 0, skipped: 0, busy: 0, detectMs: 0, alarms: 0, failures: 0, alarmLatencyMs: [] };
  private readonly zones: CameraZones;
  private source: FrameSource | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    readonly camera: CameraRow,
    private readonly options: CameraPipelineOptions,
  ) {
    this.zones = new CameraZones(camera.id, options.service, options.clock);
  }

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.source?.stop();
    await this.running;
  }

  private async loop(): Promise<void> {
    let backoff = BACKOFF_START_MS;
    while (!this.stopped) {
      const tracker = new IouTracker({ idPrefix: `${this.camera.id}:${Date.now().toString(36)}:` });
      const gate = new MotionGate();
      let framesThisRun = 0;
      try {
        this.source = openFrameSource(this.camera.stream_url!, {
          fps: this.camera.detect_fps,
          width: FRAME_WIDTH,
          // A file stands in for a live camera: played at its own speed, over and over.
          loop: isFile(this.camera.stream_url!),
          realtime: isFile(this.camera.stream_url!),
          ffmpegPath: this.options.ffmpegPath,
          clock: this.options.clock,
        });
        let lastPicture = 0;
        for await (const frame of this.source) {
          if (this.stopped) break;
          framesThisRun++;
          this.stats.frames++;
          if (frame.at.getTime() - lastPicture >= PICTURE_EVERY_MS) {
            lastPicture = frame.at.getTime();
            await this.options.service.frameArrived(this.camera.id, await encodeJpeg(frame, 75), { width: frame.width, height: frame.height }, frame.at);
          }
          await this.examine(frame, tracker, gate);
          backoff = BACKOFF_START_MS;
        }
        if (this.stopped) break;
        throw new Error('the stream ended');
      } catch (error) {
        if (this.stopped) break;
        this.stats.failures++;
        const message = (error as Error).message.slice(0, 500);
        this.options.logger.warn({ camera: this.camera.id, err: message, retryInMs: backoff }, 'safe village: camera stream failed; retrying');
        await this.options.service.streamFailed(this.camera.id, message).catch(() => undefined);
        // A stream that delivered frames and then dropped is retried at once the first time.
        await this.pause(framesThisRun > 0 ? BACKOFF_START_MS : backoff);
        backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
      } finally {
        await this.source?.stop();
      }
    }
    await this.options.service.streamFailed(this.camera.id, null).catch(() => undefined);
  }

  private async examine(frame: RgbFrame, tracker: IouTracker, gate: MotionGate): Promise<void> {
    await this.zones.refresh();
    if (!this.zones.armed) return;
    const moved = gate.hasMotion(frame);
    // Someone standing still in a zone must still be followed (dwell time), so a frame with people
    // being tracked is examined even when nothing moved.
    if (!moved && tracker.activeTracks === 0) {
      this.stats.skipped++;
      return;
    }
    this.stats.examined++;
    const started = performance.now();
    let detections;
    try {
      detections = await this.options.detector.detect(frame);
    } catch (error) {
      if (error instanceof DetectionError && error.problem === 'busy') {
        this.stats.busy++;
        return;
      }
      throw error;
    }
    this.stats.detectMs += performance.now() - started;
    const { tracked, lost } = tracker.update(detections.filter((d) => this.zones.relevant(d)));
    const alarms = this.zones.evaluator.frame(frame.at, tracked, lost);
    for (const alarm of alarms) await this.raise(frame, alarm);
  }

  private async raise(frame: RgbFrame, alarm: ZoneAlarm): Promise<void> {
    const zone = this.zones.zones.get(alarm.zoneId);
    if (!zone) return;
    const snapshot = await drawAlarmSnapshot(frame, {
      polygon: zone.polygon,
      boxes: [{ box: alarm.detection.box, label: `${alarm.detection.label} ${alarm.detection.score.toFixed(2)}` }],
    });
    const { id, created } = await this.options.service.raise({ cameraId: this.camera.id, zoneId: alarm.zoneId, source: 'detector', alarm, snapshot });
    if (!created) return;
    const storedAt = Date.now();
    this.stats.alarms++;
    this.stats.alarmLatencyMs.push(storedAt - frame.at.getTime());
    this.options.onAlarm?.({ id, frameAt: frame.at, storedAt });
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

const isFile = (url: string) => url.startsWith('/') || url.startsWith('file:');
