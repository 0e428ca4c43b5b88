/*
 * corio.mjs — the runtime's JS API (index.mjs, the npm entry, re-exports
 * it): loads a corio wasm module and wraps its host exports in idiomatic
 * JS: run() returns a Promise for a C coroutine's result and rejects with a
 * CorioError carrying the C code and message.
 * This file is platform-free: it imports nothing of Node's, so a page (or a
 * bundler's browser build) can import it as it is. In browsers the module
 * fetches its .wasm; in Node, npm/platform_node.mjs (which the package's
 * "node" entries import first) gives it a way to read the .wasm from disk
 * and Node's net and tls for streams (usePlatform). Streams
 * (corio_open_connection) run over Node's net and tls in Node; in browsers
 * over the relay of corio's dev server when given one (corioRelay), else
 * over fetch().
 */

/**
 * An error that came from C: `code` is the corio status, `codeName` its
 * name; `report`, for CORIO_EDEADLK, says which task waited on what
 * (corio_deadlock_report).
 */
// The range of a coroutine's argument: C's intptr_t, 32 bits in wasm32. A
// number outside it would wrap (2 ** 31 -> -2 ** 31), so it is refused.
const INTPTR_MIN = -(2 ** 31);
const INTPTR_MAX = 2 ** 31 - 1;

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
// What Module.corioTransport may say (runtime/host/library_net.js).
const TRANSPORTS = ['fetch', 'relay', 'node'];

// What Node gives (npm/platform_node.mjs): readWasm(url) -> bytes,
// threadsFactory() -> the threaded build's loader, netModules() -> {net,
// tls, fs, dns}, processModules() -> {child_process, fs, os}. null in
// browsers.
let platform = null;

/** Installs Node's platform (npm/platform_node.mjs calls it, once). */
export function usePlatform(p) {
  platform = p;
}

/**
 * Where the package's .wasm is, written as the pattern bundlers recognise
 * (Vite, webpack and Rollup copy the file and rewrite the URL; with
 * esbuild, pass wasmUrl: README, "Bundlers").
 */
const packageWasmUrl = () => new URL('../dist/corio.wasm', import.meta.url);
// The threaded build's, one for both its loaders: Node's
// (platform.threadsFactory()) and the pages' (dist/threads/web/corio.mjs).
const packageThreadsWasmUrl = () => new URL('../dist/threads/corio.wasm', import.meta.url);

