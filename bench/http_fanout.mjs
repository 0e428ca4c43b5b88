// http_fanout.mjs — the http_fanout benchmark (`npm run bench` runs it after
// bench/run.mjs): 1,000 status checks of a fixture endpoint that answers
// after 50 ms, at most 100 at a time, so the ideal wall time is 0.5 s. The
// URLs are spread over 20 loopback addresses and ports, so Chromium's limit
// of 6 connections per origin is not what is measured. Implementations:
//   corio-node        the C checker (wasm) in Node, on Node's TCP
//   corio-chromium    the same module in headless Chromium, through the dev
//                     server's relay (real TCP, as the page served by
//                     `npm start` has it)
//   corio-chromium-fetch  the same over fetch() (a page hosted as static files)
//   python-asyncio    the guide's status check (bench/http_fanout.py)
//   js-fetch-node     plain fetch() and a promise semaphore, in Node
//   js-fetch-chromium the same in Chromium
//   js-net-node       the guide's check written directly on node:net: the
//                     floor this machine and fixture server allow
// Each repetition is a fresh process (or a fresh browser page), the impls
// interleaved. Chromium runs as a user's does, with no automation library
// watching the page's traffic (bench/chromium_bare.mjs says why). Prints one
// JSON line per implementation with the median wall time; a table with the
// targets (corio within 1.3x of the ideal; corio-chromium within 1.15x of
// corio-node; corio over fetch() no slower than plain fetch where they run)
// goes to stderr.
//
//   node bench/http_fanout.mjs [--quick] [--reps=N] [--urls=N] [--concurrency=N]
//                              [--delay=MS] [--impls=a,b] [--no-build]
// --quick: 1 repetition of 200 URLs (unless --reps / --urls say otherwise).

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFixtures } from '../tests/fixtures/http_fixture.mjs';
import { fetchStatus, pool, summary } from './http_fanout_client.mjs';
import { buildDist, median } from './common.mjs';
import { CHROMIUM } from '../tests/browser/lib/chromium.mjs';
import { launchBareChromium } from './chromium_bare.mjs';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const IMPLS = [
  'corio-node',
  'corio-chromium',
  'corio-chromium-fetch',
  'python-asyncio',
  'js-fetch-node',
  'js-fetch-chromium',
  'js-net-node',
];
const RATIO_TARGET = 1.3;
const RELAY_TARGET = 1.15; // corio-chromium (relay) against corio-node
// How long a loaded page is left alone before it is timed, as a user's page
// is idle when they press Run. Each repetition's page has a browser context
// of its own, and Chromium starts browser-UI pages (its omnibox popup) for
// each new context, whose start takes a few hundred ms of CPU on this
// machine in the first second: timed at once, a run shares the cores with it.
const SETTLE_MS = 2000;
// How long the machine is left alone before each repetition: the one before
// may have been a browser page, whose renderer takes a while to go once its
// context is closed, beside whatever runs next.
const QUIET_MS = 1000;

function parseArgs(argv) {
  const o = {
    reps: null,
    urls: null,
    concurrency: 100,
    delay: 50,
    impls: IMPLS,
    build: true,
    origins: 20,
    quick: false,
  };
  for (const a of argv) {
    const [k, v] = a.split('=');
    if (k === '--describe') {
      // For bench/all.mjs: what this script runs and takes.
      console.log(
        JSON.stringify({
          workloads: ['http_fanout'],
          impls: IMPLS,
          flags: ['--quick', '--reps', '--urls', '--concurrency', '--delay', '--impls', '--no-build'],
        }),
      );
      process.exit(0);
    } else if (k === '--quick') o.quick = true;
    else if (k === '--reps') o.reps = Number(v);
    else if (k === '--urls') o.urls = Number(v);
    else if (k === '--concurrency') o.concurrency = Number(v);
    else if (k === '--delay') o.delay = Number(v);
    else if (k === '--impls') o.impls = v.split(',');
    else if (k === '--no-build') o.build = false;
    else {
      console.error(`http_fanout.mjs: unknown argument ${a}`);
      process.exit(2);
    }
  }
  o.reps ??= o.quick ? 1 : 3;
  o.urls ??= o.quick ? 200 : 1000;
  for (const i of o.impls) {
    if (!IMPLS.includes(i)) {
      console.error(`http_fanout.mjs: unknown impl ${i} (have ${IMPLS.join(', ')})`);
      process.exit(2);
    }
  }
  if (!(o.reps >= 1 && o.urls >= 1 && o.concurrency >= 1 && o.delay >= 0)) {
    console.error('http_fanout.mjs: --reps, --urls and --concurrency must be >= 1, --delay >= 0');
    process.exit(2);
  }
  return o;
}

