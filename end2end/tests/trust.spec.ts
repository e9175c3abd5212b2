// The holes a review of the running server found (issue 17), as a phone and a manager
// meet them in Chromium.
import { readFileSync } from 'node:fs';
import { type APIRequestContext, expect, test } from '@playwright/test';
import { DEMO, DEMO_PASSWORD, apiAs, hydrated, newLearner, signInAs, watchErrors } from './helpers';

type CatalogModule = { id: number; version: number; title: string; kind: string; assessment?: boolean };

test.describe('an old phone meets a newer server', () => {
  // The page's own requests are rewritten here as a newer server would answer them;
  // without the service worker in between, Playwright sees them all.
  test.use({ serviceWorkers: 'block' });

  test('a module of a kind the app doesn\'t know asks for an update instead of failing', async ({ page, baseURL }) => {
    await page.addInitScript(() => localStorage.setItem('primer.auto_save', 'false'));
    const errors = watchErrors(page);
    const admin = await apiAs(baseURL!, DEMO.admin.email);
    const learner = await newLearner(admin, 'Rhea');
    await signInAs(page, learner.email);
    const modules: CatalogModule[] = (await (await page.request.get('/api/v1/catalog')).json()).modules;
    const tip = modules.find((m) => m.kind === 'tip')!;
    // The newer server has made this module a "podcast".
    await page.route('**/api/v1/catalog', async (route) => {
      const response = await route.fetch();
      const catalog = await response.json();
      for (const m of catalog.modules) if (m.id === tip.id) m.kind = 'podcast';
      await route.fulfill({ response, json: catalog });
    });
    await page.route(`**/api/v1/catalog/${tip.id}`, async (route) => {
      const response = await route.fetch();
      const module = await response.json();
      module.kind = 'podcast';
      module.content = { kind: 'podcast', audio_media_id: 'ab12', chapters: [{ at: 0, title: 'Intro' }] };
      await route.fulfill({ response, json: module });
    });
    await page.goto('/progress');
    await hydrated(page);
    // Into the library and the module without reloading: the app reads the answers.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Library' }).click();
    const card = page.locator(`[data-testid="module-card"][data-module-id="${tip.id}"]`);
    await expect(card).toContainText('New kind of module');
    await card.getByRole('link').click();
    await expect(page.getByTestId('needs-update')).toContainText('needs a newer version of Primer');
    await expect(page.getByTestId('mark-complete')).toHaveCount(0);
    await admin.dispose();
    expect(errors).toEqual([]);
  });

  test('the outbox waits as long as the server\'s Retry-After asks, then sends, and keeps everything meanwhile', async ({ page, baseURL }) => {
    await page.addInitScript(() => localStorage.setItem('primer.auto_save', 'false'));
    const errors = watchErrors(page, [429]);
    const admin = await apiAs(baseURL!, DEMO.admin.email);
    const learner = await newLearner(admin, 'Sami');
    await signInAs(page, learner.email);
    const modules: CatalogModule[] = (await (await page.request.get('/api/v1/catalog')).json()).modules;
    const tip = modules.find((m) => m.kind === 'tip')!;
    const sent: number[] = [];
    await page.route('**/api/v1/sync', async (route) => {
      sent.push(Date.now());
      if (sent.length === 1) {
        // A code this build doesn't know yet, with the human message every error has.
        await route.fulfill({
          status: 429,
          headers: { 'retry-after': '3' },
          json: { error: { code: 'rate_limited', message: 'Primer is catching up with your records.' } },
        });
      } else {
        await route.continue();
      }
    });
    await page.goto(`/modules/${tip.id}`);
    await hydrated(page);
    await page.getByTestId('mark-complete').click();
    await expect(page.getByTestId('completed')).toBeVisible();
    // A new record meanwhile waits too: the server asked for three seconds.
    await page.getByTestId('rating').getByText('5', { exact: true }).click();
    await page.getByTestId('send-rating').click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Progress' }).click();
    const status = page.getByTestId('sync-status');
    await expect(status).toContainText('Primer is catching up with your records.');
    await expect(status).toContainText('2 waiting to sync');
    // Even an app restart waits for it.
    await page.reload();
    await hydrated(page);
    await expect(page.getByTestId('sync-status')).toContainText('All synced', { timeout: 15_000 });
    expect(sent.length).toBe(2);
    expect(sent[1] - sent[0]).toBeGreaterThanOrEqual(3000);
    const progress = await (await page.request.get('/api/v1/progress')).json();
    expect(progress.modules.find((m: { module_id: number }) => m.module_id === tip.id)?.completed_at).toBeTruthy();
    await admin.dispose();
    expect(errors).toEqual([]);
  });
});

