// The example nginx configuration of crates/ecom-proxy/deploy/nginx.conf, as it is, on Debian's
// nginx: it serves the release build (dist/) with the precompressed copies, the cache policy,
// revalidation and the wasm MIME type that crates/ecom-proxy/DEPLOY.md asks of a static host,
// and passes the API to ecom-proxy, so the app works there end to end.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT, freePort, launchBrowser, send, startServer } from './support.mjs';

const NGINX = process.env.NGINX ?? '/usr/sbin/nginx';
const BROTLI_MODULE = '/usr/lib/nginx/modules/ngx_http_brotli_static_module.so';
const IMMUTABLE = 'public, max-age=31536000, immutable';

let nginx;
let proxy;
let url;
let work;
let files;

/** Starts nginx with deploy/nginx.conf (its three "test:" lines changed) in a scratch prefix. */
async function startNginx(port, proxyAddress) {
  work = await mkdtemp(join(tmpdir(), 'ecom-nginx-'));
  const site = (await readFile(join(ROOT, 'crates/ecom-proxy/deploy/nginx.conf'), 'utf8'))
    .replace(/server 127\.0\.0\.1:8080;/, `server ${proxyAddress};`)
    .replace(/listen 80;/, `listen 127.0.0.1:${port};`)
    .replace(/root \/srv\/playground\/dist;/, `root ${join(ROOT, 'dist')};`);
  assert.ok(site.includes(`listen 127.0.0.1:${port};`) && site.includes(proxyAddress) && site.includes(join(ROOT, 'dist')),
    'the test lines of deploy/nginx.conf are where the test expects them');
  await writeFile(join(work, 'site.conf'), site);
  // What Debian's /etc/nginx/nginx.conf and modules-enabled/ provide, in a prefix of our own.
  await writeFile(join(work, 'nginx.conf'), `
load_module ${BROTLI_MODULE};
${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
pid ${work}/nginx.pid;
error_log stderr warn;
events { worker_connections 64; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  client_body_temp_path ${work}/body;
  proxy_temp_path ${work}/proxy;
  fastcgi_temp_path ${work}/fastcgi;
  uwsgi_temp_path ${work}/uwsgi;
  scgi_temp_path ${work}/scgi;
  include ${work}/site.conf;
}
`);
  const logs = [];
  const child = spawn(NGINX, ['-p', work, '-e', 'stderr', '-c', join(work, 'nginx.conf'), '-g', 'daemon off;'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d) => logs.push(d.toString()));
  child.stderr.on('data', (d) => logs.push(d.toString()));
  let exited = null;
  child.on('exit', (code) => { exited = code; });
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (exited !== null) throw new Error(`nginx exited with ${exited}:\n${logs.join('')}`);
    try {
      if ((await get('/')).status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`nginx did not answer within 10 s:\n${logs.join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    logs,
    stop: async () => {
      if (exited !== null) return;
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGQUIT');
      await done;
    },
  };
}

/** A raw GET (no decompression): status, headers and the bytes as sent. */
function get(path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

before(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  // ecom-proxy without the app: nginx serves it. Its public URL is nginx's.
  proxy = await startServer(['--public-url', url]);
  nginx = await startNginx(port, new URL(proxy.url).host);
  files = await readdir(join(ROOT, 'dist'));
});

after(async () => {
  await nginx?.stop();
  await proxy?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

test('nginx sends the precompressed copy the browser accepts, with Vary and the right types', async () => {
  const wasm = files.find((f) => /^ecom-playground-[0-9a-f]{16}_bg\.wasm$/.test(f));
  const js = files.find((f) => /^ecom-playground-[0-9a-f]{16}\.js$/.test(f));
  assert.ok(wasm && js, `dist/ has the hashed main module and glue: ${files.join(' ')}`);
  const cases = [
    // path, Accept-Encoding, Content-Encoding, copy on disk, type
    ['/', 'gzip, deflate, br', 'br', 'index.html.br', /^text\/html/],
    ['/', 'gzip', 'gzip', 'index.html.gz', /^text\/html/],
    ['/', '', undefined, 'index.html', /^text\/html/],
    [`/${wasm}`, 'gzip, deflate, br', 'br', `${wasm}.br`, /^application\/wasm$/],
    [`/${wasm}`, 'gzip', 'gzip', `${wasm}.gz`, /^application\/wasm$/],
    [`/${wasm}`, '', undefined, wasm, /^application\/wasm$/],
    [`/${js}`, 'br', 'br', `${js}.br`, /javascript/],
  ];
  for (const [path, accept, encoding, copy, type] of cases) {
    const res = await get(path, { 'accept-encoding': accept });
    const what = `${path} with Accept-Encoding: ${accept}`;
    assert.equal(res.status, 200, what);
    assert.equal(res.headers['content-encoding'], encoding, what);
    assert.match(res.headers['content-type'], type, what);
    assert.match(res.headers.vary ?? '', /accept-encoding/i, `${what}: Vary`);
    assert.equal(res.headers['x-content-type-options'], 'nosniff', what);
    assert.ok(res.body.equals(await readFile(join(ROOT, 'dist', copy))), `${what}: the bytes of dist/${copy}`);
  }
});

test('nginx caches hashed names for a year and revalidates the page', async () => {
  const hashed = files.filter((f) => /-[0-9a-f]{16}(_bg)?\.(js|wasm|css)$/.test(f));
  assert.ok(hashed.length >= 4, `hashed files in dist/: ${hashed.join(' ')}`);
  const unhashed = files.filter((f) => /\.(js|wasm|css)$/.test(f) && !hashed.includes(f));
  // The in-browser sandbox's service worker keeps its name: browsers look a worker up by URL.
  assert.deepEqual(unhashed, ['sandbox-sw.js'], 'every other script, module and style sheet has a content hash in its name');
  const revalidated = ['/', '/index.html', '/sandbox-sw.js'].map((p) => [p, 'no-cache']);
  for (const [path, policy] of [...revalidated, ...hashed.map((f) => [`/${f}`, IMMUTABLE])]) {
    const first = await get(path, { 'accept-encoding': 'br' });
    assert.equal(first.headers['cache-control'], policy, path);
    assert.ok(first.headers.etag && first.headers['last-modified'], `${path}: validators`);
    const again = await get(path, { 'accept-encoding': 'br', 'if-none-match': first.headers.etag });
    assert.equal(again.status, 304, `${path}: revalidation`);
    assert.equal(again.headers['cache-control'], policy, `${path}: the 304 keeps the policy`);
    assert.equal(again.body.length, 0);
  }
});

test('the app loads through nginx and reaches the sandbox through ecom-proxy', async () => {
  const b = await launchBrowser();
  try {
    const { page } = b;
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.getByTestId('send-token').waitFor();
    const status = await send(page, 'initiate');
    assert.equal(status, '200 OK', `${await page.getByTestId('initiate').innerText()}\n${proxy.logs.join('')}`);
    assert.deepEqual(errors, []);
  } finally {
    await b.close();
  }
});
