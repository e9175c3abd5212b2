// How long the learner app takes to send 500 records queued offline once the phone is
// back online (run by scripts/bench/sync.sh against a running Primer with the demo data),
// against one plain POST of 500 such records to /api/v1/sync from the same page in the
// same run: the ratio is the app's own overhead (reading the outbox, batching,
// bookkeeping, showing it). Both are timed inside the page (from the `online` event to
// the status saying "All synced", seen by a MutationObserver; from before `fetch` to its
// answer parsed), so neither includes Playwright's polling or its round trips.
// Prints one JSON object.
//
//   node end2end/bench/flush.mjs http://127.0.0.1:3000 <learner session cookie>
import { chromium, devices } from '@playwright/test';

const [base, session] = process.argv.slice(2);
if (!base || !session) throw new Error('usage: flush.mjs <base url> <session>');
const RECORDS = 500;
const runs = Number(process.env.BENCH_FLUSHES ?? 3);

const browser = await chromium.launch({
  executablePath: process.env.PRIMER_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu', '--disable-dev-shm-usage'],
});
const context = await browser.newContext({ ...devices['Pixel 7'], baseURL: base });
await context.addCookies([{ name: 'primer_session', value: session, url: base }]);
await context.addInitScript(() => localStorage.setItem('primer.auto_save', 'false'));
const page = await context.newPage();
const hydrated = () => page.locator('html[data-hydrated]').waitFor({ state: 'attached', timeout: 30_000 });
await page.goto('/progress');
await hydrated();
// Once the service worker is in control, the page is kept for offline use when opened.
await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
await page.goto('/progress');
await hydrated();

const me = await (await page.request.get('/api/v1/me')).json();
const userId = me.user?.id ?? me.id;
const catalog = (await (await page.request.get('/api/v1/catalog')).json()).modules.filter((m) => m.kind !== 'quiz');

/** 500 completions as the app writes them to its outbox. */
function entries() {
  return Array.from({ length: RECORDS }, (_, i) => {
    const m = catalog[i % catalog.length];
    return {
      record: { id: crypto.randomUUID(), kind: 'completion', module_id: m.id, module_version: m.version,
                occurred_at: new Date().toISOString(), payload: { seconds_spent: 30 + (i % 60) } },
      effect: 'Completed',
    };
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const appMs = [];
const postMs = [];
for (let run = 0; run < runs; run++) {
  // Offline, with 500 records waiting (as after a day without signal).
  await context.setOffline(true);
  await page.evaluate(([key, value]) => localStorage.setItem(key, value), [`primer.outbox.${userId}`, JSON.stringify(entries())]);
  await page.reload();
  await hydrated();
  await page.getByTestId('sync-status').filter({ hasText: `${RECORDS} waiting to sync` }).waitFor();
  await page.evaluate(() => {
    const marks = (window.__flush = {});
    addEventListener('online', () => { marks.online = performance.now(); }, { once: true });
    const seen = () => {
      const status = document.querySelector('[data-testid=sync-status]');
      if (!marks.synced && marks.online && status?.textContent.includes('All synced')) marks.synced = performance.now();
    };
    new MutationObserver(seen).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await context.setOffline(false);
  await page.getByTestId('sync-status').filter({ hasText: 'All synced' }).waitFor({ timeout: 60_000 });
  const marks = await page.evaluate(() => window.__flush);
  if (!marks.online || !marks.synced) throw new Error(`not timed: ${JSON.stringify(marks)}`);
  appMs.push(Math.round(marks.synced - marks.online));
  const left = await page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? '[]').length, `primer.outbox.${userId}`);
  if (left !== 0) throw new Error(`${left} records still queued`);

  // The baseline: the same number of records in one request, no app around it.
  const body = { device_id: 'bench-page', device_time: new Date().toISOString(), records: entries().map((e) => e.record) };
  const posted = await page.evaluate(async (body) => {
    const t0 = performance.now();
    const response = await fetch('/api/v1/sync', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    const answer = await response.json();
    return { ms: performance.now() - t0, status: response.status, results: answer.results?.length };
  }, body);
  if (posted.status !== 200 || posted.results !== RECORDS) throw new Error(`sync answered ${JSON.stringify(posted)}`);
  postMs.push(Math.round(posted.ms));
}
await browser.close();
console.log(JSON.stringify({ records: RECORDS, app_flush_ms: median(appMs), single_post_ms: median(postMs), runs: appMs }));
