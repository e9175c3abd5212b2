import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { DEMO, hydrated, signIn, watchErrors } from './helpers';

// A real video, made here so the test carries no binary: four seconds of moving test
// pattern at a high bitrate (a few MB), enough for a throttled upload to show progress.
let dir = '';
let video = '';
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'primer-e2e-media-'));
  video = join(dir, 'aurora-pitch.mp4');
  execFileSync('ffmpeg', [
    '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-t', '4',
    '-c:v', 'libx264', '-b:v', '6M', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', video,
  ]);
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('an author uploads a video and writes a tip card, publishes both, and a learner gets them', async ({ page, browser }) => {
  test.setTimeout(90_000);
  const errors = watchErrors(page);
  const stamp = Date.now();
  await page.goto('/login');
  await hydrated(page);
  await signIn(page, DEMO.author.email);
  await expect(page.getByTestId('home-title')).toBeVisible();

  // The video, uploaded over a slow uplink (about 1 MB/s), as from a hotel's Wi-Fi.
  await page.goto('/studio/new/video');
  await hydrated(page);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 1_000_000,
  });
  const bytes = statSync(video).size;
  await page.getByTestId('video-upload').locator('input[type=file]').setInputFiles(video);
  const bar = page.getByTestId('upload-progress');
  await expect(bar).toBeVisible();
  // The bar shows real bytes: its maximum is the file's size, and it moves before it ends.
  expect(Number(await bar.getAttribute('max'))).toBe(bytes);
  // (A vanished bar reads as -1: the upload must be seen part-way, not only at the end.)
  const sent = async () => Number((await bar.getAttribute('value', { timeout: 500 }).catch(() => null)) ?? -1);
  await expect.poll(sent, { intervals: [100] }).toBeGreaterThan(0);
  expect(await sent()).toBeLessThan(bytes);
  await expect(page.getByTestId('video-upload')).toContainText(/Uploading: .* of /);
  await expect(page.getByTestId('video-chosen')).toBeVisible({ timeout: 30_000 });
  await expect(bar).toHaveCount(0);
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1,
  });
  await expect(page.getByText('Poster: a frame taken from the video')).toBeVisible();
  // Made ready for phones in the background before it can be published.
  await expect(page.getByTestId('renditions-status')).toContainText('Ready for phones', { timeout: 60_000 });

  const videoTitle = `Aurora pitch ${stamp}`;
  await page.getByLabel('Title').fill(videoTitle);
  await page.getByLabel('Summary').fill('The product in four seconds.');
  await page.getByLabel('Tags').fill('product:Aurora, stage:discovery');
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByTestId('editor-notice')).toHaveText('Published version 1.');
  await expect(page.getByTestId('module-status')).toContainText('Published');
  await expect(page).toHaveURL(/\/studio\/modules\/\d+$/);
  // The preview is the learner's view: the video with its poster.
  await expect(page.getByTestId('preview').locator('video')).toHaveAttribute('poster', /\/media\//);

  // A server error is shown in words: a text file dressed up as a video.
  await page.goto('/studio/new/video');
  await hydrated(page);
  await page.getByTestId('video-upload').locator('input[type=file]').setInputFiles({
    name: 'not-a-video.mp4', mimeType: 'video/mp4', buffer: Buffer.from('these are meeting notes, not a video\n'),
  });
  await expect(page.getByTestId('upload-error')).toContainText('That file is not one Primer can use');
  await expect(page.getByTestId('video-chosen')).toHaveCount(0);

  // The tip card, checked as it is typed.
  await page.goto('/studio/new/tip');
  await hydrated(page);
  const tipTitle = `Three objections ${stamp}`;
  await page.getByRole('button', { name: 'Publish' }).click();
  // Every problem at once, and the cursor in the first field to fix.
  await expect(page.getByTestId('editor-error')).toHaveText('Fix the fields marked in red first: Title, Time.');
  await expect(page.getByLabel('Title')).toBeFocused();
  expect(await page.getByTestId('module-form').locator('.field-error').count()).toBeGreaterThan(1);
  await page.getByLabel('Title').fill(tipTitle);
  await page.getByLabel('Summary').fill('What to say when the price comes up.');
  await page.getByTestId('tip-body').fill(
    '## Price\n\n- Agree first, then **size the problem**.\n\n<script>alert(1)</script>\n\n[A sneaky link](javascript:alert(1))\n',
  );
  await page.getByLabel('Tags').fill('product:Aurora, stage:negotiation');
  await page.getByLabel('Time to complete (seconds)').fill('60');
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByTestId('editor-notice')).toHaveText('Published version 1.');
  // Published, with nothing changed since: nothing to publish.
  await expect(page.getByTestId('publish')).toHaveCount(0);
  await expect(page).toHaveURL(/\/studio\/modules\/\d+$/);
  const preview = page.getByTestId('preview');
  await expect(preview.getByRole('heading', { name: 'Price' })).toBeVisible();
  await expect(preview.locator('strong')).toHaveText('size the problem');
  await expect(preview.locator('script')).toHaveCount(0);
  await expect(preview.locator('a[href^="javascript:"]')).toHaveCount(0);

  // Both are in the studio's list as published.
  await page.goto('/studio');
  await hydrated(page);
  const list = page.getByTestId('module-list');
  await expect(list.locator('li', { hasText: videoTitle })).toContainText('Published · v1');
  await expect(list.locator('li', { hasText: tipTitle })).toContainText('Published · v1');
  expect(errors.filter((e) => !e.includes('status of 415 '))).toEqual([]);

  // A learner, on their phone, gets both in the catalog, with the video's size to download.
  const phone = await browser.newContext();
  const learner = await phone.newPage();
  await learner.goto('/login');
  await hydrated(learner);
  await signIn(learner, DEMO.learner.email);
  await expect(learner.getByTestId('home-title')).toBeVisible();
  const response = await learner.request.get('/api/v1/catalog');
  expect(response.status()).toBe(200);
  const catalog = await response.json();
  const byTitle = (t: string) => catalog.modules.find((m: { title: string }) => m.title === t);
  const got = byTitle(videoTitle);
  expect(got).toMatchObject({ kind: 'video', version: 1, estimated_seconds: 4 });
  // What phones save is the data saver made from it, never the upload itself.
  expect(got.media.map((m: { bytes: number }) => m.bytes)).not.toContain(bytes);
  expect(got.media[0].content_type).toBe('video/mp4');
  expect(got.download_bytes).toBe(got.downloads.data_saver.bytes);
  expect(got.download_bytes).toBeLessThan(bytes);
  expect(byTitle(tipTitle)).toMatchObject({ kind: 'tip', version: 1, estimated_seconds: 60 });
  const tip = await (await learner.request.get(`/api/v1/catalog/${byTitle(tipTitle).id}`)).json();
  expect(tip.content.body_html).toContain('<strong>size the problem</strong>');
  expect(tip.content.body_html).not.toMatch(/<script|javascript:/);
  expect(tip.content.body_html).toContain('A sneaky link');
  await phone.close();
});

