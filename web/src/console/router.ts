import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import {
  AlarmClock,
  Avatar,
  Bell,
  Calendar,
  Checked,
  Coin,
  CollectionTag,
  DataAnalysis,
  Document,
  Food,
  Guide,
  List,
  Location,
  MapLocation,
  Message,
  Medal,
  Microphone,
  Notebook,
  Odometer,
  OfficeBuilding,
  Postcard,
  Reading,
  ShoppingCart,
  Tickets,
  User,
  UserFilled,
  VideoCamera,
  Wallet,
  WarningFilled,
} from '@element-plus/icons-vue';
import { hasPermission, loadMe, me } from '@/shared/session';

/**
 * Console routes, one group per domain; `meta.permission` hides what the role may not use. `meta.menu` puts
 * a page in the sidebar (ConsoleLayout.vue) under its module's group; `meta.menuItem` lights a detail page's entry.
 */
const authRoutes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { public: true } },
  { path: '/password', name: 'password', component: () => import('./views/PasswordView.vue') },
];

const caseRoutes: RouteRecordRaw[] = [
  { path: 'cases', name: 'cases', component: () => import('./views/CasesView.vue'), meta: { menu: { group: 'grid', label: 'nav.cases', icon: List } } },
  { path: 'cases/:id', name: 'case', component: () => import('./views/CaseDetailView.vue'), props: true, meta: { menuItem: 'cases' } },
  { path: 'categories', name: 'categories', component: () => import('./views/CategoriesView.vue'), meta: { menu: { group: 'grid', label: 'nav.categories', icon: CollectionTag } } },
];

const regionRoutes: RouteRecordRaw[] = [{ path: 'regions', name: 'regions', component: () => import('./views/RegionsView.vue'), meta: { menu: { group: 'system', label: 'nav.regions', icon: Location } } }];

const userRoutes: RouteRecordRaw[] = [
  { path: 'users', name: 'users', component: () => import('./views/UsersView.vue'), meta: { permission: 'users.read', menu: { group: 'system', label: 'nav.users', icon: User } } },
  {
    path: 'registrations',
    name: 'registrations',
    component: () => import('./views/registration/RegistrationsView.vue'),
    meta: { permission: 'registrations.manage', menu: { group: 'system', label: 'nav.registrations', icon: User } },
  },
];

/** 账号安全: one's own signed-in devices. */
const accountRoutes: RouteRecordRaw[] = [{ path: 'account/sessions', name: 'sessions', component: () => import('./views/SessionsView.vue') }];

const auditRoutes: RouteRecordRaw[] = [
  { path: 'audit', name: 'audit', component: () => import('./views/AuditView.vue'), meta: { permission: 'audit.read', menu: { group: 'system', label: 'nav.audit', icon: Document } } },
];

/** 短信发送记录: the outbox, with failures (the 工作台 card links here when some failed). */
const smsRoutes: RouteRecordRaw[] = [
  { path: 'sms', name: 'sms-outbox', component: () => import('./views/SmsOutboxView.vue'), meta: { permission: 'sms.read', menu: { group: 'system', label: 'nav.sms', icon: Message } } },
];

/** 值班表: who of the township's staff is on duty each day (the alarm ladder's last step, device faults). */
const dutyRoutes: RouteRecordRaw[] = [
  { path: 'duty', name: 'duty', component: () => import('./views/DutyView.vue'), meta: { permission: 'duty.read', menu: { group: 'system', label: 'nav.duty', icon: Calendar } } },
];

