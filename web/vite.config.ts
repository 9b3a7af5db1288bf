import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import Components from 'unplugin-vue-components/vite';
import { ElementPlusResolver, VantResolver } from 'unplugin-vue-components/resolvers';
import { defineConfig, type Plugin, type UserConfig } from 'vite';

/**
 * Three apps, built one at a time by mode: `vite build -c web/vite.config.ts --mode h5` (Vant, phones,
 * served at /h5/), `--mode console` (Element Plus, desktops, served at /console/) and `--mode screen`
 * (智慧大屏, the township's 1920×1080 big screen with ECharts, no UI kit, served at /screen/). Each gets its own
 * base and output folder so Fastify can serve each under its own prefix with its own SPA fallback.
 * Dev: `vite -c web/vite.config.ts --mode h5` proxies /api to a platform on localhost:8080.
 */
export const apps = ['h5', 'console', 'screen'] as const;
export type WebApp = (typeof apps)[number];

const webRoot = fileURLToPath(new URL('.', import.meta.url));

/**
 * Vant's icon font is embedded (a data: WOFF2) with a fallback on at.alicdn.com. The platform's CSP
 * allows fonts from itself only (and a village's network may not reach the internet), so the fallback goes.
 */
function withoutRemoteFonts(): Plugin {
  return {
    name: 'shuxiang:without-remote-fonts',
    enforce: 'pre',
    transform(code, id) {
      if (!id.split('?')[0]!.endsWith('.css') || !code.includes('at.alicdn.com')) return null;
      return code.replace(/,\s*url\(\/\/at\.alicdn\.com\/[^)]*\)\s*format\(["']woff["']\)/g, '');
    },
  };
}

export function webConfig(app: WebApp): UserConfig {
  return {
    root: fileURLToPath(new URL(`./${app}`, import.meta.url)),
    base: `/${app}/`,
    // h5 ships its service worker (web/h5/public/sw.js) as is, at /h5/sw.js.
    publicDir: app === 'h5' ? fileURLToPath(new URL('./h5/public', import.meta.url)) : false,
    resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
    plugins: [
      vue(),
      withoutRemoteFonts(),
      // The screen uses no UI kit: it imports its few components by hand.
      ...(app === 'screen'
        ? []
        : [
            Components({
              // Template components resolve on demand (with their styles); the d.ts is committed so that
              // `npm run typecheck` knows them without a build.
              dirs: [],
              resolvers: app === 'h5' ? [VantResolver()] : [ElementPlusResolver({ importStyle: 'css' })],
              dts: fileURLToPath(new URL(`./src/${app}/components.d.ts`, import.meta.url)),
            }),
          ]),
    ],
    build: {
      outDir: fileURLToPath(new URL(`./dist/${app}`, import.meta.url)),
      emptyOutDir: true,
      target: 'es2020',
      chunkSizeWarningLimit: 900,
    },
    server: {
      fs: { allow: [webRoot, fileURLToPath(new URL('../node_modules', import.meta.url))] },
      proxy: { '/api': process.env.SHUXIANG_API ?? 'http://localhost:8080' },
    },
    logLevel: 'warn',
  };
}

export default defineConfig(({ mode }) => webConfig(mode === 'console' || mode === 'screen' ? mode : 'h5'));
