import { z } from 'zod';
import { pageOf, pageQuery } from '../../platform/http/pagination.js';
import { regionCode } from '../regions/regions.schema.js';

export const zoneKinds = ['drowning', 'straw_burning', 'dumping', 'security', 'other'] as const;
export const anchors = ['bottom_center', 'center', 'box_share'] as const;
export const severities = ['info', 'warning', 'critical'] as const;
export const alarmStates = ['open', 'acknowledged', 'false_positive', 'case_created'] as const;
export const alarmSources = ['detector', 'frigate', 'webhook'] as const;

/** What each kind of zone says by default: the seed's fish-pond warning first. */
export const defaultWarningText: Record<(typeof zoneKinds)[number], string> = {
  drowning: '您已进入危险水域，请尽快撤离。',
  straw_burning: '此处禁止焚烧秸秆，请立即停止。',
  dumping: '此处禁止倾倒垃圾，请将垃圾投放到指定地点。',
  security: '您已进入监控区域，请勿逗留。',
  other: '您已进入警戒区域，请尽快离开。',
};

export const cameraId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{2,63}$/, '摄像头编号为 3–64 位小写字母、数字、- 或 _ / a camera id has 3–64 lower-case letters, digits, - or _');

const unit = z.number().min(0).max(1);
export const point = z.tuple([unit, unit]);
const polygon = z.array(point).min(3, '多边形至少 3 个点 / a polygon has at least 3 points').max(64);
const location = z.strictObject({ lon: z.number().min(-180).max(180), lat: z.number().min(-90).max(90) });
const hhmm = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$/, '时间格式为 HH:MM / a time is HH:MM');

export const zoneSchedule = z.strictObject({
  days: z.array(z.number().int().min(1).max(7)).min(1).max(7).optional().describe('ISO weekdays, 1 = Monday; absent = every day'),
  start: hhmm,
  end: hhmm.describe('at or before start: the window runs past midnight'),
  months: z.array(z.number().int().min(1).max(12)).min(1).max(12).optional().describe('e.g. [6,7,8,9] for the flood season; absent = all year'),
});

const streamUrl = z
  .string()
  .trim()
  .min(1)
  .max(500)
  .refine((url) => /^(rtsp|rtsps|http|https):\/\//.test(url) || url.startsWith('/'), {
    message: '视频地址须为 rtsp://、http(s):// 或服务器上的绝对路径 / the stream is an rtsp://, http(s):// URL or an absolute file path on the server',
  });

export const cameraParams = z.strictObject({ id: cameraId });
export const zoneParams = z.strictObject({ id: z.uuid() });
export const alarmParams = z.strictObject({ id: z.uuid() });

export const listCamerasQuery = z.strictObject({
  village: regionCode.optional().describe('cameras in this village (or grid) and below'),
  online: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  q: z.string().trim().min(1).max(50).optional().describe('part of the name or id'),
  ...pageQuery,
});

const cameraFields = {
  name: z.string().trim().min(1).max(100),
  regionCode: regionCode.describe('the village or grid it watches'),
  location: location.nullable(),
  streamUrl: streamUrl.nullable().describe('rtsp://user:pass@host/… — null for a camera that only sends its own detections'),
  detect: z.boolean().describe('the built-in person detector reads the stream'),
  detectFps: z.number().min(0.2).max(10).describe('frames per second the detector looks at (default 2)'),
  externalName: z.string().trim().min(1).max(64).nullable().describe('its name in Frigate’s MQTT events (after.camera)'),
  frameSize: z.strictObject({ width: z.number().int().min(16).max(8192), height: z.number().int().min(16).max(8192) }).nullable().describe('pixel size of external detections’ boxes'),
  speakerIds: z.array(z.string().min(3).max(64)).max(10).describe('the loudspeakers beside it that speak its warnings'),
  enabled: z.boolean(),
};

