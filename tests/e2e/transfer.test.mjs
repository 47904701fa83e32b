// Byte budgets of the release build as Chromium downloads it from our own server with brotli,
// on a phone-like network (which only spaces the moments apart; the bytes do not depend on it):
// - at most 120 KB transferred before the first usable form (the filled Settings form);
// - at most 250 KB for everything the quick start needs (the steps' and side panels' chunks
//   loaded, the token step's Send enabled; not the error explanations, which come with the
//   first error response): the goal, not met yet (a `todo` test below reports it). About
//   280 KB: the app as one module is about 250 KB (explanations included), and splitting it
//   adds about 40 KB, because code the chunks share cannot be optimised across modules. The
//   split pays for itself in time (on a phone network Settings and the token step come sooner
//   than unsplit, bench/compare.mjs); until the goal is met a ceiling of 284 KB keeps it from
//   growing;
// - a repeat visit transfers only the revalidated page: every hashed file comes from the cache.
// Bytes are Resource Timing's transferSize (encoded body + 300 bytes of headers per response).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT, launchBrowser, launchHeadless, splitPart, startServer } from './support.mjs';
import { PHONE_NETWORK, PLAYGROUND_MOMENTS, coldLoad } from './load-metrics.mjs';

const KB = 1024;
const FIRST_FORM_BUDGET = 120 * KB;
const EVERYTHING_GOAL = 250 * KB;
const EVERYTHING_CEILING = 284 * KB;

let server;
let browser;
let cold;

