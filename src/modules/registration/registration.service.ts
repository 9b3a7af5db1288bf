import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { AppError } from '../../platform/http/errors.js';
import type { Actor, RequestMeta } from '../../platform/request-context.js';
import { RateWindow } from '../../platform/rate-window.js';
import { isWithin } from '../../platform/scope.js';
import type { SmsOutbox } from '../../platform/sms/sms-outbox.js';
import type { AccountsService, SignInMeta } from '../accounts/accounts.service.js';
import { hashPassword } from '../accounts/passwords.js';
import { requirePermission } from '../accounts/policies.js';
import type { VerificationCodesService } from '../accounts/verification-codes.service.js';
import type { AuditService } from '../audit/audit.service.js';
import type { HouseholdsService } from '../households/households.service.js';
import type { RegionsService } from '../regions/regions.service.js';
import { renderJoinPoster } from './join-poster.js';
import { PRIVACY_NOTICE } from './privacy-notice.js';
import type { AccountByPhone, JoinLinkRow, RegistrationRepository, RegistrationRow } from './registration.repository.js';
import type {
  HouseholdChoice,
  JoinInfo,
  JoinLinkView,
  ListRegistrationsQuery,
  RegisterBody,
  RegistrationStatus,
  RegistrationView,
  VillagerView,
} from './registration.schema.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** Names compare without spaces and in one Unicode form (张 建明 = 张建明). */
const sameName = (a: string, b: string) => a.normalize('NFC').replace(/\s+/g, '') === b.normalize('NFC').replace(/\s+/g, '');
/** An approved registration's one sign-in stays open this long after the decision. */
const SIGN_IN_WINDOW_MS = 30 * 86_400_000;
const HOUSEHOLD_CHOICES = 5;
const HOUSEHOLD_SEARCHES_PER_WINDOW = 20;
const HOUSEHOLD_SEARCH_WINDOW_MS = 10 * 60_000;

/** 张建明 → 张*明, 张明 → 张*: enough for a neighbour to recognise, not to read off a register. */
export function maskName(name: string): string {
  const chars = [...name];
  if (chars.length <= 1) return name;
  if (chars.length === 2) return `${chars[0]}*`;
  return `${chars[0]}${'*'.repeat(chars.length - 2)}${chars.at(-1)}`;
}

function toView(row: RegistrationRow): RegistrationView {
  return {
    id: row.id,
    status: row.status,
    villageCode: row.village_code,
    villageName: row.village_name,
    phone: row.phone,
    name: row.name,
    household: row.household_id && row.household_name ? { id: row.household_id, name: row.household_name, address: row.household_address } : null,
    householdText: row.household_text,
    consentVersion: row.consent_version,
    consentAt: row.consent_at.toISOString(),
    userId: row.user_id,
    decidedBy: row.decided_by_name,
    decidedAt: row.decided_at?.toISOString() ?? null,
    reason: row.reason,
    createdAt: row.created_at.toISOString(),
  };
}

/**
 * 村民注册: a villager joins their village through its join link. The token fixes the village; a phone
 * verified by SMS code plus a name that match a member of that village's household register (an
 * account a cadre entered, never used) activate that account at once; anyone else waits for the
 * village's cadres, who approve into a household of the village or refuse with a reason. Cadres also
 * re-bind a villager to another household or phone. Every decision is audited.
 */
export class RegistrationService {
  /** Anonymous household searches per address: enough to find one's own household, too few to list a village. */
  private readonly searches: RateWindow;

  constructor(
    private readonly deps: {
      db: Db;
      repository: RegistrationRepository;
      regions: RegionsService;
      households: HouseholdsService;
      accounts: AccountsService;
      codes: VerificationCodesService;
      sms: SmsOutbox;
      audit: AuditService;
      clock: Clock;
      /** Where phones reach the platform (PUBLIC_URL, else this server's own address). */
      publicBaseUrl: () => string;
    },
  ) {
    this.searches = new RateWindow(deps.clock, HOUSEHOLD_SEARCHES_PER_WINDOW, HOUSEHOLD_SEARCH_WINDOW_MS);
  }

