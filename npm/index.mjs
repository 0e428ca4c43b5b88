/*
 * index.mjs — the npm entry (`import ... from 'corio'`): the website checker
 * (checkUrls, iterateChecks) and the runtime (load, run, attach,
 * CorioError). It imports nothing bare and nothing of Node's at its top
 * level, so a page can import it straight from node_modules/corio/web/
 * (or as 'corio' through an import map) without a bundler.
 */
export { checkUrls, iterateChecks, normalizeOptions } from './checker.mjs';
export { attach, CorioError, defaultInstance, load, run } from './corio.mjs';
