// Shared helpers for the browser click-through tests: the eCom calls a merchant makes (token,
// initiate, details), a loopback "merchant" server that serves and records the fallBack page
// (the sandbox accepts http fallBack URLs on loopback), and a headless Chromium.

import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { createServer } from 'node:http';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const require = createRequire(join(repo, 'package.json'));
const { chromium } = require('playwright-core');

export const base = process.env.ECOM_BASE_URL;
if (!base) throw new Error('ECOM_BASE_URL must point at a running sandbox (browser/run.sh sets it)');

const demoSrc = readFileSync(join(repo, 'crates/ecom-core/src/demo.rs'), 'utf8');
const demo = (name) => demoSrc.match(new RegExp(`pub const ${name}: &str = "([^"]*)"`))[1];
export const creds = {
  clientId: demo('CLIENT_ID'),
  clientSecret: demo('CLIENT_SECRET'),
  key: demo('SUBSCRIPTION_KEY'),
  msn: demo('MERCHANT_SERIAL_NUMBER'),
  mobile: demo('MOBILE_NUMBER'),
};

let token;
async function accessToken() {
  if (token) return token;
  const r = await fetch(`${base}/accesstoken/get`, {
    method: 'POST',
    headers: { client_id: creds.clientId, client_secret: creds.clientSecret, 'Ocp-Apim-Subscription-Key': creds.key },
  });
  if (r.status !== 200) throw new Error(`token: HTTP ${r.status}`);
  token = (await r.json()).access_token;
  return token;
}

const apiHeaders = async () => ({
  Authorization: `Bearer ${await accessToken()}`,
  'Ocp-Apim-Subscription-Key': creds.key,
  'Merchant-Serial-Number': creds.msn,
  'Content-Type': 'application/json',
});

/** Paths the merchant's fallBack page was visited at. */
export const visits = [];
const merchant = createServer((req, res) => {
  visits.push(req.url);
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end('<!doctype html><title>Merchant</title><h1 data-testid="merchant-result">Back at the merchant</h1>');
});
await new Promise((ok) => merchant.listen(0, '127.0.0.1', ok));
merchant.unref();
const merchantBase = `http://127.0.0.1:${merchant.address().port}`;

let n = 0;
/** Initiates a Postman-style payment whose fallBack is this test's loopback merchant page. */
export async function initiate(kind) {
  n += 1;
  const orderId = `${creds.msn}${Date.now()}-b${n}`;
  const fallBack = `${merchantBase}/fallback/${orderId}`;
  const merchantInfo = {
    authToken: `auth-${orderId}`,
    callbackPrefix: 'https://example.com/merchant/callbacks',
    fallBack,
    merchantSerialNumber: creds.msn,
  };
  const transaction = { amount: 49900, orderId, transactionText: 'Browser test payment', skipLandingPage: false };
  if (kind === 'express') {
    Object.assign(merchantInfo, {
      consentRemovalPrefix: 'https://example.com/merchant/consent-removal',
      paymentType: 'eComm Express Payment',
      shippingDetailsPrefix: 'https://example.com/merchant/shipping',
      staticShippingDetails: [
        { isDefault: 'Y', priority: 1, shippingCost: 30, shippingMethod: 'Postman Method 1', shippingMethodId: 'shippingMethodId1' },
        { isDefault: 'N', priority: 2, shippingCost: 100, shippingMethod: 'Postman Method 2', shippingMethodId: 'shippingMethodId2' },
      ],
    });
    delete transaction.skipLandingPage;
  }
  if (kind === 'profile') transaction.scope = 'address name email birthDate phoneNumber';
  const r = await fetch(`${base}/ecomm/v2/payments/`, {
    method: 'POST',
    headers: await apiHeaders(),
    body: JSON.stringify({ merchantInfo, customerInfo: { mobileNumber: creds.mobile }, transaction }),
  });
  const body = await r.json();
  if (r.status !== 200) throw new Error(`initiate: HTTP ${r.status} ${JSON.stringify(body)}`);
  return { orderId, url: body.url, fallBack };
}

export async function details(orderId) {
  const r = await fetch(`${base}/ecomm/v2/payments/${orderId}/details`, { headers: await apiHeaders() });
  return { status: r.status, body: await r.json() };
}

/** A fresh headless Chromium with its own profile directory. */
export async function browser() {
  const profile = mkdtempSync(join(tmpdir(), 'ecom-browser-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const close = async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { context, close };
}

/** Clicks `testid` on `page`; if it opens a new tab, returns that tab, else the same page. */
export async function clickMaybePopup(context, page, testid) {
  const popup = context.waitForEvent('page', { timeout: 1500 }).catch(() => null);
  await page.getByTestId(testid).click();
  return (await popup) || page;
}
