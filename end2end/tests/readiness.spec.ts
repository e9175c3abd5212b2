import { type APIRequestContext, expect, test } from '@playwright/test';
import { DEMO, DEMO_PASSWORD, apiAs, hydrated, signInAs, watchErrors } from './helpers';

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

test('a manager opens /team on the phone, sees a learner\'s last sync and overdue item, and opens the chart', async ({ page, baseURL }) => {
  const errors = watchErrors(page);
  const admin = await apiAs(baseURL!, DEMO.admin.email);
  // Started 45 days ago: the onboarding path, due after 30 days, is overdue.
  const learner = await newLearner(admin, 'Priya', 45);
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
  await page.goto('/team');
  await hydrated(page);
  const card = page.locator(`[data-testid="person"][data-user-id="${learner.id}"]`);
  await expect(card).toContainText('Priya');
  await expect(card.getByTestId('last-sync')).toHaveText('Data as of just now');
  await expect(card.getByTestId('overdue')).toContainText('Overdue:');
  // At risk first: Priya is above anyone with nothing overdue.
  const firstOverdue = page.getByTestId('person').filter({ has: page.getByTestId('overdue') }).first();
  await expect(firstOverdue).toBeVisible();

  // The charts are images drawn by the server; they load, and open on their own.
  const chart = page.getByTestId('charts').locator('img').first();
  await chart.scrollIntoViewIfNeeded();
  await expect.poll(() => chart.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/api/v1/reports/charts/readiness.svg')),
    page.getByTestId('open-readiness-chart').click(),
  ]);
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toContain('image/svg+xml');
  const svg = await response.text();
  expect(svg).toContain('Retail North');
  await expect(page).toHaveURL(/readiness\.svg/);
  await admin.dispose();
  await phone.dispose();
  expect(errors).toEqual([]);
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
