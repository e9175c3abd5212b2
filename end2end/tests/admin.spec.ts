import { expect, test } from '@playwright/test';
import { DEMO, hydrated, signIn, watchErrors } from './helpers';

test('an admin adds a person, who sets a password through the link and signs in', async ({ page, browser }) => {
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

  const link = page.getByTestId('reset-link').first();
  await expect(link).toContainText('Nia Newcomer can now be signed in');
  const url = await link.getByRole('textbox').inputValue();
  expect(url).toMatch(/\/reset\/[0-9a-f]{64}$/);
  await expect(page.getByTestId('people-list')).toContainText(email);

  // The newcomer, on their own phone.
  const phone = await browser.newContext();
  const newcomer = await phone.newPage();
  await newcomer.goto(url);
  await hydrated(newcomer);
  await expect(newcomer.getByText('Hello Nia Newcomer')).toBeVisible();
  await newcomer.getByLabel('New password').fill('my own long password');
  await newcomer.getByLabel('The same password again').fill('my own long password');
  await newcomer.getByRole('button', { name: 'Set password' }).click();
  await expect(newcomer).toHaveURL(/\/login\?reset=1$/);
  await hydrated(newcomer);
  await signIn(newcomer, email, 'my own long password');
  await expect(newcomer.getByTestId('home-title')).toHaveText('Welcome, Nia');
  await expect(newcomer.getByTestId('onboarding')).toBeVisible();
  await phone.close();

  // The admin deactivates the account; the newcomer's session ends.
  await page.reload();
  await hydrated(page);
  const row = page.getByTestId('people-list').locator('li', { hasText: email });
  await row.getByRole('button', { name: 'Deactivate' }).click();
  await expect(row.getByText('Deactivated')).toBeVisible();
  expect(errors).toEqual([]);
});
