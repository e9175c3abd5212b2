import { devices, expect, test } from '@playwright/test';
import { DEMO, hydrated, signIn, watchErrors } from './helpers';

test('on a phone, an admin adds a person, who chooses a password through the link, is signed in and welcomed', async ({ page, browser }) => {
  const errors = watchErrors(page);
  await page.goto('/login');
  await hydrated(page);
  await signIn(page, DEMO.admin.email);
  await expect(page.getByTestId('home-title')).toBeVisible();

  // A new team first.
  const team = `Field Team ${Date.now()}`;
  await page.goto('/admin/teams');
  await hydrated(page);
  await page.getByLabel('New team').fill(team);
  await page.getByRole('button', { name: 'Create team' }).click();
  await expect(page.getByTestId('team-list')).toContainText(team);

  // Then the person, in that team.
  const email = `new.${Date.now()}@primer.example`;
  await page.goto('/admin/people');
  await hydrated(page);
  await page.getByText('Add a person').click();
  const form = page.getByTestId('new-person');
  await form.getByLabel('Name').fill('Nia Newcomer');
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Job role').fill('Account Executive');
  await form.getByLabel('Team').selectOption({ label: team });
  await form.getByLabel('Start date').fill('2026-11-02');
  await form.getByRole('button', { name: 'Add and make a sign-in link' }).click();

  // The link shows where the admin is looking: under the button, on the phone's screen.
  const link = page.getByTestId('reset-link').first();
  await expect(link).toContainText('Nia Newcomer can now be signed in');
  await expect(link).toBeInViewport();
  await expect(link.getByTestId('reset-link-replaces')).toHaveCount(0);
  const first = await link.getByRole('textbox').inputValue();
  expect(first).toMatch(/\/reset\/[0-9a-f]{64}$/);
  await expect(page.getByTestId('people-list')).toContainText(email);

  // A second link says it replaces the first.
  const row = page.getByTestId('people-list').locator('li', { hasText: email });
  await row.getByRole('button', { name: 'Sign-in link' }).click();
  await expect(row.getByTestId('reset-link-replaces')).toContainText('replaces the link made before');
  const url = await row.getByTestId('reset-link').getByRole('textbox').inputValue();
  expect(url).not.toEqual(first);

  // The newcomer, on their own phone: the first link no longer works, the second
  // welcomes them, and saving their password signs them in.
  const phone = await browser.newContext({ ...devices['Pixel 7'] });
  const newcomer = await phone.newPage();
  // Only what the newcomer saves is saved.
  await newcomer.addInitScript(() => localStorage.setItem('primer.auto_save', 'false'));
  await newcomer.goto(first);
  await expect(newcomer.getByTestId('reset-invalid')).toBeVisible();
  await newcomer.goto(url);
  await hydrated(newcomer);
  await expect(newcomer.getByTestId('reset-heading')).toHaveText('Choose your password');
  await expect(newcomer.getByText('Welcome to Primer, Nia Newcomer')).toBeVisible();
  await newcomer.getByLabel('New password').fill('my own long password');
  await newcomer.getByLabel('The same password again').fill('my own long password');
  await newcomer.getByRole('button', { name: 'Save and sign in' }).click();
  await expect(newcomer.getByTestId('home-title')).toHaveText('Welcome, Nia');
  await hydrated(newcomer);
  await expect(newcomer.getByTestId('onboarding')).toBeVisible();
  // A first Home: a welcome, how to keep Primer on the home screen, one tap to save.
  const welcome = newcomer.getByTestId('welcome');
  await expect(welcome).toContainText('Welcome to Primer');
  await expect(welcome.getByTestId('home-screen-advice')).toContainText('home screen');
  await welcome.getByTestId('save-button').click();
  await expect(welcome.getByTestId('saved-state')).toBeVisible({ timeout: 20_000 });
  await phone.close();

  // The admin deactivates the account; the newcomer's session ends.
  await page.reload();
  await hydrated(page);
  await row.getByRole('button', { name: 'Deactivate' }).click();
  await expect(row.getByText('Deactivated')).toBeVisible();
  expect(errors).toEqual([]);
});
