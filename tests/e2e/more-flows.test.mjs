// End-to-end: express checkout through the sandbox's landing page and app pages, the profile
// flow up to userinfo, the inline QR code decoded back to the landing URL, the QR API, and an
// accessibility scan with axe-core, all in the release app in headless Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addTool, openExpressApp, payInExpressApp, send, sharedServerAndBrowser } from './support.mjs';

const shared = sharedServerAndBrowser();

/** Decodes the QR code in an <svg> or <img> on the page with jsQR, in the page itself. */
async function decodeQr(page, selector) {
  await addTool(page, 'jsqr', 'dist', 'jsQR.js');
  return page.evaluate(async (sel) => {
    const el = document.querySelector(sel);
    const src = el.tagName.toLowerCase() === 'svg'
      ? `data:image/svg+xml;charset=utf-8,${encodeURIComponent(el.outerHTML)}`
      : el.src;
    const img = new Image();
    img.src = src;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = 400;
    canvas.height = 400;
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, 400, 400);
    ctx.drawImage(img, 20, 20, 360, 360);
    const data = ctx.getImageData(0, 0, 400, 400);
    return window.jsQR(data.data, 400, 400)?.data ?? null;
  }, selector);
}

test('the inline QR code decodes to the landing page URL', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  await page.getByTestId('new-order-id').click();
  assert.equal(await send(page, 'initiate'), '200 OK');
  const landing = await page.getByTestId('var-landing-url').inputValue();
  assert.equal(await decodeQr(page, '[data-testid=inline-qr] svg'), landing);
  const download = await page.getByTestId('qr-download-svg').getAttribute('href');
  assert.match(download, /^data:image\/svg\+xml/);
});

test('the QR API returns an image of the same landing page URL', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  await page.getByTestId('new-order-id').click();
  assert.equal(await send(page, 'initiate'), '200 OK');
  const landing = await page.getByTestId('var-landing-url').inputValue();
  for (const format of ['png', 'svg']) {
    await page.getByTestId('qr-format').selectOption(format);
    assert.equal(await send(page, 'qr'), '200 OK');
    const img = page.getByTestId('qr-api-result').locator('img');
    await img.waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid=qr-api-result] img')?.complete);
    assert.equal(await decodeQr(page, '[data-testid=qr-api-result] img'), landing, format);
  }
});

test('express checkout through the landing page and the app pages, then capture', async () => {
  const { page, context } = shared.browser;
  await page.goto(shared.server.url);
  await page.getByTestId('initiate-kind').selectOption('express');
  await page.getByTestId('new-order-id').click();
  // Come back to the playground after paying.
  await page.getByTestId('initiate-fallback').fill(`${shared.server.url}/?paid`);
  assert.equal(await send(page, 'initiate'), '200 OK');

  // Force approve does not support express: the playground says so and does not offer it.
  assert.match(await page.getByTestId('approve-blocked').innerText(), /does not support express checkout/);
  assert.ok(await page.getByTestId('approve-send').isDisabled());

  const tabs = await openExpressApp(page, context);
  await tabs.app.getByTestId('shipping-shippingMethodId2').check();
  await payInExpressApp(tabs, `${shared.server.url}/?paid`);

  assert.equal(await send(page, 'details'), '200 OK');
  assert.match(await page.getByTestId('payment-state').innerText(), /Reserved/);
  const body = await page.getByTestId('details').getByTestId('response-body').innerText();
  assert.match(body, /"shippingDetails"/);
  assert.match(body, /"shippingMethodId": "shippingMethodId2"/);
  assert.match(body, /"userDetails"/);
  // The reservation includes the 100 NOK shipping.
  assert.equal(await send(page, 'operation'), '200 OK');
  assert.equal(await send(page, 'details'), '200 OK');
  assert.match(await page.getByTestId('payment-state').innerText(), /Captured/);
  assert.equal(await page.getByTestId('captured').innerText(), '599.00 kr');
});

test('profile payment: approve, pick up the sub from details, get userinfo', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  await page.getByTestId('initiate-kind').selectOption('profile');
  await page.getByTestId('new-order-id').click();
  assert.match(await page.getByTestId('initiate').getByTestId('request-body').innerText(), /"scope": "name address email phoneNumber birthDate"/);
  assert.equal(await send(page, 'initiate'), '200 OK');
  assert.equal(await send(page, 'approve'), '200 OK');
  assert.equal(await send(page, 'details'), '200 OK');
  const sub = await page.getByTestId('var-sub').inputValue();
  assert.match(sub, /^[0-9a-f-]{36}$/);
  assert.equal(await send(page, 'userinfo'), '200 OK');
  const claims = await page.getByTestId('userinfo').getByTestId('response-body').innerText();
  assert.match(claims, new RegExp(`"sub": "${sub}"`));
  assert.match(claims, /"email":/);
  assert.match(claims, /"address":/);

  // The sub is personal data: kept for this tab (session storage), never in local storage,
  // which still holds what resumes the payment.
  const orderId = await page.getByTestId('var-order-id').inputValue();
  const local = await page.evaluate(() => Object.entries(localStorage).map(([k, v]) => `${k}=${v}`).join('\n'));
  assert.ok(!local.includes(sub), `local storage holds the sub:\n${local}`);
  assert.ok(!/"sub"/.test(local), local);
  assert.ok(local.includes(orderId), 'the orderId is still remembered');
  const tab = await page.evaluate(() => sessionStorage.getItem('ecom-playground.session.v1'));
  assert.ok(tab.includes(sub), tab);

  // A reload in the same tab still offers userinfo.
  await page.reload();
  assert.equal(await page.getByTestId('var-sub').inputValue(), sub);
  assert.equal(await send(page, 'userinfo'), '200 OK');
  assert.match(await page.getByTestId('userinfo').getByTestId('response-body').innerText(), new RegExp(`"sub": "${sub}"`));

  // Another tab resumes the payment without the sub, and gets it again from the details.
  const other = await shared.browser.context.newPage();
  await other.goto(shared.server.url);
  assert.equal(await other.getByTestId('var-order-id').inputValue(), orderId);
  assert.equal(await other.getByTestId('var-sub').inputValue(), '');
  assert.equal(await send(other, 'details'), '200 OK');
  assert.equal(await other.getByTestId('var-sub').inputValue(), sub);
  await other.close();
});

test('no accessibility violations (axe-core) with responses on screen', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  await page.getByTestId('new-order-id').click();
  await send(page, 'initiate');
  await send(page, 'details');
  await addTool(page, 'axe-core', 'axe.min.js');
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    const result = await page.evaluate(async () => {
      const r = await window.axe.run(document);
      return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
    });
    assert.deepEqual(result, [], `${scheme} theme`);
  }
});
