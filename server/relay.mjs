// relay.mjs — the dev server's connection relay (/relay): one WebSocket per
// page carries every TCP or TLS connection the page's corio module opens
// (runtime/host/library_net.js, CorioRelay), so that a page's
// corio_open_connection is a real byte stream as in Node and natively.
//
// Who may use it: only an upgrade whose Host is one of the server's own
// addresses, whose Origin is the server's own origin, and that offers the
// secret made when the server started (as a second WebSocket subprotocol,
// "secret.<hex>"; the page gets it inside the index.html the server serves,
// which no other origin can read). So another website open in the same
// browser cannot use the relay, nor can a DNS-rebound name.
//
// The wire: binary frames, each a run of records [kind u8][connection id,
// u32 big-endian][length, u32 big-endian][bytes] in order: kind 1, bytes of
// a connection; kind 2, a control message (JSON, id 0). What one side has
// to say in one turn of its event loop goes in one frame (a browser pays
// for each frame, not for its size).
//   page -> relay: {t:'open', id, host, port, tls, name, deny}, data,
//                  {t:'eof', id}, {t:'close', id, graceful}, {t:'credit', id, n},
//                  {t:'listen', id, host, port}, {t:'unlisten', id}
//   relay -> page: {t:'phase', id, phase: 'resolved' | 'tcp'} (as each is reached;
//                  'tcp' for TLS only: plain TCP's ends with 'connected'),
//                  {t:'connected', id, address, port, window}, data, {t:'sent', id, n},
//                  {t:'eof', id}, {t:'error', id, error | status+message, handshaking},
//                  {t:'closed', id},
//                  {t:'listening', id, port}, {t:'listen-error', id, error | status+message},
//                  {t:'unlistened', id}, {t:'accepted', listener, id, address, port, window}
// The page numbers what it opens (connections and listeners) from 1 to
// PAGE_IDS; the relay numbers the connections it accepts above that, so the
// two never meet. A listener (corio_start_server in the page) listens on a
// loopback address of the server's machine only: the page's own programs
// (the guide's streams and website-status examples) connect to it through
// the relay, as native programs connect to their own servers.
// Address policy: with denyPrivate (server.mjs --deny-private), or for a
// connection the page opens with deny (its deny_private), a connection
// goes only to an address the policy allows (the CLI's --deny-private, the
// same ranges, build/gen/address_policy.mjs), checked on the address the
// name resolved to and connected to as such (no second lookup to rebind).
// `error` is Node's own error ({code, message, library, reason}): the page
// names it with the same function as the Node carrier, so a refused port,
// a DNS failure or a bad certificate gets the same corio status either way.
// Flow control: a connection may send the page WINDOW bytes it has not
// given back as credit; past that its socket is paused, so a page that
// reads slowly holds the remote sender up (TCP backpressure). The page
// learns the window from 'connected' (or 'accepted') and gives credit back
// as its reader takes the bytes, once half the window has been taken (as a
// TCP window update), so not one message per record. Writes are acknowledged
// ('sent') once the socket took them, which is what corio_drain waits for.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { WebSocketServer } from 'ws';

export const RELAY_PATH = '/relay';
export const RELAY_PROTOCOL = 'corio-relay.v1';
const SECRET_PREFIX = 'secret.';
export const DATA = 1; // the kinds of record
export const CONTROL = 2;
const HEADER = 9; // kind + id + length
const FLUSH_BYTES = 256 * 1024; // a frame goes at the latest at this size
// Bytes a connection may have on their way to the page, not yet credited.
const WINDOW = 256 * 1024;
// Connections one page may have open at once, and listeners.
const MAX_CONNECTIONS = 10000;
const MAX_LISTENERS = 64;
// Ids the page gives; the relay's own (accepted connections) are above.
export const PAGE_IDS = 0x7fffffff;
const MAX_MESSAGE = 1024 * 1024; // the page sends frames of about FLUSH_BYTES

/** The header of a record: its kind, its u32 id and the u32 length of its `n` bytes. */
export function recordHead(kind, id, n) {
  const head = Buffer.allocUnsafe(HEADER);
  head[0] = kind;
  head.writeUInt32BE(id, 1);
  head.writeUInt32BE(n, 5);
  return head;
}

/**
 * The records of a frame, in order: {kind, id, bytes} (bytes a view of
 * `data`), then null if the last one is cut short.
 */
export function* frameRecords(data) {
  for (let at = 0; at < data.length;) {
    if (data.length - at < HEADER) return yield null;
    const n = data.readUInt32BE(at + 5);
    const bytes = data.subarray(at + HEADER, at + HEADER + n);
    if (bytes.length !== n) return yield null;
    yield { kind: data[at], id: data.readUInt32BE(at + 1), bytes };
    at += HEADER + n;
  }
}

