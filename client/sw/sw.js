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

/**
 * How long a page load waits for the server before the kept shell opens instead. A link that
 * drops everything without closing (a cut cable, a dead radio link) never fails the request: without
 * this, a reload during such a cut shows nothing for minutes instead of the offline copy.
 */
const NAVIGATION_WAIT_MS = 3_000;

/**
 * Keep a good answer for the next offline load (never an error page, nor a partial one). The copy
 * is taken at once, before the page starts reading the answer.
 */
async function keep(request, res) {
  if (!res.ok || res.status !== 200) return;
  const copy = res.clone();
  const cache = await caches.open(CACHE);
  await cache.put(request, copy).catch(() => undefined);
}

/**
 * A page load: the server's answer if it comes within {@link NAVIGATION_WAIT_MS}, else (or when the
 * request fails) the kept shell; an answer that comes later still refreshes the kept copy.
 */
async function navigate(event, network) {
  const cache = await caches.open(CACHE);
  let timer;
  const waited = new Promise((resolve) => (timer = setTimeout(() => resolve(null), NAVIGATION_WAIT_MS)));
  const answer = await Promise.race([network.catch(() => null), waited]);
  clearTimeout(timer);
  if (answer) return answer;
  const hit = (await cache.match(event.request, { ignoreSearch: true })) ?? (await cache.match('/'));
  // Nothing kept (never loaded online): the server's answer, whenever it comes.
  return hit ?? network;
}

/** Scripts, styles and fonts: hashed, so a kept copy is always right; others from the server first. */
async function other(event, isAsset) {
  const cache = await caches.open(CACHE);
  if (isAsset) {
    const hit = await cache.match(event.request, { ignoreSearch: true });
    if (hit) return hit;
  }
  try {
    const res = await fetch(event.request);
    void keep(event.request, res);
    return res;
  } catch (err) {
    const hit = await cache.match(event.request, { ignoreSearch: true });
    if (hit) return hit;
    throw err;
  }
}

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/sync/') || url.pathname.startsWith('/socket.io'))
    return;
  if (event.request.mode !== 'navigate') {
    event.respondWith(other(event, url.pathname.startsWith('/assets/')));
    return;
  }
  // Started here so that the worker stays alive until a late answer has refreshed the kept copy.
  const network = fetch(event.request);
  event.waitUntil(network.then((res) => keep(event.request, res)).catch(() => undefined));
  event.respondWith(navigate(event, network));
});
