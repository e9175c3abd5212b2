import { type APIRequestContext, expect, test } from '@playwright/test';
import { DEMO, DEMO_PASSWORD, apiAs, controlled, hydrated, signInAs, watchErrors } from './helpers';

type CatalogModule = { id: number; version: number; title: string; kind: string; assessment?: boolean };

/** A new account executive in Retail North (Maya's team) who started `startedDaysAgo` ago. */
async function newLearner(admin: APIRequestContext, name: string, startedDaysAgo: number) {
  const teams: { id: number; name: string }[] = await (await admin.get('/api/v1/teams')).json();
  const team = teams.find((t) => t.name === 'Retail North')!;
  const start = new Date(Date.now() - startedDaysAgo * 86_400_000).toISOString().slice(0, 10);
  const email = `${name.toLowerCase()}.${Date.now()}@primer.example`;
  const created = await admin.post('/api/v1/users', {
    data: { email, name, role: 'learner', job_role: 'Account Executive', team_id: team.id, start_date: start, password: DEMO_PASSWORD },
  });
  expect(created.status()).toBe(201);
  return { id: (await created.json()).id as number, email };
}

test("a manager opens /team on the phone: people first, readable charts (offline too), and a person's own page", async ({ page, context, baseURL }) => {
  const errors = watchErrors(page);
  const admin = await apiAs(baseURL!, DEMO.admin.email);
  // Started 45 days ago: the onboarding path, due after 30 days, is overdue.
  const learner = await newLearner(admin, 'Priya', 45);
  // And someone whose phone never synced.
  await newLearner(admin, 'Ines', 10);
  const phone = await apiAs(baseURL!, learner.email);
  const modules: CatalogModule[] = (await (await phone.get('/api/v1/catalog')).json()).modules;
  const tip = modules.find((m) => m.kind === 'tip')!;
  const now = new Date().toISOString();
  const synced = await phone.post('/api/v1/sync', {
    data: {
      device_id: 'priya-phone', device_time: now,
      records: [{ id: crypto.randomUUID(), kind: 'completion', module_id: tip.id, module_version: tip.version, occurred_at: now, payload: {} }],
    },
  });
  expect(synced.status()).toBe(200);

  await signInAs(page, DEMO.manager.email);
  await controlled(page);
  await page.goto('/team');
  await hydrated(page);
  // People first: the first person starts within the first screen.
  const first = await page.getByTestId('person').first().boundingBox();
  expect(first!.y).toBeLessThan(page.viewportSize()!.height - 80);
  const card = page.locator(`[data-testid="person"][data-user-id="${learner.id}"]`);
  await expect(card).toContainText('Priya');
  await expect(card.getByTestId('last-sync')).toHaveText('Synced just now');
  // Overdue items as a list.
  await expect(card.getByTestId('overdue')).toContainText('Overdue (');
  expect(await card.getByTestId('overdue').locator('li').count()).toBeGreaterThan(0);
  // At risk first: Priya is above anyone with nothing overdue.
  const firstOverdue = page.getByTestId('person').filter({ has: page.getByTestId('overdue') }).first();
  await expect(firstOverdue).toBeVisible();

  // The charts are HTML sized for the phone: text a person can read, every series named.
  const chart = page.getByTestId('readiness-chart');
  await expect(chart.getByTestId('chart-team').filter({ hasText: 'Retail North' })).toBeVisible();
  await expect(chart).toContainText('Someone overdue');
  const smallest = await page.getByTestId('charts').evaluate((c) =>
    Math.min(...[...c.querySelectorAll('li span')].map((e) => parseFloat(getComputedStyle(e).fontSize))),
  );
  expect(smallest).toBeGreaterThanOrEqual(12);
  await expect(page.getByTestId('completions-chart').getByTestId('chart-week')).toHaveCount(12);
  await expect(page.getByTestId('completions-chart')).toContainText('Modules completed');

  // Sorted by the oldest data: someone who never synced comes before Priya.
  await page.getByTestId('team-filters-toggle').locator('summary').click();
  await page.getByTestId('team-sort').selectOption('stale');
  await page.getByTestId('team-filters').getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(/sort=stale/);
  await expect(page.getByTestId('person').first().getByTestId('last-sync')).toHaveText('Never synced');

  // Her own page: items by where they stand, last sync.
  await page.locator(`[data-testid="person"][data-user-id="${learner.id}"]`).getByTestId('person-link').click();
  await expect(page.getByTestId('person-name')).toHaveText('Priya');
  await expect(page.getByTestId('person-last-sync')).toHaveText('Synced just now');
  await expect(page.getByTestId('person-items').first()).toContainText('Overdue');
  await expect(page.locator(`[data-testid="person-item"][data-module-id="${tip.id}"]`)).toContainText('done');
  await expect(page.getByTestId('back-link')).toHaveAttribute('href', '/team');

  // Offline, the team page's saved copy still has its charts.
  await context.setOffline(true);
  await page.goto('/team');
  await expect(page.getByTestId('readiness-chart').getByTestId('chart-team').first()).toBeVisible();
  await hydrated(page); // the staff's bundle, from the worker's cache
  await context.setOffline(false);
  await admin.dispose();
  await phone.dispose();
  expect(errors.filter((e) => !e.includes('net::ERR_INTERNET_DISCONNECTED'))).toEqual([]);
});

test('a learner rates a module offline, and the author sees the rating after it syncs', async ({ page, context, baseURL }) => {
  await page.addInitScript(() => localStorage.setItem('primer.auto_save', 'false'));
  const admin = await apiAs(baseURL!, DEMO.admin.email);
  const learner = await newLearner(admin, 'Tomas', 3);
  await signInAs(page, learner.email);
  const modules: CatalogModule[] = (await (await page.request.get('/api/v1/catalog')).json()).modules;
  const tip = modules.find((m) => m.kind === 'tip')!;
  await page.goto(`/modules/${tip.id}`);
  await hydrated(page);

  // In a client's lobby, no signal: rate it, with a comment.
  await context.setOffline(true);
  const comment = `Great before a pitch (${Date.now()})`;
  const rating = page.getByTestId('rating');
  await rating.getByText('5', { exact: true }).click();
  await rating.getByLabel('Comment (optional)').fill(comment);
  await rating.getByTestId('send-rating').click();
  await expect(rating.getByTestId('your-rating')).toContainText('5 of 5');
  await expect(page.getByTestId('offline-indicator')).toContainText('1 to sync');

  // Back in signal: it goes by itself.
  await context.setOffline(false);
  await expect
    .poll(() => page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? '[]').length, `primer.outbox.${learner.id}`), { timeout: 15_000 })
    .toBe(0);

  // The author, on their own device, opens the module's insights.
  await context.clearCookies();
  await signInAs(page, DEMO.author.email);
  await page.goto('/studio/insights');
  await hydrated(page);
  await page.getByTestId('insights-modules').getByRole('link', { name: tip.title, exact: true }).click();
  const insights = page.getByTestId('module-insights');
  await expect(insights).toHaveAttribute('data-module-id', String(tip.id));
  await expect(insights.getByTestId('insights-rating')).toContainText('out of 5');
  const comments = insights.getByTestId('insights-comments');
  await expect(comments.getByTestId('comment').first()).toContainText(comment);
  await expect(comments.getByTestId('comment').first()).toContainText('★★★★★');
  await admin.dispose();
});
