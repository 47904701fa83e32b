// End-to-end at phone width (375×740): a whole regular flow without the page ever
// scrolling sideways, long URLs and JSON kept inside their own boxes, touch targets at least
// 44 px tall, the side panels folded so the steps come first, and no axe-core violations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addTool, send, sharedServerAndBrowser } from './support.mjs';

const shared = sharedServerAndBrowser();
let page;

/** Fails when the page can scroll sideways, naming the widest elements that stick out. */
async function assertNoSidewaysScroll(when) {
  const overflow = await page.evaluate(() => {
    const width = window.innerWidth;
    const scrollWidth = document.scrollingElement.scrollWidth;
    const culprits = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > width + 0.5 && el.getClientRects().length > 0)
      .map((el) => `${el.tagName.toLowerCase()}${el.dataset.testid ? `[${el.dataset.testid}]` : ''}.${el.className}`)
      .slice(0, 5);
    return { width, scrollWidth, culprits };
  });
  assert.ok(overflow.scrollWidth <= overflow.width, `${when}: the page scrolls sideways (${overflow.scrollWidth} > ${overflow.width}): ${overflow.culprits.join(', ')}`);
}

/**
 * Every visible button, summary, select, field, checkbox and link in a step is at least 44 px
 * tall, and a checkbox 44 px wide too (it is the target itself, its label only helps).
 */
async function assertTouchTargets(when) {
  const small = await page.evaluate(() => [...document.querySelectorAll('button, summary, select, input, .check, .step a')]
    .filter((el) => el.getClientRects().length > 0)
    .map((el) => ({ el, h: el.getBoundingClientRect().height, w: el.getBoundingClientRect().width }))
    .filter(({ el, h, w }) => h < 44 || (el.type === 'checkbox' && w < 44))
    .map(({ el, h }) => `${el.tagName.toLowerCase()} "${(el.innerText || el.id || '').trim().slice(0, 30)}" ${h.toFixed(0)}px`));
  assert.deepEqual(small, [], `${when}: touch targets under 44 px`);
}

async function assertNoAxeViolations(when) {
  await addTool(page, 'axe-core', 'axe.min.js');
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document);
    return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
  });
  assert.deepEqual(violations, [], when);
}

test('a regular flow at phone width: no sideways scrolling, big touch targets, no axe violations', async () => {
  page = shared.browser.page;
  await page.setViewportSize({ width: 375, height: 740 });
  await page.goto(shared.server.url);
  await page.getByTestId('send-token').waitFor();
  await assertNoSidewaysScroll('first load');
  // The side panels are folded: the first step starts within the first screen.
  for (const id of ['settings', 'vars', 'import', 'history']) {
    assert.equal(await page.getByTestId(id).locator('details').first().getAttribute('open'), null, `${id} is folded`);
  }
  // The quick start (its guide, then the steps) starts within the first half screen.
  const guideTop = await page.getByTestId('flow-guide').evaluate((el) => el.getBoundingClientRect().top);
  assert.ok(guideTop < 740 / 2, `the quick start starts at ${guideTop}px`);
  await assertTouchTargets('first load');
  await assertNoAxeViolations('first load');

  // Unfolded, the side panels fit too.
  for (const id of ['settings', 'vars', 'import', 'history']) {
    await page.getByTestId(id).locator('summary').first().click();
  }
  await page.getByTestId('var-order-id').waitFor();
  await assertNoSidewaysScroll('side panels open');
  await assertTouchTargets('side panels open');

  await page.getByTestId('initiate-amount').fill('250');
  // Long values: a long transaction text and the raw JSON editor.
  await page.getByTestId('initiate-text').fill('A-very-long-transaction-text-without-any-spaces-that-must-wrap-inside-its-own-box');
  assert.equal(await send(page, 'initiate'), '200 OK');
  await page.getByTestId('initiate').getByTestId('curl-view').locator('summary').click();
  await assertNoSidewaysScroll('after initiate, curl open');
  assert.equal(await send(page, 'approve'), '200 OK');
  await page.getByTestId('op-amount').fill('100');
  assert.equal(await send(page, 'operation'), '200 OK');
  assert.equal(await send(page, 'details'), '200 OK');
  assert.match(await page.getByTestId('payment-state').innerText(), /Reserved/);
  for (const panel of ['initiate', 'details']) {
    await page.getByTestId(panel).getByTestId('response').locator('details summary').first().click();
  }
  await assertNoSidewaysScroll('after capture and details, response headers open');
  await assertTouchTargets('after the flow');

  // Long JSON stays in its box: the box is no wider than the screen.
  const bodyBox = await page.getByTestId('details').getByTestId('response-body').boundingBox();
  assert.ok(bodyBox.x >= 0 && bodyBox.x + bodyBox.width <= 375, JSON.stringify(bodyBox));

  // The Send buttons are reachable: scrolled into view, they are clickable where they are.
  const sendButton = page.getByTestId('details-send');
  await sendButton.scrollIntoViewIfNeeded();
  const box = await sendButton.boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 375 && box.height >= 44, JSON.stringify(box));

  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await assertNoAxeViolations(`after the flow, ${scheme} theme`);
  }
});
