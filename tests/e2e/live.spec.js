// The live playground, driven as a visitor would: watch records flow through a 3-broker cluster, crash the
// leader, rewind, fork with another producer config, and compare what the checker counts on each branch.
// The page draws views of samsa-sim running in a Web Worker; these tests only read what it draws.
const { test, expect } = require('@playwright/test');
const {
  app,
  isrOf,
  leaderOf,
  numAttr,
  numText,
  openReady,
  pause,
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
} = require('./support');

const ORDERS_0 = 'partition-orders-0';
// Kafka's controller fences a silent broker after broker.session.timeout.ms (9 s by default, 3 s in the
// playground scenario) and only then elects a new leader; a failover shows within seconds.
const FAILOVER_TIMEOUT_MS = 30_000;

let browserErrors;

test.beforeEach(async ({ page }) => {
  browserErrors = watchErrors(page);
});

test.afterEach(async ({ page }) => {
  await expect(page.getByTestId('panic-banner')).toHaveCount(0);
  expect(browserErrors).toEqual([]);
});

// Crashes the current leader of orders-0 and returns its id and the epoch it led in.
async function crashLeaderOfOrders0(page) {
  const leader = await leaderOf(page, ORDERS_0);
  expect(leader, 'orders-0 has a leader to crash').not.toBeNull();
  const epoch = await numAttr(page.getByTestId(ORDERS_0), 'data-epoch');
  await page.getByTestId(`crash-broker-${leader}`).click();
  await expect(page.getByTestId(`broker-${leader}`)).toHaveAttribute('data-state', 'down');
  return { leader, epoch };
}

// Sets one client config the way a person does: type it, then press Enter.
async function setClientConfig(page, client, name, value) {
  const input = page.getByTestId(`config-${client}-${name}`);
  await input.fill(value);
  await input.press('Enter');
}

// How long after a loss the acks=1 branch runs on before its counts are compared again: well past the
// playground's retention (retention.bytes = 64 KiB per partition at ~33 records/s is ~15 s of records).
const LOSS_REMEMBERED_MS = 40_000;

// How long the cut-off leader of orders-0 runs before it crashes (its followers get nothing meanwhile;
// replica.lag.time.max.ms, 10 s in the playground, keeps them in the ISR).
const CUT_OFF_BEFORE_CRASH_MS = 1_000;

// Cuts the links between `leader` and the other brokers, plays CUT_OFF_BEFORE_CRASH_MS at 1×, crashes the
// leader and plays on. Deterministic where a bare crash is not: a bare crash loses an acks=1 record only
// if no fetch response carrying it is still on the wire (the network delivers what a crashed node sent).
async function cutLeaderOffThenCrash(page, leader) {
  for (const b of [1, 2, 3].filter((id) => id !== leader)) {
    await page.getByTestId('link-a').selectOption(`broker-${leader}`);
    await page.getByTestId('link-b').selectOption(`broker-${b}`);
    await page.getByTestId('link-cut').click();
  }
  await expect(page.getByTestId('cut-link')).toHaveCount(2);
  const cutAtMs = await tMs(page);
  await setSpeed(page, 1);
  await play(page);
  await expect
    .poll(async () => tMs(page), { message: 'the cut-off leader runs a while' })
    .toBeGreaterThanOrEqual(cutAtMs + CUT_OFF_BEFORE_CRASH_MS);
  await pause(page);
  await page.getByTestId(`crash-broker-${leader}`).click();
  await expect(page.getByTestId(`broker-${leader}`)).toHaveAttribute('data-state', 'down');
  await play(page);
}

// Waits until orders-0 is led by a broker other than `crashed`, in a later epoch.
async function waitNewLeader(page, crashed, epochBefore) {
  await expect
    .poll(
      async () => {
        const leader = await leaderOf(page, ORDERS_0);
        return leader !== null && leader !== crashed;
      },
      { message: `orders-0 gets a leader other than broker-${crashed}`, timeout: FAILOVER_TIMEOUT_MS },
    )
    .toBe(true);
  expect(await numAttr(page.getByTestId(ORDERS_0), 'data-epoch')).toBeGreaterThan(epochBefore);
}

