/*
 * checker.d.mts — TypeScript declarations of npm/checker.mjs: the website
 * checker (checkUrls, iterateChecks), its options and its results.
 */
import type { Corio, NetworkOptions } from './corio.mjs';

export type CheckMode = 'concurrent' | 'sequential';

export interface CheckOptions {
  /** At most this many checks at once (1 to 1000000; default 10). */
  concurrency?: number;
  /** Seconds each URL may take (default 10; 0 or Infinity: no limit). */
  timeout?: number;
  /** 'concurrent' (default) or 'sequential' (one URL after the other). */
  mode?: CheckMode;
  /**
   * Check a URL again up to this many times (0 to 100; default 0) after a
   * connection error, a timeout or a 429/502/503/504 answer.
   */
  retry?: number;
  /**
   * Seconds before the first retry, doubled for each next (default 1); a
   * 429/503 answer's Retry-After (up to 300 s) instead, when it has one.
   */
  retryDelay?: number;
  /** 'GET' (default) or 'HEAD'. */
  method?: 'GET' | 'HEAD';
  /** Extra request headers: [name, value] pairs, or an object of them. */
  headers?: Iterable<readonly [string, string]> | Record<string, string>;
  /** The User-Agent sent (default corio-check/VERSION). */
  userAgent?: string;
  /** Follow redirects (at most 20 hops); the result holds the final status. */
  follow?: boolean;
  /**
   * With `follow`: the most redirects followed (one more is CORIO_ELIMIT); a whole number >= 1,
   * at most corio's limit (CORIO_FETCH_REDIRECTS_MAX; larger: each URL's CORIO_EINVAL). Default: that limit.
   */
  maxRedirects?: number;
  /** Refuse loopback, private, link-local, CGNAT, ULA, multicast and reserved addresses (CORIO_EDENIED), on every hop. */
  denyPrivate?: boolean;
  /** A check began. */
  onStart?: (index: number, url: string) => void;
  /** A check ended (in completion order). */
  onResult?: (result: CheckResult) => void;
  /** `done` of `total` checks have ended. */
  onProgress?: (done: number, total: number) => void;
  /** Aborting it cancels the checks still running; they end with CORIO_ECANCELLED. */
  signal?: AbortSignal;
  /** The corio instance to check with (default: the package's). */
  corio?: Corio | Promise<Corio>;
  /**
   * Node only: check with the package's module loaded with these network
   * options (load({network}); one instance per distinct set). Not with `corio`.
   */
  network?: NetworkOptions;
}

/** A check's phases, in milliseconds from its start; null for a phase it did not reach. */
export interface CheckTimings {
  /** The name resolved (its connection's, the last one's with redirects followed); null in the browser's fetch carrier, which shows no phase. */
  dns: number | null;
  /** The TCP connection made. */
  connect: number | null;
  /** The connection ready (TLS handshake done; = connect without TLS). */
  tls: number | null;
  /** The answer's head (status line and headers) read: connection, TLS and the server's wait included. */
  firstByte: number | null;
  /** The whole check (= ms). */
  total: number;
}

/** Why a URL has no status: a corio status, its name and a message. */
export interface CheckError {
  code: number;
  codeName: string;
  message: string;
}

/** One response of a followed redirect chain. */
export interface RedirectHop {
  url: string;
  status: number;
}

export interface CheckResult {
  /** The URL's position in the input. */
  index: number;
  url: string;
  /** The HTTP status, or null when there is none (see error). */
  status: number | null;
  /** The status line's reason phrase ('' without a status). */
  reason: string;
  /** status < 400. */
  ok: boolean;
  /** The browser hid the status (CORS): error.codeName is 'CORIO_ECORS'. */
  hidden: boolean;
  error: CheckError | null;
  /** Milliseconds from the start of the run to the check's start. */
  started: number;
  /** Milliseconds from the start of the run to the check's end. */
  ended: number;
  /** ended - started. */
  ms: number;
  /** The check's phases, in ms from its start. */
  timings: CheckTimings;
  /** Checks made: 1 + the retries. */
  attempts: number;
  /** The URL actually requested (a bare host becomes https://host/), or null if none was (an invalid URL). */
  checkedUrl: string | null;
  /** With `follow`, when redirected: every response of the chain, the final one last; else []. */
  redirects: RedirectHop[];
  /** Seconds a 429 or 503 answer asked to wait (Retry-After, in seconds), when it did. */
  retryAfter?: number;
}

/**
 * The URLs: an array or other iterable or async iterable (a generator, a
 * readline interface) of strings or URLs, read only as checks free their
 * slots; not a single string (a string is iterable, by characters: refused
 * at run time too).
 */
export type UrlList = (Iterable<string | URL> | AsyncIterable<string | URL>) & object;

/** Checks every URL; resolves with their results in input order. */
export declare function checkUrls(urls: UrlList, options?: CheckOptions): Promise<CheckResult[]>;

/** The results as they complete; leaving the loop early cancels the checks still running. */
/** checkUrls without the array: each result goes to onResult only (memory follows the concurrency); resolves with the number of URLs. */
export declare function checkEach(urls: UrlList, options?: CheckOptions): Promise<number>;
export declare function iterateChecks(
  urls: UrlList,
  options?: CheckOptions,
): AsyncGenerator<CheckResult, void, undefined>;

/** The options with their defaults filled in; throws TypeError or RangeError for a wrong one. */
export declare function normalizeOptions(
  options?: CheckOptions,
): CheckOptions & Required<Pick<CheckOptions, 'concurrency' | 'timeout' | 'mode' | 'retry' | 'retryDelay'>>;
