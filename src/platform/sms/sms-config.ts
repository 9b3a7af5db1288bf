import { z } from 'zod';
import { SMS_TEMPLATE_KINDS, SMS_TEMPLATES, type SmsTemplateKind } from './templates.js';

/**
 * SMS settings, part of the one config (src/config.ts spreads `smsEnvSchema` into its schema and
 * calls `smsConfig`). Template maps are `kind=code,kind=code` (one variable each, easy to set in
 * an environment); Tencent's entries may give the parameter order: `case_update=1234567:number|status`.
 */
const positiveInt = z.coerce.number().int().positive();
const host = z.string().regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'must be a host name, optionally with :port');

export const smsEnvSchema = {
  SMS_PROVIDER: z.enum(['log', 'aliyun', 'tencent']).default('log'),
  // Texts other than login codes per phone and China day (login codes have their own limits).
  SMS_DAILY_LIMIT_PER_PHONE: positiveInt.max(1000).default(20),
  SMS_MAX_ATTEMPTS: positiveInt.max(20).default(6),
  // First retry after this many seconds, doubling each time (capped at an hour).
  SMS_RETRY_BASE_SECONDS: positiveInt.max(3600).default(60),
  // How long one dispatcher holds a text while the gateway answers; past it another may retry it.
  SMS_SEND_LEASE_SECONDS: positiveInt.min(5).max(3600).default(60),
  SMS_RECEIPT_POLL_SECONDS: positiveInt.max(86_400).default(60),
  // Days a text is kept once it is done with (sent, delivered, failed, skipped): it holds a phone number.
  SMS_RETENTION_DAYS: positiveInt.max(3650).default(180),
  SMS_SIGN_NAME: z.string().min(2).max(20).optional(),
  SMS_ALIYUN_ACCESS_KEY_ID: z.string().min(1).optional(),
  SMS_ALIYUN_ACCESS_KEY_SECRET: z.string().min(1).optional(),
  SMS_ALIYUN_REGION: z.string().min(1).default('cn-hangzhou'),
  SMS_ALIYUN_TEMPLATES: z.string().optional(),
  SMS_ALIYUN_ENDPOINT: host.optional(),
  SMS_ALIYUN_PROTOCOL: z.enum(['https', 'http']).default('https'),
  SMS_TENCENT_SECRET_ID: z.string().min(1).optional(),
  SMS_TENCENT_SECRET_KEY: z.string().min(1).optional(),
  SMS_TENCENT_SDK_APP_ID: z.string().regex(/^\d{1,20}$/, 'must be the SmsSdkAppId (digits)').optional(),
  SMS_TENCENT_REGION: z.string().min(1).default('ap-guangzhou'),
  SMS_TENCENT_TEMPLATES: z.string().optional(),
  SMS_TENCENT_ENDPOINT: host.optional(),
  SMS_TENCENT_PROTOCOL: z.enum(['https', 'http']).default('https'),
};

/** Never shown in configuration errors. */
export const smsSecretVariables = ['SMS_ALIYUN_ACCESS_KEY_SECRET', 'SMS_TENCENT_SECRET_KEY'];

export interface SmsTemplateRef {
  id: string;
  /** Variable names in the order the gateway numbers them (Tencent's TemplateParamSet). */
  order: string[];
}

export interface AliyunSmsConfig {
  accessKeyId: string;
  accessKeySecret: string;
  signName: string;
  region: string;
  templates: Record<SmsTemplateKind, SmsTemplateRef>;
  /** Unset: the SDK's endpoint for the region. */
  endpoint?: string;
  protocol: 'https' | 'http';
}

export interface TencentSmsConfig {
  secretId: string;
  secretKey: string;
  sdkAppId: string;
  signName: string;
  region: string;
  templates: Record<SmsTemplateKind, SmsTemplateRef>;
  endpoint: string;
  protocol: 'https' | 'http';
}

export interface SmsConfig {
  provider: 'log' | 'aliyun' | 'tencent';
  dailyLimitPerPhone: number;
  maxAttempts: number;
  retryBaseSeconds: number;
  leaseSeconds: number;
  receiptPollSeconds: number;
  retentionDays: number;
  aliyun?: AliyunSmsConfig;
  tencent?: TencentSmsConfig;
}

type SmsEnv = z.infer<z.ZodObject<typeof smsEnvSchema>>;

/**
 * Parses a template map. Every kind the platform sends must have a template, else the first text
 * of a missing kind would fail at the gateway hours later; so this refuses the start instead.
 */