export const createCameraBody = z.strictObject({
  id: cameraId.optional().describe('default: cam-<village code>-<nn>'),
  ...cameraFields,
  location: cameraFields.location.default(null),
  streamUrl: cameraFields.streamUrl.default(null),
  detect: cameraFields.detect.default(true),
  detectFps: cameraFields.detectFps.default(2),
  externalName: cameraFields.externalName.default(null),
  frameSize: cameraFields.frameSize.default(null),
  speakerIds: cameraFields.speakerIds.default([]),
  enabled: cameraFields.enabled.default(true),
});

export const updateCameraBody = z
  .strictObject({
    name: cameraFields.name.optional(),
    regionCode: cameraFields.regionCode.optional(),
    location: cameraFields.location.optional(),
    streamUrl: cameraFields.streamUrl.optional(),
    detect: cameraFields.detect.optional(),
    detectFps: cameraFields.detectFps.optional(),
    externalName: cameraFields.externalName.optional(),
    frameSize: cameraFields.frameSize.optional(),
    speakerIds: cameraFields.speakerIds.optional(),
    enabled: cameraFields.enabled.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: '至少修改一个字段 / change at least one field' });

export const cameraView = z.object({
  id: z.string(),
  name: z.string(),
  regionCode: z.string(),
  regionName: z.string(),
  location: z.object({ lon: z.number(), lat: z.number() }).nullable(),
  streamUrl: z.string().nullable().describe('the password, if any, is shown as ***'),
  detect: z.boolean(),
  detectFps: z.number(),
  externalName: z.string().nullable(),
  frameSize: z.object({ width: z.number().int(), height: z.number().int() }).nullable(),
  speakers: z.array(z.object({ id: z.string(), name: z.string(), online: z.boolean() })),
  enabled: z.boolean(),
  online: z.boolean().describe('frames (or detections) arrived recently'),
  onlineChangedAt: z.string().nullable(),
  lastFrameAt: z.string().nullable(),
  lastError: z.string().nullable(),
  zoneCount: z.number().int(),
  openAlarms: z.number().int(),
  snapshotUrl: z.string().describe('the latest picture (JPEG), with your token'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const cameraPage = pageOf(cameraView);
export const cameraCreated = z.object({
  camera: cameraView,
  webhookSecret: z.string().describe('shown once: the camera’s own AI signs its webhook calls with it'),
});

const zoneFields = {
  name: z.string().trim().min(1).max(50),
  kind: z.enum(zoneKinds).describe('drowning 防溺水, straw_burning 秸秆禁烧, dumping 乱倒垃圾, security 治安巡防, other'),
  enabled: z.boolean(),
  polygon: polygon.describe('normalised [x, y] points on the camera picture, 0–1 from the top left'),
  objectClass: z.string().trim().min(1).max(30).describe('COCO class, person by default'),
  minScore: unit.describe('lowest detector score that counts'),
  anchor: z.enum(anchors).describe('which point of the box must be inside: bottom_center (the feet), center, or box_share'),
  minBoxShare: unit.describe('for box_share: share of the box inside the zone'),
  inertiaFrames: z.number().int().min(1).max(50).describe('frames in a row before an object counts as inside (or outside again)'),
  minDwellSeconds: z.number().int().min(0).max(3600),
  minBoxArea: unit.describe('smallest box, as a share of the picture'),
  maxBoxArea: unit,
  schedules: z.array(zoneSchedule).max(10).describe('when the zone is armed; empty = always'),
  cooldownSeconds: z.number().int().min(0).max(86_400).describe('after an alarm, this zone stays quiet this long'),
  severity: z.enum(severities),
  warningText: z.string().trim().min(1).max(200).describe('what the speaker says'),
  voice: z.string().max(20).nullable(),
  actions: z.strictObject({
    playOnSpeaker: z.boolean(),
    notifyGridWorker: z.boolean(),
    createCase: z.boolean(),
  }),
  ladderMinutes: z
    .array(z.number().positive().max(1440))
    .min(1)
    .max(3)
    .nullable()
    .describe('minutes before each escalation step of an unacknowledged alarm (grid workers, village cadres, the duty officer); null: the township default'),
};

const boxAreaOrder = (z: { minBoxArea?: number; maxBoxArea?: number }) =>
  z.minBoxArea === undefined || z.maxBoxArea === undefined || z.minBoxArea <= z.maxBoxArea;
const boxAreaMessage = { message: '最小面积不能大于最大面积 / minBoxArea must not exceed maxBoxArea', path: ['minBoxArea'] };

export const createZoneBody = z
  .strictObject({
    ...zoneFields,
    kind: zoneFields.kind.default('drowning'),
    enabled: zoneFields.enabled.default(true),
    objectClass: zoneFields.objectClass.default('person'),
    minScore: zoneFields.minScore.default(0.5),
    anchor: zoneFields.anchor.default('bottom_center'),
    minBoxShare: zoneFields.minBoxShare.default(0.5),
    inertiaFrames: zoneFields.inertiaFrames.default(2),
    minDwellSeconds: zoneFields.minDwellSeconds.default(0),
    minBoxArea: zoneFields.minBoxArea.default(0),
    maxBoxArea: zoneFields.maxBoxArea.default(1),
    schedules: zoneFields.schedules.default([]),
    cooldownSeconds: zoneFields.cooldownSeconds.default(60),
    severity: zoneFields.severity.default('warning'),
    warningText: zoneFields.warningText.optional().describe('default: the kind’s standard warning'),
    voice: zoneFields.voice.default(null),
    actions: zoneFields.actions.default({ playOnSpeaker: true, notifyGridWorker: true, createCase: false }),
    ladderMinutes: zoneFields.ladderMinutes.default(null),
  })
  .refine(boxAreaOrder, boxAreaMessage);

export const updateZoneBody = z
  .strictObject(Object.fromEntries(Object.entries(zoneFields).map(([k, v]) => [k, v.optional()])) as { [K in keyof typeof zoneFields]: z.ZodOptional<(typeof zoneFields)[K]> })
  .refine((body) => Object.keys(body).length > 0, { message: '至少修改一个字段 / change at least one field' })
  .refine(boxAreaOrder, boxAreaMessage);

export const zoneView = z.object({
  id: z.uuid(),
  cameraId: z.string(),
  ...zoneFields,
  falsePositiveRate: z.number().nullable().describe('false positives / handled alarms of this zone; null before any is handled'),
  alarmCount: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const zoneList = z.object({ items: z.array(zoneView) });

export const listAlarmsQuery = z.strictObject({
  cameraId: cameraId.optional(),
  zoneId: z.uuid().optional(),
  village: regionCode.optional(),
  state: z.enum(alarmStates).optional(),
  kind: z.enum(zoneKinds).optional(),
  severity: z.enum(severities).optional(),
  source: z.enum(alarmSources).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  ...pageQuery,
});

export const speakerPlayback = z.enum(['none', 'pending', 'playing', 'played', 'failed']);

export const alarmView = z.object({
  id: z.uuid(),
  cameraId: z.string().nullable(),
  cameraName: z.string(),
  zoneId: z.uuid().nullable(),
  zoneName: z.string(),
  kind: z.enum(zoneKinds),
  severity: z.enum(severities),
  regionCode: z.string(),
  regionName: z.string(),
  source: z.enum(alarmSources),
  trackId: z.string(),
  label: z.string(),
  score: z.number(),
  box: z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() }),
  enteredAt: z.string(),
  raisedAt: z.string(),
  snapshotUrl: z.string().nullable().describe('the frame with the box and zone drawn (JPEG), with your token'),
  warningText: z.string(),
  speaker: z.object({
    playback: speakerPlayback.describe('none: no speaker bound or the zone does not speak'),
    broadcastId: z.uuid().nullable(),
    speakerIds: z.array(z.string()),
  }),
  state: z.enum(alarmStates),
  caseId: z.uuid().nullable(),
  handledBy: z.string().nullable(),
  handledAt: z.string().nullable(),
  note: z.string().nullable(),
  ladderStep: z.number().int().describe('the last escalation step reached: 0 none, 1 grid workers, 2 village cadres, 3 the duty officer'),
});
export const alarmPage = pageOf(alarmView);

export const alarmEventKinds = ['raised', 'escalated', 'acknowledged', 'false_positive', 'case_created', 'warned_again'] as const;
export const alarmEvent = z.object({
  at: z.string(),
  kind: z.enum(alarmEventKinds),
  step: z.number().int().nullable(),
  actorName: z.string().nullable(),
  recipients: z.array(
    z.object({
      userId: z.string(),
      name: z.string(),
      role: z.string(),
      channels: z.array(z.enum(['app', 'sms'])).describe('app: in-app notification (and Web Push where subscribed); sms: a text'),
    }),
  ),
  note: z.string().nullable(),
});
export const alarmDetail = alarmView.extend({
  location: z.object({ lon: z.number(), lat: z.number() }).nullable().describe('where the camera stands'),
  history: z.array(alarmEvent).describe('raised, each escalation step with who was told how, and every action, oldest first'),
});
export const warnAgainResult = z.object({ broadcastId: z.uuid(), speakerIds: z.array(z.string()) });

export const handleAlarmBody = z.strictObject({ note: z.string().trim().max(500).optional() });
export const alarmToCaseBody = z.strictObject({
  categoryCode: z.string().trim().min(1).max(50).optional().describe('default: the zone kind’s usual category'),
  note: z.string().trim().max(500).optional(),
});

export const alarmStatsQuery = z.strictObject({
  village: regionCode.optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});
export const alarmStats = z.object({
  cameras: z.object({ total: z.number().int(), online: z.number().int(), enabled: z.number().int() }),
  alarms: z.object({ total: z.number().int(), open: z.number().int(), falsePositive: z.number().int() }),
  byKind: z.array(z.object({ kind: z.enum(zoneKinds), count: z.number().int() })),
  byZone: z.array(
    z.object({
      zoneId: z.uuid().nullable(),
      zoneName: z.string(),
      cameraName: z.string(),
      alarms: z.number().int(),
      falsePositives: z.number().int(),
      falsePositiveRate: z.number().nullable(),
    }),
  ),
});

/**
 * A camera's own AI reports what it saw (HTTP webhook, signed with the camera's webhook secret).
 * Boxes are normalised, or in pixels of `frameSize`. `trackId` is the camera's id for the object
 * across calls; `ended` says it has left the picture.
 */
export const webhookDetectionsBody = z.strictObject({
  cameraId,
  at: z.iso.datetime({ offset: true }).optional().describe('default: when the call arrives'),
  frameSize: z.strictObject({ width: z.number().int().min(16).max(8192), height: z.number().int().min(16).max(8192) }).optional(),
  objects: z
    .array(
      z.strictObject({
        trackId: z.string().trim().min(1).max(64),
        label: z.string().trim().min(1).max(30),
        score: unit,
        box: z.tuple([z.number().min(0), z.number().min(0), z.number().min(0), z.number().min(0)]).describe('[x1, y1, x2, y2]'),
        ended: z.boolean().default(false),
      }),
    )
    .max(100),
  snapshot: z.string().max(4_000_000).optional().describe('the frame as base64 JPEG'),
});
export const webhookResult = z.object({ alarms: z.array(z.uuid()) });

export type ListCamerasQuery = z.infer<typeof listCamerasQuery>;
export type CreateCameraBody = z.infer<typeof createCameraBody>;
export type UpdateCameraBody = z.infer<typeof updateCameraBody>;
export type CameraView = z.infer<typeof cameraView>;
/** `ladderMinutes` may be left out by callers in code (the demo, tests): the township default. */
export type CreateZoneBody = Omit<z.infer<typeof createZoneBody>, 'ladderMinutes'> & { ladderMinutes?: number[] | null };
export type UpdateZoneBody = z.infer<typeof updateZoneBody>;
export type ZoneView = z.infer<typeof zoneView>;
export type ListAlarmsQuery = z.infer<typeof listAlarmsQuery>;
export type AlarmView = z.infer<typeof alarmView>;
export type AlarmDetail = z.infer<typeof alarmDetail>;
export type AlarmStats = z.infer<typeof alarmStats>;
export type WebhookDetectionsBody = z.infer<typeof webhookDetectionsBody>;
export type SpeakerPlayback = z.infer<typeof speakerPlayback>;
