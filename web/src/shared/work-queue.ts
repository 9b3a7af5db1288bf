import { computed, ref } from 'vue';
import { workQueueApi, type WorkQueuePage } from '@/api/work-queue';
import { subscribeLive } from './live';

/**
 * 待办 on the phone: one copy of the queue's first page for the tab's badge and the 待办 page. It
 * refetches when the live stream says something in the caller's region changed that the queue
 * lists (a case reported or moved, an alarm raised or handled, a water alert), so an item done by
 * anyone leaves at once. Modules without live events (service requests, claims, leave, visits) are
 * refetched when the app comes back to the foreground, when 待办 is opened, and on pull-to-refresh.
 */
const REFRESH_ON = new Set(['case.created', 'case.updated', 'alarm.raised', 'alarm.updated', 'water.alert']);
const DEBOUNCE_MS = 150;

export const queue = ref<WorkQueuePage | null>(null);
export const queueTotal = computed(() => queue.value?.total ?? 0);

let inFlight: Promise<void> | null = null;
let again = false;

/** Loads the queue; a call while one is loading runs once more after it, so no change is missed. */
export function refreshQueue(): Promise<void> {
  if (inFlight) {
    again = true;
    return inFlight;
  }
  inFlight = (async () => {
    try {
      do {
        again = false;
        queue.value = await workQueueApi.list({ pageSize: 200 });
      } while (again);
    } catch {
      // offline or signed out: the last copy stays
    } finally {
      inFlight = null;
    }
  })();
  return inFlight;
}

let stop: (() => void) | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;

// Back from another app or a locked screen: what changed meanwhile without a live event is fetched.
function onVisible() {
  if (document.visibilityState === 'visible') void refreshQueue();
}

/** Follows the live stream while the tabs are shown; returns the function that stops it. */
export function followQueue(): () => void {
  void refreshQueue();
  if (!stop) {
    document.addEventListener('visibilitychange', onVisible);
    const unsubscribe = subscribeLive({
      any: (event) => {
        if (!REFRESH_ON.has(event)) return;
        clearTimeout(timer);
        timer = setTimeout(() => void refreshQueue(), DEBOUNCE_MS);
      },
      // Reconnected after a gap: whatever happened meanwhile is fetched.
      state: (state) => {
        if (state === 'open') void refreshQueue();
      },
    });
    stop = () => {
      document.removeEventListener('visibilitychange', onVisible);
      unsubscribe();
    };
  }
  return () => {
    clearTimeout(timer);
    stop?.();
    stop = null;
  };
}
