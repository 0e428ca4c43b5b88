/*
 * index.mjs — the npm entry for browsers and bundlers (`import ... from
 * 'corio'`; Node's is node.mjs): the website checker (checkUrls,
 * iterateChecks) and the runtime (load, run, attach, CorioError). It
 * imports nothing bare and nothing of Node's, so a page can import it
 * straight from node_modules/corio/npm/ (or as 'corio' through an import
 * map) without a bundler, and a bundler's browser build reaches no node:
 * module.
 */
export { checkEach, checkUrls, iterateChecks, normalizeOptions } from './checker.mjs';
export { attach, CorioError, defaultInstance, load, run } from './corio.mjs';
