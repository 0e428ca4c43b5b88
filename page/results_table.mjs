// results_table.mjs — the checker page's results table: one row per URL,
// built once per run, then each row's cells updated in place as its check
// starts and ends. Updates are queued and applied by flush(), once per
// animation frame, so hundreds of results cost a few DOM writes per frame.
// The table is ARIA roles on divs (demo.css makes each row a grid of fixed
// height, contained, and skipped while off screen): a changed cell lays out
// its own row, never the whole table. On a phone rows are cards; a tap (or
// Enter) on one shows its whole error. Also says how a result is shown
// (kind, texts), for the timeline too.
import { formatMs, language, t } from './i18n.mjs';
import { ERROR_NAMES_ZH } from './strings.mjs';

export const CANCELLED = 'CORIO_ECANCELLED';

/** How a result is shown: 'ok', 'http-error', 'error', 'hidden' or 'cancelled'. */
export function resultKind(result) {
  if (result.error?.codeName === CANCELLED) return 'cancelled';
  if (result.hidden) return 'hidden';
  if (result.status === null || result.status === undefined) return 'error';
  return result.status < 400 ? (result.error ? 'error' : 'ok') : 'http-error';
}

/** The check's duration in ms. */
export function resultMs(result) {
  if (Number.isFinite(result.ms)) return result.ms;
  return result.ended - result.started;
}

/** The error in the page's language (English: the C message, which names the host). */
export function errorText(error) {
  if (!error) return '';
  if (error.codeName === CANCELLED) return t('cancelled');
  if (language() === 'zh' && ERROR_NAMES_ZH[error.codeName]) return ERROR_NAMES_ZH[error.codeName];
  return error.message || error.codeName || String(error.code);
}

/** One line describing a result: the timeline's tooltip. */
export function resultLabel(result) {
  const kind = resultKind(result);
  const what =
    kind === 'hidden'
      ? t('hidden')
      : kind === 'ok' || kind === 'http-error'
        ? `${result.status} ${result.reason ?? ''}`.trim()
        : errorText(result.error);
  return `${result.url} — ${what} — ${formatMs(resultMs(result))}`;
}

/** A followed redirect chain as "301 URL → 200 URL" ('' without one). */
export function chainText(result) {
  const hops = result.redirects ?? [];
  return hops.length > 1 ? hops.map((h) => `${h.status} ${h.url}`).join(' → ') : '';
}

// The cells of a row with a result: [status, reason, time, error]; the
// last shows the redirect chain when there is one and no error.
function resultCells(result, kind) {
  const status = kind === 'hidden' || result.status == null ? '—' : String(result.status);
  const reason =
    kind === 'hidden'
      ? t('hidden')
      : kind === 'cancelled'
        ? t('cancelled')
        : result.status == null
          ? ''
          : (result.reason ?? '');
  const error = kind === 'hidden' ? '' : errorText(result.error) || chainText(result);
  return [status, reason, formatMs(resultMs(result)), error];
}

// How many characters of a URL's end stay when it is cut in the middle.
const URL_TAIL = 18;

// A URL as its head (which CSS cuts with an ellipsis when there is no room)
// and its tail (which stays): together the whole URL.
function urlParts(url) {
  const cut = Math.max(0, url.length - URL_TAIL);
  return [
    ['head', url.slice(0, cut)],
    ['tail', url.slice(cut)],
  ].map(([name, text]) => {
    const span = document.createElement('span');
    span.className = name;
    span.textContent = text;
    return span;
  });
}

export class ResultsTable {
  /** Fills `body` (the table's role="rowgroup" of result rows). */
  constructor(body) {
    this.body = body;
    ResultsTable.listen(body);
    this.reset([]);
  }

  /** One pending row per URL. */
  reset(urls) {
    this.rows = []; // per index: {tr, cells: [status, reason, time, error], state, result}
    this.dirty = new Set();
    const fragment = document.createDocumentFragment();
    urls.forEach((url, index) => {
      const tr = document.createElement('div');
      tr.className = 'row';
      tr.setAttribute('role', 'row');
      tr.dataset.index = index;
      const cells = ['index', 'url', 'status', 'reason', 'time', 'error'].map((name) => {
        const td = document.createElement('span');
        td.className = name;
        td.setAttribute('role', 'cell');
        tr.append(td);
        return td;
      });
      cells[0].textContent = index + 1;
      cells[1].append(...urlParts(url));
      cells[1].title = url;
      tr.tabIndex = 0;
      tr.setAttribute('aria-expanded', 'false');
      this.rows.push({ tr, cells: cells.slice(2), state: 'pending', result: null });
      this.dirty.add(index);
      fragment.append(tr);
    });
    this.body.replaceChildren(fragment);
    this.flush();
  }

  /** Shows or hides the whole error of the row `tr` (a tap or a key on it). */
  static toggle(tr) {
    tr.setAttribute('aria-expanded', String(tr.getAttribute('aria-expanded') !== 'true'));
  }

  /** Makes rows of `body` open on a tap, Enter or Space. */
  static listen(body) {
    body.addEventListener('click', (event) => {
      const tr = event.target.closest('[role="row"]');
      if (tr && !getSelection()?.toString()) ResultsTable.toggle(tr);
    });
    body.addEventListener('keydown', (event) => {
      if ((event.key === 'Enter' || event.key === ' ') && event.target.matches('[role="row"]')) {
        event.preventDefault();
        ResultsTable.toggle(event.target);
      }
    });
  }

  start(index) {
    const row = this.rows[index];
    if (!row || row.result) return;
    row.state = 'running';
    this.dirty.add(index);
  }

  setResult(result) {
    const row = this.rows[result.index];
    if (!row) return;
    row.result = result;
    row.state = resultKind(result);
    this.dirty.add(result.index);
  }

  /** Applies the queued updates. */
  flush() {
    for (const index of this.dirty) this.drawRow(this.rows[index]);
    this.dirty.clear();
  }

  /** Redraws every row (after a language switch). */
  redraw() {
    for (const row of this.rows) this.drawRow(row);
    this.dirty.clear();
  }

  drawRow(row) {
    const texts = row.result
      ? resultCells(row.result, row.state)
      : ['', t(row.state === 'running' ? 'rowRunning' : 'rowPending'), '', ''];
    row.cells.forEach((td, i) => {
      if (td.textContent !== texts[i]) td.textContent = texts[i];
    });
    // Tooltips: the C code and message in full (the cells cut long texts);
    // for a hidden status, the message says why it is hidden.
    const error = row.result?.error;
    const detail = error
      ? `${error.codeName} (${error.code}): ${error.message}`
      : row.result
        ? chainText(row.result)
        : '';
    row.cells[1].title = row.state === 'hidden' ? detail : '';
    row.cells[3].title = row.state === 'hidden' ? '' : detail;
    row.tr.dataset.state = row.state;
  }

  /** The results so far, in list order (null where none yet). */
  results() {
    return this.rows.map((row) => row.result);
  }

  /** How many rows are in each state. */
  counts() {
    const counts = { pending: 0, running: 0, ok: 0, 'http-error': 0, error: 0, hidden: 0, cancelled: 0 };
    for (const row of this.rows) counts[row.state]++;
    return counts;
  }
}
