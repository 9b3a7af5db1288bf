import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { CaseState } from '../../platform/db/schema.js';
import { AppError } from '../../platform/http/errors.js';
import type { Actor, RequestMeta } from '../../platform/request-context.js';
import { isWithin } from '../../platform/scope.js';
import { requirePermission } from '../accounts/policies.js';
import type { AuditService } from '../audit/audit.service.js';
import type { CategoriesRepository } from '../cases/case-categories.js';
import type { CasesService } from '../cases/cases.service.js';
import type { RegionsService } from '../regions/regions.service.js';
import type { Open311KeysRepository } from './open311-keys.repository.js';
import type { PostRequestBody, RequestsQuery } from './open311.schema.js';

const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');
const OPEN: CaseState[] = ['submitted', 'accepted', 'resolved'];
const CLOSED: CaseState[] = ['closed', 'rejected'];
const DEFAULT_WINDOW_DAYS = 90;
const MAX_REQUESTS = 1000;

/** Open311 GeoReport v2 over the cases module: services are categories, requests are cases. */
export class Open311Service {
  constructor(
    private readonly deps: {
      db: Db;
      keys: Open311KeysRepository;
      categories: CategoriesRepository;
      cases: CasesService;
      regions: RegionsService;
      audit: AuditService;
      clock: Clock;
    },
  ) {}

  async services() {
    const rows = await this.deps.categories.list(false);
    return rows.map((row) => ({
      service_code: row.code,
      service_name: row.name,
      description: row.description || row.name_en,
      metadata: false,
      type: 'realtime' as const,
      keywords: row.name_en,
      group: row.is_public ? '公开 public' : '不公开 private',
    }));
  }

  async serviceDefinition(code: string) {
    const row = await this.deps.categories.find(code);
    if (!row || !row.active) throw new AppError('CATEGORY_NOT_FOUND');
    return { service_code: row.code, attributes: [] as never[] };
  }

  async requests(query: RequestsQuery) {
    const now = this.deps.clock.now();
    const states = query.status ? query.status.flatMap((s) => (s === 'open' ? OPEN : CLOSED)) : undefined;
    const to = query.end_date ? new Date(query.end_date) : undefined;
    const from = query.start_date ? new Date(query.start_date) : query.service_request_id ? undefined : new Date((to ?? now).getTime() - DEFAULT_WINDOW_DAYS * 86_400_000);
    const ids = query.service_request_id?.filter((id) => /^[0-9a-f-]{36}$/i.test(id));
    const rows = await this.deps.cases.listPublic({ ids, categoryCodes: query.service_code, from, to, states }, MAX_REQUESTS);
    return rows.map(({ row, photos }) => ({
      service_request_id: row.id,
      status: CLOSED.includes(row.state) ? ('closed' as const) : ('open' as const),
      status_notes: row.state === 'rejected' ? row.reject_reason : row.state === 'closed' ? row.resolution_note : null,
      service_name: row.category_name,
      service_code: row.category_code,
      description: row.description,
      agency_responsible: row.village_name ?? row.grid_name ?? null,
      service_notice: null,
      requested_datetime: row.created_at.toISOString(),
      updated_datetime: row.updated_at.toISOString(),
      expected_datetime: (row.state === 'submitted' ? row.accept_due_at : row.state === 'accepted' ? row.resolve_due_at : null)?.toISOString() ?? null,
      address: row.address,
      address_id: null,
      zipcode: null,
      lat: row.lat,
      long: row.lon,
      media_url: photos.find((p) => p.kind === 'report')?.url ?? null,
    }));
  }

  async request(id: string) {
    const found = await this.requests({ service_request_id: [id] });
    if (found.length === 0) throw new AppError('CASE_NOT_FOUND');
    return found;
  }

  /** POST requests.json: an integration files a normal case inside its key's region. */
  async post(body: PostRequestBody) {
    const key = await this.deps.keys.findLive(hashKey(body.api_key));
    if (!key) throw new AppError('FORBIDDEN', { detail: { zh: 'api_key 无效或已吊销', en: 'invalid or revoked api_key' } });
    const name = [body.last_name, body.first_name].filter(Boolean).join('') || null;
    const { id } = await this.deps.cases.submitFromIntegration({
      id: body.request_id ?? randomUUID(),
      categoryCode: body.service_code,
      description: body.description,
      location: body.lat !== undefined && body.long !== undefined ? { lon: body.long, lat: body.lat } : null,
      address: body.address_string ?? null,
      reporterName: name,
      reporterPhone: body.phone ?? null,
      within: { regionCode: key.region_code, path: key.path },
    });
    return [{ service_request_id: id, service_notice: '已受理，网格员将尽快处理 / received', account_id: null }];
  }

  // ---- keys -------------------------------------------------------------------------------------

  async createKey(actor: Actor, body: { name: string; regionCode: string }, meta: RequestMeta) {
    requirePermission(actor.role, 'open311.keys');
    const place = await this.deps.regions.placeOf(body.regionCode);
    if (!place || !isWithin(actor.scope, place.region.path)) throw new AppError('REGION_NOT_FOUND');
    const key = `sx_${randomBytes(24).toString('base64url')}`;
    const row = await this.deps.db.transaction().execute(async (tx) => {
      const inserted = await this.deps.keys.insert(tx, { keyHash: hashKey(key), name: body.name, regionCode: body.regionCode, createdBy: actor.userId, at: this.deps.clock.now() });
      await this.deps.audit.record(tx, actor, meta, { action: 'open311.key_create', targetType: 'open311_key', targetId: inserted.id, regionPath: place.region.path, details: body });
      return inserted;
    });
    return { id: row.id, name: row.name, regionCode: row.region_code, createdAt: row.created_at.toISOString(), revoked: false, key };
  }

  async listKeys(actor: Actor) {
    requirePermission(actor.role, 'open311.keys');
    const rows = await this.deps.keys.list(actor.scope);
    return { items: rows.map((row) => ({ id: row.id, name: row.name, regionCode: row.region_code, createdAt: row.created_at.toISOString(), revoked: row.revoked_at !== null })) };
  }

  async revokeKey(actor: Actor, id: string, meta: RequestMeta) {
    requirePermission(actor.role, 'open311.keys');
    const key = await this.deps.keys.findInScope(actor.scope, id);
    if (!key) throw new AppError('NOT_FOUND');
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.keys.revoke(tx, id, this.deps.clock.now());
      await this.deps.audit.record(tx, actor, meta, { action: 'open311.key_revoke', targetType: 'open311_key', targetId: id, regionPath: key.path });
    });
  }
}