test('the page opens, plays, and records get acked within seconds', async ({ page }) => {
  await openReady(page);
  // The simulation runs in a Web Worker, not on the page's thread.
  expect(page.workers().length).toBeGreaterThanOrEqual(1);
  await expect(page.getByTestId('tab-cluster')).toBeVisible();
  const t0 = await tMs(page);
  // It starts playing by itself: no reading, no clicking.
  await expect(page.getByTestId('play')).toHaveText(/pause/i);
  await expect.poll(async () => tMs(page), { message: 'virtual time advances' }).toBeGreaterThan(t0);
  await expect
    .poll(async () => numText(page, 'checker-acked'), { message: 'records get acked', timeout: 10_000 })
    .toBeGreaterThan(0);
  await expect.poll(async () => stepCount(page)).toBeGreaterThan(0);
  await expect(app(page)).toHaveAttribute('data-trace-hash', /^[0-9a-f]+$/);
  await expect(page.getByTestId('time')).toHaveText(/t = .*\d.* s/);
  // The default lesson: three brokers up, a controller, orders-0 led by one of them with a full ISR.
  for (const id of [1, 2, 3]) {
    await expect(page.getByTestId(`broker-${id}`)).toHaveAttribute('data-state', 'up');
  }
  await expect(page.getByTestId('controller')).toBeVisible();
  await expect(page.getByTestId('metric-ActiveControllerCount')).toHaveText('1');
  await expect.poll(async () => (await isrOf(page, ORDERS_0)).length).toBe(3);
  await expect(page.getByTestId('metric-UnderReplicatedPartitions')).toHaveText('0');
  await expect(page.getByTestId('metric-OfflinePartitionsCount')).toHaveText('0');
  await expect(page.getByTestId('producer-client-1')).toBeVisible();
  await expect(page.locator('[data-testid^="consumer-client-"]')).toHaveCount(1);
  await expect.poll(async () => page.getByTestId('log-cell').count()).toBeGreaterThan(0);

  // A screenshot of each view.
  await screenshot(page, '10-live-cluster');
  await screenshotOf(page.getByTestId(`broker-${await leaderOf(page, ORDERS_0)}`), '10a-broker-card');
  await screenshotOf(page.getByTestId(ORDERS_0), '10b-partition-row');
  await screenshotOf(page.getByTestId('replica-logs'), '10c-replica-logs');
  await screenshotOf(page.getByTestId('clients'), '10d-clients');
  await screenshotOf(page.getByTestId('timeline'), '10e-timeline');
  await screenshotOf(page.getByTestId('checker'), '10f-checker');
  await expect(page.getByTestId('chart-throughput')).toBeVisible();
  await expect(page.getByTestId('chart-lag')).toBeVisible();
  await screenshotOf(page.getByTestId('charts'), '10g-charts');
  await screenshotOf(page.getByTestId('branches'), '10h-branches');
});

test('crashing the leader of orders-0 elects a new leader and shrinks the ISR', async ({ page }) => {
  await openReady(page);
  await waitWarm(page);
  const { leader, epoch } = await crashLeaderOfOrders0(page);
  await setSpeed(page, 10);
  await waitNewLeader(page, leader, epoch);
  await expect
    .poll(async () => isrOf(page, ORDERS_0), { timeout: FAILOVER_TIMEOUT_MS })
    .not.toContain(leader);
  expect(await isrOf(page, ORDERS_0)).toContain(await leaderOf(page, ORDERS_0));
  await expect(page.getByTestId(`broker-${leader}`)).toHaveAttribute('data-state', 'down');
  await expect
    .poll(async () => numText(page, 'metric-UnderReplicatedPartitions'))
    .toBeGreaterThan(0);
  await screenshot(page, '11-leader-crashed');

  // Restarting it brings it back as a follower; the new leader keeps leading.
  const newLeader = await leaderOf(page, ORDERS_0);
  await page.getByTestId(`restart-broker-${leader}`).click();
  await expect(page.getByTestId(`broker-${leader}`)).toHaveAttribute('data-state', 'up');
  expect(await leaderOf(page, ORDERS_0)).toBe(newLeader);
});

