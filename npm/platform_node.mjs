/*
 * platform_node.mjs — what Node gives corio.mjs (usePlatform): the .wasm
 * read from disk, and Node's net, tls and fs for streams. Imported first by
 * the package's "node" entries (npm/node.mjs, npm/checker_node.mjs), so the
 * browser entries never reach a node: module. The modules are imported when
 * first needed, not at start-up.
 */
import { usePlatform } from './corio.mjs';

usePlatform({
  async readWasm(url) {
    const { readFile } = await import('node:fs/promises');
    return readFile(url);
  },
  async netModules() {
    const [net, tls, fs] = await Promise.all([import('node:net'), import('node:tls'), import('node:fs')]);
    return { net, tls, fs };
  },
});
