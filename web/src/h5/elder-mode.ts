import { ref, watch } from 'vue';
import './elder.css';

/**
 * 长辈模式 (适老化): larger text and touch targets, high contrast, simple one-task screens. A switch
 * kept on the phone (localStorage `shuxiang.elder`), applied as the class `elder` on <html> so every
 * page (and Vant's own components, through their CSS variables) follows it.
 */
const KEY = 'shuxiang.elder';

function stored(): boolean {
  try {
    return localStorage.getItem(KEY) === '1';
  } catch {
    return false;
  }
}

export const elderMode = ref(stored());

export function setElderMode(on: boolean): void {
  elderMode.value = on;
  try {
    if (on) localStorage.setItem(KEY, '1');
    else localStorage.removeItem(KEY);
  } catch {
    // private mode: the choice lasts for this page only
  }
}

watch(elderMode, (on) => document.documentElement.classList.toggle('elder', on), { immediate: true });
