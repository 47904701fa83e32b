// Helpers for the end-to-end tests: start the real release server (app + proxy + sandbox on one
// origin, exactly what ./scripts/start.sh runs) on a free loopback port, and launch Debian's
// Chromium headless with a fresh profile.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The server binary: ECOM_SERVER_BIN, or the release build in the default target dir. */
export const SERVER_BIN = process.env.ECOM_SERVER_BIN ?? join(ROOT, 'target', 'release', 'ecom-proxy');

/** The sandbox's demo credentials (crates/ecom-core/src/demo.rs). */
export const DEMO = {
  clientId: '5f0c2c0e-8a5b-4bd4-9d43-0c5e3b1d7a01',
  clientSecret: 'sandbox-demo-secret-do-not-use-in-mt',
  subscriptionKey: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
  msn: '123456',
  mobile: '91234567',
};

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Runs `command` with `args` and resolves once `readyUrl` answers with a 2xx status, within
 * `timeout` ms. Returns what it printed (`logs`, growing) and `stop()` (SIGTERM, then waits).
 */
export async function spawnUntilReady(command, args, readyUrl, { env = process.env, timeout = 20_000 } = {}) {
  const logs = [];
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  child.stdout.on('data', (d) => logs.push(d.toString()));
  child.stderr.on('data', (d) => logs.push(d.toString()));
  let exited = null;
  child.on('exit', (code) => { exited = code; });
  const deadline = Date.now() + timeout;
  for (;;) {
    if (exited !== null) throw new Error(`${command} exited with ${exited}:\n${logs.join('')}`);
    try {
      const res = await fetch(readyUrl);
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`${command} did not answer on ${readyUrl} within ${timeout / 1000} s:\n${logs.join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const stop = async () => {
    if (exited !== null) return;
    const done = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await done;
  };
  return { logs, stop };
}

/**
 * Starts the server binary on a free loopback port with `args` after `--listen`; resolves once
 * it answers `/`. `logs` collects everything it prints; `env` adds environment variables.
 */
export async function spawnServer(args, env = {}) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { logs, stop } = await spawnUntilReady(SERVER_BIN, ['--listen', `127.0.0.1:${port}`, ...args], `${url}/`, {
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'info', ...env },
  });
  return { url, logs, stop };
}

/**
 * Starts the server as ./scripts/start.sh does (the release build in dist/, loopback callbacks
 * allowed); resolves once it serves the app. `env` adds environment variables (secrets such as
 * ECOM_PROXY_TOKEN go there, not in args).
 */
export async function startServer(extraArgs = [], env = {}) {
  return spawnServer(['--static-dir', join(ROOT, 'dist'), '--sandbox-allow-loopback-callbacks', ...extraArgs], env);
}

/** Debian's Chromium, or the one the CHROMIUM environment variable names. */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/**
 * The flags every Chromium of the tests and benchmarks starts with (Playwright adds
 * `--headless`): without the background-networking ones it keeps reaching for Google's hosts.
 */
export const CHROMIUM_FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run',
];

/** Launches headless Chromium with a fresh profile; `close()` also deletes the profile. */
export async function launchBrowser() {
  const profile = await mkdtemp(join(tmpdir(), 'ecom-e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const close = async () => {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  };
  return { context, page, close };
}

/**
 * Launches headless Chromium for cold loads: each context it opens starts with an empty
 * profile and cache.
 */
export function launchHeadless() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
}

/**
 * The split point whose chunk a URL is (`split_<name>-<content hash>.wasm`, as scripts/build.sh
 * names them), or null for any other URL.
 */
export function splitPart(url) {
  return new URL(url).pathname.match(/\/split_([a-z_]+)-[0-9a-f]{16}\.wasm$/)?.[1] ?? null;
}

/**
 * Loads a test tool (axe-core, jsQR) from node_modules into the page. Not as a <script> tag:
 * the app's Content Security Policy rightly blocks inline scripts it does not know; code the
 * test evaluates through the DevTools protocol is not subject to it.
 */
export async function addTool(page, ...path) {
  const source = await readFile(join(ROOT, 'node_modules', ...path), 'utf8');
  await page.evaluate(`${source}\n;undefined`);
}

/** Waits until the element with this test id contains `text`, and returns its text. */
export async function waitForText(page, testId, text, timeout = 10_000) {
  const locator = page.getByTestId(testId).filter({ hasText: text });
  await locator.first().waitFor({ timeout });
  return locator.first().innerText();
}

/**
 * Clicks the Send button of the panel with this test id and waits for the answer to that
 * click: Leptos updates a shown response in place, so the response (or the "not sent" error)
 * carries a `data-seq` that grows with every answer the panel receives, and this waits for it
 * to change. Returns the status line (`200 OK`), or `error: <message>` when nothing was sent
 * or the proxy could not be reached.
 */
export async function send(page, testid, timeout = 15_000) {
  const answer = `[data-testid="${testid}"] :is([data-testid=response], [data-testid=send-error])`;
  const before = await page.evaluate((sel) => document.querySelector(sel)?.getAttribute('data-seq') ?? null, answer);
  await page.getByTestId(`${testid}-send`).click();
  await page.waitForFunction(([sel, id, prev]) => {
    const el = document.querySelector(sel);
    const button = document.querySelector(`[data-testid="${id}-send"]`);
    return el !== null && el.getAttribute('data-seq') !== prev && !button.disabled;
  }, [answer, testid, before], { timeout });
  const el = page.locator(answer).first();
  if ((await el.getAttribute('data-testid')) === 'send-error') return `error: ${await el.innerText()}`;
  return (await el.getByTestId('response-status').innerText()).trim();
}

/**
 * One server and one browser for all the tests of a file: started before the first test and
 * stopped after the last. Returns an object whose `server` and `browser` are set by then.
 */
export function sharedServerAndBrowser() {
  const shared = { server: null, browser: null };
  before(async () => {
    shared.server = await startServer();
    shared.browser = await launchBrowser();
  });
  after(async () => {
    await shared.browser?.close();
    await shared.server?.stop();
  });
  return shared;
}

/**
 * Opens the landing page from the Approve step (a new tab) and goes on to the sandbox's app
 * pages (a second tab or the same one), as the user clicks it. Returns the tabs.
 */
export async function openVippsApp(page, context) {
  const popup = context.waitForEvent('page');
  await page.getByTestId('landing-link').click();
  const tab = await popup;
  await tab.getByTestId('next-button').click();
  const appTab = context.waitForEvent('page', { timeout: 1500 }).catch(() => null);
  await tab.getByTestId('open-app-link').click();
  return { tab, app: (await appTab) ?? tab };
}

/**
 * Express checkout as the user clicks it: opens the app pages (openVippsApp), gives consent
 * and the address. Returns the tabs, with the app at its shipping choice.
 */
export async function openExpressApp(page, context) {
  const { tab, app } = await openVippsApp(page, context);
  await app.getByTestId('consent-button').click();
  await app.getByTestId('address-button').click();
  return { tab, app };
}

/** Confirms the shipping choice and pays in the app, waits for `fallBack`, closes the tabs. */
export async function payInExpressApp({ tab, app }, fallback) {
  await app.getByTestId('shipping-button').click();
  await app.getByTestId('pay-button').click();
  await app.waitForURL(fallback);
  if (app !== tab) await tab.close();
  await app.close();
}
