import { z } from 'zod';
import { regionCode } from '../regions/regions.schema.js';
import { zoneKinds } from '../safe-village/safe-village.schema.js';

/**
 * 智慧大屏: the figures of one region (a township, or a village when drilled down) for the big
 * screen, read from read models kept current as things happen. Every block is present even when
 * its module has nothing yet (zeros and empty lists), so the screen always looks complete.
 */
export const dashboardQuery = z.strictObject({
  region: regionCode.optional().describe('default: the caller’s own region'),
});

const count = z.number().int().min(0);

export const dashboardRegion = z.object({
  code: z.string(),
  name: z.string(),
  level: z.string(),
  parentCode: z.string().nullable().describe('where the drill-down goes back to; null at the caller’s own region'),
  areaKm2: z.number().nullable(),
  registeredPopulation: z.number().int().nullable().describe('户籍人口'),
  residentPopulation: z.number().int().nullable().describe('常住人口'),
  households: count,
  villages: count,
  grids: count,
  gridWorkers: count,
  partyMembers: count.nullable().describe('正式 and 预备 party members (智慧党建)'),
});

export const dashboardCases = z.object({
  today: count,
  thisMonth: count,
  open: count,
  overdue: count,
  closedThisMonth: count,
  closureRate: z.number().min(0).max(1).nullable().describe('closed / reported this month'),
  avgHandlingHours: z.number().nullable().describe('report → closed, cases closed this month'),
  satisfaction: z.number().nullable().describe('mean rating (1–5) this month'),
  byCategory: z.array(z.object({ code: z.string(), name: z.string(), count })).describe('this month'),
  trend: z.array(z.object({ date: z.string().describe('YYYY-MM-DD, China time'), reported: count, closed: count })).describe('the last 30 days, oldest first'),
});

export const dashboardAlarm = z.object({
  id: z.uuid(),
  cameraName: z.string(),
  zoneName: z.string(),
  kind: z.enum(zoneKinds),
  regionName: z.string(),
  raisedAt: z.string(),
  snapshotUrl: z.string().nullable(),
});

export const dashboardCamera = z.object({
  id: z.string(),
  name: z.string(),
  regionName: z.string(),
  online: z.boolean(),
  snapshotUrl: z.string(),
});

export const dashboardSafeVillage = z.object({
  camerasTotal: count,
  camerasOnline: count,
  alarmsToday: count,
  alarmsTodayByKind: z.array(z.object({ kind: z.enum(zoneKinds), count })),
  recentAlarms: z.array(dashboardAlarm).max(20),
  cameraWall: z.array(dashboardCamera).max(16).describe('online cameras first'),
});

export const dashboardBroadcasting = z.object({
  speakersTotal: count,
  speakersOnline: count,
  broadcastsToday: count,
  playsToday: count.describe('speaker deliveries played to the end today'),
});

export const dashboardWater = z.object({
  metersTotal: count,
  metersReporting: count.describe('with a reading in the last 26 hours'),
  openAlerts: count,
  openByType: z.object({ leak: count, burst: count, spike: count, zero: count, fault: count }).describe('open alerts by type: 疑似漏水, 疑似爆管, 用水激增, 长时间未用水, 水表故障'),
  alertsToday: count.describe('raised since midnight, China time'),
  textsToday: count.describe('texts sent to households today'),
});

export const dashboardPoints = z.object({
  month: z.string().describe('YYYY-MM'),
  topVillagers: z.array(z.object({ name: z.string(), villageName: z.string(), points: z.number() })).max(10),
  topHouseholds: z.array(z.object({ name: z.string(), villageName: z.string(), points: z.number() })).max(10),
});

export const dashboardChild = z.object({
  code: z.string(),
  name: z.string(),
  level: z.string(),
  residentPopulation: z.number().int().nullable(),
  openCases: count,
  casesToday: count,
  alarmsToday: count,
  camerasOnline: count,
  camerasTotal: count,
  speakersOnline: count,
  availability: z.number().min(0).max(1).nullable().describe('share of the last 7 days its watched speakers, cameras and water meters were online; null when none is watched'),
});

export const dashboardDevice = z.object({
  kind: z.enum(['camera', 'speaker']),
  id: z.string(),
  name: z.string(),
  online: z.boolean(),
  lon: z.number(),
  lat: z.number(),
});

export const dashboardSummary = z.object({
  generatedAt: z.string(),
  region: dashboardRegion,
  cases: dashboardCases,
  safeVillage: dashboardSafeVillage,
  broadcasting: dashboardBroadcasting,
  water: dashboardWater.describe('用水预警: the meters and alerts of the region (the water module’s figures)'),
  points: dashboardPoints,
  children: z.array(dashboardChild).describe('the villages of a township, the grids of a village: for the map and the ranking'),
  devices: z.array(dashboardDevice).max(2000).describe('cameras and speakers with a location, for the map'),
});

/** The region's outline and its children's boundaries (GeoJSON, WGS84), for the map with no internet. */
export const dashboardMap = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(
    z.object({
      type: z.literal('Feature'),
      properties: z.object({ code: z.string(), name: z.string(), level: z.string(), role: z.enum(['outline', 'child']) }),
      geometry: z.unknown(),
    }),
  ),
});

export const screenSettings = z.object({
  title: z.string().describe('SCREEN_TITLE, default 数乡 · 智慧大屏'),
  tileUrl: z.string().nullable().describe('SCREEN_TILE_URL: a raster tile template (e.g. Tianditu satellite with its key) drawn beneath the map'),
  tileAttribution: z.string().nullable(),
  weather: z.object({ text: z.string(), temperatureC: z.number().nullable() }).nullable().describe('null when no weather source is configured'),
});

export type DashboardQuery = z.infer<typeof dashboardQuery>;
export type DashboardSummary = z.infer<typeof dashboardSummary>;
export type DashboardMap = z.infer<typeof dashboardMap>;
export type ScreenSettings = z.infer<typeof screenSettings>;
