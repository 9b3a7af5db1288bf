import { actorOf, metaOf } from '../../platform/http/auth.js';
import type { App } from '../../platform/http/app.js';
import { dayParams, dutyDay, rosterQuery, rosterResponse, setDayBody } from './duty.schema.js';
import type { DutyService } from './duty.service.js';

const tags = ['duty 值班表'];

export function dutyRoutes(app: App, duty: DutyService): void {
  app.get(
    '/api/duty',
    {
      schema: {
        tags,
        summary: '值班表 · Who is on duty each day of a range (a township; with the staff who may be put on duty)',
        querystring: rosterQuery,
        response: { 200: rosterResponse },
      },
    },
    async (request) => duty.roster(actorOf(request), request.query),
  );

  app.put(
    '/api/duty/:date',
    {
      schema: {
        tags,
        summary: '设置某日值班人员 · Set who is on duty on a day (the township’s staff; audited)',
        params: dayParams,
        body: setDayBody,
        response: { 200: dutyDay },
      },
    },
    async (request) => duty.setDay(actorOf(request), request.params.date, request.body, metaOf(request)),
  );
}
