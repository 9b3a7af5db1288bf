import { createApp } from 'vue';
import { configureHttp } from '@/shared/http';
import { lang, setLang } from '@/shared/i18n';
import App from './App.vue';
import { showToast, view } from './state';
import './screen.css';

/**
 * 智慧大屏: the township's 1920×1080 big screen (served at /screen/). One page, no router: the
 * sign-in form when no one is signed in (the session cookie is shared with the other apps), else the board.
 */
configureHttp({
  toast: showToast,
  onUnauthenticated: () => (view.value = 'login'),
  onPasswordChangeRequired: () => (view.value = 'password'),
});
setLang(lang.value);

createApp(App).mount('#app');
