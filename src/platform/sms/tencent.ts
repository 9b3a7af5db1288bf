import type { Agent } from 'node:http';
import * as tencentSms from 'tencentcloud-sdk-nodejs-sms';
import type { TencentSmsConfig } from './sms-config.js';
import { type DeliveryReceipt, type SmsMessage, type SmsProvider, SmsSendError } from './provider.js';

/**
 * Tencent Cloud SMS (API 2021-01-11) through its official SDK, which signs each request with
 * TC3-HMAC-SHA256. Errors of the whole request come back as Response.Error (the SDK throws them with
 * `code`); a request that went through reports each number's own `Code` in SendStatusSet.
 */
const SmsClient = tencentSms.sms.v20210111.Client;

/** Codes worth another try later: frequency limits, the gateway's own failures. Everything else is permanent. */
export function isTransientTencentCode(code: string): boolean {
  return code.startsWith('LimitExceeded.') || code.startsWith('InternalError') || code === 'RequestLimitExceeded' || code === 'FailedOperation.JsonParseFail' || code === 'NETWORK';
}

interface SdkError {
  code?: string;
  httpCode?: number;
  message?: string;
}

export class TencentSmsProvider implements SmsProvider {
  readonly name = 'tencent';
  private readonly client: InstanceType<typeof SmsClient>;

  /** `agent`: the HTTP agent the SDK uses (tests point the endpoint's name at a local server with it). */
  constructor(
    private readonly config: TencentSmsConfig,
    options: { agent?: Agent } = {},
  ) {
    this.client = new SmsClient({
      credential: { secretId: config.secretId, secretKey: config.secretKey },
      region: config.region,
      profile: { httpProfile: { endpoint: config.endpoint, protocol: `${config.protocol}://`, reqTimeout: 10, agent: options.agent } },
    });
  }

  async send(message: SmsMessage): Promise<{ messageId: string | null }> {
    if (!message.template) throw new SmsSendError('NO_TEMPLATE', 'free text cannot go through a template gateway', false);
    const template = this.config.templates[message.template];
    let response;
    try {
      response = await this.client.SendSms({
        PhoneNumberSet: [`+86${message.phone}`],
        SmsSdkAppId: this.config.sdkAppId,
        SignName: this.config.signName,
        TemplateId: template.id,
        TemplateParamSet: template.order.map((name) => message.params[name] ?? ''),
      });
    } catch (error) {
      throw failure(error);
    }
    const status = response.SendStatusSet?.[0];
    if (!status) throw new SmsSendError('NO_STATUS', 'SendSms answered without a status for the number', true);
    if (status.Code !== 'Ok') {
      const code = status.Code ?? 'UNKNOWN';
      throw new SmsSendError(code, status.Message ?? code, isTransientTencentCode(code));
    }
    return { messageId: status.SerialNo ?? null };
  }

  /**
   * PullSmsSendStatus hands out each receipt once, for all texts of the application (enable 拉取状态
   * in the console), so every receipt is returned and the outbox matches them by SerialNo.
   */
  async receipts(): Promise<DeliveryReceipt[]> {
    let response;
    try {
      response = await this.client.PullSmsSendStatus({ Limit: 100, SmsSdkAppId: this.config.sdkAppId });
    } catch (error) {
      throw failure(error);
    }
    return (response.PullSmsSendStatusSet ?? []).flatMap((s) =>
      s.SerialNo
        ? [
            {
              messageId: s.SerialNo,
              delivered: s.ReportStatus === 'SUCCESS',
              at: s.UserReceiveTime ? new Date(s.UserReceiveTime * 1000) : null,
              code: s.ReportStatus ?? null,
              description: s.Description ?? null,
            },
          ]
        : [],
    );
  }
}

function failure(error: unknown): SmsSendError {
  const e = error as SdkError;
  if (e.code) return new SmsSendError(e.code, e.message ?? e.code, isTransientTencentCode(e.code));
  // No code: the SDK wraps network failures and non-200 answers alike (httpCode set for the latter).
  if (e.httpCode) return new SmsSendError(`HTTP_${e.httpCode}`, e.message ?? String(error), e.httpCode >= 500 || e.httpCode === 429);
  return new SmsSendError('NETWORK', e.message ?? String(error), true);
}
