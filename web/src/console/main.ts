import { createApp } from 'vue';
import { ElMessage } from 'element-plus';
import 'element-plus/es/components/message/style/css';
import 'element-plus/es/components/message-box/style/css';
import 'element-plus/es/components/loading/style/css';
import 'element-plus/es/components/notification/style/css';
import 'element-plus/theme-chalk/el-var.css';
import { configureHttp } from '@/shared/http';
import { lang, setLang } from '@/shared/i18n';
import App from './App.vue';
import { router } from './router';
import './console.css';

configureHttp({
  toast: (message) => ElMessage({ type: 'error', message, showClose: true, duration: 5000, grouping: true }),
  onUnauthenticated: () => {
    const current = router.currentRoute.value;
    if (current.name !== 'login') void router.replace({ name: 'login', query: { redirect: current.fullPath } });
  },
  onPasswordChangeRequired: () => void router.replace({ name: 'password' }),
});
setLang(lang.value);

createApp(App).use(router).mount('#app');
