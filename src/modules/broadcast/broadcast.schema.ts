import { z } from 'zod';
import { pageOf, pageQuery } from '../../platform/http/pagination.js';
import { regionCode } from '../regions/regions.schema.js';

export const broadcastKinds = ['routine', 'emergency'] as const;
/** Priority on the speakers: alarms from the AI cameras sit between routine and emergency. */
export const priorityOf = { routine: 1, alarm: 5, emergency: 9 } as const;

const deviceId = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/);

export const target = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('speakers'), codes: z.array(deviceId).min(1).max(500).describe('speaker ids') }),
  z.strictObject({ type: z.literal('villages'), codes: z.array(regionCode).min(1).max(100).describe('village codes') }),
  z.strictObject({ type: z.literal('township'), codes: z.array(regionCode).length(1).describe('the township code') }),
]);

const content = {
  title: z.string().trim().min(1).max(100),
  text: z.string().trim().min(1).max(1000).optional().describe('spoken by TTS (Mandarin)'),
  clipId: z.uuid().optional().describe('an uploaded or recorded clip from POST /api/audio'),
  voice: z.string().max(20).optional(),
  kind: z.enum(broadcastKinds).default('routine').describe('emergency (应急广播) interrupts everything else at once'),
  volume: z.number().int().min(0).max(100).optional(),
  repeat: z.number().int().min(1).max(20).default(1),
  target,
  validMinutes: z.number().int().min(1).max(7 * 24 * 60).default(120).describe('how long an offline speaker still gets it when it reconnects'),
};

const oneSource = (body: { text?: string; clipId?: string }) => (body.text === undefined) !== (body.clipId === undefined);
const oneSourceMessage = { message: '请提供文字或音频之一 / give either text or clipId', path: ['text'] };

export const createBroadcastBody = z.strictObject({ id: z.uuid().describe('client-generated; a retry returns the same broadcast'), ...content }).refine(oneSource, oneSourceMessage);

export const broadcastIdParams = z.strictObject({ id: z.uuid() });

export const listBroadcastsQuery = z.strictObject({
  kind: z.enum(['routine', 'emergency', 'alarm']).optional(),
  status: z.enum(['active', 'completed', 'cancelled', 'expired']).optional(),
  ...pageQuery,
});

export const deliveryStates = ['pending', 'sent', 'received', 'playing', 'interrupted', 'finished', 'failed', 'expired', 'cancelled'] as const;

export const coverage = z.object({
  speakers: z.number(),
  finished: z.number().describe('played to the end'),
  playing: z.number(),
  waiting: z.number().describe('pending, sent, received or interrupted'),
  offline: z.number().describe('waiting while the speaker is offline'),
  failed: z.number(),
});

export const broadcastSummary = z.object({
  id: z.string(),
  title: z.string(),
  kind: z.enum(['routine', 'emergency', 'alarm']),
  priority: z.number(),
  text: z.string().nullable(),
  clipId: z.string(),
  durationMs: z.number(),
  repeat: z.number(),
  volume: z.number().nullable(),
  target: z.object({ type: z.string(), codes: z.array(z.string()) }),
  status: z.enum(['active', 'completed', 'cancelled', 'expired']),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  expiresAt: z.string(),
  completedAt: z.string().nullable(),
  coverage,
});

export const deliveryView = z.object({
  deviceId: z.string(),
  deviceName: z.string(),
  online: z.boolean(),
  state: z.enum(deliveryStates),
  reason: z.string().nullable(),
  attempts: z.number(),
  sentAt: z.string().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});

export const broadcastDetail = broadcastSummary.extend({ audioUrl: z.string(), deliveries: z.array(deliveryView) });
export const broadcastPage = pageOf(broadcastSummary);

// ---- programmes (定时广播) ----------------------------------------------------------------------

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, '时间格式为 HH:MM / time is HH:MM');

export const createScheduleBody = z
  .strictObject({
    id: z.uuid(),
    name: z.string().trim().min(1).max(100),
    repeatKind: z.enum(['once', 'daily', 'weekly']),
    runDate: z.iso.date().optional().describe('for once: the local date'),
    timeOfDay,
    weekdays: z.array(z.number().int().min(1).max(7)).max(7).default([]).describe('for weekly: 1 = Monday … 7 = Sunday'),
    broadcast: z.strictObject({ ...content }).refine(oneSource, oneSourceMessage),
  })
  .refine((b) => b.repeatKind !== 'once' || b.runDate !== undefined, { message: '一次性节目需指定日期 / a one-off programme needs runDate', path: ['runDate'] })
  .refine((b) => b.repeatKind !== 'weekly' || b.weekdays.length > 0, { message: '每周节目需选择星期 / a weekly programme needs weekdays', path: ['weekdays'] });

export const updateScheduleBody = z.strictObject({ active: z.boolean() });
export const scheduleIdParams = z.strictObject({ id: z.uuid() });

export const scheduleView = z.object({
  id: z.string(),
  name: z.string(),
  repeatKind: z.enum(['once', 'daily', 'weekly']),
  runDate: z.string().nullable(),
  timeOfDay: z.string(),
  weekdays: z.array(z.number()),
  title: z.string(),
  text: z.string().nullable(),
  kind: z.string(),
  target: z.object({ type: z.string(), codes: z.array(z.string()) }),
  active: z.boolean(),
  nextRunAt: z.string().nullable(),
  createdAt: z.string(),
});

export type CreateBroadcastBody = z.infer<typeof createBroadcastBody>;
export type CreateScheduleBody = z.infer<typeof createScheduleBody>;
export type Target = z.infer<typeof target>;
export type BroadcastSummary = z.infer<typeof broadcastSummary>;
export type BroadcastDetail = z.infer<typeof broadcastDetail>;
export type ScheduleView = z.infer<typeof scheduleView>;
