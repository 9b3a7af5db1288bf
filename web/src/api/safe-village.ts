import type { z } from 'zod';
import type {
  alarmDetail,
  alarmPage,
  alarmSources,
  alarmStates,
  alarmStats,
  alarmStatsQuery,
  alarmToCaseBody,
  alarmView,
  anchors,
  cameraCreated,
  cameraPage,
  cameraView,
  createCameraBody,
  createZoneBody,
  handleAlarmBody,
  listAlarmsQuery,
  listCamerasQuery,
  point,
  severities,
  speakerPlayback,
  updateCameraBody,
  updateZoneBody,
  warnAgainResult,
  zoneKinds,
  zoneList,
  zoneSchedule,
  zoneView,
} from '@server/modules/safe-village/safe-village.schema';
import { http, type QueryOf } from '@/shared/http';

/** 平安乡村 (AI cameras, warning zones, alarms): types are the server's zod schemas (src/modules/safe-village/safe-village.schema.ts). */
export type Camera = z.infer<typeof cameraView>;
export type CameraPage = z.infer<typeof cameraPage>;
export type CameraCreated = z.infer<typeof cameraCreated>;
export type CreateCameraBody = z.input<typeof createCameraBody>;
export type UpdateCameraBody = z.input<typeof updateCameraBody>;
/** `online` is sent as the strings 'true' / 'false'. */
export type ListCamerasQuery = QueryOf<Omit<z.input<typeof listCamerasQuery>, 'online'>> & { online?: 'true' | 'false' };
/** The data of the live event `camera.status`. */
export type CameraStatus = Pick<Camera, 'id' | 'online' | 'lastFrameAt' | 'lastError'>;

export type Zone = z.infer<typeof zoneView>;
export type ZoneList = z.infer<typeof zoneList>;
export type ZoneKind = (typeof zoneKinds)[number];
export type Anchor = (typeof anchors)[number];
export type Severity = (typeof severities)[number];
export type ZoneSchedule = z.infer<typeof zoneSchedule>;
export type ZonePoint = z.infer<typeof point>;
export type ZoneActions = Zone['actions'];
export type CreateZoneBody = z.input<typeof createZoneBody>;
export type UpdateZoneBody = z.input<typeof updateZoneBody>;

export type Alarm = z.infer<typeof alarmView>;
/** One alarm with where its camera stands and its history (escalation steps: who was told how). */
export type AlarmDetail = z.infer<typeof alarmDetail>;
export type AlarmEvent = AlarmDetail['history'][number];
export type WarnAgainResult = z.infer<typeof warnAgainResult>;
export type AlarmPage = z.infer<typeof alarmPage>;
export type AlarmState = (typeof alarmStates)[number];
export type AlarmSource = (typeof alarmSources)[number];
export type SpeakerPlayback = z.infer<typeof speakerPlayback>;
export type ListAlarmsQuery = QueryOf<z.input<typeof listAlarmsQuery>>;
export type HandleAlarmBody = z.input<typeof handleAlarmBody>;
export type AlarmToCaseBody = z.input<typeof alarmToCaseBody>;
export type AlarmStats = z.infer<typeof alarmStats>;
export type AlarmStatsQuery = z.input<typeof alarmStatsQuery>;

export const zoneKindList: ZoneKind[] = ['drowning', 'straw_burning', 'dumping', 'security', 'other'];
export const anchorList: Anchor[] = ['bottom_center', 'center', 'box_share'];
export const severityList: Severity[] = ['info', 'warning', 'critical'];
export const alarmStateList: AlarmState[] = ['open', 'acknowledged', 'false_positive', 'case_created'];
export const alarmSourceList: AlarmSource[] = ['detector', 'frigate', 'webhook'];
export const playbackList: SpeakerPlayback[] = ['none', 'pending', 'playing', 'played', 'failed'];

const id = (value: string) => encodeURIComponent(value);

export const safeVillageApi = {
  // cameras
  cameras: (query: ListCamerasQuery = {}, silent = false) => http.get<CameraPage>('/api/cameras', { ...query }, { silent }),
  camera: (cameraId: string, silent = false) => http.get<Camera>(`/api/cameras/${id(cameraId)}`, undefined, { silent }),
  /** 201 with the camera and its webhook secret (shown once). */
  createCamera: (body: CreateCameraBody) => http.post<CameraCreated>('/api/cameras', body),
  updateCamera: (cameraId: string, body: UpdateCameraBody) => http.patch<Camera>(`/api/cameras/${id(cameraId)}`, body),
  /** Removes its zones; its alarms stay. */
  deleteCamera: (cameraId: string) => http.delete<void>(`/api/cameras/${id(cameraId)}`),

  // warning zones (警戒区)
  zones: (cameraId: string, silent = false) => http.get<ZoneList>(`/api/cameras/${id(cameraId)}/zones`, undefined, { silent }),
  createZone: (cameraId: string, body: CreateZoneBody) => http.post<Zone>(`/api/cameras/${id(cameraId)}/zones`, body),
  updateZone: (zoneId: string, body: UpdateZoneBody) => http.patch<Zone>(`/api/zones/${id(zoneId)}`, body),
  deleteZone: (zoneId: string) => http.delete<void>(`/api/zones/${id(zoneId)}`),

  // alarms (告警), newest first
  alarms: (query: ListAlarmsQuery = {}, silent = false) => http.get<AlarmPage>('/api/alarms', { ...query }, { silent }),
  alarm: (alarmId: string, silent = false) => http.get<AlarmDetail>(`/api/alarms/${id(alarmId)}`, undefined, { silent }),
  /** 再次喊话: the zone's warning again now on the camera's loudspeakers. */
  warnAgain: (alarmId: string) => http.post<WarnAgainResult>(`/api/alarms/${id(alarmId)}/warn-again`, {}),
  acknowledge: (alarmId: string, body: HandleAlarmBody = {}) => http.post<Alarm>(`/api/alarms/${id(alarmId)}/acknowledge`, body),
  falsePositive: (alarmId: string, body: HandleAlarmBody = {}) => http.post<Alarm>(`/api/alarms/${id(alarmId)}/false-positive`, body),
  /** Opens a case (事件) from the alarm: state case_created, `caseId` set. */
  toCase: (alarmId: string, body: AlarmToCaseBody = {}) => http.post<Alarm>(`/api/alarms/${id(alarmId)}/case`, body),
  stats: (query: AlarmStatsQuery = {}, silent = false) => http.get<AlarmStats>('/api/alarms/stats', { ...query }, { silent }),
};

/** Every camera matching the query, following pages, up to `max` (for filters and pickers). */
export async function allCameras(query: Omit<ListCamerasQuery, 'page' | 'pageSize'> = {}, max = 1000): Promise<Camera[]> {
  const items: Camera[] = [];
  for (let page = 1; ; page++) {
    const res = await safeVillageApi.cameras({ ...query, page, pageSize: 200 }, true);
    items.push(...res.items);
    if (items.length >= res.total || res.items.length === 0 || items.length >= max) return items;
  }
}
