import type { MetaRepository } from '../../platform/db/meta.repository.js';
import { localDate } from '../../platform/working-time.js';
import { demoHouseholds } from '../points/points.demo.js';
import type { VillageServices } from './village-services.routes.js';
import { chinaMidnight } from './visit-plan.js';

/**
 * Demo data of 乡村信息、办证办事、养老 in Heibao township: a few notices (one to the whole township),
 * the township's catalogue of service guides, and elderly residents of 西阳邱村's first grid with
 * visit plans in every state, one living alone who gets meals delivered. Names are invented; the
 * offices and procedures are the usual ones of a Hebei township, written for the demo (check the
 * real local rules before relying on them). Idempotent: fixed ids, and a marker once done.
 */
export const VILLAGE_SERVICES_DEMO_MARKER = 'demo_village_services_seeded_at';

const TOWNSHIP = '130631202'; // 黑堡乡
const XIYANGQIU = '130631202206'; // 西阳邱村
const GRID_1 = `${XIYANGQIU}01`;
const id = (n: number) => `5a1e0000-0000-4000-8000-0000000010${String(n).padStart(2, '0')}`;
const DAY = 86_400_000;
const OFFICE = '黑堡乡便民服务中心（乡政府一楼，西阳邱村）';
const HOURS = '工作日 8:30–12:00，13:30–17:30';

export const demoNotices = [
  {
    id: id(1),
    regionCode: TOWNSHIP,
    kind: 'notice' as const,
    title: '关于缴纳2027年度城乡居民医疗保险费的通知',
    body:
      '各村村民：2027年度城乡居民基本医疗保险（原新农合）集中缴费已经开始，缴费截止日期为12月31日。\n' +
      '缴费方式：可在村委会由代办员统一代缴，也可通过“河北医保”公众号或银行网点自行缴纳。\n' +
      '低保、特困、重度残疾等困难群众的个人缴费部分由政府按规定资助，请带好户口本到村委会登记。\n' +
      '不清楚的地方，可在“办事指南”中查看“城乡居民医保缴费”，或在手机上申请代办。',
    pinned: true,
    byName: '黑堡乡党政办',
    daysAgo: 3,
  },
  {
    id: id(2),
    regionCode: XIYANGQIU,
    kind: 'affairs' as const,
    affairsCategory: 'finance' as const,
    title: '西阳邱村2026年第三季度财务收支公开',
    body:
      '根据村务公开制度，现将本村2026年7月至9月财务收支情况公布如下：\n' +
      '一、收入合计 86,420 元：上级转移支付 60,000 元，集体土地承包费 24,800 元，其他 1,620 元。\n' +
      '二、支出合计 71,350 元：村内道路维修 32,600 元，老年餐桌食材 18,900 元，办公及水电 9,850 元，环境整治 10,000 元。\n' +
      '三、季度结余 15,070 元。\n' +
      '村民对以上内容有疑问的，可在公示之日起 7 日内向村务监督委员会反映。',
    pinned: false,
    byName: '西阳邱村委会',
    daysAgo: 12,
  },
  {
    id: id(3),
    regionCode: XIYANGQIU,
    kind: 'affairs' as const,
    affairsCategory: 'subsidy' as const,
    title: '2026年耕地地力保护补贴发放情况公示',
    body: '2026年耕地地力保护补贴已核定，本村共 412 户，补贴面积 3,958 亩，每亩 103 元，将直接打入各户“一卡通”。公示期 7 天，对面积有异议的请到村委会核实。',
    pinned: false,
    byName: '西阳邱村委会',
    daysAgo: 20,
  },
  {
    id: id(4),
    regionCode: XIYANGQIU,
    kind: 'news' as const,
    title: '村老年餐桌开始为出行不便的老人送餐',
    body:
      '村老年餐桌从本月起为本村 70 岁以上老人免费提供小米粥，并为出行不便的老人免费送餐上门。' +
      '需要送餐的老人或家属，可以找网格员登记，也可以在手机上“我的家人”中申请。网格员每月至少上门看望一次独居老人。',
    pinned: false,
    byName: '西阳邱村委会',
    daysAgo: 5,
  },
  {
    id: id(5),
    regionCode: XIYANGQIU,
    kind: 'notice' as const,
    title: '冬季取暖安全提醒',
    body:
      '天气转冷，请各家各户注意取暖安全：使用煤炉要安装烟囱和风斗，睡前检查炉火，门窗留缝通风，防止一氧化碳中毒；' +
      '不要私拉乱接电线，电暖器远离窗帘被褥。家中有独居老人的，请亲属多打电话问候。如有紧急情况请拨打 120 或联系网格员。',
    pinned: true,
    byName: '西阳邱村委会',
    daysAgo: 1,
  },
];

