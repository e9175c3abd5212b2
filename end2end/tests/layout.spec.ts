// Every page on a small phone (360 px, the narrowest common Android width): nothing runs
// off the side, every tap target is at least 44 × 44 px (links inside a sentence
// excepted, as WCAG's target-size rule does), and axe-core finds no serious or critical
// accessibility problem (contrast, names, labels, structure), for each role.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect, type Page, test } from '@playwright/test';
import { DEMO, apiAs, hydrated, signInAs } from './helpers';

/** axe-core's script, evaluated in the page (CDP's evaluation is not held to the page's CSP). */
const AXE = readFileSync(createRequire(__filename).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical findings on the page, one line each. */
async function accessibility(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    // @ts-expect-error axe is the global the script above defines
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    const found: string[] = [];
    for (const v of result.violations) {
      if (v.impact !== 'serious' && v.impact !== 'critical') continue;
      for (const node of v.nodes.slice(0, 3)) {
        found.push(`${v.id} (${v.impact}): ${node.target.join(' ')}: ${(node.failureSummary ?? '').split('\n').slice(1, 2).join('').trim()}`);
      }
    }
    return found;
  });
}

test.use({ viewport: { width: 360, height: 780 } });

/** What on the page is too small to tap or wider than the screen. */
async function problems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    function* ancestors(e: Element | null) {
      for (; e; e = e.parentElement) yield e;
    }
    const found: string[] = [];
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > width) {
      // Name the widest culprits.
      const wide = [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > width + 1)
        // What sits in a fixed bar only follows the page's width; the page's own content is the culprit.
        .filter((e) => ![...ancestors(e)].some((a) => getComputedStyle(a).position === 'fixed'))
        .slice(0, 3)
        .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`);
      found.push(`wider than the screen (${document.documentElement.scrollWidth} > ${width}): ${wide.join(', ')}`);
    }
    const targets = document.querySelectorAll('a[href], button, select, summary, input:not([type=hidden]), textarea');
    for (const element of targets) {
      // A checkbox or radio is tapped through its label.
      const target = (element as HTMLInputElement).type === 'checkbox' || (element as HTMLInputElement).type === 'radio'
        ? (element.closest('label') ?? element)
        : element;
      const style = getComputedStyle(target);
      const rect = target.getBoundingClientRect();
      if (style.visibility === 'hidden' || rect.width === 0 || rect.height === 0) continue;
      if (target.closest('.visually-hidden')) continue;
      // A link inside a sentence is exempt (WCAG 2.5.8's inline exception).
      const parent = target.parentElement;
      if (target.tagName === 'A' && parent && ['P', 'LI', 'SPAN'].includes(parent.tagName) && (parent.textContent ?? '').trim().length > (target.textContent ?? '').trim().length + 20) continue;
      if (rect.height < 43.5 || rect.width < 43.5) {
        const text = (target.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 30) || target.getAttribute('aria-label') || target.tagName;
        found.push(`${target.tagName.toLowerCase()} "${text}" is ${Math.round(rect.width)}×${Math.round(rect.height)}`);
      }
    }
    return [...new Set(found)];
  });
}

/** Plain server pages: no app, nothing to hydrate. */
const PLAIN = ['/notifications', '/unsubscribe/'];

async function check(page: Page, paths: string[]) {
  const all: string[] = [];
  for (const path of paths) {
    await page.goto(path);
    if (!PLAIN.some((p) => path.startsWith(p))) await hydrated(page);
    for (const p of await problems(page)) all.push(`${path}: ${p}`);
    for (const p of await accessibility(page)) all.push(`${path}: ${p}`);
  }
  expect(all).toEqual([]);
}

test('every page fits a 360 px phone, accessibly, with thumb-sized targets: signed out', async ({ page }) => {
  await check(page, ['/login', '/verify/NOPE-NOPE', '/unsubscribe/not-a-link']);
});

test('every page fits a 360 px phone, accessibly, with thumb-sized targets: a learner', async ({ page, baseURL }) => {
  await page.addInitScript(() => localStorage.setItem('primer.auto_save', 'false'));
  await signInAs(page, DEMO.learner.email);
  const api = await apiAs(baseURL!, DEMO.learner.email);
  const modules: { id: number; kind: string }[] = (await (await api.get('/api/v1/catalog')).json()).modules;
  const ofKind = (kind: string) => modules.filter((m) => m.kind === kind).map((m) => `/modules/${m.id}`);
  await check(page, [
    '/',
    '/library',
    '/prep',
    '/prep?minutes=10&tag=product%3AAurora&tag=stage%3Anegotiation',
    ...ofKind('video').slice(0, 1),
    ...ofKind('tip').slice(0, 1),
    ...ofKind('quiz'),
    '/progress',
    '/device',
    '/account',
    '/notifications',
  ]);
});

for (const role of ['manager', 'author', 'admin'] as const) {
  test(`every page fits a 360 px phone, accessibly, with thumb-sized targets: ${role}`, async ({ page, baseURL }) => {
    await page.addInitScript(() => localStorage.setItem('primer.auto_save', 'false'));
    await signInAs(page, DEMO[role].email);
    const paths: string[] = ['/', '/account', '/notifications'];
    if (role !== 'author') {
      const api = await apiAs(baseURL!, DEMO[role].email);
      const people: { id: number }[] = await (await api.get('/api/v1/me/people')).json();
      paths.push('/team', ...people.slice(0, 1).map((p) => `/team/people/${p.id}`));
    }
    if (role === 'admin') {
      // Someone with a long address, as real ones are: it must wrap, not push the page.
      const api = await apiAs(baseURL!, DEMO.admin.email);
      const email = `firstname.middlename.lastname.${Date.now()}@field-sales.primer.example`;
      expect((await api.post('/api/v1/users', { data: { email, name: 'Long Address', role: 'learner' } })).status()).toBe(201);
      paths.push('/admin/people', '/admin/teams');
    }
    if (role !== 'manager') {
      const api = await apiAs(baseURL!, DEMO[role].email);
      const modules: { id: number }[] = await (await api.get('/api/v1/modules')).json();
      paths.push('/studio', '/studio/new/tip', '/studio/new/quiz', `/studio/modules/${modules[0].id}`, `/studio/modules/${modules[0].id}/preview`, '/studio/paths', '/studio/assignments', '/studio/certifications', '/studio/insights');
    }
    await check(page, paths);
  });
}
