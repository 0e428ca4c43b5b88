/*
 * checker.mjs — the website checker for JS (the page and the CLI): checks
 * a list of URLs with the C checker (checker/) running in corio's wasm
 * module, and hands each result on as it completes. The checking itself,
 * its timeouts, limits and cancellation are all C's; this module turns the
 * options and results into JS shapes.
 *
 *   checkUrls(urls, options)      -> Promise<result[]> in input order
 *   iterateChecks(urls, options)  -> async iterator of results as they complete
 *
 * options: {concurrency = 10, timeout = 10 (seconds; 0 or Infinity: none),
 *   mode = 'concurrent' | 'sequential', onStart(index, url), onResult(result),
 *   onProgress(done, total), signal (an AbortSignal), corio (an instance
 *   from corio.mjs load(), or a Promise of one; default: the package's)}.
 *
 * result: {index, url, status (number | null), reason (string), ok (status
 *   < 400), hidden (true when the browser hid the status: CORS), error (null
 *   | {code, codeName, message}), started, ended (ms since the run began),
 *   ms (ended - started: the time the check took)}.
 *
 * Every URL gets exactly one result, an invalid one included (its error is
 * CORIO_EINVAL). Aborting `signal` once the checks have begun cancels the
 * ones still running; the run then still resolves with every URL's result,
 * those cut short having error.codeName 'CORIO_ECANCELLED'. A signal
 * already aborted before they begin rejects with signal.reason.
 */
import { defaultInstance } from './corio.mjs';

const DEFAULTS = { concurrency: 10, timeout: 10, mode: 'concurrent' };
const MODES = ['concurrent', 'sequential'];

/**
 * Validates and fills the options; throws TypeError or RangeError with a
 * message saying which option is wrong.
 */
export function normalizeOptions(options = {}) {
  const o = { ...DEFAULTS, ...options };
  for (const k of Object.keys(DEFAULTS)) if (o[k] === undefined) o[k] = DEFAULTS[k];
  if (!Number.isInteger(o.concurrency) || o.concurrency < 1 || o.concurrency > 1_000_000)
    throw new RangeError(`concurrency must be a whole number from 1 to 1000000, not ${String(o.concurrency)}`);
  if (typeof o.timeout !== 'number' || Number.isNaN(o.timeout) || o.timeout < 0)
    throw new RangeError(`timeout must be a number of seconds >= 0 (0: none), not ${String(o.timeout)}`);
  if (!MODES.includes(o.mode))
    throw new RangeError(`mode must be 'concurrent' or 'sequential', not ${String(o.mode)}`);
  for (const k of ['onStart', 'onResult', 'onProgress'])
    if (o[k] !== undefined && typeof o[k] !== 'function') throw new TypeError(`${k} must be a function`);
  if (o.signal !== undefined && !(o.signal && typeof o.signal.aborted === 'boolean'))
    throw new TypeError('signal must be an AbortSignal');
  return o;
}

function toList(urls) {
  if (urls === null || urls === undefined || typeof urls === 'string' ||
      typeof urls[Symbol.iterator] !== 'function')
    throw new TypeError('urls must be an array (or iterable) of strings');
  return Array.from(urls, (u) => String(u));
}

const round = (ms) => Math.round(ms * 1000) / 1000;

/** A result event from C ({index, status, reason, code, codeName, message, started, ended} in seconds) in JS shape. */
function toResult(raw, list) {
  const status = raw.code === 0 && raw.status > 0 ? raw.status : null;
  const started = round(raw.started * 1000);
  const ended = round(raw.ended * 1000);
  return {
    index: raw.index,
    url: list[raw.index],
    status,
    reason: status === null ? '' : raw.reason,
    ok: status !== null && status < 400,
    hidden: raw.codeName === 'CORIO_ECORS',
    error: raw.code === 0 ? null : { code: raw.code, codeName: raw.codeName, message: raw.message },
    started,
    ended,
    ms: round(ended - started),
  };
}

// Forwards an abort of `from` (may be undefined) to the controller `to`;
// returns the function that stops forwarding.
function forwardAbort(from, to) {
  if (!from) return () => {};
  const onAbort = () => to.abort(from.reason);
  if (from.aborted) onAbort();
  else from.addEventListener('abort', onAbort, { once: true });
  return () => from.removeEventListener('abort', onAbort);
}

async function run(list, o) {
  if (o.signal?.aborted) throw o.signal.reason;
  const corio = await (o.corio ?? defaultInstance());
  const host = corio.module.checkerHost;
  if (!host) throw new TypeError('this corio module has no checker (dist/corio.mjs has one)');
  if (o.signal?.aborted) throw o.signal.reason;
  const results = new Array(list.length).fill(null);
  // A listener that throws cancels the run, which then rejects with it.
  const controller = new AbortController();
  let listenerError = null;
  const guard = (fn) => (...args) => {
    if (listenerError) return;
    try {
      fn(...args);
    } catch (e) {
      listenerError = e;
      controller.abort(e);
    }
  };
  // 0 ("none", this API's own default meaning) is CORIO_FOREVER in C: Infinity.
  const job = host.newJob(list, o.concurrency, o.timeout === 0 ? Infinity : o.timeout,
    o.mode === 'sequential', {
      start: guard((index) => o.onStart?.(index, list[index])),
      result: guard((raw) => {
        const result = toResult(raw, list);
        results[result.index] = result;
        o.onResult?.(result);
      }),
      progress: guard((done, total) => o.onProgress?.(done, total)),
    });
  if (!job) throw corio.error(corio.status.ENOMEM, 'out of memory for the URL list');
  const stopForwarding = forwardAbort(o.signal, controller);
  try {
    await corio.run('checker_export_run', job, { signal: controller.signal });
  } catch (e) {
    // Cancelled before the checks began: no result exists to return.
    if (e?.codeName === 'CORIO_ECANCELLED' && controller.signal.aborted) throw controller.signal.reason;
    throw e;
  } finally {
    stopForwarding();
    host.freeJob(job);
  }
  if (listenerError) throw listenerError;
  return results;
}

/**
 * Checks every URL; resolves with their results in input order (see the
 * file comment for the options and the result's shape).
 */
export async function checkUrls(urls, options = {}) {
  return run(toList(urls), normalizeOptions(options));
}

/**
 * The results as they complete, as an async iterator. Leaving the loop
 * early (break, throw) cancels the checks still running.
 */
export function iterateChecks(urls, options = {}) {
  const list = toList(urls);
  const o = normalizeOptions(options);
  return (async function* () {
    const queue = [];
    let wake = null;
    let finished = false;
    let failure = null;
    const controller = new AbortController();
    const stopForwarding = forwardAbort(o.signal, controller);
    const notify = () => { wake?.(); wake = null; };
    const done = run(list, {
      ...o,
      signal: controller.signal,
      onResult: (result) => {
        queue.push(result);
        notify();
        o.onResult?.(result);
      },
    }).then(() => {}, (e) => { failure = e; }).finally(() => { finished = true; notify(); });
    try {
      for (;;) {
        if (queue.length > 0) yield queue.shift();
        else if (finished) break;
        else await new Promise((resolve) => { wake = resolve; });
      }
      if (failure) throw failure;
    } finally {
      stopForwarding();
      if (!finished) {
        controller.abort();
        await done;
      }
    }
  })();
}
