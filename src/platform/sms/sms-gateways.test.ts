import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-db.js';
import { loopbackAgent, startAliyunStandIn, startTencentStandIn, type GatewayStandIn } from '../../../test/support/sms-gateways.js';
import { ManualClock } from '../clock.js';
import { AliyunSmsProvider } from './aliyun.js';
import type { SmsProvider } from './provider.js';
import { parseTemplateMap, type AliyunSmsConfig, type TencentSmsConfig } from './sms-config.js';
import { defaultSmsOutboxSettings, SmsOutbox, type SmsOutboxSettings } from './sms-outbox.js';
import { TencentSmsProvider } from './tencent.js';

/**
 * Contract tests: the provider classes, through the official SDKs, against local stand-ins that
 * check each request as Alibaba Cloud and Tencent Cloud document it (signature, action, version,
 * parameters) and answer with their documented bodies; the outbox around them on a real database.
 */
const ALIYUN_KEYS = { accessKeyId: 'LTAI5tTestKeyId0001', accessKeySecret: 'test-aliyun-secret-0001' };
const TENCENT_KEYS = { secretId: 'AKIDtestSecretId0001', secretKey: 'test-tencent-secret-0001' };
const aliyunTemplates = parseTemplateMap(
  'SMS_ALIYUN_TEMPLATES',
  'verification_code=SMS_100001,case_update=SMS_100002,water_alert=SMS_100003,registration_result=SMS_100004,phone_rebound=SMS_100005,alarm=SMS_100006,approval=SMS_100007',
  false,
).templates!;
// case_update's parameters in the opposite order, as a template may number them.
const tencentTemplates = parseTemplateMap(
  'SMS_TENCENT_TEMPLATES',
  'verification_code=2000001,case_update=2000002:status|number,water_alert=2000003,registration_result=2000004,phone_rebound=2000005,alarm=2000006,approval=2000007',
  true,
).templates!;

const REGION = '/130631/';
const PHONE = '13800000005';

let database: TestDatabase;
const clock = new ManualClock(new Date('2026-12-14T02:00:00Z'));

beforeAll(async () => {
  database = await createTestDatabase({ demo: false });
});
afterAll(async () => {
  await database.drop();
});
beforeEach(async () => {
  await database.db.deleteFrom('sms_outbox').execute();
  clock.set(new Date('2026-12-14T02:00:00Z'));
});

const rows = () => database.db.selectFrom('sms_outbox').selectAll().orderBy('id').execute();
const row = async () => (await rows())[0]!;

function outbox(provider: SmsProvider, settings: Partial<SmsOutboxSettings> = {}) {
  return new SmsOutbox(database.db, provider, clock, { ...defaultSmsOutboxSettings, ...settings });
}

async function queue(sms: SmsOutbox, items: { phone?: string; template?: 'verification_code' | 'case_update'; params?: Record<string, string> }[]) {
  await database.db.transaction().execute(async (tx) => {
    for (const item of items) {
      await sms.enqueue(tx, {
        phone: item.phone ?? PHONE,
        template: item.template ?? 'case_update',
        params: item.params ?? { number: 'SJ20261214001', status: '网格员张三已接单' },
        regionPath: REGION,
      });
    }
  });
}

const aliyunConfig = (port: number, secret = ALIYUN_KEYS.accessKeySecret): AliyunSmsConfig => ({
  accessKeyId: ALIYUN_KEYS.accessKeyId,
  accessKeySecret: secret,
  signName: '数乡',
  region: 'cn-hangzhou',
  templates: aliyunTemplates,
  endpoint: `127.0.0.1:${port}`,
  protocol: 'http',
});

