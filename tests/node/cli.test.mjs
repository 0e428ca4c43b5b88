// cli.test.mjs — `corio-check` (cli/corio-check.mjs) run as a process against the
// HTTP fixtures: each output format, the exit status (0 only if every URL
// answered below 400, 1 otherwise, 2 for usage errors), URLs from a file and
// from standard input, invalid URLs reported while the others still run,
// and progress on stderr; and each option (retries, --fail-on, -o, TLS
// trust, proxies through tests/fixtures/proxy_fixture.mjs, the live line on
// a terminal, "did you mean"). Build first: make -f emscripten.mk dist.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:https';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFixtures } from '../fixtures/http_fixture.mjs';
import { startProxy } from '../fixtures/proxy_fixture.mjs';
import { makeTestCertificates } from './lib/tls_certs.mjs';

const CLI = fileURLToPath(new URL('../../cli/corio-check.mjs', import.meta.url));

let fixtures;
let dir;
before(async () => {
  fixtures = await startFixtures();
  dir = await mkdtemp(join(tmpdir(), 'corio-check-'));
});
after(async () => {
  await fixtures.close();
  await rm(dir, { recursive: true, force: true });
});

const url = (path) => new URL(path, fixtures.base).href;

// The environment without proxy settings, so only a test's own apply.
function withoutProxies(env) {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !/^(https?|all|no)_proxy$/i.test(k)));
}

/** An https server on 127.0.0.1 answering 200, with a test CA: {url, caFile, close()}, or null without openssl. */
async function startHttps() {
  const certs = makeTestCertificates();
  if (!certs) return null;
  const server = createServer({ key: certs.key, cert: certs.cert }, (req, res) => res.end('ok'));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${server.address().port}/`,
    caFile: certs.caFile,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          certs.remove();
          resolve();
        });
      }),
  };
}

/** Runs the CLI; resolves to {code, stdout, stderr}. stdin: a string, or null for none (closed). */
function cli(args, { stdin = null, timeoutMs = 20_000, env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...withoutProxies(process.env), ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`corio-check ${args.join(' ')} did not end in ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin ?? '');
  });
}

const json = (r) => {
  try {
    return JSON.parse(r.stdout);
  } catch {
    assert.fail(`not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
};

test('table: one row per URL, a summary, exit 0 when every URL answered below 400', async () => {
  const r = await cli([url('200'), url('301'), url('status/399')]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^URL\s+STATUS\s+DNS\s+CONNECT\s+TLS\s+FIRST BYTE\s+TIME\s+RESULT$/);
  assert.match(lines[1], new RegExp(`^${url('200')}\\s+200(\\s+\\d+ ms){5}\\s+OK$`));
  assert.match(lines[2], /\s301\s.*Moved Permanently$/);
  assert.match(lines[3], /\s399\s/);
  assert.match(lines.at(-1), /^3 URLs: 3 below 400, 0 at 400 or above, 0 without a status; /);
  assert.equal(r.stderr, '', 'no progress when stderr is not a terminal');
});

test('exit 1 when a URL answered 400 or above, or failed', async () => {
  const http = await cli([url('200'), url('404')]);
  assert.equal(http.code, 1);
  assert.match(http.stdout, /404\s.*Not Found/);
  const failed = await cli([url('200'), fixtures.urls.refused, '--timeout', '0.3', url('hang')]);
  assert.equal(failed.code, 1);
  assert.match(failed.stdout, /connect ECONNREFUSED.*\(CORIO_ECONNREFUSED\)/);
  assert.match(failed.stdout, /no answer within 0\.3 s \(CORIO_ETIMEDOUT\)/);
  assert.match(failed.stdout, /1 below 400, 0 at 400 or above, 2 without a status/);
});

test('json: every result with its fields, in input order', async () => {
  const urls = [url('slow?ms=150'), url('404'), url('garbage')];
  const r = await cli(['--format', 'json', ...urls]);
  assert.equal(r.code, 1);
  const results = json(r);
  assert.deepEqual(
    results.map((x) => x.url),
    urls,
  );
  assert.deepEqual(
    results.map((x) => x.index),
    [0, 1, 2],
  );
  assert.deepEqual(Object.keys(results[0]).sort(), [
    'attempts',
    'checkedUrl',
    'ended',
    'error',
    'hidden',
    'index',
    'ms',
    'ok',
    'reason',
    'redirects',
    'started',
    'status',
    'timings',
    'url',
  ]);
  assert.equal(results[0].status, 200);
  assert.equal(results[0].ok, true);
  assert.ok(results[0].ms >= 140);
  assert.equal(results[1].status, 404);
  assert.equal(results[1].ok, false);
  assert.equal(results[2].status, null);
  assert.equal(results[2].error.codeName, 'CORIO_EPROTO');
});

test('csv: a header and one quoted-as-needed row per URL', async () => {
  const odd = url('status/404?a,b"c');
  const r = await cli(['--format', 'csv', url('200'), odd]);
  assert.equal(r.code, 1);
  const lines = r.stdout.split('\r\n');
  assert.equal(lines.at(-1), '');
  assert.equal(
    lines[0],
    'index,url,status,reason,ok,hidden,error_code,error_message,started_ms,ended_ms,ms,' +
      'dns_ms,connect_ms,tls_ms,first_byte_ms,attempts',
  );
  assert.match(
    lines[1],
    new RegExp(`^0,${url('200')},200,OK,true,false,,,[\\d.]+,[\\d.]+,[\\d.]+,[\\d.]+,[\\d.]+,[\\d.]+,[\\d.]+,1$`),
  );
  const quoted = `"${odd.replace(/"/g, '""')}"`;
  assert.ok(lines[2].startsWith(`1,${quoted},404,Not Found,false,false,,,`), lines[2]);
  assert.equal(lines.length, 4);
});

