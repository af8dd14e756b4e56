// Transactions in the playground (issue 8). The hanging-transaction scenario: while client-1 is paused
// inside a transaction, its coordinator shows "inventory" Ongoing and the leader's last stable offset of
// the partitions it wrote stays below the high watermark; after transaction.timeout.ms the coordinator
// aborts it (CompleteAbort), the log shows the ABORT markers and the aborted records, the LSO catches up,
// and client-1 wakes up fenced. The delivery-semantics scenario shows its three pipelines, the
// exactly-once one with its transactions.
const { test, expect } = require('@playwright/test');
const { numAttr, openReady, pause, play, setSpeed, tMs, watchErrors, screenshotOf } = require('./support');

let browserErrors;

test.beforeEach(async ({ page }) => {
  browserErrors = watchErrors(page);
});

test.afterEach(async ({ page }) => {
  await expect(page.getByTestId('panic-banner')).toHaveCount(0);
  expect(browserErrors).toEqual([]);
});

async function playUntil(page, untilMs, speed = 10) {
  await setSpeed(page, speed);
  await play(page);
  await expect
    .poll(async () => tMs(page), { message: `virtual time reaches ${untilMs} ms`, timeout: 60_000 })
    .toBeGreaterThanOrEqual(untilMs);
  await pause(page);
}

// The leader's row of the replica log panel for `partition` (e.g. stock-0), once it is focused.
async function leaderRow(page, partition) {
  await page.getByTestId('partition-focus').selectOption(partition);
  const leader = page.locator('[data-testid^="replica-log-"]').filter({ has: page.locator('.chip.leader') });
  await expect(leader).toHaveCount(1);
  return leader;
}

test('an open transaction holds the LSO until the coordinator aborts it and fences its producer', async ({ page }) => {
  await openReady(page, '/?scenario=hanging-transaction');
  // client-1 is paused at 6.3 s inside a transaction begun at about 6.1 s; transaction.timeout.ms is
  // 10 s. Played slowly, so the pause lands well inside that window.
  await playUntil(page, 9_000, 2);
  await expect(page.getByTestId('txn-inventory')).toHaveAttribute('data-state', 'Ongoing');
  await expect(page.getByTestId('client-1-transaction')).toContainText('inventory');
  const transactions = page.getByTestId('transactions');
  await screenshotOf(transactions, 'transactions-hanging-ongoing');
  // Some partition of "stock" has its LSO held below the high watermark by the open transaction.
  let held = false;
  for (const partition of ['stock-0', 'stock-1', 'stock-2']) {
    const row = await leaderRow(page, partition);
    const lso = await numAttr(row, 'data-last-stable');
    const hw = await numAttr(row, 'data-hw');
    expect(lso).toBeLessThanOrEqual(hw);
    if (lso < hw) {
      held = true;
      await expect(row.locator('.rl-cell.stable')).toHaveCount(1);
      await screenshotOf(page.getByTestId('replica-logs'), 'transactions-lso-held');
      break;
    }
  }
  expect(held, 'the open transaction holds some partition LSO below its high watermark').toBe(true);

  // The coordinator aborts it at about 16.1 s: the ABORT markers are the newest offsets for a moment.
  await playUntil(page, 16_800, 2);
  await expect(page.getByTestId('txn-inventory')).not.toHaveAttribute('data-state', 'Ongoing');
  let sawAbort = false;
  for (const partition of ['stock-0', 'stock-1', 'stock-2']) {
    const row = await leaderRow(page, partition);
    if ((await row.locator('.rl-cell.marker.abort').count()) > 0) {
      sawAbort = true;
      await screenshotOf(page.getByTestId('replica-logs'), 'transactions-aborted');
      break;
    }
  }
  expect(sawAbort, 'an ABORT marker is in view on some partition of stock').toBe(true);

  // client-1 wakes at 21.3 s and is fenced; every LSO has caught up with its high watermark.
  await playUntil(page, 23_000);
  await expect(page.getByTestId('client-1-transaction-state')).toHaveAttribute('data-state', 'FATAL_ERROR');
  await expect(page.getByTestId('client-1-transaction-state')).toContainText('PRODUCER_FENCED');
  for (const partition of ['stock-0', 'stock-1', 'stock-2']) {
    const row = await leaderRow(page, partition);
    expect(await numAttr(row, 'data-last-stable')).toBe(await numAttr(row, 'data-hw'));
  }
});

test('the log shows COMMIT and ABORT markers and the aborted records; the producer counts both', async ({ page }) => {
  await openReady(page, '/?scenario=read-committed-vs-uncommitted');
  await playUntil(page, 8_000);
  const row = await leaderRow(page, 'payments-0');
  await expect(row.locator('.rl-cell.marker.commit').first()).toBeVisible();
  await expect(row.locator('.rl-cell.marker.abort').first()).toBeVisible();
  await expect(row.locator('.rl-cell.aborted').first()).toBeVisible();
  await expect(row.locator('.rl-offsets')).toContainText('LSO');
  await expect(page.getByTestId('client-1-transaction')).toContainText('payments-app');
  expect(Number(await page.getByTestId('client-1-txn-committed').textContent())).toBeGreaterThan(0);
  expect(Number(await page.getByTestId('client-1-txn-aborted').textContent())).toBeGreaterThan(0);
  await screenshotOf(page.getByTestId('replica-logs'), 'transactions-markers');
});

test('three pipelines show their semantics, the exactly-once one its transactions', async ({ page }) => {
  await openReady(page, '/?scenario=at-most-at-least-exactly-once');
  await playUntil(page, 5_000);
  const pipelines = page.locator('[data-testid^="pipeline-client-"]');
  await expect(pipelines).toHaveCount(3);
  await expect(page.getByTestId('pipeline-client-2')).toHaveAttribute('data-semantics', 'at-most-once');
  await expect(page.getByTestId('pipeline-client-3')).toHaveAttribute('data-semantics', 'at-least-once');
  await expect(page.getByTestId('pipeline-client-4')).toHaveAttribute('data-semantics', 'exactly-once');
  await expect(page.getByTestId('client-4-transaction')).toContainText('shipping-eos-1');
  await expect.poll(async () => Number(await page.getByTestId('client-4-txn-committed').textContent())).toBeGreaterThan(0);
  await expect.poll(async () => Number(await page.getByTestId('client-2-transformed').textContent())).toBeGreaterThan(0);
  await expect(page.getByTestId('txn-shipping-eos-1')).toBeVisible();
  await expect(page.getByTestId('client-2-transaction')).toHaveCount(0);
  await screenshotOf(page.getByTestId('transactions'), 'transactions-pipelines');
});
