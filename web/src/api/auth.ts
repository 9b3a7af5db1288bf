import type { z } from 'zod';
import type { loginResult, meResult, sessionList } from '@server/modules/accounts/accounts.schema';
import { http } from '@/shared/http';

/** Types come straight from the server's zod schemas, so a change there fails `npm run typecheck` here. */
export type LoginResult = z.infer<typeof loginResult>;
export type Me = z.infer<typeof meResult>;
export type SessionItem = z.infer<typeof sessionList>['items'][number];

export interface PlatformInfo {
  name: string;
  version: string;
  demo: boolean;
}

export const authApi = {
  platform: () => http.get<PlatformInfo>('/api/platform', undefined, { silent: true }),
  login: (phone: string, password: string) => http.post<LoginResult>('/api/auth/login', { phone, password }),
  logout: () => http.post<void>('/api/auth/logout', undefined, { silent: true }),
  me: (silent = false) => http.get<Me>('/api/auth/me', undefined, { silent }),
  changePassword: (currentPassword: string, newPassword: string) =>
    http.post<void>('/api/auth/password', { currentPassword, newPassword }),
  sessions: () => http.get<z.infer<typeof sessionList>>('/api/auth/sessions'),
  endSession: (id: string) => http.delete<void>(`/api/auth/sessions/${encodeURIComponent(id)}`),
};
