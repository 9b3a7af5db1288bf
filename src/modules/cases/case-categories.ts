import type { Selectable } from 'kysely';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { CaseCategoriesTable } from '../../platform/db/schema.js';
import { AppError } from '../../platform/http/errors.js';
import type { Actor, RequestMeta } from '../../platform/request-context.js';
import { requirePermission } from '../accounts/policies.js';
import type { AuditService } from '../audit/audit.service.js';
import type { CategoryView, CreateCategoryBody, UpdateCategoryBody } from './cases.schema.js';

export type CategoryRow = Selectable<CaseCategoriesTable>;

export function toCategoryView(row: CategoryRow): CategoryView {
  return {
    code: row.code,
    name: row.name,
    nameEn: row.name_en,
    description: row.description,
    acceptHours: row.accept_hours,
    resolveHours: row.resolve_hours,
    allowAnonymous: row.allow_anonymous,
    isPublic: row.is_public,
    reportPoints: row.report_points,
    handlerPoints: row.handler_points,
    sortOrder: row.sort_order,
    active: row.active,
  };
}

export class CategoriesRepository {
  constructor(private readonly db: Db) {}

  list(includeInactive: boolean): Promise<CategoryRow[]> {
    let query = this.db.selectFrom('case_categories').selectAll();
    if (!includeInactive) query = query.where('active', '=', true);
    return query.orderBy('sort_order').orderBy('code').execute();
  }

  find(code: string, db: Db = this.db): Promise<CategoryRow | undefined> {
    return db.selectFrom('case_categories').selectAll().where('code', '=', code).executeTakeFirst();
  }

  async insert(tx: Db, body: CreateCategoryBody, at: Date): Promise<boolean> {
    const row = await tx
      .insertInto('case_categories')
      .values({
        code: body.code,
        name: body.name,
        name_en: body.nameEn,
        description: body.description,
        accept_hours: body.acceptHours,
        resolve_hours: body.resolveHours,
        allow_anonymous: body.allowAnonymous,
        is_public: body.isPublic,
        report_points: body.reportPoints,
        handler_points: body.handlerPoints,
        sort_order: body.sortOrder,
        created_at: at,
        updated_at: at,
      })
      .onConflict((oc) => oc.column('code').doNothing())
      .returning('code')
      .executeTakeFirst();
    return row !== undefined;
  }

  async update(tx: Db, code: string, body: UpdateCategoryBody, at: Date): Promise<void> {
    await tx
      .updateTable('case_categories')
      .set({
        ...(body.name !== undefined && { name: body.name }),
        ...(body.nameEn !== undefined && { name_en: body.nameEn }),
        ...(body.description !== undefined && { description: body.description }),
        ...(body.acceptHours !== undefined && { accept_hours: body.acceptHours }),
        ...(body.resolveHours !== undefined && { resolve_hours: body.resolveHours }),
        ...(body.allowAnonymous !== undefined && { allow_anonymous: body.allowAnonymous }),
        ...(body.isPublic !== undefined && { is_public: body.isPublic }),
        ...(body.reportPoints !== undefined && { report_points: body.reportPoints }),
        ...(body.handlerPoints !== undefined && { handler_points: body.handlerPoints }),
        ...(body.sortOrder !== undefined && { sort_order: body.sortOrder }),
        ...(body.active !== undefined && { active: body.active }),
        updated_at: at,
      })
      .where('code', '=', code)
      .execute();
  }
}

/** Categories of reports, with their deadlines and points; administrators configure them. */
export class CategoriesService {
  constructor(
    private readonly db: Db,
    readonly repository: CategoriesRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async list(includeInactive: boolean) {
    return { items: (await this.repository.list(includeInactive)).map(toCategoryView) };
  }

  async create(actor: Actor, body: CreateCategoryBody, meta: RequestMeta): Promise<CategoryView> {
    requirePermission(actor.role, 'categories.write');
    await this.db.transaction().execute(async (tx) => {
      if (!(await this.repository.insert(tx, body, this.clock.now()))) throw new AppError('CATEGORY_EXISTS');
      await this.audit.record(tx, actor, meta, { action: 'category.create', targetType: 'case_category', targetId: body.code, regionPath: actor.scope.path, details: { ...body } });
    });
    return toCategoryView((await this.repository.find(body.code))!);
  }

  async update(actor: Actor, code: string, body: UpdateCategoryBody, meta: RequestMeta): Promise<CategoryView> {
    requirePermission(actor.role, 'categories.write');
    await this.db.transaction().execute(async (tx) => {
      const before = await this.repository.find(code, tx);
      if (!before) throw new AppError('CATEGORY_NOT_FOUND');
      await this.repository.update(tx, code, body, this.clock.now());
      await this.audit.record(tx, actor, meta, {
        action: 'category.update',
        targetType: 'case_category',
        targetId: code,
        regionPath: actor.scope.path,
        details: { before: toCategoryView(before), after: body },
      });
    });
    return toCategoryView((await this.repository.find(code))!);
  }
}