// Every C0 control but NUL (argv cannot hold it), DEL and a C1 control (CSI).
const CONTROLS = 'a\x1b[31mb\nc\rd\te\x07f\x7fg\x9bh\x01';
const ESCAPED = String.raw`a\x1b[31mb\nc\rd\te\x07f\x7fg\x9bh\x01`;
const hasControl = (s) => /[\x00-\x09\x0b-\x1f\x7f-\x9f]/.test(s);

test('table and progress show control characters in URLs and messages as escapes', async () => {
  const urls = [`http://127.0.0.1:1/${CONTROLS}`, `ftp://bad${CONTROLS}`];
  const r = await cli(['--progress', ...urls]);
  assert.equal(r.code, 1);
  assert.ok(!hasControl(r.stdout), JSON.stringify(r.stdout));
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 5, r.stdout);
  const [head, control, bad] = lines;
  assert.match(head, /^URL\s+STATUS\s+DNS\s+CONNECT\s+TLS\s+FIRST BYTE\s+TIME\s+RESULT$/);
  assert.ok(control.startsWith(`http://127.0.0.1:1/${ESCAPED} `), control);
  assert.ok(
    control.endsWith(
      `invalid URL "http://127.0.0.1:1/${ESCAPED}": ` + 'it contains a space or a control character (CORIO_EINVAL)',
    ),
    control,
  );
  assert.ok(bad.startsWith(`ftp://bad${ESCAPED} `), bad);
  assert.ok(bad.includes(`invalid URL "ftp://bad${ESCAPED}"`), bad);
  assert.ok(!hasControl(r.stderr), JSON.stringify(r.stderr));
  assert.equal(r.stderr.trimEnd().split('\n').length, 2, r.stderr);
  assert.ok(r.stderr.includes(`FAIL ftp://bad${ESCAPED} — invalid URL "ftp://bad${ESCAPED}"`), r.stderr);
});

test('csv escapes control characters as the table does, one row per URL', async () => {
  const odd = `http://127.0.0.1:1/${CONTROLS}`;
  const r = await cli(['--format', 'csv', odd, url('200')]);
  assert.equal(r.code, 1);
  const rows = r.stdout.split('\r\n');
  assert.equal(rows.length, 4, JSON.stringify(r.stdout));
  assert.ok(!hasControl(r.stdout.replace(/\r\n/g, '')), JSON.stringify(r.stdout));
  assert.ok(
    rows[1].startsWith(`0,http://127.0.0.1:1/${ESCAPED},,,false,false,CORIO_EINVAL,"invalid URL ""`),
    JSON.stringify(rows[1]),
  );
  assert.ok(rows[2].startsWith(`1,${url('200')},200,OK,`), rows[2]);
});

