// checker_million.mjs — the checker_million benchmark (`npm run bench` runs
// it): 1,000,000 URLs to a closed loopback port, 200 at a time, through
// the CLI (`corio-check -c 200 --format jsonl`, the URLs piped on stdin)
// and through iterateChecks (an endless-style generator): the wall time,
// the number of results (exactly one per URL) and the process's peak RSS,
// which must stay under 300 MB: memory follows the concurrency, not the
// number of URLs. Each run is a fresh process under /usr/bin/time (its
// maximum resident set size).
//
//   node bench/checker_million.mjs [--quick] [--impls=a,b] [--no-build]
// --quick: 100,000 URLs instead of 1,000,000.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { buildDist, ROOT } from './common.mjs';

const IMPLS = ['corio-cli', 'iterate-checks'];
const CONCURRENCY = 200;
const RSS_LIMIT_MB = 300;

function parseArgs(argv) {
  const o = { quick: false, impls: IMPLS, build: true, child: null };
  for (const a of argv) {
    const [k, v] = a.split('=');
    if (k === '--describe') {
      console.log(
        JSON.stringify({ workloads: ['checker_million'], impls: IMPLS, flags: ['--quick', '--impls', '--no-build'] }),
      );
      process.exit(0);
    } else if (k === '--quick') o.quick = true;
    else if (k === '--impls' && v) o.impls = v.split(',');
    else if (k === '--no-build') o.build = false;
    else if (k === '--child' && v)
      o.child = v; // internal: the iterateChecks run
    else {
      console.error(
        `checker_million.mjs: unknown argument ${a}\n` +
          'usage: node bench/checker_million.mjs [--quick] [--impls=a,b] [--no-build]',
      );
      process.exit(2);
    }
  }
  const unknown = o.impls.filter((i) => !IMPLS.includes(i));
  if (unknown.length) {
    console.error(`checker_million.mjs: impls are ${IMPLS.join(', ')}`);
    process.exit(2);
  }
  return o;
}

// A loopback port nothing listens on: every check is refused at once.
async function closedPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function* urls(n, port) {
  for (let i = 0; i < n; i++) yield `http://127.0.0.1:${port}/${i}`;
}

// The child of the iterate-checks impl: prints the number of results.
async function iterateChild(spec) {
  const [n, port] = spec.split(':').map(Number);
  const { iterateChecks } = await import('../npm/checker_node.mjs');
  let count = 0;
  for await (const r of iterateChecks(urls(n, port), { concurrency: CONCURRENCY, timeout: 10 })) {
    if (r.error === null && r.status === null) throw new Error('a result with neither status nor error');
    count++;
  }
  console.log(count);
}

// Runs one impl under /usr/bin/time; resolves to {seconds, lines, peak_rss_mb} or {error}.
function measure(impl, n, port) {
  const args =
    impl === 'corio-cli'
      ? [
          process.execPath,
          join(ROOT, 'cli', 'corio-check.mjs'),
          '-c',
          String(CONCURRENCY),
          '-t',
          '10',
          '--format',
          'jsonl',
          '--no-progress',
        ]
      : [process.execPath, join(ROOT, 'bench', 'checker_million.mjs'), `--child=${n}:${port}`];
  return new Promise((resolve) => {
    const start = performance.now();
    const child = spawn('/usr/bin/time', ['-f', 'MAXRSS_KB %M', ...args], {
      stdio: [impl === 'corio-cli' ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    let lines = 0;
    let last = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      for (const c of d) if (c === '\n') lines++;
      last = (last + d).slice(-64);
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', (e) => resolve({ error: e.message }));
    child.on('close', (code) => {
      const seconds = (performance.now() - start) / 1000;
      const kb = /MAXRSS_KB (\d+)/.exec(stderr)?.[1];
      if (!kb) return resolve({ error: `exit ${code}: ${stderr.trim().split('\n')[0]}` });
      // The CLI exits 1 (every URL failed); the child prints its count.
      const results = impl === 'corio-cli' ? lines : Number(last.trim().split('\n').pop());
      if (impl !== 'corio-cli' && code !== 0)
        return resolve({ error: `exit ${code}: ${stderr.trim().split('\n')[0]}` });
      resolve({ seconds: Number(seconds.toFixed(2)), results, peak_rss_mb: Number((kb / 1024).toFixed(1)) });
    });
    if (impl === 'corio-cli') {
      // The URLs go in as the CLI reads them (backpressure on the pipe).
      const source = urls(n, port);
      const feed = () => {
        for (;;) {
          const { value, done } = source.next();
          if (done) return child.stdin.end();
          if (!child.stdin.write(value + '\n')) return child.stdin.once('drain', feed);
        }
      };
      child.stdin.on('error', () => {});
      feed();
    }
  });
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.child) return iterateChild(o.child);
  if (o.build) buildDist('checker_million');
  const n = o.quick ? 100_000 : 1_000_000;
  const port = await closedPort();
  const rows = [];
  for (const impl of o.impls) {
    const r = await measure(impl, n, port);
    rows.push(
      r.error
        ? { workload: 'checker_million', impl, urls: n, error: r.error }
        : {
            workload: 'checker_million',
            impl,
            urls: n,
            concurrency: CONCURRENCY,
            ...r,
            stable: r.results === n && r.peak_rss_mb < RSS_LIMIT_MB,
          },
    );
  }
  for (const r of rows) console.log(JSON.stringify(r));
  const lines = [
    `checker_million: ${n} URLs to a closed loopback port, -c ${CONCURRENCY}` +
      ` (target: one result per URL, peak RSS < ${RSS_LIMIT_MB} MB)`,
  ];
  for (const r of rows)
    lines.push(
      `  ${r.impl.padEnd(15)} ${
        r.error
          ? `error: ${r.error}`
          : `${r.seconds} s, ${r.results} results, ` + `peak RSS ${r.peak_rss_mb} MB: ${r.stable ? 'met' : 'MISSED'}`
      }`,
    );
  console.error(lines.join('\n'));
}

await main();
