// wasm_program.mjs — runs a wasm program built by emscripten.mk
// (build/wasm/NAME.mjs + NAME.wasm, -sINVOKE_RUN=0) the way a native
// program runs in a process: each run in its own worker thread, with its
// output captured and a time limit, so a trap, an abort or a hang ends that
// run alone, never the test runner.
import { Worker } from 'node:worker_threads';
import { readFile } from 'node:fs/promises';

const workerUrl = new URL('./wasm_worker.mjs', import.meta.url);

/** Compiles `NAME.wasm` beside the factory `NAME.mjs` once, for many runs. */
export async function compileWasm(factoryUrl) {
  const wasmUrl = new URL(String(factoryUrl).replace(/\.mjs$/, '.wasm'));
  return WebAssembly.compile(await readFile(wasmUrl));
}

/**
 * Runs main(args) of a fresh instance in a fresh worker. Resolves (never
 * rejects) to {status, abort, error, timedOut, output}: `status` is the exit
 * status, or null if the program did not exit; `abort` the abort() message;
 * `error` an exception (trap) that ended it; `output` stdout and stderr
 * lines interleaved in order. Streams use Node's TCP unless `corioTransport`
 * says otherwise ('fetch': the browser's fetch() carrier). `extraEnv` is
 * added to the worker's environment (process.env, which the JS host reads).
 */
export function runWasm(factoryUrl, module, args = [], { timeoutMs = 20_000, corioTransport, extraEnv = {} } = {}) {
  return new Promise((resolve) => {
    const lines = [];
    const result = { status: null, abort: null, error: null, timedOut: false };
    const worker = new Worker(workerUrl, {
      workerData: { factoryUrl: String(factoryUrl), module, args, corioTransport },
      stdout: true, // anything the glue writes to the console is kept too
      stderr: true,
      env: { ...process.env, ...extraEnv },
    });
    for (const stream of [worker.stdout, worker.stderr]) stream.on('data', (d) => lines.push(String(d).trimEnd()));
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      worker.terminate();
      resolve({ ...result, output: lines.join('\n') });
    };
    const timer = setTimeout(() => {
      result.timedOut = true;
      finish();
    }, timeoutMs);
    worker.on('message', (m) => {
      if (m.type === 'out' || m.type === 'err') lines.push(m.line);
      else if (m.type === 'exit') ((result.status = m.status), finish());
      else if (m.type === 'abort') ((result.abort = m.what), finish());
      else if (m.type === 'error') ((result.error = m.message), finish());
    });
    worker.on('error', (e) => {
      result.error = e instanceof Error ? e.message : String(e);
      finish();
    });
    worker.on('exit', (code) => {
      if (!finished) result.error = `the worker ended (code ${code}) before the program exited`;
      finish();
    });
  });
}

/** How a wasm run ended, in a few words, for failure messages. */
export function describeWasmEnd(r) {
  if (r.timedOut) return 'it did not end in time';
  if (r.abort !== null) return r.abort ? `it aborted: ${r.abort}` : 'it called abort()';
  if (r.error !== null) return `it failed: ${r.error}`;
  return `it exited with status ${r.status}`;
}
