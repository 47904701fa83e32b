// End-to-end: the playground's three newer features, as a user clicks them in the release app
// in headless Chromium: express checkout with edited shipping options through the sandbox's
// landing and app pages, the inline QR downloaded as PNG and decoded back to the landing URL,
// and the callbacks the sandbox sent to a real merchant server on loopback, shown in the app.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { ROOT, addTool, freePort, openExpressApp, payInExpressApp, send, sharedServerAndBrowser, startServer } from './support.mjs';

const jsQR = createRequire(import.meta.url)('jsqr');

const shared = sharedServerAndBrowser();

/** The initiate request's body as the preview shows it. */
async function previewBody(page) {
  return JSON.parse(await page.getByTestId('initiate').getByTestId('request-body').innerText());
}

/** Refreshes until the callbacks panel shows `count` records none of which is pending. */
async function settledCallbacks(page, count) {
  const deadline = Date.now() + 15_000;
  const panel = page.getByTestId('callbacks-panel');
  for (;;) {
    assert.equal(await send(page, 'callbacks'), '200 OK');
    const outcomes = await panel.getByTestId('callback-outcome').allInnerTexts();
    if (outcomes.length === count && !outcomes.some((o) => o.startsWith('pending'))) return outcomes;
    if (Date.now() > deadline) throw new Error(`callbacks did not settle: ${JSON.stringify(outcomes)} ${await panel.innerText()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('express checkout with edited shipping options: the user gets the new default, details show it', async () => {
  const { page, context } = shared.browser;
  await page.goto(shared.server.url);
  await page.getByTestId('initiate-kind').selectOption('express');
  await page.getByTestId('new-order-id').click();
  const editor = page.getByTestId('shipping-editor');
  await editor.waitFor();
  // Prefilled with the Postman collection's pair.
  assert.equal(await page.getByTestId('shipping-1-method').inputValue(), 'Postman Method 1');
  assert.equal(await page.getByTestId('shipping-2-cost').inputValue(), '100');
  assert.equal(await page.getByTestId('shipping-1-default').isChecked(), true);

  // Bad input is explained in the editor and in the preview, and nothing can be sent.
  await page.getByTestId('shipping-2-cost').fill('12.345');
  assert.match(await page.getByTestId('shipping-error').innerText(), /cost of shipping option 2.*at most two decimals/);
  assert.match(await page.getByTestId('initiate-blocked').innerText(), /cost of shipping option 2/);
  await page.getByTestId('shipping-2-cost').fill('79,50');
  await page.getByTestId('shipping-2-id').fill('shippingMethodId1');
  assert.match(await page.getByTestId('initiate-blocked').innerText(), /options 1 and 2 both have the shippingMethodId/);
  await page.getByTestId('shipping-2-id').fill('shippingMethodId2');
  assert.equal(await page.getByTestId('shipping-error').innerText(), '');

  // A third option, made the default.
  await page.getByTestId('shipping-add').click();
  await page.getByTestId('shipping-3-method').fill('Express bike');
  await page.getByTestId('shipping-3-id').fill('bike');
  await page.getByTestId('shipping-3-cost').fill('49,90');
  await page.getByTestId('shipping-3-priority').fill('3');
  await page.getByTestId('shipping-3-default').check();
  const sent = (await previewBody(page)).merchantInfo.staticShippingDetails;
  assert.deepEqual(sent.map((o) => [o.shippingMethodId, o.isDefault, o.shippingCost, o.priority]), [
    ['shippingMethodId1', 'N', 30, 1],
    ['shippingMethodId2', 'N', 79.5, 2],
    ['bike', 'Y', 49.9, 3],
  ]);
  // Removing the default leaves none: explained, then fixed by picking another.
  await page.getByTestId('shipping-add').click();
  await page.getByTestId('shipping-4-default').check();
  await page.getByTestId('shipping-4-remove').click();
  assert.match(await page.getByTestId('initiate-blocked').innerText(), /no shipping option is the default/);
  await page.getByTestId('shipping-3-default').check();

  await page.getByTestId('initiate-fallback').fill(`${shared.server.url}/?paid`);
  assert.equal(await send(page, 'initiate'), '200 OK');

  const tabs = await openExpressApp(page, context);
  // The app offers all three, the new default preselected.
  assert.equal(await tabs.app.locator('input[type=radio][data-testid^="shipping-"]').count(), 3);
  assert.equal(await tabs.app.getByTestId('shipping-bike').isChecked(), true);
  await payInExpressApp(tabs, `${shared.server.url}/?paid`);

  assert.equal(await send(page, 'details'), '200 OK');
  assert.match(await page.getByTestId('payment-state').innerText(), /Reserved/);
  assert.equal(await page.getByTestId('shipping-chosen').innerText(), 'Express bike (bike) · 49.90 kr');
  // The summary adds up: the order, the shipping, and what the approval reserved.
  assert.equal(await page.getByTestId('reserved').innerText(), '548.90 kr');
  const details = JSON.parse(await page.getByTestId('details').getByTestId('response-body').innerText());
  assert.equal(details.shippingDetails.shippingMethodId, 'bike');
  assert.equal(details.shippingDetails.shippingCost, 49.9);
  // The reservation includes the shipping: capture all of it.
  assert.equal(await send(page, 'operation'), '200 OK');
  assert.equal(await send(page, 'details'), '200 OK');
  assert.equal(await page.getByTestId('captured').innerText(), '548.90 kr');
});

/** Decodes a PNG file: chunks checked against their CRC-32, IDAT inflated, filters undone. */
function decodePng(file) {
  assert.deepEqual([...file.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes) => {
    let c = 0xffffffff;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  let header;
  const idat = [];
  for (let at = 8; at < file.length;) {
    const length = file.readUInt32BE(at);
    const type = file.toString('latin1', at + 4, at + 8);
    const data = file.subarray(at + 8, at + 8 + length);
    assert.equal(file.readUInt32BE(at + 8 + length), crc(file.subarray(at + 4, at + 8 + length)), `CRC of ${type}`);
    if (type === 'IHDR') {
      header = { width: data.readUInt32BE(0), height: data.readUInt32BE(4), depth: data[8], colour: data[9], interlace: data[12] };
    } else if (type === 'IDAT') {
      idat.push(data);
    }
    at += 12 + length;
    if (type === 'IEND') break;
  }
  assert.deepEqual([header.depth, header.colour, header.interlace], [1, 0, 0], '1-bit grayscale, not interlaced');
  const raw = inflateSync(Buffer.concat(idat)); // also checks the zlib stream's Adler-32
  const stride = Math.ceil(header.width / 8);
  assert.equal(raw.length, (stride + 1) * header.height);
  const rgba = new Uint8ClampedArray(header.width * header.height * 4);
  let previous = Buffer.alloc(stride);
  for (let y = 0; y < header.height; y += 1) {
    const filter = raw[y * (stride + 1)];
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i += 1) {
      const a = i > 0 ? line[i - 1] : 0;
      const b = previous[i];
      const c = i > 0 ? previous[i - 1] : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      line[i] = (line[i] + [0, a, b, (a + b) >> 1, paeth][filter]) & 0xff;
    }
    for (let x = 0; x < header.width; x += 1) {
      const grey = (line[x >> 3] >> (7 - (x & 7))) & 1 ? 255 : 0;
      rgba.fill(grey, (y * header.width + x) * 4, (y * header.width + x) * 4 + 3);
      rgba[(y * header.width + x) * 4 + 3] = 255;
    }
    previous = line;
  }
  return { ...header, rgba };
}

test('the inline QR code downloads as a PNG that decodes to the landing page URL', async () => {
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  await page.getByTestId('new-order-id').click();
  assert.equal(await send(page, 'initiate'), '200 OK');
  const landing = await page.getByTestId('var-landing-url').inputValue();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('qr-download-png').click(),
  ]);
  assert.equal(download.suggestedFilename(), 'landing-page-qr.png');
  const file = await readFile(await download.path());
  const image = decodePng(file);
  assert.equal(image.width, image.height);
  assert.ok(image.width >= 300, `${image.width} px is large enough to scan comfortably`);
  assert.equal(jsQR(image.rgba, image.width, image.height)?.data, landing);
});

test('callbacks the sandbox sent to a loopback merchant are shown for the order, delivered or failed', async () => {
  // A real merchant server on loopback that records what it is sent.
  const received = [];
  const merchant = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, body: JSON.parse(body) });
      res.writeHead(req.url.startsWith('/refuse') ? 501 : 200).end();
    });
  });
  await new Promise((r) => merchant.listen(0, '127.0.0.1', r));
  const { port } = merchant.address();
  try {
    const { page } = shared.browser;
    await page.goto(shared.server.url);

    await page.getByTestId('new-order-id').click();
    await page.getByTestId('initiate-callback').fill(`http://127.0.0.1:${port}/vipps`);
    assert.equal(await send(page, 'initiate'), '200 OK');
    const orderId = await page.getByTestId('var-order-id').inputValue();
    assert.deepEqual(await settledCallbacks(page, 0), []);
    assert.match(await page.getByTestId('callbacks-note').innerText(), new RegExp(`Nothing recorded for ${orderId}`));

    assert.equal(await send(page, 'approve'), '200 OK');
    const [outcome] = await settledCallbacks(page, 1);
    assert.match(outcome, /^delivered: HTTP 200/);
    const item = page.getByTestId('callback');
    assert.equal(await item.getByTestId('callback-status').innerText(), 'RESERVED');
    assert.match(await item.innerText(), new RegExp(`POST /vipps/v2/payments/${orderId}`));
    const shown = JSON.parse(await item.getByTestId('callback-body').textContent());
    assert.equal(shown.orderId, orderId);
    assert.equal(shown.transactionInfo.status, 'RESERVED');
    // It is what the merchant actually received.
    assert.equal(received.length, 1);
    assert.equal(received[0].url, `/vipps/v2/payments/${orderId}`);
    assert.deepEqual(received[0].body, shown);

    // A merchant that is not listening: the attempt is recorded and shown as failed.
    const closed = await freePort();
    await page.getByTestId('new-order-id').click();
    await page.getByTestId('initiate-callback').fill(`http://127.0.0.1:${closed}/gone`);
    assert.equal(await send(page, 'initiate'), '200 OK');
    assert.equal(await send(page, 'approve'), '200 OK');
    const [failed] = await settledCallbacks(page, 1);
    assert.match(failed, /^failed: /);
    assert.equal(await page.getByTestId('callback-status').innerText(), 'RESERVED');

    // A merchant that answers with an error status did not take the callback: not "delivered".
    await page.getByTestId('initiate-callback').fill(`http://127.0.0.1:${port}/refuse`);
    assert.equal(await send(page, 'initiate'), '200 OK');
    assert.equal(await send(page, 'approve'), '200 OK');
    const [refused] = await settledCallbacks(page, 1);
    assert.match(refused, /^refused by the merchant's server: HTTP 501 in \d+ ms\. Vipps sends a callback once and does not retry/);

    // Another environment has no log to read: said so before anything is sent.
    await page.getByTestId('environment').selectOption('mt');
    assert.match(await page.getByTestId('callbacks-blocked').innerText(), /^callbacks are only visible with a sandbox: MT/);
    await page.getByTestId('environment').selectOption('sandbox');

    // Accessibility with the new views on screen: callbacks listed, the shipping editor open.
    await page.getByTestId('new-order-id').click();
    await page.getByTestId('initiate-callback').fill(`http://127.0.0.1:${port}/vipps`);
    assert.equal(await send(page, 'initiate'), '200 OK');
    assert.equal(await send(page, 'approve'), '200 OK');
    await settledCallbacks(page, 1);
    await page.getByTestId('callback').locator('summary').click();
    await page.getByTestId('callback-body').waitFor();
    await page.getByTestId('initiate-kind').selectOption('express');
    await page.getByTestId('shipping-editor').waitFor();
    await addTool(page, 'axe-core', 'axe.min.js');
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      const violations = await page.evaluate(async () => {
        const r = await window.axe.run(document);
        return r.violations
          .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
      });
      assert.deepEqual(violations, [], `${scheme} theme`);
    }
  } finally {
    await new Promise((r) => merchant.close(r));
  }
});