/** 积分制 and 积分超市. */
const pointsRoutes: RouteRecordRaw[] = [
  { path: 'points/rules', name: 'points-rules', component: () => import('./views/points/RulesView.vue'), meta: { permission: 'points.rules.write', menu: { group: 'points', label: 'nav.pointsRules', icon: Coin } } },
  { path: 'points/claims', name: 'points-claims', component: () => import('./views/points/ClaimsView.vue'), meta: { permission: 'points.approve', menu: { group: 'points', label: 'nav.pointsClaims', icon: Checked } } },
  { path: 'points/store', name: 'points-store', component: () => import('./views/points/StoreView.vue'), meta: { permission: 'points.store.manage', menu: { group: 'points', label: 'nav.pointsStore', icon: ShoppingCart } } },
  { path: 'points/ledger', name: 'points-ledger', component: () => import('./views/points/LedgerView.vue'), meta: { permission: 'points.ledger.read', menu: { group: 'points', label: 'nav.pointsLedger', icon: Notebook } } },
  { path: 'points/ranking', name: 'points-ranking', component: () => import('./views/points/RankingView.vue'), meta: { menu: { group: 'points', label: 'nav.pointsRanking', icon: Medal } } },
];

/** 云广播: history, compose, programmes, speakers, and one broadcast's live delivery view. */
const broadcastRoutes: RouteRecordRaw[] = [
  { path: 'broadcasts', name: 'broadcasts', component: () => import('./views/broadcast/BroadcastsView.vue'), meta: { permission: 'broadcast.read', menu: { group: 'broadcast', label: 'nav.broadcastHistory', icon: Microphone } } },
  { path: 'broadcasts/new', name: 'broadcast-compose', component: () => import('./views/broadcast/ComposeView.vue'), meta: { permission: 'broadcast.send', menuItem: 'broadcasts' } },
  { path: 'broadcasts/schedules', name: 'broadcast-schedules', component: () => import('./views/broadcast/SchedulesView.vue'), meta: { permission: 'broadcast.read', menu: { group: 'broadcast', label: 'nav.broadcastSchedules', icon: AlarmClock } } },
  { path: 'broadcasts/speakers', name: 'broadcast-speakers', component: () => import('./views/broadcast/SpeakersView.vue'), meta: { permission: 'devices.read', menu: { group: 'broadcast', label: 'nav.broadcastSpeakers', icon: MapLocation } } },
  { path: 'broadcasts/:id', name: 'broadcast', component: () => import('./views/broadcast/DeliveryView.vue'), props: true, meta: { permission: 'broadcast.read', menuItem: 'broadcasts' } },
];

/** 平安乡村: cameras (and one camera's picture with its warning zones), alarms. */
const safeVillageRoutes: RouteRecordRaw[] = [
  { path: 'safe-village/cameras', name: 'cameras', component: () => import('./views/safe-village/CamerasView.vue'), meta: { permission: 'cameras.read', menu: { group: 'safe-village', label: 'nav.cameras', icon: VideoCamera } } },
  { path: 'safe-village/cameras/:id', name: 'camera', component: () => import('./views/safe-village/CameraDetailView.vue'), props: true, meta: { permission: 'cameras.read', menuItem: 'cameras' } },
  { path: 'safe-village/alarms', name: 'alarms', component: () => import('./views/safe-village/AlarmsView.vue'), meta: { permission: 'cameras.read', menu: { group: 'safe-village', label: 'nav.alarms', icon: Bell } } },
];

/** 用水预警: alerts, meters, one alert with its chart. */
const waterRoutes: RouteRecordRaw[] = [
  { path: 'water/alerts', name: 'water-alerts', component: () => import('./views/water/AlertsView.vue'), meta: { permission: 'water.read', menu: { group: 'water', label: 'nav.waterAlertList', icon: WarningFilled } } },
  { path: 'water/meters', name: 'water-meters', component: () => import('./views/water/MetersView.vue'), meta: { permission: 'water.read', menu: { group: 'water', label: 'nav.waterMeters', icon: Odometer } } },
  { path: 'water/alerts/:id', name: 'water-alert', component: () => import('./views/water/AlertDetailView.vue'), props: true, meta: { permission: 'water.read', menuItem: 'water-alerts' } },
];

