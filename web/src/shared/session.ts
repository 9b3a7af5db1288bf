import { computed, ref } from 'vue';
import { authApi, type Me } from '@/api/auth';
import { tokenStore } from './http';
import { pick } from './i18n';
import { roleLabel } from './labels';

/** Who is signed in, shared by the pages of one app. `me` is null until loaded or when signed out. */
export const me = ref<Me | null>(null);

export const signedIn = computed(() => me.value !== null);
export const role = computed(() => me.value?.user.role ?? null);

export function hasPermission(permission: string): boolean {
  return me.value?.permissions.includes(permission) ?? false;
}

export async function login(phone: string, password: string) {
  const result = await authApi.login(phone, password);
  tokenStore.set(result.token);
  me.value = null;
  return result;
}

/** Loads `me` when a token is stored; false when there is none or it is no longer valid. */
export async function loadMe(): Promise<boolean> {
  if (!tokenStore.get()) return false;
  if (me.value) return true;
  try {
    me.value = await authApi.me();
    return true;
  } catch {
    return false;
  }
}

export async function logout(): Promise<void> {
  if (tokenStore.get()) await authApi.logout().catch(() => undefined);
  tokenStore.clear();
  me.value = null;
}

export const whoLabel = computed(() => {
  if (!me.value) return '';
  return `${me.value.user.name} · ${roleLabel(me.value.user.role)} · ${pick(me.value.scope.name, me.value.scope.name)}`;
});
