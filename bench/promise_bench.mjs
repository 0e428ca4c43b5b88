// promise_bench.mjs — the plain JS async/await equivalent of corio_bench.c:
// times one workload once (after two untimed runs) and prints one JSON line.
//
//   node --expose-gc bench/promise_bench.mjs WORKLOAD N [K]
//
// Same workloads, same N, same structure as the C program (see its comment).
// A "task" is a call of an async function; an event is a promise that set()
// resolves and clear() replaces; sleep(0) is `await null` (one trip through
// the microtask queue, which lets every other ready task run once, as
// asyncio.sleep(0) does). Timing with performance.now(). Memory: rss delta
// per task (bytes_per_task) and V8 heapUsed+external delta per task, after
// gc(). The timed workloads warm up first with two untimed runs at the same N
// (bench/README.md says why two).

import { performance } from 'node:perf_hooks';

class Event {
  constructor() {
    this.flag = false;
    this.reset();
  }
  reset() {
    this.promise = new Promise((resolve) => (this.resolve = resolve));
  }
  set() {
    if (!this.flag) {
      this.flag = true;
      this.resolve();
    }
  }
  clear() {
    if (this.flag) {
      this.flag = false;
      this.reset();
    }
  }
  wait() {
    return this.promise;
  }
}

// A bounded FIFO queue with asyncio.Queue's rules: put waits while full, get
// while empty, each woken waiter re-checks; items in an array with a moving
// head (compacted now and then), waiters as FIFO arrays of resolve functions.
class BoundedQueue {
  constructor(maxsize) {
    this.maxsize = maxsize;
    this.items = [];
    this.head = 0;
    this.getters = [];
    this.putters = [];
  }
  size() {
    return this.items.length - this.head;
  }
  async put(item) {
    while (this.size() >= this.maxsize) {
      await new Promise((resolve) => this.putters.push(resolve));
    }
    this.items.push(item);
    if (this.getters.length > 0) this.getters.shift()();
  }
  async get() {
    while (this.size() === 0) {
      await new Promise((resolve) => this.getters.push(resolve));
    }
    const item = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (this.putters.length > 0) this.putters.shift()();
    return item;
  }
}

const QUEUE_MAXSIZE = 10; // as in C

async function produce(q, n) {
  for (let i = 1; i <= n; i++) await q.put(i);
}

async function consume(q, n) {
  let total = 0;
  for (let i = 0; i < n; i++) total += await q.get();
  return total;
}

async function queueBench(n) {
  const q = new BoundedQueue(QUEUE_MAXSIZE);
  const t0 = performance.now();
  const [, total] = await Promise.all([produce(q, n), consume(q, n)]);
  const t1 = performance.now();
  if (total !== (n * (n + 1)) / 2) throw new Error(`consumer summed ${total}, expected ${(n * (n + 1)) / 2}`);
  return { seconds: (t1 - t0) / 1e3, ops: n };
}

async function returnOne() {
  return 1;
}

async function spawnJoin(n) {
  const t0 = performance.now();
  const tasks = new Array(n);
  for (let i = 0; i < n; i++) tasks[i] = returnOne();
  const results = await Promise.all(tasks);
  const t1 = performance.now();
  let sum = 0;
  for (const r of results) sum += r;
  if (sum !== n) throw new Error(`gathered ${sum} of ${n}`);
  return { seconds: (t1 - t0) / 1e3, ops: n };
}

async function ping(evPing, evPong, rounds) {
  for (let i = 0; i < rounds; i++) {
    evPong.set();
    await evPing.wait();
    evPing.clear();
  }
}

async function pong(evPing, evPong, rounds) {
  for (let i = 0; i < rounds; i++) {
    await evPong.wait();
    evPong.clear();
    evPing.set();
  }
}

async function switchBench(n) {
  const evPing = new Event();
  const evPong = new Event();
  const t0 = performance.now();
  await Promise.all([ping(evPing, evPong, n), pong(evPing, evPong, n)]);
  const t1 = performance.now();
  return { seconds: (t1 - t0) / 1e3, ops: 2 * n };
}

