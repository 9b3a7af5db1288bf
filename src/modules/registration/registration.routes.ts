import { actorOf, metaOf } from '../../platform/http/auth.js';
import type { App } from '../../platform/http/app.js';
import { setSessionCookie } from '../../platform/http/session-cookie.js';
import {
  approveBody,
  codeSent,
  householdChoices,
  householdSearchQuery,
  joinInfo,
  joinLinkView,
  joinTokenParams,
  listRegistrationsQuery,
  rebindHouseholdBody,
  rebindPhoneBody,
  rebindPhoneCodeBody,
  refuseBody,
  registerBody,
  registerResult,
  registrationPage,
  registrationParams,
  registrationStatus,
  registrationView,
  requestCodeBody,
  signInResult,
  statusBody,
  villageParams,
  villagerParams,
  villagerView,
} from './registration.schema.js';
import type { RegistrationService } from './registration.service.js';

const tags = ['registration 村民注册'];

export function registrationRoutes(app: App, registration: RegistrationService): void {
  const signInMeta = (request: Parameters<typeof metaOf>[0]) => ({ ...metaOf(request), userAgent: request.headers['user-agent'] ?? null });

  // Public: the join link's page (no login).
  app.get(
    '/api/join/:token',
    { schema: { tags, summary: '加入链接 · The village of a join link and the privacy notice (public)', security: [], params: joinTokenParams, response: { 200: joinInfo } } },
    async (request) => registration.joinInfo(request.params.token),
  );

  app.get(
    '/api/join/:token/households',
    {
      schema: {
        tags,
        summary: '查找我的户 · Find one’s household by the head’s name or house number (public; masked, at most 5)',
        security: [],
        params: joinTokenParams,
        querystring: householdSearchQuery,
        response: { 200: householdChoices },
      },
    },
    async (request) => registration.searchHouseholds(request.params.token, request.query.q, request.ip),
  );

  app.post(
    '/api/join/:token/code',
    { schema: { tags, summary: '获取注册验证码 · Send a registration code to the phone (public)', security: [], params: joinTokenParams, body: requestCodeBody, response: { 200: codeSent } } },
    async (request) => registration.requestCode(request.params.token, request.body.phone, request.ip),
  );

  app.post(
    '/api/join/:token/register',
    {
      schema: {
        tags,
        summary: '村民注册 · Register: matched to the household register (signed in), or pending the cadres (public)',
        security: [],
        params: joinTokenParams,
        body: registerBody,
        response: { 200: registerResult },
      },
    },
    async (request, reply) => {
      const result = await registration.register(request.params.token, request.body, signInMeta(request));
      if (result.session) setSessionCookie(request, reply, result.session.token, new Date(result.session.expiresAt));
      return result;
    },
  );

  app.post(
    '/api/join/status',
    { schema: { tags, summary: '注册进度 · The state of my registration (the registering browser’s key)', security: [], body: statusBody, response: { 200: registrationStatus } } },
    async (request) => registration.status(request.body.statusKey),
  );

  app.post(
    '/api/join/session',
    { schema: { tags, summary: '审核通过后登录 · Sign in once after approval (the registering browser’s key)', security: [], body: statusBody, response: { 200: signInResult } } },
    async (request, reply) => {
      const session = await registration.signIn(request.body.statusKey, signInMeta(request));
      setSessionCookie(request, reply, session.token, new Date(session.expiresAt));
      return session;
    },
  );

  // Cadres and staff: the join link, the poster, decisions, re-binding.
  app.get(
    '/api/villages/:code/join-link',
    { schema: { tags, summary: '村的加入链接 · The village’s join link (made on first request)', params: villageParams, response: { 200: joinLinkView } } },
    async (request) => registration.joinLink(actorOf(request), request.params.code),
  );

  app.post(
    '/api/villages/:code/join-link',
    { schema: { tags, summary: '更换加入链接 · A new join link; old posters stop working (audited)', params: villageParams, response: { 200: joinLinkView } } },
    async (request) => registration.regenerateJoinLink(actorOf(request), request.params.code, metaOf(request)),
  );

  app.get(
    '/api/villages/:code/join-poster.pdf',
    { schema: { tags, summary: '注册海报 · The printable A4 poster (PDF) of the join link', params: villageParams } },
    async (request, reply) => {
      const { pdf, filename } = await registration.joinPoster(actorOf(request), request.params.code);
      return reply.type('application/pdf').header('content-disposition', `attachment; filename="${filename}"`).header('cache-control', 'no-store').send(pdf);
    },
  );

  app.get(
    '/api/registrations',
    { schema: { tags, summary: '注册申请 · Registrations in my region (default: pending)', querystring: listRegistrationsQuery, response: { 200: registrationPage } } },
    async (request) => registration.list(actorOf(request), request.query),
  );

  app.post(
    '/api/registrations/:id/approve',
    { schema: { tags, summary: '通过注册 · Approve into a household of the village (audited, SMS)', params: registrationParams, body: approveBody, response: { 200: registrationView } } },
    async (request) => registration.approve(actorOf(request), request.params.id, request.body.householdId, metaOf(request)),
  );

  app.post(
    '/api/registrations/:id/refuse',
    { schema: { tags, summary: '拒绝注册 · Refuse with a reason (audited, SMS)', params: registrationParams, body: refuseBody, response: { 200: registrationView } } },
    async (request) => registration.refuse(actorOf(request), request.params.id, request.body.reason, metaOf(request)),
  );

  app.get(
    '/api/villagers/:id',
    { schema: { tags, summary: '村民户籍绑定 · A villager’s phone and household (cadres)', params: villagerParams, response: { 200: villagerView } } },
    async (request) => registration.villager(actorOf(request), request.params.id),
  );

  app.post(
    '/api/villagers/:id/household',
    { schema: { tags, summary: '改绑户 · Move a villager to another household of their village (audited)', params: villagerParams, body: rebindHouseholdBody, response: { 200: villagerView } } },
    async (request) => registration.moveHousehold(actorOf(request), request.params.id, request.body.householdId, metaOf(request)),
  );

  app.post(
    '/api/villagers/:id/phone/code',
    { schema: { tags, summary: '改绑手机号验证码 · Send a code to the new phone', params: villagerParams, body: rebindPhoneCodeBody, response: { 200: codeSent } } },
    async (request) => registration.requestPhoneCode(actorOf(request), request.params.id, request.body.phone, request.ip),
  );

  app.post(
    '/api/villagers/:id/phone',
    {
      schema: {
        tags,
        summary: '改绑手机号 · Move the account to the verified new phone; its sessions end (audited, SMS to the old number)',
        params: villagerParams,
        body: rebindPhoneBody,
        response: { 200: villagerView },
      },
    },
    async (request) => registration.changePhone(actorOf(request), request.params.id, request.body.phone, request.body.code, metaOf(request)),
  );
}
