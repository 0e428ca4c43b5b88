// http_fanout_client.mjs — one Node process of the http_fanout benchmark:
// checks the URLs given on standard input with corio (the C checker in wasm,
// on Node's TCP) or with plain fetch() and a promise semaphore, and prints
// one JSON line {seconds, ok, errors, statuses}.
//
//   node bench/http_fanout_client.mjs corio|fetch CONCURRENCY < urls.txt

import { readFileSync } from 'node:fs';

/** Plain JS: fetch() each URL, at most `limit` at a time. */
export async function fetchAll(urls, limit) {
  const results = new Array(urls.length);
  let next = 0;
  async function worker() {
    while (next < urls.length) {
      const i = next++;
      try {
        const res = await fetch(urls[i], { cache: 'no-store' });
        await res.body?.cancel();
        results[i] = { status: res.status };
      } catch (e) {
        results[i] = { error: String(e.message) };
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, urls.length) }, worker));
  return results;
}

/** Counts statuses and errors of a list of {status} / {error} results. */
export function summary(results, seconds) {
  const statuses = {};
  let errors = 0;
  for (const r of results) {
    if (r.status == null || r.error) errors++;
    else statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  }
  return { seconds, ok: results.length - errors, errors, statuses };
}

async function main() {
  const [impl, limitText] = process.argv.slice(2);
  const limit = Number(limitText);
  const urls = readFileSync(0, 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
  if (!['corio', 'fetch'].includes(impl) || !(limit > 0) || urls.length === 0) {
    console.error('usage: node bench/http_fanout_client.mjs corio|fetch CONCURRENCY < urls');
    process.exit(2);
  }
  let run;
  if (impl === 'corio') {
    const { checkUrls } = await import('../web/checker.mjs');
    // Loads the module first, so the time is the fan-out's alone.
    await checkUrls(urls.slice(0, 1), { concurrency: 1, timeout: 30 });
    run = () => checkUrls(urls, { concurrency: limit, timeout: 30 });
  } else {
    await fetchAll(urls.slice(0, 1), 1);
    run = () => fetchAll(urls, limit);
  }
  const start = performance.now();
  const results = await run();
  const seconds = (performance.now() - start) / 1000;
  console.log(JSON.stringify(summary(results, seconds)));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