// A server whose reason phrase is a spreadsheet formula with a bidi
// override and a C1 control in it.
async function hostileReason() {
  const { createServer: createNet } = await import('node:net');
  const reason = '=HYPERLINK("http://x/")\u202e\u0085';
  const server = createNet((socket) => {
    socket.on('data', () =>
      socket.end(
        Buffer.concat([
          Buffer.from('HTTP/1.1 200 '),
          Buffer.from(reason, 'utf8'),
          Buffer.from('\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'),
        ]),
      ),
    );
    socket.on('error', () => {});
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() };
}

test('a formula in a reason phrase is neutralised in csv; bidi and C1 controls escaped in every format', async () => {
  const server = await hostileReason();
  try {
    const csv = await cli(['--format', 'csv', server.url]);
    assert.equal(csv.code, 0, csv.stderr);
    assert.ok(csv.stdout.split('\r\n')[1].includes(`,200,"'=HYPERLINK(""http://x/"")\\u202e\\x85",`), csv.stdout);
    for (const format of ['json', 'jsonl', 'table']) {
      const r = await cli(['--format', format, server.url]);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stdout, /[\u0080-\u009f\u202e]/, `${format}: ${r.stdout}`);
      if (format === 'table') assert.ok(r.stdout.includes('=HYPERLINK("http://x/")\\u202e\\x85'), r.stdout);
      else {
        const parsed = JSON.parse(r.stdout);
        assert.equal((format === 'json' ? parsed[0] : parsed).reason, '=HYPERLINK("http://x/")\u202e\u0085');
      }
    }
  } finally {
    server.close();
  }
});

test('an invalid URL is reported as such and the others still run', async () => {
  const r = await cli(['--format', 'json', 'not a url', url('200'), 'ftp://x/']);
  assert.equal(r.code, 1);
  const [bad, good, ftp] = json(r);
  assert.equal(bad.error.codeName, 'CORIO_EINVAL');
  assert.match(bad.error.message, /invalid URL "https:\/\/not a url\/"/);
  assert.equal(good.status, 200);
  assert.equal(ftp.error.codeName, 'CORIO_EINVAL');
  const table = await cli(['not a url']);
  assert.equal(table.code, 1);
  assert.match(
    table.stdout,
    /invalid URL "https:\/\/not a url\/": it contains a space or a control character \(CORIO_EINVAL\)/,
  );
});

test('URLs from a file: one per line, blank lines and # comments skipped', async () => {
  const file = join(dir, 'urls.txt');
  await writeFile(file, `# the fixtures\n${url('200')}\n\n   ${url('301')}   # a redirect\r\n#${url('404')}\n`);
  const r = await cli(['--format', 'json', '-f', file, url('empty')]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    json(r).map((x) => x.url),
    [url('200'), url('301'), url('empty')],
  );
});

test('jsonl: one JSON object per line as each check ends, from a file read as it goes', async () => {
  const file = join(dir, 'many.txt');
  const urls = Array.from({ length: 3000 }, (_, i) => (i % 1000 === 7 ? url('404') : `ftp://x/${i}`));
  await writeFile(file, urls.join('\n') + '\n');
  const r = await cli(['--format', 'jsonl', '-c', '3', '-f', file]);
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stdout.split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(lines.length, urls.length);
  const results = lines.map((line) => JSON.parse(line));
  assert.deepEqual(results.map((x) => x.url).sort(), [...urls].sort());
  assert.equal(results.filter((x) => x.status === 404).length, 3);
  const out = join(dir, 'out.jsonl');
  const o = await cli(['--format', 'jsonl', '-o', out, url('200')]);
  assert.equal(o.code, 0, o.stderr);
  assert.equal(JSON.parse(await readFile(out, 'utf8')).status, 200);
});

test('URLs from standard input: piped with no URL arguments, or "-"', async () => {
  const input = `${url('200')}\n# skip\n${url('status/201')}\n`;
  const piped = await cli(['--format', 'json'], { stdin: input });
  assert.equal(piped.code, 0, piped.stderr);
  assert.deepEqual(
    json(piped).map((x) => x.status),
    [200, 201],
  );
  const dash = await cli(['--format', 'json', url('404'), '-'], { stdin: input });
  assert.equal(dash.code, 1);
  assert.deepEqual(
    json(dash).map((x) => x.status),
    [404, 200, 201],
  );
});

