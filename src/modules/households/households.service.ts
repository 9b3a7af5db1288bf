import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { Role } from '../../platform/db/schema.js';
import { AppError, fieldError } from '../../platform/http/errors.js';
import type { Actor, RequestMeta } from '../../platform/request-context.js';
import { isWithin } from '../../platform/scope.js';
import { requirePermission } from '../accounts/policies.js';
import { roleLabels } from '../accounts/roles.js';
import type { AuditService } from '../audit/audit.service.js';
import type { RegionsService } from '../regions/regions.service.js';
import type { HouseholdRow, HouseholdsRepository, PersonRow } from './households.repository.js';
import type { CreateHouseholdBody, HouseholdDetail, HouseholdSummary, ListHouseholdsQuery, UpdateHouseholdBody } from './households.schema.js';

export type { PersonRow };

export function toHouseholdSummary(row: HouseholdRow): HouseholdSummary {
  return {
    id: row.id,
    villageCode: row.village_code,
    villageName: row.village_name,
    name: row.name,
    address: row.address,
    head: row.head_id && row.head_name ? { id: row.head_id, name: row.head_name } : null,
    memberCount: row.member_count,
    createdAt: row.created_at.toISOString(),
  };
}

/**
 * Households (户): a village's register of who lives together. A person belongs to at most one
 * household, in their own village; the points a person earns roll up to their household.
 * Cadres keep the register of their village; villagers read their own household.
 */
export class HouseholdsService {
  constructor(
    private readonly deps: {
      db: Db;
      repository: HouseholdsRepository;
      regions: RegionsService;
      audit: AuditService;
      clock: Clock;
    },
  ) {}

  /** A person, their region and household; for the points module. Unscoped. */
  personOf(userId: string, db?: Db): Promise<PersonRow | undefined> {
    return this.deps.repository.person(userId, db);
  }

  /** A household by id, unscoped; for the points module (the caller has checked the reader may see it). */
  async summaryOf(id: string): Promise<HouseholdSummary | undefined> {
    const row = await this.deps.repository.findById(id);
    return row && toHouseholdSummary(row);
  }

  async list(actor: Actor, query: ListHouseholdsQuery) {
    requirePermission(actor.role, 'households.read');
    const { page, pageSize, ...filter } = query;
    const { rows, total } = await this.deps.repository.list(actor.scope, filter, { page, pageSize });
    return { items: rows.map(toHouseholdSummary), total, page, pageSize };
  }

  /** A household for its own members, or for those who keep the register in scope. */
  async get(actor: Actor, id: string): Promise<HouseholdDetail> {
    const own = (await this.deps.repository.householdIdOf(actor.userId)) === id;
    if (!own) requirePermission(actor.role, 'households.read');
    const row = own ? await this.deps.repository.findById(id) : await this.deps.repository.findInScope(actor.scope, id);
    if (!row) throw new AppError('HOUSEHOLD_NOT_FOUND');
    return this.toDetail(row);
  }

  async mine(actor: Actor): Promise<{ household: HouseholdDetail | null }> {
    const id = await this.deps.repository.householdIdOf(actor.userId);
    const row = id ? await this.deps.repository.findById(id) : undefined;
    return { household: row ? await this.toDetail(row) : null };
  }

  async create(actor: Actor, body: CreateHouseholdBody, meta: RequestMeta): Promise<HouseholdDetail> {
    requirePermission(actor.role, 'households.write');
    const code = body.villageCode ?? actor.scope.regionCode;
    const place = await this.deps.regions.placeOf(code);
    if (!place || !isWithin(actor.scope, place.region.path)) throw new AppError('REGION_NOT_FOUND', { detail: { zh: code, en: code } });
    if (place.region.level !== 'village') throw fieldError('body.villageCode', '户应属于一个行政村', 'a household belongs to a village');
    const now = this.deps.clock.now();
    const id = await this.deps.db.transaction().execute(async (tx) => {
      const newId = (await this.deps.repository.insert(tx, {
        village_code: place.region.code,
        region_path: place.region.path,
        name: body.name,
        address: body.address ?? null,
        created_at: now,
      }))!;
      if (body.headId) {
        await this.join(tx, actor, { id: newId, region_path: place.region.path }, body.headId, now, 'body.headId');
        await this.deps.repository.update(tx, newId, { head_id: body.headId });
      }
      await this.deps.audit.record(tx, actor, meta, {
        action: 'household.create',
        targetType: 'household',
        targetId: newId,
        regionPath: place.region.path,
        details: { ...body, villageCode: place.region.code },
      });
      return newId;
    });
    return this.toDetail((await this.deps.repository.findById(id))!);
  }