const guide = (n: number, g: Omit<Parameters<VillageServices['services']['createDemoGuide']>[1], 'id' | 'office' | 'hours' | 'phone' | 'allowAppointment' | 'allowProxy' | 'active'> & Partial<{ office: string; hours: string; allowProxy: boolean }>) => ({
  id: id(20 + n),
  office: OFFICE,
  hours: HOURS,
  phone: null,
  allowAppointment: true,
  allowProxy: true,
  active: true,
  ...g,
});

export const demoGuides = [
  guide(1, {
    code: 'hukou_transfer',
    name: '户口迁移',
    category: 'household',
    keywords: '迁户口 落户 户籍 结婚迁入',
    summary: '因结婚、投靠亲属、购房等把户口迁入或迁出本乡。',
    conditions: '迁入：与本乡户籍人员结婚、子女投靠父母、父母投靠子女等；迁出：已在迁入地办妥准迁手续。',
    materials: ['居民户口簿', '本人居民身份证', '结婚证或亲属关系证明', '迁入地准予迁入证明（迁出时）'],
    office: '黑堡派出所户籍窗口',
    fees: '免费',
    timeLimit: '材料齐全当场办结；跨省迁移约 5 个工作日',
    sortOrder: 10,
    allowProxy: false,
  }),
  guide(2, {
    code: 'medical_insurance',
    name: '城乡居民医保缴费（新农合）',
    category: 'social_security',
    keywords: '新农合 医保 合作医疗 缴费 参保',
    summary: '城乡居民基本医疗保险年度缴费，村里可统一代缴。',
    conditions: '本乡户籍且未参加职工医保的城乡居民；困难群众个人缴费部分由政府资助。',
    materials: ['居民身份证或户口簿', '困难群众另带低保证、特困证或残疾人证'],
    fees: '按当年标准缴纳个人部分',
    timeLimit: '每年集中缴费期内当场办结',
    sortOrder: 20,
  }),
  guide(3, {
    code: 'dibao',
    name: '低保申请',
    category: 'civil_affairs',
    keywords: '最低生活保障 低保 救助 困难 生活困难',
    summary: '家庭人均收入低于当地低保标准、生活困难的家庭申请最低生活保障。',
    conditions: '共同生活的家庭成员人均月收入低于当地城乡低保标准，且家庭财产状况符合规定；以家庭为单位申请。',
    materials: ['申请书（村委会可代写）', '户口簿和家庭成员身份证', '家庭收入及财产情况说明', '残疾人证、病历等证明材料（如有）', '本人银行卡或“一卡通”'],
    fees: '免费',
    timeLimit: '乡镇受理后 30 个工作日内审核完毕，结果在村公示 7 天',
    sortOrder: 30,
  }),
  guide(4, {
    code: 'homestead',
    name: '宅基地审批',
    category: 'land',
    keywords: '宅基地 建房 盖房 农村住房',
    summary: '本村村民建房、翻建住房使用宅基地的申请审批，一户只能拥有一处宅基地。',
    conditions: '本村集体经济组织成员，符合分户建房条件或原住房需要翻建，无其他宅基地。',
    materials: ['农村宅基地和建房（规划许可）申请表', '户口簿和申请人身份证', '村民小组会议记录', '建房位置草图', '原宅基地使用证明（翻建时）'],
    fees: '免费',
    timeLimit: '乡镇受理后 20 个工作日内办结',
    sortOrder: 40,
  }),
  guide(5, {
    code: 'disability_card',
    name: '残疾人证办理',
    category: 'disability',
    keywords: '残疾证 残联 评残 残疾鉴定',
    summary: '申请办理第二代中华人民共和国残疾人证，享受残疾人补贴等政策。',
    conditions: '本县户籍，经指定医院评定符合残疾标准。',
    materials: ['户口簿和身份证', '近期二寸白底免冠彩色照片 3 张', '相关病历或诊断证明'],
    office: '望都县残疾人联合会（评残医院见县残联通知）；乡便民服务中心可代办申请',
    fees: '免费（评定费用按县里规定减免）',
    timeLimit: '评定后 20 个工作日内发证',
    sortOrder: 50,
  }),
  guide(6, {
    code: 'senior_allowance',
    name: '高龄津贴申领',
    category: 'civil_affairs',
    keywords: '高龄补贴 老年人 80岁 养老 津贴',
    summary: '80 周岁以上老人按月领取高龄津贴。',
    conditions: '本县户籍，年满 80 周岁。',
    materials: ['老人身份证和户口簿', '老人本人银行卡或“一卡通”'],
    fees: '免费',
    timeLimit: '次月起按月发放',
    sortOrder: 60,
  }),
];