/**
 * The system's CA certificates (what native corio, through OpenSSL, trusts):
 * the bundle SSL_CERT_FILE names, else the first of the usual places. Returns
 * {ca, from} or {ca: undefined, from: why} (Node's own roots are used then).
 */
export function systemCa() {
  const files = [
    process.env.SSL_CERT_FILE,
    '/etc/ssl/certs/ca-certificates.crt',
    '/etc/pki/tls/certs/ca-bundle.crt',
    '/etc/ssl/cert.pem',
  ].filter(Boolean);
  for (const file of files) {
    if (!existsSync(file)) continue;
    try {
      return { ca: readFileSync(file), from: file };
    } catch {
      // unreadable: try the next
    }
  }
  return { ca: undefined, from: `no system CA bundle found (${files.join(', ')}): Node's own roots` };
}

/**
 * A relay for one server. `origins()` returns the origins (and Host values)
 * allowed at the time of an upgrade. Returns {secret, config(), upgrade(req,
 * socket, head) (true if it took the request), close()}.
 */
export function createRelay({ origins, log = null, ca = systemCa(), denyPrivate = false }) {
  const secret = randomBytes(32).toString('hex');
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(RELAY_PROTOCOL) ? RELAY_PROTOCOL : false),
  });
  const secretBytes = Buffer.from(SECRET_PREFIX + secret);
  const hasSecret = (protocols) =>
    protocols.some((p) => {
      const b = Buffer.from(p);
      return b.length === secretBytes.length && timingSafeEqual(b, secretBytes);
    });

  // Why an upgrade is refused, or null.
  function refusal(req) {
    const allowed = origins();
    if (!allowed.hosts.has(String(req.headers.host ?? '').toLowerCase())) return 'Host is not this server';
    if (!allowed.origins.has(String(req.headers.origin ?? '').toLowerCase())) return "Origin is not this server's";
    const protocols = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim());
    if (!protocols.includes(RELAY_PROTOCOL)) return `the subprotocol ${RELAY_PROTOCOL} is missing`;
    if (!hasSecret(protocols)) return 'the secret is missing or wrong';
    return null;
  }

  function upgrade(req, socket, head) {
    if (new URL(req.url, 'http://x').pathname !== RELAY_PATH) return false;
    const why = refusal(req);
    if (why) {
      log?.(`relay: refused an upgrade from ${req.headers.origin ?? 'no Origin'}: ${why}`);
      socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${why}\n`);
      return true;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws, ca.ca, denyPrivate));
    return true;
  }

  return {
    secret,
    caFrom: ca.from,
    /** What the page needs to connect (put into the page it serves). */
    config: () => ({ path: RELAY_PATH, protocol: RELAY_PROTOCOL, secret }),
    upgrade,
    close: () => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}

/** Whether `host` is a loopback address literal (what a page may listen on). */
export function isLoopbackLiteral(host) {
  return host === '::1' || (net.isIPv4(host) && host.startsWith('127.'));
}

// The policy of --deny-private, generated from runtime/core/address_ranges.h
// (imported only when asked for: it exists once the build has run).
let policy = null;
async function addressPolicy() {
  policy ??= import('../build/gen/address_policy.mjs');
  return (await policy).addressDenied;
}

// The address to connect to for `host` under the policy: {address} or
// {status, message}.
async function allowedAddress(host) {
  const denied = await addressPolicy();
  let addresses;
  try {
    addresses = net.isIP(host) ? [{ address: host }] : await lookup(host, { all: true });
  } catch (e) {
    return { error: { code: e.code, message: e.message } };
  }
  const why = [];
  for (const { address } of addresses) {
    const range = denied(address);
    if (!range) return { address };
    why.push(`${address} is ${range}`);
  }
  return { status: 'EDENIED', message: `${host}: denied by --deny-private (${why.join('; ')})` };
}

// One page's WebSocket: its connections and listeners by id.
function serve(ws, ca, denyPrivate) {
  const conns = new Map();
  const listeners = new Map();
  let nextAccepted = PAGE_IDS + 1;
  // Records wait for the end of this turn and go as one frame.
  let out = [];
  let outBytes = 0;
  const flush = () => {
    if (out.length > 0 && ws.readyState === ws.OPEN) ws.send(Buffer.concat(out, outBytes));
    out = [];
    outBytes = 0;
  };
  const record = (kind, id, bytes) => {
    if (out.length === 0) setImmediate(flush);
    out.push(recordHead(kind, id, bytes.length), bytes);
    outBytes += HEADER + bytes.length;
    if (outBytes >= FLUSH_BYTES) flush();
  };
  const send = (message) => record(CONTROL, 0, Buffer.from(JSON.stringify(message)));
  const sendData = (id, bytes) => record(DATA, id, bytes);
  // A page that breaks the protocol loses its relay.
  const violation = (why) => ws.close(1008, String(why).slice(0, 120));

  function open(m) {
    const { id, host, port, name } = m;
    if (!pageId(id)) return violation(`bad id ${id}`);
    if (
      typeof host !== 'string' ||
      host.length === 0 ||
      host.length > 255 ||
      !Number.isInteger(port) ||
      port < 0 ||
      port > 65535
    )
      return violation('bad host or port');
    const secure = m.tls === true;
    // pending: what the page wrote while the name resolved (--deny-private)
    const c = { sock: null, credit: WINDOW, connected: false, closing: false, pending: [] };
    conns.set(id, c);
    if (conns.size > MAX_CONNECTIONS)
      return refuse(id, 'ELIMIT', `the relay carries at most ${MAX_CONNECTIONS} connections per page`);
    // The policy applies with --deny-private, or when the page asks it for
    // this connection (deny_private in its C options).
    const deny = denyPrivate || m.deny === true;
    if (!deny) return connect(id, c, host, host, port, secure, name);
    allowedAddress(host)
      .catch((e) => ({ status: 'EIO', message: `${host}: the address policy failed: ${e.message}` }))
      .then((got) => {
        if (c.closing) return refuse(id, null, null);
        if (got.address) {
          send({ t: 'phase', id, phase: 'resolved' });
          return connect(id, c, host, got.address, port, secure, name);
        }
        if (got.error) send({ t: 'error', id, handshaking: false, error: got.error });
        else send({ t: 'error', id, status: got.status, message: got.message });
        conns.delete(id);
        send({ t: 'closed', id });
      });
  }

  // An id the page may give to something new.
  const pageId = (id) => Number.isInteger(id) && id > 0 && id <= PAGE_IDS && !conns.has(id) && !listeners.has(id);

  // Ends a connection that never had a socket, with an error if `status`.
  function refuse(id, status, message) {
    if (status) send({ t: 'error', id, status, message });
    conns.delete(id);
    send({ t: 'closed', id });
  }

  // Opens the socket of connection `id` to `address` (`host` names it for
  // TLS).
  function connect(id, c, host, address, port, secure, name) {
    const opts = { host: address, port, allowHalfOpen: true };
    if (secure) {
      const serverName = typeof name === 'string' && name ? name : host;
      opts.rejectUnauthorized = true;
      if (!net.isIP(serverName)) opts.servername = serverName; // SNI takes names only
      opts.checkServerIdentity = (_, cert) => tls.checkServerIdentity(serverName, cert);
      if (ca) opts.ca = ca;
    }
    const sock = secure ? tls.connect(opts) : net.connect(opts);
    // The opening's phases, for the page's timings (an address is resolved).
    if (net.isIP(address)) {
      if (address === host) send({ t: 'phase', id, phase: 'resolved' }); // else sent after the policy's lookup
    } else {
      sock.once('lookup', (err) => {
        if (!err) send({ t: 'phase', id, phase: 'resolved' });
      });
    }
    // Plain TCP: the page takes 'connected' as the end of the TCP phase too.
    if (secure) sock.once('connect', () => send({ t: 'phase', id, phase: 'tcp' }));
    sock.once(secure ? 'secureConnect' : 'connect', () => {
      c.connected = true;
      send({
        t: 'connected',
        id,
        address: sock.remoteAddress ?? address,
        port: sock.remotePort ?? port,
        window: WINDOW,
      });
    });
    watch(id, c, sock, secure);
  }

  // Carries socket `sock` as connection `id`, both ways.
  function watch(id, c, sock, secure) {
    c.sock = sock;
    sock.on('data', (bytes) => {
      sendData(id, bytes);
      c.credit -= bytes.length;
      if (c.credit <= 0) sock.pause();
    });
    sock.on('end', () => send({ t: 'eof', id }));
    sock.on('error', (e) =>
      send({
        t: 'error',
        id,
        handshaking: secure && !c.connected,
        error: { code: e.code, message: e.message, library: e.library, reason: e.reason },
      }),
    );
    sock.on('close', () => {
      conns.delete(id);
      send({ t: 'closed', id });
    });
    for (const bytes of c.pending ?? []) write(id, bytes);
    c.pending = null;
    if (c.closing) close(c, false); // the page closed it while the name resolved
  }

  // A listener of the page's, on a loopback address only.
  function listen(m) {
    const { id, host, port } = m;
    if (!pageId(id)) return violation(`bad id ${id}`);
    if (typeof host !== 'string' || !Number.isInteger(port) || port < 0 || port > 65535)
      return violation('bad host or port');
    const fail = (status, message) => {
      send({ t: 'listen-error', id, status, message });
      send({ t: 'unlistened', id });
    };
    if (!isLoopbackLiteral(host))
      return fail('EDENIED', `the relay listens for a page on a loopback address only, not ${host}`);
    if (listeners.size >= MAX_LISTENERS)
      return fail('ELIMIT', `the relay keeps at most ${MAX_LISTENERS} listeners per page`);
    const server = net.createServer({ allowHalfOpen: true });
    listeners.set(id, server);
    server.on('connection', (sock) => {
      const cid = nextAccepted;
      nextAccepted = nextAccepted >= 0xffffffff ? PAGE_IDS + 1 : nextAccepted + 1;
      if (conns.has(cid) || conns.size >= MAX_CONNECTIONS) return sock.destroy();
      const c = { sock: null, credit: WINDOW, connected: true, closing: false };
      conns.set(cid, c);
      // Before any of its data: the page learns the id first.
      send({
        t: 'accepted',
        listener: id,
        id: cid,
        address: sock.remoteAddress,
        port: sock.remotePort,
        window: WINDOW,
      });
      watch(cid, c, sock, false);
    });
    server.on('error', (e) => {
      listeners.delete(id);
      server.close();
      send({ t: 'listen-error', id, error: { code: e.code, message: e.message } });
      send({ t: 'unlistened', id });
    });
    server.listen(port, host, () => {
      if (listeners.get(id) === server) send({ t: 'listening', id, port: server.address().port });
    });
  }

  // Stops accepting (connections already accepted go on, as natively).
  function unlisten(id) {
    const server = listeners.get(id);
    if (!server) return;
    listeners.delete(id);
    server.close();
    send({ t: 'unlistened', id });
  }

  // As the Node carrier's close: graceful sends what was written first.
  function close(c, graceful) {
    if (c.closing) return;
    c.closing = true;
    const sock = c.sock;
    if (!sock) return; // its name is still resolving: watch() ends it
    if (!graceful || !c.connected || sock.destroyed) return sock.destroy();
    if (!sock.writableEnded) sock.end();
    if (sock.writableFinished) sock.destroy();
    else sock.once('finish', () => sock.destroy());
  }

  ws.on('message', (data, isBinary) => {
    if (!isBinary) return violation('a text frame');
    for (const record of frameRecords(data)) {
      if (!record) return violation('a cut record');
      const { kind, id, bytes } = record;
      if (kind === DATA) write(id, bytes);
      else if (kind === CONTROL) {
        let m;
        try {
          m = JSON.parse(String(bytes));
        } catch {
          return violation('bad JSON');
        }
        control(m);
      } else return violation(`a record of kind ${kind}`);
    }
  });

  function write(id, bytes) {
    const c = conns.get(id);
    if (c && !c.closing && !c.sock) return void c.pending.push(bytes); // its name is resolving
    if (!c || c.closing || c.sock.destroyed) return; // closed meanwhile: dropped, as by a socket
    const n = bytes.length;
    c.sock.write(bytes, (err) => {
      if (!err) send({ t: 'sent', id, n });
    });
  }

  function control(m) {
    if (m?.t === 'open') return open(m);
    if (m?.t === 'listen') return listen(m);
    if (m?.t === 'unlisten') return unlisten(m.id);
    const c = conns.get(m?.id);
    if (!c) return; // a connection that has closed: its closed report is on its way
    if (m.t === 'eof') {
      if (c.sock && !c.sock.destroyed) c.sock.end();
    } else if (m.t === 'close') {
      close(c, m.graceful === true);
    } else if (m.t === 'credit' && Number.isInteger(m.n) && m.n > 0) {
      c.credit = Math.min(c.credit + m.n, WINDOW);
      if (c.credit > 0 && c.sock?.isPaused()) c.sock.resume();
    } else {
      violation(`bad message ${String(m.t)}`);
    }
  }

  ws.on('close', () => {
    for (const c of conns.values()) {
      c.closing = true;
      c.sock?.destroy();
    }
    conns.clear();
    for (const server of listeners.values()) server.close();
    listeners.clear();
  });
  ws.on('error', () => {}); // 'close' follows
}
