// The playground's single-topic tab (`tab-log`), driven as a user would: produce records, break the rules,
// move time and retention.
// Every expectation is a Kafka rule checked through the page; the page itself only calls samsa-core.
const fs = require('node:fs');
const path = require('node:path');
const { test, expect } = require('@playwright/test');

const ARTIFACTS = path.resolve(__dirname, '..', '..', 'target', 'e2e-artifacts');

// Kafka's partition for a keyed record is toPositive(murmur2(key)) % numPartitions
// (DefaultPartitioner / BuiltInPartitioner.partitionForKey). Computed once with samsa-core's murmur2,
// which is checked against Kafka's own vectors in crates/core:
//   alice: murmur2 =  1951417749, toPositive = 1951417749, % 3 = 0
//   bob:   murmur2 = -2048144690, toPositive =   99338958, % 3 = 0
//   carol: murmur2 =   271431602, toPositive =  271431602, % 3 = 2
//   dave:  murmur2 =  1727131798, toPositive = 1727131798, % 3 = 1
const EXPECTED_PARTITION = { alice: 0, bob: 0, carol: 2, dave: 1 };

// The fixed part of a v2 record batch (baseOffset .. recordCount) is 61 bytes; one small record adds a few
// dozen more, and the demo's segment.bytes is 1024.
const BATCH_HEADER_SIZE_BYTES = 61;
const DEMO_SEGMENT_BYTES = 1024;

async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function produce(page, key, value) {
  await page.getByTestId('produce-key').fill(key);
  await page.getByTestId('produce-value').fill(value);
  await page.getByTestId('produce-submit').click();
}

async function logEndOffsets(page) {
  const offsets = [];
  for (const p of [0, 1, 2]) {
    offsets.push(Number(await page.getByTestId(`log-end-offset-${p}`).innerText()));
  }
  return offsets;
}

let browserErrors;

test.beforeEach(async ({ page }) => {
  browserErrors = [];
  page.on('pageerror', (err) => browserErrors.push(String(err)));
  page.on('console', (msg) => {
    if (msg.type() === 'error') browserErrors.push(msg.text());
  });
  await page.goto('/');
  // The single-topic page lives under its own tab; the live cluster is the default view.
  await page.getByTestId('tab-log').click();
  await expect(page.getByTestId('produce-submit')).toBeVisible();
});

test.afterEach(async ({ page }) => {
  await expect(page.getByTestId('panic-banner')).toHaveCount(0);
  expect(browserErrors).toEqual([]);
});

test('keyed records land on murmur2 partitions with per-partition offsets', async ({ page }) => {
  const expectedOffset = { 0: 0, 1: 0, 2: 0 };
  for (const key of ['alice', 'bob', 'carol', 'dave']) {
    await produce(page, key, `hello ${key}`);
    const partition = EXPECTED_PARTITION[key];
    await expect(page.getByTestId('outcome-partition')).toHaveText(String(partition));
    // Offsets count from 0 in each partition, independently.
    await expect(page.getByTestId('outcome-offset')).toHaveText(String(expectedOffset[partition]));
    await expect(page.getByTestId('outcome-reason')).toContainText('murmur2');
    await expect(page.getByTestId('outcome-reason')).toContainText(`% 3 = ${partition}`);
    const sizeBytes = Number(await page.getByTestId('outcome-size').innerText());
    expect(sizeBytes).toBeGreaterThan(BATCH_HEADER_SIZE_BYTES);
    expect(sizeBytes).toBeLessThan(DEMO_SEGMENT_BYTES);
    // The record shows up as a cell with its offset in its partition's log.
    const cell = page.getByTestId(`partition-${partition}`).locator(
      `[data-testid="record"][data-offset="${expectedOffset[partition]}"]`,
    );
    await expect(cell).toHaveAttribute('title', new RegExp(`key: "${key}"`));
    expectedOffset[partition] += 1;
  }
  expect(await logEndOffsets(page)).toEqual([2, 1, 1]);
  for (const p of [0, 1, 2]) {
    await expect(page.getByTestId(`log-start-offset-${p}`)).toHaveText('0');
  }
  await screenshot(page, '01-keyed-records');
});

test('an empty topic name is INVALID_TOPIC_EXCEPTION', async ({ page }) => {
  await page.getByTestId('topic-name-input').fill('');
  await expect(page.getByTestId('topic-name-error')).toContainText('INVALID_TOPIC_EXCEPTION');
  await produce(page, 'alice', 'hello');
  await expect(page.getByTestId('outcome-error-name')).toHaveText('INVALID_TOPIC_EXCEPTION');
  expect(await logEndOffsets(page)).toEqual([0, 0, 0]);
  await screenshot(page, '02-invalid-topic-name');

  await page.getByTestId('topic-name-input').fill('orders.v2');
  await expect(page.getByTestId('topic-name-error')).toHaveCount(0);
  await produce(page, 'alice', 'hello');
  await expect(page.getByTestId('outcome-partition')).toHaveText(String(EXPECTED_PARTITION.alice));
});

