// End-to-end: every quick-start flow on "Sandbox (in this browser)", with the release build on a
// plain static file host (python3 -m http.server, the app under /playground/, no project binary
// and no proxy): the API, the landing page, the simulated Vipps app and the QR images all come
// from the sandbox's service worker on the page's own origin. Then what only a worker has to
// survive: the browser stopping it in the middle of a payment (its state is in IndexedDB), a
// reload, and "Reset sandbox", which empties the sandbox and keeps the user's settings and
// history.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEMO, openExpressApp, openVippsApp, payInExpressApp, send, waitForText } from './support.mjs';
import { BROWSER_SANDBOX, PREFIX, launchOfflineBrowser, startStaticHost } from './static-host-support.mjs';

const STEP = { timeout: 15_000 };
// A Response the worker makes has no reason phrase (a browser gives statusText only to answers
// that came over HTTP), so the status line shown is "200" where the server sandbox's is "200 OK".
const OK = /^200( OK)?$/;
let host;
let browser;
/** The sandbox's base URL on the static host. */
let sandbox;

before(async () => {
  host = await startStaticHost();
  sandbox = `${host.url}browser-sandbox/`;
  browser = await launchOfflineBrowser();
});

after(async () => {
  await browser?.close();
  await host?.stop();
});

/** Opens the playground on the static host; waits until it says its sandbox runs here. */
async function openApp(page) {
  await page.goto(host.url);
  await waitForText(page, 'env-badge', BROWSER_SANDBOX);
  await waitForText(page, 'browser-sandbox-status', 'runs in this browser', STEP.timeout);
}

/** Picks the kind of payment, initiates it as the form shows it; returns its orderId and fallBack. */
async function initiate(page, kind = 'regular') {
  await page.getByTestId('initiate-kind').selectOption(kind);
  await page.getByTestId('new-order-id').click();
  const preview = JSON.parse(await page.getByTestId('initiate').getByTestId('request-body').innerText());
  const orderId = preview.transaction.orderId;
  const fallBack = preview.merchantInfo.fallBack;
  // Back to this very page after the app: the prefix, not the origin's root.
  assert.equal(fallBack, `${host.url}#/back?orderId=${orderId}`);
  const status = await send(page, 'initiate', STEP.timeout);
  assert.match(status, OK, OK.test(status) ? '' : await page.getByTestId('initiate').innerText());
  assert.equal(await page.getByTestId('var-order-id').inputValue(), orderId);
  return { orderId, fallBack };
}

/** Sends the details step; returns the payment's state as shown and the response body. */
async function details(page) {
  assert.match(await send(page, 'details'), OK);
  return {
    state: await page.getByTestId('payment-state').innerText(),
    body: await page.getByTestId('details').getByTestId('response-body').innerText(),
  };
}

/** Captures all that remains (the operation step's default) and checks the details say so. */
async function captureAll(page, amount) {
  await page.getByTestId('op-capture').click();
  await page.getByTestId('op-amount').fill('');
  await page.getByTestId('op-new-key').click();
  assert.match(await send(page, 'operation'), OK);
  const after = await details(page);
  assert.match(after.state, /Captured/);
  assert.equal(await page.getByTestId('captured').innerText(), amount);
  return after;
}

test('the app opens on the static host, on the sandbox in this browser, with its demo credentials', async () => {
  const { page } = browser;
  await openApp(page);
  assert.equal(await page.getByTestId('environment').inputValue(), 'browser-sandbox');
  assert.equal(await page.getByLabel('client_id').inputValue(), DEMO.clientId);
  assert.equal(await page.getByLabel('merchantSerialNumber').inputValue(), DEMO.msn);
});

test('regular payment: landing page, Betal in the app in a new tab, back here: RESERVE, then capture', async () => {
  const { page, context } = browser;
  await openApp(page);
  const { orderId, fallBack } = await initiate(page);
  const landingUrl = await page.getByTestId('landing-link').getAttribute('href');
  assert.ok(landingUrl.startsWith(`${sandbox}dwo-api-application/v1/deeplink/vippsgateway?`), landingUrl);
  assert.match((await details(page)).state, /Initiated/);

  const { tab, app } = await openVippsApp(page, context);
  await app.getByTestId('pay-button').waitFor();
  assert.ok(app.url().startsWith(`${sandbox}vipps-app/`), app.url());
  await app.getByTestId('pay-button').click();
  await app.waitForURL(fallBack, STEP);
  // The tab the app sent back is the playground again, at that payment.
  assert.match(await waitForText(app, 'back-from-vipps', 'approved', STEP.timeout), new RegExp(`order ${orderId}`));
  if (app !== tab) await tab.close();
  await app.close();

  // Back in the first tab: the approval is in the same sandbox.
  const reserved = await details(page);
  assert.match(reserved.state, /Reserved/);
  assert.match(reserved.body, /"operation": "RESERVE"/);
  assert.match(reserved.body, new RegExp(`"orderId": "${orderId}"`));
  // The callback of the approval is recorded, with why it was not sent.
  assert.equal(await send(page, 'callbacks'), '200 OK');
  const outcomes = await page.getByTestId('callbacks-panel').getByTestId('callback-outcome').allInnerTexts();
  assert.ok(outcomes.some((o) => o.includes('recorded, not sent: the sandbox in this browser')), outcomes.join('\n'));
  await captureAll(page, '499.00 kr');
});

