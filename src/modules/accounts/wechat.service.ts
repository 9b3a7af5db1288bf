import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { AppError } from '../../platform/http/errors.js';
import type { Actor, RequestMeta } from '../../platform/request-context.js';
import type { AuditService } from '../audit/audit.service.js';
import type { AccountsService, SignInMeta } from './accounts.service.js';
import type { WechatRepository } from './wechat.repository.js';

/** How long the browser has to come back from WeChat, and then to finish the SMS sign-in that binds its openid. */
export const WECHAT_STEP_SECONDS = 600;
const API_TIMEOUT_MS = 5000;
const OPENID = /^[A-Za-z0-9_-]{6,64}$/;

/**
 * The WeChat official account (公众号) entry, by its documented web-page OAuth2 with scope
 * snsapi_base (the openid only, no consent page; the nickname is not needed, so snsapi_userinfo is
 * never asked for): the menu opens /api/auth/wechat/start, WeChat sends the browser back with a
 * code, the code becomes an openid at the API, and a bound openid signs its user in. An openid not
 * bound yet is carried, signed, to the SMS-code sign-in, which binds it.
 */
export class WechatService {
  private readonly pendingKey: Buffer;

  constructor(
    private readonly deps: {
      db: Db;
      repository: WechatRepository;
      accounts: AccountsService;
      audit: AuditService;
      clock: Clock;
      logger: Logger;
      settings: Config['wechat'];
      secret: Buffer;
    },
  ) {
    this.pendingKey = createHmac('sha256', deps.secret).update('shuxiang wechat pending v1').digest();
  }

  get enabled(): boolean {
    return this.deps.settings !== undefined;
  }

  private get settings(): NonNullable<Config['wechat']> {
    if (!this.deps.settings) throw new AppError('WECHAT_NOT_CONFIGURED');
    return this.deps.settings;
  }

  /** A fresh random `state` (kept by the browser in a cookie, checked on the way back) and where to send the browser. */
  start(): { state: string; url: string } {
    const { appId, oauthBaseUrl, publicUrl } = this.settings;
    const state = randomBytes(24).toString('base64url');
    const query = new URLSearchParams({
      appid: appId,
      redirect_uri: `${publicUrl}/api/auth/wechat/callback`,
      response_type: 'code',
      scope: 'snsapi_base',
      state,
    });
    // WeChat requires its parameters in this order and the #wechat_redirect fragment.
    return { state, url: `${oauthBaseUrl}/connect/oauth2/authorize?${query.toString()}#wechat_redirect` };
  }

  /** Whether the `state` WeChat sent back is the one this browser was given (compared in constant time). */
  stateMatches(returned: string | undefined, kept: string | undefined): boolean {
    if (!returned || !kept) return false;
    const a = Buffer.from(returned);
    const b = Buffer.from(kept);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** The code WeChat sent back, exchanged at {api}/sns/oauth2/access_token for the openid. */
  async openidFor(code: string): Promise<string> {
    const { appId, appSecret, apiBaseUrl } = this.settings;
    const query = new URLSearchParams({ appid: appId, secret: appSecret, code, grant_type: 'authorization_code' });
    let body: { openid?: unknown; errcode?: unknown; errmsg?: unknown };
    try {
      const response = await fetch(`${apiBaseUrl}/sns/oauth2/access_token?${query.toString()}`, { signal: AbortSignal.timeout(API_TIMEOUT_MS) });
      body = (await response.json()) as typeof body;
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'WeChat access_token request failed');
      throw new AppError('WECHAT_UNAVAILABLE');
    }
    if (body.errcode !== undefined && body.errcode !== 0) {
      this.deps.logger.warn({ errcode: body.errcode, errmsg: body.errmsg }, 'WeChat refused the authorisation code');
      throw new AppError('WECHAT_UNAVAILABLE');
    }
    if (typeof body.openid !== 'string' || !OPENID.test(body.openid)) {
      this.deps.logger.warn('WeChat answered without a usable openid');
      throw new AppError('WECHAT_UNAVAILABLE');
    }
    return body.openid;
  }

  /** A bound openid's session; `undefined` when no one has bound it yet. */
  async signIn(openid: string, meta: SignInMeta) {
    const userId = await this.deps.repository.userOf(this.settings.appId, openid);
    return userId ? this.deps.accounts.startSession(userId, meta, 'wechat') : undefined;
  }

  /** The openid to bind at the next SMS sign-in, signed with its expiry (kept by the browser in a cookie). */
  pendingToken(openid: string): string {
    const expires = this.deps.clock.now().getTime() + WECHAT_STEP_SECONDS * 1000;
    return `${openid}.${expires}.${this.pendingMac(openid, expires)}`;
  }

  private pendingMac(openid: string, expires: number): string {
    return createHmac('sha256', this.pendingKey).update(`${this.settings.appId}.${openid}.${expires}`).digest('base64url');
  }

  private pendingOpenid(token: string): string | undefined {
    const [openid, expires, mac] = token.split('.');
    if (!openid || !OPENID.test(openid) || !expires || !/^\d{1,15}$/.test(expires) || !mac) return undefined;
    const expected = Buffer.from(this.pendingMac(openid, Number(expires)));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    return Number(expires) > this.deps.clock.now().getTime() ? openid : undefined;
  }

  /** After an SMS sign-in that started in WeChat: binds the carried openid to the user who proved their phone. */
  async bindPending(token: string, userId: string, meta: RequestMeta): Promise<boolean> {
    if (!this.enabled) return false;
    const openid = this.pendingOpenid(token);
    if (!openid) return false;
    const { db, repository, audit, clock } = this.deps;
    const actor = await this.deps.accounts.actorFor(userId);
    if (!actor) return false;
    await db.transaction().execute(async (tx) => {
      const takenFrom = await repository.bind(tx, { userId, appId: this.settings.appId, openid, at: clock.now() });
      await audit.record(tx, actor, meta, {
        action: 'auth.wechat_bind',
        targetType: 'user',
        targetId: userId,
        regionPath: actor.scope.path,
        details: takenFrom ? { movedFrom: takenFrom } : {},
      });
    });
    return true;
  }

  /** 我的 · 微信绑定: whether the entry is on and whether this account has an openid bound. */
  async binding(actor: Actor) {
    if (!this.enabled) return { enabled: false, bound: false, boundAt: null };
    const row = await this.deps.repository.bindingOf(actor.userId, this.settings.appId);
    return { enabled: true, bound: row !== undefined, boundAt: row?.created_at.toISOString() ?? null };
  }

  /** 解除绑定: WeChat no longer signs this account in; the next entry from it asks for an SMS code. */
  async unbind(actor: Actor, meta: RequestMeta) {
    const { db, repository, audit } = this.deps;
    await db.transaction().execute(async (tx) => {
      if (!(await repository.unbind(tx, actor.userId, this.settings.appId))) throw new AppError('WECHAT_NOT_BOUND');
      await audit.record(tx, actor, meta, { action: 'auth.wechat_unbind', targetType: 'user', targetId: actor.userId, regionPath: actor.scope.path });
    });
  }
}
