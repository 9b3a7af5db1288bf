import { createApp, watch } from 'vue';
import { Locale, showFailToast } from 'vant';
import enUS from 'vant/es/locale/lang/en-US';
import zhCN from 'vant/es/locale/lang/zh-CN';
import 'vant/es/toast/style';
import 'vant/es/dialog/style';
import 'vant/es/image-preview/style';
import { configureHttp } from '@/shared/http';
import { lang, setLang } from '@/shared/i18n';
import { startOutbox } from '@/shared/outbox';
import App from './App.vue';
import { router } from './router';
import './h5.css';

configureHttp({
  toast: (message) => showFailToast({ message, wordBreak: 'break-word', duration: 3000 }),
  onUnauthenticated: () => {
    const current = router.currentRoute.value;
    if (current.name !== 'login') void router.replace({ name: 'login', query: { redirect: current.fullPath } });
  },
  onPasswordChangeRequired: () => void router.replace({ name: 'password' }),
});

watch(lang, (l) => Locale.use(l === 'en' ? 'en-US' : 'zh-CN', l === 'en' ? enUS : zhCN), { immediate: true });
setLang(lang.value);

createApp(App).use(router).mount('#app');
startOutbox();

// Offline start-up (cached app shell); browsers allow it on https and localhost only.
if ('serviceWorker' in navigator && window.isSecureContext && import.meta.env.PROD) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register(`${import.meta.env.BASE_URL}sw.js`, { scope: import.meta.env.BASE_URL }).catch(() => undefined);
  });
}
