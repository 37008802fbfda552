/* global VERSION, PRECACHE */
// App-shell cache: the built client (index.html, hashed scripts and styles, the MapLibre worker and
// every font subset) so that a reload while the server is unreachable still opens the console and
// the wall with every character drawn; documents come from IndexedDB, operation data from
// localStorage. API and sync traffic is never cached here. The build (vite-plugins/service-worker.ts)
// prepends `VERSION` and `PRECACHE`, the list of every such file of that build.
const CACHE = `jointmap-shell-${VERSION}`;

/** Put every file of the list in the new cache: hashed files already cached by an older build are copied. */
async function precache() {
  const cache = await caches.open(CACHE);
  const missing = [];
  for (const url of PRECACHE) {
    const old = url.startsWith('/assets/') ? await caches.match(url) : undefined;
    if (old) await cache.put(url, old);
    else missing.push(url);
  }
  // A few at a time: ~300 font files must not open ~300 connections at once.
  for (let i = 0; i < missing.length; i += 16) await cache.addAll(missing.slice(i, i + 16));
}

self.addEventListener('install', (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(keys.filter((k) => k.startsWith('jointmap-shell') && k !== CACHE).map((k) => caches.delete(k))),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/sync/') || url.pathname.startsWith('/socket.io'))
    return;
  const isAsset = url.pathname.startsWith('/assets/');
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      if (isAsset) {
        const hit = await cache.match(event.request, { ignoreSearch: true });
        if (hit) return hit;
      }
      try {
        const res = await fetch(event.request);
        if (res.ok && res.status === 200) void cache.put(event.request, res.clone());
        return res;
      } catch (err) {
        const hit =
          (await cache.match(event.request, { ignoreSearch: true })) ??
          (event.request.mode === 'navigate' ? await cache.match('/') : undefined);
        if (hit) return hit;
        throw err;
      }
    })(),
  );
});
