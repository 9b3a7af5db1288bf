import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../../config.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { RegionLevel, Role, UserUpdate } from '../../platform/db/schema.js';
import { AppError } from '../../platform/http/errors.js';
import type { Actor, RequestMeta } from '../../platform/request-context.js';
import { isWithin } from '../../platform/scope.js';
import type { AuditService } from '../audit/audit.service.js';
import type { RegionsRepository } from '../regions/regions.repository.js';
import type { CreateUserBody, ListUsersQuery, SessionView, UpdateUserBody, UserView } from './accounts.schema.js';
import { assertPasswordAllowed } from './password-policy.js';
import { decoy, generateOneTimePassword, hashPassword, verifyPassword } from './passwords.js';
import { permissionsOf, requirePermission } from './policies.js';
import { roleLabels, roleRank, roleRegionLevels } from './roles.js';
import { sessionPolicyFor } from './session-policy.js';
import { LAST_SEEN_GRANULARITY_MS, type Failures, type LockLevel, type LoginAttemptsRepository, type SessionsRepository } from './sessions.repository.js';
import type { UserWithRegion, UsersRepository } from './users.repository.js';
import type { VerificationCodesService } from './verification-codes.service.js';

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** The longest server-side pause before checking a password (the delay doubles per failure). */
const MAX_SLOWDOWN_MS = 30_000;

export function toUserView(row: UserWithRegion): UserView {
  return {
    id: row.id,
    phone: row.phone,
    name: row.name,
    role: row.role,
    roleLabel: roleLabels[row.role].zh,
    regionCode: row.region_code,
    regionName: row.region_name,
    mustChangePassword: row.must_change_password,
    disabled: row.disabled_at !== null,
    createdAt: row.created_at.toISOString(),
    lastLoginAt: row.last_login_at?.toISOString() ?? null,
  };
}

/** How a session was started, for the audit trail. `registration`: another module signed a new account in. */
export type SignInMethod = 'password' | 'sms' | 'password+sms' | 'wechat' | 'registration';

/** What the client meta of a sign-in carries. */
export type SignInMeta = RequestMeta & { userAgent: string | null };

/** The roles that see a whole township or more: AUTH_STAFF_SECOND_FACTOR=sms asks them for a password and a code. */
const SECOND_FACTOR_ROLES: readonly Role[] = ['admin', 'township_staff'];

/** How long the password step of a two-factor sign-in stays open for its code. */
const CHALLENGE_TTL_MS = 10 * 60_000;

/** The phone as a code's text goes to it, for "sent to 138****0001". */
const maskPhone = (phone: string) => `${phone.slice(0, 3)}****${phone.slice(-4)}`;

/** The actor behind a session, and whether it may act before changing its password. */
export interface Authenticated {
  actor: Actor;
  sessionId: string;
  mustChangePassword: boolean;
}

export class AccountsService {
  constructor(
    private readonly db: Db,
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
    private readonly attempts: LoginAttemptsRepository,
    private readonly regions: RegionsRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly settings: Config['auth'],
    private readonly codes: VerificationCodesService,
    secret: Buffer,
  ) {
    this.challengeKey = createHmac('sha256', secret).update('shuxiang login challenge v1').digest();
  }

  private readonly challengeKey: Buffer;