test('a proxy that is not local does not forward /__sim: the panel says callbacks need the local sandbox', async () => {
  // The same binary with a public URL that is not loopback (as when hosted), asked for its
  // per-visitor sandbox: it refuses the sandbox's control surface. Started here because
  // startServer() asks for loopback callbacks, which such a server rightly refuses.
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.env.ECOM_SERVER_BIN ?? join(ROOT, 'target', 'release', 'ecom-proxy'), [
    '--listen', `127.0.0.1:${port}`, '--static-dir', join(ROOT, 'dist'), '--public-url', 'https://playground.example.com',
    '--hosted-sandbox',
  ], { stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const ok = await fetch(`${url}/`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`the server did not answer on ${url}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const { page } = shared.browser;
    await page.goto(url);
    await page.getByTestId('environment').selectOption('sandbox');
    await page.getByTestId('var-order-id').fill('1234561700000000000');
    assert.match(await send(page, 'callbacks'), /^404/);
    assert.match(
      await page.getByTestId('callbacks-note').innerText(),
      /^callbacks are only visible with a sandbox on your own machine: this proxy does not forward the sandbox's \/__sim/,
    );
    assert.equal(await page.getByTestId('callback').count(), 0);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
});

test('the sandbox in this browser also works from the server start.sh runs', async () => {
  // The proxy sends every file a policy; the worker's must let it load its module.
  const { page } = shared.browser;
  await page.goto(shared.server.url);
  await page.getByTestId('environment').selectOption('browser-sandbox');
  await page.getByTestId('new-order-id').click();
  assert.equal(await send(page, 'initiate', 30_000), '200 OK');
  const landing = await page.getByTestId('landing-link').getAttribute('href');
  assert.ok(landing.startsWith(new URL('browser-sandbox/', shared.server.url).href), landing);
  await page.getByTestId('environment').selectOption('sandbox');
});
