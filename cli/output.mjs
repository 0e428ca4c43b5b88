/*
 * output.mjs — what corio-check prints: the results as a table, JSON or CSV
 * (stdout or -o FILE), a line per finished URL on stderr (--progress), and
 * on a terminal a live status line (done, in flight, failed, the slowest
 * URL still running) rewritten in place. Text shown or saved has its
 * control and bidi characters escaped (npm/safe_text.mjs).
 */

import { csvCell, printable, safeJson } from '../npm/safe_text.mjs';

function formatMs(ms) {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

// What happened, in words: "200 OK", or the error's message and name.
function outcome(r) {
  if (r.status !== null) return `${r.status} ${r.reason}`.trim();
  if (r.hidden) return `reachable, status hidden by the browser (${r.error.codeName})`;
  return `${r.error.message} (${r.error.codeName})`;
}

export function progressLine(r, done, total) {
  const width = String(total).length;
  const mark = r.ok ? 'ok  ' : r.status !== null ? 'http' : 'FAIL';
  return (
    `[${String(done).padStart(width)}/${total}] ${mark} ${printable(r.url)} — ` +
    `${printable(outcome(r))}, ${formatMs(r.ms)}`
  );
}

// The phases of a check shown before its total, in order (result.timings).
const PHASES = ['dns', 'connect', 'tls', 'firstByte'];

// A phase's time for the table: "-" when it was not reached.
const phaseMs = (ms) => (ms === null ? '-' : formatMs(ms));

function table(results, elapsedMs) {
  const rows = results.map((r) =>
    [
      r.url,
      r.status === null ? '-' : String(r.status),
      ...PHASES.map((p) => phaseMs(r.timings[p])),
      formatMs(r.ms),
      r.status === null ? outcome(r) : r.reason,
    ].map(printable),
  );
  const head = ['URL', 'STATUS', 'DNS', 'CONNECT', 'TLS', 'FIRST BYTE', 'TIME', 'RESULT'];
  const numeric = [false, false, true, true, true, true, true, false]; // right-aligned
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const ok = results.filter((r) => r.ok).length;
  const http = results.filter((r) => r.status !== null && !r.ok).length;
  const failed = results.length - ok - http;
  const summary =
    `${results.length} URL${results.length === 1 ? '' : 's'}: ${ok} below 400, ` +
    `${http} at 400 or above, ${failed} without a status; ${formatMs(elapsedMs)} in all`;
  return [line(head), ...rows.map(line), '', summary].join('\n') + '\n';
}

function csv(results) {
  const head = [
    'index',
    'url',
    'status',
    'reason',
    'ok',
    'hidden',
    'error_code',
    'error_message',
    'started_ms',
    'ended_ms',
    'ms',
    'dns_ms',
    'connect_ms',
    'tls_ms',
    'first_byte_ms',
    'attempts',
  ];
  const rows = results.map((r) => [
    r.index,
    r.url,
    r.status,
    r.reason,
    r.ok,
    r.hidden,
    r.error?.codeName,
    r.error?.message,
    r.started,
    r.ended,
    r.ms,
    ...PHASES.map((p) => r.timings[p]),
    r.attempts,
  ]);
  return [head, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** One result as a line of JSON (--format jsonl), written as it ends. */
export const jsonLine = (r) => safeJson(r) + '\n';

export function render(format, results, elapsedMs) {
  if (format === 'json') return safeJson(results, 2) + '\n';
  if (format === 'csv') return csv(results);
  return table(results, elapsedMs);
}

/**
 * The live line on a terminal: "[done/total] N in flight, F failed; slowest
 * running: URL (T)", redrawn in place every `everyMs` and on each event;
 * other lines (progress) print above it. `now()` gives milliseconds.
 */
export class StatusLine {
  constructor(stream, total, { everyMs = 250, now = () => performance.now() } = {}) {
    this.stream = stream;
    this.total = total;
    this.now = now;
    this.running = new Map(); // index -> [url, started]
    this.done = 0;
    this.failed = 0;
    this.shown = false;
    this.timer = setInterval(() => this.draw(), everyMs);
    this.timer.unref?.();
  }

  start(index, url) {
    this.running.set(index, [url, this.now()]);
    this.draw();
  }

  /** A URL finished; `line` (or null) is printed above the status line. */
  finish(result, failed, line) {
    this.running.delete(result.index);
    this.done++;
    if (failed) this.failed++;
    if (line !== null) {
      this.clear();
      this.stream.write(line + '\n');
    }
    this.draw();
  }

  text() {
    let slowest = null;
    for (const [url, started] of this.running.values()) if (!slowest || started < slowest[1]) slowest = [url, started];
    const width = (this.stream.columns || 80) - 1;
    const head = `[${this.done}/${this.total}] ${this.running.size} in flight, ${this.failed} failed`;
    if (!slowest) return head.slice(0, width);
    const before = `${head}; slowest running: `;
    const after = ` (${formatMs(this.now() - slowest[1])})`;
    let url = printable(slowest[0]);
    const room = width - before.length - after.length;
    if (url.length > room) {
      // keep both ends of the URL: the host and the path's end
      const keep = Math.max(0, room - 1);
      url = url.slice(0, Math.ceil(keep / 2)) + '…' + url.slice(url.length - Math.floor(keep / 2));
    }
    return (before + url + after).slice(0, width);
  }

  draw() {
    this.stream.write(`\r\x1b[K${this.text()}`);
    this.shown = true;
  }

  clear() {
    if (this.shown) this.stream.write('\r\x1b[K');
    this.shown = false;
  }

  stop() {
    clearInterval(this.timer);
    this.clear();
  }
}
