import { onBeforeUnmount, type Ref, ref, shallowRef, watch } from 'vue';
import { dashboardApi, type DashboardMap, type DashboardSummary } from '@/api/dashboard';
import { ApiError } from '@/shared/http';
import { debounce } from './format';

export type SummaryStatus = 'loading' | 'ready' | 'forbidden' | 'error';

/** How often the figures are read again with no live event (a safety net: events drive updates). */
const POLL_MS = 60_000;
/** After a failed read, the next try. */
const RETRY_MS = 10_000;
/** A burst of live events makes one read. */
const DEBOUNCE_MS = 300;

/**
 * The board's data for one region (undefined: the caller's own): the summary and the map, read
 * again when the region changes, `refresh()` (debounced, for live events) and every minute. A
 * 403 means the account may not see the board: `status` says 'forbidden' and nothing is kept.
 * An answer for a region the screen has left is dropped.
 */
export function useSummary(region: Ref<string | undefined>) {
  const summary = shallowRef<DashboardSummary | null>(null);
  const map = shallowRef<DashboardMap | null>(null);
  const status = ref<SummaryStatus>('loading');
  let seq = 0;
  /** The region the map on hand is of (a read of the figures alone may overtake a region's first read). */
  let mapOf: { code: string | undefined } | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  /** The next read of the figures alone (the map does not change by itself). */
  function schedule(ms: number) {
    clearTimeout(timer);
    if (!stopped) timer = setTimeout(() => void load(false), ms);
  }

  async function load(withMap: boolean): Promise<void> {
    const mine = ++seq;
    const code = region.value;
    const wantMap = withMap || mapOf?.code !== code;
    try {
      const [next, nextMap] = await Promise.all([dashboardApi.summary(code), wantMap ? dashboardApi.map(code) : Promise.resolve(null)]);
      if (mine !== seq || stopped) return;
      summary.value = next;
      if (nextMap) {
        map.value = nextMap;
        mapOf = { code };
      }
      status.value = 'ready';
      schedule(POLL_MS);
    } catch (error) {
      if (mine !== seq || stopped) return;
      if (error instanceof ApiError && error.status === 403) {
        summary.value = null;
        map.value = null;
        status.value = 'forbidden';
        return;
      }
      if (error instanceof ApiError && error.status === 401) return; // the app shows the sign-in form
      if (!summary.value) status.value = 'error';
      clearTimeout(timer);
      if (!stopped) timer = setTimeout(() => void load(withMap), RETRY_MS);
    }
  }

  const refresh = debounce(() => void load(false), DEBOUNCE_MS);

  watch(
    region,
    () => {
      refresh.cancel();
      status.value = 'loading';
      void load(true);
    },
    { immediate: true },
  );

  onBeforeUnmount(() => {
    stopped = true;
    refresh.cancel();
    clearTimeout(timer);
  });

  return { summary, map, status, refresh, reload: () => load(true) };
}
