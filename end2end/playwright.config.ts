import { defineConfig, devices } from '@playwright/test';

// Primer's browser tests: Debian's Chromium (never a downloaded browser) on a phone-sized
// viewport, against the release build with demo data on a throwaway SQLite database.
const port = Number(process.env.PRIMER_E2E_PORT ?? 3917);

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  // Two cores: the server and one browser at a time keep runs steady.
  workers: 1,
  retries: 0,
  forbidOnly: true,
  reporter: [['list']],
  use: {
    ...devices['Pixel 7'],
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: {
      executablePath: process.env.PRIMER_CHROMIUM ?? '/usr/bin/chromium',
      // A fake camera and microphone, allowed without asking (practice takes).
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
      ],
    },
    trace: 'retain-on-failure',
  },
  projects: [{ name: 'phone' }],
  webServer: {
    command: 'bash ./start-server.sh',
    url: `http://127.0.0.1:${port}/healthz`,
    env: { PRIMER_E2E_PORT: String(port) },
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
