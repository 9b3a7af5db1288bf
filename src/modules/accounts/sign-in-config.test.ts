import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config.js';

/** The sign-in settings are checked at start: a half-configured WeChat entry stops it, naming what is missing. */
const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.join('\n');
    throw error;
  }
  return '';
};

describe('sign-in configuration', () => {
  it('defaults: second factor off, WeChat off, the code caps', () => {
    const config = loadConfig({});
    expect(config.auth.staffSecondFactor).toBe('off');
    expect(config.auth.codes).toEqual({ maxPerPhonePerDay: 10, maxPerIpPerHour: 50, maxPerIpPerDay: 300 });
    expect(config.wechat).toBeUndefined();
  });

  it('refuses a second factor other than off or sms', () => {
    expect(problems({ AUTH_STAFF_SECOND_FACTOR: 'totp' })).toMatch(/^AUTH_STAFF_SECOND_FACTOR="totp": /);
  });

  it('wants the WeChat app id and secret together, with PUBLIC_URL, and hides the secret', () => {
    expect(problems({ WECHAT_APP_ID: 'wx0123456789abcdef', PUBLIC_URL: 'https://x.example' })).toMatch(/WECHAT_APP_ID, WECHAT_APP_SECRET: set both or neither/);
    expect(problems({ WECHAT_APP_ID: 'wx0123456789abcdef', WECHAT_APP_SECRET: '0123456789abcdef0123' })).toMatch(/WECHAT_APP_ID: set PUBLIC_URL too/);
    expect(problems({ WECHAT_APP_SECRET: 'short' })).toBe('WECHAT_APP_SECRET=(hidden): must have at least 16 characters');
    const config = loadConfig({ WECHAT_APP_ID: 'wx0123456789abcdef', WECHAT_APP_SECRET: '0123456789abcdef0123', PUBLIC_URL: 'https://x.example/' });
    expect(config.wechat).toEqual({
      appId: 'wx0123456789abcdef',
      appSecret: '0123456789abcdef0123',
      oauthBaseUrl: 'https://open.weixin.qq.com',
      apiBaseUrl: 'https://api.weixin.qq.com',
      publicUrl: 'https://x.example',
    });
  });
});
