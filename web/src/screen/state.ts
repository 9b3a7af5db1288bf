import { ref } from 'vue';
import { sessionHint } from '@/shared/http';

/**
 * What the screen shows as a whole: the sign-in form (not signed in, or the session ended), the board,
 * or the note that the account must first change its password in the console. And one toast.
 */
export type ScreenView = 'login' | 'board' | 'password';

export const view = ref<ScreenView>(sessionHint.get() ? 'board' : 'login');

export const toast = ref<{ text: string; at: number } | null>(null);
let toastTimer: ReturnType<typeof setTimeout> | undefined;

export function showToast(text: string): void {
  toast.value = { text, at: Date.now() };
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (toast.value = null), 5000);
}
