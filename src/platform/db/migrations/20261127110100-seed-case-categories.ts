import { type Kysely, sql } from 'kysely';

/**
 * The eight default categories of reports (adjustable by administrators afterwards). Hours are
 * working hours (Asia/Shanghai working days). Points are what a confirmed report and its handling
 * earn in the points module.
 */
const categories = [
  ['village_appearance', '村容村貌', 'Village appearance', '私搭乱建、乱堆乱放、破损设施等', 4, 24, true, true, 5, 10, 10],
  ['sanitation', '环境卫生', 'Sanitation', '垃圾堆积、污水、秸秆焚烧等', 4, 16, true, true, 5, 10, 20],
  ['livelihood', '民生服务', 'Public services', '办事咨询、生活困难、民生诉求', 8, 40, false, false, 5, 15, 30],
  ['mediation', '矛盾调解', 'Dispute mediation', '邻里纠纷、土地纠纷、家庭矛盾', 4, 40, false, false, 5, 20, 40],
  ['safety_hazard', '安全隐患', 'Safety hazard', '危房、电线、坑塘、道路等安全隐患', 2, 16, true, true, 10, 15, 50],
  ['assistance', '求助帮扶', 'Asking for help', '孤寡老人、困难群众求助', 2, 24, false, false, 3, 15, 60],
  ['infrastructure', '基础设施', 'Infrastructure', '道路、路灯、供水、排水设施损坏', 8, 80, true, true, 5, 10, 70],
  ['patrol', '平安巡查', 'Safety patrol', '巡查发现的治安、防溺水等问题', 4, 24, true, true, 5, 10, 80],
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [code, name, nameEn, description, accept, resolve, anonymous, isPublic, reportPoints, handlerPoints, sort] of categories) {
    await sql`
      INSERT INTO case_categories (code, name, name_en, description, accept_hours, resolve_hours, allow_anonymous, is_public, report_points, handler_points, sort_order)
      VALUES (${code}, ${name}, ${nameEn}, ${description}, ${accept}, ${resolve}, ${anonymous}, ${isPublic}, ${reportPoints}, ${handlerPoints}, ${sort})
      ON CONFLICT (code) DO NOTHING`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DELETE FROM case_categories WHERE code = ANY(${categories.map((c) => c[0])}) AND NOT EXISTS (SELECT 1 FROM cases WHERE cases.category_code = case_categories.code)`.execute(db);
}
