import { z } from 'zod';
import { pageOf, pageQuery } from '../../platform/http/pagination.js';
import { photoIds, photoView } from '../photos/photos.schema.js';
import { fileIds, villageFileView } from '../village-services/village-files.schema.js';
import { regionCode } from '../regions/regions.schema.js';

const text = (max: number) => z.string().trim().min(1).max(max);
const optionalText = (max: number) => z.string().trim().max(max);
const localDay = z.iso.date().describe('a calendar day in China time, YYYY-MM-DD');
const instant = z.iso.datetime({ offset: true }).describe('ISO 8601 with an offset, e.g. 2026-11-30T19:30:00+08:00');
export const monthString = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, '月份格式为 YYYY-MM / a month is YYYY-MM');
const cents = z.number().int().min(0);
const count = z.number().int().min(0);
const rate = z.number().min(0).max(1).nullable();
const ref = z.object({ id: z.string(), name: z.string() });
const bool = z.enum(['true', 'false']);

export const orgKinds = ['committee', 'general_branch', 'branch', 'group'] as const;
export const memberStatuses = ['full', 'probationary', 'candidate', 'activist'] as const;
export const officerPosts = ['secretary', 'deputy_secretary', 'committee_member', 'group_leader'] as const;
export const frequencies = ['monthly', 'quarterly', 'half_yearly', 'yearly', 'none'] as const;
export const heldBy = ['committee', 'branch', 'group'] as const;
export const meetingModes = ['onsite', 'online', 'hybrid'] as const;
export const meetingStatuses = ['planned', 'held', 'cancelled'] as const;
export const attendanceStatuses = ['expected', 'present', 'late', 'leave', 'absent'] as const;
export const signInMethods = ['qr', 'remote', 'recorded'] as const;
export const leaveDecisions = ['pending', 'approved', 'refused'] as const;
export const studyKinds = ['article', 'link', 'file', 'video'] as const;
export const completionStatuses = ['done', 'due', 'missed', 'not_applicable'] as const;

export const idParams = z.strictObject({ id: z.uuid() });
export const codeParams = z.strictObject({ code: z.string().regex(/^[a-z][a-z0-9_]{1,39}$/) });

// ---- organisations (党组织) -----------------------------------------------------------------------

export const officerView = z.object({
  memberId: z.string(),
  name: z.string(),
  post: z.enum(officerPosts),
  title: z.string().nullable().describe('e.g. 组织委员, 宣传委员, 纪检委员'),
});

export const organisationView = z.object({
  id: z.string(),
  parentId: z.string().nullable(),
  parentName: z.string().nullable(),
  kind: z.enum(orgKinds),
  name: z.string(),
  regionCode: z.string(),
  regionName: z.string(),
  foundedOn: z.string().nullable(),
  active: z.boolean(),
  sortOrder: z.number().int(),
  memberCount: count.describe('full and probationary members of the branch (of the group for a group; of every branch below for others)'),
  secretary: officerView.nullable(),
  officers: z.array(officerView),
});

export const listOrganisationsQuery = z.strictObject({
  kind: z.enum(orgKinds).optional(),
  region: regionCode.optional().describe('only organisations in this region and below'),
  includeInactive: bool.optional(),
});

export const organisationList = z.object({ items: z.array(organisationView).describe('parents before their children') });

export const createOrganisationBody = z.strictObject({
  parentId: z.uuid().nullable().optional().describe('required except for a top committee (党委)'),
  kind: z.enum(orgKinds),
  name: text(60).describe('e.g. 西阳邱村党支部'),
  regionCode: regionCode.optional().describe('the region it belongs to; default the parent’s (a group always sits in its branch’s)'),
  foundedOn: localDay.optional(),
  sortOrder: z.number().int().min(0).max(10_000).optional(),
});

export const updateOrganisationBody = z
  .strictObject({
    name: text(60).optional(),
    foundedOn: localDay.nullable().optional(),
    active: z.boolean().optional(),
    sortOrder: z.number().int().min(0).max(10_000).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: '至少修改一个字段 / change at least one field' });

export const setOfficersBody = z.strictObject({
  officers: z
    .array(z.strictObject({ memberId: z.uuid(), post: z.enum(officerPosts), title: optionalText(20).optional() }))
    .max(15)
    .describe('the whole set: replaces the current officers; at most one secretary'),
});

