// http_fanout_client.mjs — one Node process of the http_fanout benchmark:
// checks the URLs given on standard input with corio (the C checker in wasm,
// on Node's TCP), with plain fetch() and a promise semaphore, or with the
// guide's check written directly on node:net (the floor: what this machine
// and fixture server allow at all), and prints one JSON line
// {seconds, ok, errors, statuses}.
//
//   node bench/http_fanout_client.mjs corio|fetch|net CONCURRENCY < urls.txt

import { readFileSync } from 'node:fs';
import { connect } from 'node:net';

/** Runs one(url) over every URL, at most `limit` at a time (a promise
 * semaphore made of `limit` workers); results in input order. */
export async function pool(urls, limit, one) {
  const results = new Array(urls.length);
  let next = 0;
  async function worker() {
    while (next < urls.length) {
      const i = next++;
      results[i] = await one(urls[i]);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, urls.length) }, worker));
  return results;
}

/** Plain JS: fetch() one URL; its status, or the error. */
export async function fetchStatus(url) {
  try {
    const res = await fetch(url, { cache: 'no-store' });
    await res.body?.cancel();
    return { status: res.status };
  } catch (e) {
    return { error: String(e.message) };
  }
}

/** The guide's check on node:net: connect, GET, read the status line, close. */
function netStatus(url) {
  return new Promise((resolve) => {
    const u = new URL(url);
    const sock = connect(Number(u.port) || 80, u.hostname);
    let head = '';
    sock.setEncoding('latin1');
    sock.on('connect', () =>
      sock.write(`GET ${u.pathname}${u.search} HTTP/1.1\r\n` + `Host: ${u.host}\r\nConnection: close\r\n\r\n`),
    );
    sock.on('data', (d) => {
      head += d;
      const eol = head.indexOf('\n');
      if (eol < 0) return;
      sock.destroy();
      resolve({ status: Number(head.slice(0, eol).split(' ')[1]) });
    });
    sock.on('error', (e) => resolve({ error: e.message }));
    sock.on('close', () => resolve({ error: 'closed before a status line' }));
  });
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
  const urls = readFileSync(0, 'utf8')
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!['corio', 'fetch', 'net'].includes(impl) || !(limit > 0) || urls.length === 0) {
    console.error('usage: node bench/http_fanout_client.mjs corio|fetch|net CONCURRENCY < urls');
    process.exit(2);
  }
  let run;
  if (impl === 'corio') {
    const { checkUrls } = await import('../npm/checker_node.mjs');
    // Loads the module first, so the time is the fan-out's alone.
    await checkUrls(urls.slice(0, 1), { concurrency: 1, timeout: 30 });
    run = () => checkUrls(urls, { concurrency: limit, timeout: 30 });
  } else if (impl === 'net') {
    await pool(urls.slice(0, 1), 1, netStatus);
    run = () => pool(urls, limit, netStatus);
  } else {
    await pool(urls.slice(0, 1), 1, fetchStatus);
    run = () => pool(urls, limit, fetchStatus);
  }
  const start = performance.now();
  const results = await run();
  const seconds = (performance.now() - start) / 1000;
  console.log(JSON.stringify(summary(results, seconds)));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
