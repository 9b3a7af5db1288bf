import { z } from 'zod';
import { actorOf, metaOf } from '../../platform/http/auth.js';
import type { App } from '../../platform/http/app.js';
import {
  approveClaimBody,
  awardBody,
  balanceQuery,
  balanceView,
  cancelOrderBody,
  claimPage,
  claimView,
  correctBody,
  createItemBody,
  createRuleBody,
  entryPage,
  entryParams,
  entryView,
  idParams,
  itemPage,
  itemView,
  ledgerQuery,
  listClaimsQuery,
  listItemsQuery,
  listOrdersQuery,
  listRulesQuery,
  orderPage,
  orderView,
  rankingsQuery,
  rankingsView,
  redeemBody,
  rejectClaimBody,
  rulePage,
  ruleView,
  submitClaimBody,
  updateItemBody,
  updateRuleBody,
} from './points.schema.js';
import type { PointsService } from './points.service.js';
import type { StoreService } from './store.service.js';

const tags = ['points 积分'];
const storeTags = ['points store 积分超市'];

export function pointsRoutes(app: App, points: PointsService, store: StoreService): void {
  // ---- rules ----------------------------------------------------------------------------------
  app.get(
    '/api/points/rules',
    { schema: { tags, summary: '积分规则（公开） · The points rules in force in a region (default mine)', querystring: listRulesQuery, response: { 200: rulePage } } },
    async (request) => points.listRules(actorOf(request), request.query),
  );
  app.post(
    '/api/points/rules',
    {
      schema: {
        tags,
        summary: '新增或覆盖规则 · Add a rule, or override an inherited one for my region (cadres, audited)',
        body: createRuleBody,
        response: { 201: ruleView },
      },
    },
    async (request, reply) => reply.status(201).send(await points.createRule(actorOf(request), request.body, metaOf(request))),
  );
  app.patch(
    '/api/points/rules/:id',
    { schema: { tags, summary: '修改规则 · Change a rule of my region (cadres, audited)', params: idParams, body: updateRuleBody, response: { 200: ruleView } } },
    async (request) => points.updateRule(actorOf(request), request.params.id, request.body, metaOf(request)),
  );

  // ---- claims ---------------------------------------------------------------------------------
  app.post(
    '/api/points/claims',
    {
      schema: {
        tags,
        summary: '申报积分 · Claim points for an activity, with photos; retrying with the same id returns the same claim',
        body: submitClaimBody,
        response: { 200: claimView, 201: claimView },
      },
    },
    async (request, reply) => {
      const result = await points.submitClaim(actorOf(request), request.body);
      return reply.status(result.created ? 201 : 200).send(result.claim);
    },
  );
  app.get(
    '/api/points/claims',
    { schema: { tags, summary: '积分申报列表 · My claims; for cadres their region’s, pending first', querystring: listClaimsQuery, response: { 200: claimPage } } },
    async (request) => points.listClaims(actorOf(request), request.query),
  );
  app.get(
    '/api/points/claims/:id',
    { schema: { tags, summary: '申报详情 · A claim with its photos', params: idParams, response: { 200: claimView } } },
    async (request) => points.getClaim(actorOf(request), request.params.id),
  );
  app.post(
    '/api/points/claims/:id/approve',
    {
      schema: {
        tags,
        summary: '审核通过 · Approve a claim: the points are booked with me as approver (cadres in scope; never my own household)',
        params: idParams,
        body: approveClaimBody,
        response: { 200: claimView },
      },
    },
    async (request) => points.approveClaim(actorOf(request), request.params.id, request.body.note, metaOf(request)),
  );
  app.post(
    '/api/points/claims/:id/reject',
    { schema: { tags, summary: '审核不通过 · Reject a claim with a reason', params: idParams, body: rejectClaimBody, response: { 200: claimView } } },
    async (request) => points.rejectClaim(actorOf(request), request.params.id, request.body.reason, metaOf(request)),
  );

  // ---- awards, corrections, ledger, balance, rankings ------------------------------------------------
  app.post(
    '/api/points/awards',
    {
      schema: {
        tags,
        summary: '干部评定加分/扣分 · Give or deduct a rule’s points to people of my region (inspections, attendance, deductions; audited)',
        body: awardBody,
        response: { 200: z.object({ items: z.array(entryView) }) },
      },
    },
    async (request) => points.award(actorOf(request), request.body, metaOf(request)),
  );
  app.post(
    '/api/points/entries/:id/correct',
    {
      schema: {
        tags,
        summary: '更正 · Reverse an award or deduction with a new entry (entries are never edited; audited)',
        params: entryParams,
        body: correctBody,
        response: { 200: entryView },
      },
    },
    async (request) => points.correct(actorOf(request), Number(request.params.id), request.body.reason, metaOf(request)),
  );
  app.get(
    '/api/points/ledger',
    {
      schema: {
        tags,
        summary: '积分明细 · Ledger entries: mine, my household’s, or a region’s (cadres); ?format=csv exports them for Excel',
        description: 'With `format=csv` the answer is `text/csv` (UTF-8 with a byte-order mark, so Excel shows Chinese correctly), oldest first, without paging.',
        querystring: ledgerQuery,
        response: { 200: entryPage },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      if (request.query.format === 'csv') {
        const csv = await points.ledgerCsv(actor, request.query);
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="points-ledger.csv"; filename*=UTF-8''${encodeURIComponent('积分明细.csv')}`)
          // A Buffer is sent as is (no JSON serialisation); the 200 schema describes the JSON form.
          .send(csv as never);
      }
      return points.ledger(actor, request.query);
    },
  );
  app.get(
    '/api/points/balance',
    { schema: { tags, summary: '积分余额 · My balance and my household’s (cadres: someone in their region)', querystring: balanceQuery, response: { 200: balanceView } } },
    async (request) => points.balance(actorOf(request), request.query.userId),
  );
  app.get(
    '/api/points/rankings',
    {
      schema: {
        tags,
        summary: '积分红榜 · Who earned most in a month, in a village or township (names only, never phone numbers)',
        querystring: rankingsQuery,
        response: { 200: rankingsView },
      },
    },
    async (request) => points.rankings(actorOf(request), request.query),
  );

  // ---- store ----------------------------------------------------------------------------------
  app.get(
    '/api/points/store/items',
    { schema: { tags: storeTags, summary: '积分超市商品 · Items of my village’s store (cadres: their region’s)', querystring: listItemsQuery, response: { 200: itemPage } } },
    async (request) => store.listItems(actorOf(request), request.query),
  );
  app.post(
    '/api/points/store/items',
    { schema: { tags: storeTags, summary: '上架商品 · Add an item to a village store (cadres, audited)', body: createItemBody, response: { 201: itemView } } },
    async (request, reply) => reply.status(201).send(await store.createItem(actorOf(request), request.body, metaOf(request))),
  );
  app.patch(
    '/api/points/store/items/:id',
    {
      schema: { tags: storeTags, summary: '修改商品、补货、下架 · Change, restock or withdraw an item (cadres, audited)', params: idParams, body: updateItemBody, response: { 200: itemView } },
    },
    async (request) => store.updateItem(actorOf(request), request.params.id, request.body, metaOf(request)),
  );
  app.post(
    '/api/points/store/orders',
    {
      schema: {
        tags: storeTags,
        summary: '兑换 · Redeem an item: points and stock are reserved at once; retrying with the same id returns the same order',
        body: redeemBody,
        response: { 200: orderView, 201: orderView },
      },
    },
    async (request, reply) => {
      const result = await store.redeem(actorOf(request), request.body);
      return reply.status(result.created ? 201 : 200).send(result.order);
    },
  );
  app.get(
    '/api/points/store/orders',
    { schema: { tags: storeTags, summary: '兑换订单 · My orders; for cadres their region’s, reserved first', querystring: listOrdersQuery, response: { 200: orderPage } } },
    async (request) => store.listOrders(actorOf(request), request.query),
  );
  app.get(
    '/api/points/store/orders/:id',
    { schema: { tags: storeTags, summary: '订单详情 · An order', params: idParams, response: { 200: orderView } } },
    async (request) => store.getOrder(actorOf(request), request.params.id),
  );
  app.post(
    '/api/points/store/orders/:id/complete',
    { schema: { tags: storeTags, summary: '领取完成 · Goods handed over (cadres in scope, audited)', params: idParams, response: { 200: orderView } } },
    async (request) => store.complete(actorOf(request), request.params.id, metaOf(request)),
  );
  app.post(
    '/api/points/store/orders/:id/cancel',
    {
      schema: {
        tags: storeTags,
        summary: '取消兑换 · Cancel a reserved order; the points and the stock come back (the buyer, or cadres in scope)',
        params: idParams,
        body: cancelOrderBody,
        response: { 200: orderView },
      },
    },
    async (request) => store.cancel(actorOf(request), request.params.id, request.body.reason, metaOf(request)),
  );
}