test('an author writes a single-answer quiz with radio buttons, previews the draft as a learner on the phone, and saving keeps its own address', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/login');
  await hydrated(page);
  await signIn(page, DEMO.author.email);
  await expect(page.getByTestId('home-title')).toBeVisible();
  await page.goto('/studio/new/quiz');
  await hydrated(page);
  const title = `Check: pricing ${Date.now()}`;
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Question 1').fill('What do you agree with first?');
  const answers = page.getByPlaceholder('Answer', { exact: true });
  await answers.nth(0).fill('The price');
  await answers.nth(1).fill('The problem it solves');
  // One right answer: radios, and picking the second unpicks the first.
  const right = page.getByTestId('right-answer');
  await expect(right.first()).toHaveAttribute('type', 'radio');
  await right.nth(0).check();
  await right.nth(1).check();
  await expect(right.nth(0)).not.toBeChecked();
  await expect(right.nth(1)).toBeChecked();
  // Several right: checkboxes.
  await page.getByLabel('Several answers can be right').check();
  await expect(right.first()).toHaveAttribute('type', 'checkbox');
  await page.getByLabel('Several answers can be right').uncheck();
  await page.getByLabel('Time to complete (seconds)').fill('60');
  // Tags in use are picked, not typed.
  await page.getByTestId('pick-tags').getByRole('button', { name: 'product:Aurora' }).click();
  await expect(page.getByLabel('Tags')).toHaveValue('product:Aurora');
  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect(page.getByTestId('editor-notice')).toHaveText('Saved.');
  await expect(page).toHaveURL(/\/studio\/modules\/\d+$/);
  const address = page.url();
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel('Title')).toHaveValue(title);

  // The draft, as its learner will see it, on the phone.
  await page.getByTestId('preview-link').click();
  await expect(page.getByTestId('preview-banner')).toContainText('Draft');
  await expect(page.getByText('What do you agree with first?')).toBeVisible();
  await page.getByRole('link', { name: 'Back to editing' }).click();
  await expect(page).toHaveURL(address);
  expect(errors).toEqual([]);
});

test('a path says it saved, is assigned from its editor, and the author is told who would be overdue at once', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/login');
  await hydrated(page);
  await signIn(page, DEMO.author.email);
  await expect(page.getByTestId('home-title')).toBeVisible();
  await page.goto('/studio/paths');
  await hydrated(page);
  const name = `Pricing week ${Date.now()}`;
  await page.getByRole('button', { name: 'New path' }).click();
  const form = page.getByTestId('path-form');
  await form.getByLabel('Title').fill(name);
  // A published module: a path's drafts don't count as anyone's work yet.
  await form.getByLabel('Module to add').selectOption({ label: 'Aurora in 90 seconds (Video)' });
  await form.getByRole('button', { name: 'Add', exact: true }).click();
  await form.getByRole('button', { name: 'Save path' }).click();
  await expect(page.getByTestId('path-saved')).toContainText(`Saved “${name}”`);

  // Assigned from the path's own editor: the path comes picked.
  const row = page.locator('li', { hasText: name });
  await row.getByTestId('assign-path').click();
  await hydrated(page);
  await expect(page.getByTestId('assign-what').locator('option:checked')).toHaveText(name);
  // To every Account Executive, due 1 day after their start: everyone who started
  // earlier would be overdue the moment it is saved, and the page says so first.
  const assign = page.getByTestId('assignment-form');
  await assign.getByLabel('Job role').fill('Account Executive');
  await assign.getByRole('spinbutton', { name: 'Days after start' }).fill('1');
  const preview = page.getByTestId('overdue-preview');
  await expect(preview).toContainText(/\d+ (people|person) will be overdue at once/);
  // An author is told how many, not who (that is for admins and managers).
  await expect(preview).not.toContainText('Leo Learner');
  await preview.getByTestId('grace').check();
  await expect(page.getByTestId('overdue-preview-none')).toContainText('nobody is overdue at once');
  await assign.getByRole('button', { name: 'Assign' }).click();
  const listed = page.getByTestId('assignment-list').locator('li', { hasText: name });
  await expect(listed).toContainText('whichever is later');
  // Tidy up: the demo's learners keep their own assignments only.
  await listed.getByRole('button', { name: 'Remove' }).click();
  await expect(listed).toHaveCount(0);
  expect(errors).toEqual([]);
});
