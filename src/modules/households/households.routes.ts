import { actorOf, metaOf } from '../../platform/http/auth.js';
import type { App } from '../../platform/http/app.js';
import { z } from 'zod';
import {
  addMemberBody,
  createHouseholdBody,
  householdDetail,
  householdPage,
  householdParams,
  listHouseholdsQuery,
  memberParams,
  updateHouseholdBody,
} from './households.schema.js';
import type { HouseholdsService } from './households.service.js';

const tags = ['households 户'];

export function householdsRoutes(app: App, households: HouseholdsService): void {
  app.get(
    '/api/households',
    { schema: { tags, summary: '户列表 · Households in my region (cadres)', querystring: listHouseholdsQuery, response: { 200: householdPage } } },
    async (request) => households.list(actorOf(request), request.query),
  );

  app.get(
    '/api/households/mine',
    {
      schema: {
        tags,
        summary: '我的户 · My household and its members (null when I belong to none)',
        response: { 200: z.object({ household: householdDetail.nullable() }) },
      },
    },
    async (request) => households.mine(actorOf(request)),
  );

  app.get(
    '/api/households/:id',
    { schema: { tags, summary: '户详情 · A household with its members', params: householdParams, response: { 200: householdDetail } } },
    async (request) => households.get(actorOf(request), request.params.id),
  );

  app.post(
    '/api/households',
    { schema: { tags, summary: '新建户 · Register a household (cadres, audited)', body: createHouseholdBody, response: { 201: householdDetail } } },
    async (request, reply) => reply.status(201).send(await households.create(actorOf(request), request.body, metaOf(request))),
  );

  app.patch(
    '/api/households/:id',
    {
      schema: { tags, summary: '修改户 · Rename, address, head of household (cadres, audited)', params: householdParams, body: updateHouseholdBody, response: { 200: householdDetail } },
    },
    async (request) => households.update(actorOf(request), request.params.id, request.body, metaOf(request)),
  );

  app.post(
    '/api/households/:id/members',
    {
      schema: {
        tags,
        summary: '添加户成员 · Add a person of the village (at most one household each; audited)',
        params: householdParams,
        body: addMemberBody,
        response: { 200: householdDetail },
      },
    },
    async (request) => households.addMember(actorOf(request), request.params.id, request.body.userId, metaOf(request)),
  );

  app.delete(
    '/api/households/:id/members/:userId',
    { schema: { tags, summary: '移出户成员 · Remove a member (audited)', params: memberParams, response: { 200: householdDetail } } },
    async (request) => households.removeMember(actorOf(request), request.params.id, request.params.userId, metaOf(request)),
  );
}
