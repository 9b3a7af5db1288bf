import { computed, ref } from 'vue';
import { allDevices, type Device } from '@/api/devices';
import { regionsApi, type RegionSummary } from '@/api/regions';
import { me } from './session';
import { readableVillages } from './villages';

/**
 * What a sender may broadcast to, for the compose pages: the townships (their own, or for a county
 * administrator every township), the villages and the speakers in their region, and the names of
 * all of them for reading targets back (全乡（黑堡乡）, 西阳邱村, 西阳邱村委会音柱).
 */
export function useBroadcastTargets() {
  const villages = ref<RegionSummary[]>([]);
  const townships = ref<{ code: string; name: string }[]>([]);
  const speakers = ref<Device[]>([]);
  const loaded = ref(false);

  async function load(): Promise<void> {
    const scope = me.value?.scope;
    const [v, s, towns] = await Promise.all([
      readableVillages().catch(() => [] as RegionSummary[]),
      allDevices({ kind: 'speaker' }).catch(() => ({ items: [] as Device[], total: 0 })),
      scope?.level === 'township'
        ? Promise.resolve([{ code: scope.code, name: scope.name }])
        : scope?.level === 'county'
          ? regionsApi
              .list({ level: 'township', pageSize: 200 }, true)
              .then((r) => r.items.map((x) => ({ code: x.code, name: x.name })))
              .catch(() => [])
          : Promise.resolve([]),
    ]);
    villages.value = v;
    speakers.value = s.items;
    townships.value = towns;
    loaded.value = true;
  }

  const names = computed(() => {
    const map = new Map<string, string>();
    for (const x of townships.value) map.set(x.code, x.name);
    for (const x of villages.value) map.set(x.code, x.name);
    for (const x of speakers.value) map.set(x.id, x.name);
    if (me.value) map.set(me.value.scope.code, me.value.scope.name);
    return map;
  });
  const nameOf = (code: string) => names.value.get(code);

  /** The enabled speakers a target reaches, as far as this page knows them (region codes nest: a village's starts with its township's). */
  function speakersFor(type: 'speakers' | 'villages' | 'township', codes: string[]): Device[] {
    const enabled = speakers.value.filter((d) => d.enabled);
    if (type === 'speakers') return enabled.filter((d) => codes.includes(d.id));
    return enabled.filter((d) => codes.some((code) => d.regionCode.startsWith(code)));
  }

  return { villages, townships, speakers, loaded, load, nameOf, speakersFor };
}
