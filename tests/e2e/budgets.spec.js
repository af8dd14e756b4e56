// The playground's budgets (issue 5), measured here; the numbers go to target/e2e-artifacts/budgets.json
// (and BENCHMARKS.md, "Playground") with whether each meets the goal:
// - release wasm (page + worker: every dist/*.wasm) ≤ 400 KB gzipped in total (gzip level 9, as a server
//   would send it);
// - first interactive render ≤ 1 s in headless Chromium (`window.__samsa.firstViewMs`);
// - animation frame p95 ≤ 16 ms with 3 brokers × 12 partitions at 1,000 msg/s playing at 1×
//   (`window.__samsa.frames`: main-thread ms to apply one view and render it).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const { test, expect } = require('@playwright/test');
const {
  ARTIFACTS,
  DIST,
  app,
  currentSpeed,
  openReady,
  percentile,
  screenshot,
  tMs,
  watchErrors,
} = require('./support');

const BUDGETS_JSON = path.join(ARTIFACTS, 'budgets.json');
// The goals (KB as 1,000 bytes: the stricter reading of "400 KB"). Not all are met yet (see
// BENCHMARKS.md): the wasm is ~780 KB (750 KB before the pipelines, their checker and the transactions
// panel; 709 KB before the transactions issue added the transaction coordinator, markers, the LSO,
// read_committed and the transactional producer; 587 KB before the
// consumer-groups issue; 546 KB before the producer issue) and the frame p95 ~20-35 ms on the shared
// 2-core machine.
const WASM_GZIP_GOAL_BYTES = 400_000;
const FIRST_VIEW_GOAL_MS = 1_000;
const FRAME_P95_GOAL_MS = 16;
// What the tests assert: ceilings just above today's measurements, so any regression fails the run
// while the goals above stay visible in budgets.json. Lower them as the page gets there.
const WASM_GZIP_CEILING_BYTES = 800_000;
const FIRST_VIEW_CEILING_MS = 1_500;
const FRAME_P95_CEILING_MS = 50;
// Fresh loads measured for the first render; the budget applies to their median (one load on a shared
// 2-core machine can catch a build running beside it).
const FIRST_VIEW_LOADS = 3;
// Virtual time the frame measurement plays at 1× (about as many wall seconds).
const FRAME_WINDOW_MS = 5_000;

// Adds one section to budgets.json; a file from an earlier run (another SAMSA_E2E_RUN_ID) is started over.
function record(section, value) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const runId = process.env.SAMSA_E2E_RUN_ID || 'unknown';
  let budgets = { run_id: runId };
  if (fs.existsSync(BUDGETS_JSON)) {
    const earlier = JSON.parse(fs.readFileSync(BUDGETS_JSON, 'utf8'));
    if (earlier.run_id === runId) budgets = earlier;
  }
  budgets[section] = value;
  budgets.measured_at = new Date().toISOString();
  fs.writeFileSync(BUDGETS_JSON, `${JSON.stringify(budgets, null, 2)}\n`);
}

let browserErrors;

test.beforeAll(async ({ browser }) => {
  const cpus = os.cpus();
  record('environment', {
    browser: `Chromium ${browser.version()} (headless)`,
    node: process.version,
    cpus: `${cpus.length} × ${cpus.length > 0 ? cpus[0].model : 'unknown'}`,
    memory_gib: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
  });
});

test.beforeEach(async ({ page }) => {
  browserErrors = watchErrors(page);
});

test.afterEach(async ({ page }) => {
  await expect(page.getByTestId('panic-banner')).toHaveCount(0);
  expect(browserErrors).toEqual([]);
});

test('release wasm size is measured and kept under its ceiling (goal 400 KB gzipped)', async ({ page }) => {
  const files = fs.readdirSync(DIST).filter((f) => f.endsWith('.wasm')).sort();
  const sizes = files.map((name) => {
    const bytes = fs.readFileSync(path.join(DIST, name));
    return { name, raw_bytes: bytes.length, gzip_bytes: zlib.gzipSync(bytes, { level: 9 }).length };
  });
  const totalGzipBytes = sizes.reduce((sum, f) => sum + f.gzip_bytes, 0);
  record('wasm', {
    files: sizes,
    total_raw_bytes: sizes.reduce((sum, f) => sum + f.raw_bytes, 0),
    total_gzip_bytes: totalGzipBytes,
    goal_gzip_bytes: WASM_GZIP_GOAL_BYTES,
    meets_goal: totalGzipBytes <= WASM_GZIP_GOAL_BYTES,
    ceiling_gzip_bytes: WASM_GZIP_CEILING_BYTES,
  });
  // The page's and its worker's (one shared file or one each).
  expect(files.length, `wasm files in ${DIST}`).toBeGreaterThanOrEqual(1);
  // Every wasm file measured is one the page really loads (a stale file would make the sum meaningless).
  const loaded = new Set();
  page.on('response', (r) => {
    if (r.url().endsWith('.wasm')) loaded.add(path.basename(new URL(r.url()).pathname));
  });
  await openReady(page);
  await expect.poll(() => files.filter((f) => !loaded.has(f))).toEqual([]);
  expect(totalGzipBytes).toBeLessThanOrEqual(WASM_GZIP_CEILING_BYTES);
});

