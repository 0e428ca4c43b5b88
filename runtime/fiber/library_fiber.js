/*
 * library_fiber.js — the JS half of the wasm fiber backend
 * (runtime/fiber/fiber_emscripten.c): the swap between two fibers, and the
 * trampoline that enters or rewinds the next one once the last has
 * unwound.
 *
 * Emscripten's own emscripten_fiber_swap does the same work, but every swap
 * goes through about eight of Asyncify's export wrappers (each a closure,
 * an apply, a push, a pop and a try/finally) and looks the fiber's bottom
 * export up by name; that glue was about 40% of a task switch. Here:
 *   - a fiber this trampoline entered first (every task) is rewound by
 *     calling its entry again, raw, from the table; its unwind ends back
 *     here, where it is stopped, not in a wrapper;
 *   - the Asyncify and stack calls go to the module's raw exports;
 *   - a fiber made from the current context (the loop's) resumes through
 *     the raw export at its bottom, with Asyncify's export stack kept as
 *     that export's wrapper keeps it, so that Asyncify's own sleep
 *     (corio_js_host_wait) can still name the export to rewind.
 *
 * Invariants:
 *   - the fiber record is Emscripten's emscripten_fiber_t, filled as
 *     emscripten_fiber_init would fill it (fiber_emscripten.c); its
 *     asyncify_data's rewind_id field ("for the runtime" in Asyncify's ABI)
 *     says how the fiber resumes: >= 0 is Asyncify's id of its bottom
 *     export, < 0 is ~(table index of its entry);
 *   - Asyncify.currData is the unwinding fiber's data until the next fiber
 *     runs (Corio names an Asyncify buffer overrun from it), and null while
 *     a fiber runs normally, so that a wrapped export called from a task
 *     does not stop anything when it returns;
 *   - only the trampoline enters a fiber, and only with no wasm on the JS
 *     stack beneath it but the export whose unwind it finishes.
 * It replaces Fibers.trampoline, so emscripten_fiber_swap must not be used
 * in the same program. It relies on Emscripten 3.1.6's Asyncify and Fibers
 * objects; the version is pinned (docs/toolchain.md).
 */
