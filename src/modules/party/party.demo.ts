import type { MetaRepository } from '../../platform/db/meta.repository.js';
import type { Db } from '../../platform/db/database.js';
import type { PartyMemberStatus } from '../../platform/db/schema.js';
import type { AccountsService } from '../accounts/accounts.service.js';
import { heibaoFeatures, TOWNSHIP } from '../demo/heibao.js';
import { monthAt, previousMonth } from './party-periods.js';
import type { PartyServices } from './party.module.js';
import type { MemberRow, OrganisationRow } from './party.repository.js';
import { monthlyDues } from './party-dues.js';

/**
 * The demo's party organisation: 黑堡乡党委 with a 党支部 in each of the 16 villages; 西阳邱村党支部
 * has two 党小组, its secretary is the demo branch secretary (13800000003), and a handful of members
 * (accounts with the demo password) with three months of meetings held, study and dues — leaving
 * this month's 主题党日 to be held. Seeded once (a marker remembers it).
 */
export const PARTY_MARKER = 'demo_party_seeded_at';

const id = (group: number, n: number | string) => `9a170000-0000-4000-${String(8000 + group)}-${String(n).padStart(12, '0')}`;

export const DEMO_COMMITTEE_ID = id(0, 1);
export const demoBranchId = (villageCode: string) => id(1, villageCode);
const XIYANGQIU = `${TOWNSHIP.code}206`;
export const DEMO_BRANCH_ID = demoBranchId(XIYANGQIU);
const GROUP_1 = id(2, 1);
const GROUP_2 = id(2, 2);

interface DemoMember {
  n: number;
  phone: string;
  name: string;
  /** A new villager account, or an existing demo account. */
  account: 'new' | 'existing';
  group: string | null;
  status: PartyMemberStatus;
  dates: { appliedOn?: string; activistOn?: string; candidateOn?: string; joinedOn?: string; fullOn?: string };
  mobilePlace?: string;
  incomeCents?: number;
  fixedDuesCents?: number;
  /** Months of dues left unpaid up to last month. */
  unpaid?: number;
}

/** 西阳邱村党支部's members; the first two are the demo secretary and cadre. */
export const demoPartyMembers: DemoMember[] = [
  { n: 1, phone: '13800000003', name: '西阳邱支部书记', account: 'existing', group: null, status: 'full', dates: { appliedOn: '2006-03-01', joinedOn: '2008-07-01', fullOn: '2009-07-01' }, incomeCents: 350_000 },
  { n: 2, phone: '13800000002', name: '西阳邱村干部', account: 'existing', group: GROUP_1, status: 'full', dates: { appliedOn: '2010-04-12', joinedOn: '2012-06-28', fullOn: '2013-06-28' }, incomeCents: 300_000 },
  { n: 3, phone: '13800000101', name: '王建国', account: 'new', group: GROUP_1, status: 'full', dates: { joinedOn: '1996-06-20', fullOn: '1997-06-20' }, fixedDuesCents: 20 },
  { n: 4, phone: '13800000102', name: '李秀兰', account: 'new', group: GROUP_1, status: 'full', dates: { joinedOn: '2003-11-05', fullOn: '2004-11-05' }, fixedDuesCents: 50, unpaid: 1 },
  {
    n: 5,
    phone: '13800000103',
    name: '张志强',
    account: 'new',
    group: GROUP_2,
    status: 'full',
    dates: { appliedOn: '2014-03-02', joinedOn: '2016-07-01', fullOn: '2017-07-01' },
    mobilePlace: '北京市朝阳区',
    incomeCents: 800_000,
  },
  { n: 6, phone: '13800000104', name: '刘红梅', account: 'new', group: GROUP_2, status: 'probationary', dates: { appliedOn: '2024-03-15', activistOn: '2024-09-10', candidateOn: '2025-09-01', joinedOn: '2026-06-28' }, incomeCents: 260_000 },
  { n: 7, phone: '13800000105', name: '孙卫东', account: 'new', group: GROUP_2, status: 'full', dates: { joinedOn: '2011-07-01', fullOn: '2012-07-01' }, mobilePlace: '石家庄市裕华区', incomeCents: 520_000, unpaid: 7 },
  { n: 8, phone: '13800000106', name: '赵磊', account: 'new', group: GROUP_1, status: 'candidate', dates: { appliedOn: '2025-03-01', activistOn: '2025-06-10', candidateOn: '2026-06-15' } },
  { n: 9, phone: '13800000107', name: '陈静', account: 'new', group: GROUP_2, status: 'activist', dates: { appliedOn: '2026-03-08', activistOn: '2026-09-01' } },
];

