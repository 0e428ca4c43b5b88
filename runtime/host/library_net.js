/*
 * library_net.js — the JS half of corio's wasm net transports
 * (runtime/host/net_js.c): what carries a stream connection or a listener,
 * chosen once per module:
 *   - Node (CorioNode): Node's net and tls modules, which the loader passes
 *     as Module.corioNet = {net, tls, fs[, dns]} (a module built for web,worker
 *     cannot import them itself);
 *   - relay (CorioRelay): in browsers given Module.corioRelay (the config
 *     of corio's dev server's /relay, server/relay.mjs), or when
 *     Module.corioTransport is 'relay': real TCP and TLS connections that
 *     the dev server opens, carried over one WebSocket;
 *   - fetch (CorioFetch): in browsers without a relay (no corioNet), or when
 *     Module.corioTransport is 'fetch'. A connection carries one HTTP/1.x
 *     request over fetch() and reads the response back as HTTP/1.1 bytes
 *     (include/corio.h, section 11, says what the user sees).
 * Rules it keeps (runtime/backend.h, "net transports"):
 *   - every report to C comes from a later microtask or JS event than the
 *     corio__net_* call that caused it, through a plain export, then
 *     Corio.kick() runs the loop (one exception: at the end of a blocking
 *     run, abortAll reports every transport closed at once);
 *   - a connection or listener gets exactly one closed report, its last;
 *     its record is dropped first, so nothing reports on it afterwards.
 */
