import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, test } from '@playwright/test';
import { hydrated, watchErrors } from './helpers';

// Installability is read in a persistent profile: an incognito context (Playwright's
// default) always reports `in-incognito`.
test('Primer is installable: manifest, icons and an active service worker', async ({ baseURL }) => {
  const profile = mkdtempSync(join(tmpdir(), 'primer-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.PRIMER_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu', '--disable-dev-shm-usage'],
    viewport: { width: 412, height: 839 },
    baseURL,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const errors = watchErrors(page);
    await page.goto('/login');
    await hydrated(page);

    const manifest = await (await page.request.get('/manifest.webmanifest')).json();
    expect(manifest).toMatchObject({ name: 'Primer', short_name: 'Primer', display: 'standalone', scope: '/' });
    const sizes = manifest.icons.map((i: { sizes: string; purpose: string }) => `${i.sizes} ${i.purpose}`);
    expect(sizes).toEqual(expect.arrayContaining(['192x192 any', '512x512 any', '512x512 maskable']));
    for (const icon of manifest.icons) expect((await page.request.get(icon.src)).status()).toBe(200);

    // The worker installs (precaching this build's files) and takes control.
    // (`ready` resolves while the worker may still be "activating".)
    await expect
      .poll(() => page.evaluate(async () => (await navigator.serviceWorker.ready).active?.state))
      .toBe('activated');
    const cached = await page.evaluate(async () => {
      const names = await caches.keys();
      const shell = names.find((n) => n.startsWith('primer-shell-'));
      return shell ? (await (await caches.open(shell)).keys()).map((r) => new URL(r.url).pathname) : [];
    });
    expect(cached).toEqual(expect.arrayContaining(['/pkg/primer_bg.wasm', '/pkg/primer.js', '/pkg/primer.css', '/offline.html']));

    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    expect(installabilityErrors).toEqual([]);
    expect(errors).toEqual([]);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
