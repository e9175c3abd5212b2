import { type APIRequestContext, expect, type Page, test } from '@playwright/test';
import { DEMO, apiAs, controlled, hydrated, newLearner, signInAs, watchErrors } from './helpers';

// A pitch recorded on the phone in a lobby with no signal: Chromium's fake camera and
// microphone (playwright.config.ts) stand in for the phone's, and MediaRecorder, IndexedDB,
// the tus upload and the sync are the real ones (public/practice.js).

type Submission = {
  submission_id: string;
  module_id: number;
  passed: boolean | null;
  shared: boolean;
  reviews: { percent: number; comments: { at_seconds: number; text: string }[] }[];
};

async function practiceModule(author: APIRequestContext): Promise<number> {
  const made = await author.post('/api/v1/modules', {
    data: {
      kind: 'practice',
      title: `Pitch Aurora ${Date.now()}`,
      estimated_seconds: 120,
      prompt: 'Pitch Aurora to a retail store manager in 10 seconds',
      max_seconds: 10,
      pass_percent: 70,
      reviewers: 'manager',
      rubric: {
        scale_max: 4,
        criteria: [
          { name: 'Opening', description: "Names the store's problem first", weight: 1 },
          { name: 'Close', description: 'Asks for the next step', weight: 2 },
        ],
      },
    },
  });
  expect(made.status()).toBe(201);
  const id = (await made.json()).id as number;
  expect((await author.post(`/api/v1/modules/${id}/publish`)).ok()).toBeTruthy();
  return id;
}

async function mySubmissions(page: Page, moduleId: number): Promise<Submission[]> {
  const all: Submission[] = await (await page.request.get('/api/v1/me/practice')).json();
  return all.filter((s) => s.module_id === moduleId);
}

