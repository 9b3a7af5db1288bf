import { actorOf } from '../../platform/http/auth.js';
import type { App } from '../../platform/http/app.js';
import { workQueuePage, workQueueQuery } from './work-queue.schema.js';
import type { WorkQueueService } from './work-queue.service.js';

export function workQueueRoutes(app: App, workQueue: WorkQueueService): void {
  app.get(
    '/api/work-queue',
    {
      schema: {
        tags: ['work-queue 待办'],
        summary: '我的待办 · Everything waiting for me, from every module: most urgent first, counts per kind',
        querystring: workQueueQuery,
        response: { 200: workQueuePage },
      },
    },
    async (request) => workQueue.list(actorOf(request), request.query),
  );
}
