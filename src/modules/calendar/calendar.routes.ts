import { z } from 'zod';
import { actorOf, metaOf } from '../../platform/http/auth.js';
import type { App } from '../../platform/http/app.js';
import type { CalendarService } from './calendar.service.js';

const tags = ['calendar 工作日历'];
const dateParam = z.strictObject({
  date: z.iso.date().describe('local date in Asia/Shanghai, YYYY-MM-DD'),
});
const day = z.object({ date: z.string(), isWorkday: z.boolean(), name: z.string() });

export function calendarRoutes(app: App, calendar: CalendarService): void {
  app.get(
    '/api/calendar-overrides',
    {
      schema: {
        tags,
        summary: '节假日与调休 · Holidays and adjusted working days of a year',
        querystring: z.strictObject({ year: z.coerce.number().int().min(2000).max(2100) }),
        response: { 200: z.object({ items: z.array(day) }) },
      },
    },
    async (request) => {
      actorOf(request);
      return calendar.list(request.query.year);
    },
  );

  app.put(
    '/api/calendar-overrides/:date',
    {
      schema: {
        tags,
        summary: '设置节假日或调休 · Mark a date as holiday (isWorkday false) or working day (audited)',
        params: dateParam,
        body: z.strictObject({ isWorkday: z.boolean(), name: z.string().trim().min(1).max(50) }),
        response: { 200: day },
      },
    },
    async (request) => calendar.set(actorOf(request), request.params.date, request.body, metaOf(request)),
  );

  app.delete(
    '/api/calendar-overrides/:date',
    { schema: { tags, summary: '恢复为普通日 · Remove an override (audited)', params: dateParam } },
    async (request, reply) => {
      await calendar.remove(actorOf(request), request.params.date, metaOf(request));
      return reply.status(204).send();
    },
  );
}
