import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { DEMO, hydrated, signIn, signInAs, watchErrors } from './helpers';

// What an author films on an iPhone: portrait 1080p HEVC in a QuickTime file, with sound,
// made here so the test carries no binary (20 seconds).
let dir = '';
let clip = '';
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'primer-e2e-renditions-'));
  clip = join(dir, 'store-visit.mov');
  execFileSync('ffmpeg', [
    '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1080x1920:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=220:sample_rate=48000',
    '-t', '20', '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-tag:v', 'hvc1',
    '-c:a', 'aac', '-shortest', clip,
  ]);
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('a phone video is prepared for phones in the background, and a learner saves the data saver and plays it offline', async ({ page, browser }) => {
  test.setTimeout(240_000);
  const errors = watchErrors(page, [409]);
  const stamp = Date.now();
  await page.goto('/login');
  await hydrated(page);
  await signIn(page, DEMO.author.email);
  await expect(page.getByTestId('home-title')).toBeVisible();
  await page.goto('/studio/new/video');
  await hydrated(page);
  await page.getByTestId('video-upload').locator('input[type=file]').setInputFiles(clip);
  await expect(page.getByTestId('video-chosen')).toBeVisible({ timeout: 60_000 });

  // The upload answers at once; the work goes on in the background, with a percentage
  // that only rises, and then what each rendition weighs.
  const status = page.getByTestId('renditions-status');
  await expect(status).toContainText('Preparing for phones');
  await page.getByLabel('Title').fill(`Store visit ${stamp}`);
  await page.getByLabel('Summary').fill('Filmed on a phone, upright.');
  // Not publishable before it is ready: the server says why.
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByTestId('editor-error')).toContainText('prepared for phones');
  const seen: number[] = [];
  const deadline = Date.now() + 200_000;
  let text = '';
  while (Date.now() < deadline) {
    text = (await status.textContent()) ?? '';
    const percent = text.match(/(\d+) %/);
    if (percent) seen.push(Number(percent[1]));
    if (text.startsWith('Ready for phones')) break;
    await page.waitForTimeout(250);
  }
  expect(text).toMatch(/^Ready for phones: 20 s → [\d.]+ (MB|KB|kB) for phones, [\d.]+ (MB|KB|kB) standard$/);
  expect(seen.length, `percentages seen: ${seen}`).toBeGreaterThan(1);
  expect(seen.some((p) => p > 0 && p < 100), `percentages seen: ${seen}`).toBe(true);
  for (let i = 1; i < seen.length; i++) expect(seen[i], `percentages seen: ${seen}`).toBeGreaterThanOrEqual(seen[i - 1]);

  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByTestId('editor-notice')).toHaveText('Published version 1.');
  await expect(page).toHaveURL(/\/studio\/modules\/\d+$/);
  const moduleId = Number(page.url().match(/\/studio\/modules\/(\d+)$/)?.[1]);
  expect(moduleId).toBeGreaterThan(0);
  expect(errors.filter((e) => !e.includes('status of 409 '))).toEqual([]);

  // A learner, on the phone: the size shown is the data saver's, and it is what is saved.
  const context = await browser.newContext();
  const phone = await context.newPage();
  await phone.addInitScript(() => localStorage.setItem('primer.auto_save', 'false'));
  const learnerErrors = watchErrors(phone);
  await signInAs(phone, DEMO.learner.email);
  const detail = await (await phone.request.get(`/api/v1/catalog/${moduleId}`)).json();
  const dataSaver = detail.content.renditions.find((r: { quality: string }) => r.quality === 'data_saver');
  const standard = detail.content.renditions.find((r: { quality: string }) => r.quality === 'standard');
  // Portrait stays portrait; never larger than asked.
  expect([dataSaver.width, dataSaver.height]).toEqual([360, 640]);
  expect([standard.width, standard.height]).toEqual([720, 1280]);
  expect(detail.downloads.data_saver.bytes).toBeLessThan(detail.downloads.standard.bytes);
  const authored = await (await page.request.get(`/api/v1/modules/${moduleId}`)).json();
  const original = await phone.request.get(`/media/${authored.content.video_media_id}`);
  expect(original.status(), 'the original never goes to phones').toBe(404);

  await phone.goto(`/modules/${moduleId}`);
  await hydrated(phone);
  const mb = (bytes: number) => (bytes >= 1_000_000 ? `${(bytes / 1_000_000).toFixed(1)} MB` : `${Math.ceil(bytes / 1000)} KB`);
  await expect(phone.getByTestId('save-button')).toContainText(mb(detail.downloads.data_saver.bytes));
  await phone.getByTestId('save-button').click();
  await expect(phone.getByTestId('saved-state')).toBeVisible({ timeout: 60_000 });
  const stored = await phone.evaluate(async (urls: string[]) => {
    let total = 0;
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const url of urls) {
        const hit = await cache.match(url);
        if (hit) total += (await hit.blob()).size;
      }
    }
    return total;
  }, detail.downloads.data_saver.media.map((m: { url: string }) => m.url));
  expect(stored).toBe(detail.downloads.data_saver.bytes);

  // Offline: it plays and seeks from what is on the phone.
  await context.setOffline(true);
  await phone.reload();
  await hydrated(phone);
  const player = phone.getByTestId('module-video');
  await expect(player).toHaveAttribute('src', dataSaver.url);
  await player.evaluate(async (v: HTMLVideoElement) => {
    v.muted = true;
    await v.play();
  });
  await expect.poll(() => player.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 15_000 }).toBeGreaterThan(0.3);
  await player.evaluate(async (v: HTMLVideoElement) => {
    await new Promise((resolve) => {
      v.addEventListener('seeked', resolve, { once: true });
      v.currentTime = 12;
    });
  });
  await expect.poll(() => player.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeGreaterThan(12.2);
  expect(await player.evaluate((v: HTMLVideoElement) => v.error)).toBeNull();
  await context.setOffline(false);

  // Standard chosen later: On this device offers to replace what is saved.
  await phone.goto('/device');
  await hydrated(phone);
  await phone.getByTestId('quality-standard').check();
  await expect(phone.getByTestId('replace-quality')).toContainText('1 module is saved in the other quality');
  await phone.getByTestId('replace-quality-button').click();
  await expect(phone.getByTestId('replace-note')).toContainText('Saved 1 module', { timeout: 60_000 });
  await expect(phone.getByTestId('replace-quality')).toHaveCount(0);
  expect(learnerErrors).toEqual([]);
  await context.close();
});
