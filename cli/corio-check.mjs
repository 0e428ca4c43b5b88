#!/usr/bin/env node
/*
 * corio-check.mjs — `corio-check`, the website checker on the command line: reads
 * URLs (arguments, a file, standard input), checks them with npm/checker.mjs
 * (the C checker in corio's wasm) as the input is read, shows progress on
 * stderr and prints the results as a table, JSON or CSV (stdout, or -o FILE),
 * or as JSON lines written as each check ends (--format jsonl: memory then
 * follows the concurrency, not the number of URLs). Exit status: 0 if no
 * URL failed as --fail-on says, 1 otherwise, 2 for a usage error. The
 * options are cli/args.mjs's; network ones (proxy, TLS trust) are applied
 * to Node's sockets by npm/network_node.mjs (load({network})). Start-up
 * matters (one URL should cost about what curl does): modules are imported
 * when first needed.
 */
import { FAIL_ON, FORMATS, parse, proxySettings, UsageError, usage } from './args.mjs';

// ---- options -----------------------------------------------------------------

// A whole number in [min, max] from option `flag`'s text.
function wholeNumber(flag, text, min, max) {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || n < min || n > max)
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, not "${text}"`);
  return n;
}

function seconds(flag, text) {
  const s = Number(text);
  if (text.trim() === '' || !Number.isFinite(s) || s < 0)
    throw new UsageError(
      `${flag} must be a number of seconds >= 0${flag === '--timeout' ? ' (0: none)' : ''}, not "${text}"`,
    );
  return s;
}

// "Name: value" of -H; curl's "Name;" sends an empty value, "Name:" none.
function header(text) {
  const colon = text.indexOf(':');
  const semi = text.indexOf(';');
  if (colon < 0 && semi === text.length - 1 && semi > 0) return [text.slice(0, -1).trim(), ''];
  if (colon <= 0) throw new UsageError(`-H must be "Name: value", not "${text}"`);
  return [text.slice(0, colon).trim(), text.slice(colon + 1).trim()];
}

function parseCommandLine(argv) {
  const { values: v, positionals } = parse(argv);
  const options = {
    help: !!v.help,
    version: !!v.version,
    files: v.file ?? [],
    args: positionals,
    format: v.format ?? 'table',
    output: v.output ?? null,
    progress: v['no-progress'] ? false : v.progress ? true : null,
    failOn: FAIL_ON,
    warnings: [],
    // What goes to checkUrls, only what was asked for.
    check: { concurrency: 10, timeout: 10, mode: v.sequential ? 'sequential' : 'concurrent' },
    // Where Node's sockets change (load({network}): npm/network_node.mjs).
    net: { insecure: !!v.insecure, cacert: v.cacert ?? null, proxy: v.proxy, noproxy: v.noproxy },
  };
  const c = options.check;
  if (v.concurrency !== undefined) {
    c.concurrency = wholeNumber('--concurrency', v.concurrency, 1, 1_000_000);
    if (v.sequential) options.warnings.push('--concurrency has no effect with --sequential');
  }
  if (v.timeout !== undefined) c.timeout = seconds('--timeout', v.timeout);
  if (v.retry !== undefined) c.retry = wholeNumber('--retry', v.retry, 0, 100);
  if (v['retry-delay'] !== undefined) c.retryDelay = seconds('--retry-delay', v['retry-delay']);
  if (v.head && v.request !== undefined) throw new UsageError('-I and -X both say the method: give one');
  if (v.head) c.method = 'HEAD';
  if (v.request !== undefined) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(v.request))
      throw new UsageError(`-X needs a method name, not "${v.request}"`);
    // A status check sends no body: GET or HEAD (the C checker's rule too).
    if (!['GET', 'HEAD'].includes(v.request.toUpperCase()))
      throw new UsageError(`-X: corio-check sends GET or HEAD, not ${v.request}`);
    c.method = v.request.toUpperCase();
  }
  if (v.header !== undefined) c.headers = v.header.map(header);
  if (v['user-agent'] !== undefined) c.userAgent = v['user-agent'];
  if (v.location) c.follow = true;
  if (v['deny-private']) c.denyPrivate = true;
  if (v['max-redirs'] !== undefined) {
    c.maxRedirects = wholeNumber('--max-redirs', v['max-redirs'], 1, 1000);
    if (!v.location) options.warnings.push('--max-redirs has no effect without -L');
  }
  if (!FORMATS.includes(options.format))
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, not "${options.format}"`);
  if (v['fail-on'] !== undefined) {
    options.failOn = v['fail-on']
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean);
    const wrong = options.failOn.filter((f) => !FAIL_ON.includes(f));
    if (wrong.length > 0 || options.failOn.length === 0)
      throw new UsageError(`--fail-on takes a list of ${FAIL_ON.join(', ')}, not "${v['fail-on']}"`);
  }
  return options;
}

