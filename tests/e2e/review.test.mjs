// End-to-end: the outside review's findings on the app side (issue 9), each as a user or an
// attacker meets it: a redirect never carries the secrets on, stored and imported values are
// checked before they become links or slow the page, phone numbers are read as MT reads them,
// and the not yet verified test user shows error 1082.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { DEMO, freePort, send, sharedServerAndBrowser, waitForText } from './support.mjs';

const shared = sharedServerAndBrowser();

/** A plain HTTP server on loopback that records every request it gets. */
async function recordingServer(handler) {
  const port = await freePort();
  const seen = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, headers: req.headers });
    handler(req, res);
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise((r) => server.close(r)) };
}

/** Answers a CORS preflight for any origin and header, as a permissive attacker would. */
function permissiveCors(req, res) {
  res.setHeader('Access-Control-Allow-Origin', req.headers.origin ?? '*');
  res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? '*');
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT');
  res.setHeader('Access-Control-Expose-Headers', '*');
  if (req.method === 'OPTIONS') {
    res.writeHead(204).end();
    return true;
  }
  return false;
}

let steal;
let redirector;
before(async () => {
  steal = await recordingServer((req, res) => {
    if (!permissiveCors(req, res)) res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
  });
  redirector = await recordingServer((req, res) => {
    if (permissiveCors(req, res)) return;
    res.writeHead(307, { Location: `${steal.url}/steal` }).end();
  });
});
after(async () => {
  await steal?.close();
  await redirector?.close();
});

test('a redirect from the server at the proxy URL is not followed: the secrets go nowhere else', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  await page.getByLabel('Proxy URL').fill(redirector.url);
  await page.getByRole('button', { name: 'Get access token' }).click();
  const error = await waitForText(page, 'send-error', 'redirect');
  assert.match(error, /does not follow redirects/);
  assert.match(error, /Nothing more was sent/);
  assert.ok(!error.includes(DEMO.clientSecret), error);
  // The token call reached the redirector (with its preflight) and nothing reached the target.
  assert.ok(redirector.seen.some((r) => r.method === 'POST'), JSON.stringify(redirector.seen));
  assert.deepEqual(steal.seen, [], 'the redirect target got a request');
  await page.getByLabel('Proxy URL').fill('');
});

test('session variables of another format version are kept aside with a notice', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  await page.getByLabel('client_id').waitFor();
  const future = '{"version":2,"orderId":"from-a-newer-version"}';
  await page.evaluate((v) => {
    localStorage.setItem('ecom-playground.session.v1', v);
    sessionStorage.removeItem('ecom-playground.session.v1');
  }, future);
  await page.reload();
  const notice = await waitForText(page, 'session-notice', 'could not be read');
  assert.match(notice, /format version 2, this app reads version 1/);
  assert.equal(await page.getByTestId('var-order-id').inputValue(), '');
  assert.equal(await page.evaluate(() => localStorage.getItem('ecom-playground.session.v1.unreadable')), future);
  await page.getByTestId('session-notice').getByRole('button', { name: 'Dismiss' }).click();
});

test('a landing URL that is not http(s) is shown as text, never as a link', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  await page.getByLabel('client_id').waitFor();
  for (const url of ['javascript:alert(document.domain)', 'intent://x#Intent;scheme=https;end', 'view-source:https://example.com/?token=t', 'vippsMT://?token=eyJhbGciOi']) {
    await page.getByTestId('var-landing-url').fill(url);
    const text = await waitForText(page, 'landing-not-a-link', 'not a web address');
    assert.ok(text.includes(url.slice(0, 20)), text);
    assert.equal(await page.getByTestId('landing-link').count(), 0, url);
    assert.equal(await page.locator(`a[href^="${url.split(':')[0]}:"]`).count(), 0, url);
  }
  await page.getByTestId('var-landing-url').fill('');
});

test('an imported environment with a huge orderId is skipped by name, quickly', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  const env = {
    values: [
      { key: 'orderId', value: '1'.repeat(900_000), enabled: true },
      { key: 'vippsLandingPageURL', value: 'javascript:alert(1)', enabled: true },
      { key: 'mobileNumber', value: '+47 912 34 567', enabled: true },
    ],
  };
  await page.getByTestId('import').getByRole('textbox').fill(JSON.stringify(env));
  await page.getByTestId('import').getByRole('button', { name: /Import/ }).click();
  const report = await waitForText(page, 'import', 'too long');
  assert.match(report, /skipped 1 too long \(orderId\)/);
  assert.ok(!report.includes('1111111111'), 'the value is not repeated');
  assert.equal(await page.getByTestId('var-order-id').inputValue(), '');
  // The imported landing URL is kept as data but never becomes a link.
  await waitForText(page, 'landing-not-a-link', 'javascript:alert(1)');
  assert.equal(await page.getByTestId('landing-link').count(), 0);
  await page.getByTestId('var-landing-url').fill('');
  await page.getByRole('button', { name: 'Restore the sandbox demo credentials' }).click();
});

test('phone numbers are read as MT reads them, and the sandbox test users are listed', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  const phone = page.getByLabel('mobileNumber (test user)');
  await phone.fill('+47 912 34 567');
  assert.equal(await page.locator('#field-mobileNumber-error').innerText(), '');
  const hint = await waitForText(page, 'mobile-hint', 'reads this as');
  assert.match(hint, /The API reads this as 91234567\./);
  assert.match(hint, /48059528 \(has not approved a payment in the app yet, so force approve answers 1082\)/);
  // The sandbox corrects it as MT does: the payment is initiated and force approved with it.
  assert.equal(await send(page, 'initiate'), '200 OK');
  assert.equal(await page.getByTestId('approve-phone').inputValue(), '+47 912 34 567');
  assert.equal(await send(page, 'approve'), '200 OK');
  await phone.fill('+46 70 123 45 67');
  assert.match(await page.locator('#field-mobileNumber-error').innerText(), /Norwegian mobile number of 8 digits/);
  await page.getByRole('button', { name: 'Restore the sandbox demo credentials' }).click();
  assert.doesNotMatch(await page.getByTestId('mobile-hint').innerText(), /reads this as/);
});

test('force approve with the not yet verified test user gives 1082, explained', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  assert.match(await page.getByTestId('force-approve-note').innerText(), /48059528 has never approved/);
  assert.equal(await send(page, 'initiate'), '200 OK');
  await page.getByTestId('approve-phone').fill('48059528');
  assert.match(await send(page, 'approve'), /^400/);
  const explanation = await page.getByTestId('step-approve').getByTestId('explanation').innerText();
  assert.match(explanation, /1082/);
  assert.match(explanation, /approve one payment in the Vipps MT app/);
  await page.getByTestId('environment').selectOption('mt');
  assert.match(await page.getByTestId('force-approve-note').innerText(), /In MT, force approve works only for a test user who has approved one payment/);
  await page.getByTestId('environment').selectOption('sandbox');
});
