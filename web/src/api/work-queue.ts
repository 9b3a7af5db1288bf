import type { z } from 'zod';
import type { workItem, workQueuePage, WorkItemKind } from '@server/modules/work-queue/work-queue.schema';
import { http } from '@/shared/http';

/** 待办: everything waiting for me (src/modules/work-queue/work-queue.schema.ts). */
export type WorkItem = z.infer<typeof workItem>;
export type WorkQueuePage = z.infer<typeof workQueuePage>;
export type { WorkItemKind };

export const workQueueApi = {
  list: (query: { kind?: WorkItemKind; page?: number; pageSize?: number } = {}) => http.get<WorkQueuePage>('/api/work-queue', query, { silent: true }),
};