test('rewind before the crash and fork with acks=1: only the acks=1 branch loses acked records', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await openReady(page);
  await waitWarm(page);
  await pause(page);
  const beforeFaultsMs = await tMs(page);
  const branchA = await app(page).getAttribute('data-branch');
  const leader = await leaderOf(page, ORDERS_0);
  const epoch = await numAttr(page.getByTestId(ORDERS_0), 'data-epoch');

  // Branch A, acks=all (the scenario's): the leader loses its followers, then crashes. acks=all cannot be
  // answered without the in-sync followers, so nothing acked is lost.
  await cutLeaderOffThenCrash(page, leader);
  await waitNewLeader(page, leader, epoch);
  const ackedAtFailover = await numText(page, 'checker-acked');
  await expect
    .poll(async () => numText(page, 'checker-acked'), { message: 'acks=all writes go on after failover' })
    .toBeGreaterThan(ackedAtFailover);
  await pause(page);
  expect(await numText(page, 'checker-lost')).toBe(0);
  await screenshot(page, '11b-acks-all-after-crash');

  // Rewind to half a second before the faults: links up, the old leader up and leading in its old epoch.
  const rewindMs = beforeFaultsMs - 500;
  await page.getByTestId('scrubber').fill(String(rewindMs));
  await expect.poll(async () => tMs(page), { message: 'the scrubber seeks back' }).toBeLessThan(beforeFaultsMs);
  expect(await tMs(page)).toBeGreaterThanOrEqual(rewindMs - 100);
  await expect(page.getByTestId(`broker-${leader}`)).toHaveAttribute('data-state', 'up');
  await expect(page.getByTestId('cut-link')).toHaveCount(0);
  expect(await leaderOf(page, ORDERS_0)).toBe(leader);
  expect(await numAttr(page.getByTestId(ORDERS_0), 'data-epoch')).toBe(epoch);
  await expect(page.getByTestId('play')).toHaveText(/play/i);
  await expect(page.getByTestId('fork-hint')).toBeVisible();
  await screenshot(page, '12-rewound');

  // Fork: switch the producer to acks=1 here.
  await setClientConfig(page, 'client-1', 'acks', '1');
  await expect(page.getByTestId('config-error-client-1-acks')).toHaveCount(0);
  await expect(page.getByTestId('branch-B')).toBeVisible();
  await expect(page.getByTestId('branch-B')).toHaveAttribute('data-current', 'true');
  await expect(app(page)).not.toHaveAttribute('data-branch', branchA);
  await expect(page.getByTestId(/^branch-[A-Z]+$/)).toHaveCount(2);
  await expect(page.getByTestId('branch-A')).not.toHaveAttribute('data-current', 'true');
  // The new producer (Kafka cannot reconfigure a live client: it is replaced) runs with acks=1 a while.
  await play(page);
  await expect
    .poll(async () => page.getByTestId('client-1-last-outcome').innerText(), {
      message: 'the acks=1 producer gets acks',
    })
    .toMatch(/acked at orders-\d+@\d+/);
  await pause(page);
  expect(await leaderOf(page, ORDERS_0)).toBe(leader);

  // The same faults: with acks=1 the cut-off leader goes on acknowledging records no follower gets.
  await cutLeaderOffThenCrash(page, leader);
  await waitNewLeader(page, leader, epoch);
  await expect
    .poll(async () => numText(page, 'branch-B-lost'), {
      message: 'the acks=1 branch loses acknowledged records',
      timeout: 20_000,
    })
    .toBeGreaterThan(0);
  await pause(page);
  expect(await numText(page, 'checker-lost')).toBeGreaterThan(0);
  // The acks=all branch lost none and acked some: the counts differ as the simulator says.
  expect(await numText(page, 'branch-A-lost')).toBe(0);
  expect(await numText(page, 'branch-A-acked')).toBeGreaterThan(0);
  expect(await numText(page, 'branch-B-acked')).toBeGreaterThan(0);
  await screenshot(page, '13a-forked');
  await screenshotOf(page.getByTestId('branches'), '13b-branches-compared');

  // Each violation links to its moment: clicking one seeks there.
  const violation = page.getByTestId('violation').first();
  await expect(violation).toBeVisible();
  const violationMs = await numAttr(violation, 'data-t-ms');
  expect(violationMs).toBeLessThanOrEqual(await tMs(page));
  await violation.click();
  await expect.poll(async () => tMs(page), { message: 'clicking a violation seeks to it' }).toBe(violationMs);
  await screenshot(page, '14-violation');

  // Lost stays lost: after the acks=1 branch runs on long enough for retention (retention.bytes) to
  // delete the segments that held the lost offsets, the comparison still shows the loss.
  const furthestMs = await numAttr(page.getByTestId('scrubber'), 'max');
  await page.getByTestId('scrubber').fill(String(furthestMs));
  await expect.poll(async () => tMs(page)).toBe(furthestMs);
  await setSpeed(page, 10);
  await play(page);
  await expect
    .poll(async () => tMs(page), { timeout: 30_000 })
    .toBeGreaterThanOrEqual(violationMs + LOSS_REMEMBERED_MS);
  await pause(page);
  const newLeader = await leaderOf(page, ORDERS_0);
  const logStart = await numAttr(page.getByTestId(`replica-log-${newLeader}`), 'data-log-start');
  expect(
    await numText(page, 'branch-B-lost'),
    `the acks=1 branch still shows its loss (orders-0's leader log now starts at ${logStart})`,
  ).toBeGreaterThan(0);
  expect(await numText(page, 'checker-lost')).toBeGreaterThan(0);
  expect(await numText(page, 'branch-A-lost')).toBe(0);
  await screenshotOf(page.getByTestId('branches'), '14a-branches-later');
});

