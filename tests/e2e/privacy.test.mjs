// End-to-end: what the playground keeps in the browser. "Remember secrets" off keeps them for
// the tab only; "Forget everything" removes all it stored; the proxy's self-description
// drives which environments are offered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO, sharedServerAndBrowser, startServer, waitForText } from './support.mjs';

const shared = sharedServerAndBrowser();

const stored = (page) => page.evaluate(() => ({
  local: localStorage.getItem('ecom-playground.settings.v1'),
  session: sessionStorage.getItem('ecom-playground.settings.v1'),
}));

test('secrets can be kept for this tab only', async () => {
  const { page, context } = shared.browser;
  await page.goto(shared.server.url);
  await page.getByTestId('remember-secrets').uncheck();
  await page.getByLabel('client_secret', { exact: true }).fill('tab-only-secret');
  const { local, session } = await stored(page);
  assert.ok(!local.includes('tab-only-secret') && !local.includes(DEMO.subscriptionKey), local);
  assert.ok(local.includes(DEMO.clientId), 'non-secret settings are still remembered');
  assert.ok(session.includes('tab-only-secret'));

  await page.reload();
  assert.equal(await page.getByLabel('client_secret', { exact: true }).inputValue(), 'tab-only-secret');

  const other = await context.newPage();
  await other.goto(shared.server.url);
  assert.equal(await other.getByLabel('client_secret', { exact: true }).inputValue(), '', 'a new tab does not get the secret');
  assert.equal(await other.getByLabel('client_id').inputValue(), DEMO.clientId);
  await other.close();

  await page.getByTestId('remember-secrets').check();
  await page.getByRole('button', { name: 'Restore the sandbox demo credentials' }).click();
  assert.equal((await stored(page)).session, null);
});

test('forget everything removes all the playground stored', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  await page.getByLabel('merchantSerialNumber').fill('654321');
  await page.getByTestId('var-order-id').fill('order-to-forget');
  await page.getByTestId('send-token').click();
  await page.getByTestId('step-token').getByTestId('response-status').waitFor();
  assert.ok((await page.getByTestId('history-row').count()) > 0, 'the call is in the history');
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByTestId('forget-everything').click();
  await page.waitForLoadState('load');
  await page.getByLabel('client_id').waitFor();
  assert.equal(await page.getByLabel('merchantSerialNumber').inputValue(), DEMO.msn);
  assert.equal(await page.getByTestId('var-order-id').inputValue(), '');
  // The history panel comes with the last chunk (src/lib.rs): count its rows once it is there.
  await page.getByTestId('history').waitFor();
  assert.equal(await page.getByTestId('history-row').count(), 0, 'the history is gone');
  const keys = await page.evaluate(() => Object.keys(localStorage).concat(Object.keys(sessionStorage)));
  assert.ok(keys.every((k) => ['ecom-playground.settings.v1', 'ecom-playground.session.v1', 'ecom-playground.history.v1'].includes(k)), `left: ${keys}`);
});

test('the environment switch offers what the proxy serves; production only when enabled', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  await waitForText(page, 'proxy-status', 'Proxy reachable');
  const options = await page.getByTestId('environment').locator('option').allInnerTexts();
  assert.deepEqual(options, ['Sandbox (in this browser)', 'Local sandbox', 'MT test (apitest.vipps.no)']);
  await page.getByTestId('environment').selectOption('mt');
  assert.equal(await page.getByTestId('env-badge').innerText(), 'MT test (apitest.vipps.no)');
  assert.equal(await page.getByLabel('client_id').inputValue(), '', 'MT has its own, empty credentials');
  await page.getByTestId('environment').selectOption('sandbox');
  assert.equal(await page.getByLabel('client_id').inputValue(), DEMO.clientId);

  const prod = await startServer(['--enable-production']);
  try {
    await page.goto(prod.url);
    await waitForText(page, 'proxy-status', 'Production');
    const withProd = await page.getByTestId('environment').locator('option').allInnerTexts();
    assert.deepEqual(withProd, ['Sandbox (in this browser)', 'Local sandbox', 'MT test (apitest.vipps.no)', 'Production (api.vipps.no)']);
  } finally {
    await prod.stop();
  }
});

test('history and curl export keep secrets out unless revealed', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  await page.getByTestId('new-order-id').click();
  const orderId = await page.getByTestId('initiate-order-id').inputValue();
  await page.getByTestId('initiate-send').click();
  await page.getByTestId('initiate').getByTestId('response-status').waitFor();
  await page.getByTestId('step-token').getByTestId('token-reveal').click();
  const token = await page.getByTestId('token-value').innerText();
  assert.match(token, /^eyJ/);

  // The history lists the calls (token fetched automatically, then initiate) with the orderId.
  const history = await page.getByTestId('history').innerText();
  assert.match(history, /\/accesstoken\/get/);
  assert.match(history, new RegExp(orderId));
  const storedHistory = await page.evaluate(() => localStorage.getItem('ecom-playground.history.v1'));
  assert.ok(storedHistory.includes(orderId));
  for (const secret of [token, DEMO.clientSecret, DEMO.subscriptionKey]) {
    assert.ok(!storedHistory.includes(secret), 'history in storage holds no secret');
    assert.ok(!history.includes(secret), 'history on screen holds no secret');
  }

  // Copy as curl: placeholders by default, the real values only when asked.
  const panel = page.getByTestId('initiate');
  await panel.getByTestId('curl-view').locator('summary').click();
  const masked = await panel.getByTestId('curl').innerText();
  assert.match(masked, /\$ACCESS_TOKEN/);
  assert.match(masked, /\$SUBSCRIPTION_KEY/);
  assert.ok(!masked.includes(token) && !masked.includes(DEMO.subscriptionKey), masked);
  await panel.getByTestId('curl-view').getByRole('checkbox').check();
  const revealed = await panel.getByTestId('curl').innerText();
  assert.ok(revealed.includes(token) && revealed.includes(DEMO.subscriptionKey));

  await page.getByRole('button', { name: 'Clear history' }).click();
  assert.doesNotMatch(await page.getByTestId('history').innerText(), /accesstoken/);
});

