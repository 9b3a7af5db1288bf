import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { loadMe, me } from '@/shared/session';
import CaseView from './views/CaseView.vue';
import DraftsView from './views/DraftsView.vue';
import HomeView from './views/HomeView.vue';
import LoginView from './views/LoginView.vue';
import MeView from './views/MeView.vue';
import MyCasesView from './views/MyCasesView.vue';
import PasswordView from './views/PasswordView.vue';
import SessionsView from './views/SessionsView.vue';
import NotifySettingsView from './views/NotifySettingsView.vue';
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
import AlarmView from './views/alarms/AlarmView.vue';
import BroadcastView from './views/broadcast/BroadcastView.vue';
import PartyDuesView from './views/party/DuesView.vue';
import PartyMeetingsView from './views/party/MeetingsView.vue';
import PartyMeetingView from './views/party/MeetingView.vue';
import PartySignInView from './views/party/SignInView.vue';
import PartyStudyView from './views/party/StudyView.vue';
import PartyView from './views/party/PartyView.vue';
import ArchiveView from './views/village/ArchiveView.vue';
import CareTasksView from './views/village/CareTasksView.vue';
import FamilyView from './views/village/FamilyView.vue';
import GuidesView from './views/village/GuidesView.vue';
import GuideView from './views/village/GuideView.vue';
import MyRequestsView from './views/village/MyRequestsView.vue';
import NoticesView from './views/village/NoticesView.vue';
import NoticeView from './views/village/NoticeView.vue';
import RequestFormView from './views/village/RequestFormView.vue';
import RequestView from './views/village/RequestView.vue';
import ResidentView from './views/village/ResidentView.vue';
import VisitView from './views/village/VisitView.vue';
import JoinStatusView from './views/registration/JoinStatusView.vue';
import JoinView from './views/registration/JoinView.vue';
import RegistrationsView from './views/registration/RegistrationsView.vue';

/**
 * Routes of the phone app, by domain: auth, home/me, cases (villager, grid worker, branch).
 * Views are bundled eagerly, not lazily: a villager who loses the network mid-report must still
 * reach the drafts page, and the whole app is small.
 */
const authRoutes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: LoginView, meta: { public: true } },
  { path: '/password', name: 'password', component: PasswordView },
  { path: '/sessions', name: 'sessions', component: SessionsView },
  { path: '/settings/notifications', name: 'notify-settings', component: NotifySettingsView },
];

const caseRoutes: RouteRecordRaw[] = [
  { path: 'report', name: 'report', component: ReportView },
  { path: 'work', name: 'work', component: WorkView },
];

const caseDetailRoutes: RouteRecordRaw[] = [
  { path: '/cases/mine', name: 'my-cases', component: MyCasesView },
  { path: '/cases/:id', name: 'case', component: CaseView, props: true },
  { path: '/drafts', name: 'drafts', component: DraftsView },
  // 告警详情, where alarm notifications (and their Web Push) open.
  { path: '/alarms/:id', name: 'alarm', component: AlarmView, props: true },
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

/** 智慧党建 for members: the tab page, meetings (sign-in by link or scanned code), study, dues. */
const partyRoutes: RouteRecordRaw[] = [
  { path: '/party/meetings', name: 'party-meetings', component: PartyMeetingsView },
  { path: '/party/meetings/:id', name: 'party-meeting', component: PartyMeetingView, props: true },
  { path: '/party/sign-in/:id', name: 'party-sign-in', component: PartySignInView, props: true },
  { path: '/party/study', name: 'party-study', component: PartyStudyView },
  { path: '/party/dues', name: 'party-dues', component: PartyDuesView },
];

/** 乡村信息 (notices; a village's public archive needs no login), 办证办事 (guides, requests), 养老 (care, family). */
const villageRoutes: RouteRecordRaw[] = [
  { path: '/notices', name: 'notices', component: NoticesView },
  { path: '/notices/:id', name: 'notice', component: NoticeView, props: true },
  { path: '/archive/:village', name: 'archive', component: ArchiveView, props: true, meta: { public: true } },
  { path: '/archive/:village/:id', name: 'archive-notice', component: NoticeView, props: (route) => ({ id: route.params.id, publicMode: true }), meta: { public: true } },
  { path: '/services', name: 'guides', component: GuidesView },
  { path: '/services/:id', name: 'guide', component: GuideView, props: true },
  { path: '/services/:id/request', name: 'guide-request', component: RequestFormView, props: true },
  { path: '/requests', name: 'my-requests', component: MyRequestsView },
  { path: '/requests/:id', name: 'request', component: RequestView, props: true },
  { path: '/care', name: 'care', component: CareTasksView },
  { path: '/care/residents/:id', name: 'resident', component: ResidentView, props: true },
  { path: '/care/residents/:id/visit', name: 'resident-visit', component: VisitView, props: true },
  { path: '/family', name: 'family', component: FamilyView },
];

/** 村民注册: the join page of a village's poster and its status (no login), the cadres' decisions. */
const registrationRoutes: RouteRecordRaw[] = [
  { path: '/join/status', name: 'join-status', component: JoinStatusView, meta: { public: true } },
  { path: '/join/:token', name: 'join', component: JoinView, props: true, meta: { public: true } },
  { path: '/registrations', name: 'registrations', component: RegistrationsView },
];

const routes: RouteRecordRaw[] = [
  ...authRoutes,
  ...registrationRoutes,
  {
    path: '/',
    component: TabsLayout,
    children: [
      { path: '', redirect: { name: 'home' } },
      { path: 'home', name: 'home', component: HomeView },
      { path: 'me', name: 'me', component: MeView },
      ...caseRoutes,
      { path: 'points', name: 'points', component: PointsView },
      { path: 'party', name: 'party', component: PartyView },
    ],
  },
  ...caseDetailRoutes,
  ...pointsRoutes,
  ...broadcastRoutes,
  ...partyRoutes,
  ...villageRoutes,
  { path: '/:rest(.*)*', redirect: { name: 'home' } },
];

export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes,
  scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
});

router.beforeEach(async (to) => {
  if (to.meta.public) return true;
  if (!(await loadMe())) return { name: 'login', query: to.fullPath === '/home' ? {} : { redirect: to.fullPath } };
  if (me.value?.user.mustChangePassword && to.name !== 'password') return { name: 'password' };
  return true;
});
