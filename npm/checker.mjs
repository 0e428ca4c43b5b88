/*
 * checker.mjs — the website checker for JS (the page and the CLI): checks
 * a list of URLs with the C checker (checker/) running in corio's wasm
 * module, and hands each result on as it completes. The checking itself,
 * its timeouts, limits and cancellation are all C's; this module turns the
 * options and results into JS shapes.
 *
 *   checkUrls(urls, options)      -> Promise<result[]> in input order
 *   iterateChecks(urls, options)  -> async iterator of results as they complete
 *   checkEach(urls, options)      -> Promise<number of URLs>; results to onResult only
 *
 * urls: any iterable or async iterable of strings (an array, a generator, a
 * readline interface over a file). It is read only as checks free their
 * slots, so memory follows the concurrency, not the number of URLs
 * (iterateChecks also stops reading while its results wait unread);
 * checkUrls still keeps every result for its array.
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
const OPTION_NAMES = [
  ...Object.keys(DEFAULTS),
  ...REQUEST_OPTIONS,
  'onStart',
  'onResult',
  'onProgress',
  'signal',
  'corio',
  'network',
];
const METHODS = ['GET', 'HEAD'];
// What is worth checking again: an answer saying "later", or no answer.
const RETRY_STATUSES = [429, 502, 503, 504];
// The longest Retry-After honoured, in seconds: a longer one waits this long.
const RETRY_AFTER_MAX = 300;
const RETRY_ERRORS = [
  'CORIO_ETIMEDOUT',
  'CORIO_ECONNREFUSED',
  'CORIO_ECONNRESET',
  'CORIO_ECONNABORTED',
  'CORIO_EHOSTUNREACH',
  'CORIO_ENETUNREACH',
  'CORIO_EPIPE',
  'CORIO_EIO',
];

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
  if (!MODES.includes(o.mode)) throw new RangeError(`mode must be 'concurrent' or 'sequential', not ${String(o.mode)}`);
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
  if (pairs === null || typeof pairs !== 'object')
    throw new TypeError('headers must be [name, value] pairs or an object');
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
    throw new RangeError(
      `maxRedirects must be a whole number >= 1 (without follow none is followed), not ${String(n)}`,
    );
  return Math.min(n, 0x7fffffff);
}

// The URL source: an iterable or async iterable of strings, checked
// before the run; its iterator is taken only when the run begins.
function toSource(urls) {
  if (
    urls === null ||
    urls === undefined ||
    typeof urls === 'string' ||
    (typeof urls[Symbol.iterator] !== 'function' && typeof urls[Symbol.asyncIterator] !== 'function')
  )
    throw new TypeError('urls must be an iterable or async iterable of strings');
  return urls;
}

const iteratorOf = (urls) =>
  typeof urls[Symbol.asyncIterator] === 'function' ? urls[Symbol.asyncIterator]() : urls[Symbol.iterator]();

// URLs handed to C at a time: enough to spare a trip per URL, few enough
// that memory follows the concurrency.
const batchSize = (o) => Math.min(256, Math.max(16, o.mode === 'sequential' ? 1 : o.concurrency));

// URLs that fail at once (invalid ones) wait on nothing: C and the feeding
// would go on in microtasks alone and hold the event loop for the whole run
// (100,000 invalid URLs: 0.5 s). So the feeding notes each macrotask turn
// it sees, and when none came for TURN_MS it makes one. A run that waits
// on the network has turns anyway and never waits for one (a throttled
// background tab's timers would make that slow).
const TURN_MS = 10;
const macrotask =
  globalThis.setImmediate ??
  ((fn) => {
    const channel = new MessageChannel(); // not setTimeout: clamped, throttled
    channel.port1.onmessage = () => {
      channel.port1.close();
      fn();
    };
    channel.port2.postMessage(0);
  });
const nextTurn = () => new Promise((resolve) => macrotask(resolve));

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
    timings: {
      dns: phase(raw.dns),
      connect: phase(raw.connect),
      tls: phase(raw.tls),
      firstByte: phase(raw.firstByte),
      total: round(ended - started),
    },
    attempts,
    // The URL actually requested (a bare host becomes https://host/), or
    // null if none was; with follow, the chain of responses, the final one last.
    checkedUrl: raw.checkedUrl || null,
    redirects: raw.redirects,
    // Seconds a 429/503 answer asked to wait (Retry-After), when it did.
    ...(raw.retryAfter >= 0 ? { retryAfter: raw.retryAfter } : {}),
  };
}

const retryable = (r) =>
  r.status !== null ? RETRY_STATUSES.includes(r.status) : RETRY_ERRORS.includes(r.error.codeName);

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

/**
 * Checks the URLs of `urls` (see toSource), pulling them only as C's slots
 * free; each result goes to o.onResult as it ends (nothing is kept here but
 * the URLs in flight and the ones to retry). `drain`: after an abort, the
 * rest of the source is still read, each URL getting a "cancelled before its
 * check began" result (checkUrls; an iterator may be endless). `room()`
 * (optional) is awaited before each pull, so a slow reader holds the run
 * back. Resolves with the number of URLs.
 */
