import { computed, ref } from 'vue';
import { type Organisation, partyApi } from '@/api/party';

/** The organisations the caller manages (parents before children), for the party pages' selects. */
export function useOrganisations() {
  const organisations = ref<Organisation[]>([]);
  const loaded = ref(false);
  async function load() {
    try {
      organisations.value = (await partyApi.organisations()).items;
    } catch {
      organisations.value = [];
    } finally {
      loaded.value = true;
    }
  }
  const branches = computed(() => organisations.value.filter((o) => o.kind === 'branch'));
  /** Committees, general branches and branches: what completion, study and dues are reported for. */
  const reporting = computed(() => organisations.value.filter((o) => o.kind !== 'group'));
  const groupsOf = (branchId: string) => organisations.value.filter((o) => o.kind === 'group' && o.parentId === branchId);
  const nameOf = (id: string) => organisations.value.find((o) => o.id === id)?.name ?? '';
  /** An indented label: the tree's depth as leading spaces. */
  function indented(o: Organisation): string {
    let depth = 0;
    let parent = organisations.value.find((x) => x.id === o.parentId);
    while (parent) {
      depth++;
      parent = organisations.value.find((x) => x.id === parent!.parentId);
    }
    return `${'\u3000'.repeat(depth)}${o.name}`;
  }
  return { organisations, loaded, load, branches, reporting, groupsOf, nameOf, indented };
}
