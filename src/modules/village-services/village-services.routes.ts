import multipart from '@fastify/multipart';
import { actorOf, metaOf } from '../../platform/http/auth.js';
import type { App } from '../../platform/http/app.js';
import { multipartFiles } from '../../platform/http/multipart-files.js';
import { sendBlob } from '../../platform/http/send-blob.js';
import {
  createElderlyBody,
  createMealRequestBody,
  careTasks,
  decideMealBody,
  deliverMealBody,
  elderlyDetail,
  elderlyPage,
  elderlyParams,
  elderlyStats,
  listElderlyQuery,
  listMealsQuery,
  mealPage,
  mealParams,
  mealRequestView,
  myElderly,
  raiseAlertBody,
  recordVisitBody,
  setPlanBody,
  statsQuery,
  updateElderlyBody,
} from './elderly.schema.js';
import type { ElderlyService } from './elderly.service.js';
import {
  broadcastNoticeBody,
  createNoticeBody,
  listNoticesQuery,
  noticeDetail,
  noticePage,
  noticeParams,
  publicNotice,
  publicNoticePage,
  publicNoticesQuery,
  updateNoticeBody,
  withdrawNoticeBody,
} from './notices.schema.js';
import type { NoticesService } from './notices.service.js';
import { type ReadAloudService, readAloudBody, readAloudResult } from './read-aloud.js';
import type { ServiceRequestAction } from './service-request-state.js';
import {
  createGuideBody,
  createRequestBody,
  guideList,
  guideParams,
  guideView,
  listGuidesQuery,
  listRequestsQuery,
  requestActionBody,
  requestActionParams,
  requestDetail,
  requestPage,
  requestParams,
  updateGuideBody,
} from './services.schema.js';
import type { ServicesService } from './services.service.js';
import { fileParams, signedFileQuery, uploadFilesResult } from './village-files.schema.js';
import { tooManyFiles, type VillageFilesService } from './village-files.service.js';

export interface VillageServices {
  notices: NoticesService;
  services: ServicesService;
  elderly: ElderlyService;
  files: VillageFilesService;
  readAloud: ReadAloudService;
}

const FIELD = 'files';

/** 乡村信息 (notices, the public archive), 办证办事 (guides, requests), 养老 (elderly care), files, read-aloud. */
export function villageServicesRoutes(app: App, s: VillageServices): void {
  noticeRoutes(app, s);
  serviceRoutes(app, s.services);
  elderlyRoutes(app, s.elderly);

  app.post(
    '/api/read-aloud',
    {
      schema: {
        tags: ['read aloud 适老化朗读'],
        summary: '朗读 · Speak a page’s text for the signed-in reader (Mandarin TTS; signed audio URL)',
        description: 'For every signed-in person (the elder-friendly mode’s read-aloud button). At most 500 characters; at most 20 requests a minute per person; the same text is spoken once and then cached.',
        body: readAloudBody,
        response: { 200: readAloudResult },
      },
    },
    async (request) => s.readAloud.speak(actorOf(request), request.body),
  );
}

