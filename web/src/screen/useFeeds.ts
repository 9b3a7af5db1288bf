import { computed, onBeforeUnmount, reactive, type Ref, shallowRef } from 'vue';
import type { Alarm } from '@/api/safe-village';
import type { CasePage } from '@/api/cases';
import type { DashboardAlarm, DashboardSummary } from '@/api/dashboard';
import { http } from '@/shared/http';
import { mergeFeed } from './format';

/** A case as the feed shows it: the live event `case.created` carries these fields. */
export interface FeedCase {
  id: string;
  number: string;
  categoryName: string;
  regionName: string;
  regionCode?: string | null;
  description: string;
  createdAt: string;
}

const MAX_ALARMS = 20;
const MAX_CASES = 12;
/** How long a new item glows. */
const FRESH_MS = 10_000;

/** The live event's alarm as the board's feed shows it. */
export function toFeedAlarm(alarm: Alarm): DashboardAlarm {
  return {
    id: alarm.id,
    cameraName: alarm.cameraName,
    zoneName: alarm.zoneName,
    kind: alarm.kind,
    regionName: alarm.regionName,
    raisedAt: alarm.raisedAt,
    snapshotUrl: alarm.snapshotUrl,
  };
}

/**
 * The two live feeds (告警 and 事件) of the region on the board: what the server last said (the
 * summary's recent alarms; the newest cases from /api/cases) with what arrived live since put on
 * top, and which items are new (`fresh`, for the highlight).
 */
export function useFeeds(summary: Ref<DashboardSummary | null>) {
  const liveAlarms = shallowRef<DashboardAlarm[]>([]);
  const liveCases = shallowRef<FeedCase[]>([]);
  const fetchedCases = shallowRef<FeedCase[]>([]);
  const fresh = reactive(new Set<string>());
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let casesSeq = 0;

  function markFresh(id: string) {
    fresh.add(id);
    const timer = setTimeout(() => {
      fresh.delete(id);
      timers.delete(timer);
    }, FRESH_MS);
    timers.add(timer);
  }

  const alarms = computed(() => mergeFeed(liveAlarms.value, summary.value?.safeVillage.recentAlarms ?? [], (a) => a.id, (a) => a.raisedAt, MAX_ALARMS));
  const cases = computed(() => mergeFeed(liveCases.value, fetchedCases.value, (c) => c.id, (c) => c.createdAt, MAX_CASES));

  function addAlarm(alarm: DashboardAlarm) {
    liveAlarms.value = [alarm, ...liveAlarms.value.filter((a) => a.id !== alarm.id)].slice(0, MAX_ALARMS);
    markFresh(alarm.id);
  }

  function addCase(item: FeedCase) {
    liveCases.value = [item, ...liveCases.value.filter((c) => c.id !== item.id)].slice(0, MAX_CASES);
    markFresh(item.id);
  }

  /** The newest cases of a region (village or grid code; none: the caller's own), read quietly. */
  async function loadCases(filter: { village?: string; grid?: string }) {
    const mine = ++casesSeq;
    try {
      const page = await http.get<CasePage>('/api/cases', { ...filter, sort: 'newest', pageSize: MAX_CASES }, { silent: true });
      if (mine !== casesSeq) return;
      fetchedCases.value = page.items.map((c) => ({
        id: c.id,
        number: c.number,
        categoryName: c.category.name,
        regionName: c.gridName ?? c.villageName ?? '',
        regionCode: c.gridCode ?? c.villageCode,
        description: c.description,
        createdAt: c.createdAt,
      }));
    } catch {
      // a role that may see the board but not the case list: the feed shows what arrives live
    }
  }

  /** A new region on the board: its own feeds. */
  function reset() {
    liveAlarms.value = [];
    liveCases.value = [];
    fetchedCases.value = [];
    fresh.clear();
  }

  onBeforeUnmount(() => timers.forEach((timer) => clearTimeout(timer)));

  return { alarms, cases, fresh, addAlarm, addCase, loadCases, reset };
}
