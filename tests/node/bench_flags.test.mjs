// bench_flags.test.mjs — `npm run bench -- FLAGS` (bench/all.mjs) hands each
// documented flag to every benchmark script that takes it, and each script
// accepts what it is handed: checked with --dry-run (the command lines) and
// each script's --describe, without running a benchmark. An unknown flag,
// workload or impl is refused with exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const all = (...args) =>
  spawnSync(process.execPath, ['bench/all.mjs', ...args, '--dry-run'], { cwd: ROOT, encoding: 'utf8' });
const commands = (r) =>
  Object.fromEntries(
    r.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(' '))
      .map(([, script, ...args]) => [script, args]),
  );

test('npm run bench runs bench/all.mjs, which has no build of its own to skip flags', () => {
  const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8'));
  assert.match(pkg.scripts.bench, /node bench\/all\.mjs$/); // npm appends the flags here
});

test('--quick reaches every script, --no-build too (the build ran once before)', () => {
  const c = commands(all('--quick'));
  assert.deepEqual(Object.keys(c), [
    'bench/run.mjs',
    'bench/http_fanout.mjs',
    'bench/cli_one_url.mjs',
    'bench/subprocess.mjs',
    'bench/checker_million.mjs',
    'bench/checker_block.mjs',
  ]);
  for (const args of Object.values(c)) {
    assert.ok(args.includes('--quick'));
    assert.ok(args.includes('--no-build'));
  }
});

test('--only and --impls pick scripts and reach each as its own part', () => {
  const c = commands(all('--only=switch,cli_one_url', '--impls=corio-wasm,curl', '--reps=2'));
  assert.deepEqual(Object.keys(c), ['bench/run.mjs', 'bench/cli_one_url.mjs']);
  assert.ok(c['bench/run.mjs'].includes('--only=switch'));
  assert.ok(c['bench/run.mjs'].includes('--impls=corio-wasm'));
  assert.ok(c['bench/cli_one_url.mjs'].includes('--impls=curl'));
  for (const args of Object.values(c)) assert.ok(args.includes('--reps=2'));
});

test("a script's own flags reach it alone", () => {
  const c = commands(all('--urls=50', '--concurrency=5', '--delay=10', '--timeout=30'));
  assert.ok(['--urls=50', '--concurrency=5', '--delay=10'].every((f) => c['bench/http_fanout.mjs'].includes(f)));
  assert.ok(c['bench/run.mjs'].includes('--timeout=30'));
  assert.ok(!c['bench/cli_one_url.mjs'].some((a) => /urls|timeout|delay/.test(a)));
});

test('every script accepts what it is handed (its --describe lists each flag)', () => {
  const c = commands(all('--quick', '--reps=2', '--urls=5', '--concurrency=2', '--delay=1', '--timeout=9'));
  for (const [script, args] of Object.entries(c)) {
    const { flags } = JSON.parse(
      spawnSync(process.execPath, [script, '--describe'], { cwd: ROOT, encoding: 'utf8' }).stdout,
    );
    for (const a of args) assert.ok(flags.includes(a.split('=')[0]), `${script} does not take ${a}`);
  }
});

test('an unknown flag, workload or impl exits 2 naming it', () => {
  for (const [arg, words] of [
    ['--bogus', /unknown argument --bogus/],
    ['--only=nope', /unknown workload nope/],
    ['--impls=nope', /unknown impl nope/],
  ]) {
    const r = all(arg);
    assert.equal(r.status, 2);
    assert.match(r.stderr, words);
  }
});
