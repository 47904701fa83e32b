// End-to-end: after *Betal* (or *Avbryt*) Vipps sends the user to the payment's fallBack, which
// by default is the playground itself (issue 12, bug 3): the page opens at that payment and
// says what happened and what to do next.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { send, sharedServerAndBrowser, waitForText } from './support.mjs';

const shared = sharedServerAndBrowser();
const STEP = { timeout: 15_000 };

/** Initiates a regular payment with the default fallBack; returns its orderId and fallBack. */
async function initiate(page) {
  await page.goto(shared.server.url);
  assert.match(await page.getByTestId('fallback-hint').innerText(), /sends the user back to this page/);
  // What will be sent, read from the preview before sending (after it the form moves on to
  // the next orderId).
  const preview = JSON.parse(await page.getByTestId('initiate').getByTestId('request-body').innerText());
  const orderId = preview.transaction.orderId;
  assert.equal(preview.merchantInfo.fallBack, `${shared.server.url}/#/back?orderId=${orderId}`);
  assert.equal(await send(page, 'initiate'), '200 OK');
  assert.equal(await page.getByTestId('var-order-id').inputValue(), orderId);
  return { orderId, fallBack: preview.merchantInfo.fallBack };
}

test('Betal in the app brings the user back to the playground, which says it is reserved', async () => {
  const { page, context } = shared.browser;
  const { orderId, fallBack } = await initiate(page);
  const landing = context.waitForEvent('page');
  await page.getByTestId('landing-link').click();
  const tab = await landing;
  await tab.getByTestId('next-button').click();
  const appTab = context.waitForEvent('page', { timeout: 1500 }).catch(() => null);
  await tab.getByTestId('open-app-link').click();
  const app = (await appTab) ?? tab;
  await app.getByTestId('pay-button').click();
  await app.waitForURL(fallBack, STEP);
  const said = await waitForText(app, 'back-from-vipps', 'approved', 15_000);
  assert.match(said, new RegExp(`Back from Vipps for order ${orderId}\\.`));
  assert.match(said, /reserved on their card/);
  assert.match(said, /Next: capture it/);
  assert.equal(await app.getByTestId('var-order-id').inputValue(), orderId);
  // The playground goes on with that payment: capture it there.
  assert.equal(await send(app, 'operation'), '200 OK');
  if (app !== tab) await tab.close();
  await app.close();
});

test('Avbryt on the landing page brings the user back, told the payment was cancelled', async () => {
  const { page, context } = shared.browser;
  const { orderId, fallBack } = await initiate(page);
  const landing = context.waitForEvent('page');
  await page.getByTestId('landing-link').click();
  const tab = await landing;
  await tab.getByTestId('cancel-button').click();
  await tab.waitForURL(fallBack, STEP);
  const said = await waitForText(tab, 'back-from-vipps', 'cancelled', 15_000);
  assert.match(said, new RegExp(`order ${orderId}`));
  assert.match(said, /Next: start a new payment/);
  await tab.close();
});

test('a fallBack the user typed is kept, also when the orderId changes', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  await page.getByTestId('initiate-fallback').fill('https://shop.example/thanks');
  await page.getByTestId('new-order-id').click();
  assert.equal(await page.getByTestId('initiate-fallback').inputValue(), 'https://shop.example/thanks');
  assert.equal(await page.getByTestId('fallback-hint').innerText(), '');
  await page.reload();
});
