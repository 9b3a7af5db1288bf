import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config.js';
import { LoggingSmsProvider } from './provider.js';
import { renderSms, smsParams } from './templates.js';

const ALL = 'verification_code=SMS_1,case_update=SMS_2,water_alert=SMS_3,registration_result=SMS_4,phone_rebound=SMS_5,alarm=SMS_6,approval=SMS_7';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('SMS configuration', () => {
  it('logs texts by default', () => {
    expect(loadConfig({}).sms).toMatchObject({ provider: 'log', dailyLimitPerPhone: 20, maxAttempts: 6 });
  });

  it('Aliyun needs its keys, the sign name and a template for every kind, named in the error', () => {
    expect(problems({ SMS_PROVIDER: 'aliyun' })).toEqual([
      'SMS_ALIYUN_ACCESS_KEY_ID: required with SMS_PROVIDER=aliyun',
      'SMS_ALIYUN_ACCESS_KEY_SECRET: required with SMS_PROVIDER=aliyun',
      'SMS_SIGN_NAME: required with SMS_PROVIDER=aliyun',
      expect.stringContaining('SMS_ALIYUN_TEMPLATES: required with this SMS_PROVIDER'),
    ]);
    const keys = { SMS_PROVIDER: 'aliyun', SMS_ALIYUN_ACCESS_KEY_ID: 'id', SMS_ALIYUN_ACCESS_KEY_SECRET: 'secret', SMS_SIGN_NAME: '数乡' };
    expect(problems({ ...keys, SMS_ALIYUN_TEMPLATES: 'verification_code=SMS_1,case_update=SMS_2,lottery=SMS_9' })).toEqual([
      'SMS_ALIYUN_TEMPLATES: unknown template kind lottery (known: verification_code, case_update, water_alert, registration_result, phone_rebound, alarm, approval)',
      'SMS_ALIYUN_TEMPLATES: no template for water_alert, registration_result, phone_rebound, alarm, approval (every kind the platform sends needs one)',
    ]);
    const config = loadConfig({ ...keys, SMS_ALIYUN_TEMPLATES: ALL }).sms;
    expect(config.aliyun).toMatchObject({ signName: '数乡', region: 'cn-hangzhou', protocol: 'https', templates: { verification_code: { id: 'SMS_1', order: ['code', 'minutes'] } } });
  });

  it('refuses a bad limit naming the variable', () => {
    expect(problems({ SMS_MAX_ATTEMPTS: '0', SMS_PROVIDER: 'sms77' })).toEqual([
      expect.stringMatching(/^SMS_PROVIDER="sms77": /),
      expect.stringMatching(/^SMS_MAX_ATTEMPTS="0": /),
    ]);
  });

  it('Tencent takes a parameter order per template and checks it names each variable once', () => {
    const keys = { SMS_PROVIDER: 'tencent', SMS_TENCENT_SECRET_ID: 'id', SMS_TENCENT_SECRET_KEY: 'key', SMS_TENCENT_SDK_APP_ID: '1400000001', SMS_SIGN_NAME: '数乡' };
    expect(problems({ ...keys, SMS_TENCENT_TEMPLATES: ALL.replace('case_update=SMS_2', 'case_update=2:status|status') })).toEqual([
      'SMS_TENCENT_TEMPLATES: case_update parameter order must name each of number, status once',
    ]);
    expect(problems({ ...keys, SMS_TENCENT_TEMPLATES: ALL, SMS_TENCENT_ENDPOINT: '127.0.0.1:9000' })).toEqual([
      'SMS_TENCENT_ENDPOINT: must start with sms. (the signature names the service by it)',
    ]);
    const config = loadConfig({ ...keys, SMS_TENCENT_TEMPLATES: ALL.replace('case_update=SMS_2', 'case_update=2:status|number') }).sms;
    expect(config.tencent).toMatchObject({ endpoint: 'sms.tencentcloudapi.com', templates: { case_update: { id: '2', order: ['status', 'number'] } } });
  });
});

describe('SMS templates', () => {
  it('render the approved Chinese text', () => {
    expect(renderSms('verification_code', smsParams('verification_code', { code: '123456', minutes: '5' }))).toBe('【数乡】验证码123456，5分钟内有效。请勿告诉他人。');
  });

  it('cut long values to the gateway limit deliberately and refuse missing, unknown or malformed ones', () => {
    const params = smsParams('case_update', { number: 'SJ20261214001', status: `您的上报未被受理：${'理由'.repeat(30)}` });
    expect([...params.status!]).toHaveLength(35);
    expect(params.status!.endsWith('…')).toBe(true);
    expect(() => smsParams('case_update', { number: 'SJ1' })).toThrow('parameter status missing');
    expect(() => smsParams('case_update', { number: 'SJ1', status: 'x', extra: 'y' })).toThrow('unknown parameter extra');
    expect(() => smsParams('verification_code', { code: '1234567', minutes: '5' })).toThrow('at most 6 digits');
  });
});

describe('the logging provider', () => {
  async function logged(revealSecrets: boolean): Promise<string> {
    let out = '';
    const stream = new Writable({
      write(chunk, _encoding, done) {
        out += String(chunk);
        done();
      },
    });
    const provider = new LoggingSmsProvider(pino(stream), revealSecrets);
    await provider.send({ phone: '13800000005', template: 'verification_code', params: { code: '246810', minutes: '5' }, body: renderSms('verification_code', { code: '246810', minutes: '5' }) });
    return out;
  }

  it('prints the login code in demo mode only', async () => {
    expect(await logged(true)).toContain('验证码246810');
    const production = await logged(false);
    expect(production).toContain('验证码******');
    expect(production).not.toContain('246810');
    expect(production).not.toContain('13800000005');
  });
});
