// subprocess.mjs — the subprocess benchmarks (`npm run bench` runs it):
//   subprocess           start /bin/true and await its exit, N times one
//                        after another: ns per child
//   subprocess_parallel  start N = 100 children of "sleep 0.2" at once and
//                        gather them: the wall time (seconds)
// for corio-native and corio-wasm (bench/subprocess_bench.c, under Node
// through corio_wasm_runner.mjs), python-asyncio (subprocess_bench.py), and
// two floors measured in the same run: posix-spawn (the C program's
// posix_spawn + waitpid loop) and node-spawn (subprocess_node.mjs:
// child_process.spawn and its exit event). Each repetition is a fresh
// process, the impls interleaved; one JSON line per (workload, impl) with
// the medians, then a summary line with the targets (from the issue):
// corio-native <= 1.2x posix-spawn, corio-wasm <= 1.1x node-spawn (both
// sequential), subprocess_parallel natively <= 0.4 s. A table goes to stderr.
//
//   node bench/subprocess.mjs [--quick] [--only=W,...] [--impls=I,...] [--reps=N] [--no-build]
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { median, ROOT } from './common.mjs';

const PYTHON = process.env.PYTHON || 'python3';
const NATIVE = join(ROOT, 'build', 'native', 'subprocess_bench');
const WASM = join(ROOT, 'build', 'wasm', 'subprocess_bench.mjs');
const IMPLS = ['corio-native', 'corio-wasm', 'python-asyncio', 'posix-spawn', 'node-spawn'];
const WORKLOADS = {
  subprocess: { full: 500, quick: 100 },
  subprocess_parallel: { full: 100, quick: 100 },
};
const TARGETS = [
  { workload: 'subprocess', impl: 'corio-native', floor: 'posix-spawn', ratio: 1.2 },
  { workload: 'subprocess', impl: 'corio-wasm', floor: 'node-spawn', ratio: 1.1 },
  { workload: 'subprocess_parallel', impl: 'corio-native', seconds: 0.4 },
];
const FLAGS = ['--quick', '--only', '--impls', '--reps', '--no-build'];

function parseArgs(argv) {
  const o = { quick: false, only: Object.keys(WORKLOADS), impls: IMPLS, reps: null, build: true };
  const fail = (why) => {
    console.error(
      `subprocess.mjs: ${why}\nusage: node bench/subprocess.mjs [--quick] [--only=W,...] ` +
        '[--impls=I,...] [--reps=N] [--no-build]',
    );
    process.exit(2);
  };
  for (const a of argv) {
    const eq = a.indexOf('=');
    const [k, v] = eq < 0 ? [a, null] : [a.slice(0, eq), a.slice(eq + 1)];
    const list = () =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    if (k === '--describe') {
      console.log(JSON.stringify({ workloads: Object.keys(WORKLOADS), impls: IMPLS, flags: FLAGS }));
      process.exit(0);
    } else if (k === '--quick') o.quick = true;
    else if (k === '--only' && v) o.only = list();
    else if (k === '--impls' && v) o.impls = list();
    else if (k === '--reps' && v) o.reps = Number(v);
    else if (k === '--no-build') o.build = false;
    else fail(`unknown argument ${a}`);
  }
  for (const w of o.only) if (!(w in WORKLOADS)) fail(`unknown workload ${w}`);
  for (const i of o.impls) if (!IMPLS.includes(i)) fail(`unknown impl ${i}`);
  o.reps ??= o.quick ? 3 : 5;
  if (!(o.reps >= 1)) fail('--reps must be >= 1');
  return o;
}

function command(impl, workload, n) {
  const args = [workload, String(n)];
  switch (impl) {
    case 'corio-native':
      return [NATIVE, args];
    case 'corio-wasm':
      return [process.execPath, [join(ROOT, 'bench', 'corio_wasm_runner.mjs'), WASM, ...args]];
    case 'python-asyncio':
      return [PYTHON, [join(ROOT, 'bench', 'subprocess_bench.py'), ...args]];
    case 'posix-spawn':
      return [NATIVE, ['floor', ...args]];
    case 'node-spawn':
      return [process.execPath, [join(ROOT, 'bench', 'subprocess_node.mjs'), ...args]];
    default:
      throw new Error(`unknown impl ${impl}`);
  }
}

