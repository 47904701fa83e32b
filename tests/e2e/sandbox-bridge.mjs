// The in-browser sandbox (crates/ecom-sandbox-worker's service worker) on a loopback HTTP port,
// so that anything speaking HTTP (the conformance suite's reqwest client) can test the very
// sandbox visitors run in their browsers.
//
// One node http server on 127.0.0.1 does two jobs:
// - It is a plain static host for a directory holding sandbox-sw.js and its hashed glue and
//   wasm (scripts/build-worker.sh's output, or dist/), plus a fixture page that registers the
//   worker. Headless Chromium opens the fixture and waits until the page is controlled.
// - Every request below <origin>/browser-sandbox/ that reaches the server comes from outside the
//   browser (inside it, the worker answers before the network): the server relays it into the
//   service worker, calling the worker's own `answer` in its queue (`inTurn`) through the
//   DevTools protocol, and writes the worker's Response back as it is. Not through a page
//   fetch: that would follow redirects and hide their status and Location.
// So the URLs the sandbox writes (landing pages, QR images, at <origin>/browser-sandbox) work
// from both sides: a browser tab gets them from the worker, an HTTP client through the relay.
//
// Library: `const bridge = await startBridge(dir)`; `bridge.baseUrl` is the sandbox's base URL;
// `await bridge.stop()`. CLI: `node tests/e2e/sandbox-bridge.mjs [DIR]` (DIR defaults to
// $ECOM_SANDBOX_SW_DIR, then dist/) prints the base URL and serves until interrupted.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, ROOT } from './support.mjs';

/** Where the service worker answers, below the scope (sandbox-sw.js's SANDBOX_URL). */
export const SANDBOX_PATH = '/browser-sandbox';
const FIXTURE_PATH = '/__bridge/fixture.html';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

// Registers the worker at the origin's root and reports when this page is controlled (the
// worker claims its clients on activation, so no reload is needed).
const FIXTURE = `<!doctype html>
<meta charset="utf-8">
<title>sandbox bridge</title>
<script>
  window.controlled = new Promise((resolve, reject) => {
    if (navigator.serviceWorker.controller) return resolve(true);
    navigator.serviceWorker.addEventListener('controllerchange', () => resolve(true));
    navigator.serviceWorker.register('/sandbox-sw.js', { scope: '/' }).catch((e) => reject(String(e)));
  });
</script>`;

/** The directory the CLI and the tests serve: $ECOM_SANDBOX_SW_DIR, else dist/. */
export function workerDir() {
  return process.env.ECOM_SANDBOX_SW_DIR ?? join(ROOT, 'dist');
}

/**
 * Serves `dir` and the fixture on a free loopback port, opens the fixture in headless Chromium,
 * waits until the worker controls it, and relays every outside request below
 * `/browser-sandbox` into the worker. Resolves to `{ origin, baseUrl, stats, stop }`
 * (`stats.relayed` counts relayed requests, `stats.restarts` times the worker was woken again).
 */
export async function startBridge(dir = workerDir()) {
  let browser = null;
  let worker = null;
  const stats = { relayed: 0, restarts: 0 };

  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://bridge').pathname;
    const relay = path === SANDBOX_PATH || path.startsWith(`${SANDBOX_PATH}/`);
    (relay ? relayRequest(req, res) : serveFile(path, res)).catch((e) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`sandbox bridge: ${e.stack ?? e}`);
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const origin = `http://127.0.0.1:${server.address().port}`;

  async function serveFile(path, res) {
    if (path === FIXTURE_PATH) {
      res.writeHead(200, { 'content-type': TYPES['.html'], 'cache-control': 'no-store' });
      return res.end(FIXTURE);
    }
    const file = normalize(join(dir, decodeURIComponent(path)));
    if (!file.startsWith(normalize(dir) + sep)) {
      res.writeHead(403);
      return res.end();
    }
    let bytes;
    try {
      bytes = await readFile(file);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      return res.end(`not found: ${path}`);
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
    res.end(bytes);
  }

  async function relayRequest(req, res) {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const headers = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      // Hop-by-hop and connection headers belong to this hop, not to the request the worker sees.
      if (!/^(host|connection|content-length|transfer-encoding|keep-alive)$/i.test(req.rawHeaders[i])) {
        headers.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
      }
    }
    const request = {
      url: origin + req.url,
      method: req.method,
      headers,
      body: req.method === 'GET' || req.method === 'HEAD' ? null : body.toString('base64'),
    };
    const answer = await inWorker(request);
    stats.relayed += 1;
    res.writeHead(answer.status, answer.headers.flatMap((pair) => pair));
    res.end(Buffer.from(answer.body, 'base64'));
  }

  // Runs one request through the worker's own queue and answer(), and returns the Response as
  // plain data (the DevTools protocol carries JSON only, so bodies travel as base64).
  async function inWorker(request) {
    for (let attempt = 0; ; attempt += 1) {
      const w = await currentWorker();
      try {
        return await w.evaluate(async ({ url, method, headers, body }) => {
          const bytes = body === null ? undefined : Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
          /* global inTurn, answer */
          const response = await inTurn(() => answer(new Request(url, { method, headers, body: bytes }), new URL(url)));
          const data = new Uint8Array(await response.arrayBuffer());
          let binary = '';
          for (let i = 0; i < data.length; i += 0x8000) {
            binary += String.fromCharCode(...data.subarray(i, i + 0x8000));
          }
          return { status: response.status, headers: [...response.headers], body: btoa(binary) };
        }, request);
      } catch (e) {
        // The worker was stopped under us (its target closed): find it again, once.
        if (attempt > 0 || !/closed|destroyed|Target/i.test(String(e))) throw e;
        worker = null;
      }
    }
  }

  // The controlling service worker; wakes it (a message to the active registration) and waits
  // for it when Chromium has stopped it.
  async function currentWorker() {
    if (worker) return worker;
    const found = browser.context.serviceWorkers().find((w) => w.url().endsWith('/sandbox-sw.js'));
    if (found) {
      worker = found;
    } else {
      stats.restarts += 1;
      const started = browser.context.waitForEvent('serviceworker', { timeout: 15_000 });
      await browser.page.evaluate(() => navigator.serviceWorker.ready.then((r) => r.active.postMessage('wake')));
      worker = await started;
    }
    worker.once('close', () => { worker = null; });
    return worker;
  }

  const stop = async () => {
    await browser?.close();
    await new Promise((resolve) => server.close(resolve));
  };

  try {
    browser = await launchBrowser();
    await browser.page.goto(origin + FIXTURE_PATH);
    await browser.page.evaluate(() => window.controlled);
    await currentWorker();
  } catch (e) {
    await stop();
    throw e;
  }
  return { origin, baseUrl: origin + SANDBOX_PATH, stats, stop };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const bridge = await startBridge(process.argv[2] ?? workerDir());
  console.log(`in-browser sandbox at ${bridge.baseUrl}`);
  const quit = async () => {
    await bridge.stop();
    process.exit(0);
  };
  process.on('SIGINT', quit);
  process.on('SIGTERM', quit);
}
