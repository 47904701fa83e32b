// End-to-end: the example documentation page (docs/example/quick-start.html), served from its
// own origin as a documentation site would serve it: every quick-start section links to its
// step in the playground, and one flow is embedded in an iframe, which the playground's server
// allows only for the origins given with --frame-ancestors (issue 12, embedded in docs).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { ROOT, freePort, launchBrowser, send, startServer } from './support.mjs';

let docs;
let playground;
let browser;

/** Serves the example page on its own loopback origin, pointed at `playgroundUrl`. */
async function serveDocs(playgroundUrl) {
  const port = await freePort();
  const html = (await readFile(join(ROOT, 'docs', 'example', 'quick-start.html'), 'utf8'))
    .replaceAll('https://play.example.com', playgroundUrl);
  const server = createServer((req, res) => res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html));
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) };
}

before(async () => {
  // The docs' origin must be known before the playground starts: serve on a fixed free port.
  const docsPort = await freePort();
  playground = await startServer(['--frame-ancestors', `http://127.0.0.1:${docsPort}`]);
  const port = docsPort;
  const html = (await readFile(join(ROOT, 'docs', 'example', 'quick-start.html'), 'utf8'))
    .replaceAll('https://play.example.com', playground.url);
  const server = createServer((req, res) => res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html));
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  docs = { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) };
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await docs?.close();
  await playground?.stop();
});

test('every section of the quick start links to its step, and each link opens there', async () => {
  const { page, context } = browser;
  await page.goto(docs.url);
  const links = await page.locator('a[data-testid^="doc-link-"]').evaluateAll((as) => as.map((a) => a.href));
  assert.equal(links.length, 11);
  for (const href of links) {
    assert.ok(href.startsWith(`${playground.url}/#/`), href);
  }
  const tab = await context.newPage();
  for (const [testid, section, kind] of [
    ['doc-link-regular', 'step-initiate-title', 'regular'],
    ['doc-link-express', 'step-initiate-title', 'express'],
    ['doc-link-refund', 'step-ops-title', 'regular'],
    ['doc-link-userinfo-step', 'step-userinfo-title', 'profile'],
  ]) {
    const href = await page.getByTestId(testid).getAttribute('href');
    await tab.goto(href);
    await tab.getByTestId('initiate-send').waitFor();
    assert.equal(await tab.getByTestId('initiate-kind').inputValue(), kind, testid);
    await tab.waitForFunction((id) => document.getElementById(id)?.getBoundingClientRect().top < window.innerHeight, section);
  }
  await tab.goto(await page.getByTestId('doc-link-regular').getAttribute('href'));
  await tab.getByTestId('initiate-send').waitFor();
  assert.equal(await tab.getByTestId('initiate-text').inputValue(), 'One pair of socks');
  await tab.close();
});

test('the embedded flow runs inside the documentation page, compactly', async () => {
  const { page } = browser;
  await page.goto(docs.url);
  const frame = page.frameLocator('[data-testid="embedded-playground"]');
  await frame.getByTestId('flow-guide').waitFor({ timeout: 15_000 });
  // Embed mode: the flow alone, no header or side panels.
  assert.equal(await frame.locator('header.top').isVisible(), false);
  assert.equal(await frame.getByTestId('settings').isVisible(), false);
  assert.equal(await frame.getByTestId('flow-regular').getAttribute('aria-current'), 'true');
  // It works: a payment is initiated in the frame.
  const inner = page.frames().find((f) => f.url().startsWith(playground.url));
  assert.equal(await send(inner, 'initiate'), '200 OK');
});

test('a page on an origin not given with --frame-ancestors cannot embed the playground', async () => {
  const { page } = browser;
  const other = await serveDocs(playground.url);
  try {
    const refused = page.waitForEvent('console', { predicate: (m) => /frame-ancestors|Refused to (frame|display)/.test(m.text()), timeout: 15_000 });
    await page.goto(other.url);
    assert.match((await refused).text(), /frame-ancestors|Refused to (frame|display)/);
    const inner = page.frames().find((f) => f !== page.mainFrame());
    const rendered = await inner.evaluate(() => document.querySelector('[data-testid="flow-guide"]') !== null).catch(() => false);
    assert.equal(rendered, false, 'a foreign origin could embed the playground');
  } finally {
    await other.close();
  }
});
