import { z } from 'zod';
import { actorOf, metaOf } from '../../platform/http/auth.js';
import type { App } from '../../platform/http/app.js';
import { sendBlob } from '../../platform/http/send-blob.js';
import type { ExternalDetections } from './external-detections.js';
import {
  alarmDetail,
  alarmPage,
  alarmParams,
  alarmStats,
  alarmStatsQuery,
  alarmToCaseBody,
  alarmView,
  cameraCreated,
  cameraPage,
  cameraParams,
  cameraView,
  createCameraBody,
  createZoneBody,
  handleAlarmBody,
  listAlarmsQuery,
  listCamerasQuery,
  updateCameraBody,
  updateZoneBody,
  warnAgainResult,
  webhookDetectionsBody,
  webhookResult,
  zoneList,
  zoneParams,
  zoneView,
} from './safe-village.schema.js';
import type { SafeVillageService } from './safe-village.service.js';

const tags = ['safe village 平安乡村'];
const signedQuery = z.strictObject({ exp: z.string().max(20).optional(), sig: z.string().max(100).optional() });

export function safeVillageRoutes(app: App, service: SafeVillageService, external: ExternalDetections): void {
  // ---- cameras
  app.get(
    '/api/cameras',
    { schema: { tags, summary: '摄像头列表 · Cameras in my region', querystring: listCamerasQuery, response: { 200: cameraPage } } },
    async (request) => service.listCameras(actorOf(request), request.query),
  );
  app.post(
    '/api/cameras',
    { schema: { tags, summary: '登记摄像头 · Register a camera; its webhook secret is shown only here (audited)', body: createCameraBody, response: { 201: cameraCreated } } },
    async (request, reply) => reply.status(201).send(await service.createCamera(actorOf(request), request.body, metaOf(request))),
  );
  app.get(
    '/api/cameras/:id',
    { schema: { tags, summary: '摄像头详情 · A camera, its status and bound speakers', params: cameraParams, response: { 200: cameraView } } },
    async (request) => service.getCamera(actorOf(request), request.params.id),
  );
  app.patch(
    '/api/cameras/:id',
    { schema: { tags, summary: '修改摄像头 · Change a camera (audited)', params: cameraParams, body: updateCameraBody, response: { 200: cameraView } } },
    async (request) => service.updateCamera(actorOf(request), request.params.id, request.body, metaOf(request)),
  );
  app.delete(
    '/api/cameras/:id',
    { schema: { tags, summary: '删除摄像头 · Remove a camera and its zones; its alarms stay (audited)', params: cameraParams } },
    async (request, reply) => {
      await service.removeCamera(actorOf(request), request.params.id, metaOf(request));
      return reply.status(204).send();
    },
  );
  app.get(
    '/api/cameras/:id/snapshot',
    { schema: { tags, summary: '当前画面 · The latest picture (JPEG), by its signed URL', security: [], params: cameraParams, querystring: signedQuery } },
    async (request, reply) => sendBlob(reply, { ...(await service.snapshot(request.params.id, request.query.exp, request.query.sig)), contentType: 'image/jpeg' }),
  );

  // ---- zones
  app.get(
    '/api/cameras/:id/zones',
    { schema: { tags, summary: '警戒区域 · A camera’s warning zones', params: cameraParams, response: { 200: zoneList } } },
    async (request) => service.listZones(actorOf(request), request.params.id),
  );
  app.post(
    '/api/cameras/:id/zones',
    { schema: { tags, summary: '画警戒区 · Draw a warning zone on a camera (audited)', params: cameraParams, body: createZoneBody, response: { 201: zoneView } } },
    async (request, reply) => reply.status(201).send(await service.createZone(actorOf(request), request.params.id, request.body, metaOf(request))),
  );
  app.patch(
    '/api/zones/:id',
    { schema: { tags, summary: '修改警戒区 · Change a zone (audited)', params: zoneParams, body: updateZoneBody, response: { 200: zoneView } } },
    async (request) => service.updateZone(actorOf(request), request.params.id, request.body, metaOf(request)),
  );
  app.delete(
    '/api/zones/:id',
    { schema: { tags, summary: '删除警戒区 · Remove a zone; its alarms stay (audited)', params: zoneParams } },
    async (request, reply) => {
      await service.removeZone(actorOf(request), request.params.id, metaOf(request));
      return reply.status(204).send();
    },
  );

  // ---- alarms
  app.get(
    '/api/alarms',
    { schema: { tags, summary: '告警列表 · Alarms in my region, newest first, with filters', querystring: listAlarmsQuery, response: { 200: alarmPage } } },
    async (request) => service.listAlarms(actorOf(request), request.query),
  );
  app.get(
    '/api/alarms/stats',
    { schema: { tags, summary: '告警统计 · Cameras online, alarms by kind, false-positive rate per zone', querystring: alarmStatsQuery, response: { 200: alarmStats } } },
    async (request) => service.stats(actorOf(request), request.query),
  );
  app.get(
    '/api/alarms/:id',
    {
      schema: {
        tags,
        summary: '告警详情 · An alarm, whether its warning played, where the camera stands, and its history (escalation steps: who was told how)',
        params: alarmParams,
        response: { 200: alarmDetail },
      },
    },
    async (request) => service.alarmDetail(actorOf(request), request.params.id),
  );
  app.get(
    '/api/alarms/:id/snapshot',
    { schema: { tags, summary: '告警抓拍 · The frame with box and zone (JPEG), by its signed URL', security: [], params: alarmParams, querystring: signedQuery } },
    async (request, reply) => sendBlob(reply, { ...(await service.alarmSnapshot(request.params.id, request.query.exp, request.query.sig)), contentType: 'image/jpeg' }),
  );
  app.post(
    '/api/alarms/:id/acknowledge',
    { schema: { tags, summary: '确认告警 · Acknowledge (audited)', params: alarmParams, body: handleAlarmBody, response: { 200: alarmView } } },
    async (request) => service.acknowledge(actorOf(request), request.params.id, request.body.note, metaOf(request)),
  );
  app.post(
    '/api/alarms/:id/false-positive',
    { schema: { tags, summary: '标记误报 · Mark a false positive; kept for tuning (audited)', params: alarmParams, body: handleAlarmBody, response: { 200: alarmView } } },
    async (request) => service.markFalsePositive(actorOf(request), request.params.id, request.body.note, metaOf(request)),
  );
  app.post(
    '/api/alarms/:id/warn-again',
    {
      schema: {
        tags,
        summary: '再次喊话 · Speak the zone’s warning again now on the camera’s loudspeakers (audited)',
        params: alarmParams,
        body: z.strictObject({}),
        response: { 200: warnAgainResult },
      },
    },
    async (request) => service.warnAgain(actorOf(request), request.params.id, metaOf(request)),
  );
  app.post(
    '/api/alarms/:id/case',
    { schema: { tags, summary: '转为事件 · Turn the alarm into a grid case (audited)', params: alarmParams, body: alarmToCaseBody, response: { 200: alarmView } } },
    async (request) => service.toCase(actorOf(request), request.params.id, request.body, metaOf(request)),
  );

  // ---- detections from cameras' own AI
  app.post(
    '/api/detections/webhook',
    {
      schema: {
        tags,
        summary: '摄像头AI上报 · A camera’s own detections (header X-Camera-Secret); zones and alarms as for the built-in detector',
        security: [],
        body: webhookDetectionsBody,
        response: { 200: webhookResult },
      },
      bodyLimit: 6 * 1024 * 1024,
    },
    async (request) => {
      const header = request.headers['x-camera-secret'];
      const camera = await service.verifyWebhookSecret(request.body.cameraId, typeof header === 'string' ? header : undefined);
      return { alarms: await external.webhook(camera, request.body) };
    },
  );
}