// Whether this JS may run threads at all: Node, or a page (or worker) that
// is cross-origin isolated, where SharedArrayBuffer exists.
const threadsAllowed = () => isNode || globalThis.crossOriginIsolated === true;
// Whether load() takes the threaded build by default: where threads are
// allowed and, in a page, this file is loaded from the package as it is: a
// bundler moves the loader but not the worker script it starts its threads
// from (dist/threads/web/corio.worker.js, found beside the loader), so a
// bundled page gets the single-threaded build unless it asks for threads.
const servedAsPackaged = () => import.meta.url.endsWith('/npm/corio.mjs');
const canThread = () => threadsAllowed() && (isNode || servedAsPackaged());

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
    code === Module.corioStatus.EDEADLK ? takeText(Module._corio_export_deadlock_report()) : undefined;
  return {
    module: Module,
    /** corio's status codes by name (generated from corio.h), from the module. */
    status: Module.corioStatus,
    /**
     * Whether the module runs blocking C on worker threads (the threaded
     * build); false: corio_to_thread and executors fail with
     * CORIO_ENOTSUP, saying why.
     */
    threads: Module._corio_export_threads() !== 0,
    /** A CorioError for `code` (a status number), with its name. */
    error: (code, message) => new CorioError(code, codeName(code), message),
    /**
     * Runs the coroutine exported (CORIO_EXPORT) as `name` with an integer
     * argument. Aborting `signal` cancels its task (corio_task_cancel): if
     * it ends cancelled, the Promise rejects with CORIO_ECANCELLED.
     */
    async run(name, arg = 0, { signal } = {}) {
      if (typeof name !== 'string') throw new TypeError(`a coroutine's name is a string, not ${typeof name}`);
      if (typeof arg !== 'number')
        throw new TypeError(
          `a coroutine's argument is a number, not ${typeof arg === 'bigint' ? 'a bigint' : String(arg)}`,
        );
      if (!Number.isInteger(arg) || arg < INTPTR_MIN || arg > INTPTR_MAX)
        throw new RangeError(
          `a coroutine's argument is a whole number from ${INTPTR_MIN} to ${INTPTR_MAX} ` +
            `(C's intptr_t in wasm32), not ${String(arg)}`,
        );
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
 * Loads a corio module: by default one of the package's two builds of it.
 * `threads` chooses: true, the threaded build (dist/threads/: pthreads,
 * where corio_to_thread and executors run C on worker threads); false, the
 * single-threaded one (dist/corio.mjs: there they fail with CORIO_ENOTSUP
 * and say why). Left out, the threaded build wherever it can run: in Node,
 * and in a page that is cross-origin isolated (crossOriginIsolated: served
 * with Cross-Origin-Opener-Policy: same-origin and
 * Cross-Origin-Embedder-Policy: require-corp or credentialless, as corio's
 * dev server serves its page) and loads the package as it is, not
 * bundled; the single-threaded one elsewhere, and wherever the options
 * name a .wasm without a factory (wasmUrl, wasmBinary, instantiateWasm,
 * locateFile: that .wasm is taken for the single-threaded build's). Or pass
 * `factory` (an Emscripten ES module factory) for another, with `wasmUrl`,
 * where its .wasm is (needed in Node; browsers fetch the .wasm next to the
 * factory's file unless `wasmUrl` says where). A bundled page passes the
 * package's wasm as `wasmUrl` (or `wasmBinary`) when its bundler does not
 * copy it. Node reads the .wasm from disk: it never fetches by file path.
 * Other options go to the factory (print, printErr, ...). In Node, streams
 * use Node's net and tls unless the options say otherwise: `corioNet`
 * ({net, tls, fs, dns}: dns for denyPrivate, e.g. wrapped), `corioRelay` ({url, protocol, secret[,
 * WebSocket]}: the relay of corio's dev server, server/relay.mjs, as a
 * page it serves has it), or `corioTransport` ('fetch': the browser's
 * carrier, one HTTP request per connection over fetch(); 'relay'; 'node',
 * the default in Node). `network` ({insecure, ca, proxy, noProxy}; Node
 * only, with its carrier: npm/network_node.mjs) makes its sockets accept
 * any certificate, trust other CAs or go through an HTTP proxy's CONNECT
 * tunnel. In Node, subprocesses use child_process unless
 * `corioProcess` ({child_process, fs, os}) says otherwise. `debug: true`
 * turns on corio's debug mode (in Node CORIO_DEBUG=1 does too): its
 * reports go to printErr.
 */
export async function load({ factory, wasmUrl, debug, network, threads, ...options } = {}) {
  if (debug !== undefined) options.corioDebug = !!debug;
  if (threads !== undefined && typeof threads !== 'boolean')
    throw new TypeError(`threads is true, false or left out, not ${String(threads)}`);
  if (threads !== undefined && factory)
    throw new TypeError("load({threads}) chooses among the package's builds: not with a factory of your own");
  if (threads && !threadsAllowed())
    throw new TypeError(
      'load({threads: true}) needs Node or a cross-origin isolated page (crossOriginIsolated is false: serve ' +
        'it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp or ' +
        'credentialless)',
    );
  if (network !== undefined) {
    if (!isNode) throw new TypeError('load({network}) works in Node only: a page has no sockets of its own');
    if (options.corioNet || (options.corioTransport ?? 'node') !== 'node')
      throw new TypeError("load({network}) applies to Node's own sockets: not with corioNet or another corioTransport");
    if (!platform) throw new TypeError("in Node, import corio through its package entry ('corio' or 'corio/checker')");
    if (network === null || typeof network !== 'object') throw new TypeError('network must be an object');
    options.corioNet = await platform.networkModules(network);
  }
  const wasmGiven = options.wasmBinary || options.instantiateWasm;
  if (isNode && !platform)
    throw new TypeError(
      "in Node, import corio through its package entry ('corio' or " +
        "'corio/checker', or npm/node.mjs): this file alone cannot read the .wasm",
    );
  if (factory && isNode && !wasmUrl && !wasmGiven)
    throw new TypeError("load({factory}) in Node needs wasmUrl: where the factory's .wasm is");
  if (options.corioTransport !== undefined && !TRANSPORTS.includes(options.corioTransport))
    throw new TypeError(
      `corioTransport must be one of ${TRANSPORTS.join(', ')} (or left out), ` +
        `not ${String(options.corioTransport)}`,
    );
  // A .wasm given without a factory (wasmUrl, wasmBinary, instantiateWasm,
  // or a locateFile that finds it) is the single-threaded build's, as the
  // README's bundler recipe gives it, unless threads says otherwise.
  const wasmNamed = wasmUrl || wasmGiven || options.locateFile;
  const withThreads = !factory && (threads ?? (canThread() && !wasmNamed));
  if (!factory && !wasmUrl) wasmUrl = withThreads ? packageThreadsWasmUrl() : packageWasmUrl();
  const wasmBytes = !isNode || wasmGiven ? null : platform.readWasm(wasmUrl); // read while the factory loads
  if (withThreads && isNode) factory = platform.threadsFactory();
  else if (withThreads) factory = (await import('../dist/threads/web/corio.mjs')).default;
  else factory ??= (await import('../dist/corio.mjs')).default;
  if (wasmBytes) {
    options.wasmBinary = await wasmBytes;
  } else if (wasmUrl && !wasmGiven && !options.locateFile) {
    options.locateFile = (path, dir) => (path.endsWith('.wasm') ? String(wasmUrl) : dir + path);
  }
  if (isNode && !options.corioNet && (options.corioTransport ?? 'node') === 'node')
    options.corioNet = await platform.netModules();
  if (isNode && options.corioTransport === 'fetch' && !options.corioFetchDispatcher)
    options.corioFetchDispatcher = await platform.fetchDispatchers();
  if (isNode && !options.corioProcess) options.corioProcess = platform.processModules();
  // C's stdout and stderr go where the single-threaded build sends them,
  // through console and so in order with the program's own logs (the
  // threaded Node loader would otherwise write them with fs.writeSync).
  if (isNode) {
    options.print ??= (line) => console.log(line);
    options.printErr ??= (line) => console.warn(line);
  }
  return attach(await factory(options));
}

let packageInstance = null;

/**
 * The package's own instance (load(): the threaded build where it can run,
 * else dist/corio.mjs; both hold the demo coroutines and the checker),
 * loaded on first use and shared by run() and checkUrls().
 */
export function defaultInstance() {
  packageInstance ??= load().catch((e) => {
    packageInstance = null; // let a later call try again
    throw e;
  });
  return packageInstance;
}

const networkInstances = new Map();

/**
 * The package's module loaded with the network options `network`
 * (load({network}): Node only), one per distinct set of options, shared by
 * the checkUrls() calls that give them.
 */
export function networkInstance(network) {
  const text = (v) => (v instanceof Uint8Array ? new TextDecoder().decode(v) : v);
  const key = JSON.stringify(network, (k, v) => (k === 'ca' ? text(v) : v));
  if (!networkInstances.has(key))
    networkInstances.set(
      key,
      load({ network }).catch((e) => {
        networkInstances.delete(key);
        throw e;
      }),
    );
  return networkInstances.get(key);
}

/** Runs a coroutine of the package's own module: defaultInstance().run(...). */
export async function run(name, arg = 0, options = {}) {
  return (await defaultInstance()).run(name, arg, options);
}