test('a manager downloads the readiness CSV in the browser, whole, with formulas written as text', async ({ page, baseURL }) => {
  const errors = watchErrors(page);
  const admin = await apiAs(baseURL!, DEMO.admin.email);
  await newLearner(admin, '=HYPERLINK("https://evil.example","Open")');
  await signInAs(page, DEMO.manager.email);
  await page.goto('/team');
  await hydrated(page);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('people-csv').click()]);
  expect(download.suggestedFilename()).toMatch(/^primer-people-.*\.csv$/);
  const csv = readFileSync((await download.path())!, 'utf8');
  expect(csv.split('\n')[0]).toContain('Name,Email,Team');
  expect(csv).toContain('Retail North');
  expect(csv).toContain(`"'=HYPERLINK(""https://evil.example"",""Open"")"`);
  expect(csv).not.toMatch(/^"?=HYPERLINK/m);
  await admin.dispose();
  expect(errors).toEqual([]);
});

test('an assessment saved for offline is answered under its attempt, counts once when back online, and the next attempt comes from the server', async ({ page, context, baseURL }) => {
  await page.addInitScript(() => localStorage.setItem('primer.auto_save', 'false'));
  const errors = watchErrors(page);
  const admin = await apiAs(baseURL!, DEMO.admin.email);
  const learner = await newLearner(admin, 'Uma');
  await signInAs(page, learner.email);
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 15_000 }).toBe(true);
  const modules: CatalogModule[] = (await (await page.request.get('/api/v1/catalog')).json()).modules;
  const check = modules.find((m) => m.assessment)!;
  await page.goto(`/modules/${check.id}`);
  await hydrated(page);
  await expect(page.getByTestId('attempts-left')).toContainText('Attempt 1 of 3');
  const attemptId = await page.getByTestId('assessment').getAttribute('data-attempt-id');
  expect(attemptId).toBeTruthy();
  // Saving it keeps the attempt with it.
  await page.getByTestId('save-button').click();
  await expect(page.getByTestId('saved-state')).toBeVisible({ timeout: 20_000 });

  // In the car park: no signal. The saved page, module and attempt open.
  await context.setOffline(true);
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('assessment')).toHaveAttribute('data-attempt-id', attemptId!);
  for (const question of await page.locator('.assessment .question').all()) {
    await question.locator('input').first().check();
  }
  await page.getByTestId('submit-assessment').click();
  await expect(page.getByTestId('assessment-submitted')).toContainText('back online');
  // Opened again offline, the answered attempt isn't offered twice.
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('attempt-answered')).toBeVisible();

  // Back in signal: the answers sync by themselves and count once.
  await context.setOffline(false);
  await page.goto('/progress');
  await hydrated(page);
  await expect(page.getByTestId('sync-status')).toContainText('All synced', { timeout: 15_000 });
  const progress = await (await page.request.get('/api/v1/progress')).json();
  expect(progress.modules.find((m: { module_id: number }) => m.module_id === check.id)?.attempts).toBe(1);
  // Online, the next attempt is a new one from the server.
  await page.goto(`/modules/${check.id}`);
  await hydrated(page);
  await expect(page.getByTestId('attempts-left')).toContainText('Attempt 2 of 3');
  expect(await page.getByTestId('assessment').getAttribute('data-attempt-id')).not.toBe(attemptId);
  await admin.dispose();
  expect(errors.filter((e) => !e.includes('net::ERR_INTERNET_DISCONNECTED') && !e.includes('status of 503'))).toEqual([]);
});


