import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { BlobStore } from '../../platform/blobs/blob-store.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { AlarmEventKind, AlarmRecipient, AlarmSource, DeliveryState } from '../../platform/db/schema.js';
import { EventBus } from '../../platform/events.js';
import { AppError, fieldError } from '../../platform/http/errors.js';
import type { JobQueue } from '../../platform/jobs/job-queue.js';
import type { Actor, RequestMeta } from '../../platform/request-context.js';
import { isWithin } from '../../platform/scope.js';
import type { UrlSigner } from '../../platform/signing.js';
import type { SmsOutbox } from '../../platform/sms/sms-outbox.js';
import type { AccountsService } from '../accounts/accounts.service.js';
import { requirePermission } from '../accounts/policies.js';
import type { AuditService } from '../audit/audit.service.js';
import type { BroadcastService } from '../broadcast/broadcast.service.js';
import type { CasesService } from '../cases/cases.service.js';
import type { DevicesService } from '../devices/devices.service.js';
import type { DutyService } from '../duty/duty.service.js';
import type { LiveHub } from '../live/live-hub.js';
import type { NotificationsService } from '../notifications/notifications.service.js';
import type { RegionsService } from '../regions/regions.service.js';
import type { ZoneAlarm, ZoneRule } from './rules/types.js';
import type { AlarmRow, CameraRow, NewAlarmEvent, SafeVillageRepository, ZoneRow } from './safe-village.repository.js';
import {
  type AlarmDetail,
  type AlarmStats,
  type AlarmView,
  type CameraView,
  type CreateCameraBody,
  type CreateZoneBody,
  defaultWarningText,
  type ListAlarmsQuery,
  type ListCamerasQuery,
  type SpeakerPlayback,
  type UpdateCameraBody,
  type UpdateZoneBody,
  type ZoneView,
  zoneKinds,
} from './safe-village.schema.js';

/** Signed picture URLs live this long; the console refreshes well before. */
const URL_TTL_SECONDS = 15 * 60;
/** The latest frame is written to the blob store at most this often (other processes serve it from there). */
const SNAPSHOT_PERSIST_MS = 10_000;

/** The durable timer of one escalation step of an unacknowledged alarm. */
const LADDER_JOB = 'alarm.escalate';

/**
 * Scheduled in the transaction that acknowledges an alarm or marks it a false positive; payload
 * `AlarmHandledPayload`. The points module earns (or takes back) the handling points from it, as
 * it does for closed cases; handlers must be idempotent per alarm.
 */
export const ALARM_HANDLED_JOB = 'alarm.handled';

export interface AlarmHandledPayload {
  alarmId: string;
  state: 'acknowledged' | 'false_positive';
  handlerId: string;
  regionPath: string;
}

/** Whom each step of the ladder tells, in order. */
const ladderSteps = ['grid_workers', 'village_cadres', 'duty_officer'] as const;
const stepLabel: Record<(typeof ladderSteps)[number], string> = { grid_workers: '网格员', village_cadres: '村干部', duty_officer: '乡镇值班人员' };

/** Which case category an alarm of each zone kind becomes. */
const caseCategoryOf: Record<(typeof zoneKinds)[number], string> = {
  drowning: 'patrol',
  straw_burning: 'sanitation',
  dumping: 'sanitation',
  security: 'patrol',
  other: 'safety_hazard',
};

const kindLabel: Record<(typeof zoneKinds)[number], string> = {
  drowning: '防溺水',
  straw_burning: '秸秆禁烧',
  dumping: '乱倒垃圾',
  security: '治安巡防',
  other: '警戒',
};

/** What was seen, in the words of texts to Chinese readers (COCO class names from the detectors). */
const objectLabels: Record<string, string> = { person: '人员', car: '汽车', truck: '货车', motorcycle: '摩托车', bicycle: '自行车', boat: '船只', dog: '狗' };
const objectLabel = (label: string) => (Object.hasOwn(objectLabels, label) ? objectLabels[label]! : '可疑目标');

export interface SafeVillageDeps {
  db: Db;
  repository: SafeVillageRepository;
  regions: RegionsService;
  accounts: AccountsService;
  devices: DevicesService;
  broadcasts: BroadcastService;
  cases: CasesService;
  notifications: NotificationsService;
  audit: AuditService;
  blobs: BlobStore;
  signer: UrlSigner;
  live: LiveHub;
  clock: Clock;
  logger: Logger;
  jobs: JobQueue;
  sms: SmsOutbox;
  duty: DutyService;
  /** Of these people, those who keep SMS for what must not be missed (their notification preferences). */
  smsWanted: (userIds: string[]) => Promise<string[]>;
  /** The township default of minutes before each escalation step (a zone may set its own). */
  ladderMinutes: number[];
}

/** What a detector (built-in, Frigate or a camera's own AI) hands over when a zone rule fires. */
export interface RaiseInput {
  cameraId: string;
  zoneId: string;
  source: AlarmSource;
  alarm: ZoneAlarm;
  /** JPEG of the frame with the box and zone drawn; absent when the source sent none. */
  snapshot?: Buffer;
}

/** Domain events after commit, for other modules' read models (the big screen's counters). */
export interface SafeVillageEvents {
  'alarm.raised': { alarmId: string; regionPath: string };
}

const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** `rtsp://user:secret@host/…` → `rtsp://user:***@host/…`, so a camera's password is never shown. */
export function maskStreamUrl(url: string | null): string | null {
  if (url === null) return null;
  return url.replace(/^([a-z]+:\/\/[^/:@]*):[^/@]*@/i, '$1:***@');
}

/**
 * 平安乡村: cameras, the warning zones drawn on their pictures, and alarms. Detectors (the
 * built-in pipeline, Frigate over MQTT, a camera's own AI over HTTP) call `raise` when a zone rule
 * fires; the alarm is stored once per tracked presence, and its actions run: the loudspeaker
 * beside the camera says the warning through the broadcasting module's alarm priority, grid
 * workers are notified, and a case is opened when the zone asks for it.
 */
export class SafeVillageService {
  /** The latest frame of cameras this process reads, newest first served. */
  private readonly latestFrames = new Map<string, { jpeg: Buffer; at: Date; persistedAt: number }>();

  readonly events: EventBus<SafeVillageEvents>;

