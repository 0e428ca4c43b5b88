/*
 * index.d.mts — TypeScript declarations of the npm entry, npm/index.mjs.
 */
export { checkEach, checkUrls, iterateChecks, normalizeOptions } from './checker.mjs';
export type { CheckError, CheckMode, CheckOptions, CheckResult, CheckTimings, UrlList } from './checker.mjs';
export { attach, CorioError, defaultInstance, load, run } from './corio.mjs';
export type { Corio, CorioModule, LoadOptions, RunOptions } from './corio.mjs';
