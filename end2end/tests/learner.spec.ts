import { type BrowserContext, expect, type Page, test } from '@playwright/test';
import { DEMO, controlled, hydrated, signIn, watchErrors } from './helpers';

type CatalogModule = { id: number; title: string; kind: string; estimated_seconds: number; tags: string[] };

async function signInAsLearner(page: Page) {
  await page.goto('/login');
  await hydrated(page);
  await signIn(page, DEMO.learner.email);
  await expect(page.getByTestId('home-title')).toBeVisible();
  await hydrated(page);
}

async function catalog(page: Page): Promise<CatalogModule[]> {
  return (await (await page.request.get('/api/v1/catalog')).json()).modules;
}

function find(modules: CatalogModule[], title: RegExp): CatalogModule {
  const m = modules.find((m) => title.test(m.title));
  if (!m) throw new Error(`no module matching ${title}`);
  return m;
}

async function saveThisModule(page: Page) {
  await page.getByTestId('save-button').click();
  await expect(page.getByTestId('saved-state')).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId('save-note')).toContainText('Saved 1 module');
}

async function goOffline(context: BrowserContext, offline: boolean) {
  await context.setOffline(offline);
}

test('saved modules open offline: the video plays and seeks, the tip card shows, the rest says so', async ({ page, context }) => {
  // Explicit saving only, so what is saved is exactly what this test saved.
  await page.addInitScript(() => localStorage.setItem('primer.auto_save', 'false'));
  const errors = watchErrors(page);
  await signInAsLearner(page);
  await controlled(page);
  const modules = await catalog(page);
  const video = find(modules, /Aurora in 90 seconds/);
  const tip = find(modules, /too expensive/);
  const unsaved = find(modules, /already have a system/);

  // Through the library, as a person would.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Library' }).click();
  await page.getByRole('link', { name: /Aurora in 90 seconds/ }).click();
  await expect(page.getByTestId('module-video')).toBeVisible();
  await saveThisModule(page);
  await page.goto(`/modules/${tip.id}`);
  await hydrated(page);
  await saveThisModule(page);
  await page.goto('/library');
  await hydrated(page);
  await expect(page.locator(`[data-module-id="${video.id}"] [data-testid="saved-badge"]`)).toBeVisible();
  await expect(page.locator(`[data-module-id="${unsaved.id}"] [data-testid="saved-badge"]`)).toHaveCount(0);

  await goOffline(context, true);
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('offline-indicator')).toBeVisible();

  // The tip card, from a cold start of its page.
  await page.goto(`/modules/${tip.id}`);
  await hydrated(page);
  await expect(page.getByTestId('tip-card')).toContainText('Size the problem');
  await expect(page.getByTestId('offline-indicator')).toBeVisible();

  // The video plays from the saved copy, and seeks to the middle.
  await page.goto(`/modules/${video.id}`);
  await hydrated(page);
  const player = page.getByTestId('module-video');
  await player.evaluate(async (v: HTMLVideoElement) => {
    v.muted = true;
    await v.play();
  });
  await expect.poll(() => player.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 10_000 }).toBeGreaterThan(0.3);
  const middle = await player.evaluate(async (v: HTMLVideoElement) => {
    const target = v.duration / 2;
    await new Promise((resolve) => {
      v.addEventListener('seeked', resolve, { once: true });
      v.currentTime = target;
    });
    return target;
  });
  await expect.poll(() => player.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeGreaterThan(middle + 0.2);
  expect(await player.evaluate((v: HTMLVideoElement) => v.error)).toBeNull();

  // Done offline: kept on the phone, shown at once.
  await page.getByTestId('mark-complete').click();
  await expect(page.getByTestId('completed')).toBeVisible();
  await expect(page.getByTestId('offline-indicator')).toContainText('1 to sync');

  // A module that isn't saved: in the app, a page that says so; from a cold start, the
  // offline page, never the browser's error.
  await page.goto('/library');
  await hydrated(page);
  await page.getByRole('link', { name: /already have a system/ }).click();
  await expect(page.getByTestId('offline-unavailable')).toBeVisible();
  await page.goto(`/modules/${unsaved.id}`);
  await expect(page.getByTestId('offline-page')).toContainText("isn't saved on this phone");

  // Back online, the record syncs by itself, exactly once.
  await goOffline(context, false);
  await page.goto('/progress');
  await hydrated(page);
  await expect(page.getByTestId('sync-status')).toContainText('All synced', { timeout: 15_000 });
  const progress = await (await page.request.get('/api/v1/progress')).json();
  const entry = progress.modules.find((m: { module_id: number }) => m.module_id === video.id);
  expect(entry?.completed_at).toBeTruthy();
  // Chromium logs failed fetches while offline; only the app's own errors count here.
  expect(errors.filter((e) => !e.includes('net::ERR_INTERNET_DISCONNECTED') && !e.includes('status of 503'))).toEqual([]);
});

