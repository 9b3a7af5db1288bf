import { z } from 'zod';
import { actorOf, metaOf } from '../../platform/http/auth.js';
import type { App } from '../../platform/http/app.js';
import type { PartyServices } from './party.module.js';
import {
  attendanceQuery,
  attendanceRates,
  cancelMeetingBody,
  codeParams,
  completionQuery,
  completionView,
  createdMember,
  createMaterialBody,
  createMeetingBody,
  createMeetingTypeBody,
  createMemberBody,
  createOrganisationBody,
  duesQuery,
  duesView,
  idParams,
  leaveBody,
  leaveDecisionBody,
  leaveDecisionParams,
  listMaterialsQuery,
  listMeetingsQuery,
  listMembersQuery,
  listOrganisationsQuery,
  materialPage,
  materialView,
  meetingDetail,
  meetingPage,
  meetingTypeList,
  meetingTypeView,
  memberDetail,
  memberPage,
  myDues,
  myMeetings,
  myMeetingsQuery,
  myMember,
  myStudy,
  organisationList,
  organisationView,
  partyStats,
  paymentBody,
  paymentList,
  recordBody,
  setOfficersBody,
  settingsView,
  signInBody,
  signInCode,
  signInResult,
  statsQuery,
  studyProgress,
  studyProgressQuery,
  studyRecordBody,
  studyRecordView,
  transferBody,
  updateMaterialBody,
  updateMeetingBody,
  updateMeetingTypeBody,
  updateMemberBody,
  updateOrganisationBody,
  updateSettingsBody,
} from './party.schema.js';

const tags = ['party 智慧党建'];
const yearQuery = z.strictObject({ year: z.coerce.number().int().min(2000).max(2100).optional() });
const includeInactiveQuery = z.strictObject({ includeInactive: z.enum(['true', 'false']).optional() });

