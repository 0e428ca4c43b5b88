// export.mjs — the checker page's results as files to download: CSV (one
// row per URL, RFC 4180 quoting) and JSON (the results as npm/checker.mjs
// gives them). Pure functions, plus download(), which saves a text.

export const CSV_COLUMNS = ['index', 'url', 'status', 'reason', 'ok', 'error_code', 'error_name',
  'error_message', 'started_ms', 'ended_ms', 'ms'];

// A field, quoted when it holds a comma, a quote or a line break; a text
// that a spreadsheet would run as a formula gets a leading apostrophe.
function field(value) {
  let text = value === null || value === undefined ? '' : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The results (in list order; the URL's position is 1-based) as CSV text. */
export function resultsCsv(results) {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of results) {
    lines.push([r.index + 1, r.url, r.status, r.reason, r.ok, r.error?.code, r.error?.codeName,
      r.error?.message, r.started, r.ended, r.ms].map(field).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** The results and what the run was, as JSON text. */
export function resultsJson(results, run) {
  return `${JSON.stringify({ ...run, results }, null, 2)}\n`;
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