  /**
   * Failed logins are limited per phone and address first (a success there resets the count), then
   * per phone from anywhere, then per address as a ceiling against spraying many phones; after a few
   * failures of a phone from an address each further try waits a growing delay. Successes never
   * count, so a township behind one proxy address is not locked out by its own logins.
   */
  async login(phone: string, password: string, meta: SignInMeta) {
    const now = this.clock.now();
    const ip = meta.ip ?? 'unknown';
    const windowMs = this.settings.loginWindowMinutes * 60_000;
    const since = new Date(now.getTime() - windowMs);
    const { id: attemptId, failures } = await this.attempts.begin({ phone, ip, at: now }, since);
    const levels = this.lockLevels(failures);
    const locked = levels.find((level) => level.failures >= level.limit);
    if (locked) {
      await this.attempts.remove(attemptId);
      const startedAt = await this.attempts.lockStartedAt(attemptId, locked.level, phone, ip, since, locked.limit);
      const retryAfterSeconds = Math.max(1, Math.ceil(((startedAt ?? now).getTime() + windowMs - now.getTime()) / 1000));
      throw new AppError('LOGIN_RATE_LIMITED', { retryAfterSeconds });
    }
    const { slowdownAfterFailures, slowdownMs } = this.settings;
    if (failures.phoneIp >= slowdownAfterFailures && slowdownMs > 0) {
      // Awaited with no database connection held: the count above has returned its connection.
      await sleep(Math.min(MAX_SLOWDOWN_MS, slowdownMs * 2 ** (failures.phoneIp - slowdownAfterFailures)));
    }

    const user = await this.users.findByPhone(phone);
    const ok = user ? await verifyPassword(user.password_hash, password) : (await verifyPassword(await decoy(), password), false);
    if (!user || !ok || user.disabled_at) {
      const reason = !user ? 'unknown_phone' : !ok ? 'wrong_password' : 'disabled';
      await this.auditFailure(user, phone, reason, levels, meta);
      throw new AppError(user && ok ? 'ACCOUNT_DISABLED' : 'INVALID_CREDENTIALS');
    }
    await this.attempts.succeed(attemptId);
    if (this.needsSecondFactor(user.role)) return this.secondFactorChallenge(user, meta);
    return this.openSession(user, meta, 'password');
  }

  private needsSecondFactor(role: Role): boolean {
    return this.settings.staffSecondFactor === 'sms' && SECOND_FACTOR_ROLES.includes(role);
  }

