// Runs the official Postman collection (unchanged) with newman against a running sandbox,
// flow by flow in quick-start order, and checks what newman alone would not: every response
// code, the variables the collection's own scripts set (access_token, vippsLandingPageURL,
// payment_token, sub), and the sandbox's state afterwards through the API and /__sim.
//
// newman runs selected requests in collection order, not in the order given, so each flow is
// several newman runs chained through --export-environment / -e.
//
// Usage: node flows.mjs <base_url>   (newman/run.sh starts the sandbox and calls this)

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const shared = process.env.ECOM_SHARED_DIR || resolve(repo, '../shared');
const collection = join(shared, 'fixtures/vipps-ecom-api-postman-collection.json');
const environment = join(shared, 'fixtures/vipps-api-global-postman-environment.json');
const newman = join(repo, 'node_modules/.bin/newman');
const base = process.argv[2];
if (!base) {
  console.error('usage: node flows.mjs <base_url>');
  process.exit(2);
}
for (const f of [collection, environment, newman]) {
  if (!existsSync(f)) {
    console.error(`missing ${f} (set ECOM_SHARED_DIR to the shared/ folder)`);
    process.exit(2);
  }
}

// The demo merchant of ecom_core::demo (crates/ecom-core/src/demo.rs): not secrets.
const demoSrc = readFileSync(join(repo, 'crates/ecom-core/src/demo.rs'), 'utf8');
const demo = (name) => {
  const m = demoSrc.match(new RegExp(`pub const ${name}: &str = "([^"]*)"`));
  if (!m) throw new Error(`no ${name} in demo.rs`);
  return m[1];
};
const creds = {
  client_id: demo('CLIENT_ID'),
  client_secret: demo('CLIENT_SECRET'),
  'Ocp-Apim-Subscription-Key': demo('SUBSCRIPTION_KEY'),
  merchantSerialNumber: demo('MERCHANT_SERIAL_NUMBER'),
  mobileNumber: demo('MOBILE_NUMBER'),
};
const overrides = { base_url: base, ...creds };

