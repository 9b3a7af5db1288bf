import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isIP } from 'node:net';
import { createSecureContext } from 'node:tls';
import { z } from 'zod';
import { type BrokerLimits, DEFAULT_BROKER_LIMITS, MAX_PASSWORD_BYTES } from './platform/mqtt/limits.js';
import { parsePeriods } from './platform/working-time.js';
import { smsConfig, smsEnvSchema, smsSecretVariables, type SmsConfig } from './platform/sms/sms-config.js';

/**
 * The one typed configuration. Read once at start-up from the environment, optionally layered
 * over a JSON file named by SHUXIANG_CONFIG; any bad value stops start-up naming the variable.
 */
const booleanString = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();
/** The embedded broker refuses longer passwords before checking them. */
const mqttPassword = z
  .string()
  .min(16, 'must have at least 16 characters')
  .refine((v) => Buffer.byteLength(v) <= MAX_PASSWORD_BYTES, `must have at most ${MAX_PASSWORD_BYTES} bytes`);

const envSchema = z.object({
  PORT: port.default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  // Serve HTTPS on PORT with this PEM certificate (chain) and key; both or neither.
  HTTPS_CERT_FILE: z.string().min(1).optional(),
  HTTPS_KEY_FILE: z.string().min(1).optional(),
  // true: trust X-Forwarded-* from any peer (only when nothing but the proxy reaches PORT); or the
  // proxy's addresses/CIDRs (or loopback, linklocal, uniquelocal), comma-separated.
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((value, ctx) => {
      const flag = booleanString.safeParse(value);
      if (flag.success) return flag.data;
      const addresses = value.split(',').map((a) => a.trim());
      const bad = addresses.filter((a) => !isProxyAddress(a));
      if (bad.length === 0) return addresses;
      ctx.addIssue({ code: 'custom', message: `must be true, false or the proxy's addresses/CIDRs, comma-separated (not ${bad.join(', ')})` });
      return z.NEVER;
    }),
  SHUXIANG_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  // Unset: 54329, or a free port remembered in the data folder when 54329 is taken (embedded-postgres.ts).
  EMBEDDED_PG_PORT: port.optional(),
  DATABASE_POOL_SIZE: positiveInt.max(200).default(10),
  SHUXIANG_DEMO: booleanString.default(true),
  // Demo mode (published passwords) on a non-loopback HTTP/MQTT address is refused unless this is true.
  SHUXIANG_DEMO_PUBLIC: booleanString.default(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Sessions: staff roles work in the console, villagers and grid workers on their phones (see accounts/session-policy.ts).
  SESSION_STAFF_IDLE_MINUTES: positiveInt.max(60 * 24 * 90).default(30),
  SESSION_STAFF_TTL_HOURS: positiveInt.max(24 * 90).default(12),
  SESSION_STAFF_MAX_CONCURRENT: positiveInt.max(1000).default(3),
  SESSION_PHONE_IDLE_MINUTES: positiveInt.max(60 * 24 * 90).default(60 * 24 * 7),
  SESSION_PHONE_TTL_HOURS: positiveInt.max(24 * 90).default(24 * 30),
  PASSWORD_MAX_AGE_DAYS: z.coerce.number().int().min(0).max(3650).default(0),
  // Failed logins in a sliding window: per phone and address first, then per phone, per address as a ceiling.
  LOGIN_WINDOW_MINUTES: positiveInt.max(24 * 60).default(15),
  LOGIN_MAX_FAILURES_PER_PHONE_IP: positiveInt.max(1000).default(5),
  LOGIN_MAX_FAILURES_PER_PHONE: positiveInt.max(10000).default(20),
  LOGIN_MAX_FAILURES_PER_IP: positiveInt.max(100000).default(200),
  LOGIN_SLOWDOWN_AFTER_FAILURES: positiveInt.max(1000).default(3),
  LOGIN_SLOWDOWN_MS: z.coerce.number().int().min(0).max(30_000).default(1000),
  // SMS verification codes (sign-in, registration): caps per phone (all purposes) and per address, sliding windows.
  SMS_CODE_MAX_PER_PHONE_PER_DAY: positiveInt.max(1000).default(10),
  SMS_CODE_MAX_PER_IP_PER_HOUR: positiveInt.max(100_000).default(50),
  SMS_CODE_MAX_PER_IP_PER_DAY: positiveInt.max(1_000_000).default(300),
  // Retention of sign-in and registration data (modules/registration/registration-retention.ts, hourly).
  // The privacy notice promises refused registrations are deleted after 180 days: longer is refused.
  REGISTRATION_REFUSED_RETENTION_DAYS: positiveInt.max(180, 'must be at most 180 (the privacy notice promises deletion after 180 days)').default(180),
  REGISTRATION_PENDING_MAX_DAYS: positiveInt.min(7).max(365).default(90),
  VERIFICATION_RETENTION_HOURS: positiveInt.min(24, 'must be at least 24 (the daily caps on codes count the last 24 hours)').max(24 * 90).default(24),
  LOGIN_ATTEMPTS_RETENTION_HOURS: positiveInt.max(24 * 90).default(24),
  // sms: township staff and administrators sign in with password AND an SMS code.
  AUTH_STAFF_SECOND_FACTOR: z.enum(['off', 'sms']).default('off'),
  // WeChat official account (公众号) web-page OAuth2: off unless WECHAT_APP_ID is set (with the secret and PUBLIC_URL).
  WECHAT_APP_ID: z.string().regex(/^wx[0-9a-zA-Z]{8,32}$/, 'must look like wx followed by letters and digits').optional(),
  WECHAT_APP_SECRET: z.string().min(16, 'must have at least 16 characters').optional(),
  WECHAT_OAUTH_BASE_URL: z.url({ protocol: /^https?$/, message: 'must be an http(s):// URL' }).transform((u) => u.replace(/\/$/, '')).default('https://open.weixin.qq.com'),
  WECHAT_API_BASE_URL: z.url({ protocol: /^https?$/, message: 'must be an http(s):// URL' }).transform((u) => u.replace(/\/$/, '')).default('https://api.weixin.qq.com'),
  SHUTDOWN_GRACE_SECONDS: positiveInt.max(600).default(10),
  SHUXIANG_SECRET: z.string().min(32, 'must have at least 32 characters').optional(),
  PHOTO_MAX_BYTES: positiveInt.max(100 * 1024 * 1024).default(10 * 1024 * 1024),
  AUDIO_MAX_BYTES: positiveInt.max(200 * 1024 * 1024).default(20 * 1024 * 1024),
  TTS_CONCURRENCY: positiveInt.max(16).default(1),
  FFMPEG_PATH: z.string().min(1).optional(),
  S3_ENDPOINT: z.url({ protocol: /^https?$/, message: 'must be an http(s):// URL' }).optional(),
  S3_BUCKET: z.string().min(3).max(63).optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: booleanString.default(false),
  WORKING_HOURS: z
    .string()
    .default('08:30-12:00,13:30-17:30')
    .transform((value, ctx) => {
      try {
        return parsePeriods(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `must look like 08:30-12:00,13:30-17:30 (${(error as Error).message})` });
        return z.NEVER;
      }
    }),
  JOB_POLL_SECONDS: positiveInt.max(3600).default(5),
  // 等保 2.0 asks for audit records kept at least six months; shorter is refused at start.
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(180, 'must be at least 180 (等保 2.0: keep audit records six months or more)').max(36_500).default(365),
  PUBLIC_URL: z
    .url({ protocol: /^https?$/, message: 'must be an http(s):// URL' })
    .transform((u) => u.replace(/\/$/, ''))
    .optional(),
  // Device messaging (MQTT): the embedded broker, or an external one with MQTT_URL.
  MQTT_PORT: z.coerce.number().int().min(0).max(65535).default(1883),
  // Loopback unless set: devices on the village network need MQTT_HOST=0.0.0.0 (or a LAN address).
  MQTT_HOST: z.string().min(1).default('127.0.0.1'),
  // MQTT over TLS on MQTT_TLS_PORT, only when both files are set (checked at start).
  MQTT_TLS_PORT: z.coerce.number().int().min(0).max(65535).default(8883),
  MQTT_TLS_CERT_FILE: z.string().min(1).optional(),
  MQTT_TLS_KEY_FILE: z.string().min(1).optional(),
  // What one connection may send and how many may wait to authenticate (platform/mqtt/limits.ts).
  MQTT_MAX_PACKET_BYTES: positiveInt.min(8192, 'must be at least 8192 (a speaker’s message is up to 4 KiB)').max(256 * 1024 * 1024).default(DEFAULT_BROKER_LIMITS.maxPacketBytes),
  MQTT_MAX_PENDING_CONNECTIONS_PER_IP: positiveInt.max(100_000).default(DEFAULT_BROKER_LIMITS.maxPendingPerIp),
  MQTT_MAX_PENDING_CONNECTIONS: positiveInt.max(1_000_000).default(DEFAULT_BROKER_LIMITS.maxPending),
  MQTT_CONNECT_TIMEOUT_SECONDS: positiveInt.max(300).default(DEFAULT_BROKER_LIMITS.connectTimeoutMs / 1000),
  MQTT_URL: z
    .string()
    .regex(/^(mqtts?|wss?):\/\//, 'must be an mqtt://, mqtts://, ws:// or wss:// URL')
    .optional(),
  MQTT_DEVICE_URL: z
    .string()
    .regex(/^(mqtts?|wss?):\/\//, 'must be an mqtt://, mqtts://, ws:// or wss:// URL')
    .optional(),
  MQTT_USERNAME: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (at most 64)').default('shuxiang-platform'),
  MQTT_PASSWORD: mqttPassword.optional(),
  MQTT_TOPIC_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, _ or - (at most 32)').default('shuxiang'),
  MQTT_SHARED_SUBSCRIPTIONS: booleanString.default(true),
  DEVICE_HEARTBEAT_TIMEOUT_SECONDS: positiveInt.min(10).max(3600).default(90),
  SIMULATE_SPEAKERS: booleanString.optional(),
  // 平安乡村: the built-in detector, Frigate's MQTT events, the demo's virtual camera.
  DETECTOR: booleanString.default(true),
  DETECTOR_THREADS: positiveInt.max(64).default(1),
  FRIGATE_TOPIC_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, _ or - (at most 32)').default('frigate'),
  FRIGATE_MQTT_USERNAME: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (at most 64)').default('frigate'),
  FRIGATE_MQTT_PASSWORD: mqttPassword.optional(),
  // The alarm ladder's township default: minutes before each step (grid workers, village cadres, the duty officer).
  ALARM_LADDER_MINUTES: z
    .string()
    .default('3,5,10')
    .transform((value, ctx) => {
      const steps = value.split(',').map((part) => Number(part.trim()));
      if (value.trim() === '' || steps.length > 3 || steps.some((m) => !Number.isFinite(m) || m <= 0 || m > 1440)) {
        ctx.addIssue({ code: 'custom', message: 'must be 1 to 3 comma-separated minutes, each > 0 and ≤ 1440, e.g. 3,5,10' });
        return z.NEVER;
      }
      return steps;
    }),
  DEMO_CAMERA_VIDEO: z.string().min(1).optional(),
  // OpenCV's sample files (tests, the demo camera's first choice); default <repo>/.cache/samples.
  SHUXIANG_SAMPLES_DIR: z.string().min(1).optional(),
  DEMO_RTSP_PORT: z.coerce.number().int().min(0).max(65535).default(8554),
  // 用水预警: no texts to households in these local hours (queued until the end); the demo's simulated meters.
  WATER_QUIET_HOURS: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, 'must look like 22:00-08:00')
    .default('22:00-08:00'),
  SIMULATE_METERS: booleanString.optional(),
  // 智慧大屏: the title, a raster tile source beneath the map (e.g. Tianditu satellite with its key),
  // and a JSON weather source answering {"text": "晴", "temperatureC": 12}.
  SCREEN_TITLE: z.string().min(1).max(60).default('数乡 · 智慧大屏'),
  SCREEN_TILE_URL: z
    .string()
    .regex(/^https?:\/\/\S+$/, 'must be an http(s):// URL')
    .refine((u) => ['{x}', '{y}', '{z}'].every((p) => u.includes(p)), 'must hold {x}, {y} and {z}')
    .optional(),
  SCREEN_TILE_ATTRIBUTION: z.string().min(1).max(200).optional(),
  SCREEN_WEATHER_URL: z.url({ protocol: /^https?$/, message: 'must be an http(s):// URL' }).optional(),
  // SMS gateway, templates, retries and limits (platform/sms/sms-config.ts).
  ...smsEnvSchema,
  // Web Push (VAPID): both keys or neither (unset: a pair made once in <data>/web-push-vapid.json).
  WEB_PUSH_PUBLIC_KEY: z.string().regex(/^[A-Za-z0-9_-]{87}$/, 'must be a base64url P-256 public key (87 characters)').optional(),
  WEB_PUSH_PRIVATE_KEY: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be a base64url P-256 private key (43 characters)').optional(),
  // Push services a subscription may name (host or a parent domain): the server POSTs to the endpoint, so
  // an arbitrary one would let any signed-in user make it call addresses inside the network.
  WEB_PUSH_ALLOWED_HOSTS: z
    .string()
    .regex(/^[a-z0-9.-]+(,[a-z0-9.-]+)*$/, 'must be host names separated by commas')
    .default('fcm.googleapis.com,updates.push.services.mozilla.com,notify.windows.com,push.apple.com'),
  WEB_PUSH_SUBJECT: z.string().regex(/^(mailto:\S+@\S+|https:\/\/\S+)$/, 'must be a mailto: address or an https:// URL').optional(),
  // Device health: offline this long opens a 设备报修 ticket; back this long ends an outage; a water meter
  // without a reading this long counts as offline.
  DEVICE_OFFLINE_TICKET_MINUTES: positiveInt.max(7 * 24 * 60).default(30),
  DEVICE_RECOVERY_MINUTES: positiveInt.max(24 * 60).default(5),
  DEVICE_METER_SILENT_MINUTES: positiveInt.min(10).max(7 * 24 * 60).default(180),
});

/** Settings that were replaced: a deployment still setting them would silently lose its limit. */
const replacedVariables: Record<string, string> = {
  SESSION_TTL_HOURS: 'replaced by SESSION_STAFF_TTL_HOURS and SESSION_PHONE_TTL_HOURS (with SESSION_*_IDLE_MINUTES)',
  LOGIN_MAX_ATTEMPTS_PER_IP: 'replaced by LOGIN_MAX_FAILURES_PER_IP (failures, not attempts) and LOGIN_MAX_FAILURES_PER_PHONE_IP',
};

/** Variables whose values never appear in error messages. */
const secretVariables = new Set(['SHUXIANG_SECRET', 'WECHAT_APP_SECRET', 'S3_SECRET_ACCESS_KEY', 'MQTT_PASSWORD', 'MQTT_URL', 'FRIGATE_MQTT_PASSWORD', 'SCREEN_TILE_URL', 'SCREEN_WEATHER_URL', 'WEB_PUSH_PRIVATE_KEY', ...smsSecretVariables]);

export type EnvInput = Record<string, string | undefined>;

export interface Config {
  /** `tls`: HTTPS on `port` (HTTPS_CERT_FILE/HTTPS_KEY_FILE, read and checked at load). `trustProxy`: true or the proxy's addresses. */
  http: { port: number; host: string; trustProxy: boolean | string[]; tls?: HttpTls };
  dataDir: string;
  /** `embeddedPort` unset: chosen by the embedded server (54329, else a free port kept in the data folder). */
  database: { url?: string; embeddedPort?: number; poolSize: number };
  demo: boolean;
  /** Demo mode may listen on non-loopback addresses (SHUXIANG_DEMO_PUBLIC). */
  demoPublic: boolean;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  auth: {
    sessions: {
      staff: { idleMinutes: number; ttlHours: number; maxConcurrent: number };
      phone: { idleMinutes: number; ttlHours: number };
    };
    /** Staff passwords older than this must be changed; 0: no expiry. */
    passwordMaxAgeDays: number;
    loginWindowMinutes: number;
    maxFailuresPerPhoneIp: number;
    maxFailuresPerPhone: number;
    maxFailuresPerIp: number;
    slowdownAfterFailures: number;
    slowdownMs: number;
    /** Caps on SMS verification codes (sliding 24 h and 1 h windows). */
    codes: { maxPerPhonePerDay: number; maxPerIpPerHour: number; maxPerIpPerDay: number };
    /** `sms`: township staff and administrators need a password and an SMS code. */
    staffSecondFactor: 'off' | 'sms';
  };
  /**
   * Personal data of sign-in and registration (docs/accounts.md#retention): refused registrations are
   * deleted this many days after the refusal; pending ones nobody decided are refused by the system
   * after `registrationPendingDays`; codes and their send log, and login attempts, go after these hours.
   */
  retention: { registrationRefusedDays: number; registrationPendingDays: number; verificationHours: number; loginAttemptsHours: number };
  /** 公众号 web-page OAuth2 (unset: no WeChat entry). `publicUrl` is where WeChat sends the browser back. */
  wechat?: { appId: string; appSecret: string; oauthBaseUrl: string; apiBaseUrl: string; publicUrl: string };
  shutdownGraceSeconds: number;
  /** Signs expiring URLs; unset: main.ts keeps a random one in `<dataDir>/secret.key`. */
  secret?: string;
  /** Where photos and other files go: `<dataDir>/blobs`, or an S3-compatible bucket when S3_BUCKET is set. */
  blobs: BlobsConfig;
  photos: { maxBytes: number };
  /** Uploaded audio, speech synthesis (worker threads at once), ffmpeg for browser recordings (unset: the npm package's binary). */
  audio: { maxBytes: number; ttsConcurrency: number; ffmpegPath?: string };
  /** Working periods of a day in minutes after local midnight (Asia/Shanghai). */
  workingHours: [number, number][];
  jobPollSeconds: number;
  /** Audit entries older than this many days are purged daily (the chain stays verifiable from its anchor). */
  auditRetentionDays: number;
  /** Base URL devices reach the platform at (audio for speakers); default http://127.0.0.1:PORT. */
  publicUrl?: string;
  mqtt: MqttConfig;
  devices: { heartbeatTimeoutSeconds: number; simulateSpeakers: boolean };
  safeVillage: SafeVillageConfig;
  /** 用水预警: quiet hours for texts (local minutes after midnight); simulated demo meters in-process. */
  water: { quietStart: number; quietEnd: number; simulateMeters: boolean };
  /** 智慧大屏: title, map tiles (unset: the region outlines alone, no internet needed), weather source (unset: none). */
  screen: { title: string; tileUrl?: string; tileAttribution?: string; weatherUrl?: string };
  /** SMS: the provider (log, aliyun, tencent) with its templates, retries, per-phone daily limit. */
  sms: SmsConfig;
  /** Web Push: the VAPID key pair (unset: main.ts keeps one in the data folder) and the contact sent to push services. */
  webPush: { keys?: { publicKey: string; privateKey: string }; subject: string; allowedHosts: string[] };
  /** Device health: minutes offline before a 设备报修 ticket, minutes back before an outage ends, a meter's silence that counts as offline. */
  deviceHealth: { offlineTicketMinutes: number; recoveryMinutes: number; meterSilentMinutes: number };
}

/**
 * 平安乡村. `detector`: this process reads the cameras' streams (turn off where separate
 * `shuxiang worker detector` processes do). `frigate`: the topic prefix of Frigate's events and,
 * with the embedded broker, the account Frigate connects with (none without a password).
 * `demoVideo`/`demoRtspPort`: the demo's virtual camera (default: the cached opencv-doc sample, else the
 * copy shipped in assets/demo-camera/). `samplesDir`: where OpenCV's samples are cached (unset: .cache/samples).
 */
export interface SafeVillageConfig {
  detector: boolean;
  detectorThreads: number;
  frigate: { topicPrefix: string; username: string; password?: string };
  demoVideo?: string;
  demoRtspPort: number;
  samplesDir?: string;
  /** Minutes before each escalation step of an unacknowledged alarm (a zone may set its own). */
  ladderMinutes: number[];
}

/**
 * Device messaging. `url` unset: the embedded aedes broker on host:port (port 0: any free port).
 * `deviceUrl`: the address devices and the speaker simulator connect to.
 */
export interface MqttConfig {
  url?: string;
  deviceUrl?: string;
  host: string;
  port: number;
  username: string;
  password?: string;
  topicPrefix: string;
  sharedSubscriptions: boolean;
  /** The embedded broker's TLS listener (unset: none); the files were readable and matched at load. */
  tls?: { port: number; certFile: string; keyFile: string };
  /** The embedded broker's limits per connection (docs/devices.md). */
  limits: BrokerLimits;
}

export type BlobsConfig =
  | { kind: 'local'; dir: string }
  | {
      kind: 's3';
      bucket: string;
      endpoint?: string;
      region: string;
      credentials?: { accessKeyId: string; secretAccessKey: string };
      forcePathStyle: boolean;
    };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** `X_FILE=/run/secrets/x` supplies X from a file (container secrets). */
function resolveFileSecrets(env: EnvInput): EnvInput {
  const resolved: EnvInput = { ...env };
  for (const key of Object.keys(envSchema.shape)) {
    const fileVar = `${key}_FILE`;
    const file = env[fileVar];
    if (file && env[key] === undefined) {
      try {
        resolved[key] = readFileSync(file, 'utf8').trim();
      } catch (error) {
        throw new ConfigError([`${fileVar}: cannot read ${file} (${(error as Error).message})`]);
      }
    }
  }
  return resolved;
}

function readConfigFile(file: string): EnvInput {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError([`SHUXIANG_CONFIG: cannot read JSON from ${file} (${(error as Error).message})`]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([`SHUXIANG_CONFIG: ${file} must hold a JSON object of variable names to values`]);
  }
  const unknown = Object.keys(parsed).filter((key) => !(key in envSchema.shape));
  if (unknown.length > 0) {
    throw new ConfigError(unknown.map((key) => `${key} (in ${file}): unknown setting`));
  }
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
}

export interface HttpTls {
  cert: Buffer;
  key: Buffer;
  certFile: string;
  keyFile: string;
}

const proxyAddressNames = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An address or CIDR that Fastify's trustProxy (proxy-addr) accepts. */
function isProxyAddress(value: string): boolean {
  if (proxyAddressNames.has(value)) return true;
  const [address, prefix, ...rest] = value.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

/**
 * A TLS certificate and key named by two variables: both or neither, readable, a certificate and its
 * key. Checked here so a wrong path stops the start naming the variable, not later at listen.
 */
function tlsFiles(certVariable: string, keyVariable: string, certFile: string | undefined, keyFile: string | undefined): HttpTls | undefined {
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) throw new ConfigError([`${certVariable}, ${keyVariable}: set both (PEM files) or neither`]);
  const read = (variable: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new ConfigError([`${variable}: cannot read ${file} (${(error as Error).message})`]);
    }
  };
  const cert = read(certVariable, certFile);
  const key = read(keyVariable, keyFile);
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    throw new ConfigError([`${certVariable}, ${keyVariable}: not a PEM certificate and its private key (${(error as Error).message})`]);
  }
  return { cert, key, certFile: path.resolve(certFile), keyFile: path.resolve(keyFile) };
}

