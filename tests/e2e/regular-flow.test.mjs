// End-to-end: a regular payment through the whole quick start, as a user clicks it:
// initiate → force approve → partial capture → details timeline → refund, then a second
// payment that is cancelled, and a capture before approval explained.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { send, sharedServerAndBrowser } from './support.mjs';

const shared = sharedServerAndBrowser();

test('regular payment: initiate, approve, capture part, refund, with the timeline', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  await page.getByTestId('initiate-amount').fill('250,50');
  // No explicit token step: the first call fetches one automatically.
  assert.equal(await send(page, 'initiate'), '200 OK');
  const orderId = await page.getByTestId('var-order-id').inputValue();
  assert.match(orderId, /^123456\d{13}$/);
  const landing = await page.getByTestId('var-landing-url').inputValue();
  assert.match(landing, /\/sandbox\/dwo-api-application\/v1\/deeplink\/vippsgateway\?v=2&token=/);
  assert.equal(await page.getByTestId('var-payment-token').inputValue(), landing.split('=', 3)[2]);
  assert.equal(await page.getByTestId('inline-qr').locator('svg').count(), 1);

  assert.equal(await send(page, 'details'), '200 OK');
  assert.match(await page.getByTestId('payment-state').innerText(), /Initiated/);

  // Capture before approval: refused by the API and explained.
  await page.getByTestId('op-amount').fill('100');
  assert.match(await send(page, 'operation'), /^400/);
  assert.match(await page.getByTestId('operation').getByTestId('explanation').innerText(), /62[\s\S]*approve/);

  assert.equal(await send(page, 'approve'), '200 OK');
  await page.getByTestId('op-new-key').click();
  assert.equal(await send(page, 'operation'), '200 OK');
  assert.equal(await send(page, 'details'), '200 OK');
  assert.match(await page.getByTestId('payment-state').innerText(), /Reserved/);
  assert.equal(await page.getByTestId('captured').innerText(), '100.00 kr');

  // A retry with the same X-Request-Id is an idempotent replay: 200, nothing captured twice.
  await page.getByTestId('op-retry-same-key').click();
  assert.equal(await send(page, 'operation'), '200 OK');
  assert.equal(await send(page, 'details'), '200 OK');
  assert.equal(await page.getByTestId('captured').innerText(), '100.00 kr');

  await page.getByTestId('op-refund').click();
  await page.getByTestId('op-amount').fill('');
  assert.equal(await send(page, 'operation'), '200 OK');
  assert.equal(await send(page, 'details'), '200 OK');
  assert.equal(await page.getByTestId('refunded').innerText(), '100.00 kr');
});

test('session variables survive a reload, and the payment can be continued', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  await page.getByTestId('new-order-id').click();
  assert.equal(await send(page, 'initiate'), '200 OK');
  const orderId = await page.getByTestId('var-order-id').inputValue();
  await page.reload();
  assert.equal(await page.getByTestId('var-order-id').inputValue(), orderId);
  await page.getByTestId('op-cancel').click();
  assert.equal(await send(page, 'operation'), '200 OK');
  assert.equal(await send(page, 'details'), '200 OK');
  assert.match(await page.getByTestId('payment-state').innerText(), /Ended/);
  const body = await page.getByTestId('details').getByTestId('response-body').innerText();
  assert.match(body, /"operation": "CANCEL"/);
});
