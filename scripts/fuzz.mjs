// fuzz.mjs — runs the libFuzzer harnesses of tests/fuzz/ (built by
// `make -f emscripten.mk fuzzers` as build/native/fuzz_NAME), two at a time
// (the machine has two cores). `npm run fuzz` runs each for a long time
// with a corpus kept under build/fuzz/corpus/NAME between runs;
// tests/node/fuzz.test.mjs imports runFuzzer for its short smoke runs.
//
//   node scripts/fuzz.mjs [--seconds=N] [NAME...]   (default: 600 s, all)
//
// NAME "alloc" (part of "all") is the allocation-failure sweeps
// (build/native/alloc_fail, tests/c/programs/alloc_fail.c) in full: every N
// with allocation N failing, and with N and all after it failing (npm test
// samples every third N of the latter).
//
// A harness checks invariants (tests/fuzz/*.c); an input that breaks one,
// or a sanitizer report, stops that fuzzer and is written to
// build/fuzz/crash-NAME-*: rerun it with build/native/fuzz_NAME FILE.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../', import.meta.url));
export const FUZZERS = ['url', 'head', 'chunked', 'body'];
export const buildDir = `${repo}build/`;

/** Writes the seed corpora (tests/fuzz/seeds.c) under dir/NAME. */
export function writeSeeds(dir) {
  for (const name of FUZZERS) mkdirSync(`${dir}/${name}`, { recursive: true });
  const r = spawnSync(`${buildDir}native/fuzz_seeds`, [dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`fuzz_seeds ${dir} failed: ${r.stderr}${r.error ?? ''}`);
}

/**
 * Runs fuzzer `name` for `seconds` on corpus dir `corpus` (new inputs are
 * added to it) and the seeds in `seeds`. Resolves to {ok, runs, output}:
 * ok is a clean exit (no crash, no broken invariant, no leak). `nice`:
 * the fuzzer's scheduling priority (npm test runs it beside tests that
 * measure time, which must not starve).
 */
export function runFuzzer(name, { seconds, corpus, seeds, artifacts, nice = 0 }) {
  mkdirSync(corpus, { recursive: true });
  mkdirSync(artifacts, { recursive: true });
  const args = [
    `-max_total_time=${seconds}`,
    '-print_final_stats=1',
    `-artifact_prefix=${artifacts}/crash-${name}-`,
    corpus,
    seeds,
  ];
  return new Promise((resolve) => {
    const child = spawn(`${buildDir}native/fuzz_${name}`, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    if (nice && child.pid) setPriority(child.pid, nice);
    const out = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => out.push(d));
    child.on('error', (e) => out.push(Buffer.from(`spawning fuzz_${name}: ${e.message}\n`)));
    child.on('close', (status, signal) => {
      const output = Buffer.concat(out).toString();
      const runs = Number(/stat::number_of_executed_units:\s*(\d+)/.exec(output)?.[1] ?? 0);
      resolve({ ok: status === 0 && !signal, status, signal, runs, output });
    });
  });
}

/** Runs `jobs` (functions returning promises) at most `limit` at a time. */
export async function pool(jobs, limit = 2) {
  const results = [];
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

const ALLOC_PROGRAMS = ['tasks', 'sync', 'queues', 'streams', 'checker'];

/** Runs `alloc_fail PROGRAM sweep`, env added; resolves to {ok, output}. */
function allocSweep(program, env) {
  return new Promise((resolve) => {
    const child = spawn(`${buildDir}native/alloc_fail`, [program, 'sweep'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    const out = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => out.push(d));
    child.on('error', (e) => out.push(Buffer.from(`spawning alloc_fail: ${e.message}\n`)));
    child.on('close', (status) => resolve({ ok: status === 0, output: Buffer.concat(out).toString() }));
  });
}

async function main(argv) {
  const seconds = Number(argv.find((a) => a.startsWith('--seconds='))?.slice(10) ?? 600);
  const names = argv.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => n !== 'alloc' && !FUZZERS.includes(n));
  if (unknown.length) throw new Error(`no fuzzer ${unknown.join(', ')}; there are ${FUZZERS.join(', ')}, alloc`);
  const seeds = `${buildDir}fuzz/seeds`;
  writeSeeds(seeds);
  const chosen = (names.length ? names : FUZZERS).filter((n) => n !== 'alloc');
  const results = await pool(
    chosen.map((name) => async () => {
      console.log(`fuzz_${name}: ${seconds} s`);
      const r = await runFuzzer(name, {
        seconds,
        corpus: `${buildDir}fuzz/corpus/${name}`,
        seeds: `${seeds}/${name}`,
        artifacts: `${buildDir}fuzz`,
      });
      console.log(`fuzz_${name}: ${r.ok ? 'ok' : 'FAILED'}, ${r.runs} inputs`);
      if (!r.ok) console.log(r.output.split('\n').slice(-60).join('\n'));
      return r;
    }),
  );
  if (names.length === 0 || names.includes('alloc')) {
    const modes = [
      ['the Nth allocation failing', {}],
      ['every allocation from the Nth on failing', { ALLOC_FAIL_ON: '1' }],
    ];
    results.push(
      ...(await pool(
        modes.flatMap(([how, env]) =>
          ALLOC_PROGRAMS.map((p) => async () => {
            const r = await allocSweep(p, env);
            const summary = r.output
              .split('\n')
              .filter((l) => /swept|^UNCLEAN/.test(l))
              .join('\n');
            console.log(`alloc_fail ${p}, ${how}: ${r.ok ? 'ok' : 'FAILED'}\n${summary}`);
            return r;
          }),
        ),
      )),
    );
  }
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));