// The swap unwinds its callers only if Asyncify instruments them, which it
// does for the imports it is told of: a link without it stops here.
{{{ (function() {
  if (!ASYNCIFY || ASYNCIFY_IMPORTS.indexOf('env.corio_js_fiber_swap') < 0)
    throw new Error('corio: link with -sASYNCIFY and corio_js_fiber_swap in ' +
                    '-sASYNCIFY_IMPORTS (runtime/fiber/library_fiber.js swaps ' +
                    'tasks through Asyncify)');
  return '';
})() }}}
mergeInto(LibraryManager.library, {
  $CorioFiber__deps: ['$Asyncify', '$Fibers', '$runAndAbortIfError'],
  $CorioFiber__postset: 'CorioFiber.hook();',
  $CorioFiber: {
    exports: null,   // the module's exports, before Asyncify wraps them
    raw: null,       // the ones the swap calls, under names of its own
    next: 0,         // the fiber to run once the current unwind has ended
    running: false,  // the trampoline is entering fibers
    // Table index -> function, for the fibers' entries (as Emscripten's
    // getWasmTableEntry keeps them, which a library may not depend on).
    entries: [],

    entry: function(index) {
      return CorioFiber.entries[index] ||
             (CorioFiber.entries[index] = wasmTable.get(index));
    },

    // Keeps the raw exports, and makes the end of every wrapped export's
    // unwind (Asyncify.maybeStopUnwind) run this trampoline. The lookups
    // are written asm['name'] so that a link that minifies export names
    // (-O3, -Os) rewrites them too.
    hook: function() {
      var instrument = Asyncify.instrumentWasmExports;
      Asyncify.instrumentWasmExports = function(asm) {
        if (asm['asyncify_start_unwind']) {  // not a stand-in object
          CorioFiber.exports = asm;
          CorioFiber.raw = {
            startUnwind: asm['asyncify_start_unwind'],
            stopUnwind: asm['asyncify_stop_unwind'],
            startRewind: asm['asyncify_start_rewind'],
            stopRewind: asm['asyncify_stop_rewind'],
            stackRestore: asm['stackRestore'],
            setLimits: asm['emscripten_stack_set_limits'],
#if STACK_OVERFLOW_CHECK >= 2
            setCheckedLimits: asm['__set_stack_limits'],
#endif
          };
        }
        return instrument(asm);
      };
      Fibers.trampoline = CorioFiber.trampoline;
    },

    trampoline: function() {
      if (CorioFiber.running || !CorioFiber.next) return;
      CorioFiber.running = true;
      try {
        do {
          var fiber = CorioFiber.next;
          CorioFiber.next = 0;
          CorioFiber.enter(fiber);
        } while (CorioFiber.next);
      } finally {
        CorioFiber.running = false;
      }
    },

    // Runs `fiber` until it swaps out (or, for a context, until its bottom
    // export returns or Asyncify's sleep unwinds it).
    enter: function(fiber) {
      var raw = CorioFiber.raw;
      var base = {{{ makeGetValue('fiber', C_STRUCTS.emscripten_fiber_s.stack_base, 'i32') }}};
      var limit = {{{ makeGetValue('fiber', C_STRUCTS.emscripten_fiber_s.stack_limit, 'i32') }}};
      raw.setLimits(base, limit);
#if STACK_OVERFLOW_CHECK >= 2
      raw.setCheckedLimits(base, limit);
#endif
      raw.stackRestore({{{ makeGetValue('fiber', C_STRUCTS.emscripten_fiber_s.stack_ptr, 'i32') }}});
      var data = fiber + {{{ C_STRUCTS.emscripten_fiber_s.asyncify_data }}};
      var entry = {{{ makeGetValue('fiber', C_STRUCTS.emscripten_fiber_s.entry, 'i32') }}};
      if (entry !== 0) {
        {{{ makeSetValue('fiber', C_STRUCTS.emscripten_fiber_s.entry, 0, 'i32') }}};
        {{{ makeSetValue('data', C_STRUCTS.asyncify_data_s.rewind_id, '~entry', 'i32') }}};
        Asyncify.currData = null;
        CorioFiber.entry(entry)({{{ makeGetValue('fiber', C_STRUCTS.emscripten_fiber_s.user_data, 'i32') }}});
      } else {
        var id = {{{ makeGetValue('data', C_STRUCTS.asyncify_data_s.rewind_id, 'i32') }}};
        Asyncify.currData = data;
        Asyncify.state = Asyncify.State.Rewinding;
        raw.startRewind(data);
        if (id >= 0) return CorioFiber.resumeContext(id);
        CorioFiber.entry(~id)(0);  // the arguments come back from `data`
      }
      // The entry returned: the fiber swapped out (a task's entry never
      // returns otherwise). Its unwind ends here.
      if (Asyncify.state === Asyncify.State.Unwinding) {
        Asyncify.state = Asyncify.State.Normal;
        runAndAbortIfError(raw.stopUnwind);
      }
    },

    // Rewinds a context (the loop's fiber) through the raw export at its
    // bottom, which Asyncify's export stack shows meanwhile, as its wrapper
    // would: Asyncify's own sleep names the export it will rewind from it.
    // Where the build counts keepalives, a parked context holds one, as on
    // Asyncify's wrapper path: released here, taken where its next unwind
    // ends.
    resumeContext: function(id) {
      var name = Asyncify.callStackIdToName[id];
      {{{ runtimeKeepalivePop(); }}}
      Asyncify.exportCallStack.push(name);
      try {
        CorioFiber.exports[name]();
      } finally {
        if (!ABORT) Asyncify.exportCallStack.pop();
      }
      if (Asyncify.state !== Asyncify.State.Unwinding) return;
      if (!CorioFiber.next) {  // an Asyncify sleep (corio_js_host_wait)
        Asyncify.maybeStopUnwind();
        return;
      }
      {{{ runtimeKeepalivePush(); }}}
      Asyncify.state = Asyncify.State.Normal;
      runAndAbortIfError(CorioFiber.raw.stopUnwind);
    },
  },

  // Called by `from`, the running fiber: unwinds it, and the trampoline
  // then runs `to`. Called again when `from` is rewound: it goes on.
  corio_js_fiber_swap__sig: 'vii',
  corio_js_fiber_swap__deps: ['$CorioFiber'],
  corio_js_fiber_swap: function(from, to) {
    if (ABORT) return;
    var raw = CorioFiber.raw;
    if (Asyncify.state === Asyncify.State.Normal) {
      var data = from + {{{ C_STRUCTS.emscripten_fiber_s.asyncify_data }}};
      if ({{{ makeGetValue('data', C_STRUCTS.asyncify_data_s.rewind_id, 'i32') }}} >= 0)
        Asyncify.setDataRewindFunc(data);
      Asyncify.state = Asyncify.State.Unwinding;
      Asyncify.currData = data;
      raw.startUnwind(data);  // `from`'s stack pointer is saved (C, swap())
      CorioFiber.next = to;
    } else {
#if ASSERTIONS
      assert(Asyncify.state === Asyncify.State.Rewinding);
#endif
      Asyncify.state = Asyncify.State.Normal;
      raw.stopRewind();
      Asyncify.currData = null;
    }
  },
});
