import { type APIRequestContext, expect, type Page, request } from '@playwright/test';

/** Every demo account shares this password (see `primer demo`). */
export const DEMO_PASSWORD = 'primer-demo';

export const DEMO = {
  learner: { email: 'learner@primer.example', first: 'Leo' },
  author: { email: 'author@primer.example', first: 'Ava' },
  manager: { email: 'manager@primer.example', first: 'Maya' },
  admin: { email: 'admin@primer.example', first: 'Adam' },
} as const;

export type DemoRole = keyof typeof DEMO;

/**
 * Collects uncaught page errors and console errors, so a test can assert there were none.
 * `expectedStatuses` are HTTP answers the test provokes on purpose (Chromium logs every
 * failed request as a console error).
 */
export function watchErrors(page: Page, expectedStatuses: number[] = []): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    if (expectedStatuses.some((s) => text.includes(`status of ${s} `))) return;
    errors.push(`console: ${text}`);
  });
  return errors;
}

/** Waits until the page has hydrated (the wasm app has taken over the server's HTML). */
export async function hydrated(page: Page) {
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached', timeout: 15_000 });
}

/** Signs in through the form, as a person would. */
export async function signIn(page: Page, email: string, password = DEMO_PASSWORD) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Signs in from the sign-in page and waits for the hydrated home screen. */
export async function signInAs(page: Page, email: string) {
  await page.goto('/login');
  await hydrated(page);
  await signIn(page, email);
  await expect(page.getByTestId('home-title')).toBeVisible();
  await hydrated(page);
}

/** The labels of the main navigation, in order. */
export async function navLabels(page: Page): Promise<string[]> {
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav).toBeVisible();
  return (await nav.getByRole('link').allInnerTexts()).map((t) => t.trim());
}

/** An API client signed in as a demo person (or anyone with the demo password). */
export async function apiAs(baseURL: string, email: string): Promise<APIRequestContext> {
  const api = await request.newContext({ baseURL, extraHTTPHeaders: { Origin: baseURL } });
  const login = await api.post('/api/v1/auth/login', { data: { email, password: DEMO_PASSWORD } });
  expect(login.ok()).toBeTruthy();
  return api;
}


/** A new learner in Retail North (Maya's team), an Account Executive, with the demo password. */
export async function newLearner(admin: APIRequestContext, name: string) {
  const teams: { id: number; name: string }[] = await (await admin.get('/api/v1/teams')).json();
  const team = teams.find((t) => t.name === 'Retail North')!;
  const email = `learner.${Date.now()}.${Math.floor(Math.random() * 1e6)}@primer.example`;
  const created = await admin.post('/api/v1/users', {
    data: { email, name, role: 'learner', job_role: 'Account Executive', team_id: team.id, password: DEMO_PASSWORD },
  });
  expect(created.status()).toBe(201);
  return { id: (await created.json()).id as number, email };
}

/** The service worker is in control of the page (it claims pages when it activates). */
export async function controlled(page: Page) {
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 15_000 }).toBe(true);
}
