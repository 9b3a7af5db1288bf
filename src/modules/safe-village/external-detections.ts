import type { Logger } from 'pino';
import sharp from 'sharp';
import { z } from 'zod';
import type { Clock } from '../../platform/clock.js';
import type { Box } from '../../platform/detection/types.js';
import type { MqttBus } from '../../platform/mqtt/bus.js';
import { CameraZones } from './camera-zones.js';
import type { TrackedDetection, ZoneAlarm } from './rules/types.js';
import type { CameraRow } from './safe-village.repository.js';
import type { WebhookDetectionsBody } from './safe-village.schema.js';
import type { SafeVillageService } from './safe-village.service.js';

/**
 * Frigate's event message (https://docs.frigate.video/integrations/mqtt#frigateevents): only the
 * fields we use; Frigate sends many more, which are ignored.
 */
const frigateEvent = z.object({
  type: z.enum(['new', 'update', 'end']),
  after: z.object({
    id: z.string().min(1).max(100),
    camera: z.string().min(1).max(64),
    label: z.string().min(1).max(30),
    score: z.number().min(0).max(1).optional(),
    top_score: z.number().min(0).max(1).optional(),
    box: z.tuple([z.number(), z.number(), z.number(), z.number()]),
    frame_time: z.number().positive(),
    current_zones: z.array(z.string()).optional(),
  }),
});

export type FrigateEvent = z.infer<typeof frigateEvent>;

/** An external track not reported for this long has left, whether or not its 'end' arrived. */
const STALE_TRACK_MS = 5 * 60_000;

/** [x1, y1, x2, y2] in pixels of `size` (or already 0–1 when every value is ≤ 1) → a normalised box. */
export function normaliseBox([x1, y1, x2, y2]: [number, number, number, number], size: { width: number; height: number } | null): Box | undefined {
  const alreadyNormalised = [x1, y1, x2, y2].every((v) => v >= 0 && v <= 1);
  const [w, h] = alreadyNormalised ? [1, 1] : size ? [size.width, size.height] : [0, 0];
  if (w === 0 || x2 <= x1 || y2 <= y1) return undefined;
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  const box = { x: clamp(x1 / w), y: clamp(y1 / h), width: clamp(x2 / w) - clamp(x1 / w), height: clamp(y2 / h) - clamp(y1 / h) };
  return box.width > 0 && box.height > 0 ? box : undefined;
}

/**
 * Detections made elsewhere — Frigate (MQTT `frigate/events`) or a camera's own AI (the HTTP
 * webhook) — enter at the rule step: our zones, our tracker state per external track id, our
 * alarms. So the same person gives the same alarm whichever detector saw them.
 */
export class ExternalDetections {
  private readonly cameras = new Map<string, CameraZones>();
  /** When each external track was last reported, so tracks whose 'end' never came are dropped. */
  private readonly lastSeen = new Map<string, { cameraId: string; at: number }>();
  private sweptAt = 0;
  readonly stats = { frigateEvents: 0, frigateIgnored: 0, webhookCalls: 0 };

