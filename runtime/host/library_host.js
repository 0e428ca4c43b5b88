/*
 * library_host.js — the JS half of corio's wasm host backend
 * (runtime/host/host_js.c): timers and wake-ups on the JS event loop, JS
 * calls whose Promises settle into C, and the tick driver for loops run
 * from JS. Host calls only: no runtime logic lives here.
 *
 * Rules it keeps (see docs/toolchain.md):
 *   - at most one Asyncify suspension: only corio_js_host_wait suspends, and
 *     completions never call a suspending export, they record and kick;
 *   - a wake-up always happens on a fresh JS turn, never with wasm on the
 *     stack, and there is at most one pending wake-up (timer or turn);
 *   - a rejected or throwing JS call becomes a C error, never a lost wake.
 */
mergeInto(LibraryManager.library, {
#if USE_PTHREADS
  $Corio__deps: ['$CorioStatus', 'malloc', 'free', '$PThread'],
  $Corio__postset: 'Module["corioHost"] = Corio; Corio.watchAborts(); Corio.unrefWorkers(); Corio.steadyStdio();',
#else
  $Corio__deps: ['$CorioStatus', 'malloc', 'free'],
  $Corio__postset: 'Module["corioHost"] = Corio; Corio.watchAborts();',
#endif
  $Corio: {
    wakeUp: null,        // Asyncify's resume, while corio_js_host_wait sleeps
    timer: null,         // the one pending setTimeout
    turnScheduled: false,
    kicked: false,       // a kick came while wasm ran: the next wait is a turn
    tickActive: false,   // a JS-driven loop exists
    tickScheduled: false,
    tickTurn: false,     // the planned tick is a turn (else a timer)
    keepalive: 0,        // Emscripten's keepalive count when a run began
    runs: {},            // task pointer -> {resolve, reject} for Corio.run
                         // (a plain object: the library serializer drops Maps)
    channel: null,
    aliveTimer: null,    // held while the loop awaits worker threads
    dead: null,          // the trap that ended the hosted loop (failAll)

    // Calls fn on a fresh turn of the JS loop: setImmediate in Node,
    // a MessageChannel message in browsers (setTimeout(0) costs ~1 ms).
    turn: function(fn) {
      if (typeof setImmediate === 'function') { setImmediate(fn); return; }
      if (!Corio.channel) {
        Corio.channel = new MessageChannel();
        Corio.channel.queue = [];
        Corio.channel.port1.onmessage = function() {
          var f = Corio.channel.queue.shift();
          if (f) f();
        };
      }
      Corio.channel.queue.push(fn);
      Corio.channel.port2.postMessage(0);
    },

    // setTimeout takes at most 2^31 - 1 ms (24.8 days) and fires at once
    // for more: a longer wait wakes early, at that bound, and waits again.
    MAX_TIMER_MS: 2147483647,
    setTimer: function(fn, ms) {
      Corio.timer = setTimeout(fn, Math.min(ms, Corio.MAX_TIMER_MS));
    },

    clearTimer: function() {
      if (Corio.timer !== null) { clearTimeout(Corio.timer); Corio.timer = null; }
    },

    // Blocking mode: resume the scheduler suspended in corio_js_host_wait.
    resume: function() {
      Corio.turnScheduled = false;
      Corio.clearTimer();
      var wakeUp = Corio.wakeUp;
      Corio.wakeUp = null;
      if (!wakeUp) return;
      try {
        wakeUp();
      } catch (e) {
        // exit() called by resumed code unwinds out through here: that is
        // the program ending normally, not an error of this callback.
        if (e === 'unwind' || (e && e.name === 'ExitStatus')) return;
        throw Corio.explain(e);
      }
    },

    // Something completed: make sure the loop runs soon, with one wake-up.
    // A kick while wasm runs (no wait and no tick to plan) is kept for the
    // next wait, which then lasts one turn: the loop may already have looked
    // for what the kick announces. In the threaded build a worker's kick
    // can come then, from inside a blocking call of the main thread, which
    // runs the calls queued to it while it waits.
    kick: function() {
      if (Corio.wakeUp) {
        if (!Corio.turnScheduled) {
          Corio.turnScheduled = true;
          Corio.clearTimer();
          Corio.turn(Corio.resume);
        }
      } else if (Corio.tickActive) {
        Corio.scheduleTick(0);
      } else {
        Corio.kicked = true;
      }
    },

    // corio__host_keep_alive: a timer that never fires keeps Node's event
    // loop (and so the process) alive while the loop awaits work on worker
    // threads, which do not (Corio.unrefWorkers). In a page, which lives on
    // anyway, it only costs the timer. After a trap or an abort nothing can
    // end the jobs' wait: the hold goes with the runs, and the module takes
    // no more (failAll, watchAborts).
    keepAlive: function(held) {
      if (held && Corio.aliveTimer === null) {
        Corio.aliveTimer = setInterval(function() {}, Corio.MAX_TIMER_MS);
      } else if (!held && Corio.aliveTimer !== null) {
        clearInterval(Corio.aliveTimer);
        Corio.aliveTimer = null;
      }
    },

#if USE_PTHREADS
    // In Node an idle pthread worker keeps the process alive, and 3.1.6
    // does not unref() them: a program that used a thread pool could never
    // end by itself, nor a hosted module whose executor stays open between
    // runs. Each worker is unref()ed once it has loaded the module (before,
    // a program's main waits for its pool to load, with nothing else to
    // keep Node going; and Emscripten's 'message' listener refs it again);
    // the loop keeps the process alive while it awaits their work
    // (keepAlive).
    unrefWorkers: function() {
      if (!ENVIRONMENT_IS_NODE || ENVIRONMENT_IS_PTHREAD) return;
      var load = PThread.loadWasmModuleToWorker;
      PThread.loadWasmModuleToWorker = function(worker, onFinishedLoading) {
        load(worker, function(w) {
          w.unref();
          if (onFinishedLoading) onFinishedLoading(w);
        });
      };
    },

    // Under Node, 3.1.6's threaded builds print with fs.writeSync(1 or 2)
    // unless given print and printErr, and Node makes a piped stdout
    // non-blocking once a worker's output is forwarded to it: a pipe its
    // reader has not drained then throws EAGAIN, which ends the program
    // with its output cut short. The default printers here wait for room
    // (1 ms at a time) and write all of each line.
    steadyStdio: function() {
#if ENVIRONMENT_MAY_BE_NODE
      if (!ENVIRONMENT_IS_NODE) return;
      var nodeFs = require('fs');
      var pause = new Int32Array(new SharedArrayBuffer(4));
      var writeAll = function(fd, text) {
        var bytes = Buffer.from(text + '\n');
        for (var done = 0; done < bytes.length;) {
          try {
            done += nodeFs.writeSync(fd, bytes, done);
          } catch (e) {
            if (e.code !== 'EAGAIN') throw e;
            Atomics.wait(pause, 0, 0, 1);
          }
        }
      };
      if (!Module['print']) out = function(text) { writeAll(1, text); };
      if (!Module['printErr']) err = function(text) { writeAll(2, text); };
#endif
    },
#endif

    // JS-driven mode: run a slice, then plan the next one.
    tick: function() {
      Corio.tickScheduled = false;
      Corio.tickTurn = false;
      Corio.clearTimer();
      var ms;
      try {
        ms = _corio_export_tick();
      } catch (e) {
        e = Corio.explain(e);
        Corio.failAll(e);
        throw e;
      }
      if (ms >= 0) Corio.scheduleTick(ms);
    },

    // One tick is planned at a time: a turn or a timer. Only tick() plans
    // a timer, right after clearing both flags, so a tick already planned
    // when ms > 0 comes is a turn, which comes sooner. A turn replaces a
    // timer; a turn already planned serves every kick until it runs (its
    // tick runs what they woke), so a JS task that reports many things (a
    // relay frame of many records) costs one tick, not one each.
    scheduleTick: function(ms) {
      if (Corio.tickScheduled) {
        if (ms > 0 || Corio.tickTurn) return;
        Corio.clearTimer();          // a timer, which the turn replaces
      }
      Corio.tickScheduled = true;
      Corio.tickTurn = ms <= 0;
      if (ms <= 0) Corio.turn(Corio.tick);
      else Corio.setTimer(Corio.tick, ms);
    },

    // Binaryen does not bound-check an Asyncify buffer while it unwinds; it
    // traps with a bare "unreachable" in asyncify_stop_unwind once the data
    // has run past its end (into the task's own canary: see
    // runtime/fiber/fiber_emscripten.c). Such a trap is named here.
    OVERFLOW_HINT: 'corio: stack overflow: a task outgrew its Asyncify buffer while ' +
      'suspending (its call stack at the suspension point was too deep); give it a ' +
      'larger corio_task_opts_t.asyncify_size',
    isAsyncifyOverflow: function() {
      var data = Asyncify.currData;  // {current, end, ...} of the unwinding fiber
      return !!data && HEAPU32[data >>> 2] > HEAPU32[(data + 4) >>> 2];
    },
    explain: function(e) {
      if (!Corio.isAsyncifyOverflow()) return e;
      var better = new WebAssembly.RuntimeError(Corio.OVERFLOW_HINT + ' (' + e + ')');
      better.cause = e;
      return better;
    },
    watchAborts: function() {
      var userOnAbort = Module['onAbort'];
      Module['onAbort'] = function(what) {
        Corio.keepAlive(false);
        if (Corio.isAsyncifyOverflow()) err(Corio.OVERFLOW_HINT);
        if (userOnAbort) userOnAbort(what);
      };
    },

    // A fatal error inside wasm (abort, trap): reject every pending run.
    failAll: function(e) {
      Corio.dead = e;
      Corio.keepAlive(false);
      var runs = Corio.runs;
      Corio.runs = {};
      Object.keys(runs).forEach(function(k) { runs[k].reject(e); });
    },

    // Copies a JS string into malloc'd wasm memory; C frees it.
    toC: function(s) {
      var n = lengthBytesUTF8(s) + 1;
      var p = _malloc(n);
      if (p) stringToUTF8(s, p, n);
      return p;
    },

    // Runs the coroutine exported as `name` with an integer argument;
    // resolves to {value} or rejects with {code, message} (the npm module
    // turns these into idiomatic results and Error objects). Aborting
    // opts.signal (an AbortSignal) cancels the task.
    run: function(name, arg, opts) {
      var signal = opts && opts.signal;
      return new Promise(function(resolve, reject) {
        // C's state after a trap is not to be trusted (its bookkeeping of
        // tasks and thread jobs may be half done): the runs that were
        // pending failed with the trap, and a later one fails with it too.
        if (Corio.dead) {
          reject(Corio.dead);
          return;
        }
        var namePtr = Corio.toC(String(name));
        var codePtr = _malloc(4);
        var task = _corio_export_run(namePtr, arg | 0, codePtr);
        var code = HEAP32[codePtr >>> 2];
        _free(namePtr);
        _free(codePtr);
        if (!task) {
          reject({code: code, message: name + ': ' + UTF8ToString(_corio_export_err_text(code))});
          return;
        }
        Corio.runs[task] = {resolve: resolve, reject: reject};
        if (signal) Corio.cancelOnAbort(task, signal);
        Corio.tickActive = true;
        Corio.scheduleTick(0);
      });
    },

    // Cancels run `task` when `signal` aborts (at once if it has), as long
    // as the run is pending; the listener goes when the run settles.
    cancelOnAbort: function(task, signal) {
      var entry = Corio.runs[task];
      var onAbort = function() {
        if (Corio.runs[task] !== entry) return;
        if (_corio_export_cancel(task)) Corio.scheduleTick(0);
      };
      var settle = function(fn) {
        return function(x) {
          signal.removeEventListener('abort', onAbort);
          fn(x);
        };
      };
      entry.resolve = settle(entry.resolve);
      entry.reject = settle(entry.reject);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort);
    },
  },

  corio_js_host_wait__deps: ['$Corio'],
  corio_js_host_wait__sig: 'vd',
  corio_js_host_wait: function(ms) {
    if (Corio.kicked) {
      Corio.kicked = false;
      ms = 0;
    }
    return Asyncify.handleSleep(function(wakeUp) {
      Corio.wakeUp = wakeUp;
      if (ms === 0) {
        Corio.turnScheduled = true;
        Corio.turn(Corio.resume);
      } else if (ms > 0) {
        Corio.setTimer(Corio.resume, ms);
      }
      // ms < 0: only a completion (Corio.kick) resumes.
    });
  },

  corio_js_kick__deps: ['$Corio'],
  corio_js_kick__sig: 'v',
  corio_js_kick: function() {
    Corio.kick();
  },

  corio_js_keep_alive__deps: ['$Corio'],
  corio_js_keep_alive__sig: 'vi',
  corio_js_keep_alive: function(held) {
    Corio.keepAlive(held !== 0);
  },

  corio_js_loop_opened__deps: ['$Corio'],
  corio_js_loop_opened__sig: 'v',
  corio_js_loop_opened: function() {
    Corio.keepalive = runtimeKeepaliveCounter;
    Corio.kicked = false;
  },

  corio_js_loop_closed__deps: ['$Corio'],
  corio_js_loop_closed__sig: 'v',
  corio_js_loop_closed: function() {
    runtimeKeepaliveCounter = Corio.keepalive;
  },

  corio_js_call__deps: ['$Corio'],
  corio_js_call__sig: 'viii',
  corio_js_call: function(id, namePtr, argPtr) {
    var name = UTF8ToString(namePtr);
    var arg = UTF8ToString(argPtr);
    var settle = function(code, text) {
      _corio_on_settle(id, code, Corio.toC(text));
      Corio.kick();
    };
    // Always settles on a later microtask, never inside this call: the
    // calling task has not started waiting yet.
    Promise.resolve().then(function() {
      var fn = globalThis[name];
      if (typeof fn !== 'function') throw new Error('globalThis.' + name + ' is not a function');
      return fn(arg);
    }).then(function(value) {
      settle(0, value === undefined ? '' : String(value));
    }, function(err) {
      var msg = err && err.message !== undefined ? err.message : String(err);
      settle(CorioStatus.EHOST, name + ': ' + msg);
    });
  },

  // -sSTACK_OVERFLOW_CHECK=2 calls this when a stack pointer would leave
  // the current stack (the fiber swap sets each task's limits): the abort
  // first names the task, as natively ("corio: task NAME overflowed its
  // N-byte stack"). The limits are lifted first, so the call into C that
  // makes the line cannot overflow again; nothing runs after the abort.
  __handle_stack_overflow__deps: ['emscripten_stack_get_base', 'emscripten_stack_get_end',
    'emscripten_stack_set_limits'],
  __handle_stack_overflow: function(requested) {
    requested = requested >>> 0;
    var base = _emscripten_stack_get_base() >>> 0;
    var end = _emscripten_stack_get_end() >>> 0;
    _emscripten_stack_set_limits(0xfffffff0, 0);
    var line = _corio_export_overflow_line(base - end);
    if (line) err(UTF8ToString(line).replace(/\n$/, ''));
    abort('stack overflow (Attempt to set SP to 0x' + requested.toString(16) +
          ', with stack limits [0x' + end.toString(16) + ' - 0x' + base.toString(16) + '])');
  },

  // Debug mode (runtime/core/debug.c): load({debug: true}) sets
  // Module.corioDebug; under Node, CORIO_DEBUG=1 in the environment too
  // (Emscripten's getenv does not see Node's environment).
  corio_js_debug_requested__sig: 'i',
  corio_js_debug_requested: function() {
    if (Module['corioDebug'] !== undefined) return Module['corioDebug'] ? 1 : 0;
    return typeof process === 'object' && process.env && process.env['CORIO_DEBUG'] === '1' ? 1 : 0;
  },

  corio_js_task_done__deps: ['$Corio'],
  corio_js_task_done__sig: 'viidi',
  corio_js_task_done: function(task, code, value, messagePtr) {
    var p = Corio.runs[task];
    if (!p) return;
    delete Corio.runs[task];
    if (code === 0) p.resolve({value: value});
    else p.reject({code: code, message: UTF8ToString(messagePtr)});
  },
});
