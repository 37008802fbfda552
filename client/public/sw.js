// App-shell cache: the built client (hashed assets, fonts, index.html) so that a reload while the
// server is unreachable still opens the console; documents come from IndexedDB, operation data
// from localStorage. API and sync traffic is never cached here.
const CACHE = 'jointmap-shell-v1';

/** The shell: index.html, the scripts and styles it names, and the chunks/worker those name. */
async function shellUrls() {
  const html = await (await fetch('/', { cache: 'no-store' })).text();
  const urls = new Set(['/']);
  const scan = (text) => {
    for (const m of text.matchAll(/\/?assets\/[\w.-]+\.(?:m?js|css)/g))
      urls.add(m[0].startsWith('/') ? m[0] : `/${m[0]}`);
  };
  scan(html);
  for (const u of [...urls].filter((u) => u.endsWith('.js'))) scan(await (await fetch(u)).text());
  return [...urls];
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(await shellUrls());
      await self.skipWaiting();
    })(),
  );
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
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/sync/') || url.pathname.startsWith('/socket.io'))
    return;
  const isAsset = url.pathname.startsWith('/assets/');
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      if (isAsset) {
        const hit = await cache.match(event.request);
        if (hit) return hit;
      }
      try {
        const res = await fetch(event.request);
        if (res.ok) void cache.put(event.request, res.clone());
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
