// Helpers for the tests and benchmarks of the playground on a plain static file host: the release
// build (dist/, or $ECOM_DIST) copied under a path prefix of a scratch directory and served by
// Python's http.server, with no project binary running, opened in headless Chromium with a
// fresh profile and no proxy, so that everything the app does must happen on that one origin
// (the API in the sandbox's service worker).
import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, freePort, launchBrowser } from './support.mjs';

/** Where the app is served on the static host. */
export const PREFIX = '/playground/';
/** The environment's name in the app. */
export const BROWSER_SANDBOX = 'Sandbox (in this browser)';
/** The build to serve. */
export const DIST = process.env.ECOM_DIST ?? join(ROOT, 'dist');

/**
 * Copies `dist` to `<scratch>/playground/` and serves the scratch directory with
 * `python3 -m http.server` on a free loopback port; resolves once it serves the app.
 * `served` collects the path of every request the server answered (from its log), so a test
 * can tell what reached the host rather than the worker. `stop()` also deletes the copy.
 */
export async function startStaticHost(dist = DIST) {
  await stat(join(dist, 'index.html')).catch(() => {
    throw new Error(`${dist}/index.html is missing: run scripts/build.sh first (or set ECOM_DIST)`);
  });
  await stat(join(dist, 'sandbox-sw.js')).catch(() => {
    throw new Error(`${dist}/sandbox-sw.js is missing: run scripts/build-worker.sh ${dist}`);
  });
  const work = await mkdtemp(join(tmpdir(), 'ecom-static-host-'));
  await cp(dist, join(work, 'playground'), { recursive: true });
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const child = spawn('python3', ['-u', '-m', 'http.server', '--bind', '127.0.0.1', String(port), '--directory', work], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs = [];
  const served = [];
  const onLog = (d) => {
    const text = d.toString();
    logs.push(text);
    for (const [, path] of text.matchAll(/"[A-Z]+ (\S+) HTTP\/[\d.]+"/g)) served.push(path);
  };
  child.stdout.on('data', onLog);
  child.stderr.on('data', onLog);
  let exited = null;
  child.on('exit', (code) => { exited = code; });
  const stop = async () => {
    if (exited === null) {
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await done;
    }
    await rm(work, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (exited !== null) throw new Error(`python3 -m http.server exited with ${exited}:\n${logs.join('')}`);
    try {
      if ((await fetch(`${origin}${PREFIX}`)).ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`python3 -m http.server did not answer on ${origin} within 10 s:\n${logs.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  served.length = 0; // the readiness probe is not the browser's
  return { origin, url: `${origin}${PREFIX}`, served, logs, stop };
}

/**
 * Launches headless Chromium as support.mjs does (fresh profile, the same flags) with no proxy:
 * the proxy variables of this process are not passed on. `requests` collects every request
 * the browser made, from pages and workers, as `{ url, fromServiceWorker }` once answered.
 */
export async function launchOfflineBrowser() {
  for (const name of ['http_proxy', 'https_proxy', 'all_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY']) {
    delete process.env[name];
  }
  const browser = await launchBrowser();
  const requests = [];
  browser.context.on('request', (r) => requests.push({ url: r.url(), method: r.method(), status: null, fromServiceWorker: false }));
  browser.context.on('response', (r) => {
    const seen = requests.findLast((q) => q.url === r.url() && q.status === null);
    if (seen) Object.assign(seen, { status: r.status(), fromServiceWorker: r.fromServiceWorker() });
  });
  return { ...browser, requests };
}

