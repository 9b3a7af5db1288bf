import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { tokenStore } from '@/shared/http';
import { loadMe, me } from '@/shared/session';
import CaseView from './views/CaseView.vue';
import DraftsView from './views/DraftsView.vue';
import HomeView from './views/HomeView.vue';
import LoginView from './views/LoginView.vue';
import MeView from './views/MeView.vue';
import MyCasesView from './views/MyCasesView.vue';
import PasswordView from './views/PasswordView.vue';
import ClaimsView from './views/points/ClaimsView.vue';
import ClaimView from './views/points/ClaimView.vue';
import HistoryView from './views/points/HistoryView.vue';
import HouseholdView from './views/points/HouseholdView.vue';
import OrdersView from './views/points/OrdersView.vue';
import PointsView from './views/points/PointsView.vue';
import RankingView from './views/points/RankingView.vue';
import StoreView from './views/points/StoreView.vue';
import ReportView from './views/ReportView.vue';
import TabsLayout from './views/TabsLayout.vue';
import WorkView from './views/WorkView.vue';
import BroadcastView from './views/broadcast/BroadcastView.vue';

/**
 * Routes of the phone app, by domain: auth, home/me, cases (villager, grid worker, branch).
 * Views are bundled eagerly, not lazily: a villager who loses the network mid-report must still
 * reach the drafts page, and the whole app is small.
 */
const authRoutes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: LoginView, meta: { public: true } },
  { path: '/password', name: 'password', component: PasswordView },
];

const caseRoutes: RouteRecordRaw[] = [
  { path: 'report', name: 'report', component: ReportView },
  { path: 'work', name: 'work', component: WorkView },
];

const caseDetailRoutes: RouteRecordRaw[] = [
  { path: '/cases/mine', name: 'my-cases', component: MyCasesView },
  { path: '/cases/:id', name: 'case', component: CaseView, props: true },
  { path: '/drafts', name: 'drafts', component: DraftsView },
];

/** 积分制 and 积分超市: the tab page, and its pages with a back button. */
const pointsRoutes: RouteRecordRaw[] = [
  { path: '/points/history', name: 'points-history', component: HistoryView },
  { path: '/points/claims', name: 'points-claims', component: ClaimsView },
  { path: '/points/claims/new', name: 'points-claim', component: ClaimView },
  { path: '/points/store', name: 'points-store', component: StoreView },
  { path: '/points/orders', name: 'points-orders', component: OrdersView },
  { path: '/points/ranking', name: 'points-ranking', component: RankingView },
  { path: '/points/household', name: 'points-household', component: HouseholdView },
];

/** 村村响: cadres and branch secretaries broadcast a text to their village's loudspeakers. */
const broadcastRoutes: RouteRecordRaw[] = [{ path: '/broadcast', name: 'broadcast', component: BroadcastView }];

const routes: RouteRecordRaw[] = [
  ...authRoutes,
  {
    path: '/',
    component: TabsLayout,
    children: [
      { path: '', redirect: { name: 'home' } },
      { path: 'home', name: 'home', component: HomeView },
      { path: 'me', name: 'me', component: MeView },
      ...caseRoutes,
      { path: 'points', name: 'points', component: PointsView },
    ],
  },
  ...caseDetailRoutes,
  ...pointsRoutes,
  ...broadcastRoutes,
  { path: '/:rest(.*)*', redirect: { name: 'home' } },
];

export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes,
  scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
});

router.beforeEach(async (to) => {
  if (to.meta.public) return true;
  if (!tokenStore.get() || !(await loadMe())) return { name: 'login', query: to.fullPath === '/home' ? {} : { redirect: to.fullPath } };
  if (me.value?.user.mustChangePassword && to.name !== 'password') return { name: 'password' };
  return true;
});
