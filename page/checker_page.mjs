// checker_page.mjs — the website checker view of the demo page: reads the
// URL list and the controls, runs the concurrent check (then, to compare,
// the sequential one) through npm/checker.mjs, cancels through an
// AbortController, and draws what happens: progress, totals, the results
// table (results_table.mjs) and the timelines (timeline.mjs), all updated
// once per animation frame however fast results arrive. The checker's
// module loads when the page opens (its time is shown apart), so a run's
// total is its checking time only. Results download as CSV or JSON.
import { DEMO_PATHS } from '../server/demo_endpoints.mjs';
import { chooseCarrier, moduleOptions } from './carrier.mjs';
import { download, resultsCsv, resultsJson } from './export.mjs';
import { formatMs, onLanguageChange, t } from './i18n.mjs';
import { CANCELLED, ResultsTable, resultKind, resultLabel } from './results_table.mjs';
import { Timeline } from './timeline.mjs';

// Well-known sites, as the guide's example checks. Without internet each
// fails with its own error.
const PUBLIC_SITES = [
  'https://www.google.com/',
  'https://www.python.org/',
  'https://www.wikipedia.org/',
  'https://www.youtube.com/',
  'https://www.facebook.com/',
  'https://www.amazon.com/',
  'https://www.baidu.com/',
  'https://github.com/',
  'https://www.bing.com/',
  'https://www.reddit.com/',
];

const LIMITS = { urls: 5000, concurrency: [1, 1000], timeout: [0.1, 600] };

/** The default list: this server's demo endpoints, then the public sites. */
function defaultUrls(origin = location.origin) {
  return [...DEMO_PATHS.map((path) => origin + path), ...PUBLIC_SITES];
}

/** The URLs of the list's text: one per line, # lines skipped, https:// added where no scheme. */
function parseUrls(text) {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => (/^[a-z][a-z0-9+.-]*:/i.test(line) ? line : `https://${line}`));
}

const $ = (selector) => document.querySelector(selector);
const el = {
  form: $('#checker-form'),
  urls: $('#urls'),
  concurrency: $('#concurrency'),
  timeout: $('#timeout'),
  method: $('#method'),
  follow: $('#follow'),
  compare: $('#compare'),
  run: $('#run'),
  cancel: $('#cancel'),
  restore: $('#restore-defaults'),
  status: $('#checker-status'),
  progress: $('#progress'),
  phase: $('#progress-phase'),
  progressText: $('#progress-text'),
  summary: $('#summary'),
  totals: { concurrent: $('#total-concurrent'), sequential: $('#total-sequential') },
  speedup: $('#speedup'),
  sequentialFigure: $('#timeline-sequential'),
  downloadCsv: $('#download-csv'),
  downloadJson: $('#download-json'),
};
const table = new ResultsTable($('#results-body'));
const timelines = {
  concurrent: new Timeline($('#timeline-concurrent')),
  sequential: new Timeline($('#timeline-sequential')),
};

const page = {
  checker: null, // npm/checker.mjs once loaded
  corio: null, // its corio instance, loaded with the page's carrier (carrier.mjs)
  status: { state: 'loading', key: 'statusLoading', params: {} },
  controller: null, // the AbortController of the run in progress
  phase: null, // 'concurrent' or 'sequential' while one runs
  shownPhase: null, // the phase the progress bar shows (the last one started)
  phaseStart: 0, // performance.now() when the phase began
  total: 0, // URLs in the run
  done: 0, // results of the current phase
  started: { concurrent: new Map(), sequential: new Map() }, // index -> ms it started, by phase
  results: { concurrent: [], sequential: [] }, // by index
  totals: { concurrent: null, sequential: null }, // {ms, cancelled, running}
};

// While a run goes on the page redraws at most this often (ms): fast
// enough to look live, and most frames stay free for the checks themselves.
const FRAME_MS = 50;
let frame = 0; // the pending requestAnimationFrame, or 0
let lastDraw = 0;

// Sets a text only when it changed: a new text node means new layout.
function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function setStatus(state, key, params = {}) {
  page.status = { state, key, params };
  drawStatus();
}

function drawStatus() {
  el.status.dataset.state = page.status.state;
  setText(el.status, t(page.status.key, page.status.params));
}

// The form's values, or {error: [key, params]} saying what is wrong.
function readForm() {
  const urls = parseUrls(el.urls.value);
  const concurrency = Number(el.concurrency.value);
  const timeout = Number(el.timeout.value);
  const [cMin, cMax] = LIMITS.concurrency;
  const [tMin, tMax] = LIMITS.timeout;
  if (urls.length === 0) return { error: ['statusNoUrls'] };
  if (urls.length > LIMITS.urls) return { error: ['statusTooMany', { max: LIMITS.urls }] };
  if (!Number.isInteger(concurrency) || concurrency < cMin || concurrency > cMax)
    return { error: ['statusBadConcurrency', { max: cMax }] };
  if (!(timeout >= tMin && timeout <= tMax)) return { error: ['statusBadTimeout', { min: tMin, max: tMax }] };
  return {
    urls,
    concurrency,
    timeout,
    method: el.method.value,
    follow: el.follow.checked,
    compare: el.compare.checked,
  };
}

