import { type Kysely, sql } from 'kysely';

/**
 * The audit trail becomes tamper-evident (等保 2.0 安全审计): every entry is chained by SHA-256 to the
 * one before it. The chain position is given at COMMIT by a deferred constraint trigger, so the one
 * lock that serialises writers (the head row) is held only while the writer commits, not for the rest
 * of its transaction, and any insert (a service, a script, psql) is chained the same way.
 *
 * The canonical text hashed is `shuxiang-audit-v1` followed by each field as `|<UTF-8 bytes>:<text>`
 * (`|~` for NULL), in this order: seq, at (UTC, microseconds), actor_id, actor_role, actor_kind,
 * action, target_type, target_id, region_path, details (jsonb's own text form), request_id, ip,
 * prev_hash. src/modules/audit/audit-chain.ts computes the same in Node to verify.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Who acted: a signed-in person, the platform itself (alarms, jobs, devices), or someone not signed in
  // (a failed login). Existing rows: no actor and no request means the platform.
  await sql`ALTER TABLE audit_events ADD COLUMN actor_kind text NOT NULL DEFAULT 'user' CHECK (actor_kind IN ('user', 'system', 'anonymous'))`.execute(db);
  await sql`UPDATE audit_events SET actor_kind = CASE WHEN request_id IS NULL THEN 'system' ELSE 'anonymous' END WHERE actor_id IS NULL`.execute(db);
  await sql`ALTER TABLE audit_events ADD COLUMN seq bigint UNIQUE, ADD COLUMN prev_hash text, ADD COLUMN hash text`.execute(db);
  // ON DELETE SET NULL would rewrite chained rows; an entry keeps the id of whoever acted.
  await sql`ALTER TABLE audit_events DROP CONSTRAINT IF EXISTS audit_events_actor_id_fkey`.execute(db);
  await sql`CREATE INDEX audit_events_at ON audit_events (at)`.execute(db);
  await sql`CREATE INDEX audit_events_kind ON audit_events (region_path text_pattern_ops, actor_kind, at DESC)`.execute(db);

  // The head: the last chained entry. The anchor: the last entry removed by the retention purge, so the
  // chain verifies from the first entry kept. Two rows, so a purge never blocks writers.
  await sql`
    CREATE TABLE audit_chain_head (
      id boolean PRIMARY KEY DEFAULT true CHECK (id),
      seq bigint NOT NULL,
      hash text NOT NULL
    )`.execute(db);
  await sql`
    CREATE TABLE audit_chain_anchor (
      id boolean PRIMARY KEY DEFAULT true CHECK (id),
      seq bigint NOT NULL,
      hash text NOT NULL,
      moved_at timestamptz
    )`.execute(db);

  await sql`
    CREATE FUNCTION audit_field(v text) RETURNS text IMMUTABLE LANGUAGE sql AS $$
      SELECT CASE WHEN v IS NULL THEN '~' ELSE octet_length(v)::text || ':' || v END
    $$`.execute(db);
  await sql`
    CREATE FUNCTION audit_entry_hash(
      p_seq bigint, p_at timestamptz, p_actor_id uuid, p_actor_role text, p_actor_kind text, p_action text,
      p_target_type text, p_target_id text, p_region_path text, p_details jsonb, p_request_id text, p_ip text, p_prev_hash text
    ) RETURNS text STABLE LANGUAGE sql AS $$
      SELECT encode(sha256(convert_to(
        'shuxiang-audit-v1'
        || '|' || audit_field(p_seq::text)
        || '|' || audit_field(to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
        || '|' || audit_field(p_actor_id::text)
        || '|' || audit_field(p_actor_role)
        || '|' || audit_field(p_actor_kind)
        || '|' || audit_field(p_action)
        || '|' || audit_field(p_target_type)
        || '|' || audit_field(p_target_id)
        || '|' || audit_field(p_region_path)
        || '|' || audit_field(p_details::text)
        || '|' || audit_field(p_request_id)
        || '|' || audit_field(p_ip)
        || '|' || audit_field(p_prev_hash),
        'UTF8')), 'hex')
    $$`.execute(db);

  // The existing entries, chained in time order.
  await sql`
    DO $$
    DECLARE
      r record;
      s bigint := 0;
      h text := repeat('0', 64);
      nh text;
    BEGIN
      FOR r IN SELECT * FROM audit_events ORDER BY at, id LOOP
        s := s + 1;
        nh := audit_entry_hash(s, r.at, r.actor_id, r.actor_role, r.actor_kind, r.action, r.target_type, r.target_id,
                               r.region_path, r.details, r.request_id, r.ip, h);
        UPDATE audit_events SET seq = s, prev_hash = h, hash = nh WHERE id = r.id;
        h := nh;
      END LOOP;
      INSERT INTO audit_chain_head (seq, hash) VALUES (s, h);
      INSERT INTO audit_chain_anchor (seq, hash) VALUES (0, repeat('0', 64));
    END
    $$`.execute(db);

  // At commit: lock the head (writers queue here, one commit at a time), take the next seq, link, hash.
  await sql`
    CREATE FUNCTION audit_events_chain() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      head audit_chain_head%ROWTYPE;
      h text;
    BEGIN
      SELECT * INTO head FROM audit_chain_head FOR UPDATE;
      h := audit_entry_hash(head.seq + 1, NEW.at, NEW.actor_id, NEW.actor_role, NEW.actor_kind, NEW.action, NEW.target_type,
                            NEW.target_id, NEW.region_path, NEW.details, NEW.request_id, NEW.ip, head.hash);
      UPDATE audit_events SET seq = head.seq + 1, prev_hash = head.hash, hash = h WHERE id = NEW.id;
      UPDATE audit_chain_head SET seq = head.seq + 1, hash = h;
      RETURN NULL;
    END
    $$`.execute(db);
  // New rows arrive unchained; nobody presets a position.
  await sql`
    CREATE FUNCTION audit_events_unchained() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.seq IS NOT NULL OR NEW.prev_hash IS NOT NULL OR NEW.hash IS NOT NULL THEN
        RAISE EXCEPTION 'audit_events: seq, prev_hash and hash are set by the chain at commit';
      END IF;
      RETURN NEW;
    END
    $$`.execute(db);
  // Append-only: the chain trigger may place an unchained row once (nothing else changes); the retention
  // purge (which sets shuxiang.audit_purge for its transaction) may delete what lies at or before the anchor.
  await sql`
    CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND pg_trigger_depth() > 1 AND OLD.seq IS NULL AND NEW.seq IS NOT NULL
         AND (NEW.id, NEW.at, NEW.actor_id, NEW.actor_role, NEW.actor_kind, NEW.action, NEW.target_type, NEW.target_id,
              NEW.region_path, NEW.details, NEW.request_id, NEW.ip)
             IS NOT DISTINCT FROM
             (OLD.id, OLD.at, OLD.actor_id, OLD.actor_role, OLD.actor_kind, OLD.action, OLD.target_type, OLD.target_id,
              OLD.region_path, OLD.details, OLD.request_id, OLD.ip) THEN
        RETURN NEW;
      END IF;
      IF TG_OP = 'DELETE' AND current_setting('shuxiang.audit_purge', true) = 'on'
         AND OLD.seq <= (SELECT seq FROM audit_chain_anchor) THEN
        RETURN OLD;
      END IF;
      RAISE EXCEPTION 'audit_events is append-only';
    END
    $$`.execute(db);
  await sql`CREATE TRIGGER audit_events_unchained BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_unchained()`.execute(db);
  await sql`
    CREATE CONSTRAINT TRIGGER audit_events_chain AFTER INSERT ON audit_events
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit_events_chain()`.execute(db);
  await sql`CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`.execute(db);
  await sql`CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()`.execute(db);

  // Permission denials are audited at most once per person, route and minute, across processes.
  await sql`
    CREATE TABLE audit_denials (
      user_id uuid NOT NULL,
      route text NOT NULL,
      minute timestamptz NOT NULL,
      PRIMARY KEY (user_id, route, minute)
    )`.execute(db);
  await sql`CREATE INDEX audit_denials_minute ON audit_denials (minute)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS audit_denials`.execute(db);
  await sql`DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events`.execute(db);
  await sql`DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events`.execute(db);
  await sql`DROP TRIGGER IF EXISTS audit_events_chain ON audit_events`.execute(db);
  await sql`DROP TRIGGER IF EXISTS audit_events_unchained ON audit_events`.execute(db);
  await sql`DROP FUNCTION IF EXISTS audit_events_append_only()`.execute(db);
  await sql`DROP FUNCTION IF EXISTS audit_events_unchained()`.execute(db);
  await sql`DROP FUNCTION IF EXISTS audit_events_chain()`.execute(db);
  await sql`DROP FUNCTION IF EXISTS audit_entry_hash(bigint, timestamptz, uuid, text, text, text, text, text, text, jsonb, text, text, text)`.execute(db);
  await sql`DROP FUNCTION IF EXISTS audit_field(text)`.execute(db);
  await sql`DROP TABLE IF EXISTS audit_chain_anchor`.execute(db);
  await sql`DROP TABLE IF EXISTS audit_chain_head`.execute(db);
  await sql`DROP INDEX IF EXISTS audit_events_kind`.execute(db);
  await sql`DROP INDEX IF EXISTS audit_events_at`.execute(db);
  await sql`UPDATE audit_events SET actor_id = NULL WHERE actor_id IS NOT NULL AND actor_id NOT IN (SELECT id FROM users)`.execute(db);
  await sql`ALTER TABLE audit_events ADD CONSTRAINT audit_events_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES users(id) ON DELETE SET NULL`.execute(db);
  await sql`ALTER TABLE audit_events DROP COLUMN hash, DROP COLUMN prev_hash, DROP COLUMN seq, DROP COLUMN actor_kind`.execute(db);
}
