// cli.test.mjs — `corio-check` (cli/corio-check.mjs) run as a process against the
// HTTP fixtures: each output format, the exit status (0 only if every URL
// answered below 400, 1 otherwise, 2 for usage errors), URLs from a file and
// from standard input, invalid URLs reported while the others still run,
// and progress on stderr. Build first: make -f emscripten.mk dist.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFixtures } from '../fixtures/http_fixture.mjs';

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

/** Runs the CLI; resolves to {code, stdout, stderr}. stdin: a string, or null for none (closed). */
function cli(args, { stdin = null, timeoutMs = 20_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
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
  assert.match(lines[0], /^URL\s+STATUS\s+TIME\s+RESULT$/);
  assert.match(lines[1], new RegExp(`^${url('200')}\\s+200\\s+\\d+ ms\\s+OK$`));
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
  assert.deepEqual(results.map((x) => x.url), urls);
  assert.deepEqual(results.map((x) => x.index), [0, 1, 2]);
  assert.deepEqual(Object.keys(results[0]).sort(),
    ['ended', 'error', 'hidden', 'index', 'ms', 'ok', 'reason', 'started', 'status', 'url']);
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
  assert.equal(lines[0], 'index,url,status,reason,ok,hidden,error_code,error_message,started_ms,ended_ms,ms');
  assert.match(lines[1], new RegExp(`^0,${url('200')},200,OK,true,false,,,[\\d.]+,[\\d.]+,[\\d.]+$`));
  const quoted = `"${odd.replace(/"/g, '""')}"`;
  assert.ok(lines[2].startsWith(`1,${quoted},404,Not Found,false,false,,,`), lines[2]);
  assert.equal(lines.length, 4);
});

// Every C0 control but NUL (argv cannot hold it), DEL and a C1 control (CSI).
const CONTROLS = 'a\x1b[31mb\nc\rd\te\x07f\x7fg\x9bh\x01';
const ESCAPED = String.raw`a\x1b[31mb\nc\rd\te\x07f\x7fg\x9bh\x01`;
const hasControl = (s) => /[\x00-\x09\x0b-\x1f\x7f-\x9f]/.test(s);

test('table and progress show control characters in URLs and messages as escapes', async () => {
  const urls = [`http://127.0.0.1:1/${CONTROLS}`, `bad${CONTROLS}`];
  const r = await cli(['--progress', ...urls]);
  assert.equal(r.code, 1);
  assert.ok(!hasControl(r.stdout), JSON.stringify(r.stdout));
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 5, r.stdout);
  const [head, control, bad] = lines;
  assert.match(head, /^URL\s+STATUS\s+TIME\s+RESULT$/);
  assert.ok(control.startsWith(`http://127.0.0.1:1/${ESCAPED} `), control);
  assert.ok(control.endsWith(`invalid URL "http://127.0.0.1:1/${ESCAPED}": ` +
    'it contains a space or a control character (CORIO_EINVAL)'), control);
  assert.ok(bad.startsWith(`bad${ESCAPED} `), bad);
  assert.ok(bad.includes(`invalid URL "bad${ESCAPED}"`), bad);
  assert.ok(!hasControl(r.stderr), JSON.stringify(r.stderr));
  assert.equal(r.stderr.trimEnd().split('\n').length, 2, r.stderr);
  assert.ok(r.stderr.includes(`FAIL bad${ESCAPED} — invalid URL "bad${ESCAPED}"`), r.stderr);
});

test('csv keeps control characters intact, a line break only inside a quoted field', async () => {
  const odd = `http://127.0.0.1:1/${CONTROLS}`;
  const r = await cli(['--format', 'csv', odd, url('200')]);
  assert.equal(r.code, 1);
  const rows = r.stdout.split('\r\n');
  assert.equal(rows.length, 4, JSON.stringify(r.stdout));
  assert.ok(rows[1].startsWith(`0,"${odd}",,,false,false,CORIO_EINVAL,"invalid URL ""${odd}"": `),
    JSON.stringify(rows[1]));
  assert.ok(rows[2].startsWith(`1,${url('200')},200,OK,`), rows[2]);
});

test('an invalid URL is reported as such and the others still run', async () => {
  const r = await cli(['--format', 'json', 'not a url', url('200'), 'ftp://x/']);
  assert.equal(r.code, 1);
  const [bad, good, ftp] = json(r);
  assert.equal(bad.error.codeName, 'CORIO_EINVAL');
  assert.match(bad.error.message, /invalid URL "not a url"/);
  assert.equal(good.status, 200);
  assert.equal(ftp.error.codeName, 'CORIO_EINVAL');
  const table = await cli(['not a url']);
  assert.equal(table.code, 1);
  assert.match(table.stdout, /invalid URL "not a url": it must start with http:\/\/ or https:\/\/ \(CORIO_EINVAL\)/);
});

test('URLs from a file: one per line, blank lines and # comments skipped', async () => {
  const file = join(dir, 'urls.txt');
  await writeFile(file, `# the fixtures\n${url('200')}\n\n   ${url('301')}   # a redirect\r\n#${url('404')}\n`);
  const r = await cli(['--format', 'json', '-f', file, url('empty')]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(json(r).map((x) => x.url), [url('200'), url('301'), url('empty')]);
});

test('URLs from standard input: piped with no URL arguments, or "-"', async () => {
  const input = `${url('200')}\n# skip\n${url('status/201')}\n`;
  const piped = await cli(['--format', 'json'], { stdin: input });
  assert.equal(piped.code, 0, piped.stderr);
  assert.deepEqual(json(piped).map((x) => x.status), [200, 201]);
  const dash = await cli(['--format', 'json', url('404'), '-'], { stdin: input });
  assert.equal(dash.code, 1);
  assert.deepEqual(json(dash).map((x) => x.status), [404, 200, 201]);
});

test('"-f -" reads URLs from standard input, like a "-" argument', async () => {
  const input = `${url('200')}\n# skip\n${url('status/201')}\n`;
  const r = await cli(['--format', 'json', '-f', '-', url('404')], { stdin: input });
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(json(r).map((x) => x.status), [200, 201, 404]);
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
  const r = await cli(['--progress', '--format', 'json', url('200'), url('404'), 'bad']);
  assert.equal(r.code, 1);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 3, r.stderr);
  for (const [i, line] of lines.entries()) assert.match(line, new RegExp(`^\\[${i + 1}/3\\] `));
  assert.ok(lines.some((l) => /ok +.*200 OK/.test(l)));
  assert.ok(lines.some((l) => /FAIL bad .*CORIO_EINVAL/.test(l)));
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
    [['--format', 'xml', url('200')], /--format must be one of table, json, csv, not "xml"/],
    [['--bogus', url('200')], /Unknown option '--bogus'/],
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