function requestFrame() {
  if (!frame) frame = requestAnimationFrame(drawFrame);
}

// Applies everything that changed since the last redraw; while a phase runs,
// asks for the next frame too (running bars and the clock move).
function drawFrame() {
  frame = 0;
  if (page.phase && performance.now() - lastDraw < FRAME_MS) return requestFrame();
  lastDraw = performance.now();
  const now = lastDraw - page.phaseStart;
  table.flush();
  for (const [phase, timeline] of Object.entries(timelines)) timeline.flush(phase === page.phase ? now : 0);
  drawProgress();
  drawTotals();
  drawSummary();
  if (page.phase) requestFrame();
}

function drawProgress() {
  const { total, done } = page;
  const phase = page.shownPhase;
  let running = 0;
  if (phase) for (const index of page.started[phase].keys()) if (!page.results[phase][index]) running++;
  el.progress.max = Math.max(total, 1);
  el.progress.value = done;
  el.progress.dataset.phase = phase ?? '';
  setText(el.phase, phase ? t(phase === 'sequential' ? 'phaseSequential' : 'phaseConcurrent') : '');
  setText(
    el.progressText,
    total === 0
      ? t('progressIdle')
      : running > 0
        ? t('progressInFlight', { done, total, running })
        : t('progressCount', { done, total }),
  );
}

function drawTotals() {
  for (const [phase, dd] of Object.entries(el.totals)) {
    const total = page.totals[phase];
    const ms = total?.running ? performance.now() - page.phaseStart : total?.ms;
    dd.dataset.state = !total ? 'not-run' : total.running ? 'running' : total.cancelled ? 'cancelled' : 'done';
    dd.dataset.ms = Number.isFinite(ms) ? Math.round(ms) : '';
    setText(
      dd,
      !total
        ? t('notRun')
        : total.running
          ? t('runningFor', { time: formatMs(ms) })
          : total.cancelled
            ? t('cancelledAfter', { time: formatMs(ms) })
            : formatMs(ms),
    );
  }
  const { concurrent, sequential } = page.totals;
  const both = concurrent && sequential && [concurrent, sequential].every((x) => !x.running && !x.cancelled);
  setText(el.speedup, both ? speedupText(sequential.ms, concurrent.ms) : '—');
}

// How the concurrent run compares with the sequential one, both checking
// time only: "N× faster", or "N× slower" when it took longer.
function speedupText(sequentialMs, concurrentMs) {
  const ratio = sequentialMs / Math.max(concurrentMs, 1);
  return ratio >= 1
    ? t('timesFaster', { x: ratio.toFixed(1) })
    : t('timesSlower', { x: (1 / Math.max(ratio, 1e-9)).toFixed(1) });
}

function drawSummary() {
  const c = table.counts();
  setText(
    el.summary,
    page.total === 0
      ? ''
      : t('summary', {
          ok: c.ok,
          httpError: c['http-error'],
          error: c.error,
          hidden: c.hidden,
          cancelled: c.cancelled,
        }),
  );
}

// A result for a row the run left without one: it was cancelled first, or
// the run itself failed (`error`: the Error), so no row stays "checking…".
function unfinishedResult(phase, index, url, at, error = null) {
  const started = page.started[phase].get(index) ?? null;
  return {
    index,
    url,
    status: null,
    reason: '',
    ok: false,
    hidden: false,
    error: error
      ? { code: error.code ?? null, codeName: error.codeName ?? error.name, message: error.message }
      : { code: null, codeName: CANCELLED, message: 'cancelled' },
    started,
    ended: at,
    ms: started === null ? 0 : at - started,
  };
}

function record(phase, result) {
  if (page.results[phase][result.index]) return; // already counted
  page.results[phase][result.index] = result;
  page.done++;
  if (phase === 'concurrent') table.setResult(result);
  drawBar(phase, result);
  requestFrame();
}

// A check cancelled before it began has no bar.
function drawBar(phase, result) {
  const started = page.started[phase];
  const began = started.has(result.index) || resultKind(result) !== 'cancelled';
  const start = Number.isFinite(result.started) ? result.started : started.get(result.index);
  if (!began || !Number.isFinite(start)) return;
  const end = Number.isFinite(result.ended) ? result.ended : start + (result.ms ?? 0);
  timelines[phase].finish(result.index, start, end, resultKind(result), resultLabel(result));
}

