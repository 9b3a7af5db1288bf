/*
 * 数乡 h5 service worker: lets a villager open the app with no network (a report written then is
 * kept and sent later by the page itself). Pages: network first, the cached shell when offline.
 * Hashed assets: cache first (their names change with their content). The API is never cached.
 * Needs a secure context (https, or localhost); on plain http the page works without it.
 */
const CACHE = 'shuxiang-h5-v1';
const SHELL = '/h5/';

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.add(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || !url.pathname.startsWith('/h5/')) return;

  if (request.mode === 'navigate') {
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok) {
            const copy = response.clone();
            void caches.open(CACHE).then((cache) => cache.put(SHELL, copy));
          }
          return response;
        })
        .catch(() => caches.match(SHELL).then((cached) => cached || Response.error())),
    );
    return;
  }

  if (url.pathname.startsWith('/h5/assets/')) {
    event.respondWith(
      caches.match(request).then(
        (cached) =>
          cached ||
          fetch(request).then((response) => {
            if (response.ok) {
              const copy = response.clone();
              void caches.open(CACHE).then((cache) => cache.put(request, copy));
            }
            return response;
          }),
      ),
    );
  }
});

/*
 * Web Push (src/modules/notifications/web-push.ts sends {id, kind, title, body, url, severity}):
 * shown as a system notification; a tap opens its page in the app, reusing an open window.
 */
self.addEventListener('push', (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { body: event.data ? event.data.text() : '' };
  }
  event.waitUntil(
    self.registration.showNotification(data.title || '数乡', {
      body: data.body || '',
      tag: data.id ? `shuxiang-${data.id}` : undefined,
      data: { url: data.url || SHELL },
      requireInteraction: data.severity === 'high',
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const wanted = new URL((event.notification.data && event.notification.data.url) || SHELL, self.location.origin);
  // Only this app's own pages.
  const target = wanted.origin === self.location.origin && wanted.pathname.startsWith(SHELL) ? wanted.href : new URL(SHELL, self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      const open = windows.find((w) => new URL(w.url).pathname.startsWith(SHELL) && 'navigate' in w);
      return open ? open.navigate(target).then((w) => (w || open).focus()) : self.clients.openWindow(target);
    }),
  );
});
