import { computed, ref } from 'vue';
import { authApi, type Me } from '@/api/auth';
import { ApiError, sessionHint } from './http';
import { pick } from './i18n';
import { roleLabel } from './labels';

/** Who is signed in, shared by the pages of one app. `me` is null until loaded or when signed out. */
export const me = ref<Me | null>(null);

export const signedIn = computed(() => me.value !== null);
export const role = computed(() => me.value?.user.role ?? null);

export function hasPermission(permission: string): boolean {
  return me.value?.permissions.includes(permission) ?? false;
}

/** A sign-in answered with a session (its cookie is set): remember that this browser is signed in. */
export function markSignedIn(): void {
  sessionHint.set();
  localStorage.removeItem(ME_KEY);
  me.value = null;
}

/** Password sign-in: a session, or for staff with the second factor on, a challenge for the SMS code. */
export async function login(phone: string, password: string) {
  // The answer also sets the session cookie; the token in its body is for API clients and stays unused here.
  const result = await authApi.login(phone, password);
  if ('token' in result) markSignedIn();
  return result;
}

export async function loginBySms(phone: string, code: string) {
  const result = await authApi.loginBySms(phone, code);
  markSignedIn();
  return result;
}

export async function loginSecondFactor(challenge: string, code: string) {
  const result = await authApi.secondFactor(challenge, code);
  markSignedIn();
  return result;
}

const ME_KEY = 'shuxiang.me';

function cachedMe(): Me | null {
  try {
    return JSON.parse(localStorage.getItem(ME_KEY) ?? 'null') as Me | null;
  } catch {
    return null;
  }
}

/**
 * Loads `me` when this browser signed in; false when it did not or the session ended. Offline,
 * the last answer (kept in localStorage) stands in, so a villager can still write a report.
 */
export async function loadMe(): Promise<boolean> {
  if (!sessionHint.get()) return false;
  if (me.value) return true;
  try {
    me.value = await authApi.me(true);
    try {
      localStorage.setItem(ME_KEY, JSON.stringify(me.value));
    } catch {
      // storage full: only offline start-up suffers
    }
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.isNetwork) {
      me.value = cachedMe();
      return me.value !== null;
    }
    return false;
  }
}

export async function logout(): Promise<void> {
  // The server revokes the session and clears the cookie.
  if (sessionHint.get()) await authApi.logout().catch(() => undefined);
  forgetSession();
}

/** Forgets a session the server has already ended (退出所有设备), without asking it to end it again. */
export function forgetSession(): void {
  sessionHint.clear();
  localStorage.removeItem(ME_KEY);
  me.value = null;
}

export const whoLabel = computed(() => {
  if (!me.value) return '';
  return `${me.value.user.name} · ${roleLabel(me.value.user.role)} · ${pick(me.value.scope.name, me.value.scope.name)}`;
});
