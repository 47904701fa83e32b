// End-to-end: the walking skeleton, as a user meets it. The release app, served with the proxy
// and the sandbox by the same binary ./scripts/start.sh runs, in headless Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { DEMO, freePort, launchBrowser, send, sharedServerAndBrowser, startServer, waitForText } from './support.mjs';

const shared = sharedServerAndBrowser();

test('a first visit gets an access token with the prefilled demo credentials', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  assert.equal(await page.getByTestId('env-badge').innerText(), 'Local sandbox');
  assert.equal(await page.getByLabel('client_id').inputValue(), DEMO.clientId);
  // Secrets are masked: password inputs, and the header preview does not show them.
  assert.equal(await page.getByLabel('client_secret', { exact: true }).getAttribute('type'), 'password');
  const preview = await page.getByTestId('step-token').getByTestId('request-preview').innerText();
  assert.ok(!preview.includes(DEMO.clientSecret) && !preview.includes(DEMO.subscriptionKey), preview);
  assert.match(await page.getByTestId('step-token').getByTestId('request-url').innerText(), /\/sandbox\/accesstoken\/get$/);

  await page.getByRole('button', { name: 'Get access token' }).click();
  const status = await waitForText(page, 'response-status', '200');
  assert.equal(status.trim(), '200 OK');
  assert.match(await page.getByTestId('response-time').innerText(), /\d+ ms/);
  assert.match(await page.getByTestId('token-expiry').innerText(), /expires in (59|60):\d\d/);
  // The token is kept, masked until revealed, and is a JWT.
  const body = await page.getByTestId('response-body').innerText();
  assert.match(body, /"token_type": "Bearer"/);
  assert.ok(!/eyJ/.test(body), 'the access token is masked in the body');
  assert.ok(!(await page.getByTestId('token-value').innerText()).startsWith('eyJ'));
  await page.getByTestId('token-reveal').click();
  assert.match(await page.getByTestId('token-value').innerText(), /^eyJ[\w-]+\.[\w-]+\.[\w-]*$/);
  assert.ok(!(await page.locator('body').innerText()).includes(DEMO.clientSecret), 'client_secret never shown unasked');
});

test('a wrong client_secret is explained, and settings survive a reload', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  const secret = page.getByLabel('client_secret', { exact: true });
  await secret.fill('not-the-right-secret');
  await page.getByRole('button', { name: 'Get access token' }).click();
  await waitForText(page, 'response-status', '401');
  const explanation = await page.getByTestId('explanation').innerText();
  assert.match(explanation, /invalid_client/);
  assert.match(explanation, /client_secret is wrong/);

  await page.getByLabel('merchantSerialNumber').fill('654321');
  await page.reload();
  await page.getByLabel('client_id').waitFor();
  assert.equal(await page.getByLabel('client_secret', { exact: true }).inputValue(), 'not-the-right-secret');
  assert.equal(await page.getByLabel('merchantSerialNumber').inputValue(), '654321');
  assert.equal(await page.getByLabel('client_id').inputValue(), DEMO.clientId);
  assert.equal(await page.getByTestId('reset-notice').count(), 0);

  await page.getByRole('button', { name: 'Restore the sandbox demo credentials' }).click();
  await page.getByRole('button', { name: 'Get access token' }).click();
  await waitForText(page, 'response-status', '200');
});

test('a malformed field is caught before sending, with what to fix', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  await page.getByLabel('merchantSerialNumber').fill('12-456');
  assert.match(await page.getByText('merchantSerialNumber must be 4 to 6 digits').innerText(), /like 123456/);
  await page.getByRole('button', { name: 'Get access token' }).click();
  assert.match(await waitForText(page, 'send-error', 'not sent'), /see Settings/);
  await page.getByRole('button', { name: 'Restore the sandbox demo credentials' }).click();
});

test('corrupt settings in storage are reset with a notice, and the app still works', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  // Once the app runs: if it started after the corrupt value was written, it would reset it
  // (keeping the backup) before the reload, and the reload would have nothing to report.
  await page.getByLabel('client_id').waitFor();
  await page.evaluate(() => localStorage.setItem('ecom-playground.settings.v1', '{"version":1,"credentials":{"sandbox":'));
  await page.reload();
  const notice = await waitForText(page, 'reset-notice', 'could not be read');
  assert.match(notice, /not valid JSON/);
  assert.equal(await page.evaluate(() => localStorage.getItem('ecom-playground.settings.v1.unreadable')), '{"version":1,"credentials":{"sandbox":');
  await page.getByRole('button', { name: 'Get access token' }).click();
  await waitForText(page, 'response-status', '200');
});

test('corrupt session variables are kept aside with a notice, and the settings are untouched', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  await page.getByLabel('merchantSerialNumber').fill('654321');
  await page.evaluate(() => localStorage.setItem('ecom-playground.session.v1', '{"orderId":'));
  await page.reload();
  const notice = await waitForText(page, 'session-notice', 'could not be read');
  assert.match(notice, /session variables/);
  assert.match(notice, /settings and credentials are untouched/);
  assert.equal(await page.getByTestId('reset-notice').count(), 0);
  assert.equal(await page.getByLabel('merchantSerialNumber').inputValue(), '654321');
  assert.equal(await page.evaluate(() => localStorage.getItem('ecom-playground.session.v1.unreadable')), '{"orderId":');
  await page.getByTestId('session-notice').getByRole('button', { name: 'Dismiss' }).click();
  assert.equal(await page.getByTestId('session-notice').count(), 0);
  await page.reload();
  await page.getByLabel('client_id').waitFor();
  assert.equal(await page.getByTestId('session-notice').count(), 0, 'shown once');
  await page.getByRole('button', { name: 'Restore the sandbox demo credentials' }).click();
});

