// deny_private.test.mjs — the address policy over the network, from JS:
// `denyPrivate: true` in checkUrls on Node's own sockets and on the fetch()
// carrier, and `corio-check --deny-private`. Each of 25 spellings of
// loopback (tests/fixtures/loopback_spellings.mjs) ends as CORIO_EDENIED
// naming the address, while a loopback server listening there sees no
// connection at all. (Private, link-local, CGNAT and metadata addresses
// are tested on the policy function alone, in the C suite: from these
// machines only loopback may ever be a connection target.) Also: the
// fetch() carrier ends a connect still under way when its check ends, so
// the process is not held after the results (issue: 10.6 s).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { checkUrls } from '../../npm/checker_node.mjs';
import { load } from '../../npm/node.mjs';
import { LOOPBACK_SPELLINGS } from '../fixtures/loopback_spellings.mjs';

const CLI = fileURLToPath(new URL('../../cli/corio-check.mjs', import.meta.url));
let server;
let seen = 0;
let urls;

before(async () => {
  // Listens on every address (IPv4 and IPv6 loopback alike) so that a
  // connection through any spelling would be counted.
  server = createServer((s) => {
    seen++;
    s.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
  });
  await new Promise((resolve) => server.listen(0, '::', resolve));
  urls = LOOPBACK_SPELLINGS.map((host) => `http://${host}:${server.address().port}/`);
});

after(() => server.close());

function assertAllDenied(results) {
  assert.equal(results.length, urls.length, 'one result per URL');
  for (const r of results) {
    assert.equal(r.error?.codeName, 'CORIO_EDENIED', `${r.url}: ${r.status ?? r.error?.message}`);
    assert.match(r.error.message, /refused to connect to .* is /, r.url);
  }
  assert.equal(seen, 0, 'the server saw a connection');
}

test('there are 25 spellings, and without the policy they reach the server', async () => {
  assert.equal(LOOPBACK_SPELLINGS.length, 25);
  const r = await checkUrls(urls.slice(0, 3), { timeout: 5 });
  assert.deepEqual(
    r.map((x) => x.status),
    [200, 200, 200],
  );
  assert.equal(seen, 3);
  seen = 0;
});

test("denyPrivate refuses every spelling on Node's sockets", async () => {
  assertAllDenied(await checkUrls(urls, { timeout: 5, denyPrivate: true }));
});

test('denyPrivate refuses every spelling on the fetch() carrier', async () => {
  const corio = await load({ corioTransport: 'fetch' });
  assertAllDenied(await checkUrls(urls, { corio, timeout: 5, denyPrivate: true, concurrency: 25 }));
});

test('corio-check --deny-private refuses every spelling (jsonl)', async () => {
  const child = spawn(process.execPath, [CLI, '--deny-private', '--format', 'jsonl', '-t', '5', ...urls], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const code = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(code, 1, 'a failed check fails the run');
  const lines = out.trim().split('\n').map(JSON.parse);
  assert.equal(lines.length, 25);
  for (const l of lines) assert.equal(l.error?.codeName, 'CORIO_EDENIED', JSON.stringify(l));
  assert.equal(seen, 0);
});

// A port whose accept queue is full: a connect to it waits (SYNs dropped)
// rather than failing, the way a far, silent host does.
async function hungPort() {
  const child = spawn(
    'python3',
    [
      '-c',
      [
        'import socket, sys, time',
        "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(0)",
        'p = s.getsockname()[1]; fill = []',
        'for i in range(4):',
        '  c = socket.socket(); c.setblocking(False)',
        '  try: c.connect(("127.0.0.1", p))',
        '  except BlockingIOError: pass',
        '  fill.append(c)',
        'time.sleep(0.3); print(p, flush=True); sys.stdin.read()',
      ].join('\n'),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const port = await new Promise((resolve) => child.stdout.once('data', (d) => resolve(Number(d))));
  return { port, close: () => child.stdin.end() };
}

test('the fetch() carrier ends a connect under way when its check ends: the process exits at once', async (t) => {
  const hung = await hungPort();
  t.after(() => hung.close());
  const script = `
    import { checkUrls } from ${JSON.stringify(new URL('../../npm/checker_node.mjs', import.meta.url).href)};
    import { load } from ${JSON.stringify(new URL('../../npm/node.mjs', import.meta.url).href)};
    const corio = await load({ corioTransport: 'fetch' });
    const [r] = await checkUrls(['http://127.0.0.1:${hung.port}/'], { corio, timeout: 0.5 });
    console.log(JSON.stringify({ error: r.error?.codeName, at: performance.now() }));`;
  const started = Date.now();
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  await new Promise((resolve) => child.on('close', resolve));
  const ms = Date.now() - started;
  assert.equal(JSON.parse(out).error, 'CORIO_ETIMEDOUT');
  // The check ends at 0.5 s; the process was held 10 s after it before.
  assert.ok(ms < 5000, `the process ended ${ms} ms after it started`);
});
