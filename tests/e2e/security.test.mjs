// End-to-end: the security headers of the real release build, as Chromium enforces them. The
// app and the sandbox's pages run under their Content Security Policies without a single
// violation through a whole express payment (token, initiate, landing page, the wait page's
// poll, the simulated app, the redirect to fallBack); every kind of response carries the
// headers; and the playground can be framed only by itself, or by the sites named with
// --frame-ancestors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import {
  freePort, launchBrowser, payInExpressApp, send, sharedServerAndBrowser, startServer, waitForText,
} from './support.mjs';

const shared = sharedServerAndBrowser();

/**
 * Collects every CSP violation in every page of `context`: the `securitypolicyviolation` event
 * (reported through a binding, which the page's own policy cannot block) and any console
 * message about a Content Security Policy.
 */
async function watchViolations(context) {
  const violations = [];
  await context.exposeBinding('__reportCspViolation', (_source, text) => violations.push(text));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__reportCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} in ${e.documentURI}`);
    });
  });
  const onPage = (page) => {
    page.on('console', (msg) => {
      if (/content security policy|refused to (load|execute|apply|connect|frame|send form)/i.test(msg.text())) {
        violations.push(`console: ${msg.text()}`);
      }
    });
  };
  context.pages().forEach(onPage);
  context.on('page', onPage);
  return violations;
}

test('a whole express payment runs without a single CSP violation', async () => {
  const { page, context } = shared.browser;
  const violations = await watchViolations(context);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await page.goto(shared.server.url);
  await page.getByTestId('send-token').click();
  await waitForText(page, 'response-status', '200');
  await page.getByTestId('initiate-kind').selectOption('express');
  await page.getByTestId('new-order-id').click();
  await page.getByTestId('initiate-fallback').fill(`${shared.server.url}/?paid`);
  assert.equal(await send(page, 'initiate'), '200 OK');
  // The inline QR code and its PNG download (a data: URL) are drawn.
  assert.equal(await page.getByTestId('inline-qr').locator('svg').count(), 1);
  assert.match(await page.getByTestId('qr-download-png').getAttribute('href'), /^data:image\/png;base64,/);

  // Landing page → wait page (its poll script runs) → the simulated app → back to fallBack,
  // which is the playground again.
  const popup = context.waitForEvent('page');
  await page.getByTestId('landing-link').click();
  const tab = await popup;
  await tab.getByTestId('next-button').click();
  await tab.getByTestId('open-app-link').waitFor();
  // The wait page's poll script runs under its nonce: it fetches the wait URL itself.
  await tab.waitForRequest((r) => r.url().includes('/wait?token=') && r.resourceType() === 'fetch', { timeout: 10_000 });
  const appTab = context.waitForEvent('page', { timeout: 1500 }).catch(() => null);
  await tab.getByTestId('open-app-link').click();
  const app = (await appTab) ?? tab;
  await app.getByTestId('consent-button').click();
  await app.getByTestId('address-button').click();
  await payInExpressApp({ tab, app }, `${shared.server.url}/?paid`);
  assert.equal(await send(page, 'details'), '200 OK');
  assert.match(await page.getByTestId('payment-state').innerText(), /Reserved/);
  // A reload revalidates index.html (304): the app still starts under the same policy.
  await page.reload();
  await page.getByTestId('env-badge').waitFor();

  assert.deepEqual(violations, [], `CSP violations:\n${violations.join('\n')}`);
  assert.deepEqual(errors, []);
});

test('every kind of response carries the security headers', async () => {
  const base = shared.server.url;
  const responses = {
    app: await fetch(`${base}/`),
    info: await fetch(`${base}/__proxy/info`),
    sandboxPage: await fetch(`${base}/sandbox/`),
    proxyError: await fetch(`${base}/no-such-upstream/x`),
  };
  for (const [what, res] of Object.entries(responses)) {
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', what);
    // The sandbox's pages keep referrers within their origin: under no-referrer Chromium sends
    // `Origin: null` with their form posts, which the proxy refuses.
    assert.equal(res.headers.get('referrer-policy'), what === 'sandboxPage' ? 'same-origin' : 'no-referrer', what);
    assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN', what);
    assert.match(res.headers.get('content-security-policy'), /; frame-ancestors 'self'$/, what);
  }
  assert.match(responses.app.headers.get('content-security-policy'), /script-src 'self' 'wasm-unsafe-eval' 'sha256-[A-Za-z0-9+/=]+'/);
  assert.match(responses.sandboxPage.headers.get('content-security-policy'), /style-src 'nonce-[0-9a-f]+'/);
  assert.equal(responses.proxyError.headers.get('x-playground-proxy-error'), 'unknown_upstream');
});

/** Serves, on 127.0.0.1:`port` (another loopback origin), a page that frames `target`. */
async function embedder(port, target) {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><title>docs</title><iframe id="playground" src="${target}/" width="800" height="600"></iframe>`);
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const stop = () => new Promise((resolve) => {
    server.close(resolve);
    server.closeAllConnections();
  });
  return { url: `http://127.0.0.1:${port}`, stop };
}

/** True once the framed playground rendered, false if Chromium refused to frame it. */
async function framedAppRenders(page, url) {
  await page.goto(url);
  const frame = await (await page.locator('#playground').elementHandle()).contentFrame();
  try {
    await frame.getByTestId('env-badge').waitFor({ timeout: 10_000 });
    return true;
  } catch {
    // A refused frame holds Chromium's error page, with none of the app in it.
    return false;
  }
}

test('another origin may frame the playground only when --frame-ancestors names it', async () => {
  const { page } = shared.browser;
  const docs = await embedder(await freePort(), shared.server.url);
  try {
    assert.equal(await framedAppRenders(page, docs.url), false, 'framed by an origin that is not allowed');
  } finally {
    await docs.stop();
  }

  const port = await freePort();
  const server = await startServer(['--frame-ancestors', `http://127.0.0.1:${port}`]);
  const browser = await launchBrowser();
  const allowed = await embedder(port, server.url);
  try {
    const res = await fetch(`${server.url}/`);
    assert.equal(res.headers.get('x-frame-options'), null, 'X-Frame-Options cannot list origins');
    assert.match(res.headers.get('content-security-policy'), new RegExp(`frame-ancestors 'self' http://127\\.0\\.0\\.1:${port}$`));
    assert.equal(await framedAppRenders(browser.page, allowed.url), true, 'framed by the configured origin');
  } finally {
    await allowed.stop();
    await browser.close();
    await server.stop();
  }
});