// Runs one phase over `urls` and records every row's result; resolves to
// true if it ran to the end, false if it was cancelled.
// `method` and `follow` are npm/checker.mjs's options of the same names (a
// checker without them ignores them: then GET, and redirects not followed).
async function runPhase(phase, urls, { concurrency, timeout, method, follow }, signal) {
  Object.assign(page, { phase, shownPhase: phase, phaseStart: performance.now(), done: 0 });
  page.started[phase] = new Map();
  page.totals[phase] = { running: true };
  const timeline = timelines[phase];
  const onStart = (index) => {
    if (page.phase !== phase || page.started[phase].has(index)) return;
    const at = performance.now() - page.phaseStart;
    page.started[phase].set(index, at);
    timeline.start(index, at);
    if (phase === 'concurrent') table.start(index);
    requestFrame();
  };
  let results = [];
  let failure = null;
  try {
    results = await page.checker.checkUrls(urls, {
      concurrency,
      timeout,
      method,
      follow,
      mode: phase,
      signal,
      onStart,
      corio: page.corio,
      onResult: (result) => {
        if (page.phase === phase) record(phase, result);
      },
    });
  } catch (e) {
    if (!signal.aborted) failure = e; // a cancel may reject; anything else is a failure
  }
  for (const result of results ?? []) if (result) record(phase, result);
  const end = performance.now() - page.phaseStart;
  urls.forEach((url, index) => {
    if (!page.results[phase][index]) record(phase, unfinishedResult(phase, index, url, end, failure));
  });
  page.totals[phase] = { ms: end, cancelled: signal.aborted };
  if (failure) throw failure;
  return !signal.aborted;
}

async function runChecks(event) {
  event.preventDefault();
  if (!page.checker || page.controller) return;
  const input = readForm();
  if (input.error) return setStatus('error', ...input.error);
  const { urls, compare } = input;
  const controller = new AbortController();
  page.controller = controller;
  el.run.disabled = true;
  el.cancel.disabled = false;
  el.downloadCsv.disabled = el.downloadJson.disabled = true;
  page.input = input;
  Object.assign(page, {
    total: urls.length,
    results: { concurrent: [], sequential: [] },
    started: { concurrent: new Map(), sequential: new Map() },
    totals: { concurrent: null, sequential: null },
  });
  table.reset(urls);
  timelines.concurrent.reset(urls.length);
  timelines.sequential.reset(compare ? urls.length : 0);
  el.sequentialFigure.hidden = !compare;
  try {
    setStatus('running', 'statusConcurrent', { n: urls.length, concurrency: input.concurrency });
    let finished = await runPhase('concurrent', urls, input, controller.signal);
    if (finished && compare) {
      setStatus('running', 'statusSequential', { n: urls.length });
      finished = await runPhase('sequential', urls, input, controller.signal);
    }
    if (finished) setStatus('done', 'statusDone', { n: urls.length });
    else setStatus('cancelled', 'statusCancelled');
  } catch (e) {
    setStatus('error', 'statusFailed', { error: e?.message ?? String(e) });
  } finally {
    page.phase = null;
    page.controller = null;
    el.run.disabled = false;
    el.cancel.disabled = true;
    el.downloadCsv.disabled = el.downloadJson.disabled = false;
    if (frame) cancelAnimationFrame(frame);
    drawFrame(); // the last state, now, even in a background tab
  }
}

// Redraws every text after a language switch.
function redraw() {
  drawStatus();
  table.redraw();
  for (const [phase, timeline] of Object.entries(timelines)) {
    for (const result of page.results[phase]) if (result) drawBar(phase, result);
    timeline.drawTicks();
  }
  drawFrame();
}

// The concurrent run's results, as a file.
function save(kind) {
  const results = page.results.concurrent.filter(Boolean);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  if (kind === 'csv') return download(`corio-check-${stamp}.csv`, 'text/csv', resultsCsv(results));
  const { concurrency, timeout, method, follow } = page.input;
  download(
    `corio-check-${stamp}.json`,
    'application/json',
    resultsJson(results, {
      carrier: chooseCarrier().kind,
      concurrency,
      timeout,
      method,
      follow,
      totalMs: page.totals.concurrent?.ms ?? null,
    }),
  );
}

async function main() {
  if (!el.urls.value.trim()) el.urls.value = defaultUrls().join('\n');
  el.restore.addEventListener('click', () => {
    el.urls.value = defaultUrls().join('\n');
  });
  el.form.addEventListener('submit', runChecks);
  el.cancel.addEventListener('click', () => {
    page.controller?.abort();
    el.cancel.disabled = true;
  });
  el.downloadCsv.addEventListener('click', () => save('csv'));
  el.downloadJson.addEventListener('click', () => save('json'));
  onLanguageChange(redraw);
  drawFrame();
  drawStatus();
  const loadStart = performance.now();
  try {
    page.checker = await import('../npm/checker.mjs');
    const { load } = await import('../npm/corio.mjs');
    page.corio = await load(moduleOptions(chooseCarrier()));
  } catch (e) {
    setStatus('error', 'statusUnavailable', { error: e?.message ?? String(e) });
    return;
  }
  el.run.disabled = false;
  page.loadMs = performance.now() - loadStart;
  setStatus('ready', 'statusReady', { time: formatMs(page.loadMs) });
}

main();