test('a proxy that is down is reported as such', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  const closed = await freePort();
  await page.getByLabel('Proxy URL').fill(`http://127.0.0.1:${closed}`);
  // The settings say so as soon as the address is typed, before anything is sent.
  await waitForText(page, 'proxy-status', 'could not be reached');
  await page.getByRole('button', { name: 'Get access token' }).click();
  const error = await waitForText(page, 'send-error', 'could not be reached');
  assert.match(error, new RegExp(`127\\.0\\.0\\.1:${closed}`));
  assert.match(error, /Is it running\?/);
  await page.getByLabel('Proxy URL').fill('');
});

test('a proxy URL with a user name and password is refused and never shown', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  const port = new URL(shared.server.url).port;
  await page.getByLabel('Proxy URL').fill(`http://proxy-user:hunter2-in-url@127.0.0.1:${port}`);
  const fieldError = await page.locator('#field-proxy-error').innerText();
  assert.match(fieldError, /must not contain a user name or password/);
  assert.match(fieldError, /Proxy access token/);
  await page.getByRole('button', { name: 'Get access token' }).click();
  assert.match(await waitForText(page, 'send-error', 'not sent'), /user name or password/);
  // Nowhere on the page (previews, errors, curl, status lines) but in the field being typed.
  const panel = page.getByTestId('initiate');
  await panel.getByTestId('curl-view').locator('summary').click();
  await panel.getByTestId('curl-reveal').check();
  const shown = await page.locator('body').innerText();
  assert.ok(!shown.includes('hunter2-in-url') && !shown.includes('proxy-user'), 'the credentials are shown');
  const stored = await page.evaluate(() => Object.values(localStorage).concat(Object.values(sessionStorage)).join('\n'));
  assert.ok(!stored.includes('hunter2-in-url'), 'the password is not stored');
  assert.match(await page.getByTestId('step-token').getByTestId('request-url').innerText(), new RegExp(`^http://127\\.0\\.0\\.1:${port}/sandbox/`));
  await page.getByLabel('Proxy URL').fill('');
});

// Self-contained: its own server, which requires a proxy token (given through the environment,
// as the docs advise), its own merchant callback server, and every secret the app can send.
test('the server logs carry no secret, whatever the app sent', async () => {
  const proxyToken = 'e2e-proxy-token-0123456789abcdef';
  const authToken = 'e2e-callback-auth-token-do-not-log';
  const wrongSecret = 'not-the-right-secret-for-the-logs';
  const callbacks = [];
  const merchant = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      callbacks.push({ url: req.url, authorization: req.headers.authorization, body });
      res.end();
    });
  });
  await new Promise((resolve) => merchant.listen(0, '127.0.0.1', resolve));
  const callbackPrefix = `http://127.0.0.1:${merchant.address().port}/callbacks`;
  const own = await startServer(['--token-covers-sandbox'], { ECOM_PROXY_TOKEN: proxyToken });
  const b = await launchBrowser();
  try {
    const { page } = b;
    await page.goto(own.url);
    // Without the proxy token the proxy refuses, and says why.
    assert.match(await send(page, 'initiate'), /^401/);
    await page.getByTestId('proxy-token').fill(proxyToken);
    // A wrong client_secret, then the right one.
    await page.getByLabel('client_secret', { exact: true }).fill(wrongSecret);
    await page.getByTestId('send-token').click();
    await waitForText(page, 'response-status', '401');
    await page.getByRole('button', { name: 'Restore the sandbox demo credentials' }).click();
    // A payment with an authToken for its callbacks (typed into the raw body), force approved.
    await page.getByTestId('new-order-id').click();
    await page.getByTestId('initiate-callback').fill(callbackPrefix);
    const panel = page.getByTestId('initiate');
    await panel.locator('details.raw summary').click();
    const raw = JSON.parse(await panel.getByTestId('initiate-raw').inputValue());
    raw.merchantInfo.authToken = authToken;
    await panel.getByTestId('initiate-raw').fill(JSON.stringify(raw));
    assert.equal(await send(page, 'initiate'), '200 OK');
    await page.getByTestId('step-token').getByTestId('token-reveal').click();
    const accessToken = await page.getByTestId('token-value').innerText();
    assert.match(accessToken, /^eyJ/);
    assert.equal(await send(page, 'approve'), '200 OK');
    assert.equal(await send(page, 'details'), '200 OK');
    assert.match(await page.getByTestId('payment-state').innerText(), /Reserved/);
    // The secrets did travel: the callback carries the authToken.
    const deadline = Date.now() + 10_000;
    while (!callbacks.some((c) => c.authorization === authToken) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(callbacks.some((c) => c.authorization === authToken), `callbacks: ${JSON.stringify(callbacks)}`);

    const logs = own.logs.join('');
    assert.match(logs, /accesstoken/, 'the server logged the requests');
    for (const secret of [DEMO.clientSecret, DEMO.subscriptionKey, wrongSecret, accessToken, 'eyJ', proxyToken, authToken]) {
      assert.ok(!logs.includes(secret), `logs contain ${secret.slice(0, 12)}…`);
    }
  } finally {
    await b.close();
    await own.stop();
    merchant.close();
  }
});
