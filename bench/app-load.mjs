// Benchmark: time from navigation to the first usable form, in headless Chromium, against the
// release build served by the real server. Each load uses a fresh browser context (cold cache).
// Two moments per load:
// - "settings form": the first load has rendered and the credentials are filled and editable;
// - "steps ready": the token step's chunk has arrived and its Send button can be clicked.
// Prints the median, fastest and slowest of N loads. Usage: node bench/app-load.mjs [N]
import { launchHeadless, startServer } from '../tests/e2e/support.mjs';

const runs = Number(process.argv[2] ?? 15);
const server = await startServer();
const browser = await launchHeadless();
const settingsTimes = [];
const stepsTimes = [];
const now = (page) => page.evaluate(() => performance.now());
try {
  for (let i = 0; i < runs; i += 1) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(server.url, { waitUntil: 'commit' });
    await page.waitForFunction(() => {
      const id = document.querySelector('#field-client_id');
      return id && !id.disabled && id.value.length > 0;
    }, null, { polling: 'raf', timeout: 20_000 });
    settingsTimes.push(await now(page));
    await page.waitForFunction(() => {
      const button = document.querySelector('[data-testid=send-token]');
      return button && !button.disabled;
    }, null, { polling: 'raf', timeout: 20_000 });
    stepsTimes.push(await now(page));
    await context.close();
  }
} finally {
  await browser.close();
  await server.stop();
}
const summary = (label, times) => {
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(`${label}: median ${median.toFixed(0)} ms, fastest ${times[0].toFixed(0)} ms, slowest ${times.at(-1).toFixed(0)} ms over ${runs} cold loads`);
};
summary('first usable form (settings)', settingsTimes);
summary('steps ready (token Send enabled)', stepsTimes);