describe('Alibaba Cloud SMS (dysmsapi 2017-05-25, ACS3-HMAC-SHA256)', () => {
  let gateway: GatewayStandIn;
  beforeAll(async () => {
    gateway = await startAliyunStandIn(ALIYUN_KEYS);
  });
  afterAll(() => gateway.close());
  afterEach(() => {
    gateway.accepted.length = 0;
    gateway.refused.length = 0;
    gateway.always(null);
  });

  it('sends a login code as SendSms with the template and its JSON parameters, records the BizId and forgets the code', async () => {
    const sms = outbox(new AliyunSmsProvider(aliyunConfig(gateway.port)));
    await queue(sms, [{ template: 'verification_code', params: { code: '482913', minutes: '5' } }]);
    expect((await row()).body).toBe('【数乡】验证码******，5分钟内有效。请勿告诉他人。');
    expect(await sms.dispatch()).toBe(1);
    expect(gateway.refused).toEqual([]);
    expect(gateway.accepted).toHaveLength(1);
    const request = gateway.accepted[0]!;
    expect(request.action).toBe('SendSms');
    expect(request.headers['x-acs-version']).toBe('2017-05-25');
    expect(request.params).toMatchObject({ PhoneNumbers: PHONE, SignName: '数乡', TemplateCode: 'SMS_100001' });
    expect(JSON.parse(String(request.params.TemplateParam))).toEqual({ code: '482913', minutes: '5' });
    const sent = await row();
    expect(sent).toMatchObject({ status: 'sent', provider: 'aliyun', attempts: 1, error: null });
    expect(sent.provider_message_id).toMatch(/\^0$/);
    expect(sent.params).toEqual({ code: '******', minutes: '5' });
    expect(JSON.stringify(sent)).not.toContain('482913');
  });

  it('retries a throttled text with a doubling wait on the app clock, then sends it', async () => {
    const sms = outbox(new AliyunSmsProvider(aliyunConfig(gateway.port)), { retryBaseSeconds: 60 });
    const limited = () => ({ body: { RequestId: 'R1', Code: 'isv.BUSINESS_LIMIT_CONTROL', Message: '触发小时级流控Permits:5' } });
    gateway.queue(limited, limited);
    await queue(sms, [{}]);
    await sms.dispatch();
    expect(await row()).toMatchObject({ status: 'queued', attempts: 1, error_code: 'isv.BUSINESS_LIMIT_CONTROL' });
    expect((await row()).next_attempt_at).toEqual(new Date(clock.now().getTime() + 60_000));
    expect(await sms.dispatch()).toBe(0); // not due yet
    clock.advance(60_000);
    await sms.dispatch();
    expect(await row()).toMatchObject({ status: 'queued', attempts: 2 });
    expect((await row()).next_attempt_at).toEqual(new Date(clock.now().getTime() + 120_000));
    clock.advance(120_000);
    await sms.dispatch();
    expect(await row()).toMatchObject({ status: 'sent', attempts: 3, error_code: null });
    expect(gateway.accepted).toHaveLength(3);
  });

  it('gives up after the last attempt of a transient failure', async () => {
    const sms = outbox(new AliyunSmsProvider(aliyunConfig(gateway.port)), { maxAttempts: 2, retryBaseSeconds: 1 });
    gateway.always(() => ({ status: 503, body: { RequestId: 'R2', Code: 'ServiceUnavailable', Message: 'The request has failed due to a temporary failure of the server.' } }));
    await queue(sms, [{}]);
    await sms.dispatch();
    clock.advance(1000);
    await sms.dispatch();
    expect(await row()).toMatchObject({ status: 'failed', attempts: 2, error_code: 'ServiceUnavailable' });
  });

  it('stops at a permanent error (an invalid number) without retrying', async () => {
    const sms = outbox(new AliyunSmsProvider(aliyunConfig(gateway.port)));
    gateway.queue(() => ({ body: { RequestId: 'R3', Code: 'isv.MOBILE_NUMBER_ILLEGAL', Message: '非法手机号' } }));
    await queue(sms, [{ template: 'verification_code', params: { code: '100200', minutes: '5' } }]);
    await sms.dispatch();
    clock.advance(3_600_000);
    await sms.dispatch();
    const failed = await row();
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, error_code: 'isv.MOBILE_NUMBER_ILLEGAL', error: '非法手机号' });
    expect(failed.params).toEqual({ code: '******', minutes: '5' });
    expect(gateway.accepted).toHaveLength(1);
  });

  it('a wrong AccessKey secret fails the signature check at the gateway, a permanent failure', async () => {
    const sms = outbox(new AliyunSmsProvider(aliyunConfig(gateway.port, 'not-the-secret')));
    await queue(sms, [{}]);
    await sms.dispatch();
    expect(gateway.refused).toEqual([{ action: 'SendSms', code: 'SignatureDoesNotMatch' }]);
    expect(gateway.accepted).toHaveLength(0);
    expect(await row()).toMatchObject({ status: 'failed', attempts: 1, error_code: 'SignatureDoesNotMatch' });
  });

  it('an unreachable gateway is a transient failure', async () => {
    const closed = await startAliyunStandIn(ALIYUN_KEYS);
    await closed.close();
    const sms = outbox(new AliyunSmsProvider(aliyunConfig(closed.port)));
    await queue(sms, [{}]);
    await sms.dispatch();
    expect(await row()).toMatchObject({ status: 'queued', attempts: 1 });
  });

  it('receipts from QuerySendDetails mark texts delivered or failed', async () => {
    const sms = outbox(new AliyunSmsProvider(aliyunConfig(gateway.port)));
    await queue(sms, [{ phone: '13800000001' }, { phone: '13800000002' }, { phone: '13800000003' }]);
    await sms.dispatch();
    const [a, b] = await rows();
    gateway.always((request) => {
      if (request.action !== 'QuerySendDetails') return undefined;
      const detail =
        request.params.BizId === a!.provider_message_id
          ? { SendStatus: 3, ErrCode: 'DELIVERED', ReceiveDate: '2026-12-14 10:00:07', PhoneNum: request.params.PhoneNumber }
          : request.params.BizId === b!.provider_message_id
            ? { SendStatus: 2, ErrCode: 'MK:0001', ReceiveDate: '2026-12-14 10:00:09', PhoneNum: request.params.PhoneNumber }
            : { SendStatus: 1, ErrCode: '', PhoneNum: request.params.PhoneNumber };
      return { body: { RequestId: 'R4', Code: 'OK', Message: 'OK', TotalCount: 1, SmsSendDetailDTOs: { SmsSendDetailDTO: [detail] } } };
    });
    expect(await sms.pullReceipts()).toBe(2);
    const queries = gateway.accepted.filter((r) => r.action === 'QuerySendDetails');
    expect(queries).toHaveLength(3);
    expect(queries[0]!.params).toMatchObject({ PhoneNumber: '13800000001', SendDate: '20261214', BizId: a!.provider_message_id });
    const [delivered, undelivered, waiting] = await rows();
    expect(delivered).toMatchObject({ status: 'delivered', delivered_at: new Date('2026-12-14T02:00:07Z') });
    expect(undelivered).toMatchObject({ status: 'failed', error_code: 'MK:0001', delivered_at: null });
    expect(waiting).toMatchObject({ status: 'sent' });
  });
});