const work = mkdtempSync(join(tmpdir(), 'newman-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
let passed = 0;
let failed = 0;
const failures = [];
const check = (flow, what, ok, detail = '') => {
  if (ok) {
    passed += 1;
    console.log(`  ok   ${what}`);
  } else {
    failed += 1;
    failures.push(`${flow}: ${what} ${detail}`);
    console.log(`  FAIL ${what} ${detail}`);
  }
};

let runNo = 0;
/** One newman run of `requests` (collection order); returns executions and the exported env. */
function newmanRun(envFile, requests) {
  runNo += 1;
  const out = join(work, `env-${runNo}.json`);
  const report = join(work, `report-${runNo}.json`);
  const args = ['run', collection, '-e', envFile, '--export-environment', out,
    '--reporters', 'json', '--reporter-json-export', report, '--timeout-request', '10000'];
  for (const r of requests) args.push('--folder', r);
  for (const [k, v] of Object.entries(overrides)) args.push('--env-var', `${k}=${v}`);
  const res = spawnSync(newman, args, { encoding: 'utf8' });
  const rep = existsSync(report) ? JSON.parse(readFileSync(report, 'utf8')) : null;
  const executions = (rep?.run?.executions || []).map((e) => ({
    name: e.item?.name,
    code: e.response?.code,
    body: e.response?.stream ? Buffer.from(e.response.stream.data || []).toString('utf8') : '',
    error: e.requestError?.message,
  }));
  const env = {};
  if (existsSync(out)) {
    for (const v of JSON.parse(readFileSync(out, 'utf8')).values || []) env[v.key] = v.value;
  }
  return { status: res.status, stderr: res.stderr, executions, envFile: out, env };
}

/** Runs the steps (each a list of request names) and checks every response code. */
function flow(name, steps) {
  console.log(`\n== ${name}`);
  let envFile = environment;
  const all = [];
  let env = {};
  for (const { requests, codes } of steps) {
    const r = newmanRun(envFile, requests);
    check(name, `newman run [${requests.join(', ')}] exits 0`, r.status === 0, r.stderr?.slice(0, 300));
    requests.forEach((req, i) => {
      const ex = r.executions[i];
      const want = codes ? codes[i] : 200;
      check(name, `${req} -> ${want}`, ex && ex.name === req && ex.code === want,
        ex ? `(got ${ex.name} -> ${ex.code} ${ex.error || ''} ${ex.body.slice(0, 200)})` : '(not run)');
    });
    all.push(...r.executions);
    envFile = r.envFile;
    env = r.env;
  }
  return { env, executions: all };
}

const headers = (env) => ({
  Authorization: `Bearer ${env.access_token}`,
  'Ocp-Apim-Subscription-Key': creds['Ocp-Apim-Subscription-Key'],
  'Merchant-Serial-Number': creds.merchantSerialNumber,
});
async function details(env) {
  const r = await fetch(`${base}/ecomm/v2/payments/${env.orderId}/details`, { headers: headers(env) });
  return { code: r.status, body: await r.json().catch(() => null) };
}
async function simState(env) {
  const r = await fetch(`${base}/__sim/payments/${creds.merchantSerialNumber}/${env.orderId}`);
  return r.ok ? (await r.json()).state : `HTTP ${r.status}`;
}
const ops = (d) => (d.body?.transactionLogHistory || []).map((e) => e.operation).join(',');
const summary = (d) => {
  const s = d.body?.transactionSummary || {};
  return [s.capturedAmount, s.remainingAmountToCapture, s.refundedAmount, s.remainingAmountToRefund].join(',');
};
const amount = 49900;

function checkInitiateVars(name, env) {
  check(name, 'access_token set by the token script (a JWT)',
    typeof env.access_token === 'string' && env.access_token.split('.').length === 3 && env.access_token.length > 20);
  const prefix = `${base}/dwo-api-application/v1/deeplink/vippsgateway?v=2&token=`;
  check(name, 'vippsLandingPageURL set to the landing page', (env.vippsLandingPageURL || '').startsWith(prefix),
    `(${env.vippsLandingPageURL})`);
  const token = (env.vippsLandingPageURL || '').slice(prefix.length);
  check(name, 'payment_token = the url token (Postman split)', token.length > 0 && env.payment_token === token,
    `(${env.payment_token})`);
  check(name, 'orderId = MSN + epoch millis', new RegExp(`^${creds.merchantSerialNumber}\\d{13}$`).test(env.orderId || ''),
    `(${env.orderId})`);
}

async function main() {
  // 1. Regular flow with the refund path: token, initiate, force approve, details, capture
  //    (twice: the second is an idempotent replay), refund.
  let name = 'regular flow + refund';
  let r = flow(name, [
    { requests: ['Get Access Token', 'Initiate Payment'] },
    { requests: ['Force Approve Payment'] },
    { requests: ['Get Payment Details', 'Capture Payment'] },
    { requests: ['Capture Payment'] },
    { requests: ['Refund Payment'] },
  ]);
  checkInitiateVars(name, r.env);
  const cap = r.executions.find((e) => e.name === 'Capture Payment');
  check(name, 'capture response says Captured', cap && JSON.parse(cap.body || '{}').transactionInfo?.status === 'Captured');
  const refund = r.executions.find((e) => e.name === 'Refund Payment');
  check(name, 'refund response has transaction.status Refund',
    refund && JSON.parse(refund.body || '{}').transaction?.status === 'Refund');
  let d = await details(r.env);
  check(name, 'details: REFUND,CAPTURE,RESERVE,INITIATE (one capture despite the replay)',
    ops(d) === 'REFUND,CAPTURE,RESERVE,INITIATE', `(${ops(d)})`);
  check(name, `summary ${amount},0,${amount},0`, summary(d) === `${amount},0,${amount},0`, `(${summary(d)})`);
  check(name, 'sandbox state RESERVE (fully captured and refunded)', (await simState(r.env)) === 'RESERVE');

  // 2. Cancel path, in INITIATE (CANCEL) and in RESERVE (VOID).
  name = 'cancel before approval';
  r = flow(name, [{ requests: ['Get Access Token', 'Initiate Payment', 'Cancel Payment'] }]);
  checkInitiateVars(name, r.env);
  d = await details(r.env);
  check(name, 'details: CANCEL,INITIATE', ops(d) === 'CANCEL,INITIATE', `(${ops(d)})`);
  check(name, 'sandbox state CANCEL', (await simState(r.env)) === 'CANCEL');

  name = 'cancel after approval (void)';
  r = flow(name, [
    { requests: ['Get Access Token', 'Initiate Payment'] },
    { requests: ['Force Approve Payment'] },
    { requests: ['Cancel Payment'] },
  ]);
  const cancel = r.executions.find((e) => e.name === 'Cancel Payment');
  check(name, 'cancel response says Cancelled', cancel && JSON.parse(cancel.body || '{}').transactionInfo?.status === 'Cancelled');
  d = await details(r.env);
  check(name, 'details: VOID,RESERVE,INITIATE', ops(d) === 'VOID,RESERVE,INITIATE', `(${ops(d)})`);
  check(name, 'sandbox state VOID', (await simState(r.env)) === 'VOID');

  // 3. Express initiate works; force approve is documented not to (spec §12 #8).
  name = 'express checkout';
  r = flow(name, [
    { requests: ['Get Access Token', 'Initiate Payment - Express Checkout'] },
    { requests: ['Force Approve Payment'], codes: [400] },
  ]);
  checkInitiateVars(name, r.env);
  check(name, 'sandbox state INITIATE (express cannot be force approved)', (await simState(r.env)) === 'INITIATE');

  // 4. Profile flow up to Get Userinfo: the details script stores `sub`.
  name = 'profile flow';
  r = flow(name, [
    { requests: ['Get Access Token', 'Initiate Payment - Profile flow'] },
    { requests: ['Force Approve Payment'] },
    { requests: ['Get Payment Details', 'Get Userinfo'] },
  ]);
  checkInitiateVars(name, r.env);
  check(name, 'sub set by the details script', /^[0-9a-f-]{36}$/i.test(r.env.sub || ''), `(${r.env.sub})`);
  const ui = r.executions.find((e) => e.name === 'Get Userinfo');
  let claims = {};
  try { claims = JSON.parse(ui?.body || '{}'); } catch { /* checked below */ }
  check(name, 'userinfo answers for that sub', claims.sub === r.env.sub, `(${ui?.body?.slice(0, 200)})`);
  check(name, 'userinfo has the profile claims', ['name', 'email', 'address', 'birthdate', 'phone_number'].every((k) => k in claims));
  check(name, 'sandbox state RESERVE', (await simState(r.env)) === 'RESERVE');

  // 5. QR: a landing-page URL from Initiate Payment, then Generate QR Code PNG.
  name = 'QR';
  r = flow(name, [
    { requests: ['Get Access Token', 'Initiate Payment'] },
    { requests: ['Generate QR Code PNG'] },
  ]);
  const qr = r.executions.find((e) => e.name === 'Generate QR Code PNG');
  let q = {};
  try { q = JSON.parse(qr?.body || '{}'); } catch { /* checked below */ }
  check(name, 'QR response {url, expiresIn}', typeof q.url === 'string' && Number.isInteger(q.expiresIn) && q.expiresIn > 0,
    `(${qr?.body?.slice(0, 200)})`);
  if (typeof q.url === 'string') {
    const img = await fetch(q.url);
    const bytes = Buffer.from(await img.arrayBuffer());
    check(name, 'QR image URL serves a PNG without auth',
      img.status === 200 && (img.headers.get('content-type') || '').startsWith('image/png') && bytes.subarray(0, 4).toString('latin1') === '\x89PNG',
      `(${img.status} ${img.headers.get('content-type')})`);
  }

  console.log(`\nnewman flows: ${passed} checks passed, ${failed} failed`);
  for (const f of failures) console.log(`  - ${f}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
