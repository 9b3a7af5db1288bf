import { actorOf } from '../../platform/http/auth.js';
import type { App } from '../../platform/http/app.js';
import { availability } from './device-health.schema.js';
import type { DeviceHealthService } from './device-health.service.js';

export function deviceHealthRoutes(app: App, health: DeviceHealthService): void {
  app.get(
    '/api/device-health/availability',
    {
      schema: {
        tags: ['devices 设备'],
        summary: '设备在线率 · Share of time online per village and kind of device (speakers, cameras, water meters), last 7 days',
        response: { 200: availability },
      },
    },
    async (request) => health.availability(actorOf(request)),
  );
}