const tencentConfig = (port: number, secretKey = TENCENT_KEYS.secretKey): TencentSmsConfig => ({
  secretId: TENCENT_KEYS.secretId,
  secretKey,
  sdkAppId: '1400000001',
  signName: '数乡',
  region: 'ap-guangzhou',
  templates: tencentTemplates,
  endpoint: `sms.tencentcloudapi.com:${port}`,
  protocol: 'http',
});

describe('Tencent Cloud SMS (2021-01-11, TC3-HMAC-SHA256)', () => {
  let gateway: GatewayStandIn;
  const agent = loopbackAgent();
  const provider = (secretKey?: string) => new TencentSmsProvider(tencentConfig(gateway.port, secretKey), { agent });
  beforeAll(async () => {
    gateway = await startTencentStandIn(TENCENT_KEYS);
  });
  afterAll(async () => {
    agent.destroy();
    await gateway.close();
  });
  afterEach(() => {
    gateway.accepted.length = 0;
    gateway.refused.length = 0;
    gateway.always(null);
  });

  it('sends SendSms with +86, the application, template and parameters in the template order, and records the SerialNo', async () => {
    const sms = outbox(provider());
    await queue(sms, [{ params: { number: 'SJ20261214001', status: '已办结' } }]);
    await sms.dispatch();
    expect(gateway.refused).toEqual([]);
    const request = gateway.accepted[0]!;
    expect(request.action).toBe('SendSms');
    expect(request.headers['x-tc-version']).toBe('2021-01-11');
    expect(request.params).toEqual({
      PhoneNumberSet: [`+86${PHONE}`],
      SmsSdkAppId: '1400000001',
      SignName: '数乡',
      TemplateId: '2000002',
      TemplateParamSet: ['已办结', 'SJ20261214001'],
    });
    const sent = await row();
    expect(sent).toMatchObject({ status: 'sent', provider: 'tencent' });
    expect(sent.provider_message_id).toMatch(/^5000:/);
  });

  it("retries a number's frequency limit, stops at an incorrect number", async () => {
    const sms = outbox(provider(), { retryBaseSeconds: 30 });
    const status = (code: string, message: string) => () => ({
      body: { Response: { SendStatusSet: [{ SerialNo: '', PhoneNumber: `+86${PHONE}`, Fee: 0, SessionContext: '', Code: code, Message: message, IsoCode: 'CN' }], RequestId: 'T1' } },
    });
    gateway.queue(status('LimitExceeded.PhoneNumberThirtySecondLimit', '单个手机号30秒内下发短信条数超过设定的上限'), status('InvalidParameterValue.IncorrectPhoneNumber', '手机号格式错误'));
    await queue(sms, [{}, { phone: '13800000009' }]);
    await sms.dispatch();
    const [limited, wrong] = await rows();
    expect(limited).toMatchObject({ status: 'queued', attempts: 1, error_code: 'LimitExceeded.PhoneNumberThirtySecondLimit' });
    expect(limited!.next_attempt_at).toEqual(new Date(clock.now().getTime() + 30_000));
    expect(wrong).toMatchObject({ status: 'failed', attempts: 1, error_code: 'InvalidParameterValue.IncorrectPhoneNumber' });
    clock.advance(30_000);
    await sms.dispatch();
    expect(await rows()).toMatchObject([{ status: 'sent', attempts: 2 }, { status: 'failed', attempts: 1 }]);
  });

  it('a wrong SecretKey fails the signature check at the gateway, a permanent failure', async () => {
    const sms = outbox(provider('not-the-key'));
    await queue(sms, [{}]);
    await sms.dispatch();
    expect(gateway.refused).toEqual([{ action: 'SendSms', code: 'AuthFailure.SignatureFailure' }]);
    expect(await row()).toMatchObject({ status: 'failed', error_code: 'AuthFailure.SignatureFailure' });
  });

  it('receipts from PullSmsSendStatus mark texts delivered or failed by SerialNo', async () => {
    const sms = outbox(provider());
    await queue(sms, [{ phone: '13800000001' }, { phone: '13800000002' }]);
    await sms.dispatch();
    const [a, b] = await rows();
    gateway.queue(() => ({
      body: {
        Response: {
          PullSmsSendStatusSet: [
            { UserReceiveTime: 1_765_677_607, CountryCode: '86', SubscriberNumber: '13800000001', PhoneNumber: '+8613800000001', SerialNo: a!.provider_message_id, ReportStatus: 'SUCCESS', Description: '用户短信送达成功', SessionContext: '' },
            { UserReceiveTime: 1_765_677_609, CountryCode: '86', SubscriberNumber: '13800000002', PhoneNumber: '+8613800000002', SerialNo: b!.provider_message_id, ReportStatus: 'FAIL', Description: '用户短信未送达', SessionContext: '' },
          ],
          RequestId: 'T2',
        },
      },
    }));
    expect(await sms.pullReceipts()).toBe(2);
    expect(gateway.accepted.at(-1)).toMatchObject({ action: 'PullSmsSendStatus', params: { Limit: 100, SmsSdkAppId: '1400000001' } });
    expect(await rows()).toMatchObject([
      { status: 'delivered', delivered_at: new Date(1_765_677_607_000) },
      { status: 'failed', error_code: 'FAIL', error: '用户短信未送达' },
    ]);
  });
});

