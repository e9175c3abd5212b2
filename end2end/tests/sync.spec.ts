import { type APIRequestContext, expect, type Page, request, test } from '@playwright/test';
import { DEMO, DEMO_PASSWORD, hydrated, signIn, signInAs, watchErrors } from './helpers';

type CatalogModule = { id: number; title: string; kind: string; assessment?: boolean };
type Statement = { id: string; actor: { account: { name: string } }; verb: { id: string } };

/** The admin's API, from outside the phone (as the server's own view of the truth). */
async function adminApi(baseURL: string): Promise<APIRequestContext> {
  const api = await request.newContext({ baseURL, extraHTTPHeaders: { Origin: baseURL } });
  const login = await api.post('/api/v1/auth/login', { data: { email: DEMO.admin.email, password: DEMO_PASSWORD } });
  expect(login.ok()).toBeTruthy();
  return api;
}

/** A new learner in Sam's team and job role (so they see the demo catalog), with nothing
 * recorded yet. */
async function newLearner(api: APIRequestContext, name: string): Promise<{ id: number; email: string }> {
  const teams: { id: number; name: string }[] = await (await api.get('/api/v1/teams')).json();
  const team = teams.find((t) => t.name === 'Retail North');
  const email = `${name.toLowerCase()}.${Date.now()}@primer.example`;
  const created = await api.post('/api/v1/users', {
    data: { email, name, role: 'learner', job_role: 'Account Executive', team_id: team?.id, password: DEMO_PASSWORD },
  });
  expect(created.status()).toBe(201);
  return { id: (await created.json()).id, email };
}

/** Every statement the server holds for one learner (following `more`). */
async function statementsOf(api: APIRequestContext, userId: number): Promise<Statement[]> {
  const all: Statement[] = [];
  let url = '/api/v1/export/xapi?limit=1000';
  while (url) {
    const page = await (await api.get(url)).json();
    all.push(...page.statements);
    url = page.more;
  }
  return all.filter((s) => s.actor.account.name === String(userId));
}

async function saveThisModule(page: Page) {
  await page.getByTestId('save-button').click();
  await expect(page.getByTestId('saved-state')).toBeVisible({ timeout: 20_000 });
}

async function outboxIds(page: Page, userId: number): Promise<string[]> {
  return page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? '[]').map((e: { record: { id: string } }) => e.record.id), `primer.outbox.${userId}`);
}

test('offline, a video, a tip card and a quiz wait to sync, survive a reload, and reach the server exactly once', async ({ page, context, baseURL }) => {
  await page.addInitScript(() => localStorage.setItem('primer.auto_save', 'false'));
  const errors = watchErrors(page);
  const api = await adminApi(baseURL!);
  const learner = await newLearner(api, 'Olivia');
  await signInAs(page, learner.email);
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 15_000 }).toBe(true);
  const modules: CatalogModule[] = (await (await page.request.get('/api/v1/catalog')).json()).modules;
  const video = modules.find((m) => m.kind === 'video')!;
  const tip = modules.find((m) => m.kind === 'tip')!;
  const quiz = modules.find((m) => m.kind === 'quiz' && !m.assessment)!;
  for (const m of [video, tip, quiz]) {
    await page.goto(`/modules/${m.id}`);
    await hydrated(page);
    await saveThisModule(page);
  }
  // Pages opened online are kept for offline use too.
  await page.goto('/progress');
  await hydrated(page);

  // In the lift: no signal.
  await context.setOffline(true);
  for (const m of [video, tip]) {
    await page.goto(`/modules/${m.id}`);
    await hydrated(page);
    await page.getByTestId('mark-complete').click();
    await expect(page.getByTestId('completed')).toBeVisible();
  }
  await page.goto(`/modules/${quiz.id}`);
  await hydrated(page);
  for (const question of await page.locator('.question').all()) {
    await question.locator('input').first().check();
    await question.getByRole('button', { name: 'Check' }).click();
  }
  await expect(page.getByTestId('quiz-result')).toBeVisible();

  await page.goto('/progress');
  await hydrated(page);
  await expect(page.getByTestId('sync-status')).toContainText('3 waiting to sync');
  const waiting = await outboxIds(page, learner.id);
  expect(waiting).toHaveLength(3);

  // The phone restarts the app, still offline: the outbox is still there.
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('sync-status')).toContainText('3 waiting to sync');
  expect(await outboxIds(page, learner.id)).toEqual(waiting);
  // (Whether the server already has any of them is not asserted: Chromium's offline
  // emulation doesn't cover the service worker's own fetches, so a record sent just as
  // a page opened can land while its answer is lost with the page. That is the lost-answer
  // case: the retry below finds it stored, and it still counts once.)

  // Back in signal: it syncs by itself.
  await context.setOffline(false);
  await expect(page.getByTestId('sync-status')).toContainText('All synced', { timeout: 15_000 });
  expect(await outboxIds(page, learner.id)).toEqual([]);
  const stored = await statementsOf(api, learner.id);
  expect(stored.map((s) => s.id).sort()).toEqual([...waiting].sort());
  const verbs = stored.map((s) => s.verb.id.split('/').pop()).sort();
  expect(verbs.filter((v) => v === 'completed')).toHaveLength(2);
  expect(verbs.filter((v) => v === 'passed' || v === 'failed')).toHaveLength(1);
  await api.dispose();
  expect(errors.filter((e) => !e.includes('net::ERR_INTERNET_DISCONNECTED') && !e.includes('status of 503'))).toEqual([]);
});

