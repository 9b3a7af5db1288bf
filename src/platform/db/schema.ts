import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Table types for Kysely. Kept in step with the migrations by hand; the migration is the truth. */

type Timestamp = Date;

export type RegionLevel = 'county' | 'township' | 'village' | 'grid';

export interface RegionsTable {
  code: string;
  parent_code: string | null;
  level: RegionLevel;
  name: string;
  /** Materialised path of codes, '/130631/130631202/', for subtree and ancestor scoping. */
  path: string;
  boundary: ColumnType<unknown | null, string | null | undefined, string | null>;
  min_lon: number | null;
  min_lat: number | null;
  max_lon: number | null;
  max_lat: number | null;
  centre_lon: number | null;
  centre_lat: number | null;
  area_km2: ColumnType<number | null, number | null | undefined, number | null>;
  registered_population: number | null;
  resident_population: number | null;
  households: number | null;
  /** Drawn for illustration (the demo's boundaries), not surveyed. */
  boundary_illustrative: Generated<boolean>;
  created_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
}

export type Role = 'admin' | 'township_staff' | 'village_cadre' | 'branch_secretary' | 'grid_worker' | 'villager';

export interface UsersTable {
  id: Generated<string>;
  phone: string;
  name: string;
  role: Role;
  region_code: string;
  password_hash: string;
  must_change_password: Generated<boolean>;
  is_demo: Generated<boolean>;
  disabled_at: Timestamp | null;
  last_login_at: Timestamp | null;
  created_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
}

export interface SessionsTable {
  id: Generated<string>;
  token_hash: string;
  user_id: string;
  created_at: Generated<Timestamp>;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  ip: string | null;
  user_agent: string | null;
}

export interface LoginAttemptsTable {
  id: Generated<string>;
  phone: string;
  ip: string;
  succeeded: boolean;
  at: Timestamp;
}

export interface AuditEventsTable {
  id: Generated<string>;
  at: Timestamp;
  actor_id: string | null;
  actor_role: string | null;
  action: string;
  target_type: string;
  target_id: string;
  /** Path of the region the change concerns, so audit reads are scoped like everything else. */
  region_path: string;
  details: ColumnType<Record<string, unknown>, string, string>;
  request_id: string | null;
  ip: string | null;
}

export interface PlatformMetaTable {
  key: string;
  value: ColumnType<unknown, string, string>;
  updated_at: Generated<Timestamp>;
}

export interface Database {
  regions: RegionsTable;
  users: UsersTable;
  sessions: SessionsTable;
  login_attempts: LoginAttemptsTable;
  audit_events: AuditEventsTable;
  platform_meta: PlatformMetaTable;
}

export type RegionRow = Selectable<RegionsTable>;
export type NewRegionRow = Insertable<RegionsTable>;
export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