describe('the outbox around a gateway', () => {
  let gateway: GatewayStandIn;
  beforeAll(async () => {
    gateway = await startAliyunStandIn(ALIYUN_KEYS);
  });
  afterAll(() => gateway.close());
  afterEach(() => {
    gateway.accepted.length = 0;
    gateway.always(null);
  });

  it('skips texts over the per-phone daily limit with the reason, login codes aside, and sends again the next China day', async () => {
    const sms = outbox(new AliyunSmsProvider(aliyunConfig(gateway.port)), { dailyLimitPerPhone: 2 });
    await queue(sms, [{}, {}, {}, { template: 'verification_code', params: { code: '555111', minutes: '5' } }, { phone: '13800000007' }]);
    await sms.dispatch();
    const all = await rows();
    expect(all.map((r) => r.status)).toEqual(['sent', 'sent', 'skipped', 'sent', 'sent']);
    expect(all[2]).toMatchObject({ error_code: 'DAILY_LIMIT', error: '该号码今日已发 2 条短信，达到每日上限 2 条' });
    expect(gateway.accepted).toHaveLength(4);
    // 2026-12-14T16:00Z is midnight in China.
    clock.set(new Date('2026-12-14T16:00:00Z'));
    await queue(sms, [{}]);
    await sms.dispatch();
    expect((await rows()).at(-1)).toMatchObject({ status: 'sent' });
  });

  it('deletes texts done with once past their retention; keeps recent ones and any still waiting to go', async () => {
    const sms = outbox(new AliyunSmsProvider(aliyunConfig(gateway.port)), { retentionDays: 180 });
    await queue(sms, [{}, { phone: '13800000007' }]);
    await sms.dispatch();
    clock.advance(90 * 86_400_000);
    await queue(sms, [{ phone: '13800000008' }]); // left queued: not done with
    clock.advance(90 * 86_400_000 + 1000);
    expect(await sms.purge()).toBe(2);
    expect((await rows()).map((r) => [r.phone, r.status])).toEqual([['13800000008', 'queued']]);
  });

  it('two dispatchers at once send each text exactly once', async () => {
    const items = Array.from({ length: 12 }, (_, i) => ({ phone: `1390000${String(i).padStart(4, '0')}` }));
    const first = outbox(new AliyunSmsProvider(aliyunConfig(gateway.port)));
    const second = outbox(new AliyunSmsProvider(aliyunConfig(gateway.port)));
    await queue(first, items);
    gateway.always(() => ({ body: undefined, delayMs: 15 }));
    const [a, b] = await Promise.all([first.dispatch(), second.dispatch()]);
    expect(a + b).toBe(12);
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0);
    const phones = gateway.accepted.map((r) => r.params.PhoneNumbers).sort();
    expect(phones).toEqual(items.map((i) => i.phone).sort());
    expect((await rows()).every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
  });

  it('kick() sends at once without awaiting; idle() waits for it', async () => {
    const sms = outbox(new AliyunSmsProvider(aliyunConfig(gateway.port)));
    await queue(sms, [{ template: 'verification_code', params: { code: '909090', minutes: '5' } }]);
    sms.kick();
    sms.kick();
    await sms.idle();
    expect(await row()).toMatchObject({ status: 'sent' });
    expect(gateway.accepted).toHaveLength(1);
  });

  it('a text left sending by a dispatcher that died is sent again once its lease has run out, not before', async () => {
    const sms = outbox(new AliyunSmsProvider(aliyunConfig(gateway.port)), { leaseSeconds: 60 });
    await queue(sms, [{}]);
    // What a claim leaves behind when its process dies before the gateway answers.
    await database.db.updateTable('sms_outbox').set({ status: 'sending', attempts: 1, lease_until: new Date(clock.now().getTime() + 60_000) }).execute();
    expect(await sms.dispatch()).toBe(0);
    clock.advance(61_000);
    expect(await sms.dispatch()).toBe(1);
    expect(await row()).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('a login code that could not go out in time is not sent late', async () => {
    const sms = outbox(new AliyunSmsProvider(aliyunConfig(gateway.port)));
    await queue(sms, [{ template: 'verification_code', params: { code: '123456', minutes: '5' } }]);
    clock.advance(5 * 60_000);
    await sms.dispatch();
    expect(gateway.accepted).toHaveLength(0);
    expect(await row()).toMatchObject({ status: 'failed', error_code: 'EXPIRED', params: { code: '******', minutes: '5' } });
  });
});