test("a shared phone forgets a manager's pages once her session ends, and shows them to nobody after", async ({ page, context, baseURL }) => {
  await page.addInitScript(() => localStorage.setItem('primer.auto_save', 'false'));
  const admin = await apiAs(baseURL!, DEMO.admin.email);
  const teams: { id: number; name: string }[] = await (await admin.get('/api/v1/teams')).json();
  const north = teams.find((t) => t.name === 'Retail North')!;
  const email = `manager.${Date.now()}@primer.example`;
  const created = await admin.post('/api/v1/users', {
    data: { email, name: 'Mira Manager', role: 'manager', manages: [north.id], password: DEMO_PASSWORD },
  });
  expect(created.status()).toBe(201);
  const mira = (await created.json()).id as number;

  // Mira looks at her team on the shop's shared phone.
  await signInAs(page, email);
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 15_000 }).toBe(true);
  await page.goto('/team');
  await hydrated(page);
  await expect(page.getByTestId('person').first()).toBeVisible();
  const cachedTeam = () =>
    page.evaluate(async () => (await (await caches.open('primer-pages')).keys()).some((r) => new URL(r.url).pathname === '/team'));
  await expect.poll(cachedTeam).toBe(true);

  // Her account is deactivated elsewhere, which ends her sessions.
  expect((await admin.patch(`/api/v1/users/${mira}`, { data: { active: false } })).status()).toBe(200);
  // The phone's next answer from the server says so: her pages and data go.
  await page.goto('/team');
  await expect(page.getByLabel('Email')).toBeVisible();
  await expect.poll(cachedTeam).toBe(false);
  expect(await page.evaluate(async () => (await (await caches.open('primer-data')).keys()).length)).toBe(0);

  // The next person on the phone, with no signal, gets the offline page, not her team.
  await context.setOffline(true);
  await page.goto('/team').catch(() => {});
  await expect(page.getByTestId('offline-page')).toBeVisible();
  await expect(page.getByTestId('person')).toHaveCount(0);
  await context.setOffline(false);
  await admin.dispose();
});

const H = '</title><script>alert(1)</script><img src=x onerror=alert(2)>"\'><svg onload=alert(3)>';

test('hostile text in every field runs nothing in Chromium, and no page breaks its Content-Security-Policy', async ({ browser, baseURL }) => {
  const admin = await apiAs(baseURL!, DEMO.admin.email);
  const author = await apiAs(baseURL!, DEMO.author.email);
  const team = await (await admin.post('/api/v1/teams', { data: { name: `T ${H.slice(0, 60)}` } })).json();
  const stamp = Date.now();
  const make = async (role: string, extra: object = {}) => {
    const email = `${role}.${stamp}@primer.example`;
    const r = await admin.post('/api/v1/users', {
      data: { email, name: `${role} ${H}`, role, job_role: `Seller ${H}`, team_id: team.id, password: DEMO_PASSWORD, ...extra },
    });
    expect(r.status()).toBe(201);
    return { email, id: (await r.json()).id as number };
  };
  const learner = await make('learner');
  const manager = await make('manager', { manages: [team.id] });
  const tip = await (
    await author.post('/api/v1/modules', {
      data: {
        kind: 'tip', title: `Tip ${H}`, summary: `Summary ${H}`, estimated_seconds: 60, tags: ['<img src=x onerror=alert(4)>'],
        body_markdown: `# ${H}\n\n<script>alert(5)</script> [link](javascript:alert(6))`,
      },
    })
  ).json();
  expect((await author.post(`/api/v1/modules/${tip.id}/publish`)).status()).toBe(200);
  const path = await (await author.post('/api/v1/paths', { data: { title: `Path ${H}`, description: H, module_ids: [tip.id] } })).json();
  expect((await author.post('/api/v1/assignments', { data: { path_id: path.id, team_id: team.id, required: true, due_days: 30 } })).status()).toBe(201);
  const phone = await apiAs(baseURL!, learner.email);
  const now = new Date().toISOString();
  await phone.post('/api/v1/sync', {
    data: {
      device_id: 'p', device_time: now,
      records: [{ id: crypto.randomUUID(), kind: 'feedback', module_id: tip.id, module_version: 1, occurred_at: now, payload: { rating: 2, comment: `Comment ${H}` } }],
    },
  });

  const visit = async (email: string | null, paths: string[]) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      d.dismiss().catch(() => {});
    });
    await page.addInitScript(() => {
      (window as unknown as { __violations: string[] }).__violations = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        (window as unknown as { __violations: string[] }).__violations.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    const errors = watchErrors(page, [404]);
    if (email) await signInAs(page, email);
    for (const p of paths) {
      await page.goto(p);
      if (!p.startsWith('/api/')) await hydrated(page);
      else await page.locator('.swagger-ui').first().waitFor();
      const violations = await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);
      expect(violations, `${p}: CSP violations`).toEqual([]);
    }
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  };
  await visit(null, [`/login?error=${encodeURIComponent(H)}&email=${encodeURIComponent(H)}`]);
  await visit(learner.email, ['/', '/library', `/library?q=${encodeURIComponent(H)}`, `/modules/${tip.id}`, '/progress', '/prep', '/account', '/device']);
  await visit(manager.email, ['/team']);
  await visit(DEMO.admin.email, ['/admin/people', '/admin/teams', '/studio', `/studio/modules/${tip.id}`, '/studio/paths', '/studio/assignments', '/studio/certifications', `/studio/insights?module=${tip.id}`, '/api/docs/']);
  for (const api of [admin, author, phone]) await api.dispose();
});