test('express checkout: the user picks a shipping option in the app, the details show it', async () => {
  const { page, context } = browser;
  await openApp(page);
  const { fallBack } = await initiate(page, 'express');
  const tabs = await openExpressApp(page, context);
  assert.ok(tabs.app.url().startsWith(`${sandbox}vipps-app/`), tabs.app.url());
  await tabs.app.getByTestId('shipping-shippingMethodId2').check();
  await payInExpressApp(tabs, fallBack);

  const reserved = await details(page);
  assert.match(reserved.state, /Reserved/);
  assert.match(await page.getByTestId('shipping-chosen').innerText(), /\(shippingMethodId2\) · 100\.00 kr/);
  assert.match(reserved.body, /"shippingMethodId": "shippingMethodId2"/);
  assert.match(reserved.body, /"userDetails"/);
  // The reservation includes the 100 NOK shipping.
  await captureAll(page, '599.00 kr');
});

test('profile payment: approve, the sub from the details, userinfo answers with the user\'s name', async () => {
  const { page } = browser;
  await openApp(page);
  await initiate(page, 'profile');
  assert.match(await send(page, 'approve'), OK);
  assert.match((await details(page)).state, /Reserved/);
  const sub = await page.getByTestId('var-sub').inputValue();
  assert.match(sub, /^[0-9a-f-]{36}$/);
  assert.match(await send(page, 'userinfo'), OK);
  const claims = JSON.parse(await page.getByTestId('userinfo').getByTestId('response-body').innerText());
  assert.equal(claims.sub, sub);
  assert.ok(claims.given_name && claims.family_name, JSON.stringify(claims));
  assert.equal(claims.name, `${claims.given_name} ${claims.family_name}`);
});

test('the QR API: the image is drawn, and its URL answers with an image', async () => {
  const { page } = browser;
  await openApp(page);
  await initiate(page);
  for (const [format, type] of [['png', 'image/png'], ['svg', 'image/svg+xml']]) {
    await page.getByTestId('qr-format').selectOption(format);
    assert.match(await send(page, 'qr'), OK);
    const img = page.getByTestId('qr-api-result').locator('img');
    await img.waitFor();
    const src = await img.getAttribute('src');
    assert.ok(src.startsWith(sandbox), src);
    await page.waitForFunction(() => document.querySelector('[data-testid=qr-api-result] img')?.complete);
    assert.ok(await img.evaluate((el) => el.naturalWidth > 0), `the ${format} QR image was drawn`);
    const answered = await page.evaluate(async (url) => {
      const r = await fetch(url);
      return `${r.status} ${r.headers.get('content-type')} ${(await r.arrayBuffer()).byteLength > 0}`;
    }, src);
    assert.equal(answered, `200 ${type} true`, format);
  }
});

test('cancel: an initiated payment is cancelled and ends', async () => {
  const { page } = browser;
  await openApp(page);
  await initiate(page);
  await page.getByTestId('op-cancel').click();
  assert.match(await send(page, 'operation'), OK);
  const ended = await details(page);
  assert.match(ended.state, /Ended/);
  assert.match(ended.body, /"operation": "CANCEL"/);
});

test('refund after capture', async () => {
  const { page } = browser;
  await openApp(page);
  await initiate(page);
  assert.match(await send(page, 'approve'), OK);
  await captureAll(page, '499.00 kr');
  await page.getByTestId('op-refund').click();
  await page.getByTestId('op-amount').fill('');
  assert.match(await send(page, 'operation'), OK);
  const refunded = await details(page);
  assert.equal(await page.getByTestId('refunded').innerText(), '499.00 kr');
  assert.match(refunded.body, /"operation": "REFUND"/);
});

