// usage.mts — typed uses of the package's API, checked by
// tests/node/types.test.mjs twice: tsc --strict must accept every call and
// must reject each one marked @ts-expect-error, and the compiled file is
// then run, where each rejected call must throw (or reject) too. So a
// declaration cannot say less or more than the code does.
import { checkUrls, CorioError, iterateChecks, load, normalizeOptions, run } from 'corio';
import type { CheckOptions, CheckResult, Corio, UrlList } from 'corio';
import { checkUrls as checkFromSubpath } from 'corio/checker';

const base = process.argv[2]; // the HTTP fixtures' base URL
const failures: string[] = [];

// Runs a call the types refuse: it must throw or reject at run time too.
async function refused(what: string, call: () => unknown): Promise<void> {
  try {
    await call();
    failures.push(`${what}: accepted at run time`);
  } catch (e) {
    if (!(e instanceof TypeError || e instanceof RangeError)) failures.push(`${what}: threw ${String(e)}`);
  }
}

const options: CheckOptions = {
  concurrency: 4,
  timeout: 2.5,
  mode: 'sequential',
  retry: 1,
  retryDelay: 0.01,
  onStart: (index: number, url: string) => void [index, url],
  onResult: (r: CheckResult) => void r.attempts,
  onProgress: (done: number, total: number) => void [done, total],
  signal: new AbortController().signal,
};
const urls: UrlList = [new URL('/200', base), `${base}404`];
const results: CheckResult[] = await checkUrls(urls, options);
const statuses: (number | null)[] = results.map((r) => r.status);
const why: string | undefined = results[0].error?.codeName;
for await (const r of iterateChecks(new Set([`${base}200`]))) void [r.ok, r.hidden, r.ms];
await checkFromSubpath([]);
const filled = normalizeOptions({ retry: 2 });
const retries: number = filled.retry;

const value: number = await run('demo_tasks', 1, { signal: AbortSignal.timeout(5000) });
const corio: Corio = await load({ print: (line: string) => void line });
await checkUrls([`${base}200`], { corio });
try {
  await corio.run('no_such_coroutine');
} catch (e) {
  if (e instanceof CorioError) void [e.code + 1, e.codeName.length, e.message];
}

// @ts-expect-error: one URL is still a list: a bare string is refused
await refused('a bare string', () => checkUrls(`${base}200`));
// @ts-expect-error: mode is 'concurrent' or 'sequential'
await refused("mode 'parallel'", () => checkUrls([], { mode: 'parallel' }));
// @ts-expect-error: an option checkUrls does not have
await refused('an unknown option', () => checkUrls([], { followRedirects: true }));
// @ts-expect-error: retry is a number
await refused("retry 'twice'", () => checkUrls([], { retry: 'twice' }));
// @ts-expect-error: the listeners are functions
await refused('onResult not a function', () => checkUrls([], { onResult: 'log' }));
// @ts-expect-error: corioTransport is 'fetch', 'relay' or 'node'
await refused("corioTransport 'udp'", () => load({ corioTransport: 'udp' }));
// @ts-expect-error: a coroutine's argument is a number
await refused("run('demo_tasks', 'three')", () => run('demo_tasks', 'three'));

console.log(JSON.stringify({ failures, statuses, why, retries, value }));
