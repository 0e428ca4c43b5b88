/*
 * corio.mjs — the npm entry module: loads a corio wasm module and wraps its
 * host exports in idiomatic JS: run() returns a Promise for a C coroutine's
 * result and rejects with a CorioError carrying the C code and message.
 * Works in Node (reads the .wasm from disk) and in browsers (the module
 * fetches the .wasm next to itself). Streams (corio_open_connection) run
 * over Node's net and tls in Node, over fetch() in browsers.
 */

/** An error that came from C: `code` is the corio status, `codeName` its name. */
export class CorioError extends Error {
  constructor(code, codeName, message) {
    super(message);
    this.name = 'CorioError';
    this.code = code;
    this.codeName = codeName;
  }
}

const isNode = typeof process === 'object' && !!process.versions?.node;

/** Wraps an instantiated corio module (one built with web/library_corio.js). */
export function attach(Module) {
  const host = Module.corioHost;
  if (!host) throw new TypeError('not a corio module: corioHost is missing');
  const codeName = (code) => Module.UTF8ToString(Module._corio_err_name(code));
  return {
    module: Module,
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
        throw new CorioError(e.code, codeName(e.code), e.message);
      }
    },
  };
}

/**
 * Loads a corio module: by default the package's dist/corio.mjs; pass
 * `factory` (an Emscripten ES module factory) and `wasmUrl` for another.
 * Other options go to the factory (print, printErr, ...). In Node, streams
 * use Node's net and tls unless the options say otherwise: `corioNet`
 * ({net, tls, fs}, e.g. wrapped), or `corioTransport: 'fetch'` (the
 * browser's carrier: one HTTP request per connection, over fetch()).
 */
export async function load({ factory, wasmUrl, ...options } = {}) {
  if (!factory) factory = (await import('../dist/corio.mjs')).default;
  if (isNode && !options.wasmBinary && !options.instantiateWasm) {
    const { readFile } = await import('node:fs/promises');
    options.wasmBinary = await readFile(wasmUrl ?? new URL('../dist/corio.wasm', import.meta.url));
  }
  if (isNode && !options.corioNet && !options.corioTransport) {
    const [net, tls, fs] = await Promise.all(
      [import('node:net'), import('node:tls'), import('node:fs')]);
    options.corioNet = { net, tls, fs };
  }
  return attach(await factory(options));
}