// ---- members (党员) ------------------------------------------------------------------------------

const memberDates = {
  appliedOn: localDay.nullable().optional().describe('递交入党申请书'),
  activistOn: localDay.nullable().optional().describe('确定为入党积极分子'),
  candidateOn: localDay.nullable().optional().describe('确定为发展对象'),
  joinedOn: localDay.nullable().optional().describe('接收为预备党员 — 入党日期, the political birthday (政治生日)'),
  fullOn: localDay.nullable().optional().describe('转为正式党员; party standing (党龄) counts from here'),
};

const memberFields = {
  groupId: z.uuid().nullable().optional().describe('a 党小组 of the branch'),
  status: z.enum(memberStatuses),
  ...memberDates,
  isMobile: z.boolean().optional().describe('流动党员: working away from the village'),
  mobilePlace: optionalText(100).nullable().optional().describe('where they work, e.g. 北京市朝阳区'),
  declaredIncomeCents: cents.max(1_000_000_000).nullable().optional().describe('declared monthly income after tax, in cents; the dues bracket follows it'),
  fixedDuesCents: cents.max(10_000_000).nullable().optional().describe('a fixed monthly amount instead (e.g. 20 for a farmer member’s 0.20 yuan)'),
  duesFrom: monthString.optional().describe('first month dues are owed; default this month'),
  note: optionalText(500).nullable().optional(),
};

export const createMemberBody = z
  .strictObject({
    userId: z.uuid().optional().describe('an existing account in the branch’s region'),
    phone: z.string().regex(/^1[3-9]\d{9}$/, '请输入 11 位手机号 / an 11-digit mobile number').optional().describe('else: found by phone, or a villager account is made'),
    name: text(20).optional().describe('for a new account'),
    branchId: z.uuid(),
    ...memberFields,
  })
  .refine((body) => (body.userId === undefined) !== (body.phone === undefined), { message: '请选择账号或填写手机号 / give userId or phone', path: ['userId'] });

export const updateMemberBody = z
  .strictObject({ ...memberFields, status: z.enum(memberStatuses).optional() })
  .refine((body) => Object.keys(body).length > 0, { message: '至少修改一个字段 / change at least one field' });

export const transferBody = z.strictObject({
  branchId: z.uuid().describe('the receiving branch'),
  groupId: z.uuid().nullable().optional(),
  reason: text(200).describe('e.g. 迁居东阳邱村'),
});

export const listMembersQuery = z.strictObject({
  organisationId: z.uuid().optional().describe('a branch or a group, or a committee (every branch below it)'),
  status: z.enum(memberStatuses).optional(),
  mobile: bool.optional().describe('only 流动党员 (true) or only those at home (false)'),
  q: z.string().trim().min(1).max(20).optional().describe('part of the name or phone number'),
  ...pageQuery,
});

export const postView = z.object({ organisationId: z.string(), organisationName: z.string(), post: z.enum(officerPosts), title: z.string().nullable() });

export const memberSummary = z.object({
  id: z.string(),
  userId: z.string(),
  name: z.string(),
  phone: z.string(),
  status: z.enum(memberStatuses),
  branch: ref,
  group: ref.nullable(),
  villageName: z.string(),
  isMobile: z.boolean(),
  mobilePlace: z.string().nullable(),
  joinedOn: z.string().nullable(),
  fullOn: z.string().nullable(),
  posts: z.array(postView),
});

export const monthlyDuesView = z.object({
  amountCents: cents,
  basis: z.enum(['fixed', 'income', 'none']),
  rateBp: z.number().int().nullable().describe('basis points of the income (50 = 0.5%)'),
});

export const transferView = z.object({
  fromBranch: z.string(),
  fromGroup: z.string().nullable(),
  toBranch: z.string(),
  toGroup: z.string().nullable(),
  reason: z.string(),
  at: z.string(),
  byName: z.string(),
});

export const memberDetail = memberSummary.extend({
  appliedOn: z.string().nullable(),
  activistOn: z.string().nullable(),
  candidateOn: z.string().nullable(),
  politicalBirthday: z.string().nullable().describe('MM-DD of joinedOn'),
  standingYears: z.number().int().nullable().describe('党龄: whole years since fullOn'),
  declaredIncomeCents: z.number().int().nullable(),
  fixedDuesCents: z.number().int().nullable(),
  monthlyDues: monthlyDuesView.describe('only full and probationary members pay dues'),
  duesFrom: z.string(),
  note: z.string().nullable(),
  transfers: z.array(transferView).describe('oldest first'),
  createdAt: z.string(),
});