  /**
   * The password was right and the role needs a code too: a code goes to the account's phone and the
   * answer is a signed challenge (user and expiry), not a session. A code sent under a minute ago
   * (the password typed again) is not replaced; the challenge says when another may be asked for.
   */
  private async secondFactorChallenge(user: UserWithRegion, meta: SignInMeta) {
    let resendAfterSeconds: number;
    let expiresInSeconds: number;
    try {
      ({ resendAfterSeconds, expiresInSeconds } = await this.codes.request({ phone: user.phone, purpose: 'second_factor', ip: meta.ip, regionPath: user.region_path }));
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'VERIFICATION_RESEND_TOO_SOON') throw error;
      resendAfterSeconds = error.extra.retryAfterSeconds ?? 60;
      expiresInSeconds = 0;
    }
    return {
      secondFactorRequired: true as const,
      challenge: this.signChallenge(user.id, this.clock.now().getTime() + CHALLENGE_TTL_MS),
      phone: maskPhone(user.phone),
      resendAfterSeconds,
      expiresInSeconds,
    };
  }

  private challengeMac(userId: string, expires: number): string {
    return createHmac('sha256', this.challengeKey).update(`${userId}.${expires}`).digest('base64url');
  }

  private signChallenge(userId: string, expires: number): string {
    return `${userId}.${expires}.${this.challengeMac(userId, expires)}`;
  }

  /** The account whose password step the challenge proves; LOGIN_CHALLENGE_INVALID when forged or past its time. */
  private async challengedUser(challenge: string): Promise<UserWithRegion> {
    const [userId, expires, mac] = challenge.split('.');
    const expected = userId && expires && /^\d{1,15}$/.test(expires) ? Buffer.from(this.challengeMac(userId, Number(expires))) : undefined;
    const given = Buffer.from(mac ?? '');
    if (!expected || expected.length !== given.length || !timingSafeEqual(expected, given) || Number(expires) <= this.clock.now().getTime()) {
      throw new AppError('LOGIN_CHALLENGE_INVALID');
    }
    const user = await this.users.findById(userId!);
    if (!user) throw new AppError('LOGIN_CHALLENGE_INVALID');
    return user;
  }

  /** Another code for an open two-factor sign-in (the 60 s and daily caps apply). */
  async resendSecondFactor(challenge: string, meta: SignInMeta) {
    const user = await this.challengedUser(challenge);
    const sent = await this.codes.request({ phone: user.phone, purpose: 'second_factor', ip: meta.ip, regionPath: user.region_path });
    return { ...sent, phone: maskPhone(user.phone) };
  }

  /** The second step of a two-factor sign-in: the challenge from the password step and the code. */
  async loginSecondFactor(challenge: string, code: string, meta: SignInMeta) {
    const user = await this.challengedUser(challenge);
    try {
      await this.codes.consume({ phone: user.phone, purpose: 'second_factor', code, ip: meta.ip });
    } catch (error) {
      await this.auditFailure(user, user.phone, `second_factor_${codeFailure(error)}`, [], meta);
      throw error;
    }
    if (user.disabled_at) {
      await this.auditFailure(user, user.phone, 'disabled', [], meta);
      throw new AppError('ACCOUNT_DISABLED');
    }
    return this.openSession(user, meta, 'password+sms');
  }

  /**
   * Sends a sign-in code. The answer is the same whether or not the phone has an account: for an
   * unknown phone the code is made and counted like any other, only its text is not sent.
   */
  async requestLoginCode(phone: string, meta: SignInMeta) {
    const user = await this.users.findByPhone(phone);
    return this.codes.request({ phone, purpose: 'login', ip: meta.ip, regionPath: user?.region_path ?? '/', deliver: user !== undefined });
  }

  /** Signs in with the phone and its code: the same session as a password login, refused to roles that need both. */
  async loginBySms(phone: string, code: string, meta: SignInMeta) {
    const user = await this.users.findByPhone(phone);
    try {
      await this.codes.consume({ phone, purpose: 'login', code, ip: meta.ip });
    } catch (error) {
      await this.auditFailure(user, phone, `sms_${codeFailure(error)}`, [], meta);
      throw error;
    }
    // A code can only have reached a phone with an account; this is a guess that came true.
    if (!user) {
      await this.auditFailure(user, phone, 'unknown_phone', [], meta);
      throw new AppError('VERIFICATION_CODE_INVALID');
    }
    if (user.disabled_at) {
      await this.auditFailure(user, phone, 'disabled', [], meta);
      throw new AppError('ACCOUNT_DISABLED');
    }
    if (this.needsSecondFactor(user.role)) {
      await this.auditFailure(user, phone, 'second_factor_required', [], meta);
      throw new AppError('SECOND_FACTOR_REQUIRED');
    }
    return this.openSession(user, meta, 'sms');
  }

  /**
   * Starts a session for an account that has proved who it is some other way (a registration that
   * verified the phone, a bound WeChat account): the same token, cookie lifetime and limits as a
   * login. Refused for a disabled account, and for a role that must sign in with two factors.
   */
  async startSession(userId: string, meta: SignInMeta, via: SignInMethod = 'registration') {
    const user = await this.users.findById(userId);
    if (!user) throw new AppError('USER_NOT_FOUND');
    if (user.disabled_at) throw new AppError('ACCOUNT_DISABLED');
    if (this.needsSecondFactor(user.role)) throw new AppError('SECOND_FACTOR_REQUIRED');
    return this.openSession(user, meta, via);
  }

  private async openSession(user: UserWithRegion, meta: SignInMeta, via: SignInMethod) {
    const now = this.clock.now();
    const policy = sessionPolicyFor(user.role, this.settings);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + policy.ttlMs);
    const actor: Actor = { userId: user.id, role: user.role, name: user.name, phone: user.phone, scope: { regionCode: user.region_code, path: user.region_path } };
    await this.db.transaction().execute(async (tx) => {
      // One login at a time per account, so two at once cannot both stay under the limit.
      await this.users.lock(user.id, tx);
      const sessionId = await this.sessions.create({ tokenHash: hashToken(token), userId: user.id, expiresAt, ip: meta.ip, userAgent: meta.userAgent }, now, tx);
      await this.users.update(user.id, { last_login_at: now }, tx);
      await this.audit.record(tx, actor, meta, {
        action: 'auth.login',
        targetType: 'session',
        targetId: sessionId,
        regionPath: user.region_path,
        details: { userAgent: meta.userAgent, via },
      });
      if (!Number.isFinite(policy.maxConcurrent)) return;
      const live = await this.sessions.listLive(user.id, now, this.liveBounds(now, policy), tx);
      for (const old of live.slice(policy.maxConcurrent)) {
        await this.sessions.revoke(old.id, now, tx);
        await this.audit.record(tx, actor, meta, {
          action: 'auth.session_evicted',
          targetType: 'session',
          targetId: old.id,
          regionPath: user.region_path,
          details: { limit: policy.maxConcurrent, createdAt: old.created_at.toISOString(), ip: old.ip, userAgent: old.user_agent },
        });
      }
    });
    const view = toUserView({ ...user, last_login_at: now });
    return { token, expiresAt: expiresAt.toISOString(), user: { ...view, mustChangePassword: view.mustChangePassword || this.passwordExpired(user, now) } };
  }

  private lockLevels(failures: Failures): { level: LockLevel; failures: number; limit: number }[] {
    return [
      { level: 'phone_ip', failures: failures.phoneIp, limit: this.settings.maxFailuresPerPhoneIp },
      { level: 'phone', failures: failures.phone, limit: this.settings.maxFailuresPerPhone },
      { level: 'ip', failures: failures.ip, limit: this.settings.maxFailuresPerIp },
    ];
  }

  /** Every failed login, and the failure that locks a level (once per lock, so a flood adds no more). */
  private async auditFailure(
    user: UserWithRegion | undefined,
    phone: string,
    reason: string,
    levels: { level: LockLevel; failures: number; limit: number }[],
    meta: RequestMeta & { userAgent: string | null },
  ) {
    // Unknown phones belong to no region: kept, but shown in no one's list.
    const target = user ? { targetType: 'user', targetId: user.id, regionPath: user.region_path } : { targetType: 'phone', targetId: phone, regionPath: '/' };
    await this.audit.record(this.db, null, meta, { action: 'auth.login_failed', ...target, details: { phone, reason, userAgent: meta.userAgent } });
    for (const level of levels.filter((l) => l.failures + 1 === l.limit)) {
      await this.audit.record(this.db, null, meta, {
        action: 'auth.login_locked',
        ...target,
        details: { phone, level: level.level, failures: level.limit, minutes: this.settings.loginWindowMinutes },
      });
    }
  }

  private liveBounds(now: Date, policy: { idleMs: number; ttlMs: number }) {
    return { seenSince: new Date(now.getTime() - policy.idleMs), createdSince: new Date(now.getTime() - policy.ttlMs) };
  }

  /** Staff passwords older than PASSWORD_MAX_AGE_DAYS (when set) must be changed before acting. */
  private passwordExpired(user: UserWithRegion, now: Date): boolean {
    const days = this.settings.passwordMaxAgeDays;
    if (days === 0 || !sessionPolicyFor(user.role, this.settings).passwordExpires) return false;
    return now.getTime() - user.password_changed_at.getTime() >= days * 86_400_000;
  }

  /**
   * Resolves a bearer token to its actor; undefined when unknown, revoked, past its role's lifetime
   * or idle longer than its role's idle timeout (last_seen_at moves at most once a minute).
   */
  async authenticate(token: string): Promise<Authenticated | undefined> {
    const now = this.clock.now();
    const session = await this.sessions.findLive(hashToken(token), now);
    if (!session) return undefined;
    const user = await this.users.findById(session.user_id);
    if (!user) return undefined;
    if (user.disabled_at) throw new AppError('ACCOUNT_DISABLED');
    const policy = sessionPolicyFor(user.role, this.settings);
    const idle = now.getTime() - session.last_seen_at.getTime();
    // The role's lifetime is checked here too, so a shortened setting applies to sessions already open.
    if (idle >= policy.idleMs || now.getTime() - session.created_at.getTime() >= policy.ttlMs) return undefined;
    if (idle >= LAST_SEEN_GRANULARITY_MS) await this.sessions.touch(session.id, now);
    return {
      actor: { userId: user.id, role: user.role, name: user.name, phone: user.phone, scope: { regionCode: user.region_code, path: user.region_path } },
      sessionId: session.id,
      mustChangePassword: user.must_change_password || this.passwordExpired(user, now),
    };
  }

  async logout(sessionId: string) {
    await this.sessions.revoke(sessionId, this.clock.now());
  }

  async me(auth: Authenticated) {
    const { actor } = auth;
    const user = await this.users.findById(actor.userId);
    const region = await this.regions.findByCode(actor.scope.regionCode);
    if (!user || !region) throw new AppError('UNAUTHENTICATED');
    const permissions = permissionsOf(actor.role);
    // An expired password shows as a pending change, so the apps open the password page.
    const view = { ...toUserView(user), mustChangePassword: auth.mustChangePassword };
    return { user: view, scope: { code: region.code, name: region.name, level: region.level }, permissions };
  }

  /** One's own live sessions, newest first (audited: 安全审计 of session management). */
  async listSessions(auth: Authenticated, meta: RequestMeta): Promise<{ items: SessionView[] }> {
    const now = this.clock.now();
    const policy = sessionPolicyFor(auth.actor.role, this.settings);
    const rows = await this.sessions.listLive(auth.actor.userId, now, this.liveBounds(now, policy));
    await this.audit.record(this.db, auth.actor, meta, {
      action: 'auth.sessions_list',
      targetType: 'user',
      targetId: auth.actor.userId,
      regionPath: auth.actor.scope.path,
    });
    return {
      items: rows.map((row) => ({
        id: row.id,
        createdAt: row.created_at.toISOString(),
        lastSeenAt: row.last_seen_at.toISOString(),
        expiresAt: new Date(Math.min(row.expires_at.getTime(), row.created_at.getTime() + policy.ttlMs)).toISOString(),
        ip: row.ip,
        userAgent: row.user_agent,
        current: row.id === auth.sessionId,
      })),
    };
  }

  /** 退出所有设备: ends every session of one's own, this one included (the app returns to its sign-in page). */
  async endAllSessions(auth: Authenticated, meta: RequestMeta): Promise<{ ended: number }> {
    const now = this.clock.now();
    return this.db.transaction().execute(async (tx) => {
      const ended = await this.sessions.revokeAllOf(auth.actor.userId, now, undefined, tx);
      await this.audit.record(tx, auth.actor, meta, {
        action: 'auth.sessions_end_all',
        targetType: 'user',
        targetId: auth.actor.userId,
        regionPath: auth.actor.scope.path,
        details: { ended },
      });
      return { ended };
    });
  }

  /** Ends one of one's own sessions (a lost phone, a shared computer); ending the current one signs out. */
  async endSession(auth: Authenticated, id: string, meta: RequestMeta) {
    const now = this.clock.now();
    await this.db.transaction().execute(async (tx) => {
      if (!(await this.sessions.revokeOwn(auth.actor.userId, id, now, tx))) throw new AppError('SESSION_NOT_FOUND');
      await this.audit.record(tx, auth.actor, meta, {
        action: 'auth.session_end',
        targetType: 'session',
        targetId: id,
        regionPath: auth.actor.scope.path,
        details: { current: id === auth.sessionId },
      });
    });
  }

  /** Changing the password ends every other session of the user. */
  async changePassword(auth: Authenticated, currentPassword: string, newPassword: string, meta: RequestMeta) {
    const user = await this.users.findById(auth.actor.userId);
    if (!user) throw new AppError('UNAUTHENTICATED');
    if (!(await verifyPassword(user.password_hash, currentPassword))) throw new AppError('WRONG_PASSWORD');
    // Compared with the stored hash, not with the typed current password.
    if (await verifyPassword(user.password_hash, newPassword)) {
      throw new AppError('PASSWORD_REUSED', { details: [{ field: 'body.newPassword', message: '新密码不能与原密码相同', messageEn: 'the new password must differ from the current one' }] });
    }
    assertPasswordAllowed(newPassword, { phone: user.phone }, 'body.newPassword');
    const passwordHash = await hashPassword(newPassword);
    const now = this.clock.now();
    await this.db.transaction().execute(async (tx) => {
      await this.users.update(user.id, { password_hash: passwordHash, must_change_password: false, password_changed_at: now, updated_at: now }, tx);
      await this.sessions.revokeAllOf(user.id, now, auth.sessionId, tx);
      await this.audit.record(tx, auth.actor, meta, {
        action: 'user.password_change',
        targetType: 'user',
        targetId: user.id,
        regionPath: user.region_path,
      });
    });
  }

  async listUsers(actor: Actor, query: ListUsersQuery) {
    requirePermission(actor.role, 'users.read');
    const { page, pageSize, ...filter } = query;
    const { rows, total } = await this.users.list(actor.scope, filter, { page, pageSize });
    return { items: rows.map(toUserView), total, page, pageSize };
  }

  async getUser(actor: Actor, id: string): Promise<UserView> {
    if (id !== actor.userId) requirePermission(actor.role, 'users.read');
    const row = id === actor.userId ? await this.users.findById(id) : await this.users.findInScope(actor.scope, id);
    if (!row) throw new AppError('USER_NOT_FOUND');
    return toUserView(row);
  }

  async createUser(actor: Actor | null, body: CreateUserBody, meta: RequestMeta) {
    if (actor) requirePermission(actor.role, 'users.write');
    const region = await this.assignableRegion(actor, body.role, body.regionCode);
    if (body.password !== undefined) assertPasswordAllowed(body.password, { phone: body.phone }, 'body.password');
    const initialPassword = body.password ?? generateOneTimePassword(body.phone);
    const now = this.clock.now();
    const passwordHash = await hashPassword(initialPassword);
    const id = await this.db.transaction().execute(async (tx) => {
      const newId = await this.users.insert(
        {
          phone: body.phone,
          name: body.name,
          role: body.role,
          region_code: region.code,
          password_hash: passwordHash,
          // Whoever set this password is not the account's owner; the owner replaces it first.
          must_change_password: true,
          password_changed_at: now,
          created_at: now,
          updated_at: now,
        },
        tx,
      );
      if (!newId) throw new AppError('PHONE_TAKEN');
      await this.audit.record(tx, actor, meta, {
        action: 'user.create',
        targetType: 'user',
        targetId: newId,
        regionPath: region.path,
        details: { phone: body.phone, name: body.name, role: body.role, regionCode: region.code },
      });
      return newId;
    });
    const user = toUserView((await this.users.findById(id))!);
    return body.password ? { user } : { user, initialPassword };
  }

  /**
   * A villager account made on behalf of another module's rule, in that module's transaction (the
   * party module registers a member who has no account yet). The region must lie in the caller's
   * scope; the one-time password is returned once and must be changed at first login. Undefined when
   * the phone is taken.
   */
  async createVillagerIn(tx: Db, actor: Actor, input: { phone: string; name: string; regionCode: string }, meta: RequestMeta) {
    this.assertManages(actor, 'villager');
    // Read in the caller's transaction: a second connection per transaction could exhaust the pool.
    const region = await this.regions.findByCode(input.regionCode, tx);
    if (!region || !isWithin(actor.scope, region.path)) throw new AppError('REGION_NOT_FOUND', { detail: { zh: `区域 ${input.regionCode}`, en: `region ${input.regionCode}` } });
    if (!(roleRegionLevels.villager as readonly RegionLevel[]).includes(region.level)) throw new AppError('ROLE_REGION_MISMATCH');
    const initialPassword = generateOneTimePassword(input.phone);
    const now = this.clock.now();
    const id = await this.users.insert(
      {
        phone: input.phone,
        name: input.name,
        role: 'villager',
        region_code: region.code,
        password_hash: await hashPassword(initialPassword),
        must_change_password: true,
        password_changed_at: now,
        created_at: now,
        updated_at: now,
      },
      tx,
    );
    if (!id) return undefined;
    await this.audit.record(tx, actor, meta, {
      action: 'user.create',
      targetType: 'user',
      targetId: id,
      regionPath: region.path,
      details: { phone: input.phone, name: input.name, role: 'villager', regionCode: region.code },
    });
    return { id, initialPassword };
  }

  /** Whom to tell about work at a region: active users there with one of `roles`. */
  contactsAt(regionCode: string, roles: Role[], db?: Db) {
    return this.users.activeAt(regionCode, roles, db);
  }

  /** Active users with one of `roles` anywhere at or below the region path (a village's grid workers). */
  contactsWithin(regionPath: string, roles: Role[], db?: Db) {
    return this.users.activeWithin(regionPath, roles, db);
  }

  /** The account as the actor of a change it makes itself (binding its WeChat at sign-in). */
  async actorFor(userId: string): Promise<Actor | undefined> {
    const user = await this.users.findById(userId);
    return user && { userId: user.id, role: user.role, name: user.name, phone: user.phone, scope: { regionCode: user.region_code, path: user.region_path } };
  }

  async contactOf(userId: string) {
    const user = await this.users.findById(userId);
    return user ? { id: user.id, name: user.name, phone: user.phone, role: user.role } : undefined;
  }

  countUsers(): Promise<number> {
    return this.users.countAll();
  }

  /**
   * Demo accounts share a published password and need no first-login change. Demo mode only. The
   * password policy is not applied: the published `shuxiang-demo` has two character classes.
   */
  async createDemoUser(account: { phone: string; name: string; role: Role; regionCode: string; password: string }) {
    const now = this.clock.now();
    await this.users.insert({
      phone: account.phone,
      name: account.name,
      role: account.role,
      region_code: account.regionCode,
      password_hash: await hashPassword(account.password),
      is_demo: true,
      password_changed_at: now,
      created_at: now,
      updated_at: now,
    });
  }

  async updateUser(actor: Actor, id: string, body: UpdateUserBody, meta: RequestMeta): Promise<UserView> {
    requirePermission(actor.role, 'users.write');
    const target = await this.users.findInScope(actor.scope, id);
    if (!target) throw new AppError('USER_NOT_FOUND');
    this.assertManages(actor, target.role);
    if (id === actor.userId && (body.role !== undefined || body.disabled !== undefined || body.regionCode !== undefined)) {
      throw new AppError('FORBIDDEN', { detail: { zh: '不能修改自己的角色、区域或状态', en: 'you cannot change your own role, region or status' } });
    }
    const role = body.role ?? target.role;
    const region = await this.assignableRegion(actor, role, body.regionCode ?? target.region_code);
    const now = this.clock.now();
    const changes: UserUpdate = { updated_at: now };
    if (body.name !== undefined) changes.name = body.name;
    if (body.role !== undefined) changes.role = body.role;
    if (body.regionCode !== undefined) changes.region_code = region.code;
    if (body.disabled !== undefined) changes.disabled_at = body.disabled ? (target.disabled_at ?? now) : null;

    await this.db.transaction().execute(async (tx) => {
      await this.users.update(id, changes, tx);
      if (body.disabled || body.role !== undefined || body.regionCode !== undefined) {
        // A narrowed or removed account must not keep acting through old sessions.
        await this.sessions.revokeAllOf(id, now, undefined, tx);
      }
      await this.audit.record(tx, actor, meta, {
        action: 'user.update',
        targetType: 'user',
        targetId: id,
        regionPath: region.path,
        details: {
          before: { name: target.name, role: target.role, regionCode: target.region_code, disabled: target.disabled_at !== null },
          after: body,
        },
      });
    });
    return toUserView((await this.users.findById(id))!);
  }

  async resetPassword(actor: Actor, id: string, meta: RequestMeta) {
    requirePermission(actor.role, 'users.write');
    const target = await this.users.findInScope(actor.scope, id);
    if (!target) throw new AppError('USER_NOT_FOUND');
    this.assertManages(actor, target.role);
    const initialPassword = generateOneTimePassword(target.phone);
    const passwordHash = await hashPassword(initialPassword);
    const now = this.clock.now();
    await this.db.transaction().execute(async (tx) => {
      await this.users.update(id, { password_hash: passwordHash, must_change_password: true, password_changed_at: now, updated_at: now }, tx);
      await this.sessions.revokeAllOf(id, now, undefined, tx);
      await this.audit.record(tx, actor, meta, {
        action: 'user.password_reset',
        targetType: 'user',
        targetId: id,
        regionPath: target.region_path,
      });
    });
    return { initialPassword };
  }

  /** Nobody manages an account at or above their own rank, except an administrator. */
  private assertManages(actor: Actor | null, targetRole: Role) {
    if (!actor || actor.role === 'admin') return;
    if (roleRank[targetRole] >= roleRank[actor.role]) {
      throw new AppError('FORBIDDEN', {
        detail: { zh: '不能管理同级或更高级别的账号', en: 'you cannot manage accounts at or above your own level' },
      });
    }
  }

  /** The region a role may be given: it exists, fits the role's level and lies inside the actor's scope. */
  private async assignableRegion(actor: Actor | null, role: Role, code: string) {
    this.assertManages(actor, role);
    const region = await this.regions.findByCode(code);
    if (!region || (actor && !isWithin(actor.scope, region.path))) {
      throw new AppError('REGION_NOT_FOUND', { detail: { zh: `区域 ${code}`, en: `region ${code}` } });
    }
    if (!(roleRegionLevels[role] as readonly RegionLevel[]).includes(region.level)) {
      throw new AppError('ROLE_REGION_MISMATCH', {
        details: [
          {
            field: 'body.regionCode',
            message: `${roleLabels[role].zh}应属于${roleRegionLevels[role].join('或')}级区域`,
            messageEn: `a ${role} belongs to a region of level ${roleRegionLevels[role].join(' or ')}`,
          },
        ],
      });
    }
    return region;
  }
}

/** The code check's refusal, for the audit trail's reason. */
function codeFailure(error: unknown): string {
  const code = error instanceof AppError ? error.code : 'error';
  return code.replace(/^VERIFICATION_CODE_/, '').toLowerCase();
}
