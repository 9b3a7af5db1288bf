import { computed, ref } from 'vue';
import { type MemberDetail, partyApi } from '@/api/party';
import { lang, t, type MessageKey } from './i18n';
import { me } from './session';

/**
 * How party building reads in both apps: the words for the module's enums (the API sends codes),
 * money in yuan from cents, rates as percentages, months in China time, where a meeting's sign-in
 * window stands — and whether the signed-in person is a party member (the phone's 党建 tab).
 */
const label = (prefix: string, value: string | null | undefined) => (value ? (t(`${prefix}.${value}` as MessageKey) ?? value) : '—');

export const memberStatusLabel = (status: string) => label('partyStatus', status);
export const orgKindLabel = (kind: string) => label('partyOrgKind', kind);
export const postLabel = (post: string, title?: string | null) => title || label('partyPost', post);
export const modeLabel = (mode: string) => label('partyMode', mode);
export const meetingStatusLabel = (status: string) => label('partyMeetingStatus', status);
export const attendanceLabel = (status: string) => label('partyAttendance', status);
export const methodLabel = (method: string | null) => (method ? label('partyMethod', method) : '—');
export const frequencyLabel = (frequency: string) => label('partyFrequency', frequency);
export const completionLabel = (status: string) => label('partyCompletion', status);

/** Element Plus tag types for a member's status, a meeting, an attendance, a completion item. */
export const memberStatusType = (status: string) => (status === 'full' ? 'danger' : status === 'probationary' ? 'warning' : 'info');
export const meetingStatusType = (status: string) => (status === 'held' ? 'success' : status === 'planned' ? 'primary' : 'info');
export const attendanceType = (status: string) =>
  status === 'present' ? 'success' : status === 'late' ? 'warning' : status === 'leave' ? 'info' : status === 'absent' ? 'danger' : 'primary';
export const completionType = (status: string) => (status === 'done' ? 'success' : status === 'due' ? 'warning' : status === 'missed' ? 'danger' : 'info');

/** "12.50" yuan from cents; "¥12.50" with the sign. */
export const yuan = (cents: number | null | undefined) => (cents === null || cents === undefined ? '—' : (cents / 100).toFixed(2));
export const money = (cents: number | null | undefined) => (cents === null || cents === undefined ? '—' : `¥${yuan(cents)}`);
/** Cents from a yuan amount typed by a person (two decimals at most). */
export const toCents = (amount: number) => Math.round(amount * 100);

export const percent = (rate: number | null | undefined) => (rate === null || rate === undefined ? '—' : `${Math.round(rate * 100)}%`);
export const ratePercent = (bp: number | null | undefined) => (bp === null || bp === undefined ? '—' : `${bp / 100}%`);

/** 'YYYY-MM' of now (or an instant) in China time. */
export const chinaMonth = (at: Date = new Date()) => new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 7);
export const chinaDay = (at: Date = new Date()) => new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

/** "11月10日 09:00–11:00" (or "Nov 10, 09:00–11:00") in China time. */
export function meetingTime(startsAt: string, endsAt: string): string {
  const zone = 'Asia/Shanghai';
  const locale = lang.value === 'en' ? 'en-GB' : 'zh-CN';
  const day = new Intl.DateTimeFormat(locale, { timeZone: zone, month: lang.value === 'en' ? 'short' : 'long', day: 'numeric', weekday: 'short' }).format(new Date(startsAt));
  const time = (iso: string) => new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(iso));
  return `${day} ${time(startsAt)}–${time(endsAt)}`;
}

/** Where a meeting's sign-in stands now. */
export function signInWindow(meeting: { signInOpensAt: string; signInClosesAt: string; status: string }, now = Date.now()): 'not_open' | 'open' | 'closed' {
  if (meeting.status === 'cancelled' || now > new Date(meeting.signInClosesAt).getTime()) return 'closed';
  return now < new Date(meeting.signInOpensAt).getTime() ? 'not_open' : 'open';
}

/** The signed-in person's member record: undefined until asked, null when they are not a member. */
const cache = ref<{ userId: string; member: MemberDetail | null } | null>(null);
export const partyMember = computed(() => (cache.value && cache.value.userId === me.value?.user.id ? cache.value.member : undefined));

export async function loadPartyMember(force = false): Promise<MemberDetail | null> {
  const userId = me.value?.user.id;
  if (!userId) return null;
  if (!force && cache.value?.userId === userId) return cache.value.member;
  try {
    cache.value = { userId, member: (await partyApi.me(true)).member };
  } catch {
    // offline or signed out: ask again next time
  }
  return partyMember.value ?? null;
}
