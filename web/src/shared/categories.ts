import { ref } from 'vue';
import { casesApi, type Category } from '@/api/cases';
import { pick } from './i18n';
import { withOfflineCopy } from './offline-cache';

/** Case categories, loaded once per page load (the console reloads after editing them). */
export const categories = ref<Category[]>([]);
let loading: Promise<Category[]> | null = null;

export function loadCategories(force = false): Promise<Category[]> {
  if (force) loading = null;
  loading ??= withOfflineCopy('categories', () => casesApi.categories({}, true))
    .then((items) => {
      categories.value = items;
      return items;
    })
    .catch((error: unknown) => {
      loading = null;
      throw error;
    });
  return loading;
}

export function categoryName(code: string, fallback?: string): string {
  const c = categories.value.find((x) => x.code === code);
  return c ? pick(c.name, c.nameEn) : fallback ?? code;
}
