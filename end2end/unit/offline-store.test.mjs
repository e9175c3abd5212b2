// Unit tests of public/offline-store.js (what "Save for offline" keeps, and what it
// cleans up), against an in-memory Cache Storage and a fake network.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';

const require = createRequire(import.meta.url);
const { createStore, pageKey } = require('../../public/offline-store.js');

const path = (url) => new URL(typeof url === 'string' ? url : url.url, 'http://primer.test').pathname;

/** Cache Storage in memory: what a cache holds is readable as text. */
function fakeCaches() {
  const stores = new Map();
  const open = async (name) => {
    if (!stores.has(name)) stores.set(name, new Map());
    const entries = stores.get(name);
    return {
      async match(url) {
        const hit = entries.get(path(url));
        return hit ? new Response(hit.body, { headers: hit.headers }) : undefined;
      },
      async put(url, response) {
        const body = new Uint8Array(await response.arrayBuffer());
        entries.set(path(url), { body, headers: response.headers });
      },
      async keys() {
        return [...entries.keys()].map((p) => ({ url: `http://primer.test${p}` }));
      },
      async delete(url) {
        return entries.delete(path(url));
      },
    };
  };
  return {
    open,
    async delete(name) {
      return stores.delete(name);
    },
    paths: (name) => [...(stores.get(name)?.keys() ?? [])].sort(),
  };
}

/** A network serving `files` (path → size), in 1 KB chunks, `delay` ms apart. */
function fakeNetwork(files, { delay = 0, status = {} } = {}) {
  const fetched = [];
  const fetch = async (url, { signal } = {}) => {
    fetched.push(url);
    if (status[url]) return new Response('nope', { status: status[url] });
    const size = files[url];
    if (size === undefined) return new Response('not found', { status: 404 });
    let sent = 0;
    const body = new ReadableStream({
      async pull(controller) {
        if (delay) await new Promise((r) => setTimeout(r, delay));
        if (signal?.aborted) {
          controller.error(Object.assign(new Error('aborted'), { name: 'AbortError' }));
          return;
        }
        const n = Math.min(1024, size - sent);
        if (n <= 0) return controller.close();
        controller.enqueue(new Uint8Array(n).fill(7));
        sent += n;
      },
    });
    const type = url.startsWith('/api/') ? 'application/json' : url.startsWith('/media/') ? 'application/octet-stream' : 'text/html; charset=utf-8';
    return new Response(body, { status: 200, headers: { 'content-type': type } });
  };
  return { fetch, fetched };
}

const module = (id, version, media) => ({
  module_id: id,
  version,
  title: `Module ${id}`,
  files: [
    { url: `/api/v1/catalog/${id}`, bytes: 0 },
    { url: `/modules/${id}`, bytes: 0 },
    ...media.map(([url, bytes]) => ({ url, bytes })),
  ],
});

const FILES = {
  '/api/v1/catalog/1': 300,
  '/modules/1': 2000,
  '/media/aaa': 5000,
  '/api/v1/catalog/2': 300,
  '/modules/2': 2000,
  '/media/bbb': 3000,
};

test('saving stores data, page and media, indexed, with progress up to the total', async () => {
  const caches = fakeCaches();
  const net = fakeNetwork(FILES);
  let notified = 0;
  const store = createStore({ caches, fetch: net.fetch, notify: () => notified++ });
  const seen = [];
  await store.save('job', [module(1, 1, [['/media/aaa', 5000]])], (done, total) => seen.push([done, total]));
  assert.deepEqual(caches.paths('primer-saved'), ['/__primer/saved.json', '/api/v1/catalog/1', '/media/aaa', '/modules/1']);
  const [last] = seen.slice(-1);
  // Progress and size count the media, the size the catalog (and the button) shows.
  assert.deepEqual(seen[0], [0, 5000]);
  assert.deepEqual(last, [5000, 5000], 'done reaches the total shown');
  assert.ok(seen.every(([d, t]) => d <= t && t === 5000), 'never more done than expected, against the same total');
  const items = await store.list();
  assert.equal(items.length, 1);
  assert.equal(items[0].bytes, 5000);
  assert.equal(notified, 1);
});