test('"-f -" reads URLs from standard input, like a "-" argument', async () => {
  const input = `${url('200')}\n# skip\n${url('status/201')}\n`;
  const r = await cli(['--format', 'json', '-f', '-', url('404')], { stdin: input });
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(
    json(r).map((x) => x.status),
    [200, 201, 404],
  );
});

test('sequential mode checks one URL after the other', async () => {
  const r = await cli(['--sequential', '--format', 'json', url('slow?ms=100'), url('slow?ms=100')]);
  assert.equal(r.code, 0, r.stderr);
  const [a, b] = json(r);
  assert.ok(b.started >= a.ended, `${b.started} < ${a.ended}`);
});

test('--concurrency with --sequential warns on stderr that it has no effect', async () => {
  const warning = 'corio-check: warning: --concurrency has no effect with --sequential\n';
  const r = await cli(['-s', '-c', '5', '--format', 'json', url('200')]);
  assert.equal(r.code, 0);
  assert.equal(r.stderr, warning);
  assert.equal(json(r)[0].status, 200);
  const failed = await cli(['--concurrency=5', '--sequential', url('404')]);
  assert.equal(failed.code, 1);
  assert.equal(failed.stderr, warning);
  const concurrent = await cli(['-c', '5', url('200')]);
  assert.equal(concurrent.stderr, '');
});

test('--progress shows one line per URL on stderr; results stay on stdout', async () => {
  const r = await cli(['--progress', '--format', 'json', url('200'), url('404'), 'ftp://bad']);
  assert.equal(r.code, 1);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 3, r.stderr);
  for (const [i, line] of lines.entries()) assert.match(line, new RegExp(`^\\[${i + 1}/3\\] `));
  assert.ok(lines.some((l) => /ok +.*200 OK/.test(l)));
  assert.ok(lines.some((l) => /FAIL ftp:\/\/bad .*CORIO_EINVAL/.test(l)));
  assert.equal(json(r).length, 3);
  const quiet = await cli(['--progress', '--no-progress', url('200')]);
  assert.equal(quiet.stderr, '');
});

test('usage errors exit 2 with a clear message', async () => {
  const cases = [
    [['--concurrency', '0', url('200')], /--concurrency must be a whole number from 1 to 1000000, not "0"/],
    [['-c', 'many', url('200')], /--concurrency must be .*"many"/],
    [['--timeout=-1', url('200')], /--timeout must be a number of seconds >= 0/],
    [['--timeout', 'soon', url('200')], /--timeout must be .*"soon"/],
    [['--format', 'xml', url('200')], /--format must be one of table, json, csv, jsonl, not "xml"/],
    [['--bogus', url('200')], /unknown option --bogus\n/],
    [['-f', join(dir, 'missing.txt')], /cannot read .*missing\.txt: no such file/],
    [[], /no URLs to check/],
  ];
  for (const [args, message] of cases) {
    const r = await cli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}`);
    assert.match(r.stderr, /^corio-check: /);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
  }
});

test('a negative --timeout or --concurrency after a space gets the same clear message', async () => {
  const timeout = /--timeout must be a number of seconds >= 0 \(0: none\), not "-1"/;
  const concurrency = /--concurrency must be a whole number from 1 to 1000000, not "-5"/;
  const cases = [
    [['--timeout', '-1', url('200')], timeout],
    [['-t', '-1', url('200')], timeout],
    [['-st', '-0.5', url('200')], /--timeout must be .*, not "-0\.5"/],
    [['--concurrency', '-5', url('200')], concurrency],
    [['-c', '-5', url('200')], concurrency],
  ];
  for (const [args, message] of cases) {
    const r = await cli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}`);
    assert.match(r.stderr, /^corio-check: /);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /ambiguous/);
    assert.equal(r.stdout, '');
  }
});

test('--help prints the usage and exits 0', async () => {
  const r = await cli(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^usage: corio-check \[options\] \[URL\.\.\.\]/);
  assert.match(r.stdout, /--concurrency N/);
});

test('--version and -V print the package version', async () => {
  const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
  for (const flag of ['--version', '-V']) {
    const r = await cli([flag]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `corio-check ${version}\n`);
  }
});