  constructor(private readonly deps: SafeVillageDeps) {
    this.events = new EventBus<SafeVillageEvents>(deps.logger);
    deps.jobs.register(LADDER_JOB, (tx, payload, now) => this.escalate(tx, String(payload.alarmId), Number(payload.step), now));
  }

  // ---- cameras --------------------------------------------------------------------------------

  async listCameras(actor: Actor, query: ListCamerasQuery) {
    requirePermission(actor.role, 'cameras.read');
    const { page, pageSize, ...filter } = query;
    const { rows, total } = await this.deps.repository.listCameras(actor.scope, filter, { page, pageSize });
    return { items: await this.cameraViews(rows), total, page, pageSize };
  }

  async getCamera(actor: Actor, id: string): Promise<CameraView> {
    requirePermission(actor.role, 'cameras.read');
    return (await this.cameraViews([await this.readableCamera(actor, id)]))[0]!;
  }

  async createCamera(actor: Actor, body: CreateCameraBody, meta: RequestMeta): Promise<{ camera: CameraView; webhookSecret: string }> {
    requirePermission(actor.role, 'cameras.write');
    const place = await this.placeFor(actor, body.regionCode, 'body.regionCode');
    if (body.externalName && (await this.deps.repository.externalNameTaken(body.externalName))) throw new AppError('CAMERA_EXISTS');
    const webhookSecret = randomBytes(24).toString('base64url');
    const now = this.deps.clock.now();
    for (let attempt = 0; ; attempt++) {
      const id = body.id ?? (await this.nextCameraId(place.village?.code ?? place.region.code));
      const created = await this.deps.db.transaction().execute(async (tx) => {
        const inserted = await this.deps.repository.insertCamera(tx, {
          id,
          name: body.name,
          region_code: place.region.code,
          region_path: place.region.path,
          lon: body.location?.lon ?? null,
          lat: body.location?.lat ?? null,
          stream_url: body.streamUrl,
          detect: body.detect,
          detect_fps: body.detectFps,
          external_name: body.externalName,
          webhook_secret_hash: hashSecret(webhookSecret),
          frame_width: body.frameSize?.width ?? null,
          frame_height: body.frameSize?.height ?? null,
          enabled: body.enabled,
          online: false,
          online_changed_at: null,
          last_frame_at: null,
          last_error: null,
          created_at: now,
          updated_at: now,
        });
        if (!inserted) return false;
        if (body.speakerIds.length > 0) await this.deps.devices.bindToCamera(tx, actor, id, body.speakerIds, 'body.speakerIds');
        await this.deps.audit.record(tx, actor, meta, {
          action: 'camera.create',
          targetType: 'camera',
          targetId: id,
          regionPath: place.region.path,
          details: { ...body, streamUrl: maskStreamUrl(body.streamUrl), id, regionCode: place.region.code },
        });
        return true;
      });
      if (created) return { camera: await this.getCamera(actor, id), webhookSecret };
      if (body.id !== undefined || attempt >= 5) throw new AppError('CAMERA_EXISTS');
    }
  }

