import type { z } from 'zod';
import type { codeSent, loginResult, meResult, passwordLoginResult, secondFactorResent, sessionList, sessionsEnded } from '@server/modules/accounts/accounts.schema';
import { http } from '@/shared/http';

/** Types come straight from the server's zod schemas, so a change there fails `npm run typecheck` here. */
export type LoginResult = z.infer<typeof loginResult>;
/** A session, or (staff with the second factor on) a challenge awaiting the SMS code. */
export type PasswordLoginResult = z.infer<typeof passwordLoginResult>;
export type CodeSent = z.infer<typeof codeSent>;
export interface WechatBinding {
  enabled: boolean;
  bound: boolean;
  boundAt: string | null;
}
export type Me = z.infer<typeof meResult>;
export type SessionItem = z.infer<typeof sessionList>['items'][number];

export interface PlatformInfo {
  name: string;
  version: string;
  demo: boolean;
}

export const authApi = {
  platform: () => http.get<PlatformInfo>('/api/platform', undefined, { silent: true }),
  login: (phone: string, password: string) => http.post<PasswordLoginResult>('/api/auth/login', { phone, password }),
  smsCode: (phone: string) => http.post<CodeSent>('/api/auth/sms-code', { phone, purpose: 'login' }),
  loginBySms: (phone: string, code: string) => http.post<LoginResult>('/api/auth/login/sms', { phone, code }),
  secondFactor: (challenge: string, code: string) => http.post<LoginResult>('/api/auth/login/second-factor', { challenge, code }),
  resendSecondFactor: (challenge: string) => http.post<z.infer<typeof secondFactorResent>>('/api/auth/login/second-factor/code', { challenge }),
  endAllSessions: () => http.post<z.infer<typeof sessionsEnded>>('/api/auth/sessions/revoke-all'),
  wechatBinding: () => http.get<WechatBinding>('/api/auth/wechat/binding', undefined, { silent: true }),
  unbindWechat: () => http.delete<void>('/api/auth/wechat/binding'),
  logout: () => http.post<void>('/api/auth/logout', undefined, { silent: true }),
  me: (silent = false) => http.get<Me>('/api/auth/me', undefined, { silent }),
  changePassword: (currentPassword: string, newPassword: string) =>
    http.post<void>('/api/auth/password', { currentPassword, newPassword }),
  sessions: () => http.get<z.infer<typeof sessionList>>('/api/auth/sessions'),
  endSession: (id: string) => http.delete<void>(`/api/auth/sessions/${encodeURIComponent(id)}`),
};
