// End-to-end: the scenarios in one click (issue 12), each ending with the payment's state and
// the callback MT would send, played in the local sandbox as a user clicks them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { send, sharedServerAndBrowser } from './support.mjs';

const shared = sharedServerAndBrowser();

/** Clicks a scenario and returns its result's text once it is shown. */
async function play(page, slug) {
  const before = await page.getByTestId('scenario-result').innerText().catch(() => '');
  await page.getByTestId(`scenario-${slug}`).click();
  await page.waitForFunction((prev) => {
    const el = document.querySelector('[data-testid="scenario-result"]');
    return el && el.innerText !== prev && !document.querySelector('[data-testid^="scenario-"][aria-disabled="true"]');
  }, before, { timeout: 20_000 });
  return page.getByTestId('scenario-result').innerText();
}

test('each scenario ends with the details and the callback MT would send', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  await page.getByTestId('scenarios').waitFor();

  const rejected = await play(page, 'reject');
  assert.match(rejected, /POST \/__sim\/app\/[^/]+\/cancel → 200/);
  assert.match(rejected, /Details: Ended/);
  assert.match(rejected, /Callback CANCELLED/);

  const timedOut = await play(page, 'timeout');
  assert.match(timedOut, /POST \/__sim\/clock → 200/);
  assert.match(timedOut, /Details: Ended/);
  assert.match(timedOut, /Callback REJECTED/);

  const sale = await play(page, 'sale');
  assert.match(sale, /order 223344\d+/);
  assert.match(sale, /Details: Captured/);
  assert.match(sale, /Callback SALE/);

  const unverified = await play(page, 'unverified');
  assert.match(unverified, /\/approve → 400/);
  assert.match(unverified, /Details: Initiated/);
  assert.match(unverified, /No callback/);

  const refused = await play(page, 'fault');
  assert.match(refused, /POST \/__sim\/faults → 201/);
  assert.match(refused, /Details: Ended/);
  assert.match(refused, /Callback RESERVE_FAILED/);
  // The callback's body is what Vipps would send, with the error.
  await page.getByTestId('scenario-callback').first().locator('summary').click();
  assert.match(await page.getByTestId('scenario-callback').first().innerText(), /"errorCode": "42"/);

  // The demo merchant's scenario payment is the current one: the steps go on with it.
  const orderId = refused.match(/order (\d+)/)[1];
  assert.equal(await page.getByTestId('var-order-id').inputValue(), orderId);
  assert.equal(await send(page, 'details'), '200 OK');
  assert.match(await page.getByTestId('payment-state').innerText(), /Ended/);
  // Every call is in the History.
  assert.match(await page.getByTestId('history').innerText(), /__sim\/faults/);
});

test('scenarios need the local sandbox, and say so elsewhere', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  await page.getByTestId('environment').selectOption('mt');
  assert.match(await page.getByTestId('scenarios').innerText(), /choose Sandbox \(in this browser\) or Local sandbox in Settings/);
  assert.ok(await page.getByTestId('scenario-reject').isDisabled());
  await page.getByTestId('environment').selectOption('sandbox');
});