async function run(urls, o, { drain = false, room = null } = {}) {
  if (o.signal?.aborted) throw o.signal.reason;
  const corio = await (o.corio ?? (o.network ? networkInstance(o.network) : defaultInstance()));
  const host = corio.module.checkerHost;
  if (!host) throw new TypeError("this corio module has no checker (the package's own builds have one)");
  if (o.signal?.aborted) throw o.signal.reason;
  // A listener that throws cancels the run, which then rejects with it.
  const controller = new AbortController();
  let listenerError = null;
  const guard =
    (fn) =>
    (...args) => {
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
  let lastTurn = runStarted; // when a macrotask turn last came
  let turnAsked = false;
  const askTurn = () => {
    if (turnAsked) return;
    turnAsked = true;
    macrotask(() => {
      turnAsked = false;
      lastTurn = performance.now();
    });
  };
  const total = Array.isArray(urls) ? urls.length : null;
  let pulled = 0;
  let done = 0;
  let sourceError = null;
  const settle = guard((result) => {
    o.onResult?.(result);
    o.onProgress?.(++done, total ?? pulled);
  });
  const iterator = iteratorOf(urls);
  let sourceDone = false;
  // The next record {index, url, attempts} of the source, or null.
  const fromSource = async () => {
    if (sourceDone) return null;
    try {
      const step = await iterator.next();
      if (!step.done) return { index: pulled++, url: String(step.value), attempts: 0 };
    } catch (e) {
      sourceError = e;
      controller.abort(e);
    }
    sourceDone = true;
    return null;
  };
  try {
    // One C job per round: the source's URLs, then the ones to retry, after
    // the longest wait any of them asks for.
    let records = null; // null: the source's round
    for (let first = true; !controller.signal.aborted || first; first = false) {
      const round = records ? records.values() : null;
      const next = async () => {
        if (round) return round.next().value ?? null;
        if (controller.signal.aborted && !drain) return null;
        return fromSource();
      };
      const retries = [];
      const inFlight = new Map(); // C's index in this job -> record
      let fed = 0;
      const offsetMs = performance.now() - runStarted;
      const job = host.newJob(
        o.concurrency,
        o.timeout === Infinity ? 0 : o.timeout,
        o.mode === 'sequential',
        {
          pull: async () => {
            if (room) await room();
            askTurn();
            if (performance.now() - lastTurn >= TURN_MS) {
              await nextTurn();
              lastTurn = performance.now();
            }
            const batch = [];
            for (let n = batchSize(o); batch.length < n;) {
              const record = await next();
              if (record === null) break;
              inFlight.set(fed++, record);
              batch.push(record.url);
            }
            return batch.length > 0 ? batch : null;
          },
          start: guard((k) => {
            const record = inFlight.get(k);
            o.onStart?.(record.index, record.url);
          }),
          result: (raw) => {
            const record = inFlight.get(raw.index);
            inFlight.delete(raw.index);
            const result = toResult(raw, record.index, record.url, offsetMs, ++record.attempts);
            if (record.attempts <= o.retry && retryable(result) && !controller.signal.aborted)
              retries.push([record, result]);
            else settle(result);
          },
        },
        requestOptions(o),
      );
      if (!job) throw corio.error(corio.status.ENOMEM, 'out of memory for the check run');
      try {
        // The job's address as intptr_t's bit pattern (it may be >= 2 ** 31).
        await corio.run('checker_export_run', job | 0, { signal: controller.signal });
      } catch (e) {
        // Cancelled before the checks began: no result exists to return.
        if (first && e?.codeName === 'CORIO_ECANCELLED' && controller.signal.aborted) throw controller.signal.reason;
        throw e;
      } finally {
        host.freeJob(job);
      }
      // The results' events come on microtasks: let them all arrive.
      await new Promise((resolve) => setTimeout(resolve, 0));
      const waitMs = Math.max(
        0,
        ...retries.map(
          ([, r]) =>
            1000 *
            (r.retryAfter !== undefined
              ? Math.min(r.retryAfter, RETRY_AFTER_MAX)
              : o.retryDelay * 2 ** (r.attempts - 1)),
        ),
      );
      if (retries.length > 0) await pause(waitMs, controller.signal);
      // Cancelled while waiting: the last attempt's result stands.
      if (controller.signal.aborted) retries.forEach(([, r]) => settle(r));
      if (retries.length === 0 || controller.signal.aborted) break;
      records = retries.map(([record]) => record);
    }
  } finally {
    stopForwarding();
    if (!sourceDone) iterator.return?.();
  }
  if (sourceError) throw sourceError;
  if (listenerError) throw listenerError;
  return pulled;
}

/**
 * Checks every URL; resolves with their results in input order (see the
 * file comment for the options and the result's shape).
 */
export async function checkUrls(urls, options = {}) {
  const o = normalizeOptions(options);
  const results = [];
  await run(
    toSource(urls),
    {
      ...o,
      onResult: (r) => {
        results[r.index] = r;
        o.onResult?.(r);
      },
    },
    { drain: true },
  );
  return results;
}

/**
 * checkUrls without the array: each result goes only to onResult, so a
 * run of any length takes memory for its checks in flight alone (the CLI's
 * --format jsonl). Resolves with the number of URLs.
 */
export async function checkEach(urls, options = {}) {
  return run(toSource(urls), normalizeOptions(options), { drain: true });
}

/**
 * The results as they complete, as an async iterator. Leaving the loop
 * early (break, throw) cancels the checks still running.
 */
export function iterateChecks(urls, options = {}) {
  const source = toSource(urls);
  const o = normalizeOptions(options);
  return (async function* () {
    const queue = [];
    let wake = null;
    let finished = false;
    let failure = null;
    const controller = new AbortController();
    const stopForwarding = forwardAbort(o.signal, controller);
    const notify = () => {
      wake?.();
      wake = null;
    };
    // No more URLs are pulled while this many results wait to be read.
    const limit = 2 * (o.mode === 'sequential' ? 1 : o.concurrency) + batchSize(o);
    let roomWake = null;
    const room = () =>
      queue.length < limit
        ? null
        : new Promise((resolve) => {
            roomWake = resolve;
          });
    const done = run(
      source,
      {
        ...o,
        signal: controller.signal,
        onResult: (result) => {
          queue.push(result);
          notify();
          o.onResult?.(result);
        },
      },
      { room },
    )
      .then(
        () => {},
        (e) => {
          failure = e;
        },
      )
      .finally(() => {
        finished = true;
        notify();
      });
    try {
      for (;;) {
        if (queue.length > 0) {
          yield queue.shift();
          if (queue.length < limit) {
            roomWake?.();
            roomWake = null;
          }
        } else if (finished) break;
        else
          await new Promise((resolve) => {
            wake = resolve;
          });
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
