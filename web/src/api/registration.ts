import type { z } from 'zod';
import type {
  householdChoices,
  joinInfo,
  joinLinkView,
  registerBody,
  registerResult,
  registrationPage,
  registrationStatus,
  registrationView,
  villagerView,
} from '@server/modules/registration/registration.schema';
import { http } from '@/shared/http';

/** 村民注册: the public join page, the cadres' decisions, the village's join link. Types are the server's zod schemas. */
export type JoinInfo = z.infer<typeof joinInfo>;
export type HouseholdChoice = z.infer<typeof householdChoices>['items'][number];
export type RegisterBody = z.input<typeof registerBody>;
export type RegisterResult = z.infer<typeof registerResult>;
export type RegistrationStatus = z.infer<typeof registrationStatus>;
export type RegistrationView = z.infer<typeof registrationView>;
export type RegistrationPage = z.infer<typeof registrationPage>;
export type JoinLink = z.infer<typeof joinLinkView>;
export type VillagerView = z.infer<typeof villagerView>;

const join = (token: string) => `/api/join/${encodeURIComponent(token)}`;

export const registrationApi = {
  info: (token: string) => http.get<JoinInfo>(join(token)),
  households: (token: string, q: string) => http.get<{ items: HouseholdChoice[] }>(`${join(token)}/households`, { q }, { silent: true }),
  code: (token: string, phone: string) => http.post<{ resendAfterSeconds: number; expiresInSeconds: number }>(`${join(token)}/code`, { phone }),
  register: (token: string, body: RegisterBody) => http.post<RegisterResult>(`${join(token)}/register`, body),
  status: (statusKey: string) => http.post<RegistrationStatus>('/api/join/status', { statusKey }, { silent: true }),
  signIn: (statusKey: string) => http.post<{ token: string; expiresAt: string }>('/api/join/session', { statusKey }),
  list: (query: { status?: RegistrationView['status']; page?: number; pageSize?: number } = {}) => http.get<RegistrationPage>('/api/registrations', { ...query }),
  approve: (id: string, householdId: string) => http.post<RegistrationView>(`/api/registrations/${encodeURIComponent(id)}/approve`, { householdId }),
  refuse: (id: string, reason: string) => http.post<RegistrationView>(`/api/registrations/${encodeURIComponent(id)}/refuse`, { reason }),
  joinLink: (village: string) => http.get<JoinLink>(`/api/villages/${encodeURIComponent(village)}/join-link`),
  regenerate: (village: string) => http.post<JoinLink>(`/api/villages/${encodeURIComponent(village)}/join-link`),
  posterUrl: (village: string) => `/api/villages/${encodeURIComponent(village)}/join-poster.pdf`,
};

const villager = (id: string) => `/api/villagers/${encodeURIComponent(id)}`;

/** 改绑: a villager moved to another household of their village, or to a verified new phone (cadres). Errors are shown in the dialog, not toasted. */
export const rebindApi = {
  villager: (id: string) => http.get<VillagerView>(villager(id), undefined, { silent: true }),
  moveHousehold: (id: string, householdId: string) => http.post<VillagerView>(`${villager(id)}/household`, { householdId }, { silent: true }),
  phoneCode: (id: string, phone: string) => http.post<{ resendAfterSeconds: number; expiresInSeconds: number }>(`${villager(id)}/phone/code`, { phone }, { silent: true }),
  changePhone: (id: string, phone: string, code: string) => http.post<VillagerView>(`${villager(id)}/phone`, { phone, code }, { silent: true }),
};

/** The key this browser made for its registration: it reads the state and signs in once approved. */
const KEY = 'shuxiang.registrationKey';
export const registrationKey = {
  get: (): string | null => localStorage.getItem(KEY),
  make(): string {
    const bytes = crypto.getRandomValues(new Uint8Array(24));
    const key = btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    localStorage.setItem(KEY, key);
    return key;
  },
  clear: () => localStorage.removeItem(KEY),
};