export const memberPage = pageOf(memberSummary);
export const createdMember = z.object({
  member: memberDetail,
  initialPassword: z.string().optional().describe('only when a new account was made: tell the member once; they change it at first login'),
});
export const myMember = z.object({ member: memberDetail.nullable().describe('null when I am not a party member') });

// ---- meeting types ---------------------------------------------------------------------------------

export const meetingTypeView = z.object({
  code: z.string(),
  name: z.string(),
  frequency: z.enum(frequencies),
  requiredCount: z.number().int().describe('meetings required per period'),
  heldBy: z.enum(heldBy).describe('which organisations must hold it: committees, branches, or each group of a branch'),
  sortOrder: z.number().int(),
  active: z.boolean(),
});
export const meetingTypeList = z.object({ items: z.array(meetingTypeView) });

export const createMeetingTypeBody = z.strictObject({
  code: z.string().regex(/^[a-z][a-z0-9_]{1,39}$/, '编码为小写字母开头的字母、数字、下划线 / lower-case letters, digits and _'),
  name: text(20),
  frequency: z.enum(frequencies),
  requiredCount: z.number().int().min(1).max(12).default(1),
  heldBy: z.enum(heldBy).default('branch'),
  sortOrder: z.number().int().min(0).max(10_000).optional(),
});

export const updateMeetingTypeBody = z
  .strictObject({
    name: text(20).optional(),
    frequency: z.enum(frequencies).optional(),
    requiredCount: z.number().int().min(1).max(12).optional(),
    active: z.boolean().optional(),
    sortOrder: z.number().int().min(0).max(10_000).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: '至少修改一个字段 / change at least one field' });

// ---- meetings ----------------------------------------------------------------------------------------

const meetingFields = {
  title: text(100).optional().describe('default: the type’s name and the month, e.g. 11月主题党日'),
  startsAt: instant,
  endsAt: instant,
  mode: z.enum(meetingModes).describe('onsite: a place; online: a link; hybrid: both'),
  place: optionalText(100).nullable().optional(),
  onlineUrl: z.url({ protocol: /^https?$/ }).max(500).nullable().optional().describe('the video meeting, e.g. 腾讯会议'),
  agenda: optionalText(2000).optional(),
};

export const createMeetingBody = z.strictObject({
  organisationId: z.uuid().describe('the branch, group or committee holding it'),
  typeCode: z.string().min(1).max(40),
  ...meetingFields,
  attendeeIds: z.array(z.uuid()).max(500).optional().describe('members expected; default the organisation’s full and probationary members'),
  lateReason: optionalText(200).optional().describe('required when the meeting is over already (补录)'),
});

export const updateMeetingBody = z
  .strictObject({
    ...meetingFields,
    startsAt: instant.optional(),
    endsAt: instant.optional(),
    mode: z.enum(meetingModes).optional(),
    attendeeIds: z.array(z.uuid()).max(500).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: '至少修改一个字段 / change at least one field' });

export const cancelMeetingBody = z.strictObject({ reason: text(200) });

export const recordBody = z.strictObject({
  minutes: text(20_000).describe('会议记录'),
  resolutions: optionalText(5000).nullable().optional().describe('决议'),
  photoIds: photoIds.optional().describe('uploaded by me through POST /api/photos'),
  attendance: z
    .array(z.strictObject({ memberId: z.uuid(), status: z.enum(['present', 'late', 'leave', 'absent']) }))
    .max(500)
    .optional()
    .describe('corrections by the recorder (e.g. members present without a phone); sign-ins stand otherwise'),
  lateReason: optionalText(200).optional().describe(`required when entered more than 72 hours after the meeting ended (补录)`),
});

export const signInBody = z.discriminatedUnion('method', [
  z.strictObject({ method: z.literal('qr'), exp: z.string().max(20), sig: z.string().max(100) }).describe('the query of the scanned on-site code'),
  z.strictObject({ method: z.literal('remote') }).describe('from afar: online meetings, or members working away (流动党员)'),
]);