  async updateCamera(actor: Actor, id: string, body: UpdateCameraBody, meta: RequestMeta): Promise<CameraView> {
    requirePermission(actor.role, 'cameras.write');
    const before = await this.readableCamera(actor, id);
    const place = body.regionCode !== undefined ? await this.placeFor(actor, body.regionCode, 'body.regionCode') : undefined;
    if (body.externalName && (await this.deps.repository.externalNameTaken(body.externalName, id))) throw new AppError('CAMERA_EXISTS');
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.updateCamera(tx, id, {
        ...(body.name !== undefined && { name: body.name }),
        ...(place && { region_code: place.region.code, region_path: place.region.path }),
        ...(body.location !== undefined && { lon: body.location?.lon ?? null, lat: body.location?.lat ?? null }),
        ...(body.streamUrl !== undefined && { stream_url: body.streamUrl }),
        ...(body.detect !== undefined && { detect: body.detect }),
        ...(body.detectFps !== undefined && { detect_fps: body.detectFps }),
        ...(body.externalName !== undefined && { external_name: body.externalName }),
        ...(body.frameSize !== undefined && { frame_width: body.frameSize?.width ?? null, frame_height: body.frameSize?.height ?? null }),
        ...(body.enabled !== undefined && { enabled: body.enabled }),
        ...(body.enabled === false && before.online && { online: false, online_changed_at: now }),
        updated_at: now,
      });
      if (body.speakerIds !== undefined) await this.deps.devices.bindToCamera(tx, actor, id, body.speakerIds, 'body.speakerIds');
      await this.deps.audit.record(tx, actor, meta, {
        action: 'camera.update',
        targetType: 'camera',
        targetId: id,
        regionPath: (place?.region.path ?? before.region_path),
        details: { ...body, ...(body.streamUrl !== undefined && { streamUrl: maskStreamUrl(body.streamUrl) }) },
      });
    });
    return this.getCamera(actor, id);
  }

  async removeCamera(actor: Actor, id: string, meta: RequestMeta): Promise<void> {
    requirePermission(actor.role, 'cameras.write');
    const camera = await this.readableCamera(actor, id);
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.devices.bindToCamera(tx, actor, id, [], 'id');
      await this.deps.repository.deleteCamera(tx, id);
      await this.deps.audit.record(tx, actor, meta, {
        action: 'camera.delete',
        targetType: 'camera',
        targetId: id,
        regionPath: camera.region_path,
        details: { name: camera.name },
      });
    });
    this.latestFrames.delete(id);
  }

  /** The demo seed's cameras, each with its zones at the defaults (no caller to check). Returns the id. */
  async createDemoCamera(input: {
    id: string;
    name: string;
    regionCode: string;
    location: { lon: number; lat: number } | null;
    streamUrl: string | null;
    externalName: string | null;
    zones: { name: string; kind: (typeof zoneKinds)[number]; polygon: [number, number][]; cooldownSeconds: number }[];
  }): Promise<string> {
    const place = await this.deps.regions.placeOf(input.regionCode);
    if (!place) throw new AppError('REGION_NOT_FOUND', { detail: { zh: input.regionCode, en: input.regionCode } });
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (tx) => {
      const inserted = await this.deps.repository.insertCamera(tx, {
        id: input.id,
        name: input.name,
        region_code: place.region.code,
        region_path: place.region.path,
        lon: input.location?.lon ?? null,
        lat: input.location?.lat ?? null,
        stream_url: input.streamUrl,
        detect: input.streamUrl !== null,
        detect_fps: 2,
        external_name: input.externalName,
        webhook_secret_hash: hashSecret(randomBytes(24).toString('base64url')),
        frame_width: input.streamUrl ? null : 1920,
        frame_height: input.streamUrl ? null : 1080,
        enabled: true,
        online: false,
        online_changed_at: null,
        last_frame_at: null,
        last_error: null,
        created_at: now,
        updated_at: now,
      });
      if (!inserted) return;
      for (const zone of input.zones) {
        await this.deps.repository.insertZone(tx, {
          id: randomUUID(),
          camera_id: input.id,
          name: zone.name,
          kind: zone.kind,
          enabled: true,
          polygon: JSON.stringify(zone.polygon),
          object_class: 'person',
          min_score: 0.5,
          anchor: 'bottom_center',
          min_box_share: 0.5,
          inertia_frames: 2,
          min_dwell_seconds: 0,
          min_box_area: 0,
          max_box_area: 1,
          schedules: '[]',
          cooldown_seconds: zone.cooldownSeconds,
          severity: 'warning',
          warning_text: defaultWarningText[zone.kind],
          voice: null,
          play_on_speaker: true,
          notify_grid_worker: true,
          create_case: false,
          created_at: now,
          updated_at: now,
        });
      }
    });
    return input.id;
  }

  /** Points the demo camera at the virtual camera's current address (when it still reads one). */
  async repointDemoStream(id: string, pathSuffix: string, streamUrl: string): Promise<void> {
    const camera = await this.deps.repository.findCamera(id);
    if (!camera?.stream_url?.startsWith('rtsp://127.0.0.1:') || !camera.stream_url.endsWith(pathSuffix) || camera.stream_url === streamUrl) return;
    await this.deps.repository.updateCamera(this.deps.db, id, { stream_url: streamUrl, updated_at: this.deps.clock.now() });
  }

  /** The camera's latest picture: from this process's reader, else the copy in the blob store. */
  async snapshot(id: string, exp: string | undefined, sig: string | undefined): Promise<{ body: Buffer; maxAgeSeconds: number }> {
    this.checkSignature(`/api/cameras/${id}/snapshot`, exp, sig);
    const fresh = this.latestFrames.get(id);
    if (fresh) return { body: fresh.jpeg, maxAgeSeconds: 0 };
    const stored = await this.deps.blobs.get(latestKey(id));
    if (!stored) throw new AppError('CAMERA_NO_SNAPSHOT');
    return { body: stored.body, maxAgeSeconds: 0 };
  }

  // ---- what readers of streams report ---------------------------------------------------------

  /** A frame arrived: the camera is online; its picture is kept for the snapshot endpoint. */
  async frameArrived(cameraId: string, jpeg: Buffer, frameSize: { width: number; height: number }, at: Date): Promise<void> {
    const previous = this.latestFrames.get(cameraId);
    const persist = !previous || at.getTime() - previous.persistedAt >= SNAPSHOT_PERSIST_MS;
    this.latestFrames.set(cameraId, { jpeg, at, persistedAt: persist ? at.getTime() : previous!.persistedAt });
    if (persist) {
      await this.deps.blobs.put(latestKey(cameraId), jpeg, 'image/jpeg');
      const cameToLife = await this.deps.repository.markFrame(cameraId, at, frameSize);
      if (cameToLife) await this.announceCamera(cameraId);
    }
  }

  /** The stream failed or stopped: offline, with the reason shown to operators. */
  async streamFailed(cameraId: string, error: string | null): Promise<void> {
    // The next frame, whenever it comes, is news: it brings the camera back online at once.
    this.latestFrames.delete(cameraId);
    const wasOnline = await this.deps.repository.markOffline(cameraId, this.deps.clock.now(), error);
    if (wasOnline) await this.announceCamera(cameraId);
  }

  private async announceCamera(cameraId: string): Promise<void> {
    const camera = await this.deps.repository.findCamera(cameraId);
    if (!camera) return;
    await this.deps.live.publish({
      event: 'camera.status',
      regionPath: camera.region_path,
      data: { id: camera.id, online: camera.online, lastFrameAt: camera.last_frame_at?.toISOString() ?? null, lastError: camera.last_error },
    });
  }

  // ---- zones ----------------------------------------------------------------------------------

  async listZones(actor: Actor, cameraId: string): Promise<{ items: ZoneView[] }> {
    requirePermission(actor.role, 'cameras.read');
    await this.readableCamera(actor, cameraId);
    return { items: await this.zoneViews(await this.deps.repository.zonesOf(cameraId)) };
  }

  async createZone(actor: Actor, cameraId: string, body: CreateZoneBody, meta: RequestMeta): Promise<ZoneView> {
    requirePermission(actor.role, 'cameras.write');
    const camera = await this.readableCamera(actor, cameraId);
    const id = randomUUID();
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.insertZone(tx, {
        id,
        camera_id: cameraId,
        name: body.name,
        kind: body.kind,
        enabled: body.enabled,
        polygon: JSON.stringify(body.polygon),
        object_class: body.objectClass,
        min_score: body.minScore,
        anchor: body.anchor,
        min_box_share: body.minBoxShare,
        inertia_frames: body.inertiaFrames,
        min_dwell_seconds: body.minDwellSeconds,
        min_box_area: body.minBoxArea,
        max_box_area: body.maxBoxArea,
        schedules: JSON.stringify(body.schedules),
        cooldown_seconds: body.cooldownSeconds,
        severity: body.severity,
        warning_text: body.warningText ?? defaultWarningText[body.kind],
        voice: body.voice,
        play_on_speaker: body.actions.playOnSpeaker,
        notify_grid_worker: body.actions.notifyGridWorker,
        create_case: body.actions.createCase,
        ladder_minutes: body.ladderMinutes ?? null,
        created_at: now,
        updated_at: now,
      });
      await this.deps.audit.record(tx, actor, meta, { action: 'zone.create', targetType: 'zone', targetId: id, regionPath: camera.region_path, details: { cameraId, ...body } });
    });
    return (await this.zoneViews([(await this.deps.repository.findZone(id))!]))[0]!;
  }

  async updateZone(actor: Actor, id: string, body: UpdateZoneBody, meta: RequestMeta): Promise<ZoneView> {
    requirePermission(actor.role, 'cameras.write');
    const { zone, camera } = await this.readableZone(actor, id);
    const minArea = body.minBoxArea ?? zone.min_box_area;
    const maxArea = body.maxBoxArea ?? zone.max_box_area;
    if (minArea > maxArea) throw fieldError('body.minBoxArea', '最小面积不能大于最大面积', 'minBoxArea must not exceed maxBoxArea');
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.updateZone(tx, id, {
        ...(body.name !== undefined && { name: body.name }),
        ...(body.kind !== undefined && { kind: body.kind }),
        ...(body.enabled !== undefined && { enabled: body.enabled }),
        ...(body.polygon !== undefined && { polygon: JSON.stringify(body.polygon) }),
        ...(body.objectClass !== undefined && { object_class: body.objectClass }),
        ...(body.minScore !== undefined && { min_score: body.minScore }),
        ...(body.anchor !== undefined && { anchor: body.anchor }),
        ...(body.minBoxShare !== undefined && { min_box_share: body.minBoxShare }),
        ...(body.inertiaFrames !== undefined && { inertia_frames: body.inertiaFrames }),
        ...(body.minDwellSeconds !== undefined && { min_dwell_seconds: body.minDwellSeconds }),
        ...(body.minBoxArea !== undefined && { min_box_area: body.minBoxArea }),
        ...(body.maxBoxArea !== undefined && { max_box_area: body.maxBoxArea }),
        ...(body.schedules !== undefined && { schedules: JSON.stringify(body.schedules) }),
        ...(body.cooldownSeconds !== undefined && { cooldown_seconds: body.cooldownSeconds }),
        ...(body.severity !== undefined && { severity: body.severity }),
        ...(body.warningText !== undefined && { warning_text: body.warningText }),
        ...(body.voice !== undefined && { voice: body.voice }),
        ...(body.actions !== undefined && {
          play_on_speaker: body.actions.playOnSpeaker,
          notify_grid_worker: body.actions.notifyGridWorker,
          create_case: body.actions.createCase,
        }),
        ...(body.ladderMinutes !== undefined && { ladder_minutes: body.ladderMinutes }),
        updated_at: this.deps.clock.now(),
      });
      await this.deps.audit.record(tx, actor, meta, { action: 'zone.update', targetType: 'zone', targetId: id, regionPath: camera.region_path, details: body });
    });
    return (await this.zoneViews([(await this.deps.repository.findZone(id))!]))[0]!;
  }

  async removeZone(actor: Actor, id: string, meta: RequestMeta): Promise<void> {
    requirePermission(actor.role, 'cameras.write');
    const { zone, camera } = await this.readableZone(actor, id);
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.deleteZone(tx, id);
      await this.deps.audit.record(tx, actor, meta, { action: 'zone.delete', targetType: 'zone', targetId: id, regionPath: camera.region_path, details: { name: zone.name, cameraId: camera.id } });
    });
  }

  /** A camera's zones as the rule engine takes them (for detectors). */
  async rulesOf(cameraId: string): Promise<{ rules: ZoneRule[]; zones: Map<string, ZoneRow> }> {
    const rows = await this.deps.repository.zonesOf(cameraId);
    return { rules: rows.map(toZoneRule), zones: new Map(rows.map((row) => [row.id, row])) };
  }

  cameraByExternalName(name: string): Promise<CameraRow | undefined> {
    return this.deps.repository.findCameraByExternalName(name);
  }

  cameraForDetection(id: string): Promise<CameraRow | undefined> {
    return this.deps.repository.findCamera(id);
  }

  camerasToDetect(ids?: string[]): Promise<CameraRow[]> {
    return this.deps.repository.camerasToDetect(ids);
  }

  // ---- alarms ---------------------------------------------------------------------------------

  /**
   * Stores an alarm once per (source, camera, zone, track, entry) — a replayed detection finds the
   * one it made — then runs the zone's actions. Returns the alarm id, and whether it is new.
   */
  async raise(input: RaiseInput): Promise<{ id: string; created: boolean }> {
    const camera = await this.deps.repository.findCamera(input.cameraId);
    const zone = await this.deps.repository.findZone(input.zoneId);
    if (!camera || !zone || zone.camera_id !== camera.id) throw new AppError('ZONE_NOT_FOUND');
    const { alarm } = input;
    const dedupeKey = `${input.source}:${camera.id}:${zone.id}:${alarm.trackId}:${alarm.enteredAt.toISOString()}`;
    const existing = await this.deps.repository.findAlarmByDedupeKey(dedupeKey);
    if (existing) return { id: existing.id, created: false };

    const id = randomUUID();
    const speakers = zone.play_on_speaker ? await this.deps.devices.speakersBoundTo(camera.id) : [];
    const snapshotKey = input.snapshot ? `alarms/${monthPath(alarm.at)}/${id}.jpg` : null;
    if (snapshotKey) await this.deps.blobs.put(snapshotKey, input.snapshot!, 'image/jpeg');
    const notifyGridWorkers = zone.notify_grid_worker;
    const inserted = await this.deps.db.transaction().execute(async (tx) => {
      const created = await this.deps.repository.insertAlarm(tx, {
        id,
        dedupe_key: dedupeKey,
        camera_id: camera.id,
        camera_name: camera.name,
        zone_id: zone.id,
        zone_name: zone.name,
        kind: zone.kind,
        severity: zone.severity,
        region_code: camera.region_code,
        region_path: camera.region_path,
        source: input.source,
        track_id: alarm.trackId,
        label: alarm.detection.label,
        score: alarm.score,
        box: JSON.stringify(alarm.detection.box),
        entered_at: alarm.enteredAt,
        raised_at: alarm.at,
        snapshot_key: snapshotKey,
        warning_text: zone.warning_text,
        broadcast_id: speakers.length > 0 ? id : null,
        speaker_ids: speakers.map((s) => s.id),
        state: 'open',
        case_id: null,
        handled_by: null,
        handled_by_name: null,
        handled_at: null,
        note: null,
      });
      if (!created) return false;
      const workers = notifyGridWorkers ? await this.deps.accounts.contactsWithin(camera.region_path, ['grid_worker'], tx) : [];
      await this.deps.notifications.notify(
        tx,
        workers.map((w) => ({
          userId: w.id,
          kind: 'alarm.raised',
          title: `${kindLabel[zone.kind]}告警：${camera.name}`,
          body: `${zone.name}发现${objectLabel(alarm.detection.label)}，请及时查看处置。`,
          caseId: null,
          severity: 'high',
          url: alarmPath(id),
        })),
      );
      await this.record(tx, id, 'raised', { recipients: workers.map((w) => ({ userId: w.id, name: w.name, role: w.role, channels: ['app'] })) });
      // The ladder's first step, in the alarm's own transaction: it survives a restart.
      const ladder = zone.ladder_minutes ?? this.deps.ladderMinutes;
      await this.scheduleStep(tx, id, 1, ladder, this.deps.clock.now());
      return true;
    });
    if (!inserted) {
      if (snapshotKey) await this.deps.blobs.delete(snapshotKey);
      return { id: (await this.deps.repository.findAlarmByDedupeKey(dedupeKey))!.id, created: false };
    }

    // The warning first: it is what keeps someone out of the water.
    if (speakers.length > 0) {
      try {
        await this.deps.broadcasts.alarm({
          id,
          deviceIds: speakers.map((s) => s.id),
          text: zone.warning_text,
          title: `${kindLabel[zone.kind]}告警 ${camera.name}`.slice(0, 100),
          sourceRef: `alarm:${id}`,
        });
      } catch (error) {
        this.deps.logger.error({ err: error, alarmId: id }, 'safe village: the warning could not be broadcast');
      }
    }
    this.events.emit('alarm.raised', { alarmId: id, regionPath: camera.region_path });
    if (zone.create_case) {
      try {
        await this.openCase(id, null);
      } catch (error) {
        this.deps.logger.error({ err: error, alarmId: id }, 'safe village: the case could not be opened');
      }
    }
    this.deps.logger.info({ alarmId: id, camera: camera.id, zone: zone.name, source: input.source, speakers: speakers.length }, `safe village: alarm at ${camera.name} ${zone.name}`);
    const row = (await this.deps.repository.findAlarm(id))!;
    await this.deps.live.publish({ event: 'alarm.raised', regionPath: row.region_path, data: (await this.alarmViews([row]))[0] });
    return { id, created: true };
  }

  /**
   * A speaker's delivery of a broadcast changed: when the broadcast is an alarm's warning, the
   * screens showing the alarm learn whether it played.
   */
  async warningDeliveryChanged(broadcastId: string): Promise<void> {
    const row = await this.deps.repository.findAlarm(broadcastId);
    if (!row || row.broadcast_id !== broadcastId) return;
    await this.deps.live.publish({ event: 'alarm.updated', regionPath: row.region_path, data: (await this.alarmViews([row]))[0] });
  }

  async listAlarms(actor: Actor, query: ListAlarmsQuery) {
    requirePermission(actor.role, 'cameras.read');
    const { page, pageSize, from, to, ...filter } = query;
    const { rows, total } = await this.deps.repository.listAlarms(
      actor.scope,
      { ...filter, from: from ? new Date(from) : undefined, to: to ? new Date(to) : undefined },
      { page, pageSize },
    );
    return { items: await this.alarmViews(rows), total, page, pageSize };
  }

  async getAlarm(actor: Actor, id: string): Promise<AlarmView> {
    requirePermission(actor.role, 'cameras.read');
    return (await this.alarmViews([await this.readableAlarm(actor, id)]))[0]!;
  }

  /** The alarm with where its camera stands and its history (the h5 alarm page). */
  async alarmDetail(actor: Actor, id: string): Promise<AlarmDetail> {
    requirePermission(actor.role, 'cameras.read');
    const row = await this.readableAlarm(actor, id);
    const [view, camera, events] = await Promise.all([
      this.alarmViews([row]),
      row.camera_id ? this.deps.repository.findCamera(row.camera_id) : undefined,
      this.deps.repository.alarmEvents(id),
    ]);
    return {
      ...view[0]!,
      location: camera && camera.lon !== null && camera.lat !== null ? { lon: camera.lon, lat: camera.lat } : null,
      history: events.map((event) => ({
        at: event.at.toISOString(),
        kind: event.kind,
        step: event.step,
        actorName: event.actor_name,
        recipients: event.recipients,
        note: event.note,
      })),
    };
  }

  /**
   * 再次喊话: the zone's warning once more on the camera's loudspeakers, now, through the same
   * alarm-priority broadcast the alarm used (a new broadcast, so its playback is its own).
   */
  async warnAgain(actor: Actor, id: string, meta: RequestMeta): Promise<{ broadcastId: string; speakerIds: string[] }> {
    requirePermission(actor.role, 'alarms.handle');
    const alarm = await this.readableAlarm(actor, id);
    const speakerIds =
      alarm.speaker_ids.length > 0 ? alarm.speaker_ids : alarm.camera_id ? (await this.deps.devices.speakersBoundTo(alarm.camera_id)).map((s) => s.id) : [];
    if (speakerIds.length === 0) throw new AppError('ALARM_NO_SPEAKER');
    const broadcastId = randomUUID();
    await this.deps.broadcasts.alarm({
      id: broadcastId,
      deviceIds: speakerIds,
      text: alarm.warning_text,
      title: `再次喊话 ${alarm.camera_name}`.slice(0, 100),
      sourceRef: `alarm:${id}`,
    });
    await this.deps.db.transaction().execute(async (tx) => {
      await this.record(tx, id, 'warned_again', { actor });
      await this.deps.audit.record(tx, actor, meta, { action: 'alarm.warn_again', targetType: 'alarm', targetId: id, regionPath: alarm.region_path, details: { broadcastId, speakerIds } });
    });
    return { broadcastId, speakerIds };
  }

  acknowledge(actor: Actor, id: string, note: string | undefined, meta: RequestMeta): Promise<AlarmView> {
    return this.handle(actor, id, 'acknowledged', note, meta);
  }

  /** Kept (never deleted) so the zone's false-positive rate can guide its tuning. */
  markFalsePositive(actor: Actor, id: string, note: string | undefined, meta: RequestMeta): Promise<AlarmView> {
    return this.handle(actor, id, 'false_positive', note, meta);
  }

  async toCase(actor: Actor, id: string, body: { categoryCode?: string; note?: string }, meta: RequestMeta): Promise<AlarmView> {
    requirePermission(actor.role, 'alarms.handle');
    const alarm = await this.readableAlarm(actor, id);
    if (alarm.state !== 'open' && alarm.state !== 'acknowledged') throw new AppError('ALARM_ALREADY_HANDLED');
    await this.openCase(id, actor, body.categoryCode, body.note);
    await this.deps.audit.record(this.deps.db, actor, meta, { action: 'alarm.case', targetType: 'alarm', targetId: id, regionPath: alarm.region_path, details: body });
    return this.afterChange(actor, id);
  }

  async alarmSnapshot(id: string, exp: string | undefined, sig: string | undefined): Promise<{ body: Buffer; maxAgeSeconds: number }> {
    this.checkSignature(`/api/alarms/${id}/snapshot`, exp, sig);
    const alarm = await this.deps.repository.findAlarm(id);
    if (!alarm) throw new AppError('ALARM_NOT_FOUND');
    const blob = alarm.snapshot_key ? await this.deps.blobs.get(alarm.snapshot_key) : undefined;
    if (!blob) throw new AppError('ALARM_NO_SNAPSHOT');
    return { body: blob.body, maxAgeSeconds: Math.min(this.deps.signer.secondsLeft(exp!), 86_400) };
  }

  async stats(actor: Actor, query: { village?: string; from?: string; to?: string }): Promise<AlarmStats> {
    requirePermission(actor.role, 'cameras.read');
    const { cameraCounts, totals, byKind, byZone } = await this.deps.repository.alarmStats(actor.scope, {
      village: query.village,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
    });
    return {
      cameras: { total: Number(cameraCounts.total), online: Number(cameraCounts.online), enabled: Number(cameraCounts.enabled) },
      alarms: { total: Number(totals.total), open: Number(totals.open), falsePositive: Number(totals.false_positive) },
      byKind: byKind.map((row) => ({ kind: row.kind, count: Number(row.n) })),
      byZone: byZone.map((row) => ({
        zoneId: row.zone_id,
        zoneName: row.zone_name,
        cameraName: row.camera_name,
        alarms: Number(row.alarms),
        falsePositives: Number(row.false_positives),
        falsePositiveRate: Number(row.handled) > 0 ? Number(row.false_positives) / Number(row.handled) : null,
      })),
    };
  }

  /**
   * A camera's own AI reports objects (HTTP webhook). Authenticated by the camera's webhook secret;
   * boxes in pixels of `frameSize` (or of the camera's registered size) or already normalised.
   */
  async verifyWebhookSecret(cameraId: string, secret: string | undefined): Promise<CameraRow> {
    const camera = await this.deps.repository.findCamera(cameraId);
    const given = Buffer.from(hashSecret(secret ?? ''), 'hex');
    const expected = Buffer.from(camera?.webhook_secret_hash ?? hashSecret(randomBytes(16).toString('hex')), 'hex');
    if (!camera || !secret || !timingSafeEqual(given, expected)) throw new AppError('CAMERA_SECRET_INVALID');
    return camera;
  }

  /** Signed picture URLs, for other modules' views (the big screen). */
  cameraSnapshotUrl(cameraId: string): string {
    return this.deps.signer.sign(`/api/cameras/${cameraId}/snapshot`, URL_TTL_SECONDS).url;
  }

  alarmSnapshotUrl(alarmId: string): string {
    return this.deps.signer.sign(`/api/alarms/${alarmId}/snapshot`, URL_TTL_SECONDS).url;
  }

  // ---- inside ---------------------------------------------------------------------------------

  private async record(
    tx: Db,
    alarmId: string,
    kind: AlarmEventKind,
    event: { actor?: Actor | null; step?: number; recipients?: AlarmRecipient[]; note?: string | null },
  ): Promise<void> {
    const row: NewAlarmEvent = {
      alarm_id: alarmId,
      at: this.deps.clock.now(),
      kind,
      step: event.step ?? null,
      actor_id: event.actor?.userId ?? null,
      actor_name: event.actor?.name ?? null,
      recipients: event.recipients ?? [],
      note: event.note ?? null,
    };
    await this.deps.repository.insertAlarmEvent(tx, row);
  }

  private async scheduleStep(tx: Db, alarmId: string, step: number, ladder: number[], from: Date): Promise<void> {
    const minutes = ladder[step - 1];
    if (minutes === undefined || step > ladderSteps.length) return;
    await this.deps.jobs.schedule(tx, {
      kind: LADDER_JOB,
      runAt: new Date(from.getTime() + minutes * 60_000),
      payload: { alarmId, step },
      dedupeKey: `alarm-ladder:${alarmId}:${step}`,
    });
  }

  /**
   * One step of the ladder, in its job's transaction: unless someone has acknowledged (or otherwise
   * handled) the alarm, this step's people are told in the app (high severity, so quiet hours do not
   * hold it) and by SMS, the step is recorded on the alarm, and the next one is scheduled.
   */
  private async escalate(tx: Db, alarmId: string, step: number, now: Date): Promise<void> {
    await this.deps.repository.lockAlarm(tx, alarmId);
    const alarm = await this.deps.repository.findAlarm(alarmId, tx);
    if (!alarm || alarm.handled_at !== null || alarm.state === 'acknowledged' || alarm.state === 'false_positive' || alarm.ladder_step >= step) return;
    const target = ladderSteps[step - 1];
    if (!target) return;
    const segments = alarm.region_path.split('/').filter(Boolean);
    const pathOf = (depth: number) => (segments.length >= depth ? `/${segments.slice(0, depth).join('/')}/` : null);
    let note: string | null = null;
    let people: { id: string; name: string; phone: string; role: AlarmRecipient['role'] }[] = [];
    if (target === 'grid_workers') {
      people = await this.deps.accounts.contactsWithin(alarm.region_path, ['grid_worker'], tx);
    } else if (target === 'village_cadres') {
      const village = pathOf(3);
      people = village ? await this.deps.accounts.contactsWithin(village, ['village_cadre', 'branch_secretary'], tx) : [];
    } else {
      people = (await this.deps.duty.onDuty(alarm.region_path, now, tx)).map((p) => ({ id: p.userId, name: p.name, phone: p.phone, role: 'township_staff' as const }));
      const township = pathOf(2);
      if (people.length === 0 && township) {
        // Nobody on the roster today: the township's staff, rather than nobody.
        people = await this.deps.accounts.contactsWithin(township, ['township_staff'], tx);
        note = '今日未排值班，已通知乡镇全体工作人员';
      }
    }
    people = [...new Map(people.map((p) => [p.id, p])).values()];
    const waited = Math.max(1, Math.round((now.getTime() - alarm.raised_at.getTime()) / 60_000));
    await this.deps.notifications.notify(
      tx,
      people.map((p) => ({
        userId: p.id,
        kind: 'alarm.escalated',
        title: `告警升级（${stepLabel[target]}）：${alarm.camera_name}`,
        body: `${alarm.zone_name}的${kindLabel[alarm.kind]}告警已 ${waited} 分钟无人确认，请立即查看处置。`,
        caseId: null,
        severity: 'high',
        url: alarmPath(alarmId),
      })),
    );
    const texted = new Set(await this.deps.smsWanted(people.map((p) => p.id)));
    for (const p of people.filter((person) => texted.has(person.id))) {
      await this.deps.sms.enqueue(tx, {
        phone: p.phone,
        template: 'alarm',
        params: {
          place: `${alarm.camera_name}${alarm.zone_name}`.slice(0, 20),
          kind: `${kindLabel[alarm.kind]}告警`.slice(0, 10),
          time: alarm.raised_at.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }),
        },
        regionPath: alarm.region_path,
        reference: `alarm:${alarmId}:${step}`,
      });
    }
    await this.deps.repository.updateAlarm(tx, alarmId, { ladder_step: step });
    await this.record(tx, alarmId, 'escalated', {
      step,
      recipients: people.map((p) => ({ userId: p.id, name: p.name, role: p.role, channels: texted.has(p.id) ? ['app', 'sms'] : ['app'] })),
      note,
    });
    const zone = alarm.zone_id ? await this.deps.repository.findZone(alarm.zone_id, tx) : undefined;
    await this.scheduleStep(tx, alarmId, step + 1, zone?.ladder_minutes ?? this.deps.ladderMinutes, now);
    // Sent at commit, so screens learn of the step only once it has happened.
    const row = (await this.deps.repository.findAlarm(alarmId, tx))!;
    await this.deps.live.publish({ event: 'alarm.updated', regionPath: row.region_path, data: (await this.alarmViews([row]))[0] }, tx);
    this.deps.logger.info({ alarmId, step, told: people.length }, `safe village: alarm escalated to ${target}`);
  }

  private async handle(actor: Actor, id: string, state: 'acknowledged' | 'false_positive', note: string | undefined, meta: RequestMeta): Promise<AlarmView> {
    requirePermission(actor.role, 'alarms.handle');
    const alarm = await this.readableAlarm(actor, id);
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.lockAlarm(tx, id);
      const current = (await this.deps.repository.findAlarm(id, tx))!;
      // Acknowledging twice is a harmless retry; anything else after handling is a conflict.
      if (current.state === state) return;
      if (current.state !== 'open' && !(current.state === 'acknowledged' && state === 'false_positive')) throw new AppError('ALARM_ALREADY_HANDLED');
      await this.deps.repository.updateAlarm(tx, id, {
        state,
        handled_by: actor.userId,
        handled_by_name: actor.name,
        handled_at: this.deps.clock.now(),
        note: note ?? current.note,
      });
      await this.record(tx, id, state, { actor, note: note ?? null });
      const handled: AlarmHandledPayload = { alarmId: id, state, handlerId: actor.userId, regionPath: alarm.region_path };
      await this.deps.jobs.schedule(tx, { kind: ALARM_HANDLED_JOB, runAt: this.deps.clock.now(), payload: { ...handled }, dedupeKey: `${ALARM_HANDLED_JOB}:${id}:${state}` });
      await this.deps.audit.record(tx, actor, meta, { action: `alarm.${state}`, targetType: 'alarm', targetId: id, regionPath: alarm.region_path, details: { note: note ?? null } });
    });
    return this.afterChange(actor, id);
  }

  private async afterChange(actor: Actor, id: string): Promise<AlarmView> {
    const row = (await this.deps.repository.findAlarm(id))!;
    const view = (await this.alarmViews([row]))[0]!;
    await this.deps.live.publish({ event: 'alarm.updated', regionPath: row.region_path, data: view });
    return isWithin(actor.scope, row.region_path) ? view : this.getAlarm(actor, id);
  }

  /** Opens the alarm's case (id derived from the alarm, so a retry finds the same case). */
  private async openCase(alarmId: string, actor: Actor | null, categoryCode?: string, note?: string): Promise<void> {
    const alarm = (await this.deps.repository.findAlarm(alarmId))!;
    const camera = alarm.camera_id ? await this.deps.repository.findCamera(alarm.camera_id) : undefined;
    const caseId = uuidFrom(`alarm-case:${alarmId}`);
    const time = alarm.raised_at.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
    const description = [
      `【AI告警·${kindLabel[alarm.kind]}】${alarm.camera_name}「${alarm.zone_name}」于 ${time} 发现${objectLabel(alarm.label)}进入警戒区域（置信度 ${alarm.score.toFixed(2)}）。`,
      note ? `处置说明：${note}` : '',
    ]
      .filter(Boolean)
      .join('\n');
    const { id } = await this.deps.cases.submitFromAlarm({
      id: caseId,
      categoryCode: categoryCode ?? caseCategoryOf[alarm.kind],
      description,
      regionCode: alarm.region_code,
      location: camera && camera.lon !== null && camera.lat !== null ? { lon: camera.lon, lat: camera.lat } : null,
      reporter: actor,
    });
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.updateAlarm(tx, alarmId, {
        state: 'case_created',
        case_id: id,
        ...(actor && { handled_by: actor.userId, handled_by_name: actor.name, handled_at: this.deps.clock.now(), note: note ?? null }),
      });
      await this.record(tx, alarmId, 'case_created', { actor, note: note ?? null });
    });
  }

  private async readableCamera(actor: Actor, id: string): Promise<CameraRow> {
    const row = await this.deps.repository.findCameraInScope(actor.scope, id);
    if (!row) throw new AppError('CAMERA_NOT_FOUND');
    return row;
  }

  private async readableZone(actor: Actor, id: string): Promise<{ zone: ZoneRow; camera: CameraRow }> {
    const zone = await this.deps.repository.findZone(id);
    const camera = zone && (await this.deps.repository.findCameraInScope(actor.scope, zone.camera_id));
    if (!zone || !camera) throw new AppError('ZONE_NOT_FOUND');
    return { zone, camera };
  }

  private async readableAlarm(actor: Actor, id: string): Promise<AlarmRow> {
    const row = await this.deps.repository.findAlarmInScope(actor.scope, id);
    if (!row) throw new AppError('ALARM_NOT_FOUND');
    return row;
  }

  private async placeFor(actor: Actor, code: string, field: string) {
    const place = await this.deps.regions.placeOf(code);
    if (!place || !isWithin(actor.scope, place.region.path)) throw new AppError('REGION_NOT_FOUND', { detail: { zh: code, en: code } });
    if (!place.village) throw fieldError(field, '摄像头须设在村或网格', 'a camera belongs to a village or a grid');
    return place;
  }

  private async nextCameraId(villageCode: string): Promise<string> {
    const prefix = `cam-${villageCode.toLowerCase()}-`;
    const taken = new Set(await this.deps.repository.cameraIdsStartingWith(prefix));
    for (let n = 1; ; n++) {
      const id = `${prefix}${String(n).padStart(2, '0')}`;
      if (!taken.has(id)) return id;
    }
  }

  private checkSignature(pathname: string, exp: string | undefined, sig: string | undefined): void {
    const check = this.deps.signer.verify(pathname, exp, sig);
    if (check === 'invalid') throw new AppError('SIGNED_URL_INVALID');
    if (check === 'expired') throw new AppError('SIGNED_URL_EXPIRED');
  }

  private async cameraViews(rows: CameraRow[]): Promise<CameraView[]> {
    const ids = rows.map((row) => row.id);
    const [counts, speakers] = await Promise.all([
      this.deps.repository.cameraCounts(ids),
      Promise.all(ids.map((id) => this.deps.devices.speakersBoundTo(id))),
    ]);
    return rows.map((row, index) => ({
      id: row.id,
      name: row.name,
      regionCode: row.region_code,
      regionName: row.region_name,
      location: row.lon !== null && row.lat !== null ? { lon: row.lon, lat: row.lat } : null,
      streamUrl: maskStreamUrl(row.stream_url),
      detect: row.detect,
      detectFps: row.detect_fps,
      externalName: row.external_name,
      frameSize: row.frame_width && row.frame_height ? { width: row.frame_width, height: row.frame_height } : null,
      speakers: speakers[index]!.map((s) => ({ id: s.id, name: s.name, online: s.online })),
      enabled: row.enabled,
      online: row.online,
      onlineChangedAt: row.online_changed_at?.toISOString() ?? null,
      lastFrameAt: row.last_frame_at?.toISOString() ?? null,
      lastError: row.last_error,
      zoneCount: counts.get(row.id)?.zones ?? 0,
      openAlarms: counts.get(row.id)?.openAlarms ?? 0,
      snapshotUrl: this.deps.signer.sign(`/api/cameras/${row.id}/snapshot`, URL_TTL_SECONDS).url,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    }));
  }

  private async zoneViews(rows: ZoneRow[]): Promise<ZoneView[]> {
    const counts = await this.deps.repository.zoneAlarmCounts(rows.map((row) => row.id));
    return rows.map((row) => {
      const count = counts.get(row.id);
      return {
        // The rule fields read the same as the rule engine takes them.
        ...toZoneRule(row),
        cameraId: row.camera_id,
        name: row.name,
        kind: row.kind,
        severity: row.severity,
        warningText: row.warning_text,
        voice: row.voice,
        actions: { playOnSpeaker: row.play_on_speaker, notifyGridWorker: row.notify_grid_worker, createCase: row.create_case },
        ladderMinutes: row.ladder_minutes,
        falsePositiveRate: count && count.handled > 0 ? count.falsePositives / count.handled : null,
        alarmCount: count?.alarms ?? 0,
        createdAt: row.created_at.toISOString(),
        updatedAt: row.updated_at.toISOString(),
      };
    });
  }

  private async alarmViews(rows: AlarmRow[]): Promise<AlarmView[]> {
    const states = await this.deps.broadcasts.deliveryStates(rows.flatMap((row) => (row.broadcast_id ? [row.broadcast_id] : [])));
    return rows.map((row) => ({
      id: row.id,
      cameraId: row.camera_id,
      cameraName: row.camera_name,
      zoneId: row.zone_id,
      zoneName: row.zone_name,
      kind: row.kind,
      severity: row.severity,
      regionCode: row.region_code,
      regionName: row.region_name,
      source: row.source,
      trackId: row.track_id,
      label: row.label,
      score: row.score,
      box: row.box,
      enteredAt: row.entered_at.toISOString(),
      raisedAt: row.raised_at.toISOString(),
      snapshotUrl: row.snapshot_key ? this.deps.signer.sign(`/api/alarms/${row.id}/snapshot`, URL_TTL_SECONDS).url : null,
      warningText: row.warning_text,
      speaker: {
        playback: row.broadcast_id ? playbackOf(states.get(row.broadcast_id) ?? []) : 'none',
        broadcastId: row.broadcast_id,
        speakerIds: row.speaker_ids,
      },
      state: row.state,
      caseId: row.case_id,
      handledBy: row.handled_by_name,
      handledAt: row.handled_at?.toISOString() ?? null,
      note: row.note,
      ladderStep: row.ladder_step,
    }));
  }
}

