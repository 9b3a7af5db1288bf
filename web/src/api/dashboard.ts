import type { z } from 'zod';
import type { dashboardAlarm, dashboardCamera, dashboardChild, dashboardDevice, dashboardMap, dashboardSummary, screenSettings } from '@server/modules/dashboard/dashboard.schema';
import { http } from '@/shared/http';

/** 智慧大屏: the big screen's figures, map and settings (src/modules/dashboard/dashboard.schema.ts). */
export type DashboardSummary = z.infer<typeof dashboardSummary>;
export type DashboardMap = z.infer<typeof dashboardMap>;
export type DashboardMapFeature = DashboardMap['features'][number];
export type DashboardAlarm = z.infer<typeof dashboardAlarm>;
export type DashboardCamera = z.infer<typeof dashboardCamera>;
export type DashboardChild = z.infer<typeof dashboardChild>;
export type DashboardDevice = z.infer<typeof dashboardDevice>;
export type ScreenSettings = z.infer<typeof screenSettings>;

/** Background reads: the screen shows its own errors (无权限, 连接中断) instead of toasts. */
const quiet = { silent: true } as const;

export const dashboardApi = {
  summary: (region?: string, signal?: AbortSignal) => http.get<DashboardSummary>('/api/dashboard/summary', { region }, { ...quiet, signal }),
  map: (region?: string, signal?: AbortSignal) => http.get<DashboardMap>('/api/dashboard/map', { region }, { ...quiet, signal }),
  settings: () => http.get<ScreenSettings>('/api/dashboard/settings', undefined, quiet),
};