export const leaveBody = z.strictObject({ reason: text(200) });

export const leaveDecisionParams = z.strictObject({ id: z.uuid(), memberId: z.uuid() });
export const leaveDecisionBody = z.strictObject({
  approve: z.boolean().describe('true: 批准 (excused); false: 不批准 (expected again)'),
  note: optionalText(200).optional().describe('told to the member, e.g. why not'),
});

export const listMeetingsQuery = z.strictObject({
  organisationId: z.uuid().optional().describe('a branch includes its groups’ meetings'),
  type: z.string().max(40).optional(),
  status: z.enum(meetingStatuses).optional(),
  from: localDay.optional(),
  to: localDay.optional().describe('inclusive'),
  ...pageQuery,
});

/** 请假审批: the branch's answer to a member's leave request. */
const leaveDecisionFields = {
  leaveDecision: z.enum(leaveDecisions).nullable().describe('null without a request; only approved leave counts as leave'),
  leaveDecidedByName: z.string().nullable(),
  leaveDecidedAt: z.string().nullable(),
  leaveDecisionNote: z.string().nullable(),
};

const myAttendance = z.object({
  status: z.enum(attendanceStatuses),
  method: z.enum(signInMethods).nullable(),
  signedInAt: z.string().nullable(),
  leaveReason: z.string().nullable(),
  ...leaveDecisionFields,
});

export const meetingSummary = z.object({
  id: z.string(),
  organisation: z.object({ id: z.string(), name: z.string(), kind: z.enum(orgKinds) }),
  branchId: z.string().nullable(),
  type: z.object({ code: z.string(), name: z.string() }),
  title: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  mode: z.enum(meetingModes),
  place: z.string().nullable(),
  onlineUrl: z.string().nullable(),
  status: z.enum(meetingStatuses),
  signInOpensAt: z.string(),
  signInClosesAt: z.string(),
  enteredLate: z.boolean().describe('补录: planned or recorded after its window'),
  lateReason: z.string().nullable(),
  expected: count,
  attended: count.describe('signed in or marked present (on time or late)'),
  onLeave: count.describe('on approved leave'),
  recordedAt: z.string().nullable(),
  createdByName: z.string(),
  createdAt: z.string(),
  mine: myAttendance.nullable().describe('my attendance when I am expected'),
  canSignInRemotely: z.boolean().describe('for me: online/hybrid meetings, or I am a 流动党员'),
});

export const attendanceView = z.object({
  memberId: z.string(),
  name: z.string(),
  status: z.enum(attendanceStatuses).describe('expected after the sign-in window reads absent'),
  method: z.enum(signInMethods).nullable(),
  signedInAt: z.string().nullable(),
  leaveReason: z.string().nullable(),
  ...leaveDecisionFields,
  enteredLate: z.boolean(),
  isMobile: z.boolean(),
});

export const meetingDetail = meetingSummary.extend({
  agenda: z.string(),
  minutes: z.string().nullable(),
  resolutions: z.string().nullable(),
  recordedByName: z.string().nullable(),
  recordUpdatedAt: z.string().nullable(),
  cancelReason: z.string().nullable(),
  attendance: z.array(attendanceView).describe('every expected member (for secretaries and staff); empty for members'),
  photos: z.array(photoView),
});

export const meetingPage = pageOf(meetingSummary);

export const signInResult = z.object({
  meetingId: z.string(),
  status: z.enum(['present', 'late']),
  method: z.enum(signInMethods),
  signedInAt: z.string(),
  alreadySignedIn: z.boolean().describe('true when I had signed in before: nothing changed'),
});

export const signInCode = z.object({
  url: z.string().describe('the phone page that signs in: /h5/party/sign-in/<meeting>?exp=…&sig=…'),
  dataUrl: z.string().describe('the QR code of the url, as an SVG data URL for <img src>'),
  expiresAt: z.string().describe('a fresh code is needed after this (at most 10 minutes; never after sign-in closes)'),
});

export const myMeetingsQuery = z.strictObject({
  when: z.enum(['upcoming', 'past']).default('upcoming').describe('upcoming: not over yet, soonest first; past: newest first'),
  limit: z.coerce.number().int().min(1).max(100).default(30),
});
export const myMeetings = z.object({ items: z.array(meetingSummary) });

