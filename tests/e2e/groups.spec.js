// Consumer groups in the playground (issue 7): the eager-vs-cooperative scenario shows both groups with
// their coordinator, generation and members; after the third consumer joins, each group has three members
// sharing the six partitions, and the cooperative group went through more generations (KIP-429's second
// round). The static-membership scenario's static group stays at generation 1 through a rolling restart.
const { test, expect } = require('@playwright/test');
const { openReady, pause, play, setSpeed, tMs, watchErrors, screenshotOf } = require('./support');

let browserErrors;

test.beforeEach(async ({ page }) => {
  browserErrors = watchErrors(page);
});

test.afterEach(async ({ page }) => {
  await expect(page.getByTestId('panic-banner')).toHaveCount(0);
  expect(browserErrors).toEqual([]);
});

async function playUntil(page, untilMs, speed = 100) {
  await setSpeed(page, speed);
  await play(page);
  await expect
    .poll(async () => tMs(page), { message: `virtual time reaches ${untilMs} ms`, timeout: 60_000 })
    .toBeGreaterThanOrEqual(untilMs);
  await pause(page);
}

function generation(text) {
  const match = /generation (\d+)/.exec(text);
  if (!match) throw new Error(`no generation in "${text}"`);
  return Number(match[1]);
}

test('eager and cooperative groups share the partitions after a scale-out', async ({ page }) => {
  await openReady(page, '/?scenario=eager-vs-cooperative');
  await playUntil(page, 22_000);
  const groups = page.getByTestId('groups');
  await expect(groups).toBeVisible();
  for (const id of ['eager', 'cooperative']) {
    const card = page.getByTestId(`group-${id}`);
    await expect(card.locator('[data-testid^="group-' + id + '-member-"]')).toHaveCount(3);
    await expect(page.getByTestId(`group-${id}-state`)).toHaveText('Stable');
  }
  const eager = generation(await page.getByTestId('group-eager-generation').textContent());
  const cooperative = generation(await page.getByTestId('group-cooperative-generation').textContent());
  expect(cooperative).toBeGreaterThan(eager);
  await expect(page.getByTestId('client-2-group')).toContainText('group eager');
  await screenshotOf(groups, 'groups-eager-vs-cooperative');
});

test('a static group keeps its generation through a rolling restart', async ({ page }) => {
  await openReady(page, '/?scenario=static-membership-restart');
  await playUntil(page, 30_000);
  expect(generation(await page.getByTestId('group-static-generation').textContent())).toBe(1);
  expect(generation(await page.getByTestId('group-dynamic-generation').textContent())).toBeGreaterThan(1);
  await expect(page.getByTestId('group-static-member-client-4')).toContainText('worker-0');
});
