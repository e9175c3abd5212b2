import { expect, test } from '@playwright/test';
import { DEMO, DEMO_PASSWORD, type DemoRole, hydrated, navLabels, signIn, watchErrors } from './helpers';

// What each role finds on its home screen and in its navigation.
const HOMES: Record<DemoRole, { nav: string[]; section?: RegExp }> = {
  learner: { nav: ['Home', 'Library', 'Progress', 'Account'] },
  author: { nav: ['Home', 'Library', 'Progress', 'Studio', 'Account'] },
  manager: { nav: ['Home', 'Library', 'Progress', 'Team', 'Account'], section: /Teams you look after/ },
  admin: { nav: ['Home', 'Library', 'Studio', 'Team', 'Admin', 'Account'], section: /Administration/ },
};

for (const role of Object.keys(HOMES) as DemoRole[]) {
  test(`${role} signs in, sees their home, and signs out`, async ({ page }) => {
    const errors = watchErrors(page);
    await page.goto('/');
    // Not signed in: sent to the sign-in page.
    await expect(page).toHaveURL(/\/login$/);
    await hydrated(page);
    await signIn(page, DEMO[role].email);

    await expect(page.getByTestId('home-title')).toHaveText(`Welcome, ${DEMO[role].first}`);
    await hydrated(page);
    expect(await navLabels(page)).toEqual(HOMES[role].nav);
    const expected = HOMES[role].section;
    if (expected) await expect(page.getByRole('heading', { name: expected })).toBeVisible();
    await expect(page.getByTestId('prep-link')).toBeVisible();

    // On a phone the navigation is a bar along the bottom of the screen.
    const nav = await page.getByRole('navigation', { name: 'Main' }).boundingBox();
    const viewport = page.viewportSize()!;
    expect(nav!.y + nav!.height).toBeGreaterThan(viewport.height - 2);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    await expect(page.getByTestId('account-email')).toHaveText(DEMO[role].email);
    await page.getByTestId('sign-out').click();
    await expect(page).toHaveURL(/\/login\?signed_out=1$/);
    await expect(page.getByText("You're signed out.")).toBeVisible();

    // Signed out for real: the home sends us back to sign in.
    await page.goto('/');
    await expect(page).toHaveURL(/\/login$/);
    expect(errors).toEqual([]);
  });
}

test('a wrong password is reported in place, without leaving the page', async ({ page }) => {
  const errors = watchErrors(page, [401]);
  await page.goto('/login');
  await hydrated(page);
  await signIn(page, DEMO.learner.email, 'not the password');
  await expect(page.getByTestId('login-error')).toHaveText("That email and password don't match an account.");
  // Handled by the app (no form post), so the address is unchanged.
  await expect(page).toHaveURL(/\/login$/);
  await signIn(page, DEMO.learner.email);
  await expect(page.getByTestId('home-title')).toBeVisible();
  expect(errors).toEqual([]);
});

test('after signing in, people return to the page they asked for', async ({ page }) => {
  await page.goto('/account');
  await expect(page).toHaveURL(/\/login\?next=\/account$/);
  await hydrated(page);
  await signIn(page, DEMO.author.email);
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId('account-role')).toHaveText('Author');
});

test.describe('with JavaScript off', () => {
  test.use({ javaScriptEnabled: false });

  test('sign in, see the home, sign out', async ({ page }) => {
    await page.goto('/');
    await expect(page).toHaveURL(/\/login$/);
    await signIn(page, DEMO.manager.email, 'wrong password');
    await expect(page.getByText("That email and password don't match an account.")).toBeVisible();
    // The email typed is kept.
    await expect(page.getByLabel('Email')).toHaveValue(DEMO.manager.email);

    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('home-title')).toHaveText('Welcome, Maya');
    expect(await navLabels(page)).toEqual(['Home', 'Library', 'Progress', 'Team', 'Account']);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Team' }).click();
    await expect(page.getByTestId('people-list')).toContainText('Leo Learner');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    await page.getByTestId('sign-out').click();
    await expect(page.getByText("You're signed out.")).toBeVisible();
    await page.goto('/account');
    await expect(page).toHaveURL(/\/login\?next=\/account$/);
  });
});

test('an unknown address gets a friendly page', async ({ page }) => {
  const response = await page.goto('/no-such-page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: "There's nothing here" })).toBeVisible();
});