// ---- completion (完成情况) -------------------------------------------------------------------------

export const completionQuery = z.strictObject({
  month: monthString.optional().describe('China time; default this month. Quarterly and yearly types count in the quarter and year holding it'),
  organisationId: z.uuid().optional().describe('one branch or committee (or every branch below a committee)'),
  format: z.enum(['json', 'csv']).default('json'),
});

export const periodView = z.object({ frequency: z.enum(frequencies), key: z.string(), label: z.string(), labelEn: z.string(), start: z.string(), end: z.string() });

export const completionItem = z.object({
  typeCode: z.string(),
  typeName: z.string(),
  frequency: z.enum(frequencies),
  period: periodView,
  required: count.describe('meetings required in the period (× groups for group meetings)'),
  held: count.describe('held meetings that count towards it (at most the requirement per group)'),
  planned: count.describe('planned in the period, not held yet'),
  lateEntries: count.describe('of the held ones, entered late (补录)'),
  status: z.enum(completionStatuses).describe('done; due (the period is still running); missed; not_applicable (a branch without groups)'),
  daysLeft: z.number().int().nullable().describe('days until the period ends, while due'),
});

export const completionRow = z.object({
  organisation: z.object({ id: z.string(), name: z.string(), kind: z.enum(orgKinds), regionName: z.string() }),
  items: z.array(completionItem),
  done: count,
  total: count.describe('items that apply'),
  attendance: z.object({ expected: count, attended: count, rate }).describe('held meetings of the month'),
});

export const completionView = z.object({
  month: z.string(),
  generatedAt: z.string(),
  organisations: z.array(completionRow),
  summary: z.object({ organisations: count, fullyDone: count, required: count, held: count }),
});

export const attendanceQuery = z.strictObject({
  year: z.coerce.number().int().min(2000).max(2100).optional().describe('default this year'),
  organisationId: z.uuid().optional(),
});

export const attendanceRates = z.object({
  year: z.number().int(),
  organisations: z.array(z.object({ id: z.string(), name: z.string(), meetings: count, expected: count, attended: count, leave: count, rate })),
  members: z.array(
    z.object({ memberId: z.string(), name: z.string(), branchName: z.string(), expected: count, attended: count, leave: count, absent: count, rate }),
  ),
});

// ---- study (学习) ---------------------------------------------------------------------------------

export const materialView = z.object({
  id: z.string(),
  title: z.string(),
  kind: z.enum(studyKinds),
  url: z.string().nullable(),
  body: z.string(),
  files: z.array(villageFileView).describe('documents and photos to read, by signed URL'),
  minutes: z.number().int().describe('suggested study time'),
  regionName: z.string(),
  assignedTo: z.array(ref),
  active: z.boolean(),
  createdByName: z.string(),
  createdAt: z.string(),
});

export const createMaterialBody = z.strictObject({
  title: text(100),
  kind: z.enum(studyKinds),
  url: z.url({ protocol: /^https?$/ }).max(500).optional().describe('required for a link or a video; a file needs it or fileIds'),
  body: optionalText(20_000).optional().describe('the text of an article, or a summary'),
  fileIds: fileIds.optional().describe('documents or photos uploaded by me through POST /api/village-files, in this order'),
  minutes: z.number().int().min(1).max(600),
  organisationIds: z.array(z.uuid()).min(1).max(200).describe('assigned to these organisations (a committee: every branch below it)'),
});

export const updateMaterialBody = z
  .strictObject({
    title: text(100).optional(),
    url: z.url({ protocol: /^https?$/ }).max(500).nullable().optional(),
    body: optionalText(20_000).optional(),
    fileIds: fileIds.optional().describe('the material’s files become exactly these'),
    minutes: z.number().int().min(1).max(600).optional(),
    active: z.boolean().optional(),
    organisationIds: z.array(z.uuid()).min(1).max(200).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: '至少修改一个字段 / change at least one field' });

export const listMaterialsQuery = z.strictObject({ organisationId: z.uuid().optional(), ...pageQuery });
export const materialPage = pageOf(materialView);

export const studyRecordBody = z.strictObject({
  memberId: z.uuid().optional().describe('secretaries and staff record for a member; members record their own'),
  materialId: z.uuid().optional(),
  title: text(100).optional().describe('what was studied, when no material is named'),
  minutes: z.number().int().min(1).max(480),
  studiedOn: localDay.describe('within the last 31 days'),
  note: optionalText(500).optional(),
});

