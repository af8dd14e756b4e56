// Helpers shared by the live playground's specs. Everything reads what the page draws (data-testid and
// data-* attributes from the page conventions); nothing here decides a Kafka rule.
//
// Waits are conditions (expect / expect.poll with timeouts), never fixed sleeps: the simulation runs in a
// Web Worker at a wall-clock-dependent pace, so a test waits for what it needs to see.
const fs = require('node:fs');
const path = require('node:path');
const { expect } = require('@playwright/test');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const ARTIFACTS = path.join(REPO_ROOT, 'target', 'e2e-artifacts');
// The built playground (Trunk's dist/ at the repo root; SAMSA_DIST points elsewhere when served from another copy).
const DIST = process.env.SAMSA_DIST || path.join(REPO_ROOT, 'dist');

// How long the page may take from navigation to its first drawn view (wasm compile + worker start).
const READY_TIMEOUT_MS = 20_000;

async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

// A screenshot of one view (element), which must be visible.
async function screenshotOf(locator, name) {
  await expect(locator).toBeVisible();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await locator.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

// Collects uncaught page errors and console errors (the page's and its worker's) so a test fails on them.
function watchErrors(page) {
  const errors = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('worker', (worker) => {
    worker.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(`worker: ${msg.text()}`);
    });
  });
  return errors;
}

function app(page) {
  return page.getByTestId('app');
}

// Opens `url` and waits until the first view is drawn.
async function openReady(page, url = '/') {
  await page.goto(url);
  await expect(app(page)).toHaveAttribute('data-ready', 'true', { timeout: READY_TIMEOUT_MS });
}

async function numAttr(locator, name) {
  const value = await locator.getAttribute(name);
  if (value === null) throw new Error(`missing attribute ${name}`);
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`attribute ${name}="${value}" is not a number`);
  return n;
}

async function tMs(page) {
  return numAttr(app(page), 'data-t-ms');
}

async function stepCount(page) {
  return numAttr(app(page), 'data-step');
}

// The number a testid'd element shows as its text (metrics, checker counts, branch counts).
async function numText(page, testId) {
  const text = (await page.getByTestId(testId).innerText()).trim();
  const n = Number(text.replace(/[,\s]/g, ''));
  if (!Number.isFinite(n)) throw new Error(`${testId} shows "${text}", not a number`);
  return n;
}

// The leader id of a partition row, or null when it has none ("none").
async function leaderOf(page, partitionTestId) {
  const value = await page.getByTestId(partitionTestId).getAttribute('data-leader');
  if (value === null || value === 'none' || value === '') return null;
  return Number(value);
}

async function isrOf(page, partitionTestId) {
  const value = (await page.getByTestId(partitionTestId).getAttribute('data-isr')) || '';
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
}

// Waits until the drawn time stops moving: after a pause, a command already in flight may still land.
async function waitTimeSettled(page) {
  let last = null;
  await expect
    .poll(
      async () => {
        const t = await tMs(page);
        const same = t === last;
        last = t;
        return same;
      },
      { message: 'the drawn time keeps moving after a pause', intervals: [300], timeout: 10_000 },
    )
    .toBe(true);
}

async function isPlaying(page) {
  return /pause/i.test(await page.getByTestId('play').innerText());
}

async function pause(page) {
  if (await isPlaying(page)) await page.getByTestId('play').click();
  await expect(page.getByTestId('play')).toHaveText(/play/i);
  await waitTimeSettled(page);
}

async function play(page) {
  if (!(await isPlaying(page))) await page.getByTestId('play').click();
  await expect(page.getByTestId('play')).toHaveText(/pause/i);
}

// The speed select's options, in order, with the factor each one's label shows ("0.1×" … "1000×").
async function speedOptions(page) {
  const options = await page
    .getByTestId('speed')
    .locator('option')
    .evaluateAll((os) => os.map((o) => ({ value: o.value, text: o.textContent || '' })));
  return options.map((o) => ({ ...o, factor: parseFloat(o.text) }));
}

// The factor the speed select shows now.
async function currentSpeed(page) {
  const value = await page.getByTestId('speed').inputValue();
  const option = (await speedOptions(page)).find((o) => o.value === value);
  return option ? option.factor : null;
}

async function setSpeed(page, factor) {
  const option = (await speedOptions(page)).find((o) => o.factor === factor);
  expect(option, `speed ${factor}x is offered`).toBeTruthy();
  await page.getByTestId('speed').selectOption(option.value);
  await expect(page.getByTestId('speed')).toHaveValue(option.value);
}

// Waits until the run is past warm-up: time ≥ `minMs`, records acked, and orders-0 has a leader.
async function waitWarm(page, minMs = 3_000) {
  await expect
    .poll(async () => tMs(page), { message: `virtual time reaches ${minMs} ms`, timeout: 30_000 })
    .toBeGreaterThanOrEqual(minMs);
  await expect
    .poll(async () => numText(page, 'checker-acked'), { message: 'records get acked', timeout: 15_000 })
    .toBeGreaterThan(0);
  await expect
    .poll(async () => leaderOf(page, 'partition-orders-0'), { message: 'orders-0 has a leader' })
    .not.toBeNull();
}

// The nearest-rank percentile `p` (0..100) of numbers.
function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

module.exports = {
  ARTIFACTS,
  DIST,
  REPO_ROOT,
  app,
  currentSpeed,
  isPlaying,
  isrOf,
  leaderOf,
  numAttr,
  numText,
  openReady,
  pause,
  percentile,
  play,
  screenshot,
  screenshotOf,
  setSpeed,
  speedOptions,
  stepCount,
  tMs,
  waitTimeSettled,
  waitWarm,
  watchErrors,
};
