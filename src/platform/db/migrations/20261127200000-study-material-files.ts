import { type Kysely, sql } from 'kysely';

/**
 * 党建学习资料 may be files (a PDF of a speech, a Word study guide), uploaded like a notice's
 * attachments: a village file can now belong to a study material instead of a notice or a visit.
 * The two checks that named notices and visits only are replaced by ones over all three targets,
 * and a file material no longer needs a URL (the service asks for a URL or an uploaded file).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE village_files ADD COLUMN material_id uuid REFERENCES party_study_materials(id) ON DELETE CASCADE`.execute(db);
  await sql`
    ALTER TABLE village_files
      DROP CONSTRAINT village_files_check,
      DROP CONSTRAINT village_files_check1,
      ADD CONSTRAINT village_files_one_target CHECK (num_nonnulls(notice_id, visit_id, material_id) <= 1),
      ADD CONSTRAINT village_files_attached CHECK ((attached_at IS NULL) = (num_nonnulls(notice_id, visit_id, material_id) = 0))`.execute(db);
  await sql`CREATE INDEX village_files_material ON village_files (material_id, sort_order) WHERE material_id IS NOT NULL`.execute(db);
  await sql`
    ALTER TABLE party_study_materials
      DROP CONSTRAINT party_study_materials_check,
      ADD CONSTRAINT party_study_materials_source CHECK (kind IN ('article', 'file') OR url IS NOT NULL)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // File materials without a URL stay; the old rule holds for new rows only.
  await sql`
    ALTER TABLE party_study_materials
      DROP CONSTRAINT party_study_materials_source,
      ADD CONSTRAINT party_study_materials_check CHECK (kind = 'article' OR url IS NOT NULL) NOT VALID`.execute(db);
  await sql`DELETE FROM village_files WHERE material_id IS NOT NULL`.execute(db);
  await sql`
    ALTER TABLE village_files
      DROP CONSTRAINT village_files_one_target,
      DROP CONSTRAINT village_files_attached,
      ADD CONSTRAINT village_files_check CHECK (notice_id IS NULL OR visit_id IS NULL),
      ADD CONSTRAINT village_files_check1 CHECK ((attached_at IS NULL) = (notice_id IS NULL AND visit_id IS NULL))`.execute(db);
  await sql`ALTER TABLE village_files DROP COLUMN material_id`.execute(db);
}
