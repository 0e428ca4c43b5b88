// carrier.mjs — which carrier the page's corio connections take, and why:
//   - the relay (server/relay.mjs), when corio's dev server served the page:
//     it put the relay's config into the page's <meta name="corio-relay">;
//     connections are then real TCP and TLS, opened by that server;
//   - fetch() (runtime/host/library_net.js, CorioFetch) when the page is
//     hosted as static files (the meta is empty): one HTTP request per
//     connection, and the browser decides what a page may read.
// The checker page loads its module with these options, and the Examples
// tab hands them to its workers.

/** {kind: 'relay' | 'fetch', relay (Module.corioRelay, or null)}. */
export function chooseCarrier(doc = document) {
  const content = doc.querySelector('meta[name="corio-relay"]')?.content ?? '';
  if (!content) return { kind: 'fetch', relay: null };
  let cfg;
  try {
    cfg = JSON.parse(content);
  } catch {
    return { kind: 'fetch', relay: null };
  }
  const url = new URL(cfg.path, doc.baseURI);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return { kind: 'relay', relay: { url: url.href, protocol: cfg.protocol, secret: cfg.secret } };
}

/** The options of npm/corio.mjs load() (and of a worker's module) for `carrier`. */
export function moduleOptions(carrier) {
  return carrier.relay ? { corioRelay: carrier.relay } : { corioTransport: 'fetch' };
}
