// The eCom Playground's sandbox in this browser: a service worker that answers every request
// under <playground>/browser-sandbox/ with the sandbox (crates/ecom-sandbox, compiled to wasm
// by crates/ecom-sandbox-worker), on the playground's own origin. Each visitor's sandbox is
// theirs alone, and it works from any static file host.
//
// - Its state is saved in IndexedDB after every answer, before the answer is given, so a
//   worker the browser stops (idle workers stop after about 30 s) or a reloaded page goes on
//   with the same payments, tokens and clock.
// - Requests are answered one at a time, in order, so each save sees the state its answer left.
// - Saved state that cannot be read is kept (never silently replaced); every request then gets
//   a clear error until the user resets the sandbox (POST <prefix>/__sim/reset, the
//   playground's "Reset sandbox").
//
// scripts/build-worker.sh fills in the two file names below (the glue and the module, with
// their content hashes); this file keeps its name, and a server sends it with no-cache, so a
// new release is picked up on the next navigation.
'use strict';

importScripts('./__SANDBOX_GLUE__');

const WASM_URL = './__SANDBOX_WASM__';
const SANDBOX_URL = new URL('browser-sandbox', self.registration.scope);
const PREFIX = SANDBOX_URL.pathname;
const DB_NAME = 'ecom-playground-sandbox';
const STORE = 'state';
const KEY = 'snapshot';

self.addEventListener('install', (event) => {
  // Fetch and compile the module before taking over, so the first answer does not wait.
  event.waitUntil(wasm_bindgen({ module_or_path: WASM_URL }).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

// A page loaded with a forced reload (Shift+Reload) is not controlled; the playground asks the
// worker to take it over instead of asking the user to reload again.
self.addEventListener('message', (event) => {
  if (event.data === 'claim') event.waitUntil(self.clients.claim());
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname !== PREFIX && !url.pathname.startsWith(PREFIX + '/')) return;
  event.respondWith(inTurn(() => answer(event.request, url)));
});

let turn = Promise.resolve();
/** Runs `task` after every task queued before it. */
function inTurn(task) {
  const result = turn.then(task, task);
  turn = result.catch(() => undefined);
  return result;
}

/** `{ sandbox, saved }` once the module is loaded and the saved state read, or `{ error }`. */
let booted = null;

async function boot() {
  await wasm_bindgen({ module_or_path: WASM_URL });
  const saved = await idb('readonly', (store) => store.get(KEY));
  if (saved === undefined) {
    return { sandbox: new wasm_bindgen.BrowserSandbox(SANDBOX_URL.href), saved: null };
  }
  try {
    return { sandbox: wasm_bindgen.BrowserSandbox.restore(SANDBOX_URL.href, saved), saved };
  } catch (e) {
    return { sandbox: null, saved, error: message(e) };
  }
}

async function answer(request, url) {
  const path = url.pathname.slice(PREFIX.length) || '/';
  let state;
  try {
    booted ??= boot();
    state = await booted;
  } catch (e) {
    booted = null; // the next request tries again
    return hostError(503, 'sandbox_unavailable',
      `The sandbox in this browser could not start: ${message(e)}. Reload the page; if it persists, ` +
      'the browser may be blocking service workers or storage for this site (private mode, site settings).');
  }
  if (!state.sandbox) {
    if (request.method === 'POST' && path === '/__sim/reset') {
      await idb('readwrite', (store) => store.delete(KEY));
      booted = boot();
      state = await booted;
    } else {
      return hostError(503, 'saved_state_unreadable',
        `The sandbox in this browser could not read its saved state (${state.error}). ` +
        'Nothing was changed. Reset the sandbox to start again: Settings → "Reset sandbox".');
    }
  }
  const body = request.method === 'GET' || request.method === 'HEAD'
    ? new Uint8Array(0)
    : new Uint8Array(await request.arrayBuffer());
  const response = await state.sandbox.handle(request.method, path + url.search, [...request.headers], body);
  const snapshot = state.sandbox.snapshot();
  if (snapshot !== state.saved) {
    try {
      await idb('readwrite', (store) => store.put(snapshot, KEY));
      state.saved = snapshot;
    } catch (e) {
      return hostError(507, 'storage_full',
        `The sandbox in this browser answered, but could not save its state (${message(e)}), so the ` +
        'change would be lost when the browser stops this worker. Free storage for this site, or ' +
        'reset the sandbox: Settings → "Reset sandbox".');
    }
  }
  return response;
}

/** An error of this host (not of the API): the proxy's error format, which the app explains. */
function hostError(status, kind, text) {
  try {
    return wasm_bindgen.host_error(status, kind, text);
  } catch (_) {
    // The module itself did not load: plain text is all there is.
    return new Response(text, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  }
}

function message(e) {
  return e && e.message ? `${e.name || 'Error'}: ${e.message}` : String(e);
}

/** The open state database, shared by every request of this worker's life. */
let database = null;

function openDatabase() {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(DB_NAME, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => resolve(open.result);
  });
}

/** Runs one request on the state store in its own transaction; resolves once it is durable. */
async function idb(mode, op) {
  database ??= openDatabase();
  let db;
  try {
    db = await database;
  } catch (e) {
    database = null; // the next request tries again
    throw e;
  }
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const req = op(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(req.result);
    tx.onabort = tx.onerror = () => reject(tx.error || req.error);
  });
}