export function partyRoutes(app: App, party: PartyServices): void {
  const { organisations, meetings, study, dues, stats } = party;

  // ---- organisations --------------------------------------------------------------------------
  app.get(
    '/api/party/organisations',
    { schema: { tags, summary: '党组织 · The organisation tree of my region (secretaries and staff)', querystring: listOrganisationsQuery, response: { 200: organisationList } } },
    async (request) => organisations.listOrganisations(actorOf(request), request.query),
  );
  app.post(
    '/api/party/organisations',
    { schema: { tags, summary: '新建党组织 · Add a committee, general branch, branch or group (audited)', body: createOrganisationBody, response: { 201: organisationView } } },
    async (request, reply) => reply.status(201).send(await organisations.createOrganisation(actorOf(request), request.body, metaOf(request))),
  );
  app.get(
    '/api/party/organisations/:id',
    { schema: { tags, summary: '党组织详情 · An organisation with its officers', params: idParams, response: { 200: organisationView } } },
    async (request) => organisations.getOrganisation(actorOf(request), request.params.id),
  );
  app.patch(
    '/api/party/organisations/:id',
    { schema: { tags, summary: '修改党组织 · Rename, deactivate (audited)', params: idParams, body: updateOrganisationBody, response: { 200: organisationView } } },
    async (request) => organisations.updateOrganisation(actorOf(request), request.params.id, request.body, metaOf(request)),
  );
  app.put(
    '/api/party/organisations/:id/officers',
    { schema: { tags, summary: '班子成员 · Set the secretary, deputies and committee members (audited)', params: idParams, body: setOfficersBody, response: { 200: organisationView } } },
    async (request) => organisations.setOfficers(actorOf(request), request.params.id, request.body, metaOf(request)),
  );

  // ---- members --------------------------------------------------------------------------------
  app.get(
    '/api/party/members',
    { schema: { tags, summary: '党员名册 · Members of my region (secretaries and staff only: personal data)', querystring: listMembersQuery, response: { 200: memberPage } } },
    async (request) => organisations.listMembers(actorOf(request), request.query),
  );
  app.post(
    '/api/party/members',
    {
      schema: {
        tags,
        summary: '登记党员 · Register a member: an existing account, or a new villager account with a one-time password (audited)',
        body: createMemberBody,
        response: { 201: createdMember },
      },
    },
    async (request, reply) => reply.status(201).send(await organisations.createMember(actorOf(request), request.body, metaOf(request))),
  );
  app.get(
    '/api/party/members/:id',
    { schema: { tags, summary: '党员档案 · A member’s record (the member, their secretaries and higher staff)', params: idParams, response: { 200: memberDetail } } },
    async (request) => organisations.getMember(actorOf(request), request.params.id),
  );
  app.patch(
    '/api/party/members/:id',
    { schema: { tags, summary: '修改党员信息 · Status, dates, 流动党员, income for dues (audited)', params: idParams, body: updateMemberBody, response: { 200: memberDetail } } },
    async (request) => organisations.updateMember(actorOf(request), request.params.id, request.body, metaOf(request)),
  );
  app.post(
    '/api/party/members/:id/transfer',
    { schema: { tags, summary: '组织关系转接 · Move a member to another branch or group; the history is kept (audited)', params: idParams, body: transferBody, response: { 200: memberDetail } } },
    async (request) => organisations.transferMember(actorOf(request), request.params.id, request.body, metaOf(request)),
  );

  // ---- me (a member on the phone) -----------------------------------------------------------------
  app.get('/api/party/me', { schema: { tags, summary: '我的党员档案 · My member record (null when I am not a member)', response: { 200: myMember } } }, async (request) =>
    organisations.me(actorOf(request)),
  );
  app.get(
    '/api/party/me/meetings',
    { schema: { tags, summary: '我的会议 · Meetings I am expected at, with my attendance', querystring: myMeetingsQuery, response: { 200: myMeetings } } },
    async (request) => meetings.mine(actorOf(request), request.query),
  );
  app.get(
    '/api/party/me/study',
    { schema: { tags, summary: '我的学习 · My study hours this year, the target, my materials', querystring: yearQuery, response: { 200: myStudy } } },
    async (request) => study.mine(actorOf(request), request.query.year),
  );
  app.get('/api/party/me/dues', { schema: { tags, summary: '我的党费 · My monthly dues, payments and arrears', response: { 200: myDues } } }, async (request) =>
    dues.mine(actorOf(request)),
  );

  // ---- meeting types --------------------------------------------------------------------------
  app.get(
    '/api/party/meeting-types',
    { schema: { tags, summary: '会议类型 · Meeting types and their required frequency', querystring: includeInactiveQuery, response: { 200: meetingTypeList } } },
    async (request) => meetings.types(actorOf(request), request.query.includeInactive === 'true'),
  );
  app.post(
    '/api/party/meeting-types',
    { schema: { tags, summary: '新增会议类型 · Add a meeting type (administrators, audited)', body: createMeetingTypeBody, response: { 201: meetingTypeView } } },
    async (request, reply) => reply.status(201).send(await meetings.createType(actorOf(request), request.body, metaOf(request))),
  );
  app.patch(
    '/api/party/meeting-types/:code',
    { schema: { tags, summary: '修改会议类型 · Frequency, required count, on/off (administrators, audited)', params: codeParams, body: updateMeetingTypeBody, response: { 200: meetingTypeView } } },
    async (request) => meetings.updateType(actorOf(request), request.params.code, request.body, metaOf(request)),
  );

  // ---- meetings -------------------------------------------------------------------------------
  app.get(
    '/api/party/meetings',
    { schema: { tags, summary: '会议 · Meetings of my region, newest first', querystring: listMeetingsQuery, response: { 200: meetingPage } } },
    async (request) => meetings.list(actorOf(request), request.query),
  );
  app.post(
    '/api/party/meetings',
    {
      schema: {
        tags,
        summary: '安排会议 · Plan a meeting: type, time, place or link, agenda, attendees (notified); one already over is entered late (补录)',
        body: createMeetingBody,
        response: { 201: meetingDetail },
      },
    },
    async (request, reply) => reply.status(201).send(await meetings.create(actorOf(request), request.body, metaOf(request))),
  );
  app.get(
    '/api/party/meetings/:id',
    { schema: { tags, summary: '会议详情 · A meeting (attendance for secretaries and staff; my own for an attendee)', params: idParams, response: { 200: meetingDetail } } },
    async (request) => meetings.get(actorOf(request), request.params.id),
  );
  app.patch(
    '/api/party/meetings/:id',
    { schema: { tags, summary: '修改会议安排 · Change a plan before the meeting starts (audited)', params: idParams, body: updateMeetingBody, response: { 200: meetingDetail } } },
    async (request) => meetings.update(actorOf(request), request.params.id, request.body, metaOf(request)),
  );
  app.post(
    '/api/party/meetings/:id/cancel',
    { schema: { tags, summary: '取消会议 · Cancel a meeting not held (audited)', params: idParams, body: cancelMeetingBody, response: { 200: meetingDetail } } },
    async (request) => meetings.cancel(actorOf(request), request.params.id, request.body.reason, metaOf(request)),
  );
  app.get(
    '/api/party/meetings/:id/sign-in-code',
    {
      schema: {
        tags,
        summary: '现场签到码 · The QR code shown at the meeting: a signed phone link valid for 10 minutes',
        params: idParams,
        response: { 200: signInCode },
      },
    },
    async (request) => meetings.signInCode(actorOf(request), request.params.id, `${request.protocol}://${request.host}`),
  );
  app.post(
    '/api/party/meetings/:id/sign-in',
    {
      schema: {
        tags,
        summary: '签到 · Sign in: on site with the scanned code, or remotely (online meetings, 流动党员); within the sign-in window; twice changes nothing',
        params: idParams,
        body: signInBody,
        response: { 200: signInResult },
      },
    },
    async (request) => meetings.signIn(actorOf(request), request.params.id, request.body),
  );
  app.post(
    '/api/party/meetings/:id/leave',
    { schema: { tags, summary: '请假 · Ask for leave from a meeting I am expected at', params: idParams, body: leaveBody, response: { 200: meetingDetail } } },
    async (request) => meetings.requestLeave(actorOf(request), request.params.id, request.body.reason),
  );
  app.post(
    '/api/party/meetings/:id/leave/:memberId/decision',
    {
      schema: {
        tags,
        summary: '请假审批 · Approve a member’s leave (excused) or refuse it (expected again); the same answer twice changes nothing, another is refused once the record is in (audited)',
        params: leaveDecisionParams,
        body: leaveDecisionBody,
        response: { 200: meetingDetail },
      },
    },
    async (request) => meetings.decideLeave(actorOf(request), request.params.id, request.params.memberId, request.body, metaOf(request)),
  );
  app.put(
    '/api/party/meetings/:id/record',
    {
      schema: {
        tags,
        summary: '会议记录 · Minutes, resolutions, photos and attendance; the meeting then counts as held (late entries marked 补录; audited)',
        params: idParams,
        body: recordBody,
        response: { 200: meetingDetail },
      },
    },
    async (request) => meetings.record(actorOf(request), request.params.id, request.body, metaOf(request)),
  );

  // ---- completion -----------------------------------------------------------------------------
  app.get(
    '/api/party/completion',
    {
      schema: {
        tags,
        summary: '完成情况 · Required vs held per organisation, type and period; ?format=csv for Excel',
        description: 'With `format=csv` the answer is `text/csv` (UTF-8 with a byte-order mark).',
        querystring: completionQuery,
        response: { 200: completionView },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      if (request.query.format === 'csv') {
        const csv = await meetings.completionCsv(actor, request.query);
        const name = `三会一课完成情况-${request.query.month ?? 'current'}.csv`;
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="party-completion.csv"; filename*=UTF-8''${encodeURIComponent(name)}`)
          .send(csv as never);
      }
      return meetings.completion(actor, request.query);
    },
  );
  app.get(
    '/api/party/attendance',
    { schema: { tags, summary: '参会率 · Attendance per organisation and member over a year', querystring: attendanceQuery, response: { 200: attendanceRates } } },
    async (request) => meetings.attendanceRates(actorOf(request), request.query),
  );

  // ---- study ----------------------------------------------------------------------------------
  app.get(
    '/api/party/study/materials',
    { schema: { tags, summary: '学习资料 · Materials made in my region or assigned to it', querystring: listMaterialsQuery, response: { 200: materialPage } } },
    async (request) => study.listMaterials(actorOf(request), request.query),
  );
  app.post(
    '/api/party/study/materials',
    { schema: { tags, summary: '发布学习资料 · Publish a material and assign it to organisations (audited)', body: createMaterialBody, response: { 201: materialView } } },
    async (request, reply) => reply.status(201).send(await study.createMaterial(actorOf(request), request.body, metaOf(request))),
  );
  app.patch(
    '/api/party/study/materials/:id',
    { schema: { tags, summary: '修改学习资料 · Change, reassign or withdraw a material (audited)', params: idParams, body: updateMaterialBody, response: { 200: materialView } } },
    async (request) => study.updateMaterial(actorOf(request), request.params.id, request.body, metaOf(request)),
  );
  app.post(
    '/api/party/study/records',
    { schema: { tags, summary: '记录学习 · Record study time (my own; secretaries for a member)', body: studyRecordBody, response: { 201: studyRecordView } } },
    async (request, reply) => reply.status(201).send(await study.addRecord(actorOf(request), request.body, metaOf(request))),
  );
  app.get(
    '/api/party/study/progress',
    { schema: { tags, summary: '学习进度 · Hours per member and branch against the yearly target', querystring: studyProgressQuery, response: { 200: studyProgress } } },
    async (request) => study.progress(actorOf(request), request.query),
  );

  // ---- dues -----------------------------------------------------------------------------------
  app.get(
    '/api/party/dues',
    { schema: { tags, summary: '党费 · Monthly amounts, payments and arrears (6 months unpaid flagged)', querystring: duesQuery, response: { 200: duesView } } },
    async (request) => dues.view(actorOf(request), request.query),
  );
  app.post(
    '/api/party/dues/payments',
    { schema: { tags, summary: '登记党费 · Record a member’s payment for one or more months (audited)', body: paymentBody, response: { 201: paymentList } } },
    async (request, reply) => reply.status(201).send(await dues.recordPayment(actorOf(request), request.body, metaOf(request))),
  );

  // ---- settings and figures -------------------------------------------------------------------
  app.get(
    '/api/party/settings',
    { schema: { tags, summary: '党建设置 · Dues brackets and the yearly study target', response: { 200: settingsView } } },
    async (request) => organisations.settings(actorOf(request)),
  );
  app.patch(
    '/api/party/settings',
    { schema: { tags, summary: '修改党建设置 · Dues brackets, study target (administrators, audited)', body: updateSettingsBody, response: { 200: settingsView } } },
    async (request) => organisations.updateSettings(actorOf(request), request.body, metaOf(request)),
  );
  app.get(
    '/api/party/stats',
    { schema: { tags, summary: '党建数据 · Figures for the big screen: members, organisations, this period’s completion (no personal data)', querystring: statsQuery, response: { 200: partyStats } } },
    async (request) => stats.stats(actorOf(request), request.query.region),
  );
}
