// The release build (dist/) copied under a path prefix of a plain static server, with no project
// binary: `python3 -m http.server` serving a scratch directory whose `playground/` is a copy of
// dist/, opened at /playground/ in headless Chromium. The app must load there (every asset URL
// relative), default to "Sandbox (in this browser)" (the page's server has no proxy), keep a
// user's explicit choice, and never send a request outside its origin.
//
// The copy leaves out the sandbox's service worker (dist/sandbox-sw.js), as a host that
// forgot it would: a request to the sandbox in this browser must then say what is wrong. The
// flows through the worker are tests/e2e/static-host-flows.test.mjs.
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DEMO, ROOT, freePort, launchBrowser, spawnUntilReady, waitForText } from './support.mjs';

const PREFIX = '/playground/';
const BROWSER_SANDBOX = 'Sandbox (in this browser)';

let work;
let server;
let origin;
let browser;
/** Every request the browser made (pages, workers), and every answer of 400 or more. */
const requests = [];
const failures = [];

/** Serves `dir` with Python's static file server on a free loopback port. */
async function startStaticServer(dir) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const python = ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', dir];
  return { url, ...(await spawnUntilReady('python3', python, `${url}${PREFIX}`, { timeout: 10_000 })) };
}

before(async () => {
  await stat(join(ROOT, 'dist', 'index.html')).catch(() => {
    throw new Error('dist/ is missing: run scripts/build.sh first');
  });
  work = await mkdtemp(join(tmpdir(), 'ecom-static-'));
  await cp(join(ROOT, 'dist'), join(work, 'playground'), { recursive: true });
  await stat(join(work, 'playground', 'sandbox-sw.js')).catch(() => {
    throw new Error('dist/sandbox-sw.js is missing: scripts/build.sh builds it');
  });
  await rm(join(work, 'playground', 'sandbox-sw.js'));
  server = await startStaticServer(work);
  origin = server.url;
  browser = await launchBrowser();
  browser.context.on('request', (r) => requests.push(r.url()));
  browser.context.on('response', (r) => { if (r.status() >= 400) failures.push(`${r.status()} ${r.url()}`); });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/**
 * Clicks "Get access token" and returns the status line of its answer, or `error: <message>`
 * when nothing came back.
 */
async function getToken(page, timeout = 30_000) {
  const step = page.getByTestId('step-token');
  await page.getByTestId('send-token').click();
  const answer = step.locator(':is([data-testid=response-status], [data-testid=send-error])').first();
  await answer.waitFor({ timeout });
  const text = (await answer.innerText()).trim();
  return (await answer.getAttribute('data-testid')) === 'send-error' ? `error: ${text}` : text;
}

/** Opens the app under the prefix and waits for the Settings form and the steps. */
async function openApp(page) {
  await page.goto(`${origin}${PREFIX}`);
  await page.getByLabel('client_id').waitFor();
  await page.getByRole('button', { name: 'Get access token' }).waitFor();
}

test('the app loads under a path prefix and defaults to the sandbox in this browser', async () => {
  const { page } = browser;
  await openApp(page);
  // The probe of the page's server fails (a static host has no proxy): the browser sandbox it is.
  await waitForText(page, 'env-badge', BROWSER_SANDBOX);
  assert.equal(await page.getByTestId('environment').inputValue(), 'browser-sandbox');
  const options = await page.getByTestId('environment').locator('option').allInnerTexts();
  assert.equal(options[0], BROWSER_SANDBOX);
  await waitForText(page, 'proxy-status', 'The sandbox in this browser needs no proxy');
  // Its demo credentials are prefilled, as for the local sandbox.
  assert.equal(await page.getByLabel('client_id').inputValue(), DEMO.clientId);
  assert.equal(await page.getByLabel('merchantSerialNumber').inputValue(), DEMO.msn);
  // Its controls came with the side panels' chunk, into the Settings panel.
  await page.getByTestId('settings').getByTestId('reset-sandbox').waitFor();
  // Every asset came from under the prefix: only the probe and the worker script (left out of
  // this copy) may fail.
  const expected = [`${PREFIX}__proxy/info`, `${PREFIX}sandbox-sw.js`];
  const unexpected = failures.filter((f) => !expected.some((path) => f.endsWith(`${origin}${path}`)));
  assert.deepEqual(unexpected, [], 'nothing else failed');
  assert.ok(requests.some((u) => /\/playground\/ecom-playground-[0-9a-f]{16}_bg\.wasm$/.test(u)), requests.join('\n'));
  assert.ok(requests.some((u) => /\/playground\/(split|chunk)_[^/]*\.wasm$/.test(u)), 'the lazy chunks loaded from the prefix');
});

test('a step link is a shareable URL under the prefix', async () => {
  const { page } = browser;
  await openApp(page);
  await page.getByTestId('copy-link-token').click();
  const link = await page.getByTestId('copied-link').locator('code').innerText();
  assert.ok(link.startsWith(`${origin}${PREFIX}#/`), link);
});

test('an explicit choice of environment is kept', async () => {
  const { page } = browser;
  await openApp(page);
  await page.getByTestId('environment').selectOption('sandbox');
  await page.reload();
  await page.getByLabel('client_id').waitFor();
  await waitForText(page, 'proxy-status', 'could not');
  assert.equal(await page.getByTestId('env-badge').innerText(), 'Local sandbox');
  await page.getByTestId('environment').selectOption('browser-sandbox');
  assert.equal(await page.getByTestId('env-badge').innerText(), BROWSER_SANDBOX);
});

test('without its worker, a request says what is wrong instead of reaching the server', async () => {
  const { page } = browser;
  await openApp(page);
  await waitForText(page, 'env-badge', BROWSER_SANDBOX);
  const before = requests.length;
  const result = await getToken(page);
  assert.match(result, /^error: .*the sandbox in this browser is not available/);
  assert.ok(!requests.slice(before).some((u) => u.includes('/browser-sandbox/')),
    'nothing was sent to the sandbox path while no worker controls the page');
});

test('no request left the origin', () => {
  const outside = requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:'));
  assert.deepEqual(outside, []);
});