/** The embedded broker's TLS listener, beside its plain one. */
function mqttTls(e: z.infer<typeof envSchema>): MqttConfig['tls'] {
  if ((e.MQTT_TLS_CERT_FILE || e.MQTT_TLS_KEY_FILE) && e.MQTT_URL) {
    throw new ConfigError(['MQTT_TLS_CERT_FILE: the embedded broker’s TLS; with MQTT_URL configure TLS on that broker (docs/devices.md)']);
  }
  const files = tlsFiles('MQTT_TLS_CERT_FILE', 'MQTT_TLS_KEY_FILE', e.MQTT_TLS_CERT_FILE, e.MQTT_TLS_KEY_FILE);
  if (!files) return undefined;
  if (e.MQTT_TLS_PORT !== 0 && e.MQTT_TLS_PORT === e.MQTT_PORT) throw new ConfigError([`MQTT_TLS_PORT=${e.MQTT_TLS_PORT}: must differ from MQTT_PORT`]);
  return { port: e.MQTT_TLS_PORT, certFile: files.certFile, keyFile: files.keyFile };
}

export function loadConfig(env: EnvInput = process.env): Config {
  const fromFile = env.SHUXIANG_CONFIG ? readConfigFile(env.SHUXIANG_CONFIG) : {};
  // Empty environment variables count as unset, so `PORT=` does not mean port 0.
  const fromEnv = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const merged = resolveFileSecrets({ ...fromFile, ...fromEnv });
  const replaced = Object.keys(replacedVariables).filter((key) => merged[key] !== undefined);
  if (replaced.length > 0) throw new ConfigError(replaced.map((key) => `${key}: ${replacedVariables[key]}`));
  const result = envSchema.safeParse(merged);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const key = String(issue.path[0]);
        const shown = secretVariables.has(key) ? '(hidden)' : JSON.stringify(merged[key]);
        return `${issue.path.join('.')}=${shown}: ${issue.message}`;
      }),
    );
  }
  const e = result.data;
  const s3Problems = [
    ...(e.S3_ENDPOINT && !e.S3_BUCKET ? ['S3_ENDPOINT: set S3_BUCKET too (S3 storage is used only when S3_BUCKET is set)'] : []),
    ...(Boolean(e.S3_ACCESS_KEY_ID) !== Boolean(e.S3_SECRET_ACCESS_KEY) ? ['S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: set both or neither'] : []),
  ];
  if (s3Problems.length > 0) throw new ConfigError(s3Problems);
  const sms = smsConfig(e);
  if (sms.problems.length > 0) throw new ConfigError(sms.problems);
  const wechatProblems = [
    ...(Boolean(e.WECHAT_APP_ID) !== Boolean(e.WECHAT_APP_SECRET) ? ['WECHAT_APP_ID, WECHAT_APP_SECRET: set both or neither'] : []),
    ...(e.WECHAT_APP_ID && !e.PUBLIC_URL ? ['WECHAT_APP_ID: set PUBLIC_URL too (the https:// address WeChat sends the browser back to)'] : []),
  ];
  if (wechatProblems.length > 0) throw new ConfigError(wechatProblems);
  if (Boolean(e.WEB_PUSH_PUBLIC_KEY) !== Boolean(e.WEB_PUSH_PRIVATE_KEY)) {
    throw new ConfigError(['WEB_PUSH_PUBLIC_KEY, WEB_PUSH_PRIVATE_KEY: set both (a VAPID key pair, e.g. from `npx web-push generate-vapid-keys`) or neither']);
  }
  if (e.LOGIN_ATTEMPTS_RETENTION_HOURS * 60 < e.LOGIN_WINDOW_MINUTES) {
    throw new ConfigError([`LOGIN_ATTEMPTS_RETENTION_HOURS=${e.LOGIN_ATTEMPTS_RETENTION_HOURS}: must cover LOGIN_WINDOW_MINUTES=${e.LOGIN_WINDOW_MINUTES} (the login limits count the attempts of the window)`]);
  }
  return {
    http: { port: e.PORT, host: e.HOST, trustProxy: e.TRUST_PROXY, tls: tlsFiles('HTTPS_CERT_FILE', 'HTTPS_KEY_FILE', e.HTTPS_CERT_FILE, e.HTTPS_KEY_FILE) },
    dataDir: path.resolve(e.SHUXIANG_DATA_DIR),
    database: { url: e.DATABASE_URL, embeddedPort: e.EMBEDDED_PG_PORT, poolSize: e.DATABASE_POOL_SIZE },
    demo: e.SHUXIANG_DEMO,
    demoPublic: e.SHUXIANG_DEMO_PUBLIC,
    logLevel: e.LOG_LEVEL,
    auth: {
      sessions: {
        staff: { idleMinutes: e.SESSION_STAFF_IDLE_MINUTES, ttlHours: e.SESSION_STAFF_TTL_HOURS, maxConcurrent: e.SESSION_STAFF_MAX_CONCURRENT },
        phone: { idleMinutes: e.SESSION_PHONE_IDLE_MINUTES, ttlHours: e.SESSION_PHONE_TTL_HOURS },
      },
      passwordMaxAgeDays: e.PASSWORD_MAX_AGE_DAYS,
      loginWindowMinutes: e.LOGIN_WINDOW_MINUTES,
      maxFailuresPerPhoneIp: e.LOGIN_MAX_FAILURES_PER_PHONE_IP,
      maxFailuresPerPhone: e.LOGIN_MAX_FAILURES_PER_PHONE,
      maxFailuresPerIp: e.LOGIN_MAX_FAILURES_PER_IP,
      slowdownAfterFailures: e.LOGIN_SLOWDOWN_AFTER_FAILURES,
      slowdownMs: e.LOGIN_SLOWDOWN_MS,
      codes: { maxPerPhonePerDay: e.SMS_CODE_MAX_PER_PHONE_PER_DAY, maxPerIpPerHour: e.SMS_CODE_MAX_PER_IP_PER_HOUR, maxPerIpPerDay: e.SMS_CODE_MAX_PER_IP_PER_DAY },
      staffSecondFactor: e.AUTH_STAFF_SECOND_FACTOR,
    },
    retention: {
      registrationRefusedDays: e.REGISTRATION_REFUSED_RETENTION_DAYS,
      registrationPendingDays: e.REGISTRATION_PENDING_MAX_DAYS,
      verificationHours: e.VERIFICATION_RETENTION_HOURS,
      loginAttemptsHours: e.LOGIN_ATTEMPTS_RETENTION_HOURS,
    },
    wechat:
      e.WECHAT_APP_ID && e.WECHAT_APP_SECRET && e.PUBLIC_URL
        ? { appId: e.WECHAT_APP_ID, appSecret: e.WECHAT_APP_SECRET, oauthBaseUrl: e.WECHAT_OAUTH_BASE_URL, apiBaseUrl: e.WECHAT_API_BASE_URL, publicUrl: e.PUBLIC_URL }
        : undefined,
    shutdownGraceSeconds: e.SHUTDOWN_GRACE_SECONDS,
    workingHours: e.WORKING_HOURS,
    jobPollSeconds: e.JOB_POLL_SECONDS,
    auditRetentionDays: e.AUDIT_RETENTION_DAYS,
    publicUrl: e.PUBLIC_URL,
    mqtt: {
      url: e.MQTT_URL,
      deviceUrl: e.MQTT_DEVICE_URL,
      host: e.MQTT_HOST,
      port: e.MQTT_PORT,
      username: e.MQTT_USERNAME,
      password: e.MQTT_PASSWORD,
      topicPrefix: e.MQTT_TOPIC_PREFIX,
      sharedSubscriptions: e.MQTT_SHARED_SUBSCRIPTIONS,
      tls: mqttTls(e),
      limits: {
        maxPacketBytes: e.MQTT_MAX_PACKET_BYTES,
        maxPendingPerIp: e.MQTT_MAX_PENDING_CONNECTIONS_PER_IP,
        maxPending: e.MQTT_MAX_PENDING_CONNECTIONS,
        connectTimeoutMs: e.MQTT_CONNECT_TIMEOUT_SECONDS * 1000,
      },
    },
    devices: { heartbeatTimeoutSeconds: e.DEVICE_HEARTBEAT_TIMEOUT_SECONDS, simulateSpeakers: e.SIMULATE_SPEAKERS ?? e.SHUXIANG_DEMO },
    safeVillage: {
      detector: e.DETECTOR,
      detectorThreads: e.DETECTOR_THREADS,
      frigate: { topicPrefix: e.FRIGATE_TOPIC_PREFIX, username: e.FRIGATE_MQTT_USERNAME, password: e.FRIGATE_MQTT_PASSWORD },
      demoVideo: e.DEMO_CAMERA_VIDEO,
      demoRtspPort: e.DEMO_RTSP_PORT,
      samplesDir: e.SHUXIANG_SAMPLES_DIR && path.resolve(e.SHUXIANG_SAMPLES_DIR),
      ladderMinutes: e.ALARM_LADDER_MINUTES,
    },
    water: {
      quietStart: Number(e.WATER_QUIET_HOURS.slice(0, 2)) * 60 + Number(e.WATER_QUIET_HOURS.slice(3, 5)),
      quietEnd: Number(e.WATER_QUIET_HOURS.slice(6, 8)) * 60 + Number(e.WATER_QUIET_HOURS.slice(9, 11)),
      simulateMeters: e.SIMULATE_METERS ?? e.SHUXIANG_DEMO,
    },
    screen: { title: e.SCREEN_TITLE, tileUrl: e.SCREEN_TILE_URL, tileAttribution: e.SCREEN_TILE_ATTRIBUTION, weatherUrl: e.SCREEN_WEATHER_URL },
    sms: sms.config,
    webPush: {
      keys: e.WEB_PUSH_PUBLIC_KEY && e.WEB_PUSH_PRIVATE_KEY ? { publicKey: e.WEB_PUSH_PUBLIC_KEY, privateKey: e.WEB_PUSH_PRIVATE_KEY } : undefined,
      subject: e.WEB_PUSH_SUBJECT ?? (e.PUBLIC_URL?.startsWith('https://') ? e.PUBLIC_URL : 'mailto:admin@localhost'),
      allowedHosts: e.WEB_PUSH_ALLOWED_HOSTS.split(','),
    },
    deviceHealth: {
      offlineTicketMinutes: e.DEVICE_OFFLINE_TICKET_MINUTES,
      recoveryMinutes: e.DEVICE_RECOVERY_MINUTES,
      meterSilentMinutes: e.DEVICE_METER_SILENT_MINUTES,
    },
    secret: e.SHUXIANG_SECRET,
    blobs: e.S3_BUCKET
      ? {
          kind: 's3',
          bucket: e.S3_BUCKET,
          endpoint: e.S3_ENDPOINT,
          region: e.S3_REGION,
          credentials:
            e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY
              ? { accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY }
              : undefined,
          forcePathStyle: e.S3_FORCE_PATH_STYLE,
        }
      : { kind: 'local', dir: path.join(path.resolve(e.SHUXIANG_DATA_DIR), 'blobs') },
    photos: { maxBytes: e.PHOTO_MAX_BYTES },
    audio: { maxBytes: e.AUDIO_MAX_BYTES, ttsConcurrency: e.TTS_CONCURRENCY, ffmpegPath: e.FFMPEG_PATH },
  };
}
