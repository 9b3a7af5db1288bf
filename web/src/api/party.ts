import type { z } from 'zod';
import type {
  attendanceRates,
  completionView,
  createdMember,
  createMaterialBody,
  createMeetingBody,
  createMemberBody,
  createOrganisationBody,
  duesView,
  leaveDecisionBody,
  listMeetingsQuery,
  listMembersQuery,
  materialPage,
  materialView,
  meetingDetail,
  meetingPage,
  meetingSummary,
  meetingTypeList,
  memberDetail,
  memberPage,
  memberSummary,
  myDues,
  myMeetings,
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
  signInCode,
  signInResult,
  studyProgress,
  studyRecordBody,
  studyRecordView,
  transferBody,
  updateMeetingBody,
  updateMemberBody,
  updateOrganisationBody,
} from '@server/modules/party/party.schema';
import { http, type QueryOf } from '@/shared/http';

/** 智慧党建: types are the server's zod schemas (src/modules/party/party.schema.ts). */
export type Organisation = z.infer<typeof organisationView>;
export type OrgKind = Organisation['kind'];
export type OfficerPost = Organisation['officers'][number]['post'];
export type CreateOrganisationBody = z.input<typeof createOrganisationBody>;
export type UpdateOrganisationBody = z.input<typeof updateOrganisationBody>;
export type SetOfficersBody = z.input<typeof setOfficersBody>;

export type MemberSummary = z.infer<typeof memberSummary>;
export type MemberDetail = z.infer<typeof memberDetail>;
export type MemberPage = z.infer<typeof memberPage>;
export type MemberStatus = MemberSummary['status'];
export type CreateMemberBody = z.input<typeof createMemberBody>;
export type UpdateMemberBody = z.input<typeof updateMemberBody>;
export type TransferBody = z.input<typeof transferBody>;
export type ListMembersQuery = QueryOf<z.input<typeof listMembersQuery>>;
export type CreatedMember = z.infer<typeof createdMember>;

export type MeetingType = z.infer<typeof meetingTypeList>['items'][number];
export type Meeting = z.infer<typeof meetingSummary>;
export type MeetingDetail = z.infer<typeof meetingDetail>;
export type MeetingPage = z.infer<typeof meetingPage>;
export type MeetingMode = Meeting['mode'];
export type MeetingStatus = Meeting['status'];
export type Attendance = MeetingDetail['attendance'][number];
export type AttendanceStatus = Attendance['status'];
export type LeaveDecision = NonNullable<Attendance['leaveDecision']>;
export type LeaveDecisionBody = z.input<typeof leaveDecisionBody>;
export type CreateMeetingBody = z.input<typeof createMeetingBody>;
export type UpdateMeetingBody = z.input<typeof updateMeetingBody>;
export type RecordBody = z.input<typeof recordBody>;
export type ListMeetingsQuery = QueryOf<z.input<typeof listMeetingsQuery>>;
export type SignInResult = z.infer<typeof signInResult>;
export type SignInCode = z.infer<typeof signInCode>;

export type Completion = z.infer<typeof completionView>;
export type CompletionRow = Completion['organisations'][number];
export type CompletionItem = CompletionRow['items'][number];
export type AttendanceRates = z.infer<typeof attendanceRates>;

export type Material = z.infer<typeof materialView>;
export type MaterialPage = z.infer<typeof materialPage>;
export type CreateMaterialBody = z.input<typeof createMaterialBody>;
export type StudyRecordBody = z.input<typeof studyRecordBody>;
export type StudyRecord = z.infer<typeof studyRecordView>;
export type StudyProgress = z.infer<typeof studyProgress>;
export type MyStudy = z.infer<typeof myStudy>;

export type Dues = z.infer<typeof duesView>;
export type DuesRow = Dues['items'][number];
export type PaymentBody = z.input<typeof paymentBody>;
export type MyDues = z.infer<typeof myDues>;
export type Settings = z.infer<typeof settingsView>;
export type PartyStats = z.infer<typeof partyStats>;

export const memberStatuses: MemberStatus[] = ['full', 'probationary', 'candidate', 'activist'];
export const officerPosts: OfficerPost[] = ['secretary', 'deputy_secretary', 'committee_member', 'group_leader'];

const id = (value: string) => encodeURIComponent(value);

