// The two sandboxes side by side: the one in the visitor's browser (the release build on a plain
// static host, python3 -m http.server with the app under /playground/, answered by the
// service worker) and the server's (target/release/ecom-proxy --static-dir dist on loopback,
// /sandbox/…), both called from a page of the playground in headless Chromium, so both include
// the browser's fetch.
//
// Prints, for each host:
// - first answer: from the first navigation of a fresh profile to the sandbox's first answer
//   (the access token), with the app registering the worker as it does for a visitor; the
//   median of COLD runs (default 5), each in a new browser;
// - initiate: one POST /ecomm/v2/payments, median of 20;
// - quick start: token, initiate, force approve (/ecomm/v2/integration-test/…/approve),
//   capture, details, median of 10.
// The request bodies and headers are the ones the app shows in its previews (and sends). The
// proxy's own rate limit is off (the worker has none); the sandbox's simulated limits are on in both.
//
// Usage: ECOM_SERVER_BIN=<target>/release/ecom-proxy [ECOM_DIST=dist] node bench/sandbox-hosts.mjs [COLD]
import { DEMO, spawnServer } from '../tests/e2e/support.mjs';
import { median } from '../tests/e2e/load-metrics.mjs';
import { DIST, launchOfflineBrowser, startStaticHost } from '../tests/e2e/static-host-support.mjs';

const COLD = Number(process.argv[2] ?? 5);
const INITIATES = 20;
const FLOWS = 10;

/** Waits until `page` has a token from the sandbox at `base`; returns ms since its navigation. */
function firstAnswer(page, base) {
  return page.evaluate(async ({ base, demo }) => {
    if (base.includes('/browser-sandbox')) {
      // The app registers the worker once its side panels load; requests wait until it controls the page.
      while (!navigator.serviceWorker.controller) await new Promise((r) => setTimeout(r, 5));
    }
    const r = await fetch(`${base}/accesstoken/get`, {
      method: 'POST',
      headers: { client_id: demo.clientId, client_secret: demo.clientSecret, 'Ocp-Apim-Subscription-Key': demo.subscriptionKey, 'Merchant-Serial-Number': demo.msn },
    });
    if (!r.ok) throw new Error(`token: ${r.status} ${await r.text()}`);
    await r.json();
    return performance.now();
  }, { base, demo: DEMO });
}

/** What the app sends: its initiate, force approve and capture previews, after one initiate in the UI. */
async function appRequests(page) {
  const body = async (testid) => JSON.parse(await page.getByTestId(testid).getByTestId('request-body').first().innerText());
  const initiate = await body('initiate');
  const status = await (async () => {
    await page.getByTestId('initiate-send').click();
    const el = page.getByTestId('initiate').getByTestId('response-status');
    await el.waitFor({ timeout: 30_000 });
    return el.innerText();
  })();
  if (!/^200/.test(status)) throw new Error(`initiate in the app: ${status}`);
  await page.getByTestId('op-capture').click();
  const panel = await page.getByTestId('initiate').innerText();
  const system = Object.fromEntries(['Vipps-System-Name', 'Vipps-System-Version'].map((h) => [h, panel.match(new RegExp(`${h}\\s+(\\S+)`))[1]]));
  return { initiate, approve: await body('approve'), capture: await body('operation'), system };
}