mergeInto(LibraryManager.library, {
  // The records of live connections and listeners, and the reports to C.
  $CorioNet__deps: ['$Corio', '$CorioStatus', 'malloc', 'free'],
  $CorioNet: {

    conns: {},      // conn pointer -> record {ptr, transport, open, closing, ...}
    listeners: {},  // listener pointer -> record (same shape)
    chosen: null,   // the transport of connect and listen

    transport: function() {
      if (!CorioNet.chosen) {
        // A build for Node with require() (e.g. a .cjs program) takes Node's
        // modules itself; an ES module build gets them from its loader, and
        // holds no require() a bundler would try to resolve for a browser.
#if !EXPORT_ES6
        if (!Module['corioNet'] && ENVIRONMENT_IS_NODE && typeof require === 'function')
          Module['corioNet'] = {net: require('net'), tls: require('tls'), fs: require('fs'), dns: require('dns')};
#endif
        var t = Module['corioTransport'];
        var relay = t === 'relay' || (!t && !!Module['corioRelay']);
        var fetchIt = t === 'fetch' || (t !== 'node' && !Module['corioNet']);
        CorioNet.chosen = relay ? CorioRelay : fetchIt ? CorioFetch : CorioNode;
      }
      return CorioNet.chosen;
    },

    // `open` until the closed report; `closing` once C asked to close (or
    // the transport failed): no more data then.
    record: function(table, ptr, transport) {
      var rec = {ptr: ptr, transport: transport, open: true, closing: false, where: ''};
      table[ptr] = rec;
      return rec;
    },

    later: function(fn) { queueMicrotask(fn); },

    // "host:port", with an IPv6 address in brackets.
    hostPort: function(host, port) {
      return (String(host).indexOf(':') >= 0 ? '[' + host + ']' : host) + ':' + port;
    },

    // Calls into C, then lets the loop run what the report woke. Nothing
    // reaches a module that has aborted (a trap, or abort()).
    report: function(fn) {
      if (ABORT) return;
      try {
        fn();
      } catch (e) {
        e = Corio.explain(e);
        Corio.failAll(e);
        throw e;
      }
      Corio.kick();
    },

    withString: function(s, fn) {
      var p = Corio.toC(s);
      try { fn(p); } finally { _free(p); }
    },

    // What the address policy says of an address: null (allowed) or what
    // it is ("loopback", ...). One table, in C (runtime/core/address_ranges.h).
    denied: function(address) {
      var why = null;
      CorioNet.withString(address, function(p) {
        var w = _corio_on_net_policy(p);
        why = w ? UTF8ToString(w) : null;
      });
      return why;
    },

    // deny_private for a carrier that resolves names itself: resolves
    // `host` (an address stands for itself) with `dns` and calls
    // done({address}) with the first address the policy allows, the one to
    // connect to (connecting to it, not to the name, leaves no window for
    // a second lookup to rebind it); done({error}) if the lookup failed;
    // done({status, message}) if every address was refused, worded as
    // natively (net_poll.c).
    allowedAddress: function(net, dns, host, where, done) {
      function pick(addresses) {
        var why = [];
        for (var i = 0; i < addresses.length; i++) {
          var range = CorioNet.denied(addresses[i]);
          if (!range) return done({address: addresses[i]});
          why.push(addresses[i] + ' is ' + range);
        }
        done({status: CorioStatus.EDENIED, message: 'refused to connect to ' + where + ': ' + why.join('; ')});
      }
      if (net.isIP(host)) return CorioNet.later(function() { pick([host]); });
      dns.lookup(host, {all: true}, function(err, list) {
        if (err) return done({error: err});
        pick(list.map(function(a) { return a.address; }));
      });
    },

    // A phase of the opening reached ('resolved' or 'tcp'): C notes the
    // time now. Called at once, never deferred (the time is the point), and
    // wakes nothing.
    phase: function(rec, phase) {
      if (ABORT || !rec.open || rec.closing || rec.connected) return;
      if (phase === 'resolved') _corio_on_net_resolved(rec.ptr);
      else _corio_on_net_tcp(rec.ptr);
    },

    // extra (may be absent): what get_extra_info knows, {sockname,
    // peercert} (text, or null where unknown), reported first.
    connected: function(rec, peer, extra) {
      if (!rec.open || rec.closing) return;
      CorioNet.report(function() {
        CorioNet.reportExtra(rec.ptr, extra);
        CorioNet.withString(peer, function(p) { _corio_on_net_connected(rec.ptr, p); });
      });
    },

    reportExtra: function(ptr, extra) {
      if (extra && extra.sockname) CorioNet.withString(extra.sockname, function(s) { _corio_on_net_sockname(ptr, s); });
      if (extra && extra.peercert) CorioNet.withString(extra.peercert, function(s) { _corio_on_net_peercert(ptr, s); });
    },

    // The bytes are copied into wasm memory for the call (C copies them).
    data: function(rec, bytes) {
      if (!rec.open || rec.closing || bytes.length === 0) return;
      var n = bytes.length, copied = true;
      CorioNet.report(function() {
        var p = _malloc(n);
        if (!p) {
          copied = false;
          return;
        }
        HEAPU8.set(bytes, p);
        try { _corio_on_net_data(rec.ptr, p, n); } finally { _free(p); }
      });
      if (!copied)
        rec.transport.fail(rec, CorioStatus.ENOMEM, rec.where + ': out of memory receiving ' + n + ' bytes');
    },

    eof: function(rec) {
      if (!rec.open || rec.closing || rec.eof) return;
      rec.eof = true;
      CorioNet.report(function() { _corio_on_net_eof(rec.ptr); });
    },

    sent: function(rec, n) {
      if (!rec.open) return;
      CorioNet.report(function() { _corio_on_net_sent(rec.ptr, n); });
    },

    // A record's error report, once, through cError(ptr, code, message) (a
    // connection's or a listener's export).
    reportError: function(rec, code, message, cError) {
      if (!rec.open || rec.errored) return;
      message = String(message).trim();
      rec.errored = true;
      CorioNet.report(function() {
        CorioNet.withString(message, function(p) { cError(rec.ptr, code, p); });
      });
    },

    // A record's last report, through cClosed(ptr); it leaves `table` first.
    reportClosed: function(table, rec, cClosed) {
      if (!rec.open) return;
      rec.open = false;
      delete table[rec.ptr];
      CorioNet.report(function() { cClosed(rec.ptr); });
    },

    error: function(rec, code, message) {
      CorioNet.reportError(rec, code, message, _corio_on_net_error);
    },

    closed: function(rec) {
      CorioNet.reportClosed(CorioNet.conns, rec, _corio_on_net_closed);
    },

    // An error, then the closed report, on a later microtask.
    failLater: function(rec, code, message) {
      rec.closing = true;
      CorioNet.later(function() {
        CorioNet.error(rec, code, message);
        CorioNet.closed(rec);
      });
    },

    listening: function(lrec, port) {
      if (!lrec.open || lrec.closing) return;
      CorioNet.report(function() { _corio_on_net_listening(lrec.ptr, port); });
    },

    listenError: function(lrec, code, message) {
      CorioNet.reportError(lrec, code, message, _corio_on_net_listen_error);
    },

    listenClosed: function(lrec) {
      CorioNet.reportClosed(CorioNet.listeners, lrec, _corio_on_net_listen_closed);
    },

    // The end of a blocking run: every transport is aborted and reported
    // closed now, from inside the run's last C call (net_host.h).
    abortAll: function() {
      [CorioNet.conns, CorioNet.listeners].forEach(function(table) {
        Object.keys(table).forEach(function(ptr) {
          var rec = table[ptr];
          rec.transport.abort(rec);
          rec.open = false;
          delete table[ptr];
          if (table === CorioNet.conns) _corio_on_net_closed(rec.ptr);
          else _corio_on_net_listen_closed(rec.ptr);
        });
      });
    },

    // A client accepted on lrec: its connection pointer from C, or 0 if the
    // core refused it.
    accept: function(lrec, peer, extra) {
      var c = 0;
      CorioNet.report(function() {
        CorioNet.withString(peer, function(p) { c = _corio_on_net_accept(lrec.ptr, p); });
        if (c) CorioNet.reportExtra(c, extra);
      });
      return c;
    },

    // What a Node error says, with its code: OpenSSL's reason rather than
    // its whole line ("C0B6...:error:0A00010B:SSL routines:...:wrong
    // version number:...").
    nodeWords: function(err) {
      var code = String((err && err.code) || '');
      var words = err && err.library && err.reason ? err.reason : String((err && err.message) || err);
      return code && words.indexOf(code) < 0 ? words + ' (' + code + ')' : words;
    },

    // The corio code for a Node (or undici) error. `handshaking`: a TLS
    // connection whose handshake had not finished, so a hang-up is TLS's.
    nodeCode: function(err, handshaking) {
      var c = String((err && err.code) || '');
      var message = String((err && err.message) || '');
      if (/^(ENOTFOUND|EAI_AGAIN|EAI_NONAME|EAI_NODATA|EAI_FAIL)$/.test(c)) return CorioStatus.EDNS;
      if (c === 'ECONNREFUSED') return CorioStatus.ECONNREFUSED;
      if (/^(ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT|UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT)$/.test(c))
        return CorioStatus.ETIMEDOUT;
      if (/^ERR_(SSL|TLS)_|CERT|SIGNATURE|SELF_SIGNED|HOSTNAME_MISMATCH/.test(c) ||
          (err && err.library === 'SSL routines'))
        return CorioStatus.ETLS;
      if (/^(ECONNRESET|EPIPE|UND_ERR_SOCKET)$/.test(c))
        return handshaking || /secure TLS connection/.test(message) ? CorioStatus.ETLS : CorioStatus.ECONNRESET;
      if (c === 'UND_ERR_HEADERS_OVERFLOW') return CorioStatus.ELIMIT;
      if (c === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') return CorioStatus.EINCOMPLETE;
      if (/^HPE_/.test(c)) return CorioStatus.EPROTO;
      return CorioStatus.EIO;
    },
  },

  // Node: net and tls sockets.
  $CorioNode__deps: ['$CorioNet'],
  $CorioNode: {
    // Module.corioNet, or why it cannot serve: {modules} or {missing}.
    modules: function(needTls) {
      var m = Module['corioNet'];
      if (!m || !m.net) return {missing: 'Node\'s net module was not given (Module.corioNet = {net, tls, fs[, dns]})'};
      if (needTls && !m.tls) return {missing: 'Node\'s tls module was not given (Module.corioNet.tls)'};
      return {modules: m};
    },

    peer: function(sock, fallback) {
      return sock.remoteAddress ? CorioNet.hostPort(sock.remoteAddress, sock.remotePort) : fallback;
    },

    // get_extra_info's sockname, and with TLS peercert: the peer
    // certificate's subject in RFC 2253 form, as OpenSSL prints it natively
    // (most specific first: Node lists the subject's fields in the
    // certificate's order).
    extra: function(sock, tls) {
      var out = {sockname: sock.localAddress ? CorioNet.hostPort(sock.localAddress, sock.localPort) : null,
                 peercert: null};
      var subject = tls && sock.getPeerCertificate ? sock.getPeerCertificate().subject : null;
      if (subject) {
        var escape = function(v) {
          return String(v).replace(/[,+"\\<>;]/g, '\\$&').replace(/^[ #]/, '\\$&').replace(/ $/, '\\ ');
        };
        out.peercert = Object.keys(subject).reverse().map(function(k) {
          return [].concat(subject[k]).map(function(v) { return k + '=' + escape(v); }).join(',');
        }).join(',') || null;
      }
      return out;
    },

    readCa: function(m, file) {
      if (!m.fs) throw new Error('cannot read ca_file ' + file + ': Node\'s fs module was not given (Module.corioNet.fs)');
      try {
        return m.fs.readFileSync(file);
      } catch (e) {
        throw new Error('cannot read ca_file: ' + e.message);
      }
    },

    connect: function(rec, host, port, tls, serverName, caFile, deny) {
      rec.where = CorioNet.hostPort(host, port);
      var got = CorioNode.modules(tls);
      if (got.missing) return CorioNet.failLater(rec, CorioStatus.EIO, rec.where + ': ' + got.missing);
      var m = got.modules;
      if (!deny) return CorioNode.open(rec, m, host, host, port, tls, serverName, caFile);
      if (!m.dns && !m.net.isIP(host))
        return CorioNet.failLater(rec, CorioStatus.EIO, rec.where + ': deny_private resolves names itself and ' +
                                  'Node\'s dns module was not given (Module.corioNet.dns)');
      CorioNet.allowedAddress(m.net, m.dns, host, rec.where, function(got) {
        if (!rec.open || rec.closing) return;
        if (got.address) {
          CorioNet.phase(rec, 'resolved');
          return CorioNode.open(rec, m, host, got.address, port, tls, serverName, caFile);
        }
        if (got.error) return CorioNet.failLater(rec, CorioNet.nodeCode(got.error, false), rec.where + ': ' + CorioNet.nodeWords(got.error));
        CorioNet.failLater(rec, got.status, got.message);
      });
    },

    // Opens the socket of rec to `address` (`host` is what C asked for:
    // the name, or the address itself).
    open: function(rec, m, host, address, port, tls, serverName, caFile) {
      // corioName: the name asked for, which a proxy wrapper (network_node.mjs)
      // matches against its no-proxy list when the address was resolved here.
      var opts = {host: address, port: port, allowHalfOpen: true, corioName: host};
      var sock;
      try {
        if (tls) {
          opts.rejectUnauthorized = true;
          if (!m.net.isIP(serverName)) opts.servername = serverName; // SNI takes names only
          opts.checkServerIdentity = function(_, cert) {
            return m.tls.checkServerIdentity(serverName, cert);
          };
          if (caFile) opts.ca = CorioNode.readCa(m, caFile);
          sock = m.tls.connect(opts);
        } else {
          sock = m.net.connect(opts);
        }
      } catch (e) {
        return CorioNet.failLater(rec, tls ? CorioStatus.ETLS : CorioStatus.EIO, rec.where + ': ' + e.message);
      }
      rec.sock = sock;
      // The phases: a numeric host has nothing to resolve; a name, once
      // its lookup ends ('lookup'). A socket given by a wrapper (a proxy's
      // tunnel) emits neither: its phases are not shown.
      // Under deny_private the name was resolved before (allowedAddress).
      if (address !== host) {
      } else if (m.net.isIP(host)) CorioNet.phase(rec, 'resolved');
      else sock.once('lookup', function(err) { if (!err) CorioNet.phase(rec, 'resolved'); });
      sock.once('connect', function() { CorioNet.phase(rec, 'tcp'); });
      sock.once(tls ? 'secureConnect' : 'connect', function() {
        rec.connected = true;
        CorioNet.connected(rec, CorioNode.peer(sock, rec.where), CorioNode.extra(sock, tls));
      });
      CorioNode.watch(rec, sock);
    },

    // The reports of an open (or opening) socket.
    watch: function(rec, sock) {
      sock.on('data', function(bytes) { CorioNet.data(rec, bytes); });
      sock.on('end', function() { CorioNet.eof(rec); });
      sock.on('error', function(e) {
        var code = CorioNet.nodeCode(e, rec.tls && !rec.connected);
        CorioNet.error(rec, code, rec.where + ': ' + CorioNet.nodeWords(e));
      });
      sock.on('close', function() { CorioNet.closed(rec); });
    },

    write: function(rec, bytes) {
      if (!rec.sock || rec.sock.destroyed) return;
      var n = bytes.length;
      rec.sock.write(bytes, function(err) { if (!err) CorioNet.sent(rec, n); });
    },

    writeEof: function(rec) {
      if (rec.sock && !rec.sock.destroyed) rec.sock.end();
    },

    pause: function(rec, pause) {
      if (!rec.sock) return;
      if (pause) rec.sock.pause();
      else rec.sock.resume();
    },

    // Graceful: the written bytes go first, then the socket closes. Either
    // way the socket's 'close' event makes the closed report.
    close: function(rec, graceful) {
      if (rec.closing) return;
      rec.closing = true;
      var sock = rec.sock;
      if (!sock) return CorioNet.later(function() { CorioNet.closed(rec); });
      if (!graceful || !rec.connected || sock.destroyed) {
        sock.destroy();
        return;
      }
      if (!sock.writableEnded) sock.end();
      if (sock.writableFinished) sock.destroy();
      else sock.once('finish', function() { sock.destroy(); });
    },

    fail: function(rec, code, message) {
      CorioNet.error(rec, code, message);
      rec.closing = true;
      if (rec.sock) rec.sock.destroy();
      else CorioNet.later(function() { CorioNet.closed(rec); });
    },

    // Ends the socket or server at once; the caller reports it closed.
    abort: function(rec) {
      rec.closing = true;
      if (rec.sock) rec.sock.destroy();
      if (rec.server) rec.server.close();
    },

    listen: function(lrec, host, port) {
      lrec.where = CorioNet.hostPort(host, port);
      var got = CorioNode.modules(false);
      if (got.missing) {
        lrec.closing = true;
        return CorioNet.later(function() {
          CorioNet.listenError(lrec, CorioStatus.EIO, lrec.where + ': ' + got.missing);
          CorioNet.listenClosed(lrec);
        });
      }
      var server = got.modules.net.createServer({allowHalfOpen: true});
      lrec.server = server;
      server.on('connection', function(sock) { CorioNode.accept(lrec, sock); });
      server.on('error', function(e) {
        CorioNet.listenError(lrec, CorioNet.nodeCode(e, false), lrec.where + ': ' + e.message);
        CorioNode.listenClose(lrec);
      });
      server.listen(port, host, function() {
        CorioNet.listening(lrec, server.address().port);
      });
    },

    accept: function(lrec, sock) {
      var peer = CorioNode.peer(sock, 'unknown peer');
      var c = lrec.open && !lrec.closing ? CorioNet.accept(lrec, peer, CorioNode.extra(sock, false)) : 0;
      if (!c) {
        sock.destroy();
        return;
      }
      var rec = CorioNet.record(CorioNet.conns, c, CorioNode);
      rec.where = peer;
      rec.sock = sock;
      rec.connected = true;
      CorioNode.watch(rec, sock);
    },

    // Stops accepting at once (clients already accepted go on), so the
    // closed report does not wait for them as the server's 'close' would.
    listenClose: function(lrec) {
      if (lrec.closing) return;
      lrec.closing = true;
      if (lrec.server) lrec.server.close();
      CorioNet.later(function() { CorioNet.listenClosed(lrec); });
    },
  },

  // Real connections through corio's dev server (server/relay.mjs says the
  // wire): one WebSocket, opened at the first connect, carries them all,
  // each by an id of its own. Bytes from the relay go to C as they come,
  // except while C has paused reading: then they wait here, and the relay
  // gets no credit for them, so it pauses the remote socket.
  $CorioRelay__deps: ['$CorioNet', '$CorioFetch'],
  $CorioRelay: {
    DATA: 1,            // the kinds of record
    CONTROL: 2,
    HEADER: 9,          // kind + u32 id + u32 length
    FRAME: 65536,       // the most bytes one data record carries
    FLUSH_BYTES: 262144, // a frame goes at the latest at this size
    ws: null,           // the WebSocket, or null until a connect needs it
    open: false,        // whether it has opened
    queue: [],          // what waits for it to open
    recs: {},           // id -> record
    listeners: {},      // id -> listener record
    nextId: 1,
    PAGE_IDS: 0x7fffffff, // the page's ids are 1..PAGE_IDS; the relay's above

    // A fresh id for a connection or listener of the page's.
    newId: function() {
      var id;
      do {
        id = CorioRelay.nextId;
        CorioRelay.nextId = id >= CorioRelay.PAGE_IDS ? 1 : id + 1;
      } while (CorioRelay.recs[id] || CorioRelay.listeners[id]); // still the relay's
      return id;
    },

    config: function() {
      var cfg = Module['corioRelay'];
      if (!cfg || !cfg.url || !cfg.protocol || !cfg.secret)
        throw new Error('no relay: Module.corioRelay needs {url, protocol, secret}');
      return cfg;
    },

    socket: function() {
      if (CorioRelay.ws) return;
      var cfg = CorioRelay.config();
      var Ws = cfg.WebSocket || WebSocket;
      var ws = new Ws(cfg.url, [cfg.protocol, 'secret.' + cfg.secret]);
      CorioRelay.ws = ws;
      CorioRelay.open = false;
      ws.binaryType = 'arraybuffer';
      ws.onopen = function() {
        if (CorioRelay.ws !== ws) return;
        CorioRelay.open = true;
        var q = CorioRelay.queue;
        CorioRelay.queue = [];
        q.forEach(function(m) { ws.send(m); });
      };
      ws.onmessage = function(ev) {
        if (CorioRelay.ws === ws) CorioRelay.receive(ev.data);
      };
      ws.onclose = function(ev) {
        if (CorioRelay.ws !== ws) return;
        var was = CorioRelay.open;
        CorioRelay.ws = null;
        CorioRelay.open = false;
        CorioRelay.queue = [];
        CorioRelay.out = [];
        CorioRelay.outBytes = 0;
        CorioRelay.lost(was ? CorioStatus.ECONNRESET : CorioStatus.ENETWORK,
          (was ? 'the relay\'s WebSocket closed' : 'cannot reach the relay at ' + cfg.url) +
          ' (WebSocket close code ' + ev.code + (ev.reason ? ': ' + ev.reason : '') + ')');
      };
      ws.onerror = function() {}; // onclose follows and says it
    },

    send: function(m) {
      if (!CorioRelay.ws) return;
      if (CorioRelay.open) CorioRelay.ws.send(m);
      else CorioRelay.queue.push(m);
    },

    // The records of one JS turn go as one frame (server/relay.mjs says
    // the wire).
    out: [],
    outBytes: 0,
    record: function(kind, id, bytes) {
      if (CorioRelay.out.length === 0) queueMicrotask(CorioRelay.flush);
      var head = new Uint8Array(CorioRelay.HEADER);
      var view = new DataView(head.buffer);
      head[0] = kind;
      view.setUint32(1, id);
      view.setUint32(5, bytes.length);
      CorioRelay.out.push(head, bytes);
      CorioRelay.outBytes += CorioRelay.HEADER + bytes.length;
      if (CorioRelay.outBytes >= CorioRelay.FLUSH_BYTES) CorioRelay.flush();
    },

    flush: function() {
      if (CorioRelay.out.length === 0) return;
      var frame = new Uint8Array(CorioRelay.outBytes), at = 0;
      CorioRelay.out.forEach(function(b) { frame.set(b, at); at += b.length; });
      CorioRelay.out = [];
      CorioRelay.outBytes = 0;
      CorioRelay.send(frame);
    },

    control: function(m) {
      CorioRelay.encoder = CorioRelay.encoder || new TextEncoder();
      CorioRelay.record(CorioRelay.CONTROL, 0, CorioRelay.encoder.encode(JSON.stringify(m)));
    },

    // Every connection on a WebSocket that went away fails with `code`.
    lost: function(code, why) {
      var recs = CorioRelay.recs, listeners = CorioRelay.listeners;
      CorioRelay.recs = {};
      CorioRelay.listeners = {};
      Object.keys(recs).forEach(function(id) {
        var rec = recs[id];
        CorioNet.error(rec, code, rec.where + ': ' + why);
        CorioNet.closed(rec);
      });
      Object.keys(listeners).forEach(function(id) {
        var lrec = listeners[id];
        CorioNet.listenError(lrec, code, lrec.where + ': ' + why);
        CorioNet.listenClosed(lrec);
      });
    },

    receive: function(data) {
      if (typeof data === 'string') return; // the relay sends none
      var bytes = new Uint8Array(data), view = new DataView(data);
      for (var at = 0; at + CorioRelay.HEADER <= bytes.length;) {
        var kind = bytes[at], id = view.getUint32(at + 1), n = view.getUint32(at + 5);
        var payload = bytes.subarray(at + CorioRelay.HEADER, at + CorioRelay.HEADER + n);
        at += CorioRelay.HEADER + n;
        if (kind === CorioRelay.CONTROL) {
          CorioRelay.decoder = CorioRelay.decoder || new TextDecoder();
          CorioRelay.dispatch(JSON.parse(CorioRelay.decoder.decode(payload)));
        } else if (kind === CorioRelay.DATA) {
          var r = CorioRelay.recs[id];
          if (r) CorioRelay.deliver(r, payload);
        }
      }
    },

    // An error message of the relay's: its own status, or Node's error.
    errorOf: function(m, handshaking) {
      return {
        code: m.status ? CorioStatus[m.status] : CorioNet.nodeCode(m.error, handshaking),
        words: m.status ? m.message : CorioNet.nodeWords(m.error),
      };
    },

    dispatch: function(m) {
      if (m.t === 'accepted') return CorioRelay.accepted(m);
      var lrec = CorioRelay.listeners[m.id];
      if (lrec) return CorioRelay.listenerReport(lrec, m);
      var rec = CorioRelay.recs[m.id];
      if (!rec) return;
      if (m.t === 'phase') {
        // As the page learns it: a phase's time includes the relay's hop.
        CorioNet.phase(rec, m.phase === 'resolved' ? 'resolved' : 'tcp');
      } else if (m.t === 'connected') {
        // Plain TCP is connected when its TCP handshake ends: the relay
        // reports that phase apart for TLS only.
        if (!rec.tls) CorioNet.phase(rec, 'tcp');
        rec.connected = true;
        rec.window = m.window || 0;
        CorioNet.connected(rec, CorioNet.hostPort(m.address, m.port));
      } else if (m.t === 'sent') {
        rec.unsent -= m.n;
        CorioNet.sent(rec, m.n);
      } else if (m.t === 'eof') {
        if (rec.held.length > 0) rec.heldEof = true;
        else CorioNet.eof(rec);
      } else if (m.t === 'error') {
        var e = CorioRelay.errorOf(m, m.handshaking);
        CorioNet.error(rec, e.code, rec.where + ': ' + e.words);
      } else if (m.t === 'closed') {
        delete CorioRelay.recs[m.id];
        CorioNet.closed(rec);
      }
    },

    // Bytes to C now, with their credit back, or held while C is paused.
    deliver: function(rec, bytes) {
      if (rec.paused || rec.held.length > 0) {
        rec.held.push(bytes);
        return;
      }
      CorioNet.data(rec, bytes);
      CorioRelay.credit(rec, bytes.length);
    },

    // Credit goes back once C has taken half the connection's window (as a
    // TCP window update does), not for every record: of what C has taken,
    // at most half a window waits for credit.
    credit: function(rec, n) {
      if (!rec.open || rec.closing) return;
      rec.owed += n;
      if (rec.owed < rec.window / 2) return;
      CorioRelay.control({t: 'credit', id: rec.id, n: rec.owed});
      rec.owed = 0;
    },

    // The relay's state of a connection record (opened or accepted).
    begin: function(rec, where) {
      rec.where = where;
      rec.held = [];     // bytes that came while C was paused
      rec.unsent = 0;    // bytes written that the relay has not said it sent
      rec.owed = 0;      // bytes given to C, not yet credited back
      rec.window = 0;    // the connection's window ('connected' or 'accepted' gives it)
    },

    connect: function(rec, host, port, tls, serverName, caFile, deny) {
      CorioRelay.begin(rec, CorioNet.hostPort(host, port));
      if (caFile)
        return CorioNet.failLater(rec, CorioStatus.ENOTSUP, rec.where + ': the relay does not carry ' +
          'ca_file (its server verifies TLS with its own system CA store)');
      try {
        CorioRelay.socket();
      } catch (e) {
        return CorioNet.failLater(rec, CorioStatus.ENETWORK, rec.where + ': ' + e.message);
      }
      rec.id = CorioRelay.newId();
      CorioRelay.recs[rec.id] = rec;
      // deny: the relay applies the address policy to this connection, on
      // the address it connects to (as with its own --deny-private).
      CorioRelay.control({t: 'open', id: rec.id, host: host, port: port, tls: tls, name: serverName,
                          deny: !!deny});
    },

    write: function(rec, bytes) {
      rec.unsent += bytes.length;
      for (var at = 0; at < bytes.length; at += CorioRelay.FRAME)
        CorioRelay.record(CorioRelay.DATA, rec.id, bytes.subarray(at, Math.min(at + CorioRelay.FRAME, bytes.length)));
    },

    writeEof: function(rec) { CorioRelay.control({t: 'eof', id: rec.id}); },

    // Held bytes go to C from a later microtask (never inside C's call).
    pause: function(rec, pause) {
      rec.paused = !!pause;
      if (!rec.paused && (rec.held.length > 0 || rec.heldEof)) CorioNet.later(function() { CorioRelay.release(rec); });
    },

    release: function(rec) {
      while (!rec.paused && rec.held.length > 0 && rec.open && !rec.closing) {
        var bytes = rec.held.shift();
        CorioNet.data(rec, bytes);
        CorioRelay.credit(rec, bytes.length);
      }
      if (!rec.paused && rec.heldEof && rec.held.length === 0) {
        rec.heldEof = false;
        CorioNet.eof(rec);
      }
    },

    // A connection that never got an id (it failed at once) is already on
    // its way to closed. Otherwise, as asyncio's close (and the Node
    // carrier's): with nothing written left to send (every byte reported
    // sent), or closing abortively, C learns it is closed on the next
    // microtask, not a round trip later; the relay's closed report then only
    // frees the id (the record stays in recs until it comes, so the id is
    // not given again). With bytes still to send, a graceful close waits for
    // that report, which comes once the relay's socket has sent them.
    close: function(rec, graceful) {
      if (rec.closing) return;
      rec.closing = true;
      rec.held = [];
      if (!rec.id || !CorioRelay.recs[rec.id]) return;
      CorioRelay.control({t: 'close', id: rec.id, graceful: graceful});
      if (!graceful || rec.unsent === 0) CorioNet.later(function() { CorioNet.closed(rec); });
    },

    fail: function(rec, code, message) {
      CorioNet.error(rec, code, message);
      CorioRelay.close(rec, false);
    },

    // Ends the connection (or listener) at once; the caller reports it
    // closed.
    abort: function(rec) {
      if (rec.listener) {
        if (rec.id && CorioRelay.listeners[rec.id]) CorioRelay.control({t: 'unlisten', id: rec.id});
        delete CorioRelay.listeners[rec.id];
      } else if (rec.id && CorioRelay.recs[rec.id]) {
        // The record stays (inert once reported closed) until the relay's
        // closed report frees its id, as after close().
        CorioRelay.control({t: 'close', id: rec.id, graceful: false});
      }
      rec.closing = true;
    },

    // corio_start_server in a page: the relay listens on a loopback
    // address of its own machine and hands each connection it accepts to
    // the page (server/relay.mjs says the wire).
    listen: function(lrec, host, port) {
      lrec.where = CorioNet.hostPort(host, port);
      lrec.listener = true;
      try {
        CorioRelay.socket();
      } catch (e) {
        lrec.closing = true;
        return CorioNet.later(function() {
          CorioNet.listenError(lrec, CorioStatus.ENETWORK, lrec.where + ': ' + e.message);
          CorioNet.listenClosed(lrec);
        });
      }
      lrec.id = CorioRelay.newId();
      CorioRelay.listeners[lrec.id] = lrec;
      CorioRelay.control({t: 'listen', id: lrec.id, host: host, port: port});
    },

    listenerReport: function(lrec, m) {
      if (m.t === 'listening') {
        CorioNet.listening(lrec, m.port);
      } else if (m.t === 'listen-error') {
        var e = CorioRelay.errorOf(m, false);
        CorioNet.listenError(lrec, e.code, lrec.where + ': ' + e.words);
      } else if (m.t === 'unlistened') {
        delete CorioRelay.listeners[m.id];
        CorioNet.listenClosed(lrec);
      }
    },

    // A connection the relay accepted for listener m.listener.
    accepted: function(m) {
      var lrec = CorioRelay.listeners[m.listener];
      var peer = CorioNet.hostPort(m.address || 'unknown peer', m.port || 0);
      var c = lrec && lrec.open && !lrec.closing ? CorioNet.accept(lrec, peer) : 0;
      if (!c) return CorioRelay.control({t: 'close', id: m.id, graceful: false});
      var rec = CorioNet.record(CorioNet.conns, c, CorioRelay);
      CorioRelay.begin(rec, peer);
      rec.window = m.window || 0;
      rec.id = m.id;
      rec.connected = true;
      CorioRelay.recs[m.id] = rec;
    },

    // Stops accepting at once (connections already accepted go on, as the
    // Node carrier's); the relay's 'unlistened' then finds no record.
    listenClose: function(lrec) {
      if (lrec.closing) return;
      lrec.closing = true;
      if (lrec.id && CorioRelay.listeners[lrec.id]) {
        delete CorioRelay.listeners[lrec.id];
        CorioRelay.control({t: 'unlisten', id: lrec.id});
      }
      CorioNet.later(function() { CorioNet.listenClosed(lrec); });
    },
  },

  // The browser's carrier: one HTTP/1.x request per connection, sent with
  // fetch(), its response given back as an HTTP/1.1 byte stream.
  $CorioFetch__deps: ['$CorioNet', '$Corio'],
  $CorioFetch: {
    MAX_HEAD: 1048576,
    // Connections open at once to one origin: the HTTP/1.1 requests a
    // browser sends to one at once. More wait here, so that none waits
    // unseen in the browser's queue (the checker reads this limit too).
    PER_ORIGIN: 6,
    slots: {},     // origin -> connections holding a slot
    waiting: {},   // origin -> records waiting for one, in order
    RELAY_HINT: 'run `npm start` to check it through the relay',
    // Request headers fetch() sets itself or refuses (the Fetch standard's
    // forbidden names; Proxy- and Sec- prefixes are checked apart).
    FORBIDDEN: {
      'accept-charset': 1, 'accept-encoding': 1, 'access-control-request-headers': 1,
      'access-control-request-method': 1, 'connection': 1, 'content-length': 1,
      'cookie': 1, 'cookie2': 1, 'date': 1, 'dnt': 1, 'expect': 1, 'host': 1,
      'keep-alive': 1, 'origin': 1, 'referer': 1, 'set-cookie': 1, 'te': 1,
      'trailer': 1, 'transfer-encoding': 1, 'upgrade': 1, 'via': 1,
    },
    // Response headers that describe the wire, not the decoded body given
    // to C (which ends at EOF: "Connection: close").
    HIDDEN: {
      'content-length': 1, 'transfer-encoding': 1, 'content-encoding': 1,
      'connection': 1, 'keep-alive': 1,
    },
    NOT_HTTP: 'not supported in the browser: fetch() can carry only HTTP/1.x requests',

    // The message for bytes the carrier cannot send: `what` the connection
    // did ("sent ...").
    notCarried: function(what) {
      return CorioFetch.NOT_HTTP + ', and this connection ' + what;
    },

    // Bytes as a string of the same char codes (heads are ASCII).
    latin1: function(bytes) {
      var s = '';
      for (var i = 0; i < bytes.length; i += 8192)
        s += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
      return s;
    },

    bytes: function(text) {
      var out = new Uint8Array(text.length);
      for (var i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
      return out;
    },

    concat: function(chunks, size) {
      if (chunks.length === 1) return chunks[0];
      var out = new Uint8Array(size), at = 0;
      chunks.forEach(function(c) { out.set(c, at); at += c.length; });
      return out;
    },

    // The first bytes, quoted and escaped, for a message.
    describe: function(bytes) {
      var n = Math.min(bytes.length, 40), s = '';
      for (var i = 0; i < n; i++) {
        var c = bytes[i];
        if (c === 13) s += '\\r';
        else if (c === 10) s += '\\n';
        else if (c === 34 || c === 92) s += '\\' + String.fromCharCode(c);
        else if (c >= 32 && c < 127) s += String.fromCharCode(c);
        else s += '\\x' + (c < 16 ? '0' : '') + c.toString(16);
      }
      return '"' + s + '"' + (bytes.length > n ? '... (' + bytes.length + ' bytes)' : '');
    },

    // The request line, whole and begun (compiled once: the library keeps
    // no RegExp values of its own).
    patterns: function() {
      if (!CorioFetch.compiled) {
        var TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]";
        CorioFetch.compiled = {
          line: new RegExp('^(' + TOKEN + '+) (\\S+) HTTP/1\\.[01]$'),
          partial: new RegExp('^(' + TOKEN + '*|' + TOKEN + '+ \\S*|' + TOKEN +
                              '+ \\S+ (H(T(T(P(/(1(\\.([01]\\r?)?)?)?)?)?)?)?)?)$'),
        };
      }
      return CorioFetch.compiled;
    },
    compiled: null,

    // Parses a request head from `text` (the bytes so far, as latin1).
    // Returns null while more is needed, {req}, or {fail: [code, why]}.
    parseHead: function(text) {
      var refuse = function(what) { return {fail: [CorioStatus.ENOTSUP, CorioFetch.notCarried(what)]}; };
      var line = CorioFetch.patterns().line, partial = CorioFetch.patterns().partial;
      var lineEnd = text.search(/\r?\n/);
      var first = lineEnd < 0 ? text : text.slice(0, lineEnd);
      if (!(lineEnd < 0 ? partial : line).test(first))
        return refuse('sent ' + CorioFetch.describe(CorioFetch.bytes(text)));
      var end = text.search(/\r?\n\r?\n/);
      if (end < 0) {
        if (text.length <= CorioFetch.MAX_HEAD) return null;
        return {fail: [CorioStatus.ELIMIT, 'the request head is over the ' + CorioFetch.MAX_HEAD +
                       ' bytes the fetch() carrier keeps']};
      }
      var headLen = end + /^\r?\n\r?\n/.exec(text.slice(end))[0].length;
      var lines = text.slice(0, end).split(/\r?\n/);
      var m = line.exec(lines[0]);
      var req = {method: m[1], target: m[2], headers: [], headLen: headLen, bodyLen: 0};
      for (var i = 1; i < lines.length; i++) {
        var colon = lines[i].indexOf(':');
        if (colon <= 0)
          return refuse('sent a malformed header line ' + CorioFetch.describe(CorioFetch.bytes(lines[i])));
        var name = lines[i].slice(0, colon).trim(), value = lines[i].slice(colon + 1).trim();
        var lower = name.toLowerCase();
        if (lower === 'transfer-encoding')
          return refuse('sent a body in Transfer-Encoding ' + value + ' (Content-Length is carried)');
        if (lower === 'content-length') {
          if (!/^\d+$/.test(value)) return refuse('sent an invalid Content-Length "' + value + '"');
          req.bodyLen = Number(value);
        } else if (!CorioFetch.FORBIDDEN[lower] && !/^(proxy|sec)-/.test(lower)) {
          req.headers.push([name, value]);
        }
      }
      if (/^(CONNECT|TRACE|TRACK)$/i.test(req.method))
        return refuse('sent the method ' + req.method + ', which fetch() refuses');
      if (req.target[0] !== '/')
        return refuse('sent the request target "' + req.target + '" (only a path, "/...", is carried)');
      if (req.bodyLen > 0 && /^(GET|HEAD)$/i.test(req.method))
        return refuse('sent a body with ' + req.method + ', which fetch() refuses');
      return {req: req};
    },

    // Whether rec still takes part: not closed by C, not failed.
    live: function(rec) { return rec.open && !rec.closing; },

    // corio's head parser over a response's first bytes (net_js.c's
    // corio_on_net_guard_*), for Node's connector (fetch_dispatcher_node.mjs),
    // which feeds it what the socket reads before undici sees it.
    // feed(bytes) -> {more} | {head, rest} (the final head, interim
    // responses left out; the bytes after it) | {status, message} (a corio
    // status: EPROTO, ELIMIT, ENOMEM); free() when done with it.
    headGuard: function() {
      var g = _corio_on_net_guard_new();
      if (!g) throw new Error('out of memory');
      return {
        // Pointers are unsigned (>>> 0): the heap may pass 2 GiB.
        feed: function(bytes) {
          var p = _malloc(bytes.length + 8) >>> 0;
          if (!p) return {status: CorioStatus.ENOMEM, message: 'out of memory reading the response head'};
          var usedPtr = p + bytes.length + (4 - bytes.length % 4) % 4; // a 4-byte size_t, aligned
          HEAPU8.set(bytes, p);
          try {
            var rc = _corio_on_net_guard_feed(g, p, bytes.length, usedPtr);
            if (rc === 0) return {more: true};
            if (rc < 0) return {status: rc, message: UTF8ToString(_corio_on_net_guard_message(g))};
            var used = HEAPU32[usedPtr >>> 2];
            var head = _corio_on_net_guard_head(g, usedPtr) >>> 0;
            var len = HEAPU32[usedPtr >>> 2];
            return {head: HEAPU8.slice(head, head + len), rest: bytes.subarray(used)};
          } finally {
            _free(p);
          }
        },
        free: function() {
          if (g) _corio_on_net_guard_free(g);
          g = 0;
        },
      };
    },

    connect: function(rec, host, port, tls, serverName, caFile, deny) {
      rec.where = CorioNet.hostPort(host, port);
      rec.origin = (tls ? 'https' : 'http') + '://' + rec.where;
      // A page's fetch() never shows the address it connects to, so it
      // cannot apply the address policy; in Node the carrier's own
      // dispatcher does (Module.corioFetchDispatcher).
      rec.deny = !!deny;
      if (deny && !Module['corioFetchDispatcher'])
        return CorioNet.failLater(rec, CorioStatus.ENOTSUP, rec.where + ': deny_private needs the address ' +
                                  'connected to, which fetch() in a page does not show; ' + CorioFetch.RELAY_HINT);
      rec.chunks = [];
      rec.size = 0;
      rec.phase = 'request'; // -> 'fetch' -> 'body' -> 'done'
      var waiting = CorioFetch.waiting[rec.origin] = CorioFetch.waiting[rec.origin] || [];
      waiting.push(rec);
      CorioFetch.admit(rec.origin);
    },

    // Gives free slots of `origin` to the records waiting for one: each is
    // connected then, from a later microtask.
    admit: function(origin) {
      var waiting = CorioFetch.waiting[origin] || [];
      while (waiting.length > 0 && (CorioFetch.slots[origin] || 0) < CorioFetch.PER_ORIGIN) {
        var rec = waiting.shift();
        if (!CorioFetch.live(rec)) continue;
        rec.slot = true;
        CorioFetch.slots[origin] = (CorioFetch.slots[origin] || 0) + 1;
        (function(rec) {
          CorioNet.later(function() { CorioNet.connected(rec, rec.where); });
        })(rec);
      }
      if (waiting.length === 0) delete CorioFetch.waiting[origin];
    },

    // The record's request is over (its answer read, or it was stopped):
    // its slot goes to the next waiting one.
    release: function(rec) {
      if (!rec.slot) return;
      rec.slot = false;
      if (--CorioFetch.slots[rec.origin] === 0) delete CorioFetch.slots[rec.origin];
      CorioFetch.admit(rec.origin);
    },

    // Bytes are taken at once (fetch() offers no backpressure on a request
    // it has not started) and looked at later, from a queue: parsing a
    // request and calling fetch() (about a millisecond of main-thread time
    // in Chromium) inside the loop's pass would make one long task of a
    // pass where many tasks write their requests. The queue is worked a few
    // milliseconds per turn of the JS loop.
    write: function(rec, bytes) {
      CorioNet.later(function() { CorioNet.sent(rec, bytes.length); });
      if (rec.phase !== 'request')
        return CorioFetch.fail(rec, CorioStatus.ENOTSUP, rec.where + ': ' +
          CorioFetch.notCarried('sent more after its request (one per connection): ' + CorioFetch.describe(bytes)));
      rec.chunks.push(bytes);
      rec.size += bytes.length;
      CorioFetch.schedule(rec);
    },

    writeEof: function(rec) {
      if (rec.phase !== 'request') return;
      rec.eofWritten = true;
      CorioFetch.schedule(rec);
    },

    WORK_SLICE_MS: 4,
    work: [],            // records whose written bytes wait to be looked at
    workScheduled: false,

    schedule: function(rec) {
      if (rec.queued) return;
      rec.queued = true;
      CorioFetch.work.push(rec);
      if (!CorioFetch.workScheduled) {
        CorioFetch.workScheduled = true;
        Corio.turn(CorioFetch.workSome);
      }
    },

    workSome: function() {
      var work = CorioFetch.work;
      var until = performance.now() + CorioFetch.WORK_SLICE_MS;
      while (work.length > 0 && performance.now() < until) {
        var rec = work.shift();
        rec.queued = false;
        if (CorioFetch.live(rec) && rec.phase === 'request') CorioFetch.collect(rec);
      }
      if (work.length > 0) Corio.turn(CorioFetch.workSome);
      else CorioFetch.workScheduled = false;
    },

    // Sends the request once it is whole; fails bytes that cannot be one.
    collect: function(rec) {
      var all = CorioFetch.concat(rec.chunks, rec.size);
      rec.chunks = [all];
      if (!rec.req) {
        var got = CorioFetch.parseHead(CorioFetch.latin1(all.subarray(0, CorioFetch.MAX_HEAD + 4)));
        if (got && got.fail) return CorioFetch.fail(rec, got.fail[0], rec.where + ': ' + got.fail[1]);
        if (got) rec.req = got.req;
      }
      var total = rec.req ? rec.req.headLen + rec.req.bodyLen : Infinity;
      if (rec.size < total) {
        if (rec.eofWritten)
          CorioFetch.fail(rec, CorioStatus.ENOTSUP, rec.where + ': ' + CorioFetch.notCarried(
            'sent EOF before a whole request: ' + CorioFetch.describe(all)));
        return;
      }
      rec.chunks = null;
      if (rec.size > total)
        return CorioFetch.fail(rec, CorioStatus.ENOTSUP, rec.where + ': ' +
          CorioFetch.notCarried('sent more after its request (one per connection): ' +
                                CorioFetch.describe(all.subarray(total))));
      CorioFetch.send(rec, all.slice(rec.req.headLen, total));
    },

    send: function(rec, body) {
      var req = rec.req;
      var url = rec.origin + req.target;
      rec.phase = 'fetch';
      rec.controller = new AbortController();
      var init = {method: req.method, headers: req.headers, redirect: 'manual',
                  signal: rec.controller.signal, cache: 'no-store'};
      // Node's fetch() (undici) takes a dispatcher of the connection's own
      // (load() gives the factory): stop() destroys it, which ends a
      // connect still under way too (an abort signal leaves that to
      // undici's 10 s connect timeout, and the process waits for it).
      var make = Module['corioFetchDispatcher'];
      if (make) {
        rec.dispatcher = make({allowedAddress: rec.deny ? CorioNet.allowedAddress : null,
                               guard: CorioFetch.headGuard});
        init.dispatcher = rec.dispatcher.dispatcher;
      }
      if (body.length > 0) init.body = body;
      var started;
      try {
        started = fetch(url, init);
      } catch (e) {
        started = Promise.reject(e);
      }
      started.then(function(res) { CorioFetch.respond(rec, res); },
                   function(err) { CorioFetch.fetchFailed(rec, err, url); });
    },

    respond: function(rec, res) {
      if (!CorioFetch.live(rec)) {
        if (res.body) res.body.cancel().catch(function() {});
        return;
      }
      // A redirect under redirect "manual" is always opaque (the Fetch
      // standard): reachable, and nothing more a page may know.
      if (res.type === 'opaqueredirect' || res.type === 'opaque')
        return CorioFetch.fail(rec, CorioStatus.ECORS, rec.where +
          ': reachable; this site does not let pages read its status — ' + CorioFetch.RELAY_HINT);
      var head = 'HTTP/1.1 ' + res.status + ' ' + res.statusText + '\r\n';
      res.headers.forEach(function(value, name) {
        if (!CorioFetch.HIDDEN[name.toLowerCase()]) head += name + ': ' + value + '\r\n';
      });
      head += 'Connection: close\r\n\r\n';
      rec.phase = 'body';
      rec.reader = res.body ? res.body.getReader() : null;
      CorioNet.data(rec, CorioFetch.bytes(head));
      if (rec.reader) {
        CorioFetch.pump(rec);
      } else {
        rec.phase = 'done';
        CorioFetch.release(rec);
        CorioNet.eof(rec);
      }
    },

    // Pulls the body while C wants it (not paused), one read at a time.
    pump: function(rec) {
      if (rec.pulling || rec.paused || !rec.reader || !CorioFetch.live(rec)) return;
      rec.pulling = true;
      rec.reader.read().then(function(r) {
        rec.pulling = false;
        if (!CorioFetch.live(rec)) return;
        if (r.done) {
          rec.reader = null;
          rec.phase = 'done';
          CorioFetch.release(rec);
          CorioNet.eof(rec);
          return;
        }
        CorioNet.data(rec, r.value);
        CorioFetch.pump(rec);
      }, function(err) {
        rec.pulling = false;
        if (!CorioFetch.live(rec)) return;
        CorioFetch.bodyFailed(rec, err);
      });
    },

    // fetch() rejected: Node's fetch says why in err.cause; a browser only
    // says "network error", for a site that is down and for one that
    // answered without allowing cross-origin reads alike. Asking again in
    // no-cors mode would tell them apart, but fetch every URL twice.
    fetchFailed: function(rec, err, url) {
      if (!CorioFetch.live(rec)) return;
      var cause = err && err.cause;
      var message = String((err && err.message) || err);
      // A corio status from Node's connector: the address policy, or the
      // head guard (corio's own parser refused the head).
      if (cause && typeof cause.corioStatus === 'number') // the policy's words name the place already
        return CorioFetch.fail(rec, cause.corioStatus,
                               (cause.message.indexOf(rec.where) >= 0 ? '' : rec.where + ': ') + cause.message);
      // undici's words for a clean close (FIN) before the response head
      // ended: what the other carriers report as EINCOMPLETE.
      if (cause && cause.code === 'UND_ERR_SOCKET' && /other side closed/.test(cause.message))
        return CorioFetch.fail(rec, CorioStatus.EINCOMPLETE, rec.where + ': the connection was closed before ' +
                               'the response head ended (' + CorioNet.nodeWords(cause) + ')');
      // undici refusing a response it could not read: its "bad response"
      // (an interim response it did not expect), or an assertion of its
      // parser failing on a status line it cannot take (two spaces, a
      // two-digit code). The other carriers call such a response EPROTO.
      if (cause && ((cause.code === 'UND_ERR_SOCKET' && /bad response/.test(cause.message)) ||
                    cause.code === 'ERR_ASSERTION'))
        return CorioFetch.fail(rec, CorioStatus.EPROTO, rec.where + ': fetch() could not read the response (' +
                               CorioNet.nodeWords(cause) + ')');
      if (cause && typeof cause.code === 'string') {
        // corioHandshaking: Node's connector saw the error in a TLS
        // handshake (platform_node.mjs), where a reset is TLS's failure.
        return CorioFetch.fail(rec, CorioNet.nodeCode(cause, !!cause.corioHandshaking),
                               rec.where + ': ' + message + ': ' + CorioNet.nodeWords(cause));
      }
      CorioFetch.fail(rec, CorioStatus.ENETWORK, rec.where + ': ' + message +
        ' (no answer this page may read: the browser does not say whether the site is down, ' +
        'refused the connection, failed TLS or answered without allowing cross-origin reads; ' +
        CorioFetch.RELAY_HINT + ')');
    },

    bodyFailed: function(rec, err) {
      var cause = err && err.cause;
      var message = String((err && err.message) || err);
      var where = rec.where + ': the response body failed: ';
      if (cause && typeof cause.code === 'string')
        return CorioFetch.fail(rec, CorioNet.nodeCode(cause, false), where + message + ': ' + CorioNet.nodeWords(cause));
      CorioFetch.fail(rec, CorioStatus.ENETWORK, where + message +
        ' (the browser does not say whether the connection was reset or closed early)');
    },

    // Stops the request and its body, whatever phase it is in (a finished
    // one has nothing left to abort). A body being read is cancelled
    // through its reader, which ends the fetch too (the Fetch standard's
    // cancel steps terminate it), as it is every time a checker has read
    // the head: in browsers abort() would also build an AbortError, stack
    // and all, to reject what nobody waits for any more (Node's undici
    // builds one either way).
    stop: function(rec) {
      rec.closing = true;
      rec.chunks = null;
      CorioFetch.release(rec);
      if (rec.reader) rec.reader.cancel().catch(function() {});
      else if (rec.controller && rec.phase !== 'done') rec.controller.abort();
      rec.reader = null;
      if (rec.dispatcher) rec.dispatcher.destroy();
      rec.dispatcher = null;
    },

    fail: function(rec, code, message) {
      if (!CorioFetch.live(rec)) return;
      CorioFetch.stop(rec);
      CorioNet.failLater(rec, code, message);
    },

    pause: function(rec, pause) {
      rec.paused = !!pause;
      if (!pause) CorioFetch.pump(rec);
    },

    close: function(rec, graceful) {
      if (rec.closing) return;
      CorioFetch.stop(rec);
      CorioNet.later(function() { CorioNet.closed(rec); });
    },

    // Ends the request at once; the caller reports it closed.
    abort: function(rec) {
      if (rec.open && !rec.closing) CorioFetch.stop(rec);
      rec.closing = true;
    },

    listen: function(lrec, host, port) {
      lrec.closing = true;
      CorioNet.later(function() {
        CorioNet.listenError(lrec, CorioStatus.ENOTSUP,
          CorioNet.hostPort(host, port) + ': not supported in the browser: a page cannot accept connections');
        CorioNet.listenClosed(lrec);
      });
    },

    listenClose: function(lrec) {},
  },

  // ---- the imports of runtime/host/net_js.c ------------------------------

  corio_js_net_connect__deps: ['$CorioNet', '$CorioNode', '$CorioFetch', '$CorioRelay'],
  corio_js_net_connect__sig: 'viiiiiii',
  corio_js_net_connect: function(c, hostPtr, port, tls, namePtr, caPtr, deny) {
    var t = CorioNet.transport();
    var rec = CorioNet.record(CorioNet.conns, c, t);
    rec.tls = !!tls; // whether a failure may be TLS's, and which phases come
    t.connect(rec, UTF8ToString(hostPtr), port, rec.tls, UTF8ToString(namePtr), UTF8ToString(caPtr), !!deny);
  },

  corio_js_net_write__deps: ['$CorioNet'],
  corio_js_net_write__sig: 'viii',
  corio_js_net_write: function(c, ptr, n) {
    var rec = CorioNet.conns[c];
    if (rec && !rec.closing) rec.transport.write(rec, HEAPU8.slice(ptr, ptr + n));
  },

  corio_js_net_write_eof__deps: ['$CorioNet'],
  corio_js_net_write_eof__sig: 'vi',
  corio_js_net_write_eof: function(c) {
    var rec = CorioNet.conns[c];
    if (rec && !rec.closing) rec.transport.writeEof(rec);
  },

  corio_js_net_pause__deps: ['$CorioNet'],
  corio_js_net_pause__sig: 'vii',
  corio_js_net_pause: function(c, pause) {
    var rec = CorioNet.conns[c];
    if (rec && !rec.closing) rec.transport.pause(rec, pause);
  },

  corio_js_net_close__deps: ['$CorioNet'],
  corio_js_net_close__sig: 'vii',
  corio_js_net_close: function(c, graceful) {
    var rec = CorioNet.conns[c];
    if (rec) rec.transport.close(rec, !!graceful);
  },

  corio_js_net_listen__deps: ['$CorioNet', '$CorioNode', '$CorioFetch', '$CorioRelay'],
  corio_js_net_listen__sig: 'viii',
  corio_js_net_listen: function(l, hostPtr, port) {
    var t = CorioNet.transport();
    var lrec = CorioNet.record(CorioNet.listeners, l, t);
    t.listen(lrec, UTF8ToString(hostPtr), port);
  },

  corio_js_net_abort_all__deps: ['$CorioNet'],
  corio_js_net_abort_all__sig: 'v',
  corio_js_net_abort_all: function() {
    CorioNet.abortAll();
  },

  corio_js_net_listen_close__deps: ['$CorioNet'],
  corio_js_net_listen_close__sig: 'vi',
  corio_js_net_listen_close: function(l) {
    var lrec = CorioNet.listeners[l];
    if (lrec) lrec.transport.listenClose(lrec);
  },
});
