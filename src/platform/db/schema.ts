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
  /** When the password was last set; staff passwords expire after PASSWORD_MAX_AGE_DAYS. */
  password_changed_at: Generated<Timestamp>;
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
  /** Moved forward at most once a minute; the idle timeout counts from it. */
  last_seen_at: Generated<Timestamp>;
}

/** The current SMS verification code of a phone (one at a time; a new request replaces it). */
export interface VerificationCodesTable {
  phone: string;
  purpose: 'login' | 'second_factor' | 'register' | 'rebind';
  /** HMAC-SHA256 of purpose, phone and code under a key derived from the platform secret. */
  code_hash: string;
  sent_at: Timestamp;
  expires_at: Timestamp;
  attempts: Generated<number>;
  consumed_at: Timestamp | null;
}

/** Every code issued, for the caps per phone and per address; `delivered` false: no text went out (unknown phone). */
export interface VerificationSendsTable {
  id: Generated<string>;
  phone: string;
  purpose: string;
  ip: string | null;
  at: Timestamp;
  delivered: boolean;
}

export interface WechatBindingsTable {
  id: Generated<string>;
  user_id: string;
  app_id: string;
  openid: string;
  created_at: Timestamp;
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
  /** user: a signed-in person; system: the platform (alarms, jobs, devices); anonymous: nobody signed in (a failed login). */
  actor_kind: ColumnType<'user' | 'system' | 'anonymous', 'user' | 'system' | 'anonymous' | undefined, never>;
  /** The chain (set at commit by the database, never by the application): position, previous entry's hash, own hash. */
  seq: ColumnType<string | null, never, never>;
  prev_hash: ColumnType<string | null, never, never>;
  hash: ColumnType<string | null, never, never>;
}

/** One row each: the last chained entry, and the last entry the retention purge removed. */
export interface AuditChainPointTable {
  id: Generated<boolean>;
  seq: string;
  hash: string;
}

export interface AuditChainAnchorTable extends AuditChainPointTable {
  moved_at: Timestamp | null;
}

/** Which (person, route, minute) already has its `access.denied` entry. */
export interface AuditDenialsTable {
  user_id: string;
  route: string;
  minute: Timestamp;
}

export interface PlatformMetaTable {
  key: string;
  value: ColumnType<unknown, string, string>;
  updated_at: Generated<Timestamp>;
}

export interface JobsTable {
  id: Generated<string>;
  kind: string;
  run_at: Date;
  payload: ColumnType<Record<string, unknown>, string, string>;
  dedupe_key: string | null;
  attempts: Generated<number>;
  last_error: string | null;
  done_at: Date | null;
  created_at: Generated<Date>;
}

export interface CalendarOverridesTable {
  date: ColumnType<string, string, string>;
  is_workday: boolean;
  name: string;
  updated_at: Generated<Date>;
}

