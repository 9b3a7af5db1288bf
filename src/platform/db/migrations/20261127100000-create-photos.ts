import { type Kysely, sql } from 'kysely';

/**
 * Photos uploaded for case reports. A photo is uploaded first (case_id NULL) and attached to a
 * case when the report or its resolution is saved; unattached ones are purged after a day.
 * case_id has no foreign key: the cases table belongs to the cases module.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE photos (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      owner_id uuid NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
      region_path text NOT NULL,
      case_id uuid,
      kind text CHECK (kind IN ('report', 'resolution')),
      content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
      bytes integer NOT NULL CHECK (bytes > 0),
      width integer NOT NULL CHECK (width > 0),
      height integer NOT NULL CHECK (height > 0),
      blob_key text NOT NULL UNIQUE,
      thumb_key text NOT NULL UNIQUE,
      exif_lat double precision CHECK (exif_lat BETWEEN -90 AND 90),
      exif_lon double precision CHECK (exif_lon BETWEEN -180 AND 180),
      exif_taken_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      attached_at timestamptz,
      CHECK ((case_id IS NULL) = (kind IS NULL) AND (case_id IS NULL) = (attached_at IS NULL))
    )`.execute(db);
  await sql`CREATE INDEX photos_case ON photos (case_id)`.execute(db);
  await sql`CREATE INDEX photos_owner ON photos (owner_id, created_at)`.execute(db);
  await sql`CREATE INDEX photos_region ON photos (region_path text_pattern_ops)`.execute(db);
  await sql`CREATE INDEX photos_unattached ON photos (created_at) WHERE case_id IS NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS photos`.execute(db);
}
