/*
 * network_node.mjs — the network options of Node's carrier (load({network})
 * in Node, checkUrls' insecure / ca / proxy / noProxy, corio-check's -k,
 * --cacert, --proxy, --noproxy and proxy variables), applied where Node's
 * sockets are made: the {net, tls, fs} the wasm module's Node transport
 * uses (load({corioNet})) wrapped so that
 *   - `insecure` accepts any certificate, `ca` (PEM) is the CAs trusted;
 *   - a proxy (an http:// URL, minus the hosts of `noProxy`) carries each
 *     connection through a CONNECT tunnel, for http as for https (as curl
 *     --proxytunnel does); TLS runs inside the tunnel, end to end with the
 *     site.
 * The C checker never sees the difference: it opens connections as always.
 * Node only (platform_node.mjs installs it); a page has no such sockets.
 */
import { Duplex } from 'node:stream';

/** Whether `host` is exempt from the proxy by a NO_PROXY list ("*", names, .domains, addresses). */
export function bypassesProxy(host, noProxy) {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return noProxy.some((entry) => {
    if (entry === '*') return true;
    const e = entry.replace(/^\[|\]$/g, '').replace(/:\d+$/, '');
    const bare = e.startsWith('.') ? e.slice(1) : e;
    return h === bare || h.endsWith(`.${bare}`);
  });
}

/** A proxy URL's {host, port, authorization}; throws TypeError for one that is not http://. */
export function parseProxy(text) {
  let url;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    throw new TypeError(`the proxy "${text}" is not a URL`);
  }
  if (url.protocol !== 'http:') throw new TypeError(`the proxy "${text}" must be an http:// proxy`);
  const user = decodeURIComponent(url.username);
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || 80),
    where: url.host,
    authorization:
      user || url.password
        ? `Basic ${Buffer.from(`${user}:${decodeURIComponent(url.password)}`).toString('base64')}`
        : null,
  };
}

// The longest head a proxy may answer CONNECT with.
const MAX_PROXY_HEAD = 16 * 1024;

/**
 * A connection through an HTTP proxy's CONNECT tunnel, as a socket-like
 * Duplex: 'connect' once the proxy said 2xx, the site's bytes after that;
 * what is written before is held until then. A refused tunnel is an error
 * whose message names the proxy's answer.
 */
class Tunnel extends Duplex {
  constructor(net, proxy, host, port) {
    super({ allowHalfOpen: true });
    const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.held = [];
    this.open = false;
    const inner = (this.inner = net.connect({ host: proxy.host, port: proxy.port }));
    inner.once('connect', () =>
      inner.write(
        `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n` +
          (proxy.authorization ? `Proxy-Authorization: ${proxy.authorization}\r\n` : '') +
          '\r\n',
      ),
    );
    let head = Buffer.alloc(0);
    const onHead = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_PROXY_HEAD) this.refused(proxy, target, 'an overlong answer');
        return;
      }
      inner.off('data', onHead);
      const statusLine = head.toString('latin1', 0, head.indexOf('\r\n'));
      if (!/^HTTP\/1\.[01] 2\d\d\b/.test(statusLine)) return this.refused(proxy, target, statusLine);
      this.remoteAddress = inner.remoteAddress;
      this.remotePort = inner.remotePort;
      this.open = true;
      inner.on('data', (d) => {
        if (!this.push(d)) inner.pause();
      });
      inner.on('end', () => this.push(null));
      if (end + 4 < head.length) this.push(head.subarray(end + 4));
      for (const [chunk, callback] of this.held.splice(0)) inner.write(chunk, callback);
      if (this.endHeld) inner.end(this.endHeld);
      this.emit('connect');
    };
    inner.on('data', onHead);
    inner.on('error', (e) => this.destroy(e));
    inner.on('close', () => this.destroy());
  }

  refused(proxy, target, answer) {
    const e = new Error(`the proxy ${proxy.where} refused CONNECT ${target}: ${answer}`);
    e.code = 'ECONNREFUSED';
    this.destroy(e);
  }

  _read() {
    this.inner.resume();
  }

  _write(chunk, encoding, callback) {
    if (this.open) this.inner.write(chunk, callback);
    else this.held.push([chunk, callback]);
  }

  _final(callback) {
    if (this.open) this.inner.end(callback);
    else this.endHeld = callback;
  }

  _destroy(error, callback) {
    this.inner.destroy();
    callback(error);
  }
}