function noticeRoutes(app: App, s: VillageServices): void {
  const tags = ['notices 村务公开·通知公告'];
  app.get(
    '/api/notices',
    { schema: { tags, summary: '通知公告 · Notices for my region and those above it (publishers: also drafts, withdrawn)', querystring: listNoticesQuery, response: { 200: noticePage } } },
    async (request) => s.notices.list(actorOf(request), request.query),
  );
  app.post(
    '/api/notices',
    {
      schema: {
        tags,
        summary: '发布通知 · Publish (or draft) a notice, disclosure or news to my village or township; optionally broadcast it (audited)',
        body: createNoticeBody,
        response: { 200: noticeDetail, 201: noticeDetail },
      },
    },
    async (request, reply) => {
      const { created, notice } = await s.notices.create(actorOf(request), request.body, metaOf(request));
      return reply.status(created ? 201 : 200).send(notice);
    },
  );
  app.get(
    '/api/notices/:id',
    { schema: { tags, summary: '通知详情 · A notice with its files; opening it counts as read (once per person)', params: noticeParams, response: { 200: noticeDetail } } },
    async (request) => s.notices.get(actorOf(request), request.params.id),
  );
  app.patch(
    '/api/notices/:id',
    { schema: { tags, summary: '修改通知 · Change a draft or published notice (audited)', params: noticeParams, body: updateNoticeBody, response: { 200: noticeDetail } } },
    async (request) => s.notices.update(actorOf(request), request.params.id, request.body, metaOf(request)),
  );
  app.post(
    '/api/notices/:id/publish',
    { schema: { tags, summary: '发布草稿 · Publish a draft (audited)', params: noticeParams, response: { 200: noticeDetail } } },
    async (request) => s.notices.publish(actorOf(request), request.params.id, metaOf(request)),
  );
  app.post(
    '/api/notices/:id/withdraw',
    { schema: { tags, summary: '撤回通知 · Withdraw a published notice, with a reason (audited)', params: noticeParams, body: withdrawNoticeBody, response: { 200: noticeDetail } } },
    async (request) => s.notices.withdraw(actorOf(request), request.params.id, request.body.reason, metaOf(request)),
  );
  app.post(
    '/api/notices/:id/broadcast',
    {
      schema: {
        tags,
        summary: '一键广播 · Speak a published notice on its region’s loudspeakers (once per notice; audited)',
        params: noticeParams,
        body: broadcastNoticeBody,
        response: { 200: noticeDetail },
      },
    },
    async (request) => s.notices.broadcast(actorOf(request), request.params.id, request.body, metaOf(request)),
  );
  app.get(
    '/api/public/notices',
    {
      schema: {
        tags,
        summary: '村务公开栏 · A village’s public archive (no login): its notices and its township’s, searchable',
        security: [],
        querystring: publicNoticesQuery,
        response: { 200: publicNoticePage },
      },
    },
    async (request) => s.notices.publicList(request.query),
  );
  app.get(
    '/api/public/notices/:id',
    { schema: { tags, summary: '公开通知 · A published notice (no login)', security: [], params: noticeParams, response: { 200: publicNotice } } },
    async (request) => s.notices.publicGet(request.params.id),
  );

  // Multipart parsing exists only inside this plugin; every other route still takes JSON only.
  app.register(async (scope: App) => {
    await scope.register(multipart);
    scope.post(
      '/api/village-files',
      {
        schema: {
          tags,
          summary: '上传附件 · Upload photos and documents for a notice or a care visit (multipart)',
          description:
            `multipart/form-data with 1–${s.files.settings.maxFiles} files in the field \`${FIELD}\`, each at most ${s.files.settings.maxBytes} bytes: ` +
            'JPEG/PNG/WebP photos (re-encoded upright without metadata) or PDF, Word and Excel documents, recognised by content. ' +
            'Files stay unattached until a notice or visit names them; unattached ones are removed after a day.',
          consumes: ['multipart/form-data'],
          response: { 201: uploadFilesResult },
        },
      },
      async (request, reply) => {
        const actor = actorOf(request);
        s.files.requireUpload(actor);
        return reply.status(201).send(await s.files.upload(actor, multipartFiles(request, { field: FIELD, maxBytes: s.files.settings.maxBytes, maxFiles: s.files.settings.maxFiles, tooMany: tooManyFiles })));
      },
    );
  });
  for (const variant of ['full', 'thumb'] as const) {
    app.get(
      variant === 'full' ? '/api/village-files/:id' : '/api/village-files/:id/thumb',
      {
        schema: {
          tags,
          summary: variant === 'full' ? '附件 · A file, by its signed URL (no login needed)' : '缩略图 · A photo’s thumbnail, by its signed URL',
          security: [],
          params: fileParams,
          querystring: signedFileQuery,
        },
      },
      async (request, reply) => {
        const file = await s.files.read(request.params.id, variant, request.query.exp, request.query.sig);
        const disposition = `${file.inline ? 'inline' : 'attachment'}; filename="file"; filename*=UTF-8''${encodeURIComponent(file.filename)}`;
        reply.header('content-disposition', disposition).header('content-security-policy', "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'");
        return sendBlob(reply, file);
      },
    );
  }
}

