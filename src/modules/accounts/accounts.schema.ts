import { z } from 'zod';
import { pageOf, pageQuery } from '../../platform/http/pagination.js';
import { regionCode, regionLevel } from '../regions/regions.schema.js';
import { roles } from './roles.js';

export const phone = z.string().regex(/^1\d{10}$/, '手机号应为 11 位数字，以 1 开头 / a phone number has 11 digits starting with 1');
export const role = z.enum(roles);
// The rules (length, classes, common, phone) are the service's password policy, each with its own error code.
const password = z.string().min(1).max(128).describe('at least 8 characters mixing three of: lower-case, upper-case, digits, symbols');

export const loginBody = z.strictObject({ phone, password: z.string().min(1).max(128) });

export const userView = z.object({
  id: z.uuid(),
  phone: z.string(),
  name: z.string(),
  role,
  roleLabel: z.string(),
  regionCode: z.string(),
  regionName: z.string(),
  mustChangePassword: z.boolean(),
  disabled: z.boolean(),
  createdAt: z.string(),
  lastLoginAt: z.string().nullable(),
});

export const loginResult = z.object({ token: z.string(), expiresAt: z.string(), user: userView });

/** The password step of a staff sign-in when AUTH_STAFF_SECOND_FACTOR=sms: no session yet, a code went to the phone. */
export const secondFactorChallenge = z.object({
  secondFactorRequired: z.literal(true),
  challenge: z.string().describe('send it back with the code to /api/auth/login/second-factor; valid 10 minutes'),
  phone: z.string().describe('where the code went, masked (138****0001)'),
  resendAfterSeconds: z.number().int(),
  expiresInSeconds: z.number().int().describe('0: the code sent less than a minute ago still stands'),
});

export const passwordLoginResult = z.union([loginResult, secondFactorChallenge]);

export const verificationCode = z.string().regex(/^\d{6}$/, '验证码为 6 位数字 / the code has 6 digits');

export const smsCodeBody = z.strictObject({ phone, purpose: z.literal('login').default('login') });

export const codeSent = z.object({
  resendAfterSeconds: z.number().int().describe('another code may be asked for after this many seconds'),
  expiresInSeconds: z.number().int().describe('the code works this long'),
});

export const smsLoginBody = z.strictObject({ phone, code: verificationCode });

export const secondFactorBody = z.strictObject({ challenge: z.string().min(1).max(200), code: verificationCode });

export const secondFactorResendBody = z.strictObject({ challenge: z.string().min(1).max(200) });

export const secondFactorResent = codeSent.extend({ phone: z.string() });

export const sessionsEnded = z.object({ ended: z.number().int() });

export const meResult = z.object({
  user: userView,
  scope: z.object({ code: z.string(), name: z.string(), level: regionLevel }),
  permissions: z.array(z.string()),
});

export const changePasswordBody = z.strictObject({ currentPassword: z.string().min(1).max(128), newPassword: password });

export const sessionView = z.object({
  id: z.uuid(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  expiresAt: z.string(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  current: z.boolean().describe('the session making this request'),
});

export const sessionList = z.object({ items: z.array(sessionView) });

export const sessionIdParams = z.strictObject({ id: z.uuid() });

export const userIdParams = z.strictObject({ id: z.uuid() });

export const listUsersQuery = z.strictObject({
  role: role.optional(),
  region: regionCode.optional(),
  q: z.string().trim().min(1).max(50).optional(),
  includeDisabled: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  ...pageQuery,
});

export const createUserBody = z.strictObject({
  phone,
  name: z.string().trim().min(1).max(50),
  role,
  regionCode,
  password: password.optional().describe('omit to have a one-time password generated'),
});

export const updateUserBody = z
  .strictObject({
    name: z.string().trim().min(1).max(50).optional(),
    role: role.optional(),
    regionCode: regionCode.optional(),
    disabled: z.boolean().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: '至少修改一个字段 / change at least one field' });

export const createdUser = z.object({
  user: userView,
  initialPassword: z.string().optional().describe('shown once, when the platform generated it'),
});

export const resetPasswordResult = z.object({ initialPassword: z.string() });

export const userPage = pageOf(userView);

export type UserView = z.infer<typeof userView>;
export type SessionView = z.infer<typeof sessionView>;
export type ListUsersQuery = z.infer<typeof listUsersQuery>;
export type CreateUserBody = z.infer<typeof createUserBody>;
export type UpdateUserBody = z.infer<typeof updateUserBody>;
