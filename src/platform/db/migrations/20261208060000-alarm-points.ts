import { type Kysely, sql } from 'kysely';

/**
 * Points for handling an alarm (issue #16), like the points for handling a case: a platform-default
 * rule 'alarm.handle' earned by the grid worker or cadre who acknowledges an alarm, once per alarm.
 * A region overrides it as any rule (other points, or inactive to switch it off). Its earner is
 * the new 'acknowledger' (awarded automatically, never claimed or given by hand), and the ledger
 * entry names its alarm (no foreign key: the alarms table belongs to the safe-village module).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE points_rules DROP CONSTRAINT points_rules_earner_check`.execute(db);
  await sql`
    ALTER TABLE points_rules ADD CONSTRAINT points_rules_earner_check
    CHECK (earner IN ('reporter', 'handler', 'claimant', 'assigned', 'acknowledger'))`.execute(db);
  await sql`ALTER TABLE points_entries ADD COLUMN alarm_id uuid`.execute(db);
  await sql`
    INSERT INTO points_rules (region_code, region_path, code, name, description, category, earner, points, requires_approval, requires_photo, sort_order)
    VALUES (NULL, '/', 'alarm.handle', '处置告警', '网格员、村干部确认平安乡村告警后获得积分，每条告警一次；标记误报不计分（确认后再标误报的收回）', 'handling', 'acknowledger', 2, false, false, 150)
    ON CONFLICT (region_path, code) DO NOTHING`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DELETE FROM points_rules r WHERE r.earner = 'acknowledger'
    AND NOT EXISTS (SELECT 1 FROM points_entries e WHERE e.rule_id = r.id)`.execute(db);
  await sql`ALTER TABLE points_entries DROP COLUMN alarm_id`.execute(db);
  await sql`ALTER TABLE points_rules DROP CONSTRAINT points_rules_earner_check`.execute(db);
  await sql`
    ALTER TABLE points_rules ADD CONSTRAINT points_rules_earner_check
    CHECK (earner IN ('reporter', 'handler', 'claimant', 'assigned'))`.execute(db);
}
