import { expect, test } from '@playwright/test';
import { DEMO, apiAs, controlled, hydrated, newLearner, signInAs, watchErrors } from './helpers';

// A quiz question missed comes back on Home as a booster, is answered with no signal,
// and reaches the server when the phone is back online. The phone's clock is set two
// days ahead (its "tomorrow", clear of any midnight): the server corrects each record's
// time by the difference to its own, as it does for any phone whose clock is off.

type Option = { text: string; correct: boolean; explanation: string };
type Question = { prompt: string; multiple: boolean; options: Option[] };
type BoosterQuestion = {
  module_id: number;
  index: number;
  question: Question;
  answers: { at: string; correct: boolean; booster: boolean }[];
};

test('a missed question comes back as a booster, answered offline, and counts once synced', async ({ page, context, baseURL }) => {
  await page.addInitScript(() => localStorage.setItem('primer.auto_save', 'false'));
  const errors = watchErrors(page);
  const admin = await apiAs(baseURL!, DEMO.admin.email);
  const learner = await newLearner(admin, 'Bea');
  const api = await apiAs(baseURL!, learner.email);

  // A practice quiz whose every text is markup (it must show as text), answered wrong
  // throughout, and synced.
  const hostile = (label: string) => `${label} <img src=x onerror=alert(1)></legend><script>alert(2)</script>`;
  const option = (label: string, correct: boolean) => ({ text: hostile(label), correct, explanation: hostile(`Why ${label}`) });
  const author = await apiAs(baseURL!, DEMO.author.email);
  const made = await author.post('/api/v1/modules', {
    data: {
      kind: 'quiz', title: hostile('Boosted quiz'), estimated_seconds: 60, pass_percent: 100,
      questions: [
        { prompt: hostile('First'), options: [option('A1', true), option('A2', false)] },
        { prompt: hostile('Second'), options: [option('B1', false), option('B2', true)] },
      ],
    },
  });
  expect(made.status()).toBe(201);
  const quizId = (await made.json()).id as number;
  expect((await author.post(`/api/v1/modules/${quizId}/publish`)).ok()).toBeTruthy();
  const quiz: { id: number; version: number; content: { questions: Question[] } } = await (await api.get(`/api/v1/catalog/${quizId}`)).json();
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const questions = quiz.content.questions;
  const wrong = questions.map((q) => [q.options.findIndex((o) => !o.correct)]);
  const now = new Date().toISOString();
  const synced = await api.post('/api/v1/sync', {
    data: {
      device_id: 'another-phone',
      device_time: now,
      records: [{ id: crypto.randomUUID(), kind: 'quiz_attempt', module_id: quiz.id, module_version: quiz.version, occurred_at: now, payload: { answers: wrong } }],
    },
  });
  expect(synced.ok()).toBeTruthy();
  const progressBefore = (await (await api.get('/api/v1/progress')).json()).modules;

  // The next day(s), in signal: Home has two boosters (at most two a day).
  await page.clock.setFixedTime(new Date(Date.now() + 2 * 86_400_000));
  await signInAs(page, learner.email);
  await controlled(page);
  await page.goto('/');
  await hydrated(page);
  const card = page.getByTestId('boosters');
  await expect(card.locator('.question')).toHaveCount(2);

  // In the car park: no signal. Home opens from the phone's copy, boosters included.
  await context.setOffline(true);
  await page.reload();
  await hydrated(page);
  await expect(card.locator('.question')).toHaveCount(2);
  const first = card.locator('.question').first();
  const legend = (await first.locator('legend').innerText()).replace(/^\d+\.\s*/, '');
  const shown = questions.find((q) => q.prompt === legend)!;
  for (const option of shown.options.filter((o) => o.correct)) {
    await first.locator('label.option', { hasText: option.text }).locator('input').check();
  }
  await first.getByRole('button', { name: 'Check' }).click();
  // The explanation after the answer.
  const explained = shown.options.find((o) => o.correct && o.explanation);
  if (explained) await expect(first.getByText(explained.explanation)).toBeVisible();
  await expect(page.getByTestId('sync-status')).toContainText('1 waiting to sync');
  // Every text was shown as text: the markup is on the screen, and nothing ran.
  await expect(card).toContainText(hostile('Boosted quiz'));
  await expect(card.locator('img, script')).toHaveCount(0);

  // The app restarts, still offline: that one doesn't come back today, the other does.
  await page.reload();
  await hydrated(page);
  await expect(card.locator('.question')).toHaveCount(1);
  await expect(card.locator('legend')).not.toContainText(shown.prompt);

  // Back in signal: the answer syncs by itself, once, scored right by the server.
  await context.setOffline(false);
  await expect(page.getByTestId('sync-status')).toContainText('All synced', { timeout: 15_000 });
  const after: BoosterQuestion[] = await (await api.get('/api/v1/me/boosters')).json();
  const boosted = after.flatMap((q) => q.answers.filter((a) => a.booster).map((a) => ({ index: q.index, ...a })));
  expect(boosted.map(({ index, correct }) => ({ index, correct }))).toEqual([{ index: questions.indexOf(shown), correct: true }]);
  // At the server's time: the phone's clock, two days ahead, was corrected.
  expect(Math.abs(Date.parse(boosted[0].at) - Date.now())).toBeLessThan(10 * 60_000);
  // It counts for retention only: the quiz's progress is as it was (attempts, scores,
  // completion, last activity).
  const progressAfter = (await (await api.get('/api/v1/progress')).json()).modules;
  const of = (modules: { module_id: number }[]) => modules.find((m) => m.module_id === quiz.id);
  expect(of(progressAfter)).toEqual(of(progressBefore));
  // And Bea's manager sees it: her first tries, and one booster answered right.
  const manager = await apiAs(baseURL!, DEMO.manager.email);
  const retention = await (await manager.get('/api/v1/reports/retention')).json();
  const mine = retention.people.find((p: { user_id: number }) => p.user_id === learner.id);
  expect(mine.retention.first_try).toEqual({ right: 0, of: questions.length });
  expect(mine.retention.boosters[0]).toEqual({ right: 1, of: 1 });
  expect(dialogs).toEqual([]);
  for (const c of [api, admin, author, manager]) await c.dispose();
  expect(errors.filter((e) => !e.includes('net::ERR_INTERNET_DISCONNECTED') && !e.includes('status of 503'))).toEqual([]);
});