export const studyRecordView = z.object({
  id: z.string(),
  memberId: z.string(),
  memberName: z.string(),
  materialId: z.string().nullable(),
  title: z.string(),
  minutes: z.number().int(),
  studiedOn: z.string(),
  note: z.string().nullable(),
  enteredByName: z.string(),
  createdAt: z.string(),
});

export const studyProgressQuery = z.strictObject({
  year: z.coerce.number().int().min(2000).max(2100).optional(),
  organisationId: z.uuid().optional(),
});

export const studyProgress = z.object({
  year: z.number().int(),
  targetHours: z.number(),
  organisations: z.array(z.object({ id: z.string(), name: z.string(), members: count, averageHours: z.number(), reached: count })),
  members: z.array(z.object({ memberId: z.string(), name: z.string(), branchName: z.string(), hours: z.number(), percent: z.number().int() })),
});

export const myStudy = z.object({
  year: z.number().int(),
  targetHours: z.number(),
  hours: z.number(),
  percent: z.number().int(),
  materials: z.array(materialView.extend({ studiedMinutes: count.describe('what I recorded for it this year') })),
  records: z.array(studyRecordView).describe('this year, newest first'),
});

// ---- dues (党费) ---------------------------------------------------------------------------------

export const duesQuery = z.strictObject({
  month: monthString.optional().describe('default this month'),
  organisationId: z.uuid().optional(),
  arrearsOnly: bool.optional().describe('only members with unpaid months'),
});

export const duesRow = z.object({
  member: z.object({ id: z.string(), name: z.string(), branchName: z.string(), status: z.enum(memberStatuses) }),
  monthly: monthlyDuesView,
  declaredIncomeCents: z.number().int().nullable(),
  paidThisMonth: z.boolean(),
  lastPaidMonth: z.string().nullable(),
  unpaidMonths: z.array(z.string()).describe('before this month, since dues began'),
  consecutive: count.describe('months unpaid in a row up to last month'),
  flagged: z.boolean().describe('6 or more months unpaid in a row'),
  owedCents: cents.describe('unpaid months × the monthly amount'),
});

export const duesView = z.object({
  month: z.string(),
  items: z.array(duesRow),
  summary: z.object({ members: count, paidThisMonth: count, withArrears: count, flagged: count, owedCents: cents, collectedThisMonthCents: cents }),
});

export const paymentBody = z.strictObject({
  memberId: z.uuid(),
  months: z.array(monthString).min(1).max(12).describe('the months paid for'),
  amountCents: cents.max(10_000_000).optional().describe('per month; default the member’s monthly dues'),
  paidOn: localDay.optional().describe('default today'),
  note: optionalText(200).optional(),
});

export const paymentView = z.object({ id: z.string(), memberId: z.string(), month: z.string(), amountCents: cents, paidOn: z.string(), note: z.string().nullable(), recordedByName: z.string(), recordedAt: z.string() });
export const paymentList = z.object({ items: z.array(paymentView) });

export const myDues = z.object({
  month: z.string(),
  monthly: monthlyDuesView,
  paidThisMonth: z.boolean(),
  unpaidMonths: z.array(z.string()),
  consecutive: count,
  flagged: z.boolean(),
  owedCents: cents,
  payments: z.array(paymentView).describe('the last 24, newest first'),
});

// ---- settings and the big screen -------------------------------------------------------------------

export const duesBracketSchema = z.strictObject({
  upToCents: cents.nullable().describe('inclusive upper bound of the monthly income; null for the last bracket'),
  rateBp: z.number().int().min(0).max(1000).describe('basis points: 50 = 0.5%'),
});

export const settingsView = z.object({
  duesBrackets: z.array(duesBracketSchema),
  studyTargetHours: z.number(),
});

export const updateSettingsBody = z
  .strictObject({
    duesBrackets: z.array(duesBracketSchema).min(1).max(10).optional(),
    studyTargetHours: z.number().min(1).max(500).multipleOf(0.5).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: '至少修改一个字段 / change at least one field' });

export const statsQuery = z.strictObject({ region: regionCode.optional().describe('default my own region') });

