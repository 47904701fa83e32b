// Click-through of the sandbox's landing page and simulated app in headless Chromium:
// a regular, an express and a profile payment, each ending on the merchant's fallBack URL
// with the payment reserved (checked through the details API).
//
// Run with browser/run.sh (starts the sandbox and sets ECOM_BASE_URL).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initiate, details, browser, clickMaybePopup, creds, visits } from './helpers.mjs';

const STEP = { timeout: 15_000 };

/** Landing page: phone (pre-filled), Next; then the "Complete in Vipps" page's app link. */
async function throughLandingPage(context, page, payment) {
  await page.goto(payment.url);
  const phone = page.getByTestId('phone-input');
  await phone.waitFor(STEP);
  assert.equal(await phone.inputValue(), creds.mobile, 'pre-filled from customerInfo.mobileNumber');
  await page.getByTestId('next-button').click();
  await page.getByTestId('open-app-link').waitFor(STEP);
  return clickMaybePopup(context, page, 'open-app-link');
}

async function assertBackAtMerchant(page, payment, kind) {
  await page.waitForURL(payment.fallBack, STEP);
  await page.getByTestId('merchant-result').waitFor(STEP);
  assert.ok(visits.includes(new URL(payment.fallBack).pathname), `fallBack visited: ${visits}`);
  const d = await details(payment.orderId);
  assert.equal(d.status, 200);
  const top = d.body.transactionLogHistory[0];
  assert.equal(top.operation, 'RESERVE', `${kind}: ${JSON.stringify(d.body)}`);
  assert.equal(top.operationSuccess, true);
  return d.body;
}

test('regular payment: landing page, app, Betal, back on fallBack with RESERVE', async () => {
  const payment = await initiate('regular');
  const b = await browser();
  try {
    const page = await b.context.newPage();
    const app = await throughLandingPage(b.context, page, payment);
    await app.getByTestId('pay-button').waitFor(STEP);
    await app.getByTestId('pay-button').click();
    const body = await assertBackAtMerchant(app, payment, 'regular');
    assert.deepEqual(
      [body.transactionSummary.capturedAmount, body.transactionSummary.remainingAmountToCapture],
      [0, 49900],
    );
  } finally {
    await b.close();
  }
});

test('express payment: consent, address, shipping, Betal, back on fallBack with RESERVE', async () => {
  const payment = await initiate('express');
  const b = await browser();
  try {
    const page = await b.context.newPage();
    const app = await throughLandingPage(b.context, page, payment);
    await app.getByTestId('consent-button').waitFor(STEP);
    await app.getByTestId('consent-button').click();
    await app.getByTestId('address-button').waitFor(STEP);
    await app.getByTestId('address-button').click();
    await app.getByTestId('shipping-shippingMethodId2').waitFor(STEP);
    await app.getByTestId('shipping-shippingMethodId2').check();
    await app.getByTestId('shipping-button').click();
    await app.getByTestId('pay-button').waitFor(STEP);
    await app.getByTestId('pay-button').click();
    const body = await assertBackAtMerchant(app, payment, 'express');
    assert.equal(body.shippingDetails.shippingMethodId, 'shippingMethodId2');
    assert.equal(body.userDetails.mobileNumber, creds.mobile);
  } finally {
    await b.close();
  }
});

test('profile payment: consent, Betal, back on fallBack with RESERVE and sub', async () => {
  const payment = await initiate('profile');
  const b = await browser();
  try {
    const page = await b.context.newPage();
    const app = await throughLandingPage(b.context, page, payment);
    await app.getByTestId('consent-button').waitFor(STEP);
    await app.getByTestId('consent-button').click();
    await app.getByTestId('pay-button').waitFor(STEP);
    await app.getByTestId('pay-button').click();
    const body = await assertBackAtMerchant(app, payment, 'profile');
    assert.match(body.sub ?? '', /^[0-9a-f-]{36}$/i, `sub in details: ${JSON.stringify(body)}`);
  } finally {
    await b.close();
  }
});

test('desktop flow: the landing page tab follows to fallBack when the app tab approves', async () => {
  const payment = await initiate('regular');
  const b = await browser();
  try {
    const landing = await b.context.newPage();
    await landing.goto(payment.url);
    await landing.getByTestId('next-button').click();
    const link = landing.getByTestId('open-app-link');
    await link.waitFor(STEP);
    // The "phone": the simulated app in a second tab; the landing page stays open.
    const phone = await b.context.newPage();
    await phone.goto(await link.getAttribute('href'));
    await phone.getByTestId('pay-button').click();
    await phone.waitForURL(payment.fallBack, STEP);
    await landing.waitForURL(payment.fallBack, STEP);
    await landing.getByTestId('merchant-result').waitFor(STEP);
    const d = await details(payment.orderId);
    assert.equal(d.body.transactionLogHistory[0].operation, 'RESERVE', JSON.stringify(d.body));
  } finally {
    await b.close();
  }
});

test('landing page cancel: back on fallBack with CANCEL', async () => {
  const payment = await initiate('regular');
  const b = await browser();
  try {
    const page = await b.context.newPage();
    await page.goto(payment.url);
    await page.getByTestId('cancel-button').waitFor(STEP);
    await page.getByTestId('cancel-button').click();
    await page.waitForURL(payment.fallBack, STEP);
    const d = await details(payment.orderId);
    assert.equal(d.body.transactionLogHistory[0].operation, 'CANCEL', JSON.stringify(d.body));
  } finally {
    await b.close();
  }
});
