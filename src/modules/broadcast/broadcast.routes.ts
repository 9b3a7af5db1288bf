import { z } from 'zod';
import { actorOf, metaOf } from '../../platform/http/auth.js';
import type { App } from '../../platform/http/app.js';
import {
  broadcastDetail,
  broadcastIdParams,
  broadcastPage,
  createBroadcastBody,
  createScheduleBody,
  listBroadcastsQuery,
  scheduleIdParams,
  scheduleView,
  updateScheduleBody,
} from './broadcast.schema.js';
import type { BroadcastService } from './broadcast.service.js';

const tags = ['broadcast 云播'];

export function broadcastRoutes(app: App, broadcasts: BroadcastService): void {
  app.post(
    '/api/broadcasts',
    {
      schema: {
        tags,
        summary: '发送广播 · Broadcast text (TTS) or a clip to speakers, villages or the township; emergency interrupts',
        body: createBroadcastBody,
        response: { 200: broadcastDetail, 201: broadcastDetail },
      },
    },
    async (request, reply) => {
      const result = await broadcasts.create(actorOf(request), request.body, metaOf(request));
      return reply.status(result.created ? 201 : 200).send(result.broadcast);
    },
  );

  app.get(
    '/api/broadcasts',
    { schema: { tags, summary: '广播记录 · Broadcasts in my region with coverage', querystring: listBroadcastsQuery, response: { 200: broadcastPage } } },
    async (request) => {
      const { page, pageSize, ...filter } = request.query;
      return broadcasts.list(actorOf(request), filter, { page, pageSize });
    },
  );

  app.get(
    '/api/broadcasts/:id',
    { schema: { tags, summary: '广播详情与送达情况 · A broadcast with per-speaker delivery', params: broadcastIdParams, response: { 200: broadcastDetail } } },
    async (request) => broadcasts.get(actorOf(request), request.params.id),
  );

  app.post(
    '/api/broadcasts/:id/cancel',
    { schema: { tags, summary: '停止广播 · Stop a broadcast everywhere (audited)', params: broadcastIdParams, response: { 200: broadcastDetail } } },
    async (request) => broadcasts.cancel(actorOf(request), request.params.id, metaOf(request)),
  );

  app.get(
    '/api/broadcast-schedules',
    { schema: { tags, summary: '定时节目 · Programmes, next run first', response: { 200: z.object({ items: z.array(scheduleView) }) } } },
    async (request) => broadcasts.listSchedules(actorOf(request)),
  );

  app.post(
    '/api/broadcast-schedules',
    { schema: { tags, summary: '新建定时节目 · One-off, daily or weekly programme (Asia/Shanghai)', body: createScheduleBody, response: { 201: scheduleView } } },
    async (request, reply) => reply.status(201).send(await broadcasts.createSchedule(actorOf(request), request.body, metaOf(request))),
  );

  app.patch(
    '/api/broadcast-schedules/:id',
    { schema: { tags, summary: '启用或停用节目 · Turn a programme on or off', params: scheduleIdParams, body: updateScheduleBody, response: { 200: scheduleView } } },
    async (request) => broadcasts.setScheduleActive(actorOf(request), request.params.id, request.body.active, metaOf(request)),
  );

  app.delete(
    '/api/broadcast-schedules/:id',
    { schema: { tags, summary: '删除节目 · Delete a programme (audited)', params: scheduleIdParams } },
    async (request, reply) => {
      await broadcasts.deleteSchedule(actorOf(request), request.params.id, metaOf(request));
      return reply.status(204).send();
    },
  );
}