export const partyStats = z.object({
  generatedAt: z.string(),
  region: z.object({ code: z.string(), name: z.string() }),
  members: z.object({
    total: count.describe('党员: full and probationary members — the big screen’s partyMembers'),
    full: count,
    probationary: count,
    candidates: count.describe('发展对象'),
    activists: count.describe('入党积极分子'),
    mobile: count.describe('流动党员 among the total'),
  }),
  organisations: z.object({ committees: count, generalBranches: count, branches: count, groups: count }),
  period: z.object({ month: z.string(), quarter: z.string(), year: z.string() }),
  completion: z.object({
    required: count,
    held: count,
    rate,
    organisationsDone: count.describe('organisations with every item of the period done'),
    organisations: count,
    byType: z.array(z.object({ code: z.string(), name: z.string(), frequency: z.enum(frequencies), period: z.string(), done: count, total: count })),
  }),
  meetings: z.object({ heldThisMonth: count, upcoming: count.describe('planned in the next 7 days'), attendanceRate: rate.describe('held meetings this month') }),
  study: z.object({ year: z.number().int(), targetHours: z.number(), averageHours: z.number(), reached: count }),
  dues: z.object({ month: z.string(), payers: count, paidThisMonth: count, flagged: count.describe('6 months or more unpaid in a row') }),
});

export type CreateOrganisationBody = z.infer<typeof createOrganisationBody>;
export type UpdateOrganisationBody = z.infer<typeof updateOrganisationBody>;
export type SetOfficersBody = z.infer<typeof setOfficersBody>;
export type OrganisationView = z.infer<typeof organisationView>;
export type ListOrganisationsQuery = z.infer<typeof listOrganisationsQuery>;
export type CreateMemberBody = z.infer<typeof createMemberBody>;
export type UpdateMemberBody = z.infer<typeof updateMemberBody>;
export type TransferBody = z.infer<typeof transferBody>;
export type ListMembersQuery = z.infer<typeof listMembersQuery>;
export type MemberSummary = z.infer<typeof memberSummary>;
export type MemberDetail = z.infer<typeof memberDetail>;
export type MeetingTypeView = z.infer<typeof meetingTypeView>;
export type CreateMeetingTypeBody = z.infer<typeof createMeetingTypeBody>;
export type UpdateMeetingTypeBody = z.infer<typeof updateMeetingTypeBody>;
export type CreateMeetingBody = z.infer<typeof createMeetingBody>;
export type UpdateMeetingBody = z.infer<typeof updateMeetingBody>;
export type RecordBody = z.infer<typeof recordBody>;
export type SignInBody = z.infer<typeof signInBody>;
export type LeaveDecisionBody = z.infer<typeof leaveDecisionBody>;
export type ListMeetingsQuery = z.infer<typeof listMeetingsQuery>;
export type MeetingSummary = z.infer<typeof meetingSummary>;
export type MeetingDetail = z.infer<typeof meetingDetail>;
export type SignInResult = z.infer<typeof signInResult>;
export type MyMeetingsQuery = z.infer<typeof myMeetingsQuery>;
export type CompletionQuery = z.infer<typeof completionQuery>;
export type CompletionView = z.infer<typeof completionView>;
export type CompletionItem = z.infer<typeof completionItem>;
export type AttendanceQuery = z.infer<typeof attendanceQuery>;
export type AttendanceRates = z.infer<typeof attendanceRates>;
export type MaterialView = z.infer<typeof materialView>;
export type CreateMaterialBody = z.infer<typeof createMaterialBody>;
export type UpdateMaterialBody = z.infer<typeof updateMaterialBody>;
export type StudyRecordBody = z.infer<typeof studyRecordBody>;
export type StudyRecordView = z.infer<typeof studyRecordView>;
export type StudyProgress = z.infer<typeof studyProgress>;
export type MyStudy = z.infer<typeof myStudy>;
export type DuesQuery = z.infer<typeof duesQuery>;
export type DuesView = z.infer<typeof duesView>;
export type PaymentBody = z.infer<typeof paymentBody>;
export type PaymentView = z.infer<typeof paymentView>;
export type MyDues = z.infer<typeof myDues>;
export type SettingsView = z.infer<typeof settingsView>;
export type UpdateSettingsBody = z.infer<typeof updateSettingsBody>;
export type PartyStats = z.infer<typeof partyStats>;
