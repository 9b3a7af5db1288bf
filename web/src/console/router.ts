import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { tokenStore } from '@/shared/http';
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
      ...pointsRoutes,
      ...regionRoutes,
      ...userRoutes,
      ...auditRoutes,
    ],
  },
  { path: '/:rest(.*)*', redirect: { name: 'home' } },
];

export const router = createRouter({ history: createWebHistory(import.meta.env.BASE_URL), routes });

router.beforeEach(async (to) => {
  if (to.meta.public) return true;
  if (!tokenStore.get() || !(await loadMe())) return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } };
  if (me.value?.user.mustChangePassword && to.name !== 'password') return { name: 'password' };
  if (to.meta.permission && !hasPermission(to.meta.permission)) return { name: 'home' };
  return true;
});
