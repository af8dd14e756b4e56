// The producer in the playground (issue 6): retries without idempotence duplicate records and the checker
// says so; the same run forked with enable.idempotence=true keeps every record once; the producer card shows
// batches, requests, idempotence and its producer id; Kafka's sentence for a config conflict shows inline;
// a hot key shows its hot partition on the produce rate chart. The page draws views of samsa-sim running in
// a Web Worker; these tests only read what it draws.
const { test, expect } = require('@playwright/test');
const {
  app,
  numAttr,
  numText,
  openReady,
  pause,
  play,
  screenshot,
  screenshotOf,
  setSpeed,
  tMs,
  watchErrors,
} = require('./support');

let browserErrors;

test.beforeEach(async ({ page }) => {
  browserErrors = watchErrors(page);
});

test.afterEach(async ({ page }) => {
  await expect(page.getByTestId('panic-banner')).toHaveCount(0);
  expect(browserErrors).toEqual([]);
});

// Sets one client config the way a person does: type it, then press Enter.
async function setClientConfig(page, client, name, value) {
  const input = page.getByTestId(`config-${client}-${name}`);
  await input.fill(value);
  await input.press('Enter');
}

// Plays at `speed`× until virtual time reaches `untilMs`, then pauses.
async function playUntil(page, untilMs, speed = 10) {
  await setSpeed(page, speed);
  await play(page);
  await expect
    .poll(async () => tMs(page), { message: `virtual time reaches ${untilMs} ms`, timeout: 45_000 })
    .toBeGreaterThanOrEqual(untilMs);
  await pause(page);
}

// The scenario slows the leader ↔ producer link from 5 s to 7 s; retries (and their duplicates) follow, and
// the workload stops at 15 s. 12 s is past every retry of the slow window.
const AFTER_RETRIES_MS = 12_000;
// Before the workload starts (1 s): the forked producer sends every record with idempotence.
const BEFORE_WORKLOAD_MS = 500;

test('retries without idempotence duplicate records; the fork with enable.idempotence=true does not', async ({
  page,
}) => {
  await openReady(page, '/?scenario=retries-without-idempotence');
  await expect(page.getByTestId('scenario-summary')).toContainText('Retries without idempotence');
  const card = page.getByTestId('producer-client-1');
  await expect(card).toBeVisible();
  // The configs the producer runs with, by Kafka's names, including the new ones.
  for (const name of ['enable.idempotence', 'linger.ms', 'batch.size', 'compression.type', 'buffer.memory']) {
    await expect(page.getByTestId(`config-client-1-${name}`)).toBeVisible();
  }
  await expect(page.getByTestId('config-client-1-enable.idempotence')).toHaveValue('false');
  await expect(page.getByTestId('client-1-idempotent')).toHaveAttribute('data-idempotent', 'false');

  await playUntil(page, AFTER_RETRIES_MS);
  await expect
    .poll(async () => numText(page, 'checker-duplicated'), {
      message: 'the leader appended retried batches again',
      timeout: 15_000,
    })
    .toBeGreaterThan(0);
  await expect(page.getByTestId('checker')).toHaveAttribute('data-verdict', 'violated');
  // The card's batching numbers: the retries are there.
  expect(await numText(page, 'client-1-batches')).toBeGreaterThan(0);
  expect(await numText(page, 'client-1-requests')).toBeGreaterThan(0);
  expect(await numText(page, 'client-1-retried')).toBeGreaterThan(0);
  await expect(page.getByTestId('client-1-records-per-batch')).toHaveText(/^\d+\.\d$/);
  await expect(page.getByTestId('client-1-ack-latency')).toHaveText(/^\d+ ms$/);
  await expect(page.getByTestId('client-1-buffer')).toContainText('buffer.memory');
  const duplicatedA = await numText(page, 'checker-duplicated');
  await screenshotOf(page.getByTestId('checker'), 'p01-checker-duplicates');
  await screenshotOf(card, 'p02-producer-without-idempotence');

  // Rewind to before the workload and fork: the same faults, the same seed, idempotence on.
  await page.getByTestId('scrubber').fill(String(BEFORE_WORKLOAD_MS));
  await expect.poll(async () => tMs(page), { message: 'the scrubber seeks back' }).toBeLessThan(1_000);
  await setClientConfig(page, 'client-1', 'enable.idempotence', 'true');
  await expect(page.getByTestId('config-error-client-1-enable.idempotence')).toHaveCount(0);
  await expect(page.getByTestId('branch-B')).toHaveAttribute('data-current', 'true');
  await expect(page.getByTestId('client-1-idempotent')).toHaveAttribute('data-idempotent', 'true');
  await expect(page.getByTestId('config-client-1-enable.idempotence')).toHaveValue('true');

  await playUntil(page, AFTER_RETRIES_MS);
  expect(await numText(page, 'checker-acked')).toBeGreaterThan(0);
  expect(await numText(page, 'checker-duplicated')).toBe(0);
  expect(await numText(page, 'branch-B-duplicated')).toBe(0);
  expect(await numText(page, 'branch-A-duplicated')).toBe(duplicatedA);
  // The idempotent producer writes with the id InitProducerId gave it, and retried too.
  await expect(page.getByTestId('client-1-producer-id')).toHaveText(/producer id \d+ · epoch \d+/);
  expect(await numText(page, 'client-1-retried')).toBeGreaterThan(0);
  await screenshotOf(card, 'p03-producer-idempotent');
  await screenshotOf(page.getByTestId('branches'), 'p04-branches-duplicates-compared');
  await screenshot(page, 'p05-idempotent-fork');
});

