/*
 * library_checker.js — the JS half of checker/checker_js.c (linked into
 * dist/corio.mjs only): makes a job from a URL list in wasm memory, and
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

    // Makes a job for `urls` (strings) and the options; returns its
    // pointer (0 without memory). `listeners` get its events until
    // freeJob. The caller frees it with freeJob once its run settled.
    // `request` is {method, headers: "Name: value" lines joined by "\n",
    // follow, maxRedirects (0: corio's most), denyPrivate}.
    newJob: function(urls, concurrency, timeout, sequential, listeners, request) {
      var n = urls.length;
      var table = _malloc(8 * Math.max(n, 1));  // n pointers, then n lengths
      if (!table) return 0;
      var ptrs = [];
      var job = 0;
      try {
        for (var i = 0; i < n; i++) {
          var len = lengthBytesUTF8(urls[i]);
          var p = _malloc(len + 1);
          if (!p) return 0;
          ptrs.push(p);
          stringToUTF8(urls[i], p, len + 1);
          HEAP32[(table >> 2) + i] = p;
          HEAP32[(table >> 2) + n + i] = len;
        }
        job = _checker_export_job_new(table, table + 4 * n, n, concurrency,
                                  timeout, sequential ? 1 : 0);
        if (job && request && Checker.setRequest(job, request) !== 0) {
          _checker_export_job_free(job);
          job = 0;
        }
      } finally {
        ptrs.forEach(function(p) { _free(p); });
        _free(table);
      }
      if (job) Checker.jobs[job] = listeners;
      return job;
    },

    setRequest: function(job, request) {
      var strings = [request.method || '', request.headers || ''].map(function(t) {
        var len = lengthBytesUTF8(t);
        var p = _malloc(len + 1);
        if (p) stringToUTF8(t, p, len + 1);
        return p;
      });
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
      delete Checker.jobs[job];
      _checker_export_job_free(job);
    },

    // Calls listener `name` of `job` with args on a microtask.
    emit: function(job, name, args) {
      var listeners = Checker.jobs[job];
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
