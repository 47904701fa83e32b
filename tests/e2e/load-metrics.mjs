// One cold page load in Chromium, measured from inside the page: when named moments happen
// ("the first form is usable", "the steps are ready") and how many bytes had been transferred
// by then (Resource Timing's transferSize of the page and of every finished resource: the
// encoded body plus Chromium's fixed 300 bytes for headers; 0 for a cache hit). Used by
// tests/e2e/transfer.test.mjs (byte budgets) and bench/compare.mjs (times).
//
// A watcher installed before the page's own scripts checks the moments' predicates on every DOM
// mutation and animation frame, and records the time and the bytes in the same turn the
// predicate first holds, so a resource that finishes later cannot be counted early.
import { spawnServer } from './support.mjs';

/** 1.6 Mbit/s down, 750 kbit/s up, 150 ms round trip: a slow phone network (bytes per second). */
export const PHONE_NETWORK = {
  offline: false,
  latency: 150,
  downloadThroughput: 1_600_000 / 8,
  uploadThroughput: 750_000 / 8,
};

/** The playground's moments: the filled Settings form; the token step's Send enabled; and
 * everything the quick start needs (the steps and the side panels rendered from their chunks). */
export const PLAYGROUND_MOMENTS = {
  firstForm: `() => {
    const id = document.querySelector('#field-client_id');
    return !!id && !id.disabled && id.value.length > 0;
  }`,
  steps: `() => {
    const send = document.querySelector('[data-testid=send-token]');
    return !!send && !send.disabled;
  }`,
  everything: `() => {
    const send = document.querySelector('[data-testid=send-token]');
    return !!send && !send.disabled && !!document.querySelector('[data-testid=vars]')
      && !!document.querySelector('[data-testid=history]');
  }`,
};

function watcher(moments) {
  const marks = {};
  window.__loadMarks = marks;
  const transferred = () => {
    const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
    return {
      bytes: entries.reduce((sum, e) => sum + e.transferSize, 0),
      resources: entries.map((e) => ({
        name: e.name, transferSize: e.transferSize, encodedBodySize: e.encodedBodySize, decodedBodySize: e.decodedBodySize,
      })),
    };
  };
  const check = () => {
    for (const [name, holds] of Object.entries(moments)) {
      if (marks[name]) continue;
      try {
        if (holds()) marks[name] = { ms: performance.now(), ...transferred() };
      } catch { /* not yet */ }
    }
    if (Object.keys(marks).length < Object.keys(moments).length) requestAnimationFrame(check);
    else observer.disconnect();
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { childList: true, subtree: true, attributes: true, characterData: true });
  requestAnimationFrame(check);
}

/**
 * Loads `url` once in a fresh context of `browser` (cold cache) under the given network and CPU
 * throttling, waits for every moment and returns `{ [moment]: { ms, bytes, resources } }`.
 * `moments` maps names to predicate source (`() => boolean`) evaluated in the page.
 */
export async function coldLoad(browser, url, moments, { network = null, cpu = 1, timeout = 60_000 } = {}) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const source = `{${Object.entries(moments).map(([k, v]) => `${JSON.stringify(k)}: ${v}`).join(',')}}`;
    await page.addInitScript({ content: `(${watcher})(${source});` });
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    if (network) await cdp.send('Network.emulateNetworkConditions', network);
    if (cpu !== 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: cpu });
    await page.goto(url, { waitUntil: 'commit' });
    const names = Object.keys(moments);
    await page.waitForFunction((n) => n.every((name) => window.__loadMarks?.[name]), names, { timeout, polling: 100 });
    return await page.evaluate(() => window.__loadMarks);
  } finally {
    await context.close();
  }
}

/** The median of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Starts the release server like support.mjs's startServer, but serving `dir` (another build of
 * the app, or another site) instead of dist/. Resolves once it answers; `stop()` ends it.
 */
export async function startServerFor(dir, extraArgs = []) {
  return spawnServer(['--static-dir', dir, ...extraArgs], { RUST_LOG: process.env.RUST_LOG ?? 'warn' });
}
