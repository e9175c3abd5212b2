// What is saved on this device for offline use: modules (their data, their page and
// every media file) in Cache Storage, with an index of what belongs to which module.
//
// The page calls it (window.PrimerOffline, from the Rust app) and the service worker
// answers from the same cache when the network is gone. Downloads report progress and
// can be cancelled; whatever a cancelled, failed or killed download left behind is
// deleted. Media is content-addressed (its URL is its SHA-256), so a file already saved
// is never downloaded again, even for another module or a new version.
//
// Whose data it is: every personal answer from the server says whose it is
// (`Primer-Owner`, with `Primer-Session-Expires`), and a copy is handed out only while
// that person is the one known to be signed in on this device (`ownedCopy`); when the
// server says a session ended (`Primer-Session: ended`), that person's pages and data
// go (`sessionEnded`; saved media may stay, and the outbox is the app's, in local
// storage, never touched here). A shared phone never shows one person's pages to the next.
//
// Loaded on every page, by the service worker (which answers from the same caches), and
// by `node --test` (end2end/unit/offline-store.test.mjs) with a fake Cache Storage and
// fetch.
(function (root) {
  'use strict';

  const SAVED = 'primer-saved';
  /** Caches that hold the signed-in person's data (cleared on sign-out). */
  const PERSONAL = ['primer-saved', 'primer-pages', 'primer-data'];
  /** The index: `{items: [{module_id, version, title, bytes (its media), saved_at, urls}]}`. */
  const INDEX = '/__primer/saved.json';
  /**
   * Who the device knows is signed in, in a cache of its own: `{person, expires}` (the
   * person's id as text; when their session ends, Unix seconds, if known).
   */
  const OWNER_CACHE = 'primer-owner';
  const OWNER = '/__primer/owner';
  /** Pages people opened, and their own API data (kept by the service worker). */
  const PAGES = 'primer-pages';
  const DATA = 'primer-data';
  /** What the service worker has done to the caches once: the HTML format they hold. */
  const META = 'primer-meta';
  const HTML_FORMAT = '/__primer/html-format';

  const isMedia = (url) => url.startsWith('/media/');

  function createStore({ caches, fetch, notify = () => {} }) {
    const jobs = new Map();
    // One index change at a time, so two saves never overwrite each other's entries.
    let queue = Promise.resolve();
    const exclusive = (task) => {
      const run = queue.then(task, task);
      queue = run.catch(() => {});
      return run;
    };

    async function readIndex(cache) {
      const response = await cache.match(INDEX);
      if (!response) return { items: [] };
      try {
        const index = await response.json();
        return Array.isArray(index.items) ? index : { items: [] };
      } catch {
        return { items: [] };
      }
    }

    async function writeIndex(cache, index) {
      await cache.put(INDEX, new Response(JSON.stringify(index), { headers: { 'content-type': 'application/json' } }));
    }

    /** Deletes cached files no saved module refers to (left by an interrupted save). */
    async function sweep(cache, index) {
      const wanted = new Set(index.items.flatMap((item) => item.urls));
      for (const request of await cache.keys()) {
        const path = new URL(request.url, 'http://primer.invalid').pathname;
        if (path !== INDEX && !wanted.has(path)) await cache.delete(request);
      }
    }

    /**
     * Every saved module, after cleaning up leftovers, with whether all its files are
     * still there (`complete`: a page dropped since, say, is saved again when online).
     */
    function list() {
      return exclusive(async () => {
        const cache = await caches.open(SAVED);
        const index = await readIndex(cache);
        if (!jobs.size) await sweep(cache, index);
        const items = [];
        for (const item of index.items) {
          let complete = true;
          for (const url of item.urls) {
            if (!(await cache.match(url))) {
              complete = false;
              break;
            }
          }
          items.push({ ...item, complete });
        }
        return items;
      });
    }

    /** Downloads one URL into the cache, reporting bytes as they arrive. */
    async function download(cache, url, signal, onBytes) {
      const response = await fetch(url, {
        signal,
        credentials: 'same-origin',
        // Pages are saved as pages, data as JSON.
        headers: { accept: url.startsWith('/api/') ? 'application/json' : isMedia(url) ? '*/*' : 'text/html' },
      });
      // Cache Storage refuses partial answers, and an error page is not the module.
      if (response.status !== 200) {
        const error = new Error(`${url}: the server answered ${response.status}`);
        error.status = response.status;
        throw error;
      }
      let bytes = 0;
      const counted = response.body
        ? response.body.pipeThrough(
            new TransformStream({
              transform(chunk, controller) {
                bytes += chunk.byteLength;
                onBytes(chunk.byteLength);
                controller.enqueue(chunk);
              },
            }),
          )
        : null;
      const headers = new Headers(response.headers);
      await cache.put(url, new Response(counted, { status: 200, headers }));
      return bytes;
    }

    /**
     * Saves modules: `items` is `[{module_id, version, title, files: [{url, bytes}]}]`.
     * `onProgress(done, total)` follows the bytes. Resolves when everything is stored and
     * indexed; rejects (and leaves nothing half-saved) if cancelled or a download fails.
     */
    async function save(job, items, onProgress = () => {}) {
      const controller = new AbortController();
      jobs.set(job, controller);
      const cache = await caches.open(SAVED);
      const written = [];
      try {
        const files = new Map();
        for (const item of items) for (const f of item.files) files.set(f.url, f.bytes || 0);
        const todo = [];
        // Progress counts media, the size the person was shown (pages and data are a few
        // KB of text): media already on the phone counts as done from the start.
        let total = 0;
        let done = 0;
        for (const [url, bytes] of files) {
          if (isMedia(url)) total += bytes;
          // The same media file is never downloaded twice; data and pages are refreshed.
          if (isMedia(url) && (await cache.match(url))) {
            done += bytes;
            continue;
          }
          todo.push([url, bytes]);
        }
        onProgress(done, total);
        const sizes = new Map();
        for (const [url, expected] of todo) {
          let got = 0;
          const bytes = await download(cache, url, controller.signal, (n) => {
            if (!isMedia(url)) return;
            got += n;
            done += n;
            // A file larger than the catalog said grows the total as it arrives.
            if (got > expected) total += Math.min(n, got - expected);
            onProgress(done, total);
          });
          written.push(url);
          sizes.set(url, bytes);
          if (controller.signal.aborted) throw abortError();
        }
        await exclusive(async () => {
          const index = await readIndex(cache);
          for (const item of items) {
            const urls = item.files.map((f) => f.url);
            // Its media, as the catalog counts a module's download.
            const bytes = item.files.filter((f) => isMedia(f.url)).reduce((sum, f) => sum + (sizes.get(f.url) ?? f.bytes ?? 0), 0);
            index.items = index.items.filter((i) => i.module_id !== item.module_id);
            index.items.push({
              module_id: item.module_id,
              version: item.version,
              title: item.title,
              bytes,
              saved_at: new Date().toISOString(),
              urls,
            });
          }
          await writeIndex(cache, index);
        });
        notify();
      } catch (error) {
        // Nothing half-saved: drop what this save wrote that no saved module uses.
        await exclusive(async () => {
          const index = await readIndex(cache);
          const wanted = new Set(index.items.flatMap((item) => item.urls));
          for (const url of written) if (!wanted.has(url)) await cache.delete(url);
        });
        throw controller.signal.aborted ? abortError() : error;
      } finally {
        jobs.delete(job);
      }
    }

    function abortError() {
      const error = new Error('Cancelled');
      error.name = 'AbortError';
      return error;
    }

    /** Stops a save; it rejects with an AbortError and cleans up after itself. */
    function cancel(job) {
      jobs.get(job)?.abort();
    }

    /** Removes saved modules (and every file only they used). */
    function remove(moduleIds) {
      return exclusive(async () => {
        const cache = await caches.open(SAVED);
        const index = await readIndex(cache);
        index.items = index.items.filter((i) => !moduleIds.includes(i.module_id));
        await writeIndex(cache, index);
        await sweep(cache, index);
        notify();
      });
    }

    /** Removes everything saved. */
    function removeAll() {
      return exclusive(async () => {
        for (const controller of jobs.values()) controller.abort();
        await caches.delete(SAVED);
        notify();
      });
    }

    /** Deletes the personal caches (inside an `exclusive` change). */
    async function clearCaches() {
      for (const controller of jobs.values()) controller.abort();
      await Promise.all(PERSONAL.map((name) => caches.delete(name)));
      notify();
    }

    /** Forgets the signed-in person's cached pages, data and saved modules. */
    function clearPersonal() {
      return exclusive(clearCaches);
    }

    /**
     * Signing out: the person's caches go, and nobody is known to be signed in; one change
     * with nothing (a value being kept, a claim) in between.
     */
    function signedOut() {
      return exclusive(async () => {
        await clearCaches();
        await forgetOwner();
      });
    }

    /** The owner record as stored, if any (older builds stored the id alone). */
    async function readOwner() {
      const stored = await (await caches.open(OWNER_CACHE)).match(OWNER);
      if (!stored) return null;
      const text = await stored.text();
      try {
        const record = JSON.parse(text);
        if (record && typeof record === 'object' && record.person) return { person: String(record.person), expires: record.expires ?? null };
      } catch {}
      return text ? { person: text, expires: null } : null;
    }

    /** The person known to be signed in now (`null`: nobody, or their session has run out). */
    async function owner(now = Date.now()) {
      const record = await readOwner();
      if (!record) return null;
      if (record.expires !== null && record.expires * 1000 <= now) return null;
      return record.person;
    }

    /**
     * Called when someone's session starts on this device (the app after signing in; the
     * service worker when an answer names its owner). If the personal caches hold
     * somebody else's data (they never signed out, and another person signed in), that
     * data is deleted before anything of the new person's is kept. `expires`: when the
     * session ends, if known.
     */
    function claim(person, expires = null) {
      return exclusive(async () => {
        const previous = await readOwner();
        const same = previous?.person === String(person);
        if (!same && previous !== null) await clearCaches();
        if (!same || (expires !== null && previous.expires !== expires)) {
          const record = { person: String(person), expires: expires ?? (same ? previous.expires : null) };
          await (await caches.open(OWNER_CACHE)).put(OWNER, new Response(JSON.stringify(record)));
        }
        return !same && previous !== null;
      });
    }

    /** Nobody is known to be signed in any more (signed out). */
    async function forgetOwner() {
      await (await caches.open(OWNER_CACHE)).delete(OWNER);
    }

    /**
     * The server said the session ended (expiry, deactivation, a password change
     * elsewhere): the person's cached pages and data go, and their saved modules' pages
     * and data (saved media stays: it is the same for everyone, and downloading it again
     * costs the most). Nobody is known to be signed in until someone signs in again.
     */
    function sessionEnded() {
      return exclusive(async () => {
        await Promise.all([caches.delete(PAGES), caches.delete(DATA)]);
        const cache = await caches.open(SAVED);
        for (const request of await cache.keys()) {
          const path = new URL(request.url, 'http://primer.invalid').pathname;
          if (path !== INDEX && !isMedia(path)) await cache.delete(request);
        }
        await forgetOwner();
        notify();
      });
    }

    /**
     * Deletes the HTML that builds before `format` cached, once (a page made before
     * titles were escaped could run what a hostile title smuggled in): opened pages, and
     * saved modules' pages, which `list` then reports incomplete so the app saves them
     * again when online. Media, data and the index stay.
     */
    function dropHtmlBefore(format) {
      return exclusive(async () => {
        const meta = await caches.open(META);
        const stored = await meta.match(HTML_FORMAT);
        if (stored && Number(await stored.text()) >= format) return false;
        await caches.delete(PAGES);
        const cache = await caches.open(SAVED);
        for (const request of await cache.keys()) {
          const hit = await cache.match(request);
          if (hit?.headers.get('content-type')?.startsWith('text/html')) await cache.delete(request);
        }
        await meta.put(HTML_FORMAT, new Response(String(format)));
        return true;
      });
    }

    /**
     * A cached copy of `url` from the first of `cacheNames` that has one, if its owner is
     * the person known to be signed in now; answers that name no owner (not personal, or
     * cached by an older build) are never handed out, nor anything when nobody is known.
     */
    async function ownedCopy(url, cacheNames) {
      const person = await owner();
      if (person === null) return null;
      for (const name of cacheNames) {
        const hit = await (await caches.open(name)).match(url);
        if (hit) return hit.headers.get('primer-owner') === person ? hit : null;
      }
      return null;
    }

    /**
     * Keeps a value of the signed-in person's under `url` in the data cache, marked as
     * theirs, so it goes with the rest of their data (on sign-out, on a session's end)
     * and is handed out only to them: the progress a sync answered with, the playlist
     * they built. `false` when `person` isn't the one known to be signed in.
     */
    function keepData(url, value, person) {
      // One change at a time: a sign-out or a session's end never runs between the check
      // and the write (the value would outlive that person's data).
      return exclusive(async () => {
        if ((await owner()) !== String(person)) return false;
        const headers = { 'content-type': 'application/json', 'primer-owner': String(person) };
        await (await caches.open(DATA)).put(url, new Response(JSON.stringify(value), { headers }));
        return true;
      });
    }

    /**
     * A value [`keepData`] kept (or the server's own answer the worker kept), if it is
     * `person`'s and they are the one known to be signed in (someone else's, even one
     * the device still thinks is signed in, is never handed to them).
     */
    async function readData(url, person) {
      if ((await owner()) !== String(person)) return null;
      const hit = await ownedCopy(url, [DATA]);
      if (!hit) return null;
      try {
        return await hit.json();
      } catch {
        return null;
      }
    }

    /**
     * What an answer from the server says about who is signed in: a session that ended
     * (forget that person's pages and data), or whose answer it is (they are the one
     * signed in now, until their session expires).
     */
    async function observe(response) {
      if (response.headers.get('primer-session') === 'ended') {
        if ((await readOwner()) !== null) await sessionEnded();
        return;
      }
      const person = response.headers.get('primer-owner');
      if (person) {
        const expires = Number(response.headers.get('primer-session-expires')) || null;
        await claim(person, expires);
      }
    }

    return {
      list,
      save,
      cancel,
      remove,
      removeAll,
      clearPersonal,
      claim,
      signedOut,
      owner,
      sessionEnded,
      ownedCopy,
      observe,
      dropHtmlBefore,
      keepData,
      readData,
      INDEX,
    };
  }

  /**
   * The address a page is kept and looked up under: the query parameters that only say
   * where a visit came from (`source=home-screen`, the installed app's start URL) are
   * dropped, so the home-screen icon finds Home's copy offline.
   */
  function pageKey(url) {
    const parsed = new URL(url, 'http://primer.invalid');
    if (!LAUNCH_PARAMS.some((name) => parsed.searchParams.has(name))) return url;
    for (const name of LAUNCH_PARAMS) parsed.searchParams.delete(name);
    const base = /^[a-z]+:\/\//i.test(url) ? parsed.href : parsed.pathname + parsed.search + parsed.hash;
    return base.replace(/\?$/, '');
  }
  const LAUNCH_PARAMS = ['source'];

  if (typeof module === 'object' && module.exports) {
    module.exports = { createStore, pageKey };
    return;
  }
  if (!root.caches) return;

  const store = createStore({
    caches: root.caches,
    fetch: (...args) => root.fetch(...args),
    notify: () => {
      if (typeof CustomEvent === 'function') root.dispatchEvent(new CustomEvent('primer-saved-changed'));
    },
  });
  // The service worker uses the store itself.
  root.PrimerStore = store;
  root.PrimerPageKey = pageKey;
  const storage = root.navigator.storage;
  root.PrimerOffline = {
    // JSON in and out keeps the Rust side's bindings plain.
    list: async () => JSON.stringify(await store.list()),
    save: (job, items, onProgress) => store.save(job, JSON.parse(items), onProgress),
    cancel: async (job) => store.cancel(job),
    remove: (ids) => store.remove(JSON.parse(ids)),
    removeAll: () => store.removeAll(),
    clearPersonal: () => store.clearPersonal(),
    claim: (person) => store.claim(person),
    sessionEnded: () => store.sessionEnded(),
    keepData: (url, json, person) => store.keepData(url, JSON.parse(json), person),
    readData: async (url, person) => JSON.stringify(await store.readData(url, person)),
    /**
     * Whether the server answers now, within `ms` (past the worker, which would answer
     * from its copies): how the app notices a slow connection has recovered.
     */
    probe: async (ms) => {
      try {
        const response = await root.fetch('/api/v1/me', {
          headers: { accept: 'application/json', 'primer-network': 'only' },
          signal: AbortSignal.timeout(ms),
        });
        return response.status < 500;
      } catch {
        return false;
      }
    },
    /** `{usage, quota, persisted}` in bytes, as far as the browser says. */
    estimate: async () => {
      const estimate = storage?.estimate ? await storage.estimate() : {};
      const persisted = storage?.persisted ? await storage.persisted() : false;
      return JSON.stringify({ usage: estimate.usage ?? null, quota: estimate.quota ?? null, persisted });
    },
    /** Asks the browser not to evict saved modules under storage pressure. */
    persist: async () => (storage?.persist ? storage.persist() : false),
  };

  // Signing out forgets this person's pages, data and saved modules on this device
  // (records waiting to sync stay: they are theirs, and are sent under their session).
  // `form.submit()` fires no submit event, so this runs once per sign-out.
  const signOut = (form) => store.signedOut().finally(() => form.submit());
  root.PrimerOffline.signOut = signOut;
  root.document?.addEventListener('submit', (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || new URL(form.action).pathname !== '/logout') return;
    // Once the app runs, its sign-out decides (it first warns about records still
    // waiting to sync) and calls signOut itself; this listener runs before the app's.
    if (root.document.documentElement.hasAttribute('data-hydrated')) return;
    event.preventDefault();
    signOut(form);
  });
})(typeof self !== 'undefined' ? self : globalThis);