test('keyboard: Space plays and pauses, ArrowRight steps, [ and ] change speed, ? shows help', async ({
  page,
}) => {
  await openReady(page);
  await expect(page.getByTestId('play')).toHaveText(/pause/i);
  const blur = () => page.evaluate(() => document.activeElement && document.activeElement.blur());
  await blur();

  await page.keyboard.press('Space');
  await expect(page.getByTestId('play')).toHaveText(/play/i);
  await waitTimeSettled(page);
  const pausedAt = await tMs(page);
  await page.keyboard.press('Space');
  await expect(page.getByTestId('play')).toHaveText(/pause/i);
  await expect.poll(async () => tMs(page), { message: 'Space resumes time' }).toBeGreaterThan(pausedAt);
  await page.keyboard.press('Space');
  await expect(page.getByTestId('play')).toHaveText(/play/i);
  await waitTimeSettled(page);

  // ArrowRight takes exactly one step while paused.
  const steps = await stepCount(page);
  await page.keyboard.press('ArrowRight');
  await expect.poll(async () => stepCount(page)).toBe(steps + 1);
  await page.keyboard.press('ArrowRight');
  await expect.poll(async () => stepCount(page)).toBe(steps + 2);

  // ] is faster, [ is slower, one option at a time.
  const options = await speedOptions(page);
  const speed = page.getByTestId('speed');
  const start = options.findIndex((o) => o.factor === 1);
  expect(start, 'the speed select offers 1x with a slower option').toBeGreaterThanOrEqual(1);
  expect(start + 1, 'and a faster one').toBeLessThan(options.length);
  await expect(speed).toHaveValue(options[start].value);
  await page.keyboard.press(']');
  await expect(speed).toHaveValue(options[start + 1].value);
  await page.keyboard.press('[');
  await expect(speed).toHaveValue(options[start].value);
  await page.keyboard.press('[');
  await expect(speed).toHaveValue(options[start - 1].value);
  await page.keyboard.press(']');
  await expect(speed).toHaveValue(options[start].value);

  // ? toggles the help overlay, which lists the shortcuts.
  await expect(page.getByTestId('help')).toBeHidden();
  await page.keyboard.press('?');
  const help = page.getByTestId('help');
  await expect(help).toBeVisible();
  await expect(help).toContainText(/space/i);
  await expect(help).toContainText(/→|arrow ?right/i);
  await expect(help).toContainText('[');
  await expect(help).toContainText(']');
  await screenshot(page, '15-help');
  await page.keyboard.press('?');
  await expect(help).toBeHidden();

  // Keys typed into a field are text, not shortcuts.
  const text = page.getByTestId('timeline-filter');
  await text.click();
  await page.keyboard.type(' ?]');
  await expect(text).toHaveValue(' ?]');
  await expect(help).toBeHidden();
  await expect(page.getByTestId('play')).toHaveText(/play/i);
  await expect(speed).toHaveValue(options[start].value);
});

test('a bad config value shows Kafka\'s error by the field and sends nothing', async ({ page }) => {
  await openReady(page);
  await waitWarm(page, 1_000);
  await pause(page);
  const hash = await app(page).getAttribute('data-trace-hash');
  const steps = await stepCount(page);

  await setClientConfig(page, 'client-1', 'acks', '2');
  const error = page.getByTestId('config-error-client-1-acks');
  await expect(error).toBeVisible();
  // Kafka's ConfigException wording, from samsa-core's own parser.
  await expect(error).toContainText('Invalid value 2 for configuration acks');
  await expect(error).toContainText('all, -1, 0, 1');
  await screenshotOf(page.getByTestId('producer-client-1'), '16-config-error');
  // Nothing reached the simulation: same step, same trace, no fork.
  expect(await stepCount(page)).toBe(steps);
  await expect(app(page)).toHaveAttribute('data-trace-hash', hash);
  await expect(page.getByTestId('branch-B')).toHaveCount(0);

  // A good value clears the error.
  await setClientConfig(page, 'client-1', 'acks', 'all');
  await expect(error).toHaveCount(0);
});

