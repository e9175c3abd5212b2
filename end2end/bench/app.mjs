// The learner app's browser benchmark (run by scripts/bench/app.sh against a running
// Primer with the demo data): what a first visit downloads, as Chromium counts it, and how
// long the home screen takes to come back on a reload offline, against the same reload
// online in the same run. Prints one JSON object.
//
//   node end2end/bench/app.mjs http://127.0.0.1:3000
import { chromium, devices } from '@playwright/test';

const base = process.argv[2];
const runs = Number(process.env.BENCH_RELOADS ?? 7);
if (!base) throw new Error('usage: app.mjs <base url>');

const browser = await chromium.launch({
  executablePath: process.env.PRIMER_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu', '--disable-dev-shm-usage'],
});
const phone = { ...devices['Pixel 7'], baseURL: base };

function kindOf(url, resourceType) {
  const path = new URL(url).pathname;
  if (resourceType === 'document') return 'html';
  if (path.endsWith('.wasm')) return 'wasm';
  if (path.endsWith('.js')) return 'js';
  if (path.endsWith('.css')) return 'css';
  return 'other';
}

/** Bytes over the wire (headers and encoded body) on a first visit, by kind, page and service worker apart. */
async function firstVisit() {
  const context = await browser.newContext(phone);
  const requests = [];
  context.on('requestfinished', (request) => requests.push(request));
  const page = await context.newPage();
  await page.goto('/');
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached', timeout: 30_000 });
  // The worker's install (the shell's precache) is part of a first visit.
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await page.waitForTimeout(500);
  const totals = { page: {}, worker: {} };
  for (const request of requests) {
    const response = await request.response();
    if (!response || response.fromServiceWorker()) continue;
    const sizes = await request.sizes();
    const who = request.serviceWorker() ? 'worker' : 'page';
    const kind = kindOf(request.url(), request.resourceType());
    totals[who][kind] = (totals[who][kind] ?? 0) + sizes.responseBodySize + sizes.responseHeadersSize;
  }
  await context.close();
  return totals;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

/** Reloads the signed-in home `runs` times and times it: first content, and hydrated. */
async function reloads(page) {
  const content = [];
  const interactive = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await page.reload({ waitUntil: 'commit' });
    await page.getByTestId('home-title').waitFor({ timeout: 30_000 });
    content.push(performance.now() - start);
    await page.locator('html[data-hydrated]').waitFor({ state: 'attached', timeout: 30_000 });
    interactive.push(performance.now() - start);
  }
  return { content_ms: median(content), hydrated_ms: median(interactive) };
}

async function offlineStart() {
  const context = await browser.newContext(phone);
  const page = await context.newPage();
  await page.goto('/login');
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  await page.getByLabel('Email').fill('learner@primer.example');
  await page.getByLabel('Password').fill('primer-demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('home-title').waitFor();
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
  // Once more online, so the worker has kept this person's home and data.
  await page.reload();
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  const online = await reloads(page);
  await context.setOffline(true);
  const offline = await reloads(page);
  const indicator = await page.getByTestId('offline-indicator').isVisible();
  await context.close();
  if (!indicator) throw new Error('offline, the home screen did not say so');
  return { online, offline };
}

try {
  const result = { first_visit: await firstVisit(), reload: await offlineStart(), runs };
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
}
