import type { FastifyRequest } from 'fastify';
import { actorOf, metaOf, sessionOf } from '../../platform/http/auth.js';
import type { App } from '../../platform/http/app.js';
import { clearSessionCookie, setSessionCookie } from '../../platform/http/session-cookie.js';
import {
  changePasswordBody,
  codeSent,
  createdUser,
  createUserBody,
  listUsersQuery,
  loginBody,
  loginResult,
  meResult,
  passwordLoginResult,
  resetPasswordResult,
  secondFactorBody,
  secondFactorResendBody,
  secondFactorResent,
  sessionsEnded,
  smsCodeBody,
  smsLoginBody,
  sessionIdParams,
  sessionList,
  updateUserBody,
  userIdParams,
  userPage,
  userView,
} from './accounts.schema.js';
import type { AccountsService } from './accounts.service.js';
import { bindPendingWechat } from './wechat.routes.js';
import type { WechatService } from './wechat.service.js';

const signInMeta = (request: FastifyRequest) => ({ ...metaOf(request), userAgent: request.headers['user-agent'] ?? null });

export function authRoutes(app: App, accounts: AccountsService, wechat: WechatService): void {
  const tags = ['auth 登录'];
  app.post(
    '/api/auth/login',
    {
      schema: {
        tags,
        summary: '手机号密码登录 · Log in (staff with AUTH_STAFF_SECOND_FACTOR=sms: a challenge, then the code)',
        security: [],
        body: loginBody,
        response: { 200: passwordLoginResult },
      },
    },
    async (request, reply) => {
      const result = await accounts.login(request.body.phone, request.body.password, signInMeta(request));
      // The web apps use the HttpOnly cookie; API clients take the token from the body.
      if ('token' in result) setSessionCookie(request, reply, result.token, new Date(result.expiresAt));
      return result;
    },
  );

  app.post(
    '/api/auth/sms-code',
    {
      schema: {
        tags,
        summary: '获取登录验证码 · Send a sign-in code by SMS (the same answer whether or not the phone has an account)',
        security: [],
        body: smsCodeBody,
        response: { 200: codeSent },
      },
    },
    async (request) => accounts.requestLoginCode(request.body.phone, signInMeta(request)),
  );

  app.post(
    '/api/auth/login/sms',
    { schema: { tags, summary: '短信验证码登录 · Log in with an SMS code', security: [], body: smsLoginBody, response: { 200: loginResult } } },
    async (request, reply) => {
      const result = await accounts.loginBySms(request.body.phone, request.body.code, signInMeta(request));
      // Opened from the official account with an openid not yet bound: this sign-in binds it.
      await bindPendingWechat(wechat, request, reply, result.user.id);
      setSessionCookie(request, reply, result.token, new Date(result.expiresAt));
      return result;
    },
  );

  app.post(
    '/api/auth/login/second-factor',
    { schema: { tags, summary: '管理人员登录第二步 · Staff sign-in, step 2: the SMS code', security: [], body: secondFactorBody, response: { 200: loginResult } } },
    async (request, reply) => {
      const result = await accounts.loginSecondFactor(request.body.challenge, request.body.code, signInMeta(request));
      setSessionCookie(request, reply, result.token, new Date(result.expiresAt));
      return result;
    },
  );

  app.post(
    '/api/auth/login/second-factor/code',
    {
      schema: { tags, summary: '重新发送第二步验证码 · Send the step-2 code again', security: [], body: secondFactorResendBody, response: { 200: secondFactorResent } },
    },
    async (request) => accounts.resendSecondFactor(request.body.challenge, signInMeta(request)),
  );

  app.post('/api/auth/logout', { schema: { tags, summary: '退出登录 · Log out (revokes the token, clears the cookie)' } }, async (request, reply) => {
    // Cleared first, so a cookie whose session had already ended goes too.
    clearSessionCookie(request, reply);
    await accounts.logout(sessionOf(request).sessionId);
    return reply.status(204).send();
  });

  app.get('/api/auth/me', { schema: { tags, summary: '当前用户 · Who am I', response: { 200: meResult } } }, async (request) =>
    accounts.me(sessionOf(request)),
  );

  app.post(
    '/api/auth/password',
    { schema: { tags, summary: '修改密码 · Change my password', body: changePasswordBody } },
    async (request, reply) => {
      await accounts.changePassword(sessionOf(request), request.body.currentPassword, request.body.newPassword, metaOf(request));
      return reply.status(204).send();
    },
  );

  // Allowed before a pending password change too: ending a stranger's session should not wait.
  app.get(
    '/api/auth/sessions',
    { schema: { tags, summary: '我的登录设备 · My live sessions (audited)', response: { 200: sessionList } } },
    async (request) => accounts.listSessions(sessionOf(request), metaOf(request)),
  );

  app.post(
    '/api/auth/sessions/revoke-all',
    { schema: { tags, summary: '退出所有设备 · End all my sessions, this one included (audited)', response: { 200: sessionsEnded } } },
    async (request, reply) => {
      const result = await accounts.endAllSessions(sessionOf(request), metaOf(request));
      clearSessionCookie(request, reply);
      return result;
    },
  );

  app.delete(
    '/api/auth/sessions/:id',
    { schema: { tags, summary: '结束一个登录会话 · End one of my sessions (audited)', params: sessionIdParams } },
    async (request, reply) => {
      await accounts.endSession(sessionOf(request), request.params.id, metaOf(request));
      return reply.status(204).send();
    },
  );
}

export function usersRoutes(app: App, accounts: AccountsService): void {
  const tags = ['users 用户'];
  app.get(
    '/api/users',
    { schema: { tags, summary: '用户列表 · Users in scope', querystring: listUsersQuery, response: { 200: userPage } } },
    async (request) => accounts.listUsers(actorOf(request), request.query),
  );

  app.get(
    '/api/users/:id',
    { schema: { tags, summary: '用户详情 · One user', params: userIdParams, response: { 200: userView } } },
    async (request) => accounts.getUser(actorOf(request), request.params.id),
  );

  app.post(
    '/api/users',
    { schema: { tags, summary: '创建用户 · Create a user (audited)', body: createUserBody, response: { 201: createdUser } } },
    async (request, reply) => reply.status(201).send(await accounts.createUser(actorOf(request), request.body, metaOf(request))),
  );

  app.patch(
    '/api/users/:id',
    {
      schema: {
        tags,
        summary: '修改用户角色、区域或状态 · Update role, scope or status (audited)',
        params: userIdParams,
        body: updateUserBody,
        response: { 200: userView },
      },
    },
    async (request) => accounts.updateUser(actorOf(request), request.params.id, request.body, metaOf(request)),
  );

  app.post(
    '/api/users/:id/reset-password',
    {
      schema: {
        tags,
        summary: '重置密码 · Reset to a one-time password (audited)',
        params: userIdParams,
        response: { 200: resetPasswordResult },
      },
    },
    async (request) => accounts.resetPassword(actorOf(request), request.params.id, metaOf(request)),
  );
}
