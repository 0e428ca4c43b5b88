// examples_tab.mjs — the demo page's Examples tab: lists the example
// programs (dist/examples/index.json, made by the build from examples/*.c),
// shows the selected one's source, and runs it on request in a fresh worker
// (examples_worker.mjs), its stdout and stderr in the output panel beside
// the source and how it ended (exit status, abort, trap) below the buttons.
// An example that needs threads runs its threaded build in an isolated
// page (programUrl). Each example keeps its last run, and runs of
// different examples may overlap. Texts follow the page's language
// (i18n.mjs); the titles and the output are the programs' own. Runs made
// with debug mode on (?debug, the tab's checkbox: debug_mode.mjs) print
// corio's debug reports too.
import { chooseCarrier, moduleOptions } from './carrier.mjs';
import { debugOn, debugToggle } from './debug_mode.mjs';
import { formatMs, onLanguageChange, t } from './i18n.mjs';

const DIST = new URL('../dist/examples/', import.meta.url);
const WORKER = new URL('./examples_worker.mjs', import.meta.url);
const MODULE_OPTIONS = moduleOptions(chooseCarrier());

const $ = (selector) => document.querySelector(selector);
const list = $('#examples-list');
const sourceView = $('#example-source');
const outputView = $('#example-output');
const runButton = $('#example-run');
const stopButton = $('#example-stop');
const result = $('#example-result');

let status = { state: 'loading', key: 'examplesLoading', params: {} };
let examples = []; // [{name, title, threads?}] from index.json
let selected = null; // the name shown
const sources = new Map(); // name -> {state: 'loading' | 'ok' | 'error', text}
const runs = new Map(); // name -> its last run (see startRun)

// ---- drawing ---------------------------------------------------------------

function drawStatus() {
  const el = $('#examples-status');
  el.dataset.state = status.state;
  el.textContent = t(status.key, status.params);
}

function drawList() {
  list.replaceChildren(
    ...examples.map(({ name, title }) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.example = name;
      const strong = document.createElement('strong');
      strong.textContent = name;
      const small = document.createElement('small');
      small.textContent = title;
      button.append(strong, small);
      button.addEventListener('click', () => select(name));
      const li = document.createElement('li');
      li.append(button);
      return li;
    }),
  );
}

function drawSelection() {
  for (const button of list.querySelectorAll('button'))
    button.setAttribute('aria-current', String(button.dataset.example === selected));
  const example = examples.find((e) => e.name === selected);
  $('#example-name').textContent = example?.name ?? '';
  $('#example-title').textContent = example?.title ?? '';
  $('#example-file').textContent = example ? `examples/${example.name}.c` : '';
  drawSource();
  drawRun();
}

function drawSource() {
  const source = sources.get(selected);
  sourceView.dataset.state = source?.state ?? 'loading';
  if (source?.state === 'ok') sourceView.textContent = source.text;
  else if (source?.state === 'error') sourceView.textContent = t('exampleSourceFailed', { error: source.text });
  else sourceView.textContent = selected ? t('exampleSourceLoading') : '';
}

function lineElement({ kind, line }) {
  const span = document.createElement('span');
  span.className = kind;
  span.textContent = `${line}\n`;
  return span;
}

// The selected example's run: its output, its buttons and how it ended.
function drawRun() {
  const run = runs.get(selected);
  outputView.replaceChildren(...(run?.lines ?? []).map(lineElement));
  runButton.disabled = !selected || run?.state === 'running';
  stopButton.disabled = run?.state !== 'running';
  drawResult();
}

function drawResult() {
  const run = runs.get(selected);
  if (!run) {
    result.dataset.state = 'idle';
    result.textContent = selected ? t('exampleNotRun') : '';
    return;
  }
  const time = formatMs(run.ms);
  const texts = {
    running: () => t('exampleRunning'),
    exited: () => t('exampleExited', { status: run.status, time }),
    aborted: () => t('exampleAborted', { time, what: run.message }),
    failed: () => t('exampleFailed', { time, error: run.message }),
    stopped: () => t('exampleStopped', { time }),
  };
  result.dataset.state = run.state === 'exited' && run.status !== 0 ? 'failed' : run.state;
  result.textContent = texts[run.state]();
}

function drawTexts() {
  drawStatus();
  drawSource();
  drawResult();
}

// ---- loading ---------------------------------------------------------------

async function fetchText(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${url.pathname}`);
  return response.text();
}

async function loadSource(name) {
  if (sources.has(name)) return;
  sources.set(name, { state: 'loading', text: '' });
  try {
    sources.set(name, { state: 'ok', text: await fetchText(new URL(`${name}.c`, DIST)) });
  } catch (e) {
    sources.set(name, { state: 'error', text: e.message });
  }
  if (name === selected) drawSource();
}

function select(name) {
  selected = name;
  drawSelection();
  loadSource(name);
}

// ---- running ---------------------------------------------------------------

// Runs the example `name` in a fresh worker; its run record collects the
// output lines and ends exited (with a status), aborted, failed or stopped.
// An example built with threads runs that way where the page can run
// threads (cross-origin isolated: SharedArrayBuffer); elsewhere its
// single-threaded build says why it cannot (CORIO_ENOTSUP).
function programUrl(name) {
  const threaded = crossOriginIsolated && examples.find((e) => e.name === name)?.threads;
  return new URL(threaded ? `threads/${name}.mjs` : `${name}.mjs`, DIST);
}

function startRun(name) {
  const run = { state: 'running', lines: [], status: null, message: '', start: performance.now(), ms: 0 };
  const worker = new Worker(WORKER, { type: 'module', name: `example ${name}` });
  const finish = (state, fields = {}) => {
    if (run.state !== 'running') return;
    worker.terminate();
    Object.assign(run, fields, { state, ms: performance.now() - run.start });
    if (name === selected) drawRun();
  };
  run.stop = () => finish('stopped');
  worker.addEventListener('message', ({ data }) => {
    if (run.state !== 'running') return;
    if (data.type === 'out' || data.type === 'err') {
      const entry = { kind: data.type, line: data.line };
      run.lines.push(entry);
      if (name === selected) outputView.append(lineElement(entry));
    } else if (data.type === 'exit') finish('exited', { status: data.status });
    else if (data.type === 'abort') finish('aborted', { message: data.what || 'abort()' });
    else if (data.type === 'error') finish('failed', { message: data.message });
  });
  // The worker script itself failed to load or run.
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    finish('failed', { message: event.message || 'the worker failed' });
  });
  runs.set(name, run);
  if (name === selected) drawRun();
  worker.postMessage({ url: programUrl(name).href, options: { ...MODULE_OPTIONS, corioDebug: debugOn() } });
}

// ---- start -----------------------------------------------------------------

async function main() {
  onLanguageChange(drawTexts);
  drawTexts();
  runButton.addEventListener('click', () => selected && startRun(selected));
  stopButton.addEventListener('click', () => runs.get(selected)?.stop());
  $('#examples-status').after(debugToggle('examples-debug'));
  try {
    ({ examples } = JSON.parse(await fetchText(new URL('index.json', DIST))));
  } catch (e) {
    status = { state: 'error', key: 'examplesUnavailable', params: { error: e.message } };
    drawStatus();
    return;
  }
  status = { state: 'ready', key: 'examplesReady', params: { n: examples.length } };
  drawStatus();
  drawList();
  if (examples.length) select(examples[0].name);
}

main();
