// End-to-end: the quick start with the keyboard only (Tab to move, Enter or Space to act), as a
// user who does not use a mouse would do it. Every control on the way must be reachable and
// operable, with focus order following the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedServerAndBrowser } from './support.mjs';

const shared = sharedServerAndBrowser();

/** Presses Tab until the element with this test id has focus; fails if it is never reached. */
async function tabTo(page, testid, max = 300) {
  for (let i = 0; i < max; i += 1) {
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-testid'));
    if (focused === testid) return i;
    await page.keyboard.press('Tab');
  }
  throw new Error(`${testid} was not reached with ${max} presses of Tab`);
}

async function statusOf(page, panel) {
  const locator = page.getByTestId(panel).getByTestId('response-status');
  await locator.waitFor();
  return (await locator.innerText()).trim();
}

test('token, initiate, force approve, capture and details by keyboard alone', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  await page.getByTestId('send-token').waitFor();

  await tabTo(page, 'send-token');
  await page.keyboard.press('Enter');
  assert.equal(await statusOf(page, 'step-token'), '200 OK');

  await tabTo(page, 'initiate-amount');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('120');
  await tabTo(page, 'new-order-id');
  await page.keyboard.press('Space');
  await tabTo(page, 'initiate-send');
  await page.keyboard.press('Enter');
  assert.equal(await statusOf(page, 'initiate'), '200 OK');
  assert.match(await page.getByTestId('initiate').getByTestId('response-body').innerText(), /"url":/);

  await tabTo(page, 'approve-send');
  await page.keyboard.press('Enter');
  assert.equal(await statusOf(page, 'approve'), '200 OK');

  await tabTo(page, 'operation-send');
  await page.keyboard.press('Enter');
  assert.equal(await statusOf(page, 'operation'), '200 OK');

  await tabTo(page, 'details-send');
  await page.keyboard.press('Enter');
  await page.getByTestId('timeline').waitFor();
  assert.match(await page.getByTestId('payment-state').innerText(), /Captured/);
  assert.equal(await page.getByTestId('captured').innerText(), '120.00 kr');
});

test('a skip link leads past Settings, and focus stays on Send while and after it sends', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  await page.getByTestId('send-token').waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'skip-link');
  assert.match(await page.getByTestId('skip-link').innerText(), /Skip to the next step/);
  await page.keyboard.press('Enter');
  // The focus is on the step the guide marks next: getting a token, on a first visit.
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'step-token');
  const presses = await tabTo(page, 'send-token', 10);
  assert.ok(presses <= 5, `Get access token is ${presses} Tab stops after the skip link`);

  await page.keyboard.press('Enter');
  assert.equal(await statusOf(page, 'step-token'), '200 OK');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'send-token', 'focus left the button');

  await tabTo(page, 'initiate-send');
  await page.keyboard.press('Enter');
  assert.equal(await statusOf(page, 'initiate'), '200 OK');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'initiate-send', 'focus left the button');
});
