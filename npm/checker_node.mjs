/*
 * checker_node.mjs — 'corio/checker' for Node (package.json exports, "node"
 * condition): npm/checker.mjs with Node's platform installed first.
 */
import './platform_node.mjs';

export * from './checker.mjs';
