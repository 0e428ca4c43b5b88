// export.mjs — the checker page's results as files to download: CSV (one
// row per URL, RFC 4180 quoting) and JSON (the results as npm/checker.mjs
// gives them), control and bidi characters escaped and formulas
// neutralised by npm/safe_text.mjs, the CLI's rule too. Pure functions,
// plus download(), which saves a text.
import { csvCell, safeJson } from '../npm/safe_text.mjs';

export const CSV_COLUMNS = [
  'index',
  'url',
  'status',
  'reason',
  'ok',
  'error_code',
  'error_name',
  'error_message',
  'started_ms',
  'ended_ms',
  'ms',
];

/** The results (in list order; the URL's position is 1-based) as CSV text. */
export function resultsCsv(results) {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of results) {
    lines.push(
      [
        r.index + 1,
        r.url,
        r.status,
        r.reason,
        r.ok,
        r.error?.code,
        r.error?.codeName,
        r.error?.message,
        r.started,
        r.ended,
        r.ms,
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** The results and what the run was, as JSON text. */
export function resultsJson(results, run) {
  return `${safeJson({ ...run, results }, 2)}\n`;
}

/** Saves `text` as a file called `name` of type `type`. */
export function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
