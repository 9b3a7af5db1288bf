import { z } from 'zod';
import { pageOf, pageQuery } from '../../platform/http/pagination.js';
import { regionCode } from '../regions/regions.schema.js';

const text = (max: number) => z.string().trim().min(1).max(max);

export const householdParams = z.strictObject({ id: z.uuid() });
export const memberParams = z.strictObject({ id: z.uuid(), userId: z.uuid() });

export const listHouseholdsQuery = z.strictObject({
  village: regionCode.optional(),
  q: z.string().trim().min(1).max(50).optional().describe('part of the household name or address'),
  ...pageQuery,
});

export const createHouseholdBody = z.strictObject({
  villageCode: regionCode.optional().describe('default: the caller’s own village'),
  name: text(50).describe('e.g. 王建国户'),
  address: z.string().trim().max(200).optional(),
  headId: z.uuid().optional().describe('a person of the village; becomes a member and the head (户主)'),
});

export const updateHouseholdBody = z
  .strictObject({
    name: text(50).optional(),
    address: z.string().trim().max(200).nullable().optional(),
    headId: z.uuid().nullable().optional().describe('must already be a member; null: no head'),
  })
  .refine((body) => Object.keys(body).length > 0, { message: '至少修改一个字段 / change at least one field' });

export const addMemberBody = z.strictObject({ userId: z.uuid() });

export const householdMember = z.object({
  id: z.string(),
  name: z.string(),
  role: z.string(),
  roleLabel: z.string(),
  isHead: z.boolean(),
  joinedAt: z.string(),
});

export const householdSummary = z.object({
  id: z.string(),
  villageCode: z.string(),
  villageName: z.string(),
  name: z.string(),
  address: z.string().nullable(),
  head: z.object({ id: z.string(), name: z.string() }).nullable(),
  memberCount: z.number().int(),
  createdAt: z.string(),
});

export const householdDetail = householdSummary.extend({
  members: z.array(householdMember).describe('names and roles only; never phone numbers'),
});

export const householdPage = pageOf(householdSummary);

export type ListHouseholdsQuery = z.infer<typeof listHouseholdsQuery>;
export type CreateHouseholdBody = z.infer<typeof createHouseholdBody>;
export type UpdateHouseholdBody = z.infer<typeof updateHouseholdBody>;
export type HouseholdSummary = z.infer<typeof householdSummary>;
export type HouseholdDetail = z.infer<typeof householdDetail>;
