// corio_wasm_runner.mjs — runs an Emscripten-built corio program (an ES6
// module factory, -sMODULARIZE -sEXPORT_ES6 -sINVOKE_RUN=0) under Node:
//
//   node bench/corio_wasm_runner.mjs build/wasm/corio_bench.mjs ARGS...
//
// The .wasm beside the .mjs is read from disk and handed to the factory as
// wasmBinary (3.1.6's loader cannot fetch() a file path under Node; see
// docs/toolchain.md), then main(ARGS) runs through callMain. Streams go
// over Node's net and tls (Module.corioNet). The process exits with main's
// status.

import * as dns from 'node:dns';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import * as childProcess from 'node:child_process';
import * as os from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [modulePath, ...args] = process.argv.slice(2);
if (!modulePath) {
  console.error('usage: node corio_wasm_runner.mjs PROGRAM.mjs ARGS...');
  process.exit(2);
}
const moduleUrl = pathToFileURL(resolve(modulePath));
const wasmUrl = new URL(moduleUrl.href.replace(/\.m?js$/, '.wasm'));

const { default: factory } = await import(moduleUrl.href);
let exited = false;
const instance = await factory({
  wasmBinary: fs.readFileSync(wasmUrl),
  corioNet: { net, tls, fs, dns },
  corioProcess: { child_process: childProcess, fs, os },
  noInitialRun: true,
  print: (text) => process.stdout.write(text + '\n'),
  printErr: (text) => process.stderr.write(text + '\n'),
  onExit: (code) => {
    exited = true;
    process.exitCode = code;
  },
  onAbort: (what) => {
    process.stderr.write(`wasm aborted: ${what}\n`);
    process.exitCode = 134;
  },
});

try {
  // With Asyncify, callMain returns when main first suspends; main goes on
  // from the JS event loop, and onExit reports its status.
  const rc = instance.callMain(args);
  if (!exited && typeof rc === 'number' && rc !== 0) process.exitCode = rc;
} catch (e) {
  if (!(e && e.name === 'ExitStatus')) throw e;
  process.exitCode = e.status;
}
