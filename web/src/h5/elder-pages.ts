import { computed, type Ref, ref } from 'vue';
import { elderMode } from './elder-mode';

/**
 * 长辈模式 keeps to one task per screen: at most four large choices at once. A longer list shows three
 * and a 更多 choice that turns to the next three (and back to the first after the last).
 */
export const ELDER_MAX_CHOICES = 4;

export function useElderPages<T>(items: Ref<readonly T[]>) {
  const page = ref(0);
  const paged = computed(() => elderMode.value && items.value.length > ELDER_MAX_CHOICES);
  const size = ELDER_MAX_CHOICES - 1;
  const pages = computed(() => Math.ceil(items.value.length / size));
  const shown = computed(() => (paged.value ? items.value.slice((page.value % pages.value) * size, (page.value % pages.value) * size + size) : items.value));
  const next = () => (page.value = (page.value + 1) % pages.value);
  return { shown, paged, next };
}