  constructor(
    private readonly service: SafeVillageService,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Subscribes to Frigate's events on the platform's MQTT connection (`<prefix>/events`). */
  async listenToFrigate(bus: Pick<MqttBus, 'subscribeTopic'>, topicPrefix: string): Promise<void> {
    await bus.subscribeTopic(`${topicPrefix}/events`, async (payload) => {
      await this.frigate(payload);
    });
  }

  /** One Frigate event message; returns the alarms it raised. */
  async frigate(payload: Buffer | string): Promise<string[]> {
    this.stats.frigateEvents++;
    let event: FrigateEvent;
    try {
      event = frigateEvent.parse(JSON.parse(payload.toString()));
    } catch (error) {
      this.stats.frigateIgnored++;
      this.logger.warn({ err: error }, 'frigate: malformed event ignored');
      return [];
    }
    const { after } = event;
    const camera = await this.service.cameraByExternalName(after.camera);
    if (!camera || !camera.enabled) {
      this.stats.frigateIgnored++;
      this.logger.debug({ camera: after.camera }, 'frigate: event for an unknown or disabled camera ignored');
      return [];
    }
    const zones = await this.zonesOf(camera.id);
    const trackId = `frigate:${after.id}`;
    if (event.type === 'end') {
      this.forget(trackId);
      return [];
    }
    this.seen(camera.id, trackId);
    const box = normaliseBox(after.box, camera.frame_width && camera.frame_height ? { width: camera.frame_width, height: camera.frame_height } : null);
    if (!box) {
      this.stats.frigateIgnored++;
      this.logger.warn({ camera: camera.id }, 'frigate: box in pixels but the camera has no frame size; set it on the camera');
      return [];
    }
    const detection: TrackedDetection = { trackId, label: after.label, score: after.score ?? after.top_score ?? 0, box };
    const at = new Date(after.frame_time * 1000);
    return this.raiseAll(camera.id, 'frigate', zones.evaluator.observe(at, detection));
  }

  /** A camera's own AI reports its objects (already authenticated by the route). */
  async webhook(camera: CameraRow, body: WebhookDetectionsBody): Promise<string[]> {
    this.stats.webhookCalls++;
    if (!camera.enabled) return [];
    const zones = await this.zonesOf(camera.id);
    const at = body.at ? new Date(body.at) : this.clock.now();
    const size = body.frameSize ?? (camera.frame_width && camera.frame_height ? { width: camera.frame_width, height: camera.frame_height } : null);
    const snapshot = body.snapshot ? Buffer.from(body.snapshot, 'base64') : undefined;
    // The camera's own picture is its current picture too (and says it is online).
    if (snapshot && isJpeg(snapshot)) {
      const meta = await sharp(snapshot).metadata().catch(() => undefined);
      if (meta?.width && meta.height) await this.service.frameArrived(camera.id, snapshot, { width: meta.width, height: meta.height }, at);
    }
    const raised: string[] = [];
    for (const object of body.objects) {
      const trackId = `webhook:${object.trackId}`;
      if (object.ended) {
        this.forget(trackId);
        continue;
      }
      this.seen(camera.id, trackId);
      const box = normaliseBox(object.box, size);
      if (!box) continue;
      const alarms = zones.evaluator.observe(at, { trackId, label: object.label, score: object.score, box });
      raised.push(...(await this.raiseAll(camera.id, 'webhook', alarms, snapshot)));
    }
    return raised;
  }

  private seen(cameraId: string, trackId: string): void {
    const now = this.clock.now().getTime();
    this.lastSeen.set(trackId, { cameraId, at: now });
    if (now - this.sweptAt < STALE_TRACK_MS / 10) return;
    this.sweptAt = now;
    for (const [id, entry] of this.lastSeen) if (now - entry.at > STALE_TRACK_MS) this.forget(id);
  }

  private forget(trackId: string): void {
    const entry = this.lastSeen.get(trackId);
    this.lastSeen.delete(trackId);
    if (entry) this.cameras.get(entry.cameraId)?.evaluator.lost(trackId);
  }

  private async zonesOf(cameraId: string): Promise<CameraZones> {
    let zones = this.cameras.get(cameraId);
    if (!zones) {
      zones = new CameraZones(cameraId, this.service, this.clock);
      this.cameras.set(cameraId, zones);
    }
    await zones.refresh();
    return zones;
  }

  private async raiseAll(cameraId: string, source: 'frigate' | 'webhook', alarms: ZoneAlarm[], snapshot?: Buffer): Promise<string[]> {
    const ids: string[] = [];
    for (const alarm of alarms) {
      const { id } = await this.service.raise({ cameraId, zoneId: alarm.zoneId, source, alarm, snapshot: snapshot && isJpeg(snapshot) ? snapshot : undefined });
      ids.push(id);
    }
    return ids;
  }
}

const isJpeg = (data: Buffer) => data.length > 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff;
