// Benchmark: how long the main thread is blocked after the first paint, the figure behind
// Lighthouse's Total Blocking Time (30% of its performance score). Cold loads in headless
// Chromium with 4x CPU throttling (no network throttling, so only the app's own work counts),
// from the release build served by the real server, until the side panels are on the page.
// For each load it sums, over the long tasks (over 50 ms, PerformanceObserver "longtask") that
// start after the first contentful paint, the part over 50 ms, and prints the median and the
// median longest such task. The work before the first paint (instantiating the main module and
// rendering Settings) is not counted: nothing is on the screen to answer yet.
//
// Usage: node bench/blocking.mjs [RUNS] [--dist DIR[,DIR…]]   (default 9 loads; --dist compares
// other builds of dist/, interleaved, e.g. one built from an older commit)
import { join } from 'node:path';
import { ROOT, launchHeadless } from '../tests/e2e/support.mjs';
import { median, startServerFor } from '../tests/e2e/load-metrics.mjs';

const args = process.argv.slice(2);
const runs = Number(args.find((a) => /^\d+$/.test(a)) ?? 9);
const distIndex = args.indexOf('--dist');
const dirs = [join(ROOT, 'dist'), ...(distIndex >= 0 ? args[distIndex + 1].split(',') : [])];

function observeLongTasks() {
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
}

const servers = await Promise.all(dirs.map((dir) => startServerFor(dir)));
const browser = await launchHeadless();
const loads = dirs.map(() => []);
try {
  for (let i = 0; i < runs; i += 1) {
    for (const [k, server] of servers.entries()) {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.addInitScript(observeLongTasks);
        const cdp = await context.newCDPSession(page);
        await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
        await page.goto(server.url);
        await page.waitForSelector('[data-testid=history]', { timeout: 60_000 });
        // Long tasks are reported when they end; give the last one time to be.
        await page.waitForTimeout(500);
        loads[k].push(await page.evaluate(() => {
          const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? 0;
          const after = window.__longTasks.filter((t) => t.start >= fcp);
          return {
            blocking: after.reduce((sum, t) => sum + Math.max(0, t.duration - 50), 0),
            longest: Math.max(0, ...after.map((t) => t.duration)),
          };
        }));
      } finally {
        await context.close();
      }
    }
  }
} finally {
  await browser.close();
  await Promise.all(servers.map((s) => s.stop()));
}
console.log(`main-thread blocking after the first paint, 4x CPU, median of ${runs} cold loads`);
console.log(`  ${'build'.padEnd(44)} ${'blocking'.padStart(10)} ${'longest task'.padStart(13)}`);
for (const [k, dir] of dirs.entries()) {
  const ms = (values) => `${Math.round(median(values))} ms`;
  console.log(`  ${dir.padEnd(44)} ${ms(loads[k].map((l) => l.blocking)).padStart(10)} ${ms(loads[k].map((l) => l.longest)).padStart(13)}`);
}
