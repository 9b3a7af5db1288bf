import { z } from 'zod';
import { actorOf, metaOf } from '../../platform/http/auth.js';
import type { App } from '../../platform/http/app.js';
import type { CategoriesService } from './case-categories.js';
import {
  approveBody,
  type CaseDetail,
  caseDetail,
  caseIdParams,
  caseStats,
  casePage,
  categoryParams,
  categoryView,
  commentBody,
  createCategoryBody,
  listCasesQuery,
  nearbyCase,
  nearbyQuery,
  rateBody,
  reasonBody,
  rejectBody,
  resolveBody,
  submitCaseBody,
  updateCategoryBody,
} from './cases.schema.js';
import type { CasesService } from './cases.service.js';

const tags = ['cases 网格事件'];

export function caseCategoriesRoutes(app: App, categories: CategoriesService): void {
  const categoryTags = ['cases 网格事件'];
  app.get(
    '/api/case-categories',
    {
      schema: {
        tags: categoryTags,
        summary: '事件类别 · Case categories',
        querystring: z.strictObject({ includeInactive: z.enum(['true', 'false']).optional() }),
        response: { 200: z.object({ items: z.array(categoryView) }) },
      },
    },
    async (request) => {
      actorOf(request);
      return categories.list(request.query.includeInactive === 'true');
    },
  );
  app.post(
    '/api/case-categories',
    { schema: { tags: categoryTags, summary: '新增类别 · Add a category (admin, audited)', body: createCategoryBody, response: { 201: categoryView } } },
    async (request, reply) => reply.status(201).send(await categories.create(actorOf(request), request.body, metaOf(request))),
  );
  app.patch(
    '/api/case-categories/:code',
    {
      schema: {
        tags: categoryTags,
        summary: '修改类别（时限、积分、匿名） · Change deadlines, points, anonymity (admin, audited)',
        params: categoryParams,
        body: updateCategoryBody,
        response: { 200: categoryView },
      },
    },
    async (request) => categories.update(actorOf(request), request.params.code, request.body, metaOf(request)),
  );
}

export function casesRoutes(app: App, cases: CasesService): void {
  app.post(
    '/api/cases',
    {
      schema: {
        tags,
        summary: '上报事件（群众点单） · Report a problem; retrying with the same id returns the same case',
        body: submitCaseBody,
        response: { 200: caseDetail, 201: caseDetail },
      },
    },
    async (request, reply) => {
      const result = await cases.submit(actorOf(request), request.body, metaOf(request));
      return reply.status(result.created ? 201 : 200).send(result.case);
    },
  );

  app.get(
    '/api/cases',
    { schema: { tags, summary: '事件列表 · Cases visible to me, filtered', querystring: listCasesQuery, response: { 200: casePage } } },
    async (request) => cases.list(actorOf(request), request.query),
  );

  app.get(
    '/api/cases/stats',
    { schema: { tags, summary: '事件统计 · Counts by state and overdue, of the cases I can see', response: { 200: caseStats } } },
    async (request) => cases.stats(actorOf(request)),
  );

  app.get(
    '/api/cases/nearby',
    {
      schema: {
        tags,
        summary: '附近的同类事件（我也遇到） · Open public cases near a point, to support instead of filing again',
        querystring: nearbyQuery,
        response: { 200: z.object({ items: z.array(nearbyCase) }) },
      },
    },
    async (request) => cases.nearby(actorOf(request), request.query),
  );

  app.get(
    '/api/cases/:id',
    { schema: { tags, summary: '事件详情 · A case with photos, history and what I may do', params: caseIdParams, response: { 200: caseDetail } } },
    async (request) => cases.get(actorOf(request), request.params.id),
  );

  const action = <B extends z.ZodType>(
    path: string,
    summary: string,
    body: B | undefined,
    run: (actor: ReturnType<typeof actorOf>, id: string, body: z.infer<B>, meta: ReturnType<typeof metaOf>) => Promise<CaseDetail>,
  ) =>
    app.post(
      `/api/cases/:id/${path}`,
      { schema: { tags, summary, params: caseIdParams, ...(body ? { body } : {}), response: { 200: caseDetail } } },
      async (request) => run(actorOf(request), request.params.id, request.body as z.infer<B>, metaOf(request)),
    );

  action('accept', '接单 · Accept (grid worker or cadre in scope)', undefined, (actor, id, _b, meta) => cases.accept(actor, id, meta));
  action('resolve', '办结反馈 · Report it handled, with a note and after-photos', resolveBody, (actor, id, b, meta) => cases.resolve(actor, id, b, meta));
  action('approve', '评单通过 · Approve the handling (branch secretary)', approveBody, (actor, id, b, meta) => cases.approve(actor, id, b, meta));
  action('return', '评单退回 · Return to the handler with a reason', reasonBody, (actor, id, b, meta) => cases.returnCase(actor, id, b.reason, meta));
  action('reject', '不予受理 · Reject as invalid or as a duplicate', rejectBody, (actor, id, b, meta) => cases.reject(actor, id, b, meta));
  action('dispute', '申诉 · Dispute a closure within 7 days (reporter)', reasonBody, (actor, id, b, meta) => cases.dispute(actor, id, b.reason, meta));
  action('rate', '评价 · Rate the result 1–5 (reporter)', rateBody, (actor, id, b, meta) => cases.rate(actor, id, b, meta));
  action('escalate', '上报上级 · Escalate one level by hand', reasonBody, (actor, id, b, meta) => cases.escalate(actor, id, b.reason, meta));
  action('comments', '留言 · Comment (reporter and handlers)', commentBody, (actor, id, b, meta) => cases.comment(actor, id, b.text, meta));

  app.post(
    '/api/cases/:id/support',
    {
      schema: {
        tags,
        summary: '我也遇到（附议） · Support an open case instead of filing again',
        params: caseIdParams,
        response: { 200: z.object({ supportCount: z.number(), added: z.boolean() }) },
      },
    },
    async (request) => cases.support(actorOf(request), request.params.id),
  );
}