function serviceRoutes(app: App, services: ServicesService): void {
  const tags = ['service guides 办证办事'];
  app.get(
    '/api/service-guides',
    { schema: { tags, summary: '办事指南 · The catalogue of my region (a village’s guide replaces the township’s of the same code)', querystring: listGuidesQuery, response: { 200: guideList } } },
    async (request) => services.listGuides(actorOf(request), request.query),
  );
  app.get(
    '/api/service-guides/:id',
    { schema: { tags, summary: '指南详情 · Conditions, materials, where and when, fees, time limit', params: guideParams, response: { 200: guideView } } },
    async (request) => services.getGuide(actorOf(request), request.params.id),
  );
  app.post(
    '/api/service-guides',
    { schema: { tags, summary: '新增指南 · Add a guide for my township or village (audited)', body: createGuideBody, response: { 201: guideView } } },
    async (request, reply) => reply.status(201).send(await services.createGuide(actorOf(request), request.body, metaOf(request))),
  );
  app.patch(
    '/api/service-guides/:id',
    { schema: { tags, summary: '修改指南 · Change a guide of my region (audited)', params: guideParams, body: updateGuideBody, response: { 200: guideView } } },
    async (request) => services.updateGuide(actorOf(request), request.params.id, request.body, metaOf(request)),
  );
  app.post(
    '/api/service-requests',
    {
      schema: {
        tags,
        summary: '预约/代办 · Ask the village to book (预约) or handle (代办) a matter; its cadres are told (audited)',
        body: createRequestBody,
        response: { 200: requestDetail, 201: requestDetail },
      },
    },
    async (request, reply) => {
      const { created, request: detail } = await services.submit(actorOf(request), request.body, metaOf(request));
      return reply.status(created ? 201 : 200).send(detail);
    },
  );
  app.get(
    '/api/service-requests',
    { schema: { tags, summary: '办事申请 · My requests (villagers) or my region’s queue (handlers)', querystring: listRequestsQuery, response: { 200: requestPage } } },
    async (request) => services.listRequests(actorOf(request), request.query),
  );
  app.get(
    '/api/service-requests/:id',
    { schema: { tags, summary: '申请详情 · A request with its history and what I may do now', params: requestParams, response: { 200: requestDetail } } },
    async (request) => services.getRequest(actorOf(request), request.params.id),
  );
  app.post(
    '/api/service-requests/:id/:action',
    {
      schema: {
        tags,
        summary: '办理 · accept (受理) · request-materials (补材料) · supplement (villager) · complete (办结) · reject (不予受理) · cancel (villager) (audited)',
        params: requestActionParams,
        body: requestActionBody,
        response: { 200: requestDetail },
      },
    },
    async (request) =>
      services.act(actorOf(request), request.params.id, request.params.action.replace('-', '_') as ServiceRequestAction, request.body ?? {}, metaOf(request)),
  );
}

