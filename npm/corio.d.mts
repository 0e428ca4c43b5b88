/*
 * corio.d.mts — TypeScript declarations of npm/corio.mjs: loading a corio
 * wasm module and running its exported C coroutines as Promises.
 */

/** An error that came from C: `code` is the corio status (negative), `codeName` its name. */
export declare class CorioError extends Error {
  constructor(code: number, codeName: string, message: string);
  /** The corio status, e.g. -15 (a negative CORIO_E* code of include/corio.h). */
  code: number;
  /** The status's name, e.g. 'CORIO_ENOTFOUND'. */
  codeName: string;
  /**
   * CORIO_EDEADLK only: every task that waited, one line each ("task NAME:
   * waiting on WHAT", who holds each lock, "cycle: ..." lines).
   */
  report?: string;
}

/** Options of a run. */
export interface RunOptions {
  /** Aborting it cancels the coroutine's task; a task that ends cancelled rejects with CORIO_ECANCELLED. */
  signal?: AbortSignal;
}

/** An instantiated Emscripten module built with corio's JS library. */
export type CorioModule = Record<string, any>;

/** A loaded corio module. */
export interface Corio {
  /** The Emscripten module instance. */
  readonly module: CorioModule;
  /**
   * Whether C runs on worker threads here (the threaded build): if false,
   * corio_to_thread and executors fail with CORIO_ENOTSUP, saying why.
   */
  readonly threads: boolean;
  /**
   * Runs the coroutine exported with CORIO_EXPORT(name) with an integer
   * argument (a whole number from -2 ** 31 to 2 ** 31 - 1, C's intptr_t in
   * wasm32: another number is a RangeError, a non-number a TypeError);
   * resolves with its result, rejects with a CorioError.
   */
  run(name: string, arg?: number, options?: RunOptions): Promise<number>;
  /**
   * The module's live tasks, one line each: name, state, what it waits on,
   * how long (debug mode) and where it was created.
   */
  dumpTasks(): string;
}

/**
 * Node's sockets, changed (Node only): curl's -k, --cacert, --proxy and
 * --noproxy.
 */
export interface NetworkOptions {
  /** Accept any certificate (curl -k). */
  insecure?: boolean;
  /** The CAs to trust instead of Node's: PEM text or bytes. */
  ca?: string | Uint8Array;
  /** An http:// proxy for every connection (a CONNECT tunnel, TLS inside it), or one per scheme. */
  proxy?: string | { http?: string; https?: string };
  /** Hosts that go direct: "*", names, .domains, addresses; an array or a comma-separated list. */
  noProxy?: string[] | string;
}

/** What load() takes; any other option goes to the Emscripten factory. */
export interface LoadOptions {
  /** An Emscripten ES module factory (default: one of the package's builds, as `threads` says). */
  factory?: (options: Record<string, unknown>) => Promise<CorioModule>;
  /**
   * Which of the package's builds (not with `factory`): true, the threaded
   * one (worker threads for corio_to_thread and executors: Node, or a
   * cross-origin isolated page, else a TypeError); false, the
   * single-threaded one. Default: the threaded one in Node and in an
   * isolated page that loads the package unbundled; the single-threaded
   * one elsewhere, and when `wasmUrl`, `wasmBinary`, `instantiateWasm` or
   * `locateFile` names a .wasm without `factory` (it is taken for the
   * single-threaded build's).
   */
  threads?: boolean;
  /**
   * Where the factory's .wasm is: needed in Node with `factory` (Node reads
   * it from disk); browsers fetch the .wasm next to the factory's file by default.
   */
  wasmUrl?: string | URL;
  /** A line of the module's stdout. */
  print?: (line: string) => void;
  /** A line of the module's stderr. */
  printErr?: (line: string) => void;
  /**
   * corio's debug mode: reports ("corio: ...") on printErr. Default: off,
   * or CORIO_DEBUG=1 in Node's environment.
   */
  debug?: boolean;
  /** Node only: Node's sockets with these options (not with corioNet or another corioTransport). */
  network?: NetworkOptions;
  /** Node only: the modules streams use (default: node:net, node:tls, node:fs). */
  corioNet?: { net: unknown; tls: unknown; fs: unknown; dns?: unknown };
  /** 'fetch': streams over fetch() even in Node (one HTTP request per connection). */
  corioTransport?: 'fetch' | 'node' | 'relay';
  /** The .wasm's bytes, instead of reading or fetching it. */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Emscripten's hook that instantiates the .wasm itself. */
  instantiateWasm?: (imports: unknown, done: (instance: unknown, module?: unknown) => void) => unknown;
  /**
   * Connections through the relay of corio's dev server (server/relay.mjs):
   * real TCP and TLS from a page. The page it serves carries this config;
   * `WebSocket` replaces the global one (e.g. the `ws` package in Node).
   */
  corioRelay?: { url: string; protocol: string; secret: string; WebSocket?: unknown };
  [option: string]: unknown;
}

/** Wraps an instantiated corio module. */
export declare function attach(module: CorioModule): Corio;
/** Loads a corio module: the package's own by default. */
export declare function load(options?: LoadOptions): Promise<Corio>;
/** The package's own module, loaded once and shared by run() and checkUrls(). */
export declare function defaultInstance(): Promise<Corio>;
/** The package's module loaded with `network` (Node only), one per distinct set of options. */
export declare function networkInstance(network: NetworkOptions): Promise<Corio>;
/**
 * Runs a coroutine of the package's own module (demo_tasks, demo_timeout,
 * demo_cancel, demo_hash_on_loop, demo_hash_to_thread).
 */
export declare function run(name: string, arg?: number, options?: RunOptions): Promise<number>;