  // ---- the join link and its poster (cadres, staff) ----

  async joinLink(actor: Actor, villageCode: string): Promise<JoinLinkView> {
    const village = await this.manageableVillage(actor, villageCode);
    let link = await this.deps.repository.linkOf(village.code);
    if (!link) {
      await this.deps.repository.insertLink({ village_code: village.code, region_path: village.path, token: newToken(), created_by: actor.userId, created_at: this.deps.clock.now() });
      link = (await this.deps.repository.linkOf(village.code))!;
    }
    return this.linkView(link);
  }

  /** A new token: the old link and every printed poster stop working. */
  async regenerateJoinLink(actor: Actor, villageCode: string, meta: RequestMeta): Promise<JoinLinkView> {
    const village = await this.manageableVillage(actor, villageCode);
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.replaceLink(tx, { village_code: village.code, region_path: village.path, token: newToken(), created_by: actor.userId, created_at: this.deps.clock.now() });
      await this.deps.audit.record(tx, actor, meta, { action: 'join_token.regenerated', targetType: 'region', targetId: village.code, regionPath: village.path });
    });
    return this.linkView((await this.deps.repository.linkOf(village.code))!);
  }

  async joinPoster(actor: Actor, villageCode: string): Promise<{ pdf: Buffer; filename: string }> {
    const link = await this.joinLink(actor, villageCode);
    const pdf = await renderJoinPoster({ villageFullName: link.villageFullName, url: link.url });
    return { pdf, filename: `join-${link.villageCode}.pdf` };
  }

  // ---- the public registration form ----

  async joinInfo(token: string): Promise<JoinInfo> {
    const link = await this.link(token);
    return {
      village: { code: link.village_code, name: link.village_name, fullName: await this.deps.repository.fullName(link.region_path) },
      privacy: {
        version: PRIVACY_NOTICE.version,
        title: PRIVACY_NOTICE.title.zh,
        titleEn: PRIVACY_NOTICE.title.en,
        sections: PRIVACY_NOTICE.sections.map((s) => ({ heading: s.heading, body: s.body })),
        short: PRIVACY_NOTICE.short.zh,
        shortEn: PRIVACY_NOTICE.short.en,
      },
    };
  }

  /**
   * Households of the link's village for an anonymous visitor: only by the head's full name or part of
   * the house number, a handful at a time, the head's name masked; never the village's list.
   */
  async searchHouseholds(token: string, q: string, ip: string | null): Promise<{ items: HouseholdChoice[] }> {
    const link = await this.link(token);
    const retryAfterSeconds = this.searches.take(ip ?? 'unknown');
    if (retryAfterSeconds !== null) throw new AppError('JOIN_SEARCH_RATE_LIMITED', { retryAfterSeconds });
    const rows = await this.deps.repository.searchHouseholds(link.village_code, q, HOUSEHOLD_CHOICES);
    return { items: rows.map((r) => ({ id: r.id, head: r.head_name ? maskName(r.head_name) : null, address: r.address })) };
  }

  async requestCode(token: string, phone: string, ip: string | null) {
    const link = await this.link(token);
    return this.deps.codes.request({ phone, purpose: 'register', ip, regionPath: link.region_path });
  }

  /**
   * Registers through a join link. Input errors are found before the code is used, so the villager can
   * correct and send again. A repeat with the same browser key returns the registration it made; a new
   * submit for a phone already pending in this village returns that one (with the new key).
   */
  async register(token: string, body: RegisterBody, meta: SignInMeta): Promise<{ registration: RegistrationStatus; session: { token: string; expiresAt: string } | null }> {
    const link = await this.link(token);
    if (body.consentVersion !== PRIVACY_NOTICE.version) throw new AppError('PRIVACY_CONSENT_OUTDATED');
    const keyHash = sha256(body.statusKey);
    const repeated = await this.deps.repository.byKeyHash(keyHash);
    if (repeated) {
      if (repeated.phone !== body.phone || repeated.village_code !== link.village_code) throw new AppError('REGISTRATION_NOT_FOUND');
      return { registration: this.statusOf(repeated), session: null };
    }
    if (body.householdId) {
      const household = await this.deps.repository.householdOf(body.householdId);
      if (household?.village_code !== link.village_code) {
        throw new AppError('HOUSEHOLD_OUTSIDE_VILLAGE', { details: [{ field: 'body.householdId', message: '所选的户不属于本村', messageEn: 'the household is not in this village' }] });
      }
    }
    await this.deps.codes.consume({ phone: body.phone, purpose: 'register', code: body.code, ip: meta.ip });
    const now = this.deps.clock.now();
    const consent = { status_key_hash: keyHash, consent_version: PRIVACY_NOTICE.version, consent_at: now, consent_ip: meta.ip };
    // Whoever is registering owns an account of the register only once the transaction has decided so.
    const unusablePassword = await hashPassword(randomBytes(32).toString('base64url'));
    const outcome = await this.deps.db.transaction().execute(async (tx) => {
      const account = await this.deps.repository.accountByPhone(body.phone, tx);
      if (account) {
        await this.deps.repository.lockUser(tx, account.id);
        if (!(await this.matches(tx, account, link, body.name))) throw new AppError('PHONE_ALREADY_REGISTERED');
        // The one-time password a cadre may have printed stops working: this person signs in by SMS code.
        await this.deps.repository.updateUser(tx, account.id, { password_hash: unusablePassword, must_change_password: false, password_changed_at: now, updated_at: now });
        const id = await this.deps.repository.insertMatched(tx, {
          village_code: link.village_code,
          region_path: link.region_path,
          phone: body.phone,
          name: body.name,
          household_id: account.household_id,
          household_text: body.householdText ?? null,
          user_id: account.id,
          session_claimed_at: now,
          created_at: now,
          updated_at: now,
          ...consent,
        });
        const self: Actor = { userId: account.id, role: account.role, name: account.name, phone: account.phone, scope: { regionCode: account.region_code, path: account.region_path } };
        await this.deps.audit.record(tx, self, meta, {
          action: 'registration.matched',
          targetType: 'registration',
          targetId: id,
          regionPath: link.region_path,
          details: { userId: account.id, householdId: account.household_id, consentVersion: PRIVACY_NOTICE.version },
        });
        return { id, userId: account.id };
      }
      const { id, inserted } = await this.deps.repository.upsertPending(tx, {
        village_code: link.village_code,
        region_path: link.region_path,
        phone: body.phone,
        name: body.name,
        household_id: body.householdId ?? null,
        household_text: body.householdText ?? null,
        created_at: now,
        updated_at: now,
        ...consent,
      });
      if (inserted) {
        await this.deps.audit.record(tx, null, meta, {
          action: 'registration.submitted',
          targetType: 'registration',
          targetId: id,
          regionPath: link.region_path,
          // No name or phone here: the audit trail outlives a refused registration's 180 days (privacy notice).
          details: { householdId: body.householdId ?? null, consentVersion: PRIVACY_NOTICE.version },
        });
      }
      return { id, userId: null };
    });
    const registration = this.statusOf((await this.deps.repository.byId(outcome.id))!);
    if (!outcome.userId) return { registration, session: null };
    const session = await this.deps.accounts.startSession(outcome.userId, meta, 'registration');
    return { registration, session: { token: session.token, expiresAt: session.expiresAt } };
  }

  /** The state for the browser that registered (its key). */
  async status(statusKey: string): Promise<RegistrationStatus> {
    const row = await this.deps.repository.byKeyHash(sha256(statusKey));
    if (!row) throw new AppError('REGISTRATION_NOT_FOUND');
    return this.statusOf(row);
  }

  /** Once approved, the browser that registered signs in once with its key; later sign-ins use SMS codes. */
  async signIn(statusKey: string, meta: SignInMeta): Promise<{ token: string; expiresAt: string }> {
    const row = await this.deps.repository.byKeyHash(sha256(statusKey));
    if (!row) throw new AppError('REGISTRATION_NOT_FOUND');
    if (!this.statusOf(row).canSignIn || !row.user_id) throw new AppError('REGISTRATION_SIGN_IN_UNAVAILABLE');
    const claimed = await this.deps.db.transaction().execute((tx) => this.deps.repository.claimSession(tx, row.id, this.deps.clock.now()));
    if (!claimed) throw new AppError('REGISTRATION_SIGN_IN_UNAVAILABLE');
    const session = await this.deps.accounts.startSession(row.user_id, meta, 'registration');
    return { token: session.token, expiresAt: session.expiresAt };
  }

  // ---- cadres decide ----

  async list(actor: Actor, query: ListRegistrationsQuery) {
    requirePermission(actor.role, 'registrations.manage');
    const { page, pageSize, status, village } = query;
    const { rows, total } = await this.deps.repository.list(actor.scope, { status: status ?? 'pending', village }, { page, pageSize });
    return { items: rows.map(toView), total, page, pageSize };
  }

  /** Approves into a household of the registration's village: a villager account, bound to it. One decision wins. */
  async approve(actor: Actor, id: string, householdId: string, meta: RequestMeta): Promise<RegistrationView> {
    requirePermission(actor.role, 'registrations.manage');
    const unusablePassword = await hashPassword(randomBytes(32).toString('base64url'));
    await this.deps.db.transaction().execute(async (tx) => {
      const registration = await this.deps.repository.lockInScope(tx, actor.scope, id);
      if (!registration) throw new AppError('REGISTRATION_NOT_FOUND');
      if (registration.status !== 'pending') throw new AppError('REGISTRATION_DECIDED');
      const household = await this.deps.repository.householdOf(householdId, tx);
      if (household?.village_code !== registration.village_code) {
        throw new AppError('HOUSEHOLD_OUTSIDE_VILLAGE', { details: [{ field: 'body.householdId', message: '所选的户不属于该申请的村', messageEn: 'the household is not in the registration’s village' }] });
      }
      const now = this.deps.clock.now();
      const userId = await this.deps.repository.insertVillager(tx, { phone: registration.phone, name: registration.name, region_code: registration.village_code, password_hash: unusablePassword, at: now });
      if (!userId) throw new AppError('PHONE_ALREADY_REGISTERED');
      await this.deps.households.placeMember(tx, { userId, householdId, at: now });
      await this.deps.repository.update(tx, id, { status: 'approved', household_id: householdId, user_id: userId, decided_by: actor.userId, decided_at: now, updated_at: now });
      await this.deps.audit.record(tx, actor, meta, {
        action: 'user.create',
        targetType: 'user',
        targetId: userId,
        regionPath: registration.region_path,
        details: { phone: registration.phone, name: registration.name, role: 'villager', regionCode: registration.village_code, registrationId: id },
      });
      await this.deps.audit.record(tx, actor, meta, {
        action: 'registration.approved',
        targetType: 'registration',
        targetId: id,
        regionPath: registration.region_path,
        details: { userId, householdId, phone: registration.phone, name: registration.name },
      });
      await this.deps.sms.enqueue(tx, {
        phone: registration.phone,
        template: 'registration_result',
        params: { village: (await this.deps.repository.byId(id, tx))!.village_name, result: '已通过，打开数乡即可使用' },
        regionPath: registration.region_path,
        reference: `registration:${id}`,
      });
    });
    // The villager may be waiting on the status page: the text goes now, not at the next poll.
    this.deps.sms.kick();
    return toView((await this.deps.repository.byId(id))!);
  }

  async refuse(actor: Actor, id: string, reason: string, meta: RequestMeta): Promise<RegistrationView> {
    requirePermission(actor.role, 'registrations.manage');
    await this.deps.db.transaction().execute(async (tx) => {
      const registration = await this.deps.repository.lockInScope(tx, actor.scope, id);
      if (!registration) throw new AppError('REGISTRATION_NOT_FOUND');
      if (registration.status !== 'pending') throw new AppError('REGISTRATION_DECIDED');
      const now = this.deps.clock.now();
      await this.deps.repository.update(tx, id, { status: 'refused', reason, decided_by: actor.userId, decided_at: now, updated_at: now });
      await this.deps.audit.record(tx, actor, meta, {
        action: 'registration.refused',
        targetType: 'registration',
        targetId: id,
        regionPath: registration.region_path,
        details: { reason },
      });
      await this.deps.sms.enqueue(tx, {
        phone: registration.phone,
        template: 'registration_result',
        params: { village: (await this.deps.repository.byId(id, tx))!.village_name, result: `未通过：${reason}` },
        regionPath: registration.region_path,
        reference: `registration:${id}`,
      });
    });
    // The villager may be waiting on the status page: the text goes now, not at the next poll.
    this.deps.sms.kick();
    return toView((await this.deps.repository.byId(id))!);
  }

  // ---- re-binding (cadres, in scope) ----

  async villager(actor: Actor, id: string): Promise<VillagerView> {
    const row = await this.villagerRow(actor, id);
    return { id: row.id, name: row.name, phone: row.phone, regionCode: row.region_code, household: row.household_id && row.household_name ? { id: row.household_id, name: row.household_name } : null };
  }

  /** Moves a villager to another household of their own village. */
  async moveHousehold(actor: Actor, id: string, householdId: string, meta: RequestMeta): Promise<VillagerView> {
    const person = await this.villagerRow(actor, id);
    const household = await this.deps.repository.householdOf(householdId);
    if (!household || !isWithin(actor.scope, household.region_path) || !person.region_path.startsWith(household.region_path)) {
      throw new AppError('HOUSEHOLD_OUTSIDE_VILLAGE', { details: [{ field: 'body.householdId', message: '只能改绑到本人所在村的户', messageEn: 'only a household of the person’s own village' }] });
    }
    await this.deps.db.transaction().execute(async (tx) => {
      const from = await this.deps.households.placeMember(tx, { userId: id, householdId, at: this.deps.clock.now() });
      if (from === householdId) return;
      await this.deps.audit.record(tx, actor, meta, {
        action: 'user.rebound',
        targetType: 'user',
        targetId: id,
        regionPath: person.region_path,
        details: { kind: 'household', from, to: householdId },
      });
    });
    return this.villager(actor, id);
  }

  /**
   * The new phone's code: the villager, at the cadre's desk, reads it from the new phone and the cadre
   * types it in (a person who lost the old phone cannot sign in to do it themselves).
   */
  async requestPhoneCode(actor: Actor, id: string, phone: string, ip: string | null) {
    const person = await this.villagerRow(actor, id);
    if (await this.deps.repository.phoneTaken(phone)) throw new AppError('PHONE_ALREADY_REGISTERED');
    return this.deps.codes.request({ phone, purpose: 'rebind', ip, regionPath: person.region_path });
  }

  /** Moves the account to a verified new phone; every session ends and the old number is told. */
  async changePhone(actor: Actor, id: string, phone: string, code: string, meta: RequestMeta): Promise<VillagerView> {
    const person = await this.villagerRow(actor, id);
    if (await this.deps.repository.phoneTaken(phone)) throw new AppError('PHONE_ALREADY_REGISTERED');
    await this.deps.codes.consume({ phone, purpose: 'rebind', code, ip: meta.ip });
    const now = this.deps.clock.now();
    try {
      await this.deps.db.transaction().execute(async (tx) => {
        await this.deps.repository.lockUser(tx, id);
        await this.deps.repository.updateUser(tx, id, { phone, updated_at: now });
        const ended = await this.deps.repository.revokeSessions(tx, id, now);
        await this.deps.audit.record(tx, actor, meta, {
          action: 'user.rebound',
          targetType: 'user',
          targetId: id,
          regionPath: person.region_path,
          details: { kind: 'phone', from: person.phone, to: phone, sessionsEnded: ended },
        });
        await this.deps.sms.enqueue(tx, { phone: person.phone, template: 'phone_rebound', params: { name: person.name }, regionPath: person.region_path, reference: `rebind:${id}` });
      });
      this.deps.sms.kick();
    } catch (error) {
      // Taken by someone else between the check and the change.
      if ((error as { code?: string }).code === '23505') throw new AppError('PHONE_ALREADY_REGISTERED');
      throw error;
    }
    return this.villager(actor, id);
  }

  // ---- helpers ----

  /**
   * A member of the village's register: a villager account of this village in one of its households
   * that someone else entered (its one-time password unchanged), never signed in and never registered
   * before, whose name is the one given. Any other account on the phone is the owner's already.
   */
  private async matches(tx: Db, account: AccountByPhone, link: JoinLinkRow, name: string): Promise<boolean> {
    return (
      account.role === 'villager' &&
      account.disabled_at === null &&
      account.last_login_at === null &&
      account.must_change_password &&
      account.region_path.startsWith(link.region_path) &&
      account.household_path !== null &&
      account.household_path.startsWith(link.region_path) &&
      sameName(account.name, name) &&
      !(await this.deps.repository.hasRegistration(account.id, tx))
    );
  }

  private statusOf(row: RegistrationRow): RegistrationStatus {
    const open = row.status === 'approved' && row.session_claimed_at === null && row.decided_at !== null && this.deps.clock.now().getTime() - row.decided_at.getTime() < SIGN_IN_WINDOW_MS;
    return {
      id: row.id,
      status: row.status,
      villageName: row.village_name,
      name: row.name,
      reason: row.reason,
      createdAt: row.created_at.toISOString(),
      decidedAt: row.decided_at?.toISOString() ?? null,
      canSignIn: open,
    };
  }

  private async link(token: string): Promise<JoinLinkRow> {
    const link = await this.deps.repository.linkByToken(token);
    if (!link) throw new AppError('JOIN_LINK_INVALID');
    return link;
  }

  private async linkView(link: JoinLinkRow): Promise<JoinLinkView> {
    return {
      villageCode: link.village_code,
      villageName: link.village_name,
      villageFullName: await this.deps.repository.fullName(link.region_path),
      url: `${this.deps.publicBaseUrl()}/h5/join/${link.token}`,
      createdAt: link.created_at.toISOString(),
    };
  }

  private async manageableVillage(actor: Actor, code: string) {
    requirePermission(actor.role, 'registrations.manage');
    const place = await this.deps.regions.placeOf(code);
    if (!place || !isWithin(actor.scope, place.region.path)) throw new AppError('REGION_NOT_FOUND', { detail: { zh: code, en: code } });
    if (place.region.level !== 'village') throw new AppError('REGION_NOT_FOUND', { detail: { zh: `${code} 不是行政村`, en: `${code} is not a village` } });
    return { code: place.region.code, path: place.region.path };
  }

  private async villagerRow(actor: Actor, id: string) {
    requirePermission(actor.role, 'registrations.manage');
    const row = await this.deps.repository.villagerInScope(actor.scope, id);
    if (row?.role !== 'villager') throw new AppError('USER_NOT_FOUND');
    return row;
  }
}

/** 128 random bits, URL-safe: short enough for a QR code that scans from across a notice board. */
function newToken(): string {
  return randomBytes(16).toString('base64url');
}