test('the first view is drawn promptly after a fresh load (goal 1 s)', async ({ browser }) => {
  const firstViewMs = [];
  for (let i = 0; i < FIRST_VIEW_LOADS; i += 1) {
    // A new context each time: empty HTTP and code caches, as a first visit.
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchErrors(page);
    await openReady(page);
    const ms = await page.evaluate(() => window.__samsa && window.__samsa.firstViewMs);
    expect(typeof ms, 'window.__samsa.firstViewMs is a number').toBe('number');
    expect(ms).toBeGreaterThan(0);
    firstViewMs.push(ms);
    expect(errors).toEqual([]);
    await context.close();
  }
  const medianMs = percentile(firstViewMs, 50);
  record('first_view', {
    loads_ms: firstViewMs.map((ms) => Math.round(ms * 10) / 10),
    median_ms: Math.round(medianMs * 10) / 10,
    max_ms: Math.round(Math.max(...firstViewMs) * 10) / 10,
    goal_ms: FIRST_VIEW_GOAL_MS,
    meets_goal: medianMs <= FIRST_VIEW_GOAL_MS,
    ceiling_ms: FIRST_VIEW_CEILING_MS,
  });
  expect(medianMs).toBeLessThanOrEqual(FIRST_VIEW_CEILING_MS);
});

test('frames stay short (goal p95 16 ms) at 3 brokers × 12 partitions, 1,000 msg/s, 1×', async ({ page }) => {
  test.setTimeout(90_000);
  await openReady(page, '/?scenario=playground-load');
  await expect(page.getByTestId('scenario-error')).toHaveCount(0);
  // The load scenario's shape, as the page draws it.
  await expect.poll(async () => page.locator('[data-testid^="broker-"][data-state]').count()).toBe(3);
  await expect.poll(async () => page.locator('[data-testid^="partition-"][data-leader]').count()).toBe(12);
  await expect(page.getByTestId('play')).toHaveText(/pause/i);
  expect(await currentSpeed(page)).toBe(1);

  const startMs = await tMs(page);
  const framesBefore = await page.evaluate(() => window.__samsa.frames.length);
  const wallStart = Date.now();
  await expect
    .poll(async () => tMs(page), {
      message: `${FRAME_WINDOW_MS} ms of virtual time pass`,
      intervals: [100],
      timeout: 60_000,
    })
    .toBeGreaterThanOrEqual(startMs + FRAME_WINDOW_MS);
  const wallMs = Date.now() - wallStart;
  const virtualMs = (await tMs(page)) - startMs;
  const frames = await page.evaluate((before) => {
    const all = window.__samsa.frames;
    // The page keeps the last 2000 frames: if it dropped some of ours, take the newest.
    return all.length >= 2000 ? all.slice(-300) : all.slice(before);
  }, framesBefore);
  await screenshot(page, '20-load-scenario');

  const round = (ms) => Math.round(ms * 100) / 100;
  record('frames', {
    scenario: 'playground-load',
    speed: 1,
    wall_ms: wallMs,
    virtual_ms: virtualMs,
    count: frames.length,
    p50_ms: round(percentile(frames, 50)),
    p95_ms: round(percentile(frames, 95)),
    max_ms: round(Math.max(...frames)),
    goal_p95_ms: FRAME_P95_GOAL_MS,
    meets_goal: percentile(frames, 95) <= FRAME_P95_GOAL_MS,
    ceiling_p95_ms: FRAME_P95_CEILING_MS,
  });
  expect(percentile(frames, 95), 'frame p95 (ms)').toBeLessThanOrEqual(FRAME_P95_CEILING_MS);
  // And the p95 must describe a page that keeps up with 1× and draws many frames.
  expect(frames.length, 'frames drawn in the window').toBeGreaterThanOrEqual(60);
  expect(virtualMs / wallMs, 'virtual ms per wall ms at 1×').toBeGreaterThan(0.8);
  await expect(app(page)).toHaveAttribute('data-ready', 'true');
});
