// examples_worker.mjs — a dedicated module worker that runs one example
// program (dist/examples/NAME.mjs, built with -sINVOKE_RUN=0) for the
// Examples tab (examples_tab.mjs): imports its factory, calls main and
// reports each output line and how the program ended. The tab starts a
// fresh worker per run, so each run gets a fresh instance, never blocks the
// page, and can be stopped by ending the worker. Streams take the page's
// carrier (carrier.mjs): the options it sends along (the relay's config, or
// fetch()).
//
// Messages to the page: {type: 'out' | 'err', line}, {type: 'exit', status},
// {type: 'abort', what}, {type: 'error', message}; the last three end the run.

const post = (message) => self.postMessage(message);
const describe = (e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e?.message ?? e));
// exit() ends the program by throwing ExitStatus out of whatever JS turn it
// ran in (Emscripten's quit_): that is the normal end, reported by onExit.
const isExit = (e) => e?.name === 'ExitStatus';

let ended = false;
function end(message) {
  if (ended) return;
  ended = true;
  post(message);
}

// Traps and aborts in a later turn (once main has suspended) land here.
self.addEventListener('error', (event) => {
  event.preventDefault();
  if (!isExit(event.error)) end({ type: 'error', message: describe(event.error ?? event.message) });
});
self.addEventListener('unhandledrejection', (event) => {
  event.preventDefault();
  if (!isExit(event.reason)) end({ type: 'error', message: describe(event.reason) });
});

async function run(url, options) {
  let factory;
  try {
    factory = (await import(url)).default;
  } catch (e) {
    end({ type: 'error', message: `loading ${url}: ${describe(e)}` });
    return;
  }
  let Module;
  try {
    Module = await factory({
      ...options,
      print: (line) => post({ type: 'out', line }),
      printErr: (line) => post({ type: 'err', line }),
      noExitRuntime: false,
      // Called once stdout and stderr are flushed, also when main returns
      // after callMain did because it suspended through Asyncify.
      onExit: (status) => end({ type: 'exit', status }),
      onAbort: (what) => end({ type: 'abort', what: what === undefined ? '' : describe(what) }),
    });
  } catch (e) {
    end({ type: 'error', message: `instantiating the module: ${describe(e)}` });
    return;
  }
  try {
    Module.callMain([]);
  } catch (e) {
    // A trap while main ran synchronously (exit() is not thrown out of callMain).
    if (!isExit(e)) end({ type: 'error', message: describe(e) });
  }
}

self.addEventListener('message', (event) => run(event.data.url, event.data.options ?? {}), { once: true });
