import { z } from 'zod';
import { pageOf, pageQuery } from '../../platform/http/pagination.js';
import { regionCode } from '../regions/regions.schema.js';
import { fileIds, villageFileView } from './village-files.schema.js';

export const mobilities = ['independent', 'assisted', 'bedridden'] as const;
export const visitFrequencies = ['weekly', 'monthly', 'quarterly'] as const;
export const planStatuses = ['done', 'due', 'overdue'] as const;
export const visitConditions = ['good', 'attention', 'urgent'] as const;
export const alertKinds = ['zero_water_use', 'no_contact', 'health', 'other'] as const;
export const mealKinds = ['lunch', 'dinner', 'both'] as const;
export const mealStates = ['requested', 'approved', 'rejected', 'cancelled'] as const;
export const elderlyStatuses = ['active', 'moved', 'deceased'] as const;

const phone = z.string().trim().regex(/^[0-9+\-() ]{5,20}$/, '电话号码格式有误 / not a phone number');
const date = z.iso.date();

const residentFields = {
  name: z.string().trim().min(1).max(50),
  gender: z.enum(['male', 'female']).nullable(),
  birthDate: date.describe('YYYY-MM-DD; the age is computed from it (60 or older to be registered)'),
  phone: phone.nullable(),
  address: z.string().trim().max(200).nullable(),
  regionCode: regionCode.describe('the grid (or village) the person lives in; grid workers see the residents of their grid'),
  householdId: z.uuid().nullable().describe('the household (户) of the village the person belongs to'),
  userId: z.uuid().nullable().describe('the person’s own account, if they have one'),
  livingAlone: z.boolean().describe('独居'),
  mobility: z.enum(mobilities).describe('independent 自理 · assisted 半失能 · bedridden 失能'),
  emergencyContactName: z.string().trim().max(50).nullable(),
  emergencyContactPhone: phone.nullable(),
  healthNotes: z.string().trim().max(2000).nullable().describe('carers only (grid workers, village cadres); never shown to anyone else'),
  status: z.enum(elderlyStatuses).describe('moved 迁出 / deceased 去世: kept in the register, out of plans and figures'),
};

export const createElderlyBody = z.strictObject({
  id: z.uuid().describe('client-generated; a retry returns the same record'),
  ...residentFields,
  gender: residentFields.gender.default(null),
  phone: residentFields.phone.default(null),
  address: residentFields.address.default(null),
  householdId: residentFields.householdId.default(null),
  userId: residentFields.userId.default(null),
  livingAlone: residentFields.livingAlone.default(false),
  mobility: residentFields.mobility.default('independent'),
  emergencyContactName: residentFields.emergencyContactName.default(null),
  emergencyContactPhone: residentFields.emergencyContactPhone.default(null),
  healthNotes: residentFields.healthNotes.default(null),
  status: residentFields.status.default('active'),
  plan: z
    .strictObject({ frequency: z.enum(visitFrequencies), carerId: z.uuid().nullable().default(null) })
    .nullable()
    .optional()
    .describe('default: monthly for those living alone, none for others'),
});

export const updateElderlyBody = z
  .strictObject(residentFields)
  .partial()
  .refine((b) => Object.keys(b).length > 0, { message: '至少修改一个字段 / change at least one field' });

export const setPlanBody = z.strictObject({
  frequency: z.enum(visitFrequencies),
  startsOn: date.optional().describe('default: today (China time)'),
  carerId: z.uuid().nullable().default(null).describe('the grid worker who visits; null: any grid worker of the resident’s grid'),
  active: z.boolean().default(true),
  note: z.string().trim().max(200).nullable().default(null),
});

export const elderlyParams = z.strictObject({ id: z.uuid() });
export const visitParams = z.strictObject({ id: z.uuid(), visitId: z.uuid() });

export const listElderlyQuery = z.strictObject({
  village: regionCode.optional().describe('a village or grid'),
  q: z.string().trim().min(1).max(50).optional().describe('part of the name or address'),
  livingAlone: z.enum(['true', 'false']).optional(),
  mobility: z.enum(mobilities).optional(),
  planStatus: z.enum(planStatuses).optional().describe('residents whose visit plan is done, due or overdue this period'),
  status: z.enum(elderlyStatuses).default('active'),
  ...pageQuery,
});