  async update(actor: Actor, id: string, body: UpdateHouseholdBody, meta: RequestMeta): Promise<HouseholdDetail> {
    const before = await this.writable(actor, id);
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.lockById(tx, id);
      if (body.headId) {
        const members = await this.deps.repository.members(id, tx);
        if (!members.some((m) => m.user_id === body.headId)) throw fieldError('body.headId', '户主须为本户成员', 'the head must be a member of the household');
      }
      await this.deps.repository.update(tx, id, {
        ...(body.name !== undefined && { name: body.name }),
        ...(body.address !== undefined && { address: body.address }),
        ...(body.headId !== undefined && { head_id: body.headId }),
        updated_at: this.deps.clock.now(),
      });
      await this.deps.audit.record(tx, actor, meta, {
        action: 'household.update',
        targetType: 'household',
        targetId: id,
        regionPath: before.region_path,
        details: { before: { name: before.name, address: before.address, headId: before.head_id }, after: body },
      });
    });
    return this.toDetail((await this.deps.repository.findById(id))!);
  }

  async addMember(actor: Actor, id: string, userId: string, meta: RequestMeta): Promise<HouseholdDetail> {
    const household = await this.writable(actor, id);
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.lockById(tx, id);
      const added = await this.join(tx, actor, household, userId, this.deps.clock.now(), 'body.userId');
      if (added) {
        await this.deps.audit.record(tx, actor, meta, { action: 'household.member_add', targetType: 'household', targetId: id, regionPath: household.region_path, details: { userId } });
      }
    });
    return this.toDetail((await this.deps.repository.findById(id))!);
  }

  /** Removing someone who is not a member changes nothing (a retried request). */
  async removeMember(actor: Actor, id: string, userId: string, meta: RequestMeta): Promise<HouseholdDetail> {
    const household = await this.writable(actor, id);
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.lockById(tx, id);
      if (!(await this.deps.repository.removeMember(tx, id, userId))) return;
      const current = (await this.deps.repository.findById(id, tx))!;
      if (current.head_id === userId) await this.deps.repository.update(tx, id, { head_id: null, updated_at: this.deps.clock.now() });
      await this.deps.audit.record(tx, actor, meta, { action: 'household.member_remove', targetType: 'household', targetId: id, regionPath: household.region_path, details: { userId } });
    });
    return this.toDetail((await this.deps.repository.findById(id))!);
  }

  /**
   * Binds a person to a household in the caller's transaction (self-registration, re-binding): out of
   * any other household first. Unscoped: the caller has checked that both lie in its scope and village.
   * Returns the household left (null: none; the same id: no change).
   */
  async placeMember(tx: Db, input: { userId: string; householdId: string; at: Date }): Promise<string | null> {
    await this.deps.repository.lockById(tx, input.householdId);
    return this.deps.repository.moveMember(tx, input.householdId, input.userId, input.at);
  }

  /** Demo mode only: an account's id by its phone. */
  userIdByPhone(phone: string): Promise<string | undefined> {
    return this.deps.repository.userIdByPhone(phone);
  }

  /** Demo mode only: a household with a fixed id, its head found by phone; skipped when it exists. */
  async createDemoHousehold(input: { id: string; villageCode: string; name: string; address: string; headPhone?: string }): Promise<void> {
    const place = await this.deps.regions.placeOf(input.villageCode);
    if (!place) return;
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (tx) => {
      const id = await this.deps.repository.insert(tx, { id: input.id, village_code: input.villageCode, region_path: place.region.path, name: input.name, address: input.address, created_at: now });
      const headId = input.headPhone ? await this.deps.repository.userIdByPhone(input.headPhone, tx) : undefined;
      if (!id || !headId) return;
      await this.deps.repository.addMember(tx, id, headId, now);
      await this.deps.repository.update(tx, id, { head_id: headId });
    });
  }

  /** Adds a person of the household's village; false when they already were a member of it. */
  private async join(tx: Db, actor: Actor, household: { id: string; region_path: string }, userId: string, now: Date, field: string): Promise<boolean> {
    const person = await this.deps.repository.person(userId, tx);
    if (!person || !isWithin(actor.scope, person.region_path)) throw new AppError('USER_NOT_FOUND');
    if (!person.region_path.startsWith(household.region_path)) {
      throw new AppError('HOUSEHOLD_MEMBER_OUTSIDE_VILLAGE', { details: [{ field, message: '此人不属于该户所在的村', messageEn: 'this person does not live in the household’s village' }] });
    }
    if (await this.deps.repository.addMember(tx, household.id, userId, now)) return true;
    if ((await this.deps.repository.householdIdOf(userId, tx)) === household.id) return false;
    throw new AppError('HOUSEHOLD_MEMBER_ELSEWHERE');
  }

  private async writable(actor: Actor, id: string): Promise<HouseholdRow> {
    requirePermission(actor.role, 'households.write');
    const row = await this.deps.repository.findInScope(actor.scope, id);
    if (!row) throw new AppError('HOUSEHOLD_NOT_FOUND');
    return row;
  }

  private async toDetail(row: HouseholdRow): Promise<HouseholdDetail> {
    const members = await this.deps.repository.members(row.id);
    return {
      ...toHouseholdSummary(row),
      members: members.map((m) => ({
        id: m.user_id,
        name: m.name,
        role: m.role,
        roleLabel: roleLabels[m.role as Role].zh,
        isHead: m.user_id === row.head_id,
        joinedAt: m.joined_at.toISOString(),
      })),
    };
  }
}