/** One word for the speakers' deliveries of a warning: played once any speaker finished it. */
export function playbackOf(states: DeliveryState[]): SpeakerPlayback {
  if (states.length === 0) return 'pending';
  if (states.includes('finished')) return 'played';
  if (states.some((s) => s === 'playing' || s === 'received')) return 'playing';
  if (states.every((s) => s === 'failed' || s === 'expired' || s === 'cancelled')) return 'failed';
  return 'pending';
}

export function toZoneRule(row: ZoneRow): ZoneRule {
  return {
    id: row.id,
    enabled: row.enabled,
    polygon: row.polygon,
    objectClass: row.object_class,
    minScore: row.min_score,
    anchor: row.anchor,
    minBoxShare: row.min_box_share,
    inertiaFrames: row.inertia_frames,
    minDwellSeconds: row.min_dwell_seconds,
    minBoxArea: row.min_box_area,
    maxBoxArea: row.max_box_area,
    schedules: row.schedules,
    cooldownSeconds: row.cooldown_seconds,
  };
}

/** The h5 alarm page, where an alarm's notifications (and their Web Push) open. */
const alarmPath = (alarmId: string) => `/h5/alarms/${alarmId}`;
const latestKey = (cameraId: string) => `cameras/${cameraId}/latest.jpg`;
const monthPath = (at: Date) => `${at.getUTCFullYear()}/${String(at.getUTCMonth() + 1).padStart(2, '0')}`;

/** A stable UUID (v4 layout) derived from a name, so a derived record is found again on retry. */
function uuidFrom(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