export const recordVisitBody = z.strictObject({
  id: z.uuid().describe('client-generated; a retry returns the same visit'),
  visitId: z.uuid().optional().describe('the open visit task (from an alert) this visit completes'),
  visitedAt: z.iso.datetime({ offset: true }).optional().describe('default: now; not in the future, at most 7 days ago'),
  condition: z.enum(visitConditions).describe('good 良好 · attention 需关注 · urgent 需紧急处理'),
  notes: z.string().trim().max(2000).default('').describe('carers only'),
  fileIds: fileIds.default([]).describe('photos from POST /api/village-files'),
});

export const raiseAlertBody = z.strictObject({
  kind: z.enum(alertKinds).describe('zero_water_use 用水异常 · no_contact 联系不上 · health 身体不适 · other'),
  note: z.string().trim().min(1).max(500),
});

export const createMealRequestBody = z.strictObject({
  id: z.uuid(),
  meals: z.enum(mealKinds),
  startsOn: date,
  endsOn: date.nullable().default(null).describe('null: until cancelled'),
  note: z.string().trim().max(200).nullable().default(null).describe('e.g. 软食、少盐'),
});

export const decideMealBody = z.strictObject({ note: z.string().trim().min(1).max(200).optional() });
export const mealParams = z.strictObject({ id: z.uuid() });
export const deliverMealBody = z.strictObject({ date: date.optional().describe('default: today (China time)') });

export const listMealsQuery = z.strictObject({
  state: z.enum(mealStates).optional(),
  village: regionCode.optional(),
  ...pageQuery,
});

export const statsQuery = z.strictObject({ region: regionCode.optional().describe('default: the caller’s own region') });

const regionRef = z.object({ code: z.string(), name: z.string() });

export const planView = z.object({
  frequency: z.enum(visitFrequencies),
  startsOn: z.string(),
  active: z.boolean(),
  carer: z.object({ id: z.uuid(), name: z.string() }).nullable(),
  note: z.string().nullable(),
  status: z.enum(planStatuses).nullable().describe('null when the plan is paused'),
  dueBy: z.string().nullable().describe('end (exclusive) of the period the next visit is due in'),
  overdueSince: z.string().nullable(),
});

export const elderlySummary = z.object({
  id: z.uuid(),
  name: z.string(),
  gender: z.enum(['male', 'female']).nullable(),
  birthDate: z.string(),
  age: z.number().int(),
  region: regionRef.describe('the grid or village'),
  village: regionRef.nullable(),
  address: z.string().nullable(),
  phone: z.string().nullable(),
  household: z.object({ id: z.uuid(), name: z.string() }).nullable(),
  livingAlone: z.boolean(),
  mobility: z.enum(mobilities),
  status: z.enum(elderlyStatuses),
  plan: planView.nullable(),
  lastVisitAt: z.string().nullable(),
  openVisits: z.number().int().describe('visit tasks from alerts, not yet done'),
});

export const visitView = z.object({
  id: z.uuid(),
  reason: z.enum(['plan', 'alert', 'other']),
  state: z.enum(['open', 'done', 'cancelled']),
  dueAt: z.string().nullable(),
  visitedAt: z.string().nullable(),
  visitorName: z.string().nullable(),
  condition: z.enum(visitConditions).nullable(),
  notes: z.string().nullable().describe('carers only; null for others'),
  alert: z.object({ kind: z.enum(alertKinds), source: z.enum(['manual', 'water']), note: z.string(), raisedAt: z.string(), raisedByName: z.string().nullable() }).nullable(),
  files: z.array(villageFileView).describe('carers only'),
});

