// Side-by-side benchmark: the playground next to Swagger UI (npm swagger-ui-dist, as shipped,
// loading the eCom API's OpenAPI file), both served by the same ecom-proxy binary from a
// directory with the same precompressed brotli/gzip copies, cold loads in headless Chromium.
//
// Three conditions: no throttling; a phone network (1.6 Mbit/s down, 750 kbit/s up, 150 ms
// RTT, CDP Network.emulateNetworkConditions); the same with 4x CPU throttling
// (Emulation.setCPUThrottlingRate). Loads are interleaved (playground, Swagger UI, next
// condition, …) so a busy neighbour on the shared cores hits both alike.
//
// Moments: "first form usable" is the playground's filled Settings form, and Swagger UI's first
// operation rendered (its button opens a form); "steps usable" is the playground's token step
// with Send enabled, and Swagger UI with every operation of the file rendered.
// Prints medians, the KB transferred by each moment (Resource Timing transferSize; at "steps
// usable" without throttling the side panels may still be on their way), and the playground /
// Swagger UI ratios.
//
// Usage: node bench/compare.mjs [RUNS] [--dist DIR[,DIR…]]   (RUNS per condition, default 7)
//   --dist adds more builds of the playground (e.g. an unsplit one) as extra columns.
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ROOT, launchHeadless, startServer } from '../tests/e2e/support.mjs';
import { PHONE_NETWORK, PLAYGROUND_MOMENTS, coldLoad, median, startServerFor } from '../tests/e2e/load-metrics.mjs';

const args = process.argv.slice(2);
const runs = Number(args.find((a) => /^\d+$/.test(a)) ?? 7);
const distIndex = args.indexOf('--dist');
const extraDists = distIndex >= 0 ? args[distIndex + 1].split(',') : [];
const SPEC = process.env.ECOM_SWAGGER ?? join(ROOT, '..', 'shared', 'reference', 'ecom-swagger.yaml');

/** Swagger UI's files, its stock page and initializer pointed at the spec, precompressed. */
async function swaggerSite() {
  const dir = await mkdtemp(join(tmpdir(), 'ecom-bench-swagger-'));
  const dist = join(ROOT, 'node_modules', 'swagger-ui-dist');
  for (const f of ['index.html', 'index.css', 'swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'favicon-32x32.png', 'favicon-16x16.png']) {
    await cp(join(dist, f), join(dir, f));
  }
  // The three merchant-callback paths refer to another file (ms_import.yaml) that is not
  // published with it; without them Swagger UI renders the eCom operations without errors.
  const spec = (await readFile(SPEC, 'utf8')).replace(/^ {2}'[^']+':\n {4}\$ref: 'ms_import\.yaml#[^\n]*\n/gm, '');
  await writeFile(join(dir, 'ecom-swagger.yaml'), spec);
  const operations = (spec.match(/^ {4}(get|post|put|delete|patch):/gm) ?? []).length;
  const initializer = (await readFile(join(dist, 'swagger-initializer.js'), 'utf8'))
    .replace(/url: "[^"]*"/, 'url: "ecom-swagger.yaml"');
  await writeFile(join(dir, 'swagger-initializer.js'), initializer);
  for (const f of await readdir(dir)) {
    if (!/\.(html|js|css|yaml)$/.test(f)) continue;
    const file = join(dir, f);
    for (const [tool, flags] of [['brotli', ['--quality=11', '--force', '--keep']], ['gzip', ['-9', '--no-name', '--force', '--keep']]]) {
      const done = spawnSync(tool, [...flags, file]);
      if (done.status !== 0) throw new Error(`${tool} ${file}: ${done.stderr}`);
    }
  }
  return { dir, operations };
}

const swagger = await swaggerSite();
const SWAGGER_MOMENTS = {
  firstForm: `() => !!document.querySelector('.opblock .opblock-summary')`,
  steps: `() => document.querySelectorAll('.opblock').length >= ${swagger.operations}`,
};

const conditions = [
  { name: 'no throttling', network: null, cpu: 1 },
  { name: 'phone network', network: PHONE_NETWORK, cpu: 1 },
  { name: 'phone network + 4x CPU', network: PHONE_NETWORK, cpu: 4 },
];
const sites = [
  { name: 'playground', server: await startServer(), moments: PLAYGROUND_MOMENTS },
  ...await Promise.all(extraDists.map(async (d) => ({ name: `playground (${basename(d)})`, server: await startServerFor(d), moments: PLAYGROUND_MOMENTS }))),
  { name: 'Swagger UI', server: await startServerFor(swagger.dir, ['--no-sandbox']), moments: SWAGGER_MOMENTS },
];
const browser = await launchHeadless();
const results = {}; // condition -> site -> { firstForm: [ms], steps: [ms], bytes: [..] }
try {
  for (let i = 0; i < runs; i += 1) {
    for (const c of conditions) {
      for (const s of sites) {
        const marks = await coldLoad(browser, `${s.server.url}/`, s.moments, { network: c.network, cpu: c.cpu, timeout: 120_000 });
        const r = ((results[c.name] ??= {})[s.name] ??= { firstForm: [], steps: [], firstBytes: [], stepsBytes: [] });
        r.firstForm.push(marks.firstForm.ms);
        r.steps.push(marks.steps.ms);
        r.firstBytes.push(marks.firstForm.bytes);
        r.stepsBytes.push(marks.steps.bytes);
      }
    }
    process.stderr.write(`round ${i + 1}/${runs} done\n`);
  }
} finally {
  await browser.close();
  for (const s of sites) await s.server.stop();
  await rm(swagger.dir, { recursive: true, force: true });
}

const ms = (v) => `${median(v).toFixed(0)} ms`;
const kb = (v) => (median(v) / 1024).toFixed(1);
console.log(`median of ${runs} cold loads per condition (Swagger UI: ${swagger.operations} operations of ecom-swagger.yaml)`);
for (const c of conditions) {
  console.log(`\n${c.name}`);
  console.log(`  ${'site'.padEnd(40)} ${'first form usable'.padStart(18)} ${'steps usable'.padStart(14)} ${'KB by form'.padStart(12)} ${'KB by steps'.padStart(12)}`);
  for (const s of sites) {
    const r = results[c.name][s.name];
    console.log(`  ${s.name.padEnd(40)} ${ms(r.firstForm).padStart(18)} ${ms(r.steps).padStart(14)} ${kb(r.firstBytes).padStart(12)} ${kb(r.stepsBytes).padStart(12)}`);
  }
  const sw = results[c.name]['Swagger UI'];
  for (const s of sites.filter((x) => x.name !== 'Swagger UI')) {
    const r = results[c.name][s.name];
    console.log(`  ${`${s.name} / Swagger UI`.padEnd(40)} ${(median(r.firstForm) / median(sw.firstForm)).toFixed(2).padStart(17)}x ${(median(r.steps) / median(sw.steps)).toFixed(2).padStart(13)}x`);
  }
}