before(async () => {
  server = await startServer();
  browser = await launchHeadless();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const table = (resources) => resources
  .map((r) => `  ${new URL(r.name).pathname.padEnd(56)} ${String(r.transferSize).padStart(8)} (body ${r.encodedBodySize} of ${r.decodedBodySize})`)
  .join('\n');

test('a cold load stays within the transferred-byte budgets, with the brotli copies', async () => {
  cold = await coldLoad(browser, server.url, PLAYGROUND_MOMENTS, { network: PHONE_NETWORK });
  const { firstForm, everything } = cold;
  console.log(`first usable form: ${(firstForm.bytes / KB).toFixed(1)} KB transferred\n${table(firstForm.resources)}`);
  console.log(`everything the quick start needs: ${(everything.bytes / KB).toFixed(1)} KB transferred\n${table(everything.resources)}`);
  assert.ok(firstForm.bytes <= FIRST_FORM_BUDGET,
    `${firstForm.bytes} bytes before the first usable form, budget ${FIRST_FORM_BUDGET}:\n${table(firstForm.resources)}`);
  assert.ok(everything.bytes <= EVERYTHING_CEILING,
    `${everything.bytes} bytes for the quick start, ceiling ${EVERYTHING_CEILING}:\n${table(everything.resources)}`);
  // Every file of the app came as its brotli copy (the API calls are the proxy's, not files).
  for (const r of everything.resources) {
    const path = new URL(r.name).pathname;
    if (!/\.(js|wasm|css|html)$|^\/$/.test(path)) continue;
    const file = path === '/' ? 'index.html' : path.slice(1);
    const br = await readFile(join(ROOT, 'dist', `${file}.br`));
    assert.equal(r.encodedBodySize, br.length, `${path} was sent as dist/${file}.br`);
  }
  const wasm = everything.resources.filter((r) => r.name.endsWith('.wasm'));
  assert.ok(wasm.length >= 2, 'the main module and at least one chunk were loaded');
  assert.ok(!wasm.some((r) => splitPart(r.name) === 'explanations'), 'no error, no explanations');
});

test('the parts load one after another: the token step first, then the later steps and the side panels', async () => {
  const b = await launchBrowser();
  try {
    const { page } = b;
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', PHONE_NETWORK);
    await page.goto(server.url, { waitUntil: 'commit' });
    // In the frame the token step can be sent, the later steps are still on their way: they are
    // requested only once the token step is on the page, a round trip away at least.
    const atSteps = await page.waitForFunction(() => {
      const send = document.querySelector('[data-testid=send-token]');
      if (!send || send.disabled) return null;
      return {
        loadingNext: document.querySelector('.steps')?.textContent.includes('Loading the next steps…'),
        initiate: !!document.querySelector('[data-testid=step-initiate]'),
        vars: !!document.querySelector('[data-testid=vars]'),
      };
    }, null, { polling: 'raf', timeout: 30_000 });
    assert.deepEqual(await atSteps.jsonValue(), { loadingNext: true, initiate: false, vars: false });
    // The side panels come after the later steps, never before them.
    const atPanels = await page.waitForFunction(() => document.querySelector('[data-testid=vars]')
      && { initiate: !!document.querySelector('[data-testid=step-initiate]') }, null, { polling: 'raf', timeout: 30_000 });
    assert.deepEqual(await atPanels.jsonValue(), { initiate: true });
    await page.getByTestId('history').waitFor();
    const chunks = (await page.evaluate(() => performance.getEntriesByType('resource')
      .map((e) => ({ url: e.name, start: e.startTime, end: e.responseEnd }))))
      .map((e) => ({ part: splitPart(e.url), start: e.start, end: e.end }))
      .filter((e) => e.part);
    const part = (name) => chunks.find((c) => c.part === name) ?? assert.fail(`no ${name} chunk in ${JSON.stringify(chunks)}`);
    const [first, later] = ['quick_start', 'later'].map(part);
    assert.ok(later.start >= first.end, `the later chunk was requested after the token step's arrived: ${JSON.stringify(chunks)}`);
  } finally {
    await b.close();
  }
});

test('everything the quick start needs is at most 250 KB', { todo: 'about 280 KB: 250 KB as one module, and the split adds about 40 KB' }, () => {
  assert.ok(cold, 'the cold load ran');
  assert.ok(cold.everything.bytes <= EVERYTHING_GOAL, `${cold.everything.bytes} bytes, goal ${EVERYTHING_GOAL}`);
});

test('a repeat visit revalidates the page and takes every hashed file from the cache', async () => {
  const b = await launchBrowser();
  try {
    const { page } = b;
    const statuses = [];
    page.on('response', (r) => statuses.push([new URL(r.url()).pathname, r.status(), r.headers()['cache-control']]));
    await page.goto(server.url);
    await page.getByTestId('send-token').waitFor();
    await page.getByTestId('history').waitFor();
    await page.waitForLoadState('networkidle');
    statuses.length = 0;
    await page.goto(server.url);
    await page.getByTestId('send-token').waitFor();
    await page.getByTestId('history').waitFor();
    const repeat = await page.evaluate(() => {
      const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
      return entries.map((e) => ({ name: e.name, transferSize: e.transferSize, encodedBodySize: e.encodedBodySize, decodedBodySize: e.decodedBodySize }));
    });
    const files = repeat.filter((r) => /\.(js|wasm|css)$/.test(new URL(r.name).pathname));
    const bytes = repeat.reduce((sum, r) => sum + r.transferSize, 0);
    console.log(`repeat visit: ${bytes} bytes transferred\n${table(repeat)}`);
    assert.ok(files.length >= 4, table(repeat));
    for (const r of files) assert.equal(r.transferSize, 0, `${r.name} came from the cache`);
    // The page was revalidated: a 304, its headers only (Resource Timing counts them as 300).
    const nav = repeat[0];
    assert.equal(new URL(nav.name).pathname, '/');
    assert.ok(nav.transferSize > 0 && nav.transferSize < nav.encodedBodySize + 300, `the page's body came from the cache after a 304: ${JSON.stringify(nav)}`);
    assert.equal(statuses.find(([path]) => path === '/')?.[2], 'no-cache');
    assert.ok(bytes < 2 * KB, `a repeat visit transfers the page's 304 and the API calls only: ${bytes} bytes`);
  } finally {
    await b.close();
  }
});
