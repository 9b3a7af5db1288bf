import { z } from 'zod';
import { actorOf, metaOf } from '../../platform/http/auth.js';
import type { App } from '../../platform/http/app.js';
import { pageQuery } from '../../platform/http/pagination.js';
import type { RegionsService } from './regions.service.js';
import {
  featureCollection,
  importResult,
  listRegionsQuery,
  locateQuery,
  locateResult,
  regionCodeParams,
  regionDetail,
  regionPage,
  updateRegionBody,
} from './regions.schema.js';

const tags = ['regions 区域'];

export function regionsRoutes(app: App, regions: RegionsService): void {
  app.get(
    '/api/regions',
    { schema: { tags, summary: '区域列表 · List regions in scope', querystring: listRegionsQuery, response: { 200: regionPage } } },
    async (request) => regions.list(actorOf(request), request.query),
  );

  app.get(
    '/api/regions/locate',
    {
      schema: {
        tags,
        summary: '按坐标查找网格 · The grid containing a point',
        querystring: locateQuery,
        response: { 200: locateResult },
      },
    },
    async (request) => regions.locate(actorOf(request), request.query.lon, request.query.lat),
  );

  app.get(
    '/api/regions/:code',
    { schema: { tags, summary: '区域详情 · Region detail with boundary', params: regionCodeParams, response: { 200: regionDetail } } },
    async (request) => regions.get(actorOf(request), request.params.code),
  );

  app.get(
    '/api/regions/:code/children',
    {
      schema: {
        tags,
        summary: '下级区域 · Child regions',
        params: regionCodeParams,
        querystring: z.strictObject(pageQuery),
        response: { 200: regionPage },
      },
    },
    async (request) => regions.children(actorOf(request), request.params.code, request.query),
  );

  app.patch(
    '/api/regions/:code',
    {
      schema: {
        tags,
        summary: '修改区域信息 · Update a region (audited)',
        params: regionCodeParams,
        body: updateRegionBody,
        response: { 200: regionDetail },
      },
    },
    async (request) => regions.update(actorOf(request), request.params.code, request.body, metaOf(request)),
  );

  app.post(
    '/api/regions/import',
    {
      bodyLimit: 50 * 1024 * 1024,
      schema: {
        tags,
        summary: '导入 GeoJSON 区域 · Import a GeoJSON FeatureCollection (all or nothing)',
        body: featureCollection,
        response: { 200: importResult },
      },
    },
    async (request) => regions.importFeatures(actorOf(request), request.body, metaOf(request)),
  );
}