// One repetition in a fresh process: its JSON line, or {error}.
function runOnce(impl, workload, n) {
  const [cmd, args] = command(impl, workload, n);
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', timeout: 300e3, stdio: ['ignore', 'pipe', 'pipe'] });
  const line = String(r.stdout || '')
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  let parsed = null;
  try {
    parsed = line ? JSON.parse(line) : null;
  } catch {
    parsed = null;
  }
  if (r.error) return { error: r.error.message };
  if (parsed?.error) return { error: parsed.error };
  if (r.status !== 0 || !parsed) return { error: `exit status ${r.status}: ${String(r.stderr).trim().slice(-300)}` };
  return parsed;
}

function summarize(workload, impl, n, runs) {
  const ok = runs.filter((r) => !r.error);
  const line = { workload, impl, n, seconds: null, ns_per_op: null };
  if (ok.length > 0) {
    const ns = ok.map((r) => r.ns_per_op);
    line.seconds = Number(median(ok.map((r) => r.seconds)).toFixed(4));
    line.ns_per_op = Math.round(median(ns));
    line.ns_per_op_min = Math.round(Math.min(...ns));
    line.ns_per_op_max = Math.round(Math.max(...ns));
  }
  line.reps = ok.length;
  const failed = runs.filter((r) => r.error);
  if (failed.length > 0) line.error = `${failed.length} of ${runs.length} runs failed: ${failed[0].error}`;
  return line;
}

function checkTargets(results) {
  const get = (w, i) => results.find((l) => l.workload === w && l.impl === i && l.reps > 0);
  const checks = {};
  for (const t of TARGETS) {
    const l = get(t.workload, t.impl);
    if (!l) continue;
    const name = `${t.workload}:${t.impl}`;
    if (t.floor) {
      const f = get(t.workload, t.floor);
      if (!f) continue;
      const ratio = Number((l.ns_per_op / f.ns_per_op).toFixed(3));
      checks[name] = { target: `<= ${t.ratio}x ${t.floor}`, value: ratio, met: ratio <= t.ratio };
    } else {
      checks[name] = { target: `<= ${t.seconds} s`, value: l.seconds, met: l.seconds <= t.seconds };
    }
  }
  return checks;
}

function main() {
  const o = parseArgs(process.argv.slice(2));
  const started = Date.now();
  if (o.build) {
    const r = spawnSync(
      'make',
      ['-f', 'emscripten.mk', '-j2', 'build/native/subprocess_bench', 'build/wasm/subprocess_bench.mjs'],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    if (r.status !== 0) process.exit(1);
  }
  const results = [];
  for (const w of o.only) {
    const n = o.quick ? WORKLOADS[w].quick : WORKLOADS[w].full;
    const runs = Object.fromEntries(o.impls.map((i) => [i, []]));
    for (let rep = 0; rep < o.reps; rep++) {
      for (const impl of o.impls) {
        const r = runOnce(impl, w, n);
        if (r.error) console.error(`subprocess: ${w} ${impl} rep ${rep + 1}: ${r.error}`);
        runs[impl].push(r);
      }
    }
    for (const impl of o.impls) {
      const line = summarize(w, impl, n, runs[impl]);
      results.push(line);
      console.log(JSON.stringify(line));
    }
  }
  const targets = checkTargets(results);
  const judged = Object.values(targets);
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  console.log(
    JSON.stringify({
      workload: 'summary',
      impl: null,
      script: 'subprocess',
      quick: o.quick,
      reps: o.reps,
      seconds,
      targets,
      all_targets_met: judged.length > 0 && judged.every((c) => c.met),
    }),
  );
  const ms = (x) => (typeof x === 'number' ? `${(x / 1e6).toFixed(2)} ms` : '-');
  for (const l of results)
    console.error(
      `${l.workload.padEnd(20)} ${l.impl.padEnd(15)} ${
        l.workload === 'subprocess' ? `${ms(l.ns_per_op)}/child` : `${l.seconds ?? '-'} s wall`
      }${l.error ? ` (${l.error})` : ''}`,
    );
  for (const [name, c] of Object.entries(targets))
    console.error(`target ${name} ${c.target}: ${c.value} ${c.met ? 'met' : 'MISSED'}`);
  console.error(`(medians of ${o.reps} runs, each in a fresh process; ${seconds} s)`);
}

main();
