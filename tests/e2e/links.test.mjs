// End-to-end: links into the playground, as a documentation page uses them (issue 12, links):
// a flow or step opens on the first load, the initiate form is prefilled from the link, a
// secret in a link is refused and never stored, and "Copy link" gives the step's link.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO, send, sharedServerAndBrowser, waitForText } from './support.mjs';

const shared = sharedServerAndBrowser();

/** Whether the heading of the section with this test id is within the window. */
async function inView(page, testid) {
  return page.getByTestId(testid).locator('h2').evaluate((h) => {
    const { top, bottom } = h.getBoundingClientRect();
    return top >= 0 && bottom <= window.innerHeight;
  });
}

test('a link to a step opens there, in its flow, with the form prefilled', async () => {
  const { page } = shared.browser;
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto(`${shared.server.url}/#/express/initiate?amount=100&transactionText=Warm+socks`);
  await page.getByTestId('initiate-send').waitFor();
  assert.equal(await page.getByTestId('initiate-kind').inputValue(), 'express');
  assert.equal(await page.getByTestId('initiate-amount').inputValue(), '100');
  assert.equal(await page.getByTestId('initiate-text').inputValue(), 'Warm socks');
  await page.waitForFunction(() => {
    const h = document.getElementById('step-initiate-title');
    return h && h.getBoundingClientRect().top >= 0 && h.getBoundingClientRect().top < window.innerHeight / 2;
  });
  assert.equal(await page.getByTestId('link-notice').count(), 0, 'nothing to report about this link');
  assert.equal(await send(page, 'initiate'), '200 OK');
  const body = JSON.parse(await page.getByTestId('initiate').getByTestId('request-body').innerText());
  assert.equal(body.transaction.amount, 10000);
  assert.equal(body.transaction.transactionText, 'Warm socks');
  assert.equal(body.merchantInfo.paymentType, 'eComm Express Payment');
});

test('links to cancel and refund open with that operation chosen', async () => {
  const { page } = shared.browser;
  for (const op of ['cancel', 'refund']) {
    await page.goto(`${shared.server.url}/#/regular/${op}`);
    await page.waitForFunction((id) => document.querySelector(`[data-testid="op-${id}"]`)?.getAttribute('aria-pressed') === 'true', op);
    await page.waitForFunction(() => document.getElementById('step-ops-title')?.getBoundingClientRect().top < window.innerHeight);
    assert.ok(await inView(page, 'step-operations'), op);
  }
});

test('a secret in a link is never used or stored, and the user is told so', async () => {
  const { page } = shared.browser;
  await page.goto(`${shared.server.url}/#/regular/token?client_secret=hunter2-from-link&Ocp-Apim-Subscription-Key=k3y-from-link&amount=7&utm_source=docs`);
  const notice = await waitForText(page, 'link-notice', 'never used or stored');
  assert.match(notice, /client_secret, Ocp-Apim-Subscription-Key/);
  assert.match(notice, /Ignored from the link: utm_source/);
  assert.ok(!notice.includes('hunter2') && !notice.includes('k3y-from'), notice);
  assert.equal(await page.getByLabel('client_secret', { exact: true }).inputValue(), DEMO.clientSecret);
  assert.equal(await page.getByTestId('initiate-amount').inputValue(), '7');
  const shown = await page.locator('body').innerText();
  assert.ok(!shown.includes('hunter2') && !shown.includes('k3y-from'), 'a secret from the link is on the page');
  const stored = await page.evaluate(() => Object.values(localStorage).concat(Object.values(sessionStorage)).join('\n'));
  assert.ok(!stored.includes('hunter2') && !stored.includes('k3y-from'), 'a secret from the link was stored');
  await page.getByTestId('link-notice').getByRole('button', { name: 'Dismiss' }).click();
});

test("Copy link gives the step's link in the current flow, and it opens there", async () => {
  const { page, context } = shared.browser;
  await page.goto(`${shared.server.url}/`);
  await page.getByTestId('initiate-kind').selectOption('profile');
  await page.getByTestId('copy-link-userinfo').click();
  const copied = await waitForText(page, 'copied-link', '#/');
  assert.ok(copied.endsWith(`${shared.server.url}/#/userinfo/userinfo`), copied);
  const other = await context.newPage();
  await other.goto(`${shared.server.url}/#/userinfo/userinfo`);
  await other.getByTestId('initiate-send').waitFor();
  assert.equal(await other.getByTestId('initiate-kind').inputValue(), 'profile');
  await other.waitForFunction(() => document.getElementById('step-userinfo-title')?.getBoundingClientRect().top < window.innerHeight);
  await other.close();
  await page.getByTestId('initiate-kind').selectOption('regular');
});
