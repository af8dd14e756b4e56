// Playwright config for the playground's browser tests. `cargo xtask test` builds dist/ with Trunk, serves it
// on 127.0.0.1 and sets SAMSA_BASE_URL; without it, this config serves dist/ itself with Python's http.server.
// Chromium is Debian's (/usr/bin/chromium); Playwright's own browser download is skipped at install.
const path = require('node:path');
const { defineConfig } = require('@playwright/test');

const repoRoot = path.resolve(__dirname, '..', '..');
// One id per `playwright test` run: the runner evaluates this file first and its worker processes inherit
// the variable, so specs that collect results across tests (budgets.json) can tell this run from an
// earlier one even when a failed test restarts the worker.
if (!process.env.SAMSA_E2E_RUN_ID) process.env.SAMSA_E2E_RUN_ID = `${Date.now()}-${process.pid}`;
const externalBaseUrl = process.env.SAMSA_BASE_URL;
const baseURL = externalBaseUrl || 'http://127.0.0.1:8080';

module.exports = defineConfig({
  testDir: __dirname,
  testMatch: '*.spec.js',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  outputDir: path.join(repoRoot, 'target', 'e2e-artifacts', 'test-results'),
  use: {
    baseURL,
    headless: true,
    viewport: { width: 1280, height: 800 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.SAMSA_CHROMIUM || '/usr/bin/chromium',
      // The background-networking flags matter: without them Chromium keeps trying hosts this network refuses.
      args: [
        '--headless=new',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  webServer: externalBaseUrl
    ? undefined
    : {
        command: `python3 -m http.server 8080 --bind 127.0.0.1 --directory "${path.join(repoRoot, 'dist')}"`,
        url: baseURL,
        timeout: 60_000,
        reuseExistingServer: !process.env.CI,
        // http.server logs every request on stderr; the test report is enough.
        stderr: 'ignore',
      },
});