function elderlyRoutes(app: App, elderly: ElderlyService): void {
  const tags = ['elderly care 养老'];
  app.get(
    '/api/elderly',
    { schema: { tags, summary: '老人档案 · The register of my region (no health notes), with each visit plan’s state', querystring: listElderlyQuery, response: { 200: elderlyPage } } },
    async (request) => elderly.list(actorOf(request), request.query),
  );
  app.post(
    '/api/elderly',
    {
      schema: { tags, summary: '登记老人 · Register an elderly resident (60+; living alone: a monthly visit plan by default; audited)', body: createElderlyBody, response: { 200: elderlyDetail, 201: elderlyDetail } },
    },
    async (request, reply) => {
      const { created, resident } = await elderly.create(actorOf(request), request.body, metaOf(request));
      return reply.status(created ? 201 : 200).send(resident);
    },
  );
  app.get(
    '/api/elderly/stats',
    { schema: { tags, summary: '养老数据 · Figures for the big screen: registered, visits this month, overdue visits …', querystring: statsQuery, response: { 200: elderlyStats } } },
    async (request) => elderly.stats(actorOf(request), request.query.region),
  );
  app.get(
    '/api/elderly/tasks',
    { schema: { tags, summary: '关爱任务 · My care work: visits overdue and due, alert visits, today’s meal deliveries', response: { 200: careTasks } } },
    async (request) => elderly.tasks(actorOf(request)),
  );
  app.get(
    '/api/elderly/mine',
    { schema: { tags, summary: '我家老人 · The elderly of my household (for meal requests)', response: { 200: myElderly } } },
    async (request) => elderly.mine(actorOf(request)),
  );
  app.get(
    '/api/elderly/meal-requests',
    { schema: { tags, summary: '送餐申请 · Meal delivery requests in my region', querystring: listMealsQuery, response: { 200: mealPage } } },
    async (request) => elderly.listMeals(actorOf(request), request.query),
  );
  for (const decision of ['approve', 'reject', 'cancel'] as const) {
    app.post(
      `/api/elderly/meal-requests/:id/${decision}`,
      {
        schema: {
          tags,
          summary: { approve: '同意送餐 · Approve (cadres)', reject: '不同意送餐 · Reject with a reason (cadres)', cancel: '停止送餐 · Cancel (the requester or cadres)' }[decision],
          params: mealParams,
          body: decideMealBody,
          response: { 200: mealRequestView },
        },
      },
      async (request) => elderly.decideMeal(actorOf(request), request.params.id, decision, request.body?.note, metaOf(request)),
    );
  }
  app.post(
    '/api/elderly/meal-requests/:id/deliveries',
    { schema: { tags, summary: '已送达 · Mark a day’s meal delivered (carers; once a day)', params: mealParams, body: deliverMealBody, response: { 200: mealRequestView } } },
    async (request) => elderly.deliverMeal(actorOf(request), request.params.id, request.body?.date, metaOf(request)),
  );
  app.get(
    '/api/elderly/:id',
    { schema: { tags, summary: '老人详情 · A resident, plan, visits and meals (health and visit notes for carers only)', params: elderlyParams, response: { 200: elderlyDetail } } },
    async (request) => elderly.get(actorOf(request), request.params.id),
  );
  app.patch(
    '/api/elderly/:id',
    { schema: { tags, summary: '修改档案 · Change a record (carers: health notes, mobility, contacts; audited)', params: elderlyParams, body: updateElderlyBody, response: { 200: elderlyDetail } } },
    async (request) => elderly.update(actorOf(request), request.params.id, request.body, metaOf(request)),
  );
  app.put(
    '/api/elderly/:id/plan',
    { schema: { tags, summary: '走访计划 · Set the visit plan (weekly, monthly, quarterly; audited)', params: elderlyParams, body: setPlanBody, response: { 200: elderlyDetail } } },
    async (request) => elderly.setPlan(actorOf(request), request.params.id, request.body, metaOf(request)),
  );
  app.post(
    '/api/elderly/:id/visits',
    { schema: { tags, summary: '记录走访 · Record a visit with notes and photos, or complete an alert’s visit (carers; audited)', params: elderlyParams, body: recordVisitBody, response: { 200: elderlyDetail } } },
    async (request) => elderly.recordVisit(actorOf(request), request.params.id, request.body, metaOf(request)),
  );
  app.post(
    '/api/elderly/:id/alerts',
    { schema: { tags, summary: '预警 · Raise an alert that opens a visit task for the carers (audited)', params: elderlyParams, body: raiseAlertBody, response: { 200: elderlyDetail } } },
    async (request) => elderly.raiseAlert(actorOf(request), request.params.id, request.body, metaOf(request)),
  );
  app.post(
    '/api/elderly/:id/meal-requests',
    { schema: { tags, summary: '申请送餐 · Ask for meal delivery (carers; villagers for their household; audited)', params: elderlyParams, body: createMealRequestBody, response: { 200: mealRequestView } } },
    async (request) => elderly.requestMeal(actorOf(request), request.params.id, request.body, metaOf(request)),
  );
}
