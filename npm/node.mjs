/*
 * node.mjs — the npm entry for Node (package.json exports, "node"
 * condition): npm/index.mjs with Node's platform installed first
 * (platform_node.mjs: the .wasm read from disk, net and tls for streams).
 */
import './platform_node.mjs';

export * from './index.mjs';
