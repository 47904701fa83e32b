// The release build's lazy-loaded parts (src/parts.rs) as a visitor meets them:
// - the error explanations come with the first error response, and a quick start without
//   errors never fetches them;
// - a part the server cannot deliver (the connection dropped, or a new release replaced the
//   files while the page was open) is an error in its place that says what to do, and the
//   rest of the app goes on; the next use of that part tries again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { launchBrowser, sharedServerAndBrowser, splitPart, waitForText } from './support.mjs';

const shared = sharedServerAndBrowser();

/** Matches the URL of the split point `name`'s chunk. */
const part = (name) => (url) => splitPart(url) === name;

/** A fresh profile (nothing cached), with every request's path recorded in `fetched`. */
async function coldBrowser() {
  const b = await launchBrowser();
  b.fetched = [];
  b.page.on('request', (r) => b.fetched.push(r.url()));
  return b;
}

test('the error explanations are fetched with the first error response, not before', async () => {
  const b = await coldBrowser();
  try {
    const { page, fetched } = b;
    await page.goto(shared.server.url);
    await page.getByTestId('history').waitFor();
    await page.getByRole('button', { name: 'Get access token' }).click();
    await waitForText(page, 'response-status', '200');
    assert.ok(fetched.some(part('later')), `the later steps were fetched: ${fetched.join('\n')}`);
    assert.equal(fetched.filter(part('explanations')).length, 0, 'no error yet, no explanations fetched');

    await page.getByLabel('client_secret', { exact: true }).fill('not-the-right-secret');
    await page.getByRole('button', { name: 'Get access token' }).click();
    await waitForText(page, 'response-status', '401');
    assert.match(await page.getByTestId('explanation').innerText(), /client_secret is wrong/);
    assert.equal(fetched.filter(part('explanations')).length, 1, 'fetched once, with the first error');
  } finally {
    await b.close();
  }
});

test('explanations that cannot be fetched leave the response shown, and the next error tries again', async () => {
  const b = await coldBrowser();
  try {
    const { page, fetched } = b;
    const explanations = part('explanations');
    await page.route(explanations, (route) => route.abort('connectionreset'));
    await page.goto(shared.server.url);
    await page.getByTestId('history').waitFor();
    await page.getByLabel('client_secret', { exact: true }).fill('not-the-right-secret');
    await page.getByRole('button', { name: 'Get access token' }).click();
    await waitForText(page, 'response-status', '401');
    const missing = await page.getByTestId('explanation').innerText();
    assert.match(missing, /Error from the server: HTTP 401/);
    assert.match(missing, /Its explanation is not available: this part of the playground could not be loaded/);
    assert.match(missing, /reload the page: your settings and session are saved/);
    assert.match(await page.getByTestId('response-body').innerText(), /invalid_client/);

    await page.unroute(explanations);
    await page.getByRole('button', { name: 'Get access token' }).click();
    await page.getByTestId('explanation').filter({ hasText: 'client_secret is wrong' }).waitFor();
    assert.equal(fetched.filter(part('explanations')).length, 2, 'the second error fetched the chunk again');
    // The settings were never touched.
    assert.equal(await page.getByLabel('client_secret', { exact: true }).inputValue(), 'not-the-right-secret');
  } finally {
    await b.close();
  }
});

test('later steps that cannot be fetched are an error in their place; the token step and Settings go on', async () => {
  const b = await coldBrowser();
  const consoleErrors = [];
  try {
    const { page } = b;
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    const later = part('later');
    await page.route(later, (route) => route.abort('connectionreset'));
    await page.goto(shared.server.url);
    const error = await waitForText(page, 'part-error', 'could not be loaded');
    assert.match(error, /Check the connection and reload the page: your settings and session are saved\./);
    assert.equal(await page.getByTestId('step-initiate').count(), 0);
    // The app did not stop: the token step sends, and Settings still edits and saves.
    await page.getByRole('button', { name: 'Get access token' }).click();
    await waitForText(page, 'response-status', '200');
    await page.getByLabel('merchantSerialNumber').fill('654321');
    // The chunk loader reports the failed fetch ("Failed to fetch"); a panic would abort the
    // module with "unreachable".
    assert.deepEqual(consoleErrors.filter((m) => /unreachable|panicked/.test(m)), [], 'the app did not panic');

    // Once the server delivers again, a reload has every step, and the setting was kept.
    await page.unroute(later);
    await page.reload();
    await page.getByTestId('step-initiate').waitFor();
    assert.equal(await page.getByLabel('merchantSerialNumber').inputValue(), '654321');
    assert.equal(await page.getByTestId('part-error').count(), 0);
  } finally {
    await b.close();
  }
});