async function yielder(k) {
  for (let i = 0; i < k; i++) await null;
}

async function sleep0(n, k) {
  const t0 = performance.now();
  const tasks = new Array(n);
  for (let i = 0; i < n; i++) tasks[i] = yielder(k);
  await Promise.all(tasks);
  const t1 = performance.now();
  return { seconds: (t1 - t0) / 1e3, ops: n * k };
}

function heapBytes() {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

// One round of the memory workload: parks n tasks on one event (reading the
// bytes if `measure`), wakes them and waits for them.
async function parkRound(n, measure) {
  const event = new Event();
  let parked = 0;
  async function park() {
    parked++;
    await event.wait();
    parked--;
  }
  // Allocated and filled before the baseline, as in C.
  const tasks = new Array(n).fill(0);
  if (globalThis.gc) globalThis.gc();
  const rss0 = process.memoryUsage.rss();
  const heap0 = heapBytes();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) tasks[i] = park();
  for (let pass = 0; parked < n && pass < 1000; pass++) await null;
  if (parked < n) throw new Error(`only ${parked} of ${n} tasks parked`);
  let gcMs = 0;
  let bytes = null;
  if (measure) {
    // gc() here too, so both readings count live objects only (its time is
    // not counted).
    const g0 = performance.now();
    if (globalThis.gc) globalThis.gc();
    gcMs = performance.now() - g0;
    bytes = {
      bytes_per_task: (process.memoryUsage.rss() - rss0) / n,
      heap_bytes_per_task: (heapBytes() - heap0) / n,
    };
  }
  event.set();
  await Promise.all(tasks);
  const t1 = performance.now();
  return { seconds: (t1 - t0 - gcMs) / 1e3, bytes };
}

// Twice at the same N, as in C: the bytes from the first round (fresh
// memory), the lifecycle from the second (the steady state).
async function memory(n) {
  const first = await parkRound(n, true);
  const steady = await parkRound(n, false);
  return { seconds: steady.seconds, first_seconds: first.seconds, ops: n, ...first.bytes, parked: n };
}

const WORKLOADS = {
  spawn_join: [spawnJoin, false],
  switch: [switchBench, false],
  sleep0: [sleep0, true],
  memory: [memory, false],
  queue: [queueBench, false],
};

function usage() {
  console.error('usage: node --expose-gc promise_bench.mjs WORKLOAD N [K]');
  process.exit(2);
}

async function main(argv) {
  const [name, nArg, kArg] = argv;
  if (!(name in WORKLOADS)) usage();
  const n = Number.parseInt(nArg, 10);
  const k = kArg === undefined ? 0 : Number.parseInt(kArg, 10);
  const [fn, needsK] = WORKLOADS[name];
  if (!(n > 0) || (needsK && !(k > 0))) usage();
  const line = { workload: name, impl: 'js-promise', n };
  if (k > 0) line.k = k;
  let r;
  try {
    // As in C: the timed workloads first run twice untimed at the same N.
    if (name !== 'memory') for (let i = 0; i < 2; i++) await fn(n, k);
    r = await fn(n, k);
  } catch (e) {
    line.error = String(e && e.message ? e.message : e);
    console.log(JSON.stringify(line));
    process.exitCode = 1;
    return;
  }
  const ns = (r.seconds * 1e9) / r.ops;
  if (name === 'memory') {
    Object.assign(line, {
      ns_per_op: null,
      bytes_per_task: r.bytes_per_task,
      heap_bytes_per_task: r.heap_bytes_per_task,
      lifecycle_ns_per_task: ns,
      first_lifecycle_ns_per_task: (r.first_seconds * 1e9) / r.ops,
      parked: r.parked,
    });
  } else {
    Object.assign(line, { ns_per_op: ns, bytes_per_task: null });
  }
  Object.assign(line, {
    ops: r.ops,
    seconds: r.seconds,
    backend: `node ${process.version}${globalThis.gc ? '' : ' (no --expose-gc)'}`,
  });
  console.log(JSON.stringify(line));
}

await main(process.argv.slice(2));
