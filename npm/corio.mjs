/*
 * corio.mjs — the runtime's JS API (index.mjs, the npm entry, re-exports
 * it): loads a corio wasm module and wraps its host exports in idiomatic
 * JS: run() returns a Promise for a C coroutine's result and rejects with a
 * CorioError carrying the C code and message.
 * Works in Node (reads the .wasm from disk) and in browsers (the module
 * fetches the .wasm next to itself). Streams (corio_open_connection) run
 * over Node's net and tls in Node; in browsers over the relay of corio's dev
 * server when given one (corioRelay), else over fetch(). Node-only
 * modules are imported dynamically and only in Node, so a page can import
 * this file as it is, without a bundler.
 */

/**
 * An error that came from C: `code` is the corio status, `codeName` its
 * name; `report`, for CORIO_EDEADLK, says which task waited on what
 * (corio_deadlock_report).
 */
export class CorioError extends Error {
  constructor(code, codeName, message, report) {
    super(message);
    this.name = 'CorioError';
    this.code = code;
    this.codeName = codeName;
    if (report !== undefined) this.report = report;
  }
}

const isNode = typeof process === 'object' && !!process.versions?.node;

/** Wraps an instantiated corio module (one built with runtime/host/library_host.js). */
export function attach(Module) {
  const host = Module.corioHost;
  if (!host) throw new TypeError('not a corio module: corioHost is missing');
  const codeName = (code) => Module.UTF8ToString(Module._corio_export_err_name(code));
  // A malloc'd C string from a corio_export_* call, as a JS string.
  const takeText = (ptr) => {
    if (!ptr) return '';
    const text = Module.UTF8ToString(ptr);
    Module._free(ptr);
    return text;
  };
  const deadlockReport = (code) =>
    (code === Module.corioStatus.EDEADLK ? takeText(Module._corio_export_deadlock_report()) : undefined);
  return {
    module: Module,
    /** corio's status codes by name (generated from corio.h), from the module. */
    status: Module.corioStatus,
    /** A CorioError for `code` (a status number), with its name. */
    error: (code, message) => new CorioError(code, codeName(code), message),
    /**
     * Runs the coroutine exported (CORIO_EXPORT) as `name` with an integer
     * argument. Aborting `signal` cancels its task (corio_task_cancel): if
     * it ends cancelled, the Promise rejects with CORIO_ECANCELLED.
     */
    async run(name, arg = 0, { signal } = {}) {
      try {
        const { value } = await host.run(name, arg, { signal });
        return value;
      } catch (e) {
        if (e instanceof Error) throw e;
        throw new CorioError(e.code, codeName(e.code), e.message, deadlockReport(e.code));
      }
    },
    /**
     * The tasks of the module's loop, one line each (corio_dump_tasks):
     * name, state, what it waits on, since when (debug mode), where created.
     */
    dumpTasks: () => takeText(Module._corio_export_dump_tasks()),
  };
}

/**
 * Loads a corio module: by default the package's dist/corio.mjs; pass
 * `factory` (an Emscripten ES module factory) for another, and in Node
 * `wasmUrl`, its .wasm (browsers fetch the .wasm next to the factory's
 * file unless `wasmUrl` says where). Node reads the .wasm from disk: it
 * never fetches by file path. Other options go to the factory (print,
 * printErr, ...). In Node, streams use Node's net and tls unless the
 * options say otherwise: `corioNet` ({net, tls, fs}, e.g. wrapped),
 * `corioRelay` ({url, protocol, secret[, WebSocket]}: the relay of corio's
 * dev server, server/relay.mjs, as a page it serves has it), or
 * `corioTransport: 'fetch'` (the browser's carrier: one HTTP request per
 * connection, over fetch()). `debug: true` turns on corio's debug mode (in
 * Node CORIO_DEBUG=1 does too): its reports go to printErr.
 */
export async function load({ factory, wasmUrl, debug, ...options } = {}) {
  if (debug !== undefined) options.corioDebug = !!debug;
  const wasmGiven = options.wasmBinary || options.instantiateWasm;
  if (factory && isNode && !wasmUrl && !wasmGiven)
    throw new TypeError('load({factory}) in Node needs wasmUrl: where the factory\'s .wasm is');
  if (!factory) {
    factory = (await import('../dist/corio.mjs')).default;
    wasmUrl ??= new URL('../dist/corio.wasm', import.meta.url);
  }
  if (isNode && !wasmGiven) {
    const { readFile } = await import('node:fs/promises');
    options.wasmBinary = await readFile(wasmUrl);
  } else if (wasmUrl && !wasmGiven && !options.locateFile) {
    options.locateFile = (path, dir) => (path.endsWith('.wasm') ? String(wasmUrl) : dir + path);
  }
  if (isNode && !options.corioNet && !options.corioTransport) {
    const [net, tls, fs] = await Promise.all(
      [import('node:net'), import('node:tls'), import('node:fs')]);
    options.corioNet = { net, tls, fs };
  }
  return attach(await factory(options));
}

let packageInstance = null;

/**
 * The package's own instance (dist/corio.mjs: the demo coroutines and the
 * checker), loaded on first use and shared by run() and checkUrls().
 */
export function defaultInstance() {
  packageInstance ??= load().catch((e) => {
    packageInstance = null; // let a later call try again
    throw e;
  });
  return packageInstance;
}

/** Runs a coroutine of the package's own module: defaultInstance().run(...). */
export async function run(name, arg = 0, options = {}) {
  return (await defaultInstance()).run(name, arg, options);
}