test('a broken scenario pasted in names the field and line, and the running one keeps going', async ({
  page,
}) => {
  await openReady(page);
  await waitWarm(page, 1_000);
  const hashBefore = await app(page).getAttribute('data-trace-hash');
  const lines = [
    'version = 1',
    'name = "broken"',
    'duration_ms = 10000',
    '[cluster]',
    'brokers = 3',
    '[[topics]]',
    'name = "orders"',
    'partitions = 1',
    '"replication.factor" = 3',
    '[[producers]]',
    'topic = "orders"',
    '[producers.config]',
    'acks = "2"',
    '[producers.workload]',
    'rate_per_sec = 10',
  ];
  const acksLine = lines.indexOf('acks = "2"') + 1;
  // The paste box is folded away (a <details>) until opened.
  await page.locator('details:has([data-testid="scenario-text"]) > summary').click();
  await page.getByTestId('scenario-text').fill(lines.join('\n'));
  await page.getByTestId('load-text').click();
  const error = page.getByTestId('scenario-error');
  await expect(error).toBeVisible();
  await expect(error).toContainText('producers[0].config');
  await expect(error).toContainText(`line ${acksLine}`);
  await expect(error).toContainText('Invalid value 2 for configuration acks');
  await screenshot(page, '17-scenario-error');
  // The old session runs on.
  await play(page);
  await expect(app(page)).not.toHaveAttribute('data-trace-hash', hashBefore);
  await expect(page.getByTestId(ORDERS_0)).toBeVisible();
});

test('an unknown ?scenario= shows an error and loads the default', async ({ page }) => {
  await openReady(page, '/?scenario=no-such-scenario');
  await expect(page.getByTestId('scenario-error')).toContainText('no-such-scenario');
  await expect(page.getByTestId(ORDERS_0)).toBeVisible();
});

test('the timeline filters events, and clicking one jumps time there', async ({ page }) => {
  await openReady(page);
  await waitWarm(page, 2_000);
  await pause(page);
  const timeline = page.getByTestId('timeline');
  const rows = timeline.getByTestId('timeline-event');
  await expect.poll(async () => rows.count()).toBeGreaterThan(1);
  const all = await rows.count();

  // Text filter: nothing matches nonsense; a word from an event keeps only events containing it.
  const filter = page.getByTestId('timeline-filter');
  await filter.fill('zzzz-no-such-event');
  await expect(rows).toHaveCount(0);
  await filter.fill('');
  await expect(rows).toHaveCount(all);
  const words = ((await rows.first().innerText()).match(/[A-Za-z_][A-Za-z0-9_.-]{3,}/g) || []).sort(
    (a, b) => b.length - a.length,
  );
  expect(words.length, 'an event has a word to filter by').toBeGreaterThan(0);
  const word = words[0];
  await filter.fill(word);
  await expect.poll(async () => rows.count()).toBeGreaterThan(0);
  for (const text of await rows.allInnerTexts()) {
    expect(text.toLowerCase()).toContain(word.toLowerCase());
  }
  await screenshotOf(timeline, '18-timeline-filtered');
  await filter.fill('');
  await expect(rows).toHaveCount(all);

  // Category checkboxes: none checked shows nothing; Produce alone shows the producer's events.
  const categories = ['Fault', 'Cluster', 'Log', 'Produce', 'Producer', 'Consume', 'Network', 'Checker'];
  const checked = [];
  for (const c of categories) {
    const box = page.getByTestId(`timeline-cat-${c}`);
    if (await box.isChecked()) {
      checked.push(c);
      await box.uncheck();
    }
  }
  expect(checked.length).toBeGreaterThan(0);
  await expect(rows).toHaveCount(0);
  await page.getByTestId('timeline-cat-Produce').check();
  await expect.poll(async () => rows.count()).toBeGreaterThan(0);
  for (const c of checked) await page.getByTestId(`timeline-cat-${c}`).check();
  await expect(rows).toHaveCount(all);

  // Clicking the oldest listed event seeks there.
  const now = await tMs(page);
  const oldest = rows.last();
  const eventMs = await numAttr(oldest, 'data-t-ms');
  expect(eventMs).toBeLessThan(now);
  await oldest.click();
  await expect.poll(async () => tMs(page), { message: 'clicking an event seeks to it' }).toBe(eventMs);
  await screenshot(page, '19-timeline-seek');
});
