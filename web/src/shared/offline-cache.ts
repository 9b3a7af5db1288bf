import { ApiError } from './http';

/**
 * Reference data a report needs (categories, villages, boundaries) is kept from the last answer,
 * so a report can still be written with no network; it is sent later from the outbox.
 */
const PREFIX = 'shuxiang.cache.';

export async function withOfflineCopy<T>(key: string, load: () => Promise<T>): Promise<T> {
  try {
    const value = await load();
    try {
      localStorage.setItem(PREFIX + key, JSON.stringify(value));
    } catch {
      // storage full: only offline use suffers
    }
    return value;
  } catch (error) {
    if (error instanceof ApiError && error.isNetwork) {
      const saved = localStorage.getItem(PREFIX + key);
      if (saved !== null) return JSON.parse(saved) as T;
    }
    throw error;
  }
}
