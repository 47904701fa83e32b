// End-to-end: the quick start's four flows through the guide, each started from a deep link
// as a documentation page would link it (issue 12): the guide marks the step to do next, the
// steps done are marked done, and each step says what it does with a link to the docs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addTool, openExpressApp, payInExpressApp, send, sharedServerAndBrowser } from './support.mjs';

const shared = sharedServerAndBrowser();

/** The guide's steps as `slug:state`, in order. */
async function guide(page) {
  return page.getByTestId('flow-guide').locator('li[data-guide]').evaluateAll((items) => items
    .map((li) => `${li.dataset.testid.replace('guide-', '')}:${li.dataset.guide}`));
}

/** Waits until the guide marks `slug` as the next step. */
async function nextIs(page, slug) {
  await page.waitForFunction((s) => document.querySelector(`[data-testid="guide-${s}"]`)?.dataset.guide === 'next', slug, { timeout: 10_000 });
}

async function open(page, hash) {
  await page.goto(`${shared.server.url}/${hash}`);
  await page.getByTestId('flow-guide').waitFor();
}

test('regular payment: token, initiate, approve, capture, details, refund, each marked as it is done', async () => {
  const { page } = shared.browser;
  await open(page, '#/regular');
  assert.equal(await page.getByTestId('flow-regular').getAttribute('aria-current'), 'true');
  assert.deepEqual(await guide(page), ['token:next', 'initiate:later', 'approve:later', 'capture:later', 'details:later', 'refund:later']);
  // The next step says what it does and links the docs.
  assert.match(await page.getByTestId('guide-token').innerText(), /through the playground's proxy/);
  assert.equal(await page.getByTestId('step-token').getAttribute('data-guide'), 'next');

  await page.getByRole('button', { name: 'Get access token' }).click();
  await nextIs(page, 'initiate');
  assert.equal(await send(page, 'initiate'), '200 OK');
  await nextIs(page, 'approve');
  assert.equal(await page.getByTestId('step-initiate').getAttribute('data-guide'), 'done');
  assert.match(await page.getByTestId('guide-approve').innerText(), /Force approve does it without the app[\s\S]*1082/);
  assert.equal(await send(page, 'approve'), '200 OK');
  await nextIs(page, 'capture');
  // Reserve versus capture, with the docs.
  assert.match(await page.getByTestId('guide-capture').innerText(), /Approving only reserves the money; capture takes it/);
  assert.match(await page.getByTestId('guide-capture').getByRole('link', { name: 'Read more in the docs' }).getAttribute('href'), /^https:\/\/developer\.vippsmobilepay\.com\/docs\//);
  assert.equal(await send(page, 'operation'), '200 OK');
  await nextIs(page, 'details');
  assert.equal(await send(page, 'details'), '200 OK');
  await nextIs(page, 'refund');
  await page.getByTestId('op-refund').click();
  assert.equal(await send(page, 'operation'), '200 OK');
  await page.waitForFunction(() => document.querySelector('[data-testid="guide-refund"]')?.dataset.guide === 'done');
  assert.deepEqual(await guide(page), ['token:done', 'initiate:done', 'approve:done', 'capture:done', 'details:done', 'refund:done']);

  // A new payment starts the flow's later steps anew.
  assert.equal(await send(page, 'initiate'), '200 OK');
  await nextIs(page, 'approve');
  assert.equal(await page.getByTestId('guide-capture').getAttribute('data-guide'), 'later');
});

test('express checkout from #/express/initiate: through the landing page and app, then capture', async () => {
  const { page, context } = shared.browser;
  await open(page, '#/express/initiate?amount=300');
  assert.equal(await page.getByTestId('initiate-kind').inputValue(), 'express');
  assert.deepEqual((await guide(page)).map((s) => s.split(':')[0]), ['token', 'initiate', 'approve', 'details', 'capture']);
  await page.getByTestId('initiate-fallback').fill(`${shared.server.url}/?paid`);
  const initiated = await send(page, 'initiate');
  assert.equal(initiated, '200 OK', initiated === '200 OK' ? '' : await page.getByTestId('initiate').getByTestId('response-body').innerText());
  await nextIs(page, 'approve');
  assert.match(await page.getByTestId('guide-approve').innerText(), /Force approve does not support express/);
  const tabs = await openExpressApp(page, context);
  await payInExpressApp(tabs, `${shared.server.url}/?paid`);
  assert.equal(await send(page, 'details'), '200 OK');
  await nextIs(page, 'capture');
  assert.equal(await page.getByTestId('guide-approve').getAttribute('data-guide'), 'done', 'the approval seen in the details');
  assert.equal(await send(page, 'operation'), '200 OK');
  await page.waitForFunction(() => document.querySelector('[data-testid="guide-capture"]')?.dataset.guide === 'done');
});

test('userinfo from #/userinfo: a profile payment, its sub from the details, then userinfo', async () => {
  const { page } = shared.browser;
  await open(page, '#/userinfo');
  assert.equal(await page.getByTestId('initiate-kind').inputValue(), 'profile');
  assert.equal(await send(page, 'initiate'), '200 OK');
  assert.equal(await send(page, 'approve'), '200 OK');
  await nextIs(page, 'details');
  assert.equal(await send(page, 'details'), '200 OK');
  await nextIs(page, 'userinfo');
  assert.match(await page.getByTestId('var-sub').inputValue(), /^[0-9a-f-]{36}$/);
  assert.equal(await send(page, 'userinfo'), '200 OK');
  await page.waitForFunction(() => document.querySelector('[data-testid="guide-userinfo"]')?.dataset.guide === 'done');
});

test('QR code from #/qr/qr: the landing page as an inline QR code and from the QR API', async () => {
  const { page } = shared.browser;
  await open(page, '#/qr/qr');
  await page.waitForFunction(() => document.getElementById('step-qr-title')?.getBoundingClientRect().top < window.innerHeight);
  assert.deepEqual((await guide(page)).map((s) => s.split(':')[0]), ['token', 'initiate', 'approve', 'qr']);
  assert.equal(await page.getByTestId('initiate-kind').inputValue(), 'regular');
  assert.equal(await send(page, 'initiate'), '200 OK');
  assert.equal(await page.getByTestId('inline-qr').locator('svg').count(), 1);
  assert.match(await page.getByTestId('guide-approve').innerText(), /Scan the landing page's QR code/);
  assert.equal(await send(page, 'qr'), '200 OK');
  await page.waitForFunction(() => document.querySelector('[data-testid="guide-qr"]')?.dataset.guide === 'done');
  // Picking another flow in the guide changes the kind of payment.
  await page.getByTestId('flow-express').click();
  assert.equal(await page.getByTestId('initiate-kind').inputValue(), 'express');
  await page.getByTestId('flow-regular').click();
});

test('the guide has no accessibility violations in either theme, nor at phone width', async () => {
  const { page } = shared.browser;
  await open(page, '#/regular');
  assert.equal(await send(page, 'initiate'), '200 OK');
  await addTool(page, 'axe-core', 'axe.min.js');
  for (const [scheme, width] of [['light', 1280], ['dark', 1280], ['light', 375], ['dark', 375]]) {
    await page.setViewportSize({ width, height: 800 });
    await page.emulateMedia({ colorScheme: scheme });
    const violations = await page.evaluate(async () => {
      const r = await window.axe.run(document.querySelector('[data-testid="flow-guide"]'));
      return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
    });
    assert.deepEqual(violations, [], `${scheme} at ${width}px`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
});
