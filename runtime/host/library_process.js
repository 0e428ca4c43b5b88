/*
 * library_process.js — the JS half of corio's wasm process backend
 * (runtime/host/process_js.c): children started with Node's
 * child_process.spawn, which the loader passes as Module.corioProcess =
 * {child_process, fs, os} (a module built for web,worker cannot import it
 * itself; a build with require() takes it). Without it (a page) starting
 * a process fails with CORIO_ENOTSUP.
 * Rules it keeps (runtime/backend.h, "processes and pipes"):
 *   - every report to C comes from a later microtask or Node event than
 *     the call that caused it, then Corio.kick() runs the loop (through
 *     CorioNet.report; one exception: detachAll at the end of a run);
 *   - on a successful start each pipe is reported connected before the
 *     process is reported started; after a failed start each pipe is
 *     reported closed; a pipe's closed report is its last, a process's
 *     exit or start error its last, and a record is dropped before it.
 * A pipe's record has the shape of a connection's (CorioNet.record), so
 * its data, EOF, sent and error reports are CorioNet's.
 */
mergeInto(LibraryManager.library, {
  $CorioProcess__deps: ['$Corio', '$CorioNet', '$CorioStatus'],
  $CorioProcess: {
    procs: {}, // process pointer -> {ptr, child, pipes}
    pipes: {}, // pipe (connection) pointer -> connection-shaped record
    NAMES: ['stdin', 'stdout', 'stderr'],

    // Module.corioProcess, or null (no child_process here).
    modules: function() {
#if !EXPORT_ES6
      if (!Module['corioProcess'] && ENVIRONMENT_IS_NODE && typeof require === 'function')
        Module['corioProcess'] = {child_process: require('child_process'), fs: require('fs'), os: require('os')};
#endif
      var m = Module['corioProcess'];
      return m && m.child_process ? m : null;
    },

    strings: function(ptr) {
      var out = [];
      if (!ptr) return out;
      for (var i = 0; HEAPU32[(ptr >> 2) + i]; i++) out.push(UTF8ToString(HEAPU32[(ptr >> 2) + i]));
      return out;
    },

    // The child's environment for child_process (undefined: the parent's).
    env: function(mode, list) {
      if (mode !== 'R' && mode !== 'A') return undefined; // 'I': inherited
      var env = mode === 'A' ? Object.assign({}, process.env) : {};
      list.forEach(function(kv) {
        var eq = kv.indexOf('=');
        env[kv.slice(0, eq)] = kv.slice(eq + 1);
      });
      return env;
    },

    // The corio status of a failed spawn's Node error.
    startCode: function(err) {
      var c = String((err && err.code) || '');
      if (c === 'ENOENT' || c === 'ENOTDIR') return CorioStatus.ENOENT;
      if (c === 'EACCES' || c === 'EPERM') return CorioStatus.EACCES;
      if (c === 'E2BIG') return CorioStatus.ELIMIT;
      if (c === 'ENOMEM') return CorioStatus.ENOMEM;
      if (c === 'ERR_INVALID_ARG_VALUE' || c === 'ERR_INVALID_ARG_TYPE') return CorioStatus.EINVAL;
      return CorioStatus.EIO;
    },

    // Why the working directory cannot be entered, or null: Node blames
    // the program for a bad cwd ("spawn /bin/sh ENOENT"), so it is looked
    // at first.
    cwdProblem: function(m, cwd) {
      if (!cwd || !m.fs) return null;
      try {
        if (!m.fs.statSync(cwd).isDirectory()) return {code: 'ENOTDIR', words: 'Not a directory'};
        m.fs.accessSync(cwd, m.fs.constants.X_OK);
        return null;
      } catch (e) {
        return {code: e.code, words: e.code === 'ENOENT' ? 'No such file or directory' :
                e.code === 'EACCES' ? 'Permission denied' : String(e.message)};
      }
    },

    // A pipe's record, in the connection-shaped table of this file.
    pipeRecord: function(ptr, name) {
      var rec = {ptr: ptr, transport: CorioProcess, open: true, closing: false, where: name};
      CorioProcess.pipes[ptr] = rec;
      return rec;
    },

    pipeClosed: function(rec) {
      CorioNet.reportClosed(CorioProcess.pipes, rec, _corio_on_pipe_closed);
    },

    // Reports a start that failed: the error, then each pipe closed.
    startFailed: function(proc, code, message) {
      CorioNet.later(function() {
        if (CorioProcess.procs[proc.ptr] !== proc) return; // released
        delete CorioProcess.procs[proc.ptr];
        proc.pipes.forEach(function(rec) { if (rec) CorioProcess.pipeClosed(rec); });
        CorioNet.report(function() {
          CorioNet.withString(message, function(s) { _corio_on_process_start_error(proc.ptr, code, s); });
        });
      });
    },

    spawn: function(p, argv, cwd, envMode, env, stdio, pipePtrs) {
      var proc = {ptr: p, child: null, pipes: [null, null, null]};
      CorioProcess.procs[p] = proc;
      pipePtrs.forEach(function(ptr, i) {
        if (ptr) proc.pipes[i] = CorioProcess.pipeRecord(ptr, CorioProcess.NAMES[i] + ' of process ?');
      });
      var prog = argv[0];
      var m = CorioProcess.modules();
      if (!m)
        return CorioProcess.startFailed(proc, CorioStatus.ENOTSUP, 'cannot start ' + prog +
          ': not supported here: a page cannot start processes' +
          ' (in Node the loader passes Module.corioProcess = {child_process, fs, os})');
      var bad = CorioProcess.cwdProblem(m, cwd);
      if (bad)
        return CorioProcess.startFailed(proc, CorioProcess.startCode(bad), 'cannot start ' + prog +
          ': working directory ' + cwd + ': ' + bad.words);
      // stdio: 'I' inherited, 'P' pipe, 'N' /dev/null, 'O' (stderr) stdout's
      var node = stdio.map(function(s, fd) { return s === 'P' ? 'pipe' : s === 'N' ? 'ignore' : fd; });
      // stderr into stdout: the same place when stdout is not a pipe; into
      // stdout's reader, in the order the bytes arrive, when it is.
      var merged = stdio[2] === 'O' && stdio[1] === 'P';
      if (stdio[2] === 'O') node[2] = merged ? 'pipe' : node[1];
      var child;
      try {
        child = m.child_process.spawn(prog, argv.slice(1), {
          cwd: cwd || undefined, env: CorioProcess.env(envMode, env), stdio: node,
        });
      } catch (e) {
        return CorioProcess.startFailed(proc, CorioProcess.startCode(e), 'cannot start ' + prog + ': ' + e.message);
      }
      proc.child = child;
      var started = false;
      child.once('spawn', function() {
        started = true;
        if (CorioProcess.procs[p] !== proc) { // released meanwhile: unread
          [child.stdin, child.stdout, child.stderr].forEach(function(s) { if (s) s.destroy(); });
          return;
        }
        CorioProcess.startPipes(proc, child, merged);
        CorioNet.report(function() { _corio_on_process_started(p, child.pid); });
      });
      child.on('error', function(e) {
        if (started) return; // a failed kill: nothing to report
        var words = e.code === 'ENOENT' ? 'No such file or directory' +
                    (prog.indexOf('/') < 0 ? ' (searched PATH)' : '') :
                    e.code === 'EACCES' ? 'Permission denied' : e.message;
        CorioProcess.startFailed(proc, CorioProcess.startCode(e), 'cannot start ' + prog + ': ' + words);
      });
      child.once('exit', function(code, signal) {
        if (!started || CorioProcess.procs[p] !== proc) return;
        delete CorioProcess.procs[p];
        var rc = code !== null ? code : -(m.os ? m.os.constants.signals[signal] : 0);
        CorioNet.report(function() { _corio_on_process_exit(p, rc); });
      });
    },

    // The child started: its pipes are connected to its streams.
    startPipes: function(proc, child, merged) {
      var streams = [child.stdin, child.stdout, child.stderr];
      proc.pipes.forEach(function(rec, i) {
        if (!rec) return;
        if (!rec.open || rec.closing) return streams[i].destroy(); // closed by C
        rec.where = CorioProcess.NAMES[i] + ' of process ' + child.pid;
        rec.stream = streams[i];
        CorioNet.connected(rec, rec.where);
        if (i === 0) return CorioProcess.watchStdin(rec);
        var sources = merged && i === 1 ? [child.stdout, child.stderr] : [streams[i]];
        CorioProcess.watchOutput(rec, sources);
      });
    },

    // A read pipe, from one stream or (stderr into stdout) two: EOF once
    // every one ended, and then nothing can follow: the pipe closes.
    watchOutput: function(rec, sources) {
      rec.sources = sources;
      var left = sources.length;
      sources.forEach(function(s) {
        s.on('data', function(bytes) { CorioNet.data(rec, bytes); });
        s.on('end', function() {
          if (--left > 0) return;
          CorioNet.eof(rec);
          CorioProcess.pipeClosed(rec);
        });
        s.on('error', function(e) { CorioProcess.fail(rec, CorioNet.nodeCode(e, false), rec.where + ': ' + e.message); });
      });
    },

    watchStdin: function(rec) {
      var s = rec.stream;
      s.on('error', function(e) {
        CorioProcess.fail(rec, CorioNet.nodeCode(e, false), rec.where + ': ' + CorioNet.nodeWords(e));
      });
      s.on('close', function() {
        // Not closed by C: the child closed its end (or exited).
        if (!rec.closing) CorioNet.error(rec, CorioStatus.ECONNRESET, rec.where + ': closed by the child');
        CorioProcess.pipeClosed(rec);
      });
    },

    // The pipe's transport verbs (called by CorioNet too: fail).
    fail: function(rec, code, message) {
      CorioNet.error(rec, code, message);
      CorioProcess.destroy(rec);
      CorioNet.later(function() { CorioProcess.pipeClosed(rec); });
    },

    destroy: function(rec) {
      rec.closing = true;
      (rec.sources || [rec.stream]).forEach(function(s) { if (s) s.destroy(); });
    },

    write: function(rec, bytes) {
      var s = rec.stream, n = bytes.length;
      if (!s || s.destroyed || rec.closing) return;
      s.write(bytes, function(err) { if (!err) CorioNet.sent(rec, n); });
    },

    pause: function(rec, pause) {
      (rec.sources || []).forEach(function(s) { if (pause) s.pause(); else s.resume(); });
    },

    // Graceful (stdin): the bytes written go first, then the end; the
    // stream's 'close' makes the closed report. Otherwise destroyed now.
    close: function(rec, graceful) {
      if (rec.closing) return;
      var s = rec.stream;
      if (!s) { // not started yet
        rec.closing = true;
        return CorioNet.later(function() { CorioProcess.pipeClosed(rec); });
      }
      if (graceful && rec.sources === undefined && !s.destroyed) {
        rec.closing = true;
        s.end();
        return;
      }
      CorioProcess.destroy(rec);
      CorioNet.later(function() { CorioProcess.pipeClosed(rec); });
    },

    signal: function(p, sig) {
      var proc = CorioProcess.procs[p];
      if (!proc || !proc.child || proc.child.exitCode !== null || proc.child.signalCode !== null)
        return 0; // reaped: nothing to do
      try {
        proc.child.kill(sig);
        return 0;
      } catch (e) {
        return CorioStatus.EINVAL;
      }
    },

    // The end of a blocking run: every pipe destroyed and reported closed,
    // every process reported detached, now (process_host.h).
    detachAll: function() {
      Object.keys(CorioProcess.pipes).forEach(function(ptr) {
        var rec = CorioProcess.pipes[ptr];
        CorioProcess.destroy(rec);
        rec.open = false;
        delete CorioProcess.pipes[ptr];
        _corio_on_pipe_closed(rec.ptr);
      });
      Object.keys(CorioProcess.procs).forEach(function(ptr) {
        var proc = CorioProcess.procs[ptr];
        delete CorioProcess.procs[ptr];
        _corio_on_process_detached(proc.ptr);
      });
    },
  },

  // ---- the imports of runtime/host/process_js.c ---------------------------

  corio_js_process_spawn__deps: ['$CorioProcess'],
  corio_js_process_spawn__sig: 'viiiiiii',
  corio_js_process_spawn: function(p, argv, cwd, envMode, env, stdio, pipes) {
    CorioProcess.spawn(p, CorioProcess.strings(argv), UTF8ToString(cwd), String.fromCharCode(envMode),
                       CorioProcess.strings(env), UTF8ToString(stdio).split(''),
                       Array.from(HEAPU32.subarray(pipes >> 2, (pipes >> 2) + 3)));
  },

  corio_js_process_signal__deps: ['$CorioProcess'],
  corio_js_process_signal__sig: 'iii',
  corio_js_process_signal: function(p, sig) {
    return CorioProcess.signal(p, sig);
  },

  corio_js_process_release__deps: ['$CorioProcess'],
  corio_js_process_release__sig: 'vi',
  corio_js_process_release: function(p) {
    delete CorioProcess.procs[p]; // the child runs on; Node reaps it
  },

  corio_js_process_detach_all__deps: ['$CorioProcess'],
  corio_js_process_detach_all__sig: 'v',
  corio_js_process_detach_all: function() {
    CorioProcess.detachAll();
  },

  corio_js_pipe_write__deps: ['$CorioProcess'],
  corio_js_pipe_write__sig: 'viii',
  corio_js_pipe_write: function(c, ptr, n) {
    var rec = CorioProcess.pipes[c];
    if (rec) CorioProcess.write(rec, HEAPU8.slice(ptr, ptr + n));
  },

  corio_js_pipe_pause__deps: ['$CorioProcess'],
  corio_js_pipe_pause__sig: 'vii',
  corio_js_pipe_pause: function(c, pause) {
    var rec = CorioProcess.pipes[c];
    if (rec && !rec.closing) CorioProcess.pause(rec, pause);
  },

  corio_js_pipe_close__deps: ['$CorioProcess'],
  corio_js_pipe_close__sig: 'vii',
  corio_js_pipe_close: function(c, graceful) {
    var rec = CorioProcess.pipes[c];
    if (rec) CorioProcess.close(rec, !!graceful);
  },
});