test('media already saved is not downloaded again; data and pages are refreshed', async () => {
  const caches = fakeCaches();
  const net = fakeNetwork(FILES);
  const store = createStore({ caches, fetch: net.fetch });
  await store.save('a', [module(1, 1, [['/media/aaa', 5000]])]);
  net.fetched.length = 0;
  // A new version of module 1 with the same video, and module 2 sharing it too.
  const seen = [];
  await store.save('b', [module(1, 2, [['/media/aaa', 5000]]), module(2, 1, [['/media/aaa', 5000], ['/media/bbb', 3000]])], (d, t) => seen.push([d, t]));
  // What is already on the phone counts as done against the whole size from the start.
  assert.deepEqual(seen[0], [5000, 8000]);
  assert.deepEqual(seen.at(-1), [8000, 8000]);
  assert.deepEqual(net.fetched.sort(), ['/api/v1/catalog/1', '/api/v1/catalog/2', '/media/bbb', '/modules/1', '/modules/2']);
  const items = await store.list();
  assert.deepEqual(items.map((i) => [i.module_id, i.version]).sort(), [[1, 2], [2, 1]]);
});

test('a cancelled save leaves nothing half-saved, and keeps what was saved before', async () => {
  const caches = fakeCaches();
  const net = fakeNetwork({ ...FILES, '/media/big': 200 * 1024 }, { delay: 1 });
  const store = createStore({ caches, fetch: net.fetch });
  await store.save('first', [module(1, 1, [['/media/aaa', 5000]])]);
  const saving = store.save('second', [module(2, 1, [['/media/bbb', 3000], ['/media/big', 200 * 1024]])], (done) => {
    if (done > 20 * 1024) store.cancel('second');
  });
  await assert.rejects(saving, (e) => e.name === 'AbortError');
  assert.deepEqual(caches.paths('primer-saved'), ['/__primer/saved.json', '/api/v1/catalog/1', '/media/aaa', '/modules/1']);
  assert.deepEqual((await store.list()).map((i) => i.module_id), [1]);
});

test('a failed download is reported and cleaned up', async () => {
  const caches = fakeCaches();
  const net = fakeNetwork(FILES, { status: { '/media/bbb': 500 } });
  const store = createStore({ caches, fetch: net.fetch });
  await assert.rejects(store.save('x', [module(2, 1, [['/media/bbb', 3000]])]), /answered 500/);
  assert.deepEqual(caches.paths('primer-saved'), []);
  assert.deepEqual(await store.list(), []);
});

test('removing a module keeps the files another saved module still uses', async () => {
  const caches = fakeCaches();
  const store = createStore({ caches, fetch: fakeNetwork(FILES).fetch });
  await store.save('a', [module(1, 1, [['/media/aaa', 5000]]), module(2, 1, [['/media/aaa', 5000], ['/media/bbb', 3000]])]);
  await store.remove([2]);
  assert.deepEqual(caches.paths('primer-saved'), ['/__primer/saved.json', '/api/v1/catalog/1', '/media/aaa', '/modules/1']);
  await store.removeAll();
  assert.deepEqual(await store.list(), []);
  assert.deepEqual(caches.paths('primer-saved'), []);
});

test('listing sweeps files left by a save the page never finished', async () => {
  const caches = fakeCaches();
  const store = createStore({ caches, fetch: fakeNetwork(FILES).fetch });
  await store.save('a', [module(1, 1, [['/media/aaa', 5000]])]);
  // A page killed mid-download leaves a file no saved module refers to.
  await (await caches.open('primer-saved')).put('/media/orphan', new Response('partial'));
  await store.list();
  assert.ok(!caches.paths('primer-saved').includes('/media/orphan'));
  assert.ok(caches.paths('primer-saved').includes('/media/aaa'));
});

