import { describe, expect, it } from 'vitest';
import { passwordProblem } from './password-policy.js';
import { generateOneTimePassword } from './passwords.js';

const phone = '13912345678';

describe('password policy (等保 2.0 complexity)', () => {
  it.each([
    ['Tree-House-42', undefined],
    ['绿水青山-Jinshan9', undefined],
    [' Leading-space1', 'PASSWORD_WHITESPACE'],
    ['Trailing-space1 ', 'PASSWORD_WHITESPACE'],
    ['         ', 'PASSWORD_WHITESPACE'],
    ['Ab-1234', 'PASSWORD_TOO_SHORT'],
    ['abcdefgh12', 'PASSWORD_TOO_SIMPLE'],
    ['ABCDEFGH!!', 'PASSWORD_TOO_SIMPLE'],
    ['shuxiang-demo', 'PASSWORD_TOO_SIMPLE'],
    [`Tel${phone}!`, 'PASSWORD_CONTAINS_PHONE'],
    ['Xy-12345678', 'PASSWORD_CONTAINS_PHONE'],
    ['Xy-345678a', 'PASSWORD_CONTAINS_PHONE'],
    ['Ab!87654321', 'PASSWORD_CONTAINS_PHONE'],
    ['P@ssw0rd', 'PASSWORD_TOO_COMMON'],
    ['1qaz@WSX', 'PASSWORD_TOO_COMMON'],
    ['Woaini@1314', 'PASSWORD_TOO_COMMON'],
    ['Qwerty123!', 'PASSWORD_TOO_COMMON'],
    ['Aa!5201314', 'PASSWORD_TOO_COMMON'],
    ['A123456-x', 'PASSWORD_TOO_COMMON'],
  ])('%s → %s', (password, rule) => {
    expect(passwordProblem(password, { phone })).toBe(rule);
  });

  it('checks the phone only when there is one', () => {
    expect(passwordProblem('Xy-345678a', {})).toBeUndefined();
  });

  it('generates one-time passwords that meet the policy and avoid the phone', () => {
    for (let i = 0; i < 200; i++) {
      const generated = generateOneTimePassword(phone);
      expect(generated).toMatch(/^[a-km-np-zA-HJ-NP-Z2-9]{12}$/);
      expect(passwordProblem(generated, { phone })).toBeUndefined();
    }
  });
});
