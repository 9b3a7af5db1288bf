import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { hasPermission, loadMe, me } from '@/shared/session';

/** Console routes, one group per domain; `meta.permission` hides what the role may not use. */
const authRoutes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { public: true } },
  { path: '/password', name: 'password', component: () => import('./views/PasswordView.vue') },
];

const caseRoutes: RouteRecordRaw[] = [
  { path: 'cases', name: 'cases', component: () => import('./views/CasesView.vue') },
  { path: 'cases/:id', name: 'case', component: () => import('./views/CaseDetailView.vue'), props: true },
  { path: 'categories', name: 'categories', component: () => import('./views/CategoriesView.vue') },
];

const regionRoutes: RouteRecordRaw[] = [{ path: 'regions', name: 'regions', component: () => import('./views/RegionsView.vue') }];

const userRoutes: RouteRecordRaw[] = [
  { path: 'users', name: 'users', component: () => import('./views/UsersView.vue'), meta: { permission: 'users.read' } },
];

/** 账号安全: one's own signed-in devices. */
const accountRoutes: RouteRecordRaw[] = [{ path: 'account/sessions', name: 'sessions', component: () => import('./views/SessionsView.vue') }];

const auditRoutes: RouteRecordRaw[] = [
  { path: 'audit', name: 'audit', component: () => import('./views/AuditView.vue'), meta: { permission: 'audit.read' } },
];

/** 积分制 and 积分超市. */
const pointsRoutes: RouteRecordRaw[] = [
  { path: 'points/rules', name: 'points-rules', component: () => import('./views/points/RulesView.vue'), meta: { permission: 'points.rules.write' } },
  { path: 'points/claims', name: 'points-claims', component: () => import('./views/points/ClaimsView.vue'), meta: { permission: 'points.approve' } },
  { path: 'points/store', name: 'points-store', component: () => import('./views/points/StoreView.vue'), meta: { permission: 'points.store.manage' } },
  { path: 'points/ledger', name: 'points-ledger', component: () => import('./views/points/LedgerView.vue'), meta: { permission: 'points.ledger.read' } },
  { path: 'points/ranking', name: 'points-ranking', component: () => import('./views/points/RankingView.vue') },
];

/** 云广播: history, compose, programmes, speakers, and one broadcast's live delivery view. */
const broadcastRoutes: RouteRecordRaw[] = [
  { path: 'broadcasts', name: 'broadcasts', component: () => import('./views/broadcast/BroadcastsView.vue'), meta: { permission: 'broadcast.read' } },
  { path: 'broadcasts/new', name: 'broadcast-compose', component: () => import('./views/broadcast/ComposeView.vue'), meta: { permission: 'broadcast.send' } },
  { path: 'broadcasts/schedules', name: 'broadcast-schedules', component: () => import('./views/broadcast/SchedulesView.vue'), meta: { permission: 'broadcast.read' } },
  { path: 'broadcasts/speakers', name: 'broadcast-speakers', component: () => import('./views/broadcast/SpeakersView.vue'), meta: { permission: 'devices.read' } },
  { path: 'broadcasts/:id', name: 'broadcast', component: () => import('./views/broadcast/DeliveryView.vue'), props: true, meta: { permission: 'broadcast.read' } },
];

/** 平安乡村: cameras (and one camera's picture with its warning zones), alarms. */
const safeVillageRoutes: RouteRecordRaw[] = [
  { path: 'safe-village/cameras', name: 'cameras', component: () => import('./views/safe-village/CamerasView.vue'), meta: { permission: 'cameras.read' } },
  { path: 'safe-village/cameras/:id', name: 'camera', component: () => import('./views/safe-village/CameraDetailView.vue'), props: true, meta: { permission: 'cameras.read' } },
  { path: 'safe-village/alarms', name: 'alarms', component: () => import('./views/safe-village/AlarmsView.vue'), meta: { permission: 'cameras.read' } },
];

/** 用水预警: meters, alerts, one alert with its chart. */
const waterRoutes: RouteRecordRaw[] = [
  { path: 'water/meters', name: 'water-meters', component: () => import('./views/water/MetersView.vue'), meta: { permission: 'water.read' } },
  { path: 'water/alerts', name: 'water-alerts', component: () => import('./views/water/AlertsView.vue'), meta: { permission: 'water.read' } },
  { path: 'water/alerts/:id', name: 'water-alert', component: () => import('./views/water/AlertDetailView.vue'), props: true, meta: { permission: 'water.read' } },
];

/** 智慧党建: organisations, members, meeting planning and records, completion, study, dues (secretaries and staff). */
const partyRoutes: RouteRecordRaw[] = [
  { path: 'party/organisations', name: 'party-organisations', component: () => import('./views/party/OrganisationsView.vue'), meta: { permission: 'party.manage' } },
  { path: 'party/members', name: 'party-members', component: () => import('./views/party/MembersView.vue'), meta: { permission: 'party.manage' } },
  { path: 'party/meetings', name: 'party-meetings', component: () => import('./views/party/MeetingsView.vue'), meta: { permission: 'party.manage' } },
  { path: 'party/meetings/:id', name: 'party-meeting', component: () => import('./views/party/MeetingDetailView.vue'), props: true, meta: { permission: 'party.manage' } },
  { path: 'party/completion', name: 'party-completion', component: () => import('./views/party/CompletionView.vue'), meta: { permission: 'party.manage' } },
  { path: 'party/study', name: 'party-study', component: () => import('./views/party/StudyView.vue'), meta: { permission: 'party.manage' } },
  { path: 'party/dues', name: 'party-dues', component: () => import('./views/party/DuesView.vue'), meta: { permission: 'party.manage' } },
];

/** 乡村服务: notices (村务公开), the service catalogue and requests queue (办证办事), the elderly register, visit plans, meals (养老). */
const villageRoutes: RouteRecordRaw[] = [
  { path: 'notices', name: 'vs-notices', component: () => import('./views/village/NoticesView.vue'), meta: { permission: 'notices.publish' } },
  { path: 'service-guides', name: 'vs-guides', component: () => import('./views/village/GuidesView.vue') },
  { path: 'service-requests', name: 'vs-requests', component: () => import('./views/village/RequestsView.vue'), meta: { permission: 'services.handle' } },
  { path: 'elderly', name: 'vs-elderly', component: () => import('./views/village/ElderlyView.vue'), meta: { permission: 'elderly.read' } },
  { path: 'elderly/plans', name: 'vs-plans', component: () => import('./views/village/ElderlyView.vue'), props: { plans: true }, meta: { permission: 'elderly.read' } },
  { path: 'elderly/meals', name: 'vs-meals', component: () => import('./views/village/MealsView.vue'), meta: { permission: 'elderly.read' } },
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
