/*
 * fetch_dispatcher_node.mjs — what the fetch() carrier (load({corioTransport:
 * 'fetch'}), runtime/host/library_net.js) gives Node's fetch() for each
 * connection it carries: an undici dispatcher of its own, with a connector
 * that opens the socket itself. Ending the connection ends everything the
 * request started (destroy()): a connect still under way included, which
 * fetch()'s abort signal leaves to undici's 10 s connect timeout (the
 * process waits for it). The connector also applies the address policy
 * (deny_private) to the address it connects to, and marks an error that
 * came in a TLS handshake (corioHandshaking), which the carrier reports as
 * CORIO_ETLS as the other carriers do.
 */
import { lookup } from 'node:dns';
import { connect as tcpConnect, isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/**
 * Resolves to make({denied}) -> {dispatcher, destroy()}: `denied(address)`
 * is the address policy (null: allowed; else what the address is), or null
 * for none. Throws when this Node's fetch() does not show undici's Agent.
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
  return ({ denied }) => {
    const sockets = new Set();
    let ended = false;
    const connect = (opts, callback) => {
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
        sock.setNoDelay(true);
        let tcp = false;
        sock.once('connect', () => (tcp = true));
        const onError = (err) => {
          if (secure && tcp) err.corioHandshaking = true;
          callback(err, null);
        };
        sock.once('error', onError);
        sock.once(secure ? 'secureConnect' : 'connect', () => {
          sock.removeListener('error', onError);
          callback(null, sock);
        });
        sock.once('close', () => sockets.delete(sock));
      };
      if (!denied) return open(host);
      const pick = (addresses) => {
        const why = [];
        for (const address of addresses) {
          const range = denied(address);
          if (!range) return open(address);
          why.push(`${address} is ${range}`);
        }
        const err = new Error(`refused to connect to ${where}: ${why.join('; ')}`);
        err.code = 'CORIO_EDENIED';
        callback(err, null);
      };
      if (isIP(host)) return pick([host]);
      lookup(host, { all: true }, (err, list) => (err ? callback(err, null) : pick(list.map((a) => a.address))));
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
