import { type Kysely, sql } from 'kysely';

/**
 * Audio for broadcasting (云播): speech synthesised from text (kind 'tts', cached by cache_key =
 * sha256 of engine, voice, rate, pitch and text, so a text is spoken once), uploaded files and
 * voice messages recorded in the browser (喊话). The bytes live in the blob store under blob_key.
 * region_path scopes reads; created_by is NULL for clips the platform made itself.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE audio_clips (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      kind text NOT NULL CHECK (kind IN ('tts', 'upload', 'recording')),
      text text CHECK (char_length(text) BETWEEN 1 AND 1000),
      voice text,
      content_type text NOT NULL CHECK (content_type IN ('audio/wav', 'audio/mpeg', 'audio/webm', 'audio/ogg', 'audio/mp4')),
      source_content_type text,
      bytes integer NOT NULL CHECK (bytes > 0),
      duration_ms integer CHECK (duration_ms >= 0),
      blob_key text NOT NULL UNIQUE,
      cache_key text UNIQUE CHECK (cache_key ~ '^[0-9a-f]{64}$'),
      region_path text NOT NULL,
      created_by uuid REFERENCES users(id) ON DELETE RESTRICT,
      created_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((kind = 'tts') = (cache_key IS NOT NULL)),
      CHECK (kind <> 'tts' OR (text IS NOT NULL AND voice IS NOT NULL AND duration_ms IS NOT NULL))
    )`.execute(db);
  await sql`CREATE INDEX audio_clips_region ON audio_clips (region_path text_pattern_ops)`.execute(db);
  await sql`CREATE INDEX audio_clips_creator ON audio_clips (created_by, created_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS audio_clips`.execute(db);
}
