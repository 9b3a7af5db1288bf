import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { actorOf, metaOf } from '../../platform/http/auth.js';
import type { App } from '../../platform/http/app.js';
import { AppError } from '../../platform/http/errors.js';
import { setSessionCookie } from '../../platform/http/session-cookie.js';
import { WECHAT_STEP_SECONDS, type WechatService } from './wechat.service.js';

/**
 * The two short-lived cookies of the WeChat entry. Both are SameSite=Lax: the browser comes back from
 * open.weixin.qq.com by a cross-site navigation, on which a Strict cookie would not be sent.
 * `state` ties WeChat's answer to the browser that asked (CSRF); `pending` carries the signed openid
 * from the callback to the SMS sign-in that binds it.
 */
const STATE_COOKIE = 'shuxiang_wechat_state';
const PENDING_COOKIE = 'shuxiang_wechat_pending';

function cookieOf(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

function setCookie(request: FastifyRequest, reply: FastifyReply, name: string, value: string, maxAgeSeconds: number) {
  reply.header('set-cookie', `${name}=${value}; Max-Age=${maxAgeSeconds}; Path=/api/auth; HttpOnly; SameSite=Lax${request.protocol === 'https' ? '; Secure' : ''}`);
}

/** After an SMS sign-in: binds the openid the browser carries from the WeChat callback, if any, and forgets it. */
export async function bindPendingWechat(wechat: WechatService, request: FastifyRequest, reply: FastifyReply, userId: string): Promise<void> {
  const pending = cookieOf(request, PENDING_COOKIE);
  if (!pending) return;
  setCookie(request, reply, PENDING_COOKIE, '', 0);
  await wechat.bindPending(pending, userId, metaOf(request));
}

const callbackQuery = z.strictObject({ code: z.string().min(1).max(512).optional(), state: z.string().min(1).max(128).optional() });
const wechatBinding = z.object({ enabled: z.boolean(), bound: z.boolean(), boundAt: z.string().nullable() });

export function wechatRoutes(app: App, wechat: WechatService): void {
  const tags = ['auth 登录'];
  // Where the phone app shows why the WeChat entry did not sign in (its message by code).
  const failed = (reply: FastifyReply, code: string) => reply.redirect(`/h5/login?wechat_error=${encodeURIComponent(code)}`);

  app.get(
    '/api/auth/wechat/start',
    { schema: { tags, summary: '微信公众号入口 · WeChat entry: to WeChat’s authorisation (snsapi_base), the menu’s link', security: [] } },
    async (request, reply) => {
      const { state, url } = wechat.start();
      setCookie(request, reply, STATE_COOKIE, state, WECHAT_STEP_SECONDS);
      return reply.redirect(url);
    },
  );

  app.get(
    '/api/auth/wechat/callback',
    { schema: { tags, summary: '微信授权回调 · WeChat sends the browser back here with code and state', security: [], querystring: callbackQuery } },
    async (request, reply) => {
      const kept = cookieOf(request, STATE_COOKIE);
      setCookie(request, reply, STATE_COOKIE, '', 0);
      if (!wechat.enabled) return failed(reply, 'WECHAT_NOT_CONFIGURED');
      if (!wechat.stateMatches(request.query.state, kept)) return failed(reply, 'WECHAT_STATE_MISMATCH');
      if (!request.query.code) return failed(reply, 'WECHAT_UNAVAILABLE');
      try {
        const openid = await wechat.openidFor(request.query.code);
        const session = await wechat.signIn(openid, { ...metaOf(request), userAgent: request.headers['user-agent'] ?? null });
        if (!session) {
          setCookie(request, reply, PENDING_COOKIE, wechat.pendingToken(openid), WECHAT_STEP_SECONDS);
          return reply.redirect('/h5/login?wechat=bind');
        }
        setSessionCookie(request, reply, session.token, new Date(session.expiresAt));
        return reply.redirect('/h5/login?wechat=signed-in');
      } catch (error) {
        if (error instanceof AppError) return failed(reply, error.code);
        throw error;
      }
    },
  );

  app.get(
    '/api/auth/wechat/binding',
    { schema: { tags, summary: '我的微信绑定 · Whether my account has WeChat bound', response: { 200: wechatBinding } } },
    async (request) => wechat.binding(actorOf(request)),
  );

  app.delete('/api/auth/wechat/binding', { schema: { tags, summary: '解除微信绑定 · Unbind my WeChat (audited)' } }, async (request, reply) => {
    await wechat.unbind(actorOf(request), metaOf(request));
    return reply.status(204).send();
  });
}