test('the browser stops the worker in the middle of a payment: the payment goes on, also after a reload', async () => {
  const { page, context } = browser;
  await openApp(page);
  const { orderId } = await initiate(page);

  const cdp = await context.newCDPSession(page);
  const versions = new Map();
  cdp.on('ServiceWorker.workerVersionUpdated', ({ versions: updated }) => {
    for (const v of updated) versions.set(v.versionId, v.runningStatus);
  });
  await cdp.send('ServiceWorker.enable');
  await waitUntil(() => [...versions.values()].includes('running'), 'the worker runs before it is stopped');
  await cdp.send('ServiceWorker.stopAllWorkers');
  await waitUntil(() => [...versions.values()].every((s) => s === 'stopped'), 'the worker stopped');

  // The next request starts it again, from what it saved (a worker that kept its payments only
  // in memory answers 404 here: the payment is gone).
  assert.match(await send(page, 'approve', STEP.timeout), OK, 'the payment survived the worker\'s restart');
  await waitUntil(() => [...versions.values()].includes('running'), 'the worker was started again');
  assert.equal(await page.getByTestId('var-order-id').inputValue(), orderId);
  const reserved = await details(page);
  assert.match(reserved.state, /Reserved/);
  assert.match(reserved.body, new RegExp(`"orderId": "${orderId}"`));
  await captureAll(page, '499.00 kr');
  await cdp.detach();

  await page.reload();
  await waitForText(page, 'env-badge', BROWSER_SANDBOX);
  assert.equal(await page.getByTestId('var-order-id').inputValue(), orderId);
  const reloaded = await details(page);
  assert.match(reloaded.state, /Captured/);
  assert.equal(await page.getByTestId('captured').innerText(), '499.00 kr');
  assert.match(reloaded.body, /"operation": "CAPTURE"/);
});

test('Reset sandbox: the old payment is unknown (404), the settings and history are kept', async () => {
  const { page } = browser;
  await openApp(page);
  const { orderId } = await initiate(page);
  assert.match((await details(page)).state, /Initiated/);
  // A setting of the user's own, and the history so far.
  const mobile = page.getByLabel('mobileNumber (test user)');
  const demoMobile = await mobile.inputValue();
  await mobile.fill('97777777');
  const before = await historyRows(page);
  assert.ok(before.some((row) => row.includes(`${orderId}/details`)), before.join('\n'));

  page.once('dialog', (d) => d.accept());
  await page.getByTestId('reset-sandbox').click();
  await waitForText(page, 'reset-sandbox-result', 'The sandbox was reset', STEP.timeout);

  // The playground still offers the old payment; the sandbox no longer knows it.
  assert.equal(await page.getByTestId('var-order-id').inputValue(), orderId);
  assert.match(await send(page, 'details'), /^404/);
  await page.reload();
  await waitForText(page, 'env-badge', BROWSER_SANDBOX);
  assert.equal(await page.getByTestId('environment').inputValue(), 'browser-sandbox');
  assert.equal(await mobile.inputValue(), '97777777');
  assert.equal(await page.getByLabel('client_id').inputValue(), DEMO.clientId);
  const kept = await historyRows(page);
  assert.ok(kept.length > before.length, 'the 404 was added to the history');
  assert.deepEqual(before.filter((row) => !kept.includes(row)), [], 'history rows lost by the reset');
  assert.match(await send(page, 'details'), /^404/, 'still unknown after the reload');
  await mobile.fill(demoMobile);
});

/** The history's rows, each as its method, path and summary (not its time, which is relative). */
async function historyRows(page) {
  // The history panel comes with the last chunk, after the steps (src/lib.rs): wait for it.
  await page.getByTestId('history').waitFor();
  return page.getByTestId('history-row').evaluateAll((rows) => rows.map((r) => {
    const [, method, path] = r.querySelectorAll('td');
    return `${method?.innerText} ${path?.innerText} ${r.title}`;
  }));
}

test('everything stayed on the static host\'s origin, and the worker answered every sandbox request', () => {
  const urls = browser.requests.map((r) => r.url);
  assert.ok(urls.some((u) => u.startsWith(sandbox)), 'the sandbox was used');
  const outside = urls.filter((u) => !u.startsWith(`${host.origin}/`) && !u.startsWith('data:'));
  assert.deepEqual(outside, [], 'requests outside the origin');
  // The python server never saw a request for the sandbox: the worker answered them all.
  assert.deepEqual(host.served.filter((p) => p.startsWith(`${PREFIX}browser-sandbox`)), []);
  assert.ok(browser.requests.some((r) => r.url.startsWith(sandbox) && r.fromServiceWorker), 'answers seen as the worker\'s');
  const fromHost = browser.requests.filter((r) => r.url.startsWith(sandbox) && r.status !== null && !r.fromServiceWorker);
  assert.deepEqual(fromHost.map((r) => `${r.method} ${r.url} ${r.status}`), [], 'sandbox requests not answered by the worker');
});

/** Polls `ok()` every 50 ms for up to 10 s; fails with `what` if it never holds. */
async function waitUntil(ok, what) {
  const deadline = Date.now() + 10_000;
  while (!ok()) {
    if (Date.now() > deadline) assert.fail(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
