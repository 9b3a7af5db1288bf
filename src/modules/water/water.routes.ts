import { z } from 'zod';
import { actorOf, metaOf } from '../../platform/http/auth.js';
import type { App } from '../../platform/http/app.js';
import {
  acknowledgeBody,
  alertDetail,
  alertPage,
  alertParams,
  alertView,
  createMeterBody,
  csvImportResult,
  ingestResult,
  listAlertsQuery,
  listMetersQuery,
  meterCredentials,
  meterDetail,
  meterPage,
  meterParams,
  putSettingsBody,
  settingsParams,
  statsQuery,
  updateMeterBody,
  uploadReadingsBody,
  usageQuery,
  usageSeries,
  waterSettingsView,
  waterStats,
} from './water.schema.js';
import type { WaterService } from './water.service.js';

const tags = ['water 用水预警'];

const meterCreated = z.object({
  meter: meterDetail,
  secret: z.string().nullable().describe('the MQTT secret, shown once (null without `mqtt: true`)'),
  broker: meterCredentials.shape.broker.nullable(),
});

export function waterRoutes(app: App, water: WaterService): void {
  // ---- meters
  app.get(
    '/api/water/meters',
    { schema: { tags, summary: '水表列表 · Water meters in my region', querystring: listMetersQuery, response: { 200: meterPage } } },
    async (request) => water.listMeters(actorOf(request), request.query),
  );
  app.post(
    '/api/water/meters',
    { schema: { tags, summary: '登记水表 · Register a meter; its MQTT secret is shown only here (audited)', body: createMeterBody, response: { 201: meterCreated } } },
    async (request, reply) => reply.status(201).send(await water.createMeter(actorOf(request), request.body, metaOf(request))),
  );
  app.get(
    '/api/water/meters/:id',
    { schema: { tags, summary: '水表详情 · A meter, its open alerts, baseline and thresholds', params: meterParams, response: { 200: meterDetail } } },
    async (request) => water.getMeter(actorOf(request), request.params.id),
  );
  app.patch(
    '/api/water/meters/:id',
    { schema: { tags, summary: '修改水表 · Change a meter (audited)', params: meterParams, body: updateMeterBody, response: { 200: meterDetail } } },
    async (request) => water.updateMeter(actorOf(request), request.params.id, request.body, metaOf(request)),
  );
  app.delete(
    '/api/water/meters/:id',
    { schema: { tags, summary: '删除水表 · Remove a meter with its readings and alerts (audited)', params: meterParams } },
    async (request, reply) => {
      await water.removeMeter(actorOf(request), request.params.id, metaOf(request));
      return reply.status(204).send();
    },
  );
  app.post(
    '/api/water/meters/:id/rotate-secret',
    { schema: { tags, summary: '更换水表密钥 · New MQTT credentials, shown once (audited)', params: meterParams, response: { 200: meterCredentials } } },
    async (request) => water.rotateSecret(actorOf(request), request.params.id, metaOf(request)),
  );
  app.get(
    '/api/water/meters/:id/usage',
    { schema: { tags, summary: '用水曲线 · Use per hour or day, with the household’s usual hours', params: meterParams, querystring: usageQuery, response: { 200: usageSeries } } },
    async (request) => water.usage(actorOf(request), request.params.id, request.query),
  );

  // ---- readings
  app.post(
    '/api/water/readings',
    {
      bodyLimit: 4 * 1024 * 1024,
      schema: {
        tags,
        summary: '上传读数 · A batch of readings of meters in my region (idempotent on meter and time)',
        body: uploadReadingsBody,
        response: { 200: ingestResult },
      },
    },
    async (request) => water.uploadReadings(actorOf(request), request.body),
  );
  // CSV (text/csv) is parsed here only, so no other route accepts it.
  void app.register(async (csv: App) => {
    csv.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string', bodyLimit: 16 * 1024 * 1024 }, (_request, body, done) => done(null, body));
    csv.post(
      '/api/water/meters/:id/readings/csv',
      {
        schema: {
          tags,
          summary: '导入读数 CSV · timestamp,reading_litres (text/csv; times without offset are local)',
          params: meterParams,
          body: z.string().max(16 * 1024 * 1024),
          response: { 200: csvImportResult },
        },
      },
      async (request) => water.importCsv(actorOf(request), request.params.id, request.body),
    );
  });

  // ---- alerts
  app.get(
    '/api/water/alerts',
    { schema: { tags, summary: '用水预警 · Alerts in my region (type, open/ended, village, meter, time)', querystring: listAlertsQuery, response: { 200: alertPage } } },
    async (request) => water.listAlerts(actorOf(request), request.query),
  );
  app.get(
    '/api/water/alerts/:id',
    { schema: { tags, summary: '预警详情 · An alert with its evidence, the readings around it and the meter’s use', params: alertParams, response: { 200: alertDetail } } },
    async (request) => water.getAlert(actorOf(request), request.params.id),
  );
  app.post(
    '/api/water/alerts/:id/acknowledge',
    { schema: { tags, summary: '确认预警 · Mark an alert as seen, with a note (audited)', params: alertParams, body: acknowledgeBody, response: { 200: alertView } } },
    async (request) => water.acknowledge(actorOf(request), request.params.id, request.body.note, metaOf(request)),
  );

  // ---- figures and thresholds
  app.get(
    '/api/water/stats',
    { schema: { tags, summary: '用水统计 · Figures for the big screen: meters, open alerts, today', querystring: statsQuery, response: { 200: waterStats } } },
    async (request) => water.stats(actorOf(request), request.query.village),
  );
  app.get(
    '/api/water/settings/:regionCode',
    { schema: { tags, summary: '预警阈值 · Thresholds and quiet hours in force for a region', params: settingsParams, response: { 200: waterSettingsView } } },
    async (request) => water.getSettings(actorOf(request), request.params.regionCode),
  );
  app.put(
    '/api/water/settings/:regionCode',
    { schema: { tags, summary: '设置预警阈值 · Set a region’s thresholds and quiet hours (audited)', params: settingsParams, body: putSettingsBody, response: { 200: waterSettingsView } } },
    async (request) => water.putSettings(actorOf(request), request.params.regionCode, request.body, metaOf(request)),
  );
}
