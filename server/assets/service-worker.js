// Primer's service worker. The server fills in BUILD and PRECACHE at start-up from the
// site it serves (server/src/offline.rs), so a new build is a new worker with its own
// shell cache, and the old cache is deleted when the new worker takes over.
//
// Cache-Control: personal pages and API answers come with `no-store`, which Cache
// Storage doesn't read: the copies kept here for offline use are kept all the same.
// Whose copy it is decides instead: see offline-store.js (`ownedCopy`, `observe`).
importScripts('/sw-range.js', '/offline-store.js');

const BUILD = '__PRIMER_BUILD__';
const PRECACHE = __PRIMER_PRECACHE__;
/**
 * The staff's bundle (Studio, Team, administration): not precached, so a learner's phone
 * never downloads it; cached here the first time a staff page loads it, and brought into
 * each new build's cache by the install where an older build had it.
 */
const STAFF = __PRIMER_STAFF__;
/**
 * The practice screens' script (recording and uploading takes, their reviews): not
 * precached either, kept the same way the first time a page loads it, so a take can be
 * recorded offline on a phone that opened a practice module before.
 */
const PRACTICE = __PRIMER_PRACTICE__;
const SHELL = `primer-shell-${BUILD}`;
/** Pages people have opened (network first), so they start offline. */
const PAGES = 'primer-pages';
/** Media and module data saved for offline use (content-addressed media never changes). */
const SAVED = 'primer-saved';
const OFFLINE_PAGE = '/offline.html';
/**
 * Goes up when pages cached by older builds must never be shown again (their HTML could
 * run a script a hostile title smuggled in, before titles were escaped): on activation
 * they are deleted (`dropHtmlBefore`), and the app saves saved modules' pages again when
 * online.
 */
const HTML_FORMAT = 2;
const store = self.PrimerStore;
const pageKey = self.PrimerPageKey;

self.addEventListener('install', (event) => {
  // No skipWaiting here: a new version waits until the person chooses to reload, so an
  // open app is never half old, half new.
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL);
      await cache.addAll(PRECACHE);
      // Best effort: a page that loads them fetches (and keeps) them anyway when missing.
      for (const files of [STAFF, PRACTICE]) {
        if (files.length && (await hadBefore(files[0]))) await cache.addAll(files).catch(() => {});
      }
    })(),
  );
});

/** Whether an older build's shell cache holds `path` (the staff's bundle: this phone is staff's). */
async function hadBefore(path) {
  for (const name of await caches.keys()) {
    if (name.startsWith('primer-shell-') && name !== SHELL && (await (await caches.open(name)).match(path))) return true;
  }
  return false;
}

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith('primer-shell-') && name !== SHELL) await caches.delete(name);
      }
      await store.dropHtmlBefore(HTML_FORMAT);
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
  } else if (STAFF.includes(url.pathname) || PRACTICE.includes(url.pathname)) {
    event.respondWith(keptFile(request, url));
  } else if (request.mode === 'navigate') {
    event.respondWith(page(request, event));
  } else if (url.pathname.startsWith('/api/')) {
    event.respondWith(data(request, event));
  }
});

/** The app's own files: from this build's cache, else the network. */
async function shellFile(request, url) {
  const cached = await caches.match(url.pathname, { cacheName: SHELL });
  return cached || fetch(request);
}

/** The staff's bundle, practice.js: from this build's cache, else the network, kept for next time. */
async function keptFile(request, url) {
  const cache = await caches.open(SHELL);
  const cached = await cache.match(url.pathname);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(url.pathname, response.clone());
  return response;
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

/**
 * A network answer, once read for who is signed in (a session that ended forgets that
 * person's pages and data before anything else is answered).
 */
async function fromNetwork(request) {
  const response = await fetch(request);
  await store.observe(response);
  return response;
}

/**
 * Pages: the network first (kept for later, for its owner), then that person's last
 * copy, then the offline page. A copy is shown only to its owner, while they are the
 * one known to be signed in; when nobody is (a session ended or ran out), the network
 * is waited for and never raced.
 */
async function page(request, event) {
  const owner = await store.owner();
  // The home-screen icon's `/?source=home-screen` is Home.
  const key = pageKey(request.url);
  const cachedCopy = () => store.ownedCopy(key, [PAGES, SAVED]);
  const network = fromNetwork(request).then((response) => {
    if (response.ok && response.headers.get('content-type')?.startsWith('text/html') && response.headers.get('primer-owner')) {
      const copy = response.clone();
      caches.open(PAGES).then((cache) => cache.put(key, copy));
    }
    return response;
  });
  // If the saved copy wins the race, a network failure later is nobody's concern; the
  // worker stays alive until the late answer is read and kept.
  event?.waitUntil(network.then(() => {}, () => {}));
  try {
    if (owner === null) return await network;
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
const PERSONAL_DATA = ['/api/v1/me', '/api/v1/catalog', '/api/v1/progress', '/api/v1/me/practice', '/api/v1/me/boosters'];
const DATA = 'primer-data';

/**
 * API reads: the network first (the owner's own data kept for later), then, offline or
 * when the network hasn't answered in a few seconds (one bar of signal that never
 * answers), the owner's saved copy marked `Primer-Copy: offline` or `slow` (the app says
 * so, and tries again); else a JSON error in words. `Primer-Network: only` (the app
 * asking whether the network is back) goes past the copies. A network answer that comes
 * after the copy was handed out is still read and kept (`waitUntil`).
 */
async function data(request, event) {
  const url = new URL(request.url);
  if (request.headers.get('primer-network') === 'only') return fromNetwork(request);
  const network = fromNetwork(request).then((response) => {
    const owned = response.ok && response.headers.get('primer-owner');
    if (owned && PERSONAL_DATA.includes(url.pathname) && !url.search) {
      const copy = response.clone();
      caches.open(DATA).then((cache) => cache.put(request.url, copy));
    }
    // An assessment's open attempt saved with its module: the server's newer one
    // replaces it (a module's own data is refreshed with its page and media instead).
    if (owned && url.pathname.startsWith('/api/v1/assessments/')) {
      const copy = response.clone();
      caches.open(SAVED).then(async (cache) => {
        if (await cache.match(request.url)) await cache.put(request.url, copy);
      });
    }
    return response;
  });
  // The worker stays alive until the late answer is read (a session that ended, a copy
  // to refresh), not only until the copy is handed out.
  event?.waitUntil(network.then(() => {}, () => {}));
  const cachedCopy = () => store.ownedCopy(request.url, [SAVED, DATA]);
  try {
    const cached = await cachedCopy();
    if (!cached) return await network;
    const slow = new Promise((resolve) => setTimeout(() => resolve(null), SLOW_NETWORK_MS));
    return (await Promise.race([network, slow])) || savedCopy(cached, 'slow');
  } catch (offline) {
    const cached = await cachedCopy();
    if (cached) return savedCopy(cached, 'offline');
    const body = { error: { code: 'offline', message: "You're offline, and this isn't saved on this phone." } };
    return new Response(JSON.stringify(body), { status: 503, headers: { 'content-type': 'application/json' } });
  }
}

/** A saved copy, marked as one and why (`Primer-Copy: slow` or `offline`). */
function savedCopy(response, why) {
  const headers = new Headers(response.headers);
  headers.set('primer-copy', why);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