/** 智慧党建: organisations, members, meeting planning and records, completion, study, dues (secretaries and staff). */
const partyRoutes: RouteRecordRaw[] = [
  { path: 'party/organisations', name: 'party-organisations', component: () => import('./views/party/OrganisationsView.vue'), meta: { permission: 'party.manage', menu: { group: 'party', label: 'nav.partyOrganisations', icon: OfficeBuilding } } },
  { path: 'party/members', name: 'party-members', component: () => import('./views/party/MembersView.vue'), meta: { permission: 'party.manage', menu: { group: 'party', label: 'nav.partyMembers', icon: Avatar } } },
  { path: 'party/meetings', name: 'party-meetings', component: () => import('./views/party/MeetingsView.vue'), meta: { permission: 'party.manage', menu: { group: 'party', label: 'nav.partyMeetings', icon: Calendar } } },
  { path: 'party/meetings/:id', name: 'party-meeting', component: () => import('./views/party/MeetingDetailView.vue'), props: true, meta: { permission: 'party.manage', menuItem: 'party-meetings' } },
  { path: 'party/completion', name: 'party-completion', component: () => import('./views/party/CompletionView.vue'), meta: { permission: 'party.manage', menu: { group: 'party', label: 'nav.partyCompletion', icon: DataAnalysis } } },
  { path: 'party/study', name: 'party-study', component: () => import('./views/party/StudyView.vue'), meta: { permission: 'party.manage', menu: { group: 'party', label: 'nav.partyStudy', icon: Reading } } },
  { path: 'party/dues', name: 'party-dues', component: () => import('./views/party/DuesView.vue'), meta: { permission: 'party.manage', menu: { group: 'party', label: 'nav.partyDues', icon: Wallet } } },
];

/** 乡村服务: notices (村务公开), the service catalogue and requests queue (办证办事), the elderly register, visit plans, meals (养老). */
const villageRoutes: RouteRecordRaw[] = [
  { path: 'notices', name: 'vs-notices', component: () => import('./views/village/NoticesView.vue'), meta: { permission: 'notices.publish', menu: { group: 'village-services', label: 'vs.nav.notices', icon: Postcard } } },
  { path: 'service-guides', name: 'vs-guides', component: () => import('./views/village/GuidesView.vue'), meta: { menu: { group: 'village-services', label: 'vs.nav.guides', icon: Guide } } },
  { path: 'service-requests', name: 'vs-requests', component: () => import('./views/village/RequestsView.vue'), meta: { permission: 'services.handle', menu: { group: 'village-services', label: 'vs.nav.requests', icon: Tickets } } },
  { path: 'elderly', name: 'vs-elderly', component: () => import('./views/village/ElderlyView.vue'), meta: { permission: 'elderly.read', menu: { group: 'village-services', label: 'vs.nav.elderly', icon: UserFilled } } },
  { path: 'elderly/plans', name: 'vs-plans', component: () => import('./views/village/ElderlyView.vue'), props: { plans: true }, meta: { permission: 'elderly.read', menu: { group: 'village-services', label: 'vs.nav.plans', icon: Calendar } } },
  { path: 'elderly/meals', name: 'vs-meals', component: () => import('./views/village/MealsView.vue'), meta: { permission: 'elderly.read', menu: { group: 'village-services', label: 'vs.nav.meals', icon: Food } } },
];

const routes: RouteRecordRaw[] = [
  ...authRoutes,
  {
    path: '/',
    component: () => import('./views/ConsoleLayout.vue'),
    children: [
      { path: '', name: 'home', component: () => import('./views/HomeView.vue') },
      ...caseRoutes,
      ...broadcastRoutes,
      ...safeVillageRoutes,
      ...waterRoutes,
      ...partyRoutes,
      ...villageRoutes,
      ...pointsRoutes,
      ...regionRoutes,
      ...userRoutes,
      ...auditRoutes,
      ...smsRoutes,
      ...dutyRoutes,
      ...accountRoutes,
    ],
  },
  { path: '/:rest(.*)*', redirect: { name: 'home' } },
];

export const router = createRouter({ history: createWebHistory(import.meta.env.BASE_URL), routes });

router.beforeEach(async (to) => {
  if (to.meta.public) return true;
  if (!(await loadMe())) return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } };
  if (me.value?.user.mustChangePassword && to.name !== 'password') return { name: 'password' };
  if (to.meta.permission && !hasPermission(to.meta.permission)) return { name: 'home' };
  return true;
});