test('signing out forgets pages, data and saved modules', async () => {
  const caches = fakeCaches();
  const store = createStore({ caches, fetch: fakeNetwork(FILES).fetch });
  await store.save('a', [module(1, 1, [['/media/aaa', 5000]])]);
  await (await caches.open('primer-pages')).put('/', new Response('home'));
  await (await caches.open('primer-shell-abc')).put('/pkg/primer.js', new Response('js'));
  await store.clearPersonal();
  assert.deepEqual(caches.paths('primer-saved'), []);
  assert.deepEqual(caches.paths('primer-pages'), []);
  assert.deepEqual(caches.paths('primer-shell-abc'), ['/pkg/primer.js'], 'the app itself stays');
});

test("another person signing in on the device never sees the previous person's data", async () => {
  const caches = fakeCaches();
  const store = createStore({ caches, fetch: fakeNetwork(FILES).fetch });
  assert.equal(await store.claim(7), false, 'the first person has nothing to clear');
  await store.save('a', [module(1, 1, [['/media/aaa', 5000]])]);
  await (await caches.open('primer-data')).put('/api/v1/progress', new Response('{}'));
  assert.equal(await store.claim(7), false, 'the same person signing in again keeps it all');
  assert.deepEqual((await store.list()).map((m) => m.module_id), [1]);
  assert.equal(await store.claim(8), true);
  assert.deepEqual(await store.list(), []);
  assert.deepEqual(caches.paths('primer-data'), []);
  assert.equal(await store.claim(8), false, 'and now the device is theirs');
});

const answer = (headers) => new Response('', { headers });

test('a copy is handed out only to its owner, while they are the one signed in', async () => {
  const caches = fakeCaches();
  const store = createStore({ caches, fetch: fakeNetwork(FILES).fetch });
  const pages = await caches.open('primer-pages');
  await pages.put('/team', new Response('<p>Maya team</p>', { headers: { 'content-type': 'text/html', 'primer-owner': '7' } }));
  await pages.put('/old', new Response('<p>older build</p>', { headers: { 'content-type': 'text/html' } }));
  assert.equal(await store.ownedCopy('/team', ['primer-pages']), null, 'nobody known to be signed in: nothing');
  // An answer names its owner: they are signed in, until their session runs out.
  const expires = Math.floor(Date.now() / 1000) + 3600;
  await store.observe(answer({ 'primer-owner': '7', 'primer-session-expires': String(expires) }));
  assert.equal(await store.owner(), '7');
  assert.equal(await (await store.ownedCopy('/team', ['primer-pages'])).text(), '<p>Maya team</p>');
  assert.equal(await store.ownedCopy('/old', ['primer-pages']), null, 'a copy naming no owner is never handed out');
  assert.equal(await store.owner(Date.now() + 7200_000), null, 'once the session has run out, nobody is');
  // Someone else's answer: the device is theirs now, and Maya's copies are gone.
  await store.observe(answer({ 'primer-owner': '8' }));
  assert.equal(await store.owner(), '8');
  assert.equal(await store.ownedCopy('/team', ['primer-pages']), null);
  assert.deepEqual(caches.paths('primer-pages'), []);
});

test("a session that ended forgets the person's pages and data, not saved media", async () => {
  const caches = fakeCaches();
  const store = createStore({ caches, fetch: fakeNetwork(FILES).fetch });
  await store.claim(7);
  await store.save('a', [module(1, 1, [['/media/aaa', 5000]])]);
  await (await caches.open('primer-pages')).put('/team', new Response('<p>team</p>', { headers: { 'primer-owner': '7' } }));
  await (await caches.open('primer-data')).put('/api/v1/progress', new Response('{}', { headers: { 'primer-owner': '7' } }));
  // An answer unrelated to sessions changes nothing.
  await store.observe(answer({}));
  assert.equal(await store.owner(), '7');
  await store.observe(answer({ 'primer-session': 'ended' }));
  assert.equal(await store.owner(), null, 'nobody is signed in');
  assert.deepEqual(caches.paths('primer-pages'), []);
  assert.deepEqual(caches.paths('primer-data'), []);
  assert.deepEqual(caches.paths('primer-saved'), ['/__primer/saved.json', '/media/aaa'], 'saved media stays');
  const [item] = await store.list();
  assert.equal(item.complete, false, 'the saved module is saved again when its person signs in');
  // Signing in again: the same person; saving again completes it.
  assert.equal(await store.claim(7), false);
  await store.save('b', [module(1, 1, [['/media/aaa', 5000]])]);
  assert.equal((await store.list())[0].complete, true);
});

