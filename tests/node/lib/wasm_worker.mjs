// wasm_worker.mjs — the body of one worker thread that runs one wasm program
// (an Emscripten ES module factory built with -sINVOKE_RUN=0): instantiates
// the precompiled module, calls main with the given arguments and reports
// each output line and how the program ended to the parent
// (see wasm_program.mjs). A fresh worker per run gives each program a fresh
// instance and globalThis, and lets the parent stop one that never ends.
// Streams go over Node's net and tls (Module.corioNet) and subprocesses
// through child_process (Module.corioProcess) unless the run asks for the
// browser's way (corioTransport 'fetch': the fetch() carrier, no processes).
import { parentPort, workerData } from 'node:worker_threads';
import * as dns from 'node:dns';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import * as childProcess from 'node:child_process';
import * as os from 'node:os';

const { factoryUrl, module, args, corioTransport } = workerData;
const post = (message) => parentPort.postMessage(message);
const describe = (e) => (e instanceof Error ? e.message : String(e));

const factory = (await import(factoryUrl)).default;
const transport = corioTransport === undefined ? {} : { corioTransport };
// A browser has neither Node's sockets nor its processes.
if (corioTransport !== 'fetch') {
  transport.corioNet = { net, tls, fs, dns };
  transport.corioProcess = { child_process: childProcess, fs, os };
}

const Module = await factory({
  ...transport,
  print: (line) => post({ type: 'out', line }),
  printErr: (line) => post({ type: 'err', line }),
  noExitRuntime: false,
  // exit() reports here, also when main returns later than callMain
  // because it suspended through Asyncify.
  onExit: (status) => post({ type: 'exit', status }),
  // abort(), e.g. -sSTACK_OVERFLOW_CHECK=2's "stack overflow"; the
  // RuntimeError thrown after it ends up in the parent's 'error' handler.
  onAbort: (what) => post({ type: 'abort', what: describe(what) }),
  instantiateWasm(imports, receive) {
    WebAssembly.instantiate(module, imports).then(
      (instance) => receive(instance, module),
      (e) => post({ type: 'error', message: `instantiating the module: ${describe(e)}` }),
    );
    return {}; // asynchronous: the exports come through receive()
  },
});

try {
  Module.callMain(args);
} catch (e) {
  // A trap or abort while main ran synchronously (exit() is not thrown out
  // of callMain: it returns the status after onExit).
  post({ type: 'error', message: describe(e) });
}
