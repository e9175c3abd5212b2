// Primer's service worker. The server fills in BUILD and PRECACHE at start-up from the
// site it serves (server/src/offline.rs), so a new build is a new worker with its own
// shell cache, and the old cache is deleted when the new worker takes over.
importScripts('/sw-range.js');

const BUILD = '__PRIMER_BUILD__';
const PRECACHE = __PRIMER_PRECACHE__;
const SHELL = `primer-shell-${BUILD}`;
/** Pages people have opened (network first), so they start offline. */
const PAGES = 'primer-pages';
/** Media and module data saved for offline use (content-addressed media never changes). */
const SAVED = 'primer-saved';
const OFFLINE_PAGE = '/offline.html';

self.addEventListener('install', (event) => {
  // No skipWaiting here: a new version waits until the person chooses to reload, so an
  // open app is never half old, half new.
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(PRECACHE)));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith('primer-shell-') && name !== SHELL) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('message', (event) => {
  if (event.data === 'skip-waiting') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/media/')) {
    event.respondWith(media(request));
  } else if (PRECACHE.includes(url.pathname)) {
    event.respondWith(shellFile(request, url));
  } else if (request.mode === 'navigate') {
    event.respondWith(page(request));
  } else if (url.pathname.startsWith('/api/')) {
    event.respondWith(data(request));
  }
});

/** The app's own files: from this build's cache, else the network. */
async function shellFile(request, url) {
  const cached = await caches.match(url.pathname, { cacheName: SHELL });
  return cached || fetch(request);
}

/** Saved media answer from the cache, ranges included; the rest from the network. */
async function media(request) {
  const url = new URL(request.url);
  const cached = await caches.match(url.pathname, { cacheName: SAVED, ignoreVary: true });
  if (cached) return self.PrimerRange.rangeResponse(request, cached);
  return fetch(request);
}

/** How long a page may take on a weak signal before its saved copy is shown instead. */
const SLOW_NETWORK_MS = 4000;

/** Pages: the network first (kept for later), then the last copy, then the offline page. */
async function page(request) {
  const cachedCopy = () =>
    caches.match(request.url, { cacheName: PAGES }).then((hit) => hit || caches.match(request.url, { cacheName: SAVED }));
  const network = fetch(request).then((response) => {
    if (response.ok && response.headers.get('content-type')?.startsWith('text/html')) {
      const copy = response.clone();
      caches.open(PAGES).then((cache) => cache.put(request.url, copy));
    }
    return response;
  });
  // If the saved copy wins the race, a network failure later is nobody's concern.
  network.catch(() => {});
  try {
    // With one bar of signal, a saved copy after a few seconds beats a spinner.
    const cached = await cachedCopy();
    if (!cached) return await network;
    const slow = new Promise((resolve) => setTimeout(() => resolve(null), SLOW_NETWORK_MS));
    return (await Promise.race([network, slow])) || cached;
  } catch (offline) {
    return (await cachedCopy()) || (await caches.match(OFFLINE_PAGE, { cacheName: SHELL })) || Response.error();
  }
}

/** The signed-in person's own data, kept as last seen so screens open offline. */
const PERSONAL_DATA = ['/api/v1/me', '/api/v1/catalog', '/api/v1/progress'];
const DATA = 'primer-data';

/** API reads: the network first, then what was saved, then a JSON error in words. */
async function data(request) {
  const url = new URL(request.url);
  try {
    const response = await fetch(request);
    if (response.ok && PERSONAL_DATA.includes(url.pathname) && !url.search) {
      const copy = response.clone();
      caches.open(DATA).then((cache) => cache.put(request.url, copy));
    }
    // An assessment's open attempt saved with its module: the server's newer one
    // replaces it (a module's own data is refreshed with its page and media instead).
    if (response.ok && url.pathname.startsWith('/api/v1/assessments/')) {
      const copy = response.clone();
      caches.open(SAVED).then(async (cache) => {
        if (await cache.match(request.url)) await cache.put(request.url, copy);
      });
    }
    return response;
  } catch (offline) {
    const cached =
      (await caches.match(request.url, { cacheName: SAVED })) || (await caches.match(request.url, { cacheName: DATA }));
    if (cached) return cached;
    const body = { error: { code: 'offline', message: "You're offline, and this isn't saved on this phone." } };
    return new Response(JSON.stringify(body), { status: 503, headers: { 'content-type': 'application/json' } });
  }
}
