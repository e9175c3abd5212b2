// What is saved on this device for offline use: modules (their data, their page and
// every media file) in Cache Storage, with an index of what belongs to which module.
//
// The page calls it (window.PrimerOffline, from the Rust app) and the service worker
// answers from the same cache when the network is gone. Downloads report progress and
// can be cancelled; whatever a cancelled, failed or killed download left behind is
// deleted. Media is content-addressed (its URL is its SHA-256), so a file already saved
// is never downloaded again, even for another module or a new version.
//
// Loaded on every page, and by `node --test` (end2end/unit/offline-store.test.mjs) with
// a fake Cache Storage and fetch.
(function (root) {
  'use strict';

  const SAVED = 'primer-saved';
  /** Caches that hold the signed-in person's data (cleared on sign-out). */
  const PERSONAL = ['primer-saved', 'primer-pages', 'primer-data'];
  /** The index: `{items: [{module_id, version, title, bytes, saved_at, urls}]}`. */
  const INDEX = '/__primer/saved.json';
  /** Whose data the personal caches hold: the person id, in a cache of its own. */
  const OWNER_CACHE = 'primer-owner';
  const OWNER = '/__primer/owner';

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

    /** Every saved module, after cleaning up leftovers. */
    function list() {
      return exclusive(async () => {
        const cache = await caches.open(SAVED);
        const index = await readIndex(cache);
        if (!jobs.size) await sweep(cache, index);
        return index.items;
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
        for (const [url, bytes] of files) {
          // The same media file is never downloaded twice; data and pages are refreshed.
          if (isMedia(url) && (await cache.match(url))) continue;
          todo.push([url, bytes]);
        }
        let total = todo.reduce((sum, [, bytes]) => sum + bytes, 0);
        let done = 0;
        onProgress(done, total);
        const sizes = new Map();
        for (const [url, expected] of todo) {
          let got = 0;
          const bytes = await download(cache, url, controller.signal, (n) => {
            got += n;
            done += n;
            // Sizes not known up front (pages, data) grow the total as they arrive.
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
            const bytes = item.files.reduce((sum, f) => sum + (sizes.get(f.url) ?? f.bytes ?? 0), 0);
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

    /** Forgets the signed-in person's cached pages, data and saved modules. */
    async function clearPersonal() {
      for (const controller of jobs.values()) controller.abort();
      await Promise.all(PERSONAL.map((name) => caches.delete(name)));
      notify();
    }

    /**
     * Called when someone's session starts on this device. If the personal caches hold
     * somebody else's data (they never signed out, and another person signed in), that
     * data is deleted before anything of the new person's is kept.
     */
    function claim(person) {
      return exclusive(async () => {
        const cache = await caches.open(OWNER_CACHE);
        const stored = await cache.match(OWNER);
        const previous = stored ? await stored.text() : null;
        if (previous === String(person)) return false;
        if (previous !== null) await clearPersonal();
        await cache.put(OWNER, new Response(String(person)));
        return previous !== null;
      });
    }

    return { list, save, cancel, remove, removeAll, clearPersonal, claim, INDEX };
  }

  if (typeof module === 'object' && module.exports) {
    module.exports = { createStore };
    return;
  }
  if (!root.caches) return;

  const store = createStore({
    caches: root.caches,
    fetch: (...args) => root.fetch(...args),
    notify: () => root.dispatchEvent(new CustomEvent('primer-saved-changed')),
  });
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
  const signOut = (form) => store.clearPersonal().finally(() => form.submit());
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