/** Times (ms) of `initiates` initiates and `flows` whole quick starts against `base`. */
function timeRequests(page, base, requests) {
  return page.evaluate(async ({ base, demo, requests, initiates, flows }) => {
    const headers = (token, extra = {}) => ({
      Authorization: `Bearer ${token}`,
      'Ocp-Apim-Subscription-Key': demo.subscriptionKey,
      'Merchant-Serial-Number': demo.msn,
      ...requests.system,
      'Content-Type': 'application/json',
      ...extra,
    });
    const call = async (method, path, init = {}) => {
      const r = await fetch(`${base}${path}`, { method, ...init });
      const text = await r.text();
      if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
      return text ? JSON.parse(text) : null;
    };
    const token = async () => (await call('POST', '/accesstoken/get', {
      headers: { client_id: demo.clientId, client_secret: demo.clientSecret, 'Ocp-Apim-Subscription-Key': demo.subscriptionKey, 'Merchant-Serial-Number': demo.msn, ...requests.system },
    })).access_token;
    let n = 0;
    const initiate = async (bearer) => {
      const body = structuredClone(requests.initiate);
      body.transaction.orderId = `${requests.initiate.transaction.orderId}${(n++).toString().padStart(3, '0')}`;
      const answer = await call('POST', '/ecomm/v2/payments', { headers: headers(bearer), body: JSON.stringify(body, null, 2) });
      return { orderId: answer.orderId, paymentToken: new URL(answer.url).searchParams.get('token') };
    };
    const bearer = await token();
    const one = [];
    for (let i = 0; i < initiates; i++) {
      const t = performance.now();
      await initiate(bearer);
      one.push(performance.now() - t);
    }
    const whole = [];
    for (let i = 0; i < flows; i++) {
      const t = performance.now();
      const fresh = await token();
      const { orderId, paymentToken } = await initiate(fresh);
      const approve = { ...requests.approve, token: paymentToken };
      await call('POST', `/ecomm/v2/integration-test/payments/${orderId}/approve`, { headers: headers(fresh, { 'X-Request-Id': `approve-${orderId}` }), body: JSON.stringify(approve, null, 2) });
      await call('POST', `/ecomm/v2/payments/${orderId}/capture`, { headers: headers(fresh, { 'X-Request-Id': `capture-${orderId}` }), body: JSON.stringify(requests.capture, null, 2) });
      const details = await call('GET', `/ecomm/v2/payments/${orderId}/details`, { headers: headers(fresh) });
      if (!details.transactionLogHistory.some((e) => e.operation === 'CAPTURE')) throw new Error(`not captured: ${JSON.stringify(details)}`);
      whole.push(performance.now() - t);
    }
    return { initiate: one, flow: whole };
  }, { base, demo: DEMO, requests, initiates: INITIATES, flows: FLOWS });
}

/** Cold first answers, then the request timings, for the app at `url` with its sandbox at `base`. */
async function measure(url, base) {
  const cold = [];
  for (let i = 0; i < COLD; i++) {
    const browser = await launchOfflineBrowser();
    try {
      await browser.page.goto(url, { waitUntil: 'commit' });
      cold.push(await firstAnswer(browser.page, base));
    } finally {
      await browser.close();
    }
  }
  const browser = await launchOfflineBrowser();
  try {
    await browser.page.goto(url);
    await browser.page.getByTestId('initiate-send').waitFor();
    const times = await timeRequests(browser.page, base, await appRequests(browser.page));
    return { cold: median(cold), initiate: median(times.initiate), flow: median(times.flow) };
  } finally {
    await browser.close();
  }
}

const staticHost = await startStaticHost();
// The proxy's per-IP limit (600/min, bursts of 60) guards a hosted server; the benchmark's 80-odd
// requests in a burst would hit it. The sandbox's own simulated limits apply on both hosts.
const server = await spawnServer(['--static-dir', DIST, '--rate-limit', '0']);
let rows;
try {
  const inBrowser = await measure(staticHost.url, `${staticHost.url}browser-sandbox`);
  const onServer = await measure(`${server.url}/`, `${server.url}/sandbox`);
  rows = [
    [`first answer after navigation, cold (median of ${COLD})`, inBrowser.cold, onServer.cold],
    [`one initiate (median of ${INITIATES})`, inBrowser.initiate, onServer.initiate],
    [`quick start: token, initiate, approve, capture, details (median of ${FLOWS})`, inBrowser.flow, onServer.flow],
  ];
} finally {
  await staticHost.stop();
  await server.stop();
}
const ms = (v) => `${v.toFixed(1)} ms`;
const header = ['', 'browser sandbox (static host, worker)', 'server sandbox (ecom-proxy, loopback)'];
const table = [header, ...rows.map(([what, a, b]) => [what, ms(a), ms(b)])];
const widths = header.map((_, i) => Math.max(...table.map((r) => r[i].length)));
const line = (r) => `| ${r.map((c, i) => (i ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
console.log(line(table[0]));
console.log(`|${widths.map((w, i) => (i ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`);
for (const r of table.slice(1)) console.log(line(r));
