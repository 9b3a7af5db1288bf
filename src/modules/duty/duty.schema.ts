import { z } from 'zod';

const isoDate = z.iso.date().describe('local date in Asia/Shanghai, YYYY-MM-DD');
const townshipCode = z.string().regex(/^\d{9}$/).describe('the township; default the caller’s own');

export const dutyPerson = z.object({ userId: z.string(), name: z.string(), phone: z.string() });

export const rosterQuery = z.strictObject({ from: isoDate, to: isoDate, townshipCode: townshipCode.optional() });
export type RosterQuery = z.infer<typeof rosterQuery>;

export const dayParams = z.strictObject({ date: isoDate });
export const setDayBody = z.strictObject({
  townshipCode: townshipCode.optional(),
  userIds: z.array(z.uuid()).max(20).describe('everyone on duty that day; empty clears the day'),
});
export type SetDayBody = z.infer<typeof setDayBody>;

export const dutyDay = z.object({ date: z.string(), staff: z.array(dutyPerson) });
export const rosterResponse = z.object({
  township: z.object({ code: z.string(), name: z.string() }),
  days: z.array(dutyDay),
  /** The township's staff who may be put on duty (only for those who may edit). */
  candidates: z.array(dutyPerson),
});
export type RosterResponse = z.infer<typeof rosterResponse>;
