#!/usr/bin/env node
/*
 * corio-check.mjs — `corio-check`, the website checker on the command line: reads
 * URLs (arguments, a file, standard input), checks them with npm/checker.mjs
 * (the C checker in corio's wasm), shows progress on stderr and prints the
 * results on stdout as a table, JSON or CSV. Exit status: 0 if every URL
 * answered with a status below 400, 1 otherwise, 2 for a usage error.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { checkUrls } from '../npm/checker.mjs';

const USAGE = `usage: corio-check [options] [URL...]

Checks the HTTP status of each URL (GET, status line only) and prints the
results. URLs come from the arguments, from -f FILE (one per line, # starts
a comment), or from standard input ("-", or when no URL is given and input
is piped).

options:
  -f, --file FILE        read URLs from FILE (may be repeated)
  -c, --concurrency N    check at most N URLs at once (default 10)
  -t, --timeout SECONDS  give each URL at most SECONDS (default 10; 0: no limit,
                         unlike corio's own timeouts, where 0 has expired)
  -s, --sequential       check one URL after the other
      --format FORMAT    table (default), json or csv
      --progress         show progress on stderr even when it is not a terminal
      --no-progress      never show progress
  -h, --help             show this help

Exit status: 0 if every URL answered with a status below 400, 1 if any did
not (an HTTP error, a failure, an invalid URL), 2 for a usage error.`;

const FORMATS = ['table', 'json', 'csv'];

class UsageError extends Error {}

// ---- input -----------------------------------------------------------------

const OPTIONS = {
  file: { type: 'string', short: 'f', multiple: true },
  concurrency: { type: 'string', short: 'c' },
  timeout: { type: 'string', short: 't' },
  sequential: { type: 'boolean', short: 's' },
  format: { type: 'string' },
  progress: { type: 'boolean' },
  'no-progress': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

// Whether `arg` is an option (or a group of short ones) that ends wanting
// the next argument as its value: --timeout, -t, -st.
function wantsValue(arg) {
  const type = (short) => Object.values(OPTIONS).find((o) => o.short === short)?.type;
  if (arg.startsWith('--')) return OPTIONS[arg.slice(2)]?.type === 'string';
  if (!/^-[^-]/.test(arg)) return false;
  const shorts = [...arg.slice(1)];
  return type(shorts.at(-1)) === 'string' && shorts.slice(0, -1).every((c) => type(c) === 'boolean');
}

// parseArgs refuses "-t -1" as ambiguous (is -1 an option?); no option is a
// digit, so a negative number after an option that wants a value is that
// value: joined as "--timeout=-1" / "-t-1", it reaches our own checks.
function joinNegativeValues(argv) {
  const out = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return out.concat(argv.slice(i));
    if (wantsValue(arg) && /^-\.?\d/.test(argv[i + 1] ?? '')) {
      out.push(arg.startsWith('--') ? `${arg}=${argv[i + 1]}` : arg + argv[i + 1]);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

function parseCommandLine(argv) {
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv), allowPositionals: true, options: OPTIONS });
  } catch (e) {
    throw new UsageError(e.message);
  }
  const { values, positionals } = parsed;
  const options = {
    help: !!values.help,
    files: values.file ?? [],
    args: positionals,
    concurrency: 10,
    timeout: 10,
    sequential: !!values.sequential,
    format: values.format ?? 'table',
    progress: values['no-progress'] ? false : values.progress ? true : null,
    warnings: [],
  };
  if (values.concurrency !== undefined) {
    const n = Number(values.concurrency);
    if (!/^\s*\d+\s*$/.test(values.concurrency) || n < 1 || n > 1_000_000)
      throw new UsageError(`--concurrency must be a whole number from 1 to 1000000, not "${values.concurrency}"`);
    options.concurrency = n;
    if (options.sequential) options.warnings.push('--concurrency has no effect with --sequential');
  }
  if (values.timeout !== undefined) {
    const s = Number(values.timeout);
    if (values.timeout.trim() === '' || !Number.isFinite(s) || s < 0)
      throw new UsageError(`--timeout must be a number of seconds >= 0 (0: none), not "${values.timeout}"`);
    // The option's 0 ("none") is corio's CORIO_FOREVER, which JS spells Infinity.
    options.timeout = s === 0 ? Infinity : s;
  }
  if (!FORMATS.includes(options.format))
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, not "${options.format}"`);
  return options;
}

// One URL per line; blank lines and # comments are skipped.
function urlLines(text) {
  return text.split(/\r?\n/).map((line) => line.replace(/(^|\s)#.*$/, '').trim())
    .filter((line) => line !== '');
}

async function readStdin(stdin) {
  const chunks = [];
  for await (const chunk of stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

// The URLs in order: files first, then the arguments ("-" is stdin, as a
// file or an argument, read once); stdin alone when nothing else is given and
// it is not a terminal.
async function collectUrls(options, stdin) {
  const urls = [];
  let stdinText = null;
  const fromStdin = async () => (stdinText ??= await readStdin(stdin));
  for (const file of options.files) {
    if (file === '-') {
      urls.push(...urlLines(await fromStdin()));
      continue;
    }
    let text;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
    }
    urls.push(...urlLines(text));
  }
  for (const arg of options.args) {
    if (arg === '-') urls.push(...urlLines(await fromStdin()));
    else urls.push(arg);
  }
  if (options.files.length === 0 && options.args.length === 0) {
    if (stdin.isTTY) throw new UsageError('no URLs given');
    urls.push(...urlLines(await fromStdin()));
  }
  if (urls.length === 0) throw new UsageError('no URLs to check (the input had none)');
  return urls;
}

// ---- output ----------------------------------------------------------------

// Text for a terminal: C0 and C1 controls and DEL become escapes (\n, \x1b),
// so a URL or a message cannot break a line, move the cursor or recolour.
function printable(s) {
  const named = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };
  return s.replace(/[\x00-\x1f\x7f-\x9f]/g,
    (c) => named[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function formatMs(ms) {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

// What happened, in words: "200 OK", or the error's message and name.
function outcome(r) {
  if (r.status !== null) return `${r.status} ${r.reason}`.trim();
  if (r.hidden) return `reachable, status hidden by the browser (${r.error.codeName})`;
  return `${r.error.message} (${r.error.codeName})`;
}

function progressLine(r, done, total) {
  const width = String(total).length;
  const mark = r.ok ? 'ok  ' : r.status !== null ? 'http' : 'FAIL';
  return `[${String(done).padStart(width)}/${total}] ${mark} ${printable(r.url)} — ` +
    `${printable(outcome(r))}, ${formatMs(r.ms)}`;
}

function table(results, elapsedMs) {
  const rows = results.map((r) => [r.url, r.status === null ? '-' : String(r.status),
    formatMs(r.ms), r.status === null ? outcome(r) : r.reason].map(printable));
  const head = ['URL', 'STATUS', 'TIME', 'RESULT'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => cells.map((c, i) =>
    (i === cells.length - 1 ? c : i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  const ok = results.filter((r) => r.ok).length;
  const http = results.filter((r) => r.status !== null && !r.ok).length;
  const failed = results.length - ok - http;
  const summary = `${results.length} URL${results.length === 1 ? '' : 's'}: ${ok} below 400, ` +
    `${http} at 400 or above, ${failed} without a status; ${formatMs(elapsedMs)} in all`;
  return [line(head), ...rows.map(line), '', summary].join('\n') + '\n';
}

// RFC 4180: a field with a quote, comma or line break is quoted, so the data
// stays intact and a line break inside it does not end the row.
function csvField(value) {
  const s = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csv(results) {
  const head = ['index', 'url', 'status', 'reason', 'ok', 'hidden', 'error_code',
    'error_message', 'started_ms', 'ended_ms', 'ms'];
  const rows = results.map((r) => [r.index, r.url, r.status, r.reason, r.ok, r.hidden,
    r.error?.codeName, r.error?.message, r.started, r.ended, r.ms]);
  return [head, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

function render(format, results, elapsedMs) {
  if (format === 'json') return JSON.stringify(results, null, 2) + '\n';
  if (format === 'csv') return csv(results);
  return table(results, elapsedMs);
}

// ---- main --------------------------------------------------------------------

/**
 * Runs the CLI with `argv` (without node and the script); returns the exit
 * status. `io` = {stdin, stdout, stderr, signal (AbortSignal: Ctrl-C)}.
 */