// The dev server (`npm start`'s) in a process of its own, as a user runs
// it, not in this one beside the fixtures: resolves to {url, close()}.
function startDevServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['server/server.mjs', '--port', '0'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    const onData = (d) => {
      out += d;
      const m = /serving page\/ on (http:\S+)/.exec(out);
      if (!m) return;
      child.stdout.off('data', onData);
      child.stdout.resume(); // its request log, unread
      resolve({
        url: m[1],
        close: () =>
          new Promise((done) => {
            child.once('exit', done);
            child.kill();
          }),
      });
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the dev server exited (${code}): ${out}`)));
  });
}

// Runs a child process with `input` on stdin; resolves to its JSON line.
function runChild(cmd, args, input) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '',
      err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', (e) => resolve({ error: e.message }));
    child.on('close', (code) => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()));
      } catch {
        resolve({ error: `exit ${code}: ${(err || out).trim().split('\n').slice(-3).join(' | ')}` });
      }
    });
    child.stdin.end(input);
  });
}

// The browser side: one fresh page per repetition on the dev server. The
// page runs the same functions as the Node client, from their source.
async function browserRun(browser, serverUrl, impl, urls, limit) {
  let page = null;
  try {
    page = await browser.newPage(new URL('/', serverUrl).href);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const sources = { pool: pool.toString(), fetchStatus: fetchStatus.toString(), summary: summary.toString() };
    return await page.evaluate(
      async ({ impl, urls, limit, sources }) => {
        const pool = (0, eval)(`(${sources.pool})`);
        const fetchStatus = (0, eval)(`(${sources.fetchStatus})`);
        const summary = (0, eval)(`(${sources.summary})`);
        let run;
        if (impl.startsWith('corio-chromium')) {
          // The page's own choice of carrier (the relay, as the dev server
          // serves it), or fetch() as a page hosted as static files has it.
          const { checkUrls } = await import('/npm/checker.mjs');
          const { load } = await import('/npm/corio.mjs');
          const { chooseCarrier, moduleOptions } = await import('/carrier.mjs');
          const carrier = chooseCarrier();
          if (impl === 'corio-chromium' && carrier.kind !== 'relay') throw new Error('the page has no relay');
          const corio = await load(impl === 'corio-chromium' ? moduleOptions(carrier) : { corioTransport: 'fetch' });
          await checkUrls(urls.slice(0, 1), { concurrency: 1, timeout: 30, corio });
          run = () => checkUrls(urls, { concurrency: limit, timeout: 30, corio });
        } else {
          await pool(urls.slice(0, 1), 1, fetchStatus);
          run = () => pool(urls, limit, fetchStatus);
        }
        const start = performance.now();
        const results = await run();
        return summary(results, (performance.now() - start) / 1000);
      },
      { impl, urls, limit, sources },
    );
  } catch (e) {
    return { error: e.message.split('\n')[0] };
  } finally {
    await page?.close().catch(() => {});
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.build) buildDist('http_fanout');
  const fixtures = await startFixtures({ ports: o.origins });
  const urls = Array.from(
    { length: o.urls },
    (_, i) => new URL(`/delay?ms=${o.delay}&i=${i}`, fixtures.listeners[i % fixtures.listeners.length].base).href,
  );
  const input = urls.join('\n') + '\n';
  const ideal = (Math.ceil(o.urls / o.concurrency) * o.delay) / 1000;
  let server = null,
    browser = null;
  const rows = [];
  try {
    // One repetition of `impl`: {seconds, ok, ...} or {error}.
    const runOnce = async (impl) => {
      await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
      let r;
      if (impl === 'corio-node')
        r = await runChild(process.execPath, ['bench/http_fanout_client.mjs', 'corio', String(o.concurrency)], input);
      else if (impl === 'js-net-node')
        r = await runChild(process.execPath, ['bench/http_fanout_client.mjs', 'net', String(o.concurrency)], input);
      else if (impl === 'js-fetch-node')
        r = await runChild(process.execPath, ['bench/http_fanout_client.mjs', 'fetch', String(o.concurrency)], input);
      else if (impl === 'python-asyncio')
        r = await runChild(process.env.PYTHON || 'python3', ['bench/http_fanout.py', String(o.concurrency)], input);
      else {
        if (!browser) {
          if (!existsSync(CHROMIUM)) return { error: `${CHROMIUM} is missing` };
          browser = await launchBareChromium();
          server = await startDevServer();
        }
        r = await browserRun(browser, server.url, impl, urls, o.concurrency);
      }
      if (!r.error && r.ok !== o.urls)
        r.error = `${r.ok} of ${o.urls} checks answered (${JSON.stringify(r.statuses)}, ${r.errors} errors)`;
      return r;
    };
    // The repetitions go round the implementations (a, b, c, a, b, c, ...)
    // rather than one implementation's all before the next's: whatever
    // drifts on the machine during a run (other processes, the browser's
    // own state) then falls on each alike, and does not skew the ratios the
    // targets compare. An implementation that failed runs no more.
    const runsOf = new Map(o.impls.map((impl) => [impl, []]));
    for (let rep = 0; rep < o.reps; rep++)
      for (const impl of o.impls) {
        const runs = runsOf.get(impl);
        if (!runs.some((r) => r.error)) runs.push(await runOnce(impl));
      }
    for (const impl of o.impls) {
      const runs = runsOf.get(impl);
      const failed = runs.find((r) => r.error);
      const row = failed
        ? { workload: 'http_fanout', impl, error: failed.error }
        : {
            workload: 'http_fanout',
            impl,
            urls: o.urls,
            concurrency: o.concurrency,
            delay_ms: o.delay,
            ideal_seconds: ideal,
            seconds: median(runs.map((r) => r.seconds)),
            runs: runs.map((r) => Number(r.seconds.toFixed(4))),
          };
      if (!failed) row.ratio_to_ideal = Number((row.seconds / ideal).toFixed(3));
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  } finally {
    // Each goes, whatever the one before did.
    for (const close of [() => browser?.close(), () => server?.close(), () => fixtures.close()])
      await Promise.resolve()
        .then(close)
        .catch((e) => console.error(`http_fanout.mjs: closing: ${e.message}`));
  }
  const by = Object.fromEntries(rows.map((r) => [r.impl, r]));
  const lines = [
    `http_fanout: ${o.urls} URLs, ${o.delay} ms each, concurrency ${o.concurrency}: ideal ${ideal.toFixed(2)} s (median of ${o.reps})`,
  ];
  for (const r of rows)
    lines.push(
      `  ${r.impl.padEnd(18)} ${r.error ? `error: ${r.error}` : `${r.seconds.toFixed(3)} s  (${r.ratio_to_ideal}x ideal)`}`,
    );
  const [relay, node] = [by['corio-chromium'], by['corio-node']];
  if (relay && node && !relay.error && !node.error) {
    const x = relay.seconds / node.seconds;
    lines.push(
      `  target corio-chromium: <= ${RELAY_TARGET}x corio-node ${x <= RELAY_TARGET ? 'met' : 'missed'} (${x.toFixed(2)}x)`,
    );
  }
  for (const [corio, plain] of [
    ['corio-node', 'js-fetch-node'],
    ['corio-chromium-fetch', 'js-fetch-chromium'],
  ]) {
    const c = by[corio];
    if (!c || c.error) continue;
    const p = by[plain];
    const idealOk = c.ratio_to_ideal <= RATIO_TARGET;
    const vsPlain =
      p && !p.error
        ? c.seconds <= p.seconds
          ? 'met'
          : `missed (${(c.seconds / p.seconds).toFixed(2)}x plain fetch)`
        : 'not compared';
    lines.push(
      `  target ${corio}: <= ${RATIO_TARGET}x ideal ${idealOk ? 'met' : 'missed'}; no slower than ${plain}: ${vsPlain}`,
    );
  }
  console.error(lines.join('\n'));
}

await main();