// The CLI flag that asks for each checkUrls option, for "not supported" messages.
const FLAG_OF = {
  method: '-X/--request or -I/--head',
  headers: '-H/--header',
  userAgent: '-A/--user-agent',
  follow: '-L/--location',
  maxRedirects: '--max-redirs',
  denyPrivate: '--deny-private',
  retry: '--retry',
  retryDelay: '--retry-delay',
};

/** Whether a result fails the run, as --fail-on says. */
export function fails(r, failOn) {
  if (r.status === null) return failOn.includes('error');
  if (r.status >= 500) return failOn.includes('5xx');
  return r.status >= 400 && failOn.includes('4xx');
}

// ---- input -------------------------------------------------------------------

// One URL per line; blank lines and # comments are skipped.
const urlOfLine = (line) => line.replace(/(^|\s)#.*$/, '').trim();

// The URL lines of a stream, read as they are needed (never the whole input
// at once, so input of any size takes memory for a line only).
async function* streamLines(stream) {
  const { createInterface } = await import('node:readline');
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      const url = urlOfLine(line);
      if (url !== '') yield url;
    }
  } finally {
    lines.close();
  }
}

// A file's stream, opened before the run so a missing file is a usage error.
async function openFile(file) {
  const { open } = await import('node:fs/promises');
  try {
    return (await open(file)).createReadStream();
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  }
}

// The URLs in order, as an async iterator read while the checks run: files
// first, then the arguments ("-" is stdin, as a file or an argument, read
// once); stdin alone when nothing else is given and it is not a terminal.
// Files are opened (and the first URL read) before it is returned, so a
// missing file or an empty input is a usage error before any check.
async function urlSource(options, stdin) {
  const inputs = [];
  let stdinUsed = false;
  const fromStdin = () => {
    const first = !stdinUsed;
    stdinUsed = true;
    return first ? streamLines(stdin) : null;
  };
  for (const file of options.files) inputs.push(file === '-' ? fromStdin() : streamLines(await openFile(file)));
  for (const arg of options.args) inputs.push(arg === '-' ? fromStdin() : [arg]);
  if (options.files.length === 0 && options.args.length === 0) {
    if (stdin.isTTY) throw new UsageError('no URLs given');
    inputs.push(fromStdin());
  }
  const all = (async function* () {
    for (const input of inputs) if (input) yield* input;
  })();
  const first = await all.next();
  if (first.done) throw new UsageError('no URLs to check (the input had none)');
  return (async function* () {
    yield first.value;
    yield* all;
  })();
}

// ---- main --------------------------------------------------------------------

async function packageVersion() {
  const { readFile } = await import('node:fs/promises');
  return JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')).version;
}

// The corio instance to check with: the package's, or one whose Node
// sockets follow the network options (proxy, TLS trust).
const needsOwnSockets = (net, proxies) => net.insecure || !!net.cacert || !!proxies.http || !!proxies.https;

