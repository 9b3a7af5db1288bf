import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAliyunStandIn, type GatewayStandIn } from '../../../test/support/sms-gateways.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { demoAccounts } from '../../modules/demo/demo.seed.js';

/** The console's view of the outbox, with the app configured for Alibaba Cloud through its settings. */
const KEYS = { accessKeyId: 'LTAI5tApiTestKey', accessKeySecret: 'api-test-secret' };
let gateway: GatewayStandIn;
let t: TestApp;

beforeAll(async () => {
  gateway = await startAliyunStandIn(KEYS);
  t = await createTestApp({
    env: {
      SMS_PROVIDER: 'aliyun',
      SMS_ALIYUN_ACCESS_KEY_ID: KEYS.accessKeyId,
      SMS_ALIYUN_ACCESS_KEY_SECRET: KEYS.accessKeySecret,
      SMS_SIGN_NAME: '数乡',
      SMS_ALIYUN_TEMPLATES: 'verification_code=SMS_1,case_update=SMS_2,water_alert=SMS_3,registration_result=SMS_4,phone_rebound=SMS_5,alarm=SMS_6,approval=SMS_7',
      SMS_ALIYUN_ENDPOINT: `127.0.0.1:${gateway.port}`,
      SMS_ALIYUN_PROTOCOL: 'http',
    },
  });
});
afterAll(async () => {
  await t?.close();
  await gateway?.close();
});

describe('GET /api/sms-outbox', () => {
  it('shows each text with its state, the failure and its reason, filtered by status; codes masked', async () => {
    const village = await t.db.selectFrom('regions').select('path').where('code', '=', demoAccounts.find((a) => a.role === 'villager')!.regionCode).executeTakeFirstOrThrow();
    await t.db.transaction().execute(async (tx) => {
      await t.services.sms.enqueue(tx, { phone: '13900000001', template: 'verification_code', params: { code: '731904', minutes: '5' }, regionPath: village.path });
      await t.services.sms.enqueue(tx, { phone: '1390000000', template: 'registration_result', params: { village: '西阳邱村', result: '已通过' }, regionPath: village.path });
    });
    gateway.queue(
      () => undefined,
      () => ({ body: { RequestId: 'R', Code: 'isv.MOBILE_NUMBER_ILLEGAL', Message: '非法手机号' } }),
    );
    expect(await t.services.sms.dispatch()).toBe(2);

    const staff = await t.tokenFor('township_staff');
    const all = (await t.request({ method: 'GET', url: '/api/sms-outbox', token: staff })).json();
    expect(all).toMatchObject({ provider: 'aliyun', failedLastWeek: 1 });
    const code = all.items.find((i: { phone: string }) => i.phone === '13900000001');
    expect(code).toMatchObject({ template: 'verification_code', status: 'sent', attempts: 1, body: '【数乡】验证码******，5分钟内有效。请勿告诉他人。' });
    expect(code.providerMessageId).toMatch(/\^0$/);
    expect(JSON.stringify(all)).not.toContain('731904');

    const failed = (await t.request({ method: 'GET', url: '/api/sms-outbox?status=failed', token: staff })).json();
    expect(failed.total).toBe(1);
    expect(failed.items[0]).toMatchObject({ phone: '1390000000', status: 'failed', errorCode: 'isv.MOBILE_NUMBER_ILLEGAL', error: '非法手机号', body: '【数乡】您在西阳邱村的注册申请已通过。' });

    const bad = await t.request({ method: 'GET', url: '/api/sms-outbox?status=lost', token: staff });
    expect(bad.statusCode).toBe(400);
    const villager = await t.tokenFor('villager');
    expect((await t.request({ method: 'GET', url: '/api/sms-outbox', token: villager })).statusCode).toBe(403);
  });
});