test('a 5-minute meeting prep builds a playlist that fits, and saves it in one tap', async ({ page }) => {
  await page.addInitScript(() => localStorage.setItem('primer.auto_save', 'false'));
  await signInAsLearner(page);
  await page.getByTestId('prep-link').click();
  await expect(page.getByRole('heading', { name: 'Prep for a meeting' })).toBeVisible();
  await page.getByText('negotiation', { exact: true }).click();
  await page.getByText('5 min', { exact: true }).click();
  await page.getByTestId('prep-build').click();
  await expect(page).toHaveURL(/minutes=5/);
  const playlist = page.getByTestId('playlist');
  await expect(playlist).toBeVisible();
  const total = Number(await playlist.getAttribute('data-total-seconds'));
  expect(total).toBeGreaterThan(0);
  expect(total).toBeLessThanOrEqual(300);

  // Every module in it carries the tag, and the durations add up to what it says.
  const modules = await catalog(page);
  const ids = (await playlist.getByTestId('module-card').evaluateAll((cards) => cards.map((c) => Number(c.getAttribute('data-module-id')))));
  const picked = ids.map((id) => modules.find((m) => m.id === id)!);
  expect(picked.every((m) => m.tags.includes('stage:negotiation'))).toBe(true);
  expect(picked.reduce((s, m) => s + m.estimated_seconds, 0)).toBe(total);

  await playlist.getByTestId('save-button').click();
  await expect(playlist.getByTestId('saved-state')).toBeVisible({ timeout: 20_000 });
  await page.goto('/device');
  await hydrated(page);
  await expect(page.getByTestId('saved-item')).toHaveCount(ids.length);
  await expect(page.getByTestId('storage-estimate')).toContainText('Primer uses');
  await page.getByTestId('remove-all').click();
  await expect(page.getByTestId('nothing-saved')).toBeVisible();
});

test("a whole learning path saves from My progress, and the next person to sign in doesn't see it", async ({ page, context }) => {
  await page.addInitScript(() => localStorage.setItem('primer.auto_save', 'false'));
  await signInAsLearner(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Progress' }).click();
  await hydrated(page);
  const path = page.getByTestId('path-progress').first();
  const catalogPath = (await (await page.request.get('/api/v1/catalog')).json()).paths[0];
  await expect(path).toContainText(catalogPath.title);
  await path.getByTestId('save-button').click();
  await expect(path.getByTestId('saved-state')).toBeVisible({ timeout: 20_000 });
  await page.goto('/device');
  await hydrated(page);
  await expect(page.getByTestId('saved-item')).toHaveCount(catalogPath.module_ids.length);

  // Leo's session ends without signing out (it expired, or the phone changed hands),
  // and Sam signs in on the same phone: Leo's saved modules and data are gone.
  await context.clearCookies();
  await page.goto('/login');
  await hydrated(page);
  await signIn(page, 'sam@primer.example');
  await expect(page.getByTestId('home-title')).toBeVisible();
  await hydrated(page);
  await page.goto('/device');
  await hydrated(page);
  await expect(page.getByTestId('nothing-saved')).toBeVisible();
  const leftovers = await page.evaluate(async () => {
    const keys = async (name: string) => (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname);
    return { saved: await keys('primer-saved'), pages: await keys('primer-pages') };
  });
  expect(leftovers.saved.filter((p) => p !== '/__primer/saved.json')).toEqual([]);
  expect(leftovers.pages).not.toContain('/progress');
});

test('required modules due soon download by themselves, and can be removed', async ({ page }) => {
  await signInAsLearner(page);
  await page.goto('/device');
  await hydrated(page);
  // Leo started 12 days ago: the onboarding path (due on day 30) comes down by itself.
  await expect.poll(() => page.getByTestId('saved-item').count(), { timeout: 20_000 }).toBeGreaterThan(0);
  const before = await page.getByTestId('saved-item').count();
  await page.getByTestId('saved-item').first().getByRole('button', { name: 'Remove' }).click();
  await expect(page.getByTestId('saved-item')).toHaveCount(before - 1);
  await page.getByTestId('auto-save').uncheck();
  expect(await page.evaluate(() => localStorage.getItem('primer.auto_save'))).toBe('false');
});

test('the library and a tip card work with JavaScript off', async ({ browser, baseURL }) => {
  const context = await browser.newContext({ javaScriptEnabled: false, baseURL, viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto('/login');
  await signIn(page, DEMO.learner.email);
  await expect(page.getByTestId('home-title')).toBeVisible();
  await page.goto('/library');
  await expect(page.getByTestId('module-card').first()).toBeVisible();
  // The filters are a plain form.
  await page.getByTestId('library-search').fill('expensive');
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(/q=expensive/);
  await expect(page.getByTestId('module-card')).toHaveCount(1);
  await page.getByRole('link', { name: /too expensive/ }).click();
  await expect(page.getByTestId('tip-card')).toBeVisible();
  await expect(page.getByTestId('tip-card').locator('p').first()).not.toBeEmpty();
  await context.close();
});
