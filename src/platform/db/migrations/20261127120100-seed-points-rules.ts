import { type Kysely, sql } from 'kysely';

/**
 * Platform-default points rules (region NULL, path '/'): they apply in every village until a
 * county, township or village defines a rule with the same code (the most specific one wins,
 * an inactive one switches the rule off there).
 *
 * Case rules carry no points of their own (points NULL): the case category's report_points and
 * handler_points apply, so administrators keep one place to set them (the categories page), and a
 * township or village may still override a category's points with its own rule.
 */
const activities = [
  // code, name, description, category, earner, points, requires_approval, requires_photo, sort
  ['civic.meeting', '参加村民（代表）会议', '按时参加村民会议、村民代表会议', 'civic', 'claimant', 2, true, true, 200],
  ['volunteer.service', '参加志愿服务', '参加村里组织的志愿服务活动', 'volunteer', 'claimant', 5, true, true, 210],
  ['virtue.filial', '孝老爱亲', '赡养照顾老人、邻里互助，经村里认定', 'virtue', 'claimant', 5, true, true, 220],
  ['environment.courtyard', '美丽庭院检查达标', '村干部入户检查庭院整洁（由干部评定）', 'environment', 'assigned', 3, true, false, 230],
  ['compliance.fees', '按时缴纳费用', '按时缴纳医保、卫生保洁等费用（由干部评定）', 'compliance', 'assigned', 2, true, false, 240],
  ['discipline.false_report', '虚假上报', '经核实为故意虚假上报（扣分）', 'discipline', 'assigned', -10, true, false, 300],
  ['discipline.straw_burning', '违规焚烧秸秆', '在禁烧区焚烧秸秆、垃圾（扣分）', 'discipline', 'assigned', -10, true, false, 310],
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    INSERT INTO points_rules (region_code, region_path, code, name, description, category, earner, points, case_category_code, requires_approval, requires_photo, sort_order)
    SELECT NULL, '/', 'case.report.' || code, '上报：' || name, '上报的事件经支部评单办结后，上报的村民获得积分', 'report', 'reporter', NULL, code, true, false, sort_order
    FROM case_categories
    ON CONFLICT (region_path, code) DO NOTHING`.execute(db);
  await sql`
    INSERT INTO points_rules (region_code, region_path, code, name, description, category, earner, points, case_category_code, requires_approval, requires_photo, sort_order)
    SELECT NULL, '/', 'case.handle.' || code, '办结：' || name, '网格员办理的事件经支部评单办结后获得积分', 'handling', 'handler', NULL, code, true, false, 100 + sort_order
    FROM case_categories
    ON CONFLICT (region_path, code) DO NOTHING`.execute(db);
  for (const [code, name, description, category, earner, points, approval, photo, sort] of activities) {
    await sql`
      INSERT INTO points_rules (region_code, region_path, code, name, description, category, earner, points, requires_approval, requires_photo, sort_order)
      VALUES (NULL, '/', ${code}, ${name}, ${description}, ${category}, ${earner}, ${points}, ${approval}, ${photo}, ${sort})
      ON CONFLICT (region_path, code) DO NOTHING`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DELETE FROM points_rules r WHERE r.region_path = '/'
    AND NOT EXISTS (SELECT 1 FROM points_entries e WHERE e.rule_id = r.id)
    AND NOT EXISTS (SELECT 1 FROM points_claims c WHERE c.rule_id = r.id)`.execute(db);
}
