import { computed, ref } from 'vue';
import { householdsApi, type HouseholdSummary } from '@/api/households';
import { regionsApi } from '@/api/regions';
import { rebindApi, type VillagerView } from '@/api/registration';
import { useCountdown } from './countdown';
import { ApiError, errorText } from './http';
import { t } from './i18n';

/**
 * 改绑, shared by the console dialog and the phone page: a villager's current binding, the households of
 * their village to move them to, and the new phone's code (sent to the new phone, read out by the
 * villager, typed by the cadre). Each step leaves its error, in the UI language, in `error`; the views
 * ask for confirmation before `move` and `changePhone`.
 */
export function useRebind() {
  const person = ref<VillagerView | null>(null);
  const villageCode = ref('');
  const households = ref<HouseholdSummary[]>([]);
  const householdId = ref('');
  const phone = ref('');
  const code = ref('');
  const codeSentTo = ref('');
  const error = ref('');
  const busy = ref<'load' | 'households' | 'move' | 'code' | 'phone' | null>(null);
  const { seconds: resendIn, start: startCountdown } = useCountdown();
  const target = computed(() => households.value.find((h) => h.id === householdId.value) ?? null);

  function fail(cause: unknown): void {
    // The catalogue's message for a taken phone speaks to a registering villager; the cadre needs this one.
    error.value = cause instanceof ApiError && cause.code === 'PHONE_ALREADY_REGISTERED' ? t('rebind.phoneTaken') : errorText(cause);
    if (cause instanceof ApiError && cause.body.retryAfterSeconds) startCountdown(cause.body.retryAfterSeconds);
  }

  async function open(id: string): Promise<void> {
    person.value = null;
    households.value = [];
    householdId.value = '';
    phone.value = '';
    code.value = '';
    codeSentTo.value = '';
    error.value = '';
    startCountdown(0);
    busy.value = 'load';
    try {
      person.value = await rebindApi.villager(id);
      // A villager's region is their village or one of its grids; households belong to the village.
      const region = await regionsApi.get(person.value.regionCode, true);
      villageCode.value = region.level === 'village' ? region.code : (region.parentCode ?? region.code);
    } catch (cause) {
      fail(cause);
      return;
    } finally {
      busy.value = null;
    }
    await searchHouseholds('');
  }

  /** The village's households (by name or address), less the one the villager is in. */
  async function searchHouseholds(query: string): Promise<void> {
    if (!person.value || !villageCode.value) return;
    busy.value = 'households';
    try {
      const page = await householdsApi.list({ village: villageCode.value, q: query.trim() || undefined, pageSize: 50 }, true);
      households.value = page.items.filter((h) => h.id !== person.value?.household?.id);
    } catch (cause) {
      fail(cause);
    } finally {
      busy.value = null;
    }
  }

  async function move(): Promise<boolean> {
    if (!person.value || !householdId.value) return false;
    error.value = '';
    busy.value = 'move';
    try {
      person.value = await rebindApi.moveHousehold(person.value.id, householdId.value);
      householdId.value = '';
      await searchHouseholds('');
      return true;
    } catch (cause) {
      fail(cause);
      return false;
    } finally {
      if (busy.value === 'move') busy.value = null;
    }
  }

  /** Checks the new phone before anything is sent: 11 digits, not the current one. */
  function phoneProblem(): string {
    const value = phone.value.trim();
    if (!/^1\d{10}$/.test(value)) return t('reg.phoneInvalid');
    if (value === person.value?.phone) return t('rebind.samePhone');
    return '';
  }

  async function sendCode(): Promise<boolean> {
    if (!person.value || resendIn.value > 0) return false;
    error.value = phoneProblem();
    if (error.value) return false;
    busy.value = 'code';
    try {
      const sent = await rebindApi.phoneCode(person.value.id, phone.value.trim());
      codeSentTo.value = phone.value.trim();
      startCountdown(sent.resendAfterSeconds);
      return true;
    } catch (cause) {
      fail(cause);
      return false;
    } finally {
      busy.value = null;
    }
  }

  async function changePhone(): Promise<boolean> {
    if (!person.value) return false;
    error.value = phoneProblem() || (/^\d{6}$/.test(code.value.trim()) ? '' : t('rebind.codeInvalid'));
    if (error.value) return false;
    busy.value = 'phone';
    try {
      person.value = await rebindApi.changePhone(person.value.id, phone.value.trim(), code.value.trim());
      phone.value = '';
      code.value = '';
      codeSentTo.value = '';
      startCountdown(0);
      return true;
    } catch (cause) {
      fail(cause);
      return false;
    } finally {
      busy.value = null;
    }
  }

  /** Only a code sent to the phone now in the field can be confirmed. */
  const canChange = computed(() => !!codeSentTo.value && codeSentTo.value === phone.value.trim() && /^\d{6}$/.test(code.value.trim()));

  return { person, households, householdId, target, phone, code, codeSentTo, error, busy, resendIn, canChange, open, searchHouseholds, move, sendCode, changePhone };
}
