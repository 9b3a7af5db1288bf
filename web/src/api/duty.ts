import type { z } from 'zod';
import type { dutyDay, rosterResponse, setDayBody } from '@server/modules/duty/duty.schema';
import { http } from '@/shared/http';

/** 值班表: types are the server's zod schemas (src/modules/duty/duty.schema.ts). */
export type DutyRoster = z.infer<typeof rosterResponse>;
export type DutyDay = z.infer<typeof dutyDay>;
export type DutyPerson = DutyDay['staff'][number];
export type SetDutyDayBody = z.input<typeof setDayBody>;

export const dutyApi = {
  /** Every day from `from` to `to` (at most 62), with who is on duty; `candidates` only for those who may edit. */
  roster: (query: { from: string; to: string; townshipCode?: string }) => http.get<DutyRoster>('/api/duty', { ...query }),
  /** Replaces the day's people; an empty list clears it. */
  setDay: (date: string, body: SetDutyDayBody) => http.put<DutyDay>(`/api/duty/${encodeURIComponent(date)}`, body),
};
