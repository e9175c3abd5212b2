// The salesperson's five minutes (issue 22), walked on a phone: prep for a retail
// negotiation about Aurora with the demo content, play the playlist through, see true
// progress offline, keep working on a signal that never answers, and start from the
// home-screen icon offline.
import net from 'node:net';
import { type APIRequestContext, expect, type Page, test } from '@playwright/test';
import { DEMO, apiAs, controlled, hydrated, newLearner, signInAs, watchErrors } from './helpers';

type CatalogModule = { id: number; title: string; kind: string; estimated_seconds: number; tags: string[] };

async function catalog(page: Page): Promise<CatalogModule[]> {
  return (await (await page.request.get('/api/v1/catalog')).json()).modules;
}

async function freshLearner(baseURL: string, name: string) {
  const admin: APIRequestContext = await apiAs(baseURL, DEMO.admin.email);
  return newLearner(admin, name);
}

/** The ids of the module cards in `scope`, in order. */
async function cardIds(scope: ReturnType<Page['getByTestId']>): Promise<number[]> {
  return scope.getByTestId('module-card').evaluateAll((cards) => cards.map((c) => Number(c.getAttribute('data-module-id'))));
}

test('prep for a retail negotiation lists what that meeting needs, and plays through with Next', async ({ page, baseURL }) => {
  await page.addInitScript(() => localStorage.setItem('primer.auto_save', 'false'));
  const errors = watchErrors(page);
  const learner = await freshLearner(baseURL!, 'Nadia Prep');
  await signInAs(page, learner.email);
  const modules = await catalog(page);
  const byId = new Map(modules.map((m) => [m.id, m]));

  await page.getByTestId('prep-link').click();
  await hydrated(page);
  for (const tag of ['Aurora', 'retail', 'negotiation']) await page.getByText(tag, { exact: true }).click();
  await page.getByText('10 min', { exact: true }).click();
  await page.getByTestId('prep-at').fill('10:30');
  await page.getByTestId('prep-build').click();
  await expect(page).toHaveURL(/minutes=10/);
  const playlist = page.getByTestId('playlist');
  await expect(playlist.getByRole('heading')).toHaveText('Your prep for 10:30');
  const ids = await cardIds(playlist);
  const titles = ids.map((id) => byId.get(id)!.title);

  // The meeting's own modules come first: the retail one and both objections with their
  // check; healthcare's customer story is for another meeting.
  const relevant = [/Aurora for retail/, /too expensive/, /already have a system/, /Check: objection handling/];
  for (const title of relevant) expect(titles.slice(0, 4).some((t) => title.test(t)), `${title} in ${titles}`).toBe(true);
  expect(titles.some((t) => /Brightside Dental/.test(t))).toBe(false);
  expect(ids.every((id) => !byId.get(id)!.tags.some((t) => t.startsWith('industry:') && t !== 'industry:retail'))).toBe(true);
  const total = ids.reduce((s, id) => s + byId.get(id)!.estimated_seconds, 0);
  expect(total).toBeLessThanOrEqual(600 - 30);

  // Play it: each module offers the next, and the way back says Prep.
  await playlist.getByTestId('module-card').first().getByRole('link').click();
  await expect(page.getByTestId('back-link')).toHaveText('← Prep');
  await expect(page.getByTestId('back-link')).toHaveAttribute('href', /^\/prep\?.*minutes=10/);
  for (let i = 1; i < ids.length; i++) {
    await expect(page).toHaveURL(new RegExp(`/modules/${ids[i - 1]}$`));
    const next = page.getByTestId('next-link');
    await expect(next).toHaveText(`Next: ${titles[i]}`);
    if (byId.get(ids[i - 1])!.kind === 'tip') await page.getByTestId('mark-complete').click();
    await next.click();
  }
  await expect(page).toHaveURL(new RegExp(`/modules/${ids[ids.length - 1]}$`));
  await expect(page.getByTestId('playlist-summary')).toContainText('Good luck at 10:30!');
  await expect(page.getByTestId('back-link')).toHaveText('← Prep');

  // Home keeps the playlist, with how far along it is, and "Prep now" keeps the choices.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home' }).click();
  const card = page.getByTestId('home-playlist');
  await expect(card.getByRole('heading')).toHaveText('Your prep for 10:30');
  const tips = ids.filter((id, i) => i < ids.length - 1 && byId.get(id)!.kind === 'tip').length;
  await expect(card.getByTestId('home-playlist-done')).toHaveText(`${tips} of ${ids.length} done`);
  await expect(page.getByTestId('prep-link')).toHaveAttribute('href', /minutes=10.*tag=industry%3Aretail/);
  await card.getByTestId('home-playlist-continue').click();
  await expect(page.getByTestId('back-link')).toHaveText('← Home');
  await expect(page.getByTestId('back-link')).toHaveAttribute('href', '/');
  await expect(page.getByTestId('playlist-next').or(page.getByTestId('playlist-summary'))).toBeVisible();

  // Opened from the library, a module is just a module: no "Next", the way back is Library.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Library' }).click();
  await page.locator(`[data-module-id="${ids[0]}"]`).getByRole('link').click();
  await expect(page.getByTestId('back-link')).toHaveText('← Library');
  await expect(page.getByTestId('back-link')).toHaveAttribute('href', '/library');
  await expect(page.getByTestId('playlist-next')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('offline, a playlist lists only what is saved and says what is not; Home still offers it', async ({ page, context, baseURL }) => {
  await page.addInitScript(() => localStorage.setItem('primer.auto_save', 'false'));
  const learner = await freshLearner(baseURL!, 'Omar Offline');
  await signInAs(page, learner.email);
  await controlled(page);
  const modules = await catalog(page);
  await page.goto('/prep?minutes=5&tag=stage%3Anegotiation');
  await hydrated(page);
  const online = await cardIds(page.getByTestId('playlist'));
  expect(online.length).toBeGreaterThan(1);
  // Save only the first one.
  await page.goto(`/modules/${online[0]}`);
  await hydrated(page);
  await page.getByTestId('save-button').click();
  await expect(page.getByTestId('saved-state')).toBeVisible({ timeout: 20_000 });
  await page.goto('/prep?minutes=5&tag=stage%3Anegotiation');
  await hydrated(page);
  // A few seconds on the page, as anyone stays: the app has the catalog kept by then.
  await expect
    .poll(() => page.evaluate(async () => !!(await (await caches.open('primer-data')).match('/api/v1/catalog'))), { timeout: 15_000 })
    .toBe(true);

  await context.setOffline(true);
  await page.reload();
  await hydrated(page);
  await expect.poll(() => cardIds(page.getByTestId('playlist'))).toEqual([online[0]]);
  const missing = modules.filter((m) => online.slice(1).includes(m.id)).map((m) => m.title);
  for (const title of missing) await expect(page.getByTestId('playlist-not-saved')).toContainText(title);

  // Home, offline, still offers the playlist built last; what "Continue" shows isn't
  // listed again under "Due soon".
  await page.goto('/');
  await hydrated(page);
  await expect(page.getByTestId('home-playlist')).toContainText('Your 5-minute prep');
  const next = await page.getByTestId('continue').getByTestId('module-card').getAttribute('data-module-id');
  await expect(page.locator(`[data-testid="due-soon"] [data-module-id="${next}"]`)).toHaveCount(0);

  // The library, offline, marks what won't open before a tap.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Library' }).click();
  await expect(page.locator(`[data-module-id="${online[0]}"] [data-testid="saved-badge"]`)).toBeVisible();
  await expect(page.locator(`[data-module-id="${online[1]}"] [data-testid="not-saved-badge"]`)).toHaveText('Not on this phone');
  await context.setOffline(false);
});

test('progress shown offline is the latest the phone knows, after a reload and after menu navigation', async ({ page, context, baseURL }) => {
  await page.addInitScript(() => localStorage.setItem('primer.auto_save', 'false'));
  const learner = await freshLearner(baseURL!, 'Priya Progress');
  await signInAs(page, learner.email);
  await controlled(page);
  // The first look at My progress (page and data) is cached: nothing done yet.
  await page.goto('/progress');
  await hydrated(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home' }).click();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Progress' }).click();
  await expect(page.getByTestId('required-summary')).toContainText('0 of');
  const required = await cardIds(page.getByTestId('required-summary'));

  // Two required tip cards done and synced.
  const modules = await catalog(page);
  const tips = modules.filter((m) => m.kind === 'tip' && required.includes(m.id)).slice(0, 2);
  expect(tips.length).toBe(2);
  for (const tip of tips) {
    await page.goto(`/modules/${tip.id}`);
    await hydrated(page);
    await page.getByTestId('mark-complete').click();
    await expect(page.getByTestId('completed')).toBeVisible();
  }
  await page.goto('/progress');
  await hydrated(page);
  await expect(page.getByTestId('sync-status')).toContainText('All synced', { timeout: 15_000 });
  await page.goto('/');
  await hydrated(page);

  // Offline: through the menu (the data cached first says 0) and after a reload.
  await context.setOffline(true);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Progress' }).click();
  const summary = page.getByTestId('required-summary');
  await expect(summary).toContainText(`2 of ${required.length} done`);
  await expect(page.getByTestId('sync-status')).not.toContainText('All synced');
  await expect(page.getByTestId('sync-status')).toContainText('Offline');
  await page.reload();
  await hydrated(page);
  await expect(summary).toContainText(`2 of ${required.length} done`);
  for (const tip of tips) await expect(summary.locator(`[data-module-id="${tip.id}"] [data-testid="done"]`)).toBeVisible();
  await expect(page.getByTestId('sync-status')).not.toContainText('All synced');
  await context.setOffline(false);
});

/**
 * A TCP proxy in front of the server that can turn into lie-fi: connections are
 * accepted, and what is sent on them is never answered.
 */
async function lieFiProxy(target: number) {
  let hanging = false;
  const stalled = new Set<net.Socket>();
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    open.add(client).add(upstream);
    client.on('data', (chunk) => {
      if (hanging) {
        stalled.add(client);
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!stalled.has(client)) client.write(chunk);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
      stalled.delete(client);
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    hang: () => {
      hanging = true;
    },
    // The signal comes back; what was lost on the way stays lost.
    recover: () => {
      hanging = false;
      for (const socket of stalled) socket.destroy();
      stalled.clear();
    },
    close: () => {
      for (const socket of open) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test('on a signal that never answers, in-app screens fall back to the phone within 5 s and recover by themselves', async ({ page, baseURL }) => {
  test.setTimeout(60_000);
  const learner = await freshLearner(baseURL!, 'Lia Liefi');
  const proxy = await lieFiProxy(Number(new URL(baseURL!).port));
  try {
    await page.addInitScript(() => localStorage.setItem('primer.auto_save', 'false'));
    // The whole visit goes through the proxy (its own origin: its own worker and copies).
    await page.goto(`${proxy.origin}/login`);
    await hydrated(page);
    await page.getByLabel('Email').fill(learner.email);
    await page.getByLabel('Password').fill('primer-demo');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('home-title')).toBeVisible();
    await hydrated(page);
    await controlled(page);
    const nav = page.getByRole('navigation', { name: 'Main' });
    // Library and Progress read the catalog and progress once with signal: kept.
    await nav.getByRole('link', { name: 'Library' }).click();
    await expect(page.getByTestId('module-card').first()).toBeVisible();
    await nav.getByRole('link', { name: 'Progress' }).click();
    await expect(page.getByTestId('required-summary')).toBeVisible();
    await nav.getByRole('link', { name: 'Home' }).click();
    await expect(page.getByTestId('home-title')).toBeVisible();

    proxy.hang();
    const started = Date.now();
    await nav.getByRole('link', { name: 'Library' }).click();
    await expect(page.getByTestId('module-card').first()).toBeVisible({ timeout: 5_000 });
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect(page.getByTestId('slow-connection')).toContainText("Slow connection — showing what's on this phone");
    await nav.getByRole('link', { name: 'Progress' }).click();
    await expect(page.getByTestId('required-summary')).toBeVisible({ timeout: 5_000 });

    // The signal comes back: the screen notices by itself, no reload.
    proxy.recover();
    await expect(page.getByTestId('slow-connection')).toHaveCount(0, { timeout: 15_000 });
    await expect(page.getByTestId('required-summary')).toBeVisible();
  } finally {
    await page.close();
    await proxy.close();
  }
});

test('the home-screen icon opens the app offline for someone signed in before', async ({ page, context, baseURL }) => {
  const learner = await freshLearner(baseURL!, 'Hana Homescreen');
  await signInAs(page, learner.email);
  await controlled(page);
  // Home was opened once, with signal.
  await page.goto('/');
  await hydrated(page);
  await context.setOffline(true);
  await page.goto('/?source=home-screen');
  await expect(page.getByTestId('home-title')).toBeVisible();
  await expect(page.getByTestId('offline-page')).toHaveCount(0);
  await context.setOffline(false);
});
