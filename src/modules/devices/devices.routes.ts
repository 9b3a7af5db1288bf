import { actorOf, metaOf } from '../../platform/http/auth.js';
import type { App } from '../../platform/http/app.js';
import {
  createDeviceBody,
  deviceCredentials,
  deviceDetail,
  devicePage,
  deviceParams,
  deviceStats,
  listDevicesQuery,
  updateDeviceBody,
} from './devices.schema.js';
import type { DevicesService } from './devices.service.js';

const tags = ['devices 设备'];

export function devicesRoutes(app: App, devices: DevicesService): void {
  app.get(
    '/api/devices',
    { schema: { tags, summary: '设备列表 · Devices in my region (online/offline, village)', querystring: listDevicesQuery, response: { 200: devicePage } } },
    async (request) => devices.list(actorOf(request), request.query),
  );

  app.get(
    '/api/devices/stats',
    { schema: { tags, summary: '设备统计 · Online/offline counts; this process’s MQTT counters for administrators', response: { 200: deviceStats } } },
    async (request) => devices.stats(actorOf(request)),
  );

  app.get(
    '/api/devices/:id',
    { schema: { tags, summary: '设备详情 · A device with its state, rejected-message count and MQTT topics', params: deviceParams, response: { 200: deviceDetail } } },
    async (request) => devices.get(actorOf(request), request.params.id),
  );

  app.post(
    '/api/devices',
    {
      schema: {
        tags,
        summary: '登记设备 · Register a device; its secret is shown only in this answer (audited)',
        body: createDeviceBody,
        response: { 201: deviceCredentials },
      },
    },
    async (request, reply) => reply.status(201).send(await devices.create(actorOf(request), request.body, metaOf(request))),
  );

  app.patch(
    '/api/devices/:id',
    {
      schema: {
        tags,
        summary: '修改设备 · Name, place, bound camera, volume (sent to the device), enable/disable (audited)',
        params: deviceParams,
        body: updateDeviceBody,
        response: { 200: deviceDetail },
      },
    },
    async (request) => devices.update(actorOf(request), request.params.id, request.body, metaOf(request)),
  );

  app.post(
    '/api/devices/:id/rotate-secret',
    {
      schema: {
        tags,
        summary: '更换设备密钥 · A new secret, shown once; the old one stops working (audited)',
        params: deviceParams,
        response: { 200: deviceCredentials },
      },
    },
    async (request) => devices.rotateSecret(actorOf(request), request.params.id, metaOf(request)),
  );

  app.delete(
    '/api/devices/:id',
    { schema: { tags, summary: '删除设备 · Remove a device and its credentials (audited)', params: deviceParams } },
    async (request, reply) => {
      await devices.remove(actorOf(request), request.params.id, metaOf(request));
      return reply.status(204).send();
    },
  );
}