test("a new build's HTML format drops pages older builds cached, once, and saved pages are saved again", async () => {
  const caches = fakeCaches();
  const store = createStore({ caches, fetch: fakeNetwork(FILES).fetch });
  await store.claim(7);
  await store.save('a', [module(1, 1, [['/media/aaa', 5000]])]);
  await (await caches.open('primer-pages')).put('/modules/2', new Response('<title>old</title>', { headers: { 'content-type': 'text/html' } }));
  assert.equal(await store.dropHtmlBefore(2), true);
  assert.deepEqual(caches.paths('primer-pages'), [], 'opened pages are gone');
  assert.deepEqual(caches.paths('primer-saved'), ['/__primer/saved.json', '/api/v1/catalog/1', '/media/aaa'], "the saved page is gone; data and media stay");
  assert.equal((await store.list())[0].complete, false, 'so the app saves it again when online');
  assert.equal(await store.owner(), '7', 'nobody is signed out by it');
  // Saved again by this build: the next activation of the same format keeps it.
  await store.save('b', [module(1, 1, [['/media/aaa', 5000]])]);
  assert.equal(await store.dropHtmlBefore(2), false);
  assert.equal((await store.list())[0].complete, true);
  // A later format drops it again.
  assert.equal(await store.dropHtmlBefore(3), true);
  assert.equal((await store.list())[0].complete, false);
});

test('signing out leaves nobody signed in on the device', async () => {
  const caches = fakeCaches();
  const store = createStore({ caches, fetch: fakeNetwork(FILES).fetch });
  await store.claim(7);
  await store.signedOut();
  assert.equal(await store.owner(), null);
  assert.equal(await store.claim(8), false, "nothing of anyone's left to clear");
});

test("the app's own values are kept as the signed-in person's data, and go with it", async () => {
  const caches = fakeCaches();
  const store = createStore({ caches, fetch: fakeNetwork(FILES).fetch });
  assert.equal(await store.keepData('/api/v1/progress', { modules: [] }, 7), false, 'nobody signed in: nothing kept');
  await store.claim(7);
  assert.equal(await store.keepData('/api/v1/progress', { modules: [1] }, 8), false, "never under somebody else's name");
  assert.equal(await store.keepData('/api/v1/progress', { modules: [1] }, 7), true);
  assert.deepEqual(await store.readData('/api/v1/progress', 7), { modules: [1] });
  assert.equal(await store.readData('/api/v1/progress', 8), null, 'asked for by someone else: nothing');
  assert.equal(await store.readData('/__primer/playlist', 7), null);
  // The next person on the phone never reads it, and a session's end deletes it.
  await store.claim(8);
  assert.equal(await store.readData('/api/v1/progress', 8), null);
  await store.keepData('/__primer/playlist', { module_ids: [3] }, 8);
  await store.sessionEnded();
  await store.claim(8);
  assert.equal(await store.readData('/__primer/playlist', 8), null);
  // A keep racing a sign-out never outlives it: they run one after the other.
  await store.claim(9);
  const kept = store.keepData('/__primer/playlist', { module_ids: [4] }, 9);
  await Promise.all([kept, store.signedOut()]);
  await store.claim(9);
  assert.equal(await store.readData('/__primer/playlist', 9), null);
});

test("a page's address drops only where the visit came from (the home-screen start URL)", () => {
  assert.equal(pageKey('http://primer.test/?source=home-screen'), 'http://primer.test/');
  assert.equal(pageKey('/?source=home-screen'), '/');
  assert.equal(pageKey('/library?q=price&source=home-screen'), '/library?q=price');
  // Anything else is the page's own, left exactly as it came.
  for (const url of ['/modules/3', '/library?q=too%20expensive', 'http://primer.test/prep?minutes=5&tag=stage%3Ademo']) {
    assert.equal(pageKey(url), url);
  }
});