const monthsBack = (month: string, k: number) => {
  let m = month;
  for (let i = 0; i < k; i++) m = previousMonth(m);
  return m;
};
const at = (month: string, day: number, time: string) => new Date(`${month}-${String(day).padStart(2, '0')}T${time}:00+08:00`);
const monthNumber = (month: string) => Number(month.slice(5));

/** The demo's coming committee meeting: 15:00 China time on the first weekday at least three days after `now`. */
export function upcomingMeetingStart(now: Date): Date {
  const day = new Date(now.getTime() + 3 * 86_400_000 + 8 * 3_600_000); // its UTC fields are China's calendar
  while (day.getUTCDay() === 0 || day.getUTCDay() === 6) day.setUTCDate(day.getUTCDate() + 1);
  return new Date(`${day.toISOString().slice(0, 10)}T15:00:00+08:00`);
}

/** Seeds the party demo once; safe to call on every start (the marker keeps deletions deleted). */
export async function seedPartyDemo(
  deps: { party: PartyServices; accounts: Pick<AccountsService, 'createDemoUser'>; meta: Pick<MetaRepository, 'get' | 'set'> },
  password: string,
  now: Date,
): Promise<void> {
  if (await deps.meta.get(PARTY_MARKER)) return;
  const { organisations } = deps.party;
  for (const m of demoPartyMembers.filter((x) => x.account === 'new')) {
    await deps.accounts.createDemoUser({ phone: m.phone, name: m.name, role: 'villager', regionCode: XIYANGQIU, password });
  }
  const villages = heibaoFeatures().features.filter((f) => f.properties.level === 'village');
  await organisations.demoTransaction(async (tx) => {
    await organisations.createDemoOrganisation(tx, { id: DEMO_COMMITTEE_ID, parentId: null, kind: 'committee', name: `${TOWNSHIP.name}党委`, regionCode: TOWNSHIP.code });
    for (const village of villages) {
      await organisations.createDemoOrganisation(tx, {
        id: demoBranchId(village.properties.code),
        parentId: DEMO_COMMITTEE_ID,
        kind: 'branch',
        name: `${village.properties.name}党支部`,
        regionCode: village.properties.code,
      });
    }
    await organisations.createDemoOrganisation(tx, { id: GROUP_1, parentId: DEMO_BRANCH_ID, kind: 'group', name: '第一党小组', regionCode: XIYANGQIU });
    await organisations.createDemoOrganisation(tx, { id: GROUP_2, parentId: DEMO_BRANCH_ID, kind: 'group', name: '第二党小组', regionCode: XIYANGQIU });
    const branch = (await organisations.repository.organisationById(DEMO_BRANCH_ID, tx))!;
    const month = monthAt(now);
    const duesFrom = monthsBack(month, 8);

    const members: MemberRow[] = [];
    for (const m of demoPartyMembers) {
      const person = await organisations.repository.personByPhone(m.phone, tx);
      if (!person) continue;
      await organisations.createDemoMember(tx, {
        id: id(3, m.n),
        userId: person.id,
        branch,
        groupId: m.group,
        status: m.status,
        ...m.dates,
        mobilePlace: m.mobilePlace,
        incomeCents: m.incomeCents,
        fixedDuesCents: m.fixedDuesCents,
        duesFrom,
      });
      members.push((await organisations.repository.memberById(id(3, m.n), tx))!);
    }
    const member = (n: number) => members.find((m) => m.id === id(3, n))!;
    const secretary = member(1);
    const by = { id: secretary.user_id, name: secretary.name };
    await organisations.setDemoOfficers(tx, DEMO_BRANCH_ID, [
      { memberId: member(1).id, post: 'secretary' },
      { memberId: member(2).id, post: 'committee_member', title: '组织委员' },
      { memberId: member(4).id, post: 'committee_member', title: '宣传委员' },
    ]);
    await organisations.setDemoOfficers(tx, GROUP_1, [{ memberId: member(3).id, post: 'group_leader' }]);
    await organisations.setDemoOfficers(tx, GROUP_2, [{ memberId: member(5).id, post: 'group_leader' }]);

    await seedMeetings(tx, deps.party, branch, members, by, month, now);
    await seedDuesAndStudy(tx, deps.party, members, by, month, now);
    await deps.party.meetings.ensureReminders(tx);
  });
  await deps.meta.set(PARTY_MARKER, now.toISOString());
}

type DemoAttendee = Parameters<PartyServices['meetings']['createDemoMeeting']>[1]['attendees'][number];