test('a mistyped option gets "did you mean" the closest one', async () => {
  const cases = [
    [['--timout', '5'], '--timeout'],
    [['--formt', 'json'], '--format'],
    [['--concurency=3'], '--concurrency'],
    [['--fail-onn', '5xx'], '--fail-on'],
    [['--insecur'], '--insecure'],
  ];
  for (const [args, guess] of cases) {
    const r = await cli([...args, url('200')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`unknown option ${args[0].split('=')[0]} \\(did you mean ${guess}\\?\\)`));
  }
  const far = await cli(['--zzzzzz', url('200')]);
  assert.doesNotMatch(far.stderr, /did you mean/);
});

test('--help shows every option and usage examples', async () => {
  const r = await cli(['--help']);
  for (const flag of [
    '--version',
    '--retry',
    '--fail-on',
    '--output',
    '--proxy',
    '--noproxy',
    '--cacert',
    '--insecure',
    '--user-agent',
    '--header',
    '--request',
    '--head',
    '--location',
    '--max-redirs',
  ])
    assert.match(r.stdout, new RegExp(`${flag}\\b`));
  assert.match(r.stdout, /^examples:\n  corio-check /m);
});

test('-o FILE writes the results to FILE and nothing to stdout', async () => {
  const file = join(dir, 'out.json');
  const r = await cli(['--format', 'json', '-o', file, url('200')]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(JSON.parse(await readFile(file, 'utf8'))[0].status, 200);
});

test('--fail-on chooses what sets exit status 1', async () => {
  assert.equal((await cli(['--fail-on', '5xx,error', url('404')])).code, 0);
  assert.equal((await cli(['--fail-on', '5xx', url('500')])).code, 1);
  assert.equal((await cli(['--fail-on', '4xx', url('500'), fixtures.urls.refused])).code, 0);
  assert.equal((await cli(['--fail-on', 'error', fixtures.urls.refused])).code, 1);
  assert.equal((await cli(['--fail-on=4xx,5xx,error', url('404')])).code, 1);
  const bad = await cli(['--fail-on', '3xx', url('200')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--fail-on takes a list of 4xx, 5xx, error, not "3xx"/);
});

test('--retry checks again after 429/502/503/504 and connection errors, not after other answers', async () => {
  const flaky = (key, fails, status = 503) => url(`flaky?key=${key}&fails=${fails}&status=${status}`);
  const r = await cli([
    '--format',
    'json',
    '--retry',
    '2',
    '--retry-delay',
    '0.05',
    flaky('a', 2),
    flaky('b', 3, 429),
    url('404'),
    fixtures.urls.refused,
    flaky('c', 1, 502),
  ]);
  const [a, b, notFound, refused, c] = json(r);
  assert.deepEqual([a.status, a.attempts], [200, 3]);
  assert.deepEqual([b.status, b.attempts], [429, 3]); // still failing after 2 retries
  assert.deepEqual([notFound.status, notFound.attempts], [404, 1]);
  assert.deepEqual([refused.error.codeName, refused.attempts], ['CORIO_ECONNREFUSED', 3]);
  assert.deepEqual([c.status, c.attempts], [200, 2]);
  assert.equal(r.code, 1); // b and refused
  const none = json(await cli(['--format', 'json', flaky('d', 1)]));
  assert.deepEqual([none[0].status, none[0].attempts], [503, 1]);
});

test('--retry waits --retry-delay, doubled for each next attempt', async () => {
  const started = Date.now();
  const [r] = json(await cli(['--format', 'json', '--retry', '2', '--retry-delay', '0.3', url('flaky?key=e&fails=2')]));
  const took = Date.now() - started;
  assert.equal(r.attempts, 3);
  assert.ok(took >= 900, `0.3 s + 0.6 s of waiting, but the run took ${took} ms`);
  assert.ok(r.ended >= 900, `the result ended at ${r.ended} ms of the run`);
});

test('--retry with a bad count or delay is a usage error', async () => {
  for (const [args, message] of [
    [['--retry', '-1'], /--retry must be a whole number from 0 to 100/],
    [['--retry-delay', 'x'], /--retry-delay must be a number of seconds >= 0/],
  ]) {
    const r = await cli([...args, url('200')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, message);
  }
});

// The request flags map onto checkUrls' method, headers, userAgent and
// follow, which the C checker implements; what it cannot do fails clearly.
test('request flags: -I, -H, -A and -L check with them; -X other than GET/HEAD fails clearly', async () => {
  for (const args of [['-I'], ['-X', 'head'], ['-H', 'X-A: 1'], ['-A', 'me/1'], ['-L']]) {
    const r = await cli([...args, '--format', 'json', url('whoami')]);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(json(r)[0].status, 200, args.join(' '));
  }
  const post = await cli(['-X', 'POST', url('whoami')]);
  assert.equal(post.code, 2);
  assert.match(post.stderr, /-X: corio-check sends GET or HEAD, not POST/);
});

// curl's -w times: each phase of a check, from its start, in order.
test('timings: dns <= connect <= tls <= first byte <= total, in JSON and the JS API', async () => {
  const [r] = json(await cli(['--format', 'json', url('200')]));
  const t = r.timings;
  for (const k of ['dns', 'connect', 'tls', 'firstByte', 'total']) assert.equal(typeof t[k], 'number', k);
  assert.ok(
    t.dns <= t.connect && t.connect <= t.tls && t.tls <= t.firstByte && t.firstByte <= t.total,
    JSON.stringify(t),
  );
  const refused = json(await cli(['--format', 'json', fixtures.urls.refused]))[0];
  assert.deepEqual([refused.timings.dns, refused.timings.tls, refused.timings.firstByte], [null, null, null]);
});

// curl's -L --max-redirs: the chain is followed up to N hops; one more is an
// error naming the limit (curl's "Maximum (N) redirects followed").
test('-L follows a redirect; --max-redirs N stops a longer chain with CORIO_ELIMIT', async () => {
  const followed = json(await cli(['--format', 'json', '-L', '--max-redirs', '1', url('301')]))[0];
  assert.equal(followed.status, 200);
  assert.deepEqual(
    followed.redirects.map((h) => h.status),
    [301, 200],
  );
  const loop = json(await cli(['--format', 'json', '-L', '--max-redirs', '3', url('loop')]))[0];
  assert.equal(loop.error?.codeName, 'CORIO_ELIMIT');
  assert.match(loop.error.message, /more than 3 redirects/);
  const unlimited = json(await cli(['--format', 'json', '-L', url('loop')]))[0];
  assert.match(unlimited.error.message, /more than \d+ redirects/);
  const tooMany = json(await cli(['--format', 'json', '-L', '--max-redirs', '1000', url('301')]))[0];
  assert.equal(tooMany.error?.codeName, 'CORIO_EINVAL');
  assert.match(tooMany.error.message, /max_redirects must be/);
  const zero = await cli(['-L', '--max-redirs', '0', url('301')]);
  assert.equal(zero.code, 2);
});

test('-k accepts any certificate; --cacert trusts a CA; neither: a TLS error', async (t) => {
  const site = await startHttps();
  if (!site) return t.skip('openssl is missing');
  try {
    const plain = json(await cli(['--format', 'json', site.url]));
    assert.equal(plain[0].error?.codeName, 'CORIO_ETLS');
    const insecure = json(await cli(['--format', 'json', '-k', site.url]));
    assert.equal(insecure[0].status, 200);
    const trusted = json(await cli(['--format', 'json', '--cacert', site.caFile, site.url]));
    assert.equal(trusted[0].status, 200);
    const missing = await cli(['--cacert', join(dir, 'none.pem'), site.url]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read --cacert .*none\.pem: no such file/);
  } finally {
    await site.close();
  }
});

test('--proxy and $HTTP_PROXY carry checks through a CONNECT tunnel; NO_PROXY and --noproxy skip it', async () => {
  const proxy = await startProxy();
  try {
    const target = new URL(fixtures.base).host;
    const via = json(await cli(['--format', 'json', '--proxy', proxy.url, url('200')]));
    assert.equal(via[0].status, 200);
    assert.deepEqual(proxy.tunnels, [target]);
    const env = json(await cli(['--format', 'json', url('404')], { env: { HTTP_PROXY: proxy.url } }));
    assert.equal(env[0].status, 404);
    assert.equal(proxy.tunnels.length, 2);
    await cli([url('200')], { env: { HTTP_PROXY: proxy.url, NO_PROXY: 'example.com,127.0.0.1' } });
    await cli(['--noproxy', '*', url('200')], { env: { http_proxy: proxy.url } });
    await cli([url('200')], { env: { HTTPS_PROXY: proxy.url } }); // http URLs take HTTP_PROXY
    assert.equal(proxy.tunnels.length, 2);
  } finally {
    await proxy.close();
  }
});

test('https through the proxy: TLS runs inside the tunnel, end to end', async (t) => {
  const site = await startHttps();
  if (!site) return t.skip('openssl is missing');
  const proxy = await startProxy();
  try {
    const r = json(
      await cli(['--format', 'json', '--cacert', site.caFile, site.url], { env: { HTTPS_PROXY: proxy.url } }),
    );
    assert.equal(r[0].status, 200, JSON.stringify(r[0].error));
    assert.deepEqual(proxy.tunnels, [new URL(site.url).host]);
  } finally {
    await proxy.close();
    await site.close();
  }
});

test('a proxy that refuses the tunnel fails the check with its answer; a bad proxy URL is a usage error', async () => {
  const proxy = await startProxy({ refuse: true });
  try {
    const r = json(await cli(['--format', 'json', '--proxy', proxy.url, url('200')]));
    assert.equal(r[0].error.codeName, 'CORIO_ECONNREFUSED');
    assert.match(r[0].error.message, /proxy .* refused CONNECT .*407 Proxy Authentication Required/);
  } finally {
    await proxy.close();
  }
  const bad = await cli(['--proxy', 'socks5://127.0.0.1:1', url('200')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /must be an http:\/\/ proxy/);
});

test('on a terminal a live line shows done, in flight, failed and the slowest URL running', async () => {
  const args = [CLI, '--format', 'json', '-o', join(dir, 'live.json'), url('slow?ms=1500'), url('404'), url('200')];
  const command = [process.execPath, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const r = await new Promise((resolve) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('close', (code) => resolve({ code, out }));
  });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /\[2\/3\] 1 in flight, 1 failed; slowest running: http:\/\/.*ms=1500 \(\d+ ms\)/);
  assert.match(r.out, /\r\x1b\[K\[3\/3\] 0 in flight, 1 failed/);
  assert.match(r.out, /\[[12]\/3\] http .*404 Not Found/); // the per-URL lines print above it
});

test('each result has its phases: first byte and total; no answer is null / "-"', async () => {
  const [slow, hung, refused, invalid] = json(
    await cli(['--format', 'json', '-t', '0.4', url('slow?ms=300'), url('hang'), fixtures.urls.refused, 'not a url']),
  );
  assert.ok(slow.timings.firstByte >= 280, JSON.stringify(slow.timings));
  assert.ok(slow.timings.firstByte <= slow.timings.total, JSON.stringify(slow.timings));
  assert.equal(slow.timings.total, slow.ms);
  for (const r of [hung, refused, invalid]) assert.equal(r.timings.firstByte, null, r.url);
  const table = await cli(['-t', '0.4', url('slow?ms=300'), url('hang')]);
  const [, slowRow, hungRow] = table.stdout.split('\n');
  assert.match(slowRow, /\s200(\s+\d+ ms){3}\s+(2[89]\d|3\d\d) ms\s+\d+ ms\s+OK$/);
  assert.match(hungRow, /\s-(\s+-){4}\s+\d+ ms\s+no answer/);
  const csv = (await cli(['--format', 'csv', url('200')])).stdout.split('\r\n')[1].split(',');
  assert.ok(Number(csv[14]) >= 0 && Number(csv[14]) <= Number(csv[10]), csv.join(',')); // first_byte_ms <= ms
});

test("--retry honours a 429/503 answer's Retry-After instead of --retry-delay; results show it", async () => {
  const started = Date.now();
  const [r] = json(
    await cli([
      '--format',
      'json',
      '--retry',
      '1',
      '--retry-delay',
      '0.01',
      url('flaky?key=ra&fails=1&status=429&retry-after=1'),
    ]),
  );
  const took = Date.now() - started;
  assert.deepEqual([r.status, r.attempts], [200, 2]);
  assert.ok(took >= 1000, `Retry-After: 1 but the run took ${took} ms`);
  const [still] = json(await cli(['--format', 'json', url('flaky?key=rb&fails=9&status=503&retry-after=7')]));
  assert.deepEqual([still.status, still.retryAfter], [503, 7]);
  const [other] = json(await cli(['--format', 'json', url('404')]));
  assert.equal(other.retryAfter, undefined);
});
