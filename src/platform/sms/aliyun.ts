import Dysmsapi, { QuerySendDetailsRequest, SendSmsRequest } from '@alicloud/dysmsapi20170525';
import { Config } from '@alicloud/openapi-client';
import type { AliyunSmsConfig } from './sms-config.js';
import { type DeliveryReceipt, type PendingReceipt, type SmsMessage, type SmsProvider, SmsSendError } from './provider.js';

/**
 * Alibaba Cloud SMS (dysmsapi 2017-05-25) through its official SDK, which signs each request with
 * ACS3-HMAC-SHA256. SendSms answers HTTP 200 with a business `Code` ("OK" or an isv./isp. code);
 * signature, key and throttling problems come back as HTTP errors the SDK throws.
 */
// The SDK is CommonJS: Node hands a default import its exports object, Vite (the tests) the class itself.
const DysmsapiClient = (Dysmsapi as unknown as { default?: typeof Dysmsapi.default }).default ?? (Dysmsapi as unknown as typeof Dysmsapi.default);

/** Codes worth another try later: the gateway's flow control and its own failures. Everything else is permanent. */
const TRANSIENT_CODES = new Set([
  'isv.BUSINESS_LIMIT_CONTROL', // per-number minute/hour limits
  'isp.SYSTEM_ERROR',
  'isp.GATEWAY_ERROR',
  'SignatureNonceUsed', // a nonce collision: the next request has a fresh one
  'ServiceUnavailable',
  'InternalError',
]);

export function isTransientAliyunCode(code: string): boolean {
  return TRANSIENT_CODES.has(code) || code.startsWith('Throttling') || code.startsWith('isp.');
}

/** 2026-11-27 in China, as QuerySendDetails wants the send date (yyyyMMdd). */
const chinaDate = (at: Date) => new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', '');
/** "2026-11-27 10:00:05" in China time. */
const fromChinaTime = (text: string | undefined) => {
  if (!text || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(text)) return null;
  return new Date(`${text.replace(' ', 'T')}+08:00`);
};

interface SdkError {
  code?: string;
  statusCode?: number;
  message?: string;
}

export class AliyunSmsProvider implements SmsProvider {
  readonly name = 'aliyun';
  private readonly client: InstanceType<typeof DysmsapiClient>;

  constructor(private readonly config: AliyunSmsConfig) {
    this.client = new DysmsapiClient(
      new Config({
        accessKeyId: config.accessKeyId,
        accessKeySecret: config.accessKeySecret,
        regionId: config.region,
        endpoint: config.endpoint,
        protocol: config.protocol,
        connectTimeout: 5000,
        readTimeout: 10_000,
      }) as ConstructorParameters<typeof DysmsapiClient>[0],
    );
  }

  async send(message: SmsMessage): Promise<{ messageId: string | null }> {
    if (!message.template) throw new SmsSendError('NO_TEMPLATE', 'free text cannot go through a template gateway', false);
    const template = this.config.templates[message.template];
    const request = new SendSmsRequest({
      phoneNumbers: message.phone,
      signName: this.config.signName,
      templateCode: template.id,
      templateParam: JSON.stringify(message.params),
    });
    let body;
    try {
      body = (await this.client.sendSms(request)).body;
    } catch (error) {
      throw this.failure(error);
    }
    if (body?.code !== 'OK') {
      const code = body?.code ?? 'UNKNOWN';
      throw new SmsSendError(code, body?.message ?? code, isTransientAliyunCode(code));
    }
    return { messageId: body.bizId ?? null };
  }

  /** QuerySendDetails per text (by number, BizId and send date): SendStatus 1 waiting, 2 failed, 3 delivered. */
  async receipts(pending: readonly PendingReceipt[]): Promise<DeliveryReceipt[]> {
    const receipts: DeliveryReceipt[] = [];
    for (const item of pending) {
      const request = new QuerySendDetailsRequest({ phoneNumber: item.phone, bizId: item.messageId, sendDate: chinaDate(item.sentAt), pageSize: 10, currentPage: 1 });
      const body = (await this.client.querySendDetails(request)).body;
      if (body?.code !== 'OK') throw new SmsSendError(body?.code ?? 'UNKNOWN', body?.message ?? 'QuerySendDetails failed', true);
      const detail = body.smsSendDetailDTOs?.smsSendDetailDTO?.[0];
      if (!detail || detail.sendStatus === 1) continue;
      receipts.push({
        messageId: item.messageId,
        delivered: detail.sendStatus === 3,
        at: fromChinaTime(detail.receiveDate),
        code: detail.errCode ?? null,
        description: detail.sendStatus === 3 ? null : (detail.errCode ?? null),
      });
    }
    return receipts;
  }

  private failure(error: unknown): SmsSendError {
    const e = error as SdkError;
    // No HTTP status: the request never got an answer (refused, reset, timed out).
    if (!e.statusCode) return new SmsSendError(e.code && !/^\d+$/.test(e.code) ? e.code : 'NETWORK', e.message ?? String(error), true);
    const code = e.code && e.code !== 'undefined' ? e.code : `HTTP_${e.statusCode}`;
    return new SmsSendError(code, e.message ?? code, e.statusCode >= 500 || isTransientAliyunCode(code));
  }
}
