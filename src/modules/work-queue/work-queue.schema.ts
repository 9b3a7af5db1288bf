import { z } from 'zod';
import { pageQuery } from '../../platform/http/pagination.js';

/** What kind of work an item is; each opens its own module's page. */
export const workItemKinds = [
  'alarm',
  'case_accept',
  'case_handle',
  'case_evaluate',
  'care_visit',
  'service_request',
  'points_claim',
  'party_leave',
  'water_alert',
  'meeting_signin',
] as const;
export type WorkItemKind = (typeof workItemKinds)[number];

/** critical: act now (alarms); high: past its deadline or serious; normal: the rest. */
export const urgencies = ['critical', 'high', 'normal'] as const;
export type Urgency = (typeof urgencies)[number];

export const workQueueQuery = z.strictObject({
  ...pageQuery,
  kind: z
    .string()
    .transform((s) => s.split(','))
    .pipe(z.array(z.enum(workItemKinds)))
    .optional()
    .describe('only these kinds, comma-separated; the counts are always for every kind'),
});
export type WorkQueueQuery = z.infer<typeof workQueueQuery>;

export const workItem = z.object({
  kind: z.enum(workItemKinds),
  id: z.string().describe("the item's own id (a leave request: the meeting id and the member id, joined by ':')"),
  title: z.string(),
  subtitle: z.string(),
  regionName: z.string(),
  urgency: z.enum(urgencies),
  dueAt: z.string().nullable().describe('the deadline, when the item has one'),
  createdAt: z.string(),
  url: z.object({
    h5: z.string().nullable().describe('the phone app route that opens it (under /h5/), null where only the console handles it'),
    console: z.string().nullable().describe('the console route that opens it (under /console/), null where only the phone handles it'),
  }),
});
export type WorkItem = z.infer<typeof workItem>;

export const workQueuePage = z.object({
  items: z.array(workItem).describe('most urgent first, then by deadline (none last), then oldest'),
  total: z.number().int().describe('items of the kinds asked for'),
  counts: z.record(z.enum(workItemKinds), z.number().int()).describe('open items per kind (every kind, whatever the filter)'),
  page: z.number().int(),
  pageSize: z.number().int(),
});
export type WorkQueuePage = z.infer<typeof workQueuePage>;
