/*
 * library_checker.js — the JS half of checker/checker_js.c (linked into
 * dist/corio.mjs only): makes a job, feeds it URLs a batch at a time when
 * its run asks (corioCheckerPull, through corio_js_await), and
 * passes each start, result and progress event of a job to the listeners
 * npm/checker.mjs registered for it, and tells the run the stream carrier's
 * limit per origin (runtime/host/library_net.js). Host calls only: the listeners run on
 * a microtask, never with wasm on the stack, and nothing here calls back
 * into wasm while an event is reported.
 */
mergeInto(LibraryManager.library, {
  $Checker__deps: ['malloc', 'free'],
  $Checker__postset: 'Module["checkerHost"] = Checker;',
  $Checker: {
    jobs: {},  // job pointer -> listeners {start, result, progress}
               // (a plain object: the library serializer drops Maps)

    // Makes a job for the options; returns its pointer (0 without
    // memory). `listeners` get its events until freeJob; listeners.pull()
    // gives the job's next URLs: a Promise of an array of strings, or of
    // null when there are none left (it must not reject). The caller frees
    // the job with freeJob once its run settled. `request` is {method,
    // headers: "Name: value" lines joined by "\n", follow, maxRedirects
    // (0: corio's most), denyPrivate}.
    newJob: function(concurrency, timeout, sequential, listeners, request) {
      var pulls = Checker.pulls();
      var key = 'job' + (pulls.next = (pulls.next || 0) + 1);
      var keyPtr = Checker.toC(key);
      if (!keyPtr) return 0;
      var job = _checker_export_job_new(keyPtr, concurrency, timeout, sequential ? 1 : 0);
      _free(keyPtr);
      if (job && request && Checker.setRequest(job, request) !== 0) {
        _checker_export_job_free(job);
        job = 0;
      }
      if (!job) return 0;
      var entry = {listeners: listeners, key: key};
      Checker.jobs[job] = entry;
      // What C's corio_js_await("corioCheckerPull", key) runs: the next
      // batch, fed into the job unless it was freed meanwhile.
      pulls[key] = function() {
        return Promise.resolve(listeners.pull()).then(function(batch) {
          if (Checker.jobs[job] === entry) Checker.feed(job, batch || [], !batch);
          return '';
        });
      };
      return job;
    },

    // The pull functions of every corio module in this JS realm, by job key
    // (corio_js_await calls a global function by name).
    pulls: function() {
      var slot = Symbol.for('corio.checkerPulls');
      if (!globalThis[slot]) {
        globalThis[slot] = {};
        globalThis.corioCheckerPull = function(key) {
          var pull = globalThis[slot][key];
          return pull ? pull() : '';
        };
      }
      return globalThis[slot];
    },

    // A JS string in wasm memory (malloc'd; 0 without memory), UTF-8 with
    // each lone surrogate as U+FFFD (stringToUTF8 would join it with the
    // next character).
    toC: function(text) {
      text = Checker.wellFormed(String(text));
      var len = lengthBytesUTF8(text);
      var p = _malloc(len + 1);
      if (p) stringToUTF8(text, p, len + 1);
      return p;
    },

    wellFormed: function(text) {
      return typeof text.toWellFormed === 'function' ? text.toWellFormed()
        : text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
    },

    // Copies `urls` (strings) into the job as its next batch; `end`: the last.
    feed: function(job, urls, end) {
      var n = urls.length;
      var table = _malloc(8 * Math.max(n, 1));  // n pointers, then n lengths
      var ptrs = [];
      try {
        if (!table) return _checker_export_job_feed(job, 0, 0, 0, 1);
        for (var i = 0; i < n; i++) {
          var text = Checker.wellFormed(String(urls[i]));
          var len = lengthBytesUTF8(text);
          var p = _malloc(len + 1);
          if (!p) return _checker_export_job_feed(job, 0, 0, 0, 1);
          ptrs.push(p);
          stringToUTF8(text, p, len + 1);
          HEAP32[(table >> 2) + i] = p;
          HEAP32[(table >> 2) + n + i] = len;
        }
        return _checker_export_job_feed(job, table, table + 4 * n, n, end ? 1 : 0);
      } finally {
        ptrs.forEach(function(p) { _free(p); });
        if (table) _free(table);
      }
    },

    setRequest: function(job, request) {
      var strings = [request.method || '', request.headers || ''].map(Checker.toC);
      try {
        if (!strings[0] || !strings[1]) return -1;
        return _checker_export_job_request(job, strings[0], strings[1],
                                           request.follow ? 1 : 0,
                                           request.maxRedirects || 0,
                                           request.denyPrivate ? 1 : 0);
      } finally {
        strings.forEach(function(p) { if (p) _free(p); });
      }
    },

    freeJob: function(job) {
      var entry = Checker.jobs[job];
      if (entry) delete Checker.pulls()[entry.key];
      delete Checker.jobs[job];
      _checker_export_job_free(job);
    },

    // Calls listener `name` of `job` with args on a microtask.
    emit: function(job, name, args) {
      var listeners = Checker.jobs[job] && Checker.jobs[job].listeners;
      if (!listeners || !listeners[name]) return;
      queueMicrotask(function() { listeners[name].apply(null, args); });
    },
  },

  checker_js_started__deps: ['$Checker'],
  checker_js_started__sig: 'vii',
  checker_js_started: function(job, index) {
    Checker.emit(job, 'start', [index]);
  },

  checker_js_result__deps: ['$Checker'],
  checker_js_result__sig: 'viiiiiiiddddiiddd',
  checker_js_result: function(job, index, status, reason, error, errorName,
                              message, started, ended, firstByte, retryAfter,
                              checkedUrl, hops, dns, connect, tls) {
    var chain = UTF8ToString(hops);
    Checker.emit(job, 'result', [{
      index: index,
      status: status,
      reason: UTF8ToString(reason),
      code: error,
      codeName: error ? UTF8ToString(errorName) : null,
      message: UTF8ToString(message),
      started: started,
      ended: ended,
      firstByte: firstByte,   // seconds from the check's start; -1: no answer
      dns: dns,               // the same clock, for its connection's phases;
      connect: connect,       // -1: not shown by the carrier (fetch) or no
      tls: tls,               // answer
      retryAfter: retryAfter, // seconds a 429/503 asked to wait; -1: none
      checkedUrl: UTF8ToString(checkedUrl), // '' if none was requested
      // With follow, when redirected: each response (URL, status), the final one last.
      redirects: chain ? chain.split('\n').map(function(line) {
        var space = line.indexOf(' ');
        return {status: Number(line.slice(0, space)), url: line.slice(space + 1)};
      }) : [],
    }]);
  },

  checker_js_origin_limit__deps: ['$CorioNet'],
  checker_js_origin_limit__sig: 'i',
  checker_js_origin_limit: function() {
    return CorioNet.transport().PER_ORIGIN || 0;
  },

  checker_js_progress__deps: ['$Checker'],
  checker_js_progress__sig: 'viii',
  checker_js_progress: function(job, done, total) {
    Checker.emit(job, 'progress', [done, total]);
  },
});