test('a value over max.message.bytes is MESSAGE_TOO_LARGE and leaves the log unchanged', async ({ page }) => {
  await produce(page, 'alice', 'small');
  await expect(page.getByTestId('outcome-offset')).toHaveText('0');
  const before = await logEndOffsets(page);
  const cellsBefore = await page.getByTestId('record').count();

  // A value the core cannot parse is refused inline, by the config's Kafka name.
  await page.getByTestId('config-input-max.message.bytes').fill('lots');
  await page.getByTestId('config-input-max.message.bytes').press('Enter');
  await expect(page.getByTestId('config-error-max.message.bytes')).toBeVisible();
  await expect(page.getByTestId('config-error-max.message.bytes')).toContainText('INVALID_CONFIG');
  await expect(page.getByTestId('config-error-max.message.bytes')).toContainText('max.message.bytes');

  await page.getByTestId('config-input-max.message.bytes').fill('100');
  await page.getByTestId('config-input-max.message.bytes').press('Enter');
  await expect(page.getByTestId('config-error-max.message.bytes')).toHaveCount(0);
  await expect(page.getByTestId('config-input-max.message.bytes')).toHaveValue('100');

  await produce(page, 'alice', 'x'.repeat(300));
  await expect(page.getByTestId('outcome-error-name')).toHaveText('MESSAGE_TOO_LARGE');
  expect(await logEndOffsets(page)).toEqual(before);
  await expect(page.getByTestId('record')).toHaveCount(cellsBefore);
  await screenshot(page, '03-message-too-large');

  // A record that fits still goes in.
  await produce(page, 'alice', 'ok');
  await expect(page.getByTestId('outcome-offset')).toHaveText('1');
});

test('lowering retention.ms deletes old segments and moves the log start offset', async ({ page }) => {
  // All "alice" records go to one partition; ~80-byte batches roll a 1 KiB segment about every dozen.
  // Each produce moves the virtual clock 1 s: 24 old records (t = 1..24 s), a minute's pause, 16 new ones.
  const p = EXPECTED_PARTITION.alice;
  const partition = page.getByTestId(`partition-${p}`);
  const produceAlice = async (from, to) => {
    for (let i = from; i < to; i += 1) {
      await produce(page, 'alice', `event ${i}`);
      await expect(page.getByTestId('outcome-offset')).toHaveText(String(i));
    }
  };
  await produceAlice(0, 24);
  await page.getByTestId('advance-clock').click();
  await produceAlice(24, 40);
  await expect(page.getByTestId('clock')).toHaveText('t = 1 min 40 s');
  const segmentsBefore = await partition.getByTestId('segment').count();
  expect(segmentsBefore).toBeGreaterThan(2);
  // Under the default 10 min retention nothing has expired.
  await expect(page.getByTestId(`log-start-offset-${p}`)).toHaveText('0');
  await expect(page.getByTestId(`log-end-offset-${p}`)).toHaveText('40');
  await screenshot(page, '04-before-retention');

  // Slider stop 5 is 30 s: the first 24 records (newest at t = 24 s) are older than that at t = 100 s;
  // the last 16 (t = 85..100 s) are not.
  await page.getByTestId('retention-slider').fill('5');
  await expect(page.getByTestId('retention-label')).toHaveText('retention.ms = 30000');
  await expect
    .poll(async () => Number(await page.getByTestId(`log-start-offset-${p}`).innerText()))
    .toBeGreaterThan(0);
  const logStart = Number(await page.getByTestId(`log-start-offset-${p}`).innerText());
  const segmentsAfter = await partition.getByTestId('segment').count();
  expect(segmentsAfter).toBeLessThan(segmentsBefore);
  // The oldest surviving segment starts at the log start offset; nothing below it is drawn.
  const firstBase = Number(await partition.getByTestId('segment').first().getAttribute('data-base-offset'));
  expect(firstBase).toBe(logStart);
  await expect(partition.locator('[data-testid="record"][data-offset="0"]')).toHaveCount(0);
  for (const cell of await partition.getByTestId('record').all()) {
    expect(Number(await cell.getAttribute('data-offset'))).toBeGreaterThanOrEqual(logStart);
  }
  // Newer records stay, and the log end never moves back.
  await expect(partition.locator('[data-testid="record"][data-offset="39"]')).toHaveCount(1);
  await expect(page.getByTestId(`log-end-offset-${p}`)).toHaveText('40');
  await expect(page.getByTestId('event-list')).toContainText('deleted segment 0');
  await screenshot(page, '05-after-retention');
});

test('the page reads well on a narrow screen', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  for (const key of ['alice', 'bob', 'carol', '']) {
    await produce(page, key, 'hello');
  }
  await expect(page.getByTestId('outcome-reason')).toContainText('sticky');
  // Nothing may overflow the viewport sideways.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await screenshot(page, '06-narrow');
});