test('an explicit enable.idempotence=true with acks=1 shows Kafka\'s sentence inline', async ({ page }) => {
  await openReady(page, '/?scenario=retries-without-idempotence');
  await pause(page);
  await setClientConfig(page, 'client-1', 'acks', '1');
  await expect(page.getByTestId('config-error-client-1-acks')).toHaveCount(0);
  await expect(page.getByTestId('config-client-1-acks')).toHaveValue('1');
  await setClientConfig(page, 'client-1', 'enable.idempotence', 'true');
  const error = page.getByTestId('config-error-client-1-enable.idempotence');
  await expect(error).toContainText('Must set acks to all in order to use the idempotent producer');
  await expect(page.getByTestId('config-client-1-enable.idempotence')).toHaveAttribute('aria-invalid', 'true');
  // Nothing was sent: the producer still runs without idempotence.
  await expect(page.getByTestId('client-1-idempotent')).toHaveAttribute('data-idempotent', 'false');
  // A bad value names the config, in Kafka's words.
  await setClientConfig(page, 'client-1', 'compression.type', 'brotli');
  await expect(page.getByTestId('config-error-client-1-compression.type')).toContainText('compression.type');
  await screenshotOf(page.getByTestId('producer-client-1'), 'p06-idempotence-config-error');
});

test('a hot key shows its partition on the produce rate chart, and batches on the timeline', async ({ page }) => {
  await openReady(page, '/?scenario=hot-key-skew');
  await playUntil(page, 6_000);
  const chart = page.getByTestId('produce-rate');
  await expect(chart.locator('polyline')).toHaveCount(4);
  const hot = page.getByTestId('hot-partition');
  await expect(hot).toBeVisible();
  // 80% of the records carry key-0; the rest spread over all four partitions (key-0's included).
  expect(await numAttr(hot, 'data-percent')).toBeGreaterThanOrEqual(70);
  await expect(hot).toHaveAttribute('data-partition', /^clicks-[0-3]$/);
  await screenshotOf(chart, 'p07-produce-rate-hot-partition');

  // The timeline's Producer category lists the batches sent.
  for (const category of ['Fault', 'Cluster', 'Log', 'Produce', 'Consume', 'Network', 'Checker']) {
    const box = page.getByTestId(`timeline-cat-${category}`);
    if (await box.isChecked()) await box.uncheck();
  }
  await expect(page.getByTestId('timeline-cat-Producer')).toBeChecked();
  await expect(page.getByTestId('timeline-event').first()).toContainText(/client-1 sent a batch of \d+ records?/);
  await screenshotOf(page.getByTestId('timeline'), 'p08-timeline-producer');
  await expect(app(page)).toHaveAttribute('data-ready', 'true');
});
