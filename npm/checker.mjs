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
 *   mode = 'concurrent' | 'sequential', retry = 0 (times a URL is checked
 *   again after a connection error, a timeout or a 429/502/503/504),
 *   retryDelay = 1 (seconds before the first retry; doubled for each
 *   next; a 429/503 answer's Retry-After, up to 300 s, instead),
 *   onStart(index, url), onResult(result), onProgress(done, total), signal
 *   (an AbortSignal), corio (an instance from corio.mjs load(), or a
 *   Promise of one; default: the package's)}. Any other name is refused
 *   (TypeError), so a misspelt or unsupported option is never ignored.
 *
 * result: {index, url, status (number | null), reason (string), ok (status
 *   < 400), hidden (true when the browser hid the status: CORS), error (null
 *   | {code, codeName, message}), started, ended (ms since the run began),
 *   ms (ended - started: the time the check took), timings ({dns, connect,
 *   tls, firstByte, total}: ms from the check's start to its connection's
 *   name resolved, TCP connected and TLS done (null: not reached, or not
 *   shown by the browser's fetch carrier), to the answer's head read
 *   (null: none came), and to the end), attempts (checks made:
 *   1 + the retries), checkedUrl (the URL requested: a bare host becomes
 *   https://host/; null for an invalid one), redirects (with follow: the
 *   chain's responses [{url, status}], the final one last; else [])}. A
 *   retried URL gets one result, its last attempt's.
 *
 * Every URL gets exactly one result, an invalid one included (its error is
 * CORIO_EINVAL). Aborting `signal` once the checks have begun cancels the
 * ones still running; the run then still resolves with every URL's result,
 * those cut short having error.codeName 'CORIO_ECANCELLED'. A signal
 * already aborted before they begin rejects with signal.reason.
 */
import { defaultInstance, networkInstance } from './corio.mjs';

const DEFAULTS = { concurrency: 10, timeout: 10, mode: 'concurrent', retry: 0, retryDelay: 1 };
const MODES = ['concurrent', 'sequential'];
// Every option name checkUrls takes; any other is refused.
// How requests are made (method, headers, userAgent, follow, denyPrivate)
// go to the C checker as they are; the rules on them are C's.
const REQUEST_OPTIONS = ['method', 'headers', 'userAgent', 'follow', 'maxRedirects', 'denyPrivate'];
const OPTION_NAMES = [...Object.keys(DEFAULTS), ...REQUEST_OPTIONS, 'onStart', 'onResult', 'onProgress',
  'signal', 'corio', 'network'];
const METHODS = ['GET', 'HEAD'];
// What is worth checking again: an answer saying "later", or no answer.
const RETRY_STATUSES = [429, 502, 503, 504];
// The longest Retry-After honoured, in seconds: a longer one waits this long.
const RETRY_AFTER_MAX = 300;
const RETRY_ERRORS = ['CORIO_ETIMEDOUT', 'CORIO_ECONNREFUSED', 'CORIO_ECONNRESET',
  'CORIO_ECONNABORTED', 'CORIO_EHOSTUNREACH', 'CORIO_ENETUNREACH', 'CORIO_EPIPE', 'CORIO_EIO'];

/**
 * Validates and fills the options; throws TypeError or RangeError with a
 * message saying which option is wrong.
 */
export function normalizeOptions(options = {}) {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  for (const k of Object.keys(options))
    if (!OPTION_NAMES.includes(k)) throw new TypeError(`unknown option ${k} (known: ${OPTION_NAMES.join(', ')})`);
  const o = { ...DEFAULTS, ...options };
  for (const k of Object.keys(DEFAULTS)) if (o[k] === undefined) o[k] = DEFAULTS[k];
  if (!Number.isInteger(o.concurrency) || o.concurrency < 1 || o.concurrency > 1_000_000)
    throw new RangeError(`concurrency must be a whole number from 1 to 1000000, not ${String(o.concurrency)}`);
  if (typeof o.timeout !== 'number' || Number.isNaN(o.timeout) || o.timeout < 0)
    throw new RangeError(`timeout must be a number of seconds >= 0 (0: none), not ${String(o.timeout)}`);
  if (!Number.isInteger(o.retry) || o.retry < 0 || o.retry > 100)
    throw new RangeError(`retry must be a whole number from 0 to 100, not ${String(o.retry)}`);
  if (typeof o.retryDelay !== 'number' || !Number.isFinite(o.retryDelay) || o.retryDelay < 0)
    throw new RangeError(`retryDelay must be a number of seconds >= 0, not ${String(o.retryDelay)}`);
  if (!MODES.includes(o.mode))
    throw new RangeError(`mode must be 'concurrent' or 'sequential', not ${String(o.mode)}`);
  for (const k of ['onStart', 'onResult', 'onProgress'])
    if (o[k] !== undefined && typeof o[k] !== 'function') throw new TypeError(`${k} must be a function`);
  if (o.signal !== undefined && !(o.signal && typeof o.signal.aborted === 'boolean'))
    throw new TypeError('signal must be an AbortSignal');
  if (o.network !== undefined && o.corio !== undefined)
    throw new TypeError('network and corio both say which sockets to use: give network to load() for your instance');
  if (o.network !== undefined && (o.network === null || typeof o.network !== 'object'))
    throw new TypeError('network must be an object: {insecure, ca, proxy, noProxy}');
  return o;
}

// The request options as the C job takes them: headers as "Name: value"
// lines ([name, value] pairs, or an object of them; userAgent is one more).
function requestOptions(o) {
  const method = o.method === undefined ? 'GET' : String(o.method).toUpperCase();
  if (!METHODS.includes(method)) throw new RangeError(`method must be GET or HEAD, not ${String(o.method)}`);
  let pairs = o.headers === undefined ? [] : o.headers;
  if (pairs !== null && typeof pairs === 'object' && !(Symbol.iterator in pairs)) pairs = Object.entries(pairs);
  if (pairs === null || typeof pairs !== 'object') throw new TypeError('headers must be [name, value] pairs or an object');
  pairs = Array.from(pairs, (p) => {
    if (!Array.isArray(p) || p.length !== 2) throw new TypeError('each header must be a [name, value] pair');
    return [String(p[0]), String(p[1])];
  });
  if (o.userAgent !== undefined) pairs.push(['User-Agent', String(o.userAgent)]);
  // A line break inside a name or value would start another line: refused
  // here, as C refuses it (it would split the header in two on the way).
  for (const [name, value] of pairs)
    if (/[\r\n]/.test(name + value)) throw new TypeError(`header ${JSON.stringify(name)} holds a line break`);
  return {
    method,
    headers: pairs.map(([name, value]) => `${name}: ${value}`).join('\n'),
    follow: !!o.follow,
    maxRedirects: redirectLimit(o.maxRedirects),
    denyPrivate: !!o.denyPrivate,
  };
}

// maxRedirects as the C job takes it: 0 for corio's most. Its upper bound
// is C's (CORIO_FETCH_REDIRECTS_MAX): a larger number is each URL's
// CORIO_EINVAL, with C's message.
function redirectLimit(n) {
  if (n === undefined) return 0;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new RangeError(`maxRedirects must be a whole number >= 1 (without follow none is followed), not ${String(n)}`);
  return Math.min(n, 0x7fffffff);
}

function toList(urls) {
  if (urls === null || urls === undefined || typeof urls === 'string' ||
      typeof urls[Symbol.iterator] !== 'function')
    throw new TypeError('urls must be an array (or iterable) of strings');
  return Array.from(urls, (u) => String(u));
}

const round = (ms) => Math.round(ms * 1000) / 1000;
const phase = (seconds) => (seconds >= 0 ? round(seconds * 1000) : null);

/**
 * A result event from C ({index, status, reason, code, codeName, message,
 * started, ended} in seconds since its job began) in JS shape: `index` is
 * the URL's in the whole list, `offsetMs` when its job began in the run.
 */
function toResult(raw, index, url, offsetMs, attempts) {
  const status = raw.code === 0 && raw.status > 0 ? raw.status : null;
  const started = round(offsetMs + raw.started * 1000);
  const ended = round(offsetMs + raw.ended * 1000);
  return {
    index,
    url,
    status,
    reason: status === null ? '' : raw.reason,
    ok: status !== null && status < 400,
    hidden: raw.codeName === 'CORIO_ECORS',
    error: raw.code === 0 ? null : { code: raw.code, codeName: raw.codeName, message: raw.message },
    started,
    ended,
    ms: round(ended - started),
    // The check's phases, ms from its start (null: not reached or not
    // shown): its connection's name resolved, TCP connected, TLS done; the
    // answer's head read; the end.
    timings: { dns: phase(raw.dns), connect: phase(raw.connect), tls: phase(raw.tls),
      firstByte: phase(raw.firstByte), total: round(ended - started) },
    attempts,
    // The URL actually requested (a bare host becomes https://host/), or
    // null if none was; with follow, the chain of responses, the final one last.
    checkedUrl: raw.checkedUrl || null,
    redirects: raw.redirects,
    // Seconds a 429/503 answer asked to wait (Retry-After), when it did.
    ...(raw.retryAfter >= 0 ? { retryAfter: raw.retryAfter } : {}),
  };
}

const retryable = (r) => (r.status !== null ? RETRY_STATUSES.includes(r.status)
  : RETRY_ERRORS.includes(r.error.codeName));

// Resolves after `ms`, or at once when `signal` aborts.
function pause(ms, signal) {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
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
  const corio = await (o.corio ?? (o.network ? networkInstance(o.network) : defaultInstance()));
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
  const stopForwarding = forwardAbort(o.signal, controller);
  const runStarted = performance.now();
  const attempts = new Array(list.length).fill(0);
  let done = 0;
  const settle = guard((result) => {
    results[result.index] = result;
    o.onResult?.(result);
    o.onProgress?.(++done, list.length);
  });
  try {
    // One C job per round: every URL, then the ones to retry, after the
    // longest wait any of them asks for.
    let indices = list.map((_, i) => i);
    for (let first = true; indices.length > 0 && !controller.signal.aborted; first = false) {
      const retries = [];
      const offsetMs = performance.now() - runStarted;
      const job = host.newJob(indices.map((i) => list[i]), o.concurrency,
        o.timeout === Infinity ? 0 : o.timeout, o.mode === 'sequential', {
          start: guard((k) => o.onStart?.(indices[k], list[indices[k]])),
          result: (raw) => {
            const i = indices[raw.index];
            const result = toResult(raw, i, list[i], offsetMs, ++attempts[i]);
            if (attempts[i] <= o.retry && retryable(result) && !controller.signal.aborted)
              retries.push(result);
            else settle(result);
          },
        }, requestOptions(o));
      if (!job) throw corio.error(corio.status.ENOMEM, 'out of memory for the URL list');
      try {
        await corio.run('checker_export_run', job, { signal: controller.signal });
      } catch (e) {
        // Cancelled before the checks began: no result exists to return.
        if (first && e?.codeName === 'CORIO_ECANCELLED' && controller.signal.aborted)
          throw controller.signal.reason;
        throw e;
      } finally {
        host.freeJob(job);
      }
      const waitMs = Math.max(0, ...retries.map((r) => 1000 * (r.retryAfter !== undefined
        ? Math.min(r.retryAfter, RETRY_AFTER_MAX) : o.retryDelay * 2 ** (r.attempts - 1))));
      if (retries.length > 0) await pause(waitMs, controller.signal);
      // Cancelled while waiting: the last attempt's result stands.
      if (controller.signal.aborted) retries.forEach(settle);
      indices = controller.signal.aborted ? [] : retries.map((r) => r.index);
    }
  } finally {
    stopForwarding();
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
