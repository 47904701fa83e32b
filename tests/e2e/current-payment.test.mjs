// End-to-end: everything on the page belongs to the current payment and environment (issue 12,
// bugs 1, 2 and 5): a new payment starts clean, every initiate gets a new orderId, and an
// answer from another environment or proxy does not linger.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, send, sharedServerAndBrowser, waitForText } from './support.mjs';

const shared = sharedServerAndBrowser();

test("a new payment starts clean: no step shows the previous payment's answers", async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  assert.equal(await send(page, 'initiate'), '200 OK');
  const first = await page.getByTestId('var-order-id').inputValue();
  assert.equal(await send(page, 'approve'), '200 OK');
  await page.getByTestId('op-new-key').click();
  assert.equal(await send(page, 'operation'), '200 OK');
  assert.equal(await send(page, 'details'), '200 OK');
  assert.match(await page.getByTestId('timeline').innerText(), /Capture: not now|Refund: possible/);

  // Payment B: the steps after initiate show nothing of payment A.
  assert.equal(await send(page, 'initiate'), '200 OK');
  const second = await page.getByTestId('var-order-id').inputValue();
  assert.notEqual(second, first);
  for (const step of ['step-approve', 'step-operations', 'step-details']) {
    assert.equal(await page.getByTestId(step).getByTestId('response').count(), 0, `${step} still shows payment A`);
  }
  assert.equal(await page.getByTestId('timeline').count(), 0, 'the details summary of payment A is gone');
  assert.equal(await page.getByTestId('op-retry-same-key').count(), 0, "payment A's idempotency key is gone");
  // Payment A's calls are still in the history.
  assert.match(await page.getByTestId('history').innerText(), new RegExp(first));

  assert.equal(await send(page, 'details'), '200 OK');
  assert.match(await page.getByTestId('payment-state').innerText(), /Initiated/);
  assert.match(await page.getByTestId('timeline').innerText(), /Refund: not now/);
});

test('every successful initiate renews the orderId, so the next initiate is not error 34', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  assert.equal(await send(page, 'initiate'), '200 OK');
  const initiated = await page.getByTestId('var-order-id').inputValue();
  const next = await page.getByTestId('initiate-order-id').inputValue();
  assert.notEqual(next, initiated, 'the form still holds the used orderId');
  assert.match(next, /^123456\d{13}$/);
  // Straight on to another kind of payment, as the quick start does.
  await page.getByTestId('initiate-kind').selectOption('profile');
  assert.equal(await send(page, 'initiate'), '200 OK');
  assert.equal(await page.getByTestId('var-order-id').inputValue(), next);
  await page.getByTestId('initiate-kind').selectOption('regular');
});

test('an answer from another environment or proxy does not stay after a switch', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  const closed = await freePort();
  await page.getByLabel('Proxy URL').fill(`http://127.0.0.1:${closed}`);
  await page.getByRole('button', { name: 'Get access token' }).click();
  await waitForText(page, 'send-error', 'could not be reached');
  await page.getByLabel('Proxy URL').fill('');
  await waitForText(page, 'proxy-status', 'Proxy reachable');
  assert.equal(await page.getByTestId('step-token').getByTestId('send-error').count(), 0, 'the stale proxy error stays');

  await page.getByRole('button', { name: 'Get access token' }).click();
  await waitForText(page, 'response-status', '200');
  await page.getByTestId('environment').selectOption('mt');
  assert.equal(await page.getByTestId('step-token').getByTestId('response').count(), 0, "the sandbox's answer stays under MT");
  await page.getByTestId('environment').selectOption('sandbox');
});

test('the History table is readable at laptop width: no column breaks a word', async () => {
  const { page } = shared.browser;
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(shared.server.url);
  assert.equal(await send(page, 'initiate'), '200 OK');
  assert.equal(await send(page, 'details'), '200 OK');
  const broken = await page.getByTestId('history').evaluate((history) => {
    const cells = [...history.querySelectorAll('th, td:not(.wrap)')];
    return cells
      .filter((cell) => {
        const range = document.createRange();
        range.selectNodeContents(cell);
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.bottom)));
        return lines.size > 1;
      })
      .map((cell) => JSON.stringify(cell.innerText));
  });
  assert.deepEqual(broken, [], 'cells whose text wraps onto several lines');
});

test('force approve is not offered for express checkout, with the real reason', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  await page.getByTestId('initiate-kind').selectOption('express');
  assert.equal(await send(page, 'initiate'), '200 OK');
  const reason = await page.getByTestId('approve-blocked').innerText();
  assert.match(reason, /Force approve does not support express checkout/);
  assert.ok(await page.getByTestId('approve-send').isDisabled(), 'the button stays enabled for express');
  // A regular payment may be force approved again.
  await page.getByTestId('initiate-kind').selectOption('regular');
  assert.equal(await send(page, 'initiate'), '200 OK');
  assert.equal(await send(page, 'approve'), '200 OK');
});

test('a payment resumed from History keeps its landing page and token', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  assert.equal(await send(page, 'initiate'), '200 OK');
  const first = await page.getByTestId('var-order-id').inputValue();
  const landing = await page.getByTestId('var-landing-url').inputValue();
  assert.equal(await send(page, 'initiate'), '200 OK');
  assert.notEqual(await page.getByTestId('var-order-id').inputValue(), first);
  await page.getByTestId('history').getByTestId('history-order').filter({ hasText: first }).first().click();
  assert.equal(await page.getByTestId('var-order-id').inputValue(), first);
  assert.equal(await page.getByTestId('var-landing-url').inputValue(), landing);
  assert.equal(await page.getByTestId('var-payment-token').inputValue(), landing.split('=', 3)[2]);
  assert.equal(await page.getByTestId('landing-link').getAttribute('href'), landing);
  assert.equal(await send(page, 'approve'), '200 OK');
});
