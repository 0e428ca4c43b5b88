// demo.mjs — the coroutine demos tab of the demo page: loads the corio wasm
// module (dist/) with printf routed to the output panel, and runs the C
// coroutines of examples/web_demo.c when their forms are submitted. Runs of
// different demos may overlap: they share one corio loop driven by the
// page's event loop. load() picks the threaded build where the page is
// cross-origin isolated (the dev server's is), so demo_hash_to_thread runs
// its hash on a worker thread while a live clock shows the page still runs.
// Texts follow the page's language (i18n.mjs); printf output is the C
// program's own. While demos run, the console shows their tasks live
// (corio_dump_tasks); debug mode follows ?debug (debug_mode.mjs).
import { load } from '../npm/corio.mjs';
import { debugOn, debugToggle, onDebugChange } from './debug_mode.mjs';
import { onLanguageChange, t } from './i18n.mjs';

const $ = (selector) => document.querySelector(selector);
const log = $('#log');
const pageStart = performance.now();
const forms = [...document.querySelectorAll('form.demo')];

// What each text shows, so a language switch can redraw it: the status line
// and each form's output ({key, params, state}).
let status = { state: 'loading', key: 'demoLoading', params: {} };
const outputs = new Map(forms.map((form) => [form, { state: 'idle', key: 'demoNotRun', params: {} }]));

// Appends one line to the output panel; kind: out, err, run, ok, fail.
function addLine(kind, text) {
  const li = document.createElement('li');
  li.className = kind;
  const time = document.createElement('time');
  time.textContent = `${((performance.now() - pageStart) / 1000).toFixed(3)} s`;
  const span = document.createElement('span');
  span.textContent = text;
  li.append(time, span);
  const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
  log.append(li);
  if (atBottom) log.scrollTop = log.scrollHeight;
}

function setStatus(state, key, params = {}) {
  status = { state, key, params };
  drawTexts();
}

// key null: params.text is shown as it is (an error's own words).
function setOutput(form, state, key, params = {}) {
  outputs.set(form, { state, key, params });
  drawTexts();
}

function drawTexts() {
  const el = $('#status');
  el.dataset.state = status.state;
  el.textContent = t(status.key, status.params);
  for (const [form, out] of outputs) {
    const output = form.querySelector('output');
    output.dataset.state = out.state;
    output.textContent = out.key ? t(out.key, out.params) : out.params.text;
    form.querySelector('button').textContent = t('demoRun', { name: form.dataset.demo });
  }
}

function describeError(e) {
  if (e?.name === 'CorioError') return `CorioError ${e.codeName} (${e.code}): ${e.message}`;
  return `${e?.name ?? 'Error'}: ${e?.message ?? e}`;
}

// The live task list: redrawn every DUMP_MS while a demo runs, and once
// when the last one ends.
const DUMP_MS = 100;
const dumpView = document.createElement('pre');
dumpView.id = 'task-dump';
let running = 0;
let dumpTimer = null;

function drawDump(corio) {
  const text = corio ? corio.dumpTasks() : '';
  dumpView.textContent = text || t('taskDumpEmpty');
}

function showDump() {
  const title = document.createElement('h2');
  const draw = () => (title.textContent = t('taskDump'));
  draw();
  onLanguageChange(draw);
  log.after(title, dumpView);
  drawDump(null);
}

function demoStarted(corio) {
  if (running++ === 0) dumpTimer = setInterval(() => drawDump(corio), DUMP_MS);
  drawDump(corio);
}

function demoEnded(corio) {
  if (--running === 0) clearInterval(dumpTimer);
  drawDump(corio);
}

async function runDemo(corio, form) {
  const name = form.dataset.demo;
  const arg = Number(form.elements.arg.value) | 0;
  const button = form.querySelector('button');
  button.disabled = true;
  setOutput(form, 'running', 'demoRunning');
  addLine('run', t('logStart', { name, arg }));
  const start = performance.now();
  const took = () => t('seconds', { n: ((performance.now() - start) / 1000).toFixed(2) });
  const run = corio.run(name, arg);
  demoStarted(corio);
  try {
    const value = await run;
    const time = took();
    setOutput(form, 'ok', 'demoReturned', { value, time });
    addLine('ok', t('logReturned', { name, arg, value, time }));
  } catch (e) {
    const time = took();
    setOutput(form, 'error', null, { text: describeError(e) });
    addLine('fail', t('logFailed', { name, arg, time, error: describeError(e) }));
  } finally {
    button.disabled = false;
    demoEnded(corio);
  }
}

// The live clock: seconds since the page loaded, redrawn every frame while
// its tab is shown. It stands still while the page's thread is busy
// (demo_hash_on_loop). Hidden, it is not redrawn: each frame would cost the
// page's thread a callback and a text change nobody sees, beside the
// checker's tab when that is the one shown.
function startClock() {
  const clock = $('#live-clock');
  const panel = clock.closest('[role="tabpanel"]');
  let frame = 0; // the planned frame's id, 0 when none is
  const draw = () => {
    clock.textContent = ((performance.now() - pageStart) / 1000).toFixed(2);
    frame = requestAnimationFrame(draw);
  };
  const follow = () => {
    if (panel.hidden) {
      cancelAnimationFrame(frame);
      frame = 0;
    } else if (frame === 0) draw();
  };
  new MutationObserver(follow).observe(panel, { attributes: true, attributeFilter: ['hidden'] });
  follow();
}

async function main() {
  startClock();
  onLanguageChange(drawTexts);
  drawTexts();
  $('#clear').addEventListener('click', () => log.replaceChildren());
  $('#status').after(debugToggle('demo-debug'));
  showDump();
  let corio;
  try {
    corio = await load({
      debug: debugOn(),
      print: (line) => addLine('out', line),
      printErr: (line) => addLine('err', line),
    });
  } catch (e) {
    setStatus('error', 'demoUnavailable', { error: describeError(e) });
    return;
  }
  const m = corio.module;
  $('#backend').textContent = m.UTF8ToString(m._corio_export_backend_name());
  const drawThreads = () => ($('#threads').textContent = t(corio.threads ? 'threadsOn' : 'threadsOff'));
  drawThreads();
  onLanguageChange(drawThreads);
  onDebugChange((on) => m._corio_export_set_debug(on ? 1 : 0));
  for (const form of forms) {
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      runDemo(corio, form);
    });
    form.querySelector('button').disabled = false;
  }
  setStatus('ready', 'demoReady');
}

main();