/** Elderly residents of 西阳邱村's first grid; `visitDaysAgo` null: never visited. */
function demoResidents(now: Date) {
  const households = new Map(demoHouseholds.map((h) => [h.name, h.id]));
  const daysAgo = (n: number) => new Date(now.getTime() - n * DAY);
  const monthStart = localDate(now).slice(0, 8) + '01';
  const base = { regionCode: GRID_1, phone: null, emergencyContactName: null, emergencyContactPhone: null, meal: null, planStartsOn: '2026-01-01' };
  return [
    {
      ...base,
      id: id(41),
      name: '王秀英',
      gender: 'female' as const,
      birthDate: '1942-03-15',
      householdId: null,
      address: '西阳邱村前街 26 号',
      livingAlone: true,
      mobility: 'assisted' as const,
      healthNotes: '高血压，每天早上服药；左膝关节炎，出门需拄拐。',
      emergencyContactName: '王建军（儿子，在保定打工）',
      emergencyContactPhone: '13900000041',
      plan: 'monthly' as const,
      // Visited two months back: this month's visit is overdue.
      lastVisit: { id: id(51), at: daysAgo(Number(localDate(now).slice(8, 10)) + 35), visitorPhone: '13800000004', condition: 'attention' as const, notes: '精神尚可，血压偏高，已提醒按时吃药。' },
      meal: { id: id(61), meals: 'lunch' as const, startsOn: localDate(daysAgo(30)), note: '软食，少盐' },
    },
    {
      ...base,
      id: id(42),
      name: '李德福',
      gender: 'male' as const,
      birthDate: '1948-08-02',
      householdId: null,
      address: '西阳邱村后街 9 号',
      livingAlone: true,
      mobility: 'independent' as const,
      healthNotes: null,
      plan: 'monthly' as const,
      // Halfway between the start of this month (China time) and now: visited this month.
      lastVisit: { id: id(52), at: new Date((chinaMidnight(monthStart).getTime() + now.getTime()) / 2), visitorPhone: '13800000004', condition: 'good' as const, notes: '身体硬朗，院子收拾得很干净。' },
    },
    {
      ...base,
      id: id(43),
      name: '张桂兰',
      gender: 'female' as const,
      birthDate: '1951-11-20',
      householdId: households.get('王建国户') ?? null,
      address: '西阳邱村后街 3 号',
      livingAlone: false,
      mobility: 'independent' as const,
      healthNotes: null,
      plan: null,
      lastVisit: null,
    },
    {
      ...base,
      id: id(44),
      name: '赵长庚',
      gender: 'male' as const,
      birthDate: '1938-01-09',
      householdId: households.get('李秀兰户') ?? null,
      address: '西阳邱村东街 8 号',
      livingAlone: false,
      mobility: 'bedridden' as const,
      healthNotes: '脑梗后遗症，卧床，由儿媳照顾；需定期翻身防褥疮。',
      plan: 'weekly' as const,
      planStartsOn: localDate(now),
      lastVisit: null,
    },
    {
      ...base,
      id: id(45),
      name: '刘玉珍',
      gender: 'female' as const,
      birthDate: '1955-06-30',
      householdId: null,
      address: '西阳邱村前街 41 号',
      livingAlone: true,
      mobility: 'independent' as const,
      healthNotes: '糖尿病，自己注射胰岛素。',
      plan: 'monthly' as const,
      lastVisit: { id: id(55), at: daysAgo(Number(localDate(now).slice(8, 10)) + 3), visitorPhone: '13800000004', condition: 'good' as const, notes: '一切正常。' },
    },
  ];
}

export async function seedVillageServicesDemo(s: VillageServices, meta: MetaRepository, now: Date): Promise<void> {
  if (await meta.get(VILLAGE_SERVICES_DEMO_MARKER)) return;
  for (const n of demoNotices) await s.notices.createDemoNotice({ ...n, publishedAt: new Date(now.getTime() - n.daysAgo * DAY) });
  for (const g of demoGuides) await s.services.createDemoGuide(TOWNSHIP, g);
  for (const r of demoResidents(now)) await s.elderly.createDemoResident(r);
  await meta.set(VILLAGE_SERVICES_DEMO_MARKER, now.toISOString());
}
