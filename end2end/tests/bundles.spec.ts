import { expect, type Page, test } from '@playwright/test';
import { controlled, DEMO, hydrated, signInAs, watchErrors } from './helpers';

// The learner's phone downloads only the learner's bundle (`primer`); Studio, Team and
// administration pages load the staff's (`primer-staff`), which the service worker keeps
// once a staff page has loaded it, so those pages start offline too.

/** The bundle files this page has requested (through the service worker or not). */
function bundleRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith('/pkg/') && !path.endsWith('.css')) seen.push(path);
  });
  return seen;
}

/** The paths in this build's shell cache. */
async function shellCache(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const name = (await caches.keys()).find((n) => n.startsWith('primer-shell-'));
    return name ? (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname) : [];
  });
}

test("a learner's phone never downloads the staff's code", async ({ page }) => {
  const errors = watchErrors(page);
  const requested = bundleRequests(page);
  await signInAs(page, DEMO.learner.email);
  await controlled(page);
  for (const path of ['/library', '/progress', '/device', '/account', '/']) {
    await page.goto(path);
    await hydrated(page);
  }
  // Client-side navigation between the learner's pages stays in the learner's bundle.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Library' }).click();
  await expect(page).toHaveURL(/\/library$/);
  expect(requested).toContain('/pkg/primer_bg.wasm');
  expect(requested.filter((p) => p.includes('primer-staff'))).toEqual([]);
  const cached = await shellCache(page);
  expect(cached).toContain('/pkg/primer_bg.wasm');
  expect(cached.filter((p) => p.includes('primer-staff'))).toEqual([]);
  expect(errors).toEqual([]);
});

test("an author's Studio loads the staff's bundle, which then starts Studio offline", async ({ page, context }) => {
  const errors = watchErrors(page);
  const requested = bundleRequests(page);
  await signInAs(page, DEMO.author.email);
  await controlled(page);
  expect(requested.filter((p) => p.includes('primer-staff'))).toEqual([]);

  // From Home (the learner's bundle) the Studio entry is a full page load into the staff's.
  const studio = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Studio' });
  await expect(studio).toHaveAttribute('rel', 'external');
  await studio.click();
  await expect(page).toHaveURL(/\/studio$/);
  await hydrated(page);
  expect(requested).toContain('/pkg/primer-staff_bg.wasm');
  await expect.poll(() => shellCache(page)).toEqual(expect.arrayContaining(['/pkg/primer-staff.js', '/pkg/primer-staff_bg.wasm']));

  // A link to a staff page that forgot `rel="external"` still reaches it, query and all:
  // the learner's bundle turns the navigation into a full page load.
  await page.goto('/');
  await hydrated(page);
  await page.evaluate(() => {
    const a = document.createElement('a');
    a.href = '/studio/paths?from=home';
    a.textContent = 'Paths';
    a.id = 'no-rel';
    document.querySelector('main')!.append(a);
  });
  await page.locator('#no-rel').click();
  // A new document (not the router's pushState), at the address asked for.
  await expect
    .poll(() => page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined)?.name ?? ''))
    .toMatch(/\/studio\/paths\?from=home$/);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Learning paths' })).toBeVisible();
  await page.goto('/studio');
  await hydrated(page);

  // The staff's bundle has every page: Library opens in it without another load.
  const before = requested.length;
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Library' }).click();
  await expect(page).toHaveURL(/\/library$/);
  await expect(page.getByRole('heading', { name: 'Library' })).toBeVisible();
  expect(requested.slice(before)).toEqual([]);

  // Offline, Studio starts from the worker's copies: its page and the staff's bundle.
  await page.goto('/studio');
  await hydrated(page);
  await context.setOffline(true);
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Studio' })).toBeVisible();
  await context.setOffline(false);
  expect(errors.filter((e) => !e.includes('net::ERR_INTERNET_DISCONNECTED'))).toEqual([]);
});