export function parseTemplateMap(variable: string, value: string | undefined, allowOrder: boolean): { templates?: Record<SmsTemplateKind, SmsTemplateRef>; problems: string[] } {
  if (!value) return { problems: [`${variable}: required with this SMS_PROVIDER, as kind=code,kind=code for ${SMS_TEMPLATE_KINDS.join(', ')}`] };
  const problems: string[] = [];
  const found = new Map<SmsTemplateKind, SmsTemplateRef>();
  for (const entry of value.split(',').map((e) => e.trim()).filter(Boolean)) {
    const match = /^([a-z_]+)=([A-Za-z0-9_-]+)(?::([a-z_|]+))?$/.exec(entry);
    if (!match) {
      problems.push(`${variable}: "${entry}" is not kind=code${allowOrder ? '[:var|var…]' : ''}`);
      continue;
    }
    const [, name, id, orderText] = match as unknown as [string, string, string, string | undefined];
    if (!(SMS_TEMPLATE_KINDS as readonly string[]).includes(name)) {
      problems.push(`${variable}: unknown template kind ${name} (known: ${SMS_TEMPLATE_KINDS.join(', ')})`);
      continue;
    }
    const kind = name as SmsTemplateKind;
    const names = SMS_TEMPLATES[kind].variables.map((v) => v.name);
    if (orderText && !allowOrder) problems.push(`${variable}: ${kind} takes no parameter order (parameters are named)`);
    const order = orderText ? orderText.split('|') : names;
    if (order.length !== names.length || !names.every((n) => order.includes(n))) {
      problems.push(`${variable}: ${kind} parameter order must name each of ${names.join(', ')} once`);
    }
    if (found.has(kind)) problems.push(`${variable}: ${kind} given twice`);
    found.set(kind, { id, order });
  }
  const missing = SMS_TEMPLATE_KINDS.filter((kind) => !found.has(kind));
  if (missing.length > 0) problems.push(`${variable}: no template for ${missing.join(', ')} (every kind the platform sends needs one)`);
  return problems.length > 0 ? { problems } : { templates: Object.fromEntries(found) as Record<SmsTemplateKind, SmsTemplateRef>, problems };
}

/** The SMS part of the config; `problems` non-empty stops the start (config.ts throws them). */
export function smsConfig(e: SmsEnv): { config: SmsConfig; problems: string[] } {
  const base: SmsConfig = {
    provider: e.SMS_PROVIDER,
    dailyLimitPerPhone: e.SMS_DAILY_LIMIT_PER_PHONE,
    maxAttempts: e.SMS_MAX_ATTEMPTS,
    retryBaseSeconds: e.SMS_RETRY_BASE_SECONDS,
    leaseSeconds: e.SMS_SEND_LEASE_SECONDS,
    receiptPollSeconds: e.SMS_RECEIPT_POLL_SECONDS,
    retentionDays: e.SMS_RETENTION_DAYS,
  };
  const required = (names: (keyof SmsEnv)[]) => names.filter((n) => e[n] === undefined).map((n) => `${n}: required with SMS_PROVIDER=${e.SMS_PROVIDER}`);
  if (e.SMS_PROVIDER === 'aliyun') {
    const problems = required(['SMS_ALIYUN_ACCESS_KEY_ID', 'SMS_ALIYUN_ACCESS_KEY_SECRET', 'SMS_SIGN_NAME']);
    const map = parseTemplateMap('SMS_ALIYUN_TEMPLATES', e.SMS_ALIYUN_TEMPLATES, false);
    problems.push(...map.problems);
    if (problems.length > 0) return { config: base, problems };
    return {
      config: {
        ...base,
        aliyun: {
          accessKeyId: e.SMS_ALIYUN_ACCESS_KEY_ID!,
          accessKeySecret: e.SMS_ALIYUN_ACCESS_KEY_SECRET!,
          signName: e.SMS_SIGN_NAME!,
          region: e.SMS_ALIYUN_REGION,
          templates: map.templates!,
          endpoint: e.SMS_ALIYUN_ENDPOINT,
          protocol: e.SMS_ALIYUN_PROTOCOL,
        },
      },
      problems,
    };
  }
  if (e.SMS_PROVIDER === 'tencent') {
    const problems = required(['SMS_TENCENT_SECRET_ID', 'SMS_TENCENT_SECRET_KEY', 'SMS_TENCENT_SDK_APP_ID', 'SMS_SIGN_NAME']);
    const map = parseTemplateMap('SMS_TENCENT_TEMPLATES', e.SMS_TENCENT_TEMPLATES, true);
    problems.push(...map.problems);
    // The SDK signs for the service named by the endpoint's first label, so it must stay `sms.`.
    if (e.SMS_TENCENT_ENDPOINT && !e.SMS_TENCENT_ENDPOINT.startsWith('sms.')) problems.push('SMS_TENCENT_ENDPOINT: must start with sms. (the signature names the service by it)');
    if (problems.length > 0) return { config: base, problems };
    return {
      config: {
        ...base,
        tencent: {
          secretId: e.SMS_TENCENT_SECRET_ID!,
          secretKey: e.SMS_TENCENT_SECRET_KEY!,
          sdkAppId: e.SMS_TENCENT_SDK_APP_ID!,
          signName: e.SMS_SIGN_NAME!,
          region: e.SMS_TENCENT_REGION,
          templates: map.templates!,
          endpoint: e.SMS_TENCENT_ENDPOINT ?? 'sms.tencentcloudapi.com',
          protocol: e.SMS_TENCENT_PROTOCOL,
        },
      },
      problems,
    };
  }
  return { config: base, problems: [] };
}