async function main(argv, io) {
  const { stdin, stdout, stderr } = io;
  let options, urls;
  try {
    options = parseCommandLine(argv);
    if (options.help) {
      stdout.write(USAGE + '\n');
      return 0;
    }
    for (const warning of options.warnings) stderr.write(`corio-check: warning: ${warning}\n`);
    urls = await collectUrls(options, stdin);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    stderr.write(`corio-check: ${e.message}\n(corio-check --help shows the usage)\n`);
    return 2;
  }
  const showProgress = options.progress ?? !!stderr.isTTY;
  let done = 0;
  const started = performance.now();
  const results = await checkUrls(urls, {
    concurrency: options.concurrency,
    timeout: options.timeout,
    mode: options.sequential ? 'sequential' : 'concurrent',
    signal: io.signal,
    onResult: showProgress ? (r) => stderr.write(progressLine(r, ++done, urls.length) + '\n')
      : undefined,
  });
  stdout.write(render(options.format, results, performance.now() - started));
  return results.every((r) => r.ok) ? 0 : 1;
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
      stdin: process.stdin, stdout: process.stdout, stderr: process.stderr,
      signal: interrupt.signal,
    });
  } catch (e) {
    const missing = e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'ENOENT';
    process.stderr.write(`corio-check: ${e?.message ?? e}\n` +
      (missing ? '(is the wasm module built? make -f emscripten.mk dist)\n' : ''));
    status = interrupt.signal.aborted ? 130 : 1;
  }
  process.exitCode = interrupt.signal.aborted && status !== 2 ? 130 : status;
}

cli();