export interface CaseCategoriesTable {
  code: string;
  name: string;
  name_en: string;
  description: Generated<string>;
  accept_hours: ColumnType<number, number, number>;
  resolve_hours: ColumnType<number, number, number>;
  allow_anonymous: Generated<boolean>;
  is_public: Generated<boolean>;
  report_points: Generated<number>;
  handler_points: Generated<number>;
  sort_order: Generated<number>;
  active: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export type CaseState = 'submitted' | 'accepted' | 'resolved' | 'closed' | 'rejected';
export type CaseLevel = 'grid' | 'village' | 'township';
export type CaseSource = 'app' | 'open311' | 'console' | 'alarm' | 'water' | 'device';

export interface CasesTable {
  id: string;
  number: string;
  category_code: string;
  state: CaseState;
  level: CaseLevel;
  description: string;
  address: string | null;
  lon: number | null;
  lat: number | null;
  region_path: string;
  township_code: string | null;
  village_code: string | null;
  grid_code: string | null;
  village_name: string | null;
  grid_name: string | null;
  source: CaseSource;
  reporter_id: string | null;
  reporter_name: string | null;
  reporter_phone: string | null;
  anonymous: Generated<boolean>;
  sms_opt_in: Generated<boolean>;
  assignee_id: string | null;
  assignee_name: string | null;
  resolver_id: string | null;
  evaluator_id: string | null;
  duplicate_of: string | null;
  support_count: Generated<number>;
  dispute_count: Generated<number>;
  return_count: Generated<number>;
  escalation_count: Generated<number>;
  accept_due_at: Date | null;
  resolve_due_at: Date | null;
  accepted_at: Date | null;
  resolved_at: Date | null;
  closed_at: Date | null;
  rejected_at: Date | null;
  resolution_note: string | null;
  reject_reason: string | null;
  evaluation_comment: string | null;
  rating: number | null;
  rating_comment: string | null;
  rated_at: Date | null;
  created_at: Date;
  updated_at: Date;
  version: Generated<number>;
}

export interface CaseEventsTable {
  id: Generated<string>;
  case_id: string;
  at: Date;
  type: string;
  actor_id: string | null;
  actor_name: string | null;
  actor_role: string | null;
  from_state: string | null;
  to_state: string | null;
  from_level: string | null;
  to_level: string | null;
  note: string | null;
  photo_ids: ColumnType<string[], string[] | undefined, string[]>;
  automatic: Generated<boolean>;
}

export interface CaseSupportsTable {
  case_id: string;
  user_id: string;
  created_at: Date;
}

export interface NotificationsTable {
  id: Generated<string>;
  user_id: string;
  kind: string;
  title: string;
  body: string;
  case_id: string | null;
  created_at: Date;
  read_at: Date | null;
  severity: Generated<NotificationSeverity>;
  /** Where a tap on its Web Push opens (an h5 path); null: the notifications list or the case. */
  url: string | null;
  /** null: never pushed (made before Web Push); 'pending' until the dispatcher handled it. */
  push_state: 'pending' | 'done' | null;
  push_due_at: Date | null;
}

export type NotificationSeverity = 'normal' | 'high';

export interface WebPushSubscriptionsTable {
  id: Generated<string>;
  user_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  user_agent: string | null;
  created_at: Date;
  last_ok_at: Date | null;
  last_failed_at: Date | null;
  last_error: string | null;
}

export interface NotificationPreferencesTable {
  user_id: string;
  push: boolean;
  sms_must_not_miss: boolean;
  /** Minutes after local midnight (Asia/Shanghai). */
  quiet_start: number;
  quiet_end: number;
  updated_at: Date;
}

export type HealthDeviceKind = 'speaker' | 'camera' | 'water_meter';

export interface DeviceHealthTable {
  device_kind: HealthDeviceKind;
  device_id: string;
  region_path: string;
  /** Debounced: false from the start of an outage until the device has been back for the recovery time. */
  up: boolean;
  down_since: Date | null;
  /** While down: when the device came back (not yet for long enough to count as recovered). */
  back_since: Date | null;
  ticket_case_id: string | null;
  /** When the checker first saw the device (availability counts from then). */
  watched_since: Date;
  checked_at: Date;
}

export interface DeviceOutagesTable {
  id: Generated<string>;
  device_kind: HealthDeviceKind;
  device_id: string;
  region_path: string;
  started_at: Date;
  ended_at: Date | null;
}

export interface SmsOutboxTable {
  id: Generated<string>;
  phone: string;
  body: string;
  region_path: string;
  reference: string | null;
  status: Generated<SmsStatus>;
  provider: string | null;
  error: string | null;
  created_at: Date;
  sent_at: Date | null;
  /** A SmsTemplateKind (platform/sms/templates.ts); null for free-text rows from before templates. */
  template: string | null;
  /** The template's parameters; secret ones are masked once the provider has them. */
  params: ColumnType<Record<string, string> | null, string | null, string | null>;
  attempts: Generated<number>;
  next_attempt_at: Date;
  /** While `sending`: until when the claiming dispatcher holds the row; past it, another retries. */
  lease_until: Date | null;
  provider_message_id: string | null;
  error_code: string | null;
  delivered_at: Date | null;
}

export type SmsStatus = 'queued' | 'sending' | 'sent' | 'delivered' | 'failed' | 'skipped';

export interface Open311KeysTable {
  id: Generated<string>;
  key_hash: string;
  name: string;
  region_code: string;
  created_by: string | null;
  created_at: Date;
  revoked_at: Date | null;
}

export type PhotoKind = 'report' | 'resolution' | 'claim' | 'meeting';

export interface PhotosTable {
  id: Generated<string>;
  owner_id: string;
  /** The uploader's scope path at upload time. */
  region_path: string;
  /** The case it belongs to (no foreign key: the cases module owns that table); null until attached. */
  case_id: string | null;
  /** The points claim it is evidence for (kind 'claim'); null otherwise. */
  claim_id: Generated<string | null>;
  /** The party meeting it is a photo of (kind 'meeting'); null otherwise. */
  meeting_id: Generated<string | null>;
  kind: PhotoKind | null;
  content_type: string;
  bytes: number;
  width: number;
  height: number;
  blob_key: string;
  thumb_key: string;
  exif_lat: number | null;
  exif_lon: number | null;
  exif_taken_at: Timestamp | null;
  created_at: Timestamp;
  attached_at: Timestamp | null;
}

export interface HouseholdsTable {
  id: Generated<string>;
  village_code: string;
  /** The village's path, for scoping. */
  region_path: string;
  name: string;
  address: string | null;
  head_id: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface HouseholdMembersTable {
  /** A person belongs to at most one household. */
  user_id: string;
  household_id: string;
  joined_at: Date;
}

export type PointsRuleCategory = 'report' | 'handling' | 'civic' | 'volunteer' | 'environment' | 'virtue' | 'compliance' | 'discipline';
export type PointsEarner = 'reporter' | 'handler' | 'claimant' | 'assigned' | 'acknowledger';

export interface PointsRulesTable {
  id: Generated<string>;
  /** null: a platform default, applying everywhere unless a region overrides the code. */
  region_code: string | null;
  /** '/' for platform defaults; else the region's path. The most specific rule of a code wins. */
  region_path: string;
  code: string;
  name: string;
  description: Generated<string>;
  category: PointsRuleCategory;
  earner: PointsEarner;
  /** null only for case rules: the case category's report/handler points apply. */
  points: number | null;
  case_category_code: string | null;
  requires_approval: Generated<boolean>;
  requires_photo: Generated<boolean>;
  active: Generated<boolean>;
  sort_order: Generated<number>;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export type PointsClaimState = 'pending' | 'approved' | 'rejected';

export interface PointsClaimsTable {
  id: string;
  user_id: string;
  user_name: string;
  household_id: string | null;
  region_path: string;
  village_code: string | null;
  rule_id: string;
  rule_code: string;
  rule_name: string;
  points: number;
  description: string;
  occurred_on: ColumnType<string, string, string>;
  state: Generated<PointsClaimState>;
  decided_by: string | null;
  decided_by_name: string | null;
  decided_at: Date | null;
  decision_note: string | null;
  created_at: Date;
  updated_at: Date;
}

export type PointsEntryKind = 'award' | 'deduction' | 'redemption' | 'refund' | 'correction' | 'opening';

/** The append-only points ledger (a trigger refuses UPDATE and DELETE). */
export interface PointsEntriesTable {
  /** bigserial; int8 is parsed as a JS number (database.ts). */
  id: Generated<number>;
  user_id: string;
  household_id: string | null;
  region_path: string;
  village_code: string | null;
  kind: PointsEntryKind;
  points: number;
  rule_id: string | null;
  rule_code: string | null;
  rule_name: string | null;
  case_id: string | null;
  claim_id: string | null;
  order_id: string | null;
  /** The alarm whose acknowledgement earned it (no foreign key: safe-village owns alarms). */
  alarm_id: string | null;
  corrects_id: number | null;
  approver_id: string | null;
  approver_name: string | null;
  reason: string;
  idempotency_key: string;
  created_at: Date;
}

/** A cache of SUM(points_entries.points) per person, kept in the same transaction; never negative. */
export interface PointsBalancesTable {
  user_id: string;
  balance: number;
  updated_at: Date;
}

export interface PointsStoreItemsTable {
  id: Generated<string>;
  village_code: string;
  region_path: string;
  name: string;
  description: Generated<string>;
  price: number;
  stock: number;
  active: Generated<boolean>;
  sort_order: Generated<number>;
  created_at: Date;
  updated_at: Date;
}

export type PointsOrderState = 'reserved' | 'completed' | 'cancelled';

export interface PointsOrdersTable {
  id: string;
  item_id: string;
  item_name: string;
  user_id: string;
  user_name: string;
  household_id: string | null;
  /** The item's village path: the village that hands the goods over. */
  region_path: string;
  village_code: string;
  quantity: number;
  unit_price: number;
  total_points: number;
  state: Generated<PointsOrderState>;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
  completed_by: string | null;
  completed_by_name: string | null;
  cancelled_at: Date | null;
  cancelled_by: string | null;
  cancelled_by_name: string | null;
  cancel_reason: string | null;
}

export type AudioKind = 'tts' | 'upload' | 'recording';

export interface AudioClipsTable {
  id: Generated<string>;
  kind: AudioKind;
  /** tts: the text spoken (normalized); upload/recording: an optional description. */
  text: string | null;
  /** tts: the engine's voice. */
  voice: string | null;
  content_type: string;
  /** The uploaded file's type when it was converted (browser recordings → MP3). */
  source_content_type: string | null;
  bytes: number;
  /** null only when a format could not be measured (no ffmpeg). */
  duration_ms: number | null;
  blob_key: string;
  /** tts only: sha256 of engine, voice, rate, pitch and text. */
  cache_key: string | null;
  region_path: string;
  /** null: made by the platform itself (e.g. an alarm's warning). */
  created_by: string | null;
  created_at: Generated<Timestamp>;
}

export type DeviceKind = 'speaker';

export interface DevicesTable {
  /** Also the device's MQTT username and client id. */
  id: string;
  kind: DeviceKind;
  name: string;
  region_code: string;
  region_path: string;
  lon: number | null;
  lat: number | null;
  bound_camera_id: string | null;
  /** PBKDF2-SHA512 in Mosquitto's `$7$` password-file format. */
  secret_hash: string;
  /** The volume the platform wants; `reported_volume` is the device's own word. */
  volume: number;
  reported_volume: number | null;
  playing_command_id: string | null;
  firmware: string | null;
  online: boolean;
  online_changed_at: Date | null;
  last_seen_at: Date | null;
  rejected_messages: Generated<number>;
  last_rejected_at: Date | null;
  last_rejected_reason: string | null;
  disabled_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface BroadcastSchedulesTable {
  id: string;
  name: string;
  repeat_kind: 'once' | 'daily' | 'weekly';
  run_date: ColumnType<string | null, string | null, string | null>;
  time_of_day: string;
  weekdays: ColumnType<number[], number[] | undefined, number[]>;
  template: ColumnType<Record<string, unknown>, string, string>;
  region_path: string;
  active: Generated<boolean>;
  next_run_at: Date | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface BroadcastsTable {
  id: string;
  title: string;
  kind: 'routine' | 'emergency' | 'alarm';
  priority: number;
  text: string | null;
  voice: string | null;
  clip_id: string;
  duration_ms: number;
  volume: number | null;
  repeat: Generated<number>;
  target_type: 'speakers' | 'villages' | 'township';
  target_codes: string[];
  region_path: string;
  status: 'active' | 'completed' | 'cancelled' | 'expired';
  schedule_id: string | null;
  source_ref: string | null;
  created_by: string | null;
  created_by_name: string | null;
  created_at: Date;
  expires_at: Date;
  completed_at: Date | null;
}

export type DeliveryState = 'pending' | 'sent' | 'received' | 'playing' | 'interrupted' | 'finished' | 'failed' | 'expired' | 'cancelled';

export interface BroadcastDeliveriesTable {
  broadcast_id: string;
  device_id: string;
  priority: number;
  state: DeliveryState;
  command_id: string | null;
  attempts: Generated<number>;
  reason: string | null;
  created_at: Date;
  sent_at: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
  updated_at: Date;
}

export type ZoneKind = 'drowning' | 'straw_burning' | 'dumping' | 'security' | 'other';
export type ZoneAnchor = 'bottom_center' | 'center' | 'box_share';
export type AlarmSeverity = 'info' | 'warning' | 'critical';
export type AlarmState = 'open' | 'acknowledged' | 'false_positive' | 'case_created';
export type AlarmSource = 'detector' | 'frigate' | 'webhook';

export interface CamerasTable {
  id: string;
  name: string;
  region_code: string;
  region_path: string;
  lon: number | null;
  lat: number | null;
  /** rtsp://…, http(s)://… or a file path; null for a camera that only sends its own detections. */
  stream_url: string | null;
  /** Whether the built-in detector reads the stream. */
  detect: boolean;
  detect_fps: number;
  /** The camera's name in Frigate's MQTT events (`after.camera`). */
  external_name: string | null;
  /** SHA-256 of the secret the camera's own AI signs its webhook calls with. */
  webhook_secret_hash: string;
  frame_width: number | null;
  frame_height: number | null;
  enabled: boolean;
  online: boolean;
  online_changed_at: Date | null;
  last_frame_at: Date | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface CameraZonesTable {
  id: string;
  camera_id: string;
  name: string;
  kind: ZoneKind;
  enabled: boolean;
  polygon: ColumnType<[number, number][], string, string>;
  object_class: string;
  min_score: number;
  anchor: ZoneAnchor;
  min_box_share: number;
  inertia_frames: number;
  min_dwell_seconds: number;
  min_box_area: number;
  max_box_area: number;
  schedules: ColumnType<{ days?: number[]; start: string; end: string; months?: number[] }[], string, string>;
  cooldown_seconds: number;
  severity: AlarmSeverity;
  warning_text: string;
  voice: string | null;
  play_on_speaker: boolean;
  notify_grid_worker: boolean;
  create_case: boolean;
  /** Minutes before each escalation step; null: the township default (ALARM_LADDER_MINUTES). */
  ladder_minutes: number[] | null;
  created_at: Date;
  updated_at: Date;
}

export interface AlarmsTable {
  id: string;
  dedupe_key: string;
  camera_id: string | null;
  camera_name: string;
  zone_id: string | null;
  zone_name: string;
  kind: ZoneKind;
  severity: AlarmSeverity;
  region_code: string;
  region_path: string;
  source: AlarmSource;
  track_id: string;
  label: string;
  score: number;
  box: ColumnType<{ x: number; y: number; width: number; height: number }, string, string>;
  entered_at: Date;
  raised_at: Date;
  snapshot_key: string | null;
  warning_text: string;
  broadcast_id: string | null;
  speaker_ids: ColumnType<string[], string[] | undefined, string[]>;
  state: AlarmState;
  case_id: string | null;
  handled_by: string | null;
  handled_by_name: string | null;
  handled_at: Date | null;
  note: string | null;
  /** The last escalation step reached (0: none yet). */
  ladder_step: Generated<number>;
}

export type AlarmEventKind = 'raised' | 'escalated' | 'acknowledged' | 'false_positive' | 'case_created' | 'warned_again';
export interface AlarmRecipient {
  userId: string;
  name: string;
  role: Role;
  channels: ('app' | 'sms')[];
}

/** An alarm's history: what happened and who was told how. */
export interface AlarmEventsTable {
  id: Generated<string>;
  alarm_id: string;
  at: Date;
  kind: AlarmEventKind;
  step: number | null;
  actor_id: string | null;
  actor_name: string | null;
  recipients: ColumnType<AlarmRecipient[], string | undefined, string>;
  note: string | null;
}

// ---- 乡村信息、办证办事、养老 (src/modules/village-services) -------------------------------------

export type NoticeKind = 'notice' | 'affairs' | 'news';
export type AffairsCategory = 'finance' | 'subsidy' | 'decision' | 'other';
export type NoticeState = 'draft' | 'published' | 'withdrawn';

export interface NoticesTable {
  id: string;
  kind: NoticeKind;
  affairs_category: AffairsCategory | null;
  title: string;
  body: string;
  region_code: string;
  region_path: string;
  state: NoticeState;
  pinned: Generated<boolean>;
  read_count: Generated<number>;
  broadcast_id: string | null;
  published_at: Date | null;
  withdrawn_at: Date | null;
  withdraw_reason: string | null;
  created_by: string | null;
  created_by_name: string;
  created_at: Date;
  updated_at: Date;
}

export interface NoticeReadsTable {
  notice_id: string;
  user_id: string;
  read_at: Date;
}

export type ServiceCategory = 'household' | 'social_security' | 'civil_affairs' | 'land' | 'disability' | 'other';

export interface ServiceGuidesTable {
  id: string;
  region_code: string;
  region_path: string;
  code: string;
  name: string;
  category: ServiceCategory;
  keywords: Generated<string>;
  summary: string;
  conditions: string;
  materials: ColumnType<string[], string, string>;
  office: string;
  phone: string | null;
  hours: string;
  fees: string;
  time_limit: string;
  allow_appointment: Generated<boolean>;
  allow_proxy: Generated<boolean>;
  active: Generated<boolean>;
  sort_order: Generated<number>;
  created_at: Date;
  updated_at: Date;
}

export type ServiceRequestKind = 'appointment' | 'proxy';
export type ServiceRequestState = 'submitted' | 'accepted' | 'awaiting_materials' | 'completed' | 'rejected' | 'cancelled';

export interface ServiceRequestsTable {
  id: string;
  number: string;
  guide_id: string;
  guide_name: string;
  kind: ServiceRequestKind;
  state: ServiceRequestState;
  requester_id: string;
  requester_name: string;
  contact_phone: string;
  region_code: string;
  region_path: string;
  preferred_date: ColumnType<string | null, string | null, string | null>;
  note: string | null;
  handler_id: string | null;
  handler_name: string | null;
  appointment_at: Date | null;
  result: string | null;
  created_at: Date;
  updated_at: Date;
  closed_at: Date | null;
}

export interface ServiceRequestEventsTable {
  id: Generated<number>;
  request_id: string;
  at: Date;
  action: string;
  from_state: ServiceRequestState | null;
  to_state: ServiceRequestState;
  actor_id: string | null;
  actor_name: string;
  actor_role: string;
  note: string | null;
}

export type Mobility = 'independent' | 'assisted' | 'bedridden';
export type ElderlyStatus = 'active' | 'moved' | 'deceased';

export interface ElderlyResidentsTable {
  id: string;
  name: string;
  gender: 'male' | 'female' | null;
  birth_date: ColumnType<string, string, string>;
  phone: string | null;
  address: string | null;
  user_id: string | null;
  household_id: string | null;
  region_code: string;
  region_path: string;
  living_alone: boolean;
  mobility: Mobility;
  emergency_contact_name: string | null;
  emergency_contact_phone: string | null;
  health_notes: string | null;
  status: Generated<ElderlyStatus>;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export type VisitFrequency = 'weekly' | 'monthly' | 'quarterly';

export interface ElderlyVisitPlansTable {
  resident_id: string;
  frequency: VisitFrequency;
  starts_on: ColumnType<string, string, string>;
  carer_id: string | null;
  active: Generated<boolean>;
  note: string | null;
  created_at: Date;
  updated_at: Date;
}

export type VisitReason = 'plan' | 'alert' | 'other';
export type VisitState = 'open' | 'done' | 'cancelled';
export type VisitCondition = 'good' | 'attention' | 'urgent';

export interface ElderlyVisitsTable {
  id: string;
  resident_id: string;
  region_path: string;
  reason: VisitReason;
  state: VisitState;
  due_at: Date | null;
  visited_at: Date | null;
  visitor_id: string | null;
  visitor_name: string | null;
  condition: VisitCondition | null;
  notes: string | null;
  created_at: Date;
  updated_at: Date;
}

export type ElderlyAlertSource = 'manual' | 'water';
export type ElderlyAlertKind = 'zero_water_use' | 'no_contact' | 'health' | 'other';

export interface ElderlyAlertsTable {
  id: string;
  resident_id: string;
  region_path: string;
  source: ElderlyAlertSource;
  source_ref: string;
  kind: ElderlyAlertKind;
  note: string;
  raised_by: string | null;
  raised_by_name: string | null;
  raised_at: Date;
  visit_id: string;
}

export type MealKind = 'lunch' | 'dinner' | 'both';
export type MealRequestState = 'requested' | 'approved' | 'rejected' | 'cancelled';

export interface ElderlyMealRequestsTable {
  id: string;
  resident_id: string;
  region_path: string;
  meals: MealKind;
  starts_on: ColumnType<string, string, string>;
  ends_on: ColumnType<string | null, string | null, string | null>;
  note: string | null;
  state: MealRequestState;
  requested_by: string | null;
  requested_by_name: string;
  decided_by: string | null;
  decided_by_name: string | null;
  decided_at: Date | null;
  decision_note: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface ElderlyMealDeliveriesTable {
  request_id: string;
  date: ColumnType<string, string, string>;
  delivered_by: string | null;
  delivered_by_name: string;
  delivered_at: Date;
}

export interface VillageFilesTable {
  id: string;
  owner_id: string;
  region_path: string;
  kind: 'image' | 'document';
  filename: string;
  content_type: string;
  bytes: number;
  width: number | null;
  height: number | null;
  blob_key: string;
  thumb_key: string | null;
  notice_id: string | null;
  visit_id: string | null;
  material_id: string | null;
  sort_order: Generated<number>;
  created_at: Date;
  attached_at: Date | null;
}

// ---- 智慧党建 party building (src/modules/party) ------------------------------------------------

export type PartyOrgKind = 'committee' | 'general_branch' | 'branch' | 'group';
export type PartyMemberStatus = 'full' | 'probationary' | 'candidate' | 'activist';
export type PartyOfficerPost = 'secretary' | 'deputy_secretary' | 'committee_member' | 'group_leader';
export type PartyFrequency = 'monthly' | 'quarterly' | 'half_yearly' | 'yearly' | 'none';
export type PartyMeetingMode = 'onsite' | 'online' | 'hybrid';
export type PartyMeetingStatus = 'planned' | 'held' | 'cancelled';
export type PartyAttendanceStatus = 'expected' | 'present' | 'late' | 'leave' | 'absent';
export type PartySignInMethod = 'qr' | 'remote' | 'recorded';
export type PartyLeaveDecision = 'pending' | 'approved' | 'refused';
export type PartyStudyKind = 'article' | 'link' | 'file' | 'video';

export interface PartyOrganisationsTable {
  id: string;
  parent_id: string | null;
  kind: PartyOrgKind;
  name: string;
  region_code: string;
  region_path: string;
  founded_on: ColumnType<string | null, string | null | undefined, string | null>;
  active: Generated<boolean>;
  sort_order: Generated<number>;
  created_at: Date;
  updated_at: Date;
}

export interface PartyMembersTable {
  id: string;
  user_id: string;
  branch_id: string;
  group_id: string | null;
  /** The branch's region path, for scoping. */
  region_path: string;
  status: PartyMemberStatus;
  applied_on: string | null;
  activist_on: string | null;
  candidate_on: string | null;
  /** 入党日期: admitted as a probationary member — the political birthday. */
  joined_on: string | null;
  /** 转正日期: full membership; party standing (党龄) counts from here. */
  full_on: string | null;
  is_mobile: Generated<boolean>;
  mobile_place: string | null;
  declared_income_cents: number | null;
  fixed_dues_cents: number | null;
  /** 'YYYY-MM': the first month dues are owed. */
  dues_from: string;
  note: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface PartyOfficersTable {
  organisation_id: string;
  member_id: string;
  post: PartyOfficerPost;
  title: string | null;
  sort_order: Generated<number>;
}

export interface PartyMemberTransfersTable {
  id: Generated<string>;
  member_id: string;
  from_branch_id: string;
  from_branch_name: string;
  from_group_name: string | null;
  to_branch_id: string;
  to_branch_name: string;
  to_group_name: string | null;
  reason: string;
  transferred_at: Date;
  by_user_id: string | null;
  by_name: string;
}

export interface PartyMeetingTypesTable {
  code: string;
  name: string;
  frequency: PartyFrequency;
  required_count: Generated<number>;
  held_by: 'committee' | 'branch' | 'group';
  sort_order: Generated<number>;
  active: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface PartyMeetingsTable {
  id: string;
  organisation_id: string;
  /** The branch the meeting counts for (a group's branch); null for a committee's meetings. */
  branch_id: string | null;
  region_path: string;
  type_code: string;
  title: string;
  starts_at: Date;
  ends_at: Date;
  mode: PartyMeetingMode;
  place: string | null;
  online_url: string | null;
  agenda: Generated<string>;
  signin_opens_at: Date;
  signin_closes_at: Date;
  status: Generated<PartyMeetingStatus>;
  minutes: string | null;
  resolutions: string | null;
  recorded_at: Date | null;
  record_updated_at: Date | null;
  recorded_by: string | null;
  recorded_by_name: string | null;
  /** 补录: planned or recorded after the meeting's window. */
  entered_late: Generated<boolean>;
  late_reason: string | null;
  cancelled_at: Date | null;
  cancel_reason: string | null;
  created_by: string | null;
  created_by_name: string;
  created_at: Date;
  updated_at: Date;
}

export interface PartyAttendanceTable {
  meeting_id: string;
  member_id: string;
  member_name: string;
  status: Generated<PartyAttendanceStatus>;
  method: PartySignInMethod | null;
  signed_in_at: Date | null;
  leave_reason: string | null;
  leave_requested_at: Date | null;
  /** 请假审批: asked (pending), then approved or refused by the branch; null without a request. */
  leave_decision: PartyLeaveDecision | null;
  leave_decided_by: string | null;
  leave_decided_by_name: string | null;
  leave_decided_at: Date | null;
  leave_decision_note: string | null;
  recorded_by: string | null;
  recorded_at: Date | null;
  entered_late: Generated<boolean>;
}

export interface PartyStudyMaterialsTable {
  id: string;
  region_code: string;
  region_path: string;
  title: string;
  kind: PartyStudyKind;
  url: string | null;
  body: Generated<string>;
  minutes: number;
  active: Generated<boolean>;
  created_by: string | null;
  created_by_name: string;
  created_at: Date;
  updated_at: Date;
}

export interface PartyStudyAssignmentsTable {
  material_id: string;
  organisation_id: string;
  assigned_at: Date;
}

export interface PartyStudyRecordsTable {
  id: string;
  member_id: string;
  branch_id: string;
  region_path: string;
  material_id: string | null;
  title: string;
  minutes: number;
  studied_on: string;
  note: string | null;
  entered_by: string | null;
  entered_by_name: string;
  created_at: Date;
}

export interface PartyDuesPaymentsTable {
  id: Generated<string>;
  member_id: string;
  month: string;
  amount_cents: number;
  paid_on: string;
  branch_id: string;
  region_path: string;
  note: string | null;
  recorded_by: string | null;
  recorded_by_name: string;
  recorded_at: Date;
}

export interface PartySettingsTable {
  key: string;
  value: ColumnType<unknown, string, string>;
  updated_at: Generated<Date>;
}

/** 智慧大屏 read models (the dashboard module); days and months are China calendar dates 'YYYY-MM-DD'. */
export interface DashboardCaseFactsTable {
  case_id: string;
  region_path: string;
  category_code: string;
  reported_day: string;
  closed_day: string | null;
  handling_hours: number | null;
  rated_day: string | null;
  rating: number | null;
  is_open: boolean;
  is_overdue: boolean;
}

export interface DashboardDailyTable {
  region_code: string;
  day: string;
  cases_reported: Generated<number>;
  cases_reported_closed: Generated<number>;
  cases_closed: Generated<number>;
  handling_hours: Generated<number>;
  ratings_sum: Generated<number>;
  ratings_count: Generated<number>;
  broadcasts: Generated<number>;
  plays: Generated<number>;
}

export interface DashboardAlarmsDailyTable {
  region_code: string;
  day: string;
  kind: string;
  alarms: Generated<number>;
}

export interface DashboardCategoryMonthTable {
  region_code: string;
  month: string;
  category_code: string;
  cases: Generated<number>;
}

export interface DashboardGaugesTable {
  region_code: string;
  open_cases: Generated<number>;
  overdue_cases: Generated<number>;
}

export interface DashboardAlarmFeedTable {
  region_code: string;
  raised_at: Date;
  alarm_id: string;
}

export interface DashboardMarksTable {
  item: string;
  region_path: string;
  day: string;
}

export type WaterMeterKind = 'household' | 'shared' | 'village_main';
export type WaterAlertType = 'leak' | 'burst' | 'spike' | 'zero' | 'fault';
export type WaterReadingVerdict = 'first' | 'ok' | 'late' | 'backwards' | 'jump';
export type WaterReadingSource = 'mqtt' | 'http' | 'csv';
export type WaterAlertSms = 'none' | 'queued' | 'deferred' | 'limited' | 'no_phone' | 'stale';

export interface WaterMetersTable {
  id: string;
  name: string;
  kind: WaterMeterKind;
  household_id: string | null;
  region_code: string;
  region_path: string;
  address: string | null;
  lon: number | null;
  lat: number | null;
  contact_name: string | null;
  contact_phone: string | null;
  elderly: Generated<boolean>;
  lives_alone: Generated<boolean>;
  secret_hash: string | null;
  enabled: Generated<boolean>;
  /** The detectors' MeterState (JSON). */
  state: ColumnType<unknown | null, string | null | undefined, string | null>;
  last_reading_at: Date | null;
  last_litres: number | null;
  readings_count: ColumnType<string, string | number | undefined, string | number>;
  rejected_messages: Generated<number>;
  last_rejected_at: Date | null;
  last_rejected_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface WaterReadingsTable {
  meter_id: string;
  at: Date;
  litres: number;
  verdict: WaterReadingVerdict;
  source: WaterReadingSource;
  received_at: Date;
}

export interface WaterAlertsTable {
  id: string;
  meter_id: string;
  meter_name: string;
  region_code: string;
  region_path: string;
  household_id: string | null;
  type: WaterAlertType;
  started_at: Date;
  ended_at: Date | null;
  end_reason: string | null;
  evidence: ColumnType<Record<string, unknown>, string, string>;
  sms: Generated<WaterAlertSms>;
  sms_due_at: Date | null;
  case_id: string | null;
  acknowledged_by: string | null;
  acknowledged_by_name: string | null;
  acknowledged_at: Date | null;
  note: string | null;
  created_at: Date;
}

export interface WaterSettingsTable {
  region_code: string;
  region_path: string;
  thresholds: ColumnType<Record<string, number>, string | undefined, string>;
  quiet_start: number | null;
  quiet_end: number | null;
  updated_by: string | null;
  updated_at: Date;
}

export interface WaterSmsSentTable {
  meter_id: string;
  type: string;
  day: ColumnType<string, string, string>;
  alert_id: string;
  sent_at: Date;
}

export type RegistrationStatus = 'matched' | 'pending' | 'approved' | 'refused';

/** A village's current join token (on the notice-board poster); regenerating it retires old posters. */
export interface VillageJoinLinksTable {
  village_code: string;
  region_path: string;
  token: string;
  created_by: string | null;
  created_at: Date;
}

/** A villager's self-registration, with the consent to the privacy notice it was given under. */
export interface RegistrationsTable {
  id: Generated<string>;
  village_code: string;
  region_path: string;
  phone: string;
  name: string;
  /** The household the villager chose (or the one a cadre chose on approval). */
  household_id: string | null;
  /** What the villager typed when they could not find their household (户主 name or 门牌). */
  household_text: string | null;
  status: RegistrationStatus;
  user_id: string | null;
  /** SHA-256 of the key the registering browser holds to read the state and, once approved, sign in. */
  status_key_hash: string;
  consent_version: string;
  consent_at: Date;
  consent_ip: string | null;
  decided_by: string | null;
  decided_at: Date | null;
  reason: string | null;
  session_claimed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** 值班表: one row per person on duty on a day in a township. */
export interface DutyRosterTable {
  township_code: string;
  date: ColumnType<string, string, string>;
  user_id: string;
  created_by: string | null;
  created_at: Generated<Timestamp>;
}

export interface Database {
  duty_roster: DutyRosterTable;
  broadcast_schedules: BroadcastSchedulesTable;
  broadcasts: BroadcastsTable;
  broadcast_deliveries: BroadcastDeliveriesTable;
  regions: RegionsTable;
  users: UsersTable;
  sessions: SessionsTable;
  login_attempts: LoginAttemptsTable;
  verification_codes: VerificationCodesTable;
  verification_sends: VerificationSendsTable;
  wechat_bindings: WechatBindingsTable;
  village_join_links: VillageJoinLinksTable;
  registrations: RegistrationsTable;
  audit_events: AuditEventsTable;
  audit_chain_head: AuditChainPointTable;
  audit_chain_anchor: AuditChainAnchorTable;
  audit_denials: AuditDenialsTable;
  platform_meta: PlatformMetaTable;
  photos: PhotosTable;
  jobs: JobsTable;
  calendar_overrides: CalendarOverridesTable;
  case_categories: CaseCategoriesTable;
  cases: CasesTable;
  case_events: CaseEventsTable;
  case_supports: CaseSupportsTable;
  notifications: NotificationsTable;
  web_push_subscriptions: WebPushSubscriptionsTable;
  notification_preferences: NotificationPreferencesTable;
  device_health: DeviceHealthTable;
  device_outages: DeviceOutagesTable;
  sms_outbox: SmsOutboxTable;
  open311_keys: Open311KeysTable;
  households: HouseholdsTable;
  household_members: HouseholdMembersTable;
  points_rules: PointsRulesTable;
  points_claims: PointsClaimsTable;
  points_entries: PointsEntriesTable;
  points_balances: PointsBalancesTable;
  points_store_items: PointsStoreItemsTable;
  points_orders: PointsOrdersTable;
  audio_clips: AudioClipsTable;
  devices: DevicesTable;
  cameras: CamerasTable;
  camera_zones: CameraZonesTable;
  alarms: AlarmsTable;
  alarm_events: AlarmEventsTable;
  water_meters: WaterMetersTable;
  water_readings: WaterReadingsTable;
  water_alerts: WaterAlertsTable;
  water_settings: WaterSettingsTable;
  water_sms_sent: WaterSmsSentTable;
  party_organisations: PartyOrganisationsTable;
  party_members: PartyMembersTable;
  party_officers: PartyOfficersTable;
  party_member_transfers: PartyMemberTransfersTable;
  party_meeting_types: PartyMeetingTypesTable;
  party_meetings: PartyMeetingsTable;
  party_attendance: PartyAttendanceTable;
  party_study_materials: PartyStudyMaterialsTable;
  party_study_assignments: PartyStudyAssignmentsTable;
  party_study_records: PartyStudyRecordsTable;
  party_dues_payments: PartyDuesPaymentsTable;
  party_settings: PartySettingsTable;
  notices: NoticesTable;
  notice_reads: NoticeReadsTable;
  service_guides: ServiceGuidesTable;
  service_requests: ServiceRequestsTable;
  service_request_events: ServiceRequestEventsTable;
  elderly_residents: ElderlyResidentsTable;
  elderly_visit_plans: ElderlyVisitPlansTable;
  elderly_visits: ElderlyVisitsTable;
  elderly_alerts: ElderlyAlertsTable;
  elderly_meal_requests: ElderlyMealRequestsTable;
  elderly_meal_deliveries: ElderlyMealDeliveriesTable;
  village_files: VillageFilesTable;
  dashboard_case_facts: DashboardCaseFactsTable;
  dashboard_daily: DashboardDailyTable;
  dashboard_alarms_daily: DashboardAlarmsDailyTable;
  dashboard_category_month: DashboardCategoryMonthTable;
  dashboard_gauges: DashboardGaugesTable;
  dashboard_alarm_feed: DashboardAlarmFeedTable;
  dashboard_marks: DashboardMarksTable;
}

export type RegionRow = Selectable<RegionsTable>;
export type NewRegionRow = Insertable<RegionsTable>;
export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
export type PhotoRow = Selectable<PhotosTable>;
export type NewPhotoRow = Insertable<PhotosTable>;
export type AudioClipRow = Selectable<AudioClipsTable>;
export type NewAudioClipRow = Insertable<AudioClipsTable>;