async function seedMeetings(tx: Db, party: PartyServices, branch: OrganisationRow, members: MemberRow[], by: { id: string; name: string }, month: string, now: Date) {
  const paying = members.filter((m) => m.status === 'full' || m.status === 'probationary');
  const byId = (n: number) => members.find((m) => m.id === id(3, n))!;
  /** Everyone signs in on site, the members working away online, 孙卫东 mostly absent, one on leave. */
  const attendance = (list: MemberRow[], k: number): DemoAttendee[] =>
    list.map((m) => {
      if (m.id === byId(7).id) return k % 2 === 0 ? { member: m, status: 'late', method: 'remote' } : { member: m, status: 'expected' };
      if (m.id === byId(4).id && k === 2) return { member: m, status: 'leave', leaveReason: '在县医院陪护老人' };
      return { member: m, status: 'present', method: m.is_mobile ? 'remote' : 'qr' };
    });
  const groups = [
    { id: GROUP_1, name: '第一党小组', members: members.filter((m) => m.group_id === GROUP_1 && (m.status === 'full' || m.status === 'probationary')) },
    { id: GROUP_2, name: '第二党小组', members: members.filter((m) => m.group_id === GROUP_2 && (m.status === 'full' || m.status === 'probationary')) },
  ];
  let n = 0;
  for (let k = 3; k >= 1; k--) {
    const m = monthsBack(month, k);
    const mm = monthNumber(m);
    const recorded = (day: number) => at(m, day, '21:30');
    await party.meetings.createDemoMeeting(tx, {
      id: id(4, ++n),
      organisation: branch,
      typeCode: 'branch_committee',
      title: `${mm}月支部委员会`,
      startsAt: at(m, 5, '19:30'),
      endsAt: at(m, 5, '21:00'),
      mode: 'onsite',
      place: '西阳邱村委会议室',
      onlineUrl: null,
      agenda: '一、传达乡党委工作部署\n二、研究本月主题党日安排\n三、讨论发展党员工作',
      by,
      attendees: [byId(1), byId(2), byId(4)].map((mem) => ({ member: mem, status: 'present' as const, method: 'qr' as const })),
      record: { minutes: `支部委员会由书记主持。会议传达了乡党委${mm}月工作部署，研究确定本月主题党日内容为“学习党的创新理论、清理村内河道”。`, resolutions: '1. 本月10日开展主题党日活动。\n2. 由组织委员负责通知流动党员线上参加。', recordedAt: recorded(5) },
    });
    await party.meetings.createDemoMeeting(tx, {
      id: id(4, ++n),
      organisation: branch,
      typeCode: 'theme_day',
      title: `${mm}月主题党日`,
      startsAt: at(m, 10, '09:00'),
      endsAt: at(m, 10, '11:00'),
      mode: 'hybrid',
      place: '西阳邱村党群服务中心',
      onlineUrl: 'https://meeting.tencent.com/dm/demo-xiyangqiu',
      agenda: '一、重温入党誓词\n二、集中学习\n三、志愿服务：清理村内河道',
      by,
      attendees: attendance(paying, k),
      record: {
        minutes: '全体党员重温入党誓词，集中学习了党的创新理论。随后分两组清理村内河道垃圾，共清运垃圾约 2 吨。在外务工党员通过线上会议参加学习。',
        resolutions: null,
        recordedAt: recorded(10),
      },
    });
    for (const group of groups) {
      const late = k === 3 && group.id === GROUP_2;
      await party.meetings.createDemoMeeting(tx, {
        id: id(4, ++n),
        organisation: { ...branch, id: group.id, kind: 'group', name: group.name, parent_id: branch.id },
        typeCode: 'group_meeting',
        title: `${mm}月${group.name}会`,
        startsAt: at(m, 15, '19:30'),
        endsAt: at(m, 15, '20:30'),
        mode: 'onsite',
        place: group.id === GROUP_1 ? '王建国家院内' : '村东头文化广场',
        onlineUrl: null,
        agenda: '学习交流，收集群众意见',
        by,
        attendees: attendance(group.members, k),
        record: {
          minutes: `${group.name}组织学习交流，收集到群众关于村内路灯维修、冬季取暖的意见 3 条，已报支部委员会。`,
          resolutions: null,
          recordedAt: late ? at(m, 28, '10:00') : at(m, 15, '21:00'),
          ...(late && { lateReason: '小组长外出，纸质记录返村后补录' }),
        },
      });
    }
    if (k === 1) {
      for (const [typeCode, name, day] of [
        ['party_lecture', '党课', 20],
        ['branch_assembly', '支部党员大会', 25],
      ] as const) {
        await party.meetings.createDemoMeeting(tx, {
          id: id(4, ++n),
          organisation: branch,
          typeCode,
          title: `${mm}月${name}`,
          startsAt: at(m, day, '09:00'),
          endsAt: at(m, day, '11:00'),
          mode: 'hybrid',
          place: '西阳邱村党群服务中心',
          onlineUrl: 'https://meeting.tencent.com/dm/demo-xiyangqiu',
          agenda: typeCode === 'party_lecture' ? '书记讲党课：发挥党员先锋模范作用，助力乡村振兴' : '一、讨论刘红梅同志预备期表现\n二、通报党费收缴情况',
          by,
          attendees: attendance(paying, 2),
          record: {
            minutes: typeCode === 'party_lecture' ? '支部书记以“发挥党员先锋模范作用，助力乡村振兴”为题讲授党课，党员们结合自身谈了体会。' : '会议通报了党费收缴情况，听取了预备党员思想汇报。',
            resolutions: typeCode === 'branch_assembly' ? '督促孙卫东同志按时交纳党费。' : null,
            recordedAt: at(m, day, '11:30'),
          },
        });
      }
    }
  }
  // Coming up: the committee meeting in a few days, members told on their phones.
  const start = upcomingMeetingStart(now);
  await party.meetings.createDemoMeeting(tx, {
    id: id(4, ++n),
    organisation: branch,
    typeCode: 'branch_committee',
    title: `${monthNumber(monthAt(start))}月支部委员会`,
    startsAt: start,
    endsAt: new Date(start.getTime() + 90 * 60_000),
    mode: 'onsite',
    place: '西阳邱村委会议室',
    onlineUrl: null,
    agenda: '一、研究年底民主评议党员工作\n二、部署冬季安全生产',
    by,
    attendees: [byId(1), byId(2), byId(4)].map((mem) => ({ member: mem, status: 'expected' as const })),
  });
}