export const mealRequestView = z.object({
  id: z.uuid(),
  resident: z.object({ id: z.uuid(), name: z.string(), address: z.string().nullable() }),
  region: regionRef,
  meals: z.enum(mealKinds),
  startsOn: z.string(),
  endsOn: z.string().nullable(),
  note: z.string().nullable(),
  state: z.enum(mealStates),
  requestedByName: z.string(),
  decidedByName: z.string().nullable(),
  decisionNote: z.string().nullable(),
  deliveredToday: z.boolean(),
  createdAt: z.string(),
});

export const elderlyDetail = elderlySummary.extend({
  emergencyContact: z.object({ name: z.string().nullable(), phone: z.string().nullable() }),
  healthNotes: z.string().nullable().describe('carers only'),
  healthNotesVisible: z.boolean().describe('whether the caller is a carer (and so sees health notes and visit notes)'),
  visits: z.array(visitView).describe('open tasks first, then the last 20 visits'),
  meals: z.array(mealRequestView),
  canEdit: z.boolean(),
});

export const elderlyPage = pageOf(elderlySummary);

const taskResident = z.object({
  id: z.uuid(),
  name: z.string(),
  age: z.number().int(),
  address: z.string().nullable(),
  phone: z.string().nullable(),
  region: regionRef,
  livingAlone: z.boolean(),
  mobility: z.enum(mobilities),
});

export const careTasks = z.object({
  visits: z
    .array(
      z.object({
        resident: taskResident,
        kind: z.enum(['plan', 'alert']).describe('plan: due by the plan; alert: an open visit task'),
        visitId: z.uuid().nullable().describe('alert: the open visit to complete'),
        status: z.enum(['due', 'overdue']),
        dueBy: z.string(),
        frequency: z.enum(visitFrequencies).nullable(),
        lastVisitAt: z.string().nullable(),
        alert: z.object({ kind: z.enum(alertKinds), note: z.string() }).nullable(),
        mine: z.boolean().describe('the plan names the caller as carer'),
      }),
    )
    .describe('overdue first, then by deadline'),
  meals: z.array(mealRequestView).describe('deliveries to make today'),
  doneThisMonth: z.number().int().describe('visits the caller made this month (China time)'),
});

export const elderlyStats = z.object({
  region: z.object({ code: z.string(), name: z.string(), level: z.string() }),
  month: z.string().describe('YYYY-MM, China time'),
  registered: z.number().int().describe('elderly residents in the register (status active)'),
  livingAlone: z.number().int(),
  aged70Plus: z.number().int(),
  aged80Plus: z.number().int(),
  byMobility: z.object({ independent: z.number().int(), assisted: z.number().int(), bedridden: z.number().int() }),
  withPlan: z.number().int().describe('residents with an active visit plan'),
  visitsThisMonth: z.number().int().describe('visits done this month'),
  overdueVisits: z.number().int().describe('plans overdue now + visit tasks from alerts past their deadline'),
  openAlerts: z.number().int().describe('visit tasks from alerts not yet done'),
  mealDeliveriesToday: z.number().int().describe('approved meal requests that run today'),
});

export const myElderly = z.object({
  items: z.array(
    z.object({
      id: z.uuid(),
      name: z.string(),
      age: z.number().int(),
      lastVisitAt: z.string().nullable(),
      meals: z.array(mealRequestView),
    }),
  ),
});

export const mealPage = pageOf(mealRequestView);

export type CreateElderlyBody = z.infer<typeof createElderlyBody>;
export type UpdateElderlyBody = z.infer<typeof updateElderlyBody>;
export type SetPlanBody = z.infer<typeof setPlanBody>;
export type ListElderlyQuery = z.infer<typeof listElderlyQuery>;
export type RecordVisitBody = z.infer<typeof recordVisitBody>;
export type RaiseAlertBody = z.infer<typeof raiseAlertBody>;
export type CreateMealRequestBody = z.infer<typeof createMealRequestBody>;
export type ElderlySummary = z.infer<typeof elderlySummary>;
export type ElderlyDetail = z.infer<typeof elderlyDetail>;
export type VisitView = z.infer<typeof visitView>;
export type MealRequestView = z.infer<typeof mealRequestView>;
export type CareTasks = z.infer<typeof careTasks>;
export type ElderlyStats = z.infer<typeof elderlyStats>;