/**
 * {net, tls, fs} for load({corioNet}) with the options applied: `insecure`,
 * `ca` (PEM bytes or text), `proxies` ({http, https: proxy URLs or '',
 * noProxy: [host patterns]}). Unchanged calls go to the modules given.
 */
export function wrapNodeNet({ net, tls, fs, dns }, { insecure = false, ca = null, proxies }) {
  const proxyFor = (host, secure) => {
    const text = secure ? proxies.https : proxies.http;
    return text && !bypassesProxy(host, proxies.noProxy) ? parseProxy(text) : null;
  };
  const wrappedNet = {
    ...net,
    isIP: net.isIP,
    connect(opts) {
      // corioName: the name, when the carrier resolved it itself (deny_private).
      const proxy = proxyFor(opts.corioName ?? opts.host, false);
      return proxy ? new Tunnel(net, proxy, opts.host, opts.port) : net.connect(opts);
    },
  };
  const wrappedTls = {
    ...tls,
    checkServerIdentity: tls.checkServerIdentity,
    connect(opts) {
      const o = { ...opts };
      if (ca) o.ca = ca;
      if (insecure) {
        o.rejectUnauthorized = false;
        delete o.checkServerIdentity;
      }
      const proxy = proxyFor(opts.corioName ?? opts.host, true);
      if (proxy) o.socket = new Tunnel(net, proxy, opts.host, opts.port);
      return tls.connect(o);
    },
  };
  // dns: for deny_private, under which the carrier resolves a name itself
  // and connects to the address (through a proxy too: the tunnel then goes
  // to that address).
  return {
    net: wrappedNet,
    tls: wrappedTls,
    fs,
    get dns() {
      return dns;
    },
  };
}

/**
 * Checks load()'s `network` option ({insecure, ca, proxy, noProxy}) and
 * returns wrapNodeNet's settings; throws TypeError saying which is wrong.
 * `proxy`: an http:// proxy URL for every connection, or {http, https}
 * (either may be left out); `noProxy`: host patterns ("*", names,
 * .domains, addresses) that go direct, as an array or a comma list.
 */
export function networkSettings({ insecure = false, ca = null, proxy = null, noProxy = [], ...rest }) {
  const unknown = Object.keys(rest);
  if (unknown.length > 0)
    throw new TypeError(`unknown network option ${unknown[0]} (known: insecure, ca, proxy, noProxy)`);
  if (typeof insecure !== 'boolean') throw new TypeError('network.insecure must be true or false');
  if (ca !== null && typeof ca !== 'string' && !(ca instanceof Uint8Array))
    throw new TypeError('network.ca must be PEM text or bytes (read the file yourself)');
  const pair = proxy === null || typeof proxy === 'string' ? { http: proxy, https: proxy } : proxy;
  if (pair === null || typeof pair !== 'object') throw new TypeError('network.proxy must be a URL or {http, https}');
  const proxies = { http: pair.http ?? '', https: pair.https ?? '' };
  for (const p of [proxies.http, proxies.https]) if (p) parseProxy(p);
  const list = typeof noProxy === 'string' ? noProxy.split(',') : noProxy;
  if (!Array.isArray(list)) throw new TypeError('network.noProxy must be an array or a comma-separated list');
  proxies.noProxy = list.map((s) => String(s).trim().toLowerCase()).filter(Boolean);
  return { insecure, ca: typeof ca === 'string' ? Buffer.from(ca) : ca, proxies };
}