async function seedDuesAndStudy(tx: Db, party: PartyServices, members: MemberRow[], by: { id: string; name: string }, month: string, now: Date) {
  const brackets = await party.organisations.duesBrackets(tx);
  for (const spec of demoPartyMembers) {
    const member = members.find((m) => m.id === id(3, spec.n));
    if (!member || (member.status !== 'full' && member.status !== 'probationary')) continue;
    const owed: string[] = [];
    for (let k = 8; k >= 1; k--) owed.push(monthsBack(month, k));
    const paid = owed.slice(0, owed.length - (spec.unpaid ?? 0));
    const amount = monthlyDues({ declaredIncomeCents: member.declared_income_cents, fixedDuesCents: member.fixed_dues_cents }, brackets).amountCents;
    await party.dues.createDemoPayments(tx, member, paid, amount, by);
  }
  const materials = [
    { n: 1, title: '中国共产党章程', kind: 'link' as const, url: 'https://www.12371.cn/special/dzgz/', body: '学习党章，重点学习党员的义务和权利。', minutes: 120 },
    { n: 2, title: '中国共产党纪律处分条例', kind: 'link' as const, url: 'https://www.12371.cn/', body: '', minutes: 90 },
    {
      n: 3,
      title: '数字乡村建设与基层治理',
      kind: 'article' as const,
      url: null,
      body: '黑堡乡依托数字乡村平台推进“线上+线下”乡村治理新模式：群众点单、网格接单、支部评单，小事不出网格、大事不出村。党员要带头使用平台，带头参与网格治理。',
      minutes: 30,
    },
  ];
  const township = (await party.organisations.repository.organisationById(DEMO_COMMITTEE_ID, tx))!;
  for (const m of materials) {
    await party.study.createDemoMaterial(tx, {
      id: id(5, m.n),
      regionCode: township.region_code,
      regionPath: township.region_path,
      title: m.title,
      kind: m.kind,
      url: m.url,
      body: m.body,
      minutes: m.minutes,
      organisationIds: [DEMO_COMMITTEE_ID],
      by,
      at: new Date(now.getTime() - 60 * 86_400_000),
    });
  }
  // Some study this year: more for the secretary, little for the members away.
  const plan: [number, number][] = [
    [1, 9],
    [2, 6],
    [3, 5],
    [4, 4],
    [5, 2],
    [6, 7],
    [7, 1],
  ];
  let r = 0;
  for (const [n, sessions] of plan) {
    const member = members.find((m) => m.id === id(3, n));
    if (!member) continue;
    for (let s = 0; s < sessions; s++) {
      const day = new Date(now.getTime() - (s * 9 + 2) * 86_400_000);
      const material = materials[s % materials.length]!;
      await party.study.createDemoRecord(tx, {
        id: id(6, ++r),
        member,
        materialId: id(5, material.n),
        title: material.title,
        minutes: material.minutes,
        studiedOn: new Date(day.getTime() + 8 * 3_600_000).toISOString().slice(0, 10),
        at: day,
      });
    }
  }
}