test('the official Postman environment file imports, placeholders skipped', async () => {
  const { page } = shared.browser;
  const { readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { ROOT } = await import('./support.mjs');
  const env = JSON.parse(await readFile(join(ROOT, '..', 'shared', 'fixtures', 'vipps-api-global-postman-environment.json'), 'utf8'));
  for (const v of env.values) {
    if (v.key === 'client_id') v.value = 'imported-client-id';
    if (v.key === 'merchantSerialNumber') v.value = '112233';
  }
  await page.goto(shared.server.url);
  await page.getByTestId('environment').selectOption('mt');
  await page.getByTestId('import').getByRole('textbox').fill(JSON.stringify(env));
  await page.getByTestId('import').getByRole('button', { name: /Import/ }).click();
  const report = await page.getByTestId('import').innerText();
  assert.match(report, /client_id/);
  assert.match(report, /placeholder/);
  assert.equal(await page.getByLabel('client_id').inputValue(), 'imported-client-id');
  assert.equal(await page.getByLabel('merchantSerialNumber').inputValue(), '112233');
  assert.equal(await page.getByLabel('client_secret', { exact: true }).inputValue(), '', 'placeholders are not imported');
  await page.getByTestId('environment').selectOption('sandbox');
  assert.equal(await page.getByLabel('client_id').inputValue(), DEMO.clientId, 'the sandbox credentials are untouched');
});

test('an access token is never reused for other credentials or another environment', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  await page.getByTestId('send-token').click();
  await page.getByTestId('token').waitFor();
  await page.getByTestId('environment').selectOption('mt');
  await page.getByTestId('environment').selectOption('sandbox');
  assert.equal(await page.getByTestId('token').count(), 0, 'switching environment forgets the token');

  await page.getByTestId('send-token').click();
  await page.getByTestId('token').waitFor();
  await page.getByLabel('merchantSerialNumber').fill('223344');
  assert.equal(await page.getByTestId('token').count(), 0, 'other credentials forget the token');
  await page.getByRole('button', { name: 'Restore the sandbox demo credentials' }).click();
});

test('a raw body being edited keeps secrets masked in the preview, even when it is not valid JSON', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  const panel = page.getByTestId('initiate');
  await panel.locator('details.raw summary').click();
  await panel.getByTestId('initiate-raw').fill('{"merchantInfo": {"authToken": "raw-secret-value", "fallBack": "https://x",');
  const preview = await panel.getByTestId('request-body').innerText();
  assert.ok(!preview.includes('raw-secret-value'), preview);
  assert.match(preview, /fallBack/);
  // A change in the form replaces the stale raw body with the form's.
  await page.getByTestId('new-order-id').click();
  assert.doesNotMatch(await panel.getByTestId('request-body').innerText(), /raw-secret-value|"fallBack": "https:\/\/x",$/);
  assert.match(await panel.getByTestId('request-body').innerText(), /"orderId"/);
});

test("the preview's Show secrets stays on while the form is edited", async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  const preview = page.getByTestId('initiate').getByTestId('request-preview');
  assert.ok(!(await preview.innerText()).includes(DEMO.subscriptionKey), 'masked at first');
  await preview.getByTestId('request-reveal').click();
  assert.ok((await preview.innerText()).includes(DEMO.subscriptionKey), 'revealed');
  // Typing rebuilds the request on every keystroke; the choice to reveal stays.
  await page.getByTestId('initiate-amount').pressSequentially('12');
  await page.getByTestId('initiate-text').fill('Edited while revealed');
  assert.match(await preview.getByTestId('request-body').innerText(), /Edited while revealed/);
  assert.equal(await preview.getByTestId('request-reveal').getAttribute('aria-pressed'), 'true');
  assert.ok((await preview.innerText()).includes(DEMO.subscriptionKey), 'still revealed after typing');
  // Through a moment where the form cannot build a request, too.
  await page.getByTestId('initiate-amount').fill('');
  await page.getByTestId('initiate-amount').fill('10');
  assert.ok((await preview.innerText()).includes(DEMO.subscriptionKey), 'still revealed after an invalid amount');
  await preview.getByTestId('request-reveal').click();
  assert.ok(!(await preview.innerText()).includes(DEMO.subscriptionKey), 'hidden again on request');
});
