import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { App } from './app.js';
import { AppError } from './errors.js';

/** The built web apps (`npm run build:web`): web/dist/h5 (phones, Vant), web/dist/console (desktops, Element Plus) and web/dist/screen (智慧大屏). */
export const defaultWebDist = fileURLToPath(new URL('../../../web/dist', import.meta.url));
export const webApps = ['h5', 'console', 'screen'] as const;

/** Vite names every file under assets/ by its content hash, so those never change. */
const HASHED_ASSET = /\/assets\/[^/]+$/;

/**
 * Serves each built app under its own prefix, with SPA fallback: a page route such as
 * /h5/cases/… answers with that app's index.html; a missing file (a path with an extension)
 * stays a 404 in the platform's error shape. Hashed assets are cached for a year, index.html
 * never. Pre-compressed .br/.gz files written by the build are preferred when the browser accepts them.
 * With no build (API tests, a checkout that never ran `npm start`), only the API is served.
 * Returns the apps it serves.
 */
export async function registerWebApps(app: App, dist: string = defaultWebDist): Promise<string[]> {
  const built = webApps.filter((name) => existsSync(path.join(dist, name, 'index.html')));
  const missing = webApps.filter((name) => !built.includes(name));
  if (missing.length > 0) {
    app.log.warn({ dist, missing }, 'web apps not built (run `npm run build:web`); serving the API without them');
  }

  for (const name of built) {
    await app.register(
      async (scope: App) => {
        await scope.register(fastifyStatic, {
          root: path.join(dist, name),
          prefix: '/',
          index: ['index.html'],
          preCompressed: true,
          cacheControl: false,
          setHeaders(reply, filePath) {
            const hashed = HASHED_ASSET.test(filePath.split(path.sep).join('/'));
            reply.header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
          },
        });
        // /h5 → /h5/ (relative asset URLs and the router's base need the slash).
        scope.get('/', { schema: { hide: true }, prefixTrailingSlash: 'no-slash' }, async (_request, reply) => reply.redirect(`/${name}/`, 301));
        scope.setNotFoundHandler(async (request, reply) => {
          const pathname = request.url.split('?')[0] ?? '';
          const isPage = (request.method === 'GET' || request.method === 'HEAD') && path.posix.extname(pathname) === '';
          if (isPage) return reply.header('cache-control', 'no-cache').sendFile('index.html');
          return reply.status(404).send(new AppError('ROUTE_NOT_FOUND').toBody(request.id));
        });
      },
      { prefix: `/${name}` },
    );
  }
  return built;
}
