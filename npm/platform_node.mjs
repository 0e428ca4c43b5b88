/*
 * platform_node.mjs — what Node gives corio.mjs (usePlatform): the .wasm
 * read from disk, Node's net, tls and fs for streams, and child_process
 * for subprocesses. Imported first by
 * the package's "node" entries (npm/node.mjs, npm/checker_node.mjs), so the
 * browser entries never reach a node: module. Start-up counts (corio-check
 * on one URL): tls, the costliest to load, is required only when a
 * connection first needs it (the transport reads corioNet.tls then).
 */
import { createRequire } from 'node:module';
import { usePlatform } from './corio.mjs';

const require = createRequire(import.meta.url);

function netModules() {
  return {
    net: require('node:net'),
    get tls() {
      return require('node:tls');
    },
    fs: require('node:fs'),
    // deny_private: the carrier resolves names itself (library_net.js).
    get dns() {
      return require('node:dns');
    },
  };
}

usePlatform({
  readWasm: (url) => require('node:fs/promises').readFile(url),
  // The threaded build's factory (CommonJS: docs/toolchain.md says why).
  threadsFactory: () => require('../dist/threads/node/corio.cjs'),
  netModules,
  // load({network}): Node's sockets with the network options applied
  // (network_node.mjs, imported only then: start-up counts).
  networkModules: async (options) => {
    const { networkSettings, wrapNodeNet } = await import('./network_node.mjs');
    return wrapNodeNet(netModules(), networkSettings(options));
  },
  // The fetch() carrier's dispatchers (fetch_dispatcher_node.mjs, imported
  // only then: start-up counts).
  fetchDispatchers: async () => (await import('./fetch_dispatcher_node.mjs')).fetchDispatchers(),
  processModules: () => ({
    child_process: require('node:child_process'),
    fs: require('node:fs'),
    os: require('node:os'),
  }),
});
