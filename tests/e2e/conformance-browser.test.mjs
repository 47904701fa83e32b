// One sandbox, two hosts, no drift: the conformance suite (crates/ecom-conformance, documented
// and inferred cases) runs against the sandbox in the visitor's browser, the service worker of
// crates/ecom-sandbox-worker in headless Chromium, reached through tests/e2e/sandbox-bridge.mjs,
// and against the native sandbox (each case's own in-process server), from the same cases.
//
// Builds nothing: it serves $ECOM_SANDBOX_SW_DIR, else dist/, which must hold sandbox-sw.js
// (scripts/build-worker.sh), and lets cargo run the conformance tests (cargo builds them if they
// are stale, with the caller's CARGO_TARGET_DIR).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startBridge, workerDir } from './sandbox-bridge.mjs';
import { DEMO, ROOT } from './support.mjs';

const SUITES = ['conformance_documented', 'conformance_inferred'];
const dir = workerDir();
const built = existsSync(join(dir, 'sandbox-sw.js'));
// A directory named on purpose must hold the worker; dist/ holds it once build.sh builds it.
const skip = !built && !process.env.ECOM_SANDBOX_SW_DIR
  ? `${dir}/sandbox-sw.js is missing: build it with scripts/build-worker.sh dist (or set ECOM_SANDBOX_SW_DIR)`
  : false;

/** Runs the conformance suites with `env` added (`null` removes a variable); resolves to `{ code, output }`. */
function conformance(overrides, testArgs) {
  const args = ['test', '--offline', '--no-fail-fast', '-p', 'ecom-conformance',
    ...SUITES.flatMap((s) => ['--test', s]), '--', '--show-output', ...testArgs];
  const env = { ...process.env, ...overrides };
  for (const [name, value] of Object.entries(overrides)) if (value === null) delete env[name];
  return new Promise((resolve, reject) => {
    const child = spawn('cargo', args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

/**
 * Per case: passed or failed, and the reason when it skipped itself (`skipped: …` in its
 * captured output, shown by --show-output). Case names are unique across the suites.
 */
function tally(output) {
  const outcome = new Map();
  const skipped = new Map();
  let current = null;
  for (const line of output.split('\n')) {
    const result = line.match(/^test (\S+) \.\.\. (ok|FAILED)$/);
    if (result) outcome.set(result[1], result[2]);
    const section = line.match(/^---- (\S+) stdout ----$/);
    if (section) current = section[1];
    else if (/^(successes|failures):$/.test(line)) current = null;
    else if (current && line.startsWith('skipped: ')) skipped.set(current, line.slice('skipped: '.length));
  }
  const cases = [...outcome.keys()];
  const failed = cases.filter((c) => outcome.get(c) !== 'ok');
  const reasons = new Map();
  for (const reason of skipped.values()) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  return { cases: cases.length, failed, skipped: skipped.size, ran: cases.length - skipped.size, reasons };
}

function report(host, t) {
  const passed = t.ran - t.failed.length;
  const lines = [`${host}: ${t.cases} cases, ${t.ran} ran (${passed} passed, ${t.failed.length} failed), ${t.skipped} skipped`];
  for (const [reason, n] of t.reasons) lines.push(`  skipped ${n}x: ${reason}`);
  if (t.failed.length) lines.push(`  failed: ${t.failed.join(', ')}`);
  console.log(lines.join('\n'));
}

test('the conformance suite holds in the browser host as in the native host', { skip, timeout: 30 * 60_000 }, async () => {
  const native = tally((await conformance({ ECOM_BASE_URL: null }, [])).output);
  report('native host', native);

  const bridge = await startBridge(dir);
  let browser;
  try {
    const { code, output } = await conformance({
      ECOM_BASE_URL: bridge.baseUrl,
      ECOM_HAS_SIM: '1',
      // The sandbox in a browser records merchant requests as skipped and sends none.
      ECOM_DELIVERS_CALLBACKS: '0',
      ECOM_CLIENT_ID: DEMO.clientId,
      ECOM_CLIENT_SECRET: DEMO.clientSecret,
      ECOM_SUBSCRIPTION_KEY: DEMO.subscriptionKey,
      ECOM_MSN: DEMO.msn,
      ECOM_MOBILE: DEMO.mobile,
    // One sandbox for every case, with one simulated clock: a case that moves it would expire
    // the tokens of cases running beside it. The worker answers one request at a time anyway.
    }, ['--test-threads=1']);
    browser = tally(output);
    report(`browser host (${bridge.stats.relayed} requests relayed into the service worker)`, browser);
    assert.equal(code, 0, `the conformance suite failed in the browser host:\n${output.slice(-20_000)}`);
  } finally {
    await bridge.stop();
  }
  assert.ok(native.failed.length === 0, `native host failures: ${native.failed.join(', ')}`);
  assert.equal(browser.cases, native.cases, 'both hosts run the same cases');
  assert.ok(browser.ran > 0, 'some cases ran in the browser host');
});
