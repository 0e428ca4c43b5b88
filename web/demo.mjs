// demo.mjs — the browser demo page: loads the corio wasm module (dist/) with
// printf routed to the output panel, and runs the C coroutines of
// examples/web_demo.c when their forms are submitted. Runs of different demos
// may overlap: they share one corio loop driven by the page's event loop.
import { load } from './corio.mjs';

const $ = (selector) => document.querySelector(selector);
const log = $('#log');
const pageStart = performance.now();

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

function setStatus(state, text) {
  const status = $('#status');
  status.dataset.state = state;
  status.textContent = text;
}

function describeError(e) {
  if (e?.name === 'CorioError') return `CorioError ${e.codeName} (${e.code}): ${e.message}`;
  return `${e?.name ?? 'Error'}: ${e?.message ?? e}`;
}

async function runDemo(corio, form) {
  const name = form.dataset.demo;
  const arg = Number(form.elements.arg.value) | 0;
  const button = form.querySelector('button');
  const output = form.querySelector('output');
  button.disabled = true;
  output.dataset.state = 'running';
  output.textContent = 'running…';
  addLine('run', `▶ ${name}(${arg})`);
  const start = performance.now();
  const took = () => `${((performance.now() - start) / 1000).toFixed(2)} s`;
  try {
    const value = await corio.run(name, arg);
    output.dataset.state = 'ok';
    output.textContent = `returned ${value} after ${took()}`;
    addLine('ok', `✔ ${name}(${arg}) returned ${value} after ${took()}`);
  } catch (e) {
    output.dataset.state = 'error';
    output.textContent = describeError(e);
    addLine('fail', `✘ ${name}(${arg}) failed after ${took()}: ${describeError(e)}`);
  } finally {
    button.disabled = false;
  }
}

async function main() {
  $('#clear').addEventListener('click', () => log.replaceChildren());
  let corio;
  try {
    corio = await load({
      print: (line) => addLine('out', line),
      printErr: (line) => addLine('err', line),
    });
  } catch (e) {
    setStatus('error', `Could not load dist/corio.mjs (${describeError(e)}). ` +
      'Build it first (make dist), then reload.');
    return;
  }
  const m = corio.module;
  $('#backend').textContent = m._corio_backend_name
    ? m.UTF8ToString(m._corio_backend_name()) : 'unknown';
  for (const form of document.querySelectorAll('form.demo')) {
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      runDemo(corio, form);
    });
    form.querySelector('button').disabled = false;
  }
  setStatus('ready', 'Ready.');
}

main();
