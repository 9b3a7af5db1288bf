import { z } from 'zod';
import { pageOf, pageQuery } from '../../platform/http/pagination.js';
import { phone } from '../accounts/accounts.schema.js';
import { regionCode } from '../regions/regions.schema.js';

const code = z.string().regex(/^\d{6}$/, '验证码为 6 位数字 / the code has 6 digits');
const personName = z.string().trim().min(2, '姓名至少 2 个字 / at least 2 characters').max(20);
/** The registering browser's own random key (base64url, ≥ 128 bits): it reads the state and, once approved, signs in. */
const statusKey = z.string().regex(/^[A-Za-z0-9_-]{22,64}$/, 'a random base64url key of 22–64 characters');

export const joinTokenParams = z.strictObject({ token: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/) });
export const villageParams = z.strictObject({ code: regionCode });
export const registrationParams = z.strictObject({ id: z.uuid() });
export const villagerParams = z.strictObject({ id: z.uuid() });

export const privacyNoticeView = z.object({
  version: z.string(),
  title: z.string(),
  titleEn: z.string(),
  sections: z.array(z.object({ heading: z.string(), body: z.string() })),
  short: z.string(),
  shortEn: z.string(),
});

export const joinInfo = z.object({
  village: z.object({ code: z.string(), name: z.string(), fullName: z.string() }),
  privacy: privacyNoticeView,
});

export const householdSearchQuery = z.strictObject({
  q: z.string().trim().min(2, '至少输入 2 个字 / at least 2 characters').max(30).describe('the head of household’s full name, or part of the house number (门牌)'),
});

export const householdChoice = z.object({
  id: z.string(),
  head: z.string().nullable().describe('the head’s name masked, e.g. 张*明'),
  address: z.string().nullable(),
});
export const householdChoices = z.object({ items: z.array(householdChoice) });

export const requestCodeBody = z.strictObject({ phone });
export const codeSent = z.object({ resendAfterSeconds: z.number().int(), expiresInSeconds: z.number().int() });

export const registerBody = z
  .strictObject({
    phone,
    code,
    name: personName,
    householdId: z.uuid().optional().describe('a household found by the search'),
    householdText: z.string().trim().min(1).max(50).optional().describe('or typed: the head’s name or the house number'),
    consent: z.literal(true, { error: '须同意个人信息保护说明 / you must accept the privacy notice' }),
    consentVersion: z.string().min(1).max(40).describe('the version of the notice shown'),
    statusKey,
  });

export const registrationState = z.enum(['matched', 'pending', 'approved', 'refused']);

export const registrationStatus = z.object({
  id: z.string(),
  status: registrationState,
  villageName: z.string(),
  name: z.string(),
  reason: z.string().nullable(),
  createdAt: z.string(),
  decidedAt: z.string().nullable(),
  /** Approved and not yet used: the browser may sign in once with its key. */
  canSignIn: z.boolean(),
});

export const registerResult = z.object({
  registration: registrationStatus,
  /** Only when matched: the new session (also set as the web apps' cookie). */
  session: z.object({ token: z.string(), expiresAt: z.string() }).nullable(),
});

export const statusBody = z.strictObject({ statusKey });
export const signInResult = z.object({ token: z.string(), expiresAt: z.string() });

export const listRegistrationsQuery = z.strictObject({
  status: registrationState.optional().describe('default: pending'),
  village: regionCode.optional(),
  ...pageQuery,
});

export const registrationView = z.object({
  id: z.string(),
  status: registrationState,
  villageCode: z.string(),
  villageName: z.string(),
  phone: z.string(),
  name: z.string(),
  household: z.object({ id: z.string(), name: z.string(), address: z.string().nullable() }).nullable(),
  householdText: z.string().nullable(),
  consentVersion: z.string(),
  consentAt: z.string(),
  userId: z.string().nullable(),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  reason: z.string().nullable(),
  createdAt: z.string(),
});
export const registrationPage = pageOf(registrationView);

export const approveBody = z.strictObject({ householdId: z.uuid().describe('a household of the registration’s village') });
export const refuseBody = z.strictObject({ reason: z.string().trim().min(2).max(100) });

export const joinLinkView = z.object({
  villageCode: z.string(),
  villageName: z.string(),
  villageFullName: z.string(),
  url: z.string(),
  createdAt: z.string(),
});

export const rebindHouseholdBody = z.strictObject({ householdId: z.uuid() });
export const rebindPhoneCodeBody = z.strictObject({ phone });
export const rebindPhoneBody = z.strictObject({ phone, code });
export const villagerView = z.object({
  id: z.string(),
  name: z.string(),
  phone: z.string(),
  regionCode: z.string(),
  household: z.object({ id: z.string(), name: z.string() }).nullable(),
});

export type RegisterBody = z.infer<typeof registerBody>;
export type RegistrationStatus = z.infer<typeof registrationStatus>;
export type RegistrationView = z.infer<typeof registrationView>;
export type ListRegistrationsQuery = z.infer<typeof listRegistrationsQuery>;
export type JoinLinkView = z.infer<typeof joinLinkView>;
export type JoinInfo = z.infer<typeof joinInfo>;
export type HouseholdChoice = z.infer<typeof householdChoice>;
export type VillagerView = z.infer<typeof villagerView>;
