import { actorOf } from '../../platform/http/auth.js';
import type { App } from '../../platform/http/app.js';
import { dashboardMap, dashboardQuery, dashboardSummary, screenSettings } from './dashboard.schema.js';
import type { DashboardService } from './dashboard.service.js';

const tags = ['dashboard 智慧大屏'];

export function dashboardRoutes(app: App, dashboard: DashboardService): void {
  app.get(
    '/api/dashboard/summary',
    {
      schema: {
        tags,
        summary: '大屏数据 · A region’s figures: cases, alarms, cameras, broadcasting, points leaders, its villages or grids (default: my region)',
        querystring: dashboardQuery,
        response: { 200: dashboardSummary },
      },
    },
    async (request) => dashboard.summary(actorOf(request), request.query),
  );

  app.get(
    '/api/dashboard/map',
    {
      schema: {
        tags,
        summary: '大屏地图 · The region’s outline and its children’s boundaries (GeoJSON, WGS84)',
        querystring: dashboardQuery,
        response: { 200: dashboardMap },
      },
    },
    async (request) => dashboard.map(actorOf(request), request.query),
  );

  app.get(
    '/api/dashboard/settings',
    { schema: { tags, summary: '大屏设置 · Title, map tiles and the weather', response: { 200: screenSettings } } },
    async (request) => dashboard.settings(actorOf(request)),
  );
}
