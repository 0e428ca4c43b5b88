/*
 * fetch_dispatcher_node.mjs — what the fetch() carrier (load({corioTransport:
 * 'fetch'}), runtime/host/library_net.js) gives Node's fetch() for each
 * connection it carries: an undici dispatcher of its own, with a connector
 * that opens the socket itself. Ending the connection ends everything the
 * request started (destroy()): a connect still under way included, which
 * fetch()'s abort signal leaves to undici's 10 s connect timeout (the
 * process waits for it). The connector also applies the address policy
 * (deny_private) to the address it connects to, marks an error that came
 * in a TLS handshake (corioHandshaking), which the carrier reports as
 * CORIO_ETLS as the other carriers do, and lets corio's own head parser
 * read the response's first bytes before undici does (guardHead): a head
 * that corio refuses fails with corio's status on this carrier too, and
 * undici gets the final head alone, without the interim responses.
 */
import { lookup } from 'node:dns';
import { connect as tcpConnect, isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/*
 * Puts corio's head parser (`guard()`: CorioFetch.headGuard) between the
 * socket and its reader: every chunk the socket would push goes to the
 * parser until the final head is complete; then the reader gets that head
 * and what followed it, and the socket is itself again. A refused head
 * destroys the socket with an error carrying the corio status.
 */
function guardHead(sock, guard) {
  const push = sock.push;
  let g = guard();
  const done = () => {
    sock.push = push;
    g?.free();
    g = null;
  };
  sock.push = function (chunk, encoding) {
    if (chunk === null || chunk === undefined) {
      done();
      return push.call(this, chunk, encoding);
    }
    let r;
    try {
      r = g.feed(typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk);
    } catch (e) {
      done(); // the module is gone (aborted): the connection goes with it
      this.destroy(e);
      return false;
    }
    if (r.more) return true;
    done();
    if (r.message !== undefined) {
      const err = new Error(r.message);
      err.corioStatus = r.status;
      this.destroy(err);
      return false;
    }
    return push.call(this, Buffer.concat([r.head, r.rest]));
  };
  sock.once('close', done);
}

/**
 * Resolves to make({allowedAddress, guard}) -> {dispatcher, destroy()}:
 * `allowedAddress` applies the address policy (library_net.js's
 * CorioNet.allowedAddress, the same as the Node carrier's), or is null for
 * none; `guard()` makes corio's head parser (see guardHead), or is null.
 * Throws when this Node's fetch() does not show undici's Agent.
 */
export async function fetchDispatchers() {
  // Node does not export undici's Agent class; the global dispatcher that
  // fetch() makes on first use is one, kept under the symbol undici
  // registers for all its copies to share.
  await fetch('data:,');
  const global = globalThis[Symbol.for('undici.globalDispatcher.1')];
  const Agent = global?.constructor;
  if (typeof Agent !== 'function' || typeof global.destroy !== 'function')
    throw new Error(
      `the fetch() carrier needs undici's Agent, which this Node (${process.version}) does not show; ` +
        'use the default carrier',
    );
  return ({ allowedAddress, guard }) => {
    const sockets = new Set();
    let ended = false;
    const connect = (opts, reply) => {
      // undici hears once, whatever happens first.
      let replied = false;
      const callback = (err, sock) => {
        if (replied) return;
        replied = true;
        reply(err, sock);
      };
      const host = opts.hostname.replace(/^\[(.*)\]$/, '$1');
      const secure = opts.protocol === 'https:';
      const port = Number(opts.port) || (secure ? 443 : 80);
      const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
      const open = (address) => {
        if (ended) return callback(new Error('the connection was closed'), null);
        const o = { host: address, port };
        const sock = secure
          ? tlsConnect({
              ...o,
              servername: opts.servername || (isIP(host) ? undefined : host),
              ALPNProtocols: ['http/1.1'],
            })
          : tcpConnect(o);
        sockets.add(sock);
        if (guard) guardHead(sock, guard);
        sock.setNoDelay(true);
        let tcp = false;
        sock.once('connect', () => (tcp = true));
        // Kept for the socket's life: undici adds its own listener only
        // later, and an error in between must not go unheard.
        let connected = false;
        sock.on('error', (err) => {
          if (connected) return; // undici's from then on
          if (secure && tcp) err.corioHandshaking = true;
          callback(err, null);
        });
        sock.once(secure ? 'secureConnect' : 'connect', () => {
          connected = true;
          callback(null, sock);
        });
        sock.once('close', () => {
          sockets.delete(sock);
          callback(new Error('the connection was closed before it was made'), null); // destroyed while connecting
        });
      };
      if (!allowedAddress) return open(host);
      allowedAddress({ isIP }, { lookup }, host, where, (got) => {
        if (got.address) return open(got.address);
        if (got.error) return callback(got.error, null);
        const err = new Error(got.message);
        err.corioStatus = got.status;
        callback(err, null);
      });
    };
    const dispatcher = new Agent({ connections: 1, connect });
    return {
      dispatcher,
      destroy() {
        ended = true;
        for (const sock of sockets) sock.destroy();
        dispatcher.destroy().catch(() => {});
      },
    };
  };
}
