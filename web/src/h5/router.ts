import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { tokenStore } from '@/shared/http';
import { loadMe, me } from '@/shared/session';

/** Routes of the phone app, by domain: auth, home/me, cases (villager, grid worker, branch). */
const authRoutes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { public: true } },
  { path: '/password', name: 'password', component: () => import('./views/PasswordView.vue') },
];

const caseRoutes: RouteRecordRaw[] = [
  { path: 'report', name: 'report', component: () => import('./views/ReportView.vue') },
  { path: 'work', name: 'work', component: () => import('./views/WorkView.vue') },
];

const caseDetailRoutes: RouteRecordRaw[] = [
  { path: '/cases/mine', name: 'my-cases', component: () => import('./views/MyCasesView.vue') },
  { path: '/cases/:id', name: 'case', component: () => import('./views/CaseView.vue'), props: true },
  { path: '/drafts', name: 'drafts', component: () => import('./views/DraftsView.vue') },
];

const routes: RouteRecordRaw[] = [
  ...authRoutes,
  {
    path: '/',
    component: () => import('./views/TabsLayout.vue'),
    children: [
      { path: '', redirect: { name: 'home' } },
      { path: 'home', name: 'home', component: () => import('./views/HomeView.vue') },
      { path: 'me', name: 'me', component: () => import('./views/MeView.vue') },
      ...caseRoutes,
    ],
  },
  ...caseDetailRoutes,
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
