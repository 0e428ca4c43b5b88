// subprocess_node.mjs — the node-spawn floor of the subprocess benchmarks
// (bench/subprocess.mjs runs it): the same workloads as
// subprocess_bench.c with child_process.spawn and its exit event, no
// corio, so corio-wasm's cost over Node's own is what remains. One JSON line.
//
//   node bench/subprocess_node.mjs subprocess N           /bin/true, N times in turn
//   node bench/subprocess_node.mjs subprocess_parallel N  N "sleep 0.2" gathered
import { spawn } from 'node:child_process';

const WARMUP = 20; // untimed children before the sequential workload's timed ones

// stdio 'inherit', as corio's default (CORIO_STDIO_INHERIT).
const runChild = (prog, args) =>
  new Promise((resolve, reject) => {
    const child = spawn(prog, args, { stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${prog} exited with ${code}`))));
  });

async function sequential(n) {
  for (let i = 0; i < n; i++) await runChild('/bin/true', []);
}

const [workload, nText] = process.argv.slice(2);
const n = Number(nText);
if (!['subprocess', 'subprocess_parallel'].includes(workload) || !(n > 0)) {
  console.error('usage: node bench/subprocess_node.mjs subprocess|subprocess_parallel N');
  process.exit(2);
}
let t0;
if (workload === 'subprocess') {
  await sequential(WARMUP);
  t0 = performance.now();
  await sequential(n);
} else {
  t0 = performance.now();
  await Promise.all(Array.from({ length: n }, () => runChild('sleep', ['0.2'])));
}
const seconds = (performance.now() - t0) / 1000;
console.log(
  JSON.stringify({
    workload,
    impl: 'node-spawn',
    n,
    seconds: Number(seconds.toFixed(6)),
    ns_per_op: Math.round((seconds * 1e10) / n) / 10,
  }),
);
