import type { z } from 'zod';
import type {
  broadcastDetail,
  broadcastPage,
  broadcastSummary,
  createBroadcastBody,
  createScheduleBody,
  deliveryStates,
  deliveryView,
  listBroadcastsQuery,
  scheduleView,
  target,
} from '@server/modules/broadcast/broadcast.schema';
import { http, type QueryOf } from '@/shared/http';

/** 云广播 (天翼云播): types are the server's zod schemas (src/modules/broadcast/broadcast.schema.ts). */
export type Broadcast = z.infer<typeof broadcastSummary>;
export type BroadcastDetail = z.infer<typeof broadcastDetail>;
export type BroadcastPage = z.infer<typeof broadcastPage>;
export type BroadcastKind = Broadcast['kind'];
export type BroadcastStatus = Broadcast['status'];
export type Coverage = Broadcast['coverage'];
export type Delivery = z.infer<typeof deliveryView>;
export type DeliveryState = (typeof deliveryStates)[number];
export type Target = z.infer<typeof target>;
export type TargetType = Target['type'];
export type CreateBroadcastBody = z.input<typeof createBroadcastBody>;
export type ListBroadcastsQuery = QueryOf<z.input<typeof listBroadcastsQuery>>;

export type Schedule = z.infer<typeof scheduleView>;
export type RepeatKind = Schedule['repeatKind'];
export type CreateScheduleBody = z.input<typeof createScheduleBody>;

export const broadcastKinds: BroadcastKind[] = ['routine', 'emergency', 'alarm'];
export const broadcastStatuses: BroadcastStatus[] = ['active', 'completed', 'cancelled', 'expired'];
export const repeatKinds: RepeatKind[] = ['once', 'daily', 'weekly'];

const id = (value: string) => encodeURIComponent(value);

export const broadcastApi = {
  /** Safe to retry: the id is the client's, so a repeated send answers with the same broadcast (200). */
  create: (body: CreateBroadcastBody) => http.post<BroadcastDetail>('/api/broadcasts', body),
  list: (query: ListBroadcastsQuery = {}, silent = false) => http.get<BroadcastPage>('/api/broadcasts', { ...query }, { silent }),
  get: (broadcastId: string, silent = false) => http.get<BroadcastDetail>(`/api/broadcasts/${id(broadcastId)}`, undefined, { silent }),
  cancel: (broadcastId: string) => http.post<BroadcastDetail>(`/api/broadcasts/${id(broadcastId)}/cancel`),

  // programmes (定时广播)
  schedules: () => http.get<{ items: Schedule[] }>('/api/broadcast-schedules'),
  createSchedule: (body: CreateScheduleBody) => http.post<Schedule>('/api/broadcast-schedules', body),
  setScheduleActive: (scheduleId: string, active: boolean) => http.patch<Schedule>(`/api/broadcast-schedules/${id(scheduleId)}`, { active }),
  deleteSchedule: (scheduleId: string) => http.delete<void>(`/api/broadcast-schedules/${id(scheduleId)}`),
};