test('a take recorded offline survives a reload, uploads once back online, and its review reaches the learner', async ({ page, context, browser, baseURL }) => {
  test.setTimeout(120_000);
  await page.addInitScript(() => localStorage.setItem('primer.auto_save', 'false'));
  const errors = watchErrors(page);
  const author = await apiAs(baseURL!, DEMO.author.email);
  const admin = await apiAs(baseURL!, DEMO.admin.email);
  const moduleId = await practiceModule(author);
  const learner = await newLearner(admin, 'Priya');

  await signInAs(page, learner.email);
  await controlled(page);
  await page.goto('/device');
  await hydrated(page);
  // Opened once online: the page and the practice script are kept for offline use.
  await page.goto(`/modules/${moduleId}`);
  await hydrated(page);
  await expect(page.getByTestId('record-start')).toBeVisible();

  // In the lobby: no signal. Record, watch back, record again, submit.
  await context.setOffline(true);
  await page.getByTestId('record-start').click();
  await expect(page.getByTestId('record-left')).toContainText('left');
  await page.waitForTimeout(1500);
  await page.getByTestId('record-stop').click();
  await expect(page.getByTestId('take-playback')).toBeVisible();
  await page.getByTestId('record-again').click();
  await page.waitForTimeout(3000);
  await page.getByTestId('record-stop').click();
  await expect(page.getByTestId('take-playback')).toBeVisible();
  // The learner agrees, offline, that a reviewer may feature this one for the team.
  await page.getByTestId('take-share').check();
  await page.getByTestId('take-submit').click();
  await expect(page.getByTestId('take-waiting')).toHaveCount(1);
  await expect(page.getByTestId('take-state')).toContainText('waiting to upload');
  // A second take, submitted and then deleted: only the first waits.
  await page.getByTestId('record-start').click();
  await page.waitForTimeout(1000);
  await page.getByTestId('record-stop').click();
  await page.getByTestId('take-submit').click();
  await expect(page.getByTestId('take-waiting')).toHaveCount(2);
  await page.getByTestId('take-waiting').nth(1).getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByTestId('take-waiting')).toHaveCount(1);

  // The phone reloads with no signal: the take is still there, still waiting.
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('take-waiting')).toHaveCount(1);
  await expect(page.getByTestId('take-state')).toContainText("when you're back online");
  // "On this device" lists it too.
  await page.goto('/device');
  await hydrated(page);
  await expect(page.getByTestId('take-waiting')).toHaveCount(1);

  // Back online: the upload goes by itself (its first PATCH is cut, and it goes on from
  // where the server has it), then the record syncs, once.
  let cut = 0;
  await page.route('**/api/v1/uploads/*', (route) => {
    if (route.request().method() === 'PATCH' && cut === 0) {
      cut += 1;
      return route.abort('connectionreset');
    }
    return route.continue();
  });
  await context.setOffline(false);
  await expect(page.getByTestId('take-waiting')).toHaveCount(0, { timeout: 30_000 });
  await expect.poll(async () => (await mySubmissions(page, moduleId)).length, { timeout: 20_000 }).toBe(1);
  await expect
    .poll(() => page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? '[]').length, `primer.outbox.${learner.id}`))
    .toBe(0);
  expect(await page.evaluate(() => localStorage.getItem('primer.takes_waiting'))).toBeNull();
  expect(cut).toBe(1);
  await page.unroute('**/api/v1/uploads/*');

  // The manager reviews it on their phone: scores, a comment at 1.5 s, a summary.
  const managerContext = await browser.newContext({ ...test.info().project.use, baseURL });
  const manager = await managerContext.newPage();
  const managerErrors = watchErrors(manager);
  await signInAs(manager, DEMO.manager.email);
  await manager.goto('/reviews');
  await hydrated(manager);
  const row = manager.getByTestId('waiting-review').filter({ hasText: 'Priya' });
  await expect(row).toHaveCount(1);
  await row.getByTestId('open-review').click();
  const video = manager.getByTestId('review-video');
  await expect(video).toBeVisible();
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 15_000 }).toBeGreaterThan(0);
  const criteria = manager.getByTestId('criterion');
  await expect(criteria).toHaveCount(2);
  await criteria.nth(0).getByText('3', { exact: true }).click();
  await criteria.nth(1).getByText('4', { exact: true }).click();
  await video.evaluate((v: HTMLVideoElement) => {
    v.currentTime = 1.5;
  });
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeCloseTo(1.5, 1);
  await manager.getByTestId('comment-text').fill('Slow down <here>');
  await manager.getByTestId('add-comment').click();
  await expect(manager.getByTestId('comments')).toContainText('0:01');
  await manager.getByTestId('review-summary').fill('A clear close.');
  // Priya agreed: the manager features it for her team.
  await manager.getByTestId('feature-take').check();
  await manager.getByTestId('send-review').click();
  await expect(manager.getByTestId('review-sent')).toContainText('Featured for the team.');
  await expect(manager.getByTestId('no-reviews')).toBeVisible();
  expect(managerErrors).toEqual([]);
  await managerContext.close();

  // The learner sees the scores, passed (3×1 + 4×2 of 12 = 91 %), and jumps to the comment.
  const [submission] = await mySubmissions(page, moduleId);
  expect(submission.passed).toBe(true);
  expect(submission.reviews[0].comments).toEqual([{ at_seconds: 1.5, text: 'Slow down <here>' }]);
  await page.goto(`/modules/${moduleId}`);
  await hydrated(page);
  await expect(page.getByTestId('submission-verdict')).toHaveText('Passed');
  await expect(page.getByTestId('criterion-score')).toHaveText(['Opening: 3', 'Close: 4']);
  await expect(page.getByTestId('completed')).toBeVisible();
  const jump = page.getByTestId('comment-jump');
  await expect(jump).toHaveText('0:01');
  await expect(page.getByTestId('submission')).toContainText('Slow down <here>');
  await jump.click();
  const take = page.getByTestId('submission').locator('video');
  await expect.poll(() => take.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 10_000 }).toBeGreaterThanOrEqual(1.4);

  // A teammate sees it on their Home, and may watch it.
  const teammateContext = await browser.newContext({ ...test.info().project.use, baseURL });
  const teammate = await teammateContext.newPage();
  const teammateErrors = watchErrors(teammate);
  await signInAs(teammate, (await newLearner(admin, 'Tomas')).email);
  const featured = teammate.getByTestId('featured-takes').getByRole('link', { name: /Priya/ });
  await expect(featured).toHaveCount(1);
  const href = await featured.getAttribute('href');
  expect((await teammate.request.get(href!)).status()).toBe(200);

  // Priya changes her mind: no longer featured, nor for teammates to fetch.
  const shared = page.getByTestId('take-shared');
  await expect(shared).toBeChecked();
  await expect(page.getByTestId('submission')).toContainText('Featured for your team.');
  await shared.uncheck();
  await expect(page.getByTestId('submission')).not.toContainText('Featured for your team.');
  await expect.poll(async () => (await mySubmissions(page, moduleId))[0].shared).toBe(false);
  await teammate.reload();
  await hydrated(teammate);
  await expect(teammate.getByTestId('recognition')).toBeVisible();
  await expect(featured).toHaveCount(0);
  expect((await teammate.request.get(href!)).status()).toBe(404);
  expect(teammateErrors).toEqual([]);
  await teammateContext.close();

  // The one cut PATCH, which Chromium reports; nothing else went wrong.
  expect(errors.filter((e) => !e.includes('ERR_CONNECTION_RESET'))).toEqual([]);
});