test('a rating can be changed, and signing out with records waiting warns and keeps them', async ({ page, context, baseURL }) => {
  await page.addInitScript(() => localStorage.setItem('primer.auto_save', 'false'));
  const api = await adminApi(baseURL!);
  const learner = await newLearner(api, 'Noah');
  await signInAs(page, learner.email);
  const modules: CatalogModule[] = (await (await page.request.get('/api/v1/catalog')).json()).modules;
  const tip = modules.find((m) => m.kind === 'tip')!;
  // Opened online first, so both are there offline.
  await page.goto('/account');
  await hydrated(page);
  await page.goto(`/modules/${tip.id}`);
  await hydrated(page);

  await context.setOffline(true);
  const rating = page.getByTestId('rating');
  await rating.getByText('2', { exact: true }).click();
  await rating.getByLabel('Comment (optional)').fill('Too long for a car park');
  await rating.getByTestId('send-rating').click();
  await expect(rating.getByTestId('your-rating')).toContainText('2 of 5');
  await rating.getByRole('button', { name: 'Change' }).click();
  await rating.getByText('4', { exact: true }).click();
  await rating.getByTestId('send-rating').click();
  await expect(rating.getByTestId('your-rating')).toContainText('4 of 5');

  // Signing out now would leave two records behind: the app says so first.
  await page.goto('/account');
  await hydrated(page);
  await expect(page.getByTestId('offline-indicator')).toContainText('2 to sync');
  await page.getByTestId('sign-out').click();
  await expect(page.getByTestId('sign-out-warning')).toContainText('2 records are not synced yet');
  expect(await outboxIds(page, learner.id)).toHaveLength(2);

  // Signed out elsewhere meanwhile (the session ended): the records wait for their person.
  await context.clearCookies();
  await context.setOffline(false);
  await page.goto('/account');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await hydrated(page);
  expect(await outboxIds(page, learner.id)).toHaveLength(2);
  await signIn(page, learner.email);
  // Back where they were, and the records go.
  await expect(page.getByTestId('account-email')).toHaveText(learner.email);
  await hydrated(page);
  await expect.poll(() => outboxIds(page, learner.id), { timeout: 15_000 }).toEqual([]);
  const progress = await (await page.request.get('/api/v1/progress')).json();
  expect(progress.modules.find((m: { module_id: number }) => m.module_id === tip.id)?.rating).toBe(4);
  const ratings = (await statementsOf(api, learner.id)).filter((s) => s.verb.id.endsWith('/rated'));
  expect(ratings).toHaveLength(2);
  await api.dispose();
});