async function corioFor(net, env) {
  const proxies = proxySettings(net, env);
  if (!needsOwnSockets(net, proxies)) return undefined;
  const [{ load }, fs] = await Promise.all([import('../npm/node.mjs'), import('node:fs')]);
  let ca = null;
  if (net.cacert) {
    try {
      ca = fs.readFileSync(net.cacert);
    } catch (e) {
      throw new UsageError(`cannot read --cacert ${net.cacert}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
    }
  }
  try {
    return await load({
      network: {
        insecure: !!net.insecure,
        ca,
        proxy: { http: proxies.http, https: proxies.https },
        noProxy: proxies.noProxy,
      },
    });
  } catch (e) {
    if (e instanceof TypeError) throw new UsageError(e.message); // a bad proxy URL
    throw e;
  }
}

/**
 * Runs the CLI with `argv` (without node and the script); returns the exit
 * status. `io` = {stdin, stdout, stderr, env, signal (AbortSignal: Ctrl-C)}.
 */
async function main(argv, io) {
  const { stdin, stdout, stderr } = io;
  let options, urls, corio;
  try {
    options = parseCommandLine(argv);
    if (options.help) {
      stdout.write(usage() + '\n');
      return 0;
    }
    if (options.version) {
      stdout.write(`corio-check ${await packageVersion()}\n`);
      return 0;
    }
    for (const warning of options.warnings) stderr.write(`corio-check: warning: ${warning}\n`);
    // The package's module loads (read, compile, instantiate) while the
    // URLs are read; a usage error found meanwhile leaves it unused.
    if (!needsOwnSockets(options.net, proxySettings(options.net, io.env)))
      import('../npm/node.mjs').then((m) => m.defaultInstance()).catch(() => {});
    urls = await urlSource(options, stdin);
    corio = await corioFor(options.net, io.env);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    stderr.write(`corio-check: ${e.message}\n(corio-check --help shows the usage)\n`);
    return 2;
  }
  const [{ checkEach, normalizeOptions }, { render, jsonLine, progressLine, StatusLine }] = await Promise.all([
    import('../npm/checker_node.mjs'),
    import('./output.mjs'),
  ]);
  try {
    normalizeOptions(options.check);
  } catch (e) {
    const name = /^unknown option (\w+)/.exec(e.message)?.[1];
    if (!name) throw e;
    stderr.write(
      `corio-check: ${FLAG_OF[name] ?? name} is not supported by this corio's checker yet ` +
        `(checkUrls has no option ${name})\n`,
    );
    return 2;
  }
  const lines = options.progress ?? !!stderr.isTTY;
  const live = options.progress !== false && stderr.isTTY ? new StatusLine(stderr, '?') : null;
  const started = performance.now();
  // jsonl: each result is written as it ends and then forgotten; the other
  // formats need them all.
  const streaming = options.format === 'jsonl';
  const out = streaming && options.output ? (await import('node:fs')).createWriteStream(options.output) : stdout;
  const results = [];
  let failed = false;
  let pulled = 0; // URLs read so far: the total once the input ended
  let done = 0;
  let pending = null; // a write waiting for the stream to drain
  try {
    await checkEach(urls, {
      ...options.check,
      ...(corio ? { corio } : {}),
      signal: io.signal,
      onStart: (index, url) => {
        pulled = Math.max(pulled, index + 1);
        if (!live) return;
        live.total = pulled;
        live.start(index, url);
      },
      onResult: (r) => {
        failed ||= fails(r, options.failOn);
        if (streaming) {
          if (!out.write(jsonLine(r))) pending ??= new Promise((resolve) => out.once('drain', resolve));
        } else {
          results[r.index] = r;
        }
        pulled = Math.max(pulled, r.index + 1);
        const line = lines ? progressLine(r, ++done, pulled) : null;
        if (live) live.finish(r, fails(r, options.failOn), line);
        else if (line !== null) stderr.write(line + '\n');
      },
    });
  } finally {
    live?.stop();
  }
  if (streaming) {
    await pending;
    if (out !== stdout) await new Promise((resolve, reject) => out.end((e) => (e ? reject(e) : resolve())));
    return failed ? 1 : 0;
  }
  const text = render(options.format, results, performance.now() - started);
  if (options.output) {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(options.output, text);
  } else {
    stdout.write(text);
  }
  return failed ? 1 : 0;
}

async function cli() {
  // A reader that left (`corio-check ... | head`) is not an error.
  process.stdout.on('error', (e) => {
    if (e.code !== 'EPIPE') throw e;
  });
  const interrupt = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('corio-check: interrupted: cancelling the checks still running\n');
    interrupt.abort();
  });
  let status;
  try {
    status = await main(process.argv.slice(2), {
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
      signal: interrupt.signal,
    });
  } catch (e) {
    const missing = e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'ENOENT';
    process.stderr.write(
      `corio-check: ${e?.message ?? e}\n` + (missing ? '(is the wasm module built? make -f emscripten.mk dist)\n' : ''),
    );
    status = interrupt.signal.aborted ? 130 : 1;
  }
  process.exitCode = interrupt.signal.aborted && status !== 2 ? 130 : status;
}

cli();
