import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAccounts } from '../demo/demo.seed.js';
import { captureSms } from '../../../test/support/sms-capture.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

/** The README's promise: every demo account signs in by SMS code, read from the demo's log. */
const sms = captureSms();
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ logger: sms.logger });
});
afterAll(async () => t.close());

describe('the demo accounts', () => {
  it.each(demoAccounts.map((a) => [a.phone, a.role] as const))('%s (%s) signs in with the code printed in the log', async (phone) => {
    const ask = await t.request({ method: 'POST', url: '/api/auth/sms-code', payload: { phone, purpose: 'login' } });
    expect(ask.statusCode, ask.body).toBe(200);
    const code = await sms.nextCode(phone);
    const login = await t.request({ method: 'POST', url: '/api/auth/login/sms', payload: { phone, code } });
    expect(login.statusCode, login.body).toBe(200);
    expect(login.json().user.phone).toBe(phone);
    const text = sms.textsTo(phone).at(-1)!;
    expect(text.template).toBe('verification_code');
    expect(text.body).toContain(`验证码${code}，5分钟内有效。请勿告诉他人。`);
  });
});