export const partyApi = {
  // organisations (党组织)
  organisations: (query: { kind?: OrgKind; region?: string; includeInactive?: 'true' | 'false' } = {}) => http.get<z.infer<typeof organisationList>>('/api/party/organisations', { ...query }),
  createOrganisation: (body: CreateOrganisationBody) => http.post<Organisation>('/api/party/organisations', body),
  updateOrganisation: (orgId: string, body: UpdateOrganisationBody) => http.patch<Organisation>(`/api/party/organisations/${id(orgId)}`, body),
  setOfficers: (orgId: string, body: SetOfficersBody) => http.put<Organisation>(`/api/party/organisations/${id(orgId)}/officers`, body),

  // members (党员)
  members: (query: ListMembersQuery = {}) => http.get<MemberPage>('/api/party/members', { ...query }),
  member: (memberId: string) => http.get<MemberDetail>(`/api/party/members/${id(memberId)}`),
  createMember: (body: CreateMemberBody) => http.post<CreatedMember>('/api/party/members', body),
  updateMember: (memberId: string, body: UpdateMemberBody) => http.patch<MemberDetail>(`/api/party/members/${id(memberId)}`, body),
  transfer: (memberId: string, body: TransferBody) => http.post<MemberDetail>(`/api/party/members/${id(memberId)}/transfer`, body),

  // me (a member on the phone); `silent`: a background check that must not toast
  me: (silent = false) => http.get<z.infer<typeof myMember>>('/api/party/me', undefined, { silent }),
  myMeetings: (when: 'upcoming' | 'past' = 'upcoming', limit = 30) => http.get<z.infer<typeof myMeetings>>('/api/party/me/meetings', { when, limit }),
  myStudy: (year?: number) => http.get<MyStudy>('/api/party/me/study', { year }),
  myDues: () => http.get<MyDues>('/api/party/me/dues'),

  // meetings
  meetingTypes: () => http.get<z.infer<typeof meetingTypeList>>('/api/party/meeting-types'),
  meetings: (query: ListMeetingsQuery = {}) => http.get<MeetingPage>('/api/party/meetings', { ...query }),
  meeting: (meetingId: string) => http.get<MeetingDetail>(`/api/party/meetings/${id(meetingId)}`),
  createMeeting: (body: CreateMeetingBody) => http.post<MeetingDetail>('/api/party/meetings', body),
  updateMeeting: (meetingId: string, body: UpdateMeetingBody) => http.patch<MeetingDetail>(`/api/party/meetings/${id(meetingId)}`, body),
  cancelMeeting: (meetingId: string, reason: string) => http.post<MeetingDetail>(`/api/party/meetings/${id(meetingId)}/cancel`, { reason }),
  signInCode: (meetingId: string) => http.get<SignInCode>(`/api/party/meetings/${id(meetingId)}/sign-in-code`),
  /** On site with the scanned code's exp and sig, or remotely; signing in twice changes nothing. */
  signIn: (meetingId: string, code?: { exp: string; sig: string }) =>
    http.post<SignInResult>(`/api/party/meetings/${id(meetingId)}/sign-in`, code ? { method: 'qr', ...code } : { method: 'remote' }),
  leave: (meetingId: string, reason: string) => http.post<MeetingDetail>(`/api/party/meetings/${id(meetingId)}/leave`, { reason }),
  /** 请假审批 by the branch: the same answer twice changes nothing. */
  decideLeave: (meetingId: string, memberId: string, body: LeaveDecisionBody) =>
    http.post<MeetingDetail>(`/api/party/meetings/${id(meetingId)}/leave/${id(memberId)}/decision`, body),
  record: (meetingId: string, body: RecordBody) => http.put<MeetingDetail>(`/api/party/meetings/${id(meetingId)}/record`, body),

  // completion (完成情况)
  completion: (query: { month?: string; organisationId?: string } = {}) => http.get<Completion>('/api/party/completion', { ...query }),
  completionCsv: (query: { month?: string; organisationId?: string } = {}) => http.blob('/api/party/completion', { ...query, format: 'csv' }),
  attendance: (query: { year?: number; organisationId?: string } = {}) => http.get<AttendanceRates>('/api/party/attendance', { ...query }),

  // study (学习)
  materials: (query: { organisationId?: string; page?: number; pageSize?: number } = {}) => http.get<MaterialPage>('/api/party/study/materials', { ...query }),
  createMaterial: (body: CreateMaterialBody) => http.post<Material>('/api/party/study/materials', body),
  updateMaterial: (materialId: string, body: Partial<CreateMaterialBody> & { active?: boolean }) => http.patch<Material>(`/api/party/study/materials/${id(materialId)}`, body),
  recordStudy: (body: StudyRecordBody) => http.post<StudyRecord>('/api/party/study/records', body),
  progress: (query: { year?: number; organisationId?: string } = {}) => http.get<StudyProgress>('/api/party/study/progress', { ...query }),

  // dues (党费)
  dues: (query: { month?: string; organisationId?: string; arrearsOnly?: 'true' | 'false' } = {}) => http.get<Dues>('/api/party/dues', { ...query }),
  pay: (body: PaymentBody) => http.post<z.infer<typeof paymentList>>('/api/party/dues/payments', body),

  settings: () => http.get<Settings>('/api/party/settings'),
  stats: (region?: string) => http.get<PartyStats>('/api/party/stats', { region }),
};
